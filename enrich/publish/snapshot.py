"""Snapshots: build one from a run's inputs (pure), write it, load it back.

Layout of an output directory::

    <out>/snapshots/<run-id>/   manifest.json, papers.json, papers.csv, papers.parquet,
                                lists/<slug>.json
    <out>/latest                symlink to snapshots/<run-id> of the newest complete snapshot
    <out>/history.csv           one row per run and paper
    <out>/.lock                 held while a run writes (see :func:`output_lock`)

Crash safety: a snapshot is written under ``snapshots/.<run-id>.partial/`` and renamed into place
only when complete; ``history.csv`` is rewritten to a temporary file and renamed; ``latest`` is
switched by renaming a new symlink over the old one, which POSIX ``rename(2)`` makes atomic.
A process killed at any moment therefore leaves ``latest`` pointing at a complete snapshot (the
previous one, or the new one). Leftovers of an interrupted write are removed by the next write.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock
import pandas as pd
from pydantic import ValidationError

from enrich.contract import (
    PAPER_TABLE_COLUMNS,
    Counts,
    Flag,
    ListEntry,
    ListFailure,
    ListFile,
    LookupState,
    Manifest,
    ManifestList,
    PaperRecord,
    RunStatus,
    Snapshot,
    dump_json,
    paper_table_row,
    papers_from_json,
    papers_json,
    to_jsonable,
)
from enrich.errors import InputError, OutputError
from enrich.models import (
    ArxivRecord,
    EntryKind,
    ExtractedList,
    Model,
    OutcomeStatus,
    S2Record,
    SourceResult,
)
from enrich.papers.checks import EntryEvidence, check_entries
from enrich.papers.records import reconcile, title_suggestions
from enrich.publish.history import carry_forward, list_changes, remembered_entries, updated_history

__all__ = [
    "ListFailure",
    "RunInput",
    "build_snapshot",
    "load_latest",
    "load_snapshot",
    "output_lock",
    "write_snapshot",
]

#: Run ids and list slugs become file names: keep them to a safe alphabet.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PARTIAL_SUFFIX = ".partial"
_LATEST_LINK_TMP = "latest.tmp"
_HISTORY_TMP = "history.csv.tmp"
_INT_COLUMNS = ("year", "citation_count", "influential_citation_count", "citation_delta")

#: Called after each step of :func:`write_snapshot` with the step's name (a file's path relative
#: to the snapshot directory, then "snapshot", "history.csv", "latest"). Tests use it to observe
#: or interrupt a write; it must not modify the output directory.
WriteHook = Callable[[str], None]


class RunInput(Model):
    """Everything a run gathered, as handed to :func:`build_snapshot`."""

    run_id: str
    started_at: dt.datetime
    finished_at: dt.datetime
    lists: list[ExtractedList]
    list_failures: list[ListFailure]
    arxiv: SourceResult[ArxivRecord]
    s2: SourceResult[S2Record]
    titles: SourceResult[S2Record]


# --------------------------------------------------------------------------- build


def build_snapshot(run: RunInput, previous: Snapshot | None) -> Snapshot:
    """The snapshot of ``run``, compared with ``previous`` (the last one written, or None).

    Pure: no I/O. Raises :class:`InputError` when two lists share a slug.
    """
    slugs = [extracted.info.name for extracted in run.lists]
    repeated = sorted(slug for slug, n in Counter(slugs).items() if n > 1)
    if repeated:
        raise InputError(f"two lists are named {repeated[0]!r}; list slugs must be unique")
    reconciled = reconcile(run.lists, run.arxiv, run.s2, run.titles, remembered_entries(previous))
    papers = carry_forward(reconciled.records, previous)
    by_id = {paper.paper_id: paper for paper in papers}
    suggestions = title_suggestions(run.titles)

    list_files: dict[str, ListFile] = {}
    for extracted in run.lists:
        slug = extracted.info.name
        evidence = [e for e in reconciled.entries if e.list_name == slug]
        flags = check_entries(evidence, by_id, suggestions)
        entries = [
            _list_entry(item, item_flags) for item, item_flags in zip(evidence, flags, strict=True)
        ]
        list_files[slug] = ListFile(
            run_id=run.run_id,
            info=extracted.info,
            flag_counts=_flag_counts(entries),
            changes=list_changes(slug, entries, previous),
            entries=entries,
        )
    status, reasons = run_status(run, papers)
    manifest = Manifest(
        run_id=run.run_id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=status,
        status_reasons=reasons,
        previous_run_id=previous.manifest.run_id if previous is not None else None,
        lists=[_manifest_list(list_files[slug]) for slug in slugs],
        list_failures=run.list_failures,
        sources={"arxiv": run.arxiv.health, "s2": run.s2.health, "s2_titles": run.titles.health},
        counts=_counts(run, list_files, papers),
    )
    return Snapshot(manifest=manifest, papers=papers, lists=dict(sorted(list_files.items())))


def run_status(run: RunInput, papers: Sequence[PaperRecord]) -> tuple[RunStatus, list[str]]:
    """The run's status and the reasons for it.

    ``failed``: no list could be read, or every requested lookup failed (and there was one).
    ``degraded``: some lookups failed, values were carried forward because a source failed, a
    list was read from its bundled copy, or a list could not be read. A disabled source is not a
    reason: the user turned it off.
    """
    results: dict[str, SourceResult[Any]] = {
        "arxiv": run.arxiv,
        "s2": run.s2,
        "s2_titles": run.titles,
    }
    total = sum(len(result.outcomes) for result in results.values())
    failed = {
        name: sum(o.status == OutcomeStatus.FAILED for o in result.outcomes.values())
        for name, result in results.items()
    }
    failures = [f"{f.source}: {f.error}" for f in run.list_failures]
    if not run.lists and run.list_failures:
        return RunStatus.FAILED, [f"no list could be read ({'; '.join(failures)})"]
    if total and sum(failed.values()) == total:
        return RunStatus.FAILED, [f"every lookup failed ({total} requested)"]
    reasons = []
    if sum(failed.values()):
        detail = ", ".join(f"{name} {n}" for name, n in failed.items() if n)
        reasons.append(f"{sum(failed.values())} of {total} lookups failed ({detail})")
    stale = [
        p.paper_id
        for p in papers
        if any(p.lookups.get(o.source) == LookupState.FAILED for o in p.sources.values() if o.stale)
    ]
    if stale:
        reasons.append(f"{len(stale)} papers keep values from the previous snapshot (stale)")
    fallbacks = [e.info.name for e in run.lists if e.info.fallback]
    if fallbacks:
        reasons.append(f"read from the bundled copy: {', '.join(fallbacks)}")
    if failures:
        reasons.append(f"lists not read: {'; '.join(failures)}")
    return (RunStatus.DEGRADED if reasons else RunStatus.OK), reasons


def _list_entry(item: EntryEvidence, flags: list[Flag]) -> ListEntry:
    entry = item.entry
    return ListEntry(
        position=entry.position,
        line=entry.line,
        section=entry.section,
        kind=entry.kind,
        title=entry.title,
        name=entry.name,
        venue=entry.venue,
        year=entry.year,
        date=entry.date,
        authors=entry.authors,
        links=entry.links,
        ids=entry.ids.paper_ids(),
        paper_id=item.paper_id,
        checked=entry.kind == EntryKind.PAPER,
        flags=flags,
        extraction_flags=entry.flags,
    )


def _flag_counts(entries: Sequence[ListEntry]) -> dict[str, int]:
    counts = Counter(flag.flag.value for entry in entries for flag in entry.flags)
    return dict(sorted(counts.items()))


def _manifest_list(list_file: ListFile) -> ManifestList:
    info = list_file.info
    return ManifestList(
        name=info.name,
        source=info.source,
        title=info.title,
        url=info.url,
        version=info.version,
        fallback=info.fallback,
        entries=len(list_file.entries),
        paper_entries=sum(e.kind == EntryKind.PAPER for e in list_file.entries),
        flag_counts=list_file.flag_counts,
        added=len(list_file.changes.added),
        removed=len(list_file.changes.removed),
    )


def _counts(
    run: RunInput, list_files: dict[str, ListFile], papers: Sequence[PaperRecord]
) -> Counts:
    entries = [entry for list_file in list_files.values() for entry in list_file.entries]
    flags: Counter[str] = Counter()
    for list_file in list_files.values():
        flags.update(list_file.flag_counts)
    return Counts(
        lists=len(run.lists),
        lists_failed=len(run.list_failures),
        entries=len(entries),
        paper_entries=sum(e.kind == EntryKind.PAPER for e in entries),
        papers=len(papers),
        stale_papers=sum(bool(p.stale_fields()) for p in papers),
        flags=dict(sorted(flags.items())),
        skipped={
            "not_checked": sum(not e.checked for e in entries),
            "no_record": sum(e.paper_id is None for e in entries),
        },
    )


# --------------------------------------------------------------------------- write


@contextmanager
def output_lock(out_dir: Path, timeout: float = 0.0) -> Iterator[None]:
    """Hold ``<out_dir>/.lock`` so that no other run writes to ``out_dir`` meanwhile.

    ``timeout`` seconds to wait (0: fail at once, negative: wait forever). Reentrant within a
    thread, so a pipeline may hold it for a whole run (load the latest snapshot, build, write)
    while :func:`write_snapshot` takes it again in the same thread; other threads and
    processes are kept out. The OS releases it when the holder dies, even by SIGKILL.
    Raises :class:`OutputError` when another run holds it past ``timeout``, or when
    ``out_dir`` cannot be created.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output directory {out_dir}: {exc}") from exc
    lock_path = out_dir / ".lock"
    # One lock object per path in the process (is_singleton), reentrant per thread: another
    # thread is another run and is kept out like another process. The timeout goes to
    # acquire(), since a singleton must always be constructed with the same arguments.
    lock = filelock.FileLock(lock_path, is_singleton=True)
    try:
        lock.acquire(timeout=timeout)
    except filelock.Timeout:
        raise OutputError(
            f"output directory {out_dir} is locked by another run (lock file {lock_path}); "
            "wait for it to finish, or give a lock timeout to wait for it"
        ) from None
    try:
        yield
    finally:
        lock.release()


