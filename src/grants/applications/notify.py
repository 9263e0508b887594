"""E-mails the applications feature queues, in the caller's transaction (outbox): each has
a dedupe key naming the fact it reports, so a retried action cannot queue it twice."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from grants.core.guideline import Authority
from grants.core.lifecycle import State
from grants.core.snapshot import ReceiptContent
from grants.guidelines.registry import GuidelineRegistry
from grants.notifications import messages
from grants.notifications.service import enqueue_message, enqueue_statement


def authority_of(registry: GuidelineRegistry, guideline_id: str) -> Authority | None:
    """The authority that signs the e-mails of an application's guideline (None: not named
    in the data yet, and the e-mails carry a neutral sender line)."""
    guideline = registry.get(guideline_id)
    return None if guideline is None else guideline.authority


def receipt_message(
    receipt: ReceiptContent, *, recipient: str, now: datetime
) -> ReturningInsert[Any]:
    """The outbox INSERT of the receipt e-mail, with the content of the receipt itself; the
    submission writes it together with its other rows in one statement."""
    composed = messages.receipt(receipt)
    application_id = uuid.UUID(receipt.application_id)
    return enqueue_statement(
        dedupe_key=f"receipt:{application_id}:{receipt.submission_number}",
        kind="receipt",
        recipient=recipient,
        subject=composed.subject,
        body_text=composed.body_text,
        now=now,
        application_id=application_id,
    )


async def queue_status_change(
    session: AsyncSession,
    *,
    application_id: uuid.UUID,
    reference_number: str | None,
    title: str,
    new: State,
    recipient: str,
    event_key: str,
    now: datetime,
    authority: Authority | None = None,
) -> None:
    """The neutral status e-mail: the new state, never a reason (that belongs in the
    written decision with its legal-remedy notice)."""
    composed = messages.status_changed(
        reference_number=reference_number or "—",
        title=title or "—",
        new=new,
        authority=authority,
        application_id=str(application_id),
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
    authority: Authority | None = None,
) -> None:
    composed = messages.information_request(
        reference_number=reference_number or "—",
        title=title or "—",
        items=items,
        due_at=due_at,
        message=message or None,
        authority=authority,
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
