"""The eligibility engine: ``check(proposal, guideline, context) -> Verdict``.

Every rule yields an outcome, the guideline section it rests on (with whether that section
was verified, and whether the rule is an assumption of ours), a German and English message
and the facts it used, so a verdict explains itself years later. Pure: the caller passes the
receipt time and what the municipality register says of the key in the context.
"""

from collections.abc import Callable, Mapping

from grants.core.deadlines import berlin_date
from grants.core.funding import compute_funding, recoverable_vat_share
from grants.core.guideline import Guideline, RuleSpec
from grants.core.rules_finance import (
    cost_plan_valid,
    de_minimis,
    financing_balanced,
    grant_within_fundable,
    ineligible_costs_excluded,
    minimum_grant,
    vat_deduction,
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
    "vat_deduction": vat_deduction,
    "financing_balanced": financing_balanced,
    "grant_within_fundable": grant_within_fundable,
    "minimum_grant": minimum_grant,
    "de_minimis": de_minimis,
}


_RULES_BY_VERSION: dict[str, tuple[tuple[Callable[[Case], Finding], RuleSpec], ...]] = {}


def _rules_of(guideline: Guideline) -> tuple[tuple[Callable[[Case], Finding], RuleSpec], ...]:
    """Each rule with its spec (citation, flags), resolved once per guideline version."""
    resolved = _RULES_BY_VERSION.get(guideline.content_hash)
    if resolved is None:
        resolved = tuple((rule, guideline.rule(rule_id)) for rule_id, rule in RULES.items())
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
        vat_share=recoverable_vat_share(
            proposal.vat_deduction, proposal.vat_deductible_share, proposal.cost_amounts
        ),
    )
    case = Case(proposal, guideline, context, berlin_date(context.received_at), funding)
    # tuple.__new__ skips the NamedTuple's Python-level constructor: 15 results per check.
    new = tuple.__new__
    results: list[RuleResult] = []
    for rule, spec in _rules_of(guideline):
        outcome, message, facts = rule(case)
        results.append(
            new(
                RuleResult,
                (
                    spec.id,
                    outcome,
                    spec.section,
                    spec.title,
                    message,
                    facts,
                    spec.section_verified,
                    spec.assumption,
                    spec.source,
                ),
            )
        )
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
            "area_category_assumed": context.area_category_assumed,
            "rural": context.rural,
            "municipality_known": context.municipality_known,
            "received_on": case.received_on.isoformat(),
        },
    )
