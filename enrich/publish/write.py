"""Writing a snapshot built by :mod:`enrich.publish.snapshot` to an output directory.

Layout of an output directory::

    <out>/snapshots/<run-id>/   manifest.json, papers.json, papers.csv, papers.parquet,
                                lists/<slug>.json, report/ (HTML, see enrich.publish.report)
    <out>/latest                symlink to snapshots/<run-id> of the newest complete snapshot
    <out>/history.csv           one row per run and paper
    <out>/.lock                 held while a run writes (see :func:`output_lock`)

Crash safety: a snapshot is written under ``snapshots/.<run-id>.partial/`` and renamed into place
only when complete (the commit point); then ``latest`` is switched by renaming a new symlink over
the old one, which POSIX ``rename(2)`` makes atomic; then ``history.csv`` is rewritten to a
temporary file and renamed. A process killed at any moment therefore leaves ``latest`` pointing
at a complete snapshot (the previous one, or the new one), and
:func:`enrich.publish.recovery.recover_output`, run under the lock at the start of the next run,
finishes what was interrupted: it removes leftovers
(partial snapshots, temporary files), points ``latest`` at a snapshot that was committed but
not yet linked, and rebuilds the history rows of ``latest`` when they are missing. A failed
write removes what it wrote, so the disk space is given back at once.

A snapshot of a run that read no list (:func:`replaces_latest` is false) is written beside the
others, marked failed, but never becomes ``latest`` and adds no history: the next good run
compares with the last good snapshot.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock
import pandas as pd
import pyarrow
import pyarrow.parquet

from enrich.contract import (
    PAPER_TABLE_COLUMNS,
    PAPER_TABLE_DATE_COLUMNS,
    PAPER_TABLE_INT_COLUMNS,
    Manifest,
    Snapshot,
    dump_json,
    paper_table_row,
    papers_json_bytes,
    to_jsonable,
)
from enrich.errors import OutputError
from enrich.publish.history import updated_history
from enrich.publish.report import write_snapshot_report

__all__ = [
    "LOCK_TIMEOUT_HINT",
    "PAPER_TABLE_SCHEMA",
    "WriteHook",
    "output_lock",
    "papers_table",
    "replaces_latest",
    "write_snapshot",
]

#: Run ids and list slugs become file names: keep them to a safe alphabet.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PARTIAL_SUFFIX = ".partial"
_LATEST_LINK_TMP = "latest.tmp"
_HISTORY_TMP = "history.csv.tmp"

#: Called after each step of :func:`write_snapshot` with the step's name (a file's path relative
#: to the snapshot directory, then "snapshot", "latest", "history.csv"). Tests use it to observe
#: or interrupt a write; it must not modify the output directory.
WriteHook = Callable[[str], None]
#: How the lock message tells a user to wait for another run instead of failing.
LOCK_TIMEOUT_HINT = "--lock-timeout SECONDS (flow parameter lock_timeout_seconds)"


@contextmanager
def output_lock(out_dir: Path, timeout: float = 0.0) -> Iterator[None]:
    """Hold ``<out_dir>/.lock`` so that no other run writes to ``out_dir`` meanwhile.

    ``timeout`` seconds to wait (0: fail at once, negative: wait forever). Reentrant within a
    thread, so a pipeline may hold it for a whole run (load the latest snapshot, build, write)
    while :func:`write_snapshot` takes it again in the same thread; other threads and
    processes are kept out. The OS releases it when the holder dies, even by SIGKILL.
    Raises :class:`OutputError` when another run holds it past ``timeout``, or when
    ``out_dir`` or its lock file cannot be created.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output directory {out_dir}: {exc}") from exc
    lock_path = out_dir / ".lock"
    try:
        # filelock would retry an unwritable lock file until its timeout and then report the
        # directory as locked by another run: check that the file can be opened at all.
        os.close(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644))
    except OSError as exc:
        raise OutputError(
            f"cannot lock the output directory {out_dir}: {exc.strerror or exc}"
        ) from None
    # One lock object per path in the process (is_singleton), reentrant per thread: another
    # thread is another run and is kept out like another process. The timeout goes to
    # acquire(), since a singleton must always be constructed with the same arguments.
    lock = filelock.FileLock(lock_path, is_singleton=True)
    try:
        lock.acquire(timeout=timeout)
    except filelock.Timeout:
        raise OutputError(
            f"output directory {out_dir} is locked by another run (lock file {lock_path}); "
            f"wait for it to finish, or let this run wait for it with {LOCK_TIMEOUT_HINT}"
        ) from None
    try:
        yield
    finally:
        lock.release()


