"""Property-based tests of the funding arithmetic (Hypothesis) plus worked examples."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.funding import (
    CostAmounts,
    CostLine,
    VatDeduction,
    compute_funding,
    recoverable_vat,
    recoverable_vat_share,
)
from grants.core.guideline import RuralBonus
from tests.unit.core.guideline_fixtures import lifd

D = Decimal
CATEGORIES = [c.code for c in lifd().cost_categories]

cents = st.integers(min_value=0, max_value=5_000_000_00).map(lambda c: D(c).scaleb(-2))
cost_lines = st.lists(
    st.builds(CostLine, st.sampled_from(CATEGORIES), st.just("Position"), cents), max_size=25
)
lines = st.sampled_from(["stationary", "mobile"])


@given(cost_lines, lines)
def test_grant_is_never_negative_nor_above_the_cap_or_any_rate(
    costs: list[CostLine], line: str
) -> None:
    result = compute_funding(costs, lifd(), line)
    assert D(0) <= result.fundable_grant <= result.cap
    assert result.fundable_grant <= result.uncapped_grant
    for category in result.categories:
        spec = lifd().cost_category(category.category)
        assert spec is not None
        assert category.grant <= category.eligible_costs * spec.max_rate
        assert category.grant >= 0


@given(cost_lines, lines)
def test_everything_is_decimal_and_the_fundable_grant_is_whole_euros(
    costs: list[CostLine], line: str
) -> None:
    result = compute_funding(costs, lifd(), line)
    for value in (
        result.total_costs,
        result.eligible_costs,
        result.uncapped_grant,
        result.fundable_grant,
        result.own_contribution,
    ):
        assert isinstance(value, Decimal)
    assert result.fundable_grant == result.fundable_grant.to_integral_value()
    assert D(0) <= result.rounding_difference < 1


@given(cost_lines, lines, st.sampled_from(CATEGORIES), cents)
def test_monotone_in_eligible_costs(
    costs: list[CostLine], line: str, category: str, extra: Decimal
) -> None:
    before = compute_funding(costs, lifd(), line).fundable_grant
    after = compute_funding(
        [*costs, CostLine(category, "mehr", extra)], lifd(), line
    ).fundable_grant
    assert after >= before


@given(cost_lines, lines, cents, cents)
def test_financing_always_balances(
    costs: list[CostLine], line: str, requested: Decimal, third: Decimal
) -> None:
    result = compute_funding(
        costs, lifd(), line, requested_grant=requested, third_party_funds=third
    )
    assert result.grant + result.own_contribution + result.third_party_funds == result.total_costs
    assert result.grant <= result.fundable_grant
    assert result.grant <= requested


def test_worked_example_with_rounding() -> None:
    # 33,333.33 × 0.8 = 26,666.664 and 12,345.67 × 0.6 = 7,407.402 → 34,074.066 → 34,074.00
    result = compute_funding(
        [CostLine("equipment", "x", D("33333.33")), CostLine("personnel", "y", D("12345.67"))],
        lifd(),
        "stationary",
    )
    assert result.uncapped_grant == D("34074.0660")
    assert result.fundable_grant == D("34074.00")
    assert result.rounding_difference == D("0.0660")
    assert not result.cap_applied


def test_mobile_cap_is_three_million() -> None:
    result = compute_funding([CostLine("equipment", "Fahrzeug", D("5000000.00"))], lifd(), "mobile")
    assert (result.fundable_grant, result.cap_applied) == (D("3000000.00"), True)


def test_rural_bonus_when_enabled() -> None:
    bonus = RuralBonus(
        enabled=True,
        percentage_points=D("10"),
        max_rate=D("0.70"),
        categories=frozenset({"personnel"}),
    )
    guideline = replace(lifd(), rural_bonus=bonus)
    costs = [
        CostLine("personnel", "Stelle", D("100000.00")),
        CostLine("equipment", "Geräte", D("100000.00")),
    ]
    rural = compute_funding(costs, guideline, "stationary", rural=True)
    urban = compute_funding(costs, guideline, "stationary", rural=False)
    assert rural.fundable_grant == D("150000.00")  # 70 % + 80 %
    assert urban.fundable_grant == D("140000.00")  # 60 % + 80 %
    # Off by default in the shipped guideline.
    assert compute_funding(costs, lifd(), "stationary", rural=True).fundable_grant == D("140000.00")


def test_unknown_categories_are_excluded_not_crashing() -> None:
    result = compute_funding([CostLine("yachts", "Boot", D("1000.00"))], lifd(), "stationary")
    assert result.fundable_grant == 0
    assert result.categories[0].excluded_reason is not None


# ---- recoverable input VAT (Vorsteuer)


def test_recoverable_vat_is_rounded_half_up_to_the_cent_once_per_category() -> None:
    # 3.57 gross holds 0.57 VAT; half of it, 0.285, is 0.29 (half up, not half to even).
    assert recoverable_vat(D("3.57"), D("0.19"), D("0.5")) == D("0.29")
    assert recoverable_vat(D("119.00"), D("0.19"), D("1")) == D("19.00")
    assert recoverable_vat(D("100.00"), D("0.19"), D("1")) == D("15.97")  # 15.966…
    assert recoverable_vat(D("100.00"), D("0.19"), D("0")) == D("0.00")
    assert recoverable_vat(D("0"), D("0.19"), D("1")) == D("0.00")


@pytest.mark.parametrize(
    ("deduction", "share", "amounts", "expected"),
    [
        (VatDeduction.FULL, None, CostAmounts.GROSS, D("1")),
        (VatDeduction.FULL, None, CostAmounts.NET, D("0")),
        (VatDeduction.PARTIAL, D("0.3"), CostAmounts.GROSS, D("0.3")),
        (VatDeduction.PARTIAL, D("0.3"), CostAmounts.NET, D("0")),
        (VatDeduction.PARTIAL, None, CostAmounts.GROSS, D("0")),  # unknown: nothing guessed
        (VatDeduction.NONE, None, CostAmounts.GROSS, D("0")),  # VAT is a real cost then
        (None, None, CostAmounts.GROSS, D("0")),
        (VatDeduction.FULL, None, None, D("0")),
    ],
)
def test_which_share_of_the_vat_is_recoverable(
    deduction: VatDeduction | None,
    share: Decimal | None,
    amounts: CostAmounts | None,
    expected: Decimal,
) -> None:
    assert recoverable_vat_share(deduction, share, amounts) == expected


def test_the_vat_is_taken_out_of_eligible_categories_only() -> None:
    result = compute_funding(
        [
            CostLine("equipment", "Drucker", D("1190.00")),
            CostLine("construction", "Umbau", D("1190.00")),
        ],
        lifd(),
        "stationary",
        vat_share=D("1"),
    )
    equipment, construction = result.categories
    assert (equipment.recoverable_vat, equipment.eligible_costs) == (D("190.00"), D("1000.00"))
    assert (construction.recoverable_vat, construction.eligible_costs) == (D("0.00"), D("0.00"))
    assert result.recoverable_vat == D("190.00")
    assert result.fundable_grant == D("800.00")
    assert result.total_costs == D("2380.00")  # the plan itself is unchanged
    assert (result.vat_rate, result.recoverable_vat_share) == (D("0.19"), D("1"))


shares = st.integers(min_value=0, max_value=10_000).map(lambda n: D(n).scaleb(-4))


@given(cost_lines, lines, shares)
def test_taking_out_vat_never_raises_the_grant_nor_goes_negative(
    costs: list[CostLine], line: str, share: Decimal
) -> None:
    plain = compute_funding(costs, lifd(), line)
    net = compute_funding(costs, lifd(), line, vat_share=share)
    assert D(0) <= net.eligible_costs <= plain.eligible_costs
    assert net.fundable_grant <= plain.fundable_grant
    assert net.recoverable_vat == sum((c.recoverable_vat for c in net.categories), D(0))
    assert net.eligible_costs + net.recoverable_vat == plain.eligible_costs
    for category in net.categories:
        assert category.recoverable_vat == category.recoverable_vat.quantize(D("0.01"))


def test_the_rounding_is_flagged_as_an_assumption() -> None:
    result = compute_funding([CostLine("equipment", "x", D("10.00"))], lifd(), "stationary")
    assert (result.rounding, result.rounding_assumption) == ("down_to_full_euro", True)
