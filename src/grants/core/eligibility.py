"""The eligibility engine: ``check(proposal, guideline, context) -> Verdict``.

Every rule yields an outcome, the guideline section it rests on, a German and English
message and the facts it used, so a verdict explains itself years later. Pure: the caller
passes the receipt time and the municipality's area category in the context.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import NamedTuple

from grants.core.deadlines import add_months, add_years, berlin_date, format_date_de, in_time
from grants.core.funding import CostLine, FundingComputation, compute_funding
from grants.core.guideline import Call, EconomicActivity, Guideline, Text
from grants.core.money import ZERO, format_eur

Facts = Mapping[str, str | int | bool | list[str] | None]


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    FAIL = "fail"
    NEEDS_REVIEW = "needs_review"
    NOT_APPLICABLE = "not_applicable"


class PriorAid(NamedTuple):
    """De-minimis aid the undertaking received before (self-declared or from the register)."""

    granted_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Proposal:
    applicant_type: str
    municipality_key: str
    funding_line: str
    objectives: tuple[str, ...]
    planned_start: date
    planned_end: date
    cost_lines: tuple[CostLine, ...]
    requested_grant: Decimal
    own_funds: Decimal
    third_party_funds: Decimal = ZERO
    early_start_consented: bool = False  # vorzeitiger Maßnahmebeginn granted in writing
    economic_activity: bool | None = None  # declared by the applicant where it depends
    prior_de_minimis: tuple[PriorAid, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckContext:
    received_at: datetime  # when the proposal was (or, for a pre-check, would be) received
    call: Call | None = None
    area_category: str | None = None  # LEP 2013 category of the municipality, if known
    rural: bool | None = None


class RuleResult(NamedTuple):
    rule_id: str
    outcome: Outcome
    section: str
    title: Text
    message: Text
    facts: Facts


@dataclass(frozen=True, slots=True)
class Verdict:
    guideline_id: str
    guideline_version: str
    guideline_hash: str
    call_code: str | None
    received_at: datetime
    results: tuple[RuleResult, ...]
    funding: FundingComputation
    facts: Facts

    @property
    def eligible(self) -> bool:
        return all(r.outcome is not Outcome.FAIL for r in self.results)

    @property
    def failures(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.FAIL)

    @property
    def needs_review(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.NEEDS_REVIEW)


class _Case(NamedTuple):
    """What each rule function sees: the inputs and what was derived from them once."""

    proposal: Proposal
    guideline: Guideline
    context: CheckContext
    received_on: date
    funding: FundingComputation


_Finding = tuple[Outcome, Text, Facts]


_t = Text


def _applicant_type_eligible(case: _Case) -> _Finding:
    code = case.proposal.applicant_type
    spec = case.guideline.applicant_type(code)
    facts: Facts = {"applicant_type": code, "conditions": spec.conditions if spec else None}
    if spec is None:
        return (
            Outcome.FAIL,
            _t(f"Unbekannte Antragstellerart „{code}“.", f"Unknown applicant type '{code}'."),
            facts,
        )
    if not spec.eligible:
        return (
            Outcome.FAIL,
            _t(f"{spec.label.de} ist nicht antragsberechtigt.", f"{spec.label.en} may not apply."),
            facts,
        )
    return (
        Outcome.PASS,
        _t(
            f"{spec.label.de} ist antragsberechtigt; es gelten die {spec.conditions}.",
            f"{spec.label.en} may apply; {spec.conditions} apply.",
        ),
        facts,
    )


def _location_in_saxony(case: _Case) -> _Finding:
    key = case.proposal.municipality_key
    facts: Facts = {"municipality_key": key, "area_category": case.context.area_category}
    if len(key) == 8 and key.isdigit() and key.startswith("14"):
        return (
            Outcome.PASS,
            _t(f"Gemeinde {key} liegt in Sachsen.", f"Municipality {key} is in Saxony."),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Gemeindeschlüssel {key} liegt nicht in Sachsen (beginnt nicht mit 14).",
            f"Municipality key {key} is not in Saxony (does not start with 14).",
        ),
        facts,
    )


def _not_started_before_receipt(case: _Case) -> _Finding:
    start = case.proposal.planned_start
    facts: Facts = {
        "planned_start": start.isoformat(),
        "received_on": case.received_on.isoformat(),
        "early_start_consented": case.proposal.early_start_consented,
    }
    if start >= case.received_on:
        return (
            Outcome.PASS,
            _t(
                f"Beginn am {format_date_de(start)}, nicht vor Antragseingang.",
                f"Starts on {start.isoformat()}, not before receipt.",
            ),
            facts,
        )
    if case.proposal.early_start_consented:
        return (
            Outcome.PASS,
            _t(
                "Beginn vor Antragseingang mit Zustimmung zum vorzeitigen Maßnahmebeginn.",
                "Starts before receipt with consent to an early start.",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Das Vorhaben beginnt am {format_date_de(start)}, vor dem Antragseingang am "
            f"{format_date_de(case.received_on)}; begonnene Vorhaben sind nicht förderfähig.",
            f"The project starts on {start.isoformat()}, before receipt on "
            f"{case.received_on.isoformat()}; projects already begun cannot be funded.",
        ),
        facts,
    )


def _funding_objective(case: _Case) -> _Finding:
    chosen = list(case.proposal.objectives)
    unknown = sorted(set(chosen) - case.guideline.objective_codes())
    facts: Facts = {"objectives": sorted(set(chosen)), "unknown": unknown}
    if unknown:
        listed = ", ".join(unknown)
        return (
            Outcome.FAIL,
            _t(f"Unbekannte Förderziele: {listed}.", f"Unknown funding objectives: {listed}."),
            facts,
        )
    if not chosen:
        return (
            Outcome.FAIL,
            _t(
                "Mindestens ein Förderziel (a–e) ist zu wählen.",
                "Choose at least one funding objective (a–e).",
            ),
            facts,
        )
    listed = ", ".join(sorted(set(chosen)))
    return Outcome.PASS, _t(f"Förderziele: {listed}.", f"Funding objectives: {listed}."), facts


def _funding_line_offered(case: _Case) -> _Finding:
    code = case.proposal.funding_line
    line = case.guideline.line(code)
    call = case.context.call
    facts: Facts = {"funding_line": code, "call": call.code if call else None}
    if line is None:
        return (
            Outcome.FAIL,
            _t(f"Unbekannte Förderlinie „{code}“.", f"Unknown funding line '{code}'."),
            facts,
        )
    if call is not None and code not in call.lines:
        return (
            Outcome.FAIL,
            _t(
                f"Der Aufruf {call.title.de} umfasst die Linie {line.label.de} nicht.",
                f"Call {call.title.en} does not include the line {line.label.en}.",
            ),
            facts,
        )
    return (
        Outcome.PASS,
        _t(f"Förderlinie: {line.label.de}.", f"Funding line: {line.label.en}."),
        facts,
    )


@cache
def _call_dates(call: Call) -> tuple[str, str, str, str]:
    """Formatted once per call: strftime is slow and the values never change."""
    return (
        call.deadline_at.isoformat(),
        f"{format_date_de(call.deadline_at.date())} um {call.deadline_at:%H:%M:%S} Uhr",
        call.latest_end.isoformat(),
        f"{format_date_de(call.latest_end)}",
    )


def _received_before_deadline(case: _Case) -> _Finding:
    call = case.context.call
    if call is None:
        return Outcome.NOT_APPLICABLE, _t("Kein Aufruf gewählt.", "No call chosen."), {}
    received = case.context.received_at
    deadline_iso, deadline_de, _, _ = _call_dates(call)
    facts: Facts = {"received_at": received.isoformat(), "deadline_at": deadline_iso}
    if received < call.published_at:
        return (
            Outcome.FAIL,
            _t("Der Aufruf ist noch nicht veröffentlicht.", "The call has not been published yet."),
            facts,
        )
    if in_time(received, call.deadline_at):
        return (
            Outcome.PASS,
            _t(
                f"Eingang vor Ablauf der Frist ({deadline_de}).",
                f"Received before the deadline ({deadline_iso}).",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Die Frist endete am {deadline_de}.",
            f"The deadline passed at {deadline_iso}.",
        ),
        facts,
    )


def _duration_within_bounds(case: _Case) -> _Finding:
    start, end = case.proposal.planned_start, case.proposal.planned_end
    shortest, longest = case.guideline.duration_months
    facts: Facts = {
        "planned_start": start.isoformat(),
        "planned_end": end.isoformat(),
        "min_months": shortest,
        "max_months": longest,
    }
    after_end = end + timedelta(days=1)  # the end day is part of the project
    if end < start:
        return (
            Outcome.FAIL,
            _t("Das Ende liegt vor dem Beginn.", "The end is before the start."),
            facts,
        )
    if add_months(start, shortest) > after_end:
        return (
            Outcome.FAIL,
            _t(
                f"Laufzeit kürzer als {shortest} Monate.",
                f"Duration shorter than {shortest} months.",
            ),
            facts,
        )
    if after_end > add_months(start, longest):
        return (
            Outcome.FAIL,
            _t(f"Laufzeit länger als {longest} Monate.", f"Duration longer than {longest} months."),
            facts,
        )
    return (
        Outcome.PASS,
        _t(
            f"Laufzeit zwischen {shortest} und {longest} Monaten.",
            f"Duration between {shortest} and {longest} months.",
        ),
        facts,
    )


def _end_within_call(case: _Case) -> _Finding:
    call = case.context.call
    if call is None:
        return Outcome.NOT_APPLICABLE, _t("Kein Aufruf gewählt.", "No call chosen."), {}
    end = case.proposal.planned_end
    _, _, latest_iso, latest_de = _call_dates(call)
    facts: Facts = {"planned_end": end.isoformat(), "latest_end": latest_iso}
    if end <= call.latest_end:
        return (
            Outcome.PASS,
            _t(
                f"Ende bis spätestens {latest_de}.",
                f"Ends by {latest_iso}.",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Das Vorhaben muss bis {latest_de} enden.",
            f"The project must end by {latest_iso}.",
        ),
        facts,
    )


def _cost_plan_valid(case: _Case) -> _Finding:
    lines = case.proposal.cost_lines
    negative = [str(i) for i, line in enumerate(lines) if line.amount < 0]
    facts: Facts = {"cost_lines": len(lines), "negative_lines": negative}
    if not lines:
        return Outcome.FAIL, _t("Der Kostenplan ist leer.", "The cost plan is empty."), facts
    if negative:
        return (
            Outcome.FAIL,
            _t(
                f"Negative Beträge in den Kostenpositionen {', '.join(negative)}.",
                f"Negative amounts in cost lines {', '.join(negative)}.",
            ),
            facts,
        )
    return Outcome.PASS, _t(f"{len(lines)} Kostenpositionen.", f"{len(lines)} cost lines."), facts


def _ineligible_costs_excluded(case: _Case) -> _Finding:
    excluded = [c for c in case.funding.categories if c.excluded_reason is not None]
    facts: Facts = {"excluded_categories": [c.category for c in excluded]}
    if not excluded:
        return (
            Outcome.NOT_APPLICABLE,
            _t(
                "Alle Kosten gehören zu förderfähigen Kategorien.",
                "All costs are in eligible categories.",
            ),
            facts,
        )
    de = "; ".join(
        f"{c.category} ({format_eur(c.declared_costs)}): {c.excluded_reason.de}"
        for c in excluded
        if c.excluded_reason
    )
    en = "; ".join(
        f"{c.category} ({c.declared_costs} EUR): {c.excluded_reason.en}"
        for c in excluded
        if c.excluded_reason
    )
    return (
        Outcome.PASS,
        _t(f"Nicht förderfähig und ausgenommen: {de}", f"Not eligible, excluded: {en}"),
        facts,
    )


def _financing_balanced(case: _Case) -> _Finding:
    p = case.proposal
    costs = case.funding.total_costs
    financing = p.requested_grant + p.own_funds + p.third_party_funds
    facts: Facts = {
        "total_costs": str(costs),
        "requested_grant": str(p.requested_grant),
        "own_funds": str(p.own_funds),
        "third_party_funds": str(p.third_party_funds),
    }
    if financing == costs:
        return (
            Outcome.PASS,
            _t("Der Finanzierungsplan ist ausgeglichen.", "The financing plan balances."),
            facts,
        )
    gap = costs - financing
    return (
        Outcome.FAIL,
        _t(
            f"Kosten {format_eur(costs)} ≠ Finanzierung {format_eur(financing)} "
            f"(Differenz {format_eur(gap)}).",
            f"Costs {costs} EUR ≠ financing {financing} EUR (difference {gap} EUR).",
        ),
        facts,
    )


def _grant_within_fundable(case: _Case) -> _Finding:
    requested, fundable = case.proposal.requested_grant, case.funding.fundable_grant
    facts: Facts = {
        "requested_grant": str(requested),
        "fundable_grant": str(fundable),
        "cap": str(case.funding.cap),
        "cap_applied": case.funding.cap_applied,
    }
    if requested < 0:
        return (
            Outcome.FAIL,
            _t("Der beantragte Zuschuss ist negativ.", "The requested grant is negative."),
            facts,
        )
    if requested <= fundable:
        return (
            Outcome.PASS,
            _t(
                f"Beantragt {format_eur(requested)}, höchstens förderfähig {format_eur(fundable)}.",
                f"Requested {requested} EUR, at most {fundable} EUR fundable.",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Beantragt {format_eur(requested)}, förderfähig sind höchstens "
            f"{format_eur(fundable)}.",
            f"Requested {requested} EUR, but at most {fundable} EUR can be funded.",
        ),
        facts,
    )


def _minimum_grant(case: _Case) -> _Finding:
    requested, minimum = case.proposal.requested_grant, case.guideline.minimum_grant
    facts: Facts = {"requested_grant": str(requested), "minimum_grant": str(minimum)}
    if requested >= minimum:
        return (
            Outcome.PASS,
            _t(
                f"Mindestzuschuss {format_eur(minimum)} erreicht.",
                f"Minimum grant of {minimum} EUR reached.",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Der Zuschuss muss mindestens {format_eur(minimum)} betragen (Bagatellgrenze).",
            f"The grant must be at least {minimum} EUR (de minimis threshold of the programme).",
        ),
        facts,
    )


def _de_minimis(case: _Case) -> _Finding:
    p, rule = case.proposal, case.guideline.de_minimis
    spec = case.guideline.applicant_type(p.applicant_type)
    activity = spec.economic_activity if spec else EconomicActivity.DECLARED
    applies = activity is EconomicActivity.YES or (
        activity is EconomicActivity.DECLARED and p.economic_activity is True
    )
    facts: Facts = {"economic_activity": activity.value, "declared": p.economic_activity}
    if activity is EconomicActivity.DECLARED and p.economic_activity is None:
        return (
            Outcome.NEEDS_REVIEW,
            _t(
                "Bitte erklären, ob das Vorhaben wirtschaftlich tätig ist (De-minimis-Prüfung).",
                "Declare whether the project is an economic activity (de minimis check).",
            ),
            facts,
        )
    if not applies:
        return (
            Outcome.NOT_APPLICABLE,
            _t(
                "Keine wirtschaftliche Tätigkeit: kein Beihilferecht.",
                "No economic activity: no state-aid rules.",
            ),
            facts,
        )
    window_start = add_years(case.received_on, -rule.years)
    counted = [aid for aid in p.prior_de_minimis if aid.granted_on > window_start]
    prior = sum((aid.amount for aid in counted), ZERO)
    total = prior + p.requested_grant
    facts = {
        **facts,
        "window_start": window_start.isoformat(),
        "prior_aid_counted": str(prior),
        "requested_grant": str(p.requested_grant),
        "total": str(total),
        "ceiling": str(rule.ceiling),
    }
    if total <= rule.ceiling:
        return (
            Outcome.PASS,
            _t(
                f"De-minimis: {format_eur(prior)} in {rule.years} Jahren plus "
                f"{format_eur(p.requested_grant)} = {format_eur(total)} ≤ "
                f"{format_eur(rule.ceiling)}.",
                f"De minimis: {prior} EUR in {rule.years} years plus {p.requested_grant} EUR = "
                f"{total} EUR ≤ {rule.ceiling} EUR.",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"De-minimis-Höchstbetrag überschritten: {format_eur(total)} > "
            f"{format_eur(rule.ceiling)}; die gesamte Beihilfe ist dann keine De-minimis-Beihilfe.",
            f"De minimis ceiling exceeded: {total} EUR > {rule.ceiling} EUR; the whole aid then "
            "cannot be de minimis aid.",
        ),
        facts,
    )


# Rule id -> function, in the order a verdict lists them.
RULES: Mapping[str, Callable[[_Case], _Finding]] = {
    "applicant_type_eligible": _applicant_type_eligible,
    "location_in_saxony": _location_in_saxony,
    "received_before_deadline": _received_before_deadline,
    "not_started_before_receipt": _not_started_before_receipt,
    "funding_objective_chosen": _funding_objective,
    "funding_line_offered": _funding_line_offered,
    "duration_within_bounds": _duration_within_bounds,
    "end_within_call": _end_within_call,
    "cost_plan_valid": _cost_plan_valid,
    "ineligible_costs_excluded": _ineligible_costs_excluded,
    "financing_balanced": _financing_balanced,
    "grant_within_fundable": _grant_within_fundable,
    "minimum_grant": _minimum_grant,
    "de_minimis": _de_minimis,
}


_RULES_BY_VERSION: dict[str, tuple[tuple[str, Callable[[_Case], _Finding], str, Text], ...]] = {}


def _rules_of(
    guideline: Guideline,
) -> tuple[tuple[str, Callable[[_Case], _Finding], str, Text], ...]:
    """Each rule with its citation, resolved once per guideline version."""
    resolved = _RULES_BY_VERSION.get(guideline.content_hash)
    if resolved is None:
        resolved = tuple(
            (rule_id, rule, guideline.rule(rule_id).section, guideline.rule(rule_id).title)
            for rule_id, rule in RULES.items()
        )
        _RULES_BY_VERSION[guideline.content_hash] = resolved
    return resolved


def check(proposal: Proposal, guideline: Guideline, context: CheckContext) -> Verdict:
    funding = compute_funding(
        proposal.cost_lines,
        guideline,
        proposal.funding_line,
        rural=bool(context.rural),
        requested_grant=proposal.requested_grant,
        third_party_funds=proposal.third_party_funds,
    )
    case = _Case(proposal, guideline, context, berlin_date(context.received_at), funding)
    results = []
    for rule_id, rule, section, title in _rules_of(guideline):
        outcome, message, facts = rule(case)
        results.append(RuleResult(rule_id, outcome, section, title, message, facts))
    return Verdict(
        guideline_id=guideline.id,
        guideline_version=guideline.version,
        guideline_hash=guideline.content_hash,
        call_code=context.call.code if context.call else None,
        received_at=context.received_at,
        results=tuple(results),
        funding=funding,
        facts={
            "area_category": context.area_category,
            "rural": context.rural,
            "received_on": case.received_on.isoformat(),
        },
    )
