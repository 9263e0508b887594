"""The final grant after the proof of use: worked examples (the arithmetic in each docstring)
and properties (Hypothesis). ANBest-P Nr. 1.2 (the plan binds in its total, +20 % per
category where offset) and Nr. 2.1 (share financing: the grant falls in proportion)."""

from decimal import ROUND_FLOOR, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.errors import InvalidInput
from grants.core.final_grant import (
    ActualCategory,
    ApprovedCategory,
    ApprovedPlan,
    FinalGrant,
    ProofOfUse,
    Recognition,
    compute_final_grant,
    overpayment,
)

D = Decimal


def plan(
    *categories: tuple[str, str, str],
    maximum: str,
    own: str = "0",
    third: str = "0",
) -> ApprovedPlan:
    return ApprovedPlan(
        categories=tuple(
            ApprovedCategory(code, D(cost), D(rate)) for code, cost, rate in categories
        ),
        maximum_grant=D(maximum),
        own_funds=D(own),
        third_party_funds=D(third),
    )


def proof(*categories: tuple[str, str], third: str = "0") -> ProofOfUse:
    return ProofOfUse(
        categories=tuple(ActualCategory(code, D(cost)) for code, cost in categories),
        third_party_funds=D(third),
    )


def line(result: FinalGrant, code: str) -> tuple[Decimal, Decimal, Recognition]:
    found = next(item for item in result.lines if item.code == code)
    return found.recognised, found.not_recognised, found.reason


# Two categories of 100,000 each at 50 %: approved total 200,000, grant 100,000 = maximum.
TWO_HALVES = plan(
    ("equipment", "100000.00", "0.5"),
    ("personnel", "100000.00", "0.5"),
    maximum="100000.00",
    own="100000.00",
)


@pytest.mark.parametrize(
    ("equipment", "personnel", "expected_equipment", "expected_personnel", "final"),
    [
        pytest.param(
            "115000.00",
            "85000.00",
            ("115000.00", "0", Recognition.OFFSET),
            ("85000.00", "0", Recognition.WITHIN_PLAN),
            "100000.00",
            id="+15% offset by savings: recognised in full",
        ),
        pytest.param(
            "125000.00",
            "75000.00",
            ("120000.00", "5000.00", Recognition.ABOVE_LIMIT),
            ("75000.00", "0", Recognition.WITHIN_PLAN),
            "97500.00",
            id="+25%: only +20% recognised",
        ),
        pytest.param(
            "115000.00",
            "100000.00",
            ("100000.00", "15000.00", Recognition.NOT_OFFSET),
            ("100000.00", "0", Recognition.WITHIN_PLAN),
            "100000.00",
            id="+15% without savings: not beyond the approved total",
        ),
        pytest.param(
            "115000.00",
            "95000.00",
            ("105000.00", "10000.00", Recognition.NOT_OFFSET),
            ("95000.00", "0", Recognition.WITHIN_PLAN),
            "100000.00",
            id="+15% partly offset: as far as the savings go",
        ),
        pytest.param(
            "125000.00",
            "100000.00",
            ("100000.00", "25000.00", Recognition.ABOVE_LIMIT_NOT_OFFSET),
            ("100000.00", "0", Recognition.WITHIN_PLAN),
            "100000.00",
            id="+25% without savings: both cuts",
        ),
        pytest.param(
            "90000.00",
            "80000.00",
            ("90000.00", "0", Recognition.WITHIN_PLAN),
            ("80000.00", "0", Recognition.WITHIN_PLAN),
            "85000.00",
            id="costs fall: the grant falls in proportion",
        ),
    ],
)
def test_recognition_under_anbest_p_1_2(
    equipment: str,
    personnel: str,
    expected_equipment: tuple[str, str, Recognition],
    expected_personnel: tuple[str, str, Recognition],
    final: str,
) -> None:
    """Approved 100,000 + 100,000 at 50 %, maximum 100,000.

    * 115,000 / 85,000: +15 % ≤ +20 %, offset by 15,000 saved → all recognised; 0.5 × 200,000
      = 100,000.
    * 125,000 / 75,000: limit 120,000, so 5,000 above it are cut; Σ 195,000 ≤ 200,000, so the
      remaining +20 % is offset → 0.5 × 195,000 = 97,500.
    * 115,000 / 100,000: Σ 215,000 exceeds 200,000 by 15,000, all of it equipment's excess →
      equipment recognised at 100,000.
    * 115,000 / 95,000: 5,000 saved offset 5,000 of the 15,000 excess → 105,000.
    * 125,000 / 100,000: 5,000 above the limit, then 20,000 not offset → 100,000.
    * 90,000 / 80,000: no excess; 0.5 × 170,000 = 85,000 (the fall of the costs is the
      rate step itself, ANBest-P Nr. 2.1 first case).
    """
    result = compute_final_grant(
        TWO_HALVES, proof(("equipment", equipment), ("personnel", personnel))
    )
    for code, (recognised, not_recognised, reason) in (
        ("equipment", expected_equipment),
        ("personnel", expected_personnel),
    ):
        assert line(result, code) == (D(recognised), D(not_recognised), reason)
    assert result.recognised_total <= result.approved_total == D("200000.00")
    assert result.final_amount == D(final)
    assert not result.cap_applied


