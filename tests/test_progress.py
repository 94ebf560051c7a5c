"""Run progress: estimates from the pace, periodic log lines (injected clock), the live display."""

from __future__ import annotations

import io
import logging
import sys
import threading
import time

import pytest
from rich.console import Console

from enrich import progress
from enrich.progress import (
    LiveProgress,
    PeriodicLog,
    RunProgress,
    StageCounter,
    StageProgress,
    caller_progress,
    format_seconds,
    reporting,
    shown_by_caller,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stage(
    done: int, total: int, *, pace: float | None, started: float, updated: float
) -> StageProgress:
    return StageProgress(
        stage=progress.ARXIV,
        done=done,
        total=total,
        started_at=started,
        updated_at=updated,
        pace=pace,
    )


# --------------------------------------------------------------------------- estimates


def test_time_left_is_the_remaining_requests_at_the_known_pace() -> None:
    fresh = stage(0, 100, pace=3.0, started=0.0, updated=0.0)
    assert fresh.seconds_left(0.0) == 300.0
    on_pace = stage(23, 100, pace=3.0, started=0.0, updated=69.0)
    assert on_pace.seconds_left(69.0) == 77 * 3.0


def test_a_slower_observed_pace_wins_over_the_allowed_one() -> None:
    slow = stage(10, 20, pace=1.0, started=0.0, updated=50.0)  # 5 s a request so far
    assert slow.seconds_left(50.0) == 50.0


def test_the_estimate_runs_down_between_updates_and_never_below_zero() -> None:
    state = stage(0, 10, pace=1.0, started=0.0, updated=0.0)
    assert state.seconds_left(4.0) == 6.0
    assert state.seconds_left(40.0) == 0.0


def test_no_pace_and_nothing_done_gives_no_estimate() -> None:
    assert stage(0, 5, pace=None, started=0.0, updated=0.0).seconds_left(1.0) is None
    assert stage(5, 5, pace=None, started=0.0, updated=1.0).seconds_left(1.0) == 0.0


def test_description_reads_like_the_issue_asks() -> None:
    state = stage(23, 100, pace=3.0, started=0.0, updated=69.0)
    assert state.describe(69.0) == "arXiv: 23/100 requests, about 3m 51s left"
    assert stage(5, 5, pace=3.0, started=0, updated=9).describe(9) == "arXiv: 5/5 requests, done"
    stuck = stage(1, 4, pace=1.0, started=0.0, updated=1.0)
    assert stuck.describe(66.0).endswith("(no progress for 1m 05s)")


def test_format_seconds() -> None:
    assert [format_seconds(s) for s in (0, 9.2, 61, 3600 * 3 + 120)] == [
        "0s",
        "10s",
        "1m 01s",
        "3h 02m",
    ]


# --------------------------------------------------------------------------- run progress


def test_run_progress_keeps_the_latest_count_per_stage_in_display_order() -> None:
    clock = FakeClock()
    run = RunProgress({progress.S2: 1.0}, clock=clock)
    seen: list[StageProgress] = []
    run.add_listener(seen.append)
    run.update(progress.SNAPSHOT, 0, 1)
    run.update(progress.S2, 0, 3)
    clock.now += 2
    run.update(progress.S2, 1, 3)
    assert [s.stage for s in run.stages()] == [progress.S2, progress.SNAPSHOT]
    s2 = run.stages()[0]
    assert (s2.done, s2.total, s2.pace, s2.started_at, s2.updated_at) == (1, 3, 1.0, 1000, 1002)
    assert len(seen) == 3 and seen[-1] == s2
    run.set_paces({progress.SNAPSHOT: 0.5})
    assert run.stages()[1].pace == 0.5
    assert [s.stage for s in run.running()] == [progress.S2, progress.SNAPSHOT]


def test_a_repeated_count_is_no_progress() -> None:
    clock = FakeClock()
    run = RunProgress(clock=clock)
    run.update(progress.ARXIV, 1, 3)
    clock.now += 10
    run.update(progress.ARXIV, 1, 3)
    assert run.stages()[0].updated_at == 1000


def test_stage_counter_adds_up_plans_and_steps() -> None:
    calls: list[tuple[str, int, int]] = []
    counter = StageCounter(lambda *args: calls.append(args), progress.S2_TITLES)
    counter.plan(2)
    counter.step()
    counter.plan(1)  # a second call of the same source (suggestions)
    counter.step(2)
    assert calls == [
        ("s2_titles", 0, 2),
        ("s2_titles", 1, 2),
        ("s2_titles", 1, 3),
        ("s2_titles", 3, 3),
    ]
    StageCounter(None, progress.ARXIV).step()  # no hook: counts nothing, raises nothing


# --------------------------------------------------------------------------- periodic log


@pytest.fixture
def logged() -> tuple[logging.Logger, list[str]]:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("test.progress.periodic")
    logger.handlers[:] = [Keep()]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, lines


def test_a_running_stage_is_logged_every_interval_and_a_stuck_one_says_so(
    logged: tuple[logging.Logger, list[str]],
) -> None:
    logger, lines = logged
    clock = FakeClock()
    run = RunProgress({progress.ARXIV: 3.0, progress.S2_TITLES: 1.0}, clock=clock)
    periodic = PeriodicLog(run, logger, interval=30)
    run.update(progress.ARXIV, 0, 100)
    run.update(progress.S2_TITLES, 0, 600)
    run.update(progress.LISTS, 2, 2)  # finished: never logged
    clock.now += 29
    assert periodic.tick() == []
    clock.now += 1
    run.update(progress.S2_TITLES, 30, 600)
    assert periodic.tick() == [
        "arXiv: 0/100 requests, about 4m 30s left (no progress for 30s)",
        "S2 titles: 30/600 title matches, about 9m 30s left",
    ]
    clock.now += 10
    assert periodic.tick() == []  # each stage once per interval
    clock.now += 20
    run.update(progress.ARXIV, 100, 100)
    assert periodic.tick() == [
        "S2 titles: 30/600 title matches, about 9m 00s left (no progress for 30s)"
    ]
    assert lines[0] == "Progress: arXiv: 0/100 requests, about 4m 30s left (no progress for 30s)"
    assert len(lines) == 3


def test_the_periodic_log_thread_runs_only_inside_its_block(
    logged: tuple[logging.Logger, list[str]],
) -> None:
    logger, lines = logged
    clock = FakeClock()
    run = RunProgress(clock=clock)
    run.update(progress.S2, 0, 2)
    with PeriodicLog(run, logger, interval=30, check_every=0.01):
        assert any(t.name == "enrich-progress" for t in threading.enumerate())
        clock.now += 31
        deadline = time.monotonic() + 5
        while not lines and time.monotonic() < deadline:
            time.sleep(0.01)
    assert lines == ["Progress: S2 ids: 0/2 batch requests (no progress for 31s)"]
    assert not any(t.name == "enrich-progress" for t in threading.enumerate())


def test_reporting_logs_periodically_unless_a_caller_shows_the_progress(
    logged: tuple[logging.Logger, list[str]],
) -> None:
    logger, _ = logged
    assert caller_progress() is None
    with reporting(logger, {progress.ARXIV: 3.0}) as own:
        assert any(t.name == "enrich-progress" for t in threading.enumerate())
        own.update(progress.ARXIV, 0, 1)
        assert own.stages()[0].pace == 3.0
    shown = RunProgress()
    with shown_by_caller(shown):
        assert caller_progress() is shown
        with reporting(logger, {progress.S2: 1.0}) as given:
            assert given is shown
            assert not any(t.name == "enrich-progress" for t in threading.enumerate())
    assert caller_progress() is None


# --------------------------------------------------------------------------- live display


def test_the_live_display_shows_each_stage_and_prints_log_lines_above_it() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, color_system=None)
    emitted: list[str] = []

    class TerminalHandler(logging.StreamHandler):  # type: ignore[type-arg]
        def emit(self, record: logging.LogRecord) -> None:
            emitted.append(record.getMessage())

    terminal = TerminalHandler(sys.__stderr__)
    root = logging.getLogger()
    root.addHandler(terminal)
    try:
        with LiveProgress(console) as live:
            live.progress.set_paces({progress.ARXIV: 3.0})
            live.progress.update(progress.ARXIV, 23, 100)
            logging.getLogger("test.progress.live").warning("a log line during the run")
            live.progress.update(progress.S2_TITLES, 140, 600)
    finally:
        root.removeHandler(terminal)
    output = buffer.getvalue()
    assert "a log line during the run" in output
    assert emitted == []  # printed through the display, not written over it
    assert "arXiv" in output and "23/100" in output and "requests" in output
    assert "S2 titles" in output and "140/600" in output
    assert "left" in output
    assert "starting" not in output.rsplit("a log line", 1)[1]  # gone once a stage reported
