"""A run against the previous snapshot: carry-forward, citation deltas, list changes, history.csv,
and the diff of two snapshots.

Carry-forward: when a source failed (or is disabled) for a paper, each field that source gave in
the previous snapshot keeps its previous value, marked ``stale`` with the date it was last fresh
(:class:`enrich.contract.FieldSource`). Precedence (:data:`enrich.papers.records.FIELD_PRECEDENCE`)
still holds: a field's kept value from a better source wins over a fresh one from a lesser source
(in an arXiv outage the title stays arXiv's, not S2's spelling), so values do not flip between
sources from run to run. A fresh value of the field's best source is never replaced.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from enrich.contract import (
    HISTORY_COLUMNS,
    FieldOrigin,
    ListChanges,
    ListEntry,
    LookupState,
    PaperRecord,
    Snapshot,
)
from enrich.errors import OutputError
from enrich.models import Model
from enrich.papers.checks import title_key
from enrich.papers.records import FIELD_PRECEDENCE, merge_author_ids, previous_entry_key

#: Lookup states in which a source could not refresh a paper's values.
_NOT_REFRESHED = (LookupState.FAILED, LookupState.DISABLED)
#: Record fields compared by :func:`diff_snapshots`.
_DIFFED_FIELDS = (
    "title",
    "venue",
    "publication_date",
    "arxiv_version",
    "citation_count",
    "influential_citation_count",
    "open_access_pdf",
)


# --------------------------------------------------------------------------- carry-forward


def remembered_entries(previous: Snapshot | None) -> dict[str, str]:
    """Map :func:`enrich.papers.records.previous_entry_key` -> paper id, each resolved old row."""
    if previous is None:
        return {}
    return {
        previous_entry_key(list_name, entry.title): entry.paper_id
        for list_name, list_file in previous.lists.items()
        for entry in list_file.entries
        if entry.paper_id is not None
    }


def carry_forward(records: Sequence[PaperRecord], previous: Snapshot | None) -> list[PaperRecord]:
    """``records`` with values kept from ``previous`` where a source failed, and citation deltas.

    A record is matched to the previous one with the same paper id, else one sharing any id.
    """
    index = _previous_index(previous)
    carried = []
    for record in records:
        before = _find_previous(record, index)
        if before is not None:
            record = _carry(record, before)
            record = record.model_copy(update={"citation_delta": citation_delta(record, before)})
        carried.append(record)
    return carried


def citation_delta(record: PaperRecord, before: PaperRecord) -> int | None:
    """Citations gained since ``before``; None when either count is unknown or now stale."""
    origin = record.sources.get("citation_count")
    if record.citation_count is None or before.citation_count is None or origin is None:
        return None
    return None if origin.stale else record.citation_count - before.citation_count


def _record_keys(record: PaperRecord) -> list[str]:
    ids = record.ids
    keys = [record.paper_id]
    for prefix, value in (
        ("arxiv", ids.arxiv),
        ("doi", ids.doi),
        ("s2", ids.s2),
        ("openreview", ids.openreview),
        ("acl", ids.acl),
    ):
        if value:
            keys.append(f"{prefix}:{value}")
    keys.extend(f"url:{url}" for url in ids.urls)
    return keys


def _previous_index(previous: Snapshot | None) -> dict[str, PaperRecord]:
    index: dict[str, PaperRecord] = {}
    if previous is None:
        return index
    for record in previous.papers:
        for key in _record_keys(record):
            index.setdefault(key, record)
    for record in previous.papers:  # the canonical id wins over a shared secondary id
        index[record.paper_id] = record
    return index


def _find_previous(record: PaperRecord, index: Mapping[str, PaperRecord]) -> PaperRecord | None:
    return next((index[k] for k in _record_keys(record) if k in index), None)


def _carry(record: PaperRecord, before: PaperRecord) -> PaperRecord:
    updates: dict[str, Any] = {}
    sources = dict(record.sources)
    for name, order in FIELD_PRECEDENCE.items():
        if name == "author_ids":
            continue
        current = sources.get(name)
        for origin in order:
            if origin == FieldOrigin.LIST or (current is not None and current.source == origin):
                break
            old = before.sources.get(name)
            refreshed = record.lookups.get(origin) not in _NOT_REFRESHED
            if not refreshed and old is not None and old.source == origin:
                updates[name] = getattr(before, name)
                sources[name] = old.model_copy(update={"stale": True})
                break
    old_ids = before.sources.get("author_ids")
    if (
        "author_ids" not in sources
        and old_ids is not None
        and record.lookups.get(FieldOrigin.S2) in _NOT_REFRESHED
    ):
        authors = merge_author_ids(updates.get("authors", record.authors), before.authors)
        if any(a.s2_id for a in authors):
            updates["authors"] = authors
            sources["author_ids"] = old_ids.model_copy(update={"stale": True})
    known = record.ids.model_dump()
    missing = {k: v for k, v in before.ids.model_dump().items() if v and not known.get(k)}
    if missing:
        updates["ids"] = record.ids.model_copy(update=missing)
    return record.model_copy(update={**updates, "sources": dict(sorted(sources.items()))})


# --------------------------------------------------------------------------- list changes


def entry_key(entry: ListEntry) -> str:
    """How an entry is recognized across runs: its paper id, else its title key."""
    return entry.paper_id or title_key(entry.title)


def list_changes(
    list_name: str, entries: Sequence[ListEntry], previous: Snapshot | None
) -> ListChanges:
    """Entries of ``list_name`` added and removed since ``previous`` (empty on a first run)."""
    if previous is None:
        return ListChanges()
    before = previous.lists.get(list_name)
    old = {entry_key(e) for e in before.entries} if before is not None else set()
    new = {entry_key(e) for e in entries}
    return ListChanges(
        previous_run_id=previous.manifest.run_id,
        added=sorted(new - old),
        removed=sorted(old - new),
    )


# --------------------------------------------------------------------------- history.csv


def history_rows(snapshot: Snapshot) -> list[dict[str, str]]:
    """The history.csv rows of one run: one per paper, in paper id order."""
    finished = snapshot.manifest.finished_at.isoformat()
    rows = []
    for record in snapshot.papers:
        origin = record.sources.get("citation_count")
        rows.append(
            {
                "run_id": snapshot.manifest.run_id,
                "finished_at": finished,
                "paper_id": record.paper_id,
                "citation_count": _cell(record.citation_count),
                "influential_citation_count": _cell(record.influential_citation_count),
                "citation_delta": _cell(record.citation_delta),
                "citations_stale": "true" if origin is not None and origin.stale else "false",
                "appearances": str(len(record.appearances)),
            }
        )
    return rows


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


def updated_history(existing: str, snapshot: Snapshot) -> str:
    """history.csv text with the rows of ``snapshot`` appended (replacing any earlier rows of
    the same run id, so writing a run twice does not double it)."""
    rows: list[dict[str, str]] = []
    if existing.strip():
        reader = csv.DictReader(io.StringIO(existing))
        if tuple(reader.fieldnames or ()) != HISTORY_COLUMNS:
            raise OutputError(
                f"history.csv has columns {reader.fieldnames}, expected {list(HISTORY_COLUMNS)}; "
                "move the old file aside to start a new history"
            )
        rows = [row for row in reader if row["run_id"] != snapshot.manifest.run_id]
    rows.extend(history_rows(snapshot))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_history(path: Path) -> list[dict[str, str]]:
    """The rows of a history.csv file (empty when it does not exist)."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- diff


