"""A fake monotonic clock for the tests of paced, retrying code (no real sleeping)."""

from __future__ import annotations


class FakeClock:
    """Monotonic time that only moves when something sleeps on it.

    Pass the instance as ``clock`` and its :meth:`sleep` as ``sleep``; :attr:`slept` lists every
    wait asked for, in order.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
