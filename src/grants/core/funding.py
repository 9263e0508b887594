"""Funding arithmetic of an Anteilfinanzierung (share financing), pure and Decimal-exact.

grant per category = eligible costs × the category's rate (FRL LIfD: up to 80 % equipment,
60 % staff and material costs); total capped by the funding line's maximum; rounded down to
full euros once, on the total (the guideline data flags that rounding as an assumption). The
applicant may request less than the fundable amount.

Recoverable input VAT (Vorsteuer) is not zuwendungsfähig. Where the cost plan is gross and
the applicant deducts input VAT, the recoverable part of the VAT contained in each category's
eligible costs is taken out: eligible × rate / (1 + rate) × recoverable share, rounded half
up to the cent, once per category (the one inexact step: a division by 1.19 does not end).
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple

from grants.core.guideline import CostCategory, Guideline, RuralBonus, Text
from grants.core.money import CENT, ZERO, floor_to_euro

ONE = Decimal(1)

_UNKNOWN_CATEGORY = Text(
    de="Unbekannte Kostenkategorie: nicht zuwendungsfähig.",
    en="Unknown cost category: not eligible.",
)


class VatDeduction(StrEnum):
    """Whether the applicant may deduct input VAT (Vorsteuerabzugsberechtigung)."""

    FULL = "full"
    PARTIAL = "partial"  # e.g. a municipality with mixed use: a share is deductible
    NONE = "none"


class CostAmounts(StrEnum):
    """Whether the cost plan's amounts include VAT."""

    GROSS = "gross"
    NET = "net"


def recoverable_vat_share(
    deduction: VatDeduction | None, share: Decimal | None, amounts: CostAmounts | None
) -> Decimal:
    """The part of the VAT contained in the declared amounts that the applicant recovers as
    input VAT, so is not zuwendungsfähig: 0 for net amounts (no VAT in them) and for an
    applicant without deduction (the VAT is a real cost); all of it for full deduction; the
    declared share for partial deduction. Unknown answers exclude nothing (the vat rule
    asks for them)."""
    if amounts is not CostAmounts.GROSS:
        return ZERO
    if deduction is VatDeduction.FULL:
        return ONE
    if deduction is VatDeduction.PARTIAL and share is not None:
        return share
    return ZERO


def recoverable_vat(eligible: Decimal, vat_rate: Decimal, share: Decimal) -> Decimal:
    """The recoverable input VAT in a gross amount, rounded half up to the cent."""
    if share <= 0 or eligible <= 0:
        return ZERO
    return (eligible * vat_rate * share / (ONE + vat_rate)).quantize(CENT, rounding=ROUND_HALF_UP)


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
    recoverable_vat: Decimal = ZERO  # input VAT taken out of the eligible costs


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
    recoverable_vat: Decimal = ZERO  # sum over the categories, not zuwendungsfähig
    recoverable_vat_share: Decimal = ZERO  # of the VAT in the amounts (see recoverable_vat_share)
    vat_rate: Decimal = ZERO  # the rate used to find the VAT in gross amounts
    rounding: str = "down_to_full_euro"  # the guideline's rounding of the fundable grant
    rounding_assumption: bool = True  # no source prescribes that rounding


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
    vat_share: Decimal = ZERO,
) -> FundingComputation:
    """``vat_share``: the recoverable part of the VAT in the amounts (``recoverable_vat_share``)."""
    declared: dict[str, Decimal] = {}
    for cost in cost_lines:
        declared[cost.category] = declared.get(cost.category, ZERO) + cost.amount

    categories = []
    total_costs = eligible_costs = uncapped = vat_total = ZERO
    bonus = guideline.rural_bonus
    vat_rate = guideline.vat.rate
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
        vat = recoverable_vat(eligible, vat_rate, vat_share) if vat_share else ZERO
        eligible -= vat
        vat_total += vat
        if bonus.enabled:
            rate = category_rate(spec, bonus, rural=rural)
        else:
            rate = spec.max_rate if spec.eligible else ZERO
        grant = eligible * rate  # exact; rounding happens once, on the total
        eligible_costs += eligible
        uncapped += grant
        reason = None if spec.eligible else spec.reason
        categories.append(
            CategoryFunding(code, spec.label, amount, eligible, rate, grant, reason, vat)
        )

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
        recoverable_vat=vat_total,
        recoverable_vat_share=vat_share,
        vat_rate=vat_rate,
        rounding=guideline.rounding.mode,
        rounding_assumption=guideline.rounding.assumption,
    )
