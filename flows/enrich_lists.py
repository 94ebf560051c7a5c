"""The ``enrich-lists`` Prefect flow: one enrichment run, stage by stage, as Prefect tasks.

Each task wraps one plain function of :mod:`enrich.pipeline` and works on a whole batch (all
lists, all arXiv ids, all S2 ids), never one paper per task. Prefect ``retries`` are used only
where a whole unit of work may succeed on a second try (reading a list from upstream); the
service modules already retry each HTTP request with back-off, so the fetch tasks have none
(a second layer would multiply the waits against a service that is down).

Final state: ``Completed`` when the snapshot status is ok, ``Completed`` named ``Degraded`` when
it is degraded, ``Failed`` when no source could be reached for any paper. The snapshot is
written in every case it can be. Deployments: ``prefect.yaml`` (work pool) and ``enrich serve``
(one process) both declare :data:`NIGHTLY_CRON`.
"""

# No `from __future__ import annotations` here: Prefect builds the parameter model from the flow's
# signature at run time, and when a deployment loads this file by path the string annotation
# `EnrichParameters` is not resolved ("Enrich_ListsModel is not fully defined"); see
# https://github.com/PrefectHQ/prefect/issues/19288 and
# https://docs.prefect.io/v3/how-to-guides/workflows/pass-inputs.
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.futures import PrefectFuture
from prefect.states import Completed, Failed, State
from prefect.tasks import Task
from prefect.utilities.annotations import quote
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from enrich import pipeline, progress
from enrich.collector import relaxed_gc
from enrich.errors import EnrichError, InputError
from enrich.handoff import Handoff
from enrich.lists.config import ListSpec, resolve_list_specs
from enrich.lists.read import ListText
from enrich.models import ArxivRecord, ExtractedList, S2Record, SourceResult, TitleQuery
from enrich.papers.lookups import LookupPlan, plan_lookups, plan_suggestions
from enrich.papers.resolutions import RecalledTitles, ResolutionStore
from enrich.publish.recovery import recover_output
from enrich.publish.snapshot import ListFailure, RunInput
from enrich.settings import Settings, describe_invalid
from enrich.sources.deadline import StopSignal
from enrich.sources.pacing import BeforeStart
from enrich.sources.s2 import SemanticScholarSource
from enrich.summary import RunReport, RunSummary, attention_rows, render_summary_markdown, summarize

FLOW_NAME = "enrich-lists"
DEPLOYMENT_NAME = "nightly"
#: Every night at 03:00 in :data:`NIGHTLY_TIMEZONE` (the same in prefect.yaml).
NIGHTLY_CRON = "0 3 * * *"
NIGHTLY_TIMEZONE = "UTC"
#: Artifact keys (lowercase letters, digits and dashes, as Prefect requires).
SUMMARY_ARTIFACT_KEY = "enrich-run-summary"
ATTENTION_ARTIFACT_KEY = "enrich-rows-needing-attention"
#: Name of the custom Completed state of a degraded run.
DEGRADED_STATE_NAME = "Degraded"
#: One more try of a list read (after ``Settings.list_read_retry_delay_seconds``): GitHub raw
#: hiccups are usually brief.
LIST_READ_RETRIES = 1
#: Names of the Prefect global concurrency limits (with slot decay) that ``global_rate_limits``
#: takes a slot of before each request; create them first (README, "Scaling out").
ARXIV_RATE_LIMIT = "arxiv-api"
S2_RATE_LIMIT = "s2-api"


