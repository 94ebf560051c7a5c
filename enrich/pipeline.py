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
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import Field

from enrich.collector import gc_paused, relaxed_gc
from enrich.contract import (
    ListFailure,
)
from enrich.errors import InputError, OutputError
from enrich.handoff import Handoff
from enrich.lists.config import ListSpec, require_distinct_slugs
from enrich.lists.extract import StreamedList, extract_list
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
from enrich.papers.lookups import LookupPlan, arxiv_key, plan_lookups, plan_suggestions
from enrich.papers.resolutions import (
    RecalledTitles,
    ResolutionStore,
    answer_recalled,
    recall_titles,
)
from enrich.progress import LISTS, SNAPSHOT, ProgressHook, StageCounter
from enrich.publish.recovery import recover_output, require_writable_output
from enrich.publish.snapshot import RunInput, build_snapshot, load_previous
from enrich.publish.write import output_lock, replaces_latest, write_snapshot
from enrich.settings import Settings
from enrich.sources.arxiv import ArxivSource
from enrich.sources.deadline import StopSignal
from enrich.sources.pacing import BeforeStart, Clock, Sleep
from enrich.sources.s2 import SemanticScholarSource
from enrich.summary import RunReport

__all__ = [
    "ARXIV",
    "S2",
    "ListsRead",
    "RecalledTitles",
    "TextsRead",
    "answer_recalled",
    "disabled_result",
    "extract_fetching_arxiv",
    "extract_lists",
    "fetch_arxiv",
    "fetch_s2",
    "list_texts",
    "match_titles",
    "merge_recalled",
    "merge_results",
    "new_run_id",
    "preflight",
    "publish_snapshot",
    "read_bundled_copy",
    "read_list_texts",
    "read_lists",
    "read_upstream",
    "recall_titles",
    "resolution_store",
    "run_enrichment",
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


def extract_lists(
    texts: Sequence[ListText], arxiv_keys: Handoff[str] | None = None
) -> list[ExtractedList]:
    """Extract the entries of every list text, in order.

    With ``arxiv_keys``, each entry's arXiv lookup key (:func:`arxiv_key`, as
    :func:`plan_lookups` gives it) is handed over as soon as the entry is read, and the handoff
    is closed at the end (aborted if extraction fails): a concurrent :func:`fetch_arxiv` asks
    arXiv meanwhile. The lists are the same either way.
    """
    if arxiv_keys is None:
        return [extract_list(text) for text in texts]
    try:
        lists = [_extract_handing_over(text, arxiv_keys) for text in texts]
    except BaseException:
        arxiv_keys.abort()
        raise
    arxiv_keys.close()
    return lists


def _extract_handing_over(text: ListText, arxiv_keys: Handoff[str]) -> ExtractedList:
    # The collector stays paused for the whole list, as in extract_list (StreamedList alone
    # pauses it per entry, for callers that serialize each entry as it comes).
    with gc_paused():
        streamed = StreamedList(text)
        entries = []
        for entry in streamed.entries():
            entries.append(entry)
            if (key := arxiv_key(entry)) is not None:
                arxiv_keys.put(key)
        return ExtractedList(info=streamed.info, entries=entries, audit=streamed.audit())


class TextsRead(Model):
    """The texts of the lists that could be read (in spec order) and why the others could not."""

    texts: list[ListText] = Field(default_factory=list)
    failures: list[ListFailure] = Field(default_factory=list)

    def extracted(self, lists: list[ExtractedList]) -> ListsRead:
        """These texts with ``lists``, their extraction."""
        return ListsRead(lists=lists, failures=self.failures, texts=list_texts(self.texts))


def read_list_texts(
    specs: Sequence[ListSpec], settings: Settings, progress: ProgressHook | None = None
) -> TextsRead:
    """Read every list; a list that cannot be read becomes a :class:`ListFailure`.

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
    return TextsRead(texts=texts, failures=failures)


def read_lists(
    specs: Sequence[ListSpec], settings: Settings, progress: ProgressHook | None = None
) -> ListsRead:
    """Read and extract every list (:func:`read_list_texts`, then :func:`extract_lists`)."""
    read = read_list_texts(specs, settings, progress)
    return read.extracted(extract_lists(read.texts))


# --------------------------------------------------------------------------- sources


def disabled_result(source: str) -> SourceResult[RecordT]:
    """The result of a source that is switched off for the run: no outcomes, status disabled."""
    return SourceResult(
        outcomes={}, health=SourceHealth(source=source, status=SourceStatus.DISABLED)
    )


def fetch_arxiv(
    arxiv_ids: Iterable[str],
    settings: Settings,
    *,
    enabled: bool = True,
    before_start: BeforeStart | None = None,
    stop: StopSignal | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep | None = None,
    progress: ProgressHook | None = None,
) -> SourceResult[ArxivRecord]:
    """Fetch arXiv metadata for ``arxiv_ids`` (paper ids ``arxiv:...``): outcomes by key, in
    key order (as :attr:`LookupPlan.arxiv_ids`) whatever order the ids come in.

    ``arxiv_ids`` may be a :class:`Handoff` still being filled (:func:`extract_lists`):
    requests start as soon as a batch of ids has come. Uses the on-disk cache of ``settings``
    (``cache_dir``, ``arxiv_cache_ttl_days``; a TTL of 0 disables it). ``before_start`` is
    called before each arXiv request (see :class:`Pacer`); ``stop`` ends every wait once set;
    ``clock``/``sleep`` drive pace and back-off (tests); ``progress`` is told how many requests
    are done.
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
    producing = arxiv_ids if isinstance(arxiv_ids, Handoff) else None
    result = source.fetch(
        arxiv_ids, producer_busy=None if producing is None else lambda: producing.producing
    )
    return result.model_copy(update={"outcomes": dict(sorted(result.outcomes.items()))})


def extract_fetching_arxiv(
    texts: Sequence[ListText],
    settings: Settings,
    *,
    enabled: bool = True,
    stop: StopSignal | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep | None = None,
    progress: ProgressHook | None = None,
) -> tuple[list[ExtractedList], SourceResult[ArxivRecord]]:
    """Extract the lists while arXiv is asked for their ids, entry by entry as they are read.

    The same lists and arXiv outcomes as :func:`extract_lists` then :func:`fetch_arxiv` of the
    plan's ids, and the same requests (batches of ids not in the cache); but the first request
    goes out once the first batch's ids are read, so extracting costs no wall time beyond it
    (arXiv's pace dominates a run). Raises what either raises; an extraction that fails stops
    the fetch before its next request.
    """
    if not enabled:
        return extract_lists(texts), disabled_result(ARXIV)
    arxiv_keys: Handoff[str] = Handoff()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich-arxiv") as pool:
        fetched = pool.submit(
            fetch_arxiv,
            arxiv_keys,
            settings,
            stop=stop,
            clock=clock,
            sleep=sleep,
            progress=progress,
        )
        lists = extract_lists(texts, arxiv_keys)
        return lists, fetched.result()


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
            previous = load_previous(out_dir)
        except InputError as error:
            raise OutputError(
                f"cannot compare with the previous snapshot: {error}; move "
                f"{out_dir / 'latest'} aside to start a new history"
            ) from None
        with gc_paused():
            snapshot = build_snapshot(run, previous)
            # Freed before the files are written: at 20,000 papers the previous records hold
            # about 200 MiB that the write, the run's largest moment, does not need.
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
        texts = read_list_texts(specs, settings, progress)
        lists, arxiv = extract_fetching_arxiv(
            texts.texts,
            settings,
            enabled=use_arxiv,
            stop=stop,
            clock=clock,
            sleep=sleep,
            progress=progress,
        )
        read = texts.extracted(lists)
        plan: LookupPlan = plan_lookups(read.lists)
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
