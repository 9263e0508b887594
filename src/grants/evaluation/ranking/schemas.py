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
    rank: int  # shared by tied entries (1, 2, 2, 4)
    position: int  # unique display order; among tied entries by reference number only
    tie_size: int  # entries sharing this rank (1: no tie)
    tie_at_funding_line: bool  # a tie the funding line cuts: status provisional, jury decides
    application_id: str
    reference_number: str
    title: str  # as submitted (latest version's snapshot)
    funding_line: str
    status: str  # application status
    received_at: datetime  # of the latest submitted version (shown, never used to rank)
    requested_grant: Decimal  # as submitted (latest version's snapshot)
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


class TieOut(BaseModel):
    """A tie the funding line cuts: the budget reaches these entries but not all of them."""

    rank: int
    application_ids: list[str]
    reference_numbers: list[str]
    explanation: TextOut


class LineRanking(BaseModel):
    funding_line: str
    budget: Decimal
    budget_rule: str
    misfit_rule: str
    committed: Decimal
    remaining: Decimal
    entries: list[RankingEntry]  # the page asked for (offset, limit), in ranking order
    entries_total: int  # ranked entries of the line, all pages together
    offset: int
    next_offset: int | None  # where the next page starts; None: this is the last
    ties_at_funding_line: list[TieOut]  # empty: the line cuts no tie (over all pages)


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
    tie_break: list[str]  # the criteria only; equal after them is a tie, shown as one


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
    position: int
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
    # Needed when fewer score sheets are submitted than the rubric requires: why the jury
    # decides anyway (stored and audited beside the decision).
    incomplete_review_reason: Reason | None = None


class DecisionPublic(BaseModel):
    application_id: uuid.UUID
    reference_number: str | None
    funding_line: str
    recommendation: str
    proposed: str | None  # from the funding line; "tie_at_funding_line": the jury decides
    follows_proposal: bool
    reason: str
    final_score: Decimal | None
    rank: int | None
    counted_evaluations: int | None  # submitted score sheets that counted
    required_evaluations: int | None  # the rubric's number
    incomplete_review_reason: str | None
    decided_by: uuid.UUID
    decided_at: datetime
    version: int
    application_status: str
