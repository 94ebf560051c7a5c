"""The stand-in's papers: the committed catalogue plus optional generated ones, with lookups.

Lookups answer the way the real services do: arXiv by (optionally versioned) id; Semantic Scholar
by ``ARXIV:`` (unversioned only), ``DOI:`` (case-insensitive), ``ACL:``, ``CorpusId:``, ``URL:``
(arxiv.org, dl.acm.org, aclweb.org, aclanthology.org) or a bare paperId; and by title.
Generated ("synthetic") papers are computed from their number on demand, so a catalogue of
10,000 of them costs almost no memory.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "papers.json"

#: Generated papers get ids 2501.00001, 2501.00002, ... (month rolls over every 99,999 papers).
SYNTHETIC_PER_MONTH = 99_999
SYNTHETIC_MAX = 12 * SYNTHETIC_PER_MONTH
_SYNTHETIC_ID = re.compile(r"^25(\d\d)\.(\d{5})$")
_SYNTHETIC_TITLE = re.compile(r"^synthetic stand in paper number (\d+)$")
_SYNTHETIC_CORPUS_BASE = 900_000_000

#: A title match must be at least this similar (difflib ratio of normalized titles).
TITLE_MATCH_THRESHOLD = 0.9


@dataclass(frozen=True)
class ArxivEntry:
    """What the arXiv feed says about one paper (latest version unless pinned)."""

    arxiv_id: str
    version: int
    title: str
    summary: str
    authors: list[tuple[str, list[str]]]
    published: str
    updated: str
    primary_category: str
    categories: list[str]
    doi: str | None
    journal_ref: str | None
    comment: str | None


@dataclass(frozen=True)
class Paper:
    key: str
    title: str
    authors: list[str]
    affiliations: list[list[str]]
    arxiv: dict[str, Any] | None
    s2: dict[str, Any]


def normalize_title(title: str) -> str:
    """Lower-case, accents and punctuation removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _stable_int(*parts: str) -> int:
    return int(hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:15], 16)


