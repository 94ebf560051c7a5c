"""What a run produced (:class:`RunReport`) and its summary for people: the counts, the rows
that need attention, the biggest citation moves, as markdown (the Prefect artifact), a table
and plain text (the CLI).

Built from the snapshot alone, so a summary says only what the published files say.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from enrich.contract import (
    Counts,
    FlagKind,
    ListFailure,
    ManifestList,
    RunStatus,
    Snapshot,
)
from enrich.models import (
    Model,
    SourceHealth,
    SourceStatus,
)
from enrich.publish.report import INDEX, REPORT_DIR

__all__ = [
    "DEMO_NOTE",
    "AttentionRow",
    "CitationMove",
    "RunReport",
    "RunSummary",
    "attention_rows",
    "patch_file",
    "render_summary_markdown",
    "render_summary_text",
    "summarize",
]


class RunReport(Model):
    """What a run produced: the snapshot and where it was written."""

    snapshot: Snapshot
    path: Path = Field(description="The directory snapshots/<run-id>/ that was written.")
    is_latest: bool = Field(
        default=True,
        description="Whether it became latest; a run that read no list is kept beside it.",
    )


#: How many rows of each kind the markdown and text summaries show (the table artifact and the
#: snapshot files have all of them).
SUMMARY_ROW_LIMIT = 25
#: How many citation movers the summaries show.
MOVERS_LIMIT = 10
#: What the summaries say of a snapshot whose manifest has ``demo: true``.
DEMO_NOTE = (
    "Demo data: values come from the bundled stand-in of arXiv and Semantic Scholar "
    "(citation counts and S2 ids are made up)."
)


class CitationMove(Model):
    """A paper whose citation count changed since the previous snapshot."""

    paper_id: str
    title: str
    citation_count: int
    citation_delta: int


class AttentionRow(Model):
    """A list row that needs a human look: flagged by a check, or not resolved to a paper."""

    list_name: str
    line: int
    title: str
    problem: str = Field(description="The flag kind, e.g. title_mismatch, unresolved.")
    detail: str


class RunSummary(Model):
    """What a person (CLI, Prefect UI) needs to know about a run, derived from its snapshot."""

    run_id: str
    status: RunStatus
    status_reasons: list[str] = Field(default_factory=list)
    snapshot_path: str
    report_path: str | None = Field(
        default=None, description="The run's HTML report (report/index.html); None if not written."
    )
    is_latest: bool = Field(
        default=True, description="False for a run kept beside latest (it read no list)."
    )
    previous_run_id: str | None = None
    demo: bool = Field(default=False, description="Values come from the bundled stand-in.")
    counts: Counts
    lists: list[ManifestList]
    list_failures: list[ListFailure] = Field(default_factory=list)
    sources: dict[str, SourceHealth]
    movers: list[CitationMove] = Field(default_factory=list)
    flagged: list[AttentionRow] = Field(
        default_factory=list, description="Rows with a flag other than unresolved."
    )
    unresolved: list[AttentionRow] = Field(
        default_factory=list, description="Paper rows that resolve to no paper, with the reason."
    )

    @property
    def headline(self) -> str:
        """One line: status, then the main counts."""
        counts = self.counts
        text = (
            f"{self.status}: {counts.lists} lists, {counts.entries} entries, "
            f"{counts.papers} papers, {len(self.flagged)} flagged rows, "
            f"{len(self.unresolved)} unresolved"
        )
        if self.status_reasons:
            text += " — " + " ".join(self.status_reasons)
        return text


def _unresolved_reason(
    flags: Sequence[tuple[FlagKind, str]], titles_health: SourceHealth | None
) -> str:
    for kind in (FlagKind.UNRESOLVED, FlagKind.NOT_FOUND):
        for flag_kind, detail in flags:
            if flag_kind is kind:
                return detail
    # No flag: the row needed a title match that was not made or failed (checks.py raises no
    # flag then), so nothing is known about the paper; "not found" would be a false claim.
    if titles_health is not None and titles_health.status is SourceStatus.DISABLED:
        return "not looked up: Semantic Scholar is switched off (no title match made)"
    return "its title match failed: whether the paper exists is unknown (see source health)"


def summarize(report: RunReport) -> RunSummary:
    """The :class:`RunSummary` of a written run (pure; deterministic order)."""
    snapshot = report.snapshot
    manifest = snapshot.manifest
    movers = sorted(
        (
            CitationMove(
                paper_id=paper.paper_id,
                title=paper.title,
                citation_count=paper.citation_count,
                citation_delta=paper.citation_delta,
            )
            for paper in snapshot.papers
            if paper.citation_delta and paper.citation_count is not None
        ),
        key=lambda move: (-abs(move.citation_delta), move.paper_id),
    )
    flagged: list[AttentionRow] = []
    unresolved: list[AttentionRow] = []
    for list_name in sorted(snapshot.lists):
        for entry in snapshot.lists[list_name].entries:
            flags = [(flag.flag, flag.detail) for flag in entry.flags]
            for kind, detail in flags:
                if kind is not FlagKind.UNRESOLVED:
                    flagged.append(
                        AttentionRow(
                            list_name=list_name,
                            line=entry.line,
                            title=entry.title,
                            problem=kind.value,
                            detail=detail,
                        )
                    )
            if entry.checked and entry.paper_id is None:
                unresolved.append(
                    AttentionRow(
                        list_name=list_name,
                        line=entry.line,
                        title=entry.title,
                        problem=FlagKind.UNRESOLVED.value,
                        detail=_unresolved_reason(flags, manifest.sources.get("s2_titles")),
                    )
                )
    report_index = report.path / REPORT_DIR / INDEX
    return RunSummary(
        run_id=manifest.run_id,
        status=manifest.status,
        status_reasons=list(manifest.status_reasons),
        snapshot_path=str(report.path),
        report_path=str(report_index) if report_index.is_file() else None,
        is_latest=report.is_latest,
        previous_run_id=manifest.previous_run_id,
        demo=manifest.demo,
        counts=manifest.counts,
        lists=list(manifest.lists),
        list_failures=list(manifest.list_failures),
        sources=dict(sorted(manifest.sources.items())),
        movers=movers[:MOVERS_LIMIT],
        flagged=flagged,
        unresolved=unresolved,
    )


def _cell(value: object) -> str:
    """A markdown table cell: no line breaks, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def _rows_section(title: str, rows: Sequence[AttentionRow]) -> list[str]:
    lines = ["", f"## {title} ({len(rows)})", ""]
    if not rows:
        return [*lines, "None."]
    shown = rows[:SUMMARY_ROW_LIMIT]
    lines += _table(
        ["list", "line", "title", "problem", "detail"],
        [(r.list_name, r.line, r.title, r.problem, r.detail) for r in shown],
    )
    if len(rows) > len(shown):
        lines += ["", f"... and {len(rows) - len(shown)} more (see the snapshot's lists/ files)."]
    return lines


