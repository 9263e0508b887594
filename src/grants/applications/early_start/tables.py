"""The consent to an early start (Zustimmung zum vorzeitigen Maßnahmebeginn), as the authority
records it: append-only, one row per act. A consent row grants; a revocation row ends the
consent in force; a later consent replaces the one in force. The latest row decides.
Migration 0012 refuses UPDATE and DELETE, so the history is the record."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from grants.db.base import timestamp_field


class EarlyStartConsent(SQLModel, table=True):
    __tablename__ = "early_start_consents"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        # Only the first act may go without a reason: every later one changes a recorded act.
        sa.CheckConstraint("number = 1 OR reason <> ''", name="later_acts_have_a_reason"),
        sa.CheckConstraint("letter_reference <> ''", name="letter_reference_present"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    number: int  # 1, 2, … per application
    revoked: bool = Field(default=False)  # False: a consent; True: a revocation
    letter_date: date  # the date of the consent (or revocation) letter
    letter_reference: str = Field(max_length=100)  # its Aktenzeichen
    scope: str = Field(default="", max_length=4000)  # what may begin early
    reason: str = Field(default="", max_length=2000)
    recorded_by: uuid.UUID = Field(foreign_key="users.id")
    recorded_at: datetime = timestamp_field()


early_start_consents_table: sa.Table = EarlyStartConsent.__table__  # type: ignore[attr-defined]
