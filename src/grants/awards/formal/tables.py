"""The formal application's working copy and its received versions. Migration 0023 makes
the received versions append-only."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from grants.db.base import timestamp_field


class FormalApplication(SQLModel, table=True):
    """The applicant's working copy (saved as sent, checked on every read and at
    submission) and its due date, which the authority may extend (with a reason)."""

    __tablename__ = "formal_applications"

    application_id: uuid.UUID = Field(primary_key=True, foreign_key="applications.id")
    content: Any = Field(sa_type=JSONB)
    version: int = Field(default=1)
    due_at: datetime = timestamp_field()
    due_reason: str = Field(default="", max_length=2000)  # why it was extended, if it was
    submission_count: int = Field(default=0)
    reference_number: str | None = Field(default=None, max_length=64, unique=True)
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    submitted_at: datetime | None = timestamp_field(nullable=True)


class FormalApplicationSubmission(SQLModel, table=True):
    """One received version of the formal application: never updated or deleted."""

    __tablename__ = "formal_application_submissions"
    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id")
    number: int
    reference_number: str = Field(max_length=64)
    received_at: datetime = timestamp_field()
    submitted_by: uuid.UUID = Field(foreign_key="users.id")
    snapshot: Any = Field(sa_type=JSONB)
    snapshot_sha256: str = Field(max_length=64)


formal_table: sa.Table = FormalApplication.__table__  # type: ignore[attr-defined]
formal_submissions_table: sa.Table = FormalApplicationSubmission.__table__  # type: ignore[attr-defined]
