"""The tables of revocations and reclaims. Migration 0025 creates them append-only (the
trigger ``refuse_row_change`` of 0003): a hearing, a comment, a refund or an interest decision
is a fact of the file; a correction is a new row, never an edit. Migration 0028 adds the
interest on funds not used in time (§ 49a Abs. 4 VwVfG) the same way."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from grants.db.base import timestamp_field

MONEY = sa.Numeric(14, 2)


class Hearing(SQLModel, table=True):
    """The hearing (Anhörung, § 28 VwVfG) before a revocation or withdrawal: the facts the
    authority intends to rely on, the measure and the grant it intends, the day by which the
    recipient may comment, and the day the authority learnt the facts (the one-year limit of
    § 48 Abs. 4 VwVfG runs from it)."""

    __tablename__ = "hearings"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "number"),
        sa.CheckConstraint("measure IN ('revocation', 'withdrawal')", name="measure"),
        sa.CheckConstraint("intended_grant >= 0", name="intended_not_negative"),
        sa.CheckConstraint("intended_grant < current_grant", name="intends_a_reduction"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    decision_id: uuid.UUID = Field(foreign_key="decisions.id")  # the grant it concerns
    number: int
    measure: str = Field(max_length=16)
    legal_basis: str = Field(max_length=200)
    facts: str = Field(sa_type=sa.Text)
    facts_known_on: date
    current_grant: Decimal = Field(sa_type=MONEY)
    intended_grant: Decimal = Field(sa_type=MONEY)
    respond_by: date
    opened_by: uuid.UUID = Field(foreign_key="users.id")
    opened_at: datetime = timestamp_field()


class HearingResponse(SQLModel, table=True):
    """A comment of the recipient in a hearing; a late one is kept and marked late."""

    __tablename__ = "hearing_responses"
    __table_args__ = (sa.UniqueConstraint("hearing_id", "number"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    hearing_id: uuid.UUID = Field(foreign_key="hearings.id", index=True)
    number: int
    text: str = Field(sa_type=sa.Text)
    late: bool
    responded_by: uuid.UUID = Field(foreign_key="users.id")
    responded_at: datetime = timestamp_field()


class RefundReceived(SQLModel, table=True):
    """Money received back on a reclaim, with the day it was credited (the interest stops
    on it, § 49a Abs. 3 VwVfG)."""

    __tablename__ = "refunds_received"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "number"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    decision_id: uuid.UUID = Field(foreign_key="decisions.id")  # the revocation
    number: int
    amount: Decimal = Field(sa_type=MONEY)
    received_on: date
    note: str = Field(default="", max_length=2000)
    recorded_by: uuid.UUID = Field(foreign_key="users.id")
    recorded_at: datetime = timestamp_field()


class InterestDecision(SQLModel, table=True):
    """The interest on a reclaim as a person set it: computed by ``core.interest`` (kept
    whole in ``computation``), claimed in full or waived in part or whole with a reason
    (§ 49a Abs. 3 S. 2 VwVfG). One per revocation."""

    __tablename__ = "interest_decisions"
    __table_args__ = (
        sa.UniqueConstraint("decision_id"),
        sa.CheckConstraint("claimed >= 0 AND claimed <= computed", name="claimed_range"),
        sa.CheckConstraint("claimed = computed OR waiver_reason <> ''", name="waiver_reasoned"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    decision_id: uuid.UUID = Field(foreign_key="decisions.id")  # the revocation
    principal: Decimal = Field(sa_type=MONEY)
    from_day: date
    until_day: date
    computation: Any = Field(sa_type=JSONB)
    computed: Decimal = Field(sa_type=MONEY)
    claimed: Decimal = Field(sa_type=MONEY)
    waiver_reason: str = Field(default="", max_length=4000)
    rate_assumed: bool
    decided_by: uuid.UUID = Field(foreign_key="users.id")
    decided_at: datetime = timestamp_field()


class UnusedFundsInterestDecision(SQLModel, table=True):
    """Interest on grant money paid out but not used soon enough (§ 49a Abs. 4 VwVfG), as a
    person set it after the final proof of use was checked: the computation matching the
    receipts to the payments (kept whole in ``computation``), what is claimed, and the
    discretion used — the statute says the authority *may* claim it, so every decision,
    also to claim all or nothing, states its reasons. One per award; migration 0028 makes it
    append-only."""

    __tablename__ = "unused_funds_interest_decisions"
    __table_args__ = (
        sa.UniqueConstraint("application_id"),
        sa.CheckConstraint("claimed >= 0 AND claimed <= computed", name="claimed_range"),
        sa.CheckConstraint("discretion <> ''", name="discretion_stated"),
        sa.CheckConstraint("count_from IN ('end_of_allowed_period', 'payment')", name="count_from"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id")
    decision_id: uuid.UUID = Field(foreign_key="decisions.id")  # the grant in force
    proof_id: uuid.UUID = Field(foreign_key="proofs_of_use.id")  # the checked final proof
    allowed_months: int
    count_from: str = Field(max_length=32)
    computation: Any = Field(sa_type=JSONB)
    computed: Decimal = Field(sa_type=MONEY)
    claimed: Decimal = Field(sa_type=MONEY)
    discretion: str = Field(max_length=4000)
    rate_assumed: bool
    decided_by: uuid.UUID = Field(foreign_key="users.id")
    decided_at: datetime = timestamp_field()


hearings_table: sa.Table = Hearing.__table__  # type: ignore[attr-defined]
hearing_responses_table: sa.Table = HearingResponse.__table__  # type: ignore[attr-defined]
refunds_table: sa.Table = RefundReceived.__table__  # type: ignore[attr-defined]
interest_table: sa.Table = InterestDecision.__table__  # type: ignore[attr-defined]
unused_funds_interest_table: sa.Table = UnusedFundsInterestDecision.__table__  # type: ignore[attr-defined]
