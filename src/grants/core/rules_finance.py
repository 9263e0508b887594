"""Eligibility rules about the money: cost plan, excluded costs, the financing plan, the
fundable amount, the minimum grant and the de-minimis ceiling."""

from grants.core.deadlines import add_years
from grants.core.guideline import EconomicActivity, Text
from grants.core.money import ZERO, format_eur
from grants.core.verdict import Case, Facts, Finding, Outcome

_t = Text


def cost_plan_valid(case: Case) -> Finding:
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


def ineligible_costs_excluded(case: Case) -> Finding:
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


def financing_balanced(case: Case) -> Finding:
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


def grant_within_fundable(case: Case) -> Finding:
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


def minimum_grant(case: Case) -> Finding:
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


def de_minimis(case: Case) -> Finding:
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
