"""Delivering the outbox: claim a due message, send it, record the outcome.

One short transaction per message: ``SELECT … FOR UPDATE SKIP LOCKED LIMIT 1`` claims the
oldest due row, the mailer sends it, and the same transaction records ``sent_at`` (or the
failure and the next attempt) and commits. The row lock is the lease:

* several workers, on one machine or many, skip each other's locked rows, so no message is
  sent by two workers at once;
* a worker that dies mid-send loses its connection, PostgreSQL rolls back and releases the
  lock at once, and the message is due again: nothing is lost, and no lease length has to be
  guessed (a lease shorter than a slow send would let a second worker send a duplicate).

The price is one connection idle in its transaction while one message is handed to the mail
server, bounded by the mailer's timeout. Delivery is at least once: a crash after the server
accepted a message but before the commit sends it again, with the same ``Message-ID``.

Failures are retried with exponential back-off capped at an hour (``grants.core.backoff``),
forever; after many failures each further one is logged as an error, because a person has to
look (a wrong address, a mail server that refuses us), but no message is ever dropped.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.backoff import retry_delay, should_alert
from grants.notifications.mailers import Mailer, MailerUnavailable, build_email
from grants.notifications.tables import outbox_table

logger = logging.getLogger("grants.notifications")

# The column holds 1000 characters; keep the start, where the error names itself.
_ERROR_CHARS = 1000

_t = outbox_table.c


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    # True when the mail server could not be reached and the batch ended early; the
    # messages not tried stay due and are taken by the next round.
    unavailable: bool = False

    @property
    def attempted(self) -> int:
        return self.sent + self.failed


def describe_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 1] + "…"


_claim = (
    sa.select(
        _t.id,
        _t.kind,
        _t.recipient,
        _t.subject,
        _t.body_text,
        _t.created_at,
        _t.attempts,
    )
    .where(_t.sent_at.is_(None), _t.next_attempt_at <= sa.bindparam("now"))
    # The oldest due first, on the partial index ix_outbox_messages_due.
    .order_by(_t.next_attempt_at, _t.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)


async def deliver_due(
    session_factory: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    *,
    now: datetime,
    mail_from: str,
    batch: int = 50,
    stop: asyncio.Event | None = None,
) -> DeliveryReport:
    """Send up to ``batch`` messages that are due at ``now``; record each outcome.

    ``stop`` (set on SIGTERM) is checked between messages, so a shutdown finishes the
    message in hand and leaves the rest for the next start. The mailer's connection is
    closed at the end, so none stays idle between polls.
    """
    sent = failed = 0
    try:
        while sent + failed < batch and not (stop is not None and stop.is_set()):
            async with session_factory() as session, session.begin():
                outcome = await _deliver_one(session, mailer, now=now, mail_from=mail_from)
            if outcome is None:
                break  # nothing (else) is due
            if outcome == "sent":
                sent += 1
                continue
            failed += 1
            if outcome == "unavailable":
                return DeliveryReport(sent=sent, failed=failed, unavailable=True)
    finally:
        await mailer.close()
    return DeliveryReport(sent=sent, failed=failed)


async def _deliver_one(
    session: AsyncSession, mailer: Mailer, *, now: datetime, mail_from: str
) -> Literal["sent", "failed", "unavailable"] | None:
    """Claim, send and mark one message inside the caller's transaction."""
    row = (await session.execute(_claim, {"now": now})).first()
    if row is None:
        return None
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
    except MailerUnavailable as exc:
        await _record_failure(session, row.id, row.kind, row.attempts, exc, now)
        return "unavailable"
    except Exception as exc:  # any failure of this one message: it is retried later
        await _record_failure(session, row.id, row.kind, row.attempts, exc, now)
        return "failed"
    await session.execute(
        sa.update(outbox_table).where(_t.id == row.id).values(sent_at=now, last_error=None)
    )
    return "sent"


async def _record_failure(
    session: AsyncSession,
    outbox_id: uuid.UUID,
    kind: str,
    attempts_before: int,
    exc: BaseException,
    now: datetime,
) -> None:
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


async def deliver_all_due(
    session_factory: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    *,
    now: datetime,
    mail_from: str,
    batch: int = 50,
    stop: asyncio.Event | None = None,
) -> DeliveryReport:
    """Batch after batch until nothing is due at ``now`` (``grants worker --once``).

    Ends early when the mail server is unavailable; failed messages are not retried within
    the same call, as their next attempt lies after ``now``.
    """
    sent = failed = 0
    while True:
        report = await deliver_due(
            session_factory, mailer, now=now, mail_from=mail_from, batch=batch, stop=stop
        )
        sent, failed = sent + report.sent, failed + report.failed
        if report.unavailable or report.attempted < batch or (stop is not None and stop.is_set()):
            return DeliveryReport(sent=sent, failed=failed, unavailable=report.unavailable)


async def run_worker(
    session_factory: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    *,
    mail_from: str,
    poll_seconds: float,
    stop: asyncio.Event,
    batch: int = 50,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Deliver until ``stop`` is set; returns the number of messages sent.

    A full batch is followed at once by the next; otherwise the worker sleeps for
    ``poll_seconds`` (waking early on ``stop``). A database error is logged and retried at
    the next poll, so a restart of PostgreSQL does not need a restart of the worker.
    """
    total = 0
    while not stop.is_set():
        try:
            report = await deliver_due(
                session_factory,
                mailer,
                now=clock(),
                mail_from=mail_from,
                batch=batch,
                stop=stop,
            )
        except Exception:
            logger.exception("mail delivery round failed; retrying after the poll interval")
            report = DeliveryReport()
        total += report.sent
        if report.sent:
            logger.info("mail delivered: %d sent, %d failed", report.sent, report.failed)
        if report.attempted >= batch and not report.unavailable:
            continue  # more may be due right now
        with contextlib.suppress(TimeoutError):  # the poll interval passed without a stop
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
    return total