class EnrichParameters(BaseModel):
    """The flow's parameters (the typed form in the Prefect UI).

    Unset optional fields keep the value from the environment (see :class:`Settings`); set
    fields override it for this run only.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lists: list[str] = Field(
        default_factory=list,
        description="List sources (github:OWNER/REPO, URL, path); empty: those of lists_file.",
    )
    lists_file: str | None = Field(
        default=None, description="A lists.toml; unset: ./lists.toml, else the built-in lists."
    )
    out_dir: str = Field(default="outputs", description="Where snapshots are written.")
    use_arxiv: bool = Field(default=True, description="Ask arXiv.")
    use_s2: bool = Field(default=True, description="Ask Semantic Scholar.")
    arxiv_cache_ttl_days: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="Reuse cached arXiv metadata this long (0: no cache).",
    )
    cache_dir: str | None = Field(default=None, description="Metadata cache directory.")
    arxiv_api_url: str | None = Field(default=None, description="arXiv query endpoint.")
    s2_api_url: str | None = Field(default=None, description="Semantic Scholar API root.")
    github_raw_url: str | None = Field(default=None, description="Root of github: sources.")
    arxiv_pace_seconds: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    s2_pace_seconds: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    s2_api_key_block: str | None = Field(
        default=None,
        description="Name of a Prefect Secret block holding the S2 API key (never logged).",
    )
    lock_timeout_seconds: float = Field(
        default=0.0,
        ge=0,
        le=7 * 24 * 3600,
        allow_inf_nan=False,
        description="How long to wait for another run's output lock.",
    )
    list_read_retry_delay_seconds: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="Pause before the retry of a list read that may pass.",
    )
    global_rate_limits: bool = Field(
        default=False,
        description=(
            f"Take a slot of the global concurrency limits {ARXIV_RATE_LIMIT!r} and "
            f"{S2_RATE_LIMIT!r} before each request (runs in parallel share the pace)."
        ),
    )

    def settings(self, *, s2_api_key: str | None = None) -> Settings:
        """Settings from the environment, overridden by the parameters that are set.

        Raises :class:`InputError` naming the variable when an environment value is invalid.
        """
        overrides: dict[str, object] = {
            name: value
            for name, value in {
                "arxiv_cache_ttl_days": self.arxiv_cache_ttl_days,
                "cache_dir": self.cache_dir,
                "arxiv_api_url": self.arxiv_api_url,
                "s2_api_url": self.s2_api_url,
                "github_raw_url": self.github_raw_url,
                "arxiv_pace_seconds": self.arxiv_pace_seconds,
                "s2_pace_seconds": self.s2_pace_seconds,
                "list_read_retry_delay_seconds": self.list_read_retry_delay_seconds,
            }.items()
            if value is not None
        }
        if s2_api_key is not None:
            overrides["s2_api_key"] = SecretStr(s2_api_key)
        try:
            return Settings.from_env(None, **overrides)
        except ValidationError as error:
            # The message names the variable or parameter, never the value (it could be
            # S2_API_KEY's).
            where = "the environment" if not set(overrides) & _fields(error) else "the settings"
            problems = describe_invalid(error, overridden=overrides)
            raise InputError(f"invalid setting in {where}: {problems}") from None

    def list_specs(self) -> list[ListSpec]:
        """The lists to read. Raises :class:`InputError` for a bad lists file."""
        lists_file = None if self.lists_file is None else Path(self.lists_file)
        return resolve_list_specs(self.lists, lists_file)


def _fields(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in issue["loc"]) for issue in error.errors()}


# --------------------------------------------------------------------------- tasks


def _worth_retrying(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry a list read only for failures that may pass: a URL that gave no answer, 429, 5xx.

    A permanent error (e.g. a list over the size limit) is never retried.
    """
    try:
        state.result()
    except InputError as error:
        if error.permanent:
            return False
        if error.status is None:
            return error.url is not None  # unreachable or timed out; a file error stays
        return error.status == 429 or error.status >= 500
    except Exception:
        return False
    return False


@task(
    name="read-list",
    retries=LIST_READ_RETRIES,
    retry_condition_fn=_worth_retrying,
    cache_policy=NO_CACHE,
)
def read_upstream_task(spec: ListSpec, settings: Settings) -> ListText:
    text = pipeline.read_upstream(spec, settings)
    get_run_logger().info("Read %s (%d characters)", spec.source, len(text.text))
    return text


@task(name="read-bundled-copy", cache_policy=NO_CACHE)
def read_bundled_task(spec: ListSpec, settings: Settings, upstream_error: InputError) -> ListText:
    text = pipeline.read_bundled_copy(spec, settings, upstream_error)
    get_run_logger().warning(
        "Using the bundled copy of %s (upstream failed: %s)", spec.source, upstream_error
    )
    return text


