"""E-mails the applications feature queues, in the caller's transaction (outbox): each has
a dedupe key naming the fact it reports, so a retried action cannot queue it twice."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from grants.applications.schemas import Receipt
from grants.core.lifecycle import State
from grants.notifications import messages
from grants.notifications.service import enqueue_message, enqueue_statement


def receipt_message(
    receipt: Receipt, *, title: str, call: str, recipient: str, now: datetime
) -> ReturningInsert[Any]:
    """The outbox INSERT of the receipt e-mail; the submission writes it together with its
    other rows in one statement."""
    composed = messages.receipt(
        reference_number=receipt.reference_number,
        received_at=receipt.received_at,
        snapshot_sha256=receipt.snapshot_sha256,
        title=title or receipt.reference_number,
        call=call,
    )
    return enqueue_statement(
        dedupe_key=f"receipt:{receipt.application_id}:{receipt.submission_number}",
        kind="receipt",
        recipient=recipient,
        subject=composed.subject,
        body_text=composed.body_text,
        now=now,
        application_id=receipt.application_id,
    )


async def queue_status_change(
    session: AsyncSession,
    *,
    application_id: uuid.UUID,
    reference_number: str | None,
    title: str,
    old: State,
    new: State,
    reason: str | None,
    recipient: str,
    event_key: str,
    now: datetime,
) -> None:
    composed = messages.status_changed(
        reference_number=reference_number or "—",
        title=title or "—",
        old=old,
        new=new,
        reason=reason,
    )
    await enqueue_message(
        session,
        dedupe_key=f"status:{application_id}:{event_key}",
        kind="status_changed",
        recipient=recipient,
        subject=composed.subject,
        body_text=composed.body_text,
        now=now,
        application_id=application_id,
    )


async def queue_information_request(
    session: AsyncSession,
    *,
    application_id: uuid.UUID,
    request_id: uuid.UUID,
    reference_number: str | None,
    title: str,
    items: Sequence[str],
    due_at: datetime,
    message: str,
    recipient: str,
    now: datetime,
) -> None:
    composed = messages.information_request(
        reference_number=reference_number or "—",
        title=title or "—",
        items=items,
        due_at=due_at,
        message=message or None,
    )
    await enqueue_message(
        session,
        dedupe_key=f"information_request:{request_id}",
        kind="information_request",
        recipient=recipient,
        subject=composed.subject,
        body_text=composed.body_text,
        now=now,
        application_id=application_id,
    )
