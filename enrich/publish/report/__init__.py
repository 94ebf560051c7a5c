"""The report of a snapshot: static HTML pages for people (``report/`` in a snapshot directory).

``report/index.html`` shows the run (status and why, lists, calls per source, flags, citation
movers); ``report/lists/<slug>.html`` shows one list: its papers in a sortable, filterable table
with a sparkline of each paper's citations, a chart of its most cited papers over the runs, the
rows that need attention with the fixes their evidence supports, and the list's audit and
suggested patch when the snapshot has them.

:mod:`.view` reads the snapshot into the plain objects of :mod:`.pages` (it is the only module
that knows the output contract), :mod:`.charts` computes the SVG geometry at build time, and
:mod:`.render` fills the templates (``templates/``, with ``static/`` inlined).
"""

from __future__ import annotations

import logging
from pathlib import Path

from enrich.contract import Snapshot
from enrich.publish.report.render import INDEX, REPORT_DIR, write_report
from enrich.publish.report.view import build_view, history_path, load_view

__all__ = [
    "INDEX",
    "REPORT_DIR",
    "build_view",
    "history_path",
    "load_view",
    "rebuild_report",
    "write_report",
    "write_snapshot_report",
]

logger = logging.getLogger(__name__)


def write_snapshot_report(snapshot: Snapshot, history_csv: str, snapshot_dir: Path) -> Path | None:
    """Write ``<snapshot_dir>/report/`` for a snapshot being written; the path of its run page.

    A report that cannot be built is logged as an error and None is returned: the report is a
    view of the data, and a fault in it must not cost the run its snapshot (``enrich report``
    rebuilds it). A file system error is raised as :class:`OSError`, like the snapshot's own.
    """
    try:
        view = build_view(snapshot, history_csv, snapshot_dir)
    except Exception:  # any fault of the view must not lose the snapshot; it is logged loudly
        logger.exception("the report of run %s could not be built", snapshot.manifest.run_id)
        return None
    try:
        return write_report(view, snapshot_dir / REPORT_DIR)
    except OSError:
        raise
    except Exception:
        logger.exception("the report of run %s could not be written", snapshot.manifest.run_id)
        return None


def rebuild_report(
    snapshot_dir: Path, *, history: Path | None = None, dest: Path | None = None
) -> Path:
    """Build the report of the snapshot in ``snapshot_dir`` again; the path of its run page.

    ``history`` defaults to the history.csv of the snapshot's output directory, ``dest`` to
    ``<snapshot_dir>/report``. Raises :class:`enrich.errors.InputError` when the snapshot cannot
    be read, :class:`OSError` when the report cannot be written.
    """
    view = load_view(snapshot_dir, history)
    return write_report(view, dest if dest is not None else snapshot_dir / REPORT_DIR)
