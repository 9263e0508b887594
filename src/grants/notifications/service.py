"""Queueing e-mails: one row in the outbox, written in the caller's transaction.

The row commits or rolls back with the change it reports, so there is never a mail about a
change that did not happen, nor a change whose mail is lost; the worker (``worker.py``)
delivers it later. The dedupe key makes queueing idempotent: a retried request, a job run
twice, a double click queue one message. One key per fact the mail reports, e.g.
``receipt:<application id>:<submission number>``, ``information_request:<request id>``,
``status:<application id>:<history event>``.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from grants.notifications.tables import outbox_table

# Column sizes of the outbox table; checked here so that a caller's mistake is a clear
# ValueError at the call site, not a database error that rolls back the caller's change.
_LIMITS = {"dedupe_key": 200, "kind": 60, "recipient": 254, "subject": 300}


def _check(name: str, value: str) -> None:
    if not value or not value.strip():
        raise ValueError(f"{name} must not be empty")
    if len(value) > _LIMITS[name]:
        raise ValueError(f"{name} is longer than {_LIMITS[name]} characters")
    # A line break in a header value would start another header (header injection); the
    # mail library refuses such values, so the message could never be sent.
    if "\r" in value or "\n" in value:
        raise ValueError(f"{name} must be a single line")


def enqueue_statement(
    *,
    dedupe_key: str,
    kind: str,
    recipient: str,
    subject: str,
    body_text: str,
    now: datetime,
    application_id: uuid.UUID | None = None,
) -> ReturningInsert[Any]:
    """The checked INSERT that queues one e-mail (returning its id; no row when the dedupe
    key was queued before). ``enqueue_message`` runs it; a service that batches its writes
    into one statement (the submission does) embeds it as a CTE."""
    for name, value in (
        ("dedupe_key", dedupe_key),
        ("kind", kind),
        ("recipient", recipient),
        ("subject", subject),
    ):
        _check(name, value)
    if "@" not in recipient:
        raise ValueError("recipient must be an e-mail address")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return (
        insert(outbox_table)
        .values(
            id=uuid.uuid4(),
            dedupe_key=dedupe_key,
            kind=kind,
            recipient=recipient,
            subject=subject,
            body_text=body_text,
            application_id=application_id,
            created_at=now,
            attempts=0,
            next_attempt_at=now,
        )
        # ON CONFLICT DO NOTHING rather than look-then-insert: two transactions racing with
        # the same key cannot both insert, and neither fails (the loser waits, then skips).
        .on_conflict_do_nothing(index_elements=[outbox_table.c.dedupe_key])
        .returning(outbox_table.c.id)
    )


async def enqueue_message(
    session: AsyncSession,
    *,
    dedupe_key: str,
    kind: str,
    recipient: str,
    subject: str,
    body_text: str,
    now: datetime,
    application_id: uuid.UUID | None = None,
) -> bool:
    """Queue one e-mail in the caller's open transaction; ``True`` if a new row was queued,
    ``False`` if a message with this dedupe key was queued before (nothing is changed then).

    Does not begin or commit: call it inside the service's ``async with session.begin()``.
    """
    if not session.in_transaction():
        # Outside a transaction the row would wait for a commit nobody makes, and be lost.
        raise RuntimeError("enqueue_message must be called inside the caller's transaction")
    statement = enqueue_statement(
        dedupe_key=dedupe_key,
        kind=kind,
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        now=now,
        application_id=application_id,
    )
    inserted = (await session.execute(statement)).first()
    return inserted is not None
