"""Loading guideline files (YAML) into the core's typed model, with errors that name the
file, the key and the reason. Pydantic checks the shape; ``_check_coherence`` checks what a
schema cannot (unknown references, duplicate codes, weights that do not sum to 100)."""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from grants.core import eligibility
from grants.core.canonical import sha256_of
from grants.core.guideline import (
    CODE_MAX_LENGTH,
    CODE_PATTERN,
    ApplicantTypeSpec,
    Call,
    CallAssumptions,
    CostCategory,
    Criterion,
    DeMinimisRule,
    EconomicActivity,
    FundingLine,
    Guideline,
    LegalBasis,
    Objective,
    Rounding,
    Rubric,
    RuleSpec,
    RuralBonus,
    Text,
    VatRule,
)
from grants.core.money import MoneyError, parse_amount
from grants.guidelines import declarations

SHIPPED = Path(__file__).resolve().parent
_RULE_ORDER = {rule_id: position for position, rule_id in enumerate(eligibility.RULES)}


class GuidelineError(Exception):
    """A guideline file that must not be used; the message names file, key and reason."""


def _decimal_string(value: object) -> Decimal:
    if not isinstance(value, str):
        raise ValueError("write amounts and rates as quoted decimal strings, e.g. '400000.00'")
    try:
        return parse_amount(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


Amount = Annotated[Decimal, BeforeValidator(_decimal_string), Field(ge=0)]
Rate = Annotated[Decimal, BeforeValidator(_decimal_string), Field(ge=0, le=1)]
Code = Annotated[str, Field(min_length=1, max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Coded(_Model):
    code: Code


class _Text(_Model):
    de: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]

    def core(self) -> Text:
        return Text(de=self.de, en=self.en)


# Whether a section number was read in the source itself. Files written before the flag
# existed load as unverified (the safe reading); the shipped file states it everywhere.
class _Cited(_Model):
    section: Annotated[str, Field(min_length=1)]
    section_verified: bool = False
    # The instrument that certainly holds the rule, named instead of an unverified section
    # (e.g. "FRL LIfD" for an unverified "FRL LIfD Nr. 5.2").
    source: Annotated[str, Field(min_length=1)] | None = None


class _LegalBasis(_Text):
    verified: bool = False  # the sources show that the guideline rests on it


class _Line(_Coded):
    section: str
    section_verified: bool = False
    label: _Text
    max_grant: Amount


class _ApplicantType(_Coded):
    label: _Text
    eligible: bool
    conditions: Literal["ANBest-P", "ANBest-K"] | None
    economic_activity: EconomicActivity
    reason: _Text | None = None  # why a type is not eligible


class _Objective(_Coded):
    label: _Text


class _CostCategory(_Coded, _Cited):
    label: _Text
    eligible: bool
    max_rate: Rate
    reason: _Text | None = None


class _Range(_Model):
    min: Annotated[int, Field(ge=0)]
    max: Annotated[int, Field(ge=0)]


class _DeMinimis(_Model):
    ceiling: Amount
    years: Annotated[int, Field(ge=1, le=10)]


class _Vat(_Model):
    rate: Annotated[Decimal, BeforeValidator(_decimal_string), Field(gt=0, lt=1)]
    assumption: bool = True


class _Rounding(_Model):
    mode: Literal["down_to_full_euro"] = "down_to_full_euro"  # the only one the engine knows
    assumption: bool = True


class _RuralBonus(_Model):
    enabled: bool
    percentage_points: Annotated[Decimal, BeforeValidator(_decimal_string), Field(ge=0, le=100)]
    max_rate: Rate
    categories: list[Code]


class _Criterion(_Coded):
    weight: Annotated[int, Field(ge=1, le=100)]
    label: _Text
    minimum_score: int | None = None


class _Disagreement(_Model):
    max_total_spread: Annotated[Decimal, BeforeValidator(_decimal_string), Field(ge=0, le=100)]
    max_criterion_spread: Annotated[int, Field(ge=0)]


class _Rubric(_Model):
    scale: _Range
    minimum_total: Annotated[Decimal, BeforeValidator(_decimal_string), Field(ge=0, le=100)]
    minimum_evaluators: Annotated[int, Field(ge=1, le=20)]
    criteria: Annotated[list[_Criterion], Field(min_length=1)]
    criterion_minimum_rule: Literal["mean", "each_evaluator"] = "mean"
    disagreement: _Disagreement | None = None  # default: 20 points, 2 scale points
    tie_breaks: list[Code] = []
    misfit: Literal["skip_and_continue", "stop"] = "skip_and_continue"
    reserve_size: Annotated[int, Field(ge=0)] | None = None


class _Rule(_Cited):
    title: _Text
    explanation: _Text
    assumption: bool = False


class _CallAssumptions(_Model):
    budget: bool = False
    line_budgets: bool = False
    latest_end: bool = False
    deadline_time: bool = False


class _Call(_Coded):
    title: _Text
    published_at: datetime
    deadline_at: datetime
    latest_end: date
    lines: Annotated[list[Code], Field(min_length=1)]
    budget: Amount
    assumptions: _CallAssumptions = _CallAssumptions()


class _Guideline(_Model):
    id: Code
    version: Annotated[str, Field(min_length=1, max_length=40)]
    short_name: str
    title: _Text
    legal_bases: list[_LegalBasis]
    lines: Annotated[list[_Line], Field(min_length=1)]
    applicant_types: Annotated[list[_ApplicantType], Field(min_length=1)]
    objectives: Annotated[list[_Objective], Field(min_length=1)]
    cost_categories: Annotated[list[_CostCategory], Field(min_length=1)]
    minimum_grant: Amount
    duration_months: _Range
    de_minimis: _DeMinimis
    vat: _Vat = _Vat.model_validate({"rate": "0.19"})  # files written before it existed
    rounding: _Rounding = _Rounding()
    rural_bonus: _RuralBonus
    rubric: _Rubric
    rules: dict[str, _Rule]
    calls: list[_Call]


def _duplicate_codes(document: _Guideline) -> Iterable[tuple[str, str]]:
    groups: tuple[tuple[str, Sequence[_Coded]], ...] = (
        ("lines", document.lines),
        ("applicant_types", document.applicant_types),
        ("objectives", document.objectives),
        ("cost_categories", document.cost_categories),
        ("calls", document.calls),
        ("rubric.criteria", document.rubric.criteria),
    )
    for name, items in groups:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.code in seen:
                yield f"{name}.{index}.code", f"duplicate code {item.code!r}"
            seen.add(item.code)


def _unsourced(cited: _Cited) -> bool:
    """An unverified section stated as such (not merely defaulted) without the instrument to
    name instead: users would be shown the unverified paragraph number."""
    return (
        "section_verified" in cited.model_fields_set
        and not cited.section_verified
        and cited.source is None
    )


_UNSOURCED = "an unverified section needs a source (the instrument to cite instead)"


def _type_and_cost_problems(document: _Guideline) -> Iterable[tuple[str, str]]:
    for index, kind in enumerate(document.applicant_types):
        if kind.eligible and kind.conditions is None:
            yield f"applicant_types.{index}.conditions", "eligible types need ANBest-P or ANBest-K"
        # Only in files that give reasons at all: older stored versions had none.
        if not kind.eligible and kind.reason is None and _any_reason(document):
            yield f"applicant_types.{index}.reason", "types that are not eligible need a reason"
    for index, category in enumerate(document.cost_categories):
        if _unsourced(category):
            yield f"cost_categories.{index}.source", _UNSOURCED
        if category.eligible and category.max_rate == 0:
            yield f"cost_categories.{index}.max_rate", "eligible categories need a rate above 0"
        if not category.eligible and category.reason is None:
            yield f"cost_categories.{index}.reason", "ineligible categories need a reason"
    categories = {c.code for c in document.cost_categories}
    for index, code in enumerate(document.rural_bonus.categories):
        if code not in categories:
            yield f"rural_bonus.categories.{index}", f"unknown cost category {code!r}"
    if document.duration_months.min > document.duration_months.max:
        yield "duration_months", "min is greater than max"


def _disagreement(given: "_Disagreement | None") -> dict[str, Any]:
    if given is None:
        return {}
    return {
        "max_total_spread": given.max_total_spread,
        "max_criterion_spread": given.max_criterion_spread,
    }


def _rubric_problems(rubric: _Rubric) -> Iterable[tuple[str, str]]:
    if rubric.scale.min >= rubric.scale.max:
        yield "rubric.scale", "min must be below max"
    if sum(c.weight for c in rubric.criteria) != 100:
        yield "rubric.criteria", "weights must add up to 100"
    for index, criterion in enumerate(rubric.criteria):
        score = criterion.minimum_score
        if score is not None and not rubric.scale.min <= score <= rubric.scale.max:
            yield f"rubric.criteria.{index}.minimum_score", "outside the scale"
    codes = {c.code for c in rubric.criteria}
    for index, code in enumerate(rubric.tie_breaks):
        if code not in codes:
            yield f"rubric.tie_breaks.{index}", f"unknown criterion {code!r}"


def _any_reason(document: _Guideline) -> bool:
    return any(kind.reason is not None for kind in document.applicant_types)


def _rule_problems(document: _Guideline) -> Iterable[tuple[str, str]]:
    for rule_id, rule in document.rules.items():
        if _unsourced(rule):
            yield f"rules.{rule_id}.source", _UNSOURCED
    for rule_id in eligibility.RULES:
        if rule_id not in document.rules:
            yield f"rules.{rule_id}", "missing: the engine applies this rule and must cite it"
    for rule_id in document.rules:
        if rule_id not in eligibility.RULES:
            yield f"rules.{rule_id}", "unknown rule (the engine has no such rule)"


def _call_problems(document: _Guideline) -> Iterable[tuple[str, str]]:
    lines = {line.code for line in document.lines}
    for index, call in enumerate(document.calls):
        for position, code in enumerate(call.lines):
            if code not in lines:
                yield f"calls.{index}.lines.{position}", f"unknown funding line {code!r}"
        naive = [
            key for key in ("published_at", "deadline_at") if getattr(call, key).tzinfo is None
        ]
        for key in naive:
            yield f"calls.{index}.{key}", "needs a UTC offset, e.g. +01:00"
        if not naive and call.deadline_at <= call.published_at:
            yield f"calls.{index}.deadline_at", "must be after published_at"


def _problems_of(document: _Guideline) -> Iterable[tuple[str, str]]:
    """(key, reason) for everything a schema cannot see."""
    yield from _duplicate_codes(document)
    yield from _type_and_cost_problems(document)
    yield from _rubric_problems(document.rubric)
    yield from _rule_problems(document)
    yield from _call_problems(document)


def _core(document: _Guideline, content_hash: str) -> Guideline:
    return Guideline(
        id=document.id,
        version=document.version,
        title=document.title.core(),
        short_name=document.short_name,
        legal_bases=tuple(LegalBasis(t.de, t.en, t.verified) for t in document.legal_bases),
        lines=tuple(
            FundingLine(x.code, x.section, x.label.core(), x.max_grant, x.section_verified)
            for x in document.lines
        ),
        applicant_types=tuple(
            ApplicantTypeSpec(
                x.code,
                x.label.core(),
                x.eligible,
                x.conditions,
                x.economic_activity,
                x.reason.core() if x.reason else None,
            )
            for x in document.applicant_types
        ),
        objectives=tuple(Objective(x.code, x.label.core()) for x in document.objectives),
        cost_categories=tuple(
            CostCategory(
                x.code,
                x.label.core(),
                x.eligible,
                x.max_rate,
                x.section,
                x.reason.core() if x.reason else None,
                x.section_verified,
                x.source,
            )
            for x in document.cost_categories
        ),
        minimum_grant=document.minimum_grant,
        duration_months=(document.duration_months.min, document.duration_months.max),
        de_minimis=DeMinimisRule(document.de_minimis.ceiling, document.de_minimis.years),
        vat=VatRule(document.vat.rate, document.vat.assumption),
        rounding=Rounding(document.rounding.mode, document.rounding.assumption),
        rural_bonus=RuralBonus(
            document.rural_bonus.enabled,
            document.rural_bonus.percentage_points,
            document.rural_bonus.max_rate,
            frozenset(document.rural_bonus.categories),
        ),
        rubric=Rubric(
            criteria=tuple(
                Criterion(c.code, c.label.core(), c.weight, c.minimum_score)
                for c in document.rubric.criteria
            ),
            scale_min=document.rubric.scale.min,
            scale_max=document.rubric.scale.max,
            minimum_total=document.rubric.minimum_total,
            minimum_evaluators=document.rubric.minimum_evaluators,
            criterion_minimum_rule=document.rubric.criterion_minimum_rule,
            **_disagreement(document.rubric.disagreement),
            tie_breaks=tuple(document.rubric.tie_breaks),
            misfit=document.rubric.misfit,
            reserve_size=document.rubric.reserve_size,
        ),
        # In the engine's order, not the file's: a copy stored as jsonb comes back with its
        # keys reordered, and must still compare equal.
        rules=tuple(
            RuleSpec(
                rule_id,
                r.section,
                r.title.core(),
                r.explanation.core(),
                r.assumption,
                r.section_verified,
                r.source,
            )
            for rule_id, r in sorted(document.rules.items(), key=lambda item: _RULE_ORDER[item[0]])
        ),
        calls=tuple(
            Call(
                code=c.code,
                title=c.title.core(),
                published_at=c.published_at,
                deadline_at=c.deadline_at,
                latest_end=c.latest_end,
                lines=tuple(c.lines),
                budget=c.budget,
                assumptions=CallAssumptions(
                    budget=c.assumptions.budget,
                    line_budgets=c.assumptions.line_budgets,
                    latest_end=c.assumptions.latest_end,
                    deadline_time=c.assumptions.deadline_time,
                ),
            )
            for c in document.calls
        ),
        content_hash=content_hash,
    )


def content_hash(raw: Any) -> str:
    """SHA-256 over the canonical JSON of the parsed file: comments and formatting do not
    change it, any change of meaning does. ``default=str`` is what this hash has always used
    (a YAML date would be hashed as its ISO string); kept so that stored hashes still match."""
    return sha256_of(raw, default=str)


def parse_guideline(text: str, *, source: str) -> Guideline:
    return parse_document(_yaml_document(text, source=source), source=source)


def _yaml_document(text: str, *, source: str) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GuidelineError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise GuidelineError(f"{source}: the top level must be a mapping")
    # Dates and times as the strings they were written as, so the stored JSON copy of the
    # document parses back to the same guideline (and hash).
    document: dict[str, Any] = json.loads(json.dumps(raw, default=str))
    return document


def parse_document(raw: dict[str, Any], *, source: str) -> Guideline:
    """A guideline from its parsed document (a file's YAML, or the copy stored with a
    verdict's hash)."""
    try:
        document = _Guideline.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{source}: {'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()
        ]
        raise GuidelineError("\n".join(lines)) from None
    problems = [f"{source}: {key}: {reason}" for key, reason in _problems_of(document)]
    if problems:
        raise GuidelineError("\n".join(problems))
    return _core(document, content_hash(raw))


def load_guideline(path: Path) -> Guideline:
    return _with_texts(parse_guideline(path.read_text("utf-8"), source=str(path)), path)


def _with_texts(guideline: Guideline, path: Path) -> Guideline:
    """The declarations and the authority from the texts file beside the guideline file
    (see ``declarations``). Not part of the document or its content hash: each declaration
    has its own version and hash, and the submission snapshot freezes them."""
    try:
        return declarations.with_texts(guideline, path)
    except declarations.TextsError as exc:
        raise GuidelineError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class LoadedGuideline:
    guideline: Guideline
    document: Mapping[str, Any]  # the parsed file, stored with its hash for later re-checks


def load_guideline_document(path: Path) -> LoadedGuideline:
    document = _yaml_document(path.read_text("utf-8"), source=str(path))
    guideline = _with_texts(parse_document(document, source=str(path)), path)
    return LoadedGuideline(guideline, document)