@task(name="extract-entries", cache_policy=NO_CACHE)
def extract_task(
    texts: list[ListText], arxiv_keys: Handoff[str] | None = None
) -> list[ExtractedList]:
    lists = pipeline.extract_lists(texts, arxiv_keys)
    logger = get_run_logger()
    for extracted in lists:
        audit = extracted.audit
        logger.info(
            "%s: %d entries; audit: %d of %d paper ids held, %d places outside entries, "
            "%d titles not title-like, %d dropped elements",
            extracted.info.name,
            len(extracted.entries),
            audit.ids_in_entries,
            audit.ids_in_text,
            len(audit.ids_outside_entries),
            len(audit.titles_not_title_like),
            len(audit.dropped_elements),
        )
    return lists


@task(name="plan-lookups", cache_policy=NO_CACHE)
def plan_task(lists: list[ExtractedList]) -> LookupPlan:
    plan = plan_lookups(lists)
    get_run_logger().info(
        "To look up: %d arXiv ids, %d S2 ids, %d titles",
        len(plan.arxiv_ids),
        len(plan.s2_ids),
        len(plan.title_queries),
    )
    return plan


def _log_source(result: SourceResult[Any]) -> None:
    health = result.health
    get_run_logger().info(
        "%s: %s, %d requests (%d retries), %d from cache, %d ok, %d not found, %d failed%s",
        health.source,
        health.status,
        health.requests,
        health.retries,
        health.cache_hits,
        health.ok,
        health.not_found,
        health.failed,
        f", last error: {health.last_error}" if health.last_error else "",
    )


@task(name="fetch-arxiv", cache_policy=NO_CACHE)
def fetch_arxiv_task(
    arxiv_ids: Iterable[str],
    settings: Settings,
    enabled: bool,
    before_start: BeforeStart | None,
    stop: StopSignal | None = None,
    hook: progress.ProgressHook | None = None,
) -> SourceResult[ArxivRecord]:
    result = pipeline.fetch_arxiv(
        arxiv_ids,
        settings,
        enabled=enabled,
        before_start=before_start,
        stop=stop,
        progress=hook,
    )
    _log_source(result)
    return result


@task(name="fetch-s2", cache_policy=NO_CACHE)
def fetch_s2_task(paper_ids: list[str], s2: SemanticScholarSource | None) -> SourceResult[S2Record]:
    result = pipeline.fetch_s2(paper_ids, s2)
    _log_source(result)
    return result


@task(name="recall-titles", cache_policy=NO_CACHE)
def recall_titles_task(
    plan: LookupPlan, lists: list[ExtractedList], resolutions: ResolutionStore | None
) -> RecalledTitles:
    recalled = pipeline.recall_titles(plan, lists, resolutions)
    get_run_logger().info(
        "Remembered from earlier runs: %d title matches (their papers join the S2 batch), "
        "%d titles without a match; %d titles to match",
        len(recalled.via_batch),
        len(recalled.no_match),
        len(recalled.title_queries),
    )
    return recalled


@task(name="match-titles", cache_policy=NO_CACHE)
def match_titles_task(
    queries: list[TitleQuery],
    s2: SemanticScholarSource | None,
    resolutions: ResolutionStore | None,
) -> SourceResult[S2Record]:
    result = pipeline.match_titles(queries, s2, resolutions)
    _log_source(result)
    return result


@task(name="plan-suggestions", cache_policy=NO_CACHE)
def plan_suggestions_task(
    lists: list[ExtractedList],
    arxiv: SourceResult[ArxivRecord],
    s2: SourceResult[S2Record],
    titles: SourceResult[S2Record],
) -> list[TitleQuery]:
    queries = plan_suggestions(lists, arxiv, s2, titles)
    get_run_logger().info("%d title look-ups to check suspicious rows", len(queries))
    return queries


@task(name="write-snapshot", cache_policy=NO_CACHE)
def publish_task(run: RunInput, out_dir: Path, lock_timeout: float) -> RunReport:
    report = pipeline.publish_snapshot(run, out_dir, lock_timeout=lock_timeout)
    get_run_logger().info("Snapshot %s written to %s", run.run_id, report.path)
    return report


# --------------------------------------------------------------------------- flow


