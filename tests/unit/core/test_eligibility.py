"""Table-driven: every rule passes and fails at its boundaries, citing its section."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from grants.core.eligibility import RULES, Outcome, PriorAid, RuleResult, check
from grants.core.funding import CostAmounts, CostLine, VatDeduction
from tests.unit.core.guideline_fixtures import RECEIVED, context, lifd, proposal

D = Decimal
HUNDRED_THOUSAND = D("100000.00")


def result(rule_id: str, **changes: object) -> RuleResult:
    ctx_changes = {k[4:]: v for k, v in changes.items() if k.startswith("ctx_")}
    prop_changes = {k: v for k, v in changes.items() if not k.startswith("ctx_")}
    verdict = check(proposal(**prop_changes), lifd(), context(**ctx_changes))
    return next(r for r in verdict.results if r.rule_id == rule_id)


def outcome(rule_id: str, **changes: object) -> Outcome:
    return result(rule_id, **changes).outcome


def test_the_base_proposal_is_eligible_and_every_rule_cites_a_section() -> None:
    verdict = check(proposal(), lifd(), context())
    assert verdict.eligible, [(r.rule_id, r.message.en) for r in verdict.failures]
    assert [r.rule_id for r in verdict.results] == list(RULES)
    for result in verdict.results:
        assert result.section, result.rule_id
        assert result.message.de and result.message.en
    assert verdict.guideline_hash == lifd().content_hash
    assert verdict.funding.fundable_grant == D("110000.00")


def test_every_result_carries_its_rules_flags_and_citation() -> None:
    verdict = check(proposal(), lifd(), context())
    for result in verdict.results:
        spec = lifd().rule(result.rule_id)
        assert result.section == spec.section
        assert result.section_verified is spec.section_verified
        assert result.assumption is spec.assumption
        assert result.citation == spec.citation
    by_id = {r.rule_id: r for r in verdict.results}
    assert by_id["funding_objective_chosen"].citation.de == "FRL LIfD Nr. I.1 Buchst. a–e"
    assert by_id["de_minimis"].section_verified and by_id["de_minimis"].assumption


@pytest.mark.parametrize(
    ("rule_id", "de", "en"),
    [
        (
            "applicant_type_eligible",
            "FRL LIfD (Fundstelle ungeprüft)",
            "FRL LIfD (section not verified)",
        ),
        ("grant_within_fundable", "FRL LIfD (Fundstelle ungeprüft)", None),
        ("duration_within_bounds", "FRL LIfD (Fundstelle ungeprüft)", None),
        ("ineligible_costs_excluded", "FRL LIfD (Fundstelle ungeprüft)", None),
        ("not_started_before_receipt", "VV zu § 44 SäHO (Fundstelle ungeprüft)", None),
        ("cost_plan_valid", "VV zu § 44 SäHO (Fundstelle ungeprüft)", None),
    ],
)
def test_unverified_sections_are_never_cited_as_fact(rule_id: str, de: str, en: str | None) -> None:
    found = result(rule_id)
    assert not found.section_verified
    assert found.citation.de == de
    if en is not None:
        assert found.citation.en == en
    # The guessed paragraph number stays data, never part of what users are shown.
    assert "Nr." not in found.citation.de


def test_verified_sections_are_cited_as_they_are() -> None:
    minimum = result("minimum_grant")
    assert minimum.section_verified
    assert minimum.citation.de == (
        "VV Nr. 1.2 zu § 44 SäHO (i. d. F. der VwV vom 23.10.2019, SächsABl. S. 1590)"
    )
    assert result("location_in_saxony").citation.de == "FRL LIfD Nr. I.1"


@pytest.mark.parametrize(
    ("applicant_type", "expected"),
    [
        ("municipality", Outcome.PASS),
        ("public_body", Outcome.PASS),
        ("nonprofit", Outcome.PASS),
        ("company", Outcome.PASS),
        ("partnership", Outcome.PASS),
        ("freelancer", Outcome.PASS),
        ("sole_trader", Outcome.FAIL),
        ("natural_person", Outcome.FAIL),
        ("pirate_ship", Outcome.FAIL),
    ],
)
def test_applicant_types(applicant_type: str, expected: Outcome) -> None:
    assert outcome("applicant_type_eligible", applicant_type=applicant_type) is expected


def test_a_sole_trader_is_told_why_it_may_not_apply() -> None:
    found = result("applicant_type_eligible", applicant_type="sole_trader")
    assert "Einzelunternehmen" in found.message.de
    assert "nicht antragsberechtigt" in found.message.de
    assert "nur freiberuflich Tätige" in found.message.de
    assert "only freelancers may apply" in found.message.en


def test_labels_are_legally_precise() -> None:
    labels = {t.code: t.label for t in lifd().applicant_types}
    assert "rechtsfähiger verein" in labels["nonprofit"].de.lower()
    assert "rechtsfähige Stiftung" in labels["nonprofit"].de
    # A school authority or public library applies as the municipality (ANBest-K).
    assert "Schulträger" in labels["municipality"].de
    assert "Bibliothek" in labels["municipality"].de
    assert "Schulträger" not in labels["public_body"].de
    assert "Bibliothek" not in labels["public_body"].de
    # "Unternehmen" does not invite a sole trader.
    assert "kein Einzelunternehmen" in labels["company"].de
    assert "not a sole trader" in labels["company"].en
    sole = lifd().applicant_type("sole_trader")
    assert sole is not None and not sole.eligible and sole.reason is not None


def test_municipalities_get_anbest_k_others_anbest_p() -> None:
    verdict = check(proposal(applicant_type="municipality"), lifd(), context())
    result = next(r for r in verdict.results if r.rule_id == "applicant_type_eligible")
    assert result.facts["conditions"] == "ANBest-K"
    assert "ANBest-K" in result.message.de


@pytest.mark.parametrize(
    ("key", "known", "expected"),
    [
        ("14612000", True, Outcome.PASS),
        ("14999999", False, Outcome.FAIL),  # the prefix alone passes nothing
        ("14000000", False, Outcome.FAIL),
        ("14612000", None, Outcome.NEEDS_REVIEW),  # the register was not consulted
        ("09162000", True, Outcome.FAIL),  # whatever a register says: not Saxony's
        ("09162000", None, Outcome.FAIL),
        ("1461200", None, Outcome.FAIL),
        ("15003000", False, Outcome.FAIL),
    ],
)
def test_location_in_saxony(key: str, known: bool | None, expected: Outcome) -> None:
    assert (
        outcome("location_in_saxony", municipality_key=key, ctx_municipality_known=known)
        is expected
    )


def test_an_unknown_key_fails_naming_the_field_and_the_register() -> None:
    found = result("location_in_saxony", municipality_key="14999999", ctx_municipality_known=False)
    assert found.facts["field"] == "municipality_key"
    assert found.message.de == (
        "Gemeindeschlüssel (municipality_key) 14999999 ist im Gemeindeverzeichnis Sachsen "
        "nicht enthalten."
    )
    assert "municipality_key" in found.message.en
    assert "register" in found.message.en


def test_deadline_to_the_second() -> None:
    deadline = lifd().call("2024-1").deadline_at  # type: ignore[union-attr]
    assert outcome("received_before_deadline", ctx_received_at=deadline) is Outcome.PASS
    late = deadline + timedelta(seconds=1)
    assert outcome("received_before_deadline", ctx_received_at=late) is Outcome.FAIL
    # 23:59:59 in Berlin is 22:59:59 UTC in winter: judged by the instant, not a wall clock.
    assert (
        outcome(
            "received_before_deadline",
            ctx_received_at=datetime(2024, 3, 15, 22, 59, 59, tzinfo=UTC),
        )
        is Outcome.PASS
    )
    assert (
        outcome(
            "received_before_deadline", ctx_received_at=datetime(2024, 3, 15, 23, 0, 0, tzinfo=UTC)
        )
        is Outcome.FAIL
    )


def test_before_publication_is_not_in_time() -> None:
    assert (
        outcome("received_before_deadline", ctx_received_at=datetime(2024, 1, 31, 12, tzinfo=UTC))
        is Outcome.FAIL
    )


def test_no_call_means_no_deadline_rule() -> None:
    assert outcome("received_before_deadline", ctx_call=None) is Outcome.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("start", "consent", "expected"),
    [
        # A start after the receipt is still before the decision: never "fine".
        (date(2024, 3, 1), False, Outcome.NEEDS_REVIEW),  # the receipt day itself
        (date(2025, 1, 1), False, Outcome.NEEDS_REVIEW),
        (date(2024, 2, 29), False, Outcome.FAIL),  # already begun
        # The authority's written consent (a staff record) settles it.
        (date(2024, 2, 29), True, Outcome.PASS),
        (date(2025, 1, 1), True, Outcome.PASS),
    ],
)
def test_not_started_before_receipt(start: date, consent: bool, expected: Outcome) -> None:
    found = outcome(
        "not_started_before_receipt",
        planned_start=start,
        planned_end=date(2025, 12, 31),
        early_start_consented=consent,
    )
    assert found is expected


WARNING_DE = (
    "Mit dem Vorhaben darf erst nach Bekanntgabe des Zuwendungsbescheids oder nach "
    "schriftlicher Zustimmung zum vorzeitigen Maßnahmebeginn begonnen werden."
)


def test_a_later_start_warns_and_never_says_a_start_is_fine() -> None:
    found = result("not_started_before_receipt", planned_start=date(2024, 9, 1))
    assert found.message.de == (
        f"Geplanter Beginn nach Eingang der Vorhabenidee. Hinweis: {WARNING_DE}"
    )
    assert "grant decision" in found.message.en
    assert "nicht vor Antragseingang" not in found.message.de


def test_a_start_before_the_receipt_fails_with_the_warning() -> None:
    found = result("not_started_before_receipt", planned_start=date(2024, 2, 1))
    assert "bereits begonnene Vorhaben sind nicht zuwendungsfähig" in found.message.de
    assert found.message.de.endswith(WARNING_DE)
    assert "förderfähig" not in found.message.de


def test_consent_is_the_authoritys_and_creates_no_entitlement() -> None:
    found = result(
        "not_started_before_receipt", planned_start=date(2024, 2, 1), early_start_consented=True
    )
    assert "zugestimmt" in found.message.de
    assert "keinen Anspruch" in found.message.de


def test_receipt_day_is_the_berlin_day() -> None:
    # 23:30 UTC on 29 Feb is already 1 March in Berlin: a 1 March start is not "before".
    late_evening = datetime(2024, 2, 29, 23, 30, tzinfo=UTC)
    assert (
        outcome(
            "not_started_before_receipt",
            ctx_received_at=late_evening,
            planned_start=date(2024, 3, 1),
        )
        is Outcome.NEEDS_REVIEW
    )
    assert (
        outcome(
            "not_started_before_receipt",
            ctx_received_at=late_evening,
            planned_start=date(2024, 2, 29),
        )
        is Outcome.FAIL
    )


@pytest.mark.parametrize(
    ("objectives", "expected"),
    [
        (("a",), Outcome.PASS),
        (("a", "b", "c", "d", "e"), Outcome.PASS),
        ((), Outcome.FAIL),
        (("a", "z"), Outcome.FAIL),
    ],
)
def test_funding_objectives(objectives: tuple[str, ...], expected: Outcome) -> None:
    assert outcome("funding_objective_chosen", objectives=objectives) is expected


def test_objectives_are_named_by_their_label() -> None:
    found = result("funding_objective_chosen", objectives=("c",))
    assert found.message.de == (
        "Förderziele: c) Cross-sektorale Vernetzung von Menschen, Projekten und Organisationen."
    )
    assert "Cross-sectoral networking of people" in found.message.en


@pytest.mark.parametrize(
    ("line", "expected"),
    [("stationary", Outcome.PASS), ("mobile", Outcome.PASS), ("airborne", Outcome.FAIL)],
)
def test_funding_line(line: str, expected: Outcome) -> None:
    assert outcome("funding_line_offered", funding_line=line) is expected


def test_a_line_the_call_does_not_offer_is_named_in_quotation_marks() -> None:
    call = lifd().call("2024-1")
    assert call is not None
    found = result(
        "funding_line_offered", funding_line="mobile", ctx_call=replace(call, lines=("stationary",))
    )
    assert found.outcome is Outcome.FAIL
    assert found.message.de == (
        "Der Förderaufruf „1. Förderaufruf LIfD“ umfasst die Förderlinie „Mobiler LIfD“ nicht."
    )
    assert found.message.en == (
        "The call “First LIfD call” does not include the funding line “Mobile innovation space”."
    )


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (date(2025, 6, 30), Outcome.PASS),  # exactly 12 months from 1 July 2024
        (date(2025, 6, 29), Outcome.FAIL),  # one day short
        (date(2027, 6, 30), Outcome.PASS),  # exactly 36 months
        (date(2027, 7, 1), Outcome.FAIL),  # one day more
        (date(2024, 6, 30), Outcome.FAIL),  # ends before it starts
    ],
)
def test_duration_bounds(end: date, expected: Outcome) -> None:
    assert (
        outcome("duration_within_bounds", planned_start=date(2024, 7, 1), planned_end=end)
        is expected
    )


def test_the_planned_duration_is_the_durchfuehrungszeitraum_and_an_assumption() -> None:
    found = result("duration_within_bounds", planned_end=date(2027, 7, 1))
    assert found.message.de == "Durchführungszeitraum länger als 36 Monate."
    assert found.assumption
    assert lifd().rule("duration_within_bounds").title.de == "Durchführungszeitraum"
    assert "Bewilligungszeitraum" not in found.message.de


def test_duration_from_the_31st() -> None:
    # 31 Jan + 12 months ends on 30 Jan of the next year.
    assert (
        outcome(
            "duration_within_bounds", planned_start=date(2024, 1, 31), planned_end=date(2025, 1, 30)
        )
        is Outcome.PASS
    )
    assert (
        outcome(
            "duration_within_bounds", planned_start=date(2024, 1, 31), planned_end=date(2025, 1, 29)
        )
        is Outcome.FAIL
    )


@pytest.mark.parametrize(
    ("end", "expected"), [(date(2027, 12, 31), Outcome.PASS), (date(2028, 1, 1), Outcome.FAIL)]
)
def test_end_within_call(end: date, expected: Outcome) -> None:
    assert outcome("end_within_call", planned_start=date(2025, 3, 1), planned_end=end) is expected


def test_cost_plan_rules() -> None:
    assert outcome("cost_plan_valid", cost_lines=()) is Outcome.FAIL
    negative = (CostLine("equipment", "Gutschrift", D("-1.00")),)
    assert outcome("cost_plan_valid", cost_lines=negative) is Outcome.FAIL
    assert outcome("cost_plan_valid") is Outcome.PASS


def test_ineligible_categories_are_excluded_with_their_reason() -> None:
    lines = (*proposal().cost_lines, CostLine("construction", "Umbau", D("20000.00")))
    verdict = check(proposal(cost_lines=lines, own_funds=D("60000.00")), lifd(), context())
    result = next(r for r in verdict.results if r.rule_id == "ineligible_costs_excluded")
    assert result.outcome is Outcome.PASS
    assert result.facts["excluded_categories"] == ["construction"]
    assert "Bauausgaben" in result.message.de
    # The label, not the internal code, in both languages; zuwendungsfähig, not förderfähig.
    assert result.message.de.startswith(
        "Nicht zuwendungsfähig und ausgenommen: Bau- und Umbaumaßnahmen (20.000,00 EUR)"
    )
    assert "construction" not in result.message.de
    assert result.message.en.startswith("Not eligible, excluded: Building and conversion work")
    assert verdict.funding.fundable_grant == D("110000.00")  # unchanged by the excluded line
    assert verdict.eligible


@pytest.mark.parametrize(
    ("own", "third", "expected"),
    [
        (D("40000.00"), D("0"), Outcome.PASS),
        (D("30000.00"), D("10000.00"), Outcome.PASS),
        (D("39999.99"), D("0"), Outcome.FAIL),
        (D("40000.01"), D("0"), Outcome.FAIL),
    ],
)
def test_financing_plan_balances_to_the_cent(
    own: Decimal, third: Decimal, expected: Outcome
) -> None:
    assert outcome("financing_balanced", own_funds=own, third_party_funds=third) is expected


@pytest.mark.parametrize(
    ("requested", "expected"),
    [(D("110000.00"), Outcome.PASS), (D("110001.00"), Outcome.FAIL), (D("50000.00"), Outcome.PASS)],
)
def test_requested_grant_within_fundable(requested: Decimal, expected: Outcome) -> None:
    assert (
        outcome(
            "grant_within_fundable", requested_grant=requested, own_funds=D("150000.00") - requested
        )
        is expected
    )


def test_exactly_the_cap() -> None:
    # 500,000 equipment × 80 % = 400,000 = the stationary cap exactly.
    lines = (CostLine("equipment", "Ausstattung", D("500000.00")),)
    at_cap = check(
        proposal(cost_lines=lines, requested_grant=D("400000.00"), own_funds=D("100000.00")),
        lifd(),
        context(),
    )
    assert at_cap.funding.fundable_grant == D("400000.00")
    assert not at_cap.funding.cap_applied
    assert at_cap.eligible
    above = (CostLine("equipment", "Ausstattung", D("500001.25")),)
    capped = check(
        proposal(cost_lines=above, requested_grant=D("400000.00"), own_funds=D("100001.25")),
        lifd(),
        context(),
    )
    assert capped.funding.cap_applied
    assert capped.funding.fundable_grant == D("400000.00")
    assert capped.eligible


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (D("2500.01"), Outcome.PASS),
        (D("2500.00"), Outcome.FAIL),  # "mehr als 2 500 Euro": exactly 2,500 is not enough
        (D("100.00"), Outcome.FAIL),
        (D("25000.00"), Outcome.PASS),
    ],
)
def test_minimum_grant_is_more_than_2500(requested: Decimal, expected: Outcome) -> None:
    assert outcome("minimum_grant", requested_grant=requested) is expected


def test_the_minimum_is_compared_with_the_grant_that_could_be_awarded() -> None:
    # 3,000 requested, but 3,000 equipment × 80 % = 2,400 fundable: 2,400 is not > 2,500.
    lines = (CostLine("equipment", "Drucker", D("3000.00")),)
    found = result(
        "minimum_grant", cost_lines=lines, requested_grant=D("3000.00"), own_funds=D("0.00")
    )
    assert found.outcome is Outcome.FAIL
    assert found.facts["grant"] == "2400.00"
    assert found.message.de == (
        "Die Zuwendung muss mehr als 2.500,00 EUR betragen (Bagatellgrenze); "
        "möglich wären 2.400,00 EUR."
    )
    assert "minimum grant" in found.message.en
    assert "de minimis" not in found.message.en


def test_the_minimum_grant_is_the_guidelines_value() -> None:
    assert lifd().minimum_grant == D("2500.00")
    stricter = replace(lifd(), minimum_grant=D("200000.00"), content_hash="x" * 64)
    verdict = check(proposal(), stricter, context())
    found = next(r for r in verdict.results if r.rule_id == "minimum_grant")
    assert found.outcome is Outcome.FAIL
    assert "200.000,00 EUR" in found.message.de


def _de_minimis(
    prior: tuple[PriorAid, ...], requested: Decimal = HUNDRED_THOUSAND, **changes: object
) -> RuleResult:
    changes.setdefault("part_of_single_undertaking", False)
    changes.setdefault("applicant_type", "company")
    return result(
        "de_minimis",
        prior_de_minimis=prior,
        requested_grant=requested,
        own_funds=D("150000.00") - requested,
        **changes,
    )


def test_de_minimis_exactly_at_the_ceiling_passes_one_cent_more_needs_review() -> None:
    assert _de_minimis((PriorAid(date(2023, 1, 10), D("200000.00")),)).outcome is Outcome.PASS
    above = _de_minimis((PriorAid(date(2023, 1, 10), D("200000.01")),))
    assert above.outcome is Outcome.NEEDS_REVIEW  # never a hard fail on its own


def test_exceeding_the_ceiling_names_the_most_that_could_be_de_minimis() -> None:
    found = _de_minimis((PriorAid(date(2023, 1, 10), D("250000.00")),))
    assert found.outcome is Outcome.NEEDS_REVIEW
    assert found.facts["max_de_minimis_grant"] == "50000.00"
    assert "höchstens 50.000,00 EUR" in found.message.de
    assert "insgesamt nicht als De-minimis-Beihilfe" in found.message.de
    assert "At most EUR 50,000.00 could be granted as de minimis aid" in found.message.en


def test_the_most_possible_is_never_below_zero() -> None:
    found = _de_minimis((PriorAid(date(2023, 1, 10), D("310000.00")),))
    assert found.outcome is Outcome.NEEDS_REVIEW
    assert found.facts["max_de_minimis_grant"] == "0.00"
    assert "höchstens 0,00 EUR" in found.message.de


def test_de_minimis_counts_only_the_rolling_three_years() -> None:
    # Checked 1 March 2024 (Berlin): aid granted after 1 March 2021 counts.
    assert _de_minimis((PriorAid(date(2021, 3, 1), D("250000.00")),)).outcome is Outcome.PASS
    assert (
        _de_minimis((PriorAid(date(2021, 3, 2), D("250000.00")),)).outcome is Outcome.NEEDS_REVIEW
    )


def test_the_pre_check_says_it_uses_the_day_of_the_check() -> None:
    found = _de_minimis(())
    assert found.facts["reference_date"] == "2024-03-01"
    assert found.facts["reference_date_is_grant_date"] is False
    assert "vorläufig bis zum Tag dieser Prüfung (01.03.2024)" in found.message.de
    assert "maßgeblich ist der Tag der Bewilligung (Art. 3 Abs. 3 VO (EU) 2023/2831)" in (
        found.message.de
    )
    assert "day of this check" in found.message.en


def test_the_window_is_judged_at_the_grant_date_once_known() -> None:
    # Decided 1 Sept 2024: aid of 2 March 2021 no longer counts, aid of 2 Sept 2021 does.
    decided = date(2024, 9, 1)
    old = (PriorAid(date(2021, 3, 2), D("250000.00")),)
    recent = (PriorAid(date(2021, 9, 2), D("250000.00")),)
    assert _de_minimis(old, ctx_grant_on=decided).outcome is Outcome.PASS
    found = _de_minimis(recent, ctx_grant_on=decided)
    assert found.outcome is Outcome.NEEDS_REVIEW
    assert found.facts["reference_date_is_grant_date"] is True
    assert "bis zum Tag der Bewilligung (01.09.2024" in found.message.de


def test_de_minimis_applies_only_to_economic_activity() -> None:
    big = (PriorAid(date(2023, 1, 1), D("299000.00")),)
    assert (
        outcome("de_minimis", applicant_type="natural_person", prior_de_minimis=big)
        is Outcome.NOT_APPLICABLE
    )
    assert (
        outcome(
            "de_minimis", applicant_type="nonprofit", economic_activity=False, prior_de_minimis=big
        )
        is Outcome.NOT_APPLICABLE
    )
    assert (
        outcome(
            "de_minimis",
            applicant_type="nonprofit",
            economic_activity=True,
            prior_de_minimis=big,
            part_of_single_undertaking=False,
        )
        is Outcome.NEEDS_REVIEW
    )
    assert (
        outcome("de_minimis", applicant_type="nonprofit", economic_activity=None)
        is Outcome.NEEDS_REVIEW
    )


def test_no_economic_activity_means_no_state_aid() -> None:
    found = result("de_minimis", applicant_type="nonprofit", economic_activity=False)
    assert found.message.de == (
        "Keine wirtschaftliche Tätigkeit angegeben: keine Beihilfe im Sinne des Art. 107 Abs. 1 "
        "AEUV; De-minimis-Prüfung entfällt."
    )
    assert "Art. 107(1) TFEU" in found.message.en


def test_a_municipality_declares_its_economic_activity() -> None:
    # A municipal co-working space that rents desks is economic: not assumed "no".
    big = (PriorAid(date(2023, 1, 1), D("299000.00")),)
    common = {"applicant_type": "municipality", "prior_de_minimis": big}
    assert outcome("de_minimis", economic_activity=None, **common) is Outcome.NEEDS_REVIEW
    assert (
        outcome("de_minimis", economic_activity=True, part_of_single_undertaking=False, **common)
        is Outcome.NEEDS_REVIEW  # 299,000 + 110,000 > 300,000
    )
    assert outcome("de_minimis", economic_activity=False, **common) is Outcome.NOT_APPLICABLE


@pytest.mark.parametrize("applicant_type", ["company", "partnership", "freelancer"])
def test_an_economic_type_cannot_answer_its_way_out(applicant_type: str) -> None:
    big = (PriorAid(date(2023, 1, 1), D("250000.00")),)
    found = _de_minimis(big, applicant_type=applicant_type, economic_activity=False)
    assert found.outcome is Outcome.NEEDS_REVIEW
    assert found.facts["economic_activity_declaration_overridden"] is True
    assert found.message.de.startswith("Diese Antragstellerart ist stets wirtschaftlich tätig")


def test_the_single_undertaking_must_be_declared() -> None:
    unanswered = _de_minimis((), part_of_single_undertaking=None)
    assert unanswered.outcome is Outcome.NEEDS_REVIEW
    assert "einziges Unternehmen" in unanswered.message.de
    assert "Art. 2 Abs. 2" in unanswered.message.de
    unnamed = _de_minimis((), part_of_single_undertaking=True)
    assert unnamed.outcome is Outcome.NEEDS_REVIEW
    assert "benennen" in unnamed.message.de
    named = _de_minimis(
        (PriorAid(date(2023, 5, 1), D("20000.00")),),
        part_of_single_undertaking=True,
        linked_undertakings=("Muster Holding GmbH",),
    )
    assert named.outcome is Outcome.PASS
    assert "des einzigen Unternehmens (mit Muster Holding GmbH) 20.000,00 EUR" in (named.message.de)
    assert named.facts["linked_undertakings"] == ["Muster Holding GmbH"]


def test_the_de_minimis_amount_is_the_grant_not_more_than_fundable() -> None:
    # 120,000 requested but 110,000 fundable: 190,000 prior + 110,000 = 300,000, at the ceiling.
    found = _de_minimis((PriorAid(date(2023, 1, 10), D("190000.00")),), requested=D("120000.00"))
    assert found.facts["grant"] == "110000.00"
    assert found.outcome is Outcome.PASS


# ---- input VAT (Vorsteuer)


def _vat(**changes: object) -> tuple[RuleResult, Decimal, Decimal]:
    """The vat rule's result, the eligible costs and the fundable grant."""
    verdict = check(proposal(**changes), lifd(), context())
    found = next(r for r in verdict.results if r.rule_id == "vat_deduction")
    return found, verdict.funding.eligible_costs, verdict.funding.fundable_grant