def write_snapshot(
    snapshot: Snapshot,
    out_dir: Path,
    *,
    lock_timeout: float = 0.0,
    on_write: WriteHook | None = None,
) -> Path:
    """Write ``snapshot`` to ``<out_dir>/snapshots/<run-id>/``, append ``history.csv`` and point
    ``latest`` at it atomically. Returns the snapshot directory.

    Raises :class:`OutputError` when the directory is locked by another run (after
    ``lock_timeout`` seconds), when the run id or a list slug is not a safe file name, when a
    snapshot of that run id exists, when ``latest`` is no longer the snapshot ``snapshot`` was
    compared with (``manifest.previous_run_id``: another run wrote meanwhile), or on any file
    system error.
    """
    run_id = snapshot.manifest.run_id
    _require_safe_name(run_id, "run id")
    for slug in snapshot.lists:
        _require_safe_name(slug, "list slug")
    hook = on_write or (lambda step: None)
    with output_lock(out_dir, lock_timeout):
        try:
            snapshots = out_dir / "snapshots"
            snapshots.mkdir(exist_ok=True)
            _remove_leftovers(out_dir)
            final = snapshots / run_id
            if final.exists():
                raise OutputError(f"snapshot {final} already exists; run ids must be unique")
            _require_unchanged_latest(out_dir, snapshot.manifest.previous_run_id)
            # history.csv is checked before anything is written: an unusable one (OutputError)
            # must not leave a snapshot directory that latest never points at.
            history = out_dir / "history.csv"
            existing = history.read_text(encoding="utf-8") if history.exists() else ""
            history_text = updated_history(existing, snapshot)
            partial = snapshots / f".{run_id}{_PARTIAL_SUFFIX}"
            _write_files(snapshot, partial, hook)
            os.rename(partial, final)
            _fsync_dir(snapshots)
            hook("snapshot")
            _write_atomic(history, history_text)
            hook("history.csv")
            _point_latest(out_dir, final)
            hook("latest")
        except OSError as exc:
            raise OutputError(f"cannot write the snapshot to {out_dir}: {exc}") from exc
    return final


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


