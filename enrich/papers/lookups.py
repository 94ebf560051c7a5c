"""Lookup planning: which arXiv ids, S2 ids and titles to ask the sources for, from the lists
alone (:func:`plan_lookups`), and after the first answers which titles to match to find the
paper a mismatched row really names (:func:`plan_suggestions`). The keys it gives each entry
(:func:`arxiv_key`, :func:`s2_key`, :func:`title_query`) are how :mod:`enrich.papers.records`
finds the answers again.

Only the first id of each kind in a row is used: a row describes one paper, and a second arXiv
link in a row is usually a companion paper, not the one the row names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import Field

from enrich.models import (
    ArxivRecord,
    Entry,
    EntryKind,
    ExtractedList,
    Model,
    Outcome,
    S2Record,
    SourceResult,
    TitleQuery,
)
from enrich.papers.checks import title_describes, title_key
from enrich.sources.s2 import to_s2_id
from enrich.titles import normalize_title

__all__ = [
    "LookupPlan",
    "arxiv_key",
    "linked_id",
    "list_entries",
    "needs_title_match",
    "outcome_of",
    "plan_lookups",
    "plan_suggestions",
    "preferred_id",
    "s2_key",
    "s2_record_ids",
    "title_query",
    "title_suggestions",
]

_YEAR = re.compile(r"^\s*(\d{4})\s*$")


class LookupPlan(Model):
    """What to ask the sources for, derived from the lists alone."""

    arxiv_ids: list[str] = Field(description='"arxiv:<id>", sorted, unique.')
    s2_ids: list[str] = Field(description="Ids S2 accepts (arxiv:, doi:, acl:, url:), sorted.")
    title_queries: list[TitleQuery] = Field(
        description="Paper entries with no id S2 accepts: one query per normalized title."
    )


def arxiv_key(entry: Entry) -> str | None:
    """The arXiv lookup key of an entry: its first arXiv id."""
    return f"arxiv:{entry.ids.arxiv[0]}" if entry.ids.arxiv else None


def s2_key(entry: Entry) -> str | None:
    """The S2 lookup key of an entry: its first arXiv, DOI or ACL id, else a paper URL on a host
    S2 accepts (:data:`enrich.sources.s2.URL_ID_HOSTS`)."""
    ids = entry.ids
    if ids.arxiv:
        return f"arxiv:{ids.arxiv[0]}"
    if ids.doi:
        return f"doi:{ids.doi[0]}"
    if ids.acl:
        return f"acl:{ids.acl[0]}"
    for url in entry.paper_urls:
        if _s2_accepts(f"url:{url}"):
            return f"url:{url}"
    return None


def _s2_accepts(paper_id: str) -> bool:
    # Which ids S2 takes is the S2 module's knowledge (its hosts list for URL: ids).
    try:
        to_s2_id(paper_id)
    except ValueError:  # UnsupportedIdError included
        return False
    return True


def linked_id(entry: Entry) -> str | None:
    """The id the row's link gives: its first paper id, else ``url:<first paper url>``."""
    ids = entry.ids.paper_ids()
    if ids:
        return ids[0]
    return f"url:{entry.paper_urls[0]}" if entry.paper_urls else None


def needs_title_match(entry: Entry) -> bool:
    """True for a paper entry with no id S2 accepts and a title to search for."""
    return (
        entry.kind == EntryKind.PAPER
        and s2_key(entry) is None
        and bool(normalize_title(entry.title))
    )


def title_query(entry: Entry) -> TitleQuery:
    """The title match that finds the paper an entry's title names (its year, when given)."""
    match = _YEAR.match(entry.year or "")
    return TitleQuery(
        key=title_key(entry.title), title=entry.title, year=int(match.group(1)) if match else None
    )


def list_entries(lists: Sequence[ExtractedList]) -> Iterable[tuple[str, Entry]]:
    for extracted in lists:
        for entry in extracted.entries:
            yield extracted.info.name, entry


def plan_lookups(lists: Sequence[ExtractedList]) -> LookupPlan:
    """Every arXiv id, S2 id and title query needed to enrich the entries of ``lists``."""
    arxiv_ids: set[str] = set()
    s2_ids: set[str] = set()
    queries: dict[str, TitleQuery] = {}
    for _, entry in list_entries(lists):
        if (key := arxiv_key(entry)) is not None:
            arxiv_ids.add(key)
        if (key := s2_key(entry)) is not None:
            s2_ids.add(key)
        elif needs_title_match(entry):
            query = title_query(entry)
            queries.setdefault(query.key, query)
    return LookupPlan(
        arxiv_ids=sorted(arxiv_ids),
        s2_ids=sorted(s2_ids),
        title_queries=[queries[k] for k in sorted(queries)],
    )


