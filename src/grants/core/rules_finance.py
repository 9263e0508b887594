"""Eligibility rules about the money: cost plan, excluded costs, input VAT, the financing
plan, the fundable amount, the minimum grant and the de-minimis ceiling."""

from decimal import Decimal

from grants.core.deadlines import add_years, format_date_de
from grants.core.funding import CostAmounts, VatDeduction
from grants.core.guideline import EconomicActivity, Text
from grants.core.money import ZERO, format_eur, format_eur_en
from grants.core.verdict import Case, Facts, Finding, Outcome

_t = Text


def _percent(share: Decimal) -> str:
    """A rate or share as a percentage without trailing zeros: 0.19 → "19 %"."""
    return f"{(share * 100).normalize():f} %"


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
                "Alle Kosten gehören zu zuwendungsfähigen Kategorien.",
                "All costs are in eligible categories.",
            ),
            facts,
        )
    # Labels, not codes: the sentence is read by applicants. An unknown category has no
    # label; its text is all it has (the API refuses unknown codes before the engine).
    de = "; ".join(
        f"{c.label.de if c.label else c.category} ({format_eur(c.declared_costs)}): "
        f"{c.excluded_reason.de}"
        for c in excluded
        if c.excluded_reason
    )
    en = "; ".join(
        f"{c.label.en if c.label else c.category} ({format_eur_en(c.declared_costs)}): "
        f"{c.excluded_reason.en}"
        for c in excluded
        if c.excluded_reason
    )
    return (
        Outcome.PASS,
        _t(
            f"Nicht zuwendungsfähig und ausgenommen: {de}",
            f"Not eligible, excluded: {en}",
        ),
        facts,
    )


def vat_deduction(case: Case) -> Finding:
    """Recoverable input VAT is not zuwendungsfähig. An applicant entitled to deduct it plans
    net amounts; gross amounts of a full deducter are taken out (at the guideline's VAT rate)
    and need review; for partial deduction the recoverable share is taken out of gross
    amounts. ``compute_funding`` has already done the arithmetic; this says what it did."""
    p, funding = case.proposal, case.funding
    rate = case.guideline.vat.rate
    deduction, amounts, share = p.vat_deduction, p.cost_amounts, p.vat_deductible_share
    facts: Facts = {
        "vat_deduction": deduction.value if deduction else None,
        "vat_deductible_share": str(share) if share is not None else None,
        "cost_amounts": amounts.value if amounts else None,
        "vat_rate": str(rate),
        "vat_rate_assumption": case.guideline.vat.assumption,
        "recoverable_vat_excluded": str(funding.recoverable_vat),
    }
    excluded = _t(
        f"Die enthaltene abziehbare Vorsteuer von {format_eur(funding.recoverable_vat)} "
        f"(gerechnet mit {_percent(rate)} Umsatzsteuer, Annahme) ist nicht zuwendungsfähig und "
        "wurde aus den zuwendungsfähigen Ausgaben herausgerechnet.",
        f"The recoverable input VAT of {format_eur_en(funding.recoverable_vat)} (computed at "
        f"{_percent(rate)} VAT, an assumption) is not eligible and was taken out of the "
        "eligible costs.",
    )
    if deduction is VatDeduction.FULL and amounts is not None:
        outcome, message = _vat_full(amounts, excluded)
    elif deduction is VatDeduction.PARTIAL and amounts is not None and share is not None:
        outcome, message = _vat_partial(share, amounts, excluded)
    else:
        outcome, message = _vat_undecided(deduction, amounts)
    return outcome, message, facts


