"""Chart geometry of the report: axis steps, sparklines, the line chart of the most cited."""

from __future__ import annotations

import datetime as dt

import pytest

from enrich.publish.report.charts import (
    CHART_HEIGHT,
    SPARK_HEIGHT,
    SPARK_WIDTH,
    Run,
    Timeline,
    line_chart,
    nice_ceiling,
    sparkline,
)

DAY0 = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)


def runs(*days: float) -> Timeline:
    return Timeline.of([Run(f"run-{i}", DAY0 + dt.timedelta(days=d)) for i, d in enumerate(days)])


def points(text: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in text.split())]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, (1, 1)),
        (1, (1, 1)),
        (4, (4, 1)),
        (7, (8, 2)),
        (33, (40, 10)),
        (170, (200, 50)),
        (1010, (1500, 500)),
        (98765, (100000, 20000)),
    ],
)
def test_the_value_axis_ends_at_a_round_number_with_at_most_five_steps(
    value: int, expected: tuple[int, int]
) -> None:
    top, step = nice_ceiling(value)
    assert (top, step) == expected
    assert top >= value and top // step <= 5 and top % step == 0


def test_a_sparkline_spans_its_own_range_and_its_runs_in_time() -> None:
    line = sparkline(runs(0, 1, 3), [100, 130, 120])
    assert line is not None
    xy = points(line.points)
    assert len(xy) == 3
    assert all(0 <= x <= SPARK_WIDTH and 0 <= y <= SPARK_HEIGHT for x, y in xy)
    assert xy[1][1] < xy[2][1] < xy[0][1]  # 130 highest (smallest y), 100 lowest
    assert xy[1][0] - xy[0][0] == pytest.approx((xy[2][0] - xy[1][0]) / 2, abs=0.1)  # by time
    assert (line.last_x, line.last_y) == xy[-1]
    assert line.label == "100 citations (2026-01-01) to 120 (2026-01-04) over 3 runs"


def test_a_sparkline_skips_unknown_values_and_needs_one_known() -> None:
    assert sparkline(runs(0, 1), [None, None]) is None
    single = sparkline(runs(0, 1), [None, 7])
    assert single is not None and single.points == ""  # a dot, no line
    assert single.label.startswith("7 citations")
    flat = sparkline(runs(0, 1, 2), [5, None, 5])
    assert flat is not None and len(points(flat.points)) == 2
    assert {y for _, y in points(flat.points)} == {SPARK_HEIGHT / 2}


def test_runs_of_one_day_are_labelled_by_time_of_day() -> None:
    assert runs(0, 2 / 24).labels == ("03:00 UTC", "05:00 UTC")
    assert runs(0, 1).labels == ("2026-01-01", "2026-01-02")
    assert runs(0).spark_xs == (SPARK_WIDTH / 2,)  # one run: in the middle


def test_a_line_chart_shares_one_time_axis_and_a_zero_based_value_axis() -> None:
    chart = line_chart(runs(0, 1, 2), [("big", [900, 960, 1010]), ("small", [None, 30, 33])])
    big, small = chart.lines
    assert [t.label for t in chart.y_ticks] == ["0", "500", "1,000", "1,500"]
    assert chart.y_ticks[0].position == chart.bottom
    assert [t.label for t in chart.x_ticks] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    big_xy, small_xy = points(big.points), points(small.points)
    assert [x for x, _ in small_xy] == [x for x, _ in big_xy[1:]]  # same runs, same x
    assert all(chart.left < x < chart.right for x, _ in big_xy)
    assert all(chart.top <= y <= chart.bottom <= CHART_HEIGHT for _, y in big_xy + small_xy)
    assert big_xy[2][1] < big_xy[0][1]  # more citations, higher up
    assert big.color != small.color and big.dash != small.dash
    assert [d.label for d in small.dots] == [
        "small: 30 citations (2026-01-02)",
        "small: 33 citations (2026-01-03)",
    ]


def test_a_long_history_draws_lines_without_a_dot_per_run_and_a_few_labels() -> None:
    many = runs(*range(200))
    chart = line_chart(many, [("paper", list(range(200)))])
    assert chart.lines[0].dots == ()
    assert len(points(chart.lines[0].points)) == 200
    assert len(chart.x_ticks) == 6
    assert chart.x_ticks[0].label == "2026-01-01" and chart.x_ticks[-1].label == "2026-07-19"