def test_excesses_are_cut_in_proportion() -> None:
    """A: approved 100,000, actual 110,000 (excess 10,000); B: 50,000 → 55,000 (excess 5,000);
    C: 100,000 → 97,000 (saving 3,000). Overshoot 15,000 − 3,000 = 12,000, cut in proportion
    10 : 5 → A −8,000, B −4,000. Recognised 102,000 + 51,000 + 97,000 = 250,000 = approved."""
    result = compute_final_grant(
        plan(
            ("a", "100000.00", "0.6"),
            ("b", "50000.00", "0.6"),
            ("c", "100000.00", "0.6"),
            maximum="150000.00",
        ),
        proof(("a", "110000.00"), ("b", "55000.00"), ("c", "97000.00")),
    )
    assert [item.recognised for item in result.lines] == [
        D("102000.00"),
        D("51000.00"),
        D("97000.00"),
    ]
    assert [item.not_offset for item in result.lines] == [D("8000.00"), D("4000.00"), D("0")]
    assert result.recognised_total == result.approved_total == D("250000.00")
    assert result.final_amount == D("150000.00")  # 0.6 × 250,000


@pytest.mark.parametrize(
    ("d_actual", "expected_cuts"),
    [
        pytest.param("90.00", ("6.66", "6.67", "6.67"), id="one cent too many: off the first"),
        pytest.param("80.00", ("3.34", "3.33", "3.33"), id="one cent short: onto the first"),
    ],
)
def test_the_remainder_cent_goes_to_the_largest_excess_ties_by_code(
    d_actual: str, expected_cuts: tuple[str, str, str]
) -> None:
    """a, b, c: approved 100.00, actual 110.00 each (excess 10.00); d: approved 100.00.

    * d spends 90.00: overshoot 30.00 − 10.00 = 20.00; 20/3 = 6.666… → 6.67 each = 20.01;
      the surplus cent comes off the largest excess, tied, so off "a" by code → 6.66.
    * d spends 80.00: overshoot 10.00; 3.333… → 3.33 each = 9.99; the missing cent is put
      on "a" → 3.34.
    Either way Σ recognised = 400.00 = approved."""
    result = compute_final_grant(
        plan(*((code, "100.00", "0.5") for code in "abcd"), maximum="200.00"),
        proof(("a", "110.00"), ("b", "110.00"), ("c", "110.00"), ("d", d_actual)),
    )
    assert tuple(item.not_offset for item in result.lines[:3]) == tuple(map(D, expected_cuts))
    assert result.recognised_total == D("400.00")


def test_the_remainder_prefers_the_largest_excess_over_the_code() -> None:
    """a: 100 → 110 (excess 10), b: 100 → 120 (excess 20), c: 100 → 110 (excess 10), d: 100 →
    60.06 (saving 39.94). Overshoot 40.00 − 39.94 = 0.06: 0.015 → 0.02, 0.03, 0.015 → 0.02 =
    0.07; the surplus cent comes off b, the largest excess → cuts 0.02, 0.02, 0.02."""
    result = compute_final_grant(
        plan(*((code, "100.00", "0.5") for code in "abcd"), maximum="200.00"),
        proof(("a", "110.00"), ("b", "120.00"), ("c", "110.00"), ("d", "60.06")),
    )
    assert [item.not_offset for item in result.lines[:3]] == [D("0.02")] * 3
    assert result.recognised_total == D("400.00")