def _report_line(summary: RunSummary) -> str:
    if summary.report_path is None:
        return "Report: not written (see the run's log); `enrich report` builds it again."
    index = Path(summary.report_path).resolve()
    # A file: link opens from a local Prefect UI; the path is there to copy when it does not.
    return f"Report: [{index.name}]({index.as_uri()}) (`{summary.report_path}`)"


def render_summary_markdown(summary: RunSummary) -> str:
    """The run summary as markdown (the flow's Prefect artifact)."""
    counts = summary.counts
    lines = [
        f"# enrich-lists run {summary.run_id}: {summary.status.upper()}",
        "",
        f"Snapshot: `{summary.snapshot_path}`"
        + (f" (previous run: {summary.previous_run_id})" if summary.previous_run_id else ""),
        "",
        _report_line(summary),
        "",
        f"{counts.lists} lists read ({counts.lists_failed} failed), {counts.entries} entries "
        f"({counts.paper_entries} papers listed), {counts.papers} distinct papers, "
        f"{counts.stale_papers} with values carried over from an earlier run.",
    ]
    if summary.demo:
        lines += ["", f"**{DEMO_NOTE}**"]
    if summary.status_reasons:
        lines += ["", "Why not ok:", ""] + [f"- {reason}" for reason in summary.status_reasons]
    lines += ["", "## Lists", ""]
    lines += _table(
        ["list", "source", "entries", "papers", "fallback copy", "suggested fixes", "patch"],
        [
            (
                item.name,
                item.source,
                item.entries,
                item.paper_entries,
                "yes" if item.fallback else "",
                "" if item.fixes is None else item.fixes,
                _patch_cell(summary, item),
            )
            for item in summary.lists
        ],
    )
    for failure in summary.list_failures:
        lines += ["", f"- could not read {failure.source}: {failure.error}"]
    lines += ["", "## Calls per source", ""]
    lines += _table(
        ["source", "status", "requests", "retries", "cache hits", "ok", "not found", "failed"],
        [
            (
                role,
                health.status,
                health.requests,
                health.retries,
                health.cache_hits,
                health.ok,
                health.not_found,
                health.failed,
            )
            for role, health in summary.sources.items()
        ],
    )
    lines += ["", f"## Citation movers ({len(summary.movers)})", ""]
    if summary.movers:
        lines += _table(
            ["paper", "title", "citations", "change"],
            [
                (m.paper_id, m.title, m.citation_count, f"{m.citation_delta:+d}")
                for m in summary.movers
            ],
        )
    else:
        lines.append("None (no earlier snapshot, or no counts changed).")
    lines += _rows_section("Flagged rows", summary.flagged)
    lines += _rows_section("Unresolved entries", summary.unresolved)
    return "\n".join(lines) + "\n"


