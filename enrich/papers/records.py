"""Reconciliation: list entries + source records -> paper records.

What to look up is planned in :mod:`enrich.papers.lookups`; after the source calls,
:func:`reconcile` groups the entries of all lists into one :class:`PaperRecord` per paper, keyed
by a paper id chosen from the ids the lists give (:func:`choose_paper_id`), and merges the
sources' fields by precedence (:data:`FIELD_PRECEDENCE`), recording which source gave each field
and when. Carry-forward of values a failed source could not refresh, and the ids a paper had in
earlier snapshots, are :func:`enrich.publish.history.carry_forward`'s job.

Ids for life: a paper's id is taken from the ids its list rows give (arXiv, else DOI, OpenReview,
ACL, a paper link), in :data:`enrich.contract.PAPER_ID_ORDER`; a source's id (an arXiv id that
Semantic Scholar knows, an S2 paperId) names a paper only when no list row gives one, so a run
with or without Semantic Scholar gives a paper the same id. Every other id the paper is known by
is kept in its ``aliases``.

Published version: Semantic Scholar's ``publicationDate`` of an arXiv paper is usually the date
of an arXiv version, and its ``year`` the venue's. A record keeps ``venue``, ``publication_year``
and ``publication_date`` only for a venue that is not a preprint server, and the date only when
it is neither arXiv date and falls in the venue's year (:func:`settle_publication`).

Decision on non-paper entries (course, book, ...): an entry of any kind that carries a paper id
(e.g. the Springer book's DOI) is looked up and becomes a record, because the id names a citable
work; entries without an id are title-matched only when their kind is ``paper``. Checks apply to
papers only (:func:`enrich.papers.checks.check_entries`).

Only the first id of each kind in a row is used (:mod:`enrich.papers.lookups` says why).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from enrich.contract import (
    Appearance,
    FieldOrigin,
    FieldSource,
    LookupState,
    PaperIds,
    PaperRecord,
    PublicationStatus,
    paper_id_rank,
)
from enrich.models import (
    ArxivRecord,
    Author,
    EntryKind,
    ExtractedList,
    Model,
    Outcome,
    OutcomeStatus,
    S2Record,
    SourceHealth,
    SourceResult,
    SourceStatus,
)
from enrich.papers.checks import EntryEvidence, is_preprint_venue, title_key
from enrich.papers.lookups import (
    arxiv_key,
    linked_id,
    list_entries,
    needs_title_match,
    outcome_of,
    s2_key,
    s2_record_ids,
)
from enrich.titles import normalize_title

#: Which sources may give each record field, best first. ``author_ids`` is the S2 author id set
#: on :attr:`PaperRecord.authors`.
FIELD_PRECEDENCE: dict[str, tuple[FieldOrigin, ...]] = {
    "title": (FieldOrigin.ARXIV, FieldOrigin.S2, FieldOrigin.LIST),
    "authors": (FieldOrigin.ARXIV, FieldOrigin.S2),
    "author_ids": (FieldOrigin.S2,),
    # S2 offers a year only for a published version or a paper not on arXiv: the year of an
    # unpublished arXiv paper is its v1's.
    "year": (FieldOrigin.S2, FieldOrigin.ARXIV),
    "publication_status": (FieldOrigin.S2,),
    "arxiv_published": (FieldOrigin.ARXIV,),
    "arxiv_updated": (FieldOrigin.ARXIV,),
    "arxiv_version": (FieldOrigin.ARXIV,),
    "primary_category": (FieldOrigin.ARXIV,),
    "categories": (FieldOrigin.ARXIV,),
    "journal_ref": (FieldOrigin.ARXIV,),
    "venue": (FieldOrigin.S2,),
    "publication_year": (FieldOrigin.S2,),
    "publication_date": (FieldOrigin.S2,),
    "citation_count": (FieldOrigin.S2,),
    "influential_citation_count": (FieldOrigin.S2,),
    "reference_count": (FieldOrigin.S2,),
    "open_access_pdf": (FieldOrigin.S2,),
    "fields_of_study": (FieldOrigin.S2,),
}


class Reconciliation(Model):
    """The records of a run (fresh values only) and the evidence for each entry."""

    entries: list[EntryEvidence] = Field(description="Every entry of every list, in list order.")
    records: list[PaperRecord] = Field(description="Sorted by paper_id.")


# --------------------------------------------------------------------------- reconciliation


def previous_entry_key(list_name: str, title: str) -> str:
    """Key under which a previous snapshot remembers which paper a list row resolved to."""
    return f"{list_name}\x1f{title_key(title)}"


def reconcile(
    lists: Sequence[ExtractedList],
    arxiv: SourceResult[ArxivRecord],
    s2: SourceResult[S2Record],
    titles: SourceResult[S2Record],
    remembered: Mapping[str, str] | None = None,
) -> Reconciliation:
    """Group the entries of ``lists`` into paper records (fresh values only).

    Entries are the same paper when they share an id, directly or through a source record's
    external ids (an OpenReview row title-matched to a paper another list links by arXiv id is
    one record). ``remembered`` (:func:`previous_entry_key` -> paper id, from the previous
    snapshot) names the paper of a row that needs a title match which failed (or was not made:
    S2 disabled) in this run, so that its values can be carried forward.
    A record's id is :func:`choose_paper_id` of its ids; the others are its ``aliases``.
    """
    evidence = _gather_evidence(lists, arxiv, s2, titles)
    remembered = remembered or {}
    groups = _UnionFind()
    entry_ids: list[tuple[list[str], list[str]]] = []
    for index, item in enumerate(evidence):
        listed, found = _entry_ids(item)
        match = item.title_match
        unmatched = match is None or match.status == OutcomeStatus.FAILED
        if needs_title_match(item.entry) and unmatched:
            previous = remembered.get(previous_entry_key(item.list_name, item.entry.title))
            found = [previous, *found] if previous else found
        entry_ids.append((listed, found))
        for paper_id in [*listed, *found]:
            groups.union(f"entry:{index}", paper_id)

    members: dict[str, list[int]] = {}
    for index, (listed, found) in enumerate(entry_ids):
        if listed or found:
            members.setdefault(groups.find(f"entry:{index}"), []).append(index)
    records: list[PaperRecord] = []
    resolved = list(evidence)
    for indexes in members.values():
        indexes.sort(key=lambda i: (evidence[i].list_name, evidence[i].entry.position))
        listed_ids = [i for index in indexes for i in entry_ids[index][0]]
        found_ids = [i for index in indexes for i in entry_ids[index][1]]
        group_ids = list(dict.fromkeys([*listed_ids, *found_ids]))
        record = _build_record(
            choose_paper_id(listed_ids, group_ids),
            group_ids,
            [evidence[i] for i in indexes],
            arxiv.health,
            s2.health,
        )
        records.append(record)
        for index in indexes:
            resolved[index] = evidence[index].model_copy(update={"paper_id": record.paper_id})
    return Reconciliation(entries=resolved, records=sorted(records, key=lambda r: r.paper_id))


def _gather_evidence(
    lists: Sequence[ExtractedList],
    arxiv: SourceResult[ArxivRecord],
    s2: SourceResult[S2Record],
    titles: SourceResult[S2Record],
) -> list[EntryEvidence]:
    evidence = []
    for list_name, entry in list_entries(lists):
        # A title outcome belongs to the entry only when its title was the way to find it (a
        # suggestion query for a mismatched row names another paper).
        wants_title = needs_title_match(entry)
        evidence.append(
            EntryEvidence(
                list_name=list_name,
                entry=entry,
                linked_id=linked_id(entry),
                arxiv=outcome_of(arxiv, arxiv_key(entry)),
                s2=outcome_of(s2, s2_key(entry)),
                title_match=outcome_of(titles, title_key(entry.title)) if wants_title else None,
            )
        )
    return evidence


def _entry_ids(item: EntryEvidence) -> tuple[list[str], list[str]]:
    """The ids naming the entry's paper: those the row gives (its first id of each kind, else
    its first paper link), and those the sources add (external ids, S2 paperIds)."""
    ids = item.entry.ids
    listed = [
        f"{prefix}:{values[0]}"
        for prefix, values in (
            ("arxiv", ids.arxiv),
            ("doi", ids.doi),
            ("openreview", ids.openreview),
            ("acl", ids.acl),
        )
        if values
    ]
    if not listed and item.entry.paper_urls:
        listed.append(f"url:{item.entry.paper_urls[0]}")
    found = []
    if item.arxiv is not None and item.arxiv.record is not None and item.arxiv.record.doi:
        found.append(f"doi:{item.arxiv.record.doi.lower()}")
    for outcome in (item.s2, item.title_match):
        if outcome is not None and outcome.record is not None:
            found.extend(s2_record_ids(outcome.record))
    return listed, [i for i in dict.fromkeys(found) if i not in listed]


def choose_paper_id(listed: Sequence[str], known: Sequence[str]) -> str:
    """A paper's id: the most stable of the ids its list rows give (``listed``, in
    :data:`enrich.contract.PAPER_ID_ORDER`), else of every id ``known`` for it.

    A source's id never replaces one a list gives, so a paper keeps its id whether or not
    Semantic Scholar answered; it changes only when the lists change (a row gains an arXiv
    link), and the id it had stays among its aliases.
    """
    return min(listed or known, key=paper_id_rank)


class _UnionFind:
    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        parent = self._parent.setdefault(node, node)
        if parent != node:
            parent = self._parent[node] = self.find(parent)
        return parent

    def union(self, first: str, second: str) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            self._parent[max(a, b)] = min(a, b)


def _lookup_state(
    outcomes: Sequence[Outcome[Any]], wanted: bool, health_disabled: bool
) -> LookupState:
    statuses = {o.status for o in outcomes}
    if OutcomeStatus.OK in statuses:
        return LookupState.OK
    if OutcomeStatus.FAILED in statuses:
        return LookupState.FAILED
    if OutcomeStatus.NOT_FOUND in statuses:
        return LookupState.NOT_FOUND
    if wanted and health_disabled:
        return LookupState.DISABLED
    return LookupState.NOT_REQUESTED


def _build_record(
    paper_id: str,
    group_ids: list[str],
    items: list[EntryEvidence],
    arxiv_health: SourceHealth,
    s2_health: SourceHealth,
) -> PaperRecord:
    items = sorted(items, key=lambda i: (i.list_name, i.entry.position))
    arxiv_outcomes = [i.arxiv for i in items if i.arxiv is not None]
    s2_outcomes = [o for i in items for o in (i.s2, i.title_match) if o is not None]
    arxiv_ok = sorted(
        (o for o in arxiv_outcomes if o.record is not None), key=lambda o: o.key != paper_id
    )
    # An id lookup beats a title match when both found a record.
    s2_ok = [
        o
        for o in [*(i.s2 for i in items), *(i.title_match for i in items)]
        if o is not None and o.record is not None
    ]
    wanted_arxiv = any(arxiv_key(i.entry) for i in items)
    wanted_s2 = any(s2_key(i.entry) or needs_title_match(i.entry) for i in items)

    offered: dict[FieldOrigin, tuple[dict[str, Any], Any]] = {
        FieldOrigin.LIST: ({"title": items[0].entry.title.strip()}, None)
    }
    if arxiv_ok:
        assert arxiv_ok[0].record is not None
        offered[FieldOrigin.ARXIV] = (_arxiv_values(arxiv_ok[0].record), arxiv_ok[0].fetched_at)
    s2_record = s2_ok[0].record if s2_ok else None
    if s2_record is not None:
        offered[FieldOrigin.S2] = (_s2_values(s2_record), s2_ok[0].fetched_at)
    values: dict[str, Any] = {}
    sources: dict[str, FieldSource] = {}
    # One FieldSource per origin, shared by its fields (immutable): a fifth of the validations.
    origins: dict[FieldOrigin, FieldSource] = {}
    for name, order in FIELD_PRECEDENCE.items():
        for origin in order:
            value = offered.get(origin, ({}, None))[0].get(name)
            if value is not None and value != [] and value != "":
                values[name] = value
                if origin not in origins:
                    origins[origin] = FieldSource(source=origin, fetched_at=offered[origin][1])
                sources[name] = origins[origin]
                break
    # A row with no title (a title-less block) whose paper no source gave: an empty title, not
    # a missing one (the contract requires the field).
    values.setdefault("title", "")
    if s2_record is not None:
        with_ids = merge_author_ids(values.get("authors", []), s2_record.authors)
        if any(a.s2_id for a in with_ids):
            values["authors"] = with_ids
            sources["author_ids"] = FieldSource(
                source=FieldOrigin.S2, fetched_at=offered[FieldOrigin.S2][1]
            )

    kinds = [i.entry.kind for i in items]
    return PaperRecord(
        paper_id=paper_id,
        aliases=sorted((i for i in group_ids if i != paper_id), key=paper_id_rank),
        kind=EntryKind.PAPER if EntryKind.PAPER in kinds else kinds[0],
        ids=_paper_ids(group_ids),
        paper_urls=sorted({url for i in items for url in i.entry.paper_urls}),
        lookups={
            "arxiv": _lookup_state(
                arxiv_outcomes, wanted_arxiv, arxiv_health.status == SourceStatus.DISABLED
            ),
            "s2": _lookup_state(s2_outcomes, wanted_s2, s2_health.status == SourceStatus.DISABLED),
        },
        sources=dict(sorted(sources.items())),
        appearances=[
            Appearance(
                list_name=i.list_name,
                position=i.entry.position,
                line=i.entry.line,
                section=i.entry.section,
                title=i.entry.title,
                name=i.entry.name,
            )
            for i in items
        ],
        **values,
    )


def _arxiv_values(record: ArxivRecord) -> dict[str, Any]:
    return {
        "title": " ".join(record.title.split()),
        "authors": record.authors,
        "year": record.published.year,
        "arxiv_published": record.published.date(),
        "arxiv_updated": record.updated.date(),
        "arxiv_version": record.latest_version,
        "primary_category": record.primary_category,
        "categories": record.categories,
        "journal_ref": record.journal_ref,
    }


def _s2_values(record: S2Record) -> dict[str, Any]:
    named = record.venue or (record.publication_venue.name if record.publication_venue else None)
    # "arXiv.org", "CoRR", "bioRxiv", ...: where the preprint is, not a published version.
    venue = named.strip() if named and not is_preprint_venue(named) else None
    on_arxiv = any(k.lower() == "arxiv" and v for k, v in record.external_ids.items())
    status = (
        PublicationStatus.PUBLISHED if venue else PublicationStatus.PREPRINT if on_arxiv else None
    )
    return {
        "title": " ".join(record.title.split()),
        "authors": record.authors,
        # S2's year of an unpublished arXiv paper is its v1's, which arXiv gives first-hand.
        "year": record.year if venue or not on_arxiv else None,
        "publication_status": status,
        "venue": venue,
        "publication_year": record.year if venue else None,
        # Checked against the arXiv dates by settle_publication, once carry-forward is done.
        "publication_date": record.publication_date if venue else None,
        "citation_count": record.citation_count,
        "influential_citation_count": record.influential_citation_count,
        "reference_count": record.reference_count,
        # S2 gives an empty url when there is no open-access PDF (see API_NOTES).
        "open_access_pdf": record.open_access_pdf or None,
        "fields_of_study": record.fields_of_study,
    }


def merge_author_ids(authors: Sequence[Author], s2_authors: Sequence[Author]) -> list[Author]:
    """``authors`` with each one's S2 id, matched by normalized name, else by position when
    both lists have the same length (S2 and arXiv spell some names differently)."""
    by_name = {normalize_title(a.name): a.s2_id for a in s2_authors if a.s2_id}
    same_length = len(authors) == len(s2_authors)
    merged = []
    for index, author in enumerate(authors):
        s2_id = by_name.get(normalize_title(author.name))
        if s2_id is None and same_length:
            s2_id = s2_authors[index].s2_id
        s2_id = s2_id or author.s2_id
        # Both parts are validated already; model_construct skips a second validation and the
        # copy.copy of model_copy, a tenth of a 10,000-paper run's processing time.
        merged.append(
            author
            if s2_id == author.s2_id
            else Author.model_construct(
                name=author.name, affiliations=author.affiliations, s2_id=s2_id
            )
        )
    return merged


def _paper_ids(group_ids: Sequence[str]) -> PaperIds:
    by_kind: dict[str, list[str]] = {"arxiv": [], "doi": [], "openreview": [], "acl": [], "s2": []}
    for paper_id in group_ids:
        prefix, _, value = paper_id.partition(":")
        if prefix in by_kind:
            by_kind[prefix].append(value)
    return PaperIds(**by_kind)


def settle_publication(record: PaperRecord) -> PaperRecord:
    """``record`` without published-version claims its own values contradict.

    Run once carry-forward is done (the arXiv dates may then be kept ones). The date S2 gives is
    dropped when it is an arXiv version's date, when it falls outside the venue's year, or when
    the paper is on arXiv and its arXiv dates are unknown (so it cannot be told apart); a
    ``preprint`` status is dropped when arXiv gives a journal reference (the authors say it was
    published; where, S2 does not know).
    """
    drop = []
    date = record.publication_date
    if date is not None and (
        date in (record.arxiv_published, record.arxiv_updated)
        or (record.publication_year is not None and date.year != record.publication_year)
        or (record.ids.arxiv and record.arxiv_published is None)
    ):
        drop.append("publication_date")
    if record.publication_status == PublicationStatus.PREPRINT and record.journal_ref:
        drop.append("publication_status")
    if not drop:
        return record
    sources = {name: origin for name, origin in record.sources.items() if name not in drop}
    return record.model_copy(update={**dict.fromkeys(drop), "sources": sources})
