"""The outbox: e-mails written in the transaction of the change they report, sent later."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from grants.db.base import timestamp_field


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The worker's queue: unsent messages that are due.
        sa.Index(
            "ix_outbox_messages_due",
            "next_attempt_at",
            postgresql_where=sa.text("sent_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Makes enqueueing idempotent: a retried action cannot queue the same message twice.
    dedupe_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=60)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body_text: str
    application_id: uuid.UUID | None = Field(default=None, foreign_key="applications.id")
    created_at: datetime = timestamp_field()
    attempts: int = Field(default=0)
    next_attempt_at: datetime = timestamp_field()
    sent_at: datetime | None = timestamp_field(nullable=True)
    last_error: str | None = Field(default=None, max_length=1000)


outbox_table: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
