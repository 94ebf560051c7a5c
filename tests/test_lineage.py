"""Ids for life: one paper stays one paper across runs, its history and values follow it when its
id changes, and the diff says so instead of reporting a removal and an unrelated addition."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from paper_builders import (
    T0,
    arxiv_record,
    disabled,
    entry,
    extracted,
    ok,
    result,
    run_input,
    s2_record,
)

from enrich.contract import Appearance, EntryKind, PaperIds, PaperRecord, Snapshot
from enrich.models import ExtractedList
from enrich.papers.checks import title_key
from enrich.publish.history import diff_snapshots, format_diff, read_history, updated_history
from enrich.publish.lineage import predecessors, renamed_ids
from enrich.publish.snapshot import build_snapshot, load_latest
from enrich.publish.write import write_snapshot

NERF = "Switch-NeRF: Learning Scene Decomposition with Mixture of Experts"
MIXTRAL = "Mixtral of Experts"
NERF_ARXIV = "2212.00001"
NERF_OPENREVIEW = "PQ2zoIZqvm"


def day(n: int) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def nerf_list(*, with_arxiv_link: bool) -> list[ExtractedList]:
    arxiv = [NERF_ARXIV] if with_arxiv_link else []
    return [
        extracted(
            "a",
            entry("a", 1, NERF, arxiv=arxiv, openreview=[NERF_OPENREVIEW]),
            entry("a", 2, MIXTRAL, arxiv=["2401.04088"]),
        )
    ]


def nerf_s2(citations: int) -> object:
    return s2_record("s2nerf", NERF, external_ids={"ArXiv": NERF_ARXIV}, citations=citations)


def three_runs(out: Path) -> list[Snapshot]:
    """Without S2; with S2 (the row found by title); the row gains an arXiv link."""
    mixtral = ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL))
    runs = [
        run_input(
            "run-1",
            nerf_list(with_arxiv_link=False),
            arxiv=result("arxiv", mixtral),
            s2=disabled("s2"),
            titles=disabled("s2"),
            started_at=day(0),
        ),
        run_input(
            "run-2",
            nerf_list(with_arxiv_link=False),
            arxiv=result("arxiv", mixtral),
            s2=result("s2", ok("arxiv:2401.04088", s2_record("s2mix", MIXTRAL, citations=7))),
            titles=result("s2", ok(title_key(NERF), nerf_s2(40), fetched_at=day(1))),
            started_at=day(1),
        ),
        run_input(
            "run-3",
            nerf_list(with_arxiv_link=True),
            arxiv=result(
                "arxiv", mixtral, ok(f"arxiv:{NERF_ARXIV}", arxiv_record(NERF_ARXIV, NERF))
            ),
            s2=result(
                "s2",
                ok("arxiv:2401.04088", s2_record("s2mix", MIXTRAL, citations=9)),
                ok(f"arxiv:{NERF_ARXIV}", nerf_s2(55), fetched_at=day(2)),
            ),
            started_at=day(2),
        ),
    ]
    snapshots = []
    for run in runs:
        snapshot = build_snapshot(run, load_latest(out))
        write_snapshot(snapshot, out)
        snapshots.append(snapshot)
    return snapshots


def test_one_paper_and_one_citation_series_from_no_s2_to_s2_to_a_new_arxiv_link(
    tmp_path: Path,
) -> None:
    first, second, third = three_runs(tmp_path)
    openreview_id, arxiv_id = f"openreview:{NERF_OPENREVIEW}", f"arxiv:{NERF_ARXIV}"

    # Without S2 and with it, the paper has the id its list row gives.
    assert [p.paper_id for p in first.papers] == ["arxiv:2401.04088", openreview_id]
    assert [p.paper_id for p in second.papers] == ["arxiv:2401.04088", openreview_id]
    assert second.paper(openreview_id).aliases == [arxiv_id, "s2:s2nerf"]  # type: ignore[union-attr]
    assert second.lists["a"].changes.added == second.lists["a"].changes.removed == []

    # The row gains an arXiv link: the better id, the same paper, its earlier ids kept.
    nerf = third.paper(arxiv_id)
    assert nerf is not None and third.paper(openreview_id) is None
    assert nerf.aliases == [openreview_id, "s2:s2nerf"]
    assert nerf.citation_delta == 15  # 55 now, 40 under its old id
    assert third.lists["a"].entries[0].paper_id == arxiv_id
    assert third.lists["a"].changes.added == third.lists["a"].changes.removed == []

    # history.csv: one paper id, one unbroken series (unknown, 40, 55).
    rows = [
        r for r in read_history(tmp_path / "history.csv") if r["paper_id"] != "arxiv:2401.04088"
    ]
    assert [(r["run_id"], r["paper_id"], r["citation_count"]) for r in rows] == [
        ("run-1", arxiv_id, ""),
        ("run-2", arxiv_id, "40"),
        ("run-3", arxiv_id, "55"),
    ]
    history = pd.read_csv(tmp_path / "history.csv")
    series = history.pivot(index="run_id", columns="paper_id", values="citation_count")
    assert sorted(series.columns) == sorted(["arxiv:2401.04088", arxiv_id])
    assert series[arxiv_id].tolist()[1:] == [40, 55]

    # The diff names the rename, compares the paper's fields, and adds or removes nothing.
    for old in (second, first):
        diff = diff_snapshots(old, third)
        assert diff.papers_added == diff.papers_removed == []
        [rename] = diff.papers_renamed
        assert (rename.old_ids, rename.paper_id, rename.title) == ([openreview_id], arxiv_id, NERF)
        assert all(not (d.added or d.removed) for d in diff.lists)
    text = format_diff(diff_snapshots(second, third))
    assert f'= paper {openreview_id} is now {arxiv_id} "{NERF}"' in text
    assert f'~ {arxiv_id} "{NERF}" citation_count: 40 -> 55' in text


def record(paper_id: str, *aliases: str, citations: int | None = None) -> PaperRecord:
    return PaperRecord(
        paper_id=paper_id,
        aliases=list(aliases),
        kind=EntryKind.PAPER,
        ids=PaperIds(),
        title=paper_id,
        citation_count=citations,
        appearances=[Appearance(list_name="a", position=1, line=1, title=paper_id)],
    )


def test_two_earlier_papers_found_to_be_one_both_lead_to_it() -> None:
    merged = record("arxiv:1", "openreview:x", "s2:s")
    earlier = [record("openreview:x", "s2:s", citations=3), record("arxiv:1", citations=5)]
    found = predecessors([merged], earlier)
    assert [p.paper_id for p in found["arxiv:1"]] == ["arxiv:1", "openreview:x"]


def test_a_paper_that_splits_hands_its_past_to_the_record_with_its_id_only() -> None:
    earlier = [record("openreview:x", "arxiv:1")]
    now = [record("openreview:x"), record("arxiv:1")]
    assert {k: [p.paper_id for p in v] for k, v in predecessors(now, earlier).items()} == {
        "openreview:x": ["openreview:x"]
    }
    # An id two papers claim names neither: rows written under it are left as they are.
    assert renamed_ids([record("arxiv:1", "url:u"), record("doi:2", "url:u")]) == {}
    assert renamed_ids([record("arxiv:1", "openreview:x", "doi:2"), record("doi:2")]) == {
        "openreview:x": "arxiv:1"
    }


def test_history_rows_of_two_merged_papers_keep_one_row_per_run() -> None:
    before = updated_history(
        "run_id,finished_at,paper_id,citation_count,influential_citation_count,citation_delta,"
        "citations_stale,appearances\n"
        "run-1,t,openreview:x,,,,false,1\n"
        "run-1,t,arxiv:1,5,,,false,1\n",
        Snapshot.model_validate(
            {
                "manifest": {
                    "run_id": "run-0",
                    "started_at": T0,
                    "finished_at": T0,
                    "status": "ok",
                    "lists": [],
                    "sources": {},
                    "counts": {
                        "lists": 0,
                        "lists_failed": 0,
                        "entries": 0,
                        "paper_entries": 0,
                        "papers": 1,
                        "stale_papers": 0,
                    },
                },
                "papers": [record("arxiv:1", "openreview:x", citations=6)],
                "lists": {},
            }
        ),
    )
    rows = before.splitlines()[1:]
    assert rows == [
        "run-1,t,arxiv:1,5,,,false,1",
        "run-0,2026-01-01T03:00:00+00:00,arxiv:1,6,,,false,1",
    ]
