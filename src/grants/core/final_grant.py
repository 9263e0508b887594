"""The final grant after the proof of use (*Verwendungsnachweis*) under share financing
(*Anteilfinanzierung*), pure and Decimal-exact (DOMAIN.md §3.2, §3.4, §3.10, §3.11, §5.10,
§6 item 10).

The steps, in order; each leaves its figures in ``FinalGrant`` so a letter (the
*Schlussbescheid* or a partial *Widerruf*) can explain every euro:

a. **Recognition of the actual costs** (ANBest-P Nr. 1.2). The financing plan binds in its
   total; a single category may exceed its approved amount by up to 20 % where savings in
   other categories offset it. Per category::

       limit(c)         = 120 % × approved(c), rounded down to the cent (never above 20 %)
       recognised₀(c)   = min(actual(c), limit(c))     beyond +20 %: not recognised
       excess(c)        = max(recognised₀(c) − approved(c), 0)
       overshoot        = max(Σ recognised₀ − Σ approved, 0)

   ``overshoot`` is the part of the excesses that savings elsewhere do not offset. It is
   taken off the excesses **in proportion to their size** — cut(c) = overshoot × excess(c) /
   Σ excess — so that Σ recognised = Σ approved. Proportional, because Nr. 1.2 prefers no
   category: any fixed order (by code, by rate, by size) would decide which costs the
   savings "paid for", and with rates that differ per category (80 % equipment, 60 % staff)
   that order would move the grant. The cents are deterministic: each cut is rounded half
   up to the cent, and the cent(s) the rounding leaves over go to the category with the
   largest excess (ties by category code; should that category lack room, to the next in the
   same order). A cut never exceeds its excess and never turns negative, so a category that
   stayed within its approved amount is always recognised in full, and no category is ever
   recognised below min(actual, approved).

   A category that is not in the approved plan has no approved amount, so nothing in it is
   recognised (``Recognition.NOT_IN_PLAN``).

b. **Grant per category** = recognised(c) × rate(c), exact (``money.apply_rate``). A fall of
   the total eligible costs lowers the grant in proportion (ANBest-P Nr. 2.1, first case)
   by this step alone: the grant is rate × recognised cost, so fewer costs mean less grant
   at the same rate — no separate reduction is needed. (Where the maximum amount binds, a
   fall only bites once rate × costs drops below it: that is what "x % of the eligible
   costs, at most Y EUR" says.)

c. **Cap** at the approved maximum amount (*Höchstbetrag*, "bis zu"), as
   ``funding.compute_funding`` caps the application. It comes before (d): see there.

d. **New or higher third-party funds** (ANBest-P Nr. 2.1, second case). Under share
   financing the grant falls "anteilig" with the other funds of the plan, that is by the
   extra amount × the grant's share of the approved total financing::

       grant share = approved grant / (approved grant + own funds + third-party funds)
       reduction   = max(actual third-party − planned third-party, 0) × grant share

   The approved grant is the Bescheid's maximum amount (the plan is financed with it).
   Worked example: maximum 100,000; own funds 60,000; third-party funds 40,000; total
   financing 200,000, grant share 100,000 / 200,000 = 50 %. The proof of use shows
   50,000 of third-party funds, 10,000 more than planned: the grant falls by
   10,000 × 50 % = 5,000 to 95,000, and the own funds carry 5,000 less (200,000 = 95,000 +
   55,000 own + 50,000 third-party). Lower third-party funds than planned never raise the
   grant: the recipient's own funds fill the gap, and Nr. 2.1 only works downwards. The
   reduction is computed as extra × grant / total (one division, last) and rounded half up
   to the cent, like ``funding.recoverable_vat``: it is shown in the letter.

   The reduction applies to the **capped** grant: Nr. 2.1 reduces "die Zuwendung", and where
   the cap binds the Zuwendung is the maximum. Reducing the uncapped amount and capping
   afterwards would let the cap swallow the reduction, so extra third-party funds would not
   lower the grant at all — only the recipient's own funds — against the "in proportion" of
   Nr. 2.1.

e. **Never below zero**; rounded down to full euros once, on the result, with
   ``money.floor_to_euro`` — the rounding rule the application used (``compute_funding``
   rounds once, after the cap; there is no other rounding entry point). Rounding after (b)
   and again after (d) could cost the recipient a euro twice. Since (c) capped and (d) only
   lowers, the final amount is never above the approved maximum.

``overpayment`` then gives what a partial revocation (§ 49 Abs. 3, § 49a VwVfG; DOMAIN.md
§3.11) must reclaim: what was paid above the final amount.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from grants.core.errors import FieldProblem, InvalidInput
from grants.core.money import CENT, ZERO, apply_rate, floor_to_euro

# ANBest-P Nr. 1.2: a single item may be exceeded by up to 20 % where offset elsewhere.
OVERRUN_LIMIT = Decimal("1.20")
ONE = Decimal(1)


class Recognition(StrEnum):
    """Why a category's actual costs were recognised as they were (for the letter)."""

    WITHIN_PLAN = "within_plan"  # actual ≤ approved: recognised in full
    OFFSET = "offset"  # above approved, within +20 %, fully offset by savings elsewhere
    ABOVE_LIMIT = "above_limit"  # the part beyond +20 % cut; the rest offset
    NOT_OFFSET = "not_offset"  # within +20 %, but savings elsewhere do not (fully) offset it
    ABOVE_LIMIT_NOT_OFFSET = "above_limit_not_offset"  # both of the above
    NOT_IN_PLAN = "not_in_plan"  # no approved amount for this category: nothing recognised


