"""Interest under § 49a VwVfG: worked examples computed by hand in the docstrings, and
properties (Hypothesis). The table is written out here, not loaded: core is tested alone."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.interest import (
    SIX_WEEKS,
    TWO_MONTHS,
    AllowedPeriod,
    BaseRate,
    BaseRateTable,
    InterestError,
    reclaim_interest,
    reclaim_interest_with_repayments,
    round_half_up_to_cent,
    unused_funds_interest,
    unused_funds_interest_over,
)

D = Decimal
TABLE = BaseRateTable(
    (
        BaseRate(date(2023, 1, 1), D("1.62")),
        BaseRate(date(2023, 7, 1), D("3.12")),
        BaseRate(date(2024, 1, 1), D("3.62")),
        BaseRate(date(2024, 7, 1), D("3.37")),
        BaseRate(date(2025, 1, 1), D("2.27")),
        BaseRate(date(2025, 7, 1), D("1.27")),
        BaseRate(date(2026, 1, 1), D("1.27")),
    ),
    known_until=date(2026, 6, 30),
)


def test_worked_example_across_two_rate_changes() -> None:
    """EUR 10,000.00 from 2024-05-15 (inclusive) to 2025-02-10 (exclusive):

    ==========================  ====  ======  =============================  ===========
    segment                     days  rate    10,000 × rate × days / 365     exact
    ==========================  ====  ======  =============================  ===========
    2024-05-15 .. 2024-07-01      47  8.62 %  862 × 47 / 365 = 40514 / 365   110.99726…
    2024-07-01 .. 2025-01-01     184  8.37 %  837 × 184 / 365 = 154008 / 365  421.93972…
    2025-01-01 .. 2025-02-10      40  7.27 %  727 × 40 / 365 = 29080 / 365    79.67123…
    ==========================  ====  ======  =============================  ===========

    (May: 17 days from the 15th, June 30 = 47; July to December = 184.) Total
    223602 / 365 = 612.60821… → EUR 612.61.
    """
    result = reclaim_interest(
        D("10000.00"), from_day=date(2024, 5, 15), until_day=date(2025, 2, 10), table=TABLE
    )
    assert [(s.from_day, s.until_day, s.days) for s in result.segments] == [
        (date(2024, 5, 15), date(2024, 7, 1), 47),
        (date(2024, 7, 1), date(2025, 1, 1), 184),
        (date(2025, 1, 1), date(2025, 2, 10), 40),
    ]
    assert [s.base_rate for s in result.segments] == [D("3.62"), D("3.37"), D("2.27")]
    assert [s.annual_rate for s in result.segments] == [D("8.62"), D("8.37"), D("7.27")]
    assert [s.exact for s in result.segments] == [
        Fraction(40514, 365),
        Fraction(154008, 365),
        Fraction(29080, 365),
    ]
    assert result.exact_total == Fraction(223602, 365)
    assert result.total == D("612.61")
    assert result.days == 271
    assert not result.any_assumed


def test_rounding_happens_once_on_the_total_not_per_segment() -> None:
    """EUR 1,000.00 from 2024-06-30 to 2024-07-03: one day at 8.62 % is 86.2 / 365 =
    0.23616… (0.24 alone), two days at 8.37 % are 167.4 / 365 = 0.45863… (0.46 alone). The
    parts rounded would give 0.70; the exact sum 253.6 / 365 = 0.69479… is EUR 0.69."""
    result = reclaim_interest(
        D("1000.00"), from_day=date(2024, 6, 30), until_day=date(2024, 7, 3), table=TABLE
    )
    assert [s.amount for s in result.segments] == [D("0.24"), D("0.46")]
    assert result.total == D("0.69")


def test_a_half_cent_is_rounded_up() -> None:
    """EUR 1,375.00 for 73 days (2024-01-01 to 2024-03-14) at 8.62 %: 1375 × 0.0862 × 73 /
    365 = 118.525 / 5 = 23.705 exactly. Half up: 23.71 (half to even would give 23.70)."""
    result = reclaim_interest(
        D("1375.00"), from_day=date(2024, 1, 1), until_day=date(2024, 3, 14), table=TABLE
    )
    assert result.exact_total == Fraction(23705, 1000)
    assert result.total == D("23.71")


def test_a_leap_year_still_divides_by_365() -> None:
    """EUR 10,000.00 through February 2024 (29 days) at 8.62 %: 862 × 29 / 365 =
    24998 / 365 = 68.48767… → 68.49 (act/366 would give 68.30)."""
    result = reclaim_interest(
        D("10000.00"), from_day=date(2024, 2, 1), until_day=date(2024, 3, 1), table=TABLE
    )
    assert result.segments[0].days == 29
    assert result.total == D("68.49")


def test_zero_days_bear_zero_interest() -> None:
    result = reclaim_interest(
        D("10000.00"), from_day=date(2024, 2, 1), until_day=date(2024, 2, 1), table=TABLE
    )
    assert (result.segments, result.total) == ((), D("0.00"))


def test_days_after_known_until_are_flagged_as_assumed() -> None:
    """2026-06-01 to 2026-08-01: June is known (1.27 % published for 2026-01-01), July on is
    the last rate assumed to go on: the segment is cut at 2026-07-01 and flagged."""
    result = reclaim_interest(
        D("10000.00"), from_day=date(2026, 6, 1), until_day=date(2026, 8, 1), table=TABLE
    )
    assert [(s.from_day, s.days, s.assumed) for s in result.segments] == [
        (date(2026, 6, 1), 30, False),
        (date(2026, 7, 1), 31, True),
    ]
    assert all(s.annual_rate == D("6.27") for s in result.segments)
    assert result.any_assumed


def test_a_negative_base_rate_is_not_clamped() -> None:
    """2020: −0.88 % + 5 = 4.12 %; EUR 10,000.00 for 365 days = 412.00."""
    table = BaseRateTable((BaseRate(date(2016, 7, 1), D("-0.88")),), known_until=date(2022, 12, 31))
    result = reclaim_interest(
        D("10000.00"), from_day=date(2020, 1, 1), until_day=date(2020, 12, 31), table=table
    )
    assert result.segments[0].annual_rate == D("4.12")
    assert result.total == D("412.00")


def test_a_day_before_the_table_is_an_error() -> None:
    with pytest.raises(InterestError, match="table starts on 2023-01-01"):
        reclaim_interest(
            D("10000.00"), from_day=date(2022, 12, 31), until_day=date(2023, 2, 1), table=TABLE
        )
    with pytest.raises(InterestError, match="no base rate is known for 2022-12-31"):
        TABLE.rate_on(date(2022, 12, 31))


def test_rate_on_and_assumptions() -> None:
    assert TABLE.rate_on(date(2024, 6, 30)) == D("3.62")
    assert TABLE.rate_on(date(2024, 7, 1)) == D("3.37")
    assert TABLE.rate_on(date(2030, 1, 1)) == D("1.27")
    assert not TABLE.is_assumed(date(2026, 6, 30))
    assert TABLE.is_assumed(date(2026, 7, 1))


@pytest.mark.parametrize(
    ("rates", "known_until", "message"),
    [
        pytest.param((), date(2026, 1, 1), "non-empty", id="empty"),
        pytest.param(
            (BaseRate(date(2024, 7, 1), D(1)), BaseRate(date(2024, 1, 1), D(2))),
            date(2026, 1, 1),
            "ascending",
            id="descending",
        ),
        pytest.param(
            (BaseRate(date(2024, 1, 1), D(1)), BaseRate(date(2024, 1, 1), D(2))),
            date(2026, 1, 1),
            "unique",
            id="duplicate",
        ),
        pytest.param(
            (BaseRate(date(2024, 1, 1), D(1)),), date(2023, 12, 31), "before the last", id="known"
        ),
    ],
)
def test_the_table_checks_itself(
    rates: tuple[BaseRate, ...], known_until: date, message: str
) -> None:
    with pytest.raises(InterestError, match=message):
        BaseRateTable(rates, known_until=known_until)


def test_a_float_rate_is_refused() -> None:
    with pytest.raises(InterestError, match="never a float"):
        BaseRate(date(2024, 1, 1), 3.62)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "principal",
    [D("0.00"), D("-1.00"), D("1.001"), D("NaN"), 1000, "1000.00", 1000.0],
    ids=["zero", "negative", "part-cent", "nan", "int", "str", "float"],
)
def test_the_principal_is_a_positive_amount_in_cents(principal: object) -> None:
    with pytest.raises(InterestError, match="principal"):
        reclaim_interest(
            principal,  # type: ignore[arg-type]
            from_day=date(2024, 1, 1),
            until_day=date(2024, 2, 1),
            table=TABLE,
        )


def test_until_before_from_is_an_error() -> None:
    with pytest.raises(InterestError, match="before from_day"):
        reclaim_interest(
            D("100.00"), from_day=date(2024, 2, 1), until_day=date(2024, 1, 31), table=TABLE
        )


# --- Repayments -----------------------------------------------------------------------------


def test_a_repayment_reduces_the_principal_from_its_day() -> None:
    """EUR 10,000.00 from 2024-01-01, EUR 4,000.00 repaid on 2024-02-01, until 2024-03-01,
    all at 8.62 %: 10,000 for 31 days = 862 × 31 / 365 = 26722 / 365 = 73.2109…; 6,000 for
    29 days = 517.2 × 29 / 365 = 14998.8 / 365 = 41.0926…; total 41720.8 / 365 =
    114.30356… → EUR 114.30."""
    result = reclaim_interest_with_repayments(
        D("10000.00"),
        from_day=date(2024, 1, 1),
        repayments=[(date(2024, 2, 1), D("4000.00"))],
        until_day=date(2024, 3, 1),
        table=TABLE,
    )
    assert [(s.principal, s.days) for s in result.segments] == [
        (D("10000.00"), 31),
        (D("6000.00"), 29),
    ]
    assert result.exact_total == Fraction(D("41720.8")) / 365
    assert result.total == D("114.30")


def test_once_repaid_in_full_no_more_interest_accrues() -> None:
    result = reclaim_interest_with_repayments(
        D("10000.00"),
        from_day=date(2024, 1, 1),
        repayments=[(date(2024, 2, 1), D("2500.00")), (date(2024, 2, 1), D("7500.00"))],
        until_day=date(2024, 6, 1),
        table=TABLE,
    )
    assert [s.until_day for s in result.segments] == [date(2024, 2, 1)]
    assert result.total == D("73.21")


def test_repayments_in_any_order_and_on_the_first_day() -> None:
    ordered = reclaim_interest_with_repayments(
        D("10000.00"),
        from_day=date(2024, 1, 1),
        repayments=[(date(2024, 1, 1), D("1000.00")), (date(2024, 3, 1), D("1000.00"))],
        until_day=date(2024, 5, 1),
        table=TABLE,
    )
    shuffled = reclaim_interest_with_repayments(
        D("10000.00"),
        from_day=date(2024, 1, 1),
        repayments=[(date(2024, 3, 1), D("1000.00")), (date(2024, 1, 1), D("1000.00"))],
        until_day=date(2024, 5, 1),
        table=TABLE,
    )
    assert ordered == shuffled
    assert [s.principal for s in ordered.segments] == [D("9000.00"), D("8000.00")]


@pytest.mark.parametrize(
    ("repayments", "message"),
    [
        pytest.param([(date(2024, 2, 1), D("10000.01"))], "exceed", id="more-than-principal"),
        pytest.param([(date(2023, 12, 31), D("1.00"))], "outside", id="before-interest"),
        pytest.param([(date(2024, 3, 2), D("1.00"))], "outside", id="after-until"),
        pytest.param([(date(2024, 2, 1), D("0.00"))], "more than 0.00", id="zero"),
        pytest.param([(date(2024, 2, 1),)], "pair", id="not-a-pair"),
    ],
)
def test_repayments_are_checked(repayments: list[tuple[object, ...]], message: str) -> None:
    with pytest.raises(InterestError, match=message):
        reclaim_interest_with_repayments(
            D("10000.00"),
            from_day=date(2024, 1, 1),
            repayments=repayments,  # type: ignore[arg-type]
            until_day=date(2024, 3, 1),
            table=TABLE,
        )


# --- Funds not used in time ---------------------------------------------------------------------


def test_unused_funds_bear_interest_beyond_the_allowed_two_months() -> None:
    """EUR 100,000.00 paid 2025-01-15, used 2025-05-15; allowed until 2025-03-15. Interest
    from 2025-03-16 to 2025-05-15 (exclusive): 16 + 30 + 14 = 60 days at 7.27 %:
    7270 × 60 / 365 = 436200 / 365 = 1195.0684… → EUR 1,195.07."""
    result = unused_funds_interest(
        D("100000.00"),
        paid_on=date(2025, 1, 15),
        used_on=date(2025, 5, 15),
        table=TABLE,
        allowed=TWO_MONTHS,
    )
    assert (result.segments[0].from_day, result.days) == (date(2025, 3, 16), 60)
    assert result.total == D("1195.07")


def test_unused_funds_interest_from_payment_when_so_configured() -> None:
    """The same, counted from the day after payment: 2025-01-16 to 2025-05-15 is
    16 + 28 + 31 + 30 + 14 = 119 days: 7270 × 119 / 365 = 865130 / 365 = 2370.2191… →
    EUR 2,370.22."""
    result = unused_funds_interest(
        D("100000.00"),
        paid_on=date(2025, 1, 15),
        used_on=date(2025, 5, 15),
        table=TABLE,
        allowed=TWO_MONTHS,
        from_payment=True,
    )
    assert result.days == 119
    assert result.total == D("2370.22")


@pytest.mark.parametrize(
    ("used_on", "allowed", "days"),
    [
        pytest.param(date(2025, 3, 15), TWO_MONTHS, 0, id="used on the last allowed day"),
        pytest.param(date(2025, 3, 16), TWO_MONTHS, 0, id="the first day beyond, exclusive"),
        pytest.param(date(2025, 3, 18), TWO_MONTHS, 2, id="two days beyond"),
        pytest.param(date(2025, 2, 26), SIX_WEEKS, 0, id="six weeks: 2025-02-26 in time"),
        pytest.param(date(2025, 3, 1), SIX_WEEKS, 2, id="six weeks: from 2025-02-27"),
    ],
)
def test_funds_used_alsbald_bear_no_interest(
    used_on: date, allowed: AllowedPeriod, days: int
) -> None:
    result = unused_funds_interest(
        D("100000.00"), paid_on=date(2025, 1, 15), used_on=used_on, table=TABLE, allowed=allowed
    )
    assert result.days == days
    assert (result.total == 0) is (days == 0)


def test_used_in_time_needs_no_rate_even_before_the_table() -> None:
    result = unused_funds_interest(
        D("100.00"),
        paid_on=date(2022, 1, 3),
        used_on=date(2022, 1, 10),
        table=TABLE,
        allowed=TWO_MONTHS,
    )
    assert result.total == D("0.00")


def test_unused_funds_inputs_are_checked() -> None:
    with pytest.raises(InterestError, match="before paid_on"):
        unused_funds_interest(
            D("100.00"),
            paid_on=date(2025, 2, 1),
            used_on=date(2025, 1, 1),
            table=TABLE,
            allowed=TWO_MONTHS,
        )
    with pytest.raises(InterestError, match="non-negative int"):
        AllowedPeriod(months=-1)


def test_round_half_up_to_cent_goes_away_from_zero() -> None:
    assert round_half_up_to_cent(Fraction(5, 1000)) == D("0.01")
    assert round_half_up_to_cent(Fraction(-5, 1000)) == D("-0.01")
    assert round_half_up_to_cent(Fraction(4999, 1000000)) == D("0.00")


# --- Properties ----------------------------------------------------------------------------------

day_offsets = st.integers(min_value=0, max_value=6 * 365)
cents = st.integers(min_value=1, max_value=10_000_000_00).map(lambda c: D(c).scaleb(-2))
START = date(2023, 1, 1)


@given(cents, day_offsets, day_offsets, day_offsets)
def test_interest_is_monotone_in_the_number_of_days(
    principal: Decimal, start: int, shorter: int, longer: int
) -> None:
    shorter, longer = sorted((shorter, longer))
    from_day = START + timedelta(days=start)

    def total(length: int) -> Decimal:
        until = from_day + timedelta(days=length)
        return reclaim_interest(principal, from_day=from_day, until_day=until, table=TABLE).total

    assert total(shorter) <= total(longer)


@given(cents, day_offsets, day_offsets, day_offsets)
def test_splitting_a_period_at_any_day_adds_up_exactly(
    principal: Decimal, a: int, b: int, c: int
) -> None:
    first, middle, last = (START + timedelta(days=n) for n in sorted((a, b, c)))

    def exact(start: date, end: date) -> Fraction:
        return reclaim_interest(principal, from_day=start, until_day=end, table=TABLE).exact_total

    assert exact(first, last) == exact(first, middle) + exact(middle, last)


@given(cents, day_offsets, day_offsets)
def test_segments_tile_the_period_and_the_total_is_the_rounded_sum(
    principal: Decimal, a: int, b: int
) -> None:
    from_day, until_day = (START + timedelta(days=n) for n in sorted((a, b)))
    result = reclaim_interest(principal, from_day=from_day, until_day=until_day, table=TABLE)
    assert sum(s.days for s in result.segments) == (until_day - from_day).days
    for left, right in zip(result.segments, result.segments[1:], strict=False):
        assert left.until_day == right.from_day
    assert result.total == round_half_up_to_cent(
        sum((s.exact for s in result.segments), Fraction())
    )
    last_day = until_day - timedelta(days=1)  # the last day bearing interest
    assert result.any_assumed is (from_day < until_day and last_day > TABLE.known_until)


@given(cents, day_offsets, st.integers(min_value=1, max_value=365), st.integers(1, 99))
def test_a_repayment_never_raises_the_interest(
    principal: Decimal, start: int, length: int, percent: int
) -> None:
    from_day = START + timedelta(days=start)
    until_day = from_day + timedelta(days=length)
    repaid = (principal * percent / 100).quantize(D("0.01"))
    without = reclaim_interest(principal, from_day=from_day, until_day=until_day, table=TABLE)
    if repaid <= 0:
        return
    with_repayment = reclaim_interest_with_repayments(
        principal,
        from_day=from_day,
        repayments=[(from_day + timedelta(days=length // 2), repaid)],
        until_day=until_day,
        table=TABLE,
    )
    assert with_repayment.exact_total <= without.exact_total


# --- § 49a Abs. 4 over an award: uses matched to payments ---------------------------------


def test_uses_spend_the_earliest_money_first() -> None:
    """Paid 10,000 on 2025-01-15 and 5,000 on 2025-03-01; spent 4,000 on 2025-02-01 and
    11,000 on 2025-06-10. First in, first out: 4,000 of the first payment in time; 6,000 of
    it on 2025-06-10, beyond 2025-03-15 (two months): interest from 2025-03-16 to
    2025-06-10 (16 + 30 + 31 + 9 = 86 days at 2.27 + 5 = 7.27 %): 6,000 × 7.27 % × 86 / 365
    = 102.78; the 5,000 paid on 2025-03-01 waited until 2025-06-10, beyond 2025-05-01: from
    2025-05-02, 30 + 9 = 39 days, 5,000 × 7.27 % × 39 / 365 = 38.84. Together
    727 × 711,000 / 3,650,000 = 141.6156… → 141.62, rounded once from the exact sum."""
    result = unused_funds_interest_over(
        [(date(2025, 1, 15), D("10000.00")), (date(2025, 3, 1), D("5000.00"))],
        [(date(2025, 6, 10), D("11000.00")), (date(2025, 2, 1), D("4000.00"))],
        table=TABLE,
        allowed=TWO_MONTHS,
    )
    assert [(p.paid_on, p.used_on, p.amount, p.late) for p in result.pieces] == [
        (date(2025, 1, 15), date(2025, 2, 1), D("4000.00"), False),
        (date(2025, 1, 15), date(2025, 6, 10), D("6000.00"), True),
        (date(2025, 3, 1), date(2025, 6, 10), D("5000.00"), True),
    ]
    late = [p.interest for p in result.pieces if p.interest is not None and p.late]
    assert [(i.days, i.total) for i in late] == [(86, D("102.78")), (39, D("38.84"))]
    exact = Fraction(6000 * 727 * 86 + 5000 * 727 * 39, 100 * 100 * 365)
    assert result.exact_total == exact
    assert result.total == round_half_up_to_cent(exact) == D("141.62")
    assert result.never_used == D("0.00")


def test_pre_financed_costs_spend_the_next_payment_at_once() -> None:
    """Spent before the money came (own funds in advance): the payment is used on its day."""
    result = unused_funds_interest_over(
        [(date(2025, 4, 1), D("3000.00"))],
        [(date(2025, 1, 10), D("3000.00"))],
        table=TABLE,
        allowed=TWO_MONTHS,
    )
    assert [(p.used_on, p.late) for p in result.pieces] == [(date(2025, 4, 1), False)]
    assert result.total == D("0.00")


def test_money_never_shown_spent_is_for_the_reclaim_and_extra_spending_is_ignored() -> None:
    short = unused_funds_interest_over(
        [(date(2025, 1, 15), D("10000.00"))],
        [(date(2025, 1, 20), D("7500.00"))],
        table=TABLE,
        allowed=TWO_MONTHS,
    )
    assert short.never_used == D("2500.00")
    assert short.pieces[-1].used_on is None and short.pieces[-1].interest is None
    assert short.total == D("0.00")
    beyond = unused_funds_interest_over(
        [(date(2025, 1, 15), D("1000.00"))],
        [(date(2025, 1, 20), D("5000.00"))],
        table=TABLE,
        allowed=TWO_MONTHS,
    )
    assert [p.amount for p in beyond.pieces] == [D("1000.00")]
    assert beyond.never_used == D("0.00")


def test_matching_inputs_are_checked() -> None:
    with pytest.raises(InterestError, match=r"payments\[0\] amount"):
        unused_funds_interest_over(
            [(date(2025, 1, 1), 100.0)],  # type: ignore[list-item]
            [],
            table=TABLE,
            allowed=TWO_MONTHS,
        )
    with pytest.raises(InterestError, match="AllowedPeriod"):
        unused_funds_interest_over([], [], table=TABLE, allowed=60)  # type: ignore[arg-type]


_flows = st.lists(
    st.tuples(
        st.dates(date(2023, 1, 1), date(2026, 6, 30)),
        st.decimals(D("0.01"), D("50000.00"), places=2),
    ),
    max_size=6,
)


@given(payments=_flows, uses=_flows)
def test_the_pieces_account_for_every_cent_paid(
    payments: list[tuple[date, Decimal]], uses: list[tuple[date, Decimal]]
) -> None:
    """Each payment's pieces add up to it; what is matched never exceeds what was spent;
    the total is the rounded exact sum; no piece is used before its payment."""
    result = unused_funds_interest_over(payments, uses, table=TABLE, allowed=TWO_MONTHS)
    paid = sum((a for _, a in payments), D(0))
    spent = sum((a for _, a in uses), D(0))
    matched = sum((p.amount for p in result.pieces if p.used_on is not None), D(0))
    assert matched == min(paid, spent)
    assert matched + result.never_used == paid
    assert all(p.used_on is None or p.used_on >= p.paid_on for p in result.pieces)
    assert result.total == round_half_up_to_cent(result.exact_total)
    assert result.exact_total >= 0
