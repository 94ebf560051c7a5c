"""Small builders of hand-made models for the records, checks, history and snapshot tests.

Every value a test relies on is passed explicitly; the defaults are only there to make the
models valid.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema

from enrich.contract import Snapshot
from enrich.models import (
    ArxivRecord,
    Author,
    Entry,
    EntryKind,
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
from enrich.publish.previous import Previous
from enrich.publish.snapshot import RunInput, build_snapshot

T0 = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)


def entry(
    list_name: str,
    position: int,
    title: str,
    *,
    arxiv: Sequence[str] = (),
    doi: Sequence[str] = (),
    openreview: Sequence[str] = (),
    paper_urls: Sequence[str] = (),
    name: str | None = None,
    venue: str | None = None,
    year: str | None = None,
    kind: EntryKind = EntryKind.PAPER,
    flags: Sequence[str] = (),
    section: Sequence[str] = ("Papers",),
) -> Entry:
    links = [
        Link(url=f"https://arxiv.org/abs/{i}", label="Paper", role=LinkRole.PAPER) for i in arxiv
    ]
    links += [Link(url=u, label="Paper", role=LinkRole.PAPER) for u in paper_urls]
    return Entry(
        list_name=list_name,
        position=position,
        line=10 + position,
        section=list(section),
        title=title,
        name=name,
        kind=kind,
        venue=venue,
        year=year,
        links=links,
        ids=Identifiers(arxiv=list(arxiv), doi=list(doi), openreview=list(openreview)),
        paper_urls=list(paper_urls),
        flags=list(flags),
    )


def extracted(name: str, *entries: Entry, fallback: bool = False) -> ExtractedList:
    return ExtractedList(
        info=ListInfo(
            source=f"github:owner/{name}", name=name, version="abc123", fallback=fallback
        ),
        entries=list(entries),
    )


def arxiv_record(
    arxiv_id: str, title: str, *, authors: Sequence[str] = ("Ada Lovelace",)
) -> ArxivRecord:
    return ArxivRecord(
        arxiv_id=arxiv_id,
        title=title,
        authors=[Author(name=a) for a in authors],
        published=dt.datetime(2024, 1, 8, tzinfo=dt.UTC),
        updated=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        latest_version=2,
        primary_category="cs.LG",
        categories=["cs.LG", "cs.AI"],
    )


def s2_record(
    paper_id: str,
    title: str,
    *,
    external_ids: dict[str, str] | None = None,
    venue: str | None = None,
    citations: int | None = 10,
    year: int | None = 2024,
    authors: Sequence[tuple[str, str]] = (("Ada Lovelace", "111"),),
    publication_date: dt.date | None = None,
) -> S2Record:
    return S2Record(
        paper_id=paper_id,
        title=title,
        authors=[Author(name=n, s2_id=i) for n, i in authors],
        year=year,
        venue=venue,
        publication_date=publication_date,
        external_ids=external_ids or {},
        citation_count=citations,
        influential_citation_count=1 if citations is not None else None,
        reference_count=5,
        open_access_pdf="",
    )


def ok(key: str, record: Any, fetched_at: dt.datetime = T0) -> Outcome[Any]:
    return Outcome(key=key, status=OutcomeStatus.OK, record=record, fetched_at=fetched_at)


def not_found(key: str) -> Outcome[Any]:
    return Outcome(key=key, status=OutcomeStatus.NOT_FOUND, reason="no such paper")


def failed(key: str) -> Outcome[Any]:
    return Outcome(key=key, status=OutcomeStatus.FAILED, reason="HTTP 503")


def result(
    source: str, *outcomes: Outcome[Any], status: SourceStatus | None = None
) -> SourceResult[Any]:
    if status is None:
        failures = sum(o.status == OutcomeStatus.FAILED for o in outcomes)
        status = SourceStatus.UP if not failures else SourceStatus.DOWN
    return SourceResult(
        outcomes={o.key: o for o in outcomes},
        health=SourceHealth(source=source, status=status, requests=len(outcomes)),
    )


def disabled(source: str) -> SourceResult[Any]:
    return SourceResult(
        outcomes={}, health=SourceHealth(source=source, status=SourceStatus.DISABLED)
    )


def run_input(
    run_id: str,
    lists: Sequence[ExtractedList],
    *,
    arxiv: SourceResult[Any] | None = None,
    s2: SourceResult[Any] | None = None,
    titles: SourceResult[Any] | None = None,
    started_at: dt.datetime = T0,
    list_texts: dict[str, str] | None = None,
) -> RunInput:
    return RunInput(
        run_id=run_id,
        started_at=started_at,
        finished_at=started_at + dt.timedelta(minutes=5),
        lists=list(lists),
        list_failures=[],
        arxiv=arxiv if arxiv is not None else result("arxiv"),
        s2=s2 if s2 is not None else result("s2"),
        titles=titles if titles is not None else result("s2"),
        list_texts=list_texts or {},
    )


SCHEMA_DIR = Path(__file__).resolve().parents[1] / "outputs" / "schema"


def validate_snapshot_dir(directory: Path) -> list[str]:
    """Validate every JSON file of a snapshot directory against the committed schemas.

    Returns the relative paths validated; raises jsonschema.ValidationError on the first bad one.
    """
    schemas = {
        name: json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        for name in ("manifest.schema.json", "papers.schema.json", "list.schema.json")
    }
    checked = []
    files = [("manifest.json", "manifest.schema.json"), ("papers.json", "papers.schema.json")]
    files += [
        (f"lists/{path.name}", "list.schema.json")
        for path in sorted((directory / "lists").glob("*.json"))
    ]
    for relative, schema_name in files:
        document = json.loads((directory / relative).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schemas[schema_name]).validate(document)
        checked.append(relative)
    return checked


MIXTRAL = "Mixtral of Experts"


def small_snapshot(
    run_id: str, previous: Snapshot | Previous | None = None, citations: int = 100
) -> Snapshot:
    lists = [
        extracted(
            "alpha",
            entry("alpha", 1, MIXTRAL, arxiv=["2401.04088"], venue="arXiv"),
            entry("alpha", 2, "Ünïcode Paper – with a dash", arxiv=["2402.00002"]),
        ),
        extracted("beta", entry("beta", 1, MIXTRAL, arxiv=["2401.04088"])),
    ]
    run = run_input(
        run_id,
        lists,
        arxiv=result(
            "arxiv",
            ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL)),
            ok("arxiv:2402.00002", arxiv_record("2402.00002", "Ünïcode Paper – with a dash")),
        ),
        s2=result(
            "s2",
            ok("arxiv:2401.04088", s2_record("s2mix", MIXTRAL, venue="ICML", citations=citations)),
        ),
        # alpha's text is kept (its fix files are written), beta's is not (no patch)
        list_texts={"alpha": ALPHA_TEXT},
    )
    return build_snapshot(run, previous)


ALPHA_TEXT = f"# Alpha\n\n- [{MIXTRAL}](https://arxiv.org/abs/2401.04088) arXiv\n"
