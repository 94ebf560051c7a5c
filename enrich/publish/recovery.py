"""Before a run writes: repair what an interrupted run left, and check the output can be written.

A run killed while publishing (SIGKILL, a cron timeout, a full disk) leaves ``latest`` on a
complete snapshot (see :mod:`enrich.publish.snapshot`), but possibly a partial snapshot
directory, temporary files, a committed snapshot that ``latest`` was not yet switched to, or a
``latest`` without its ``history.csv`` rows. :func:`recover_output` finishes that work at the
start of the next run, under the output lock.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from enrich.contract import Manifest
from enrich.errors import InputError, OutputError
from enrich.publish.history import read_history, updated_history
from enrich.publish.snapshot import load_snapshot
from enrich.publish.write import (
    _latest_run_id,
    _point_latest,
    _remove_leftovers,
    _write_atomic,
    output_lock,
    replaces_latest,
)

__all__ = ["recover_output", "require_writable_output"]

logger = logging.getLogger(__name__)


def require_writable_output(out_dir: Path) -> None:
    """Raise :class:`InputError` unless snapshots can be written to ``out_dir``.

    An existing directory must take a new file; a missing one must be creatable under its
    nearest existing parent (checked by creating and removing a directory there). Nothing is
    left behind.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: output path exists and is not a directory")
    probe_in = out_dir
    while not probe_in.exists():
        if probe_in.parent == probe_in:
            break
        probe_in = probe_in.parent
    if not probe_in.is_dir():
        raise InputError(f"{out_dir}: cannot be created ({probe_in} is not a directory)")
    try:
        probe = tempfile.mkdtemp(prefix=".enrich-write-check-", dir=probe_in)
        os.rmdir(probe)
    except OSError as exc:
        where = "output directory" if probe_in == out_dir else "parent directory"
        raise InputError(
            f"{out_dir}: cannot write to the {where} {probe_in} ({exc.strerror or exc})"
        ) from None


def recover_output(out_dir: Path, *, lock_timeout: float = 0.0) -> list[str]:
    """Finish what an interrupted run left in ``out_dir``; returns what was done, one line each.

    Under the output lock (another run holding it past ``lock_timeout`` means it is still
    running: nothing is touched and nothing returned): removes partial snapshots and temporary
    files, points ``latest`` at the snapshot committed after it whose run was killed before
    ``latest`` was switched, and rebuilds the ``history.csv`` rows of ``latest`` from its
    snapshot when they are missing. Raises :class:`OutputError` on a file system error.
    """
    if not (out_dir / "snapshots").is_dir():
        return []
    try:
        with output_lock(out_dir, lock_timeout):
            return _recover(out_dir)
    except OutputError as error:
        if "locked by another run" in error.message:
            return []
        raise


def _recover(out_dir: Path) -> list[str]:
    done: list[str] = []
    try:
        removed = _remove_leftovers(out_dir)
        if removed:
            done.append(f"removed {removed} leftover(s) of an interrupted write")
        latest = out_dir / "latest"
        if latest.exists() and not latest.is_symlink():
            return done  # a directory where the link belongs: write_snapshot says so
        while (successor := _committed_successor(out_dir, _latest_run_id(out_dir))) is not None:
            _point_latest(out_dir, out_dir / "snapshots" / successor)
            done.append(f"pointed latest at {successor} (its run ended before linking it)")
        current = _latest_run_id(out_dir)
        if current is None or not latest.exists():
            return done
        history = out_dir / "history.csv"
        if any(row.get("run_id") == current for row in read_history(history)):
            return done
        snapshot = load_snapshot(latest.resolve())
        if not snapshot.papers:
            return done
        existing = history.read_text(encoding="utf-8") if history.exists() else ""
        _write_atomic(history, updated_history(existing, snapshot))
        done.append(f"rebuilt the {len(snapshot.papers)} history rows of {current}")
    except OSError as exc:
        raise OutputError(f"cannot repair the output directory {out_dir}: {exc}") from exc
    except InputError as error:
        logger.warning("not repairing %s: %s", out_dir, error)
    for line in done:
        logger.info("Repaired %s: %s", out_dir, line)
    return done


def _committed_successor(out_dir: Path, latest_id: str | None) -> str | None:
    """The newest complete snapshot that was built on ``latest_id`` and may replace it."""
    found: list[str] = []
    for directory in (out_dir / "snapshots").iterdir():
        if directory.name.startswith(".") or directory.name == latest_id:
            continue
        try:
            manifest = Manifest.model_validate_json((directory / "manifest.json").read_bytes())
        except (OSError, ValidationError):
            continue
        if (
            manifest.run_id == directory.name
            and manifest.previous_run_id == latest_id
            and replaces_latest(manifest)
        ):
            found.append(directory.name)
    return max(found) if found else None
