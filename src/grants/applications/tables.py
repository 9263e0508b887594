"""Tables of the applications feature.

``applications`` holds the working copy (``draft``, JSONB) an organisation edits, plus the
columns lists filter and sort on. What was submitted lives in ``application_submissions``,
append-only: every (re)submission adds one row with its frozen snapshot and hash.
"""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from grants.core.lifecycle import InformationRequestStatus, State
from grants.db.base import enum_type, timestamp_field


class Application(SQLModel, table=True):
    __tablename__ = "applications"
    __table_args__ = (
        # Manager lists: by call (and status), newest receipt first, id as the keyset tie-break.
        sa.Index(
            "ix_applications_call_status_submitted",
            "call_code",
            "status",
            "submitted_at",
            "id",
        ),
        sa.Index("ix_applications_status_submitted", "status", "submitted_at", "id"),
        # Applicant lists: their own organisation's, most recently edited first.
        sa.Index("ix_applications_organisation_updated", "organisation_id", "updated_at", "id"),
        sa.Index("ix_applications_search", "search", postgresql_using="gin"),
        # Manager lists across all calls and within one call (any status), newest first;
        # the reference-number prefix of the search box (LIKE 'LIfD-demo-S-00%'). Migration 0007.
        sa.Index("ix_applications_submitted", "submitted_at", "id"),
        sa.Index("ix_applications_call_submitted", "call_code", "submitted_at", "id"),
        sa.Index(
            "ix_applications_reference_prefix",
            "reference_number",
            postgresql_ops={"reference_number": "varchar_pattern_ops"},
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    guideline_id: str = Field(max_length=40)
    call_code: str = Field(max_length=40)
    funding_line: str = Field(max_length=40)
    status: State = Field(sa_type=enum_type(State, 32))
    # Assigned on the first submission, kept by resubmissions: e.g. LIfD-2024-1-S-0042.
    reference_number: str | None = Field(default=None, max_length=60, unique=True)
    title: str = Field(default="", max_length=300)
    municipality_key: str | None = Field(default=None, max_length=8, index=True)
    requested_grant: Decimal | None = Field(default=None, sa_type=sa.Numeric(14, 2))
    draft: Any = Field(sa_type=JSONB)
    version: int = Field(default=1)
    submission_count: int = Field(default=0)
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    first_submitted_at: datetime | None = timestamp_field(nullable=True)
    submitted_at: datetime | None = timestamp_field(nullable=True)
    # German full text of title and summary, kept by the trigger ``applications_search``
    # (migration 0004), which stems only when one of them changed.
    search: Any = Field(default=None, sa_column=sa.Column(TSVECTOR, nullable=True))


class ApplicationSubmission(SQLModel, table=True):
    """One received version: never updated or deleted (a trigger refuses it)."""

    __tablename__ = "application_submissions"
    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id")
    number: int  # 1 for the first submission, 2 for the first resubmission, …
    reference_number: str = Field(max_length=60)
    received_at: datetime = timestamp_field()
    submitted_by: uuid.UUID = Field(foreign_key="users.id")
    snapshot: Any = Field(sa_type=JSONB)
    snapshot_sha256: str = Field(max_length=64)
    guideline_hash: str = Field(max_length=64)
    # Rules that failed or needed review and were submitted anyway (§ 24 Abs. 3 VwVfG): who
    # confirmed which rule ids at which instant, {"rules": [...], "confirmed_by", "confirmed_at"};
    # NULL when the pre-check found nothing. The snapshot holds the same, with the texts shown.
    # Migration 0010.
    acknowledgement: Any = Field(default=None, sa_type=JSONB, nullable=True)


class ReferenceCounter(SQLModel, table=True):
    """The last number given per call and line. Incremented inside the submitting transaction:
    the row lock serialises concurrent submissions and a rollback returns the number, so the
    sequence has no gaps (a PostgreSQL SEQUENCE would leave gaps)."""

    __tablename__ = "reference_counters"

    guideline_id: str = Field(primary_key=True, max_length=40)
    call_code: str = Field(primary_key=True, max_length=40)
    funding_line: str = Field(primary_key=True, max_length=40)
    last_value: int = Field(default=0)


class IdempotencyRecord(SQLModel, table=True):
    """The stored answer to a request sent with an ``Idempotency-Key``, per user."""

    __tablename__ = "idempotency_records"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)  # SHA-256 of method, path and body
    status_code: int
    body: Any = Field(sa_type=JSONB)
    created_at: datetime = timestamp_field()


class ApplicationEvent(SQLModel, table=True):
    """The status history an applicant sees (the audit log holds the same, tamper-evident)."""

    __tablename__ = "application_events"

    # A sequence, not a uuid: events of one instant keep the order they were written in.
    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    event: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str = Field(max_length=32)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    actor_label: str = Field(max_length=254)
    reason: str | None = Field(default=None, max_length=4000)
    occurred_at: datetime = timestamp_field()


class InformationRequest(SQLModel, table=True):
    """A Nachforderung: the items a programme manager asks for, with a due date."""

    __tablename__ = "information_requests"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    items: Any = Field(sa_type=JSONB)  # list of strings
    message: str = Field(max_length=4000)
    due_at: datetime = timestamp_field()
    status: InformationRequestStatus = Field(sa_type=enum_type(InformationRequestStatus))
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
    answered_at: datetime | None = timestamp_field(nullable=True)


class InformationResponse(SQLModel, table=True):
    """An answer to a request; append-only, numbered per request (answers are versioned)."""

    __tablename__ = "information_responses"
    __table_args__ = (sa.UniqueConstraint("request_id", "number"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    request_id: uuid.UUID = Field(foreign_key="information_requests.id", index=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id")
    number: int
    text: str = Field(max_length=20000)
    attachments: Any = Field(sa_type=JSONB)  # [{id, filename, sha256, size_bytes}]
    content_sha256: str = Field(max_length=64)
    submitted_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()


applications_table: sa.Table = Application.__table__  # type: ignore[attr-defined]
submissions_table: sa.Table = ApplicationSubmission.__table__  # type: ignore[attr-defined]
counters_table: sa.Table = ReferenceCounter.__table__  # type: ignore[attr-defined]
idempotency_table: sa.Table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
events_table: sa.Table = ApplicationEvent.__table__  # type: ignore[attr-defined]
information_requests_table: sa.Table = InformationRequest.__table__  # type: ignore[attr-defined]
information_responses_table: sa.Table = InformationResponse.__table__  # type: ignore[attr-defined]