def test_third_party_funds_up_by_10000_with_a_50_percent_share() -> None:
    """Maximum 100,000, own funds 60,000, third-party 40,000: total financing 200,000, grant
    share 50 %. Actual third-party funds 50,000, 10,000 more: grant −10,000 × 0.5 = −5,000
    → 95,000."""
    result = compute_final_grant(
        plan(
            ("equipment", "200000.00", "0.5"), maximum="100000.00", own="60000.00", third="40000.00"
        ),
        proof(("equipment", "200000.00"), third="50000.00"),
    )
    assert result.grant_share == D("0.5")
    assert result.third_party_extra == D("10000.00")
    assert result.third_party_reduction == D("5000.00")
    assert result.final_amount == D("95000.00")
    assert overpayment(result.final_amount, D("100000.00")) == D("5000.00")


def test_fewer_third_party_funds_never_raise_the_grant() -> None:
    """Planned 40,000, actual 30,000: no extra funds, no reduction, no increase either (the
    own funds fill the gap) → 100,000."""
    result = compute_final_grant(
        plan(
            ("equipment", "200000.00", "0.5"), maximum="100000.00", own="60000.00", third="40000.00"
        ),
        proof(("equipment", "200000.00"), third="30000.00"),
    )
    assert (result.third_party_extra, result.third_party_reduction) == (D("0"), D("0.00"))
    assert result.final_amount == D("100000.00")


def test_the_reduction_is_rounded_half_up_to_the_cent_and_the_total_down_to_the_euro() -> None:
    """Grant 100,000 of a financing of 300,000 (share ⅓); 1,000 new third-party funds:
    1,000 × 100,000 / 300,000 = 333.333… → 333.33; 100,000 − 333.33 = 99,666.67 → 99,666."""
    result = compute_final_grant(
        plan(
            ("equipment", "200000.00", "0.5"),
            maximum="100000.00",
            own="100000.00",
            third="100000.00",
        ),
        proof(("equipment", "200000.00"), third="101000.00"),
    )
    assert result.third_party_reduction == D("333.33")
    assert result.reduced_grant == D("99666.67")
    assert (result.final_amount, result.rounding_difference) == (D("99666.00"), D("0.67"))


def test_the_reduction_also_applies_when_the_cap_binds() -> None:
    """Equipment 600,000 at 80 % = 480,000, capped at 400,000; own funds 200,000: share
    400,000 / 600,000 = ⅔. 30,000 new third-party funds: −20,000 → 380,000. Reducing the
    uncapped 480,000 first would leave min(460,000, 400,000) = 400,000: no reduction at all."""
    result = compute_final_grant(
        plan(("equipment", "600000.00", "0.8"), maximum="400000.00", own="200000.00"),
        proof(("equipment", "600000.00"), third="30000.00"),
    )
    assert result.cap_applied
    assert result.capped_grant == D("400000.00")
    assert result.third_party_reduction == D("20000.00")
    assert result.final_amount == D("380000.00")


def test_shifting_costs_to_a_higher_rate_is_capped_at_the_maximum() -> None:
    """Equipment 100,000 at 80 % + personnel 100,000 at 60 % = 140,000 = maximum. Actual
    120,000 / 80,000: +20 % offset, all recognised, but 96,000 + 48,000 = 144,000 → capped
    at 140,000."""
    result = compute_final_grant(
        plan(
            ("equipment", "100000.00", "0.8"),
            ("personnel", "100000.00", "0.6"),
            maximum="140000.00",
            own="60000.00",
        ),
        proof(("equipment", "120000.00"), ("personnel", "80000.00")),
    )
    assert line(result, "equipment") == (D("120000.00"), D("0"), Recognition.OFFSET)
    assert result.category_grant == D("144000.00")
    assert result.cap_applied
    assert result.final_amount == D("140000.00")


def test_never_below_zero() -> None:
    """Grant 5,000 of 10,000 (share 50 %); 20,000 new third-party funds: −10,000 > 5,000
    → 0, flagged."""
    result = compute_final_grant(
        plan(("equipment", "10000.00", "0.5"), maximum="5000.00", own="5000.00"),
        proof(("equipment", "10000.00"), third="20000.00"),
    )
    assert (result.final_amount, result.floored_at_zero) == (D("0.00"), True)


def test_rounding_down_to_full_euros_once() -> None:
    """33,333.33 × 0.8 = 26,666.664 → 26,666.00 (maximum 30,000 not reached)."""
    result = compute_final_grant(
        plan(("equipment", "33333.33", "0.8"), maximum="30000.00", own="6666.67"),
        proof(("equipment", "33333.33")),
    )
    assert result.category_grant == D("26666.6640")
    assert (result.final_amount, result.rounding_difference) == (D("26666.00"), D("0.6640"))


