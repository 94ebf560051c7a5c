"""One enrichment run as plain functions, one per stage, composed by :func:`run_enrichment`.

Stages (data flows one way): list specs -> list texts (upstream, else the bundled copy) ->
:class:`ExtractedList` s -> a :class:`LookupPlan` -> arXiv and Semantic Scholar results -> title
suggestions -> :class:`RunInput` -> :class:`Snapshot` -> files. The Prefect flow in
``flows/enrich_lists.py`` calls these same functions as tasks; nothing here imports Prefect, so
the package works as a library without ``flows/``.

Retries live in the service modules (transport) and, for whole units of work, in the flow's
task options; this module adds none.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import Field

from enrich.collector import gc_paused, relaxed_gc
from enrich.contract import (
    Counts,
    FlagKind,
    ListFailure,
    ManifestList,
    RunStatus,
    Snapshot,
)
from enrich.errors import InputError, OutputError
from enrich.lists.config import ListSpec, require_distinct_slugs
from enrich.lists.extract import extract_list
from enrich.lists.read import ListText, check_readable, list_slug, read_list
from enrich.models import (
    ArxivRecord,
    ExtractedList,
    Model,
    Outcome,
    RecordT,
    S2Record,
    SourceHealth,
    SourceResult,
    SourceStatus,
    TitleQuery,
)
from enrich.papers.records import LookupPlan, plan_lookups, plan_suggestions
from enrich.papers.resolutions import (
    RecalledTitles,
    ResolutionStore,
    answer_recalled,
    recall_titles,
)
from enrich.progress import LISTS, SNAPSHOT, ProgressHook, StageCounter
from enrich.publish.recovery import recover_output, require_writable_output
from enrich.publish.report import INDEX, REPORT_DIR
from enrich.publish.snapshot import RunInput, build_snapshot, load_latest
from enrich.publish.write import output_lock, replaces_latest, write_snapshot
from enrich.settings import Settings
from enrich.sources.arxiv import ArxivSource
from enrich.sources.deadline import StopSignal
from enrich.sources.pacing import BeforeStart, Clock, Sleep
from enrich.sources.s2 import SemanticScholarSource

__all__ = [
    "ARXIV",
    "S2",
    "AttentionRow",
    "CitationMove",
    "ListsRead",
    "RecalledTitles",
    "RunReport",
    "RunSummary",
    "answer_recalled",
    "attention_rows",
    "disabled_result",
    "extract_lists",
    "fetch_arxiv",
    "fetch_s2",
    "list_texts",
    "match_titles",
    "merge_recalled",
    "merge_results",
    "new_run_id",
    "patch_file",
    "preflight",
    "publish_snapshot",
    "read_bundled_copy",
    "read_lists",
    "read_upstream",
    "recall_titles",
    "render_summary_markdown",
    "render_summary_text",
    "resolution_store",
    "run_enrichment",
    "summarize",
    "utc_now",
]

#: Source names, as in :class:`SourceHealth` and the manifest.
ARXIV = "arxiv"
S2 = "s2"

Now = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def new_run_id(started_at: dt.datetime, out_dir: Path | None = None) -> str:
    """A run id that sorts by start time and is safe as a directory name: ``20260101T030000Z``.

    ``started_at`` must be timezone-aware; it is converted to UTC. When ``out_dir`` already has
    a snapshot of that id (two runs in one second), ``-2``, ``-3``, ... is appended.
    """
    if started_at.tzinfo is None:
        raise ValueError("started_at must be timezone-aware")
    base = started_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id, number = base, 1
    while out_dir is not None and (out_dir / "snapshots" / run_id).exists():
        number += 1
        run_id = f"{base}-{number}"
    return run_id


def preflight(specs: Sequence[ListSpec], settings: Settings, out_dir: Path) -> None:
    """Refuse, before any request, a run that cannot work: raises :class:`InputError` for a
    list source that can never be read (a local file that is missing, binary, UTF-16, not
    UTF-8, over the size limit; an unsupported URL scheme; a malformed ``github:`` spec) and
    for an output directory that cannot be written. Network sources are not fetched: they keep
    their retry and bundled fallback."""
    require_distinct_slugs(specs)
    for spec in specs:
        check_readable(spec.source, settings)
    require_writable_output(out_dir)


# --------------------------------------------------------------------------- lists


class ListsRead(Model):
    """The lists that could be read (in spec order) and why the others could not."""

    lists: list[ExtractedList] = Field(default_factory=list)
    failures: list[ListFailure] = Field(default_factory=list)
    texts: dict[str, str] = Field(
        default_factory=dict,
        description="List slug -> the text read (see RunInput.list_texts): see list_texts().",
    )


def list_texts(texts: Sequence[ListText]) -> dict[str, str]:
    """List slug -> the text read, for the patch of each list's fixes (``RunInput.list_texts``)."""
    return {text.info.name: text.text for text in texts}