class Catalog:
    """All papers the stand-in serves."""

    def __init__(self, synthetic: int = 0, data_file: Path = DATA_FILE) -> None:
        if not 0 <= synthetic <= SYNTHETIC_MAX:
            raise ValueError(f"synthetic must be between 0 and {SYNTHETIC_MAX}, got {synthetic}")
        raw = json.loads(data_file.read_text(encoding="utf-8"))
        self.note: str = raw["note"]
        self.synthetic = synthetic
        self._papers: list[Paper] = [
            Paper(
                key=p["key"],
                title=p["title"],
                authors=p["authors"],
                affiliations=[[] for _ in p["authors"]],
                arxiv=p["arxiv"],
                s2=p["s2"],
            )
            for p in raw["papers"]
        ]
        self._by_arxiv: dict[str, Paper] = {}
        self._by_doi: dict[str, Paper] = {}
        self._by_acl: dict[str, Paper] = {}
        self._by_corpus: dict[int, Paper] = {}
        self._by_paper_id: dict[str, Paper] = {}
        self._by_title: dict[str, Paper] = {}
        for paper in self._papers:
            external = paper.s2["externalIds"]
            if "ArXiv" in external:
                self._by_arxiv[external["ArXiv"]] = paper
            if "DOI" in external:
                self._by_doi[external["DOI"].lower()] = paper
            if paper.key.startswith("doi:"):
                self._by_doi[paper.key.removeprefix("doi:").lower()] = paper
            if "ACL" in external:
                self._by_acl[external["ACL"]] = paper
            self._by_corpus[paper.s2["corpusId"]] = paper
            self._by_paper_id[paper.s2["paperId"]] = paper
            self._by_title[normalize_title(paper.title)] = paper

    # ------------------------------------------------------------------ ids

    @cached_property
    def known_ids(self) -> list[str]:
        """Prefixed ids of every paper served (fixture keys, DOIs, ACL ids, generated ids)."""
        ids: list[str] = []
        for paper in self._papers:
            ids.append(paper.key)
            external = paper.s2["externalIds"]
            if "DOI" in external and f"doi:{external['DOI'].lower()}" not in ids:
                ids.append(f"doi:{external['DOI'].lower()}")
            if "ACL" in external:
                ids.append(f"acl:{external['ACL']}")
        ids.extend(f"arxiv:{self.synthetic_arxiv_id(n)}" for n in range(1, self.synthetic + 1))
        return ids

    @staticmethod
    def synthetic_arxiv_id(number: int) -> str:
        month, serial = divmod(number - 1, SYNTHETIC_PER_MONTH)
        return f"25{month + 1:02d}.{serial + 1:05d}"

    def _synthetic_number(self, arxiv_id: str) -> int | None:
        match = _SYNTHETIC_ID.match(arxiv_id)
        if not match:
            return None
        number = (int(match.group(1)) - 1) * SYNTHETIC_PER_MONTH + int(match.group(2))
        return number if 1 <= number <= self.synthetic else None

    def _synthetic(self, number: int) -> Paper:
        arxiv_id = self.synthetic_arxiv_id(number)
        key = f"arxiv:{arxiv_id}"
        citations = _stable_int(key, "citations") % 500
        month = arxiv_id[2:4]
        published = f"2025-{month}-{1 + number % 28:02d}"
        authors = [f"Synthetic Author {number}-{i}" for i in range(1, 4)]
        return Paper(
            key=key,
            title=f"Synthetic Stand-in Paper Number {number}",
            authors=authors,
            # Generated papers carry affiliations (the real fixture records none), so that
            # affiliation handling is exercised with data that is plainly not real.
            affiliations=[["Stand-in University"], [], ["Stand-in Institute", "Stand-in Lab"]],
            arxiv={
                "id": arxiv_id,
                "latest_version": 1 + number % 3,
                "published": f"{published}T00:00:00Z",
                "updated": f"2025-{month}-28T00:00:00Z" if number % 3 else f"{published}T00:00:00Z",
                "primary_category": "cs.LG",
                "categories": ["cs.LG", "stat.ML"],
                "doi": None,
                "journal_ref": None,
                "comment": f"Generated paper {number}; not a real paper",
            },
            s2={
                "paperId": hashlib.sha1(f"s2-paper:{key}".encode()).hexdigest(),
                "corpusId": _SYNTHETIC_CORPUS_BASE + number,
                "externalIds": {
                    "ArXiv": arxiv_id,
                    "DOI": f"10.48550/arXiv.{arxiv_id}",
                    "CorpusId": _SYNTHETIC_CORPUS_BASE + number,
                },
                "year": 2025,
                "publicationDate": published,
                "venue": "",
                "publicationVenue": None,
                "authorIds": [str(3_000_000_000 + number * 10 + i) for i in range(1, 4)],
                "citationCount": citations,
                "influentialCitationCount": citations // 10,
                "referenceCount": 10 + number % 50,
                "openAccessPdf": {"url": f"https://arxiv.org/pdf/{arxiv_id}", "status": "GREEN"},
                "fieldsOfStudy": ["Computer Science"],
            },
        )

    @cached_property
    def _synthetic_by_paper_id(self) -> dict[str, int]:
        return {
            hashlib.sha1(f"s2-paper:arxiv:{self.synthetic_arxiv_id(n)}".encode()).hexdigest(): n
            for n in range(1, self.synthetic + 1)
        }

    # ------------------------------------------------------------------ arXiv

    def by_arxiv_id(self, arxiv_id: str) -> Paper | None:
        """The paper with this unversioned arXiv id."""
        paper = self._by_arxiv.get(arxiv_id)
        if paper is not None and paper.arxiv is not None:
            return paper
        number = self._synthetic_number(arxiv_id)
        return self._synthetic(number) if number is not None else None

    def arxiv_entry(self, requested: str) -> ArxivEntry | None:
        """The feed entry for ``requested`` (``2401.04088`` or ``2401.04088v2``), or None."""
        match = re.match(r"^(.*?)(?:v(\d+))?$", requested)
        assert match is not None  # the pattern matches every string
        base, pinned = match.group(1), match.group(2)
        paper = self.by_arxiv_id(base)
        if paper is None or paper.arxiv is None:
            return None
        info = paper.arxiv
        latest = int(info["latest_version"])
        version = int(pinned) if pinned else latest
        if not 1 <= version <= latest:
            return None
        updated = info["updated"]
        if version < latest:
            # Dates of intermediate versions are unknown: interpolate (made up, deterministic).
            start = dt.datetime.fromisoformat(info["published"].replace("Z", "+00:00"))
            end = dt.datetime.fromisoformat(info["updated"].replace("Z", "+00:00"))
            step = (end - start) * (version - 1) / (latest - 1)
            updated = (start + step).strftime("%Y-%m-%dT%H:%M:%SZ")
        return ArxivEntry(
            arxiv_id=base,
            version=version,
            title=paper.title,
            summary=(
                "Abstract not available in the stand-in catalogue; this text is a placeholder "
                f"for {paper.title}."
            ),
            authors=list(zip(paper.authors, paper.affiliations, strict=True)),
            published=info["published"],
            updated=updated,
            primary_category=info["primary_category"],
            categories=list(info["categories"]),
            doi=info["doi"],
            journal_ref=info["journal_ref"],
            comment=info["comment"],
        )

    # ------------------------------------------------------------------ Semantic Scholar

    def s2_lookup(self, paper_id: str) -> Paper | None:
        """The paper an S2 id form names, or None (unknown, versioned arXiv id, unsupported URL)."""
        prefix, sep, value = paper_id.partition(":")
        if not sep:
            return self._by_paper_id.get(paper_id) or self._synthetic_from_paper_id(paper_id)
        kind = prefix.upper()
        if kind == "ARXIV":
            # S2 knows arXiv papers by unversioned id only: '2401.04088v1' finds nothing.
            return self.by_arxiv_id(value)
        if kind == "DOI":
            paper = self._by_doi.get(value.lower())
            if paper is None and value.lower().startswith("10.48550/arxiv."):
                paper = self.by_arxiv_id(value[len("10.48550/arxiv.") :])
            return paper
        if kind == "ACL":
            return self._by_acl.get(value)
        if kind == "CORPUSID":
            if not value.isdigit():
                return None
            corpus_id = int(value)
            paper = self._by_corpus.get(corpus_id)
            number = corpus_id - _SYNTHETIC_CORPUS_BASE
            if paper is None and 1 <= number <= self.synthetic:
                paper = self._synthetic(number)
            return paper
        if kind == "URL":
            return self._lookup_url(value)
        return None

    def _synthetic_from_paper_id(self, paper_id: str) -> Paper | None:
        if not self.synthetic or not re.fullmatch(r"[0-9a-f]{40}", paper_id):
            return None
        number = self._synthetic_by_paper_id.get(paper_id)
        return self._synthetic(number) if number is not None else None

    def _lookup_url(self, url: str) -> Paper | None:
        match = re.match(
            r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/([^?#]+?)(?:\.pdf)?/?$", url
        )
        if match:
            arxiv_id = match.group(1)
            return None if re.search(r"v\d+$", arxiv_id) else self.by_arxiv_id(arxiv_id)
        match = re.match(r"^https?://dl\.acm\.org/doi/(?:abs/|pdf/|full/)?(10\.[^?#]+)$", url)
        if match:
            return self._by_doi.get(match.group(1).lower())
        match = re.match(
            r"^https?://(?:www\.)?(?:aclanthology\.org|aclweb\.org/anthology)/([^/?#]+?)(?:\.pdf)?/?$",
            url,
        )
        if match:
            return self._by_acl.get(match.group(1))
        return None

    def title_match(
        self, query: str, year_range: tuple[int, int] | None
    ) -> tuple[Paper, float] | None:
        """The closest title, if close enough, with its similarity (0..1)."""
        wanted = normalize_title(query)
        if not wanted:
            return None
        best: tuple[Paper, float] | None = None
        for title, paper in self._by_title.items():
            year = paper.s2["year"]
            if year_range is not None and (
                year is None or not year_range[0] <= year <= year_range[1]
            ):
                continue
            matcher = difflib.SequenceMatcher(None, wanted, title)
            # Upper bounds of ratio(), much cheaper: most titles are ruled out by them.
            if matcher.real_quick_ratio() < TITLE_MATCH_THRESHOLD:
                continue
            if matcher.quick_ratio() < TITLE_MATCH_THRESHOLD:
                continue
            ratio = matcher.ratio()
            if ratio >= TITLE_MATCH_THRESHOLD and (best is None or ratio > best[1]):
                best = (paper, ratio)
        synthetic = _SYNTHETIC_TITLE.match(wanted)
        if best is None and synthetic and 1 <= int(synthetic.group(1)) <= self.synthetic:
            paper = self._synthetic(int(synthetic.group(1)))
            if year_range is None or year_range[0] <= paper.s2["year"] <= year_range[1]:
                best = (paper, 1.0)
        return best
