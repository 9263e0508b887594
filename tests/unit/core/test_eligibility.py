"""Table-driven: every rule passes and fails at its boundaries, citing its section."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from grants.core.eligibility import RULES, Outcome, PriorAid, check
from grants.core.funding import CostLine
from tests.unit.core.guideline_fixtures import RECEIVED, context, lifd, proposal

D = Decimal
HUNDRED_THOUSAND = D("100000.00")


def outcome(rule_id: str, **changes: object) -> Outcome:
    ctx_changes = {k[4:]: v for k, v in changes.items() if k.startswith("ctx_")}
    prop_changes = {k: v for k, v in changes.items() if not k.startswith("ctx_")}
    verdict = check(proposal(**prop_changes), lifd(), context(**ctx_changes))
    return next(r.outcome for r in verdict.results if r.rule_id == rule_id)


def test_the_base_proposal_is_eligible_and_every_rule_cites_a_section() -> None:
    verdict = check(proposal(), lifd(), context())
    assert verdict.eligible, [(r.rule_id, r.message.en) for r in verdict.failures]
    assert [r.rule_id for r in verdict.results] == list(RULES)
    for result in verdict.results:
        assert result.section, result.rule_id
        assert result.message.de and result.message.en
    assert verdict.guideline_hash == lifd().content_hash
    assert verdict.funding.fundable_grant == D("110000.00")


@pytest.mark.parametrize(
    ("applicant_type", "expected"),
    [
        ("municipality", Outcome.PASS),
        ("public_body", Outcome.PASS),
        ("nonprofit", Outcome.PASS),
        ("company", Outcome.PASS),
        ("partnership", Outcome.PASS),
        ("freelancer", Outcome.PASS),
        ("natural_person", Outcome.FAIL),
        ("pirate_ship", Outcome.FAIL),
    ],
)
def test_applicant_types(applicant_type: str, expected: Outcome) -> None:
    assert outcome("applicant_type_eligible", applicant_type=applicant_type) is expected


def test_municipalities_get_anbest_k_others_anbest_p() -> None:
    verdict = check(proposal(applicant_type="municipality"), lifd(), context())
    result = next(r for r in verdict.results if r.rule_id == "applicant_type_eligible")
    assert result.facts["conditions"] == "ANBest-K"
    assert "ANBest-K" in result.message.de


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("14612000", Outcome.PASS),
        ("14000000", Outcome.PASS),
        ("09162000", Outcome.FAIL),
        ("1461200", Outcome.FAIL),
        ("15003000", Outcome.FAIL),
    ],
)
def test_location_in_saxony(key: str, expected: Outcome) -> None:
    assert outcome("location_in_saxony", municipality_key=key) is expected


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
        (date(2024, 3, 1), False, Outcome.PASS),  # the receipt day itself
        (date(2024, 2, 29), False, Outcome.FAIL),
        (date(2024, 2, 29), True, Outcome.PASS),
    ],
)
def test_not_started_before_receipt(start: date, consent: bool, expected: Outcome) -> None:
    result = outcome(
        "not_started_before_receipt",
        planned_start=start,
        planned_end=date(2025, 12, 31),
        early_start_consented=consent,
    )
    assert result is expected


def test_receipt_day_is_the_berlin_day() -> None:
    # 23:30 UTC on 29 Feb is already 1 March in Berlin: a 1 March start is not "before".
    late_evening = datetime(2024, 2, 29, 23, 30, tzinfo=UTC)
    assert (
        outcome(
            "not_started_before_receipt",
            ctx_received_at=late_evening,
            planned_start=date(2024, 3, 1),
        )
        is Outcome.PASS
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


@pytest.mark.parametrize(
    ("line", "expected"),
    [("stationary", Outcome.PASS), ("mobile", Outcome.PASS), ("airborne", Outcome.FAIL)],
)
def test_funding_line(line: str, expected: Outcome) -> None:
    assert outcome("funding_line_offered", funding_line=line) is expected


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
    ("requested", "expected"), [(D("25000.00"), Outcome.PASS), (D("24999.99"), Outcome.FAIL)]
)
def test_minimum_grant(requested: Decimal, expected: Outcome) -> None:
    assert outcome("minimum_grant", requested_grant=requested) is expected


def _de_minimis(
    prior: tuple[PriorAid, ...], requested: Decimal = HUNDRED_THOUSAND, **changes: object
) -> Outcome:
    return outcome(
        "de_minimis",
        applicant_type="company",
        prior_de_minimis=prior,
        requested_grant=requested,
        own_funds=D("150000.00") - requested,
        **changes,
    )


def test_de_minimis_exactly_at_the_ceiling_passes_one_cent_more_fails() -> None:
    assert _de_minimis((PriorAid(date(2023, 1, 10), D("200000.00")),)) is Outcome.PASS
    assert _de_minimis((PriorAid(date(2023, 1, 10), D("200000.01")),)) is Outcome.FAIL


def test_de_minimis_counts_only_the_rolling_three_years() -> None:
    # Received 1 March 2024 (Berlin): aid granted after 1 March 2021 counts.
    assert _de_minimis((PriorAid(date(2021, 3, 1), D("250000.00")),)) is Outcome.PASS
    assert _de_minimis((PriorAid(date(2021, 3, 2), D("250000.00")),)) is Outcome.FAIL


def test_de_minimis_applies_only_to_economic_activity() -> None:
    big = (PriorAid(date(2023, 1, 1), D("299000.00")),)
    assert (
        outcome("de_minimis", applicant_type="municipality", prior_de_minimis=big)
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
            "de_minimis", applicant_type="nonprofit", economic_activity=True, prior_de_minimis=big
        )
        is Outcome.FAIL
    )
    assert (
        outcome("de_minimis", applicant_type="nonprofit", economic_activity=None)
        is Outcome.NEEDS_REVIEW
    )


def test_needs_review_does_not_make_a_proposal_ineligible() -> None:
    verdict = check(proposal(economic_activity=None), lifd(), context())
    assert verdict.eligible
    assert [r.rule_id for r in verdict.needs_review] == ["de_minimis"]


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