def test_without_deduction_vat_is_an_eligible_cost() -> None:
    found, eligible, fundable = _vat(vat_deduction=VatDeduction.NONE)
    assert found.outcome is Outcome.PASS
    assert (eligible, fundable) == (D("150000.00"), D("110000.00"))
    assert "Teil der zuwendungsfähigen Ausgaben" in found.message.de


def test_the_vat_declaration_is_asked_for() -> None:
    found, _, _ = _vat(vat_deduction=None)
    assert found.outcome is Outcome.NEEDS_REVIEW
    assert "Vorsteuerabzug" in found.message.de


def test_full_deduction_with_net_amounts_passes_unchanged() -> None:
    found, eligible, _ = _vat(vat_deduction=VatDeduction.FULL, cost_amounts=CostAmounts.NET)
    assert found.outcome is Outcome.PASS
    assert eligible == D("150000.00")


def test_full_deduction_with_gross_amounts_takes_the_vat_out_and_needs_review() -> None:
    # 100,000 gross equipment holds 15,966.39 VAT (100,000 × 0.19 / 1.19, half up), 50,000
    # staff costs 7,983.19: eligible 84,033.61 + 42,016.81.
    found, eligible, fundable = _vat(
        vat_deduction=VatDeduction.FULL, cost_amounts=CostAmounts.GROSS
    )
    assert found.outcome is Outcome.NEEDS_REVIEW
    assert found.facts["recoverable_vat_excluded"] == "23949.58"
    assert eligible == D("126050.42")
    # 84,033.61 × 0.8 + 42,016.81 × 0.6 = 67,226.888 + 25,210.086 = 92,436.974 → 92,436
    assert fundable == D("92436.00")
    assert "23.949,58 EUR" in found.message.de
    assert "Nettobeträgen" in found.message.de
    assert "19 % Umsatzsteuer, Annahme" in found.message.de


