"""The report's view model: everything the pages show, read from one snapshot and history.csv.

This is the one module of the report that knows the output contract (manifest, paper records,
list files, history.csv columns, the fix files a snapshot may hold). The templates only read the
plain objects built here, so a change of the contract is a change of this module. Every string
from a list stays plain text here; the templates escape it (Jinja2 autoescaping) and no value
built here is marked safe. Links reach a page only through :func:`safe_href` and
:func:`id_href`, so a list's ``javascript:`` link never becomes a clickable one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import BaseModel

from enrich.contract import Flag, FlagKind, ListEntry, ListFile, PaperRecord, Snapshot
from enrich.errors import InputError
from enrich.models import SourceStatus
from enrich.publish.report.charts import (
    LineChart,
    Run,
    Sparkline,
    Timeline,
    line_chart,
    sparkline,
)
from enrich.publish.report.pages import (
    AttentionRow,
    AuditSection,
    ChartTable,
    FixFiles,
    ListPage,
    Mover,
    PaperRef,
    PaperRow,
    Problem,
    ReportView,
    RunView,
    SourceRow,
)
from enrich.publish.snapshot import load_snapshot

#: The report draws the citation history of at most this many runs (the latest ones).
MAX_RUNS = 90
#: The chart of a list page follows this many of its most cited papers.
CHART_PAPERS = 6
#: The run page lists this many citation movers.
MOVERS = 10

#: The problem of a paper row that resolves to no record while no flag says why.
NO_RECORD = "no_record"
#: A problem in words (its code is shown beside it, as in the list files).
FLAG_NAMES: dict[str, str] = {
    FlagKind.TITLE_MISMATCH.value: "links another paper",
    FlagKind.DUPLICATE.value: "listed twice",
    FlagKind.MALFORMED_LINK.value: "malformed link",
    FlagKind.NOT_FOUND.value: "no such paper",
    FlagKind.UNRESOLVED.value: "paper not found",
    FlagKind.PUBLISHED_SINCE.value: "published since",
    FlagKind.STALE.value: "values carried over",
    NO_RECORD: "paper unknown",
}


# --------------------------------------------------------------------------- reading


def history_path(snapshot_dir: Path) -> Path:
    """The history.csv of the output directory ``snapshot_dir`` belongs to
    (``<out>/snapshots/<run-id>/`` -> ``<out>/history.csv``; ``<out>/latest`` is resolved)."""
    return snapshot_dir.resolve().parent.parent / "history.csv"


def load_view(snapshot_dir: Path, history: Path | None = None) -> ReportView:
    """The view of the snapshot in ``snapshot_dir``, with the history in ``history`` (default:
    :func:`history_path`, and when that does not exist a report of this run alone).

    Raises :class:`enrich.errors.InputError` when the snapshot cannot be read, or ``history``
    was given and cannot be read.
    """
    snapshot = load_snapshot(snapshot_dir)
    if history is None and not history_path(snapshot_dir).is_file():
        return build_view(snapshot, "", snapshot_dir)
    path = history if history is not None else history_path(snapshot_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the history file {path}: {error}") from None
    return build_view(snapshot, text, snapshot_dir)


def build_view(snapshot: Snapshot, history_csv: str, snapshot_dir: Path | None) -> ReportView:
    """The view of ``snapshot`` with the runs of ``history_csv`` (history.csv text) up to it.

    ``snapshot_dir`` is where the snapshot's files are (fix files are looked up there); None
    when they are not written yet. History rows of later runs are left out, so the report of an
    old snapshot shows the history as it was then; the snapshot's own values are used for its
    run, so a history without them (or none) still gives a point per paper. A cell that cannot
    be read is an unknown value: history.csv is a convenience for plotting, not the record.
    """
    by_id = {paper.paper_id: paper for paper in snapshot.papers}
    timeline, series = _history(snapshot, history_csv)
    pages = tuple(
        _list_page(slug, list_file, snapshot, by_id, timeline, series, snapshot_dir)
        for slug, list_file in sorted(snapshot.lists.items())
    )
    return ReportView(run=_run_view(snapshot, by_id, len(timeline.runs)), lists=pages)


# --------------------------------------------------------------------------- links


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an http(s) link with a host, else None (no ``javascript:``, no
    ``data:``, no relative path into the reader's disk)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def id_href(paper_id: str | None) -> str | None:
    """A link to the page of a prefixed paper id (``arxiv:...``, ``doi:...``, ...)."""
    if not paper_id:
        return None
    prefix, _, value = paper_id.partition(":")
    if not value:
        return None
    if prefix == "url":
        return safe_href(value)
    templates = {
        "arxiv": "https://arxiv.org/abs/{}",
        "doi": "https://doi.org/{}",
        "openreview": "https://openreview.net/forum?id={}",
        "acl": "https://aclanthology.org/{}/",
        "s2": "https://www.semanticscholar.org/paper/{}",
    }
    template = templates.get(prefix)
    return template.format(quote(value, safe="/.()-_;")) if template else None


def _paper_ref(paper_id: str, by_id: Mapping[str, PaperRecord]) -> PaperRef:
    record = by_id.get(paper_id)
    return PaperRef(
        paper_id=paper_id,
        title=record.title if record is not None else None,
        href=id_href(paper_id),
    )


# --------------------------------------------------------------------------- history


def _history(snapshot: Snapshot, history_csv: str) -> tuple[Timeline, dict[str, list[int | None]]]:
    """The runs to draw (oldest first) and each paper's citations per run."""
    manifest = snapshot.manifest
    wanted = {paper.paper_id for paper in snapshot.papers}
    runs: dict[str, Run] = {}
    counts: dict[str, dict[str, int | None]] = {}
    times: dict[str, dt.datetime | None] = {}  # finished_at text -> time, parsed once per run
    for run_id, finished_text, paper_id, count in _history_rows(history_csv):
        if not run_id or run_id == manifest.run_id or paper_id not in wanted:
            continue
        if finished_text not in times:
            times[finished_text] = _datetime(finished_text)
        finished = times[finished_text]
        if finished is None or finished > manifest.finished_at:
            continue
        runs.setdefault(run_id, Run(run_id, finished))
        counts.setdefault(paper_id, {})[run_id] = _int(count)
    runs[manifest.run_id] = Run(manifest.run_id, manifest.finished_at)
    for paper in snapshot.papers:
        counts.setdefault(paper.paper_id, {})[manifest.run_id] = paper.citation_count
    ordered = sorted(runs.values(), key=lambda run: (run.finished_at, run.run_id))[-MAX_RUNS:]
    series = {
        paper_id: [by_run.get(run.run_id) for run in ordered] for paper_id, by_run in counts.items()
    }
    return Timeline.of(ordered), series