def patch_file(summary: RunSummary, item: ManifestList) -> Path | None:
    """Where the patch of the fixes suggested for a list is (None when none was made)."""
    if item.fixes is None:
        return None
    return Path(summary.snapshot_path) / "lists" / f"{item.name}.patch"


def _patch_cell(summary: RunSummary, item: ManifestList) -> str:
    path = patch_file(summary, item)
    if path is None:
        return "not made"
    explained = path.with_suffix(".fixes.md")
    return f"`{path}` (explained in `{explained.name}`)" if item.fixes else "empty: nothing to fix"


def attention_rows(summary: RunSummary) -> list[dict[str, object]]:
    """Every flagged or unresolved row, as table rows (the flow's table artifact)."""
    return [row.model_dump() for row in [*summary.flagged, *summary.unresolved]]


def render_summary_text(summary: RunSummary) -> str:
    """A short plain-text summary for a terminal (a few lines)."""
    lines = [f"Run {summary.run_id}: {summary.headline}", f"Snapshot: {summary.snapshot_path}"]
    if summary.report_path is not None:
        lines.append(f"Report: {summary.report_path}")
    if summary.demo:
        lines.append(f"  {DEMO_NOTE}")
    if not summary.is_latest:
        kept = summary.previous_run_id or "(none yet)"
        lines.append(f"  not made latest (it read no list): latest is still {kept}")
    for role, health in summary.sources.items():
        line = (
            f"  {role}: {health.status}, {health.requests} requests, "
            f"{health.cache_hits} from cache, {health.ok} ok, "
            f"{health.not_found} not found, {health.failed} failed"
        )
        if health.last_error and health.status is not SourceStatus.UP:
            line += f" (last error: {health.last_error})"
        lines.append(line)
    for item in summary.lists:
        if item.fallback:
            lines.append(f"  {item.name}: upstream unreachable, bundled copy used")
    for failure in summary.list_failures:
        lines.append(f"  could not read {failure.source}: {failure.error}")
    for item in summary.lists:
        patch = patch_file(summary, item)
        if item.fixes and patch is not None:
            lines.append(f"  {item.name}: {item.fixes} suggested fixes in {patch}")
    if summary.movers:
        top = summary.movers[0]
        lines.append(f"  top citation mover: {top.title} ({top.citation_delta:+d})")
    return "\n".join(lines)
