"""A run against the previous snapshot: carry-forward, citation deltas, list changes, history.csv,
and the diff of two snapshots.

Each record is joined with the earlier record of the same paper (:mod:`enrich.publish.lineage`),
even when the paper's id changed: it keeps the ids it was published under as ``aliases``, and
history.csv, list changes and the diff follow the renamed paper instead of seeing one paper
removed and another added.

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
    PaperIds,
    PaperRecord,
    Snapshot,
    paper_id_rank,
)
from enrich.errors import OutputError
from enrich.models import Model
from enrich.papers.checks import title_key
from enrich.papers.records import FIELD_PRECEDENCE, merge_author_ids, previous_entry_key
from enrich.publish.lineage import names, predecessors, renamed_ids
from enrich.publish.previous import EarlierEntry, Previous

#: Lookup states in which a source could not refresh a paper's values.
_NOT_REFRESHED = (LookupState.FAILED, LookupState.DISABLED)
#: Record fields compared by :func:`diff_snapshots`.
_DIFFED_FIELDS = (
    "title",
    "year",
    "publication_status",
    "venue",
    "publication_date",
    "arxiv_version",
    "citation_count",
    "influential_citation_count",
    "open_access_pdf",
)


# --------------------------------------------------------------------------- carry-forward


def remembered_entries(previous: Previous | None) -> dict[str, str]:
    """Map :func:`enrich.papers.records.previous_entry_key` -> paper id, each resolved old row."""
    if previous is None:
        return {}
    return {
        previous_entry_key(list_name, entry.title): entry.paper_id
        for list_name, entries in previous.lists.items()
        for entry in entries
        if entry.paper_id is not None
    }


def carry_forward(records: Sequence[PaperRecord], previous: Previous | None) -> list[PaperRecord]:
    """``records`` with values kept from ``previous`` where a source failed, citation deltas, and
    the ids they had before.

    A record is joined with its earlier records by :func:`enrich.publish.lineage.predecessors`
    (the same paper id, else a shared id). It adds their paper ids and aliases to its own
    aliases, and takes carried values and its citation delta from the first of them.
    """
    if previous is None:
        return list(records)
    earlier = predecessors(records, previous.papers)
    carried = []
    for record in records:
        befores = earlier.get(record.paper_id, [])
        if befores:
            before = befores[0]
            record = _carry(record, before)
            known = {name for b in befores for name in names(b)}
            aliases = sorted(set(record.aliases) | known - {record.paper_id}, key=paper_id_rank)
            record = record.model_copy(
                update={"citation_delta": citation_delta(record, before), "aliases": aliases}
            )
        carried.append(record)
    return carried


def citation_delta(record: PaperRecord, before: PaperRecord) -> int | None:
    """Citations gained since ``before``; None when either count is unknown or now stale."""
    origin = record.sources.get("citation_count")
    if record.citation_count is None or before.citation_count is None or origin is None:
        return None
    return None if origin.stale else record.citation_count - before.citation_count


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
    # Ids a source gave before and did not give now (it failed, or is switched off) are kept.
    known = record.ids.model_dump()
    missing = {k: v for k, v in before.ids.model_dump().items() if v and not known.get(k)}
    if missing:
        updates["ids"] = PaperIds(**{**known, **missing})
    return record.model_copy(update={**updates, "sources": dict(sorted(sources.items()))})


# --------------------------------------------------------------------------- list changes


def entry_key(entry: ListEntry | EarlierEntry, renamed: Mapping[str, str] | None = None) -> str:
    """How an entry is recognized across runs: its paper id, else its title key. ``renamed``
    (:func:`enrich.publish.lineage.renamed_ids`) maps an earlier paper id to the paper's id now."""
    if entry.paper_id is None:
        return title_key(entry.title)
    return (renamed or {}).get(entry.paper_id, entry.paper_id)


