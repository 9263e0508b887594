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
from grants.core.funding import CostAmounts, CostLine, FundingComputation, VatDeduction
from grants.core.guideline import Authority, Call, Declaration, Guideline, Text
from grants.guidelines import declarations
from grants.http.fields import Amount, Code, ProjectDate

# Constraints checked in pydantic-core (Rust), not by Python validators: a pre-check with 20
# cost lines would otherwise spend more time validating than judging. The patterns also keep
# NUL characters out (PostgreSQL text cannot hold them). Code is the loader's rule too (one
# pattern in the core): the fast path relies on every code of a loaded guideline meeting it.
Description = Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")]
# A name of a linked undertaking (Art. 2(2) Reg. (EU) 2023/2831).
UndertakingName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
# The deductible share of input VAT for partial deduction: strictly between 0 and 1.
VatShare = Annotated[Decimal, Field(gt=0, lt=1, max_digits=5, decimal_places=4, examples=["0.35"])]


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
    # No early_start_consented: consent to an early start is the authority's act, recorded
    # by its staff, never something the applicant states.
    economic_activity: bool | None = None
    cost_lines: Annotated[list[CostLineIn], Field(max_length=500)]
    cost_amounts: CostAmounts | None = None  # whether the cost lines are gross or net
    financing: FinancingIn
    prior_de_minimis: Annotated[list[PriorAidIn], Field(max_length=100)] = []
    part_of_single_undertaking: bool | None = None
    linked_undertakings: Annotated[list[UndertakingName], Field(max_length=50)] = []
    vat_deduction: VatDeduction | None = None
    vat_deductible_share: VatShare | None = None  # only with vat_deduction "partial"

    @field_validator("planned_end")
    @classmethod
    def _end_not_before_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("planned_start")
        if start is not None and end < start:
            raise ValueError(
                "Das geplante Ende liegt vor dem Beginn (must not be before planned_start)"
            )
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
# VatShare's subset: "0." and one to four places; zero itself is declined in decode_fast.
_FastShare = Annotated[str, msgspec.Meta(pattern=r"\A0\.[0-9]{1,4}\Z")]


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
    economic_activity: bool | None = None
    cost_lines: Annotated[list[FastCostLine], msgspec.Meta(max_length=500)]
    cost_amounts: CostAmounts | None = None
    financing: FastFinancing
    prior_de_minimis: Annotated[list[FastPriorAid], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=list
    )
    part_of_single_undertaking: bool | None = None
    linked_undertakings: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=200)]],
        msgspec.Meta(max_length=50),
    ] = msgspec.field(default_factory=list)
    vat_deduction: VatDeduction | None = None
    vat_deductible_share: _FastShare | None = None


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
    share = request.vat_deductible_share
    if share is not None and not Decimal(share):  # VatShare is greater than 0
        return None
    return request


def _vat_problems(
    deduction: VatDeduction | None, share: object | None, *, prefix: str = ""
) -> list[FieldProblem]:
    """The deductible share belongs to partial deduction, and partial deduction needs it."""
    if deduction is VatDeduction.PARTIAL and share is None:
        return [
            FieldProblem(
                f"{prefix}vat_deductible_share",
                "required_for_partial",
                "Bei teilweisem Vorsteuerabzug ist der abziehbare Anteil anzugeben "
                "(required when vat_deduction is partial)",
            )
        ]
    if deduction is not VatDeduction.PARTIAL and share is not None:
        return [
            FieldProblem(
                f"{prefix}vat_deductible_share",
                "only_for_partial",
                "Nur bei teilweisem Vorsteuerabzug anzugeben "
                "(only allowed when vat_deduction is partial)",
            )
        ]
    return []


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
    vat = _vat_problems(request.vat_deduction, request.vat_deductible_share)
    if vat:
        raise InvalidInput(
            "Die Angaben zum Vorsteuerabzug passen nicht zusammen (inconsistent VAT details).",
            problems=tuple(vat),
        )
    share = request.vat_deductible_share
    return make_proposal(
        applicant_type=request.applicant_type,
        municipality_key=request.municipality_key,
        funding_line=request.funding_line,
        objectives=request.objectives,
        planned_start=request.planned_start,
        planned_end=request.planned_end,
        economic_activity=request.economic_activity,
        cost_lines=lines,
        financing=request.financing,
        prior_de_minimis=request.prior_de_minimis,
        part_of_single_undertaking=request.part_of_single_undertaking,
        linked_undertakings=request.linked_undertakings,
        vat_deduction=request.vat_deduction,
        vat_deductible_share=None if share is None else Decimal(share),
        cost_amounts=request.cost_amounts,
    )