@dataclass(frozen=True, slots=True)
class ApprovedCategory:
    """One cost category of the approved financing plan (the Bescheid's annex)."""

    code: str
    eligible_cost: Decimal
    rate: Decimal  # the approved rate, 0..1 (FRL LIfD: up to 0.8 equipment, 0.6 staff)


@dataclass(frozen=True, slots=True)
class ApprovedPlan:
    """What the Bescheid approved: the categories, the maximum amount ("bis zu"), and the
    other funds of the approved financing plan."""

    categories: tuple[ApprovedCategory, ...]
    maximum_grant: Decimal  # Höchstbetrag; also the approved grant of the financing plan
    own_funds: Decimal
    third_party_funds: Decimal


@dataclass(frozen=True, slots=True)
class ActualCategory:
    """One category of the proof of use, as the manager's check recognised it (eligible
    costs actually incurred; ineligible items already taken out)."""

    code: str
    eligible_cost: Decimal


@dataclass(frozen=True, slots=True)
class ProofOfUse:
    """The checked figures of the *zahlenmäßiger Nachweis*."""

    categories: tuple[ActualCategory, ...]
    third_party_funds: Decimal


@dataclass(frozen=True, slots=True)
class FinalGrantLine:
    code: str
    approved: Decimal
    actual: Decimal
    limit: Decimal  # 120 % of approved, to the cent down (ANBest-P Nr. 1.2)
    recognised: Decimal
    not_recognised: Decimal  # actual − recognised = above_limit + not_offset
    above_limit: Decimal  # the part beyond +20 %
    not_offset: Decimal  # the part within +20 % that savings elsewhere do not offset
    reason: Recognition
    rate: Decimal
    grant: Decimal  # recognised × rate, exact


@dataclass(frozen=True, slots=True)
class FinalGrant:
    lines: tuple[FinalGrantLine, ...]  # plan order, then categories not in the plan by code
    approved_total: Decimal  # Σ approved eligible costs
    actual_total: Decimal  # Σ actual eligible costs
    recognised_total: Decimal  # Σ recognised; never above approved_total
    category_grant: Decimal  # (b) Σ line grants, exact
    maximum_grant: Decimal
    cap_applied: bool  # (c) category_grant > maximum_grant
    capped_grant: Decimal  # (c) min(category_grant, maximum_grant)
    grant_share: Decimal  # (d) maximum / approved total financing (0 when that is 0)
    third_party_planned: Decimal
    third_party_actual: Decimal
    third_party_extra: Decimal  # (d) max(actual − planned, 0)
    third_party_reduction: Decimal  # (d) extra × share, to the cent half up
    floored_at_zero: bool  # (e) the reduction exceeded the capped grant
    reduced_grant: Decimal  # (e) max(capped − reduction, 0), before rounding
    final_amount: Decimal  # (e) reduced_grant rounded down to full euros
    rounding_difference: Decimal  # what the rounding down removed