def _vat_undecided(
    deduction: VatDeduction | None, amounts: CostAmounts | None
) -> tuple[Outcome, Text]:
    """No deduction, or an answer still missing."""
    if deduction is None:
        return Outcome.NEEDS_REVIEW, _t(
            "Bitte angeben, ob Sie zum Vorsteuerabzug berechtigt sind (voll, teilweise oder "
            "nicht): abziehbare Vorsteuer ist nicht zuwendungsfähig.",
            "State whether you may deduct input VAT (fully, partly or not): recoverable input "
            "VAT is not eligible.",
        )
    if deduction is VatDeduction.NONE:
        net = amounts is CostAmounts.NET
        return Outcome.PASS, _t(
            "Kein Vorsteuerabzug: die Umsatzsteuer ist Teil der zuwendungsfähigen Ausgaben."
            + (
                " Die Beträge sind netto angegeben; die Umsatzsteuer kann brutto angesetzt werden."
                if net
                else ""
            ),
            "No input VAT deduction: VAT is part of the eligible costs."
            + (" The amounts are net; the VAT may be planned as well." if net else ""),
        )
    if amounts is None:
        return Outcome.NEEDS_REVIEW, _t(
            "Bitte angeben, ob die Beträge des Kostenplans brutto oder netto sind: bei "
            "Vorsteuerabzug ist die abziehbare Vorsteuer nicht zuwendungsfähig.",
            "State whether the cost plan's amounts are gross or net: recoverable input VAT is "
            "not eligible.",
        )
    return Outcome.NEEDS_REVIEW, _t(  # partial without its share
        "Teilweiser Vorsteuerabzug: bitte den abziehbaren Anteil angeben.",
        "Partial input VAT deduction: state the deductible share.",
    )


def _vat_full(amounts: CostAmounts, excluded: Text) -> tuple[Outcome, Text]:
    if amounts is CostAmounts.NET:
        return Outcome.PASS, _t(
            "Voller Vorsteuerabzug: die Beträge sind netto angegeben.",
            "Full input VAT deduction: the amounts are net.",
        )
    return Outcome.NEEDS_REVIEW, _t(
        f"Voller Vorsteuerabzug, aber die Beträge sind brutto angegeben. {excluded.de} Bitte "
        "den Kostenplan mit Nettobeträgen aufstellen.",
        f"Full input VAT deduction, but the amounts are gross. {excluded.en} Please plan net "
        "amounts.",
    )


def _vat_partial(share: Decimal, amounts: CostAmounts, excluded: Text) -> tuple[Outcome, Text]:
    if amounts is CostAmounts.NET:
        return Outcome.PASS, _t(
            f"Teilweiser Vorsteuerabzug ({_percent(share)}), Beträge netto: keine Vorsteuer "
            "enthalten. Der nicht abziehbare Teil der Umsatzsteuer ist zuwendungsfähig und kann "
            "zusätzlich angesetzt werden.",
            f"Partial input VAT deduction ({_percent(share)}), net amounts: no VAT included. "
            "The non-deductible part of the VAT is eligible and may be added.",
        )
    return Outcome.PASS, _t(
        f"Teilweiser Vorsteuerabzug ({_percent(share)} der Vorsteuer), Beträge brutto. "
        f"{excluded.de}",
        f"Partial input VAT deduction ({_percent(share)} of the input VAT), gross amounts. "
        f"{excluded.en}",
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
            f"Costs {format_eur_en(costs)} ≠ financing {format_eur_en(financing)} (difference "
            f"{format_eur_en(gap)}).",
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
                f"Beantragt {format_eur(requested)}, höchstens zuwendungsfähig "
                f"{format_eur(fundable)}.",
                f"Requested {format_eur_en(requested)}, at most {format_eur_en(fundable)} "
                f"fundable.",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Beantragt {format_eur(requested)}, möglich sind höchstens {format_eur(fundable)}.",
            f"Requested {format_eur_en(requested)}, but at most {format_eur_en(fundable)} can be "
            f"funded.",
        ),
        facts,
    )


def minimum_grant(case: Case) -> Finding:
    """VV Nr. 1.2 zu § 44 SäHO: a grant only if it is *more than* the minimum. Compared with
    the grant that could actually be awarded, the smaller of the requested and the fundable
    amount (``funding.grant``): the request alone would pass a tiny fundable amount, the
    fundable amount alone a tiny request."""
    grant, minimum = case.funding.grant, case.guideline.minimum_grant
    facts: Facts = {
        "requested_grant": str(case.proposal.requested_grant),
        "fundable_grant": str(case.funding.fundable_grant),
        "grant": str(grant),
        "minimum_grant": str(minimum),
    }
    if grant > minimum:
        return (
            Outcome.PASS,
            _t(
                f"Die Zuwendung von {format_eur(grant)} liegt über der Bagatellgrenze von "
                f"{format_eur(minimum)}.",
                f"The grant of {format_eur_en(grant)} is above the minimum grant of "
                f"{format_eur_en(minimum)}.",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Die Zuwendung muss mehr als {format_eur(minimum)} betragen (Bagatellgrenze); "
            f"möglich wären {format_eur(grant)}.",
            f"The grant must be more than {format_eur_en(minimum)} (minimum grant of the "
            f"programme); "
            f"{format_eur_en(grant)} would be possible.",
        ),
        facts,
    )


