"""Carry-forward, citation deltas, list changes, history.csv and the diff of two snapshots."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from paper_builders import (
    T0,
    arxiv_record,
    disabled,
    entry,
    extracted,
    failed,
    ok,
    result,
    run_input,
    s2_record,
)
from typer.testing import CliRunner

from enrich.cli import app
from enrich.contract import FieldOrigin, FlagKind, RunStatus, Snapshot
from enrich.errors import OutputError
from enrich.models import ExtractedList, SourceStatus
from enrich.papers.records import reconcile
from enrich.publish.history import (
    carry_forward,
    diff_snapshots,
    format_diff,
    updated_history,
)
from enrich.publish.previous import Previous
from enrich.publish.snapshot import build_snapshot
from enrich.publish.write import write_snapshot

MIXTRAL = "Mixtral of Experts"
MISTRAL = "Mistral 7B"
T1 = T0 + dt.timedelta(days=1)


def lists_v1() -> list[ExtractedList]:
    return [
        extracted(
            "a",
            entry("a", 1, MIXTRAL, arxiv=["2401.04088"], venue="arXiv"),
            entry("a", 2, MISTRAL, arxiv=["2310.06825"]),
        )
    ]


def first_run() -> Snapshot:
    return build_snapshot(
        run_input(
            "run-1",
            lists_v1(),
            arxiv=result(
                "arxiv",
                ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL)),
                ok("arxiv:2310.06825", arxiv_record("2310.06825", MISTRAL)),
            ),
            s2=result(
                "s2",
                ok("arxiv:2401.04088", s2_record("s2mix", MIXTRAL, venue="ICML", citations=100)),
                ok("arxiv:2310.06825", s2_record("s2mis", MISTRAL, citations=50)),
            ),
        ),
        None,
    )


def test_an_s2_outage_keeps_the_previous_values_marked_stale() -> None:
    previous = first_run()
    outage = run_input(
        "run-2",
        lists_v1(),
        arxiv=result(
            "arxiv",
            ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL), fetched_at=T1),
            ok("arxiv:2310.06825", arxiv_record("2310.06825", MISTRAL), fetched_at=T1),
        ),
        s2=result("s2", failed("arxiv:2401.04088"), failed("arxiv:2310.06825")),
        started_at=T1,
    )
    snapshot = build_snapshot(outage, previous)
    mixtral = snapshot.paper("arxiv:2401.04088")
    assert mixtral is not None
    assert mixtral.citation_count == 100
    assert mixtral.venue == "ICML"
    assert mixtral.ids.s2 == ["s2mix"]
    cites = mixtral.sources["citation_count"]
    assert cites.stale and cites.source == FieldOrigin.S2 and cites.fetched_at == T0
    assert mixtral.citation_delta is None  # a kept value did not grow
    assert [a.s2_id for a in mixtral.authors] == ["111"]
    assert mixtral.sources["author_ids"].stale
    # arXiv answered: its fields are fresh
    assert not mixtral.sources["title"].stale and mixtral.sources["title"].fetched_at == T1
    assert snapshot.manifest.status == RunStatus.DEGRADED
    assert any("stale" in reason for reason in snapshot.manifest.status_reasons)
    flags = [f for e in snapshot.lists["a"].entries for f in e.flags if f.flag == FlagKind.STALE]
    assert len(flags) == 2 and all(f.last_fresh == T0 and f.source == "s2" for f in flags)
    # the kept venue still tells that the preprint was published
    assert FlagKind.PUBLISHED_SINCE in {f.flag for f in snapshot.lists["a"].entries[0].flags}


def test_an_arxiv_outage_keeps_arxivs_fields_over_s2s_fresh_ones() -> None:
    previous = first_run()
    s2_spelling = "Mixtral of experts."
    outage = run_input(
        "run-2",
        lists_v1(),
        arxiv=result("arxiv", failed("arxiv:2401.04088"), failed("arxiv:2310.06825")),
        s2=result(
            "s2",
            ok(
                "arxiv:2401.04088",
                s2_record("s2mix", s2_spelling, venue="ICML", citations=120),
                fetched_at=T1,
            ),
            ok("arxiv:2310.06825", s2_record("s2mis", MISTRAL, citations=50), fetched_at=T1),
        ),
        started_at=T1,
    )
    mixtral = build_snapshot(outage, previous).paper("arxiv:2401.04088")
    assert mixtral is not None
    assert mixtral.title == MIXTRAL  # arXiv's, kept; not S2's fresh spelling
    title = mixtral.sources["title"]
    assert title.source == FieldOrigin.ARXIV and title.stale and title.fetched_at == T0
    assert mixtral.arxiv_published is not None and mixtral.sources["arxiv_published"].stale
    cites = mixtral.sources["citation_count"]
    assert mixtral.citation_count == 120 and not cites.stale and cites.fetched_at == T1
    assert mixtral.citation_delta == 20


def test_a_disabled_source_carries_values_without_degrading_the_run() -> None:
    previous = first_run()
    run = run_input(
        "run-2",
        lists_v1(),
        arxiv=result(
            "arxiv",
            ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL)),
            ok("arxiv:2310.06825", arxiv_record("2310.06825", MISTRAL)),
        ),
        s2=disabled("s2"),
        titles=disabled("s2"),
    )
    snapshot = build_snapshot(run, previous)
    mixtral = snapshot.paper("arxiv:2401.04088")
    assert mixtral is not None and mixtral.citation_count == 100
    assert mixtral.sources["citation_count"].stale
    assert snapshot.manifest.status == RunStatus.OK
    assert snapshot.manifest.sources["s2"].status == SourceStatus.DISABLED


def test_citation_delta_counts_growth_since_the_previous_snapshot() -> None:
    previous = first_run()
    records = reconcile(
        lists_v1(),
        result("arxiv", ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL))),
        result("s2", ok("arxiv:2401.04088", s2_record("s2mix", MIXTRAL, citations=130))),
        result("s2"),
    ).records
    carried = {r.paper_id: r for r in carry_forward(records, Previous.of(previous))}
    assert carried["arxiv:2401.04088"].citation_delta == 30
    # Mistral: S2 not asked this time (not failed): nothing is carried, no delta
    assert carried["arxiv:2310.06825"].citation_count is None
    assert carried["arxiv:2310.06825"].citation_delta is None
    assert carry_forward(records, None) == records


def test_list_changes_name_new_and_removed_entries() -> None:
    previous = first_run()
    lists = [
        extracted(
            "a",
            entry("a", 1, MIXTRAL, arxiv=["2401.04088"]),
            entry("a", 2, "A new paper", arxiv=["2405.00001"]),
        )
    ]
    snapshot = build_snapshot(run_input("run-2", lists), previous)
    changes = snapshot.lists["a"].changes
    assert changes.previous_run_id == "run-1"
    assert changes.added == ["arxiv:2405.00001"]
    assert changes.removed == ["arxiv:2310.06825"]
    assert snapshot.manifest.lists[0].added == 1 and snapshot.manifest.lists[0].removed == 1
    assert first_run().lists["a"].changes.added == []  # nothing to compare with on a first run


def test_history_gets_one_row_per_run_and_paper_and_never_doubles_a_run() -> None:
    first = first_run()
    text = updated_history("", first)
    text = updated_history(text, first)  # the same run again replaces its rows
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["run_id"], r["paper_id"], r["citation_count"]) for r in rows] == [
        ("run-1", "arxiv:2310.06825", "50"),
        ("run-1", "arxiv:2401.04088", "100"),
    ]
    assert rows[0]["citations_stale"] == "false"
    with pytest.raises(OutputError, match=r"history\.csv has columns"):
        updated_history("when,what\n1,2\n", first)


def test_diff_reports_papers_fields_entries_and_flags() -> None:
    old = first_run()
    lists = [
        extracted(
            "a",
            entry("a", 1, MIXTRAL, arxiv=["2401.04088"], venue="arXiv"),
            entry("a", 2, "Another", arxiv=["2405.00001"]),
        )
    ]
    new = build_snapshot(
        run_input(
            "run-2",
            lists,
            arxiv=result("arxiv", ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL))),
            s2=result(
                "s2",
                ok(
                    "arxiv:2401.04088",
                    s2_record(
                        "s2mix",
                        MIXTRAL,
                        venue="arXiv",
                        citations=120,
                        external_ids={"ArXiv": "2401.04088"},
                    ),
                ),
            ),
        ),
        old,
    )
    diff = diff_snapshots(old, new)
    assert [(p.paper_id, p.title) for p in diff.papers_added] == [("arxiv:2405.00001", "Another")]
    assert [(p.paper_id, p.title) for p in diff.papers_removed] == [("arxiv:2310.06825", MISTRAL)]
    assert diff.papers_renamed == []
    changes = {(c.paper_id, c.field): (c.old, c.new) for c in diff.changes}
    assert changes[("arxiv:2401.04088", "citation_count")] == ("100", "120")
    # S2 now calls it a preprint: no venue, and the status says why
    assert changes[("arxiv:2401.04088", "venue")] == ("ICML", None)
    assert changes[("arxiv:2401.04088", "publication_status")] == ("published", "preprint")
    [list_diff] = diff.lists
    assert [(c.key, c.flag) for c in list_diff.flags_removed] == [
        ("arxiv:2401.04088", FlagKind.PUBLISHED_SINCE)
    ]
    text = format_diff(diff)
    # every paper and row is named by id and title
    assert '+ paper arxiv:2405.00001 "Another"' in text
    assert f'- paper arxiv:2310.06825 "{MISTRAL}"' in text
    assert f'~ arxiv:2401.04088 "{MIXTRAL}" citation_count: 100 -> 120' in text
    assert f'  - flag published_since arxiv:2401.04088 "{MIXTRAL}"' in text
    assert '  + entry arxiv:2405.00001 "Another"' in text
    assert format_diff(diff_snapshots(new, new)).endswith("no changes\n")


def test_the_diff_command_prints_changes_between_two_written_snapshots(tmp_path: Path) -> None:
    old = first_run()
    write_snapshot(old, tmp_path)
    new = build_snapshot(
        run_input(
            "run-2",
            lists_v1(),
            s2=result("s2", ok("arxiv:2401.04088", s2_record("s2mix", MIXTRAL, citations=150))),
        ),
        old,
    )
    write_snapshot(new, tmp_path)
    runner = CliRunner()
    shown = runner.invoke(app, ["diff", "run-1", "latest", "--out", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("run-1 (ok) -> run-2 (ok)\n")
    assert f'~ arxiv:2401.04088 "{MIXTRAL}" citation_count: 100 -> 150' in shown.output
    run_1 = str(tmp_path / "snapshots" / "run-1")
    by_path = runner.invoke(app, ["diff", run_1, "run-1", "--out", str(tmp_path)])
    assert by_path.exit_code == 0 and by_path.output.endswith("no changes\n")
    missing = runner.invoke(app, ["diff", "run-1", "run-9", "--out", str(tmp_path)])
    assert missing.exit_code == 2
