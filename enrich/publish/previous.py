"""What a run takes from the previous snapshot, and nothing more.

A run compares itself with the last snapshot written
(:func:`enrich.publish.snapshot.build_snapshot`): it carries values forward from the earlier
paper records, remembers which paper each earlier row resolved to, and lists the rows added and
removed. For that it needs the previous manifest, its paper records, and of each list row only
its title and paper id. The rest of a list file (links, ids, flags, sections, the audit) and the
suggested fixes are not used: at 20,000 papers the list files alone hold about 110 MiB once
read, held through the run's largest moment for nothing.
:func:`enrich.publish.snapshot.load_previous` reads this view from disk (each list file is still
checked against the contract in full, one at a time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from enrich.contract import ListFile, Manifest, PaperRecord, Snapshot


class EarlierEntry(NamedTuple):
    """One row of a list in the previous snapshot: how it is recognized across runs."""

    title: str
    paper_id: str | None


def earlier_entries(list_file: ListFile) -> list[EarlierEntry]:
    """The rows of ``list_file``, in list order, as a later run remembers them."""
    return [EarlierEntry(entry.title, entry.paper_id) for entry in list_file.entries]


@dataclass(frozen=True)
class Previous:
    """The previous snapshot as a run uses it (see the module docstring)."""

    manifest: Manifest
    papers: Sequence[PaperRecord]
    #: List slug -> its rows, in list order.
    lists: Mapping[str, Sequence[EarlierEntry]]

    @classmethod
    def of(cls, snapshot: Snapshot) -> Previous:
        """The view of a snapshot already in memory (its records are shared, not copied)."""
        return cls(
            manifest=snapshot.manifest,
            papers=snapshot.papers,
            lists={slug: earlier_entries(list_file) for slug, list_file in snapshot.lists.items()},
        )
