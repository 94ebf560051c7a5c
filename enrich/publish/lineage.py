"""Which record of an earlier snapshot is which paper now: the join that keeps one paper one
paper across runs, even when its id changes.

A paper's id changes only when the lists change (a row that gave an OpenReview link gains an
arXiv link, see :func:`enrich.papers.records.choose_paper_id`), or when two records turn out to
be one paper. Its earlier record is found by :func:`predecessors` (the same paper id, else a
shared id), and every id it was published under is kept in its ``aliases``. From then on a
paper's aliases are enough to join anything written earlier under an old id:
:func:`renamed_ids` maps each old id to the paper's id now (history.csv, list changes, the diff).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from enrich.contract import PaperRecord, paper_id_rank


def names(record: PaperRecord) -> list[str]:
    """Every paper id naming ``record``: its own, then its aliases."""
    return [record.paper_id, *record.aliases]


def predecessors(
    records: Sequence[PaperRecord], previous: Iterable[PaperRecord]
) -> dict[str, list[PaperRecord]]:
    """Paper id of each record of ``records`` -> the records of ``previous`` that were the same
    paper, the one to carry values from first.

    An earlier record belongs to the record with its paper id; failing that, to the record
    sharing the most ids with it (ties: the more stable paper id). Each earlier record belongs to
    at most one record, so a paper that splits in two does not hand its values to both; two
    earlier records may belong to one (a merge): the one with the same id, else the one sharing
    the most ids, comes first.
    """
    earlier = sorted(previous, key=lambda p: p.paper_id)
    current = {record.paper_id for record in records}
    by_name: dict[str, list[str]] = {}
    for record in records:
        for name in names(record):
            by_name.setdefault(name, []).append(record.paper_id)
    found: dict[str, list[tuple[int, PaperRecord]]] = {}
    for before in earlier:
        if before.paper_id in current:
            found.setdefault(before.paper_id, []).append((-1_000_000, before))
            continue
        shared: Counter[str] = Counter()
        for name in set(names(before)):
            shared.update(set(by_name.get(name, ())))
        if shared:
            heir = min(shared, key=lambda paper_id: (-shared[paper_id], paper_id_rank(paper_id)))
            found.setdefault(heir, []).append((-shared[heir], before))
    return {
        paper_id: [before for _, before in sorted(pairs, key=lambda p: (p[0], p[1].paper_id))]
        for paper_id, pairs in found.items()
    }


def renamed_ids(records: Iterable[PaperRecord]) -> dict[str, str]:
    """Each alias that is no record's paper id -> the paper id of the one record holding it.

    An alias two records hold (a paper that split) maps to neither: which paper an earlier row
    under that id meant is not known.
    """
    records = list(records)
    current = {record.paper_id for record in records}
    holders: dict[str, set[str]] = {}
    for record in records:
        for alias in record.aliases:
            if alias not in current:
                holders.setdefault(alias, set()).add(record.paper_id)
    return {alias: ids.pop() for alias, ids in holders.items() if len(ids) == 1}