def replaces_latest(manifest: Manifest) -> bool:
    """Whether a snapshot may become ``latest``: only a run that read at least one list. A run
    that read none would make the next run report every entry as added, with no deltas."""
    return manifest.counts.lists > 0


def write_snapshot(
    snapshot: Snapshot,
    out_dir: Path,
    *,
    lock_timeout: float = 0.0,
    on_write: WriteHook | None = None,
) -> Path:
    """Write ``snapshot`` to ``<out_dir>/snapshots/<run-id>/``, point ``latest`` at it
    atomically and add its rows to ``history.csv``. Returns the snapshot directory.

    A snapshot that may not replace latest (:func:`replaces_latest`) is only written to its
    directory. Raises :class:`OutputError` when the directory is locked by another run (after
    ``lock_timeout`` seconds), when the run id or a list slug is not a safe file name, when a
    snapshot of that run id exists, when ``latest`` is no longer the snapshot ``snapshot`` was
    compared with (``manifest.previous_run_id``: another run wrote meanwhile), or on any file
    system error; what the failed write had written is removed.
    """
    run_id = snapshot.manifest.run_id
    _require_safe_name(run_id, "run id")
    for slug in snapshot.lists:
        _require_safe_name(slug, "list slug")
    hook = on_write or (lambda step: None)
    with output_lock(out_dir, lock_timeout):
        snapshots = out_dir / "snapshots"
        partial = snapshots / f".{run_id}{_PARTIAL_SUFFIX}"
        try:
            snapshots.mkdir(exist_ok=True)
            _remove_leftovers(out_dir)
            final = snapshots / run_id
            if final.exists():
                raise OutputError(f"snapshot {final} already exists; run ids must be unique")
            _require_unchanged_latest(out_dir, snapshot.manifest.previous_run_id)
            publish = replaces_latest(snapshot.manifest)
            # history.csv is checked before anything is written: an unusable one (OutputError)
            # must not leave a snapshot directory that latest never points at.
            history = out_dir / "history.csv"
            existing = history.read_text(encoding="utf-8") if history.exists() else ""
            # The report draws this run's counts too, also for a run kept beside latest; only a
            # run that replaces latest writes its rows to history.csv.
            history_text = updated_history(existing, snapshot)
            _write_files(snapshot, partial, hook, history_text)
            os.rename(partial, final)
            _fsync_dir(snapshots)
            hook("snapshot")
            if publish:
                _point_latest(out_dir, final)
                hook("latest")
                _write_atomic(history, history_text)
                hook("history.csv")
        except BaseException as exc:
            # Give the space back now (a full disk is a likely cause); a snapshot renamed into
            # place is complete and stays (the next run links it if latest was not switched).
            _discard(partial, out_dir)
            if isinstance(exc, OSError):
                raise OutputError(f"cannot write the snapshot to {out_dir}: {exc}") from exc
            raise
    return final


def _discard(partial: Path, out_dir: Path) -> None:
    """Remove what a failed write left (never raises: the original error matters more)."""
    shutil.rmtree(partial, ignore_errors=True)
    for temporary in (out_dir / _LATEST_LINK_TMP, out_dir / _HISTORY_TMP):
        with contextlib.suppress(OSError):
            temporary.unlink()


def _latest_run_id(out_dir: Path) -> str | None:
    latest = out_dir / "latest"
    return Path(os.readlink(latest)).name if latest.is_symlink() else None


def _require_unchanged_latest(out_dir: Path, compared_with: str | None) -> None:
    """Refuse a snapshot built against another ``latest`` than the current one: its history
    (deltas, carry-forward, list changes) would skip the run that was written meanwhile."""
    latest = out_dir / "latest"
    if latest.exists() and not latest.is_symlink():
        raise OutputError(f"{latest} is a directory, not a link: move it aside and run again")
    current = _latest_run_id(out_dir)
    if current != compared_with:
        raise OutputError(
            f"{out_dir / 'latest'} is now snapshot {current or '(none)'}, but this run was "
            f"compared with {compared_with or 'no snapshot'}: another run wrote meanwhile; "
            "run again (hold output_lock for the whole run to avoid this)"
        )


def _require_safe_name(name: str, what: str) -> None:
    if not _SAFE_NAME.match(name) or name.endswith(_PARTIAL_SUFFIX):
        raise OutputError(
            f"{what} {name!r} cannot name a file: use letters, digits, '.', '_' and '-'"
        )