def list_changes(
    list_name: str,
    entries: Sequence[ListEntry],
    previous: Previous | None,
    renamed: Mapping[str, str] | None = None,
) -> ListChanges:
    """Entries of ``list_name`` added and removed since ``previous`` (empty on a first run).

    ``renamed`` maps earlier paper ids to the ids now, so a row whose paper changed its id is
    neither added nor removed."""
    if previous is None:
        return ListChanges()
    before = previous.lists.get(list_name)
    old = {entry_key(e, renamed) for e in before} if before is not None else set()
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
    the same run id, so writing a run twice does not double it).

    Earlier rows of a paper whose id changed are rewritten to its id now (the old id is one of
    its aliases), so one paper has one series; when two earlier papers turned out to be one, the
    run's first row with a citation count is kept.
    """
    rows: list[dict[str, str]] = []
    if existing.strip():
        reader = csv.DictReader(io.StringIO(existing))
        if tuple(reader.fieldnames or ()) != HISTORY_COLUMNS:
            raise OutputError(
                f"history.csv has columns {reader.fieldnames}, expected {list(HISTORY_COLUMNS)}; "
                "move the old file aside to start a new history"
            )
        rows = [row for row in reader if row["run_id"] != snapshot.manifest.run_id]
    rows = _follow_renames(rows, renamed_ids(snapshot.papers))
    rows.extend(history_rows(snapshot))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _follow_renames(rows: list[dict[str, str]], renamed: Mapping[str, str]) -> list[dict[str, str]]:
    if not any(row["paper_id"] in renamed for row in rows):
        return rows
    kept: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        row = {**row, "paper_id": renamed.get(row["paper_id"], row["paper_id"])}
        key = (row["run_id"], row["paper_id"])
        if key not in kept or (not kept[key]["citation_count"] and row["citation_count"]):
            kept[key] = row
    return list(kept.values())


def read_history(path: Path) -> list[dict[str, str]]:
    """The rows of a history.csv file (empty when it does not exist)."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- diff


class PaperRef(Model):
    """A paper named in a diff: its id and title."""

    paper_id: str
    title: str


class PaperRename(Model):
    """A paper whose id changed: the ids it had in the old snapshot, the id it has now."""

    old_ids: list[str]
    paper_id: str
    title: str


class FieldChange(Model):
    paper_id: str
    title: str
    field: str
    old: str | None
    new: str | None


class EntryChange(Model):
    """An entry added to or removed from a list, or a flag raised or cleared on one."""

    key: str = Field(description="The entry's paper id, else title:<normalized title>.")
    title: str = Field(description="The row's title.")
    flag: str | None = None


class ListDiff(Model):
    list_name: str
    added: list[EntryChange] = Field(default_factory=list, description="Entries new in the list.")
    removed: list[EntryChange] = Field(default_factory=list)
    flags_added: list[EntryChange] = Field(default_factory=list)
    flags_removed: list[EntryChange] = Field(default_factory=list)


class SnapshotDiff(Model):
    """What changed from snapshot ``old_run_id`` to ``new_run_id``."""

    old_run_id: str
    new_run_id: str
    old_status: str
    new_status: str
    papers_added: list[PaperRef] = Field(default_factory=list)
    papers_removed: list[PaperRef] = Field(default_factory=list)
    papers_renamed: list[PaperRename] = Field(default_factory=list)
    changes: list[FieldChange] = Field(default_factory=list)
    lists_added: list[str] = Field(default_factory=list)
    lists_removed: list[str] = Field(default_factory=list)
    lists: list[ListDiff] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (
            self.papers_added
            or self.papers_removed
            or self.papers_renamed
            or self.changes
            or self.lists_added
            or self.lists_removed
            or self.lists
        )


