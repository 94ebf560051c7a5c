"""``enrich run``, ``serve`` and ``demo``: the Prefect flow from the command line."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from enrich.summary import RunSummary
    from flows.enrich_lists import EnrichParameters

from enrich.cli.app import (
    EXIT_API_LOST,
    EXIT_BAD_INPUT,
    EXIT_BY_STATUS,
    EXIT_FAILED,
    NoArxivOption,
    NoS2Option,
    app,
    debug_log,
    exit_with,
    print_error,
)

#: How long the Prefect API may take to answer the check before a run.
PREFECT_API_CHECK_SECONDS = 5.0

# These commands import Prefect (slow to import) only when they run.

#: Pace of the demo stand-in and of the demo's requests to it: realistic, yet a short demo.
DEMO_ARXIV_PACE_SECONDS = 0.2
DEMO_S2_PACE_SECONDS = 0.1

SourcesArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="Lists to read: github:OWNER/REPO, an http(s) URL or a file. "
        "Default: the lists of lists.toml.",
        show_default=False,
    ),
]
OutOption = Annotated[Path, typer.Option("--out", help="Directory the snapshots are written to.")]
ListsFileOption = Annotated[
    Path | None,
    typer.Option("--lists", help="A lists.toml to read (default: ./lists.toml if present)."),
]
LockTimeoutOption = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        min=0,
        max=7 * 24 * 3600,
        help="Seconds to wait for another run's lock on the output directory (0: fail at once).",
    ),
]
S2KeyBlockOption = Annotated[
    str | None,
    typer.Option(
        "--s2-key-block",
        help="Name of a Prefect Secret block holding the Semantic Scholar API key.",
        show_default=False,
    ),
]


class _OneLinePerRecord(logging.Filter):
    """On the console of ``enrich run``: every log record in one line, without its traceback
    (which goes to the debug log, ``enrich --debug``). Prefect logs some failures (a lost API,
    an event it could not send) with a traceback or a whole object dump."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            debug_log.debug("traceback of: %s", record.getMessage(), exc_info=record.exc_info)
            record.exc_info = None
            record.exc_text = None
        message = record.getMessage()
        line = message.split("\n", 1)[0]
        if len(line) > MAX_LOG_LINE:
            line = line[: MAX_LOG_LINE - 3] + "..."
        if line != message:
            record.msg, record.args = line, None
        return True


#: Longest console log line of ``enrich run`` (longer ones are cut, with "...").
MAX_LOG_LINE = 400


@contextlib.contextmanager
def _run_logging(console: Console, *, debug: bool) -> Iterator[None]:
    """While the flow runs: one line per log record on the console (unless ``debug``), and on a
    terminal a live display of each stage's progress, with log lines printed above it
    (elsewhere the flow logs its progress every 30 s). (That a handled failure is one WARNING
    line in every mode is the flow's own doing.)"""
    from enrich.progress import LiveProgress, shown_by_caller

    with contextlib.ExitStack() as stack:
        if not debug:
            one_line = _OneLinePerRecord()
            consoles = (
                logging.getLogger().handlers + logging.getLogger("prefect._internal").handlers
            )
            for handler in consoles:
                handler.addFilter(one_line)
                stack.callback(handler.removeFilter, one_line)
        if console.is_terminal:
            live = stack.enter_context(LiveProgress(console))
            stack.enter_context(shown_by_caller(live.progress))
        yield


def _check_sources(params: EnrichParameters) -> None:
    """Fail fast, before Prefect starts, on anything that cannot work: invalid settings, a bad
    lists file, a list source that can never be read, an output directory that cannot be
    written (:func:`enrich.pipeline.preflight`)."""
    from enrich.pipeline import preflight

    settings = params.settings()
    preflight(params.list_specs(), settings, Path(params.out_dir))


def _configured_api_url() -> str | None:
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def _api_answers(api_url: str) -> str | None:
    """None when the Prefect API at ``api_url`` answers its health check, else why not."""
    import httpx

    try:
        response = httpx.get(f"{api_url.rstrip('/')}/health", timeout=PREFECT_API_CHECK_SECONDS)
    except httpx.HTTPError as error:
        return type(error).__name__
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    return None


def _require_api(api_url: str) -> None:
    """Raise :class:`InputError` when ``PREFECT_API_URL`` points at nothing that answers."""
    from enrich.errors import InputError

    problem = _api_answers(api_url)
    if problem is not None:
        raise InputError(
            f"the Prefect API at {api_url} (PREFECT_API_URL) does not answer ({problem}): "
            "start it (`prefect server start`) or unset PREFECT_API_URL"
        )


