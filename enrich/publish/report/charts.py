"""Geometry of the report's charts, computed at build time: numbers in, SVG coordinates out.

The templates draw these as inline SVG (``templates/_charts.html``), so a page needs no chart
library and no script to show a chart. Nothing here knows about papers or snapshots: a series
is a label and one value (or None) per run; the view model (:mod:`.view`) chooses the series.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Line colours of the chart, in legend order: dark enough for 3:1 against white (WCAG 1.4.11)
#: and told apart by a dash pattern as well, for readers who do not see the colour.
PALETTE: tuple[str, ...] = ("#0060a0", "#b34700", "#00755a", "#a02c6c", "#000000", "#7a4a0a")
DASHES: tuple[str, ...] = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")

SPARK_WIDTH = 96
SPARK_HEIGHT = 22
_SPARK_PAD = 3

CHART_WIDTH = 900
CHART_HEIGHT = 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 44, 12, 36
#: Above this many runs a chart draws lines only (no dot per value).
MAX_DOTS = 40


@dataclass(frozen=True, slots=True)
class Run:
    """One run on the time axis."""

    run_id: str
    finished_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Timeline:
    """The runs drawn, oldest first, with what every chart of a report needs of them once."""

    runs: tuple[Run, ...]
    labels: tuple[str, ...]  # each run's date, or time of day when all runs are on one day
    spark_xs: tuple[float, ...]  # each run's x in a sparkline

    @classmethod
    def of(cls, runs: Sequence[Run]) -> Timeline:
        days = {run.finished_at.date() for run in runs}
        form = "%H:%M UTC" if len(days) <= 1 else "%Y-%m-%d"  # one day: tests, reruns
        return cls(
            runs=tuple(runs),
            labels=tuple(run.finished_at.strftime(form) for run in runs),
            spark_xs=tuple(_time_positions(runs, _SPARK_PAD, SPARK_WIDTH - _SPARK_PAD)),
        )


@dataclass(frozen=True, slots=True)
class Sparkline:
    """A small line of one paper's citations per run, scaled to its own range."""

    width: int
    height: int
    points: str = ""  # "x,y x,y ..." for a polyline (empty for a single value)
    last_x: float = 0.0
    last_y: float = 0.0
    label: str = ""  # what the line shows, in words (the image's accessible name)


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class ChartLine:
    label: str
    color: str
    dash: str
    points: str
    dots: tuple[Dot, ...]


@dataclass(frozen=True, slots=True)
class LineChart:
    """Several series over the runs, on one time axis and one value axis starting at 0."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[ChartLine, ...]


def _time_positions(runs: Sequence[Run], start: float, end: float) -> list[float]:
    """x of each run, proportional to its time (centred when there is one run or one time)."""
    if not runs:
        return []
    first, last = runs[0].finished_at, runs[-1].finished_at
    span = (last - first).total_seconds()
    if span <= 0:
        return [(start + end) / 2] * len(runs)
    return [
        start + (end - start) * (run.finished_at - first).total_seconds() / span for run in runs
    ]


def sparkline(timeline: Timeline, values: Sequence[int | None]) -> Sparkline | None:
    """The sparkline of ``values`` (one per run of ``timeline``, None where unknown), scaled to
    its own range; None when no value is known."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        return None
    low = min(v for _, v in known)
    high = max(v for _, v in known)
    top, bottom = _SPARK_PAD, SPARK_HEIGHT - _SPARK_PAD
    xs = timeline.spark_xs
    if high == low:
        coords = [(xs[i], (top + bottom) / 2) for i, _ in known]
    else:
        scale = (bottom - top) / (high - low)
        coords = [(xs[i], bottom - (v - low) * scale) for i, v in known]
    (first, first_value), (last, last_value) = known[0], known[-1]
    labels = timeline.labels
    if len(known) == 1:
        label = f"{last_value} citations ({labels[last]}), one run"
    else:
        label = (
            f"{first_value} citations ({labels[first]}) to {last_value} ({labels[last]}) "
            f"over {len(known)} runs"
        )
    return Sparkline(
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        points=_points(coords) if len(coords) > 1 else "",
        last_x=round(coords[-1][0], 1),
        last_y=round(coords[-1][1], 1),
        label=label,
    )


def nice_ceiling(value: int) -> tuple[int, int]:
    """(top, step): the axis top at or above ``value`` and a step of 1, 2 or 5 x 10^k giving
    at most five intervals."""
    if value <= 0:
        return 1, 1
    step = 10 ** max(0, math.floor(math.log10(value)) - 1)
    while True:
        for factor in (1, 2, 5):
            candidate = step * factor
            if math.ceil(value / candidate) <= 5:
                return candidate * math.ceil(value / candidate), candidate
        step *= 10


def line_chart(timeline: Timeline, series: Sequence[tuple[str, Sequence[int | None]]]) -> LineChart:
    """A chart of ``series`` (label, one value or None per run) over the runs of ``timeline``."""
    runs, labels = timeline.runs, timeline.labels
    plot_left, plot_right = _LEFT, CHART_WIDTH - _RIGHT
    plot_top, plot_bottom = _TOP, CHART_HEIGHT - _BOTTOM
    xs = _time_positions(runs, plot_left + 8, plot_right - 8)
    highest = max((v for _, values in series for v in values if v is not None), default=0)
    top_value, step = nice_ceiling(highest)

    def y(value: int) -> float:
        return plot_bottom - (plot_bottom - plot_top) * value / top_value

    y_ticks = tuple(Tick(round(y(v), 1), f"{v:,}") for v in range(0, top_value + 1, step))
    shown = _spread(len(runs), 6)
    x_ticks = tuple(Tick(round(xs[i], 1), labels[i]) for i in shown)
    lines = []
    for index, (label, values) in enumerate(series):
        coords = [(i, xs[i], y(v), v) for i, v in enumerate(values) if v is not None]
        dots = tuple(
            Dot(
                round(x, 1),
                round(yy, 1),
                f"{label}: {v:,} citations ({labels[i]})",
            )
            for i, x, yy, v in coords
        )
        lines.append(
            ChartLine(
                label=label,
                color=PALETTE[index % len(PALETTE)],
                dash=DASHES[index % len(DASHES)],
                points=_points([(x, yy) for _, x, yy, _ in coords]),
                dots=dots if len(runs) <= MAX_DOTS or len(dots) == 1 else (),
            )
        )
    return LineChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        left=plot_left,
        right=plot_right,
        top=plot_top,
        bottom=plot_bottom,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        lines=tuple(lines),
    )


def _spread(count: int, most: int) -> list[int]:
    """Up to ``most`` indexes spread evenly over ``range(count)``, first and last included."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def _points(coords: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
