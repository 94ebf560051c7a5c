"""The library-level run (no Prefect): stages, fallback, health merging, and the summary of
a real run (enrich.summary)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import paper_builders
import pytest
from fake_clock import FakeClock

from enrich import pipeline
from enrich import summary as summary_module
from enrich.contract import FlagKind, RunStatus
from enrich.errors import InputError, OutputError
from enrich.lists.config import DEFAULT_LISTS, ListSpec
from enrich.lists.extract import StreamedList
from enrich.lists.read import list_slug
from enrich.models import (
    Entry,
    Outcome,
    OutcomeStatus,
    S2Record,
    SourceHealth,
    SourceResult,
    SourceStatus,
)
from enrich.papers.lookups import plan_lookups
from enrich.papers.resolutions import RESOLUTIONS_DIR
from enrich.publish.snapshot import build_snapshot
from enrich.settings import Settings
from enrich.standin import Fault, StandIn

#: A port nothing listens on: connections are refused at once, like an unreachable service.
CLOSED_URL = "http://127.0.0.1:9"
SUPERBRUCE, ARPITA = DEFAULT_LISTS


def fixed_clock(start: dt.datetime) -> Iterator[dt.datetime]:
    moment = start
    while True:
        yield moment
        moment += dt.timedelta(seconds=1)


def clock_at(hour: int) -> pipeline.Now:
    ticks = fixed_clock(dt.datetime(2026, 1, 2, hour, 0, 0, tzinfo=dt.UTC))
    return lambda: next(ticks)


def bundled_specs() -> list[ListSpec]:
    """The seed lists read from their bundled files (no GitHub involved)."""
    paths = [spec.bundled_path() for spec in DEFAULT_LISTS]
    return [ListSpec(source=str(path)) for path in paths if path is not None]


@pytest.fixture
def offline_github(settings: Settings) -> Settings:
    """The stand-in settings, with GitHub unreachable."""
    return settings.model_copy(update={"github_raw_url": CLOSED_URL})


# --------------------------------------------------------------------------- lists


def test_unreachable_upstream_falls_back_to_the_bundled_copy_under_the_upstream_name(
    offline_github: Settings,
) -> None:
    read = pipeline.read_lists([SUPERBRUCE, ARPITA], offline_github)
    assert read.failures == []
    assert [extracted.info.source for extracted in read.lists] == [SUPERBRUCE.source, ARPITA.source]
    for spec, extracted in zip([SUPERBRUCE, ARPITA], read.lists, strict=True):
        info = extracted.info
        assert info.fallback is True
        assert info.name == list_slug(spec.source)
        assert info.url is None  # not read from upstream
        assert info.version  # the bundled text's hash
        assert extracted.entries
        assert {entry.list_name for entry in extracted.entries} == {info.name}


def test_a_list_without_bundled_copy_that_cannot_be_read_is_a_failure_not_an_abort(
    offline_github: Settings, tmp_path: Path
) -> None:
    missing = ListSpec(source=str(tmp_path / "missing.md"))
    upstream_only = ListSpec(source="github:someone/unbundled-list")
    read = pipeline.read_lists([missing, SUPERBRUCE, upstream_only], offline_github)
    assert [extracted.info.source for extracted in read.lists] == [SUPERBRUCE.source]
    assert [failure.source for failure in read.failures] == [missing.source, upstream_only.source]
    assert "no such file" in read.failures[0].error
    assert "cannot be reached" in read.failures[1].error


def test_read_bundled_copy_reraises_the_upstream_error_when_there_is_no_copy(
    settings: Settings,
) -> None:
    from enrich.errors import InputError

    error = InputError("github:a/b: HTTP 404 Not Found", status=404)
    with pytest.raises(InputError) as raised:
        pipeline.read_bundled_copy(ListSpec(source="github:a/b"), settings, error)
    assert raised.value is error


def test_extracting_while_arxiv_is_asked_gives_what_one_after_the_other_gives(
    settings: Settings, standin: StandIn, tmp_path: Path
) -> None:
    texts = pipeline.read_list_texts(bundled_specs(), settings).texts
    lists = pipeline.extract_lists(texts)
    plan = plan_lookups(lists)
    one_after_the_other = pipeline.fetch_arxiv(
        plan.arxiv_ids, settings.model_copy(update={"cache_dir": tmp_path / "first"})
    )
    requests = standin.count("arxiv")

    together, arxiv = pipeline.extract_fetching_arxiv(
        texts, settings.model_copy(update={"cache_dir": tmp_path / "second"})
    )
    assert together == lists
    assert list(arxiv.outcomes) == plan.arxiv_ids  # key order, whatever order they came in
    assert {key: (o.status, o.record) for key, o in arxiv.outcomes.items()} == {
        key: (o.status, o.record) for key, o in one_after_the_other.outcomes.items()
    }
    assert standin.count("arxiv") == 2 * requests  # the same requests again, no more


def test_an_extraction_that_fails_stops_the_arxiv_fetch_before_its_next_request(
    settings: Settings, standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [f"- [Paper {n}](https://arxiv.org/abs/2401.{n:05d})" for n in range(1, 151)]
    path = tmp_path / "list.md"
    path.write_text("# A list\n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    texts = pipeline.read_list_texts([ListSpec(source=str(path))], settings).texts

    class FailingMidway(StreamedList):
        def entries(self) -> Iterator[Entry]:
            for number, entry in enumerate(super().entries(), start=1):
                if number == 121:
                    raise RuntimeError("extraction bug")
                yield entry

    monkeypatch.setattr(pipeline, "StreamedList", FailingMidway)
    with pytest.raises(RuntimeError, match="extraction bug"):
        pipeline.extract_fetching_arxiv(texts, settings)
    # The first 100 ids were asked for while extracting; the 20 read after them never are.
    assert standin.count("arxiv") == 1


# --------------------------------------------------------------------------- sources


def health(source: str, status: SourceStatus, **counts: int) -> SourceHealth:
    return SourceHealth(source=source, status=status, **counts)


def outcome(key: str, status: OutcomeStatus, reason: str | None = None) -> Outcome[S2Record]:
    return Outcome[S2Record](key=key, status=status, reason=reason)


def test_merge_results_keeps_every_outcome_and_sums_health() -> None:
    first = SourceResult[S2Record](
        outcomes={"title:a": outcome("title:a", OutcomeStatus.NOT_FOUND, "no match")},
        health=health("s2", SourceStatus.UP, requests=3, ok=2, not_found=1),
    )
    second = SourceResult[S2Record](
        outcomes={
            "title:a": outcome("title:a", OutcomeStatus.FAILED, "HTTP 503"),
            "title:b": outcome("title:b", OutcomeStatus.FAILED, "HTTP 503"),
        },
        health=health("s2", SourceStatus.DEGRADED, requests=2, retries=4, failed=2),
    )
    merged = pipeline.merge_results(first, second)
    assert list(merged.outcomes) == ["title:a", "title:b"]
    assert merged.outcomes["title:a"].reason == "no match"  # the first answer wins
    assert merged.health.status is SourceStatus.DEGRADED
    assert (merged.health.requests, merged.health.retries) == (5, 4)
    assert (merged.health.ok, merged.health.not_found, merged.health.failed) == (2, 1, 2)


def test_merge_results_rates_down_worst_and_disabled_least() -> None:
    empty: dict[str, Outcome[S2Record]] = {}
    down = SourceResult[S2Record](outcomes=empty, health=health("s2", SourceStatus.DOWN))
    up = SourceResult[S2Record](outcomes=empty, health=health("s2", SourceStatus.UP))
    disabled = pipeline.disabled_result("s2")
    assert pipeline.merge_results(up, down).health.status is SourceStatus.DOWN
    assert pipeline.merge_results(disabled, up).health.status is SourceStatus.UP
    with pytest.raises(ValueError, match="cannot merge"):
        pipeline.merge_results(up, pipeline.disabled_result("arxiv"))


def test_new_run_id_is_utc_and_sortable() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    assert pipeline.new_run_id(dt.datetime(2026, 3, 4, 4, 5, 6, tzinfo=paris)) == "20260304T030506Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        pipeline.new_run_id(dt.datetime(2026, 3, 4))


def test_two_runs_started_in_the_same_second_get_distinct_ids(
    settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = pipeline.run_enrichment(bundled_specs()[:1], out, settings, now=clock_at(3))
    second = pipeline.run_enrichment(bundled_specs()[:1], out, settings, now=clock_at(3))
    assert first.snapshot.manifest.run_id == "20260102T030000Z"
    assert second.snapshot.manifest.run_id == "20260102T030000Z-2"
    assert second.snapshot.manifest.previous_run_id == "20260102T030000Z"


# --------------------------------------------------------------------------- whole runs


def test_run_against_the_standin_writes_an_ok_snapshot(
    settings: Settings, standin: StandIn, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    report = pipeline.run_enrichment(bundled_specs(), out, settings, now=clock_at(3))
    manifest = report.snapshot.manifest
    assert manifest.status is RunStatus.OK, manifest.status_reasons
    assert manifest.run_id == "20260102T030000Z"
    assert report.path == out / "snapshots" / manifest.run_id
    written = json.loads((report.path / "manifest.json").read_text(encoding="utf-8"))
    assert written["status"] == "ok"
    assert [item["name"] for item in written["lists"]] == [
        "superbrucejia-awesome-mixture-of-experts",
        "arpita8-mixture-of-experts-papers",
    ]
    assert manifest.sources["arxiv"].status is SourceStatus.UP
    assert manifest.sources["s2"].status is SourceStatus.UP
    assert manifest.counts.papers > 20
    assert standin.count("arxiv") >= 1 and standin.count("s2") >= 1


def test_second_run_links_the_previous_and_summary_reflects_the_snapshot(
    settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = pipeline.run_enrichment(bundled_specs(), out, settings, now=clock_at(3))
    second = pipeline.run_enrichment(bundled_specs(), out, settings, now=clock_at(4))
    assert second.snapshot.manifest.previous_run_id == first.snapshot.manifest.run_id

    summary = summary_module.summarize(second)
    snapshot = second.snapshot
    flagged = sum(
        1
        for list_file in snapshot.lists.values()
        for entry in list_file.entries
        for flag in entry.flags
        if flag.flag is not FlagKind.UNRESOLVED
    )
    unresolved = sum(
        1
        for list_file in snapshot.lists.values()
        for entry in list_file.entries
        if entry.checked and entry.paper_id is None
    )
    assert len(summary.flagged) == flagged
    assert len(summary.unresolved) == unresolved
    assert flagged > 0  # the seed lists have real defects (JetMoE row links QMoE, ...)
    assert summary.snapshot_path == str(second.path)
    # The stand-in's made-up counts do not move between runs.
    assert summary.movers == []

    markdown = summary_module.render_summary_markdown(summary)
    assert markdown.startswith(f"# enrich-lists run {summary.run_id}: OK")
    assert "## Calls per source" in markdown and "| s2 |" in markdown
    assert f"## Flagged rows ({flagged})" in markdown
    assert f"## Unresolved entries ({unresolved})" in markdown
    rows = summary_module.attention_rows(summary)
    assert len(rows) == flagged + unresolved
    assert set(rows[0]) == {"list_name", "line", "title", "problem", "detail"}
    report_index = second.path / "report" / "index.html"
    assert summary.report_path == str(report_index) and report_index.is_file()
    assert f"Report: [index.html]({report_index.resolve().as_uri()})" in markdown
    unwritten = summary.model_copy(update={"report_path": None})
    assert "Report: not written" in summary_module.render_summary_markdown(unwritten)
    text = summary_module.render_summary_text(summary)
    assert text.splitlines()[1:3] == [f"Snapshot: {second.path}", f"Report: {report_index}"]
    # Stand-in data says so wherever a person reads the run.
    assert (
        summary.demo and summary_module.DEMO_NOTE in text and summary_module.DEMO_NOTE in markdown
    )
    # How many fixes each list has, and where its patch is.
    arpita = second.path / "lists" / "arpita8-mixture-of-experts-papers.patch"
    assert [(item.name, item.fixes) for item in summary.lists] == [
        ("superbrucejia-awesome-mixture-of-experts", 0),
        ("arpita8-mixture-of-experts-papers", 6),
    ]
    assert "| suggested fixes | patch |" in markdown
    assert (
        f"| 6 | `{arpita}` (explained in `arpita8-mixture-of-experts-papers.fixes.md`) |"
        in markdown
    )
    assert "| 0 | empty: nothing to fix |" in markdown
    assert f"  arpita8-mixture-of-experts-papers: 6 suggested fixes in {arpita}" in text
    assert arpita.read_text(encoding="utf-8").count("\n+| ") == 6


#: A list with every kind of title look-up: a row whose title names another paper than its link
#: (Mistral 7B linking Branch-Train-MiX), a CVF row found by title, and a title S2 cannot match.
TITLE_ROWS_LIST = """# Title rows

