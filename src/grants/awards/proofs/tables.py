"""The tables of proofs of use: the proofs (interim and final) with their check, and the
samples drawn for the detailed check. Migration 0026 creates them and adds what SQLModel
cannot say: a submitted proof's content never changes (only its check is added, once), no
proof is ever deleted, and samples are append-only.

**Why the costs and the receipts are JSONB, not child tables.** They are parts of one
document the recipient submits as a whole: hashed as a whole (``receipt_hash``), frozen as a
whole by one row trigger, read as a whole by the check and never queried across proofs. A
child table would need its own immutability trigger keyed on the parent's status and a join
on every read, for no query that needs it. The manager's recognised costs and the receipts
checked belong to the check in the same way."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from grants.db.base import timestamp_field

MONEY = sa.Numeric(14, 2)


class ProofOfUse(SQLModel, table=True):
    """One proof of use: drafted and submitted by the recipient, checked by a manager.

    ``status``: draft → submitted → checked (accepted) or returned (sent back with
    ``return_reason``; the recipient then submits a completed proof of the same kind and
    year, a new row). ``costs`` is ``[{category, amount}]``, ``receipts`` the Belegliste
    ``[{number, paid_on, payee, reason, category, amount}]`` (amounts as decimal strings).
    The check adds ``recognised`` (``[{category, amount, note}]``), the recognised
    third-party funds, the receipts checked, its scope (detailed or summary) and the case's
    place in the sample; for a final proof also the computed final grant (``final_grant``,
    the whole computation and the settlement it proposes) and its key figures."""

    __tablename__ = "proofs_of_use"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "number"),
        # One open proof per report: a returned one makes room for its completion.
        sa.Index(
            "uq_proofs_of_use_open_interim",
            "application_id",
            "fiscal_year",
            unique=True,
            postgresql_where=sa.text("kind = 'interim' AND status <> 'returned'"),
        ),
        sa.Index(
            "uq_proofs_of_use_open_final",
            "application_id",
            unique=True,
            postgresql_where=sa.text("kind = 'final' AND status <> 'returned'"),
        ),
        sa.CheckConstraint("kind IN ('interim', 'final')", name="kind"),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'checked', 'returned')", name="status"
        ),
        sa.CheckConstraint(
            "(kind = 'interim') = (fiscal_year IS NOT NULL)", name="fiscal_year_for_interim"
        ),
        sa.CheckConstraint("third_party_funds >= 0", name="third_party_not_negative"),
        sa.CheckConstraint(
            "status = 'draft' OR (submitted_by IS NOT NULL AND submitted_at IS NOT NULL "
            "AND receipt_hash IS NOT NULL)",
            name="submitted_is_complete",
        ),
        sa.CheckConstraint(
            "status NOT IN ('checked', 'returned') OR (checked_by IS NOT NULL "
            "AND checked_at IS NOT NULL AND check_scope IS NOT NULL "
            "AND check_coverage IS NOT NULL)",
            name="checked_is_complete",
        ),
        sa.CheckConstraint("status <> 'returned' OR return_reason <> ''", name="return_reason"),
        sa.CheckConstraint(
            "check_scope IS NULL OR check_scope IN ('detailed', 'summary')", name="check_scope"
        ),
        sa.CheckConstraint(
            "check_coverage IS NULL OR check_coverage IN ('selected', 'not_selected', "
            "'not_covered')",
            name="check_coverage",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    decision_id: uuid.UUID = Field(foreign_key="decisions.id")  # the approval it accounts for
    number: int  # 1, 2, … per application
    kind: str = Field(max_length=16)
    fiscal_year: int | None = None  # the year an interim proof covers
    status: str = Field(max_length=16)
    factual_report: str = Field(sa_type=sa.Text)
    costs: Any = Field(sa_type=JSONB)
    receipts: Any = Field(sa_type=JSONB)
    third_party_funds: Decimal = Field(sa_type=MONEY)  # received for the project
    version: int = Field(default=1)
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    submitted_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    submitted_at: datetime | None = timestamp_field(nullable=True)
    receipt_hash: str | None = Field(default=None, max_length=64)
    checked_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    checked_at: datetime | None = timestamp_field(nullable=True)
    check_scope: str | None = Field(default=None, max_length=16)
    check_coverage: str | None = Field(default=None, max_length=16)
    sample_id: uuid.UUID | None = Field(default=None, foreign_key="proof_samples.id")
    recognised: Any = Field(default=None, sa_type=JSONB, nullable=True)
    recognised_third_party_funds: Decimal | None = Field(default=None, sa_type=MONEY)
    receipts_checked: Any = Field(default=None, sa_type=JSONB, nullable=True)
    check_notes: str = Field(default="", max_length=4000)
    return_reason: str = Field(default="", max_length=4000)
    final_grant: Any = Field(default=None, sa_type=JSONB, nullable=True)
    final_amount: Decimal | None = Field(default=None, sa_type=MONEY)
    paid_at_check: Decimal | None = Field(default=None, sa_type=MONEY)
    overpayment: Decimal | None = Field(default=None, sa_type=MONEY)


class ProofSample(SQLModel, table=True):
    """One draw of the sample of a call's cases whose proofs are checked in detail
    (§ 44 Abs. 2 SäHO; ``core.sampling``). Append-only (trigger): a re-draw is a new row with
    its reason, and the latest draw of a call is the one in force. ``population`` holds every
    case drawn from, ``selected`` and ``not_selected`` split it (application ids), so anyone
    can redo the draw from this row: same seed, same cases, same sample."""

    __tablename__ = "proof_samples"
    __table_args__ = (
        sa.UniqueConstraint("guideline_id", "call_code", "number"),
        sa.CheckConstraint("share > 0 AND share <= 1", name="share_range"),
        sa.CheckConstraint("number = 1 OR reason <> ''", name="redraw_has_reason"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    guideline_id: str = Field(max_length=40)
    call_code: str = Field(max_length=40)
    number: int  # 1, 2, … per call: the latest is in force
    drawn_by: uuid.UUID = Field(foreign_key="users.id")
    drawn_at: datetime = timestamp_field()
    seed: str = Field(max_length=200)
    share: Decimal = Field(sa_type=sa.Numeric(5, 4))
    method_code: str = Field(max_length=40)
    method: Any = Field(sa_type=JSONB)  # {"de": …, "en": …}: how to redo it
    population: Any = Field(sa_type=JSONB)
    selected: Any = Field(sa_type=JSONB)
    not_selected: Any = Field(sa_type=JSONB)
    reason: str = Field(default="", max_length=2000)  # required for a re-draw


proofs_table: sa.Table = ProofOfUse.__table__  # type: ignore[attr-defined]
samples_table: sa.Table = ProofSample.__table__  # type: ignore[attr-defined]
