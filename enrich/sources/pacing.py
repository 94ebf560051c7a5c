"""Request pacing, back-off, ``Retry-After`` and a circuit breaker, shared by the service modules.

Each service module owns one :class:`Pacer` and one :class:`CircuitBreaker` per run; these classes
know nothing about any service. Clock, sleep and randomness are injectable so tests never wait
for real.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import random
import threading
import time
from collections.abc import Callable

from enrich.errors import SourceDownError

Clock = Callable[[], float]
Sleep = Callable[[float], None]
#: Called right before each request start, after the local pace; it may block (e.g. to take a
#: slot of a rate limit shared with other processes) and its exceptions propagate to the caller.
BeforeStart = Callable[[], None]


class Pacer:
    """Keeps request starts at least ``interval`` seconds apart (across threads).

    :meth:`defer` pushes the next allowed start later, e.g. to honour a ``Retry-After``.
    ``before_start``, when given, is called once per :meth:`wait`, after the local pace and
    before it returns (so before the request starts); the time it blocks counts as waited.
    """

    def __init__(
        self,
        interval: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        before_start: BeforeStart | None = None,
    ) -> None:
        if interval < 0:
            raise ValueError(f"pace interval must be >= 0, got {interval}")
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._before_start = before_start
        self._lock = threading.Lock()
        self._next_start: float | None = None
        self.waited = 0.0

    def wait(self) -> float:
        """Block until a request may start; return how long it waited."""
        with self._lock:
            now = self._clock()
            delay = 0.0 if self._next_start is None else max(0.0, self._next_start - now)
            if delay > 0:
                self._sleep(delay)
            if self._before_start is not None:
                # Inside the lock: threads of one process take the shared slots one at a time.
                self._before_start()
                start = self._clock()
                delay = max(delay, start - now)
            else:
                start = self._clock() if delay > 0 else now
            self._next_start = max(start, now + delay) + self.interval
            self.waited += delay
            return delay

    def defer(self, seconds: float) -> None:
        """Allow no request to start for ``seconds`` from now (at least one interval)."""
        with self._lock:
            earliest = self._clock() + max(seconds, self.interval)
            if self._next_start is None or earliest > self._next_start:
                self._next_start = earliest


class CircuitBreaker:
    """Marks a source down after ``threshold`` consecutive failed requests, for the rest of the run.

    A source that is down is not called again: :meth:`check` raises :class:`SourceDownError`, so
    the remaining keys are reported as failed at once instead of hammering a dead service.
    """

    def __init__(self, source: str, threshold: int) -> None:
        if threshold < 1:
            raise ValueError(f"breaker threshold must be >= 1, got {threshold}")
        self.source = source
        self.threshold = threshold
        self.consecutive_failures = 0
        self.last_error: str | None = None

    @property
    def is_open(self) -> bool:
        return self.consecutive_failures >= self.threshold

    def check(self) -> None:
        """Raise :class:`SourceDownError` when the source has been marked down."""
        if self.is_open:
            raise SourceDownError(
                f"{self.source} marked down after {self.consecutive_failures} consecutive "
                f"failed requests (last: {self.last_error})"
            )

    def record_success(self) -> None:
        self.consecutive_failures = 0

    def record_failure(self, error: str) -> None:
        self.consecutive_failures += 1
        self.last_error = error


class Backoff:
    """Exponential back-off with "equal jitter": wait ``n`` (from 1) is drawn uniformly from
    ``[w/2, w]`` with ``w = min(cap, initial * 2**(n-1))``.

    Half of each window is always waited (a burst of 429s is not met with near-zero waits), the
    other half is random so that clients do not retry in lockstep
    (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
    """

    def __init__(self, initial: float, cap: float, *, rng: random.Random | None = None) -> None:
        if not 0 < initial <= cap:
            raise ValueError(f"back-off needs 0 < initial <= cap, got {initial} and {cap}")
        self.initial = initial
        self.cap = cap
        self._rng = rng or random.Random()

    def window(self, retry_number: int) -> float:
        """The upper bound of wait ``retry_number`` (1 for the first retry)."""
        exponent = min(max(retry_number, 1) - 1, 62)  # 2**62 already passes any cap
        return min(self.cap, self.initial * 2.0**exponent)

    def __call__(self, retry_number: int) -> float:
        window = self.window(retry_number)
        return self._rng.uniform(window / 2, window)


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """A ``Retry-After`` header in seconds from ``now``, given as seconds or as an HTTP date
    (RFC 9110, section 10.2.3); None when absent or unreadable. Never negative."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP date is in GMT
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