#: The history.csv columns the report reads.
_HISTORY_COLUMNS = ("run_id", "finished_at", "paper_id", "citation_count")


def _history_rows(history_csv: str) -> Iterator[tuple[str, str, str, str]]:
    """(run id, finished at, paper id, citation count) of each well-formed history.csv row; none
    when the header lacks a column (a file this report cannot read: it draws this run alone)."""
    reader = csv.reader(io.StringIO(history_csv))
    header = next(reader, [])
    if not set(_HISTORY_COLUMNS) <= set(header):
        return
    columns = [header.index(name) for name in _HISTORY_COLUMNS]
    for row in reader:
        if len(row) == len(header):
            run_id, finished, paper_id, count = (row[i] for i in columns)
            yield run_id, finished, paper_id, count


def _datetime(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _int(text: str) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- list pages


def _list_page(
    slug: str,
    list_file: ListFile,
    snapshot: Snapshot,
    by_id: Mapping[str, PaperRecord],
    timeline: Timeline,
    series: Mapping[str, list[int | None]],
    snapshot_dir: Path | None,
) -> ListPage:
    info = list_file.info
    papers = _paper_rows(slug, list_file.entries, by_id, timeline, series)
    chart, chart_table = _chart(papers, timeline, series)
    titles_health = snapshot.manifest.sources.get("s2_titles")
    titles_off = titles_health is not None and titles_health.status is SourceStatus.DISABLED
    attention = tuple(
        row
        for row in (_attention_row(entry, by_id, titles_off) for entry in list_file.entries)
        if row is not None
    )
    return ListPage(
        slug=slug,
        title=info.title or slug,
        source=info.source,
        url=safe_href(info.url),
        version=info.version,
        fallback=info.fallback,
        entries=len(list_file.entries),
        paper_entries=sum(entry.checked for entry in list_file.entries),
        flag_counts=tuple(sorted(list_file.flag_counts.items())),
        added=len(list_file.changes.added),
        removed=len(list_file.changes.removed),
        papers=papers,
        attention=attention,
        audit=_audit_sections(list_file),
        fixes=_fix_files(slug, snapshot_dir),
        chart=chart,
        chart_table=chart_table,
    )


def _paper_rows(
    slug: str,
    entries: Sequence[ListEntry],
    by_id: Mapping[str, PaperRecord],
    timeline: Timeline,
    series: Mapping[str, list[int | None]],
) -> tuple[PaperRow, ...]:
    """One row per paper the list's entries resolve to, most cited first (unknown counts last)."""
    flags: dict[str, set[str]] = {}
    flagged: dict[str, int] = {}
    for entry in entries:
        if entry.paper_id is None or entry.paper_id not in by_id:
            continue
        flags.setdefault(entry.paper_id, set()).update(flag.flag.value for flag in entry.flags)
        if entry.flags:
            flagged.setdefault(entry.paper_id, entry.position)
    rows = []
    # Papers with the same citations per run share one sparkline (a first run draws one value
    # per paper: a few hundred distinct ones for 10,000 papers), drawn once.
    sparklines: dict[tuple[int | None, ...], Sparkline | None] = {}
    for paper_id, kinds in flags.items():
        record = by_id[paper_id]
        origin = record.sources.get("citation_count")
        values = tuple(series.get(paper_id, ()))
        if values in sparklines:
            line = sparklines[values]
        else:
            line = sparklines[values] = sparkline(timeline, values)
        lists = {a.list_name for a in record.appearances}
        lists.add(slug)
        rows.append(
            PaperRow(
                paper_id=paper_id,
                title=record.title,
                href=id_href(paper_id) or _first_href(record.paper_urls),
                first_author=record.authors[0].name if record.authors else None,
                other_authors=max(0, len(record.authors) - 1),
                year=record.year,
                venue=record.venue,
                citations=record.citation_count,
                delta=record.citation_delta,
                citations_stale=origin is not None and origin.stale,
                sparkline=line,
                lists=tuple(sorted(lists)),
                flags=tuple(sorted(kinds)) if kinds else (),
                flagged_position=flagged.get(paper_id),
            )
        )
    rows.sort(key=lambda row: (row.citations is None, -(row.citations or 0), row.title.lower()))
    return tuple(rows)


def _first_href(urls: Sequence[str]) -> str | None:
    return next((href for href in map(safe_href, urls) if href), None)


def _chart(
    papers: Sequence[PaperRow], timeline: Timeline, series: Mapping[str, list[int | None]]
) -> tuple[LineChart | None, ChartTable | None]:
    """The chart of the list's most cited papers over the runs, and its numbers as a table."""
    top = [row for row in papers if row.citations is not None][:CHART_PAPERS]
    if not top:
        return None, None
    runs = timeline.runs
    lines = [(row.title, series.get(row.paper_id, [None] * len(runs))) for row in top]
    table = ChartTable(
        columns=tuple(row.title for row in top),
        rows=tuple(
            (
                f"{run.run_id} ({timeline.labels[i]})",
                tuple("" if values[i] is None else f"{values[i]:,}" for _, values in lines),
            )
            for i, run in enumerate(runs)
        ),
    )
    return line_chart(timeline, lines), table


def _attention_row(
    entry: ListEntry, by_id: Mapping[str, PaperRecord], titles_off: bool
) -> AttentionRow | None:
    problems = [_problem(flag, by_id) for flag in entry.flags]
    if entry.checked and entry.paper_id is None and not entry.flags:
        # No flag: the lookup that would have found the paper failed or was not made, so
        # nothing is known about it (checks.py raises no flag then; saying "not found" is false).
        detail = (
            "Not looked up: Semantic Scholar is switched off, so no title match was made."
            if titles_off
            else "Its lookup failed: whether the paper exists is unknown (see the run's sources)."
        )
        problems.append(Problem(kind=NO_RECORD, name=FLAG_NAMES[NO_RECORD], detail=detail))
    if not problems:
        return None
    paper_link = next((link.url for link in entry.links if link.role == "paper"), None)
    return AttentionRow(
        position=entry.position,
        line=entry.line,
        section=" / ".join(entry.section),
        title=entry.title,
        name=entry.name,
        link=safe_href(paper_link),
        paper_id=entry.paper_id,
        problems=tuple(problems),
    )


def _problem(flag: Flag, by_id: Mapping[str, PaperRecord]) -> Problem:
    """The flag in words, with the fix its evidence supports (none when it supports none)."""
    kind = flag.flag
    fix: str | None = None
    paper: PaperRef | None = None
    if kind is FlagKind.TITLE_MISMATCH:
        if flag.suggested_id:
            paper = _paper_ref(flag.suggested_id, by_id)
            fix = f"Link the paper the row's {flag.field or 'title'} names instead:"
        else:
            fix = (
                f"Check the link: it points to “{flag.fetched_title}”."
                if flag.fetched_title
                else None
            )
    elif kind is FlagKind.DUPLICATE and flag.first is not None:
        fix = f"Remove this row, or keep it on purpose: line {flag.first.line} lists that paper."
    elif kind is FlagKind.MALFORMED_LINK and flag.linked_id:
        paper = _paper_ref(flag.linked_id, by_id)
        fix = "Replace the link with a well-formed one:"
    elif kind is FlagKind.PUBLISHED_SINCE and flag.venue:
        fix = f"Update the venue from arXiv to {flag.venue}."
    elif kind is FlagKind.NOT_FOUND and flag.linked_id:
        fix = f"Check the id {flag.linked_id}: it may have a typo."
    elif kind is FlagKind.UNRESOLVED:
        fix = "Add a link to the paper (arXiv, DOI, OpenReview, ACL Anthology)."
    return Problem(
        kind=kind.value,
        name=FLAG_NAMES.get(kind.value, kind.value),
        detail=flag.detail,
        fix=fix,
        paper=paper,
    )


def _audit_sections(list_file: ListFile) -> tuple[AuditSection, ...]:
    """The list file's audit of rows that could not be read, when the contract has one.

    The audit is read generically (each non-empty list field of the ``audit`` model is a
    table, each item's fields its columns), so its exact shape can change without the pages.
    """
    audit = getattr(list_file, "audit", None)
    if not isinstance(audit, BaseModel):
        return ()
    sections = []
    for name, value in audit.model_dump(mode="json").items():
        if not isinstance(value, list) or not value:
            continue
        columns: list[str] = []
        for item in value:
            for key in item if isinstance(item, dict) else ["value"]:
                if key not in columns:
                    columns.append(key)
        rows = tuple(
            tuple(_cell(item.get(column) if isinstance(item, dict) else item) for column in columns)
            for item in value
        )
        sections.append(
            AuditSection(title=name.replace("_", " "), columns=tuple(columns), rows=rows)
        )
    return tuple(sections)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_cell(item) for item in value)
    return str(value)


