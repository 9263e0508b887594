"""Tables of the evaluation feature.

Conflicts of interest are kept twice on purpose: what people declared
(``evaluator_affiliations``, ``conflict_declarations``) and what follows from it for each
application (``evaluator_conflicts``, recomputed by the service whenever declarations or
assignments change). Every evaluator-facing query excludes the pairs in
``evaluator_conflicts`` with ``NOT EXISTS`` — the block is enforced in the database query,
not only in the interface.
"""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from grants.core.assignment import AssignmentSource, AssignmentStatus
from grants.core.conflicts import AffiliationKind
from grants.core.lifecycle import FormalOutcome
from grants.core.ranking import Recommendation
from grants.core.scoring import SheetStatus
from grants.db.base import enum_type, timestamp_field


class EvaluatorProfile(SQLModel, table=True):
    """A member of the evaluator pool (a user holding the evaluator staff role)."""

    __tablename__ = "evaluator_profiles"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True)
    max_assignments: int = Field(default=60)
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class EvaluatorAffiliation(SQLModel, table=True):
    """An organisation (by id when registered here, else by name) or a municipality the
    evaluator is tied to."""

    __tablename__ = "evaluator_affiliations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    evaluator_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    kind: AffiliationKind = Field(sa_type=enum_type(AffiliationKind))
    organisation_id: uuid.UUID | None = Field(default=None, foreign_key="organisations.id")
    name: str = Field(default="", max_length=200)
    municipality_key: str | None = Field(default=None, max_length=8)
    declared_at: datetime = timestamp_field()


