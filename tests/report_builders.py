"""A demo output directory for the report tests: two lists, two (or more) runs whose citation
counts differ, hostile strings in titles, names, sections and links, and rows of every kind of
attention the report shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from paper_builders import T0, arxiv_record, entry, failed, ok, result, run_input, s2_record

from enrich.contract import Snapshot
from enrich.models import ExtractedList, ListInfo
from enrich.publish.snapshot import build_snapshot, load_latest
from enrich.publish.write import write_snapshot

MIXTRAL = "Mixtral of Experts"
HOSTILE_TITLE = '<script>alert("title")</script> & <b>Bold</b> Experts'
HOSTILE_LIST_TITLE = "<img src=x onerror=alert(1)>Awesome MoE"
HOSTILE_SECTION = "<iframe src=//evil.example></iframe>"
HOSTILE_LINK = "javascript:alert(document.cookie)"
SWITCH = "Switch Transformers"
WRONG_LINK_ID = "2101.03961"  # the row says Mixtral, the link is Switch Transformers
UNCOUNTED = "Sparse Paper With No Count"
UNLINKED = "A Paper Nobody Links"

#: Citations of (Mixtral, hostile, Switch) per run: they change between runs, in both directions.
COUNTS: tuple[tuple[int, int, int], ...] = ((100, 40, 900), (130, 35, 960), (170, 33, 1010))


def _lists() -> list[ExtractedList]:
    alpha = ExtractedList(
        info=ListInfo(
            source="github:owner/alpha",
            name="alpha",
            title=HOSTILE_LIST_TITLE,
            url="https://raw.githubusercontent.com/owner/alpha/main/README.md",
            version="abc123",
        ),
        entries=[
            entry("alpha", 1, MIXTRAL, arxiv=["2401.04088"], venue="arXiv"),
            entry("alpha", 2, HOSTILE_TITLE, arxiv=["2402.00002"], section=(HOSTILE_SECTION,)),
            entry("alpha", 3, MIXTRAL, arxiv=[WRONG_LINK_ID], name="<em>Mix</em>"),
            entry("alpha", 4, SWITCH, arxiv=[WRONG_LINK_ID]),
            entry("alpha", 5, UNCOUNTED, arxiv=["2403.00003"]),
            entry("alpha", 6, "Scripted link row", paper_urls=[HOSTILE_LINK]),
            entry("alpha", 7, UNLINKED),
        ],
    )
    beta = ExtractedList(
        info=ListInfo(source="github:owner/beta", name="beta", version="def456"),
        entries=[
            entry("beta", 1, MIXTRAL, arxiv=["2401.04088"]),
            entry("beta", 2, SWITCH, arxiv=[WRONG_LINK_ID]),
        ],
    )
    return [alpha, beta]


def demo_snapshot(
    run: int, previous: Snapshot | None, *, s2_failed: Sequence[str] = ()
) -> Snapshot:
    """The snapshot of run ``run`` (0-based), one day after the one before; S2 lookups of the
    keys in ``s2_failed`` fail."""
    mixtral, hostile, switch = COUNTS[run]
    arxiv = result(
        "arxiv",
        ok(
            "arxiv:2401.04088",
            arxiv_record("2401.04088", MIXTRAL, authors=["Albert Q. Jiang", "A. Sablayrolles"]),
        ),
        ok("arxiv:2402.00002", arxiv_record("2402.00002", HOSTILE_TITLE, authors=["<i>Eve</i>"])),
        ok("arxiv:2101.03961", arxiv_record("2101.03961", SWITCH, authors=["William Fedus"])),
        ok("arxiv:2403.00003", arxiv_record("2403.00003", UNCOUNTED)),
    )
    s2 = result(
        "s2",
        ok("arxiv:2401.04088", s2_record("s2mix", MIXTRAL, venue="ICML", citations=mixtral)),
        ok("arxiv:2402.00002", s2_record("s2hostile", HOSTILE_TITLE, citations=hostile)),
        ok(
            "arxiv:2101.03961",
            s2_record("s2switch", SWITCH, venue="JMLR", citations=switch, year=2022),
        ),
        ok("arxiv:2403.00003", s2_record("s2none", UNCOUNTED, citations=None)),
    )
    s2 = s2.model_copy(
        update={"outcomes": {**s2.outcomes, **{key: failed(key) for key in s2_failed}}}
    )
    started = T0 + dt.timedelta(days=run)
    snapshot_input = run_input(
        f"2026010{run + 1}T030000Z", _lists(), arxiv=arxiv, s2=s2, started_at=started
    )
    return build_snapshot(snapshot_input, previous)


def write_demo(out_dir: Path, runs: int = 2) -> Path:
    """Write ``runs`` demo snapshots to ``out_dir``; the directory of the last one."""
    path = out_dir
    for run in range(runs):
        path = write_snapshot(demo_snapshot(run, load_latest(out_dir)), out_dir)
    return path