def _outside_de_minimis(
    activity: EconomicActivity, declared: bool | None
) -> tuple[Outcome, Text] | None:
    """The answer where the de-minimis check does not run (yet), else None."""
    if activity is EconomicActivity.DECLARED and declared is None:
        return Outcome.NEEDS_REVIEW, _t(
            "Bitte erklären, ob mit dem Vorhaben eine wirtschaftliche Tätigkeit ausgeübt "
            "wird, etwa die Vermietung von Arbeitsplätzen (De-minimis-Prüfung).",
            "Declare whether the project is an economic activity, such as renting out desks "
            "(de minimis check).",
        )
    if activity is EconomicActivity.NO:
        return Outcome.NOT_APPLICABLE, _t(
            f"Keine wirtschaftliche Tätigkeit dieser Antragstellerart: {_NO_AID.de}",
            f"No economic activity of this applicant type: {_NO_AID.en}",
        )
    if activity is EconomicActivity.DECLARED and declared is False:
        return Outcome.NOT_APPLICABLE, _t(
            f"Keine wirtschaftliche Tätigkeit angegeben: {_NO_AID.de}",
            f"No economic activity declared: {_NO_AID.en}",
        )
    return None


_NO_AID = _t(
    "keine Beihilfe im Sinne des Art. 107 Abs. 1 AEUV; De-minimis-Prüfung entfällt.",
    "no State aid within the meaning of Art. 107(1) TFEU; no de minimis check.",
)


