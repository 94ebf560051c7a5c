"""The Semantic Scholar source against the local stand-in, next to the real ``semanticscholar``.

Tests named ``test_trap_*`` pin one trap of ``API_NOTES.md`` each: where practical they first
show the installed package falling into it (so an upgrade that changes the package shows up
here), then show that :class:`SemanticScholarSource` does not. Back-off waits run on a fake
clock; only timeouts and the pace test spend (a little) real time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import logging
import math
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import tenacity
from fake_clock import FakeClock
from pydantic import SecretStr
from semanticscholar import SemanticScholar

from enrich.errors import RunStopped
from enrich.models import OutcomeStatus, SourceStatus, TitleQuery
from enrich.settings import Settings
from enrich.sources.deadline import StopSignal
from enrich.sources.s2 import BATCH_LIMIT, SemanticScholarSource, to_s2_id
from enrich.standin import Fault, StandIn
from enrich.standin.catalog import DATA_FILE, Catalog

SECRET_KEY = "s2-test-key-DO-NOT-LEAK-7f3a9c"
BATCH_PATH = "/graph/v1/paper/batch"
MATCH_PATH = "/graph/v1/paper/search/match"
FIXED_NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

MIXTRAL = "arxiv:2401.04088"
MMOE_DOI = "doi:10.1145/3219819.3220007"
SWITCH_NERF = "openreview:PQ2zoIZqvm"
UNKNOWN_ARXIV = "arxiv:2312.99999"
#: A batch answer item for MIXTRAL, as a mock transport serves it.
MIXTRAL_ITEM = {
    "paperId": "a" * 40,
    "title": "Mixtral of Experts",
    "externalIds": {"ArXiv": "2401.04088"},
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def keyed_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"s2_api_key": SecretStr(SECRET_KEY)})


@pytest.fixture
def make_source(
    keyed_settings: Settings, clock: FakeClock
) -> Iterator[Callable[..., SemanticScholarSource]]:
    """Build sources on the fake clock; keyword arguments override settings fields."""
    made: list[SemanticScholarSource] = []

    def make(
        transport: httpx.BaseTransport | None = None, **overrides: Any
    ) -> SemanticScholarSource:
        source = SemanticScholarSource(
            keyed_settings.model_copy(update=overrides),
            clock=clock,
            sleep=clock.sleep,
            transport=transport,
            now=lambda: FIXED_NOW,
        )
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


def package_client(server: StandIn, **kwargs: Any) -> SemanticScholar:
    """The real package's sync client pointed at the stand-in, without its 4-minute 429 loop."""
    return SemanticScholar(api_url=server.s2_url, retry=False, timeout=5, **kwargs)


#: Fields the package asks for by default include some the stand-in does not serve.
PACKAGE_FIELDS = ["title", "externalIds", "year"]


def batch_ids_sent(server: StandIn) -> list[list[str]]:
    return [
        json.loads(logged.body)["ids"]
        for logged in server.requests
        if logged.path == BATCH_PATH and logged.method == "POST"
    ]


# --------------------------------------------------------------------------- normal operation