def load_s2_key(block_name: str | None) -> str | None:
    """The S2 key held by the Prefect Secret block ``block_name`` (None for no block).

    Raises :class:`InputError` when the block cannot be loaded or holds no key.
    """
    if block_name is None:
        return None
    from prefect.blocks.system import Secret

    try:
        secret = Secret.load(block_name)  # sync here: the flow is a sync function
    except ValueError as error:  # Prefect's "Unable to find block document named ..."
        raise InputError(f"Secret block {block_name!r} cannot be loaded: {error}") from None
    if not isinstance(secret, Secret):
        raise TypeError(f"Secret.load returned {type(secret).__name__}, expected a Secret")
    value = secret.get()
    if not isinstance(value, str) or not value:
        raise InputError(f"Secret block {block_name!r} does not hold a non-empty string")
    return value


def _shared_rate_limit(name: str) -> BeforeStart:
    """A hook that takes one slot of the global concurrency limit ``name`` (blocking until free).

    Checked here, once, so that a missing, inactive or decay-less limit fails the run at the start
    with a message saying what to create, instead of Prefect's default of silently not limiting
    (``rate_limit(strict=False)``, see
    https://docs.prefect.io/v3/how-to-guides/workflows/global-concurrency-limits). The hook passes
    ``strict=True`` as well, in case the limit is deleted during the run.
    """
    from prefect import get_client
    from prefect.concurrency.sync import rate_limit
    from prefect.exceptions import ObjectNotFound

    create = (
        f"create it with `prefect global-concurrency-limit create {name} --limit 1 "
        "--slot-decay-per-second RATE` (README, Scaling out)"
    )
    try:
        with get_client(sync_client=True) as client:
            limit = client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        raise InputError(
            f"global_rate_limits is on but the global concurrency limit {name!r} does not "
            f"exist: {create}"
        ) from None
    if not limit.active:
        raise InputError(
            f"global_rate_limits is on but the global concurrency limit {name!r} is inactive: "
            f"enable it with `prefect global-concurrency-limit enable {name}`"
        )
    if not limit.slot_decay_per_second or limit.slot_decay_per_second <= 0:
        raise InputError(
            f"global_rate_limits is on but the global concurrency limit {name!r} has no slot "
            f"decay, so it cannot pace requests: set one with `prefect global-concurrency-limit "
            f"update {name} --slot-decay-per-second RATE`"
        )

    def take_slot() -> None:
        rate_limit(name, strict=True)

    return take_slot


def _read_texts(
    specs: list[ListSpec], settings: Settings, hook: progress.ProgressHook
) -> pipeline.TextsRead:
    logger = get_run_logger()
    # The pause is a setting (tests and impatient users set 0), so it is applied per run.
    read_task = read_upstream_task.with_options(
        retry_delay_seconds=settings.list_read_retry_delay_seconds
    )
    futures = [read_task.submit(spec, settings) for spec in specs]
    texts: list[ListText] = []
    failures: list[ListFailure] = []
    lists_read = progress.StageCounter(hook, progress.LISTS)
    lists_read.plan(len(specs))
    for spec, future in zip(specs, futures, strict=True):
        try:
            texts.append(future.result())
        except InputError as upstream_error:
            try:
                texts.append(read_bundled_task(spec, settings, upstream_error))
            except InputError as final_error:
                logger.warning("List %s cannot be read: %s", spec.source, final_error)
                failures.append(ListFailure(source=spec.source, error=str(final_error)))
        lists_read.step()
    return pipeline.TextsRead(texts=texts, failures=failures)


def _extract_fetching_arxiv(
    texts: pipeline.TextsRead,
    settings: Settings,
    params: EnrichParameters,
    before_start: BeforeStart | None,
    stop: StopSignal,
    hook: progress.ProgressHook,
) -> tuple[pipeline.ListsRead, PrefectFuture[SourceResult[ArxivRecord]]]:
    """Extract the lists while the arXiv task fetches their ids as they are read (see
    :func:`enrich.pipeline.extract_fetching_arxiv`); returns the lists and the arXiv future."""
    arxiv_keys: Handoff[str] | None = Handoff() if params.use_arxiv and texts.texts else None
    arxiv_future = fetch_arxiv_task.submit(
        _unvisited(arxiv_keys if arxiv_keys is not None else []),
        settings,
        params.use_arxiv,
        before_start,
        _unvisited(stop),
        hook,
    )
    try:
        lists = extract_task(_unvisited(texts.texts), _unvisited(arxiv_keys)) if texts.texts else []
    finally:
        # extract_lists closes the handoff; should the task not even start, the fetch must not
        # wait for ids forever (a no-op once closed).
        if arxiv_keys is not None:
            arxiv_keys.abort()
    return texts.extracted(lists), arxiv_future