def test_categories_outside_the_plan_and_missing_ones() -> None:
    """Travel was not approved: its 1,000 are not recognised. Personnel spent nothing: a
    saving of 50,000, which offsets nothing here. 0.5 × 100,000 = 50,000."""
    result = compute_final_grant(
        plan(
            ("equipment", "100000.00", "0.5"), ("personnel", "50000.00", "0.5"), maximum="75000.00"
        ),
        proof(("travel", "1000.00"), ("equipment", "100000.00")),
    )
    assert [item.code for item in result.lines] == ["equipment", "personnel", "travel"]
    assert line(result, "travel") == (D("0"), D("1000.00"), Recognition.NOT_IN_PLAN)
    assert line(result, "personnel") == (D("0"), D("0"), Recognition.WITHIN_PLAN)
    assert result.final_amount == D("50000.00")


@pytest.mark.parametrize(
    ("final", "paid", "expected"),
    [("95000.00", "100000.00", "5000.00"), ("95000.00", "90000.00", "0"), ("1.00", "1.00", "0")],
)
def test_overpayment(final: str, paid: str, expected: str) -> None:
    """Paid 100,000, final 95,000 → 5,000 to reclaim; paid less than final → nothing."""
    assert overpayment(D(final), D(paid)) == D(expected)


def test_malformed_figures_are_all_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        compute_final_grant(
            plan(("a", "-1.00", "1.5"), ("a", "1.001", "0.5"), maximum="10.00"),
            proof(("a", "1.00"), third="-5"),
        )
    found = {(problem.field, problem.rule) for problem in caught.value.problems}
    assert found == {
        ("plan.categories.0.eligible_cost", "not_negative"),
        ("plan.categories.0.rate", "rate_range"),
        ("plan.categories.1.code", "unique"),
        ("plan.categories.1.eligible_cost", "whole_cents"),
        ("actual.third_party_funds", "not_negative"),
    }


# ---- properties

CODES = ["equipment", "personnel", "material", "travel"]
cents = st.integers(min_value=0, max_value=1_000_000_00).map(lambda c: D(c).scaleb(-2))
rates = st.integers(min_value=0, max_value=100).map(lambda p: D(p).scaleb(-2))
plans = st.builds(
    ApprovedPlan,
    categories=st.lists(st.sampled_from(CODES[:3]), unique=True, max_size=3).flatmap(
        lambda codes: st.tuples(
            *(st.builds(ApprovedCategory, st.just(c), cents, rates) for c in codes)
        )
    ),
    maximum_grant=cents,
    own_funds=cents,
    third_party_funds=cents,
)
proofs = st.builds(
    ProofOfUse,
    categories=st.lists(st.sampled_from(CODES), unique=True, max_size=4).flatmap(
        lambda codes: st.tuples(*(st.builds(ActualCategory, st.just(c), cents) for c in codes))
    ),
    third_party_funds=cents,
)


@given(plans, proofs)
def test_final_grant_is_whole_euros_between_zero_and_the_maximum(
    approved: ApprovedPlan, actual: ProofOfUse
) -> None:
    result = compute_final_grant(approved, actual)
    assert D(0) <= result.final_amount <= approved.maximum_grant
    assert result.final_amount == result.final_amount.to_integral_value()
    assert result.final_amount <= result.capped_grant


@given(plans, proofs)
def test_recognition_bounds(approved: ApprovedPlan, actual: ProofOfUse) -> None:
    """Σ recognised never above the approved total, and equal to it exactly when the
    capped-at-+20 % costs exceed it; each category between min(actual, approved) and
    min(actual, 120 % approved), in whole cents."""
    result = compute_final_grant(approved, actual)
    assert result.recognised_total <= result.approved_total
    capped_costs = sum((min(item.actual, item.limit) for item in result.lines), D(0))
    assert result.recognised_total == min(capped_costs, result.approved_total)
    for item in result.lines:
        assert min(item.actual, item.approved) <= item.recognised <= min(item.actual, item.limit)
        assert item.limit <= item.approved * D("1.2")
        assert item.recognised == item.recognised.quantize(D("0.01"), rounding=ROUND_FLOOR)
        assert item.not_recognised == item.above_limit + item.not_offset >= 0
        assert item.grant == item.recognised * item.rate


@given(plans, proofs, cents)
def test_more_third_party_funds_never_raise_the_grant(
    approved: ApprovedPlan, actual: ProofOfUse, more: Decimal
) -> None:
    before = compute_final_grant(approved, actual).final_amount
    richer = ProofOfUse(actual.categories, actual.third_party_funds + more)
    assert compute_final_grant(approved, richer).final_amount <= before
