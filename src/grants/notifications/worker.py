"""Delivering the outbox: one job per message on the job queue (``grants.jobs``).

The outbox row stays the durable record of each fact's mail: written in the transaction of
the change it reports (``service.enqueue_message``, or the submission's single statement),
one row per fact (the dedupe key), never deleted, with its attempts, last error and the time
it was sent. In the same transaction a trigger on the table (migration 0016) defers the job
``mail.deliver`` for the new row, through the SQL function procrastinate itself defers with:
the job commits or rolls back with the row, whichever code wrote it, so no relay has to poll
the table and no transaction on a second connection can disagree with the change. (The
alternative, calling a Python helper at every place that queues a mail, would miss the
submission's CTE and every future writer that forgets it.)

Running a job (``deliver_message``): the row is locked with ``SELECT … FOR UPDATE`` for the
send and marked sent (or its failure recorded) in the same short transaction:

* a job runs on one worker at a time (procrastinate takes it with SKIP LOCKED, and its lock
  ``outbox:<id>`` keeps a second job of the same message from running beside it); the row
  lock makes that hold even when a worker taken for dead (its heartbeat late) is still
  sending and the stalled job runs again elsewhere: the second waits, then finds it sent;
* a worker that dies mid-send loses its connection, PostgreSQL releases the lock, and the
  stalled job runs again (``jobs.retry_stalled``): nothing is lost.

The lock costs one connection per message in flight, bounded by the mailer's timeout; unlike
a malware scan (up to the scanner's timeout per file, and scanning twice is harmless), a
second send is a duplicate in someone's inbox. Delivery is at least once: a crash after the
server accepted a message but before the commit sends it again, with the same ``Message-ID``
(from the row id). A failure is recorded on the row with its next attempt after
``grants.core.backoff`` (30 s, 1, 2, 4 … minutes, at most hourly, for ever; from the 20th
failure each one is logged as an error) and the job is retried at exactly that time.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import procrastinate
import sqlalchemy as sa
from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.backoff import retry_delay, should_alert
from grants.jobs.retry import Backoff, RetryAt
from grants.notifications.mailers import Mailer, build_email, build_mailer
from grants.notifications.tables import outbox_table
from grants.settings import Settings

logger = logging.getLogger("grants.notifications")

# Named in migration 0016's trigger, which defers the jobs: change them only with a migration.
DELIVER_TASK = "mail.deliver"
MAIL_QUEUE = "mail"
RESOURCES = "grants.notifications"

# The column holds 1000 characters; keep the start, where the error names itself.
_ERROR_CHARS = 1000

_t = outbox_table.c

MailerFactory = Callable[[], Mailer]
Outcome = Literal["sent", "already_sent", "unknown"]


def delivery_lock(outbox_id: uuid.UUID) -> str:
    """The procrastinate lock of a message's jobs (the trigger writes the same)."""
    return f"outbox:{outbox_id}"


@dataclass(frozen=True, slots=True)
class MailResources:
    session_factory: async_sessionmaker[AsyncSession]
    # A mailer per job: an SMTP connection carries one conversation at a time.
    mailer_factory: MailerFactory
    mail_from: str
    clock: Callable[[], datetime]


def mail_resources(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    clock: Callable[[], datetime],
    mailer_factory: MailerFactory | None = None,
) -> MailResources:
    return MailResources(
        session_factory=session_factory,
        mailer_factory=mailer_factory or (lambda: build_mailer(settings)),
        mail_from=settings.mail_from,
        clock=clock,
    )


class DeliveryFailed(RetryAt):
    """The message could not be sent; the failure is recorded and the next try is due at
    ``at`` (the row's ``next_attempt_at``)."""


def describe_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 1] + "…"


_claim = (
    sa.select(_t.id, _t.kind, _t.recipient, _t.subject, _t.body_text, _t.created_at)
    .add_columns(_t.attempts, _t.sent_at)
    .where(_t.id == sa.bindparam("outbox_id"))
    .with_for_update()
)


async def deliver_message(
    session_factory: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    outbox_id: uuid.UUID,
    *,
    now: datetime,
    mail_from: str,
) -> Outcome:
    """Send one outbox message unless it was sent before; record the outcome.

    Returns ``sent``, ``already_sent`` (a second job of the same fact, or one run again after
    its worker was taken for dead) or ``unknown`` (no such row). A failed send is recorded
    and committed, then raised as ``DeliveryFailed`` naming the next attempt. Anything that
    is not an ``Exception`` (the process being torn down) rolls the transaction back: the
    message stays unsent and is sent by the job's next run.
    """
    failure: DeliveryFailed | None = None
    async with session_factory() as session, session.begin():
        row = (await session.execute(_claim, {"outbox_id": outbox_id})).first()
        if row is None:
            logger.error(
                "mail job for an unknown outbox message", extra={"outbox_id": str(outbox_id)}
            )
            return "unknown"
        if row.sent_at is not None:
            return "already_sent"
        try:
            message = build_email(
                outbox_id=row.id,
                mail_from=mail_from,
                recipient=row.recipient,
                subject=row.subject,
                body_text=row.body_text,
                created_at=row.created_at,
            )
            await mailer.send(message)
        except Exception as exc:  # any failure of this one message: it is retried later
            failure = await _record_failure(session, row.id, row.kind, row.attempts, exc, now)
        else:
            await session.execute(
                sa.update(outbox_table).where(_t.id == row.id).values(sent_at=now, last_error=None)
            )
    if failure is not None:
        raise failure  # after the commit: the recorded failure stands
    return "sent"


async def _record_failure(
    session: AsyncSession,
    outbox_id: uuid.UUID,
    kind: str,
    attempts_before: int,
    exc: BaseException,
    now: datetime,
) -> DeliveryFailed:
    attempts = attempts_before + 1
    next_attempt_at = now + retry_delay(attempts)
    error = describe_error(exc)
    await session.execute(
        sa.update(outbox_table)
        .where(_t.id == outbox_id)
        .values(attempts=attempts, next_attempt_at=next_attempt_at, last_error=error)
    )
    log = logger.error if should_alert(attempts) else logger.warning
    log(
        "mail delivery failed (attempt %d), next attempt at %s: %s",
        attempts,
        next_attempt_at.isoformat(),
        error,
        extra={"outbox_id": str(outbox_id), "kind": kind, "attempts": attempts},
    )
    return DeliveryFailed(next_attempt_at, error)


async def deliver(context: JobContext, outbox_id: str) -> Outcome:
    """The task ``mail.deliver``: one message, with a mailer of its own."""
    resources: MailResources = context.additional_context[RESOURCES]
    mailer = resources.mailer_factory()
    try:
        return await deliver_message(
            resources.session_factory,
            mailer,
            uuid.UUID(outbox_id),
            now=resources.clock(),
            mail_from=resources.mail_from,
        )
    finally:
        await mailer.close()


def register_tasks(app: procrastinate.App) -> None:
    app.task(name=DELIVER_TASK, queue=MAIL_QUEUE, pass_context=True, retry=Backoff())(deliver)
