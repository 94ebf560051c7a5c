"""Progress of a run, stage by stage: counts, and the time left estimated from the known pace.

The stages report through one callback, a :data:`ProgressHook` ``(stage, done, total)``: the
service clients count their requests (arXiv queries, S2 batches, S2 title matches), the
pipeline counts lists read and the snapshot. :class:`RunProgress` keeps the latest count of every
stage and estimates the time left from the pace each service allows (``remaining × pace``, or
the pace observed so far when that is slower: retries, a slow service). Two displays read it:

* :class:`LiveProgress`, on a terminal: rich's progress bars, one per stage, with log lines
  printed above them instead of through them;
* :class:`PeriodicLog`, anywhere else (a nightly run, a worker): one log line per running stage
  every ``interval`` seconds, so a stuck run is visible in the Prefect UI as such (its count
  stands still while the lines keep coming).

A caller that shows a live display (``enrich run`` on a terminal) hands its :class:`RunProgress`
to the flow with :func:`shown_by_caller`: a flow's parameters must be JSON, a display is not.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
)
from rich.text import Text

__all__ = [
    "ARXIV",
    "LISTS",
    "S2",
    "S2_TITLES",
    "SNAPSHOT",
    "LiveProgress",
    "PeriodicLog",
    "ProgressHook",
    "RunProgress",
    "StageCounter",
    "StageProgress",
    "caller_progress",
    "format_seconds",
    "reporting",
    "shown_by_caller",
]

#: ``hook(stage, done, total)``: ``done`` of ``total`` units of ``stage`` are finished.
ProgressHook = Callable[[str, int, int], None]
Clock = Callable[[], float]

# Stage names (the manifest's source roles where a stage is a source).
LISTS = "lists"
ARXIV = "arxiv"
S2 = "s2"
S2_TITLES = "s2_titles"
SNAPSHOT = "snapshot"

#: Stage -> (label, unit), in display order.
_STAGES: dict[str, tuple[str, str]] = {
    LISTS: ("lists", "lists read"),
    ARXIV: ("arXiv", "requests"),
    S2: ("S2 ids", "batch requests"),
    S2_TITLES: ("S2 titles", "title matches"),
    SNAPSHOT: ("snapshot", "steps"),
}
#: How often a running stage is logged when no live display shows it (seconds).
LOG_INTERVAL_SECONDS = 30.0


def format_seconds(seconds: float) -> str:
    """``3h 02m``, ``3m 51s``, ``12s``."""
    whole = max(0, math.ceil(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


@dataclass(frozen=True)
class StageProgress:
    """One stage's count at ``updated_at`` (a clock reading, seconds)."""

    stage: str
    done: int
    total: int
    started_at: float
    updated_at: float
    pace: float | None = None  # seconds per unit the service allows; None: not paced

    @property
    def label(self) -> str:
        return _STAGES.get(self.stage, (self.stage, ""))[0]

    @property
    def unit(self) -> str:
        return _STAGES.get(self.stage, ("", "steps"))[1]

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    def seconds_left(self, now: float) -> float | None:
        """Estimated seconds until the stage is done, or None when nothing tells.

        ``remaining × pace`` (the least the service allows), or the pace observed so far when
        that is slower; counted from the last update, so the estimate runs down between two.
        """
        remaining = self.total - self.done
        if remaining <= 0:
            return 0.0
        per_unit = self.pace or 0.0
        if self.done > 0 and self.updated_at > self.started_at:
            per_unit = max(per_unit, (self.updated_at - self.started_at) / self.done)
        if per_unit <= 0:
            return None
        return max(0.0, remaining * per_unit - (now - self.updated_at))

    def describe(self, now: float) -> str:
        """``arXiv: 23/100 requests, about 3m 51s left``."""
        text = f"{self.label}: {self.done}/{self.total} {self.unit}"
        if self.finished:
            return text + ", done"
        left = self.seconds_left(now)
        if left is not None:
            text += f", about {format_seconds(left)} left"
        idle = now - self.updated_at
        if idle >= LOG_INTERVAL_SECONDS:
            text += f" (no progress for {format_seconds(idle)})"
        return text


Listener = Callable[[StageProgress], None]


