"""The ``enrich`` command line. Commands are thin: they parse arguments, call the library, and
turn :class:`enrich.errors.EnrichError` into a one-line message with a documented exit status.

Exit statuses: 0 ok; 1 the run was degraded; 2 bad input or usage; 3 the run failed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from enrich.models import ExtractedList
    from enrich.pipeline import RunSummary
    from flows.enrich_lists import EnrichParameters

app = typer.Typer(
    name="enrich",
    help="Keep awesome lists of research papers honest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK = 0
EXIT_DEGRADED = 1
EXIT_BAD_INPUT = 2
EXIT_FAILED = 3


@app.callback()
def main() -> None:
    """awesome-enrich: extract, enrich and publish awesome lists of papers."""


# --------------------------------------------------------------------------- run, serve, demo
# These commands import Prefect (slow to import) only when they run.

#: Exit status per snapshot status.
_EXIT_BY_STATUS = {"ok": EXIT_OK, "degraded": EXIT_DEGRADED, "failed": EXIT_FAILED}
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
NoArxivOption = Annotated[bool, typer.Option("--no-arxiv", help="Do not ask arXiv.")]
NoS2Option = Annotated[bool, typer.Option("--no-s2", help="Do not ask Semantic Scholar.")]


def _error(message: str) -> None:
    """One message on stderr, never wrapped (it may be grepped or read in a log)."""
    typer.echo(message, err=True)


class _OneLineEnrichErrors(logging.Filter):
    """Drops the traceback from run-log records about an :class:`EnrichError`.

    Prefect logs a failed task with its traceback; an EnrichError (a list that cannot be read,
    a service that is down) is an expected failure whose message already says everything.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from enrich.errors import EnrichError

        if record.exc_info and isinstance(record.exc_info[1], EnrichError):
            record.exc_info = None
            record.exc_text = None
        return True


@contextlib.contextmanager
def _run_logging(console: Console) -> Iterator[None]:
    """While the flow runs: no tracebacks for expected errors; on a terminal, a live display of
    each stage's progress (elsewhere the flow logs its progress every 30 s)."""
    from enrich.progress import LiveProgress, shown_by_caller

    loggers = [logging.getLogger("prefect.flow_runs"), logging.getLogger("prefect.task_runs")]
    one_line = _OneLineEnrichErrors()
    with contextlib.ExitStack() as stack:
        for logger in loggers:
            logger.addFilter(one_line)
            stack.callback(logger.removeFilter, one_line)
        if console.is_terminal:
            live = stack.enter_context(LiveProgress(console))
            stack.enter_context(shown_by_caller(live.progress))
        yield


