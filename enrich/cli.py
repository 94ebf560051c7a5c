"""The ``enrich`` command line. Commands are thin: they parse arguments, call the library, and
turn :class:`enrich.errors.EnrichError` into a one-line message with a documented exit status.

Exit statuses: 0 ok; 1 the run was degraded; 2 bad input or usage; 3 the run failed.
"""

from __future__ import annotations

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


@app.callback()
def main() -> None:
    """awesome-enrich: extract, enrich and publish awesome lists of papers."""