def test_fetch_returns_every_requested_field_for_arxiv_doi_and_acl_ids(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    ids = [MIXTRAL, MMOE_DOI, "acl:2024.acl-long.70"]
    result = make_source().fetch(ids)

    assert list(result.outcomes) == ids
    assert all(o.status is OutcomeStatus.OK for o in result.outcomes.values())
    mixtral = result.outcomes[MIXTRAL].record
    assert mixtral is not None
    served = standin.catalog.s2_lookup("ARXIV:2401.04088")
    assert served is not None
    assert mixtral.paper_id == served.s2["paperId"]
    assert mixtral.title == "Mixtral of Experts"
    assert [a.name for a in mixtral.authors] == served.authors
    assert [a.s2_id for a in mixtral.authors] == served.s2["authorIds"]
    assert "Lélio Renard Lavaud" in [a.name for a in mixtral.authors]
    assert mixtral.year == 2024
    assert mixtral.publication_date == dt.date.fromisoformat(served.s2["publicationDate"])
    assert mixtral.external_ids["ArXiv"] == "2401.04088"
    # S2 sends CorpusId as a number; the record keeps every external id as text.
    assert mixtral.external_ids["CorpusId"] == str(served.s2["corpusId"])
    assert mixtral.citation_count == served.s2["citationCount"]
    assert mixtral.influential_citation_count == served.s2["influentialCitationCount"]
    assert mixtral.reference_count == served.s2["referenceCount"]
    assert mixtral.open_access_pdf == served.s2["openAccessPdf"]["url"]
    assert mixtral.fields_of_study == served.s2["fieldsOfStudy"]
    assert result.outcomes[MIXTRAL].fetched_at == FIXED_NOW

    mmoe = result.outcomes[MMOE_DOI].record
    assert mmoe is not None and mmoe.external_ids["DOI"] == "10.1145/3219819.3220007"
    deepseek = result.outcomes["acl:2024.acl-long.70"].record
    assert deepseek is not None and deepseek.external_ids["ArXiv"] == "2401.06066"

    # One batch request with every field the issue lists.
    assert standin.count("s2") == 1
    fields = standin.requests[0].query["fields"][0].split(",")
    assert set(fields) == {
        "title",
        "authors",
        "year",
        "publicationDate",
        "venue",
        "publicationVenue",
        "externalIds",
        "citationCount",
        "influentialCitationCount",
        "referenceCount",
        "openAccessPdf",
        "fieldsOfStudy",
    }
    assert batch_ids_sent(standin) == [
        ["ARXIV:2401.04088", "DOI:10.1145/3219819.3220007", "ACL:2024.acl-long.70"]
    ]
    assert result.health.status is SourceStatus.UP
    assert (result.health.requests, result.health.retries, result.health.failures) == (1, 0, 0)
    assert (result.health.ok, result.health.not_found, result.health.failed) == (3, 0, 0)
    assert result.health.standin  # the stand-in's answers say they are made up


def test_fetch_is_deterministic_and_health_accumulates_over_the_run(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    source = make_source()
    first = source.fetch([MIXTRAL, UNKNOWN_ARXIV])
    second = source.fetch([MIXTRAL, UNKNOWN_ARXIV])

    assert first.model_dump() == second.model_dump()
    assert first.health.last_error is None
    assert first.health.requests == 1 and second.health.requests == 1  # per call
    assert source.health.requests == 2  # whole run
    assert (source.health.ok, source.health.not_found) == (2, 2)


def test_every_input_id_gets_one_outcome_keyed_as_given_and_duplicates_are_fetched_once(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    ids = [MIXTRAL, UNKNOWN_ARXIV, SWITCH_NERF, MIXTRAL, "arxiv:2401.04088v1"]
    result = make_source().fetch(ids)

    assert list(result.outcomes) == [MIXTRAL, UNKNOWN_ARXIV, SWITCH_NERF, "arxiv:2401.04088v1"]
    assert result.outcomes[MIXTRAL].status is OutcomeStatus.OK
    assert result.outcomes["arxiv:2401.04088v1"].status is OutcomeStatus.OK
    unknown = result.outcomes[UNKNOWN_ARXIV]
    assert unknown.status is OutcomeStatus.NOT_FOUND and unknown.record is None
    assert unknown.reason
    # arxiv:X and arxiv:Xv1 are one S2 id, asked for once.
    assert batch_ids_sent(standin) == [["ARXIV:2401.04088", "ARXIV:2312.99999"]]


def test_empty_input_sends_nothing(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    result = make_source().fetch([])
    assert result.outcomes == {}
    assert standin.count("s2") == 0


def test_an_id_that_is_not_a_paper_id_is_a_clear_error_before_any_request(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    with pytest.raises(ValueError, match=r"unknown paper id prefix 'pmid'.*'pmid:123'"):
        make_source().fetch([MIXTRAL, "pmid:123"])
    with pytest.raises(ValueError, match=r"2401\.04088"):
        to_s2_id("2401.04088")
    with pytest.raises(TypeError):
        make_source().fetch(MIXTRAL)
    assert standin.count("s2") == 0


@pytest.mark.parametrize("count", [1, 500, 501, 1001])
def test_n_ids_cost_ceil_n_over_500_batch_calls(
    count: int, keyed_settings: Settings, clock: FakeClock
) -> None:
    with StandIn(synthetic=1001) as server:
        ids = [f"arxiv:{Catalog.synthetic_arxiv_id(n)}" for n in range(1, count + 1)]
        settings = keyed_settings.model_copy(update={"s2_api_url": server.s2_url})
        with SemanticScholarSource(settings, clock=clock, sleep=clock.sleep) as source:
            result = source.fetch(ids)

        assert server.count("s2", path=BATCH_PATH) == math.ceil(count / BATCH_LIMIT)
        assert server.count("s2") == math.ceil(count / BATCH_LIMIT)
        assert all(len(sent) <= BATCH_LIMIT for sent in batch_ids_sent(server))
    assert len(result.outcomes) == count
    assert all(o.status is OutcomeStatus.OK for o in result.outcomes.values())
    last = result.outcomes[ids[-1]].record
    assert last is not None and last.title == f"Synthetic Stand-in Paper Number {count}"


# --------------------------------------------------------------------------- traps


def test_trap_get_papers_drops_nulls__outcomes_stay_aligned_with_the_input(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    s2_ids = ["ARXIV:2401.04088", "ARXIV:2312.99999", "DOI:10.1145/3219819.3220007"]
    papers = package_client(standin).get_papers(s2_ids, fields=PACKAGE_FIELDS)
    # The package: two papers for three ids, positions lost.
    assert len(papers) == 2

    result = make_source().fetch([MIXTRAL, UNKNOWN_ARXIV, MMOE_DOI])
    statuses = [o.status for o in result.outcomes.values()]
    assert statuses == [OutcomeStatus.OK, OutcomeStatus.NOT_FOUND, OutcomeStatus.OK]
    mmoe = result.outcomes[MMOE_DOI].record
    assert mmoe is not None and mmoe.title.startswith("Modeling Task Relationships")


def test_trap_return_not_found_reports_url_ids_as_missing__url_ids_are_found(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    url = "https://arxiv.org/abs/2401.04088"
    papers, not_found = package_client(standin).get_papers(
        [f"URL:{url}"], return_not_found=True, fields=PACKAGE_FIELDS
    )
    assert len(papers) == 1 and not_found == [f"URL:{url}"]  # found, yet "not found"

    acm = "url:https://dl.acm.org/doi/10.1145/3219819.3220007"
    result = make_source().fetch([f"url:{url}", acm])
    assert result.outcomes[f"url:{url}"].status is OutcomeStatus.OK
    record = result.outcomes[f"url:{url}"].record
    assert record is not None and record.title == "Mixtral of Experts"
    assert result.outcomes[acm].status is OutcomeStatus.OK


def test_trap_url_ids_only_for_some_hosts__others_are_not_found_without_a_request(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    cvf = (
        "url:https://openaccess.thecvf.com/content/ICCV2023/papers/"
        "Chen_AdaMV-MoE_Adaptive_Multi-Task_Vision_Mixture-of-Experts_ICCV_2023_paper.pdf"
    )
    result = make_source().fetch([cvf])
    outcome = result.outcomes[cvf]
    assert outcome.status is OutcomeStatus.NOT_FOUND
    assert outcome.reason is not None and "openaccess.thecvf.com" in outcome.reason
    assert standin.count("s2") == 0


def test_trap_openreview_ids_are_not_accepted__not_found_without_a_request(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    result = make_source().fetch([SWITCH_NERF])
    outcome = result.outcomes[SWITCH_NERF]
    assert outcome.status is OutcomeStatus.NOT_FOUND
    assert outcome.reason == "S2 does not accept openreview ids"
    assert standin.count("s2") == 0
    assert result.health.requests == 0


def test_trap_versioned_arxiv_id_finds_nothing__the_version_is_stripped(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    papers = package_client(standin).get_papers(
        ["ARXIV:2401.15947v5", "ARXIV:2401.04088"], fields=PACKAGE_FIELDS
    )
    assert [paper.title for paper in papers] == ["Mixtral of Experts"]  # v5 found nothing

    result = make_source().fetch(["arxiv:2401.15947v5"])
    record = result.outcomes["arxiv:2401.15947v5"].record
    assert record is not None and record.title.startswith("MoE-LLaVA")
    assert batch_ids_sent(standin)[-1] == ["ARXIV:2401.15947"]


def test_trap_arxiv_doi_resolves_to_the_arxiv_paper_and_passes_the_external_id_check(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    key = "doi:10.48550/arXiv.2401.04088"
    result = make_source().fetch([key])
    assert result.outcomes[key].status is OutcomeStatus.OK


def test_trap_batch_with_no_known_id_is_400_no_valid_ids__read_as_not_found_not_failure(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    ids = [UNKNOWN_ARXIV, "doi:10.0000/nothing-here"]
    result = make_source().fetch(ids)

    assert [logged.status for logged in standin.requests] == [400]
    assert all(o.status is OutcomeStatus.NOT_FOUND for o in result.outcomes.values())
    assert result.health.failures == 0 and result.health.status is SourceStatus.UP


@pytest.mark.parametrize("status", [502, 503])
def test_trap_502_503_read_as_empty_answer__retried_never_not_found(
    status: int,
    standin: StandIn,
    make_source: Callable[..., SemanticScholarSource],
) -> None:
    standin.inject("s2", Fault.http(status))
    # The package: a 502/503 becomes {} and the batch "finds nothing", silently.
    assert package_client(standin).get_papers(["ARXIV:2401.04088"], fields=PACKAGE_FIELDS) == []

    standin.inject("s2", Fault.http(status))
    result = make_source().fetch([MIXTRAL, MMOE_DOI])
    assert all(o.status is OutcomeStatus.OK for o in result.outcomes.values())
    assert result.health.retries == 1 and result.health.status is SourceStatus.UP


def test_trap_503_that_never_ends_gives_failed_outcomes_not_not_found(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    standin.inject("s2", *[Fault.http(503)] * 10)
    result = make_source(max_attempts=3).fetch([MIXTRAL, UNKNOWN_ARXIV])

    for outcome in result.outcomes.values():
        assert outcome.status is OutcomeStatus.FAILED
        assert outcome.reason is not None and "503" in outcome.reason
    assert standin.count("s2") == 3
    assert (result.health.requests, result.health.retries, result.health.failures) == (3, 2, 1)
    assert result.health.failed == 2


def test_trap_429_loop_ignores_retry_after__retry_after_is_honoured(
    standin: StandIn,
    make_source: Callable[..., SemanticScholarSource],
    clock: FakeClock,
) -> None:
    # The package with retry=False: a bare tenacity.RetryError, no Retry-After in sight.
    standin.inject("s2", Fault.rate_limit(retry_after=7.0))
    with pytest.raises(tenacity.RetryError):
        package_client(standin).get_papers(["ARXIV:2401.04088"], fields=PACKAGE_FIELDS)

    standin.reset()
    standin.inject("s2", Fault.rate_limit(retry_after=7.0))
    source = make_source()
    started = clock.now
    result = source.fetch([MIXTRAL])

    assert result.outcomes[MIXTRAL].status is OutcomeStatus.OK
    assert [logged.status for logged in standin.requests] == [429, 200]
    # The retry started no sooner than the server asked (fake time: only sleeps move it).
    assert clock.now - started >= 7.0
    assert result.health.retries == 1


def test_trap_429_with_retry_after_beyond_the_budget_fails_at_once_instead_of_waiting(
    standin: StandIn,
    make_source: Callable[..., SemanticScholarSource],
    clock: FakeClock,
) -> None:
    standin.inject("s2", Fault.rate_limit(retry_after=3600))
    result = make_source(retry_budget_seconds=20).fetch([MIXTRAL])

    outcome = result.outcomes[MIXTRAL]
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.reason is not None and "429" in outcome.reason
    assert sum(clock.slept) < 20
    assert standin.count("s2") == 1


def test_trap_retry_after_as_an_http_date_is_honoured(
    make_source: Callable[..., SemanticScholarSource], clock: FakeClock
) -> None:
    answers = iter(
        [
            httpx.Response(
                429,
                headers={"Retry-After": "Fri, 02 Jan 2026 03:04:35 GMT"},  # FIXED_NOW + 30 s
                json={"message": "Too Many Requests"},
            ),
            httpx.Response(200, json=[MIXTRAL_ITEM]),
        ]
    )
    source = make_source(
        transport=httpx.MockTransport(lambda request: next(answers)), retry_budget_seconds=100
    )
    result = source.fetch([MIXTRAL])
    assert result.outcomes[MIXTRAL].status is OutcomeStatus.OK
    assert clock.slept and max(clock.slept) >= 30.0


def test_trap_search_paper_does_not_url_encode__ampersand_and_plus_titles_match(
    tmp_path: Path, keyed_settings: Settings, clock: FakeClock
) -> None:
    title = "C++ Experts & Sparse Routers: Gating at Scale"
    decoy = "C Experts"  # what the package's unencoded query is cut down to
    catalog_file = _catalog_with_titles(tmp_path, {title: "2501.90001", decoy: "2501.90002"})
    with StandIn() as server:
        server.catalog = Catalog(data_file=catalog_file)
        wrong = package_client(server).search_paper(title, match_title=True, fields=PACKAGE_FIELDS)
        # The package: '&' ends the query and '+' turns into a space, so it gets another paper.
        assert wrong.title == decoy
        assert server.requests[-1].query["query"] == ["C   Experts "]

        settings = keyed_settings.model_copy(update={"s2_api_url": server.s2_url})
        with SemanticScholarSource(settings, clock=clock, sleep=clock.sleep) as source:
            result = source.match_titles([TitleQuery(key="title:c++", title=title, year=2025)])
        assert server.requests[-1].query["query"] == [title]

    outcome = result.outcomes["title:c++"]
    assert outcome.status is OutcomeStatus.OK
    assert outcome.record is not None and outcome.record.title == title
    assert outcome.record.match_score is not None


def _catalog_with_titles(tmp_path: Path, titles: dict[str, str]) -> Path:
    """The stand-in's catalogue plus made-up papers with the given titles and arXiv ids."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    template = next(p for p in raw["papers"] if p["key"] == MIXTRAL)
    for number, (title, arxiv_id) in enumerate(titles.items()):
        paper = json.loads(json.dumps(template))
        paper["key"] = f"arxiv:{arxiv_id}"
        paper["title"] = title
        paper["arxiv"]["id"] = arxiv_id
        paper["s2"]["paperId"] = f"{number:040x}"
        paper["s2"]["corpusId"] = 990_000_000 + number
        paper["s2"]["externalIds"] = {"ArXiv": arxiv_id, "CorpusId": 990_000_000 + number}
        paper["s2"]["year"] = 2025
        raw["papers"].append(paper)
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_trap_package_logs_headers__the_key_is_sent_but_never_logged_or_in_errors(
    standin: StandIn,
    make_source: Callable[..., SemanticScholarSource],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    # The package logs request headers, key included, at DEBUG.
    package_client(standin, api_key=SECRET_KEY).get_paper("ARXIV:2401.04088", fields=PACKAGE_FIELDS)
    assert SECRET_KEY in caplog.text
    caplog.clear()

    source = make_source(max_attempts=2, breaker_threshold=2)
    ok = source.fetch([MIXTRAL])
    standin.inject("s2", Fault.http(503), Fault.drop(), Fault.http(500), Fault.html())
    failed = source.fetch([MMOE_DOI])
    matched = source.match_titles(
        [TitleQuery(key=key, title="Mixtral of Experts") for key in ("t1", "t2")]
    )

    assert ok.outcomes[MIXTRAL].status is OutcomeStatus.OK
    assert failed.outcomes[MMOE_DOI].status is OutcomeStatus.FAILED
    assert matched.outcomes["t1"].status is OutcomeStatus.FAILED
    assert (matched.outcomes["t2"].reason or "").startswith("source down")
    sent = [logged.headers.get("x-api-key") for logged in standin.requests]
    assert sent and all(value == SECRET_KEY for value in sent)
    captured = capsys.readouterr()
    assert caplog.records  # failures were logged ...
    for text in (
        caplog.text,
        captured.out,
        captured.err,
        failed.model_dump_json(),
        matched.model_dump_json(),
        source.health.model_dump_json(),
        repr(source.health),
    ):
        assert SECRET_KEY not in text  # ... without the key


def test_trap_key_absent_is_not_sent(standin: StandIn, settings: Settings) -> None:
    with SemanticScholarSource(settings) as source:
        source.fetch([MIXTRAL])
    assert "x-api-key" not in standin.requests[0].headers


def test_trap_client_calls_logging_basicconfig__the_source_leaves_logging_alone() -> None:
    probe = (
        "import logging\n"
        "from enrich.settings import Settings\n"
        "from enrich.sources.s2 import SemanticScholarSource\n"
        "SemanticScholarSource(Settings.from_env({}, s2_api_key='k')).close()\n"
        "print(len(logging.getLogger().handlers))\n"
        "from semanticscholar import SemanticScholar\n"
        "SemanticScholar()\n"
        "print(len(logging.getLogger().handlers))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    ours, package = done.stdout.split()
    assert ours == "0"  # our source configured nothing
    assert package == "1"  # the package's constructor called logging.basicConfig


def test_trap_asyncio_run_and_a_new_client_per_call__one_pooled_connection_even_in_a_loop(
    standin: StandIn, keyed_settings: Settings, clock: FakeClock
) -> None:
    connects: list[str] = []

    class CountingTransport(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            def trace(event: str, info: dict[str, Any]) -> None:
                if event == "connection.connect_tcp.complete":
                    connects.append(event)

            request.extensions["trace"] = trace
            return super().handle_request(request)

    async def inside_a_running_loop() -> list[OutcomeStatus]:
        with SemanticScholarSource(
            keyed_settings, clock=clock, sleep=clock.sleep, transport=CountingTransport()
        ) as source:
            statuses = [source.fetch([MIXTRAL]).outcomes[MIXTRAL].status for _ in range(3)]
            query = TitleQuery(key="t", title="Mixtral of Experts")
            statuses.append(source.match_titles([query]).outcomes["t"].status)
            return statuses

    statuses = asyncio.run(inside_a_running_loop())
    assert statuses == [OutcomeStatus.OK] * 4
    assert standin.count("s2") == 4
    assert len(connects) == 1


# --------------------------------------------------------------------------- faults


FAULTS = {
    "429_retry_after": Fault.rate_limit(retry_after=2.0),
    "429_no_retry_after": Fault.rate_limit(retry_after=None),
    "500": Fault.http(500),
    "502": Fault.http(502),
    "503": Fault.http(503),
    "504": Fault.http(504),
    "stall": Fault.stall(1.5),
    "trickle": Fault.trickle(0.05),
    "drop": Fault.drop(),
    "html_200": Fault.html(),
    "malformed_json": Fault.malformed_json(),
}


@pytest.mark.parametrize("fault", list(FAULTS.values()), ids=list(FAULTS))
def test_each_fault_kind_recovers_to_complete_data(
    fault: Fault, standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    ids = [MIXTRAL, MMOE_DOI, UNKNOWN_ARXIV, "arxiv:1701.06538"]
    expected = make_source().fetch(ids).outcomes
    standin.reset()

    standin.inject("s2", fault)
    result = make_source(request_timeout_seconds=0.5).fetch(ids)

    assert result.outcomes == expected
    assert standin.count("s2") == 2
    assert standin.requests[0].fault == fault.kind
    assert (result.health.requests, result.health.retries, result.health.failures) == (2, 1, 0)


@pytest.mark.parametrize("fault", list(FAULTS.values()), ids=list(FAULTS))
def test_each_fault_kind_recovers_for_title_matches(
    fault: Fault, standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    query = TitleQuery(
        key="openreview:PQ2zoIZqvm",
        title="Switch-NeRF: Learning Scene "
        "Decomposition with Mixture of Experts for Large-scale Neural Radiance Fields",
    )
    standin.inject("s2", fault)
    result = make_source(request_timeout_seconds=0.5).match_titles([query])

    outcome = result.outcomes[query.key]
    assert outcome.status is OutcomeStatus.OK
    assert outcome.record is not None and outcome.record.external_ids == {"CorpusId": "235674868"}
    assert standin.count("s2", path=MATCH_PATH) == 2


def test_empty_200_answer_is_a_failure_that_is_retried_not_not_found(
    make_source: Callable[..., SemanticScholarSource],
) -> None:
    answers = iter(
        [
            httpx.Response(200, content=b""),
            httpx.Response(200, json={}),  # what the package returns on 503
            httpx.Response(200, json=[MIXTRAL_ITEM]),
        ]
    )
    source = make_source(transport=httpx.MockTransport(lambda request: next(answers)))
    result = source.fetch([MIXTRAL])
    assert result.outcomes[MIXTRAL].status is OutcomeStatus.OK
    assert result.health.retries == 2
    assert not result.health.standin  # answers without the stand-in's header are real ones


def test_trap_one_bad_id_can_turn_a_batch_into_400__the_batch_is_split_to_isolate_it(
    make_source: Callable[..., SemanticScholarSource],
) -> None:
    bad = "ARXIV:not an id"
    seen: list[list[str]] = []

    def s2(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["ids"]
        seen.append(ids)
        if bad in ids:
            return httpx.Response(400, json={"error": f"Invalid paper id: {bad}"})
        return httpx.Response(
            200,
            json=[
                {"paperId": f"{n:040x}", "title": f"Paper {i}", "externalIds": {"ArXiv": i[6:]}}
                for n, i in enumerate(ids)
            ],
        )

    ids = ["arxiv:2401.00001", "arxiv:2401.00002", "arxiv:not an id", "arxiv:2401.00004"]
    result = make_source(transport=httpx.MockTransport(s2)).fetch(ids)

    assert [o.status for o in result.outcomes.values()] == [
        OutcomeStatus.OK,
        OutcomeStatus.OK,
        OutcomeStatus.NOT_FOUND,
        OutcomeStatus.OK,
    ]
    assert "Invalid paper id" in (result.outcomes["arxiv:not an id"].reason or "")
    assert seen[0] == [to_s2_id(i) for i in ids]
    assert len(seen) == 5  # whole, two halves, the bad half split in two
    assert result.health.failures == 0


def test_a_400_that_blames_the_request_fails_the_batch_without_splitting_it(
    make_source: Callable[..., SemanticScholarSource],
) -> None:
    calls: list[httpx.Request] = []

    def rejected(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(400, json={"error": "Unrecognized or unsupported fields: ['x']"})

    ids = [f"arxiv:2401.0000{n}" for n in range(1, 9)]
    result = make_source(transport=httpx.MockTransport(rejected)).fetch(ids)
    assert len(calls) == 1
    for outcome in result.outcomes.values():
        assert outcome.status is OutcomeStatus.FAILED
        assert "Unrecognized or unsupported fields" in (outcome.reason or "")


def test_a_batch_answer_out_of_order_is_matched_through_its_external_ids(
    make_source: Callable[..., SemanticScholarSource],
) -> None:
    def swapped(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json=[
                {"paperId": "b" * 40, "title": "B", "externalIds": {"ArXiv": "2401.00002"}},
                {"paperId": "a" * 40, "title": "A", "externalIds": {"ArXiv": "2401.00001"}},
            ],
        )

    result = make_source(transport=httpx.MockTransport(swapped)).fetch(
        ["arxiv:2401.00001", "arxiv:2401.00002"]
    )
    titles = {
        key: outcome.record.title for key, outcome in result.outcomes.items() if outcome.record
    }
    assert titles == {"arxiv:2401.00001": "A", "arxiv:2401.00002": "B"}


def test_an_item_that_names_another_paper_fails_its_id_and_only_its_id(
    make_source: Callable[..., SemanticScholarSource],
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json=[
                {"paperId": "a" * 40, "title": "A", "externalIds": {"ArXiv": "2401.00001"}},
                {"paperId": "c" * 40, "title": "C", "externalIds": {"ArXiv": "2401.00003"}},
            ],
        )

    result = make_source(transport=httpx.MockTransport(answer)).fetch(
        ["arxiv:2401.00001", "arxiv:2401.00002"]
    )
    assert result.outcomes["arxiv:2401.00001"].status is OutcomeStatus.OK
    wrong = result.outcomes["arxiv:2401.00002"]
    assert wrong.status is OutcomeStatus.FAILED
    assert (
        wrong.reason
        == "S2 answered a different paper for ARXIV:2401.00002 (its arxiv id is 2401.00003)"
    )


def test_items_without_external_ids_are_never_spread_over_the_ids_by_position(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    """One anonymous paper repeated over the whole answer (a misbehaving S2): nothing can be
    matched, so the attempt fails and is retried; the next, normal answer is used."""
    standin.inject("s2", Fault.unidentified())
    ids = [MIXTRAL, MMOE_DOI, "acl:2024.acl-long.70"]
    result = make_source().fetch(ids)
    records = [result.outcomes[key].record for key in ids]
    assert all(record is not None for record in records)
    assert len({record.paper_id for record in records if record is not None}) == 3
    assert [logged.fault for logged in standin.requests] == ["unidentified", None]
    assert result.health.retries == 1 and result.health.status is SourceStatus.UP


def test_a_shuffled_stand_in_answer_still_gives_each_id_its_own_paper(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    standin.inject("s2", Fault.shuffled())
    ids = [MIXTRAL, MMOE_DOI, "acl:2024.acl-long.70"]
    result = make_source().fetch(ids)
    for key in ids:
        record = result.outcomes[key].record
        assert record is not None
        served = standin.catalog.s2_lookup(to_s2_id(key))
        assert served is not None and record.paper_id == served.s2["paperId"], key
    assert standin.count("s2") == 1


def test_an_unusable_record_fails_only_its_own_id(
    make_source: Callable[..., SemanticScholarSource],
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json=[
                {
                    "paperId": "a" * 40,
                    "title": "A",
                    "publicationDate": "not a date",
                    "externalIds": {"ArXiv": "2401.00001"},
                },
                {
                    "paperId": "b" * 40,
                    "title": "B",
                    "openAccessPdf": {"url": ""},
                    "externalIds": {"ArXiv": "2401.00002"},
                },
            ],
        )

    result = make_source(transport=httpx.MockTransport(answer)).fetch(
        ["arxiv:2401.00001", "arxiv:2401.00002"]
    )
    broken = result.outcomes["arxiv:2401.00001"]
    assert broken.status is OutcomeStatus.FAILED
    assert broken.reason is not None and "unusable S2 record" in broken.reason
    fine = result.outcomes["arxiv:2401.00002"].record
    assert fine is not None and fine.open_access_pdf is None  # "" means no PDF


def test_unauthorized_is_a_failure_with_a_hint_and_is_not_retried(
    make_source: Callable[..., SemanticScholarSource],
) -> None:
    calls: list[httpx.Request] = []

    def forbidden(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(403, json={"message": "Forbidden"})

    result = make_source(transport=httpx.MockTransport(forbidden)).fetch([MIXTRAL])
    outcome = result.outcomes[MIXTRAL]
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.reason is not None and "403" in outcome.reason and "key" in outcome.reason
    assert len(calls) == 1
    assert SECRET_KEY not in outcome.reason


# --------------------------------------------------------------------------- rate-limit bursts


def request_starts(clock: FakeClock) -> tuple[list[float], Callable[[], None]]:
    """A ``before_start`` hook recording the fake time at which each request starts."""
    starts: list[float] = []
    return starts, lambda: starts.append(clock.now)


def test_seven_429s_without_retry_after_back_off_within_the_budget_and_end_ok(
    standin: StandIn, keyed_settings: Settings, clock: FakeClock
) -> None:
    """Real S2 429s carry no Retry-After (API_NOTES.md): a burst of seven is waited out with
    exponential back-off, the pace holds between every two requests, and nothing is lost."""
    standin.inject("s2", *[Fault.rate_limit(retry_after=None)] * 7)
    starts, hook = request_starts(clock)
    settings = keyed_settings.model_copy(
        update={"s2_pace_seconds": 1.0, "max_attempts": 3, "retry_budget_seconds": 180.0}
    )
    with SemanticScholarSource(
        settings,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
        before_start=hook,
        now=lambda: FIXED_NOW,
    ) as source:
        result = source.fetch([MIXTRAL, MMOE_DOI])

    assert all(o.status is OutcomeStatus.OK for o in result.outcomes.values())
    assert [logged.status for logged in standin.requests] == [429] * 7 + [200]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(gaps) == 7 and min(gaps) >= 1.0  # the pace was never broken
    # Exponential windows of 1, 2, 4, ... 60 s, at least half of each waited; all within 180 s.
    for number, gap in enumerate(gaps, start=1):
        window = min(60.0, 2.0 ** (number - 1))
        assert max(1.0, window / 2) <= gap <= max(window, 1.0), (number, gap)
    assert 60 <= starts[-1] - starts[0] <= settings.retry_budget_seconds
    health = result.health
    assert (health.status, health.retries, health.failures) == (SourceStatus.UP, 7, 0)


def test_a_429_burst_longer_than_the_budget_fails_the_request_as_rate_limited(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource], clock: FakeClock
) -> None:
    standin.inject("s2", *[Fault.rate_limit(retry_after=None)] * 100)
    started = clock.now
    result = make_source(retry_budget_seconds=30).fetch([MIXTRAL])
    outcome = result.outcomes[MIXTRAL]
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.reason == "S2 rate limit (HTTP 429)"
    assert clock.now - started <= 30
    assert standin.count("s2") > 5  # bounded by the budget, not by max_attempts (5)


def test_a_retry_after_date_beyond_the_budget_fails_at_once_and_says_why(
    make_source: Callable[..., SemanticScholarSource], clock: FakeClock
) -> None:
    tomorrow = "Sat, 03 Jan 2026 03:04:05 GMT"  # FIXED_NOW + 1 day
    calls: list[httpx.Request] = []

    def limited(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": tomorrow}, json={"code": "429"})

    result = make_source(transport=httpx.MockTransport(limited)).fetch([MIXTRAL])
    reason = result.outcomes[MIXTRAL].reason or ""
    assert reason.startswith("S2 rate limit (HTTP 429): it asks to wait 86400 s, more than the")
    assert len(calls) == 1 and sum(clock.slept) == 0


def test_an_empty_title_match_answer_means_no_match_without_a_retry(
    make_source: Callable[..., SemanticScholarSource],
) -> None:
    calls: list[httpx.Request] = []

    def empty(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"data": []})

    result = make_source(transport=httpx.MockTransport(empty)).match_titles(
        [TitleQuery(key="t", title="A Paper Nobody Wrote")]
    )
    outcome = result.outcomes["t"]
    assert (outcome.status, outcome.reason) == (OutcomeStatus.NOT_FOUND, "S2 has no title match")
    assert len(calls) == 1 and result.health.status is SourceStatus.UP


# --------------------------------------------------------------------------- poison ids


def test_an_id_that_makes_s2_answer_500_is_isolated_and_the_others_enriched(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    ids = [MIXTRAL, MMOE_DOI, "arxiv:1701.06538", "acl:2024.acl-long.70", UNKNOWN_ARXIV]
    standin.poison("ARXIV:1701.06538")
    source = make_source(max_attempts=2)
    result = source.fetch(ids)

    poisoned = result.outcomes["arxiv:1701.06538"]
    assert poisoned.status is OutcomeStatus.FAILED
    assert poisoned.reason == "S2 answers HTTP 500 whenever this id is asked"
    assert [result.outcomes[key].status for key in (MIXTRAL, MMOE_DOI, "acl:2024.acl-long.70")] == [
        OutcomeStatus.OK
    ] * 3
    assert result.outcomes[UNKNOWN_ARXIV].status is OutcomeStatus.NOT_FOUND
    # The batch twice, then halves (5 -> 2 + 3 -> ... ): a few requests, not one per id.
    assert standin.count("s2") <= 10
    assert source.health.status is SourceStatus.DEGRADED  # one id could not be looked up
    assert not source._http.breaker.is_open


def test_a_service_answering_500_to_everything_fails_the_batch_after_a_few_splits(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    standin.inject("s2", *[Fault.http(500)] * 100)
    ids = [f"arxiv:2401.0{n:04d}" for n in range(1, 41)]
    result = make_source(max_attempts=2).fetch(ids)
    assert all(o.status is OutcomeStatus.FAILED for o in result.outcomes.values())
    assert "every part of a batch of 40 ids" in (result.outcomes[ids[0]].reason or "")
    assert standin.count("s2") <= 2 + 2 * (2 + 4)
    assert result.health.failures == 1


# --------------------------------------------------------------------------- deadlines, stopping


def test_a_server_that_drips_its_answer_is_cut_off_at_the_request_deadline(
    standin: StandIn, keyed_settings: Settings
) -> None:
    """Every read gets a byte well within the timeout, so only a total deadline ends it."""
    standin.inject("s2", Fault.trickle(0.05), Fault.trickle(0.05))
    settings = keyed_settings.model_copy(update={"request_timeout_seconds": 0.4, "max_attempts": 2})
    started = time.monotonic()
    with SemanticScholarSource(settings, sleep=lambda s: None) as source:
        result = source.fetch([MIXTRAL])
    elapsed = time.monotonic() - started
    outcome = result.outcomes[MIXTRAL]
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.reason == "S2 request timed out (no complete answer within 0.4 s)"
    assert elapsed < 2.0


def test_the_stop_signal_ends_a_pending_request_and_a_back_off_wait_at_once(
    standin: StandIn, keyed_settings: Settings
) -> None:
    standin.inject("s2", Fault.stall(20.0))
    stop = StopSignal()
    settings = keyed_settings.model_copy(
        update={"request_timeout_seconds": 30.0, "retry_budget_seconds": 180.0}
    )
    timer = threading.Timer(0.3, stop.set)
    started = time.monotonic()
    timer.start()
    with SemanticScholarSource(settings, stop=stop) as source, pytest.raises(RunStopped):
        source.fetch([MIXTRAL])
    assert time.monotonic() - started < 2.0

    standin.reset()
    standin.inject("s2", Fault.rate_limit(retry_after=100.0))  # a long wait, within the budget
    stop = StopSignal()
    timer = threading.Timer(0.3, stop.set)
    started = time.monotonic()
    timer.start()
    with SemanticScholarSource(settings, stop=stop) as source, pytest.raises(RunStopped):
        source.match_titles([TitleQuery(key="t", title="Mixtral of Experts")])
    assert time.monotonic() - started < 2.0
    assert standin.count("s2") == 1


# --------------------------------------------------------------------------- outages and pace


def test_circuit_breaker_marks_the_source_down_and_stops_sending(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    standin.inject("s2", *[Fault.http(503)] * 50)
    source = make_source(max_attempts=2, breaker_threshold=2)
    queries = [TitleQuery(key=f"t{n}", title="Mixtral of Experts") for n in range(6)]
    matched = source.match_titles(queries)
    fetched = source.fetch([MIXTRAL, MMOE_DOI])

    assert standin.count("s2") == 4  # two requests of two attempts, then nothing
    reasons = [o.reason or "" for o in matched.outcomes.values()]
    assert all(o.status is OutcomeStatus.FAILED for o in matched.outcomes.values())
    assert all("503" in reason for reason in reasons[:2])
    assert all(reason.startswith("source down") for reason in reasons[2:])
    assert all(o.status is OutcomeStatus.FAILED for o in fetched.outcomes.values())
    assert fetched.health.requests == 0 and fetched.health.status is SourceStatus.DOWN
    assert "503" in (fetched.health.last_error or "")
    health = source.health
    assert health.status is SourceStatus.DOWN
    assert (health.requests, health.retries, health.failures, health.failed) == (4, 2, 2, 8)
    assert health.last_error is not None and "503" in health.last_error


def test_a_permanent_outage_ends_in_failed_outcomes_within_a_bounded_time(
    standin: StandIn, keyed_settings: Settings
) -> None:
    # Real clock and real sleeping: every request stalls past the timeout, forever.
    standin.inject("s2", *[Fault.stall(3.0)] * 50)
    settings = keyed_settings.model_copy(
        update={
            "request_timeout_seconds": 0.2,
            "max_attempts": 3,
            "retry_budget_seconds": 1.0,
            "breaker_threshold": 2,
        }
    )
    started = time.monotonic()
    with SemanticScholarSource(settings, sleep=lambda s: time.sleep(min(s, 0.05))) as source:
        fetched = source.fetch([MIXTRAL, MMOE_DOI])
        matched = source.match_titles(
            [TitleQuery(key=f"t{n}", title="Mixtral of Experts") for n in range(5)]
        )
    elapsed = time.monotonic() - started

    assert all(o.status is OutcomeStatus.FAILED for o in fetched.outcomes.values())
    assert all(o.status is OutcomeStatus.FAILED for o in matched.outcomes.values())
    assert "timed out" in (fetched.outcomes[MIXTRAL].reason or "")
    assert source.health.status is SourceStatus.DOWN
    assert standin.count("s2") <= 2 * 3
    assert elapsed < 5.0


def test_with_a_real_pace_on_both_sides_the_standin_never_has_to_answer_429(
    standin: StandIn, keyed_settings: Settings
) -> None:
    standin.set_pace("s2", 0.2)
    settings = keyed_settings.model_copy(update={"s2_pace_seconds": 0.2})
    with SemanticScholarSource(settings) as source:  # real clock, real sleep
        source.fetch([MIXTRAL])
        source.fetch([MMOE_DOI])
        result = source.match_titles(
            [
                TitleQuery(key="a", title="Mixtral of Experts"),
                TitleQuery(key="b", title="Mistral 7B"),
            ]
        )
    assert all(o.status is OutcomeStatus.OK for o in result.outcomes.values())
    assert [logged.status for logged in standin.requests] == [200] * 4
    assert standin.pace_violations.get("s2", 0) == 0
    assert source.health.retries == 0


# --------------------------------------------------------------------------- title matching


def test_title_match_accepts_same_title_within_a_year_and_rejects_the_rest(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    queries = [
        TitleQuery(key="same", title="MIXTRAL   of experts!"),
        TitleQuery(key="no-year", title="Mixtral of Experts"),
        TitleQuery(key="year-1", title="Mixtral of Experts", year=2023),
        TitleQuery(key="year-3", title="Mixtral of Experts", year=2021),
        TitleQuery(key="near-miss", title="Mixtral of Expert"),
        TitleQuery(key="nothing", title="A Paper Nobody Ever Wrote About Turnips"),
        TitleQuery(key="blank", title=" - "),
    ]
    result = make_source().match_titles(queries)
    out = result.outcomes

    assert list(out) == [q.key for q in queries]
    for key in ("same", "no-year", "year-1"):
        record = out[key].record
        assert out[key].status is OutcomeStatus.OK and record is not None
        assert record.title == "Mixtral of Experts" and record.match_score is not None
    assert out["year-3"].status is OutcomeStatus.NOT_FOUND
    assert "Mixtral of Experts" in (out["year-3"].reason or "")
    assert "2024" in (out["year-3"].reason or "")
    # The stand-in, like S2, offers its closest title; a different title is not accepted.
    assert out["near-miss"].status is OutcomeStatus.NOT_FOUND
    assert "'Mixtral of Experts'" in (out["near-miss"].reason or "")
    assert out["nothing"].status is OutcomeStatus.NOT_FOUND
    assert out["blank"].status is OutcomeStatus.NOT_FOUND
    assert standin.count("s2", path=MATCH_PATH) == 6  # one GET per query, none for the blank
    assert result.health.failures == 0


def test_title_queries_sharing_a_key_must_agree(
    standin: StandIn, make_source: Callable[..., SemanticScholarSource]
) -> None:
    with pytest.raises(ValueError, match="'k'"):
        make_source().match_titles(
            [TitleQuery(key="k", title="Mixtral of Experts"), TitleQuery(key="k", title="Other")]
        )
    assert standin.count("s2") == 0


def test_before_start_hook_runs_once_before_each_request_retries_included(
    standin: StandIn, keyed_settings: Settings, clock: FakeClock
) -> None:
    def s2_requests() -> int:
        return sum(1 for logged in standin.requests if logged.service == "s2")

    seen_before: list[int] = []  # requests the server had received when the hook ran
    standin.inject("s2", Fault.http(503))
    source = SemanticScholarSource(
        keyed_settings,
        clock=clock,
        sleep=clock.sleep,
        before_start=lambda: seen_before.append(s2_requests()),
    )
    try:
        result = source.fetch([MIXTRAL])
    finally:
        source.close()
    assert result.health.requests == 2
    assert seen_before == [0, 1]
    assert s2_requests() == 2


# --------------------------------------------------------------------------- progress


def test_progress_counts_batches_and_title_queries_as_separate_stages(
    keyed_settings: Settings, clock: FakeClock
) -> None:
    calls: list[tuple[str, int, int]] = []
    with StandIn(synthetic=600) as server:
        settings = keyed_settings.model_copy(update={"s2_api_url": server.s2_url})
        with SemanticScholarSource(
            settings, clock=clock, sleep=clock.sleep, progress=lambda *args: calls.append(args)
        ) as source:
            source.fetch([f"arxiv:{Catalog.synthetic_arxiv_id(n)}" for n in range(1, 601)])
            titles = ["Synthetic Stand-in Paper Number 7", "!!!"]  # the second needs no request
            source.match_titles([TitleQuery(key=f"title:{t}", title=t) for t in titles])
            source.match_titles([TitleQuery(key="title:again", title="Mixtral of Experts")])
    assert [c for c in calls if c[0] == "s2"] == [("s2", 0, 2), ("s2", 1, 2), ("s2", 2, 2)]
    assert [c for c in calls if c[0] == "s2_titles"] == [
        ("s2_titles", 0, 2),
        ("s2_titles", 1, 2),
        ("s2_titles", 2, 2),
        ("s2_titles", 2, 3),  # a later call (suggestions) adds to the same stage
        ("s2_titles", 3, 3),
    ]
