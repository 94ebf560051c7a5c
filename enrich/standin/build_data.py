"""Build ``data/papers.json`` (the stand-in's catalogue) from the project's fixture file.

Run once by a developer, and the result is committed: the stand-in never reads the fixture at
run time. ``python -m enrich.standin.build_data ../shared/fixtures/papers.json``

Real values (title, authors, v1 date, primary category, DOI, venue) are copied from the fixture.
Everything the fixture does not know is made up *deterministically* from a hash of the paper's
key, and the output's ``note`` and ``made_up`` fields say which values those are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "papers.json"

NOTE = (
    "Catalogue of the local API stand-in (test equipment, not real service data). Titles, "
    "authors, arXiv v1 dates, primary categories, DOIs and venues are real, copied from the "
    "project's fixture file. Citation counts, influential citation counts, reference counts, "
    "S2 paper ids, CorpusIds, author ids and venue ids are MADE UP (derived from a hash of the "
    "paper key), as are the values listed per paper under 'made_up'. Times of day are not known "
    "and are written as 00:00:00Z."
)

# Long names of the venue abbreviations the fixture uses, as S2 spells them in publicationVenue.
VENUE_NAMES = {
    "NeurIPS": ("Neural Information Processing Systems", "conference"),
    "ICLR": ("International Conference on Learning Representations", "conference"),
    "ICML": ("International Conference on Machine Learning", "conference"),
    "ICCV": ("IEEE International Conference on Computer Vision", "conference"),
    "CVPR": ("Computer Vision and Pattern Recognition", "conference"),
    "NAACL": (
        "North American Chapter of the Association for Computational Linguistics",
        "conference",
    ),
    "ACL": ("Annual Meeting of the Association for Computational Linguistics", "conference"),
    "KDD": ("Knowledge Discovery and Data Mining", "conference"),
    "MLSys": ("Conference on Machine Learning and Systems", "conference"),
}


def stable_int(*parts: str) -> int:
    """A deterministic non-negative integer derived from ``parts`` (same on every machine)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return int(digest[:15], 16)


def s2_paper_id(key: str) -> str:
    return hashlib.sha1(f"s2-paper:{key}".encode()).hexdigest()


def _venue(venue: str | None, key: str) -> tuple[str, dict[str, Any] | None, int | None]:
    """S2 venue, publicationVenue and year from a fixture venue such as 'NeurIPS 2024'."""
    if not venue:
        return "", None, None
    year_match = re.search(r"\b(19|20)\d\d\b", venue)
    year = int(year_match.group(0)) if year_match else None
    abbreviation = venue.split()[0]
    name, kind = VENUE_NAMES.get(abbreviation, (re.sub(r"\s*\(.*\)|\s+\d{4}$", "", venue), None))
    if kind is None:
        kind = "journal" if "Transactions" in venue or "Journal" in venue else "book"
    venue_id = hashlib.sha1(f"s2-venue:{name}".encode()).hexdigest()
    vid = f"{venue_id[:8]}-{venue_id[8:12]}-{venue_id[12:16]}-{venue_id[16:20]}-{venue_id[20:32]}"
    return name, {"id": vid, "name": name, "type": kind, "url": None}, year


def _arxiv_part(paper: dict[str, Any], arxiv_id: str) -> tuple[dict[str, Any], list[str]]:
    made_up: list[str] = []
    key = paper["id"]
    published = paper["published"]
    if published is None:
        # New-style ids start with YYMM: the month is real, the day is not.
        published = f"20{arxiv_id[:2]}-{arxiv_id[2:4]}-01"
        made_up.append("arxiv.published")
    version = int((paper["updated_version"] or "v1").lstrip("v"))
    published_at = f"{published}T00:00:00Z"
    if version == 1:
        updated_at = published_at
    else:
        days = 20 + stable_int(key, "updated") % 200 * (version - 1)
        updated_day = dt.date.fromisoformat(published) + dt.timedelta(days=days)
        updated_at = f"{updated_day.isoformat()}T00:00:00Z"
        made_up.append("arxiv.updated")
    primary = paper["primary_category"]
    if primary is None:
        primary = "cs.LG"
        made_up.append("arxiv.primary_category")
    categories = [primary] + (["cs.AI"] if primary != "cs.AI" else [])
    made_up.append("arxiv.categories (secondary)")
    made_up.append("arxiv.summary")
    return (
        {
            "id": arxiv_id,
            "latest_version": version,
            "published": published_at,
            "updated": updated_at,
            "primary_category": primary,
            "categories": categories,
            "doi": paper["doi"],
            "journal_ref": None,
            "comment": None,
        },
        made_up,
    )


