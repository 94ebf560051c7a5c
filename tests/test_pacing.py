"""Pacer, CircuitBreaker, Backoff and Retry-After, on a fake clock (no real sleeping)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from fake_clock import FakeClock

from enrich.errors import SourceDownError
from enrich.sources.pacing import Backoff, CircuitBreaker, Pacer, retry_after_seconds


def test_first_request_does_not_wait_and_later_ones_keep_the_interval() -> None:
    clock = FakeClock(start=100.0)
    pacer = Pacer(3.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(4):
        pacer.wait()
        starts.append(clock.now)
    assert starts == [100.0, 103.0, 106.0, 109.0]


def test_time_already_spent_counts_towards_the_interval() -> None:
    clock = FakeClock(start=100.0)
    pacer = Pacer(3.0, clock=clock, sleep=clock.sleep)
    pacer.wait()
    clock.now += 2.0  # the request itself took 2 s
    assert pacer.wait() == pytest.approx(1.0)
    clock.now += 10.0
    assert pacer.wait() == 0.0


def test_defer_honours_retry_after_beyond_the_interval() -> None:
    clock = FakeClock(start=100.0)
    pacer = Pacer(1.0, clock=clock, sleep=clock.sleep)
    pacer.wait()
    pacer.defer(7.0)
    assert pacer.wait() == pytest.approx(7.0)
    assert pacer.waited == pytest.approx(7.0)


def test_negative_interval_is_rejected() -> None:
    with pytest.raises(ValueError, match="pace interval"):
        Pacer(-1)


def test_breaker_opens_after_threshold_consecutive_failures_and_success_resets() -> None:
    breaker = CircuitBreaker("s2", threshold=2)
    breaker.record_failure("HTTP 503")
    breaker.check()
    breaker.record_success()
    breaker.record_failure("HTTP 503")
    breaker.check()
    breaker.record_failure("timeout")
    with pytest.raises(SourceDownError, match=r"s2 marked down.*timeout"):
        breaker.check()


def test_before_start_is_called_once_per_request_start_after_the_local_pace() -> None:
    clock = FakeClock(start=100.0)
    calls: list[float] = []
    pacer = Pacer(3.0, clock=clock, sleep=clock.sleep, before_start=lambda: calls.append(clock.now))
    starts = []
    for _ in range(3):
        pacer.wait()
        starts.append(clock.now)
    # Called at each start, once, after the local pace has been waited for.
    assert calls == [100.0, 103.0, 106.0]
    assert calls == starts


def test_time_blocked_in_before_start_counts_as_waited_and_towards_the_interval() -> None:
    clock = FakeClock(start=100.0)

    def shared_limit_busy() -> None:
        clock.now += 5.0  # another worker holds the shared slot for 5 s

    pacer = Pacer(3.0, clock=clock, sleep=clock.sleep, before_start=shared_limit_busy)
    assert pacer.wait() == pytest.approx(5.0)
    assert clock.now == 105.0
    # The local interval runs from the real start (105), not from when wait() was called.
    clock.now += 1.0
    assert pacer.wait() == pytest.approx(2.0 + 5.0)
    assert pacer.waited == pytest.approx(12.0)


def test_an_error_in_before_start_reaches_the_caller() -> None:
    def limit_missing() -> None:
        raise RuntimeError("limit 'x' does not exist")

    pacer = Pacer(0.0, before_start=limit_missing)
    with pytest.raises(RuntimeError, match="does not exist"):
        pacer.wait()


# --------------------------------------------------------------------------- back-off, Retry-After


def test_backoff_doubles_its_window_up_to_the_cap_and_waits_at_least_half_of_it() -> None:
    backoff = Backoff(1.0, 60.0, rng=random.Random(3))
    assert [backoff.window(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff.window(10_000) == 60  # no overflow however long the burst
    for number in range(1, 12):
        wait = backoff(number)
        assert backoff.window(number) / 2 <= wait <= backoff.window(number)


def test_backoff_jitter_differs_between_clients() -> None:
    first = [Backoff(1.0, 60.0, rng=random.Random(1))(n) for n in range(1, 8)]
    second = [Backoff(1.0, 60.0, rng=random.Random(2))(n) for n in range(1, 8)]
    assert first != second
    with pytest.raises(ValueError, match="initial"):
        Backoff(0.0, 60.0)


NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("Fri, 02 Jan 2026 03:04:35 GMT", 30.0),  # an HTTP date, RFC 9110 section 10.2.3
        ("Fri, 02 Jan 2026 03:00:00 GMT", 0.0),  # in the past: no wait
        ("-5", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("inf", None),
        ("nan", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after_seconds(header, NOW) == seconds
