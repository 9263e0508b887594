"""Deferring a job in the caller's own transaction (the app's SQLAlchemy session on asyncpg).

procrastinate's connectors speak psycopg; the app's transactions run on asyncpg, and a job
deferred on another connection would commit on its own: a rolled-back change could still
send its mail, or a committed one lose it. So the job is written by the same SQL function
procrastinate uses to defer (``procrastinate_defer_jobs_v1``), called on the session's own
connection through ``grants_defer_job`` (migration 0016, which pins the search path to the
``procrastinate`` schema). The job commits or rolls back with the change; the workers'
LISTEN wakes on the commit.

E-mails need no call here: each outbox row defers its delivery job by a trigger, in the same
way (see ``grants.notifications.worker``).
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

_defer = sa.text(
    "SELECT grants_defer_job(:queue, :task, :priority, :lock, :queueing_lock, :args, :scheduled_at)"
).bindparams(sa.bindparam("args", type_=JSONB))

# A waiting or running job with the queueing lock makes a new one unnecessary. Checked in the
# same statement; two callers racing past it meet procrastinate's unique index instead.
_defer_unless_queued = sa.text(
    "SELECT grants_defer_job(:queue, :task, :priority, :lock, :queueing_lock, :args, "
    ":scheduled_at) "
    "WHERE NOT EXISTS (SELECT 1 FROM procrastinate.procrastinate_jobs "
    "WHERE queueing_lock = :queueing_lock AND status IN ('todo', 'doing'))"
).bindparams(sa.bindparam("args", type_=JSONB))


def _values(
    *,
    task: str,
    queue: str,
    args: Mapping[str, Any] | None,
    lock: str | None,
    queueing_lock: str | None,
    priority: int,
    scheduled_at: datetime | None,
) -> dict[str, Any]:
    if scheduled_at is not None and scheduled_at.tzinfo is None:
        raise ValueError("scheduled_at must be timezone-aware")
    return {
        "task": task,
        "queue": queue,
        "args": dict(args or {}),
        "lock": lock,
        "queueing_lock": queueing_lock,
        "priority": priority,
        "scheduled_at": scheduled_at,
    }


def _require_transaction(session: AsyncSession) -> None:
    if not session.in_transaction():
        # Outside a transaction the job would commit on its own, apart from the change.
        raise RuntimeError("jobs are deferred inside the caller's transaction")


async def defer_job(
    session: AsyncSession,
    *,
    task: str,
    queue: str,
    args: Mapping[str, Any] | None = None,
    lock: str | None = None,
    queueing_lock: str | None = None,
    priority: int = 0,
    scheduled_at: datetime | None = None,
) -> int:
    """Defer one job of ``task`` in the caller's open transaction; returns its id.

    ``args`` become the task's keyword arguments (JSON). ``lock``: no two jobs with the same
    lock run at once; ``queueing_lock``: at most one such job waits (a second raises the
    database's unique violation, which aborts the caller's transaction: use
    ``defer_unless_queued`` where that is expected). ``scheduled_at``: not before then.
    """
    _require_transaction(session)
    values = _values(
        task=task,
        queue=queue,
        args=args,
        lock=lock,
        queueing_lock=queueing_lock,
        priority=priority,
        scheduled_at=scheduled_at,
    )
    job_id = (await session.execute(_defer, values)).scalar_one()
    return int(job_id)


async def defer_unless_queued(
    session: AsyncSession,
    *,
    task: str,
    queue: str,
    queueing_lock: str,
    args: Mapping[str, Any] | None = None,
    lock: str | None = None,
    priority: int = 0,
    scheduled_at: datetime | None = None,
) -> int | None:
    """Defer a job unless one with this ``queueing_lock`` is waiting or running; returns the
    new job's id, or None. A race with another caller is settled by the unique index inside a
    savepoint, so it never aborts the caller's transaction."""
    _require_transaction(session)
    values = _values(
        task=task,
        queue=queue,
        args=args,
        lock=lock,
        queueing_lock=queueing_lock,
        priority=priority,
        scheduled_at=scheduled_at,
    )
    try:
        async with session.begin_nested():
            job_id = (await session.execute(_defer_unless_queued, values)).scalar_one_or_none()
    except IntegrityError:
        return None  # another caller's job got in first: one is enough
    return None if job_id is None else int(job_id)
