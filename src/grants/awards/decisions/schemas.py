"""Shapes of the decision API. Requests forbid unknown fields (``StrictInput``)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from grants.awards.budgets.schemas import FiscalYear
from grants.core.decision import ReasonKind
from grants.http.fields import Amount, Code, ProjectDate, StrictInput

Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4, examples=["0.9000"])]
Reasoning = Annotated[str, Field(max_length=4000)]


class CategoryApprovalIn(StrictInput):
    category: Code
    approved_cost: Amount = Field(description="Approved eligible cost of the category")
    approved_rate: Rate = Field(description="Approved rate, at most the guideline's for it")
    deviation_reason: Reasoning = Field(
        default="", description="Required where less than applied for is approved"
    )


class ReasonIn(StrictInput):
    kind: ReasonKind
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    section: Annotated[str, Field(max_length=200)] | None = None
    rule_id: Annotated[str, Field(max_length=80)] | None = None


class InstalmentIn(StrictInput):
    fiscal_year: FiscalYear
    amount: Amount


class DecisionDraftIn(StrictInput):
    """A draft decision. For an approval, ``categories`` empty means "as applied for"; the
    instalments may be left empty when the approval period lies in one fiscal year."""

    kind: Literal["approval", "partial_approval", "rejection"]
    categories: list[CategoryApprovalIn] = Field(default_factory=list, max_length=50)
    approval_start: ProjectDate | None = None
    approval_end: ProjectDate | None = None
    instalments: list[InstalmentIn] = Field(default_factory=list, max_length=20)
    reasons: list[ReasonIn] = Field(default_factory=list, max_length=50)
    discretion: Reasoning = Field(
        default="",
        description="How discretion was used (required for a rejection and a partial approval)",
    )
    anbest_override: Literal["ANBest-P", "ANBest-K"] | None = None
    anbest_override_reason: Reasoning = ""
    special_conditions: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(
        default_factory=list, max_length=30
    )


class DecisionPublic(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    number: int
    kind: str
    status: str
    version: int
    file_reference: str | None
    max_amount: Decimal | None
    official_name: str
    decision_date: date | None
    drafted_by: uuid.UUID
    drafted_at: datetime
    second_approved_by: uuid.UUID | None
    second_approved_at: datetime | None
    released_by: uuid.UUID | None
    released_at: datetime | None
    content_hash: str | None
    second_approval_required: bool
    content: dict[str, Any]
    standing: "StandingPublic | None" = None  # released decisions only


class ProgrammeSettingsIn(StrictInput):
    second_approval_required: bool
    formal_application_weeks: Annotated[int, Field(ge=1, le=52)] = 8
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ProgrammeSettingsPublic(BaseModel):
    guideline_id: str
    second_approval_required: bool
    formal_application_weeks: int
    version: int
    changed_at: datetime | None


class LedgerEntryPublic(BaseModel):
    id: int
    kind: str
    fiscal_year: int
    amount: Decimal
    decision_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    reason: str
    occurred_at: datetime


class AwardLedger(BaseModel):
    application_id: uuid.UUID
    entries: list[LedgerEntryPublic]
    by_year: list[dict[str, Any]]


class NoticeIn(StrictInput):
    """A notice staff record on a released decision. The portal retrieval is not among them:
    the portal records it when the addressee opens the decision."""

    kind: Literal[
        "dispatched",
        "proven_receipt",
        "remedy_notice_defective",
        "remedy_waived",
        "objection",
        "objection_withdrawn",
        "objection_granted",
        "objection_decision",
        "action_filed",
    ]
    channel: Literal["post", "portal"] | None = Field(
        default=None, description="For 'dispatched': posted, or made available on the portal"
    )
    on_date: ProjectDate = Field(description="The day it happened (posted, received, …)")
    note: Reasoning = ""


class NoticePublic(BaseModel):
    number: int
    kind: str
    channel: str | None
    on_date: date
    note: str
    recorded_by: uuid.UUID | None
    recorded_at: datetime


class ReportDue(BaseModel):
    kind: str  # interim | final
    fiscal_year: int | None
    due_on: date


class StandingPublic(BaseModel):
    status: str
    notified_on: date | None
    effective: bool  # notified (§ 43 Abs. 1 VwVfG): money may flow
    remedy_notice_correct: bool
    objection_period_end: date | None
    objection_on: date | None
    late_objection_on: date | None
    final_on: date | None
    notification_reason: dict[str, str] | None
    reports_due: list[ReportDue]
    notices: list[NoticePublic]


DecisionPublic.model_rebuild()  # its ``standing`` is defined below it
