"""Shapes of the ranking, what-if simulation and jury-decision API."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StrictInt

from grants.core.ranking import Recommendation
from grants.http.fields import Code, StrictInput

Reason = Annotated[str, Field(min_length=1, max_length=4000)]


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
