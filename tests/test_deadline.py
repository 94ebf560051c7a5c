"""A total deadline per exchange and the stop signal (real, short waits: these are the point)."""

from __future__ import annotations

import threading
import time

import pytest

from enrich.errors import RunStopped
from enrich.sources.deadline import Deadline, DeadlineExceeded, StopSignal, run_with_deadline


def test_a_result_or_an_error_of_the_work_comes_back_to_the_caller() -> None:
    assert run_with_deadline(lambda deadline: 42, 1.0) == 42

    def fails(deadline: Deadline) -> int:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        run_with_deadline(fails, 1.0)


def test_work_past_its_deadline_is_abandoned_and_told_so() -> None:
    saw_expired = threading.Event()

    def drip(deadline: Deadline) -> None:
        while not deadline.expired:  # like reading one chunk after another
            time.sleep(0.01)
        saw_expired.set()

    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"within 0\.2 s"):
        run_with_deadline(drip, 0.2)
    assert 0.2 <= time.monotonic() - started < 2.0
    assert saw_expired.wait(1.0)


def test_the_stop_signal_ends_the_wait_for_work_that_never_ends() -> None:
    stop = StopSignal()
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    with pytest.raises(RunStopped):
        run_with_deadline(lambda deadline: time.sleep(30), 30.0, stop=stop)
    assert time.monotonic() - started < 3.0
    with pytest.raises(RunStopped):  # and nothing new starts once it is set
        run_with_deadline(lambda deadline: 1, 1.0, stop=stop)


def test_stop_sleep_waits_unless_the_signal_comes_first() -> None:
    stop = StopSignal()
    started = time.monotonic()
    stop.sleep(0.05)
    assert time.monotonic() - started >= 0.05
    threading.Timer(0.05, stop.set).start()
    with pytest.raises(RunStopped):
        stop.sleep(30)
    assert time.monotonic() - started < 3.0
    assert stop.is_set
