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
    url: str = Field(
        description="The link target as read: angle brackets, surrounding spaces and markdown "
        "escapes removed (a bare URL in the text is its own target)."
    )
    label: str = Field(default="", description="The link text, markdown removed.")
    role: LinkRole = Field(description="paper, code or other.")
    line: int | None = Field(
        default=None, ge=1, description="1-based line where the target is written."
    )
    target: str | None = Field(
        default=None,
        description="The target exactly as written on that line (e.g. '<https://...>' for "
        "'(<https://...>)'), so that it can be found and replaced in the list text; null when "
        "it could not be located.",
    )


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


class TitleSource(StrEnum):
    """Where an entry's title was read from: how much a later stage may trust it."""

    LINK_TEXT = "link_text"
    BOLD = "bold"
    QUOTED = "quoted"
    TEXT = "text"
    """Plain (or italic) text of the entry."""
    CELL = "cell"
    """A table cell under a title column (Title, Paper, ...), read as a whole."""
    HEADING = "heading"
    """The heading of a heading-per-paper entry."""
    NAME_ONLY = "name_only"
    """The row gives only a short name (a model, method or nickname), not a paper title."""
    NONE = "none"
    """No title found."""


class Entry(Model):
    """One row of one list, as written there."""

    list_name: str = Field(description="Slug of the list the entry comes from.")
    position: int = Field(ge=1, description="1-based order of the entry in its list.")
    line: int = Field(ge=1, description="1-based line where the entry starts.")
    section: list[str] = Field(
        default_factory=list, description="Heading path above the entry, outermost first."
    )
    end_line: int | None = Field(
        default=None, ge=1, description="1-based last line of the entry (its last text line)."
    )
    title: str = Field(description="Title as written, markdown removed.")
    title_source: TitleSource = Field(
        default=TitleSource.TEXT, description="Where the title was read from."
    )
    title_line: int | None = Field(
        default=None, ge=1, description="1-based line where the title text starts."
    )
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


class OutsideReason(StrEnum):
    """Why a paper id written in a list is held by no entry."""

    LIST_HEADER = "list_header"
    """The list's own header: title line, badges, introduction (before its first entry)."""
    TABLE_OF_CONTENTS = "table_of_contents"
    CITATION = "citation"
    """A citation block: a Citation / Cite us section or a BibTeX code block."""
    CONTRIBUTING = "contributing"
    """A Contributing section (often an entry template)."""
    BOILERPLATE = "boilerplate"
    """Another section that holds no entries (License, Acknowledgements, Contact, ...)."""
    HTML_COMMENT = "html_comment"
    CODE_BLOCK = "code_block"
    IMAGE = "image"
    """An image source (a badge), not a link."""
    HEADING = "heading"
    """A section heading."""
    PROSE = "prose"
    """A paragraph that is not an entry."""
    DROPPED = "dropped"
    """Text the markdown parser did not read (see ``dropped_elements``)."""
    MENTIONED = "mentioned"
    """Written as text (``arXiv:ID``) in an entry that links its paper elsewhere."""
    NOT_READ = "not_read"
    """Inside an entry, but not read as one of its ids."""


class OutsideId(Model):
    """One place where a paper id is written outside every entry that holds it."""

    id: str = Field(description="Prefixed paper id (arxiv:..., doi:..., openreview:..., acl:...).")
    line: int = Field(ge=1, description="1-based line where it is written.")
    reason: OutsideReason
    detail: str | None = Field(default=None, description="E.g. the section heading.")


class EntryNote(Model):
    """An entry the audit points at (its title is not title-like, or it holds no paper id)."""

    position: int = Field(ge=1)
    line: int = Field(ge=1)
    title: str
    reason: str = Field(description="Why it is listed, in a few words.")


class DroppedElement(Model):
    """Text extraction could not read (e.g. nested deeper than the markdown parser reads)."""

    line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    reason: str


class ExtractionAudit(Model):
    """What extraction could not read, so that a maintainer sees which rows to look at.

    Every arXiv, DOI, OpenReview and ACL id written in the list text is either held by an entry
    or listed in ``ids_outside_entries`` with a reason.
    """

    ids_in_text: int = Field(default=0, description="Distinct paper ids written in the text.")
    ids_in_entries: int = Field(default=0, description="Of those, the ids held by entries.")
    ids_outside_entries: list[OutsideId] = Field(
        default_factory=list,
        description="Ids held by no entry, one item per place they are written.",
    )
    titles_not_title_like: list[EntryNote] = Field(
        default_factory=list,
        description="Entries whose title is empty or not a title (a link label, venue or date "
        "tag, number, emoji, author list or affiliation).",
    )
    entries_without_id: list[EntryNote] = Field(
        default_factory=list, description="Paper entries that hold no paper id."
    )
    dropped_elements: list[DroppedElement] = Field(default_factory=list)


class ExtractedList(Model):
    """A list's entries and their audit.

    Serialized (``by_alias=True``) as ``{"list": {...}, "entries": [...], "audit": {...}}``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    info: ListInfo = Field(alias="list")
    entries: list[Entry]
    audit: ExtractionAudit = Field(default_factory=ExtractionAudit)


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
