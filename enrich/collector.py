"""Garbage-collector settings for the stretches of a run that allocate the most.

Extraction, reconciling sources and writing a snapshot each create hundreds of thousands of
small objects that stay alive together and form no cycles; every full collection of Python's
cyclic collector walks all of them again (https://docs.python.org/3/library/gc.html). What the
collector would find there, reference counting frees anyway. Figures: benchmarks/README.md.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["RUN_GC_THRESHOLD", "gc_paused", "relaxed_gc"]

#: Allocations between two young-generation collections during a run (Python's default: 700).
RUN_GC_THRESHOLD = 50_000


@contextlib.contextmanager
def relaxed_gc() -> Iterator[None]:
    """Fewer cyclic garbage collections inside the block (the thresholds are restored after).

    A run keeps every record it fetches alive until its snapshot is written, so each full
    collection walks more of them; with Python's default thresholds the collector took half of
    the processing of an S2 batch of 500 papers. Collections still run, a seventieth as often,
    so a long nightly run does not accumulate cyclic garbage.
    """
    before = gc.get_threshold()
    gc.set_threshold(RUN_GC_THRESHOLD, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (a large list's parse, a snapshot's build
    and write: pausing halves the time of a 10,000-paper snapshot and keeps a 20 MB list's
    parse linear); whether the collector was enabled before is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