def compute_final_grant(plan: ApprovedPlan, actual: ProofOfUse) -> FinalGrant:
    """The final grant from the approved plan and the checked proof of use (steps a–e of
    the module docstring). Raises ``InvalidInput`` naming every malformed figure (negative or
    fractional-cent amounts, rates outside 0..1, a category listed twice)."""
    _validate(plan, actual)
    approved = {c.code: c.eligible_cost for c in plan.categories}
    rates = {c.code: c.rate for c in plan.categories}
    spent = {c.code: c.eligible_cost for c in actual.categories}
    codes = [c.code for c in plan.categories] + sorted(set(spent) - set(approved))

    # (a) ANBest-P Nr. 1.2: at most +20 % per category, and the total binds.
    limits = {code: _limit(approved.get(code, ZERO)) for code in codes}
    first = {code: min(spent.get(code, ZERO), limits[code]) for code in codes}
    excess = {code: max(first[code] - approved.get(code, ZERO), ZERO) for code in codes}
    approved_total = sum(approved.values(), ZERO)
    overshoot = max(sum(first.values(), ZERO) - approved_total, ZERO)
    cuts = _proportional_cuts(excess, overshoot)

    lines = []
    for code in codes:
        amount = spent.get(code, ZERO)
        recognised = first[code] - cuts[code]
        above_limit = amount - first[code]
        rate = rates.get(code, ZERO)
        lines.append(
            FinalGrantLine(
                code=code,
                approved=approved.get(code, ZERO),
                actual=amount,
                limit=limits[code],
                recognised=recognised,
                not_recognised=amount - recognised,
                above_limit=above_limit,
                not_offset=cuts[code],
                reason=_reason(
                    code in approved, amount, approved.get(code, ZERO), above_limit, cuts[code]
                ),
                rate=rate,
                grant=apply_rate(recognised, rate),  # (b) exact
            )
        )

    # (b) the grant per category; a fall of the costs already lowers it here.
    category_grant = sum((line.grant for line in lines), ZERO)
    # (c) the maximum amount.
    maximum = plan.maximum_grant
    capped = min(category_grant, maximum)
    # (d) ANBest-P Nr. 2.1: extra third-party funds reduce the grant in proportion.
    financing = maximum + plan.own_funds + plan.third_party_funds
    extra = max(actual.third_party_funds - plan.third_party_funds, ZERO)
    if financing > ZERO:
        share = maximum / financing
        reduction = (extra * maximum / financing).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        share = reduction = ZERO
    # (e) never below zero; rounded down to full euros once.
    reduced = max(capped - reduction, ZERO)
    final = floor_to_euro(reduced)
    return FinalGrant(
        lines=tuple(lines),
        approved_total=approved_total,
        actual_total=sum(spent.values(), ZERO),
        recognised_total=sum((line.recognised for line in lines), ZERO),
        category_grant=category_grant,
        maximum_grant=maximum,
        cap_applied=category_grant > maximum,
        capped_grant=capped,
        grant_share=share,
        third_party_planned=plan.third_party_funds,
        third_party_actual=actual.third_party_funds,
        third_party_extra=extra,
        third_party_reduction=reduction,
        floored_at_zero=reduction > capped,
        reduced_grant=reduced,
        final_amount=final,
        rounding_difference=reduced - final,
    )


def overpayment(final_amount: Decimal, paid: Decimal) -> Decimal:
    """What was paid above the final grant: the amount a partial revocation must reclaim
    (§ 49a Abs. 1 VwVfG; interest on it is a separate matter, § 49a Abs. 3). Zero when the
    payments stayed within the final amount — the rest is paid out, not reclaimed."""
    return max(paid - final_amount, ZERO)


def _limit(approved: Decimal) -> Decimal:
    """+20 % of the approved amount, to the cent down: the limit never exceeds 20 %."""
    return (approved * OVERRUN_LIMIT).quantize(CENT, rounding=ROUND_FLOOR)


