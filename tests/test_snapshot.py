"""Snapshots: run status, building, loading (round trips through a write), and the seed lists
end to end through the local stand-in."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from paper_builders import (
    MIXTRAL,
    arxiv_record,
    entry,
    extracted,
    failed,
    ok,
    result,
    run_input,
    small_snapshot,
    validate_snapshot_dir,
)

from enrich import pipeline
from enrich.contract import (
    FlagKind,
    PaperRecord,
    RunStatus,
    papers_from_json,
)
from enrich.errors import InputError
from enrich.lists.config import ListSpec
from enrich.models import ListInfo
from enrich.publish import snapshot as snapshot_module
from enrich.publish.history import read_history
from enrich.publish.previous import Previous
from enrich.publish.snapshot import (
    ListFailure,
    build_snapshot,
    load_latest,
    load_previous,
    load_snapshot,
)
from enrich.publish.write import write_snapshot
from enrich.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SEED_000 = REPO / "tests" / "data" / "lists" / "000_9cd65308fa97601f.txt"
SEED_001 = REPO / "tests" / "data" / "lists" / "001_6649f24848fe5dce.txt"
CATALOG = REPO / "enrich" / "standin" / "data" / "papers.json"
#: A port nothing listens on: connections are refused at once, like a service that is down.
CLOSED_URL = "http://127.0.0.1:9"


# --------------------------------------------------------------------------- run status


def test_status_ok_degraded_and_failed() -> None:
    lists = [extracted("a", entry("a", 1, MIXTRAL, arxiv=["2401.04088"]))]
    fine = run_input(
        "r",
        lists,
        arxiv=result("arxiv", ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL))),
    )
    assert build_snapshot(fine, None).manifest.status == RunStatus.OK

    half = fine.model_copy(update={"s2": result("s2", failed("arxiv:2401.04088"))})
    manifest = build_snapshot(half, None).manifest
    assert manifest.status == RunStatus.DEGRADED
    assert manifest.status_reasons == ["1 of 2 lookups failed (s2 1)"]

    fallback = fine.model_copy(update={"lists": [extracted("a", *lists[0].entries, fallback=True)]})
    assert build_snapshot(fallback, None).manifest.status == RunStatus.DEGRADED

    lost = fine.model_copy(update={"list_failures": [ListFailure(source="x.md", error="gone")]})
    manifest = build_snapshot(lost, None).manifest
    assert manifest.status == RunStatus.DEGRADED
    assert manifest.list_failures == [ListFailure(source="x.md", error="gone")]

    nothing = half.model_copy(update={"arxiv": result("arxiv", failed("arxiv:2401.04088"))})
    manifest = build_snapshot(nothing, None).manifest
    assert manifest.status == RunStatus.FAILED
    assert manifest.status_reasons == ["every lookup failed (2 requested)"]

    no_lists = run_input("r", []).model_copy(update={"list_failures": lost.list_failures})
    assert build_snapshot(no_lists, None).manifest.status == RunStatus.FAILED


def test_manifest_counts_and_list_order() -> None:
    snapshot = small_snapshot("run-1")
    manifest = snapshot.manifest
    assert [item.name for item in manifest.lists] == ["alpha", "beta"]
    counts = manifest.counts
    assert (counts.lists, counts.entries, counts.papers) == (2, 3, 2)
    assert counts.flags == {"published_since": 1}
    assert counts.skipped == {"not_checked": 0, "no_record": 0}
    assert set(manifest.sources) == {"arxiv", "s2", "s2_titles"}
    assert [e.position for e in snapshot.lists["alpha"].entries] == [1, 2]
    mixtral = snapshot.paper("arxiv:2401.04088")
    assert mixtral is not None and len(mixtral.appearances) == 2


def test_the_manifest_says_when_values_come_from_the_stand_in() -> None:
    real = small_snapshot("run-1")
    assert not real.manifest.demo
    run = run_input("run-2", [extracted("a", entry("a", 1, MIXTRAL, arxiv=["2401.04088"]))])
    s2 = run.s2.model_copy(update={"health": run.s2.health.model_copy(update={"standin": True})})
    demo = build_snapshot(run.model_copy(update={"s2": s2}), real)
    assert demo.manifest.demo and demo.manifest.sources["s2"].standin
    # A run built on stand-in values (deltas, carried values) is not real data either.
    after = build_snapshot(run_input("run-3", []), demo)
    assert after.manifest.demo and not after.manifest.sources["s2"].standin


def test_two_lists_with_one_slug_are_refused() -> None:
    lists = [extracted("a"), extracted("a")]
    with pytest.raises(InputError, match="two lists are named 'a'"):
        build_snapshot(run_input("r", lists), None)


# --------------------------------------------------------------------------- write and load


def test_write_then_load_gives_the_same_snapshot(tmp_path: Path) -> None:
    snapshot = small_snapshot("run-1")
    path = write_snapshot(snapshot, tmp_path)
    assert path == tmp_path / "snapshots" / "run-1"
    assert sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()) == [
        "lists/alpha.fixes.md",
        "lists/alpha.json",
        "lists/alpha.patch",
        "lists/beta.json",
        "manifest.json",
        "papers.csv",
        "papers.json",
        "papers.parquet",
        "report/index.html",
        "report/lists/alpha.html",
        "report/lists/beta.html",
    ]
    assert load_snapshot(path) == snapshot
    assert load_latest(tmp_path) == snapshot
    assert (tmp_path / "latest").resolve() == path.resolve()
    assert validate_snapshot_dir(tmp_path / "latest")
    text = (path / "papers.json").read_text(encoding="utf-8")
    assert "Ünïcode Paper – with a dash" in text  # UTF-8 kept, not \u-escaped

    second = small_snapshot("run-2", previous=snapshot, citations=130)
    write_snapshot(second, tmp_path)
    assert load_latest(tmp_path) == second
    rows = read_history(tmp_path / "history.csv")
    assert [(r["run_id"], r["paper_id"], r["citation_delta"]) for r in rows] == [
        ("run-1", "arxiv:2401.04088", ""),
        ("run-1", "arxiv:2402.00002", ""),
        ("run-2", "arxiv:2401.04088", "30"),
        ("run-2", "arxiv:2402.00002", ""),
    ]


def test_fix_files_are_made_from_the_text_read_and_read_back_byte_for_byte(
    tmp_path: Path,
) -> None:
    """A list whose text was kept gets its patch (empty: nothing to fix) and note; a list
    without its text, or with a text that is not the version read, gets none."""
    snapshot = small_snapshot("run-1")
    assert sorted(snapshot.patches) == ["alpha"]
    alpha = snapshot.patches["alpha"]
    assert alpha.patch == "" and "No change suggested" in alpha.notes
    assert [(m.name, m.fixes) for m in snapshot.manifest.lists] == [("alpha", 0), ("beta", None)]

    # A CRLF list with a malformed link: its patch keeps the CRs, written and read as bytes.
    text = "# Alpha\r\n\r\n- [Mixtral of Experts](https:/x/arxiv.org/abs/2401.04088)\r\n"
    rows = entry("alpha", 1, MIXTRAL, arxiv=["2401.04088"], flags=["malformed_link"])
    link = rows.links[0].model_copy(
        update={
            "url": "https:/x/arxiv.org/abs/2401.04088",
            "line": 3,
            "target": "https:/x/arxiv.org/abs/2401.04088",
        }
    )
    rows = rows.model_copy(update={"line": 3, "links": [link]})
    version = hashlib.sha256(text.encode()).hexdigest()
    listed = extracted("alpha", rows).model_copy(
        update={"info": ListInfo(source="lists/alpha.md", name="alpha", version=version)}
    )
    fetched = result("arxiv", ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL)))
    run = run_input("run-1", [listed], arxiv=fetched, list_texts={"alpha": text})
    crlf = build_snapshot(run, None)
    patch = crlf.patches["alpha"].patch
    assert patch.startswith("--- a/alpha.md\n+++ b/alpha.md\n")
    assert "+- [Mixtral of Experts](https://arxiv.org/abs/2401.04088)\r\n" in patch
    assert crlf.manifest.lists[0].fixes == 1
    path = write_snapshot(crlf, tmp_path)
    assert (path / "lists" / "alpha.patch").read_bytes() == patch.encode()
    assert load_snapshot(path) == crlf

    # Not the text that was read: no patch rather than one that does not apply.
    other = run.model_copy(update={"list_texts": {"alpha": text + "more\r\n"}})
    assert build_snapshot(other, None).patches == {}
    assert build_snapshot(other, None).manifest.lists[0].fixes is None


def test_a_damaged_snapshot_is_reported_with_the_file_at_fault(tmp_path: Path) -> None:
    path = write_snapshot(small_snapshot("run-1"), tmp_path)
    (path / "papers.json").write_text('[{"paper_id": 1}]', encoding="utf-8")
    with pytest.raises(InputError, match=r"papers\.json does not match the output contract"):
        load_snapshot(path)
    with pytest.raises(InputError, match="is not a snapshot directory"):
        load_snapshot(tmp_path / "nowhere")
    assert load_latest(tmp_path / "empty") is None


def test_a_run_reads_the_view_of_latest_it_uses_with_the_same_checks(tmp_path: Path) -> None:
    assert load_previous(tmp_path) is None  # no latest yet
    path = write_snapshot(small_snapshot("run-1"), tmp_path)
    assert load_previous(tmp_path) == Previous.of(load_snapshot(path))
    # Every list file is still checked against the contract, though only its rows' titles and
    # paper ids are kept.
    alpha = path / "lists" / "alpha.json"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace('"checked": true', '"checked": 3'))
    with pytest.raises(InputError, match=r"alpha\.json does not match the output contract"):
        load_previous(tmp_path)
    (tmp_path / "latest").unlink()
    (tmp_path / "latest").symlink_to("snapshots/run-0")
    with pytest.raises(InputError, match=r"latest points at snapshots/run-0, which does not"):
        load_previous(tmp_path)


def test_papers_json_is_read_a_piece_at_a_time_with_the_same_records_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsing 20,000 papers at once left ~200 MiB behind in the process: papers.json as written
    is read a hundred papers at a time. Text laid out otherwise is read whole, and a damaged
    paper is reported as a whole read reports it."""
    snapshot = small_snapshot("run-1")
    [mixtral, _] = snapshot.papers
    papers = [mixtral.model_copy(update={"paper_id": f"arxiv:2401.{n:05d}"}) for n in range(250)]
    path = write_snapshot(snapshot.model_copy(update={"papers": papers}), tmp_path)
    pieces: list[int] = []

    def counted(text: bytes) -> list[PaperRecord]:
        read = papers_from_json(text)
        pieces.append(len(read))
        return read

    monkeypatch.setattr(snapshot_module, "papers_from_json", counted)
    assert load_snapshot(path).papers == papers
    assert pieces == [100, 100, 50]

    papers_file = path / "papers.json"
    written = papers_file.read_bytes()
    pieces.clear()
    papers_file.write_bytes(json.dumps(json.loads(written)).encode())  # one line
    assert load_snapshot(path).papers == papers
    assert pieces == [250]

    damaged = written.replace(b'"arxiv:2401.00150"', b"150", 1)
    papers_file.write_bytes(damaged)
    with pytest.raises(InputError, match=r"papers\.json does not match the output contract: 150\."):
        load_snapshot(path)


