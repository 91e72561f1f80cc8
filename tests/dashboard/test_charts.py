"""The chart geometry: scales, stacked segments, cumulative lines against a limit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conference.admin import charts


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (11, 20), (21, 25), (240, 250), (3000, 5000)],
)
def test_axis_maximum_is_the_next_round_number(value, expected):
    assert charts.nice_max(value) == expected


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [(1, [0, 1]), (2, [0, 1, 2]), (5, [0, 1, 2, 3, 4, 5]), (20, [0, 5, 10, 15, 20])],
)
def test_axis_ticks_of_counts_are_whole_numbers(maximum, expected):
    assert charts.ticks(maximum) == expected


def test_stacked_segments_follow_each_other_and_scale_to_the_largest_row():
    chart = charts.stacked_bar_chart(
        "c",
        "Review progress",
        "Done and to do.",
        label_heading="Track",
        series=["Done", "To do"],
        rows=[("Immunology", "/a", [6, 4]), ("Pathology", None, [1, 1])],
        value_text=lambda values: f"{values[0]} of {sum(values)} done",
    )
    first, second = chart.rows
    done, to_do = first.segments
    assert done.x == charts.LABEL_WIDTH
    assert to_do.x == pytest.approx(done.x + done.width, abs=0.1)
    # The longest row (10) fills the plot, whose scale ends at 10.
    assert first.end == pytest.approx(chart.plot_right, abs=0.2)
    assert second.end - charts.LABEL_WIDTH == pytest.approx(
        (first.end - charts.LABEL_WIDTH) / 5, abs=0.2
    )
    assert first.value_text == "6 of 10 done"
    assert second.y - first.y == charts.ROW_HEIGHT
    # Each series looks different without colour: its own pattern.
    assert len({s.pattern for s in chart.series}) == 2


def test_amounts_are_written_with_two_decimals_and_counts_as_whole_numbers():
    chart = charts.stacked_bar_chart(
        "m",
        "Money",
        "Paid and outstanding.",
        label_heading="Category",
        series=["Paid", "Outstanding"],
        rows=[("Oncologist", None, [Decimal("1250.00"), Decimal("0.00")])],
    )
    assert [s.text for s in chart.rows[0].segments] == ["1,250.00", "0.00"]
    assert chart.rows[0].value_text == "1,250.00"
    assert charts.format_number(1500) == "1,500"


def test_an_empty_chart_says_so():
    chart = charts.bar_chart(
        "e", "Nothing", "None yet.", label_heading="Kind", value_heading="Count", rows=[]
    )
    assert chart.is_empty


def test_cumulative_line_rises_and_capacity_line_sits_at_its_value():
    days = [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 5)]
    chart = charts.line_chart(
        "l",
        "Places",
        "Places taken.",
        days=days,
        series=[("All categories", "/list", [10, 25, 40])],
        limit=50,
        limit_label="Capacity 50",
    )
    points = chart.lines[0].points
    assert [p.x for p in points] == sorted(p.x for p in points)
    assert points[0].x == chart.left and points[-1].x == chart.right
    # Higher values are drawn higher up (smaller y); the scale ends at 50, the capacity.
    assert points[0].y > points[1].y > points[2].y
    assert chart.limit_y == chart.top
    assert chart.lines[0].path.startswith(f"{chart.left:.1f},")
    assert chart.lines[0].last.text == "40"
    assert [label.day for label in chart.x_labels] == days


def test_a_single_day_is_drawn_in_the_middle():
    chart = charts.line_chart(
        "l", "Places", "Places taken.", days=[date(2026, 3, 1)], series=[("All", None, [3])]
    )
    assert chart.lines[0].points[0].x == pytest.approx((chart.left + chart.right) / 2, abs=0.1)
    assert chart.limit_y is None
