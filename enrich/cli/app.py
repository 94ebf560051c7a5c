"""The ``enrich`` application: its exit statuses, global options and one-line messages."""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer

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
EXIT_API_LOST = 4

#: The command line's debug log (``--debug``): tracebacks of what is reported in one line.
debug_log = logging.getLogger("enrich.cli")


@app.callback()
def main(
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Log debug lines (tracebacks included) of enrich on stderr."),
    ] = False,
) -> None:
    """awesome-enrich: extract, enrich and publish awesome lists of papers."""
    if debug:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for name in ("enrich", "flows"):
            logger = logging.getLogger(name)
            logger.setLevel(logging.DEBUG)
            logger.addHandler(handler)


#: Exit status per snapshot status.
EXIT_BY_STATUS = {"ok": EXIT_OK, "degraded": EXIT_DEGRADED, "failed": EXIT_FAILED}


def print_error(message: str) -> None:
    """One message on stderr, never wrapped (it may be grepped or read in a log)."""
    typer.echo(message, err=True)


def exit_with(code: int) -> None:
    """End the command with ``code``. After a lost Prefect API, end the process at once:
    Prefect would otherwise spend minutes at exit trying to send its queued logs and events
    to a server that is gone (the outcome is already reported)."""
    if code == EXIT_API_LOST:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise typer.Exit(code)


NoArxivOption = Annotated[bool, typer.Option("--no-arxiv", help="Do not ask arXiv.")]
NoS2Option = Annotated[bool, typer.Option("--no-s2", help="Do not ask Semantic Scholar.")]
