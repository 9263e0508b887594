"""The tables of letters (migration 0030): each programme's letterhead as a person set it;
the requests to issue a decision's letter (one per decision, alone or in a batch) with their
outcome; the issued letters themselves, immutable; and each retrieval of one.

**Why the PDF is a column, not a file in the attachment store.** A letter and the row that
says it was issued must exist together or not at all: in one transaction with its portal
dispatch, its e-mail and its audit entry. A file written beside the database could survive
a rolled-back issue (an orphan) or be lost with its row intact. Letters are small (tens of
kilobytes); PostgreSQL keeps them out of line (TOAST) and lists read without the column.
"""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BYTEA, JSONB
from sqlmodel import Field, SQLModel

from grants.db.base import timestamp_field


class Letterhead(SQLModel, table=True):
    """The authority's data every letter of a programme prints: letterhead, footer, the
    legal-remedy notice's authority and seat, bank details, where the data-protection notice
    is. Set and changed by programme managers with a reason (audited); until a person has
    set it, letters can only be previewed (the guideline's authority data are assumptions)."""

    __tablename__ = "programme_letterheads"

    guideline_id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    unit: str = Field(default="", max_length=200)
    on_behalf_of: str = Field(default="", max_length=300)
    street: str = Field(max_length=200)
    postal_code: str = Field(max_length=10)
    city: str = Field(max_length=100)
    seat: str = Field(max_length=100)
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=254)
    website: str = Field(default="", max_length=300)
    privacy_url: str = Field(max_length=300)
    bank_holder: str = Field(default="", max_length=200)
    bank_name: str = Field(default="", max_length=200)
    iban: str = Field(default="", max_length=34)
    bic: str = Field(default="", max_length=11)
    version: int = Field(default=1)
    changed_by: uuid.UUID = Field(foreign_key="users.id")
    changed_at: datetime = timestamp_field()


class ProgrammeLogo(SQLModel, table=True):
    """The logo a programme's letterhead prints: a PNG the service re-encoded from what a
    manager uploaded (so no metadata or foreign chunk of the upload survives), with its
    SHA-256 — which each letter's data names — and size in pixels."""

    __tablename__ = "programme_logos"

    guideline_id: str = Field(primary_key=True, max_length=40)
    png: bytes = Field(sa_type=BYTEA)
    sha256: str = Field(max_length=64)
    width: int
    height: int
    changed_by: uuid.UUID = Field(foreign_key="users.id")
    changed_at: datetime = timestamp_field()


class LetterBatch(SQLModel, table=True):
    """Letters a manager ordered issued together: every released decision of a call without
    its letter. Its progress is the count of its requests by status."""

    __tablename__ = "letter_batches"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    guideline_id: str = Field(max_length=40)
    call_code: str = Field(max_length=40)
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
    total: int


class LetterRequest(SQLModel, table=True):
    """The order to issue one decision's letter: ``pending`` until its job ran, then
    ``issued`` (in the transaction that stores the letter) or ``failed`` with the reason.
    One per decision, and one per correction of an issued letter (``corrects_id``, with
    its ``reason``): a second order for the same finds this one."""

    __tablename__ = "letter_requests"
    __table_args__ = (
        sa.Index(
            "uq_letter_requests_decision",
            "decision_id",
            unique=True,
            postgresql_where=sa.text("corrects_id IS NULL"),
        ),
        sa.Index(
            "uq_letter_requests_corrects",
            "corrects_id",
            unique=True,
            postgresql_where=sa.text("corrects_id IS NOT NULL"),
        ),
        sa.CheckConstraint("status IN ('pending', 'issued', 'failed')", name="status"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    decision_id: uuid.UUID = Field(foreign_key="decisions.id")
    batch_id: uuid.UUID | None = Field(default=None, foreign_key="letter_batches.id", index=True)
    status: str = Field(max_length=16)
    requested_by: uuid.UUID = Field(foreign_key="users.id")
    requested_at: datetime = timestamp_field()
    letter_id: uuid.UUID | None = Field(default=None, foreign_key="issued_letters.id")
    error: str = Field(default="", max_length=4000)
    attempts: int = Field(default=0)
    finished_at: datetime | None = timestamp_field(nullable=True)
    corrects_id: uuid.UUID | None = Field(default=None, foreign_key="issued_letters.id")
    reason: str = Field(default="", max_length=2000)


class IssuedLetter(SQLModel, table=True):
    """A letter as it was issued: the PDF, its SHA-256, the template version and the data it
    was rendered from. Never changed or deleted (trigger): a correction is a new letter that
    names the one it corrects."""

    __tablename__ = "issued_letters"
    __table_args__ = (
        # One letter per decision; corrections aside. The idempotence of the issuing job
        # rests on this index, not on the job's own bookkeeping.
        sa.Index(
            "uq_issued_letters_decision",
            "decision_id",
            unique=True,
            postgresql_where=sa.text("corrects_id IS NULL"),
        ),
        # A letter is corrected at most once (§ 42 VwVfG): a decision's letters form one
        # line, the newest the valid one; a retried correction's job finds its letter here.
        sa.Index(
            "uq_issued_letters_corrects",
            "corrects_id",
            unique=True,
            postgresql_where=sa.text("corrects_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    decision_id: uuid.UUID = Field(foreign_key="decisions.id")
    kind: str = Field(max_length=32)
    title: str = Field(max_length=200)
    file_name: str = Field(max_length=200)
    template_version: str = Field(max_length=64)
    data: Any = Field(sa_type=JSONB)
    sha256: str = Field(max_length=64)
    size_bytes: int
    pdf: bytes = Field(sa_type=BYTEA)
    corrects_id: uuid.UUID | None = Field(default=None, foreign_key="issued_letters.id")
    correction_reason: str = Field(default="", max_length=2000)
    issued_by: uuid.UUID = Field(foreign_key="users.id")
    issued_at: datetime = timestamp_field()


class LetterRetrieval(SQLModel, table=True):
    """Someone downloaded a letter (append-only). The recipient's first download of a
    decision's letter is its portal retrieval (§ 41 Abs. 2a VwVfG), recorded on the decision
    too."""

    __tablename__ = "letter_retrievals"

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    letter_id: uuid.UUID = Field(foreign_key="issued_letters.id", index=True)
    retrieved_by: uuid.UUID = Field(foreign_key="users.id")
    by_recipient: bool
    retrieved_at: datetime = timestamp_field()


letterheads_table: sa.Table = Letterhead.__table__  # type: ignore[attr-defined]
logos_table: sa.Table = ProgrammeLogo.__table__  # type: ignore[attr-defined]
letter_batches_table: sa.Table = LetterBatch.__table__  # type: ignore[attr-defined]
letter_requests_table: sa.Table = LetterRequest.__table__  # type: ignore[attr-defined]
letters_table: sa.Table = IssuedLetter.__table__  # type: ignore[attr-defined]
retrievals_table: sa.Table = LetterRetrieval.__table__  # type: ignore[attr-defined]
