"""Reading Semantic Scholar's answers: bodies, batch alignment, paper objects.

Part of the S2 source (:mod:`enrich.sources.s2`, which makes the requests): what an answer
means, and when it cannot be used. Facts relied on (https://api.semanticscholar.org/api-docs/graph,
``API_NOTES.md``):

* a batch answer is documented as a list aligned with the ids asked, ``null`` where an id is
  unknown; it is nevertheless matched to the ids through each item's ``paperId`` and
  ``externalIds`` (:func:`align_batch`), so a misbehaving answer cannot give one id another's
  paper or spread one paper over many ids;
* ``externalIds`` carries arXiv DOIs (``10.48550/arXiv.X``) in mixed case; DOIs are
  case-insensitive;
* a batch 400 names either a bad id (split the batch) or a bad request (do not);
* a paper object is read through the ``semanticscholar`` package's
  :class:`semanticscholar.Paper.Paper` (plain data handling, no I/O).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError
from semanticscholar.Paper import Paper

from enrich.errors import SourceError
from enrich.models import Author, PublicationVenue, S2Record

__all__ = [
    "NO_VALID_IDS",
    "Found",
    "TransientError",
    "align_batch",
    "blames_request",
    "error_text",
    "json_body",
    "raise_for_unexpected",
    "to_record",
]

ARXIV_DOI_PREFIX = "10.48550/arxiv."
NO_VALID_IDS = "no valid paper ids"
#: Words of a batch 400 that blame the request, not an id.
_REQUEST_LEVEL_400 = ("field", "parameter", "body")


class TransientError(SourceError):
    """A failure worth retrying: 5xx, timeout, dropped connection, unusable 200 answer."""


@dataclass(frozen=True)
class Found:
    """One asked id's part of an answer: a paper object, or why there is none.

    ``failure`` set: the answer could not be used for this id (a failed outcome, e.g. an id S2
    answers 500 for, or an item that does not say it is the paper asked for); else ``paper`` is
    None for "S2 does not know it" with an optional ``reason``.
    """

    paper: dict[str, Any] | None
    reason: str | None = None
    failure: str | None = None


def raise_for_unexpected(response: httpx.Response) -> None:
    """Anything but 200 here is a failure that retrying will not cure (401, 403, 404, 3xx)."""
    if response.status_code == 200:
        return
    hint = " (is the S2 API key valid?)" if response.status_code in (401, 403) else ""
    raise SourceError(
        f"S2 answered HTTP {response.status_code}{hint}",
        url=str(response.request.url),
        status=response.status_code,
    )


def json_body(response: httpx.Response) -> Any:
    """The JSON body, or :class:`TransientError` for an empty, HTML or malformed body."""
    url = str(response.request.url)
    if not response.content.strip():
        raise TransientError("S2 answered an empty body", url=url, status=response.status_code)
    content_type = response.headers.get("content-type", "")
    if "html" in content_type.lower():
        raise TransientError(
            f"S2 answered HTML ({content_type}) instead of JSON",
            url=url,
            status=response.status_code,
        )
    try:
        return response.json()
    except ValueError:
        raise TransientError(
            "S2 answered malformed JSON", url=url, status=response.status_code
        ) from None


def blames_request(error: str, s2_ids: list[str]) -> bool:
    """Whether a batch 400's message blames the request itself rather than some id in it."""
    text = error.lower()
    for s2_id in s2_ids:  # an id like DOI:10.1/field-notes must not look like a field error
        text = text.replace(s2_id.lower(), "")
    return any(word in text for word in _REQUEST_LEVEL_400)


def error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("error") or body.get("message") or body)
    return str(body)[:200]


def to_record(paper_json: dict[str, Any]) -> S2Record:
    """Read one Graph API paper object (via the package's :class:`Paper`) into an S2Record."""
    paper = Paper(paper_json)
    if not isinstance(paper.title, str) or not paper.title.strip():
        raise ValueError(f"paper {paper.paperId} has no title")
    authors = [
        Author(name=author.name, s2_id=author.authorId)
        for author in (paper.authors or [])
        if isinstance(author.name, str) and author.name
    ]
    venue = paper.publicationVenue
    publication_venue = (
        PublicationVenue(id=venue.id, name=venue.name, type=venue.type, url=venue.url)
        if venue is not None
        else None
    )
    pdf = paper.openAccessPdf
    # An openAccessPdf.url of "" means there is no PDF.
    pdf_url = (pdf.get("url") or None) if isinstance(pdf, dict) else None
    external_ids = {
        str(name): str(value)
        for name, value in (paper.externalIds or {}).items()
        if value is not None
    }
    try:
        return S2Record(
            paper_id=paper.paperId,
            title=paper.title,
            authors=authors,
            year=paper.year,
            publication_date=paper.publicationDate.date() if paper.publicationDate else None,
            venue=paper.venue or None,
            publication_venue=publication_venue,
            external_ids=external_ids,
            citation_count=paper.citationCount,
            influential_citation_count=paper.influentialCitationCount,
            reference_count=paper.referenceCount,
            open_access_pdf=pdf_url,
            fields_of_study=list(paper.fieldsOfStudy or []),
            match_score=paper_json.get("matchScore"),
        )
    except ValidationError as exc:
        raise ValueError(
            f"paper {paper.paperId}: {exc.error_count()} invalid field(s): "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from None


#: Hosts of URL ids and how a paper id is read from their links, to check an answer against.
_URL_ID_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("arxiv", re.compile(r"arxiv\.org/(?:abs|pdf)/(?P<id>[^?#]+?)(?:v\d+)?(?:\.pdf)?/?(?:[?#]|$)")),
    (
        "doi",
        re.compile(
            r"(?:acm\.org|biorxiv\.org)/(?:doi|content)/(?:abs/|pdf/|full/)?(?P<id>10\.\d{4,9}/[^?#\s]+?)(?:v\d+)?(?:\.full(?:\.pdf)?)?/?(?:[?#]|$)"
        ),
    ),
    ("acl", re.compile(r"aclweb\.org/anthology/(?P<id>[A-Za-z0-9.-]+?)(?:\.pdf)?/?(?:[?#]|$)")),
    (
        "paper",
        re.compile(r"semanticscholar\.org/paper/(?:[^/?#]+/)?(?P<id>[0-9a-f]{40})(?:[?#/]|$)"),
    ),
)


