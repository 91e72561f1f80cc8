"""Chart geometry for server-rendered SVG (templates/admin/_charts.html draws it).

Three kinds, each readable without colour: every series has its own fill pattern (or line dash
and marker shape), every bar and point carries its number as text, and every chart comes with
a data table holding the same figures and links as the drawing.

The functions here compute positions only: no SQL, no Flask, so they are tested on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 80
ROW_HEIGHT = 28
BAR_HEIGHT = 18
TOP = 24
BOTTOM = 8

#: Colour-blind-safe fills (Okabe-Ito); each series also gets its own pattern from PATTERNS.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
#: Pattern kinds drawn over the fill (see the template): tell series apart in grey print.
PATTERNS = ("solid", "diagonal", "dots", "horizontal", "crosshatch", "vertical", "reverse")
#: Line styles of line-chart series: (stroke-dasharray, marker shape).
LINE_STYLES = (("", "circle"), ("6 3", "square"), ("2 3", "diamond"), ("8 3 2 3", "triangle"))


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def ticks(maximum: float) -> list[float]:
    """Evenly spaced axis values from 0 to `maximum` (which nice_max made round): four or
    five steps, fewer when the steps would not be whole numbers (counts of 1 or 2)."""
    count = next((c for c in (4, 5, 2) if maximum >= c and maximum % c == 0), 1)
    step = maximum / count
    return [int(step * i) if (step * i).is_integer() else step * i for i in range(count + 1)]


def format_number(value) -> str:
    """A count as an integer, an amount with two decimals; thousands separated."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    return f"{value:,.2f}"


@dataclass
class Series:
    """One series of a chart: its name and how it looks (fill pattern or line style)."""

    name: str
    index: int

    @property
    def colour(self) -> str:
        return COLOURS[self.index % len(COLOURS)]

    @property
    def pattern(self) -> str:
        return PATTERNS[self.index % len(PATTERNS)]

    @property
    def dash(self) -> str:
        return LINE_STYLES[self.index % len(LINE_STYLES)][0]

    @property
    def marker(self) -> str:
        return LINE_STYLES[self.index % len(LINE_STYLES)][1]


@dataclass
class Segment:
    series: Series
    value: float
    x: float
    width: float

    @property
    def text(self) -> str:
        return format_number(self.value)


@dataclass
class Row:
    """One horizontal bar (a single segment) or stacked bar (several), with its label."""

    label: str
    url: str | None
    y: float
    segments: list[Segment]
    total: float
    #: What is written after the bar (e.g. "12 of 40", "1,250.00").
    value_text: str

    @property
    def end(self) -> float:
        return max((s.x + s.width for s in self.segments), default=LABEL_WIDTH)


@dataclass
class Tick:
    value: float
    #: x of a bar chart's vertical grid line, y of a line chart's horizontal one.
    position: float

    @property
    def text(self) -> str:
        return format_number(self.value)


@dataclass
class BarChart:
    """Horizontal bars (one series) or stacked bars (several series), one row per label."""

    id: str
    title: str
    description: str
    label_heading: str
    series: list[Series]
    rows: list[Row]
    ticks: list[Tick]
    height: float
    width: float = WIDTH
    plot_left: float = LABEL_WIDTH
    plot_right: float = WIDTH - VALUE_WIDTH
    #: The data table shows a total column (stacked bars).
    show_total: bool = True
    #: Per row, per series: the list behind that one number (data table links), optional.
    cell_urls: list[list[str | None]] | None = None

    def cell_url(self, row: int, serie: int) -> str | None:
        return self.cell_urls[row][serie] if self.cell_urls else None

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    @property
    def is_empty(self) -> bool:
        return not self.rows


def _scale(maximum: float):
    span = (WIDTH - VALUE_WIDTH) - LABEL_WIDTH
    return lambda value: span * (value / maximum if maximum else 0)


