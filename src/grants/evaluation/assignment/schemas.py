"""Shapes of the evaluator pool, assignment and evaluator-view APIs. Request bodies forbid
unknown fields (``StrictInput``); responses are built by the services, never table rows."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from grants.core.assignment import AssignmentSource, AssignmentStatus
from grants.core.conflicts import AffiliationKind
from grants.core.deadlines import DEFAULT_REVIEW_DAYS
from grants.http.fields import Code, MunicipalityKey, StrictInput

Reason = Annotated[str, Field(min_length=1, max_length=2000)]


# --- pool -----------------------------------------------------------------------------------


class ProfileUpsert(StrictInput):
    max_assignments: Annotated[int, Field(ge=0, le=10_000)] = 60
    active: bool = True


class ProfilePublic(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    max_assignments: int
    active: bool
    version: int
    load: int  # pending and accepted assignments, all calls
    created_at: datetime
    updated_at: datetime


# Kinds that name an organisation only (a municipality key would say nothing about them).
_ORGANISATION_ONLY = frozenset(
    {
        AffiliationKind.ORGAN_MEMBER,
        AffiliationKind.REPRESENTATIVE,
        AffiliationKind.RELATIVE,
        AffiliationKind.CONCEPT_ADVISER,
    }
)

KIND_DESCRIPTION = (
    "employer: paid employment (§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG); organ_member: board, "
    "supervisory board or a similar organ (Nr. 5); municipal_office: council seat, mayoralty "
    "or Landrat of a municipality or district, by organisation or municipality_key (Nr. 5 "
    "when it applies, § 21 for the project's municipality); representative: represents the "
    "organisation (Nr. 3); relative: a relative (§ 20 Abs. 5) is the applicant or represents "
    "it (Nr. 2 / Nr. 4); concept_adviser: advised on or drafted its concept (Nr. 6); "
    "affiliation: member, former employee, adviser in other matters, relative working there "
    "(§ 21); residence: lives in the municipality (municipality_key only; harmless unless "
    "the guideline says otherwise)"
)


class AffiliationCreate(StrictInput):
    kind: AffiliationKind = Field(description=KIND_DESCRIPTION)
    organisation_id: uuid.UUID | None = None
    name: Annotated[str, Field(max_length=200)] = ""
    municipality_key: MunicipalityKey | None = None

    @model_validator(mode="after")
    def _says_something(self) -> "AffiliationCreate":
        has_organisation = self.organisation_id is not None or bool(self.name.strip())
        if not has_organisation and not self.municipality_key:
            raise ValueError("organisation_id, name or municipality_key is required")
        if self.kind is AffiliationKind.RESIDENCE and has_organisation:
            raise ValueError("a residence names a municipality_key, not an organisation")
        if self.kind is AffiliationKind.RESIDENCE and not self.municipality_key:
            raise ValueError("a residence needs a municipality_key")
        if self.kind in _ORGANISATION_ONLY and not has_organisation:
            raise ValueError(f"{self.kind.value} needs organisation_id or name")
        if self.kind in _ORGANISATION_ONLY and self.municipality_key:
            raise ValueError(f"{self.kind.value} names an organisation, not a municipality_key")
        return self


class AffiliationPublic(BaseModel):
    id: uuid.UUID
    evaluator_id: uuid.UUID
    kind: AffiliationKind
    organisation_id: uuid.UUID | None
    name: str
    municipality_key: str | None
    declared_at: datetime


# --- managers -------------------------------------------------------------------------------


class AutoAssignRequest(StrictInput):
    guideline: Code = "frl-lifd"
    call: Code = Field(examples=["demo"])
    funding_line: Code = Field(examples=["stationary"])
    per_application: Annotated[int, Field(ge=1, le=20)] | None = Field(
        default=None, description="Default: the guideline rubric's minimum_evaluators"
    )
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    due_in_days: Annotated[int, Field(ge=1, le=365)] = Field(
        default=DEFAULT_REVIEW_DAYS,
        description="The evaluation is due at the end of this many days after assignment "
        "(Europe/Berlin); the default is this system's assumption",
    )


class ReassignRequest(StrictInput):
    application_id: uuid.UUID
    from_evaluator_id: uuid.UUID
    to_evaluator_id: uuid.UUID | None = Field(
        default=None, description="None: the least-loaded evaluator free of conflicts"
    )
    reason: Annotated[str, Field(max_length=2000)] | None = None
    due_in_days: Annotated[int, Field(ge=1, le=365)] = DEFAULT_REVIEW_DAYS


class AssignmentPublic(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    evaluator_id: uuid.UUID
    status: AssignmentStatus
    source: AssignmentSource
    decline_reason: str | None
    assigned_by: uuid.UUID | None
    assigned_at: datetime
    responded_at: datetime | None
    due_at: datetime | None
    version: int


class ShortfallOut(BaseModel):
    application_id: uuid.UUID
    reference_number: str | None
    assigned: int
    required: int
    reason: str  # too_few_eligible | caps_exhausted
    message_de: str
    message_en: str
    conflicted: int
    declined: int


class RemovedOut(BaseModel):
    application_id: uuid.UUID
    evaluator_id: uuid.UUID
    reason: str  # conflict_of_interest | declined


class LoadSummary(BaseModel):
    minimum: int
    maximum: int
    mean: Decimal
    per_evaluator: dict[str, int]


class AutoAssignOut(BaseModel):
    call: str
    funding_line: str
    per_application: int
    applications: int
    added: int
    kept: int
    removed: list[RemovedOut]
    conflicts_added: int
    conflicts_removed: int
    loads: LoadSummary
    shortfalls: list[ShortfallOut]


class ShortfallReport(BaseModel):
    call: str
    funding_line: str
    per_application: int
    applications: int
    shortfalls: list[ShortfallOut]


class ConflictOut(BaseModel):
    """A detected conflict, with the paragraph it rests on."""

    reason: str
    legal_basis: str
    excluded: bool  # § 20 VwVfG (excluded by law); else § 21 (concern of bias)
    message_de: str
    message_en: str


class BoardEntry(BaseModel):
    assignment_id: uuid.UUID
    evaluator_id: uuid.UUID
    display_name: str
    status: AssignmentStatus
    source: AssignmentSource
    decline_reason: str | None
    due_at: datetime | None = None
    conflicts: list[str]  # reason codes of a conflict detected since it was assigned
    conflict_details: list[ConflictOut] = []  # the same, each with its legal basis


class BoardApplication(BaseModel):
    application_id: uuid.UUID
    reference_number: str | None
    title: str
    status: str
    active: int  # pending + accepted, conflict-free
    required: int
    evaluators: list[BoardEntry]


class BoardEvaluator(BaseModel):
    evaluator_id: uuid.UUID
    display_name: str
    active: bool
    max_assignments: int
    load: int  # all calls
    load_in_call: int


class BoardOut(BaseModel):
    call: str
    funding_line: str
    required: int
    applications: list[BoardApplication]
    evaluators: list[BoardEvaluator]


class ReassignOut(BaseModel):
    application_id: uuid.UUID
    from_evaluator_id: uuid.UUID
    to_evaluator_id: uuid.UUID
    assignment: AssignmentPublic


# --- evaluators -----------------------------------------------------------------------------


class DeclineRequest(StrictInput):
    reason: Reason
    conflict: bool = Field(default=False, description="True: a declaration of a conflict")
    excluded: bool = Field(
        default=False, description="With conflict: a ground of § 20 VwVfG (else § 21)"
    )


class ConflictDeclarationCreate(StrictInput):
    reason: Reason
    excluded: bool = False


class MyAssignment(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    reference_number: str | None
    title: str
    call: str
    funding_line: str
    application_status: str
    status: AssignmentStatus
    assigned_at: datetime
    responded_at: datetime | None
    due_at: datetime | None
    version: int


class OrganisationSummary(BaseModel):
    legal_name: str
    legal_form: str
    applicant_type: str
    municipality_key: str | None


class PartnerOut(BaseModel):
    name: str
    type: str
    role: str


class CostLineOut(BaseModel):
    description: str
    amount: Decimal


class CostCategoryOut(BaseModel):
    category: str
    total: Decimal
    line_count: int
    lines: list[CostLineOut]  # empty when withheld
    detail_withheld: bool  # personnel: individual salaries are not shown to evaluators


class FinancingOut(BaseModel):
    requested_grant: Decimal | None
    own_funds: Decimal | None
    third_party_funds: Decimal | None
    total_costs: Decimal


class RuleOut(BaseModel):
    rule: str
    outcome: str
    section: str
    title: dict[str, str]
    message: dict[str, str]


class VerdictSummary(BaseModel):
    eligible: bool | None
    failed_rules: list[str]
    needs_review: list[str]
    results: list[RuleOut]


class AttachmentRef(BaseModel):
    id: str
    kind: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str


class EvaluatorApplicationView(BaseModel):
    """What an evaluator reads: the submitted proposal without personal data (no submitter,
    no street address, no de-minimis history, no individual salaries)."""

    assignment_id: uuid.UUID
    application_id: uuid.UUID
    reference_number: str | None
    submission_number: int
    received_at: str | None
    call: str
    funding_line: str
    guideline: dict[str, Any]
    organisation: OrganisationSummary
    title: str
    summary: str
    concept: dict[str, str]
    objectives: list[str]
    municipality_key: str | None
    planned_start: date | None
    planned_end: date | None
    partners: list[PartnerOut]
    costs: list[CostCategoryOut]
    financing: FinancingOut
    verdict: VerdictSummary
    attachments: list[AttachmentRef]
