"""Funding arithmetic of an Anteilfinanzierung (share financing), pure and Decimal-exact.

grant per category = eligible costs × the category's rate (FRL LIfD: up to 80 % equipment,
60 % staff and material costs); total capped by the funding line's maximum; rounded down to
full euros once, on the total. The applicant may request less than the fundable amount.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from grants.core.guideline import CostCategory, Guideline, RuralBonus, Text
from grants.core.money import ZERO, floor_to_euro

_UNKNOWN_CATEGORY = Text(
    de="Unbekannte Kostenkategorie: nicht förderfähig.",
    en="Unknown cost category: not eligible.",
)


class CostLine(NamedTuple):  # NamedTuple: proposals carry many, and they are built per request
    category: str
    description: str
    amount: Decimal


class CategoryFunding(NamedTuple):
    category: str
    label: Text | None
    declared_costs: Decimal
    eligible_costs: Decimal
    rate: Decimal
    grant: Decimal  # exact, before cap and rounding
    excluded_reason: Text | None  # set when the category is not eligible


class FundingComputation(NamedTuple):
    categories: tuple[CategoryFunding, ...]
    total_costs: Decimal
    eligible_costs: Decimal
    uncapped_grant: Decimal  # exact sum of the category grants
    cap: Decimal
    cap_applied: bool
    fundable_grant: Decimal  # after cap, rounded down to full euros
    rounding_difference: Decimal  # what the rounding down removed
    requested_grant: Decimal | None
    grant: Decimal  # requested (if within fundable) or fundable
    third_party_funds: Decimal
    own_contribution: Decimal  # total costs − grant − third-party funds


def category_rate(category: CostCategory, bonus: RuralBonus, *, rural: bool) -> Decimal:
    if not category.eligible:
        return ZERO
    rate = category.max_rate
    if bonus.enabled and rural and category.code in bonus.categories:
        boosted = min(rate + bonus.percentage_points / 100, bonus.max_rate)
        rate = max(rate, boosted)
    return rate


def compute_funding(
    cost_lines: Iterable[CostLine],
    guideline: Guideline,
    line_code: str,
    *,
    rural: bool = False,
    requested_grant: Decimal | None = None,
    third_party_funds: Decimal = ZERO,
) -> FundingComputation:
    declared: dict[str, Decimal] = {}
    for cost in cost_lines:
        declared[cost.category] = declared.get(cost.category, ZERO) + cost.amount

    categories = []
    total_costs = eligible_costs = uncapped = ZERO
    bonus = guideline.rural_bonus
    for code, amount in declared.items():
        total_costs += amount
        spec = guideline.cost_category(code)
        if spec is None:
            categories.append(
                CategoryFunding(code, None, amount, ZERO, ZERO, ZERO, _UNKNOWN_CATEGORY)
            )
            continue
        # A negative total (credit notes exceeding costs) never produces a negative grant.
        eligible = amount if spec.eligible and amount > ZERO else ZERO
        if bonus.enabled:
            rate = category_rate(spec, bonus, rural=rural)
        else:
            rate = spec.max_rate if spec.eligible else ZERO
        grant = eligible * rate  # exact; rounding happens once, on the total
        eligible_costs += eligible
        uncapped += grant
        reason = None if spec.eligible else spec.reason
        categories.append(CategoryFunding(code, spec.label, amount, eligible, rate, grant, reason))

    line = guideline.line(line_code)
    cap = line.max_grant if line is not None else ZERO
    capped = min(uncapped, cap)
    fundable = floor_to_euro(capped)
    grant = fundable if requested_grant is None else max(min(requested_grant, fundable), ZERO)
    return FundingComputation(
        categories=tuple(categories),
        total_costs=total_costs,
        eligible_costs=eligible_costs,
        uncapped_grant=uncapped,
        cap=cap,
        cap_applied=uncapped > cap,
        fundable_grant=fundable,
        rounding_difference=capped - fundable,
        requested_grant=requested_grant,
        grant=grant,
        third_party_funds=third_party_funds,
        own_contribution=total_costs - grant - third_party_funds,
    )
