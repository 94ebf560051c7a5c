"""Snapshots: build one from a run's inputs (pure) and load one back.

Writing a snapshot to an output directory (the layout, the lock, crash safety) is
:mod:`enrich.publish.write`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson
from pydantic import Field, ValidationError

from enrich.contract import (
    SCHEMA_VERSION,
    Counts,
    Flag,
    ListEntry,
    ListFailure,
    ListFile,
    ListPatch,
    LookupState,
    Manifest,
    ManifestList,
    PaperRecord,
    RunStatus,
    Snapshot,
    papers_from_data,
    papers_from_json,
)
from enrich.errors import InputError
from enrich.models import (
    ArxivRecord,
    EntryKind,
    ExtractedList,
    ListInfo,
    Model,
    OutcomeStatus,
    S2Record,
    SourceResult,
)
from enrich.papers.checks import EntryEvidence, check_entries
from enrich.papers.fixes import suggest_fixes
from enrich.papers.lookups import preferred_id, title_suggestions
from enrich.papers.records import reconcile, settle_publication
from enrich.publish.history import carry_forward, list_changes, remembered_entries
from enrich.publish.lineage import names, renamed_ids
from enrich.publish.migrate import (
    migrate_list_file,
    migrate_manifest,
    migrate_papers,
    schema_version,
)
from enrich.publish.patch import list_patch
from enrich.publish.previous import Previous, earlier_entries

__all__ = [
    "ListFailure",
    "RunInput",
    "build_snapshot",
    "load_latest",
    "load_previous",
    "load_snapshot",
]


logger = logging.getLogger(__name__)

_Kept = TypeVar("_Kept")


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
    list_texts: dict[str, str] = Field(
        default_factory=dict,
        description="List slug -> the text that was read, exactly: what the patch of its "
        "suggested fixes applies to. A list without its text gets no patch.",
    )


# --------------------------------------------------------------------------- build


def build_snapshot(run: RunInput, previous: Snapshot | Previous | None) -> Snapshot:
    """The snapshot of ``run``, compared with ``previous`` (the last one written, or None; a
    run reads only the part it uses, :func:`load_previous`).

    Pure: no I/O. Raises :class:`InputError` when two lists share a slug.
    """
    if isinstance(previous, Snapshot):
        previous = Previous.of(previous)
    slugs = [extracted.info.name for extracted in run.lists]
    repeated = sorted(slug for slug, n in Counter(slugs).items() if n > 1)
    if repeated:
        raise InputError(f"two lists are named {repeated[0]!r}; list slugs must be unique")
    reconciled = reconcile(run.lists, run.arxiv, run.s2, run.titles, remembered_entries(previous))
    entry_evidence = reconciled.entries
    papers = [settle_publication(p) for p in carry_forward(reconciled.records, previous)]
    # The records before carry-forward are copies of no further use: freed before the list files
    # are built, since with the previous snapshot held this is the largest moment of a run.
    del reconciled
    by_id = {paper.paper_id: paper for paper in papers}
    renamed = renamed_ids(papers)
    # A title match names a paper by S2's best id; the flag names it by its id in papers.json.
    paper_of = {name: paper.paper_id for paper in papers for name in names(paper)}
    suggestions = {
        key: paper_of.get(found, found) for key, found in title_suggestions(run.titles).items()
    }
    matched = {
        paper_of.get(preferred_id(o.record), preferred_id(o.record)): o.record
        for o in run.titles.outcomes.values()
        if o.record is not None
    }

    sources = {"arxiv": run.arxiv.health, "s2": run.s2.health, "s2_titles": run.titles.health}
    demo = any(health.standin for health in sources.values()) or (
        previous is not None and previous.manifest.demo
    )
    list_files: dict[str, ListFile] = {}
    patches: dict[str, ListPatch] = {}
    fix_counts: dict[str, int] = {}
    for extracted in run.lists:
        slug = extracted.info.name
        evidence = [e for e in entry_evidence if e.list_name == slug]
        flags = check_entries(evidence, by_id, suggestions)
        text = _text_read(extracted.info, run.list_texts.get(slug))
        if text is not None:
            fixes = suggest_fixes(text, evidence, flags, by_id, matched)
            patches[slug] = list_patch(extracted.info, text, fixes, demo=demo)
            fix_counts[slug] = len(fixes.fixes)
        entries = [
            _list_entry(item, item_flags) for item, item_flags in zip(evidence, flags, strict=True)
        ]
        list_files[slug] = ListFile(
            run_id=run.run_id,
            info=extracted.info,
            flag_counts=_flag_counts(entries),
            changes=list_changes(slug, entries, previous, renamed),
            entries=entries,
            audit=extracted.audit,
        )
    status, reasons = run_status(run, papers)
    manifest = Manifest(
        run_id=run.run_id,
        demo=demo,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=status,
        status_reasons=reasons,
        previous_run_id=previous.manifest.run_id if previous is not None else None,
        lists=[_manifest_list(list_files[slug], fix_counts.get(slug)) for slug in slugs],
        list_failures=run.list_failures,
        sources=sources,
        counts=_counts(run, list_files, papers),
    )
    return Snapshot(
        manifest=manifest,
        papers=papers,
        lists=dict(sorted(list_files.items())),
        patches=dict(sorted(patches.items())),
    )


def _text_read(info: ListInfo, text: str | None) -> str | None:
    """``text`` when it is the text read for the list ``info`` describes (its sha256 is the
    list's version, when the version is one), else None: a patch must apply to that text."""
    if text is None:
        return None
    version = info.version or ""
    is_hash = re.fullmatch(r"[0-9a-f]{64}", version) is not None
    if is_hash and hashlib.sha256(text.encode("utf-8")).hexdigest() != version:
        logger.warning(
            "the text kept for list %s is not the version read (%s): no patch made",
            info.name,
            version,
        )
        return None
    return text


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
        title_source=entry.title_source,
        name=entry.name,
        venue=entry.venue,
        year=entry.year,
        date=entry.date,
        authors=entry.authors,
        links=entry.links,
        ids=entry.ids,
        paper_urls=entry.paper_urls,
        paper_id=item.paper_id,
        checked=entry.kind == EntryKind.PAPER,
        flags=flags,
        extraction_flags=entry.flags,
    )


