"""The tables of awards: budgets per fiscal year, the ledger of money movements, the decision
records (Bescheide) and payment requests (Mittelabrufe). Migration 0019 creates them and adds
what SQLModel cannot say: the ledger refuses UPDATE and DELETE, a released decision refuses
any change, and the ledger's amounts are positive (the kind says the direction)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from grants.db.base import timestamp_field

MONEY = sa.Numeric(14, 2)


class Budget(SQLModel, table=True):
    """One budget amount for one fiscal year at one level: the programme (``call_code`` and
    ``funding_line`` empty), a call (``funding_line`` empty) or a funding line of a call.

    ``cash_appropriation`` is the year's *Ansatz* (cash that may be paid out in that year),
    ``commitment_authorisation`` the *Verpflichtungsermächtigung* counted against that year:
    commitments a decision may enter now that fall due in that year (§§ 6, 38 SäHO). What
    may be committed for a year is their sum (DOMAIN.md §5.10, an assumption)."""

    __tablename__ = "budgets"
    __table_args__ = (
        sa.UniqueConstraint("guideline_id", "call_code", "funding_line", "fiscal_year"),
        sa.CheckConstraint("call_code <> '' OR funding_line = ''", name="line_needs_call"),
        sa.CheckConstraint("fiscal_year BETWEEN 2000 AND 2199", name="fiscal_year_range"),
        sa.CheckConstraint("cash_appropriation >= 0", name="cash_not_negative"),
        sa.CheckConstraint("commitment_authorisation >= 0", name="authorisation_not_negative"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    guideline_id: str = Field(max_length=40)  # the programme
    call_code: str = Field(default="", max_length=40)
    funding_line: str = Field(default="", max_length=40)
    fiscal_year: int
    cash_appropriation: Decimal = Field(sa_type=MONEY)
    commitment_authorisation: Decimal = Field(sa_type=MONEY)
    version: int = Field(default=1)
    changed_by: uuid.UUID = Field(foreign_key="users.id")
    changed_at: datetime = timestamp_field()


class ProgrammeSettings(SQLModel, table=True):
    """How a programme runs its decisions, set by programme managers (audited): whether a
    second person must approve a draft decision before it is released, and how long an
    invited applicant has for the formal application."""

    __tablename__ = "programme_settings"
    __table_args__ = (
        sa.CheckConstraint(
            "formal_application_weeks BETWEEN 1 AND 52", name="formal_application_weeks_range"
        ),
    )

    guideline_id: str = Field(primary_key=True, max_length=40)
    second_approval_required: bool = Field(default=False)
    formal_application_weeks: int = Field(default=8)
    version: int = Field(default=1)
    changed_by: uuid.UUID = Field(foreign_key="users.id")
    changed_at: datetime = timestamp_field()


class Decision(SQLModel, table=True):
    """A decision (Bescheid) from its draft to its release. ``content`` holds everything the
    letter states (reasons, costs and rates, instalments, conditions, state aid, early start,
    subsidy-relevant facts, legal-remedy data), as drafted by a person and proposed by the
    system; the release fixes it (``content_hash``) and names the official. A released row
    can never change again (trigger, migration 0019)."""

    __tablename__ = "decisions"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "number"),
        sa.Index("ix_decisions_application_status", "application_id", "status"),
        sa.CheckConstraint(
            "status <> 'released' OR (released_by IS NOT NULL AND released_at IS NOT NULL "
            "AND file_reference IS NOT NULL AND content_hash IS NOT NULL "
            "AND decision_date IS NOT NULL AND official_name <> '')",
            name="released_is_complete",
        ),
        # The second approval is a second person's: never the one who releases.
        sa.CheckConstraint(
            "second_approved_by IS NULL OR released_by IS NULL "
            "OR second_approved_by <> released_by",
            name="four_eyes",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    number: int  # 1, 2, … per application
    kind: str = Field(max_length=32)
    status: str = Field(max_length=32)  # draft | second_approved | released | discarded
    content: Any = Field(sa_type=JSONB)
    max_amount: Decimal | None = Field(default=None, sa_type=MONEY)
    file_reference: str | None = Field(default=None, max_length=80, unique=True)
    version: int = Field(default=1)
    drafted_by: uuid.UUID = Field(foreign_key="users.id")
    drafted_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    second_approved_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    second_approved_at: datetime | None = timestamp_field(nullable=True)
    released_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    released_at: datetime | None = timestamp_field(nullable=True)
    official_name: str = Field(default="", max_length=254)  # as the letter names them
    decision_date: date | None = None
    content_hash: str | None = Field(default=None, max_length=64)


class DecisionNotice(SQLModel, table=True):
    """What happened to a released decision after its release, as recorded: its dispatch (by
    post or on the portal), the portal retrieval, a proven later receipt, an objection and
    what became of it. Append-only (trigger, migration 0020): a correction is a new notice.
    Notification, periods and finality are computed from these (``core.standing``)."""

    __tablename__ = "decision_notices"
    __table_args__ = (
        sa.UniqueConstraint("decision_id", "number"),
        sa.CheckConstraint(
            "kind IN ('dispatched', 'retrieved', 'proven_receipt', 'remedy_notice_defective', "
            "'remedy_waived', 'objection', 'objection_withdrawn', 'objection_granted', "
            "'objection_decision', 'action_filed')",
            name="kind",
        ),
        sa.CheckConstraint(
            "(kind = 'dispatched') = (channel IS NOT NULL)", name="channel_with_dispatch"
        ),
        sa.CheckConstraint("channel IS NULL OR channel IN ('post', 'portal')", name="channel"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    decision_id: uuid.UUID = Field(foreign_key="decisions.id", index=True)
    number: int
    kind: str = Field(max_length=32)
    channel: str | None = Field(default=None, max_length=16)
    on_date: date
    note: str = Field(default="", max_length=2000)
    recorded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    recorded_at: datetime = timestamp_field()


class LedgerEntry(SQLModel, table=True):
    """One money movement; never updated or deleted (trigger). Amounts are positive, the
    kind gives the direction; balances are sums over these rows, never stored counters."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "kind IN ('commitment', 'decommitment', 'payment', 'reclaim', 'refund', 'interest')",
            name="kind",
        ),
        # The budget check sums one line's year: this index serves it (and the dashboards).
        sa.Index(
            "ix_ledger_entries_budget",
            "guideline_id",
            "call_code",
            "funding_line",
            "fiscal_year",
            "kind",
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    kind: str = Field(max_length=20)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    decision_id: uuid.UUID | None = Field(default=None, foreign_key="decisions.id")
    payment_id: uuid.UUID | None = Field(default=None, foreign_key="payment_requests.id")
    guideline_id: str = Field(max_length=40)
    call_code: str = Field(max_length=40)
    funding_line: str = Field(max_length=40)
    fiscal_year: int
    amount: Decimal = Field(sa_type=MONEY)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    actor_label: str = Field(max_length=254)
    reason: str = Field(default="", max_length=2000)
    occurred_at: datetime = timestamp_field()


class LedgerMonthSum(SQLModel, table=True):
    """The ledger summed per line, fiscal year, kind and calendar month (Europe/Berlin):
    what the budgets overview and the dashboards read instead of every ledger row.

    Derived data, written only by the ledger's insert trigger (migration 0024) in the
    inserting transaction, so it is never behind the ledger; the ledger is append-only, so
    adding each new row is exact. The budget check before a commitment reads the ledger
    itself (``ledger.commit_funds``): the guarantee does not rest on derived data."""

    __tablename__ = "ledger_month_sums"

    guideline_id: str = Field(max_length=40, primary_key=True)
    call_code: str = Field(max_length=40, primary_key=True)
    funding_line: str = Field(max_length=40, primary_key=True)
    fiscal_year: int = Field(primary_key=True)
    kind: str = Field(max_length=20, primary_key=True)
    month: date = Field(primary_key=True)  # first day of the month, Europe/Berlin
    amount: Decimal = Field(sa_type=sa.Numeric(16, 2))
    entries: int


class LedgerMunicipalitySum(SQLModel, table=True):
    """The ledger summed per line, fiscal year, the application's municipality and kind
    (derived, as ``LedgerMonthSum``; migration 0029, replacing 0024's per-application sums):
    the dashboards' awards by district and area read these few thousand rows instead of
    summing every award's.

    ``municipality_key`` is the application's as the entry was inserted ('' for none). It
    stays right because it cannot change afterwards: only an approved or partially approved
    application has ledger entries (the commitment is booked in the transaction that
    approves it, and no transition leaves those states), and the database refuses a change
    of an awarded application's municipality (trigger of 0029)."""

    __tablename__ = "ledger_municipality_sums"

    guideline_id: str = Field(max_length=40, primary_key=True)
    call_code: str = Field(max_length=40, primary_key=True)
    funding_line: str = Field(max_length=40, primary_key=True)
    fiscal_year: int = Field(primary_key=True)
    municipality_key: str = Field(max_length=8, primary_key=True)
    kind: str = Field(max_length=20, primary_key=True)
    amount: Decimal = Field(sa_type=sa.Numeric(16, 2))
    entries: int


class PaymentRequest(SQLModel, table=True):
    """A Mittelabruf: requested by the recipient, certified as factually and arithmetically
    correct by one member of staff, ordered by another (the database refuses one person
    doing both), and only then a payment in the ledger."""

    __tablename__ = "payment_requests"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "number"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "status IN ('requested', 'certified', 'ordered', 'refused')", name="status"
        ),
        sa.CheckConstraint(
            "certified_by IS NULL OR ordered_by IS NULL OR certified_by <> ordered_by",
            name="four_eyes",
        ),
        sa.CheckConstraint(
            "status <> 'ordered' OR (certified_by IS NOT NULL AND ordered_by IS NOT NULL)",
            name="ordered_after_certified",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    decision_id: uuid.UUID = Field(foreign_key="decisions.id")
    number: int
    status: str = Field(max_length=16)
    fiscal_year: int
    amount: Decimal = Field(sa_type=MONEY)
    purpose: str = Field(max_length=2000)
    needed_by: date
    costs_due: Decimal = Field(sa_type=MONEY)  # costs incurred or due by ``needed_by``
    own_funds_used: Decimal = Field(sa_type=MONEY)  # spent on the project so far
    third_party_funds_used: Decimal = Field(sa_type=MONEY)
    version: int = Field(default=1)
    requested_by: uuid.UUID = Field(foreign_key="users.id")
    requested_at: datetime = timestamp_field()
    certified_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    certified_at: datetime | None = timestamp_field(nullable=True)
    ordered_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    ordered_at: datetime | None = timestamp_field(nullable=True)
    refused_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    refused_at: datetime | None = timestamp_field(nullable=True)
    refusal_reason: str = Field(default="", max_length=2000)


budgets_table: sa.Table = Budget.__table__  # type: ignore[attr-defined]
programme_settings_table: sa.Table = ProgrammeSettings.__table__  # type: ignore[attr-defined]
decisions_table: sa.Table = Decision.__table__  # type: ignore[attr-defined]
notices_table: sa.Table = DecisionNotice.__table__  # type: ignore[attr-defined]
ledger_table: sa.Table = LedgerEntry.__table__  # type: ignore[attr-defined]
payments_table: sa.Table = PaymentRequest.__table__  # type: ignore[attr-defined]
ledger_month_sums_table: sa.Table = LedgerMonthSum.__table__  # type: ignore[attr-defined]
ledger_municipality_sums_table: sa.Table = LedgerMunicipalitySum.__table__  # type: ignore[attr-defined]
