"""enrich.collector: the collector is paused or relaxed only inside the block, and restored
after it, also when the block raises (a run must not leave the process without collection)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from enrich.collector import RUN_GC_THRESHOLD, gc_paused, relaxed_gc


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    enabled, thresholds = gc.isenabled(), gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    (gc.enable if enabled else gc.disable)()


def test_gc_paused_disables_inside_and_enables_after() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_gc_paused_nested_leaves_the_outer_pause_in_place() -> None:
    gc.enable()
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()  # the inner block must not re-enable the outer pause
    assert gc.isenabled()


def test_gc_paused_keeps_a_disabled_collector_disabled() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_gc_paused_restores_when_the_block_raises() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("write failed")
    assert gc.isenabled()


def test_relaxed_gc_raises_the_first_threshold_and_restores_it() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), relaxed_gc():
        assert gc.get_threshold()[0] == RUN_GC_THRESHOLD
        raise RuntimeError("source failed")
    assert gc.get_threshold() == (700, 10, 10)
