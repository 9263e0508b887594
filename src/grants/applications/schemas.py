"""Shapes of the applications API: the draft (everything optional while drafting), the
create and patch bodies, and what is returned. Unknown fields are 422s naming the field, so
``status``, ``reference_number``, ``organisation_id`` or timestamps in a patch are refused,
never applied (mass assignment)."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from grants.guidelines.schemas import CostLineIn, FinancingIn, PriorAidIn
from grants.http.fields import Code, MunicipalityKey, ProjectDate, StrictInput

ShortText = Annotated[str, Field(max_length=300)]
LongText = Annotated[str, Field(max_length=20_000)]


class Concept(StrictInput):
    """The concept sections of a Projektskizze (DOMAIN.md §3.4)."""

    model_config = {"str_max_length": 20_000}

    initial_situation: LongText = ""  # Ausgangslage
    goals: LongText = ""  # Ziele des Vorhabens
    measures: LongText = ""  # Maßnahmen und Zeitplan
    target_groups: LongText = ""  # Zielgruppen
    sustainability: LongText = ""  # Nachhaltigkeit und Verstetigung nach Förderende
    cooperation: LongText = ""  # Vernetzung und Partner


class Partner(StrictInput):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    type: Annotated[str, Field(max_length=100)] = ""
    role: Annotated[str, Field(max_length=1000)] = ""


# The proposal inputs are the guideline's (defined once in grants.guidelines.schemas, where
# the pre-check takes them); a draft's are the same fields made StrictInput, which refuses NUL
# in any string with its own message, as in every other part of the draft. (No docstrings
# here: they would become the OpenAPI components' descriptions.)


class CostLine(CostLineIn, StrictInput):
    pass


class Financing(FinancingIn, StrictInput):
    pass


class PriorAid(PriorAidIn, StrictInput):
    provider: Annotated[str, Field(max_length=200)] = ""  # who granted it (the draft's record)


class Declarations(StrictInput):
    # § 264 StGB: the applicant confirms they were told which facts are subsidy-relevant.
    subsidy_relevant_facts_acknowledged: bool = False
    # De-minimis self-declaration: all de-minimis aid of the last three years is listed.
    de_minimis_declared: bool = False
    de_minimis_prior_aid: Annotated[list[PriorAid], Field(max_length=100)] = []
    economic_activity: bool | None = None
    vat_deductible: bool | None = None  # Vorsteuerabzugsberechtigung
    data_protection_acknowledged: bool = False


class DraftContent(StrictInput):
    """The applicant's working copy. Everything may be missing while drafting; completeness
    is checked at submission."""

    title: ShortText = ""
    summary: Annotated[str, Field(max_length=2000)] = ""
    concept: Concept = Concept()
    objectives: Annotated[list[Code], Field(max_length=10)] = []
    municipality_key: MunicipalityKey | None = None
    planned_start: ProjectDate | None = None
    planned_end: ProjectDate | None = None
    early_start_consented: bool = False
    partners: Annotated[list[Partner], Field(max_length=50)] = []
    cost_lines: Annotated[list[CostLine], Field(max_length=500)] = []
    financing: Financing | None = None
    declarations: Declarations = Declarations()

    @model_validator(mode="after")
    def _end_not_before_start(self) -> "DraftContent":
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValueError("planned_end must not be before planned_start")
        return self


class DraftPatch(StrictInput):
    """A partial update: each top-level field sent replaces the stored one (lists and
    sections as a whole); fields not sent stay as they are; ``null`` clears a field."""

    title: ShortText | None = None
    summary: Annotated[str, Field(max_length=2000)] | None = None
    concept: Concept | None = None
    objectives: Annotated[list[Code], Field(max_length=10)] | None = None
    municipality_key: MunicipalityKey | None = None
    planned_start: ProjectDate | None = None
    planned_end: ProjectDate | None = None
    early_start_consented: bool | None = None
    partners: Annotated[list[Partner], Field(max_length=50)] | None = None
    cost_lines: Annotated[list[CostLine], Field(max_length=500)] | None = None
    financing: Financing | None = None
    declarations: Declarations | None = None


class ApplicationCreate(DraftPatch):
    guideline: Code = "frl-lifd"
    call: Code = Field(examples=["demo"])
    funding_line: Code = Field(examples=["stationary"])
    # Needed only by users who belong to more than one organisation.
    organisation_id: uuid.UUID | None = None


class ApplicationPublic(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    guideline: str
    call: str
    funding_line: str
    status: str
    reference_number: str | None
    version: int
    submission_count: int
    created_at: datetime
    updated_at: datetime
    first_submitted_at: datetime | None
    submitted_at: datetime | None
    deadline_at: datetime | None
    allowed_events: list[str]
    draft: DraftContent


class Receipt(BaseModel):
    """The Eingangsbestätigung as JSON."""

    application_id: uuid.UUID
    reference_number: str
    submission_number: int
    received_at: datetime
    snapshot_sha256: str
    guideline_hash: str
    attachments: list[dict[str, Any]]
    status: str


class TransitionRequest(StrictInput):
    event: Code
    reason: Annotated[str, Field(max_length=4000)] | None = None


class EventPublic(BaseModel):
    event: str
    from_state: str | None
    to_state: str
    actor: str
    reason: str | None
    occurred_at: datetime


class SubmissionSummary(BaseModel):
    number: int
    reference_number: str
    received_at: datetime
    snapshot_sha256: str
    guideline_hash: str
    submitted_by: uuid.UUID


class SubmissionPublic(SubmissionSummary):
    snapshot: dict[str, Any]


class FieldChangeOut(BaseModel):
    path: str
    before: Any
    after: Any


class ItemChangeOut(BaseModel):
    list: str
    kind: str
    key: str
    before: Any
    after: Any


class SubmissionDiff(BaseModel):
    application_id: uuid.UUID
    from_number: int
    to_number: int
    fields: list[FieldChangeOut]
    items: list[ItemChangeOut]
    attachments_added: list[dict[str, Any]]
    attachments_removed: list[dict[str, Any]]


class InformationRequestCreate(StrictInput):
    items: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=500)]],
        Field(min_length=1, max_length=30),
    ]
    message: Annotated[str, Field(max_length=4000)] = ""
    due_at: datetime

    @model_validator(mode="after")
    def _aware(self) -> "InformationRequestCreate":
        if self.due_at.tzinfo is None:
            raise ValueError("due_at needs a time zone offset, e.g. 2027-01-15T23:59:59+01:00")
        return self


class InformationResponseCreate(StrictInput):
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    attachment_ids: Annotated[list[uuid.UUID], Field(max_length=30)] = []


class InformationResponsePublic(BaseModel):
    id: uuid.UUID
    number: int
    text: str
    attachments: list[dict[str, Any]]
    content_sha256: str
    submitted_by: uuid.UUID
    created_at: datetime
    late: bool


class InformationRequestPublic(BaseModel):
    id: uuid.UUID
    items: list[str]
    message: str
    due_at: datetime
    status: str
    created_at: datetime
    answered_at: datetime | None
    responses: list[InformationResponsePublic]