class FieldChange(Model):
    paper_id: str
    field: str
    old: str | None
    new: str | None


class ListDiff(Model):
    list_name: str
    added: list[str] = Field(default_factory=list, description="Entry keys new in the list.")
    removed: list[str] = Field(default_factory=list)
    flags_added: list[str] = Field(default_factory=list, description='"<entry key> <flag>".')
    flags_removed: list[str] = Field(default_factory=list)


class SnapshotDiff(Model):
    """What changed from snapshot ``old_run_id`` to ``new_run_id``."""

    old_run_id: str
    new_run_id: str
    old_status: str
    new_status: str
    papers_added: list[str] = Field(default_factory=list)
    papers_removed: list[str] = Field(default_factory=list)
    changes: list[FieldChange] = Field(default_factory=list)
    lists_added: list[str] = Field(default_factory=list)
    lists_removed: list[str] = Field(default_factory=list)
    lists: list[ListDiff] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (
            self.papers_added
            or self.papers_removed
            or self.changes
            or self.lists_added
            or self.lists_removed
            or self.lists
        )


def diff_snapshots(old: Snapshot, new: Snapshot) -> SnapshotDiff:
    """Papers added, removed and changed, and entries and flags changed per list."""
    old_papers = {p.paper_id: p for p in old.papers}
    new_papers = {p.paper_id: p for p in new.papers}
    changes = []
    for paper_id in sorted(old_papers.keys() & new_papers.keys()):
        for name in _DIFFED_FIELDS:
            before, after = (
                _text(getattr(old_papers[paper_id], name)),
                _text(getattr(new_papers[paper_id], name)),
            )
            if before != after:
                changes.append(FieldChange(paper_id=paper_id, field=name, old=before, new=after))
    list_diffs = []
    for list_name in sorted(old.lists.keys() & new.lists.keys()):
        before_entries, after_entries = old.lists[list_name].entries, new.lists[list_name].entries
        old_keys = {entry_key(e) for e in before_entries}
        new_keys = {entry_key(e) for e in after_entries}
        old_flags, new_flags = _flag_keys(before_entries), _flag_keys(after_entries)
        list_diff = ListDiff(
            list_name=list_name,
            added=sorted(new_keys - old_keys),
            removed=sorted(old_keys - new_keys),
            flags_added=sorted(new_flags - old_flags),
            flags_removed=sorted(old_flags - new_flags),
        )
        if list_diff.added or list_diff.removed or list_diff.flags_added or list_diff.flags_removed:
            list_diffs.append(list_diff)
    return SnapshotDiff(
        old_run_id=old.manifest.run_id,
        new_run_id=new.manifest.run_id,
        old_status=old.manifest.status.value,
        new_status=new.manifest.status.value,
        papers_added=sorted(new_papers.keys() - old_papers.keys()),
        papers_removed=sorted(old_papers.keys() - new_papers.keys()),
        changes=changes,
        lists_added=sorted(new.lists.keys() - old.lists.keys()),
        lists_removed=sorted(old.lists.keys() - new.lists.keys()),
        lists=list_diffs,
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _flag_keys(entries: Sequence[ListEntry]) -> set[str]:
    return {f"{entry_key(e)} {flag.flag.value}" for e in entries for flag in e.flags}


def format_diff(diff: SnapshotDiff) -> str:
    """The diff as plain text lines, for the terminal."""
    lines = [f"{diff.old_run_id} ({diff.old_status}) -> {diff.new_run_id} ({diff.new_status})"]
    if diff.is_empty():
        return "\n".join([*lines, "no changes"]) + "\n"
    lines += [f"+ paper {p}" for p in diff.papers_added]
    lines += [f"- paper {p}" for p in diff.papers_removed]
    for change in diff.changes:
        lines.append(f"~ {change.paper_id} {change.field}: {change.old} -> {change.new}")
    lines += [f"+ list {name}" for name in diff.lists_added]
    lines += [f"- list {name}" for name in diff.lists_removed]
    for list_diff in diff.lists:
        lines.append(f"list {list_diff.list_name}:")
        lines += [f"  + entry {key}" for key in list_diff.added]
        lines += [f"  - entry {key}" for key in list_diff.removed]
        lines += [f"  + flag {key}" for key in list_diff.flags_added]
        lines += [f"  - flag {key}" for key in list_diff.flags_removed]
    return "\n".join(lines) + "\n"
