"""Interest on grant money under § 49a VwVfG: on an amount to be refunded (Abs. 3) and on
funds paid out but not used soon enough (Abs. 4), both at 5 percentage points above the base
rate (*Basiszinssatz*, § 247 BGB) a year.

How it is computed, and why:

* **Segments.** The base rate changes on 1 January and 1 July (§ 247 Abs. 1 S. 2 BGB), so
  the time is cut at every change day; a segment also ends where the principal changes (a
  repayment) and after the table's ``known_until`` day (the rest is an assumption, flagged).
* **Day count act/365 fixed.** Each segment bears principal × annual rate × days / 365, in
  leap years too (a whole leap year then bears 366/365 of the annual rate). The statute
  says "jährlich" and names no convention; act/365 is the product decision the issue asked
  for, so a letter that shows the computation must name it.
* **Days.** ``from_day`` counts, ``until_day`` does not: the day the decision became
  ineffective bears interest, the day of repayment does not.
* **Exact, rounded once.** 1/365 has no finite decimal expansion (365 = 5 · 73), so each
  segment's amount is kept as an exact ``Fraction``; the total is the exact sum, rounded
  half up to cents once. Rounding each segment would let the parts drift a cent from the
  whole. Money going in and coming out is ``Decimal``, never float.
* **Negative base rates.** The base rate was negative for years (−0.88 % in 2020); a
  segment's rate is then below 5 %. It is not clamped: § 247 BGB makes the negative rate
  the base, and the statute adds 5 points to it. (Only a base rate below −5 % would give a
  negative rate.)
"""

import itertools
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from grants.core.deadlines import add_months
from grants.core.money import CENT, MoneyError, parse_amount

ONE_DAY = timedelta(days=1)
DAYS_PER_YEAR = 365  # act/365 fixed, see the module docstring
MARGIN_POINTS = Decimal(5)  # § 49a Abs. 3 S. 1 VwVfG: 5 percentage points above the base rate


class InterestError(ValueError):
    """Interest cannot be computed from these inputs; the message says why."""