def _s2_part(paper: dict[str, Any], arxiv_id: str | None) -> dict[str, Any]:
    key = paper["id"]
    venue, publication_venue, venue_year = _venue(paper["venue"], key)
    published = paper["published"]
    year = venue_year or (int(published[:4]) if published else None)
    if arxiv_id and year is None:
        year = 2000 + int(arxiv_id[:2])
    corpus_id = 1_000_000 + stable_int(key, "corpus") % 270_000_000
    external: dict[str, Any] = {}
    if arxiv_id:
        external["ArXiv"] = arxiv_id
    doi = paper["doi"] or paper["arxiv_doi"]
    if doi:
        external["DOI"] = doi
    if paper["doi"] and paper["doi"].lower().startswith("10.18653/v1/"):
        # ACL Anthology DOIs embed the Anthology id: 10.18653/v1/<acl id>.
        external["ACL"] = paper["doi"][len("10.18653/v1/") :]
    external["CorpusId"] = corpus_id
    citations = stable_int(key, "citations") % 2500
    return {
        "paperId": s2_paper_id(key),
        "corpusId": corpus_id,
        "externalIds": external,
        "year": year,
        "publicationDate": published,
        "venue": venue,
        "publicationVenue": publication_venue,
        "authorIds": [
            str(1_000_000 + stable_int(name, "author") % 2_000_000_000) for name in paper["authors"]
        ],
        "citationCount": citations,
        "influentialCitationCount": citations // (5 + stable_int(key, "influential") % 20),
        "referenceCount": 15 + stable_int(key, "references") % 90,
        "openAccessPdf": (
            {"url": f"https://arxiv.org/pdf/{arxiv_id}", "status": "GREEN"}
            if arxiv_id
            else {"url": "", "status": None}
        ),
        "fieldsOfStudy": ["Computer Science"],
    }


def build(fixture: list[dict[str, Any]]) -> dict[str, Any]:
    papers = []
    skipped = []
    for paper in fixture:
        key = paper["id"]
        if not paper.get("title") or not paper.get("authors"):
            skipped.append(key)
            continue
        arxiv_id = key.removeprefix("arxiv:") if key.startswith("arxiv:") else None
        made_up: list[str] = []
        arxiv = None
        if arxiv_id:
            arxiv, made_up = _arxiv_part(paper, arxiv_id)
        papers.append(
            {
                "key": key,
                "title": paper["title"],
                "authors": paper["authors"],
                "arxiv": arxiv,
                "s2": _s2_part(paper, arxiv_id),
                "made_up": made_up,
            }
        )
    return {
        "note": NOTE,
        "made_up_everywhere": [
            "s2.paperId",
            "s2.corpusId",
            "s2.authorIds",
            "s2.citationCount",
            "s2.influentialCitationCount",
            "s2.referenceCount",
            "s2.publicationVenue.id",
        ],
        "skipped_keys": skipped,
        "papers": papers,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m enrich.standin.build_data FIXTURE_PAPERS_JSON", file=sys.stderr)
        return 2
    fixture = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    catalogue = build(fixture)
    DATA_FILE.write_text(
        json.dumps(catalogue, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(catalogue['papers'])} papers to {DATA_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