def _remove_leftovers(out_dir: Path) -> None:
    """Remove what an interrupted write left: partial snapshot dirs, temporary files and links."""
    for partial in (out_dir / "snapshots").glob(f".*{_PARTIAL_SUFFIX}"):
        shutil.rmtree(partial)
    for temporary in (out_dir / _LATEST_LINK_TMP, out_dir / _HISTORY_TMP):
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()


def _write_files(snapshot: Snapshot, directory: Path, hook: WriteHook) -> None:
    (directory / "lists").mkdir(parents=True)
    for slug, list_file in snapshot.lists.items():
        _write_file(directory / "lists" / f"{slug}.json", dump_json(to_jsonable(list_file)))
        hook(f"lists/{slug}.json")
    _write_file(directory / "papers.json", papers_json(snapshot.papers))
    hook("papers.json")
    table = papers_table(snapshot.papers)
    _write_file(directory / "papers.csv", table.to_csv(index=False, lineterminator="\n"))
    hook("papers.csv")
    table.to_parquet(directory / "papers.parquet", index=False)
    hook("papers.parquet")
    # The manifest goes last: a snapshot directory with a manifest is complete.
    _write_file(directory / "manifest.json", dump_json(to_jsonable(snapshot.manifest)))
    hook("manifest.json")
    _fsync_dir(directory / "lists")
    _fsync_dir(directory)


