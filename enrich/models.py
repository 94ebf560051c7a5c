"""The data model shared by every stage (the one definition of the output contract).

Stages: list text -> :class:`Entry` (extract) -> identifiers (:class:`Identifiers`) ->
source records (:class:`ArxivRecord`, :class:`S2Record` inside :class:`SourceResult`) ->
paper records and snapshot files (see :mod:`enrich.papers.records`, :mod:`enrich.publish.snapshot`).

Identifier conventions: inside :class:`Identifiers` ids are bare and normalized
(``2401.04088``, ``hep-th/9901001``, ``10.1145/3219819.3220007``, ``PQ2zoIZqvm``, ``P19-1103``);
a *paper id* is the prefixed canonical form used as a key across the package:
``arxiv:2401.04088``, ``doi:10.1145/...``, ``openreview:...``, ``acl:...``, ``s2:<paperId>``,
``url:<link>``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class Model(BaseModel):
    """Base of all models: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- extraction


class LinkRole(StrEnum):
    PAPER = "paper"
    CODE = "code"
    OTHER = "other"


class Link(Model):
    url: str = Field(description="The link target as written in the list.")
    label: str = Field(default="", description="The link text, markdown removed.")
    role: LinkRole = Field(description="paper, code or other.")


class Identifiers(Model):
    """Normalized, unversioned, de-duplicated ids in order of appearance (bare, no prefix)."""

    arxiv: list[str] = Field(default_factory=list)
    doi: list[str] = Field(default_factory=list)
    openreview: list[str] = Field(default_factory=list)
    acl: list[str] = Field(default_factory=list)

    def paper_ids(self) -> list[str]:
        """All ids in prefixed form, arXiv first, then DOI, OpenReview, ACL."""
        return (
            [f"arxiv:{i}" for i in self.arxiv]
            + [f"doi:{i}" for i in self.doi]
            + [f"openreview:{i}" for i in self.openreview]
            + [f"acl:{i}" for i in self.acl]
        )

    def is_empty(self) -> bool:
        return not (self.arxiv or self.doi or self.openreview or self.acl)


class EntryKind(StrEnum):
    PAPER = "paper"
    BOOK = "book"
    COURSE = "course"
    PRESENTATION = "presentation"
    LIBRARY = "library"
    MODEL = "model"
    DATASET = "dataset"
    CODE_LISTING = "code_listing"
    OTHER = "other"


class Entry(Model):
    """One row of one list, as written there."""

    list_name: str = Field(description="Slug of the list the entry comes from.")
    position: int = Field(ge=1, description="1-based order of the entry in its list.")
    line: int = Field(ge=1, description="1-based line where the entry starts.")
    section: list[str] = Field(
        default_factory=list, description="Heading path above the entry, outermost first."
    )
    title: str = Field(description="Title as written, markdown removed.")
    name: str | None = Field(default=None, description="The row's name or label column.")
    kind: EntryKind = EntryKind.PAPER
    venue: str | None = None
    year: str | None = None
    date: str | None = None
    authors: str | None = Field(default=None, description="Author text as written.")
    links: list[Link] = Field(default_factory=list)
    ids: Identifiers = Field(default_factory=Identifiers)
    paper_urls: list[str] = Field(
        default_factory=list,
        description="Links to the paper at hosts without an id we normalize (CVF, PMLR, ...).",
    )
    flags: list[str] = Field(
        default_factory=list,
        description="Extraction quirks, e.g. malformed_link, arxiv_version:2401.04088v2.",
        # Written as ``extraction_flags``, the key the list files use for the same strings, so
        # that ``flags`` means the checks' flags in every output file.
        serialization_alias="extraction_flags",
        validation_alias=AliasChoices("flags", "extraction_flags"),
    )