def _flag_counts(entries: Sequence[ListEntry]) -> dict[str, int]:
    counts = Counter(flag.flag.value for entry in entries for flag in entry.flags)
    return dict(sorted(counts.items()))


def _manifest_list(list_file: ListFile, fixes: int | None) -> ManifestList:
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
        fixes=fixes,
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


# --------------------------------------------------------------------------- load


def load_snapshot(path: Path) -> Snapshot:
    """Read a snapshot directory back; one of an earlier schema version is brought to the
    current shape (:mod:`enrich.publish.migrate`). Raises :class:`InputError` naming the file at
    fault, or when the snapshot is of a later schema version than this code knows."""
    manifest, papers, lists, patches = _read_snapshot(path, lambda list_file: list_file, True)
    return Snapshot(manifest=manifest, papers=papers, lists=lists, patches=patches)


def load_previous(out_dir: Path) -> Previous | None:
    """What a run uses of the snapshot ``<out_dir>/latest`` points at (None when there is none
    yet): :class:`enrich.publish.previous.Previous`, which leaves out most of the list files
    and the suggested fixes.

    Every file read is checked as :func:`load_snapshot` checks it, with the same errors
    (:class:`InputError` when ``latest`` points at a snapshot that is missing or damaged).
    """
    path = _latest_dir(out_dir)
    if path is None:
        return None
    # One list file at a time is held in full: only its rows' titles and paper ids are kept.
    manifest, papers, lists, _ = _read_snapshot(path, earlier_entries, False)
    return Previous(manifest=manifest, papers=papers, lists=lists)