def test_partial_deduction_takes_out_the_recoverable_share_of_gross_amounts() -> None:
    # 40 % of the VAT is recoverable: 15,966.386… × 0.4 = 6,386.55; 7,983.193… × 0.4 = 3,193.28.
    found, eligible, fundable = _vat(
        vat_deduction=VatDeduction.PARTIAL,
        vat_deductible_share=D("0.40"),
        cost_amounts=CostAmounts.GROSS,
    )
    assert found.outcome is Outcome.PASS
    assert found.facts["recoverable_vat_excluded"] == "9579.83"
    assert eligible == D("140420.17")
    assert "40 % der Vorsteuer" in found.message.de
    assert "9.579,83 EUR" in found.message.de
    # 93,613.45 × 0.8 + 46,806.72 × 0.6 = 74,890.76 + 28,084.032 = 102,974.792 → 102,974
    assert fundable == D("102974.00")


def test_partial_deduction_needs_the_share_and_the_amounts_basis() -> None:
    no_share, eligible, _ = _vat(vat_deduction=VatDeduction.PARTIAL, cost_amounts=CostAmounts.GROSS)
    assert no_share.outcome is Outcome.NEEDS_REVIEW
    assert eligible == D("150000.00")  # nothing taken out on a guess
    no_basis, _, _ = _vat(vat_deduction=VatDeduction.PARTIAL, vat_deductible_share=D("0.4"))
    assert no_basis.outcome is Outcome.NEEDS_REVIEW
    assert "brutto oder netto" in no_basis.message.de
    net, eligible, _ = _vat(
        vat_deduction=VatDeduction.PARTIAL,
        vat_deductible_share=D("0.4"),
        cost_amounts=CostAmounts.NET,
    )
    assert net.outcome is Outcome.PASS
    assert eligible == D("150000.00")


def test_needs_review_does_not_make_a_proposal_ineligible() -> None:
    verdict = check(proposal(economic_activity=None, vat_deduction=None), lifd(), context())
    assert verdict.eligible
    assert [r.rule_id for r in verdict.needs_review] == [
        "not_started_before_receipt",
        "vat_deduction",
        "de_minimis",
    ]


def test_demo_call_is_open_in_late_2026() -> None:
    demo = lifd().call("demo")
    assert demo is not None
    received = datetime(2026, 11, 25, 12, tzinfo=UTC)
    verdict = check(
        proposal(planned_start=date(2027, 1, 1), planned_end=date(2028, 12, 31)),
        lifd(),
        context(call=demo, received_at=received),
    )
    assert verdict.eligible, [(r.rule_id, r.message.en) for r in verdict.failures]


def test_received_at_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        check(proposal(), lifd(), context(received_at=RECEIVED.replace(tzinfo=None)))