def make_proposal(
    *,
    applicant_type: str,
    municipality_key: str,
    funding_line: str,
    objectives: Sequence[str],
    planned_start: date,
    planned_end: date,
    economic_activity: bool | None,
    cost_lines: Sequence[CostLineIn | FastCostLine],
    financing: FinancingIn | FastFinancing,
    prior_de_minimis: Sequence[PriorAidIn | FastPriorAid],
    part_of_single_undertaking: bool | None = None,
    linked_undertakings: Sequence[str] = (),
    vat_deduction: VatDeduction | None = None,
    vat_deductible_share: Decimal | None = None,
    cost_amounts: CostAmounts | None = None,
    early_start_consented: bool = False,
) -> Proposal:
    """The core's proposal of the proposal inputs, for the pre-check (both paths) and the
    draft alike; codes are not checked here. Amounts are Decimals (Pydantic) or checked
    decimal text (fast path): Decimal() keeps either exactly, exponent included.
    ``early_start_consented`` comes from the authority's record of a consent, never from
    the applicant's input."""
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
        part_of_single_undertaking=part_of_single_undertaking,
        linked_undertakings=tuple(linked_undertakings),
        vat_deduction=vat_deduction,
        vat_deductible_share=vat_deductible_share,
        cost_amounts=cost_amounts,
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
    section: str  # as the guideline data has it: show ``citation``, which marks it if unverified
    title: TextOut
    message: TextOut
    facts: Mapping[str, Any]
    section_verified: bool  # the section was read in the source itself
    assumption: bool  # the rule is a default of ours where the sources are silent
    citation: TextOut  # the section, or "FRL LIfD (Fundstelle ungeprüft)" when not verified


class CategoryFundingOut(msgspec.Struct, gc=False):
    category: str
    declared_costs: Decimal
    eligible_costs: Decimal
    rate: Decimal
    grant: Decimal
    excluded_reason: TextOut | None
    recoverable_vat: Decimal  # input VAT taken out of the eligible costs


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
    recoverable_vat: Decimal  # not zuwendungsfähig, taken out of the eligible costs
    recoverable_vat_share: Decimal  # of the VAT contained in the amounts
    vat_rate: Decimal  # used to find the VAT in gross amounts (an assumption, see guideline)
    rounding: str  # "down_to_full_euro"
    rounding_assumption: bool  # no source prescribes the rounding


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
                c.recoverable_vat,
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
        recoverable_vat=funding.recoverable_vat,
        recoverable_vat_share=funding.recoverable_vat_share,
        vat_rate=funding.vat_rate,
        rounding=funding.rounding,
        rounding_assumption=funding.rounding_assumption,
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
                r.section_verified,
                r.assumption,
                _title(r.citation),
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
    # Which values are our defaults, not the published call's: budget, line_budgets (the
    # budget split equally between the lines), latest_end, deadline_time.
    assumptions: dict[str, bool]


def call_out(guideline: Guideline, call: Call, now: datetime) -> CallOut:
    flags = call.assumptions
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
        {
            "budget": flags.budget,
            "line_budgets": flags.line_budgets,
            "latest_end": flags.latest_end,
            "deadline_time": flags.deadline_time,
        },
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
    section_verified: bool
    citation: TextOut  # the section, or the instrument marked "Fundstelle ungeprüft"


class LegalBasisOut(msgspec.Struct, gc=False):
    de: str
    en: str
    verified: bool  # the sources show that the guideline rests on it