def _asked_key(s2_id: str) -> str | None:
    """The identity an answer for ``s2_id`` must carry (``kind:value``), or None when the id
    names no identity an answer shows (a URL id of a link whose paper id cannot be read)."""
    kind, sep, value = s2_id.partition(":")
    if not sep:
        return f"paper:{s2_id}"
    kind = kind.upper()
    if kind == "ARXIV":
        return f"arxiv:{value.lower()}"
    if kind == "DOI" and value.lower().startswith(ARXIV_DOI_PREFIX):
        # arXiv's own DOIs (10.48550/arXiv.X) resolve to the arXiv paper.
        return f"arxiv:{value[len(ARXIV_DOI_PREFIX) :].lower()}"
    if kind == "DOI":
        return f"doi:{value.lower()}"
    if kind == "ACL":
        return f"acl:{value.lower()}"
    if kind == "CORPUSID":
        return f"corpus:{value}"
    if kind == "URL":
        for found_kind, pattern in _URL_ID_PATTERNS:
            match = pattern.search(value)
            if match:
                return (
                    _asked_key(f"{found_kind.upper()}:{match.group('id')}")
                    if found_kind != "paper"
                    else f"paper:{match.group('id')}"
                )
    return None


def _identity(item: dict[str, Any]) -> set[str]:
    """Every ``kind:value`` a paper object of an answer carries (paperId, externalIds)."""
    keys = {f"paper:{item['paperId']}"}
    external = item.get("externalIds")
    if not isinstance(external, dict):
        return keys
    for name, value in external.items():
        if value is None:
            continue
        kind, text = str(name).lower(), str(value).lower()
        if kind == "doi" and text.startswith(ARXIV_DOI_PREFIX):
            keys.add(f"arxiv:{text[len(ARXIV_DOI_PREFIX) :]}")
        if kind in ("arxiv", "doi", "acl", "corpusid"):
            keys.add(f"{'corpus' if kind == 'corpusid' else kind}:{text}")
    return keys


def align_batch(s2_ids: list[str], body: Any, url: str) -> list[Found]:
    """The answer for each id of ``s2_ids``, matched through the ids the answer's items carry.

    S2 documents the answer as aligned with the ids asked, ``null`` where unknown; a
    misbehaving answer must not spread one paper over many ids or give one id another's paper.
    So an item is taken for an id when its ``externalIds``/``paperId`` name that id, wherever
    it sits. Position alone is trusted only for an id whose answer cannot show its identity (a
    URL id of a link with no readable id), and only when the items that can be checked all sit
    at their own positions and the item's paperId appears once. An answer in which no item can
    be matched to any id asked is unusable (a failed attempt).
    """
    if not isinstance(body, list) or len(body) != len(s2_ids):
        got = f"{len(body)} items" if isinstance(body, list) else type(body).__name__
        raise TransientError(
            f"S2 batch answer is not a list of {len(s2_ids)} items (got {got})", url=url, status=200
        )
    items: list[dict[str, Any] | None] = []
    for item in body:
        if item is not None and not (
            isinstance(item, dict) and isinstance(item.get("paperId"), str)
        ):
            raise TransientError(
                "S2 batch answer holds an item that is neither null nor a paper",
                url=url,
                status=200,
            )
        items.append(item)
    identities = [_identity(item) if item is not None else set() for item in items]
    where: dict[str, list[int]] = {}
    for position, keys in enumerate(identities):
        for identity in keys:
            where.setdefault(identity, []).append(position)
    asked = [_asked_key(s2_id) for s2_id in s2_ids]
    placed: dict[int, int] = {}
    for index, wanted in enumerate(asked):
        positions = where.get(wanted, []) if wanted is not None else []
        if positions:
            placed[index] = index if index in positions else positions[0]
    if not placed and any(asked) and any(item is not None for item in items):
        raise TransientError(
            "S2 batch answer cannot be matched to the ids asked (no item carries them)",
            url=url,
            status=200,
        )
    out_of_place = any(position != index for index, position in placed.items())
    aligned = not out_of_place and (bool(placed) or not any(asked))
    claimed = set(placed.values())
    paper_ids = [item["paperId"] for item in items if item is not None]
    found: list[Found] = []
    for index, s2_id in enumerate(s2_ids):
        if index in placed:
            found.append(Found(items[placed[index]]))
            continue
        item, wanted = items[index], asked[index]
        if item is None:
            found.append(
                Found(None)
                if not out_of_place
                else Found(None, failure="S2's answer is out of order and has nothing for this id")
            )
            continue
        kind = wanted.partition(":")[0] if wanted is not None else None
        other = sorted(k for k in identities[index] if kind and k.startswith(f"{kind}:"))
        if other:
            found.append(
                Found(
                    None,
                    failure=f"S2 answered a different paper for {s2_id} "
                    f"(its {kind} id is {other[0].partition(':')[2]})",
                )
            )
        elif aligned and index not in claimed and paper_ids.count(item["paperId"]) == 1:
            found.append(Found(item))
        else:
            found.append(
                Found(
                    None,
                    failure="S2's answer does not show that it is this paper (no matching "
                    "externalIds)",
                )
            )
    return found
