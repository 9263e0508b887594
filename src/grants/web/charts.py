"""Charts drawn on the server as SVG: the geometry here (pure, no I/O), the markup in
``templates/web/_charts.html``. Each chart carries a title and a description for assistive
technology, tells its series apart by pattern as well as by shade (never by colour alone),
and is shown next to a table of the same figures, which stays the reference.

Coordinates are in the SVG's own units (``viewBox``); the page scales the drawing to its
column, so it never forces a small screen to scroll sideways."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

WIDTH = 640
LABEL_WIDTH = 200  # left of the bars: the rows' names
BAR_HEIGHT = 22
BAR_GAP = 10
TOP = 12
AXIS_SPACE = 28  # below the bars: the scale's numbers
PATTERNS = ("voll", "schraffur", "punkte", "gitter")  # in _charts.html's <defs>


@dataclass(frozen=True, slots=True)
class Segment:
    label: str  # the series', for the tooltip-like <title>
    value_text: str
    x: float
    width: float
    pattern: str


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    y: float
    segments: tuple[Segment, ...]
    total_text: str
    total_x: float


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True, slots=True)
class BarChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    label_width: int
    plot_width: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[tuple[str, str], ...]  # (pattern, series label)


def nice_step(maximum: Decimal, steps: int = 4) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) so that ``steps`` of them reach
    ``maximum``: the scale's numbers are ones a person reads at a glance."""
    if maximum <= 0:
        return Decimal(1)
    raw = maximum / steps
    power = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal("0.1")
    for factor in (1, 2, 5, 10):
        if power * factor >= raw:
            return power * factor
    return power * 10


def steps_to(value: Decimal, step: Decimal) -> int:
    """How many steps reach ``value`` (at least one)."""
    return max(1, int((value / step).to_integral_value(rounding=ROUND_CEILING)))


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, Sequence[Decimal]]],
    series: Sequence[str],
    fmt: Callable[[Decimal], str],
) -> BarChart:
    """Horizontal bars, one per row, each stacked from its ``series`` values (non-negative;
    a negative value is drawn as zero, the table shows it)."""
    plot = WIDTH - LABEL_WIDTH - 90  # room on the right for the total
    totals = [sum((max(v, Decimal(0)) for v in values), Decimal(0)) for _, values in rows]
    step = nice_step(max(totals, default=Decimal(0)))
    top = step * steps_to(max(totals, default=Decimal(0)), step)
    scale = float(plot) / float(top)
    bars = []
    for index, ((label, values), total) in enumerate(zip(rows, totals, strict=True)):
        y = TOP + index * (BAR_HEIGHT + BAR_GAP)
        x = float(LABEL_WIDTH)
        segments = []
        for number, value in enumerate(values):
            width = float(max(value, Decimal(0))) * scale
            segments.append(
                Segment(series[number], fmt(value), x, width, PATTERNS[number % len(PATTERNS)])
            )
            x += width
        bars.append(Bar(label, y, tuple(segments), fmt(total), x + 6))
    ticks = tuple(
        Tick(LABEL_WIDTH + float(step * i) * scale, fmt(step * i))
        for i in range(int(top / step) + 1)
    )
    height = TOP + len(rows) * (BAR_HEIGHT + BAR_GAP) + AXIS_SPACE
    return BarChart(
        chart_id,
        title,
        description,
        WIDTH,
        height,
        LABEL_WIDTH,
        plot,
        tuple(bars),
        ticks,
        tuple((PATTERNS[i % len(PATTERNS)], name) for i, name in enumerate(series)),
    )


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str  # "2027-03: 12.000,00 €"


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    points: tuple[Point, ...]
    dash: str  # stroke-dasharray: "" solid, "6 4" dashed
    marker: str  # circle | square


@dataclass(frozen=True, slots=True)
class LineChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    left: int
    bottom: float
    zero: float  # y of the value 0
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]


LINE_STYLES = (("", "circle"), ("6 4", "square"))


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal]]],
    fmt: Callable[[Decimal], str],
) -> LineChart:
    """Lines over months (values may be negative); every third month is labelled."""
    left, right, top, height = 110, 20, 12, 240
    bottom = float(height - 36)
    values = [v for _, vs in series for v in vs] or [Decimal(0)]
    low: Decimal = min(*values, Decimal(0))
    high: Decimal = max(*values, Decimal(0))
    step = nice_step(max(high - low, Decimal(1)))
    floor = step * (low / step).to_integral_value(rounding=ROUND_FLOOR)
    ceiling = step * steps_to(high, step)
    span = float(ceiling - floor) or 1.0

    def y_of(value: Decimal) -> float:
        return bottom - (float(value - floor) / span) * (bottom - top)

    inner = WIDTH - left - right
    gap = inner / max(len(months) - 1, 1)

    def x_of(index: int) -> float:
        return left + index * gap if len(months) > 1 else left + inner / 2

    lines = tuple(
        Line(
            label,
            tuple(Point(x_of(i), y_of(v), f"{months[i]}: {fmt(v)}") for i, v in enumerate(points)),
            *LINE_STYLES[number % len(LINE_STYLES)],
        )
        for number, (label, points) in enumerate(series)
    )
    every = max(1, -(-len(months) // 8))
    x_ticks = tuple(Tick(x_of(i), m) for i, m in enumerate(months) if i % every == 0)
    y_ticks = tuple(
        Tick(y_of(floor + step * i), fmt(floor + step * i))
        for i in range(int((ceiling - floor) / step) + 1)
    )
    return LineChart(
        chart_id, title, description, WIDTH, height, left, bottom, y_of(Decimal(0)), lines,
        x_ticks, y_ticks,
    )  # fmt: skip
