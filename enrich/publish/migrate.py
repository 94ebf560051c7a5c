"""Read snapshots written by an earlier schema version as the current version.

A run compares itself with the latest snapshot, and ``enrich diff`` compares any two, so a
snapshot written before an upgrade must still load: its JSON is brought to the current shape
here, before validation. Only what the old files say is used; what they cannot tell stays
unknown (``null``), as everywhere in the contract.

Version 1 -> 2 (``outputs/README.md``, "Versions"): ids became one list per kind with the
paper links beside them (``paper_urls``), papers gained ``aliases``, the published version got
its own fields (``publication_status``, ``publication_year``; ``venue`` and
``publication_date`` only for it), list entries got the ``ids`` shape of ``enrich extract``
and ``paper_urls``, and the manifest got ``demo``.
"""

from __future__ import annotations

from typing import Any

from enrich.contract import SCHEMA_VERSION, paper_id_rank
from enrich.papers.checks import is_preprint_venue

_ID_KINDS = ("arxiv", "doi", "openreview", "acl", "s2")


def schema_version(document: Any) -> int:
    """The schema version a manifest or list file declares (1 when it has none)."""
    return document.get("schema_version", 1) if isinstance(document, dict) else 1


def migrate_manifest(document: dict[str, Any]) -> dict[str, Any]:
    if schema_version(document) >= SCHEMA_VERSION:
        return document
    return {**document, "schema_version": SCHEMA_VERSION, "demo": False}


def migrate_list_file(document: dict[str, Any]) -> dict[str, Any]:
    if schema_version(document) >= SCHEMA_VERSION:
        return document
    entries = []
    for entry in document.get("entries", []):
        ids: dict[str, list[str]] = {kind: [] for kind in _ID_KINDS if kind != "s2"}
        for paper_id in entry.get("ids", []):
            kind, _, value = paper_id.partition(":")
            ids.setdefault(kind, []).append(value)
        entries.append({**entry, "ids": ids, "paper_urls": []})
    return {**document, "schema_version": SCHEMA_VERSION, "entries": entries}


def migrate_papers(papers: list[dict[str, Any]], version: int) -> list[dict[str, Any]]:
    """papers.json records of a snapshot whose manifest has ``version``, in the current shape."""
    if version >= SCHEMA_VERSION:
        return papers
    return [_paper_v1(paper) for paper in papers]


def _paper_v1(paper: dict[str, Any]) -> dict[str, Any]:
    old_ids = paper.get("ids", {})
    ids = {kind: [old_ids[kind]] if old_ids.get(kind) else [] for kind in _ID_KINDS}
    names = [f"{kind}:{value}" for kind in _ID_KINDS for value in ids[kind]]
    sources = dict(paper.get("sources", {}))
    venue = paper.get("venue")
    published = bool(venue) and not is_preprint_venue(venue)
    s2_answered = paper.get("lookups", {}).get("s2") == "ok"
    status = "published" if published else "preprint" if s2_answered and ids["arxiv"] else None
    year_origin = sources.get("year", {}).get("source")
    migrated = {key: value for key, value in paper.items() if key != "ids"}
    migrated.update(
        aliases=sorted((n for n in names if n != paper["paper_id"]), key=paper_id_rank),
        ids=ids,
        paper_urls=list(old_ids.get("urls", [])),
        venue=venue if published else None,
        publication_status=status,
        publication_year=paper.get("year") if published and year_origin == "s2" else None,
        publication_date=paper.get("publication_date") if published else None,
    )
    for field in ("venue", "publication_date"):
        if migrated[field] is None:
            sources.pop(field, None)
    s2_origin = sources.get("venue") or sources.get("citation_count")
    for field in ("publication_status", "publication_year"):
        if migrated[field] is not None and s2_origin is not None:
            sources[field] = s2_origin
    migrated["sources"] = sources
    return migrated