class ListInfo(Model):
    source: str = Field(description="The source as given: path, URL or github:OWNER/REPO spec.")
    name: str = Field(
        description="Slug naming the list, e.g. superbrucejia-awesome-mixture-of-experts."
    )
    title: str | None = Field(default=None, description="The list's first heading.")
    url: str | None = Field(default=None, description="Where the text was read from.")
    version: str | None = Field(default=None, description="Commit, ETag or content hash read.")
    fallback: bool = Field(
        default=False, description="True when a bundled copy was used because upstream failed."
    )


class ExtractedList(Model):
    """A list's entries. Serialized (``by_alias=True``) as ``{"list": {...}, "entries": [...]}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    info: ListInfo = Field(alias="list")
    entries: list[Entry]


# --------------------------------------------------------------------------- sources


class Author(Model):
    name: str
    affiliations: list[str] = Field(default_factory=list)
    s2_id: str | None = Field(default=None, description="Semantic Scholar author id.")


class ArxivRecord(Model):
    """Metadata of one arXiv paper, as the arXiv API gives it."""

    arxiv_id: str = Field(description="Unversioned id, e.g. 2401.04088.")
    title: str
    authors: list[Author]
    published: dt.datetime = Field(description="Date of v1.")
    updated: dt.datetime = Field(description="Date of the latest version.")
    latest_version: int = Field(ge=1)
    primary_category: str
    categories: list[str]
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    pdf_url: str | None = None


class PublicationVenue(Model):
    id: str | None = None
    name: str | None = None
    type: str | None = None
    url: str | None = None


class S2Record(Model):
    """Metadata of one paper, as the Semantic Scholar Graph API gives it."""

    paper_id: str = Field(description="S2 paperId (40 hex).")
    title: str
    authors: list[Author] = Field(default_factory=list)
    year: int | None = None
    publication_date: dt.date | None = None
    venue: str | None = None
    publication_venue: PublicationVenue | None = None
    external_ids: dict[str, str] = Field(default_factory=dict)
    citation_count: int | None = None
    influential_citation_count: int | None = None
    reference_count: int | None = None
    open_access_pdf: str | None = None
    fields_of_study: list[str] = Field(default_factory=list)
    match_score: float | None = Field(default=None, description="Set for title matches only.")


class OutcomeStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    FAILED = "failed"


RecordT = TypeVar("RecordT", ArxivRecord, S2Record)


class Outcome(Model, Generic[RecordT]):
    """What one source said about one requested key. ``record`` is set iff status is ok."""

    key: str = Field(description="The requested paper id (arxiv:..., doi:..., title:...).")
    status: OutcomeStatus
    reason: str | None = Field(default=None, description="Why not ok, e.g. 'HTTP 503'.")
    record: RecordT | None = None
    fetched_at: dt.datetime | None = Field(default=None, description="When the record was fetched.")
    from_cache: bool = False


class SourceStatus(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    DISABLED = "disabled"


#: Header the bundled stand-in (:mod:`enrich.standin`) puts on every answer; a source that
#: receives it reports ``standin`` in its health, so made-up data is never taken for real data.
STANDIN_HEADER = "X-Awesome-Enrich-Standin"


class SourceHealth(Model):
    source: str
    status: SourceStatus
    requests: int = 0
    retries: int = 0
    failures: int = Field(default=0, description="Requests that failed after all retries.")
    cache_hits: int = 0
    ok: int = 0
    not_found: int = 0
    failed: int = Field(default=0, description="Keys whose outcome is failed.")
    last_error: str | None = None
    standin: bool = Field(
        default=False,
        description="True when answers came from the bundled stand-in, not the real service.",
    )


class SourceResult(Model, Generic[RecordT]):
    """Every requested key's outcome (none dropped) plus the source's health for the call."""

    outcomes: dict[str, Outcome[RecordT]]
    health: SourceHealth


class TitleQuery(Model):
    """A request to find a paper by title (for entries with no id S2 accepts)."""

    key: str = Field(description="Key the outcome is reported under.")
    title: str
    year: int | None = None