def _read_snapshot(
    path: Path, keep: Callable[[ListFile], _Kept], with_patches: bool
) -> tuple[Manifest, list[PaperRecord], dict[str, _Kept], dict[str, ListPatch]]:
    """The manifest, papers, ``keep`` of each list file (by slug) and, when ``with_patches``,
    the suggested fixes of the snapshot directory ``path`` (see :func:`load_snapshot`)."""
    current = path / "manifest.json"
    try:
        raw_manifest = orjson.loads(current.read_bytes())
        version = schema_version(raw_manifest)
        if version > SCHEMA_VERSION:
            raise InputError(
                f"{current} has schema_version {version}; this awesome-enrich reads up to "
                f"{SCHEMA_VERSION}: upgrade it"
            )
        manifest = Manifest.model_validate(migrate_manifest(raw_manifest))
        current = path / "papers.json"
        if version == SCHEMA_VERSION:
            papers = _read_papers(current.read_bytes())
        else:
            old_papers = migrate_papers(orjson.loads(current.read_bytes()), version)
            papers = [settle_publication(p) for p in papers_from_data(old_papers)]
        lists = {}
        patches = {}
        for list_path in sorted((path / "lists").glob("*.json")):
            current = list_path
            if version == SCHEMA_VERSION:
                list_file = ListFile.model_validate_json(list_path.read_bytes())
            else:
                document = migrate_list_file(orjson.loads(list_path.read_bytes()))
                list_file = ListFile.model_validate(document)
            lists[list_path.stem] = keep(list_file)
            patch_file = list_path.with_suffix(".patch")
            if with_patches and patch_file.exists():
                current = patch_file
                notes = list_path.with_suffix(".fixes.md")
                # Bytes as written: a patch of a list with CRLF lines keeps its CRs.
                patches[list_path.stem] = ListPatch(
                    patch=patch_file.read_bytes().decode("utf-8"),
                    notes=notes.read_bytes().decode("utf-8") if notes.exists() else "",
                )
    except FileNotFoundError:
        raise InputError(f"{path} is not a snapshot directory: {current} is missing") from None
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{current} is not valid JSON: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"{current} does not match the output contract: {where}: {first['msg']}"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the snapshot {path}: {exc}") from exc
    return manifest, papers, lists, patches


#: Between two papers of papers.json as :func:`enrich.contract.papers_json` lays it out (an array
#: of objects indented by two spaces): the end of one, the comma, the start of the next. JSON
#: strings hold no raw line break, and anything nested in a paper is indented further.
_BETWEEN_PAPERS = b"\n  },\n  {"
_PAPERS_PER_PIECE = 100


def _read_papers(data: bytes) -> list[PaperRecord]:
    """The records of papers.json text ``data``: :func:`enrich.contract.papers_from_json`, a
    hundred papers at a time when the text is laid out as written.

    Read at once, the 75 MB papers.json of 20,000 papers is parsed whole before any record is
    built, and the process keeps the ~200 MiB that parse took (freed, but not given back to the
    system, nor reused by the small objects built next): that was the largest part of reading the
    previous snapshot in a run. In pieces, the parse never holds more than one piece. Text laid
    out otherwise, or a piece that does not validate, is read whole: the same records, or the
    same error naming where the fault is.
    """
    head, tail = b"[\n  {", b"\n  }\n]\n"
    if not (data.startswith(head) and data.endswith(tail)):
        return papers_from_json(data)
    papers: list[PaperRecord] = []
    start, end = 1, len(data) - len(b"\n]\n")
    try:
        while start < end:
            stop, cut = start, -1
            for _ in range(_PAPERS_PER_PIECE):
                cut = data.find(_BETWEEN_PAPERS, stop, end)
                if cut < 0:
                    break
                stop = cut + 1
            stop = end if cut < 0 else cut + len(b"\n  }")
            papers += papers_from_json(b"[" + data[start:stop] + b"]")
            start = stop + len(b",")
    except ValidationError:
        return papers_from_json(data)
    return papers


def load_latest(out_dir: Path) -> Snapshot | None:
    """The snapshot ``<out_dir>/latest`` points at, or None when there is none yet.

    Raises :class:`InputError` when ``latest`` points at a snapshot that is missing or damaged.
    """
    path = _latest_dir(out_dir)
    return load_snapshot(path) if path is not None else None


def _latest_dir(out_dir: Path) -> Path | None:
    """The snapshot directory ``<out_dir>/latest`` points at; None when there is no ``latest``.
    Raises :class:`InputError` when it points at nothing."""
    latest = out_dir / "latest"
    if latest.is_symlink() and not latest.exists():
        raise InputError(f"{latest} points at {os.readlink(latest)}, which does not exist")
    if not latest.exists():
        return None
    return latest.resolve()
