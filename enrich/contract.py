"""The output contract: pydantic models of every file a run writes, and their JSON Schemas.

These models are the one definition of the snapshot files. ``outputs/schema/*.json`` is generated
from them by :func:`json_schemas` (``enrich schema --out outputs/schema``) and committed; a test
fails when the committed files drift from the models. ``outputs/README.md`` documents every field
for consumers.

Files of one snapshot directory (``snapshots/<run-id>/``):

============================  ==============================================================
``manifest.json``             :class:`Manifest`
``papers.json``               a JSON array of :class:`PaperRecord`, sorted by ``paper_id``
``lists/<slug>.json``         :class:`ListFile`, entries in list order
``papers.csv``, ``.parquet``  one row per paper, the columns of :data:`PAPER_TABLE_COLUMNS`
============================  ==============================================================

Serialization is deterministic: :func:`dump_json` sorts keys and ends with a newline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

import orjson
from pydantic import ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

from enrich.models import (
    Author,
    EntryKind,
    ExtractionAudit,
    Identifiers,
    Link,
    ListInfo,
    Model,
    SourceHealth,
    TitleSource,
)

#: Bumped when a file's meaning changes incompatibly; consumers should check it. The changes of
#: each version are listed in ``outputs/README.md`` ("Versions").
SCHEMA_VERSION = 2

#: Paper id prefixes, most stable first: the order in which a paper's id is chosen among the
#: ids the lists give (:func:`enrich.papers.records.reconcile`). ``s2:`` comes last: it is
#: only used for a paper no list gives an id for.
PAPER_ID_ORDER: tuple[str, ...] = ("arxiv", "doi", "openreview", "acl", "url", "s2")


def paper_id_rank(paper_id: str) -> tuple[int, str]:
    """Sort key of paper ids: the more stable kind first (:data:`PAPER_ID_ORDER`), then the id."""
    kind = paper_id.partition(":")[0]
    rank = PAPER_ID_ORDER.index(kind) if kind in PAPER_ID_ORDER else len(PAPER_ID_ORDER)
    return rank, paper_id


class RunStatus(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"


class FlagKind(StrEnum):
    """The checks raised on list entries (see ``outputs/README.md`` for each one's evidence)."""

    TITLE_MISMATCH = "title_mismatch"
    DUPLICATE = "duplicate"
    MALFORMED_LINK = "malformed_link"
    NOT_FOUND = "not_found"
    UNRESOLVED = "unresolved"
    PUBLISHED_SINCE = "published_since"
    STALE = "stale"


class FieldOrigin(StrEnum):
    """Where a record field's value came from."""

    ARXIV = "arxiv"
    S2 = "s2"
    LIST = "list"


class PublicationStatus(StrEnum):
    """Whether a paper has a published version besides its preprint (null: unknown)."""

    PUBLISHED = "published"
    PREPRINT = "preprint"


class LookupState(StrEnum):
    """What one source said about one paper in this run."""

    OK = "ok"
    NOT_FOUND = "not_found"
    FAILED = "failed"
    DISABLED = "disabled"
    NOT_REQUESTED = "not_requested"


# --------------------------------------------------------------------------- papers.json


class FieldSource(Model):
    """Provenance of one field of a :class:`PaperRecord`."""

    source: FieldOrigin
    fetched_at: dt.datetime | None = Field(
        default=None,
        description="When the source gave the value; for a stale value, when it was last fresh.",
    )
    stale: bool = Field(
        default=False,
        description="True when the source failed in this run and the previous value was kept.",
    )


#: Validation context key of the FieldSource instances shared while papers are read.
_SHARED_FIELD_SOURCES = "shared_field_sources"


class PaperIds(Identifiers):
    """Every identifier known for a paper: the shape of a row's ``ids`` (bare, normalized,
    one list per kind), plus the Semantic Scholar paperIds."""

    s2: list[str] = Field(default_factory=list, description="Semantic Scholar paperIds.")

    def paper_ids(self) -> list[str]:
        """All ids in prefixed form: arXiv, DOI, OpenReview, ACL, then S2."""
        return super().paper_ids() + [f"s2:{i}" for i in self.s2]

    def is_empty(self) -> bool:
        return super().is_empty() and not self.s2


class Appearance(Model):
    """One place (list row) where a paper is listed."""

    list_name: str = Field(description="Slug of the list.")
    position: int = Field(ge=1, description="1-based position of the entry in its list.")
    line: int = Field(ge=1, description="1-based line of the entry in the list text.")
    section: list[str] = Field(default_factory=list, description="Heading path, outermost first.")
    title: str = Field(description="Title as written in the row.")
    name: str | None = Field(default=None, description="The row's name column, if any.")


class PaperRecord(Model):
    """One paper, reconciled from every list row that links it and from arXiv and S2.

    Field precedence: arXiv for title, authors, arXiv dates and categories of arXiv papers; S2
    for citations, venue, published-version date, author ids and open-access PDF. ``sources``
    names, for every field that has a value, the source that gave it and when.
    """

    paper_id: str = Field(
        description="The paper's id, from the ids the lists give: arxiv:, else doi:, "
        "openreview:, acl:, url:; a source's id (arxiv:, doi:, acl:, else s2:) only for a "
        "paper no list gives an id for."
    )
    aliases: list[str] = Field(
        default_factory=list,
        description="Every other paper id naming this paper, now or in an earlier snapshot "
        "(ids it was published under before included).",
    )
    kind: EntryKind = Field(
        description="paper when any row listing it is a paper, else the first row's kind."
    )
    ids: PaperIds
    paper_urls: list[str] = Field(
        default_factory=list, description="Links to the paper that carry no id (CVF, PMLR, ...)."
    )
    title: str
    authors: list[Author] = Field(default_factory=list)
    year: int | None = Field(
        default=None,
        description="The year to cite: publication_year when published, else the year of the "
        "first version (arXiv v1; S2's year for a paper not on arXiv).",
    )
    publication_status: PublicationStatus | None = Field(
        default=None,
        description="published: S2 names a venue; preprint: on arXiv and not published "
        "elsewhere (S2 names no venue, arXiv no journal reference); null: unknown.",
    )
    venue: str | None = Field(
        default=None, description="Venue of the published version (S2); null unless published."
    )
    publication_year: int | None = Field(
        default=None, description="Year of the published version (S2); null unless published."
    )
    publication_date: dt.date | None = Field(
        default=None,
        description="Date of the published version (S2), when known: never an arXiv version's.",
    )
    arxiv_published: dt.date | None = Field(default=None, description="arXiv v1 date.")
    arxiv_updated: dt.date | None = Field(default=None, description="Date of the latest version.")
    arxiv_version: int | None = Field(default=None, description="Latest arXiv version number.")
    primary_category: str | None = None
    categories: list[str] = Field(default_factory=list)
    journal_ref: str | None = Field(default=None, description="arXiv journal reference.")
    citation_count: int | None = None
    influential_citation_count: int | None = None
    reference_count: int | None = None
    citation_delta: int | None = Field(
        default=None,
        description="citation_count minus the previous snapshot's; null when either is unknown.",
    )
    open_access_pdf: str | None = None
    fields_of_study: list[str] = Field(default_factory=list)
    lookups: dict[str, LookupState] = Field(
        default_factory=dict, description="What each source (arxiv, s2) said in this run."
    )
    sources: dict[str, FieldSource] = Field(
        default_factory=dict, description="Field name -> where its value came from, and when."
    )
    appearances: list[Appearance] = Field(
        description="Every list row listing the paper, in (list_name, position) order."
    )

    @field_validator("sources", mode="after")
    @classmethod
    def _share_equal_sources(
        cls, sources: dict[str, FieldSource], info: ValidationInfo
    ) -> dict[str, FieldSource]:
        """Equal provenances read in one validation (see :func:`papers_from_json`) share one
        immutable instance: a paper has about fifteen of them, at most three distinct."""
        context = info.context
        shared = context.get(_SHARED_FIELD_SOURCES) if isinstance(context, dict) else None
        if shared is None:
            return sources
        return {name: shared.setdefault(origin, origin) for name, origin in sources.items()}

    def stale_fields(self) -> list[str]:
        """Names of the fields whose value was carried forward from a previous snapshot."""
        return sorted(name for name, origin in self.sources.items() if origin.stale)


# --------------------------------------------------------------------------- lists/<slug>.json


class EntryRef(Model):
    """Points at one entry of one list."""

    list_name: str = Field(description="Slug of the list.")
    position: int = Field(ge=1)
    line: int = Field(ge=1)


class Flag(Model):
    """One check raised on an entry, with its evidence. Unused evidence fields are null."""

    flag: FlagKind
    detail: str = Field(description="One sentence a reader can verify.")
    field: str | None = Field(
        default=None, description="title_mismatch: which part of the row disagrees (title, name)."
    )
    linked_id: str | None = Field(
        default=None, description="The paper id the row's link points to."
    )
    fetched_title: str | None = Field(
        default=None, description="title_mismatch: the title of the linked paper."
    )
    suggested_id: str | None = Field(
        default=None,
        description="title_mismatch: the paper the row's title names, found by title match.",
    )
    first: EntryRef | None = Field(
        default=None, description="duplicate: the first entry of the list listing the same paper."
    )
    link: str | None = Field(default=None, description="malformed_link: the link as written.")
    venue: str | None = Field(default=None, description="published_since: venue reported by S2.")
    source: str | None = Field(default=None, description="not_found, stale: the source involved.")
    last_fresh: dt.datetime | None = Field(
        default=None, description="stale: when the carried values were last fetched."
    )


class ListEntry(Model):
    """One entry of a list, as written, with the paper it resolves to and its flags."""

    position: int = Field(ge=1)
    line: int = Field(ge=1)
    section: list[str] = Field(default_factory=list)
    kind: EntryKind
    title: str
    title_source: TitleSource = Field(
        default=TitleSource.TEXT,
        description="Where the title was read from (link_text, bold, quoted, text, cell, "
        "heading, name_only, none): how much it may be trusted.",
    )
    name: str | None = None
    venue: str | None = Field(default=None, description="Venue as written in the list.")
    year: str | None = Field(default=None, description="Year as written in the list.")
    date: str | None = None
    authors: str | None = None
    links: list[Link] = Field(default_factory=list)
    ids: Identifiers = Field(
        default_factory=Identifiers, description="Ids found in the row, as enrich extract gives."
    )
    paper_urls: list[str] = Field(
        default_factory=list, description="Paper links of the row that carry no id."
    )
    paper_id: str | None = Field(
        default=None, description="The record in papers.json; null when not resolved."
    )
    checked: bool = Field(description="False for entries not checked as papers (course, ...).")
    flags: list[Flag] = Field(default_factory=list)
    extraction_flags: list[str] = Field(
        default_factory=list, description="Quirks noted while reading the row."
    )


class ListChanges(Model):
    """Entries added or removed since the previous snapshot (keys: paper id, else title:...)."""

    previous_run_id: str | None = None
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class ListFile(Model):
    """``lists/<slug>.json``: one list's entries in list order."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_version: int = SCHEMA_VERSION
    run_id: str
    info: ListInfo = Field(alias="list")
    flag_counts: dict[str, int] = Field(default_factory=dict)
    changes: ListChanges
    entries: list[ListEntry]
    audit: ExtractionAudit = Field(
        default_factory=ExtractionAudit,
        description="What extraction could not read: ids outside entries (with a reason), "
        "entries without a title-like title or a paper id, text the parser dropped.",
    )


# --------------------------------------------------------------------------- manifest.json


class ListFailure(Model):
    """A list that could not be read at all in this run."""

    source: str
    error: str


class ManifestList(Model):
    """Summary of one list read in this run."""

    name: str
    source: str
    title: str | None = None
    url: str | None = None
    version: str | None = None
    fallback: bool = False
    entries: int
    paper_entries: int
    flag_counts: dict[str, int] = Field(default_factory=dict)
    added: int = 0
    removed: int = 0
    fixes: int | None = Field(
        default=None,
        description="Changes suggested in lists/<slug>.patch (each explained in "
        "lists/<slug>.fixes.md); 0 when there is nothing to fix, null when no patch was made.",
    )


class Counts(Model):
    lists: int = Field(description="Lists read (including bundled fallbacks).")
    lists_failed: int
    entries: int
    paper_entries: int
    papers: int = Field(description="Records in papers.json.")
    stale_papers: int = Field(description="Records with at least one carried-forward field.")
    flags: dict[str, int] = Field(default_factory=dict, description="Flag kind -> entries.")
    skipped: dict[str, int] = Field(
        default_factory=dict,
        description="Items not processed, by reason: not_checked (entries that are not papers), "
        "no_record (entries that resolve to no paper).",
    )


class Manifest(Model):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    demo: bool = Field(
        default=False,
        description="True when values come from the bundled stand-in of arXiv and Semantic "
        "Scholar (made-up citation counts and S2 ids), in this run or an earlier one it builds on.",
    )
    started_at: dt.datetime
    finished_at: dt.datetime
    status: RunStatus
    status_reasons: list[str] = Field(
        default_factory=list, description="Why the run is not ok, one sentence each."
    )
    previous_run_id: str | None = None
    lists: list[ManifestList]
    list_failures: list[ListFailure] = Field(default_factory=list)
    sources: dict[str, SourceHealth] = Field(
        description="Health per source role: arxiv, s2 (id lookups), s2_titles (title matches)."
    )
    counts: Counts


class ListPatch(Model):
    """The fixes suggested for one list: ``lists/<slug>.patch`` and ``lists/<slug>.fixes.md``."""

    patch: str = Field(
        description="A unified diff against the text read (empty when there is nothing to fix)."
    )
    notes: str = Field(description="Markdown: every change with its evidence, and what was not.")


class Snapshot(Model):
    """Everything one run publishes (written by :func:`enrich.publish.write.write_snapshot`)."""

    manifest: Manifest
    papers: list[PaperRecord]
    lists: dict[str, ListFile]
    patches: dict[str, ListPatch] = Field(
        default_factory=dict, description="List slug -> its suggested fixes, when made."
    )

    def paper(self, paper_id: str) -> PaperRecord | None:
        return next((p for p in self.papers if p.paper_id == paper_id), None)


# --------------------------------------------------------------------------- tables

#: Columns of papers.csv / papers.parquet, in order; list-valued fields are joined with "; ".
#: Ids are written as paper ids (``arxiv:2106.03760``), never bare: a bare arXiv id reads as a
#: number in pandas and in spreadsheets (2106.03760 -> 2106.0376).
PAPER_TABLE_COLUMNS: tuple[str, ...] = (
    "paper_id",
    "aliases",
    "kind",
    "title",
    "authors",
    "year",
    "publication_status",
    "venue",
    "publication_year",
    "publication_date",
    "arxiv_published",
    "arxiv_updated",
    "primary_category",
    "arxiv_id",
    "doi",
    "openreview_id",
    "acl_id",
    "s2_id",
    "url",
    "open_access_pdf",
    "citation_count",
    "influential_citation_count",
    "citation_delta",
    "lists",
    "sections",
    "appearances",
    "flags",
    "stale_fields",
)
#: Table columns holding whole numbers (nullable), and dates (``YYYY-MM-DD`` in the CSV).
PAPER_TABLE_INT_COLUMNS: tuple[str, ...] = (
    "year",
    "publication_year",
    "citation_count",
    "influential_citation_count",
    "citation_delta",
    "appearances",
)
PAPER_TABLE_DATE_COLUMNS: tuple[str, ...] = (
    "publication_date",
    "arxiv_published",
    "arxiv_updated",
)

#: Columns of history.csv (one row per run and paper), in order.
HISTORY_COLUMNS: tuple[str, ...] = (
    "run_id",
    "finished_at",
    "paper_id",
    "citation_count",
    "influential_citation_count",
    "citation_delta",
    "citations_stale",
    "appearances",
)

#: Where a paper id of each kind can be read, for the ``url`` column.
_PAGE_URLS = {
    "arxiv": "https://arxiv.org/abs/{}",
    "doi": "https://doi.org/{}",
    "openreview": "https://openreview.net/forum?id={}",
    "acl": "https://aclanthology.org/{}",
}


def paper_url(record: PaperRecord) -> str | None:
    """A page of the paper: arXiv, else doi.org, OpenReview, ACL Anthology, a list's link."""
    for kind, template in _PAGE_URLS.items():
        values: list[str] = getattr(record.ids, kind)
        if values:
            return template.format(values[0])
    if record.paper_urls:
        return record.paper_urls[0]
    if record.ids.s2:
        return f"https://www.semanticscholar.org/paper/{record.ids.s2[0]}"
    return None


def paper_table_row(record: PaperRecord, flags: Sequence[str] = ()) -> dict[str, object]:
    """One row of papers.csv / papers.parquet for ``record``; ``flags`` are the flag kinds
    raised on the rows listing it. Dates stay :class:`datetime.date` (the CSV writes them ISO)."""
    sections = (
        f"{a.list_name}: {' > '.join(a.section)}" if a.section else a.list_name
        for a in record.appearances
    )
    return {
        "paper_id": record.paper_id,
        "aliases": _joined(record.aliases),
        "kind": record.kind.value,
        "title": record.title,
        "authors": _joined(a.name for a in record.authors),
        "year": record.year,
        "publication_status": record.publication_status,
        "venue": record.venue,
        "publication_year": record.publication_year,
        "publication_date": record.publication_date,
        "arxiv_published": record.arxiv_published,
        "arxiv_updated": record.arxiv_updated,
        "primary_category": record.primary_category,
        "arxiv_id": _joined(f"arxiv:{i}" for i in record.ids.arxiv),
        "doi": _joined(f"doi:{i}" for i in record.ids.doi),
        "openreview_id": _joined(f"openreview:{i}" for i in record.ids.openreview),
        "acl_id": _joined(f"acl:{i}" for i in record.ids.acl),
        "s2_id": _joined(f"s2:{i}" for i in record.ids.s2),
        "url": paper_url(record),
        "open_access_pdf": record.open_access_pdf,
        "citation_count": record.citation_count,
        "influential_citation_count": record.influential_citation_count,
        "citation_delta": record.citation_delta,
        "lists": _joined(sorted({a.list_name for a in record.appearances})),
        "sections": _joined(dict.fromkeys(sections)),
        "appearances": len(record.appearances),
        "flags": _joined(sorted(set(flags))),
        "stale_fields": _joined(record.stale_fields()),
    }


def _joined(values: Iterable[str]) -> str | None:
    text = "; ".join(values)
    return text or None


# --------------------------------------------------------------------------- serialization


def dump_json(data: Any) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, UTF-8 kept, final newline.

    The same text as ``json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"``
    (a test pins this), made by orjson: with an indent the standard library falls back to its
    pure-Python encoder, which took 6 of the 24 s of a 10,000-paper run (benchmarks/README.md).
    """
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    return orjson.dumps(data, option=options).decode("utf-8")


def to_jsonable(model: Model) -> Any:
    """A model as JSON-ready data, with field aliases (``list`` for :attr:`ListFile.info`)."""
    return model.model_dump(mode="json", by_alias=True)


_PAPERS_ADAPTER: TypeAdapter[list[PaperRecord]] = TypeAdapter(list[PaperRecord])


def papers_to_jsonable(papers: list[PaperRecord]) -> Any:
    return _PAPERS_ADAPTER.dump_python(papers, mode="json", by_alias=True)


def papers_json(papers: Sequence[PaperRecord]) -> str:
    """``dump_json(papers_to_jsonable(papers))``: the text of papers.json (see
    :func:`papers_json_bytes`, which writers should prefer: it skips a decode and an encode)."""
    return papers_json_bytes(papers).decode("utf-8")


def papers_json_bytes(papers: Sequence[PaperRecord]) -> bytes:
    """``dump_json(papers_to_jsonable(papers))`` as UTF-8, built one paper at a time.

    The same text (a test pins it), without the JSON-ready tree of every paper at once: for
    20,000 papers that tree was the largest thing in memory while a snapshot was written
    (benchmarks/README.md). Each paper is dumped alone and indented one level, which is what
    an indented array of objects is (JSON strings hold no raw line breaks).

    A paper is dumped in pydantic's python mode and orjson writes its dates, times and enums,
    as pydantic's JSON mode would (UTC as ``Z``): converting them to strings in pydantic was
    two thirds of the time of this function. A paper holding a value orjson cannot write
    (none today) is dumped in JSON mode.
    """
    if not papers:
        return dump_json([]).encode("utf-8")
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    parts: list[bytes] = []
    separator = b"[\n  "
    for paper in papers:
        try:
            item = orjson.dumps(paper.model_dump(by_alias=True), option=options | orjson.OPT_UTC_Z)
        except orjson.JSONEncodeError:
            item = orjson.dumps(paper.model_dump(mode="json", by_alias=True), option=options)
        parts += (separator, item.replace(b"\n", b"\n  "))
        separator = b",\n  "
    parts.append(b"\n]\n")
    return b"".join(parts)  # one copy of the text, not one per concatenation


def papers_from_json(text: str | bytes) -> list[PaperRecord]:
    """papers.json read back. Equal field provenances share one immutable instance: 20,000
    papers hold about 280,000 of them, some 20,000 distinct (150 MiB less)."""
    return _PAPERS_ADAPTER.validate_json(text, context={_SHARED_FIELD_SOURCES: {}})


def papers_from_data(data: Any) -> list[PaperRecord]:
    return _PAPERS_ADAPTER.validate_python(data)


#: Schema file name -> what it describes; ``lists/<slug>.json`` files use list.schema.json.
SCHEMA_FILES: tuple[str, ...] = ("manifest.schema.json", "papers.schema.json", "list.schema.json")


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each output file, keyed by schema file name (see :data:`SCHEMA_FILES`)."""
    schemas: dict[str, dict[str, Any]] = {
        "manifest.schema.json": Manifest.model_json_schema(mode="serialization"),
        "papers.schema.json": _PAPERS_ADAPTER.json_schema(mode="serialization"),
        "list.schema.json": ListFile.model_json_schema(mode="serialization", by_alias=True),
    }
    titles = {
        "manifest.schema.json": "manifest.json of an awesome-enrich snapshot",
        "papers.schema.json": "papers.json of an awesome-enrich snapshot",
        "list.schema.json": "lists/<slug>.json of an awesome-enrich snapshot",
    }
    for name, schema in schemas.items():
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = name
        schema["title"] = titles[name]
        schema["x-schema-version"] = SCHEMA_VERSION
    return schemas
