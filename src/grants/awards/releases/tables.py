"""The tables of bulk releases (migration 0027): a batch ordered by a manager, and one item
per decision with its outcome."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from grants.db.base import timestamp_field


class ReleaseBatch(SQLModel, table=True):
    """Decisions of one call a manager ordered released together, in their name (the
    named official of every decision the batch releases is ``created_by``)."""

    __tablename__ = "release_batches"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    guideline_id: str = Field(max_length=40)
    call_code: str = Field(max_length=40)
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
    total: int


class ReleaseBatchItem(SQLModel, table=True):
    """One decision of a batch: ``pending`` until its job ran, then ``released`` (in the
    same transaction as the release itself) or ``failed`` with the reason, as the API would
    have answered it (``error``: the problem's title and detail)."""

    __tablename__ = "release_batch_items"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "position"),
        # A decision waits in one batch at a time.
        sa.Index(
            "uq_release_batch_items_pending_decision",
            "decision_id",
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.CheckConstraint("status IN ('pending', 'released', 'failed')", name="status"),
        sa.CheckConstraint(
            "(status = 'pending') = (finished_at IS NULL)", name="finished_when_done"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    batch_id: uuid.UUID = Field(foreign_key="release_batches.id", index=True)
    position: int
    decision_id: uuid.UUID = Field(foreign_key="decisions.id")
    decision_version: int  # the draft as the manager saw it; a later edit fails the item
    status: str = Field(max_length=16)
    error_code: str = Field(default="", max_length=60)  # the problem type, e.g. budget-exceeded
    error: str = Field(default="", max_length=4000)
    finished_at: datetime | None = timestamp_field(nullable=True)


batches_table: sa.Table = ReleaseBatch.__table__  # type: ignore[attr-defined]
items_table: sa.Table = ReleaseBatchItem.__table__  # type: ignore[attr-defined]
