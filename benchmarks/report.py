"""Time to build the HTML report of a generated snapshot: view model, rendering, writing.

The report is written with every snapshot, so its cost adds to every run. The snapshot is made
from generated records (one list of N arXiv papers, three runs of history, counts changing
between runs); nothing touches the network.

    .venv/bin/python benchmarks/report.py [--papers 1000 10000] [--repeat 3]

Prints, per size, the best of ``--repeat`` timings of each step and the size of the pages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from enrich.contract import Snapshot
from enrich.models import (
    ArxivRecord,
    Author,
    Entry,
    ExtractedList,
    Identifiers,
    Link,
    LinkRole,
    ListInfo,
    Outcome,
    OutcomeStatus,
    S2Record,
    SourceHealth,
    SourceResult,
    SourceStatus,
)
from enrich.publish.history import updated_history
from enrich.publish.report import build_view, write_report
from enrich.publish.report.render import render_pages
from enrich.publish.snapshot import RunInput, build_snapshot

RUNS = 3
FIRST = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)


def _result(source: str, records: dict[str, Any], at: dt.datetime) -> SourceResult[Any]:
    outcomes = {
        key: Outcome(key=key, status=OutcomeStatus.OK, record=record, fetched_at=at)
        for key, record in records.items()
    }
    health = SourceHealth(source=source, status=SourceStatus.UP, ok=len(outcomes))
    return SourceResult(outcomes=outcomes, health=health)


def generated_history(papers: int) -> tuple[Snapshot, str]:
    """The last of ``RUNS`` snapshots of a list of ``papers`` papers, and its history.csv."""
    ids = [f"2501.{n:05d}" for n in range(1, papers + 1)]
    entries = [
        Entry(
            list_name="generated",
            position=n,
            line=n + 2,
            title=f"Generated paper {n}",
            links=[Link(url=f"https://arxiv.org/abs/{i}", label="Paper", role=LinkRole.PAPER)],
            ids=Identifiers(arxiv=[i]),
        )
        for n, i in enumerate(ids, start=1)
    ]
    lists = [ExtractedList(info=ListInfo(source="generated.md", name="generated"), entries=entries)]
    arxiv = {
        f"arxiv:{i}": ArxivRecord(
            arxiv_id=i,
            title=f"Generated paper {n}",
            authors=[Author(name=f"Author {n}"), Author(name="Second Author")],
            published=FIRST,
            updated=FIRST,
            latest_version=1,
            primary_category="cs.LG",
            categories=["cs.LG"],
        )
        for n, i in enumerate(ids, start=1)
    }
    snapshot, history = None, ""
    for run in range(RUNS):
        started = FIRST + dt.timedelta(days=run)
        s2 = {
            f"arxiv:{i}": S2Record(
                paper_id=f"s2-{n}",
                title=f"Generated paper {n}",
                year=2025,
                venue="ICML" if n % 3 == 0 else None,
                citation_count=(n * 7919) % 2000 + run * (n % 11),
            )
            for n, i in enumerate(ids, start=1)
        }
        run_input = RunInput(
            run_id=started.strftime("%Y%m%dT%H%M%SZ"),
            started_at=started,
            finished_at=started + dt.timedelta(minutes=5),
            lists=lists,
            list_failures=[],
            arxiv=_result("arxiv", dict(arxiv), started),
            s2=_result("s2", dict(s2), started),
            titles=_result("s2", {}, started),
        )
        snapshot = build_snapshot(run_input, snapshot)
        history = updated_history(history, snapshot)
    assert snapshot is not None
    return snapshot, history


def best(seconds: Sequence[float]) -> str:
    return f"{min(seconds):.2f} s"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--papers", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print("| papers | view model | render | write (render + files) | pages |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for papers in args.papers:
        snapshot, history = generated_history(papers)
        views, renders, writes = [], [], []
        size = 0
        with tempfile.TemporaryDirectory() as temporary:
            for _ in range(args.repeat):
                start = time.perf_counter()
                view = build_view(snapshot, history, None)
                views.append(time.perf_counter() - start)
                start = time.perf_counter()
                pages = render_pages(view)
                renders.append(time.perf_counter() - start)
                start = time.perf_counter()
                write_report(view, Path(temporary) / "report")
                writes.append(time.perf_counter() - start)
                size = sum(len(text.encode("utf-8")) for text in pages.values())
        print(
            f"| {papers:,} | {best(views)} | {best(renders)} | {best(writes)} | "
            f"{size / 1e6:.1f} MB |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