def plan_suggestions(
    lists: Sequence[ExtractedList],
    arxiv: SourceResult[ArxivRecord],
    s2: SourceResult[S2Record],
    titles: SourceResult[S2Record],
) -> list[TitleQuery]:
    """Title matches that find the paper a mismatched row names (for its ``suggested_id``).

    A row is mismatched when its title describes none of the titles the sources gave for its
    link. Left out: keys already answered in ``titles``, and rows whose title is exactly the
    title one fetched paper's record will carry (found among the records by
    :func:`enrich.papers.checks.suggested_id_for`). The result is sorted by key.
    """
    fetched_papers = _papers_by_title(arxiv, s2, titles)
    queries: dict[str, TitleQuery] = {}
    for _, entry in list_entries(lists):
        if entry.kind != EntryKind.PAPER:
            continue
        fetched = [
            outcome.record.title
            for outcome in (outcome_of(arxiv, arxiv_key(entry)), outcome_of(s2, s2_key(entry)))
            if outcome is not None and outcome.record is not None
        ]
        if not fetched or any(title_describes(entry.title, title) for title in fetched):
            continue
        query = title_query(entry)
        # A row whose title is exactly the title of one paper this run already fetched (rows
        # with swapped links, the common case) needs no request: checks.suggested_id_for finds
        # that paper among the records.
        if len(fetched_papers.get(query.key, ())) == 1:
            continue
        if query.key not in titles.outcomes and normalize_title(entry.title):
            queries.setdefault(query.key, query)
    return [queries[k] for k in sorted(queries)]


def _papers_by_title(
    arxiv: SourceResult[ArxivRecord], s2: SourceResult[S2Record], titles: SourceResult[S2Record]
) -> dict[str, set[str]]:
    """Title key -> the ids of the fetched papers whose record will carry that title.

    A record's title is arXiv's when arXiv gave one (:data:`FIELD_PRECEDENCE`), so the S2 title
    of a paper arXiv also gave is left out: a row written with S2's spelling of it would not
    find the record by exact title in :func:`enrich.papers.checks.suggested_id_for`. Title matches
    count too, so that two papers with one title are never taken for one.
    """
    papers: dict[str, set[str]] = {}
    titled_by_arxiv: set[str] = set()
    for outcome in arxiv.outcomes.values():
        if outcome.record is not None:
            papers.setdefault(title_key(outcome.record.title), set()).add(outcome.key)
            titled_by_arxiv.add(outcome.key)
            if outcome.record.doi:
                titled_by_arxiv.add(f"doi:{outcome.record.doi.lower()}")
    for s2_outcome in [*s2.outcomes.values(), *titles.outcomes.values()]:
        record = s2_outcome.record
        if record is None or titled_by_arxiv.intersection([s2_outcome.key, *s2_record_ids(record)]):
            continue
        papers.setdefault(title_key(record.title), set()).add(preferred_id(record))
    return papers


def preferred_id(record: S2Record) -> str:
    """The canonical id of an S2 record: its arXiv id, else DOI, else ``s2:<paperId>``."""
    ext = {k.lower(): v for k, v in record.external_ids.items()}
    if ext.get("arxiv"):
        return f"arxiv:{ext['arxiv']}"
    if ext.get("doi"):
        return f"doi:{ext['doi'].lower()}"
    return f"s2:{record.paper_id}"


def title_suggestions(titles: SourceResult[S2Record]) -> dict[str, str]:
    """Title key -> the paper id its title match found (ok outcomes only)."""
    return {
        key: preferred_id(outcome.record)
        for key, outcome in titles.outcomes.items()
        if outcome.record is not None
    }


def outcome_of(result: SourceResult[Any], key: str | None) -> Outcome[Any] | None:
    """The outcome ``result`` has for ``key`` (None without a key or an outcome)."""
    return result.outcomes.get(key) if key is not None else None


def s2_record_ids(record: S2Record) -> list[str]:
    """Every prefixed id an S2 record names its paper by: its paperId, arXiv id, DOI, ACL id."""
    ext = {k.lower(): v for k, v in record.external_ids.items() if v}
    found = [f"s2:{record.paper_id}"]
    if "arxiv" in ext:
        found.append(f"arxiv:{ext['arxiv']}")
    if "doi" in ext:
        found.append(f"doi:{ext['doi'].lower()}")
    if "acl" in ext:
        found.append(f"acl:{ext['acl']}")
    return found