_T = TypeVar("_T")


def _unvisited(value: _T) -> _T:
    """``value`` wrapped in Prefect's ``quote``, for a task argument Prefect must not walk.

    Prefect walks every task argument to track dependencies: about 22 s for the inputs of a
    10,000-paper run (see benchmarks/README.md). A quoted argument reaches the task unchanged
    (docstring of ``quote`` in
    https://github.com/PrefectHQ/prefect/blob/main/src/prefect/utilities/annotations.py); the
    cast says so to the type checker.
    """
    return cast(_T, quote(value))


def _publish_artifacts(summary: RunSummary) -> None:
    create_markdown_artifact(
        key=SUMMARY_ARTIFACT_KEY,
        markdown=render_summary_markdown(summary),
        description=f"enrich-lists run {summary.run_id}: {summary.status}",
    )
    create_table_artifact(
        key=ATTENTION_ARTIFACT_KEY,
        table=attention_rows(summary),
        description="List rows that are flagged or could not be resolved",
    )


class _HandledFailures(logging.Filter):
    """Keeps each failure the flow handles to the one WARNING line the flow logs about it.

    A task that raises an :class:`EnrichError` (a list that cannot be read, a service that is
    down) is handled by the flow, which logs it once; Prefect's own records of that task's
    failure (an ERROR with a traceback, then "Finished in state Failed") are dropped, in every
    mode (``enrich run``, ``serve``, workers). A flow-level EnrichError keeps its ERROR line but
    loses the traceback: its message already says what is wrong. Tracebacks stay available at
    DEBUG on the ``flows`` logger.
    """

    def __init__(self) -> None:
        super().__init__()
        self._failed_task_runs: set[object] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        task_run = getattr(record, "task_run_id", None)
        if isinstance(error, EnrichError):
            _debug_log.debug("%s", record.getMessage(), exc_info=record.exc_info)
            record.exc_info = None
            record.exc_text = None
            if record.name == "prefect.task_runs":
                self._failed_task_runs.add(task_run)
                return False
            return True
        finished = record.getMessage().startswith("Finished in state")
        return not (finished and task_run in self._failed_task_runs)


_debug_log = logging.getLogger("flows.enrich_lists")
_RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs")


@contextmanager
def _one_line_per_handled_failure() -> Iterator[None]:
    handled = _HandledFailures()
    loggers = [logging.getLogger(name) for name in _RUN_LOGGERS]
    for each in loggers:
        each.addFilter(handled)
    try:
        yield
    finally:
        for each in loggers:
            each.removeFilter(handled)


#: The parameters of a run with everything left at its default.
DEFAULT_PARAMETERS = EnrichParameters()


@flow(name=FLOW_NAME, log_prints=False, validate_parameters=True)
def enrich_lists(params: EnrichParameters = DEFAULT_PARAMETERS) -> State[RunSummary]:
    """Read the lists, enrich them from arXiv and Semantic Scholar, and write a snapshot.

    Returns a Completed state (named Degraded for a degraded run) or a Failed one, whose data is
    the :class:`RunSummary`. Raises :class:`InputError`, before any request to a service, for a
    bad setting, lists file, list source that can never be read, unwritable output directory
    or Secret block. When the run is told to stop (SIGTERM, a cancelled flow run), every wait
    of the sources ends at once and nothing is published.
    """
    stop = StopSignal()
    with _one_line_per_handled_failure():
        try:
            return _enrich(params, stop)
        finally:
            stop.set()  # a run ended by an exception (SIGTERM included) leaves no wait behind


