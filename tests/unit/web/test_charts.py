"""The charts' geometry: round scale steps, stacked segments in proportion and in order, a
scale that reaches the largest bar, negative values below the zero line, and a pattern per
series (never colour alone)."""

from decimal import Decimal

from grants.web import charts


def euro(value: Decimal) -> str:
    return f"{value} €"


def test_scale_steps_are_round_numbers() -> None:
    for maximum, step in (
        (Decimal(9), Decimal(5)),
        (Decimal(1000), Decimal(500)),
        (Decimal(1_000_000), Decimal(500_000)),
        (Decimal(37), Decimal(10)),
    ):
        assert charts.nice_step(maximum) == step, maximum
    assert charts.nice_step(Decimal(0)) == Decimal(1)


def test_stacked_bars_are_in_proportion_and_the_scale_reaches_the_largest() -> None:
    chart = charts.bar_chart(
        "b",
        "Titel",
        "Beschreibung",
        [("A", [Decimal(300), Decimal(100)]), ("B", [Decimal(50), Decimal(0)])],
        ["ausgezahlt", "offen"],
        euro,
    )
    a, b = chart.bars
    paid, open_ = a.segments
    assert paid.x == chart.label_width and open_.x == paid.x + paid.width
    assert abs(paid.width / open_.width - 3) < 1e-9
    assert b.segments[1].width == 0 and b.y > a.y
    assert chart.ticks[-1].position >= a.segments[-1].x + a.segments[-1].width - 1e-9
    assert a.total_text == "400 €"
    assert [pattern for pattern, _ in chart.legend] == ["voll", "schraffur"]
    assert paid.pattern != open_.pattern


def test_a_negative_month_is_below_the_zero_line() -> None:
    chart = charts.line_chart(
        "l",
        "Titel",
        "Beschreibung",
        ["2027-01", "2027-02", "2027-03"],
        [("netto", [Decimal(100), Decimal(-250), Decimal(0)]), ("bezahlt", [Decimal(0)] * 3)],
        euro,
    )
    first, second, third = chart.lines[0].points
    assert first.y < chart.zero < second.y and abs(third.y - chart.zero) < 1e-9
    lowest = chart.y_ticks[0]
    assert lowest.text == "-300 €" and lowest.position >= second.y  # the scale reaches it
    assert first.x < second.x < third.x
    assert chart.lines[0].dash != chart.lines[1].dash
    assert chart.lines[0].marker != chart.lines[1].marker
