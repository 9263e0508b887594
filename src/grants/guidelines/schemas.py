"""Shapes of the guideline API: the pre-check request (validated with Pydantic, field by
field, behind a msgspec fast path for well-formed requests) and the published guideline and
verdict (msgspec structs: a verdict has dozens of parts, and building them must not cost more
than judging the proposal)."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

import msgspec
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from grants.core.deadlines import in_date_range
from grants.core.eligibility import Outcome, PriorAid, Proposal, Verdict
from grants.core.errors import FieldProblem, InvalidInput
from grants.core.funding import CostLine, FundingComputation
from grants.core.guideline import Call, Guideline, Text
from grants.http.fields import Amount, Code, ProjectDate

# Constraints checked in pydantic-core (Rust), not by Python validators: a pre-check with 20
# cost lines would otherwise spend more time validating than judging. The patterns also keep
# NUL characters out (PostgreSQL text cannot hold them). Code is the loader's rule too (one
# pattern in the core): the fast path relies on every code of a loaded guideline meeting it.
Description = Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- the proposal inputs: cost lines, financing, prior de-minimis aid
#
# Defined here once, as the guideline's inputs: the pre-check takes them as they are, the
# draft (applications/schemas.py) derives its CostLine, Financing and PriorAid from them and
# adds only StrictInput (which refuses NUL in any string with its own message, by a Python
# validator per field: too slow for the pre-check) and the prior aid's provider. Both turn
# them into the core's values with make_proposal below.


class CostLineIn(_Input):
    category: Code = Field(examples=["equipment"])
    description: Description = ""
    amount: Amount


class FinancingIn(_Input):
    requested_grant: Amount
    own_funds: Amount
    third_party_funds: Amount = Decimal("0.00")


class PriorAidIn(_Input):
    granted_on: ProjectDate
    amount: Amount


class EligibilityCheckRequest(_Input):
    guideline: Code = "frl-lifd"
    call: Code = Field(examples=["demo"])
    applicant_type: Code = Field(examples=["nonprofit"])
    municipality_key: Annotated[str, Field(pattern=r"^[0-9]{8}$", examples=["14521530"])]
    funding_line: Code = Field(examples=["stationary"])
    objectives: Annotated[list[Code], Field(max_length=10, examples=[["a", "e"]])]
    planned_start: ProjectDate
    planned_end: ProjectDate
    early_start_consented: bool = False
    economic_activity: bool | None = None
    cost_lines: Annotated[list[CostLineIn], Field(max_length=500)]
    financing: FinancingIn
    prior_de_minimis: Annotated[list[PriorAidIn], Field(max_length=100)] = []

    @field_validator("planned_end")
    @classmethod
    def _end_not_before_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("planned_start")
        if start is not None and end < start:
            raise ValueError("must not be before planned_start")
        return end


# ---- the pre-check request again, as msgspec structs: the fast path
#
# Decoding the JSON body straight into these structs costs a fraction of Pydantic's validation
# (most of a pre-check's time was spent there). Together with service.fast_proposal they accept
# a strict SUBSET of what EligibilityCheckRequest accepts, and decode it to the same values;
# anything else is declined, and the request is then validated by Pydantic as before, whose 422
# names every offending field. So the fast path can only be faster, never answer differently:
# - amounts only as plain decimal strings, at most 12 integer digits (no leading zeros) and
#   at most 2 places: within every Amount constraint, and Decimal(text) is exactly the value
#   Pydantic makes of that string (JSON numbers, exponents, signs, spaces, "NaN" are declined).
#   The pattern is anchored with \A...\Z: msgspec uses Python's re, where "$" also matches
#   before a trailing newline, which Pydantic's (Rust) regex does not accept;
# - codes are not checked here: fast_proposal declines any code its guideline does not know,
#   and the loader validated every known code with this module's Code constraint (the same
#   object), so a known code always meets it. (Per-string regexes cost as much as the rest.)
# - no NUL character anywhere (JSON can only carry it escaped, as \u0000): declined;
# - strict types (no "true" for true, no numbers for dates), unknown fields forbidden, and
#   planned_end before planned_start declined (the Pydantic validator's rule).
# tests/unit/guidelines/test_fast_request.py checks the subset and the equal values.

_FastAmount = Annotated[str, msgspec.Meta(pattern=r"\A(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?\Z")]


class _FastInput(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    pass


class FastCostLine(_FastInput):
    category: str
    amount: _FastAmount
    description: Annotated[str, msgspec.Meta(max_length=500)] = ""


class FastFinancing(_FastInput):
    requested_grant: _FastAmount
    own_funds: _FastAmount
    third_party_funds: _FastAmount = "0.00"


class FastPriorAid(_FastInput):
    granted_on: date
    amount: _FastAmount


class FastEligibilityCheck(_FastInput, kw_only=True):
    guideline: str = "frl-lifd"
    call: str
    applicant_type: str
    municipality_key: Annotated[str, msgspec.Meta(pattern=r"\A[0-9]{8}\Z")]
    funding_line: str
    objectives: Annotated[list[str], msgspec.Meta(max_length=10)]
    planned_start: date
    planned_end: date
    early_start_consented: bool = False
    economic_activity: bool | None = None
    cost_lines: Annotated[list[FastCostLine], msgspec.Meta(max_length=500)]
    financing: FastFinancing
    prior_de_minimis: Annotated[list[FastPriorAid], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=list
    )


_fast_decoder = msgspec.json.Decoder(FastEligibilityCheck)


def decode_fast(body: bytes) -> FastEligibilityCheck | None:
    """The request if its shape and values are within the fast path's subset, else None (then
    Pydantic decides). Its codes still have to be checked against the guideline."""
    if b"\\u0000" in body:
        return None
    try:
        request = _fast_decoder.decode(body)
    # Malformed JSON, valid JSON outside the subset, or invalid UTF-8 inside a string (which
    # msgspec reports as UnicodeDecodeError): declined, the slow path answers.
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    if request.planned_end < request.planned_start:
        return None
    dates = [request.planned_start, request.planned_end]
    if not in_date_range(*dates, *(aid.granted_on for aid in request.prior_de_minimis)):
        return None
    return request


def _unknown(field: str, value: str, known: list[str]) -> FieldProblem:
    return FieldProblem(
        field,
        "unknown_code",
        f"„{value}“ ist unbekannt; erlaubt (allowed): {', '.join(known)}",
    )


def to_proposal(
    request: EligibilityCheckRequest | FastEligibilityCheck, guideline: Guideline
) -> Proposal:
    """The core's proposal; codes the guideline does not know are 422s naming the field.
    Amounts are Decimals (Pydantic) or checked decimal text (fast path): Decimal() keeps
    either exactly."""
    problems: list[FieldProblem] = []
    if guideline.call(request.call) is None:
        problems.append(_unknown("call", request.call, [c.code for c in guideline.calls]))
    if guideline.applicant_type(request.applicant_type) is None:
        known = [t.code for t in guideline.applicant_types]
        problems.append(_unknown("applicant_type", request.applicant_type, known))
    if guideline.line(request.funding_line) is None:
        problems.append(
            _unknown("funding_line", request.funding_line, [x.code for x in guideline.lines])
        )
    known_objectives = guideline.objective_codes()
    for index, code in enumerate(request.objectives):
        if code not in known_objectives:
            problems.append(_unknown(f"objectives.{index}", code, sorted(known_objectives)))
    lines: Sequence[CostLineIn | FastCostLine] = request.cost_lines
    for index, line in enumerate(lines):
        if guideline.cost_category(line.category) is None:
            categories = [c.code for c in guideline.cost_categories]
            problems.append(_unknown(f"cost_lines.{index}.category", line.category, categories))
    if problems:
        raise InvalidInput(
            "Der Antrag enthält unbekannte Angaben (unknown codes).", problems=tuple(problems)
        )
    return make_proposal(
        applicant_type=request.applicant_type,
        municipality_key=request.municipality_key,
        funding_line=request.funding_line,
        objectives=request.objectives,
        planned_start=request.planned_start,
        planned_end=request.planned_end,
        early_start_consented=request.early_start_consented,
        economic_activity=request.economic_activity,
        cost_lines=lines,
        financing=request.financing,
        prior_de_minimis=request.prior_de_minimis,
    )


def make_proposal(
    *,
    applicant_type: str,
    municipality_key: str,
    funding_line: str,
    objectives: Sequence[str],
    planned_start: date,
    planned_end: date,
    early_start_consented: bool,
    economic_activity: bool | None,
    cost_lines: Sequence[CostLineIn | FastCostLine],
    financing: FinancingIn | FastFinancing,
    prior_de_minimis: Sequence[PriorAidIn | FastPriorAid],
) -> Proposal:
    """The core's proposal of the proposal inputs, for the pre-check (both paths) and the
    draft alike; codes are not checked here. Amounts are Decimals (Pydantic) or checked
    decimal text (fast path): Decimal() keeps either exactly, exponent included."""
    new = tuple.__new__
    return Proposal(
        applicant_type=applicant_type,
        municipality_key=municipality_key,
        funding_line=funding_line,
        objectives=tuple(objectives),
        planned_start=planned_start,
        planned_end=planned_end,
        # tuple.__new__ skips the NamedTuple's Python-level constructor: one per cost line.
        cost_lines=tuple(
            [new(CostLine, (x.category, x.description, Decimal(x.amount))) for x in cost_lines]
        ),
        requested_grant=Decimal(financing.requested_grant),
        own_funds=Decimal(financing.own_funds),
        third_party_funds=Decimal(financing.third_party_funds),
        early_start_consented=early_start_consented,
        economic_activity=economic_activity,
        prior_de_minimis=tuple(PriorAid(a.granted_on, Decimal(a.amount)) for a in prior_de_minimis),
    )


# ---- output: msgspec structs (Decimal is encoded as a string, never a float)


class TextOut(msgspec.Struct, gc=False):
    de: str
    en: str


def _text(text: Text) -> TextOut:
    return TextOut(text.de, text.en)


class RuleResultOut(msgspec.Struct, gc=False):
    rule: str
    outcome: str
    section: str
    title: TextOut
    message: TextOut
    facts: Mapping[str, Any]


class CategoryFundingOut(msgspec.Struct, gc=False):
    category: str
    declared_costs: Decimal
    eligible_costs: Decimal
    rate: Decimal
    grant: Decimal
    excluded_reason: TextOut | None


class FundingOut(msgspec.Struct, gc=False):
    categories: list[CategoryFundingOut]
    total_costs: Decimal
    eligible_costs: Decimal
    uncapped_grant: Decimal
    cap: Decimal
    cap_applied: bool
    fundable_grant: Decimal
    rounding_difference: Decimal
    requested_grant: Decimal | None
    grant: Decimal
    third_party_funds: Decimal
    own_contribution: Decimal


class GuidelineRef(msgspec.Struct, gc=False):
    id: str
    version: str
    content_hash: str


class VerdictOut(msgspec.Struct, gc=False):
    guideline: GuidelineRef
    call: str | None
    checked_at: datetime
    eligible: bool
    failed_rules: list[str]
    needs_review: list[str]
    results: list[RuleResultOut]
    funding: FundingOut
    facts: Mapping[str, Any]


def _funding_out(funding: FundingComputation) -> FundingOut:
    return FundingOut(
        categories=[
            CategoryFundingOut(
                c.category,
                c.declared_costs,
                c.eligible_costs,
                c.rate,
                c.grant,
                _text(c.excluded_reason) if c.excluded_reason else None,
            )
            for c in funding.categories
        ],
        total_costs=funding.total_costs,
        eligible_costs=funding.eligible_costs,
        uncapped_grant=funding.uncapped_grant,
        cap=funding.cap,
        cap_applied=funding.cap_applied,
        fundable_grant=funding.fundable_grant,
        rounding_difference=funding.rounding_difference,
        requested_grant=funding.requested_grant,
        grant=funding.grant,
        third_party_funds=funding.third_party_funds,
        own_contribution=funding.own_contribution,
    )


@cache  # rule titles are the guideline's constant texts: one TextOut each, built once
def _title(text: Text) -> TextOut:
    return TextOut(text.de, text.en)


def verdict_out(verdict: Verdict) -> VerdictOut:
    # One pass over the results (the Verdict properties would make three). Outcome is a
    # StrEnum, so the member itself encodes as its value; facts are fresh dicts per check
    # and are encoded as they are.
    results = []
    failed_rules = []
    needs_review = []
    for r in verdict.results:
        outcome = r.outcome
        if outcome is Outcome.FAIL:
            failed_rules.append(r.rule_id)
        elif outcome is Outcome.NEEDS_REVIEW:
            needs_review.append(r.rule_id)
        message = r.message
        results.append(
            RuleResultOut(
                r.rule_id,
                outcome,
                r.section,
                _title(r.title),
                TextOut(message.de, message.en),
                r.facts,
            )
        )
    return VerdictOut(
        guideline=GuidelineRef(
            verdict.guideline_id, verdict.guideline_version, verdict.guideline_hash
        ),
        call=verdict.call_code,
        checked_at=verdict.received_at,
        eligible=not failed_rules,
        failed_rules=failed_rules,
        needs_review=needs_review,
        results=results,
        funding=_funding_out(verdict.funding),
        facts=verdict.facts,
    )


class CallOut(msgspec.Struct, gc=False):
    guideline: str
    code: str
    title: TextOut
    published_at: datetime
    deadline_at: datetime
    latest_end: date
    lines: list[str]
    budget: Decimal
    status: str  # "upcoming" | "open" | "closed", judged now


def call_out(guideline: Guideline, call: Call, now: datetime) -> CallOut:
    return CallOut(
        guideline.id,
        call.code,
        _text(call.title),
        call.published_at,
        call.deadline_at,
        call.latest_end,
        list(call.lines),
        call.budget,
        call.status(now).value,
    )


class GuidelineSummaryOut(msgspec.Struct, gc=False):
    id: str
    version: str
    short_name: str
    title: TextOut
    content_hash: str
    calls: list[str]


def guideline_summary(guideline: Guideline) -> GuidelineSummaryOut:
    return GuidelineSummaryOut(
        guideline.id,
        guideline.version,
        guideline.short_name,
        _text(guideline.title),
        guideline.content_hash,
        [c.code for c in guideline.calls],
    )


class RuleOut(msgspec.Struct, gc=False):
    id: str
    section: str
    title: TextOut
    explanation: TextOut
    assumption: bool


class GuidelineOut(msgspec.Struct, gc=False):
    summary: GuidelineSummaryOut
    legal_bases: list[TextOut]
    lines: list[dict[str, Any]]
    applicant_types: list[dict[str, Any]]
    objectives: list[dict[str, Any]]
    cost_categories: list[dict[str, Any]]
    minimum_grant: Decimal
    duration_months: dict[str, int]
    de_minimis: dict[str, Any]
    rural_bonus: dict[str, Any]
    rubric: dict[str, Any]
    rules: list[RuleOut]


def guideline_out(g: Guideline) -> GuidelineOut:
    def text(t: Text) -> dict[str, str]:
        return {"de": t.de, "en": t.en}

    return GuidelineOut(
        summary=guideline_summary(g),
        legal_bases=[_text(t) for t in g.legal_bases],
        lines=[
            {"code": x.code, "section": x.section, "label": text(x.label), "max_grant": x.max_grant}
            for x in g.lines
        ],
        applicant_types=[
            {
                "code": x.code,
                "label": text(x.label),
                "eligible": x.eligible,
                "conditions": x.conditions,
                "economic_activity": x.economic_activity.value,
            }
            for x in g.applicant_types
        ],
        objectives=[{"code": x.code, "label": text(x.label)} for x in g.objectives],
        cost_categories=[
            {
                "code": x.code,
                "section": x.section,
                "label": text(x.label),
                "eligible": x.eligible,
                "max_rate": x.max_rate,
                "reason": text(x.reason) if x.reason else None,
            }
            for x in g.cost_categories
        ],
        minimum_grant=g.minimum_grant,
        duration_months={"min": g.duration_months[0], "max": g.duration_months[1]},
        de_minimis={"ceiling": g.de_minimis.ceiling, "years": g.de_minimis.years},
        rural_bonus={
            "enabled": g.rural_bonus.enabled,
            "percentage_points": g.rural_bonus.percentage_points,
            "max_rate": g.rural_bonus.max_rate,
            "categories": sorted(g.rural_bonus.categories),
        },
        rubric={
            "scale": {"min": g.rubric.scale_min, "max": g.rubric.scale_max},
            "minimum_total": g.rubric.minimum_total,
            "minimum_evaluators": g.rubric.minimum_evaluators,
            "criteria": [
                {
                    "code": c.code,
                    "label": text(c.label),
                    "weight": c.weight,
                    "minimum_score": c.minimum_score,
                }
                for c in g.rubric.criteria
            ],
        },
        rules=[
            RuleOut(r.id, r.section, _text(r.title), _text(r.explanation), r.assumption)
            for r in g.rules
        ],
    )