def _enrich(params: EnrichParameters, stop: StopSignal) -> State[RunSummary]:
    logger = get_run_logger()
    settings = params.settings(s2_api_key=load_s2_key(params.s2_api_key_block))
    specs = params.list_specs()
    out_dir = Path(params.out_dir)
    pipeline.preflight(specs, settings, out_dir)
    for line in recover_output(out_dir, lock_timeout=params.lock_timeout_seconds):
        logger.warning("Repaired %s: %s", out_dir, line)
    arxiv_before_start: BeforeStart | None = None
    s2_before_start: BeforeStart | None = None
    if params.global_rate_limits:
        if params.use_arxiv:
            arxiv_before_start = _shared_rate_limit(ARXIV_RATE_LIMIT)
        if params.use_s2:
            s2_before_start = _shared_rate_limit(S2_RATE_LIMIT)
    started_at = pipeline.utc_now()
    logger.info("Reading %d lists: %s", len(specs), ", ".join(spec.source for spec in specs))

    paces = {
        progress.ARXIV: settings.arxiv_pace_seconds,
        progress.S2: settings.s2_pace_seconds,
        progress.S2_TITLES: settings.s2_pace_seconds,
    }
    # On a terminal the caller (enrich run) shows the stages live; elsewhere (a worker, a nightly
    # run) a progress line per running stage is logged every progress_log_seconds (30), so a
    # stuck run shows as one.
    with (
        relaxed_gc(),
        progress.reporting(logger, paces, interval=settings.progress_log_seconds) as run_progress,
    ):
        hook = run_progress.update
        texts = _read_texts(specs, settings, hook)
        read, arxiv_future = _extract_fetching_arxiv(
            texts, settings, params, arxiv_before_start, stop, hook
        )
        plan = plan_task(_unvisited(read.lists))
        s2_source = (
            SemanticScholarSource(settings, before_start=s2_before_start, stop=stop, progress=hook)
            if params.use_s2
            else None
        )
        resolutions = pipeline.resolution_store(settings, enabled=params.use_s2)
        try:
            recalled = recall_titles_task(_unvisited(plan), _unvisited(read.lists), resolutions)
            # S2 calls stay sequential (one client, one pace, one breaker), in parallel with arXiv.
            s2 = fetch_s2_task(recalled.s2_ids, s2_source)
            remembered, vanished = pipeline.answer_recalled(recalled, s2)
            queries = [*recalled.title_queries, *vanished]
            titles = pipeline.merge_recalled(
                match_titles_task(queries, s2_source, resolutions), remembered
            )
            arxiv = arxiv_future.result()
            suggestions = plan_suggestions_task(
                _unvisited(read.lists), _unvisited(arxiv), _unvisited(s2), _unvisited(titles)
            )
            if suggestions:
                titles = pipeline.merge_results(
                    titles, match_titles_task(suggestions, s2_source, resolutions)
                )
        finally:
            if s2_source is not None:
                s2_source.close()

        run = RunInput(
            # Confirmed under the output lock when published (another run may take it meanwhile).
            run_id=pipeline.new_run_id(started_at, out_dir),
            started_at=started_at,
            finished_at=pipeline.utc_now(),
            lists=read.lists,
            list_failures=read.failures,
            arxiv=arxiv,
            s2=s2,
            titles=titles,
            list_texts=read.texts,
        )
        hook(progress.SNAPSHOT, 0, 1)
        report = publish_task(_unvisited(run), out_dir, params.lock_timeout_seconds)
        hook(progress.SNAPSHOT, 1, 1)
    summary = summarize(report)
    _publish_artifacts(summary)

    if not summary.is_latest:
        logger.warning(
            "Run %s read no list: its snapshot %s is kept, latest is unchanged",
            summary.run_id,
            summary.snapshot_path,
        )
    if summary.status == "ok":
        logger.info("Run %s", summary.headline)
        return Completed(message=summary.headline, data=summary)
    if summary.status == "degraded":
        logger.warning("Run %s", summary.headline)
        return Completed(name=DEGRADED_STATE_NAME, message=summary.headline, data=summary)
    logger.error("Run %s", summary.headline)
    return Failed(message=summary.headline, data=summary)
