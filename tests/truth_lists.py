"""The hand-checked lists of tests/data/lists, and one pipeline run of all of them.

The run (:func:`run_truth_lists`, shared by the tests as the session fixture ``truth_run`` of
conftest.py) uses a stand-in that serves each id with the title the lists' correct rows give it,
so the checks and the fixes can be judged against the hand-checked truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enrich.contract import ListFile, Snapshot
from enrich.lists.config import ListSpec
from enrich.lists.read import list_slug
from enrich.pipeline import run_enrichment
from enrich.settings import Settings
from enrich.standin import StandIn

LISTS = Path(__file__).resolve().parent / "data" / "lists"
#: Truth flags of a hand-found wrong row: its id belongs to another paper, or its name
#: contradicts the paper (truth README, "Flags").
WRONG_ROW = frozenset({"title_id_mismatch", "name_title_mismatch"})
#: Truth flags of a row whose title is not the paper's own (a description, a short form, an
#: alternate title): such a row does not say what the paper is called.
NOT_ITS_TITLE = frozenset(
    {"title_not_paper_title", "abbreviated_title", "same_paper_alternate_title", "title_typo"}
)


def first_ids(row: dict[str, Any]) -> list[str]:
    """The ids a run looks up for a row: the first of each kind (enrich.papers.records)."""
    return [f"{kind}:{row[kind][0]}" for kind in ("arxiv", "doi", "acl") if row.get(kind)]


def truth_titles(truths: list[dict[str, Any]]) -> dict[str, str]:
    """For each id, the title the lists' correct rows give it (the first row that writes the
    paper's own title, else the first correct row)."""
    titles: dict[str, str] = {}
    fallback: dict[str, str] = {}
    for truth in truths:
        for row in truth["entries"]:
            flags = {flag.split(":")[0] for flag in row["flags"]}
            if row["kind"] != "paper" or not row["title"] or WRONG_ROW & flags:
                continue
            for paper_id in first_ids(row):
                chosen = fallback if NOT_ITS_TITLE & flags else titles
                chosen.setdefault(paper_id, row["title"])
    return {**fallback, **titles}


@dataclass(frozen=True)
class TruthRun:
    """The hand-checked truths, and the snapshot of one run of their lists."""

    truths: list[dict[str, Any]]
    snapshot: Snapshot
    snapshot_dir: Path
    lists: dict[str, ListFile]
    """List file stem (``arpita8__Mixture-of-Experts-Papers``) -> its list file."""

    def slug(self, stem: str) -> str:
        return list_slug(stem)


def run_truth_lists(work: Path) -> TruthRun:
    truths = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((LISTS / "truth").glob("*.json"))
    ]
    specs = [ListSpec(source=str(LISTS / Path(t["file"]).name)) for t in truths]
    with StandIn(titles=truth_titles(truths)) as server:
        settings = Settings.from_env(
            {},
            arxiv_api_url=server.arxiv_url,
            s2_api_url=server.s2_url,
            arxiv_pace_seconds=0,
            s2_pace_seconds=0,
            request_timeout_seconds=5,
            cache_dir=work / "cache",
        )
        report = run_enrichment(specs, work / "out", settings)
    stems = [Path(t["file"]).stem for t in truths]
    lists = {stem: report.snapshot.lists[list_slug(stem)] for stem in stems}
    return TruthRun(truths, report.snapshot, report.path, lists)