def read_upstream(spec: ListSpec, settings: Settings) -> ListText:
    """Read the list from its source. Raises :class:`InputError` when it cannot be read."""
    return read_list(spec.source, settings)


def read_bundled_copy(spec: ListSpec, settings: Settings, upstream_error: InputError) -> ListText:
    """Read the bundled copy of ``spec`` after its source failed with ``upstream_error``.

    The returned text is described as the upstream list (same source and name, so entries keep
    their list name) with ``fallback=True``. Raises ``upstream_error`` again when the list has
    no bundled copy, and :class:`InputError` when the copy itself cannot be read.
    """
    path = spec.bundled_path()
    if path is None:
        raise upstream_error
    copy = read_list(str(path), settings)
    info = copy.info.model_copy(
        update={
            "source": spec.source,
            "name": list_slug(spec.source),
            "url": None,
            "fallback": True,
        }
    )
    return copy.model_copy(update={"info": info})


def extract_lists(texts: Sequence[ListText]) -> list[ExtractedList]:
    """Extract the entries of every list text, in order."""
    return [extract_list(text) for text in texts]


def read_lists(
    specs: Sequence[ListSpec], settings: Settings, progress: ProgressHook | None = None
) -> ListsRead:
    """Read and extract every list; a list that cannot be read becomes a :class:`ListFailure`.

    A list whose source fails is read from its bundled copy when it has one. ``progress`` is
    told how many lists are read (stage ``lists``).
    """
    texts: list[ListText] = []
    failures: list[ListFailure] = []
    lists_read = StageCounter(progress, LISTS)
    lists_read.plan(len(specs))
    for spec in specs:
        try:
            try:
                texts.append(read_upstream(spec, settings))
            except InputError as upstream_error:
                texts.append(read_bundled_copy(spec, settings, upstream_error))
        except InputError as error:
            failures.append(ListFailure(source=spec.source, error=str(error)))
        lists_read.step()
    return ListsRead(lists=extract_lists(texts), failures=failures, texts=list_texts(texts))


# --------------------------------------------------------------------------- sources


def disabled_result(source: str) -> SourceResult[RecordT]:
    """The result of a source that is switched off for the run: no outcomes, status disabled."""
    return SourceResult(
        outcomes={}, health=SourceHealth(source=source, status=SourceStatus.DISABLED)
    )


def fetch_arxiv(
    arxiv_ids: Sequence[str],
    settings: Settings,
    *,
    enabled: bool = True,
    before_start: BeforeStart | None = None,
    stop: StopSignal | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep | None = None,
    progress: ProgressHook | None = None,
) -> SourceResult[ArxivRecord]:
    """Fetch arXiv metadata for ``arxiv_ids`` (paper ids ``arxiv:...``).

    Uses the on-disk cache of ``settings`` (``cache_dir``, ``arxiv_cache_ttl_days``; a TTL of 0
    disables it). ``before_start`` is called before each arXiv request (see :class:`Pacer`);
    ``stop`` ends every wait once set; ``clock``/``sleep`` drive pace and back-off (tests);
    ``progress`` is told how many requests are done.
    """
    if not enabled:
        return disabled_result(ARXIV)
    source = ArxivSource(
        settings,
        before_start=before_start,
        stop=stop,
        clock=clock,
        sleep=sleep,
        progress=progress,
    )
    return source.fetch(list(arxiv_ids))


