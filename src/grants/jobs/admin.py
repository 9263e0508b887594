"""``grants jobs``: what the queue holds, and putting jobs back into it.

Reads go through the app's own session (qualified names); changes go through procrastinate's
job manager and connector, whose connections have the ``procrastinate`` search path its
functions and triggers need.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import procrastinate
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

_JOBS = "procrastinate.procrastinate_jobs"
_WORKERS = "procrastinate.procrastinate_workers"

_COUNTS = sa.text(
    f"SELECT queue_name, task_name, status::text AS status, count(*) AS n FROM {_JOBS} "  # noqa: S608
    "GROUP BY queue_name, task_name, status ORDER BY queue_name, task_name, status"
)

_JOB_COLUMNS = f"""
SELECT j.id, j.queue_name, j.task_name, j.status::text AS status, j.attempts, j.scheduled_at,
       j.args, j.lock, j.worker_id,
       (j.status = 'doing' AND NOT EXISTS (
            SELECT 1 FROM {_WORKERS} w
             WHERE w.id = j.worker_id
               AND w.last_heartbeat >= now() - make_interval(secs => :stalled))) AS stalled,
       (j.status = 'todo' AND j.scheduled_at > now()) AS waiting
  FROM {_JOBS} j
"""  # noqa: S608 (constants only)

_ATTENTION = sa.text(
    _JOB_COLUMNS + "WHERE j.status IN ('failed', 'doing') OR (j.status = 'todo' "
    "AND j.scheduled_at > now()) ORDER BY j.id LIMIT :limit"
)
_BY_ID = sa.text(_JOB_COLUMNS + "WHERE j.id = ANY(:ids) ORDER BY j.id")
_SELECTED = sa.text(
    _JOB_COLUMNS + "WHERE (:failed AND j.status = 'failed') OR (:waiting AND j.status = 'todo' "
    "AND j.scheduled_at > now()) OR (:stalled_too AND j.status = 'doing') ORDER BY j.id"
)

_RUN_NOW = (
    "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %(id)s AND status = 'todo'"
)


@dataclass(frozen=True, slots=True)
class TaskCount:
    queue: str
    task: str
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class JobLine:
    id: int
    queue: str
    task: str
    status: str
    attempts: int
    scheduled_at: datetime | None
    args: dict[str, Any]
    lock: str | None
    stalled: bool
    waiting: bool

    @property
    def state(self) -> str:
        """The status as an operator reads it: a waiting retry, a dead worker's job."""
        if self.stalled:
            return "stalled"
        if self.waiting:
            return "waiting"
        return self.status

    def describe(self) -> str:
        when = ""
        if self.waiting and self.scheduled_at is not None:
            when = f" next {self.scheduled_at.isoformat(timespec='seconds')}"
        arguments = json.dumps(self.args, ensure_ascii=False, sort_keys=True)
        return f"#{self.id} {self.task} {arguments} {self.state} (attempts {self.attempts}){when}"


def _line(row: Any) -> JobLine:
    return JobLine(
        id=int(row.id),
        queue=row.queue_name,
        task=row.task_name,
        status=row.status,
        attempts=int(row.attempts),
        scheduled_at=row.scheduled_at,
        args=dict(row.args or {}),
        lock=row.lock,
        stalled=bool(row.stalled),
        waiting=bool(row.waiting),
    )


async def task_counts(session: AsyncSession) -> list[TaskCount]:
    by_task: dict[tuple[str, str], dict[str, int]] = {}
    for row in await session.execute(_COUNTS):
        by_task.setdefault((row.queue_name, row.task_name), {})[row.status] = int(row.n)
    return [TaskCount(queue=q, task=t, counts=c) for (q, t), c in by_task.items()]


async def jobs_needing_attention(
    session: AsyncSession, *, stalled_seconds: float, limit: int = 50
) -> list[JobLine]:
    """Failed, running (stalled or not) and waiting jobs, oldest first."""
    rows = await session.execute(_ATTENTION, {"stalled": stalled_seconds, "limit": limit})
    return [_line(row) for row in rows]


async def select_jobs(
    session: AsyncSession,
    *,
    stalled_seconds: float,
    ids: list[int] | None = None,
    failed: bool = False,
    waiting: bool = False,
    stalled: bool = False,
) -> list[JobLine]:
    if ids:
        rows = await session.execute(_BY_ID, {"ids": ids, "stalled": stalled_seconds})
        return [_line(row) for row in rows]
    params = {"failed": failed, "waiting": waiting, "stalled_too": stalled}
    rows = await session.execute(_SELECTED, params | {"stalled": stalled_seconds})
    found = [_line(row) for row in rows]
    return [j for j in found if j.status != "doing" or j.stalled]


@dataclass(frozen=True, slots=True)
class RetryOutcome:
    job: JobLine
    done: bool
    note: str


async def retry(app: procrastinate.App, job: JobLine, *, now: datetime) -> RetryOutcome:
    """Run ``job`` again now: a failed one or a dead worker's, a waiting retry at once, a
    cancelled or aborted one as a new job with the same task and arguments. A job that is
    running on a live worker, or done, is left alone."""
    manager = app.job_manager
    if job.status == "failed" or job.stalled:
        await manager.retry_job_by_id_async(job.id, retry_at=now)
        return RetryOutcome(job, True, "wieder eingereiht (queued again)")
    if job.waiting:
        await app.connector.execute_query_async(_RUN_NOW, id=job.id)
        return RetryOutcome(job, True, "jetzt fällig (due now)")
    if job.status in {"cancelled", "aborted"}:
        deferrer = app.configure_task(job.task, queue=job.queue, lock=job.lock)
        new_id = await deferrer.defer_async(**job.args)
        return RetryOutcome(job, True, f"neu eingereiht als #{new_id} (queued again as #{new_id})")
    if job.status == "doing":
        return RetryOutcome(job, False, "läuft gerade (running on a live worker)")
    if job.status == "todo":
        return RetryOutcome(job, False, "ist schon fällig (already due)")
    return RetryOutcome(job, False, f"abgeschlossen: {job.status} (finished)")


async def cancel(app: procrastinate.App, job_id: int, *, abort: bool) -> bool:
    """Cancel a waiting job; with ``abort``, also ask the worker running it to stop."""
    return await app.job_manager.cancel_job_by_id_async(job_id, abort=abort)