# --------------------------------------------------------------------------- the seed lists


def clock(start: dt.datetime) -> Callable[[], dt.datetime]:
    ticks = iter(start + dt.timedelta(seconds=i) for i in range(10_000))
    return lambda: next(ticks)


def careful_reader_flags(slug: str, line: int) -> set[FlagKind]:
    """The flags (other than published_since and stale) a careful reader raises on seed 001."""
    expected = {
        41: {FlagKind.MALFORMED_LINK, FlagKind.DUPLICATE, FlagKind.TITLE_MISMATCH},
        80: {FlagKind.TITLE_MISMATCH},
        91: {FlagKind.DUPLICATE, FlagKind.TITLE_MISMATCH},
    }
    return expected.get(line, set()) if slug.startswith("001") else set()


def preprints_published_since() -> set[str]:
    """Papers with a venue in the stand-in's S2 data (rows listing them as arXiv get flagged)."""
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))["papers"]
    return {paper["key"] for paper in catalog if paper["s2"].get("venue")}


def test_seed_lists_end_to_end_with_an_s2_outage(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    specs = [ListSpec(source=str(SEED_000)), ListSpec(source=str(SEED_001))]
    first = pipeline.run_enrichment(
        specs, out, settings, now=clock(dt.datetime(2026, 1, 1, 3, tzinfo=dt.UTC))
    ).snapshot
    assert first.manifest.status == RunStatus.OK, first.manifest.status_reasons
    assert first.manifest.demo  # the stand-in answered: its counts are made up

    published = preprints_published_since()
    for slug, list_file in first.lists.items():
        for row in list_file.entries:
            kinds = {flag.flag for flag in row.flags}
            others = kinds - {FlagKind.PUBLISHED_SINCE}
            assert others == careful_reader_flags(slug, row.line), (slug, row.line, row.flags)
            listed_as_preprint = (row.venue or "").lower() == "arxiv"
            expect_since = listed_as_preprint and row.paper_id in published and row.line != 91
            assert (FlagKind.PUBLISHED_SINCE in kinds) == expect_since, (slug, row.line)
    seed_001 = next(v for k, v in first.lists.items() if k.startswith("001"))
    by_line = {row.line: row for row in seed_001.entries}
    mismatch = {f.flag: f for f in by_line[80].flags}[FlagKind.TITLE_MISMATCH]
    assert mismatch.suggested_id == "arxiv:2310.16795"
    assert mismatch.fetched_title == "JetMoE: Reaching Llama2 Performance with 0.1M Dollars"
    mismatch = {f.flag: f for f in by_line[91].flags}[FlagKind.TITLE_MISMATCH]
    assert mismatch.suggested_id == "arxiv:2404.07413"
    assert {f.flag: f for f in by_line[41].flags}[FlagKind.TITLE_MISMATCH].field == "name"
    assert FlagKind.PUBLISHED_SINCE in {f.flag for f in by_line[43].flags}  # MoVA, NeurIPS

    moe_llava = first.paper("arxiv:2401.15947")
    assert moe_llava is not None
    assert sorted(a.list_name[:3] for a in moe_llava.appearances) == ["000", "001"]
    assert len({p.paper_id for p in first.papers}) == len(first.papers)
    assert validate_snapshot_dir(out / "latest")

    down = settings.model_copy(
        update={"s2_api_url": CLOSED_URL, "max_attempts": 1, "breaker_threshold": 1}
    )
    second = pipeline.run_enrichment(
        specs, out, down, now=clock(dt.datetime(2026, 1, 2, 3, tzinfo=dt.UTC))
    ).snapshot
    assert second.manifest.status == RunStatus.DEGRADED
    assert load_latest(out) == second
    before, after = first.paper("arxiv:2401.15947"), second.paper("arxiv:2401.15947")
    assert before is not None and after is not None
    assert after.citation_count == before.citation_count is not None
    assert after.venue == before.venue is not None
    kept = after.sources["citation_count"]
    assert kept.stale and kept.fetched_at == before.sources["citation_count"].fetched_at
    assert not after.sources["title"].stale  # arXiv was up
    seed_001 = next(v for k, v in second.lists.items() if k.startswith("001"))
    by_line = {row.line: row for row in seed_001.entries}
    assert FlagKind.STALE in {f.flag for f in by_line[42].flags}
    # The suggestions survive the outage: the named papers are records of this run
    assert {f.flag: f for f in by_line[80].flags}[FlagKind.TITLE_MISMATCH].suggested_id == (
        "arxiv:2310.16795"
    )
    assert validate_snapshot_dir(out / "latest")
    runs = {row["run_id"] for row in read_history(out / "history.csv")}
    assert runs == {first.manifest.run_id, second.manifest.run_id}