def _report(summary: RunSummary, *, full: bool = False) -> int:
    """Print the run summary (stdout; ``full``: the markdown one of the Prefect artifact first)
    and the verdict (stderr); return the exit status."""
    from enrich.summary import render_summary_markdown, render_summary_text

    if full:
        typer.echo(render_summary_markdown(summary))
    typer.echo(render_summary_text(summary))
    from enrich.models import SourceStatus

    reasons = "; ".join(summary.status_reasons)
    code = EXIT_BY_STATUS[summary.status]
    if summary.status == "failed":
        down = [
            role for role, health in summary.sources.items() if health.status is SourceStatus.DOWN
        ]
        unreachable = f" Down (no answer at all): {', '.join(down)}." if down else ""
        if summary.is_latest:
            kept = f"The snapshot records what could be done: {summary.snapshot_path}"
        else:
            kept = (
                f"Its record is kept at {summary.snapshot_path}; latest is unchanged "
                f"({summary.previous_run_id or 'none yet'})"
            )
        print_error(f"enrich: run failed: {reasons}.{unreachable} {kept} (exit status {code}).")
    elif summary.status == "degraded":
        print_error(f"enrich: run degraded: {reasons} (exit status {code}).")
    return code


def _run_flow(params: EnrichParameters, *, full_summary: bool = False) -> int:
    """Run the enrich-lists flow once, in this process, and report; returns the exit status.

    Everything that cannot work is refused first, with exit status 2 and nothing run. Prefect
    runs on ``PREFECT_API_URL`` when set (it must answer), else on a temporary local server
    that dies with this process; server analytics stay off.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        temporary_settings,
    )
    from rich.console import Console

    from enrich.errors import EnrichError, InputError
    from enrich.summary import RunSummary
    from flows.enrich_lists import enrich_lists
    from flows.temporary_server import TemporaryServer, TemporaryServerError

    api_url = _configured_api_url()
    try:
        _check_sources(params)
        if api_url is not None:
            _require_api(api_url)
    except InputError as error:
        print_error(f"enrich: {error}")
        return EXIT_BAD_INPUT
    with contextlib.ExitStack() as stack:
        if api_url is None:
            try:
                server = stack.enter_context(TemporaryServer())
            except TemporaryServerError as error:
                print_error(f"enrich: {error} (exit status {EXIT_FAILED}).")
                return EXIT_FAILED
            api_url = server.api_url
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: api_url}))
            # Before the server stops: send the logs and events still queued for it.
            stack.callback(_drain_prefect_queues)
        stack.enter_context(temporary_settings(updates={PREFECT_SERVER_ANALYTICS_ENABLED: False}))
        debug = debug_log.isEnabledFor(logging.DEBUG)
        stack.enter_context(_run_logging(Console(stderr=True), debug=debug))
        try:
            state = enrich_lists(params=params, return_state=True)
            result = state.result(raise_on_failure=False)
        except Exception as error:  # the engine itself failed, e.g. its API went away
            return _engine_failed(error, api_url)
    if isinstance(result, RunSummary):
        return _report(result, full=full_summary)
    if isinstance(result, InputError):
        print_error(f"enrich: {result}")
        return EXIT_BAD_INPUT
    if isinstance(result, EnrichError):
        print_error(f"enrich: run failed: {result} (exit status {EXIT_FAILED}).")
        return EXIT_FAILED
    if isinstance(result, BaseException):
        return _engine_failed(result, api_url)
    print_error(f"enrich: run ended {state.name}: {state.message or result} (exit status 3).")
    return EXIT_FAILED


def _drain_prefect_queues() -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogHandler

    try:
        APILogHandler().flush()
        EventsWorker.drain_all()
    except Exception:  # best effort: the run is over, its outcome already known
        debug_log.debug("could not send the queued Prefect logs and events", exc_info=True)


def _engine_failed(error: BaseException, api_url: str) -> int:
    """One line for a run that ended in an unexpected error; exit status 4 when the Prefect
    API no longer answers (the likely cause), else 3. The traceback goes to the debug log."""
    debug_log.debug("the run ended in an unexpected error", exc_info=error)
    detail = f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"
    problem = _api_answers(api_url)
    if problem is not None:
        print_error(
            f"enrich: the Prefect API at {api_url} went away during the run ({problem}; "
            f"{detail}); check latest before trusting it (exit status {EXIT_API_LOST})."
        )
        return EXIT_API_LOST
    print_error(
        f"enrich: run failed: unexpected error ({detail}); run with --debug for the "
        f"traceback (exit status {EXIT_FAILED})."
    )
    return EXIT_FAILED


@app.command()
def run(
    sources: SourcesArgument = None,
    out: OutOption = Path("outputs"),
    lists_file: ListsFileOption = None,
    no_arxiv: NoArxivOption = False,
    no_s2: NoS2Option = False,
    lock_timeout: LockTimeoutOption = 0.0,
    s2_key_block: S2KeyBlockOption = None,
) -> None:
    """Run the enrich-lists flow once now and write a snapshot.

    Exit status: 0 ok, 1 degraded (written, but some lists or papers could not be checked),
    2 bad input (nothing run), 3 failed (no source reached for any paper, no list read, or
    nothing could be written), 4 the Prefect API went away during the run.
    """
    from flows.enrich_lists import EnrichParameters

    params = EnrichParameters(
        lists=sources or [],
        lists_file=None if lists_file is None else str(lists_file),
        out_dir=str(out),
        use_arxiv=not no_arxiv,
        use_s2=not no_s2,
        lock_timeout_seconds=lock_timeout,
        s2_api_key_block=s2_key_block,
    )
    exit_with(_run_flow(params))


@app.command()
def serve(
    out: OutOption = Path("outputs"),
    lists_file: ListsFileOption = None,
    cron: Annotated[
        str | None, typer.Option(help="Cron schedule (default: the nightly 0 3 * * *).")
    ] = None,
    timezone: Annotated[str | None, typer.Option(help="Time zone of the cron schedule.")] = None,
    lock_timeout: LockTimeoutOption = 0.0,
    s2_key_block: S2KeyBlockOption = None,
) -> None:
    """Serve the flow as deployment 'enrich-lists/nightly' from this process until stopped.

    Runs on the schedule and on manual triggers (prefect deployment run 'enrich-lists/nightly').
    Needs a Prefect server: PREFECT_API_URL must be set (e.g. after `prefect server start`).
    Exit status 2, before serving, for a missing or unreachable server, a bad cron, lists,
    settings or Secret block.
    """
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schedules import Cron
    from prefect.settings import get_current_settings
    from pydantic import ValidationError

    from enrich.errors import InputError
    from flows.enrich_lists import (
        DEPLOYMENT_NAME,
        NIGHTLY_CRON,
        NIGHTLY_TIMEZONE,
        EnrichParameters,
        enrich_lists,
        load_s2_key,
    )

    api_url = get_current_settings().api.url
    if not api_url:
        print_error(
            "enrich serve: PREFECT_API_URL is not set. Start a server (`prefect server start`) "
            "and set PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        schedule = CronSchedule(cron=cron or NIGHTLY_CRON, timezone=timezone or NIGHTLY_TIMEZONE)
    except ValidationError as error:
        problem = error.errors()[0]["msg"]
        print_error(f"enrich serve: bad schedule: {problem}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    params = EnrichParameters(
        out_dir=str(out),
        lists_file=None if lists_file is None else str(lists_file),
        lock_timeout_seconds=lock_timeout,
        s2_api_key_block=s2_key_block,
    )
    try:
        _check_sources(params)  # else every scheduled run would fail the same way
        _require_api(api_url)
        if s2_key_block is not None:
            load_s2_key(s2_key_block)
    except InputError as error:
        print_error(f"enrich serve: {error}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    enrich_lists.serve(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(schedule.cron, timezone=schedule.timezone)],
        # Only non-default values: a manual --param params=... then replaces nothing surprising.
        parameters={"params": params.model_dump(mode="json", exclude_defaults=True)},
        description="Nightly enrichment of the configured awesome lists.",
        tags=["awesome-enrich"],
        limit=1,  # one run at a time: two runs into one output directory contend for its lock
    )


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Directory the demo snapshots are written to.")
    ] = Path("outputs/demo"),
) -> None:
    """Run the flow on the bundled seed lists against a local stand-in of arXiv and S2 (offline).

    Prints where the snapshot is and the run summary. Exit statuses as for `enrich run`.
    """
    from enrich.lists.config import DEFAULT_LISTS
    from enrich.standin import StandIn
    from flows.enrich_lists import EnrichParameters

    with StandIn(arxiv_pace=DEMO_ARXIV_PACE_SECONDS, s2_pace=DEMO_S2_PACE_SECONDS) as standin:
        typer.echo(f"Local stand-in: arXiv {standin.arxiv_url}, Semantic Scholar {standin.s2_url}")
        params = EnrichParameters(
            lists=[str(spec.bundled_path()) for spec in DEFAULT_LISTS],
            out_dir=str(out),
            arxiv_api_url=standin.arxiv_url,
            s2_api_url=standin.s2_url,
            arxiv_pace_seconds=DEMO_ARXIV_PACE_SECONDS,
            s2_pace_seconds=DEMO_S2_PACE_SECONDS,
            # A separate cache: stand-in records must never be reused by a real run.
            cache_dir=str(out / "cache"),
        )
        code = _run_flow(params, full_summary=True)
    exit_with(code)
