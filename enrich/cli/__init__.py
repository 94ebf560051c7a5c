"""The ``enrich`` command line. Commands are thin: they parse arguments, call the library, and
turn :class:`enrich.errors.EnrichError` into a one-line message with a documented exit status.

Exit statuses: 0 ok; 1 the run was degraded; 2 bad input or usage (nothing was run); 3 the run
failed; 4 the Prefect API went away during the run. No traceback reaches the user: an
unexpected error is one line too, and ``enrich --debug ...`` logs tracebacks on stderr.
"""

# Each command module registers its commands on ``app`` when imported, in the order that
# ``enrich --help`` lists them.
# isort: off
from enrich.cli import runs
from enrich.cli import lists
from enrich.cli import snapshots

# isort: on
from enrich.cli.app import (
    EXIT_API_LOST,
    EXIT_BAD_INPUT,
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    app,
)
from enrich.cli.lists import notes_path

__all__ = [
    "EXIT_API_LOST",
    "EXIT_BAD_INPUT",
    "EXIT_DEGRADED",
    "EXIT_FAILED",
    "EXIT_OK",
    "app",
    "lists",
    "notes_path",
    "runs",
    "snapshots",
]