class ConflictDeclaration(SQLModel, table=True):
    """An evaluator's own declaration of a conflict with one application."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (sa.UniqueConstraint("evaluator_id", "application_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    evaluator_id: uuid.UUID = Field(foreign_key="users.id")
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    reason: str = Field(max_length=2000)
    excluded: bool = Field(default=False)  # a ground of § 20 VwVfG (else § 21: bias)
    declared_at: datetime = timestamp_field()


class EvaluatorConflict(SQLModel, table=True):
    """A detected conflict of interest (one row per reason): the pair may never be assigned,
    see the application or score it."""

    __tablename__ = "evaluator_conflicts"
    __table_args__ = (
        sa.Index("ix_evaluator_conflicts_evaluator", "evaluator_id", "application_id"),
    )

    application_id: uuid.UUID = Field(foreign_key="applications.id", primary_key=True)
    evaluator_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True)
    reason_code: str = Field(primary_key=True, max_length=40)
    legal_basis: str = Field(max_length=120)
    detail: str = Field(default="", max_length=500)
    detected_at: datetime = timestamp_field()


class Assignment(SQLModel, table=True):
    __tablename__ = "assignments"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "evaluator_id"),
        sa.Index("ix_assignments_evaluator_status", "evaluator_id", "status"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    evaluator_id: uuid.UUID = Field(foreign_key="users.id")
    status: AssignmentStatus = Field(sa_type=enum_type(AssignmentStatus))
    source: AssignmentSource = Field(sa_type=enum_type(AssignmentSource))
    decline_reason: str | None = Field(default=None, max_length=2000)
    assigned_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    assigned_at: datetime = timestamp_field()
    responded_at: datetime | None = timestamp_field(nullable=True)
    # When the evaluation is due (end of a day in Berlin); NULL for assignments made before
    # migration 0038 or written directly.
    due_at: datetime | None = timestamp_field(nullable=True)
    version: int = Field(default=1)


class ScoreSheet(SQLModel, table=True):
    """One evaluator's scores for one application: ``scores`` maps each criterion code to
    ``{"score": int, "justification": str}``."""

    __tablename__ = "score_sheets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    assignment_id: uuid.UUID = Field(foreign_key="assignments.id", unique=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    evaluator_id: uuid.UUID = Field(foreign_key="users.id")
    status: SheetStatus = Field(sa_type=enum_type(SheetStatus))
    scores: Any = Field(sa_type=JSONB)
    total: Decimal | None = Field(default=None, sa_type=sa.Numeric(6, 2))
    guideline_hash: str = Field(max_length=64)
    version: int = Field(default=1)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    submitted_at: datetime | None = timestamp_field(nullable=True)
    reopened_at: datetime | None = timestamp_field(nullable=True)
    reopen_reason: str | None = Field(default=None, max_length=2000)


class FormalCheck(SQLModel, table=True):
    """The programme manager's formal check of a submission: each checklist item confirmed or
    overruled with a reason, and the outcome (``formally_rejected`` is the proposal for the
    Bescheid, not the act).

    Checks start only after the call's deadline: the row keeps the deadline the service
    judged against, and the CHECK refuses a check dated at or before it. Migration 0011 adds
    it (NULL passes: rows from before it), and a trigger that refuses a new or changed check
    without that deadline or of any version but the latest submitted one; acceptance for
    review (an ``application_events`` row ``accept_for_review``) is refused without a check
    of that version with the outcome ``to_review``."""

    __tablename__ = "formal_checks"
    __table_args__ = (sa.CheckConstraint("checked_at > call_deadline_at", name="after_deadline"),)

    application_id: uuid.UUID = Field(foreign_key="applications.id", primary_key=True)
    submission_number: int
    items: Any = Field(sa_type=JSONB)
    outcome: FormalOutcome = Field(sa_type=enum_type(FormalOutcome))
    reason: str | None = Field(default=None, max_length=4000)
    checked_by: uuid.UUID = Field(foreign_key="users.id")
    checked_at: datetime = timestamp_field()
    call_deadline_at: datetime | None = timestamp_field(nullable=True)  # migration 0011


class JuryDecision(SQLModel, table=True):
    """The jury's recommendation, recorded by a programme manager (the system proposes, a
    human decides: § 35a VwVfG).

    It records how many submitted score sheets counted and how many the rubric requires; with
    fewer, ``incomplete_review_reason`` says why the jury decided anyway (the CHECK refuses a
    row without it; migration 0011, NULL counts pass for rows from before it). A trigger
    refuses a new or changed recommendation without the counts or for an application without
    a formal check of its latest version with the outcome ``to_review``, and the events
    ``record_jury_decision`` and ``invite`` without a recommendation."""

    __tablename__ = "jury_decisions"
    __table_args__ = (
        sa.CheckConstraint(
            "counted_evaluations >= required_evaluations "
            "OR btrim(coalesce(incomplete_review_reason, '')) <> ''",
            name="enough_sheets_or_reason",
        ),
    )

    application_id: uuid.UUID = Field(foreign_key="applications.id", primary_key=True)
    recommendation: Recommendation = Field(sa_type=enum_type(Recommendation))
    reason: str = Field(max_length=4000)
    final_score: Decimal | None = Field(default=None, sa_type=sa.Numeric(6, 2))
    rank: int | None = None
    proposed: str | None = Field(default=None, max_length=40)  # what the system proposed
    decided_by: uuid.UUID = Field(foreign_key="users.id")
    decided_at: datetime = timestamp_field()
    version: int = Field(default=1)
    # Migration 0011: the review the decision was made on.
    counted_evaluations: int | None = None
    required_evaluations: int | None = None
    incomplete_review_reason: str | None = Field(default=None, max_length=4000)


evaluator_profiles_table: sa.Table = EvaluatorProfile.__table__  # type: ignore[attr-defined]
affiliations_table: sa.Table = EvaluatorAffiliation.__table__  # type: ignore[attr-defined]
declarations_table: sa.Table = ConflictDeclaration.__table__  # type: ignore[attr-defined]
conflicts_table: sa.Table = EvaluatorConflict.__table__  # type: ignore[attr-defined]
assignments_table: sa.Table = Assignment.__table__  # type: ignore[attr-defined]
score_sheets_table: sa.Table = ScoreSheet.__table__  # type: ignore[attr-defined]
formal_checks_table: sa.Table = FormalCheck.__table__  # type: ignore[attr-defined]
jury_decisions_table: sa.Table = JuryDecision.__table__  # type: ignore[attr-defined]