def fetch_s2(paper_ids: Sequence[str], s2: SemanticScholarSource | None) -> SourceResult[S2Record]:
    """Fetch Semantic Scholar records by id; ``s2=None`` means the source is switched off."""
    if s2 is None:
        return disabled_result(S2)
    return s2.fetch(list(paper_ids))


def match_titles(
    queries: Sequence[TitleQuery],
    s2: SemanticScholarSource | None,
    resolutions: ResolutionStore | None = None,
) -> SourceResult[S2Record]:
    """Find papers by title on Semantic Scholar; ``s2=None`` means the source is switched off.

    The answers are remembered in ``resolutions`` when given (see :mod:`enrich.papers.resolutions`).
    """
    if s2 is None:
        return disabled_result(S2)
    result = s2.match_titles(list(queries))
    if resolutions is not None:
        resolutions.remember(queries, result)
    return result


def resolution_store(settings: Settings, *, enabled: bool = True) -> ResolutionStore | None:
    """The run's store of title resolutions (None when S2 is switched off)."""
    return ResolutionStore.from_settings(settings) if enabled else None


def merge_recalled(
    titles: SourceResult[S2Record], recalled: SourceResult[S2Record] | None
) -> SourceResult[S2Record]:
    """The title matches made plus the answers recalled from earlier runs (None: none)."""
    return titles if recalled is None else merge_results(titles, recalled)


_STATUS_RANK = {
    SourceStatus.DISABLED: 0,
    SourceStatus.UP: 1,
    SourceStatus.DEGRADED: 2,
    SourceStatus.DOWN: 3,
}


def _merge_health(first: SourceHealth, second: SourceHealth) -> SourceHealth:
    if first.source != second.source:
        raise ValueError(f"cannot merge health of {first.source!r} and {second.source!r}")
    worst = max(first.status, second.status, key=_STATUS_RANK.__getitem__)
    return SourceHealth(
        source=first.source,
        status=worst,
        requests=first.requests + second.requests,
        retries=first.retries + second.retries,
        failures=first.failures + second.failures,
        cache_hits=first.cache_hits + second.cache_hits,
        ok=first.ok + second.ok,
        not_found=first.not_found + second.not_found,
        failed=first.failed + second.failed,
        last_error=second.last_error or first.last_error,
        standin=first.standin or second.standin,
    )


def merge_results(
    first: SourceResult[RecordT], second: SourceResult[RecordT]
) -> SourceResult[RecordT]:
    """Both calls' outcomes (``first`` wins on a shared key) and their summed health.

    The merged status is the worse of the two, where a disabled call (nothing asked) counts least.
    """
    outcomes: dict[str, Outcome[RecordT]] = dict(first.outcomes)
    for key, outcome in second.outcomes.items():
        outcomes.setdefault(key, outcome)
    return SourceResult(outcomes=outcomes, health=_merge_health(first.health, second.health))


# --------------------------------------------------------------------------- snapshot


class RunReport(Model):
    """What a run produced: the snapshot and where it was written."""

    snapshot: Snapshot
    path: Path = Field(description="The directory snapshots/<run-id>/ that was written.")
    is_latest: bool = Field(
        default=True,
        description="Whether it became latest; a run that read no list is kept beside it.",
    )


