"""enrich.handoff: items handed from a producer thread to a consumer thread, in chunks."""

from __future__ import annotations

import queue
import threading

import pytest

from enrich.handoff import Handoff, HandoffAborted


def consume_in_thread(handoff: Handoff[int]) -> tuple[threading.Thread, queue.SimpleQueue[object]]:
    """Iterate ``handoff`` in a thread; every item (then "end", or the exception) is put in the
    returned queue as soon as the consumer sees it."""
    seen: queue.SimpleQueue[object] = queue.SimpleQueue()

    def consume() -> None:
        try:
            for item in handoff:
                seen.put(item)
        except HandoffAborted as error:
            seen.put(error)
            return
        seen.put("end")

    thread = threading.Thread(target=consume)
    thread.start()
    return thread, seen


def test_items_reach_the_consumer_in_order_and_the_stream_ends_on_close() -> None:
    handoff: Handoff[int] = Handoff(chunk=3)
    thread, seen = consume_in_thread(handoff)
    for item in range(7):
        handoff.put(item)
    assert handoff.producing
    handoff.close()
    assert not handoff.producing
    thread.join(timeout=5)
    assert [seen.get_nowait() for _ in range(8)] == [0, 1, 2, 3, 4, 5, 6, "end"]


def test_a_full_chunk_reaches_the_consumer_before_the_producer_is_done() -> None:
    handoff: Handoff[int] = Handoff(chunk=2)
    thread, seen = consume_in_thread(handoff)
    handoff.put(1)
    with pytest.raises(queue.Empty):  # half a chunk stays with the producer
        seen.get(timeout=0.2)
    handoff.put(2)
    assert [seen.get(timeout=5), seen.get(timeout=5)] == [1, 2]
    handoff.close()
    thread.join(timeout=5)
    assert seen.get_nowait() == "end"


def test_abort_makes_the_consumer_raise_instead_of_acting_on_a_partial_stream() -> None:
    handoff: Handoff[int] = Handoff(chunk=2)
    thread, seen = consume_in_thread(handoff)
    for item in range(3):
        handoff.put(item)
    handoff.abort()
    thread.join(timeout=5)
    assert [seen.get_nowait(), seen.get_nowait()] == [0, 1]  # the chunk handed over before
    assert isinstance(seen.get_nowait(), HandoffAborted)  # item 2 was still buffered: dropped
    assert not thread.is_alive()


def test_ending_twice_keeps_the_first_end() -> None:
    closed: Handoff[int] = Handoff()
    closed.put(1)
    closed.close()
    closed.abort()  # e.g. a producer's `finally` after it closed
    assert list(closed) == [1]

    aborted: Handoff[int] = Handoff()
    aborted.abort()
    aborted.close()
    with pytest.raises(HandoffAborted):
        list(aborted)


def test_misuse_is_refused() -> None:
    handoff: Handoff[int] = Handoff()
    handoff.close()
    with pytest.raises(RuntimeError, match="put after"):
        handoff.put(1)
    assert list(handoff) == []
    with pytest.raises(RuntimeError, match="iterated once"):
        iter(handoff)
    with pytest.raises(ValueError, match="chunk"):
        Handoff(chunk=0)