class RunProgress:
    """The latest count of every stage of one run (thread-safe); :meth:`update` is the hook.

    ``paces`` (stage -> seconds per unit) feed the estimates; ``clock`` is injectable.
    """

    def __init__(
        self, paces: Mapping[str, float] | None = None, *, clock: Clock = time.monotonic
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._paces: dict[str, float] = dict(paces or {})
        self._stages: dict[str, StageProgress] = {}
        self._listeners: list[Listener] = []

    @property
    def clock(self) -> Clock:
        return self._clock

    def set_paces(self, paces: Mapping[str, float]) -> None:
        """Seconds per unit of the paced stages (known once the run's settings are)."""
        with self._lock:
            self._paces.update(paces)
            for stage, state in self._stages.items():
                if stage in paces:
                    self._stages[stage] = replace(state, pace=paces[stage])

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with a stage's new state after each update (on the caller's thread)."""
        with self._lock:
            self._listeners.append(listener)

    def update(self, stage: str, done: int, total: int) -> None:
        """Record that ``done`` of ``total`` units of ``stage`` are finished."""
        now = self._clock()
        total = max(total, done, 0)
        with self._lock:
            previous = self._stages.get(stage)
            started = previous.started_at if previous is not None else now
            if previous is not None and previous.finished and done < previous.done:
                started = now  # the stage runs again (e.g. S2 title matches for suggestions)
            updated = now
            if previous is not None and (previous.done, previous.total) == (done, total):
                updated = previous.updated_at  # a repeated report is no progress
            state = StageProgress(
                stage=stage,
                done=done,
                total=total,
                started_at=started,
                updated_at=updated,
                pace=self._paces.get(stage),
            )
            self._stages[stage] = state
            listeners = list(self._listeners)
        for listener in listeners:
            listener(state)

    def stages(self) -> list[StageProgress]:
        """Every stage reported so far, in display order."""
        order = list(_STAGES)
        with self._lock:
            states = list(self._stages.values())
        return sorted(
            states, key=lambda s: order.index(s.stage) if s.stage in order else len(order)
        )

    def running(self) -> list[StageProgress]:
        """Stages started and not finished."""
        return [state for state in self.stages() if not state.finished]


class StageCounter:
    """Counts one stage's units for a :data:`ProgressHook` (None: counts nothing).

    :meth:`plan` adds units to do (several calls add up: a second round, a split batch),
    :meth:`step` finishes one.
    """

    def __init__(self, hook: ProgressHook | None, stage: str) -> None:
        self._hook = hook
        self._stage = stage
        self.done = 0
        self.total = 0

    def plan(self, units: int) -> None:
        self.total += units
        self._report()

    def step(self, units: int = 1) -> None:
        self.done += units
        self._report()

    def _report(self) -> None:
        if self._hook is not None:
            self._hook(self._stage, self.done, self.total)


# --------------------------------------------------------------------------- not a terminal


class PeriodicLog:
    """Logs every running stage of ``progress`` once per ``interval`` seconds, from a thread.

    :meth:`tick` does one round (tests call it with an injected clock); the thread started by
    the context manager calls it every ``check_every`` seconds (default: a second, or a quarter
    of the interval when that is shorter).
    """

    def __init__(
        self,
        progress: RunProgress,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        *,
        interval: float = LOG_INTERVAL_SECONDS,
        check_every: float | None = None,
    ) -> None:
        check_every = min(1.0, interval / 4) if check_every is None else check_every
        if interval <= 0 or check_every <= 0:
            raise ValueError(f"interval and check_every must be > 0: {interval}, {check_every}")
        self._progress = progress
        self._logger = logger
        self._interval = interval
        self._check_every = check_every
        self._logged_at: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> list[str]:
        """Log the running stages not logged for ``interval`` seconds; return the lines."""
        now = self._progress.clock()
        lines = []
        for state in self._progress.running():
            # The first line comes one interval after the stage started: short stages stay quiet.
            since = self._logged_at.get(state.stage, state.started_at)
            if now - since >= self._interval:
                self._logged_at[state.stage] = now
                lines.append(state.describe(now))
        for line in lines:
            self._logger.info("Progress: %s", line)
        return lines

    def _run(self) -> None:
        while not self._stop.wait(self._check_every):
            try:
                self.tick()
            except Exception:  # a display must never end a run
                logging.getLogger(__name__).exception("progress log failed")

    def __enter__(self) -> PeriodicLog:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="enrich-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


# --------------------------------------------------------------------------- a terminal


class LiveProgress:
    """rich progress bars for the stages of ``progress`` on ``console`` (a terminal).

    While it shows, log records that root's console handlers would write to the terminal are
    printed through the display instead (above the bars), so they never break it.
    """

    def __init__(self, console: Console, progress: RunProgress | None = None) -> None:
        self.console = console
        self.progress = progress or RunProgress()
        self._bars: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._starting: TaskID | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> LiveProgress:
        bars = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(bar_width=30),
            _CountColumn(),
            TextColumn("{task.fields[unit]}"),
            _TimeLeftColumn(self.progress),
            console=self.console,
            redirect_stdout=True,
            redirect_stderr=True,
        )
        self._bars = bars
        self._stack.enter_context(bars)
        self._starting = bars.add_task("starting", total=None, unit="Prefect", stage="")
        self._stack.enter_context(_logs_through(self.console))
        self.progress.add_listener(self._show)
        return self

    def _show(self, state: StageProgress) -> None:
        bars = self._bars
        if bars is None:
            return
        if self._starting is not None:
            bars.remove_task(self._starting)
            self._starting = None
        task = self._tasks.get(state.stage)
        if task is None:
            task = bars.add_task(state.label, total=state.total, unit=state.unit, stage=state.stage)
            self._tasks[state.stage] = task
        bars.update(task, completed=state.done, total=state.total)

    def __exit__(self, *exc_info: object) -> None:
        self._bars = None
        self._stack.close()


class _CountColumn(ProgressColumn):
    """``23/100``; nothing while the total is unknown (Prefect still starting)."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed)}/{int(task.total)}")


