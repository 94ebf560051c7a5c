"""Pacer and CircuitBreaker, on a fake clock (no real sleeping)."""

from __future__ import annotations

import pytest
from fake_clock import FakeClock

from enrich.errors import SourceDownError
from enrich.pacing import CircuitBreaker, Pacer


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
