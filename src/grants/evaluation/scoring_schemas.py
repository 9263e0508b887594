"""Shapes of the score-sheet, ranking and jury-decision API.

Scores travel as a *list* of ``{criterion, score, justification}`` items, not as an object
keyed by criterion: a JSON object with a key twice is silently merged by every parser, so
"scoring a criterion twice" could not even be seen. The list lets the core name it."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictInt, field_validator
from pydantic_core import PydanticCustomError

from grants.evaluation.tables import Recommendation
from grants.schema_base import StrictInput

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
Reason = Annotated[str, Field(min_length=1, max_length=4000)]


class CriterionScoreIn(StrictInput):
    criterion: Code
    # strict: 4.0, "4" and true are not scale points; null: not scored yet (drafts only)
    score: StrictInt | None = None
    justification: Annotated[str, Field(max_length=4000)] = ""

    @field_validator("score", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        # Litestar validates bodies with strict=False, which would turn "4", 4.0 and true
        # into 4: a scale point is a JSON integer, nothing else.
        if value is not None and type(value) is not int:
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return value


class ScoreSheetDraft(StrictInput):
    """The whole draft (PUT replaces it); incomplete is fine until submission."""

    scores: Annotated[list[CriterionScoreIn], Field(max_length=50)]


class ReopenRequest(StrictInput):
    reason: Reason


class CriterionScoreOut(BaseModel):
    criterion: str
    score: int | None
    justification: str


class CriterionInfo(BaseModel):
    code: str
    label_de: str
    label_en: str
    weight: int
    minimum_score: int | None


class PeerSheet(BaseModel):
    """Another evaluator's submitted sheet, anonymised (shown only after one's own
    submission)."""

    label: str  # "Gutachter/in 1" …
    total: Decimal | None
    scores: list[CriterionScoreOut]


class ScoreSheetPublic(BaseModel):
    assignment_id: uuid.UUID
    application_id: uuid.UUID
    reference_number: str | None
    title: str
    status: Literal["draft", "submitted"]
    version: int  # 0: nothing saved yet (send If-Match: "0" to save the first draft)
    scores: list[CriterionScoreOut]
    total: Decimal | None  # set on submission
    submitted_at: datetime | None
    reopened_at: datetime | None
    reopen_reason: str | None
    guideline_hash: str
    scale_min: int
    scale_max: int
    criteria: list[CriterionInfo]
    missing: list[str]  # what still blocks submission, as "field: message"
    peers: list[PeerSheet] | None  # None until this sheet is submitted (no anchoring)


# --- rankings -------------------------------------------------------------------------------


class TextOut(BaseModel):
    de: str
    en: str


class ThresholdFailureOut(BaseModel):
    rule: str
    criterion: str | None
    required: Decimal
    actual: Decimal
    reason: TextOut


class DisagreementOut(BaseModel):
    criterion: str | None  # None: the spread of the evaluators' totals
    lowest: Decimal
    highest: Decimal
    bound: Decimal
    reason: TextOut


class EvaluatorTotalOut(BaseModel):
    evaluator_id: str
    total: Decimal
    z_score: float | None = None  # only with ?normalised=true


class RankingEntry(BaseModel):
    rank: int
    application_id: str
    reference_number: str
    title: str
    funding_line: str
    status: str  # application status
    received_at: datetime
    requested_grant: Decimal
    final_score: Decimal | None
    evaluations: int
    evaluator_totals: list[EvaluatorTotalOut]
    criterion_means: dict[str, Decimal]
    passes_thresholds: bool
    threshold_failures: list[ThresholdFailureOut]
    needs_moderation: bool
    disagreements: list[DisagreementOut]
    funding_status: str  # funded | reserve | not_funded
    not_funded_reason: str | None  # threshold | budget
    explanation: TextOut
    mean_z: float | None = None  # only with ?normalised=true; never used for the order
    recommendation: str | None  # the jury's recorded decision, if any


class LineRanking(BaseModel):
    funding_line: str
    budget: Decimal
    budget_rule: str
    misfit_rule: str
    committed: Decimal
    remaining: Decimal
    entries: list[RankingEntry]


class AlphaOut(BaseModel):
    method: str
    alpha: float | None
    units: int
    pairable_values: int


class AgreementOut(BaseModel):
    totals: AlphaOut
    criteria: dict[str, AlphaOut]


class EvaluatorProfileOut(BaseModel):
    evaluator_id: str
    ratings: int
    mean: float
    stdev: float


class PolicyOut(BaseModel):
    minimum_total: Decimal
    minimum_scores: dict[str, int]
    minimum_evaluators: int
    criterion_minimum_rule: str
    max_total_spread: Decimal
    max_criterion_spread: int
    tie_break: list[str]


class RankingPublic(BaseModel):
    call: str
    guideline: str
    guideline_hash: str
    policy: PolicyOut
    agreement: AgreementOut
    evaluator_profiles: list[EvaluatorProfileOut] | None  # only with ?normalised=true
    lines: list[LineRanking]


Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]


class SimulationRequest(StrictInput):
    call: Code
    funding_line: Code
    budget: Money | None = None  # the scenario's budget (default: the line's budget)
    minimum_total: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    minimum_scores: dict[Code, StrictInt] | None = None


class MoveOut(BaseModel):
    application_id: str
    reference_number: str
    rank: int
    before: str
    after: str


class ScenarioOut(BaseModel):
    budget: Decimal
    minimum_total: Decimal
    minimum_scores: dict[str, int]
    committed: Decimal
    remaining: Decimal
    funded: int
    reserve: int


class SimulationPublic(BaseModel):
    call: str
    funding_line: str
    base: ScenarioOut
    scenario: ScenarioOut
    moved_in: list[MoveOut]
    moved_out: list[MoveOut]
    changed: list[MoveOut]


# --- jury decisions -------------------------------------------------------------------------


class DecisionRequest(StrictInput):
    recommendation: Recommendation
    reason: Reason


class DecisionPublic(BaseModel):
    application_id: uuid.UUID
    reference_number: str | None
    funding_line: str
    recommendation: str
    proposed: str | None  # what the system proposed from the funding line
    follows_proposal: bool
    reason: str
    final_score: Decimal | None
    rank: int | None
    decided_by: uuid.UUID
    decided_at: datetime
    version: int
    application_status: str


class ManagerSheetOut(BaseModel):
    """One evaluator's work on an application, as programme managers see it: the assignment's
    state always; scores and justifications once the sheet is submitted (drafts are the
    evaluator's working notes)."""

    assignment_id: uuid.UUID
    evaluator_id: uuid.UUID
    evaluator: str
    assignment_status: str
    conflicted: bool
    sheet_status: Literal["none", "draft", "submitted"]
    total: Decimal | None
    submitted_at: datetime | None
    reopened_at: datetime | None
    reopen_reason: str | None
    scores: list[CriterionScoreOut] | None