def _fix_files(slug: str, snapshot_dir: Path | None) -> FixFiles | None:
    """``lists/<slug>.patch`` and ``lists/<slug>.fixes.md`` of the snapshot, when present."""
    if snapshot_dir is None:
        return None
    patch = snapshot_dir / "lists" / f"{slug}.patch"
    notes = snapshot_dir / "lists" / f"{slug}.fixes.md"
    if not patch.is_file() and not notes.is_file():
        return None
    return FixFiles(
        # An empty patch (nothing to fix) is not offered as one; its note says so.
        patch=patch.name if patch.is_file() and patch.stat().st_size else None,
        notes=notes.name if notes.is_file() else None,
        notes_text=notes.read_text(encoding="utf-8") if notes.is_file() else None,
    )


# --------------------------------------------------------------------------- run page


def _run_view(snapshot: Snapshot, by_id: Mapping[str, PaperRecord], runs: int) -> RunView:
    manifest = snapshot.manifest
    counts = manifest.counts
    movers = sorted(
        (p for p in snapshot.papers if p.citation_delta and p.citation_count is not None),
        key=lambda p: (-abs(p.citation_delta or 0), p.paper_id),
    )[:MOVERS]
    flag_totals: Counter[str] = Counter(counts.flags)
    return RunView(
        run_id=manifest.run_id,
        status=manifest.status.value,
        status_reasons=tuple(manifest.status_reasons),
        started_at=_time(manifest.started_at),
        finished_at=_time(manifest.finished_at),
        previous_run_id=manifest.previous_run_id,
        list_failures=tuple((f.source, f.error) for f in manifest.list_failures),
        sources=tuple(
            SourceRow(
                role=role,
                source=health.source,
                status=health.status.value,
                requests=health.requests,
                retries=health.retries,
                failures=health.failures,
                cache_hits=health.cache_hits,
                ok=health.ok,
                not_found=health.not_found,
                failed=health.failed,
                last_error=health.last_error,
            )
            for role, health in sorted(manifest.sources.items())
        ),
        counts=(
            ("lists read", counts.lists),
            ("lists not read", counts.lists_failed),
            ("entries", counts.entries),
            ("paper entries", counts.paper_entries),
            ("papers", counts.papers),
            ("papers with carried-over values", counts.stale_papers),
        ),
        flag_counts=tuple(sorted(flag_totals.items())),
        skipped=tuple(sorted(counts.skipped.items())),
        movers=tuple(
            Mover(
                paper=_paper_ref(p.paper_id, by_id),
                citations=p.citation_count or 0,
                delta=p.citation_delta or 0,
            )
            for p in movers
        ),
        runs_in_history=runs,
    )


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