## Papers

- [Mixtral of Experts](https://arxiv.org/abs/2401.04088) (2024)
- [Mistral 7B](https://arxiv.org/abs/2403.07816) (2023)
- [AdaMV-MoE: Adaptive Multi-Task Vision Mixture-of-Experts](https://thecvf.com/x.pdf) (2023)
- [A Study Nobody Has Ever Written About Experts](https://example.org/nothing.pdf) (2023)
"""
MATCH_PATH = "/graph/v1/paper/search/match"
BATCH_PATH = "/graph/v1/paper/batch"


def _resolutions(report: summary_module.RunReport) -> dict[tuple[str, int], str | None]:
    return {
        (name, entry.line): entry.paper_id
        for name, list_file in report.snapshot.lists.items()
        for entry in list_file.entries
    }


def test_the_second_night_recalls_title_resolutions_instead_of_matching_again(
    settings: Settings, standin: StandIn, tmp_path: Path
) -> None:
    titles_list = tmp_path / "title-rows.md"
    titles_list.write_text(TITLE_ROWS_LIST, encoding="utf-8")
    specs = [ListSpec(source=str(titles_list))]
    out = tmp_path / "out"
    first = pipeline.run_enrichment(specs, out, settings, now=clock_at(3))
    first_matches = standin.count("s2", MATCH_PATH)
    assert first_matches == 3  # the CVF row, the unknown title, the Mistral 7B suggestion
    first_titles = first.snapshot.manifest.sources["s2_titles"]
    assert first_titles.cache_hits == 0

    standin.reset()
    second = pipeline.run_enrichment(specs, out, settings, now=clock_at(4))
    assert standin.count("s2", MATCH_PATH) == 0
    assert standin.count("s2", BATCH_PATH) == 1
    assert standin.count("arxiv") == 0
    titles = second.snapshot.manifest.sources["s2_titles"]
    assert (titles.requests, titles.cache_hits) == (0, first_matches)
    assert (titles.ok, titles.not_found) == (first_titles.ok, first_titles.not_found)
    arxiv = second.snapshot.manifest.sources["arxiv"]
    assert arxiv.cache_hits == first.snapshot.manifest.sources["arxiv"].ok == arxiv.ok
    # Same answers: every row resolves to the same paper, the Mistral 7B row keeps its flag.
    assert _resolutions(second) == _resolutions(first)
    assert [p.paper_id for p in second.snapshot.papers] == [
        p.paper_id for p in first.snapshot.papers
    ]
    mistral = next(
        entry
        for entry in second.snapshot.lists["title-rows"].entries
        if entry.title == "Mistral 7B"
    )
    assert any(flag.flag is FlagKind.TITLE_MISMATCH for flag in mistral.flags)
    summary = summary_module.render_summary_text(summary_module.summarize(second))
    assert f"s2_titles: up, 0 requests, {first_matches} from cache" in summary


def test_an_edited_row_is_matched_again_on_the_second_night(
    settings: Settings, standin: StandIn, tmp_path: Path
) -> None:
    titles_list = tmp_path / "title-rows.md"
    titles_list.write_text(TITLE_ROWS_LIST, encoding="utf-8")
    out = tmp_path / "out"
    pipeline.run_enrichment([ListSpec(source=str(titles_list))], out, settings, now=clock_at(3))
    edited = TITLE_ROWS_LIST.replace("A Study Nobody Has Ever", "A Study Nobody Has Yet")
    titles_list.write_text(edited, encoding="utf-8")
    standin.reset()
    pipeline.run_enrichment([ListSpec(source=str(titles_list))], out, settings, now=clock_at(4))
    matched = [
        request.query["query"][0] for request in standin.requests if request.path == MATCH_PATH
    ]
    assert matched == ["A Study Nobody Has Yet Written About Experts"]


def test_no_title_is_remembered_when_s2_is_switched_off(settings: Settings, tmp_path: Path) -> None:
    pipeline.run_enrichment(bundled_specs(), tmp_path / "out", settings, use_s2=False)
    assert not (settings.cache_dir / RESOLUTIONS_DIR).exists()


def test_unreachable_services_give_a_failed_snapshot_that_is_still_written(
    offline_github: Settings, tmp_path: Path
) -> None:
    down = offline_github.model_copy(
        update={
            "arxiv_api_url": f"{CLOSED_URL}/api/query",
            "s2_api_url": CLOSED_URL,
            "max_attempts": 1,
            "breaker_threshold": 1,
        }
    )
    report = pipeline.run_enrichment([SUPERBRUCE, ARPITA], tmp_path / "out", down, now=clock_at(3))
    manifest = report.snapshot.manifest
    assert manifest.status is RunStatus.FAILED
    assert manifest.status_reasons
    assert manifest.sources["arxiv"].status is SourceStatus.DOWN
    assert manifest.sources["s2"].status is SourceStatus.DOWN
    assert all(item.fallback for item in manifest.lists)
    assert (report.path / "manifest.json").is_file()
    summary = summary_module.summarize(report)
    assert summary.status is RunStatus.FAILED
    assert "bundled copy used" in summary_module.render_summary_text(summary)
    # The patch is made against the bundled text that was read, named as the upstream file.
    patch = report.snapshot.patches["arpita8-mixture-of-experts-papers"]
    assert patch.patch.startswith("--- a/README.md\n+++ b/README.md\n")
    assert "+| MLLMs | [MoE-FFD" in patch.patch  # a malformed link is repaired without lookups
    assert "read from the bundled copy" in patch.notes


def test_switched_off_sources_are_not_called_and_reported_disabled(
    settings: Settings, standin: StandIn, tmp_path: Path
) -> None:
    report = pipeline.run_enrichment(
        bundled_specs(), tmp_path / "out", settings, use_arxiv=False, use_s2=False
    )
    sources = report.snapshot.manifest.sources
    assert sources["arxiv"].status is SourceStatus.DISABLED
    assert sources["s2"].status is SourceStatus.DISABLED
    assert standin.count("arxiv") == 0 and standin.count("s2") == 0


def test_unresolved_rows_say_why_and_never_claim_not_found_after_a_failure(
    tmp_path: Path,
) -> None:
    untitled_link = paper_builders.entry("a", 1, "A paper known by its title only")
    lists = [paper_builders.extracted("a", untitled_link)]
    key = "title:a paper known by its title only"
    cases = {
        "its title match failed: whether the paper exists is unknown (see source health)": (
            paper_builders.result("s2", paper_builders.failed(key))
        ),
        "not looked up: Semantic Scholar is switched off (no title match made)": (
            paper_builders.disabled("s2")
        ),
        "line 11: the row links no paper id and Semantic Scholar found no paper for it (title "
        "'A paper known by its title only').": (
            paper_builders.result("s2", paper_builders.not_found(key))
        ),
    }
    for expected, titles in cases.items():
        run = paper_builders.run_input("run-1", lists, titles=titles)
        report = summary_module.RunReport(snapshot=build_snapshot(run, None), path=tmp_path)
        [row] = summary_module.summarize(report).unresolved
        assert row.detail == expected


def test_an_unreadable_previous_snapshot_fails_the_write_not_the_input(tmp_path: Path) -> None:
    """The run's work is done when the previous snapshot is read: a missing or damaged one is an
    output problem (exit status 3), not bad input (2, "nothing is run")."""
    row = paper_builders.entry("alpha", 1, "Mixtral of Experts")
    run = paper_builders.run_input("run-1", [paper_builders.extracted("alpha", row)])
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "latest").symlink_to("snapshots/run-0")
    with pytest.raises(OutputError, match=r"latest points at snapshots/run-0, which does not"):
        pipeline.publish_snapshot(run, tmp_path)
    (tmp_path / "snapshots" / "run-0").mkdir()  # present, but without its files
    with pytest.raises(OutputError, match=r"previous snapshot: .*manifest\.json is missing"):
        pipeline.publish_snapshot(run, tmp_path)
    assert not (tmp_path / "snapshots" / "run-1").exists()


def test_a_run_that_waits_for_the_lock_compares_with_the_snapshot_written_meanwhile(
    tmp_path: Path,
) -> None:
    """Two runs on one output directory: the second waits (lock_timeout), then builds against
    the first one's snapshot; it neither interleaves nor fails with "another run wrote"."""
    import threading

    from enrich.publish.write import output_lock

    rows = [paper_builders.extracted("alpha", paper_builders.entry("alpha", 1, "Mixtral"))]
    first = paper_builders.run_input("run-1", rows)
    second = paper_builders.run_input("run-2", rows)
    holding = threading.Event()
    release = threading.Event()
    written: list[Path] = []

    def first_run() -> None:
        with output_lock(tmp_path):
            holding.set()
            release.wait(10)
            written.append(pipeline.publish_snapshot(first, tmp_path).path)

    thread = threading.Thread(target=first_run)
    thread.start()
    assert holding.wait(10)
    threading.Timer(0.3, release.set).start()
    report = pipeline.publish_snapshot(second, tmp_path, lock_timeout=10)
    thread.join(10)
    assert written == [tmp_path / "snapshots" / "run-1"]
    assert report.snapshot.manifest.previous_run_id == "run-1"
    assert (tmp_path / "latest").resolve() == (tmp_path / "snapshots" / "run-2").resolve()


def test_two_lists_with_one_slug_are_refused_before_anything_is_read(
    settings: Settings, tmp_path: Path
) -> None:
    unreadable = settings.model_copy(update={"github_raw_url": CLOSED_URL})
    specs = [ListSpec(source="github:o/r"), ListSpec(source="github:o/r@dev")]
    with pytest.raises(InputError, match="would both be named 'o-r'"):
        pipeline.run_enrichment(specs, tmp_path / "out", unreadable)
    assert not (tmp_path / "out").exists()


def test_no_lists_is_a_value_error(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no lists"):
        pipeline.run_enrichment([], tmp_path, settings)


def test_the_library_run_needs_neither_prefect_nor_flows() -> None:
    """Deleting flows/ (or Prefect) leaves the library run working: nothing here imports them."""
    import subprocess
    import sys

    code = (
        "import sys; import enrich.pipeline, enrich.cli; "
        "print(sorted(m for m in ('prefect', 'flows') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------- operations


def test_seven_429s_in_a_row_without_retry_after_end_ok_with_every_paper_enriched(
    tmp_path: Path,
) -> None:
    """The fault scenario of issue 14: a real S2 burst (429s carry no Retry-After) at the start
    of the run. Pace and back-off run on a fake clock shared with the stand-in, which judges
    the pace in that time: no real waiting, and a request too early would be a pace 429."""
    clock = FakeClock()
    with StandIn(arxiv_pace=3.0, s2_pace=1.0, clock=clock, pace_slack=0.0) as server:
        settings = Settings.from_env(
            {},
            arxiv_api_url=server.arxiv_url,
            s2_api_url=server.s2_url,
            cache_dir=tmp_path / "cache",
        )  # the real paces (3 s, 1 s) and the default 180 s retry budget
        server.inject("s2", *[Fault.rate_limit(retry_after=None)] * 7)
        report = pipeline.run_enrichment(
            bundled_specs(), tmp_path / "out", settings, clock=clock, sleep=clock.sleep
        )
        s2_statuses = [logged.status for logged in server.requests if logged.service == "s2"]
        violations = server.pace_violations

    manifest = report.snapshot.manifest
    assert manifest.status is RunStatus.OK, manifest.status_reasons
    assert s2_statuses[:8] == [429] * 7 + [200] and set(s2_statuses[8:]) == {200}
    assert violations == {}  # the pace was never broken, retries included
    s2 = manifest.sources["s2"]
    assert (s2.status, s2.retries, s2.failed) == (SourceStatus.UP, 7, 0)
    asked = [p for p in report.snapshot.papers if p.lookups.get("s2") is not None]
    assert asked and all(p.lookups["s2"] == "ok" for p in asked)
    assert all(p.citation_count is not None for p in asked)
    assert sum(wait for wait in clock.slept) < 180 + 60  # within the budget (plus paces)


def test_a_run_id_taken_while_waiting_for_the_lock_is_replaced_by_the_next_free_one(
    tmp_path: Path,
) -> None:
    rows = [paper_builders.extracted("alpha", paper_builders.entry("alpha", 1, "Mixtral"))]
    started = dt.datetime(2026, 1, 2, 3, 0, tzinfo=dt.UTC)
    run_id = pipeline.new_run_id(started)
    first = pipeline.publish_snapshot(
        paper_builders.run_input(run_id, rows, started_at=started), tmp_path
    )
    # A second run that started in the same second chose its id before the first published.
    second = pipeline.publish_snapshot(
        paper_builders.run_input(run_id, rows, started_at=started), tmp_path
    )
    assert first.snapshot.manifest.run_id == "20260102T030000Z"
    assert second.snapshot.manifest.run_id == "20260102T030000Z-2"
    assert second.snapshot.manifest.previous_run_id == "20260102T030000Z"
    assert second.path.is_dir() and first.path.is_dir()


def test_a_run_that_read_no_list_is_kept_but_does_not_become_latest(
    settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    good = pipeline.run_enrichment(bundled_specs(), out, settings, now=clock_at(3))
    missing = [ListSpec(source=str(tmp_path / "gone.md"))]
    bad = pipeline.run_enrichment(missing, out, settings, now=clock_at(4))
    assert bad.snapshot.manifest.status is RunStatus.FAILED and not bad.is_latest
    assert (out / "latest").resolve() == good.path.resolve()
    text = summary_module.render_summary_text(summary_module.summarize(bad))
    assert (
        f"not made latest (it read no list): latest is still {good.snapshot.manifest.run_id}"
        in text
    )
    third = pipeline.run_enrichment(bundled_specs(), out, settings, now=clock_at(5))
    assert third.snapshot.manifest.previous_run_id == good.snapshot.manifest.run_id
    assert all(not f.changes.added for f in third.snapshot.lists.values())


def test_preflight_refuses_what_can_never_work_and_leaves_network_sources_to_the_run(
    settings: Settings, tmp_path: Path
) -> None:
    utf16 = tmp_path / "utf16.md"
    utf16.write_bytes("# List\n\n- [Paper](https://arxiv.org/abs/2401.04088)\n".encode("utf-16"))
    cases = [
        (str(utf16), "is UTF-16 text"),
        ("ftp://example.org/list.md", "unsupported URL scheme"),
        (str(tmp_path / "missing.md"), "no such file"),
    ]
    for source, message in cases:
        with pytest.raises(InputError, match=message):
            pipeline.preflight([ListSpec(source=source)], settings, tmp_path / "out")
    blocker = tmp_path / "blocker"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is not a directory"):
        pipeline.preflight(bundled_specs(), settings, blocker)
    network = [ListSpec(source="github:nobody/nothing"), ListSpec(source="https://x.invalid/l")]
    pipeline.preflight([*bundled_specs(), *network], settings, tmp_path / "out")
    assert not (tmp_path / "out").exists()