def _check_day(value: object, name: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InterestError(f"{name} must be a calendar day (datetime.date)")
    return value


def _check_rate(value: object, name: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InterestError(f"{name} must be a finite Decimal (never a float), got {value!r}")
    return value


def _check_amount(value: object, name: str) -> Decimal:
    """A positive euro amount in whole cents, as :func:`grants.core.money.parse_amount`
    reads one, but only as a ``Decimal``: an int or str here is a caller's slip."""
    if not isinstance(value, Decimal):
        raise InterestError(f"{name} must be a Decimal, got {type(value).__name__}")
    try:
        amount = parse_amount(value)
    except MoneyError as error:
        raise InterestError(f"{name}: {error}") from None
    if amount <= 0:
        raise InterestError(f"{name} must be more than 0.00 EUR, got {amount}")
    return amount


def round_half_up_to_cent(exact: Fraction) -> Decimal:
    """Commercial rounding to the cent: a half cent goes up (away from zero), as § 49a
    interest is stated; not the banker's half-to-even of ``Decimal``'s default."""
    cents = math.floor(abs(exact) * 100 + Fraction(1, 2))
    return (Decimal(cents) * CENT * (-1 if exact < 0 else 1)).quantize(CENT)


# --- The base rate ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BaseRate:
    """The base rate in percent (1.27 for 1.27 %) from ``valid_from`` until the next entry."""

    valid_from: date
    rate_percent: Decimal

    def __post_init__(self) -> None:
        _check_day(self.valid_from, "valid_from")
        _check_rate(self.rate_percent, "rate_percent")


@dataclass(frozen=True, slots=True)
class BaseRateTable:
    """The published base rates, ascending by ``valid_from``, and ``known_until``: the last
    day whose rate is actually published. After it the last rate is *assumed* to go on (the
    Bundesbank publishes each half-year's rate only at its start), and every interest segment
    after it says so."""

    rates: tuple[BaseRate, ...]
    known_until: date

    def __post_init__(self) -> None:
        if not isinstance(self.rates, tuple) or not self.rates:
            raise InterestError("a base-rate table needs a non-empty tuple of BaseRate")
        if not all(isinstance(rate, BaseRate) for rate in self.rates):
            raise InterestError("every entry of a base-rate table must be a BaseRate")
        for earlier, later in itertools.pairwise(self.rates):
            if later.valid_from <= earlier.valid_from:
                raise InterestError(
                    "base rates must have ascending, unique valid_from dates: "
                    f"{later.valid_from.isoformat()} follows {earlier.valid_from.isoformat()}"
                )
        _check_day(self.known_until, "known_until")
        if self.known_until < self.rates[-1].valid_from:
            raise InterestError(
                f"known_until ({self.known_until.isoformat()}) is before the last entry "
                f"({self.rates[-1].valid_from.isoformat()})"
            )

    @property
    def starts_on(self) -> date:
        return self.rates[0].valid_from

    def rate_on(self, day: date) -> Decimal:
        """The base rate in force on ``day``; after the last entry, the last rate (see
        :meth:`is_assumed`). A day before the first entry has no rate here: an error."""
        day = _check_day(day, "day")
        index = bisect_right(self.rates, day, key=lambda rate: rate.valid_from)
        if index == 0:
            raise InterestError(
                f"no base rate is known for {day.isoformat()}: the table starts on "
                f"{self.starts_on.isoformat()}"
            )
        return self.rates[index - 1].rate_percent

    def is_assumed(self, day: date) -> bool:
        """Whether the rate for ``day`` is an assumption (after ``known_until``)."""
        return _check_day(day, "day") > self.known_until

    def changes_between(self, start: date, end: date) -> tuple[date, ...]:
        """The days strictly between ``start`` and ``end`` on which the rate changes."""
        return tuple(r.valid_from for r in self.rates if start < r.valid_from < end)


# --- Segments and results -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InterestSegment:
    """A stretch of days with one principal and one rate: ``from_day`` inclusive,
    ``until_day`` exclusive. ``exact`` is the interest in euros, unrounded."""

    from_day: date
    until_day: date
    principal: Decimal
    base_rate: Decimal  # percent
    annual_rate: Decimal  # percent: base rate + margin
    exact: Fraction
    assumed: bool  # the base rate of these days is not yet published

    @property
    def days(self) -> int:
        return (self.until_day - self.from_day).days

    @property
    def amount(self) -> Decimal:
        """This segment's interest to the cent, *for display only*: the total is rounded
        once from the exact sum, so displayed parts can differ from it by a cent."""
        return round_half_up_to_cent(self.exact)


@dataclass(frozen=True, slots=True)
class InterestResult:
    segments: tuple[InterestSegment, ...]
    margin_points: Decimal
    exact_total: Fraction
    total: Decimal  # exact_total rounded half up to cents, once

    @property
    def any_assumed(self) -> bool:
        """Whether any part rests on an assumed base rate (after the table's known_until):
        a letter must then say so, or wait for the rate to be published."""
        return any(segment.assumed for segment in self.segments)

    @property
    def days(self) -> int:
        return sum(segment.days for segment in self.segments)


def _segment_interest(principal: Decimal, annual_rate: Decimal, days: int) -> Fraction:
    return Fraction(principal) * Fraction(annual_rate) / 100 * days / DAYS_PER_YEAR


def _compute(
    principal: Decimal,
    *,
    from_day: date,
    until_day: date,
    repayments: Iterable[tuple[date, Decimal]],
    table: BaseRateTable,
    margin_points: Decimal,
) -> InterestResult:
    """The interest from ``from_day`` (inclusive) to ``until_day`` (exclusive) on a
    principal reduced by each repayment from its day on. Inputs are already checked."""
    by_day: dict[date, Decimal] = {}
    for day, amount in repayments:
        by_day[day] = by_day.get(day, Decimal(0)) + amount
    cuts = {from_day, until_day}
    cuts.update(table.changes_between(from_day, until_day))
    cuts.update(day for day in by_day if from_day < day < until_day)
    first_assumed = table.known_until + ONE_DAY
    if from_day < first_assumed < until_day:
        cuts.add(first_assumed)
    days = sorted(cuts)
    outstanding = principal - by_day.get(from_day, Decimal(0))
    segments = []
    for start, end in itertools.pairwise(days):
        if start != from_day:
            outstanding -= by_day.get(start, Decimal(0))
        if start == end or outstanding == 0:
            continue
        base = table.rate_on(start)
        annual = base + margin_points
        segments.append(
            InterestSegment(
                from_day=start,
                until_day=end,
                principal=outstanding,
                base_rate=base,
                annual_rate=annual,
                exact=_segment_interest(outstanding, annual, (end - start).days),
                assumed=table.is_assumed(start),
            )
        )
    exact_total = sum((segment.exact for segment in segments), Fraction(0))
    return InterestResult(
        tuple(segments), margin_points, exact_total, round_half_up_to_cent(exact_total)
    )


def _check_period(from_day: date, until_day: date, table: BaseRateTable) -> None:
    _check_day(from_day, "from_day")
    _check_day(until_day, "until_day")
    if not isinstance(table, BaseRateTable):
        raise InterestError("table must be a BaseRateTable")
    if until_day < from_day:
        raise InterestError(
            f"until_day ({until_day.isoformat()}) is before from_day ({from_day.isoformat()})"
        )
    # Zero days need no rate, so a day before the table is only an error with interest due.
    if from_day < until_day and from_day < table.starts_on:
        raise InterestError(
            f"no base rate is known for {from_day.isoformat()}: the table starts on "
            f"{table.starts_on.isoformat()}"
        )


def reclaim_interest(
    principal: Decimal,
    *,
    from_day: date,
    until_day: date,
    table: BaseRateTable,
    margin_points: Decimal = MARGIN_POINTS,
) -> InterestResult:
    """Interest on an amount to be refunded (§ 49a Abs. 3 S. 1 VwVfG): ``margin_points``
    (5) above the base rate a year, from the day the decision became ineffective
    (``from_day``, inclusive; for a retroactive revocation the day it names) to the day of
    repayment (``until_day``, exclusive). Zero days bear zero interest.

    Waiving the interest (§ 49a Abs. 3 S. 2) is a person's discretionary decision, made
    outside this function; ``margin_points`` is configurable for other statutes only.
    """
    return reclaim_interest_with_repayments(
        principal,
        from_day=from_day,
        repayments=(),
        until_day=until_day,
        table=table,
        margin_points=margin_points,
    )


def reclaim_interest_with_repayments(
    principal: Decimal,
    *,
    from_day: date,
    repayments: Sequence[tuple[date, Decimal]],
    until_day: date,
    table: BaseRateTable,
    margin_points: Decimal = MARGIN_POINTS,
) -> InterestResult:
    """As :func:`reclaim_interest`, for a refund paid in instalments: interest runs on the
    amount still outstanding (§ 49a Abs. 3 S. 1: "für die Zeit" it is owed), and each
    repayment reduces it from its own day on (that day no longer bears interest on it).

    ``repayments`` are (day, amount) in any order, each day within [from_day, until_day],
    together at most the principal; once all is repaid, no more interest accrues.

    Reading to check: each ``amount`` is the part of a payment *credited to the principal*.
    Whether a partial payment is first credited to the interest already accrued (§ 367
    Abs. 1 BGB by analogy, as for civil debts) is not settled in our sources; if it is, the
    caller passes only the part left after the interest.
    """
    amount = _check_amount(principal, "principal")
    _check_period(from_day, until_day, table)
    margin = _check_rate(margin_points, "margin_points")
    if margin < 0:
        raise InterestError(f"margin_points must not be negative, got {margin}")
    checked = []
    for index, item in enumerate(repayments):
        if not isinstance(item, tuple) or len(item) != 2:
            raise InterestError(f"repayments[{index}] must be a (date, Decimal) pair")
        day = _check_day(item[0], f"repayments[{index}] day")
        paid = _check_amount(item[1], f"repayments[{index}] amount")
        if not from_day <= day <= until_day:
            raise InterestError(
                f"repayments[{index}] on {day.isoformat()} lies outside "
                f"{from_day.isoformat()}..{until_day.isoformat()}; a repayment before "
                "interest starts reduces the principal itself"
            )
        checked.append((day, paid))
    repaid = sum((paid for _, paid in checked), Decimal(0))
    if repaid > amount:
        raise InterestError(f"repayments ({repaid}) exceed the principal ({amount})")
    return _compute(
        amount,
        from_day=from_day,
        until_day=until_day,
        repayments=checked,
        table=table,
        margin_points=margin,
    )


# --- Funds not used in time (§ 49a Abs. 4 VwVfG) -----------------------------------------


@dataclass(frozen=True, slots=True)
class AllowedPeriod:
    """How long paid funds may wait for their use: ``months`` and then ``days`` after the
    day of payment (the payment day itself not counted, § 187 Abs. 1 BGB)."""

    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        for name, value in (("months", self.months), ("days", self.days)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InterestError(f"{name} must be a non-negative int, got {value!r}")

    def last_day(self, paid_on: date) -> date:
        """The last day funds paid on ``paid_on`` count as used "alsbald"."""
        return add_months(paid_on, self.months) + timedelta(days=self.days)


# ANBest-P Nr. 1.4: funds may be called only for payments due within two months; Saxony's
# wording was not read (DOMAIN §3.8, an assumption: keep it configurable).
TWO_MONTHS = AllowedPeriod(months=2)
# Federal project practice: six weeks (DOMAIN §3.8).
SIX_WEEKS = AllowedPeriod(days=42)


def unused_funds_interest(
    amount: Decimal,
    *,
    paid_on: date,
    used_on: date,
    table: BaseRateTable,
    allowed: AllowedPeriod,
    from_payment: bool = False,
    margin_points: Decimal = MARGIN_POINTS,
) -> InterestResult:
    """Interest on ``amount`` paid on ``paid_on`` but used for the purpose only on
    ``used_on`` (§ 49a Abs. 4 S. 1 VwVfG, the rate of Abs. 3 S. 1). Funds used within the
    ``allowed`` period (``TWO_MONTHS``, an assumption for Saxony) were used "alsbald": zero.

    Otherwise, by default, interest runs from the day after the allowed period ends to
    ``used_on`` (exclusive): only the time beyond what the rules allow is charged.
    Reading to check: the statute charges "für die Zeit bis zur zweckentsprechenden
    Verwendung", and the federal ANBest-P wording (not verified for Saxony) charges the time
    *from the payment*; ``from_payment=True`` computes that: from the day after payment
    (§ 187 Abs. 1 BGB) to ``used_on``, once the allowed period was exceeded.
    """
    value = _check_amount(amount, "amount")
    paid_on = _check_day(paid_on, "paid_on")
    used_on = _check_day(used_on, "used_on")
    if not isinstance(allowed, AllowedPeriod):
        raise InterestError("allowed must be an AllowedPeriod (e.g. TWO_MONTHS)")
    if used_on < paid_on:
        raise InterestError(
            f"used_on ({used_on.isoformat()}) is before paid_on ({paid_on.isoformat()})"
        )
    last_allowed = allowed.last_day(paid_on)
    if used_on <= last_allowed:
        start = used_on  # used in time: an empty period, zero interest
    else:
        start = paid_on + ONE_DAY if from_payment else last_allowed + ONE_DAY
    return reclaim_interest(
        value,
        from_day=min(start, used_on),
        until_day=used_on,
        table=table,
        margin_points=margin_points,
    )


# --- Matching uses to payments (§ 49a Abs. 4 over a whole award) -------------------------


@dataclass(frozen=True, slots=True)
class UsePiece:
    """The part of one payment spent on one day (``used_on``), or, with ``used_on`` None,
    the part of it no proof shows spent (that is for the reclaim, § 49a Abs. 1 and 3, not
    for this interest). ``interest`` is that of :func:`unused_funds_interest`."""

    paid_on: date
    used_on: date | None
    amount: Decimal
    interest: InterestResult | None

    @property
    def late(self) -> bool:
        return self.interest is not None and self.interest.days > 0


@dataclass(frozen=True, slots=True)
class UnusedFundsResult:
    pieces: tuple[UsePiece, ...]
    exact_total: Fraction
    total: Decimal  # rounded half up to cents once, from the exact sum of all pieces
    never_used: Decimal  # paid and not shown spent: for the reclaim

    @property
    def any_assumed(self) -> bool:
        return any(p.interest is not None and p.interest.any_assumed for p in self.pieces)


def _checked_flows(items: Sequence[tuple[date, Decimal]], name: str) -> list[list[Any]]:
    checked: list[list[Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, tuple) or len(item) != 2:
            raise InterestError(f"{name}[{index}] must be a (date, Decimal) pair")
        day = _check_day(item[0], f"{name}[{index}] day")
        checked.append([day, _check_amount(item[1], f"{name}[{index}] amount")])
    # Stable: equal days keep the caller's order, so the result never depends on a sort tie.
    return sorted(checked, key=lambda flow: flow[0])


def unused_funds_interest_over(
    payments: Sequence[tuple[date, Decimal]],
    uses: Sequence[tuple[date, Decimal]],
    *,
    table: BaseRateTable,
    allowed: AllowedPeriod,
    from_payment: bool = False,
    margin_points: Decimal = MARGIN_POINTS,
) -> UnusedFundsResult:
    """§ 49a Abs. 4 VwVfG over an award: which money paid on which day was spent when, and
    the interest on what was spent later than ``allowed`` after its payment.

    ``payments`` are the grant money paid out, (day, amount); ``uses`` the grant's part of
    what was spent for the purpose, (day, amount) — for a receipt under share financing its
    amount times the grant's rate. Money is matched first in, first out: a use spends the
    earliest money paid and not yet spent. A use before any payment still open was
    pre-financed by the recipient; it spends the next payment on that payment's own day
    (zero interest: the money was needed at once). Uses beyond all payments were financed
    otherwise and are ignored; payments beyond all uses are ``never_used``.

    The pieces' interests are exact and summed exactly; the total is rounded once.
    """
    if not isinstance(allowed, AllowedPeriod):
        raise InterestError("allowed must be an AllowedPeriod (e.g. TWO_MONTHS)")
    open_payments = _checked_flows(payments, "payments")
    pending_uses = _checked_flows(uses, "uses")
    pieces: list[UsePiece] = []
    p = u = 0
    while p < len(open_payments) and u < len(pending_uses):
        paid_on, paid_left = open_payments[p]
        use_day, use_left = pending_uses[u]
        amount = min(paid_left, use_left)
        used_on = max(use_day, paid_on)
        interest = unused_funds_interest(
            amount,
            paid_on=paid_on,
            used_on=used_on,
            table=table,
            allowed=allowed,
            from_payment=from_payment,
            margin_points=margin_points,
        )
        pieces.append(UsePiece(paid_on, used_on, amount, interest))
        open_payments[p][1] -= amount
        pending_uses[u][1] -= amount
        if open_payments[p][1] == 0:
            p += 1
        if pending_uses[u][1] == 0:
            u += 1
    never_used = Decimal(0).quantize(CENT)
    for paid_on, left in open_payments[p:]:
        if left > 0:
            pieces.append(UsePiece(paid_on, None, left, None))
            never_used += left
    exact_total = sum(
        (piece.interest.exact_total for piece in pieces if piece.interest is not None),
        Fraction(0),
    )
    return UnusedFundsResult(
        tuple(pieces), exact_total, round_half_up_to_cent(exact_total), never_used
    )