def diff_snapshots(old: Snapshot, new: Snapshot) -> SnapshotDiff:
    """Papers added, removed, renamed and changed, and entries and flags changed per list.

    A paper of ``old`` whose id is an alias of one paper of ``new`` is that paper, renamed
    (:func:`enrich.publish.lineage.renamed_ids`): its fields are compared, not reported as a
    removal and an unrelated addition.
    """
    renamed = renamed_ids(new.papers)
    new_papers = {p.paper_id: p for p in new.papers}
    matched: dict[str, list[PaperRecord]] = {}
    removed = []
    for before in old.papers:
        now = renamed.get(before.paper_id, before.paper_id)
        if now in new_papers:
            matched.setdefault(now, []).append(before)
        else:
            removed.append(PaperRef(paper_id=before.paper_id, title=before.title))
    changes = []
    renames = []
    for paper_id in sorted(matched):
        after = new_papers[paper_id]
        befores = sorted(matched[paper_id], key=lambda p: p.paper_id != paper_id)
        old_ids = sorted(p.paper_id for p in befores if p.paper_id != paper_id)
        if old_ids:
            renames.append(PaperRename(old_ids=old_ids, paper_id=paper_id, title=after.title))
        for name in _DIFFED_FIELDS:
            before_text, after_text = _text(getattr(befores[0], name)), _text(getattr(after, name))
            if before_text != after_text:
                changes.append(
                    FieldChange(
                        paper_id=paper_id,
                        title=after.title,
                        field=name,
                        old=before_text,
                        new=after_text,
                    )
                )
    list_diffs = []
    for list_name in sorted(old.lists.keys() & new.lists.keys()):
        before_entries, after_entries = old.lists[list_name].entries, new.lists[list_name].entries
        old_keys = _entry_changes(before_entries, renamed)
        new_keys = _entry_changes(after_entries, {})
        old_flags = _flag_changes(before_entries, renamed)
        new_flags = _flag_changes(after_entries, {})
        list_diff = ListDiff(
            list_name=list_name,
            added=[new_keys[k] for k in sorted(new_keys.keys() - old_keys.keys())],
            removed=[old_keys[k] for k in sorted(old_keys.keys() - new_keys.keys())],
            flags_added=[new_flags[k] for k in sorted(new_flags.keys() - old_flags.keys())],
            flags_removed=[old_flags[k] for k in sorted(old_flags.keys() - new_flags.keys())],
        )
        if list_diff.added or list_diff.removed or list_diff.flags_added or list_diff.flags_removed:
            list_diffs.append(list_diff)
    return SnapshotDiff(
        old_run_id=old.manifest.run_id,
        new_run_id=new.manifest.run_id,
        old_status=old.manifest.status.value,
        new_status=new.manifest.status.value,
        papers_added=[
            PaperRef(paper_id=p.paper_id, title=p.title)
            for p in new.papers
            if p.paper_id not in matched
        ],
        papers_removed=sorted(removed, key=lambda ref: ref.paper_id),
        papers_renamed=renames,
        changes=changes,
        lists_added=sorted(new.lists.keys() - old.lists.keys()),
        lists_removed=sorted(old.lists.keys() - new.lists.keys()),
        lists=list_diffs,
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _entry_changes(
    entries: Sequence[ListEntry], renamed: Mapping[str, str]
) -> dict[str, EntryChange]:
    changes: dict[str, EntryChange] = {}
    for entry in entries:
        key = entry_key(entry, renamed)
        changes.setdefault(key, EntryChange(key=key, title=entry.title))
    return changes


def _flag_changes(
    entries: Sequence[ListEntry], renamed: Mapping[str, str]
) -> dict[tuple[str, str], EntryChange]:
    changes: dict[tuple[str, str], EntryChange] = {}
    for entry in entries:
        key = entry_key(entry, renamed)
        for flag in entry.flags:
            changes.setdefault(
                (key, flag.flag.value), EntryChange(key=key, title=entry.title, flag=flag.flag)
            )
    return changes


def format_diff(diff: SnapshotDiff) -> str:
    """The diff as plain text lines, for the terminal: every paper and row by id and title."""
    lines = [f"{diff.old_run_id} ({diff.old_status}) -> {diff.new_run_id} ({diff.new_status})"]
    if diff.is_empty():
        return "\n".join([*lines, "no changes"]) + "\n"
    lines += [f"+ paper {p.paper_id} {_quoted(p.title)}" for p in diff.papers_added]
    lines += [f"- paper {p.paper_id} {_quoted(p.title)}" for p in diff.papers_removed]
    for rename in diff.papers_renamed:
        lines.append(
            f"= paper {', '.join(rename.old_ids)} is now {rename.paper_id} "
            f"{_quoted(rename.title)} (its earlier ids are in its aliases)"
        )
    for change in diff.changes:
        lines.append(
            f"~ {change.paper_id} {_quoted(change.title)} {change.field}: "
            f"{change.old} -> {change.new}"
        )
    lines += [f"+ list {name}" for name in diff.lists_added]
    lines += [f"- list {name}" for name in diff.lists_removed]
    for list_diff in diff.lists:
        lines.append(f"list {list_diff.list_name}:")
        lines += [f"  + entry {c.key} {_quoted(c.title)}" for c in list_diff.added]
        lines += [f"  - entry {c.key} {_quoted(c.title)}" for c in list_diff.removed]
        lines += [f"  + flag {c.flag} {c.key} {_quoted(c.title)}" for c in list_diff.flags_added]
        lines += [f"  - flag {c.flag} {c.key} {_quoted(c.title)}" for c in list_diff.flags_removed]
    return "\n".join(lines) + "\n"


def _quoted(title: str) -> str:
    return f'"{" ".join(title.split())}"'