def _check_sources(params: EnrichParameters) -> None:
    """Fail fast, before Prefect starts, on list sources that can never be read and on invalid
    settings in the environment."""
    from enrich.errors import InputError
    from enrich.lists.read import parse_github_spec

    params.settings()
    for spec in params.list_specs():
        source = spec.source
        if source.startswith("github:"):
            parse_github_spec(source)
        elif "://" not in source and not Path(source).is_file():
            raise InputError(f"{source}: no such file")
    out = Path(params.out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: output path exists and is not a directory")


def _report(summary: RunSummary, *, full: bool = False) -> int:
    """Print the run summary (stdout; ``full``: the markdown one of the Prefect artifact first)
    and the verdict (stderr); return the exit status."""
    from enrich.pipeline import render_summary_markdown, render_summary_text

    if full:
        typer.echo(render_summary_markdown(summary))
    typer.echo(render_summary_text(summary))
    reasons = "; ".join(summary.status_reasons)
    code = _EXIT_BY_STATUS[summary.status]
    if summary.status == "failed":
        silent = [
            role
            for role, health in summary.sources.items()
            if health.failed and not (health.ok or health.not_found)
        ]
        unreachable = f" Unreachable (no answer at all): {', '.join(silent)}." if silent else ""
        _error(
            f"enrich: run failed: {reasons}.{unreachable} The snapshot records what could be "
            f"done: {summary.snapshot_path} (exit status {code})."
        )
    elif summary.status == "degraded":
        _error(f"enrich: run degraded: {reasons} (exit status {code}).")
    return code


def _run_flow(params: EnrichParameters, *, full_summary: bool = False) -> int:
    """Run the enrich-lists flow once, in this process, and report; returns the exit status.

    Prefect uses its ephemeral server unless PREFECT_API_URL is set; server analytics stay off.
    """
    from prefect.settings import PREFECT_SERVER_ANALYTICS_ENABLED, temporary_settings
    from rich.console import Console

    from enrich.errors import EnrichError, InputError
    from enrich.pipeline import RunSummary
    from flows.enrich_lists import enrich_lists

    try:
        _check_sources(params)
    except InputError as error:
        _error(f"enrich: {error}")
        return EXIT_BAD_INPUT
    with (
        temporary_settings(updates={PREFECT_SERVER_ANALYTICS_ENABLED: False}),
        _run_logging(Console(stderr=True)),
    ):
        state = enrich_lists(params=params, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, RunSummary):
        return _report(result, full=full_summary)
    if isinstance(result, InputError):
        _error(f"enrich: {result}")
        return EXIT_BAD_INPUT
    if isinstance(result, EnrichError):
        _error(f"enrich: run failed: {result}")
        return EXIT_FAILED
    _error(f"enrich: run ended {state.name}: {state.message or result}")
    return EXIT_FAILED


@app.command()
def run(
    sources: SourcesArgument = None,
    out: OutOption = Path("outputs"),
    lists_file: ListsFileOption = None,
    no_arxiv: NoArxivOption = False,
    no_s2: NoS2Option = False,
) -> None:
    """Run the enrich-lists flow once now and write a snapshot.

    Exit status: 0 ok, 1 degraded (written, but some lists or papers could not be checked),
    2 bad input, 3 failed (no source reached for any paper, or nothing could be written).
    """
    from flows.enrich_lists import EnrichParameters

    params = EnrichParameters(
        lists=sources or [],
        lists_file=None if lists_file is None else str(lists_file),
        out_dir=str(out),
        use_arxiv=not no_arxiv,
        use_s2=not no_s2,
    )
    raise typer.Exit(_run_flow(params))


@app.command()
def serve(
    out: OutOption = Path("outputs"),
    lists_file: ListsFileOption = None,
    cron: Annotated[
        str | None, typer.Option(help="Cron schedule (default: the nightly 0 3 * * *).")
    ] = None,
    timezone: Annotated[str | None, typer.Option(help="Time zone of the cron schedule.")] = None,
) -> None:
    """Serve the flow as deployment 'enrich-lists/nightly' from this process until stopped.

    Runs on the schedule and on manual triggers (prefect deployment run 'enrich-lists/nightly').
    Needs a Prefect server: PREFECT_API_URL must be set (e.g. after `prefect server start`).
    Exit status 2, before serving, for a missing server, a bad cron, lists or settings.
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
    )

    if not get_current_settings().api.url:
        _error(
            "enrich serve: PREFECT_API_URL is not set. Start a server (`prefect server start`) "
            "and set PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        schedule = CronSchedule(cron=cron or NIGHTLY_CRON, timezone=timezone or NIGHTLY_TIMEZONE)
    except ValidationError as error:
        problem = error.errors()[0]["msg"]
        _error(f"enrich serve: bad schedule: {problem}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    params = EnrichParameters(
        out_dir=str(out), lists_file=None if lists_file is None else str(lists_file)
    )
    try:
        _check_sources(params)  # else every scheduled run would fail the same way
    except InputError as error:
        _error(f"enrich serve: {error}")
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
    raise typer.Exit(code)


# --------------------------------------------------------------------------- extract


class ExtractFormat(StrEnum):
    JSON = "json"
    TABLE = "table"


@app.command()
def extract(
    source: Annotated[
        str,
        typer.Argument(
            help="The list: a file path, an http(s) URL, or github:OWNER/REPO[@REF][:PATH].",
            show_default=False,
        ),
    ],
    output_format: Annotated[
        ExtractFormat, typer.Option("--format", help="json (see docs/extract.md) or table.")
    ] = ExtractFormat.JSON,
) -> None:
    """Print the entries of one awesome list, with their normalized ids.

    Exit status: 0 ok, 2 the source cannot be read (one-line message on stderr).
    """
    import json

    from pydantic import ValidationError

    from enrich.errors import InputError
    from enrich.lists.extract import extract_list
    from enrich.lists.read import read_list
    from enrich.settings import Settings

    try:
        settings = Settings.from_env()
    except ValidationError as error:
        # As EnrichParameters.settings says it for a run: the variable, never the value.
        problems = "; ".join(
            f"ENRICH_{'.'.join(str(part) for part in issue['loc']).upper()}: {issue['msg']}"
            for issue in error.errors(include_input=False)
        )
        _error(f"enrich: invalid setting in the environment: {problems}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        extracted = extract_list(read_list(source, settings))
    except InputError as error:
        # typer.echo, not rich: the message stays on one line whatever the terminal width
        typer.echo(f"enrich: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if output_format is ExtractFormat.JSON:
        document = extracted.model_dump(mode="json", by_alias=True)
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        _print_entries_table(extracted)


def _print_entries_table(extracted: ExtractedList) -> None:
    """One row per entry, grouped under a row naming each new section."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if not console.is_terminal:  # piped: do not squeeze into 80 columns
        console = Console(width=160)
    info = extracted.info
    table = Table(title=f"{info.title or info.name}: {len(extracted.entries)} entries")
    table.add_column("#", justify="right")
    table.add_column("line", justify="right")
    table.add_column("kind")
    table.add_column("title", ratio=3, overflow="fold")
    table.add_column("ids / flags", ratio=2, overflow="fold")
    section: list[str] | None = None
    for entry in extracted.entries:
        if entry.section != section:
            section = entry.section
            heading = Text(" / ".join(section) or "(no section)", style="bold")
            table.add_row("", "", "", heading, "")
        details = " ".join(entry.ids.paper_ids() + entry.flags) or "-"
        table.add_row(
            str(entry.position), str(entry.line), entry.kind.value, Text(entry.title), Text(details)
        )
    console.print(table, highlight=False)


# --------------------------------------------------------------------------- diff, schema


def _resolve_snapshot(reference: str, out: Path) -> Path:
    """A snapshot directory from a path, a run id under ``<out>/snapshots/``, or ``latest``."""
    as_path = Path(reference)
    if as_path.is_dir():
        return as_path
    if reference == "latest":
        return out / "latest"
    return out / "snapshots" / reference


@app.command()
def diff(
    old: Annotated[
        str, typer.Argument(help="A snapshot: directory, run id, or 'latest'.", show_default=False)
    ],
    new: Annotated[
        str, typer.Argument(help="The snapshot to compare it with.", show_default=False)
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Output directory that run ids are looked up in.")
    ] = Path("outputs"),
) -> None:
    """Print what changed from snapshot OLD to snapshot NEW: papers, fields, entries, flags.

    Exit status: 0 (with or without changes), 2 a snapshot cannot be read.
    """
    from enrich.errors import InputError
    from enrich.publish.history import diff_snapshots, format_diff
    from enrich.publish.snapshot import load_snapshot

    try:
        before = load_snapshot(_resolve_snapshot(old, out))
        after = load_snapshot(_resolve_snapshot(new, out))
    except InputError as error:
        # typer.echo, not rich: the message stays on one line whatever the terminal width
        typer.echo(f"enrich: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    typer.echo(format_diff(diff_snapshots(before, after)), nl=False)


@app.command()
def schema(
    out: Annotated[
        Path, typer.Option("--out", help="Directory the JSON Schema files are written to.")
    ] = Path("outputs/schema"),
) -> None:
    """Write the JSON Schema of every snapshot file (generated from the pydantic models).

    Exit status: 0 written, 2 the directory cannot be written.
    """
    from enrich.contract import dump_json, json_schemas

    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, document in json_schemas().items():
            (out / name).write_text(dump_json(document), encoding="utf-8")
            typer.echo(str(out / name))
    except OSError as error:
        typer.echo(f"enrich: cannot write schemas to {out}: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