def de_minimis(case: Case) -> Finding:
    """Reg. (EU) 2023/2831: at most the ceiling per single undertaking (the applicant with
    its linked undertakings, Art. 2(2)) over a rolling three years, judged at the day the aid
    is granted (Art. 3(3)): the decision. Before it, the day of the check stands in, and the
    message says so. Exceeding the ceiling needs review (another basis may apply, or a lower
    amount); it never fails on its own."""
    p, rule = case.proposal, case.guideline.de_minimis
    spec = case.guideline.applicant_type(p.applicant_type)
    activity = spec.economic_activity if spec else EconomicActivity.DECLARED
    facts: Facts = {"economic_activity": activity.value, "declared": p.economic_activity}
    outside = _outside_de_minimis(activity, p.economic_activity)
    if outside is not None:
        return (*outside, facts)
    # Applies: a type that always acts economically (company, partnership, freelancer) cannot
    # answer its way out of it.
    overridden = activity is EconomicActivity.YES and p.economic_activity is False
    note = (
        _t(
            "Diese Antragstellerart ist stets wirtschaftlich tätig; die Angabe „keine "
            "wirtschaftliche Tätigkeit“ ändert daran nichts. ",
            "This applicant type always carries on an economic activity; declaring none does "
            "not change that. ",
        )
        if overridden
        else _t("", "")
    )
    reference = case.context.grant_on or case.received_on
    at_decision = case.context.grant_on is not None
    window_start = add_years(reference, -rule.years)
    counted = [aid for aid in p.prior_de_minimis if aid.granted_on > window_start]
    prior = sum((aid.amount for aid in counted), ZERO)
    # The aid is the grant that could be awarded: the request, at most the fundable amount.
    grant = case.funding.grant
    total = prior + grant
    room = max(rule.ceiling - prior, ZERO)
    facts = {
        **facts,
        "economic_activity_declaration_overridden": overridden,
        "reference_date": reference.isoformat(),
        "reference_date_is_grant_date": at_decision,
        "window_start": window_start.isoformat(),
        "prior_aid_counted": str(prior),
        "grant": str(grant),
        "total": str(total),
        "ceiling": str(rule.ceiling),
        "max_de_minimis_grant": str(room),
        "part_of_single_undertaking": p.part_of_single_undertaking,
        "linked_undertakings": list(p.linked_undertakings),
    }
    if at_decision:
        when = _t(
            f"Dreijahreszeitraum bis zum Tag der Bewilligung ({format_date_de(reference)}, "
            "Art. 3 Abs. 3 VO (EU) 2023/2831).",
            f"Three-year period up to the day of the grant ({reference.isoformat()}, "
            "Art. 3(3) Reg. (EU) 2023/2831).",
        )
    else:
        when = _t(
            f"Dreijahreszeitraum vorläufig bis zum Tag dieser Prüfung "
            f"({format_date_de(reference)}); maßgeblich ist der Tag der Bewilligung "
            "(Art. 3 Abs. 3 VO (EU) 2023/2831), dann wird erneut geprüft.",
            f"Three-year period provisionally up to the day of this check "
            f"({reference.isoformat()}); what counts is the day of the grant "
            "(Art. 3(3) Reg. (EU) 2023/2831), when it is checked again.",
        )
    if p.part_of_single_undertaking:
        names = ", ".join(p.linked_undertakings)
        whose = _t(
            f"des einzigen Unternehmens (mit {names})" if names else "des einzigen Unternehmens",
            f"of the single undertaking (with {names})" if names else "of the single undertaking",
        )
    else:
        whose = _t("des einzigen Unternehmens", "of the single undertaking")
    if total > rule.ceiling:
        return (
            Outcome.NEEDS_REVIEW,
            _t(
                f"{note.de}De-minimis-Höchstbetrag überschritten: Vorbeihilfen {whose.de} "
                f"{format_eur(prior)} plus Zuwendung {format_eur(grant)} = {format_eur(total)} "
                f"> {format_eur(rule.ceiling)}; die Zuwendung könnte dann insgesamt nicht als "
                f"De-minimis-Beihilfe gewährt werden. Als De-minimis-Beihilfe möglich wären "
                f"höchstens {format_eur(room)}; sonst ist eine andere beihilferechtliche "
                f"Grundlage zu prüfen. {when.de}",
                f"{note.en}De minimis ceiling exceeded: prior aid {whose.en} "
                f"{format_eur_en(prior)} plus "
                f"grant {format_eur_en(grant)} = {format_eur_en(total)} > "
                f"{format_eur_en(rule.ceiling)}; none of the grant could "
                f"then be de minimis aid. At most {format_eur_en(room)} could be granted as de "
                f"minimis "
                f"aid; otherwise another State-aid basis must be examined. {when.en}",
            ),
            facts,
        )
    if p.part_of_single_undertaking is None:
        return (
            Outcome.NEEDS_REVIEW,
            _t(
                f"{note.de}Bitte angeben, ob die Antragstellerin oder der Antragsteller mit "
                "anderen Unternehmen ein einziges Unternehmen bildet (Art. 2 Abs. 2 VO (EU) "
                "2023/2831): deren De-minimis-Beihilfen zählen mit. "
                f"Bisher: {format_eur(prior)} plus {format_eur(grant)} = {format_eur(total)} ≤ "
                f"{format_eur(rule.ceiling)}. {when.de}",
                f"{note.en}State whether the applicant forms a single undertaking with other "
                "undertakings (Art. 2(2) Reg. (EU) 2023/2831): their de minimis aid counts too. "
                f"So far: {format_eur_en(prior)} plus {format_eur_en(grant)} = "
                f"{format_eur_en(total)} ≤ {format_eur_en(rule.ceiling)}. "
                f"{when.en}",
            ),
            facts,
        )
    if p.part_of_single_undertaking and not p.linked_undertakings:
        return (
            Outcome.NEEDS_REVIEW,
            _t(
                f"{note.de}Bitte die Unternehmen benennen, mit denen ein einziges Unternehmen "
                f"besteht (Art. 2 Abs. 2 VO (EU) 2023/2831). {when.de}",
                f"{note.en}Name the undertakings that form the single undertaking "
                f"(Art. 2(2) Reg. (EU) 2023/2831). {when.en}",
            ),
            facts,
        )
    return (
        Outcome.PASS,
        _t(
            f"{note.de}De-minimis: Vorbeihilfen {whose.de} {format_eur(prior)} in "
            f"{rule.years} Jahren plus Zuwendung {format_eur(grant)} = {format_eur(total)} ≤ "
            f"{format_eur(rule.ceiling)}. {when.de}",
            f"{note.en}De minimis: prior aid {whose.en} {format_eur_en(prior)} in {rule.years} "
            f"years plus "
            f"grant {format_eur_en(grant)} = {format_eur_en(total)} ≤ "
            f"{format_eur_en(rule.ceiling)}. {when.en}",
        ),
        facts,
    )