class _TimeLeftColumn(ProgressColumn):
    """``about 3m 51s left`` from the stage's pace (rich's own column guesses from its speed)."""

    def __init__(self, progress: RunProgress) -> None:
        super().__init__()
        self._progress = progress

    def render(self, task: Task) -> Text:
        stage = task.fields.get("stage")
        state = next((s for s in self._progress.stages() if s.stage == stage), None)
        if state is None:
            return Text("")
        if state.finished:
            return Text("done", style="green")
        left = state.seconds_left(self._progress.clock())
        return Text("" if left is None else f"about {format_seconds(left)} left", style="cyan")


class _ThroughConsole(logging.Filter):
    """On a handler writing to the terminal: print the record through ``console`` instead."""

    def __init__(self, handler: logging.Handler, console: Console) -> None:
        super().__init__()
        self._handler = handler
        self._console = console

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self._handler.level:
            return False
        self._console.print(Text(self._handler.format(record)), soft_wrap=True)
        return False


@contextlib.contextmanager
def _logs_through(console: Console) -> Iterator[None]:
    terminal_streams = {id(sys.__stderr__), id(sys.__stdout__)}
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.StreamHandler)
        and id(getattr(handler, "stream", None)) in terminal_streams
    ]
    filters = [_ThroughConsole(handler, console) for handler in handlers]
    for handler, through in zip(handlers, filters, strict=True):
        handler.addFilter(through)
    try:
        yield
    finally:
        for handler, through in zip(handlers, filters, strict=True):
            handler.removeFilter(through)


# --------------------------------------------------------------------------- hand-over

_SHOWN: contextvars.ContextVar[RunProgress | None] = contextvars.ContextVar(
    "enrich_progress_shown", default=None
)


@contextlib.contextmanager
def shown_by_caller(progress: RunProgress) -> Iterator[RunProgress]:
    """Within the block, runs report to ``progress`` (which the caller shows) instead of
    logging periodically."""
    token = _SHOWN.set(progress)
    try:
        yield progress
    finally:
        _SHOWN.reset(token)


def caller_progress() -> RunProgress | None:
    """The :class:`RunProgress` a caller shows (see :func:`shown_by_caller`), if any."""
    return _SHOWN.get()


@contextlib.contextmanager
def reporting(
    logger: logging.Logger | logging.LoggerAdapter[Any],
    paces: Mapping[str, float],
    *,
    interval: float = LOG_INTERVAL_SECONDS,
) -> Iterator[RunProgress]:
    """The run's progress: the caller's live display when there is one, else a
    :class:`PeriodicLog` to ``logger`` for the duration of the block."""
    shown = caller_progress()
    if shown is not None:
        shown.set_paces(paces)
        yield shown
        return
    progress = RunProgress(paces)
    with PeriodicLog(progress, logger, interval=interval):
        yield progress
