"""The shapes of the report's pages: plain, immutable objects the templates read.

:mod:`.view` builds them from a snapshot; nothing here knows the output contract, so the
templates do not either. Strings are as the lists and sources wrote them (the templates escape
them); links are already checked (:func:`.view.safe_href`).
"""

from __future__ import annotations

from dataclasses import dataclass

from enrich.publish.report.charts import LineChart, Sparkline


@dataclass(frozen=True, slots=True)
class PaperRef:
    """A paper named on a page: its id, its title when the snapshot knows it, and a link."""

    paper_id: str
    title: str | None
    href: str | None


@dataclass(frozen=True, slots=True)
class PaperRow:
    """One paper of a list's table."""

    paper_id: str
    title: str
    href: str | None
    first_author: str | None
    other_authors: int
    year: int | None
    venue: str | None
    citations: int | None
    delta: int | None
    citations_stale: bool
    sparkline: Sparkline | None
    lists: tuple[str, ...]  # slugs of every list the paper is in
    flags: tuple[str, ...]  # flag kinds raised on this list's rows of the paper
    flagged_position: int | None  # the first of those rows (anchor of its attention row)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row needs attention, and what would fix it (when the evidence says)."""

    kind: str
    name: str
    detail: str
    fix: str | None = None
    paper: PaperRef | None = None  # the paper the fix points to


@dataclass(frozen=True, slots=True)
class AttentionRow:
    position: int
    line: int
    section: str
    title: str
    name: str | None
    link: str | None  # the row's paper link as written, when it is a web link
    paper_id: str | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class AuditSection:
    """One part of a list's audit (rows that could not be read), as a table."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class FixFiles:
    """Suggested fixes a snapshot holds for a list: a patch and its explanation."""

    patch: str | None  # file name under the snapshot's lists/
    notes: str | None
    notes_text: str | None


@dataclass(frozen=True, slots=True)
class ChartTable:
    """The numbers of a chart, as a table (the chart's text alternative)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (run label, one cell per series)


@dataclass(frozen=True, slots=True)
class ListPage:
    slug: str
    title: str
    source: str
    url: str | None
    version: str | None
    fallback: bool
    entries: int
    paper_entries: int
    flag_counts: tuple[tuple[str, int], ...]
    added: int
    removed: int
    papers: tuple[PaperRow, ...]
    attention: tuple[AttentionRow, ...]
    audit: tuple[AuditSection, ...]
    fixes: FixFiles | None
    chart: LineChart | None
    chart_table: ChartTable | None


@dataclass(frozen=True, slots=True)
class SourceRow:
    role: str
    source: str
    status: str
    requests: int
    retries: int
    failures: int
    cache_hits: int
    ok: int
    not_found: int
    failed: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Mover:
    paper: PaperRef
    citations: int
    delta: int


@dataclass(frozen=True, slots=True)
class RunView:
    run_id: str
    status: str
    status_reasons: tuple[str, ...]
    started_at: str
    finished_at: str
    previous_run_id: str | None
    list_failures: tuple[tuple[str, str], ...]
    sources: tuple[SourceRow, ...]
    counts: tuple[tuple[str, int], ...]
    flag_counts: tuple[tuple[str, int], ...]
    skipped: tuple[tuple[str, int], ...]
    movers: tuple[Mover, ...]
    runs_in_history: int


@dataclass(frozen=True, slots=True)
class ReportView:
    run: RunView
    lists: tuple[ListPage, ...]