def stacked_bar_chart(
    chart_id: str,
    title: str,
    description: str,
    *,
    label_heading: str,
    series: list[str],
    rows: list[tuple[str, str | None, list[float]]],
    value_text=None,
    value_texts: list[str] | None = None,
    show_total: bool = True,
    cell_urls: list[list[str | None]] | None = None,
) -> BarChart:
    """Rows of (label, url, one value per series); `value_text(values)` or `value_texts`
    (one per row) write the text after each bar (default: the row's total)."""
    series_objects = [Series(name, index) for index, name in enumerate(series)]
    maximum = nice_max(float(max((sum(values) for _, _, values in rows), default=0)))
    scale = _scale(maximum)
    chart_rows = []
    for number, (label, url, values) in enumerate(rows):
        x = LABEL_WIDTH
        segments = []
        for serie, value in zip(series_objects, values, strict=True):
            width = max(scale(float(value)), 0)
            segments.append(Segment(serie, value, round(x, 1), round(width, 1)))
            x += width
        total = sum(values)
        chart_rows.append(
            Row(
                label=label,
                url=url,
                y=TOP + number * ROW_HEIGHT,
                segments=segments,
                total=total,
                value_text=(
                    value_texts[number]
                    if value_texts
                    else value_text(values)
                    if value_text
                    else format_number(total)
                ),
            )
        )
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        label_heading=label_heading,
        series=series_objects,
        rows=chart_rows,
        ticks=[Tick(value, round(LABEL_WIDTH + scale(value), 1)) for value in ticks(maximum)],
        height=TOP + len(rows) * ROW_HEIGHT + BOTTOM,
        show_total=show_total,
        cell_urls=cell_urls,
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    *,
    label_heading: str,
    value_heading: str,
    rows: list[tuple[str, str | None, float]],
    value_text=None,
) -> BarChart:
    """Rows of (label, url, value): one bar each."""
    return stacked_bar_chart(
        chart_id,
        title,
        description,
        label_heading=label_heading,
        series=[value_heading],
        rows=[(label, url, [value]) for label, url, value in rows],
        value_text=(lambda values: value_text(values[0])) if value_text else None,
        show_total=False,
    )


@dataclass
class Point:
    day: date
    value: float
    x: float
    y: float

    @property
    def text(self) -> str:
        return format_number(self.value)


@dataclass
class Line:
    series: Series
    url: str | None
    points: list[Point]

    @property
    def path(self) -> str:
        """The SVG polyline `points` attribute."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def last(self) -> Point | None:
        return self.points[-1] if self.points else None


@dataclass
class LineChart:
    """Cumulative lines over days, with an optional horizontal limit (capacity)."""

    id: str
    title: str
    description: str
    lines: list[Line]
    days: list[date]
    y_ticks: list[Tick]
    limit: float | None
    limit_label: str
    limit_y: float | None
    x_labels: list[Point]
    width: float = WIDTH
    height: float = 260
    left: float = 60
    right: float = WIDTH - 110
    top: float = 16
    bottom: float = 260 - 36

    @property
    def is_empty(self) -> bool:
        return not self.days


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    *,
    days: list[date],
    series: list[tuple[str, str | None, list[float]]],
    limit: float | None = None,
    limit_label: str = "Capacity",
) -> LineChart:
    """Series of (name, url, one value per day in `days`); `limit` draws a dashed line."""
    chart = LineChart(chart_id, title, description, [], days, [], limit, limit_label, None, [])
    peak = max((float(v) for _, _, values in series for v in values), default=0)
    maximum = nice_max(max(peak, float(limit or 0)))
    span_x = chart.right - chart.left
    span_y = chart.bottom - chart.top

    def x_of(index: int) -> float:
        # A single day sits in the middle of the plot.
        offset = span_x * index / (len(days) - 1) if len(days) > 1 else span_x / 2
        return round(chart.left + offset, 1)

    def y_of(value: float) -> float:
        return round(chart.bottom - span_y * float(value) / maximum, 1)

    for index, (name, url, values) in enumerate(series):
        points = [
            Point(day, value, x_of(i), y_of(value))
            for i, (day, value) in enumerate(zip(days, values, strict=True))
        ]
        chart.lines.append(Line(Series(name, index), url, points))
    chart.y_ticks = [Tick(value, y_of(value)) for value in ticks(maximum)]
    chart.limit_y = y_of(limit) if limit is not None else None
    # Label the first and last days, and a few between when there are many.
    step = max(1, math.ceil(len(days) / 6))
    chart.x_labels = [
        Point(day, 0, x_of(i), chart.bottom)
        for i, day in enumerate(days)
        if i % step == 0 or i == len(days) - 1
    ]
    return chart


@dataclass
class Figure:
    """A headline number with the list behind it."""

    label: str
    value: float
    url: str | None = None
    attention: bool = False
    details: list[tuple[str, float, str | None]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return format_number(self.value)
