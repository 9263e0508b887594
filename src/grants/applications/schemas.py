"""Shapes of the applications API: the draft (everything optional while drafting), the
create and patch bodies, and what is returned. Unknown fields are 422s naming the field, so
``status``, ``reference_number``, ``organisation_id`` or timestamps in a patch are refused,
never applied (mass assignment)."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from grants.core.funding import CostAmounts, VatDeduction
from grants.guidelines.schemas import (
    CostLineIn,
    FinancingIn,
    PriorAidIn,
    UndertakingName,
    VatShare,
)
from grants.http.fields import Code, Instant, MunicipalityKey, ProjectDate, StrictInput

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
    # Which undertaking of the single undertaking received it (empty: the applicant): the
    # aid of every linked undertaking counts (Art. 2(2) Reg. (EU) 2023/2831).
    recipient: Annotated[str, Field(max_length=200)] = ""


class Declarations(StrictInput):
    # § 264 StGB: the applicant confirms they were told which facts are subsidy-relevant.
    subsidy_relevant_facts_acknowledged: bool = False
    # "Mit dem Vorhaben wurde noch nicht begonnen; es wird nicht vor Bekanntgabe des
    # Zuwendungsbescheids oder einer schriftlichen Zustimmung zum vorzeitigen
    # Maßnahmebeginn begonnen."
    not_started_declared: bool = False
    # De-minimis self-declaration: all de-minimis aid of the single undertaking in the last
    # three years is listed.
    de_minimis_declared: bool = False
    de_minimis_prior_aid: Annotated[list[PriorAid], Field(max_length=100)] = []
    economic_activity: bool | None = None
    # Art. 2(2) Reg. (EU) 2023/2831: part of a single undertaking with linked undertakings?
    part_of_single_undertaking: bool | None = None
    linked_undertakings: Annotated[list[UndertakingName], Field(max_length=50)] = []
    # Vorsteuerabzug: full, partial (with the deductible share, 0 < share < 1) or none.
    vat_deduction: VatDeduction | None = None
    vat_deductible_share: VatShare | None = None
    data_protection_acknowledged: bool = False

    @field_validator("vat_deductible_share")
    @classmethod
    def _share_only_for_partial(cls, share: Decimal | None, info: ValidationInfo) -> Decimal | None:
        # A missing share for partial deduction is a gap for submission, not an error while
        # drafting; a share without partial deduction contradicts the answer.
        deduction = info.data.get("vat_deduction")
        if share is not None and deduction is not VatDeduction.PARTIAL:
            raise ValueError(
                "nur bei teilweisem Vorsteuerabzug anzugeben "
                "(only allowed when vat_deduction is partial)"
            )
        return share


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
    partners: Annotated[list[Partner], Field(max_length=50)] = []
    cost_lines: Annotated[list[CostLine], Field(max_length=500)] = []
    cost_amounts: CostAmounts | None = None  # whether the cost lines are gross or net
    financing: Financing | None = None
    declarations: Declarations = Declarations()

    @model_validator(mode="after")
    def _end_not_before_start(self) -> "DraftContent":
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValueError(
                "Das geplante Ende liegt vor dem Beginn "
                "(planned_end must not be before planned_start)"
            )
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
    partners: Annotated[list[Partner], Field(max_length=50)] | None = None
    cost_lines: Annotated[list[CostLine], Field(max_length=500)] | None = None
    cost_amounts: CostAmounts | None = None
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


class SubmissionRequest(StrictInput):
    """The optional body of a submission. A rule the pre-check finds failing never stops the
    submission (§ 24 Abs. 3 VwVfG), but the applicant must have seen it: each failing rule's
    id is listed here, and the formal check decides on it later."""

    acknowledged_rules: Annotated[
        list[Code],
        Field(
            max_length=100,
            description="Ids of the failing rules submitted anyway (the eligibility check's "
            "acknowledgement_required and a refused submission list them).",
            examples=[["minimum_grant"]],
        ),
    ] = []


class ReceiptText(BaseModel):
    de: str
    en: str


class ReceiptAuthority(BaseModel):
    """The granting authority the proposal was received by."""

    name: str
    unit: str
    street: str
    postal_code: str
    city: str
    phone: str | None
    email: str | None
    website: str | None
    on_behalf_of: str | None


class ReceiptApplicant(BaseModel):
    legal_name: str
    legal_form: str
    customer_number: str


class ReceiptCall(BaseModel):
    code: str
    title: ReceiptText


class ReceiptFundingLine(BaseModel):
    code: str
    label: ReceiptText


class ReceiptDocument(BaseModel):
    """A document received, with its malware-scan status at receipt (``pending``: received,
    still quarantined; the formal check sees the current status)."""

    id: str
    kind: str
    filename: str
    sha256: str
    size_bytes: int
    scan_status: str
    scan_label: ReceiptText


class AcknowledgedRuleOut(BaseModel):
    rule: str
    outcome: str
    outcome_label: ReceiptText
    citation: ReceiptText
    title: ReceiptText
    message: ReceiptText


class Receipt(BaseModel):
    """The Eingangsbestätigung as JSON, built from the stored snapshot: the same at
    submission and whenever it is fetched again. ``reference_number`` is the
    Eingangsnummer (not the authority's Aktenzeichen)."""

    application_id: uuid.UUID
    reference_number: str
    reference_label: ReceiptText
    submission_number: int
    replaces_submission: int | None
    received_at: datetime
    received_at_local: ReceiptText
    snapshot_sha256: str
    guideline_hash: str
    status: str
    authority: ReceiptAuthority | None
    applicant: ReceiptApplicant
    title: str
    call: ReceiptCall
    funding_line: ReceiptFundingLine
    attachments: list[ReceiptDocument]
    acknowledged_rules: list[AcknowledgedRuleOut]
    notes: list[ReceiptText]


class SubmittedAttachment(BaseModel):
    """A document of a submitted version with its scan status then and now: the formal check
    sees the current one (``infected``: never served; ``removed``: no longer in the working
    copy, kept for the submitted version)."""

    id: str
    kind: str
    filename: str
    sha256: str
    size_bytes: int
    scan_status_at_receipt: str
    scan_status: str
    scanned_at: datetime | None
    removed: bool
    downloadable: bool


class TransitionRequest(StrictInput):
    """A lifecycle step. Decisions (approve, approve_partially, reject, decline,
    reject_formally) are not steps: they are made by a written Bescheid (409). ``reason`` is
    recorded in the history and the audit log, never mailed; ``invite`` needs one where it
    deviates from the jury's recommendation."""

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
    due_at: Instant  # with its UTC offset; a bare date or naive time is 422 naming due_at


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