def _proportional_cuts(excess: dict[str, Decimal], overshoot: Decimal) -> dict[str, Decimal]:
    """Split ``overshoot`` over the excesses in proportion to their size, to whole cents.

    Each share is rounded half up; the remainder (positive or negative cents) goes to the
    largest excess first, ties by code, within each category's room (a cut stays within
    0..excess). The room always suffices: overshoot ≤ Σ excess, and the rounded cuts are
    ≥ 0, so Σ cuts can be moved to exactly ``overshoot``."""
    cuts = dict.fromkeys(excess, ZERO)
    total = sum(excess.values(), ZERO)
    if overshoot <= ZERO or total <= ZERO:
        return cuts
    for code, amount in excess.items():
        if amount > ZERO:
            cuts[code] = min(
                (overshoot * amount / total).quantize(CENT, rounding=ROUND_HALF_UP), amount
            )
    remainder = overshoot - sum(cuts.values(), ZERO)
    for code in sorted(excess, key=lambda c: (-excess[c], c)):
        if remainder == ZERO:
            break
        if remainder > ZERO:
            moved = min(remainder, excess[code] - cuts[code])
        else:
            moved = max(remainder, -cuts[code])
        cuts[code] += moved
        remainder -= moved
    return cuts


def _reason(
    in_plan: bool, actual: Decimal, approved: Decimal, above_limit: Decimal, not_offset: Decimal
) -> Recognition:
    if not in_plan:
        return Recognition.NOT_IN_PLAN
    if actual <= approved:
        return Recognition.WITHIN_PLAN
    if above_limit > ZERO:
        return Recognition.ABOVE_LIMIT_NOT_OFFSET if not_offset > ZERO else Recognition.ABOVE_LIMIT
    return Recognition.NOT_OFFSET if not_offset > ZERO else Recognition.OFFSET


def _validate(plan: ApprovedPlan, actual: ProofOfUse) -> None:
    problems: list[FieldProblem] = []
    problems += _amount_problems("plan.maximum_grant", plan.maximum_grant)
    problems += _amount_problems("plan.own_funds", plan.own_funds)
    problems += _amount_problems("plan.third_party_funds", plan.third_party_funds)
    problems += _amount_problems("actual.third_party_funds", actual.third_party_funds)
    groups: tuple[tuple[str, Sequence[ApprovedCategory | ActualCategory]], ...] = (
        ("plan", plan.categories),
        ("actual", actual.categories),
    )
    for prefix, items in groups:
        seen: set[str] = set()
        for index, item in enumerate(items):
            field = f"{prefix}.categories.{index}"
            if item.code in seen:
                problems.append(
                    FieldProblem(
                        f"{field}.code",
                        "unique",
                        f"Kostenkategorie doppelt: {item.code} (duplicate cost category).",
                    )
                )
            seen.add(item.code)
            problems += _amount_problems(f"{field}.eligible_cost", item.eligible_cost)
    for index, category in enumerate(plan.categories):
        rate = category.rate
        if not (rate.is_finite() and ZERO <= rate <= ONE):
            problems.append(
                FieldProblem(
                    f"plan.categories.{index}.rate",
                    "rate_range",
                    "Der Fördersatz muss zwischen 0 und 1 liegen (the rate must be between 0 "
                    "and 1).",
                )
            )
    if problems:
        raise InvalidInput(
            "Schlussfestsetzung nicht berechenbar (final grant cannot be computed).",
            problems=tuple(problems),
        )


def _amount_problems(field: str, amount: Decimal) -> Sequence[FieldProblem]:
    if not amount.is_finite() or amount < ZERO:
        return (
            FieldProblem(
                field, "not_negative", "Betrag darf nicht negativ sein (must not be negative)."
            ),
        )
    if amount != amount.quantize(CENT, rounding=ROUND_FLOOR):
        return (
            FieldProblem(
                field,
                "whole_cents",
                "Höchstens zwei Nachkommastellen (at most two decimal places, whole cents).",
            ),
        )
    return ()