def publish_snapshot(run: RunInput, out_dir: Path, *, lock_timeout: float = 0.0) -> RunReport:
    """Build the snapshot of ``run`` against the latest one in ``out_dir`` and write it.

    Under the output lock: first finish what an interrupted run left
    (:func:`enrich.publish.recovery.recover_output`), then confirm the run id (a run that
    waited for the lock gets the next free one if another run took it meanwhile), read
    ``latest``, build and write. Raises :class:`OutputError` when it cannot be written,
    including when ``<out_dir>/latest`` cannot be read (the run's work is done by then: that is
    not bad input to the run).
    """
    # The lock is held from reading `latest` to replacing it, so a run that waited for another
    # one (lock_timeout) compares with the snapshot that run wrote instead of failing.
    with output_lock(out_dir, lock_timeout):
        recover_output(out_dir)
        if (out_dir / "snapshots" / run.run_id).exists():
            run = run.model_copy(update={"run_id": new_run_id(run.started_at, out_dir)})
        try:
            previous = load_latest(out_dir)
        except InputError as error:
            raise OutputError(
                f"cannot compare with the previous snapshot: {error}; move "
                f"{out_dir / 'latest'} aside to start a new history"
            ) from None
        with gc_paused():
            snapshot = build_snapshot(run, previous)
            # Freed before the files are written: at 20,000 papers the previous snapshot holds
            # about 600 MiB that the write, the run's largest moment, does not need.
            del previous
            path = write_snapshot(snapshot, out_dir, lock_timeout=lock_timeout)
    return RunReport(snapshot=snapshot, path=path, is_latest=replaces_latest(snapshot.manifest))


def run_enrichment(
    specs: Sequence[ListSpec],
    out_dir: Path,
    settings: Settings,
    *,
    use_arxiv: bool = True,
    use_s2: bool = True,
    now: Now = utc_now,
    stop: StopSignal | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep | None = None,
    progress: ProgressHook | None = None,
) -> RunReport:
    """Run every stage once and write the snapshot; the library equivalent of the flow.

    ``progress`` is told each stage's count as it goes (see :mod:`enrich.progress`).

    Never raises for an unreachable list or service: those are recorded in the snapshot (its
    ``manifest.status`` says ok, degraded or failed). Raises :class:`OutputError` when the
    snapshot cannot be written, :class:`ValueError` for an empty ``specs`` and, before anything
    is read, :class:`InputError` for two specs that would get one list slug (call
    :func:`preflight` first to refuse every input that cannot work). ``stop`` ends every wait
    of the sources once set (:class:`enrich.errors.RunStopped`); ``clock``/``sleep`` drive
    their pace and back-off (tests inject fakes).
    """
    if not specs:
        raise ValueError("no lists to read")
    require_distinct_slugs(specs)
    with relaxed_gc():
        recover_output(out_dir)
        started_at = now()
        read = read_lists(specs, settings, progress)
        plan: LookupPlan = plan_lookups(read.lists)
        arxiv = fetch_arxiv(
            plan.arxiv_ids,
            settings,
            enabled=use_arxiv,
            stop=stop,
            clock=clock,
            sleep=sleep,
            progress=progress,
        )
        s2_source = (
            SemanticScholarSource(settings, stop=stop, clock=clock, sleep=sleep, progress=progress)
            if use_s2
            else None
        )
        resolutions = resolution_store(settings, enabled=use_s2)
        try:
            recalled = recall_titles(plan, read.lists, resolutions)
            s2 = fetch_s2(recalled.s2_ids, s2_source)
            remembered, vanished = answer_recalled(recalled, s2)
            queries = [*recalled.title_queries, *vanished]
            titles = merge_recalled(match_titles(queries, s2_source, resolutions), remembered)
            suggestions = plan_suggestions(read.lists, arxiv, s2, titles)
            if suggestions:
                titles = merge_results(titles, match_titles(suggestions, s2_source, resolutions))
        finally:
            if s2_source is not None:
                s2_source.close()
        run = RunInput(
            run_id=new_run_id(started_at, out_dir),
            started_at=started_at,
            finished_at=now(),
            lists=read.lists,
            list_failures=read.failures,
            arxiv=arxiv,
            s2=s2,
            titles=titles,
            list_texts=read.texts,
        )
        snapshot_written = StageCounter(progress, SNAPSHOT)
        snapshot_written.plan(1)
        report = publish_snapshot(run, out_dir)
        snapshot_written.step()
        return report


# --------------------------------------------------------------------------- run summary

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
