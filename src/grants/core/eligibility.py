"""The eligibility engine: ``check(proposal, guideline, context) -> Verdict``.

Every rule yields an outcome, the guideline section it rests on, a German and English
message and the facts it used, so a verdict explains itself years later. Pure: the caller
passes the receipt time and the municipality's area category in the context.
"""

from collections.abc import Callable, Mapping

from grants.core.deadlines import berlin_date
from grants.core.funding import compute_funding
from grants.core.guideline import Guideline, Text
from grants.core.rules_finance import (
    cost_plan_valid,
    de_minimis,
    financing_balanced,
    grant_within_fundable,
    ineligible_costs_excluded,
    minimum_grant,
)
from grants.core.rules_project import (
    applicant_type_eligible,
    duration_within_bounds,
    end_within_call,
    funding_line_offered,
    funding_objective,
    location_in_saxony,
    not_started_before_receipt,
    received_before_deadline,
)
from grants.core.verdict import (
    Case,
    CheckContext,
    Finding,
    Outcome,
    PriorAid,
    Proposal,
    RuleResult,
    Verdict,
)

__all__ = [
    "RULES",
    "CheckContext",
    "Outcome",
    "PriorAid",
    "Proposal",
    "RuleResult",
    "Verdict",
    "check",
]

# Rule id -> function, in the order a verdict lists them.
RULES: Mapping[str, Callable[[Case], Finding]] = {
    "applicant_type_eligible": applicant_type_eligible,
    "location_in_saxony": location_in_saxony,
    "received_before_deadline": received_before_deadline,
    "not_started_before_receipt": not_started_before_receipt,
    "funding_objective_chosen": funding_objective,
    "funding_line_offered": funding_line_offered,
    "duration_within_bounds": duration_within_bounds,
    "end_within_call": end_within_call,
    "cost_plan_valid": cost_plan_valid,
    "ineligible_costs_excluded": ineligible_costs_excluded,
    "financing_balanced": financing_balanced,
    "grant_within_fundable": grant_within_fundable,
    "minimum_grant": minimum_grant,
    "de_minimis": de_minimis,
}


_RULES_BY_VERSION: dict[str, tuple[tuple[str, Callable[[Case], Finding], str, Text], ...]] = {}


def _rules_of(
    guideline: Guideline,
) -> tuple[tuple[str, Callable[[Case], Finding], str, Text], ...]:
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
    case = Case(proposal, guideline, context, berlin_date(context.received_at), funding)
    # tuple.__new__ skips the NamedTuple's Python-level constructor: 14 results per check.
    new = tuple.__new__
    results: list[RuleResult] = []
    for rule_id, rule, section, title in _rules_of(guideline):
        outcome, message, facts = rule(case)
        results.append(new(RuleResult, (rule_id, outcome, section, title, message, facts)))
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
