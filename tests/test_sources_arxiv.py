"""ArxivSource against the local stand-in, through the real `arxiv` package.

Tests named ``test_trap_*`` each cover one arXiv trap listed in ../shared/API_NOTES.md.
Retry waits run on a fake clock (no real sleeping); only timeouts and the pace test take real
time, and little of it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import arxiv
import pytest
from fake_clock import FakeClock

from enrich.errors import RunStopped
from enrich.models import ArxivRecord, OutcomeStatus, SourceStatus
from enrich.settings import Settings
from enrich.sources.arxiv import ABSENT, MALFORMED, REJECTED, ArxivSource, normalize_arxiv_id
from enrich.sources.cache import MetadataCache
from enrich.sources.deadline import StopSignal
from enrich.standin import Fault, StandIn, responses

REAL = ["2401.04088", "2401.15947", "2210.15257", "1701.06538", "2204.07675"]


@pytest.fixture(scope="module")
def big_standin() -> Iterator[StandIn]:
    """A stand-in with 450 generated papers (2501.00001..2501.00450) for batching tests."""
    with StandIn(synthetic=450) as server:
        yield server


@pytest.fixture
def big(big_standin: StandIn) -> StandIn:
    big_standin.reset()
    big_standin.set_pace("arxiv", 0.0)
    return big_standin


def synthetic_ids(count: int) -> list[str]:
    return [f"arxiv:2501.{n:05d}" for n in range(1, count + 1)]


def point_at(settings: Settings, server: StandIn, **overrides: Any) -> Settings:
    return settings.model_copy(update={"arxiv_api_url": server.arxiv_url, **overrides})


def source_for(settings: Settings, clock: FakeClock | None = None) -> ArxivSource:
    clock = clock or FakeClock()
    return ArxivSource(settings, clock=clock, sleep=clock.sleep)


def sent_ids(server: StandIn) -> list[str]:
    return [
        one
        for logged in server.requests
        if logged.service == "arxiv"
        for one in logged.query.get("id_list", [""])[0].split(",")
    ]


# --------------------------------------------------------------------------- fields


def test_fields_are_mapped_from_the_feed(settings: Settings, standin: StandIn) -> None:
    result = source_for(settings).fetch(["2210.15257", "arxiv:2401.15947"])
    cvpr = result.outcomes["arxiv:2210.15257"].record
    assert cvpr is not None
    assert cvpr.title.startswith("ERNIE-ViLG 2.0: Improving Text-to-Image Diffusion Model")
    assert cvpr.doi == "10.1109/CVPR52729.2023.00977"
    assert cvpr.primary_category == "cs.CV"
    assert cvpr.categories[0] == "cs.CV"
    assert cvpr.published == dt.datetime(2022, 10, 27, tzinfo=dt.UTC)
    assert cvpr.pdf_url == "https://arxiv.org/pdf/2210.15257v1"
    assert cvpr.journal_ref is None and cvpr.comment is None
    llava = result.outcomes["arxiv:2401.15947"].record
    assert llava is not None
    assert llava.latest_version == 5
    assert llava.updated > llava.published
    assert llava.authors[0].name == "Bin Lin"
    assert result.health.standin  # the stand-in's answers say they are made up


def test_authors_keep_their_affiliations(settings: Settings, big: StandIn) -> None:
    record = (
        source_for(point_at(settings, big))
        .fetch(["2501.00007"])
        .outcomes["arxiv:2501.00007"]
        .record
    )
    assert record is not None
    assert [a.affiliations for a in record.authors] == [
        ["Stand-in University"],
        [],
        ["Stand-in Institute", "Stand-in Lab"],
    ]
    assert record.comment == "Generated paper 7; not a real paper"


def test_versioned_and_prefixed_ids_are_reduced_and_deduplicated(
    settings: Settings, standin: StandIn
) -> None:
    result = source_for(settings).fetch(["arxiv:2401.15947v2", "2401.15947", "ARXIV:2401.15947v5"])
    assert list(result.outcomes) == ["arxiv:2401.15947"]
    assert sent_ids(standin) == ["2401.15947"]
    record = result.outcomes["arxiv:2401.15947"].record
    assert record is not None and record.latest_version == 5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2401.04088", "2401.04088"),
        ("arxiv:2401.04088v12", "2401.04088"),
        ("0704.0001", "0704.0001"),
        ("hep-th/9901001v2", "hep-th/9901001"),
        ("math.GT/0309136", "math/0309136"),  # the subject class is not part of the id
        ("2413.00001", None),  # month 13
        ("1501.0001", None),  # 4-digit number after 2014
        ("1412.00001", None),  # 5-digit number before 2015
        ("0612.0001", None),  # new style did not exist before April 2007
        ("2401.04088v0", None),
        ("https://arxiv.org/abs/2401.04088", None),
        ("", None),
    ],
)
def test_normalize_arxiv_id(raw: str, expected: str | None) -> None:
    assert normalize_arxiv_id(raw) == expected


def test_a_single_string_is_refused(settings: Settings) -> None:
    with pytest.raises(TypeError, match="not a single string"):
        source_for(settings).fetch("2401.04088")


# --------------------------------------------------------------------------- traps


def test_trap_max_results_default_100_truncates(settings: Settings, big: StandIn) -> None:
    ids = synthetic_ids(150)
    result = source_for(point_at(settings, big)).fetch(ids)
    assert all(result.outcomes[key].status == OutcomeStatus.OK for key in ids)
    id_counts = [len(r.query["id_list"][0].split(",")) for r in big.requests]
    assert id_counts == [100, 50]


@pytest.mark.parametrize("count", [1, 100, 101, 250, 450])
def test_n_ids_cost_ceil_n_over_100_requests(settings: Settings, big: StandIn, count: int) -> None:
    result = source_for(point_at(settings, big)).fetch(synthetic_ids(count))
    assert big.count("arxiv") == math.ceil(count / 100)
    assert result.health.ok == count
    assert result.health.requests == math.ceil(count / 100)
    assert result.health.retries == 0


def test_trap_results_in_any_order_are_mapped_by_id(settings: Settings, standin: StandIn) -> None:
    result = source_for(settings).fetch(REAL)
    assert list(result.outcomes) == [f"arxiv:{i}" for i in REAL]
    for key, outcome in result.outcomes.items():
        assert outcome.record is not None
        assert f"arxiv:{outcome.record.arxiv_id}" == key
    assert result.outcomes["arxiv:1701.06538"].record.title.startswith("Outrageously")  # type: ignore[union-attr]


def test_trap_malformed_id_is_never_sent_so_the_batch_survives(
    settings: Settings, standin: StandIn
) -> None:
    result = source_for(settings).fetch(["2401.04088", "not-an-id", "2413.00001", "2210.15257"])
    statuses = {key: (o.status, o.reason) for key, o in result.outcomes.items()}
    assert statuses["arxiv:not-an-id"] == (OutcomeStatus.NOT_FOUND, MALFORMED)
    assert statuses["arxiv:2413.00001"] == (OutcomeStatus.NOT_FOUND, MALFORMED)
    assert statuses["arxiv:2401.04088"][0] == OutcomeStatus.OK
    assert statuses["arxiv:2210.15257"][0] == OutcomeStatus.OK
    assert sorted(sent_ids(standin)) == ["2210.15257", "2401.04088"]
    assert all(r.status == 200 for r in standin.requests)


def test_trap_id_arxiv_rejects_is_isolated_by_splitting(
    settings: Settings, standin: StandIn
) -> None:
    # Our check accepts any old-style archive name; arXiv (the stand-in) rejects unknown ones.
    ids = ["2401.04088", "2210.15257", "foo-bar/9901001", "1701.06538"]
    result = source_for(settings).fetch(ids)
    rejected = result.outcomes["arxiv:foo-bar/9901001"]
    assert (rejected.status, rejected.reason) == (OutcomeStatus.NOT_FOUND, REJECTED)
    assert all(
        result.outcomes[f"arxiv:{i}"].status == OutcomeStatus.OK
        for i in ("2401.04088", "2210.15257", "1701.06538")
    )
    assert result.health.status == SourceStatus.UP


def test_trap_unknown_id_is_absent_so_it_is_asked_twice(
    settings: Settings, standin: StandIn
) -> None:
    result = source_for(settings).fetch(["2401.04088", "2412.99999"])
    missing = result.outcomes["arxiv:2412.99999"]
    assert (missing.status, missing.reason) == (OutcomeStatus.NOT_FOUND, ABSENT)
    assert sent_ids(standin) == ["2401.04088", "2412.99999", "2412.99999"]
    assert result.health.status == SourceStatus.UP


def test_trap_total_results_counting_unknown_ids_costs_no_extra_page(
    settings: Settings, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # arXiv's totalResults may count requested ids it does not know (arxiv.py issue #82); the
    # package would then ask for a next page, unpaced, get it empty and fail the whole batch.
    real_feed = responses.arxiv_feed

    def feed_counting_every_id(
        query: dict[str, str], entries: list[Any], total: int, start: int
    ) -> bytes:
        requested = [part for part in query.get("id_list", "").split(",") if part]
        return real_feed(query, entries, max(total, len(requested)), start)

    monkeypatch.setattr(responses, "arxiv_feed", feed_counting_every_id)
    result = source_for(settings).fetch(["2401.04088", "2412.99999"])
    assert result.outcomes["arxiv:2401.04088"].status == OutcomeStatus.OK
    assert result.outcomes["arxiv:2412.99999"].status == OutcomeStatus.NOT_FOUND
    assert [r.query.get("start") for r in standin.requests] == [["0"], ["0"]]
    assert result.health.status == SourceStatus.UP


def test_trap_empty_first_page_looks_like_no_results(settings: Settings, standin: StandIn) -> None:
    standin.inject("arxiv", Fault.empty_page())
    result = source_for(settings).fetch(REAL)
    assert result.health.ok == len(REAL)
    assert standin.count("arxiv") == 2


def test_trap_no_atom_namespace_reads_as_zero_results(settings: Settings, standin: StandIn) -> None:
    standin.inject("arxiv", Fault.html())
    result = source_for(settings).fetch(REAL)
    assert result.health.ok == len(REAL)
    assert result.health.retries == 1


def test_trap_no_timeout_stalled_server_is_cut_off(settings: Settings, standin: StandIn) -> None:
    standin.inject("arxiv", Fault.stall(3.0))
    started = time.monotonic()
    result = source_for(point_at(settings, standin, request_timeout_seconds=0.3)).fetch(REAL)
    assert time.monotonic() - started < 2.5
    assert result.health.ok == len(REAL)
    assert result.health.retries == 1


def test_trap_fixed_delay_retries_replaced_by_backoff(settings: Settings, standin: StandIn) -> None:
    standin.inject("arxiv", Fault.http(503), Fault.http(503), Fault.http(503))
    clock = FakeClock()
    result = source_for(settings, clock).fetch(REAL)
    assert result.health.ok == len(REAL)
    assert clock.slept == [1.0, 2.0, 4.0]
    assert result.health.retries == 3 and result.health.failures == 0


def test_trap_client_setting_does_not_leak_into_the_package(
    settings: Settings, standin: StandIn
) -> None:
    source_for(settings).fetch(["2401.04088"])
    assert arxiv.Client.query_url_format == "https://export.arxiv.org/api/query?{}"
    assert standin.count("arxiv") == 1


def test_trap_pace_kept_by_one_shared_client(settings: Settings, standin: StandIn) -> None:
    pace = 0.2
    standin.set_pace("arxiv", pace)
    source = ArxivSource(point_at(settings, standin, arxiv_pace_seconds=pace))
    for arxiv_id in REAL[:3]:
        source.fetch([arxiv_id])
    arrivals = [r.at for r in standin.requests]
    assert len(arrivals) == 3
    assert standin.pace_violations == {}
    assert min(b - a for a, b in itertools.pairwise(arrivals)) >= pace - 0.05
    assert source.health.requests == 3


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    "fault",
    [
        Fault.http(500),
        Fault.http(502),
        Fault.http(503),
        Fault.http(504),
        Fault.rate_limit(retry_after=2.0),
        Fault.stall(1.5),
        Fault.drop(),
        Fault.empty_page(),
        Fault.truncated_feed(),
        Fault.html(),
        Fault.trickle(0.05),
        Fault.rate_limit(retry_after="Fri, 02 Jan 2026 03:04:07 GMT"),
    ],
    ids=lambda fault: f"{fault.kind}-{fault.status}-{fault.retry_after}",
)
def test_each_fault_recovers_to_complete_data(
    settings: Settings, standin: StandIn, fault: Fault
) -> None:
    standin.inject("arxiv", fault)
    fast = point_at(settings, standin, request_timeout_seconds=0.5)
    result = source_for(fast).fetch(REAL)
    assert {o.status for o in result.outcomes.values()} == {OutcomeStatus.OK}
    assert len(result.outcomes) == len(REAL)
    assert result.health.retries == 1
    assert result.health.status == SourceStatus.UP
    assert standin.count("arxiv") == 2


def test_rate_limit_honours_retry_after(settings: Settings, standin: StandIn) -> None:
    standin.inject("arxiv", Fault.rate_limit(retry_after=7.0))
    clock = FakeClock()
    result = source_for(settings, clock).fetch(REAL)
    assert result.health.ok == len(REAL)
    assert clock.slept == [7.0]


def test_retry_after_beyond_the_budget_fails_without_waiting(
    settings: Settings, standin: StandIn
) -> None:
    standin.inject("arxiv", Fault.rate_limit(retry_after=100.0))
    clock = FakeClock()
    result = source_for(settings, clock).fetch(REAL)
    assert result.health.failed == len(REAL)
    reasons = {o.reason for o in result.outcomes.values()}
    assert reasons == {
        "rate limited by arXiv (HTTP 429): it asks to wait 100 s, more than the 20 s left of "
        "the retry budget"
    }
    assert standin.count("arxiv") == 1
    assert sum(clock.slept) < 100


def test_a_feed_cut_off_mid_entry_is_a_failed_attempt_never_not_found(
    settings: Settings, standin: StandIn
) -> None:
    """The package's recovering parser reads a cut-off answer as a shorter feed, which would
    turn every missing id into not_found; a strict parse makes it a failed attempt."""
    standin.inject("arxiv", *[Fault.truncated_feed()] * 5)
    result = source_for(point_at(settings, standin, max_attempts=2)).fetch(REAL)
    assert {o.status for o in result.outcomes.values()} == {OutcomeStatus.FAILED}
    assert {o.reason for o in result.outcomes.values()} == {
        "arXiv's answer was cut off or is not well-formed XML"
    }
    assert result.health.status == SourceStatus.DOWN


def test_retry_after_as_an_http_date_is_honoured(settings: Settings, standin: StandIn) -> None:
    standin.inject("arxiv", Fault.rate_limit(retry_after="Fri, 02 Jan 2026 03:04:35 GMT"))
    clock = FakeClock()
    source = ArxivSource(
        settings.model_copy(update={"retry_budget_seconds": 60}),
        clock=clock,
        sleep=clock.sleep,
        now=lambda: dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    )
    result = source.fetch(REAL)
    assert result.health.ok == len(REAL)
    assert clock.slept == [30.0]


def test_a_server_that_drips_its_answer_is_cut_off_at_the_deadline(
    settings: Settings, standin: StandIn
) -> None:
    standin.inject("arxiv", *[Fault.trickle(0.05)] * 3)
    slow = point_at(settings, standin, request_timeout_seconds=0.4, max_attempts=2)
    started = time.monotonic()
    result = source_for(slow).fetch(REAL)
    assert time.monotonic() - started < 3.0
    assert {o.reason for o in result.outcomes.values()} == {
        "timed out (no complete answer within 0.4 s)"
    }


def test_the_stop_signal_ends_a_stalled_request_and_a_long_wait_at_once(
    settings: Settings, standin: StandIn
) -> None:
    patient = point_at(settings, standin, request_timeout_seconds=30, retry_budget_seconds=300)
    for fault in (Fault.stall(20.0), Fault.rate_limit(retry_after=200.0)):
        standin.reset()
        standin.inject("arxiv", fault)
        stop = StopSignal()
        threading.Timer(0.3, stop.set).start()
        started = time.monotonic()
        with pytest.raises(RunStopped):
            ArxivSource(patient, stop=stop).fetch(REAL)
        assert time.monotonic() - started < 3.0, fault
        assert standin.count("arxiv") == 1


def test_client_error_is_not_retried(settings: Settings, standin: StandIn) -> None:
    standin.inject("arxiv", Fault.http(404))
    result = source_for(settings).fetch(REAL)
    assert {o.reason for o in result.outcomes.values()} == {"HTTP 404"}
    assert standin.count("arxiv") == 1
    assert result.health.status == SourceStatus.DOWN  # it gave no usable answer at all


def test_permanent_outage_fails_fast_and_marks_arxiv_down(settings: Settings, big: StandIn) -> None:
    big.inject("arxiv", *[Fault.http(503)] * 50)
    outage = point_at(settings, big, max_attempts=2, breaker_threshold=2)
    ids = synthetic_ids(450)
    result = source_for(outage).fetch(ids)
    assert len(result.outcomes) == 450
    assert {o.status for o in result.outcomes.values()} == {OutcomeStatus.FAILED}
    assert big.count("arxiv") == 4  # two batches x two attempts, then the breaker opens
    assert result.health.status == SourceStatus.DOWN
    assert result.health.failures == 2
    assert result.health.failed == 450
    assert "marked down" in (result.outcomes[ids[-1]].reason or "")
    assert result.outcomes[ids[0]].reason == "HTTP 503"


def test_permanent_stall_ends_within_a_bounded_time(settings: Settings, standin: StandIn) -> None:
    standin.inject("arxiv", *[Fault.stall(5.0)] * 10)
    outage = point_at(settings, standin, request_timeout_seconds=0.3, max_attempts=2)
    started = time.monotonic()
    result = source_for(outage).fetch(REAL)
    assert time.monotonic() - started < 3.0
    assert {o.reason for o in result.outcomes.values()} == {
        "timed out (no complete answer within 0.3 s)"
    }


def test_connection_refused_is_a_failed_outcome(settings: Settings, tmp_path: Path) -> None:
    with StandIn() as server:
        dead_url = server.arxiv_url  # closed when the block ends: nothing listens there
    dead = settings.model_copy(update={"arxiv_api_url": dead_url, "max_attempts": 2})
    result = source_for(dead).fetch(["2401.04088"])
    outcome = result.outcomes["arxiv:2401.04088"]
    assert outcome.status == OutcomeStatus.FAILED
    assert (outcome.reason or "").startswith("connection failed")


# --------------------------------------------------------------------------- cache, health


def test_cached_records_cost_no_request(settings: Settings, standin: StandIn) -> None:
    first = source_for(settings).fetch(REAL)
    assert first.health.requests == 1
    standin.reset()
    again = source_for(settings).fetch(REAL)
    assert standin.count("arxiv") == 0
    assert again.health.cache_hits == len(REAL)
    assert all(o.from_cache for o in again.outcomes.values())
    assert [o.record for o in again.outcomes.values()] == [
        o.record for o in first.outcomes.values()
    ]
    assert list((settings.cache_dir / "arxiv").iterdir())


def test_stale_cache_entries_are_refetched(settings: Settings, standin: StandIn) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    source_for(settings).fetch(["2401.04088"])
    standin.reset()
    stale = MetadataCache(settings.cache_dir / "arxiv", dt.timedelta(days=7), now=lambda: later)
    clock = FakeClock()
    result = ArxivSource(settings, cache=stale, clock=clock, sleep=clock.sleep).fetch(
        ["2401.04088"]
    )
    assert standin.count("arxiv") == 1
    assert not result.outcomes["arxiv:2401.04088"].from_cache


def test_a_cached_record_of_another_id_is_dropped_and_refetched(
    settings: Settings, standin: StandIn
) -> None:
    source_for(settings).fetch(["2401.04088", "2210.15257"])
    cache_dir = settings.cache_dir / "arxiv"
    mixtral = cache_dir / "arxiv%3A2401.04088.json"
    other = (cache_dir / "arxiv%3A2210.15257.json").read_text("utf-8")
    # The entry's key is right, but the record inside is another paper's.
    mixtral.write_text(
        other.replace('"key": "arxiv:2210.15257"', '"key": "arxiv:2401.04088"'), "utf-8"
    )
    standin.reset()
    result = source_for(settings).fetch(["2401.04088"])
    record = result.outcomes["arxiv:2401.04088"].record
    assert record is not None and record.title == "Mixtral of Experts"
    assert standin.count("arxiv") == 1


def test_unwritable_cache_does_not_cost_the_records(
    settings: Settings, standin: StandIn, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be", "utf-8")
    cache = MetadataCache(blocker / "arxiv", dt.timedelta(days=7))
    clock = FakeClock()
    result = ArxivSource(settings, cache=cache, clock=clock, sleep=clock.sleep).fetch(REAL)
    assert {o.status for o in result.outcomes.values()} == {OutcomeStatus.OK}
    assert result.health.status == SourceStatus.UP


def test_health_accumulates_over_calls(settings: Settings, standin: StandIn) -> None:
    source = source_for(settings)
    source.fetch(["2401.04088"])
    standin.inject("arxiv", Fault.http(503))
    source.fetch(["2210.15257", "bad"])
    health = source.health
    assert (health.requests, health.retries, health.ok, health.not_found) == (3, 1, 2, 1)
    assert health.status == SourceStatus.UP


def test_before_start_hook_runs_once_before_each_request_retries_included(
    settings: Settings, standin: StandIn
) -> None:
    def arxiv_requests() -> int:
        return sum(1 for logged in standin.requests if logged.service == "arxiv")

    seen_before: list[int] = []  # requests the server had received when the hook ran
    standin.inject("arxiv", Fault.http(503))
    clock = FakeClock()
    source = ArxivSource(
        point_at(settings, standin, arxiv_cache_ttl_days=0),
        clock=clock,
        sleep=clock.sleep,
        before_start=lambda: seen_before.append(arxiv_requests()),
    )
    result = source.fetch(["arxiv:2401.04088"])
    assert result.health.requests == 2
    assert seen_before == [0, 1]
    assert arxiv_requests() == 2


# --------------------------------------------------------------------------- progress


def source_telling_progress(settings: Settings) -> tuple[ArxivSource, list[tuple[str, int, int]]]:
    """A source on a fake clock, and the list of every progress call it makes."""
    calls: list[tuple[str, int, int]] = []
    clock = FakeClock()
    source = ArxivSource(
        settings, clock=clock, sleep=clock.sleep, progress=lambda *args: calls.append(args)
    )
    return source, calls


def test_progress_counts_batch_requests_including_a_split_batch(
    settings: Settings, big: StandIn
) -> None:
    source, calls = source_telling_progress(point_at(settings, big))
    big.inject("arxiv", Fault.http(400))  # the second batch is split in two halves
    source.fetch(synthetic_ids(150))
    assert calls[0] == ("arxiv", 0, 2)
    assert calls[-1] == ("arxiv", 4, 4)  # 2 planned + 2 halves, every one done
    assert [done for _, done, _ in calls] == sorted(done for _, done, _ in calls)
    assert big.count("arxiv") == 3 + 1  # first batch rejected, then its halves, then the rest
    source.fetch(synthetic_ids(150))  # all cached: nothing more to do
    assert calls[-1] == ("arxiv", 4, 4)


# --------------------------------------------------------------------------- streamed ids


def test_a_stream_of_ids_is_asked_for_batch_by_batch_while_it_is_still_produced(
    settings: Settings, big: StandIn
) -> None:
    requests_seen: list[int] = []
    cache = MetadataCache(settings.cache_dir / "arxiv", dt.timedelta(days=7))
    cached_while_produced: list[bool] = []
    busy = [True]

    def produced() -> Iterator[str]:
        # The stream an extraction hands over: a cached id, repeats, then new ids one by one.
        yield "arxiv:2501.00003"
        for arxiv_id in synthetic_ids(250):
            yield arxiv_id
            yield arxiv_id  # a second row with the same paper
            requests_seen.append(big.count("arxiv"))  # requests made before the next id
        # The records fetched while the producer is busy are cached once it is done (no cache
        # writes compete with the producer's thread).
        cached_while_produced.append(cache.get("arxiv:2501.00001", ArxivRecord) is not None)
        busy[0] = False

    source = source_for(point_at(settings, big))
    source.fetch(["arxiv:2501.00003"])  # now cached
    big.reset()
    streamed = source.fetch(produced(), producer_busy=lambda: busy[0])

    # A batch goes out as soon as 100 ids not in the cache have come (2501.00101 is the 100th,
    # 2501.00201 the 200th), before the stream goes on.
    assert requests_seen[99] == 0 and requests_seen[100] == 1
    assert requests_seen[199] == 1 and requests_seen[200] == 2
    assert big.count("arxiv") == 3  # 249 uncached ids: 100 + 100 + 49
    assert list(streamed.outcomes) == synthetic_ids(250)[2:3] + [
        arxiv_id for arxiv_id in synthetic_ids(250) if arxiv_id != "arxiv:2501.00003"
    ]
    assert streamed.health.cache_hits == 1
    assert all(outcome.status is OutcomeStatus.OK for outcome in streamed.outcomes.values())
    assert cached_while_produced == [False]
    assert cache.get("arxiv:2501.00001", ArxivRecord) is not None
    source.fetch(synthetic_ids(250))
    assert big.count("arxiv") == 3  # every streamed record was cached


def test_a_sequence_is_looked_up_whole_before_its_batches_so_progress_knows_them_all(
    settings: Settings, big: StandIn
) -> None:
    source, calls = source_telling_progress(point_at(settings, big))
    source.fetch(synthetic_ids(250))
    assert calls[0] == ("arxiv", 0, 3)
    assert calls[-1] == ("arxiv", 3, 3)