def _remove_leftovers(out_dir: Path) -> int:
    """Remove what an interrupted write left: partial snapshot dirs, temporary files and links.
    Returns how many were removed."""
    removed = 0
    for partial in (out_dir / "snapshots").glob(f".*{_PARTIAL_SUFFIX}"):
        shutil.rmtree(partial)
        removed += 1
    for temporary in (out_dir / _LATEST_LINK_TMP, out_dir / _HISTORY_TMP):
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
            removed += 1
    return removed


def _write_files(snapshot: Snapshot, directory: Path, hook: WriteHook, history_csv: str) -> None:
    (directory / "lists").mkdir(parents=True)
    for slug, list_file in snapshot.lists.items():
        _write_file(directory / "lists" / f"{slug}.json", dump_json(to_jsonable(list_file)))
        hook(f"lists/{slug}.json")
        patch = snapshot.patches.get(slug)
        if patch is not None:
            # Before the report, which links them (enrich.publish.report.view._fix_files).
            _write_file(directory / "lists" / f"{slug}.patch", patch.patch)
            hook(f"lists/{slug}.patch")
            _write_file(directory / "lists" / f"{slug}.fixes.md", patch.notes)
            hook(f"lists/{slug}.fixes.md")
    _write_file(directory / "papers.json", papers_json_bytes(snapshot.papers))
    hook("papers.json")
    table = papers_table(snapshot)
    _write_file(directory / "papers.csv", table.to_csv(index=False, lineterminator="\n"))
    hook("papers.csv")
    pyarrow.parquet.write_table(
        pyarrow.Table.from_pandas(table, schema=PAPER_TABLE_SCHEMA, preserve_index=False),
        directory / "papers.parquet",
    )
    hook("papers.parquet")
    write_snapshot_report(snapshot, history_csv, directory)
    hook("report/index.html")
    # The manifest goes last: a snapshot directory with a manifest is complete.
    _write_file(directory / "manifest.json", dump_json(to_jsonable(snapshot.manifest)))
    hook("manifest.json")
    _fsync_dir(directory / "lists")
    _fsync_dir(directory)


def papers_table(snapshot: Snapshot) -> pd.DataFrame:
    """papers.csv / papers.parquet as a DataFrame: one row per paper, nullable typed columns
    (``Int64``, ``string``; dates are :class:`datetime.date` objects, written ISO in the CSV and
    as ``date32`` in Parquet)."""
    flags: dict[str, list[str]] = {}
    for list_file in snapshot.lists.values():
        for entry in list_file.entries:
            if entry.paper_id is not None:
                flags.setdefault(entry.paper_id, []).extend(f.flag.value for f in entry.flags)
    frame = pd.DataFrame(
        [paper_table_row(p, flags.get(p.paper_id, ())) for p in snapshot.papers],
        columns=list(PAPER_TABLE_COLUMNS),
    )
    dtypes = {
        column: "Int64" if column in PAPER_TABLE_INT_COLUMNS else "string"
        for column in PAPER_TABLE_COLUMNS
        if column not in PAPER_TABLE_DATE_COLUMNS
    }
    return frame.astype(dtypes)


#: The Parquet schema of papers.parquet: strings, nullable 64-bit integers, dates.
PAPER_TABLE_SCHEMA = pyarrow.schema(
    [
        (
            column,
            pyarrow.int64()
            if column in PAPER_TABLE_INT_COLUMNS
            else pyarrow.date32()
            if column in PAPER_TABLE_DATE_COLUMNS
            else pyarrow.string(),
        )
        for column in PAPER_TABLE_COLUMNS
    ]
)


def _write_file(path: Path, text: str | bytes) -> None:
    """Write ``text`` (UTF-8 when a str, as is when already encoded) and sync it to disk."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f"{path.name}.tmp")  # history.csv -> _HISTORY_TMP
    _write_file(temporary, text)
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _point_latest(out_dir: Path, snapshot_dir: Path) -> None:
    latest = out_dir / "latest"
    if latest.exists() and not latest.is_symlink():
        raise OutputError(f"{latest} is a directory, not a link: move it aside and run again")
    link = out_dir / _LATEST_LINK_TMP
    link.symlink_to(os.path.relpath(snapshot_dir, out_dir), target_is_directory=True)
    os.replace(link, latest)
    _fsync_dir(out_dir)
