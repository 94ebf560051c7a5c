"""Bodies the stand-in answers with, shaped like the real services' answers.

arXiv: Atom 1.0 with the ``opensearch`` and ``arxiv`` namespaces
(https://info.arxiv.org/help/api/user-manual.html#_details_of_atom_results_returned), and the
Atom error feed it sends with HTTP 400 for a malformed id.
Semantic Scholar: paper objects restricted to the requested ``fields``
(https://api.semanticscholar.org/api-docs/graph).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from enrich.standin.catalog import ArxivEntry, Paper

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ARXIV_NS = "http://arxiv.org/schemas/atom"

#: Fields the stand-in can return; asking for another one is a 400, as on the real API.
S2_FIELDS = frozenset(
    {
        "paperId",
        "corpusId",
        "externalIds",
        "url",
        "title",
        "abstract",
        "venue",
        "publicationVenue",
        "year",
        "referenceCount",
        "citationCount",
        "influentialCitationCount",
        "isOpenAccess",
        "openAccessPdf",
        "fieldsOfStudy",
        "s2FieldsOfStudy",
        "publicationTypes",
        "publicationDate",
        "journal",
        "authors",
    }
)


def _feed_head(query: dict[str, str], total: int, start: int, per_page: int) -> str:
    query_text = urlencode(query)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns="{ATOM_NS}" xmlns:opensearch="{OPENSEARCH_NS}" xmlns:arxiv="{ARXIV_NS}">\n'
        f"  <id>https://arxiv.org/api/stand-in</id>\n"
        f"  <title>arXiv Query: {escape(query_text)}</title>\n"
        f"  <updated>{now}</updated>\n"
        f"  <link href={quoteattr('https://arxiv.org/api/query?' + query_text)} "
        'type="application/atom+xml"/>\n'
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
    )


def _entry(entry: ArxivEntry) -> str:
    versioned = f"{entry.arxiv_id}v{entry.version}"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{versioned}</id>",
        f"    <title>{escape(entry.title)}</title>",
        f"    <updated>{entry.updated}</updated>",
        f'    <link href="https://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{versioned}" rel="related" type="application/pdf" '
        'title="pdf"/>',
        f"    <summary>{escape(entry.summary)}</summary>",
    ]
    for term in entry.categories:
        lines.append(
            f'    <category term="{escape(term)}" scheme="http://arxiv.org/schemas/atom"/>'
        )
    lines.append(f"    <published>{entry.published}</published>")
    for name, affiliations in entry.authors:
        lines.append("    <author>")
        lines.append(f"      <name>{escape(name)}</name>")
        lines.extend(
            f"      <arxiv:affiliation>{escape(affiliation)}</arxiv:affiliation>"
            for affiliation in affiliations
        )
        lines.append("    </author>")
    if entry.doi:
        lines.append(f"    <arxiv:doi>{escape(entry.doi)}</arxiv:doi>")
        lines.append(
            f'    <link href="https://doi.org/{escape(entry.doi)}" rel="related" title="doi"/>'
        )
    if entry.comment:
        lines.append(f"    <arxiv:comment>{escape(entry.comment)}</arxiv:comment>")
    if entry.journal_ref:
        lines.append(f"    <arxiv:journal_ref>{escape(entry.journal_ref)}</arxiv:journal_ref>")
    lines.append(
        f'    <arxiv:primary_category term="{escape(entry.primary_category)}" '
        'scheme="http://arxiv.org/schemas/atom"/>'
    )
    lines.append("  </entry>")
    return "\n".join(lines) + "\n"


def arxiv_feed(query: dict[str, str], entries: list[ArxivEntry], total: int, start: int) -> bytes:
    """A result page: ``entries`` is the page, ``total`` the size of the whole result set."""
    body = _feed_head(query, total, start, len(entries))
    body += "".join(_entry(entry) for entry in entries)
    return (body + "</feed>\n").encode("utf-8")


def arxiv_error_feed(query: dict[str, str], message: str) -> bytes:
    """The Atom document arXiv sends with HTTP 400: one entry titled 'Error'."""
    anchor = "https://arxiv.org/api/errors#" + message.replace(" ", "_")
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = _feed_head(query, 1, 0, 1) + (
        "  <entry>\n"
        f"    <id>{escape(anchor)}</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        f"    <updated>{now}</updated>\n"
        f'    <link href={quoteattr(anchor)} rel="alternate" type="text/html"/>\n'
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>\n</feed>\n"
    )
    return body.encode("utf-8")


def s2_paper(paper: Paper, fields: list[str], match_score: float | None = None) -> dict[str, Any]:
    """The paper as S2 returns it: ``paperId`` plus the requested fields."""
    s2 = paper.s2
    arxiv_id = s2["externalIds"].get("ArXiv")
    full: dict[str, Any] = {
        "paperId": s2["paperId"],
        "corpusId": s2["corpusId"],
        "externalIds": dict(s2["externalIds"]),
        "url": f"https://www.semanticscholar.org/paper/{s2['paperId']}",
        "title": paper.title,
        "abstract": None,
        "venue": s2["venue"],
        "publicationVenue": s2["publicationVenue"],
        "year": s2["year"],
        "referenceCount": s2["referenceCount"],
        "citationCount": s2["citationCount"],
        "influentialCitationCount": s2["influentialCitationCount"],
        "isOpenAccess": bool(s2["openAccessPdf"]["url"]),
        "openAccessPdf": dict(s2["openAccessPdf"]),
        "fieldsOfStudy": list(s2["fieldsOfStudy"]),
        "s2FieldsOfStudy": [
            {"category": field, "source": "external"} for field in s2["fieldsOfStudy"]
        ],
        "publicationTypes": ["JournalArticle"] if arxiv_id else None,
        "publicationDate": s2["publicationDate"],
        "journal": {"name": s2["venue"]} if s2["venue"] else None,
        "authors": [
            {"authorId": author_id, "name": name}
            for author_id, name in zip(s2["authorIds"], paper.authors, strict=True)
        ],
    }
    wanted = fields or ["title"]
    answer = {"paperId": full["paperId"]}
    for field in wanted:
        answer[field] = full[field]
    if match_score is not None:
        answer["matchScore"] = match_score
    return answer
