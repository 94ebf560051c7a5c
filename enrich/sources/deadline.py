"""A total deadline for one HTTP exchange, and a stop signal that ends every wait of a run.

Socket timeouts count per read: a server that sends one byte every few seconds never trips them,
and one request could hold a run for hours. :func:`run_with_deadline` runs the exchange on a
helper thread and gives up on it when its deadline (connect to last byte) passes, so the caller
moves on at the deadline whatever the server does. The helper is told it was abandoned
(:attr:`Deadline.expired`) and stops reading at its next chunk; it is a daemon thread, so it
never keeps the process alive.

:class:`StopSignal` is set once when a run must end (SIGTERM, a cancelled flow run): every pace
wait, back-off wait and pending exchange that watches it returns at once with :class:`RunStopped`,
so a run ends within moments instead of after its longest wait. Both know nothing about any
service.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from enrich.errors import RunStopped

__all__ = ["Deadline", "DeadlineExceeded", "StopSignal", "run_with_deadline"]

_T = TypeVar("_T")


class DeadlineExceeded(Exception):
    """The exchange did not finish before its deadline (raised in the caller's thread)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds


class StopSignal:
    """Set once to end every wait that watches it (thread-safe; it cannot be cleared)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._event = threading.Event()
        self._listeners: list[threading.Event] = []

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        with self._lock:
            self._event.set()
            listeners = list(self._listeners)
        for listener in listeners:
            listener.set()

    def check(self) -> None:
        """Raise :class:`RunStopped` when the signal is set."""
        if self._event.is_set():
            raise RunStopped("the run was told to stop; no further request is made")

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` unless the signal is set first (then :class:`RunStopped`)."""
        self.check()
        if seconds > 0 and self._event.wait(seconds):
            self.check()

    def _listen(self, event: threading.Event) -> None:
        with self._lock:
            self._listeners.append(event)
            if self._event.is_set():
                event.set()

    def _forget(self, event: threading.Event) -> None:
        with self._lock:
            if event in self._listeners:
                self._listeners.remove(event)


class Deadline:
    """When an exchange must be complete; the helper thread checks :attr:`expired` per chunk."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._ends = clock() + seconds
        self._abandoned = threading.Event()

    def remaining(self) -> float:
        return max(0.0, self._ends - self._clock())

    @property
    def expired(self) -> bool:
        """True once the deadline has passed or the caller stopped waiting."""
        return self._abandoned.is_set() or self._clock() >= self._ends

    def abandon(self) -> None:
        self._abandoned.set()


def run_with_deadline(
    work: Callable[[Deadline], _T],
    seconds: float,
    *,
    stop: StopSignal | None = None,
    name: str = "exchange",
) -> _T:
    """``work(deadline)`` on a daemon thread: its result, or its exception re-raised here.

    Raises :class:`DeadlineExceeded` when it has not finished after ``seconds`` (real time), and
    :class:`RunStopped` as soon as ``stop`` is set; in both cases the helper is abandoned
    (``deadline.expired`` turns true) and left to end on its own.
    """
    if stop is not None:
        stop.check()
    deadline = Deadline(seconds)
    finished = threading.Event()
    woken = threading.Event()  # set when the work finishes or the run is told to stop
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work(deadline)
        except BaseException as error:  # handed to the caller, which decides
            outcome["error"] = error
        finally:
            # Work that ends only after its deadline (e.g. because it saw it pass) is late,
            # whichever thread wakes first.
            outcome["late"] = deadline.expired
            finished.set()
            woken.set()

    if stop is not None:
        stop._listen(woken)
    try:
        threading.Thread(target=target, name=f"deadline-{name}", daemon=True).start()
        woken.wait(seconds)
    finally:
        if stop is not None:
            stop._forget(woken)
    if not finished.is_set() or outcome.get("late"):
        deadline.abandon()
        if stop is not None:
            stop.check()
        raise DeadlineExceeded(seconds)
    if "error" in outcome:
        error = outcome["error"]
        assert isinstance(error, BaseException)
        raise error
    return outcome["value"]  # type: ignore[return-value]