class GuidelineOut(msgspec.Struct, gc=False):
    summary: GuidelineSummaryOut
    legal_bases: list[LegalBasisOut]
    lines: list[dict[str, Any]]
    applicant_types: list[dict[str, Any]]
    objectives: list[dict[str, Any]]
    cost_categories: list[dict[str, Any]]
    minimum_grant: Decimal
    duration_months: dict[str, int]
    de_minimis: dict[str, Any]
    vat: dict[str, Any]
    rounding: dict[str, Any]
    rural_bonus: dict[str, Any]
    rubric: dict[str, Any]
    rules: list[RuleOut]


def guideline_out(g: Guideline) -> GuidelineOut:
    def text(t: Text) -> dict[str, str]:
        return {"de": t.de, "en": t.en}

    return GuidelineOut(
        summary=guideline_summary(g),
        legal_bases=[LegalBasisOut(b.de, b.en, b.verified) for b in g.legal_bases],
        lines=[
            {
                "code": x.code,
                "section": x.section,
                "section_verified": x.section_verified,
                "label": text(x.label),
                "max_grant": x.max_grant,
            }
            for x in g.lines
        ],
        applicant_types=[
            {
                "code": x.code,
                "label": text(x.label),
                "eligible": x.eligible,
                "conditions": x.conditions,
                "economic_activity": x.economic_activity.value,
                "reason": text(x.reason) if x.reason else None,
            }
            for x in g.applicant_types
        ],
        objectives=[{"code": x.code, "label": text(x.label)} for x in g.objectives],
        cost_categories=[
            {
                "code": x.code,
                "section": x.section,
                "section_verified": x.section_verified,
                "citation": text(x.citation),
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
        vat={"rate": g.vat.rate, "assumption": g.vat.assumption},
        rounding={"mode": g.rounding.mode, "assumption": g.rounding.assumption},
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
            RuleOut(
                r.id,
                r.section,
                _text(r.title),
                _text(r.explanation),
                r.assumption,
                r.section_verified,
                _text(r.citation),
            )
            for r in g.rules
        ],
    )


# ---- the declarations the applicant makes, and the granting authority (declarations.py)


class DeclarationItemOut(msgspec.Struct, gc=False):
    de: str
    en: str
    assumption: bool  # not verified against a source; the text carries the mark too


class DeclarationOut(msgspec.Struct, gc=False):
    key: str
    version: str  # changes whenever title, text or items change
    title: TextOut
    text: TextOut
    text_assumption: bool
    items: list[DeclarationItemOut]
    sha256: str  # of key, version, title, text and items: what a snapshot freezes
    assumption: bool  # the text or any item is not verified
    confirmation_field: str  # the draft field whose checkbox confirms this text


class DeclarationsOut(msgspec.Struct, gc=False):
    guideline: GuidelineRef
    declarations: list[DeclarationOut]


def declaration_out(declaration: Declaration) -> DeclarationOut:
    items = [
        DeclarationItemOut(item.de, item.en, declarations.is_assumption(item))
        for item in declaration.items
    ]
    text_assumption = declarations.is_assumption(declaration.text)
    return DeclarationOut(
        key=declaration.key,
        version=declaration.version,
        title=_text(declaration.title),
        text=_text(declaration.text),
        text_assumption=text_assumption,
        items=items,
        sha256=declaration.sha256,
        assumption=text_assumption or any(item.assumption for item in items),
        confirmation_field=declarations.confirmation_field(declaration),
    )


def declarations_out(guideline: Guideline) -> DeclarationsOut:
    return DeclarationsOut(
        guideline=GuidelineRef(guideline.id, guideline.version, guideline.content_hash),
        declarations=[declaration_out(d) for d in guideline.declarations],
    )


class AuthorityOut(msgspec.Struct, gc=False):
    name: str
    unit: str
    street: str
    postal_code: str
    city: str
    phone: str | None
    email: str | None
    website: str | None
    on_behalf_of: str | None
    assumption: bool  # some of these values are not verified yet


def authority_out(authority: Authority) -> AuthorityOut:
    return AuthorityOut(
        name=authority.name,
        unit=authority.unit,
        street=authority.street,
        postal_code=authority.postal_code,
        city=authority.city,
        phone=authority.phone,
        email=authority.email,
        website=authority.website,
        on_behalf_of=authority.on_behalf_of,
        assumption=authority.assumption,
    )