def papers_table(papers: Sequence[PaperRecord]) -> pd.DataFrame:
    """papers.csv / papers.parquet as a DataFrame: one row per paper, nullable typed columns."""
    frame = pd.DataFrame([paper_table_row(p) for p in papers], columns=list(PAPER_TABLE_COLUMNS))
    dtypes = {
        column: ("Int64" if column in _INT_COLUMNS or column == "appearances" else "string")
        for column in PAPER_TABLE_COLUMNS
    }
    return frame.astype(dtypes)


def _write_file(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
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


# --------------------------------------------------------------------------- load


def load_snapshot(path: Path) -> Snapshot:
    """Read a snapshot directory back. Raises :class:`InputError` naming the file at fault."""
    current = path / "manifest.json"
    try:
        manifest = Manifest.model_validate_json(current.read_bytes())
        current = path / "papers.json"
        papers = papers_from_json(current.read_bytes())
        lists = {}
        for list_path in sorted((path / "lists").glob("*.json")):
            current = list_path
            lists[list_path.stem] = ListFile.model_validate_json(list_path.read_bytes())
    except FileNotFoundError:
        raise InputError(f"{path} is not a snapshot directory: {current} is missing") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"{current} does not match the output contract: {where}: {first['msg']}"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the snapshot {path}: {exc}") from exc
    return Snapshot(manifest=manifest, papers=papers, lists=lists)


def load_latest(out_dir: Path) -> Snapshot | None:
    """The snapshot ``<out_dir>/latest`` points at, or None when there is none yet.

    Raises :class:`InputError` when ``latest`` points at a snapshot that is missing or damaged.
    """
    latest = out_dir / "latest"
    if latest.is_symlink() and not latest.exists():
        raise InputError(f"{latest} points at {os.readlink(latest)}, which does not exist")
    if not latest.exists():
        return None
    return load_snapshot(latest.resolve())
