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

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from enrich.contract import (
    FieldOrigin,
    FieldSource,
    LookupState,
    PaperRecord,
    PublicationStatus,
    paper_id_rank,
)
from enrich.models import (
    ArxivRecord,
    Author,
    Entry,
    EntryKind,
    ExtractedList,
    Model,
    Outcome,
    OutcomeStatus,
    S2Record,
    SourceResult,
    SourceStatus,
)
from enrich.papers.checks import EntryEvidence, is_preprint_venue, title_key
from enrich.papers.lookups import (
    arxiv_key,
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


#: The origins of a record's fields, by the index :func:`reconcile` knows them by.
_ORIGINS: tuple[FieldOrigin, ...] = (FieldOrigin.ARXIV, FieldOrigin.S2, FieldOrigin.LIST)
_ARXIV, _S2, _LIST = range(len(_ORIGINS))
_PAPER = EntryKind.PAPER
#: :data:`FIELD_PRECEDENCE` by origin index: a record is built without an enum lookup per field
#: (an enum member's hash and attribute are Python-level calls).
_PRECEDENCE: tuple[tuple[str, tuple[int, ...]], ...] = tuple(
    (name, tuple(_ORIGINS.index(origin) for origin in order))
    for name, order in FIELD_PRECEDENCE.items()
)


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
    rows = _gather_rows(lists, arxiv, s2, titles, remembered or {})
    build = _RecordBuilder(
        arxiv_disabled=arxiv.health.status == SourceStatus.DISABLED,
        s2_disabled=s2.health.status == SourceStatus.DISABLED,
    )
    paper_ids: list[str | None] = [None] * len(rows)
    records: list[PaperRecord] = []
    for indexes in _groups(rows):
        members = [rows[index] for index in indexes]
        if len(members) > 1:
            members.sort(key=lambda row: (row.list_name, row.entry.position))
        listed_ids = [i for row in members for i in row.listed]
        found_ids = [i for row in members for i in row.found]
        group_ids = list(dict.fromkeys([*listed_ids, *found_ids]))
        record = build.record(choose_paper_id(listed_ids, group_ids), group_ids, members)
        records.append(record)
        for index in indexes:
            paper_ids[index] = record.paper_id
    # Each entry's evidence is made once, its paper known: a copy per entry to set paper_id
    # afterwards cost as much again.
    entries = [
        EntryEvidence(
            list_name=row.list_name,
            entry=row.entry,
            linked_id=row.listed[0] if row.listed else None,
            arxiv=row.arxiv,
            s2=row.s2,
            title_match=row.title_match,
            paper_id=paper_id,
        )
        for row, paper_id in zip(rows, paper_ids, strict=True)
    ]
    records.sort(key=lambda r: r.paper_id)
    return Reconciliation(entries=entries, records=records)


@dataclass(slots=True)
class _Row:
    """One list entry while it is reconciled: what the lookups said about it, the ids naming
    its paper, and which sources it wanted an answer from."""

    list_name: str
    entry: Entry
    #: The ids the row gives (its first id of each kind, else its first paper link); the first
    #: one is the row's :func:`enrich.papers.lookups.linked_id`.
    listed: list[str]
    #: The ids the sources add (external ids, S2 paperIds), and the remembered paper of a row
    #: whose title match failed.
    found: list[str]
    arxiv: Outcome[ArxivRecord] | None
    s2: Outcome[S2Record] | None
    #: A title outcome belongs to the entry only when its title was the way to find it (a
    #: suggestion query for a mismatched row names another paper).
    title_match: Outcome[S2Record] | None
    wants_arxiv: bool
    wants_s2: bool


def _gather_rows(
    lists: Sequence[ExtractedList],
    arxiv: SourceResult[ArxivRecord],
    s2: SourceResult[S2Record],
    titles: SourceResult[S2Record],
    remembered: Mapping[str, str],
) -> list[_Row]:
    rows = []
    for list_name, entry in list_entries(lists):
        a_key, s_key = arxiv_key(entry), s2_key(entry)
        wants_title = s_key is None and needs_title_match(entry)
        arxiv_outcome = outcome_of(arxiv, a_key)
        s2_outcome = outcome_of(s2, s_key)
        title_outcome = outcome_of(titles, title_key(entry.title)) if wants_title else None
        listed = _listed_ids(entry)
        found = []
        arxiv_found = arxiv_outcome.record if arxiv_outcome is not None else None
        if arxiv_found is not None and arxiv_found.doi:
            found.append(f"doi:{arxiv_found.doi.lower()}")
        for outcome in (s2_outcome, title_outcome):
            if outcome is not None and outcome.record is not None:
                found.extend(s2_record_ids(outcome.record))
        found = [i for i in dict.fromkeys(found) if i not in listed]
        if wants_title and (title_outcome is None or title_outcome.status == OutcomeStatus.FAILED):
            previous = remembered.get(previous_entry_key(list_name, entry.title))
            if previous:
                found.insert(0, previous)
        rows.append(
            _Row(
                list_name=list_name,
                entry=entry,
                listed=listed,
                found=found,
                arxiv=arxiv_outcome,
                s2=s2_outcome,
                title_match=title_outcome,
                wants_arxiv=a_key is not None,
                wants_s2=s_key is not None or wants_title,
            )
        )
    return rows


def _listed_ids(entry: Entry) -> list[str]:
    """The ids naming the entry's paper that its row gives: its first id of each kind, else its
    first paper link."""
    ids = entry.ids
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
    if not listed and entry.paper_urls:
        listed.append(f"url:{entry.paper_urls[0]}")
    return listed


def _groups(rows: Sequence[_Row]) -> list[list[int]]:
    """The indexes of ``rows`` that name one paper, group by group (rows naming no id are in
    none): rows sharing an id, directly or through other rows, are one group."""
    parent: dict[str, str] = {}
    firsts: list[str | None] = []
    for row in rows:
        ids = [*row.listed, *row.found]
        if not ids:
            firsts.append(None)
            continue
        root = _find(parent, ids[0])
        for other in ids[1:]:
            other_root = _find(parent, other)
            if other_root != root:
                parent[other_root] = root
        firsts.append(ids[0])
    members: dict[str, list[int]] = {}
    for index, first in enumerate(firsts):
        if first is not None:
            members.setdefault(_find(parent, first), []).append(index)
    return list(members.values())


def _find(parent: dict[str, str], node: str) -> str:
    """The root of ``node``'s set in the union-find forest ``parent`` (added as its own set when
    new); the path walked is pointed at the root."""
    root = parent.setdefault(node, node)
    if root == node:
        return node
    while (up := parent[root]) != root:
        root = up
    while node != root:
        parent[node], node = root, parent[node]
    return root


def choose_paper_id(listed: Sequence[str], known: Sequence[str]) -> str:
    """A paper's id: the most stable of the ids its list rows give (``listed``, in
    :data:`enrich.contract.PAPER_ID_ORDER`), else of every id ``known`` for it.

    A source's id never replaces one a list gives, so a paper keeps its id whether or not
    Semantic Scholar answered; it changes only when the lists change (a row gains an arXiv
    link), and the id it had stays among its aliases.
    """
    return min(listed or known, key=paper_id_rank)


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


class _RecordBuilder:
    """Builds the records of one run; what is the same for all of them is worked out once."""

    def __init__(self, *, arxiv_disabled: bool, s2_disabled: bool) -> None:
        self._arxiv_disabled = arxiv_disabled
        self._s2_disabled = s2_disabled
        # One FieldSource per origin and fetch time, shared by every field and record that has
        # it (immutable): a batch of answers has one fetch time, so there are few.
        self._field_sources: dict[tuple[str, dt.datetime | None], FieldSource] = {}
        self._list_source = self._field_source(FieldOrigin.LIST, None)

    def _field_source(self, origin: FieldOrigin, fetched_at: dt.datetime | None) -> FieldSource:
        key = (origin.value, fetched_at)
        found = self._field_sources.get(key)
        if found is None:
            found = self._field_sources[key] = FieldSource(source=origin, fetched_at=fetched_at)
        return found

    def record(self, paper_id: str, group_ids: list[str], rows: Sequence[_Row]) -> PaperRecord:
        """The record of the paper ``rows`` (in (list_name, position) order) name."""
        # One pass over the rows gathers what the record needs from them (most papers have one
        # row, and a pass per question cost more than the questions).
        arxiv_outcomes: list[Outcome[ArxivRecord]] = []
        s2_outcomes: list[Outcome[S2Record]] = []
        arxiv_found: Outcome[ArxivRecord] | None = None
        # An id lookup beats a title match when both found a record.
        s2_found: Outcome[S2Record] | None = None
        title_found: Outcome[S2Record] | None = None
        wants_arxiv = wants_s2 = is_paper = False
        appearances = []
        for row in rows:
            if (outcome := row.arxiv) is not None:
                arxiv_outcomes.append(outcome)
                # The answer for the record's own id, else the first that found a record.
                if outcome.record is not None and (
                    arxiv_found is None or (outcome.key == paper_id != arxiv_found.key)
                ):
                    arxiv_found = outcome
            if (s2_outcome := row.s2) is not None:
                s2_outcomes.append(s2_outcome)
                if s2_found is None and s2_outcome.record is not None:
                    s2_found = s2_outcome
            if (match := row.title_match) is not None:
                s2_outcomes.append(match)
                if title_found is None and match.record is not None:
                    title_found = match
            wants_arxiv = wants_arxiv or row.wants_arxiv
            wants_s2 = wants_s2 or row.wants_s2
            entry = row.entry
            is_paper = is_paper or entry.kind == _PAPER
            appearances.append(
                {
                    "list_name": row.list_name,
                    "position": entry.position,
                    "line": entry.line,
                    "section": entry.section,
                    "title": entry.title,
                    "name": entry.name,
                }
            )
        s2_found = s2_found or title_found

        # What each origin offers and its provenance, by index in _ORIGINS.
        offered: list[tuple[dict[str, Any], FieldSource] | None] = [None, None, None]
        offered[_LIST] = ({"title": rows[0].entry.title.strip()}, self._list_source)
        if arxiv_found is not None and arxiv_found.record is not None:
            offered[_ARXIV] = (
                _arxiv_values(arxiv_found.record),
                self._field_source(FieldOrigin.ARXIV, arxiv_found.fetched_at),
            )
        s2_record = s2_found.record if s2_found is not None else None
        if s2_found is not None and s2_record is not None:
            s2_source = self._field_source(FieldOrigin.S2, s2_found.fetched_at)
            offered[_S2] = (_s2_values(s2_record), s2_source)
        values: dict[str, Any] = {}
        sources: dict[str, FieldSource] = {}
        for name, order in _PRECEDENCE:
            for origin in order:
                offer = offered[origin]
                if offer is None:
                    continue
                value = offer[0].get(name)
                if value is not None and value != [] and value != "":
                    values[name] = value
                    sources[name] = offer[1]
                    break
        # A row with no title (a title-less block) whose paper no source gave: an empty title,
        # not a missing one (the contract requires the field).
        values.setdefault("title", "")
        if s2_found is not None and s2_record is not None:
            authors: list[Author] = values.get("authors", [])
            s2_ids = _author_s2_ids(authors, s2_record.authors)
            if any(s2_ids):
                # Plain values for the authors that change: the record's validation makes them
                # Authors without a Python-level construction each.
                values["authors"] = [
                    author
                    if s2_id == author.s2_id
                    else {"name": author.name, "affiliations": author.affiliations, "s2_id": s2_id}
                    for author, s2_id in zip(authors, s2_ids, strict=True)
                ]
                sources["author_ids"] = s2_source

        return PaperRecord(
            paper_id=paper_id,
            aliases=sorted((i for i in group_ids if i != paper_id), key=paper_id_rank),
            kind=_PAPER if is_paper else rows[0].entry.kind,
            ids=_paper_ids(group_ids),
            paper_urls=sorted({url for row in rows for url in row.entry.paper_urls}),
            lookups={
                "arxiv": _lookup_state(arxiv_outcomes, wants_arxiv, self._arxiv_disabled),
                "s2": _lookup_state(s2_outcomes, wants_s2, self._s2_disabled),
            },
            sources=dict(sorted(sources.items())),
            appearances=appearances,
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
    return [
        author
        if s2_id == author.s2_id
        else Author(name=author.name, affiliations=author.affiliations, s2_id=s2_id)
        for author, s2_id in zip(authors, _author_s2_ids(authors, s2_authors), strict=True)
    ]


def _author_s2_ids(authors: Sequence[Author], s2_authors: Sequence[Author]) -> list[str | None]:
    """The S2 id of each of ``authors`` (see :func:`merge_author_ids`), else its own."""
    by_name = {normalize_title(a.name): a.s2_id for a in s2_authors if a.s2_id}
    same_length = len(authors) == len(s2_authors)
    found = []
    for index, author in enumerate(authors):
        s2_id = by_name.get(normalize_title(author.name))
        if s2_id is None and same_length:
            s2_id = s2_authors[index].s2_id
        found.append(s2_id or author.s2_id)
    return found


def _paper_ids(group_ids: Sequence[str]) -> dict[str, list[str]]:
    """The :class:`PaperIds` of a paper known by ``group_ids``, as the values to validate."""
    by_kind: dict[str, list[str]] = {"arxiv": [], "doi": [], "openreview": [], "acl": [], "s2": []}
    for paper_id in group_ids:
        prefix, _, value = paper_id.partition(":")
        if prefix in by_kind:
            by_kind[prefix].append(value)
    return by_kind


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
