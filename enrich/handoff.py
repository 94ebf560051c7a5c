"""Items handed from one thread to another, in order, while the producer is still working.

A run extracts its lists and hands each entry's arXiv id over to the arXiv fetch as it goes, so
that arXiv is asked (and its pace spent) while the rest of the lists are still being extracted.
Work done before the first request is work no pace hides: it is what a run costs above its
rate-limit floor (``benchmarks/README.md``, ``benchmarks/steps.py``).

One thread puts, one thread iterates. Items travel in chunks, so that the consumer is woken once
per chunk rather than once per item (each wake-up is a switch of the interpreter lock).
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from typing import Final, Generic, TypeVar

__all__ = ["Handoff", "HandoffAborted"]

T = TypeVar("T")

#: Items per chunk by default: arXiv's batch size, so a full batch is woken for at once.
DEFAULT_CHUNK = 100


class HandoffAborted(RuntimeError):
    """Raised to the consumer when the producer failed: what it handed over is incomplete."""


class _End:
    """The marker that ends the stream: ``failed`` when the producer gave up."""

    def __init__(self, *, failed: bool) -> None:
        self.failed = failed


_DONE: Final = _End(failed=False)
_FAILED: Final = _End(failed=True)


class Handoff(Generic[T]):
    """A one-way stream of items from a producer thread to a consumer thread.

    The producer calls :meth:`put` for each item, then :meth:`close` when it is done, or
    :meth:`abort` when it failed (the consumer's iteration then raises :class:`HandoffAborted`
    instead of ending, so it does not act on a partial stream). Iterating blocks until the next
    chunk is handed over; a handoff is iterated once.
    """

    def __init__(self, chunk: int = DEFAULT_CHUNK) -> None:
        if chunk < 1:
            raise ValueError(f"chunk must be >= 1, got {chunk}")
        self._chunk = chunk
        self._buffer: list[T] = []  # the producer's side only
        self._chunks: queue.SimpleQueue[list[T] | _End] = queue.SimpleQueue()
        self._ended = False
        self._iterated = False

    @property
    def producing(self) -> bool:
        """True until the producer closes or aborts the handoff."""
        return not self._ended

    def put(self, item: T) -> None:
        """Hand ``item`` over (it reaches the consumer with its chunk)."""
        if self._ended:
            raise RuntimeError("put after the handoff was closed")
        self._buffer.append(item)
        if len(self._buffer) >= self._chunk:
            self._flush()

    def close(self) -> None:
        """The producer is done: the consumer gets what is left, then its iteration ends."""
        self._end(_DONE)

    def abort(self) -> None:
        """The producer failed: the consumer's iteration raises :class:`HandoffAborted`."""
        self._buffer = []
        self._end(_FAILED)

    def __iter__(self) -> Iterator[T]:
        if self._iterated:
            raise RuntimeError("a handoff is iterated once")
        self._iterated = True
        return self._items()

    def _items(self) -> Iterator[T]:
        while True:
            chunk = self._chunks.get()
            if isinstance(chunk, _End):
                if chunk.failed:
                    raise HandoffAborted("the producer failed before handing everything over")
                return
            yield from chunk

    def _flush(self) -> None:
        if self._buffer:
            self._chunks.put(self._buffer)
            self._buffer = []

    def _end(self, marker: _End) -> None:
        # Idempotent: a producer's `finally` may close after an abort (or twice).
        if self._ended:
            return
        self._flush()
        self._ended = True
        self._chunks.put(marker)
