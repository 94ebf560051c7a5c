"""Extraction: the text of an awesome list -> typed entries with normalized identifiers.

The stages, one module each:

1. :mod:`enrich.lists.blocks` reads the document's structure (markdown-it-py plus the standard
   HTML parser) into units: list items, table rows, HTML ``<tr>``/``<li>``, paragraphs, headings;
2. :mod:`enrich.lists.entries` finds the entries among them, attaches field blocks to the entry
   they describe and gives each entry its section;
3. :mod:`enrich.lists.fields` reads an entry's title (its text cut into pieces by
   :mod:`enrich.lists.pieces`, each classed by what it is in :mod:`enrich.lists.classify`),
   name, venue, year, date and authors;
4. :mod:`enrich.lists.links` reads its links, their roles and written positions, and its ids;
   :mod:`enrich.lists.kinds` decides its kind;
5. :mod:`enrich.lists.audit` accounts for every id written in the text and points at what could
   not be read.

See ``docs/extract.md`` for the output and the rules.
"""

from __future__ import annotations

from collections.abc import Iterator

from enrich.collector import gc_paused
from enrich.lists.audit import AuditBuilder, audit_extraction
from enrich.lists.blocks import Document, read_document
from enrich.lists.classify import reads_like_a_paper_title
from enrich.lists.entries import FoundEntries, declares_paper, find_entries
from enrich.lists.fields import read_fields
from enrich.lists.identifiers import IdKind
from enrich.lists.inline import Unit, UnitRole
from enrich.lists.kinds import LinkEvidence, entry_kind
from enrich.lists.links import add_text_links, link_role, locate_targets, read_links
from enrich.lists.read import ListText
from enrich.models import Entry, ExtractedList, ExtractionAudit, Link, LinkRole, TitleSource

__all__ = ["StreamedList", "extract_entries", "extract_list", "list_title"]


def _read(text: str) -> tuple[Document, FoundEntries]:
    doc = read_document(text)
    for event in doc.events:
        if isinstance(event, Unit):
            add_text_links(event)
    found = find_entries(doc)
    return doc, found


def _entry(unit: Unit, list_name: str, list_title: str | None, position: int) -> Entry:
    fields = read_fields(unit)
    title_cell_link = fields.title_link if fields.paper_column else None
    reading = read_links(unit, title_cell_link)
    flags = list(reading.flags)
    if fields.title_spans_lines:
        flags.append("title_spans_lines")
    if not fields.title:
        flags.append("no_title")
    if title_cell_link is not None and not reading.has_paper:
        # A row of a "Paper" column is a paper even when its title links to code.
        raw = unit.links[title_cell_link]
        if link_role(raw.url, "", IdKind.NONE, is_title_cell_link=True) is LinkRole.CODE:
            flags.append("paper_title_links_to_code")
    # a "Paper:" field, or a row of a "Paper" column: a paper even without a paper link
    has_paper = reading.has_paper or declares_paper(unit) or fields.paper_column
    line = fields.title_line if unit.role is UnitRole.PARAGRAPH else unit.line
    title_link = _link_at(reading.links, unit, fields.title_link)
    # model_construct: every value is built from typed parts, and validating 10,000 entries
    # again would cost a third of the extraction time (tests re-validate the output).
    return Entry.model_construct(
        list_name=list_name,
        position=position,
        line=line,
        end_line=max(unit.last_line(), line),
        section=unit.section,
        title=fields.title,
        title_source=fields.source if fields.title else TitleSource.NONE,
        title_line=fields.title_line if fields.title else None,
        name=fields.name,
        kind=entry_kind(
            unit.section,
            list_title,
            LinkEvidence.of(reading.links, has_paper=has_paper, title_link=title_link),
            title_source=fields.source,
            name_header=fields.name_header,
            titled_like_a_paper=reads_like_a_paper_title(fields.title),
        ),
        venue=fields.venue,
        year=fields.year,
        date=fields.date,
        authors=fields.authors,
        links=reading.links,
        ids=reading.ids,
        paper_urls=reading.paper_urls,
        flags=flags,
    )


def _link_at(links: list[Link], unit: Unit, index: int | None) -> Link | None:
    """The entry's link for the unit's raw link ``index`` (the title's link), if any."""
    if index is None:
        return None
    raw = unit.links[index]
    return next((lk for lk in links if lk.url == raw.url and lk.line == (raw.line or None)), None)


def _iter_entries(doc: Document, found: FoundEntries, list_name: str) -> Iterator[Entry]:
    locate_targets(found.entries, doc.lines)
    for position, unit in enumerate(found.entries, start=1):
        yield _entry(unit, list_name, found.title, position)
        # The unit's text is in the entry now: free it (a large list holds a million spans).
        unit.lines, unit.links, unit.attachments, unit.pieces = [], [], [], None


def _entries(doc: Document, found: FoundEntries, list_name: str) -> list[Entry]:
    return list(_iter_entries(doc, found, list_name))


def extract_entries(text: str, *, list_name: str) -> list[Entry]:
    """Every entry of the list ``text``, in document order, positions numbered from 1.

    Never raises on any text; terminates in time linear in the input for pathological nesting.
    """
    with gc_paused():
        doc, found = _read(text)
        return _entries(doc, found, list_name)


def list_title(text: str) -> str | None:
    """The list's first heading (markdown or HTML), if any."""
    return _read(text)[1].title


class StreamedList:
    """A list's extraction in one pass, for outputs too large to hold at once (``enrich
    extract`` of a 20 MB list): :attr:`info`, then :meth:`entries` (once), then :meth:`audit`.

    The same entries and audit as :func:`extract_list`; an entry is not kept once yielded.
    """

    def __init__(self, list_text: ListText) -> None:
        self._text = list_text.text
        with gc_paused():
            self._doc, self._found = _read(list_text.text)
        info = list_text.info
        if info.title is None and self._found.title:
            info = info.model_copy(update={"title": self._found.title})
        self.info = info
        self._list_name = list_text.info.name
        self._builder = AuditBuilder()
        self._done = False

    def entries(self) -> Iterator[Entry]:
        if self._done:
            raise RuntimeError("the entries of a StreamedList are read once")
        self._done = True
        units = self._found.entries
        entries = _iter_entries(self._doc, self._found, self._list_name)
        for unit in units:
            # The collector is paused while an entry is built, never while the caller holds it
            # (the caller's own garbage, e.g. json's encoder closures, needs it).
            with gc_paused():
                entry = next(entries)
                self._builder.add(entry, first_line=unit.line)
            yield entry

    def audit(self) -> ExtractionAudit:
        """The audit; call after :meth:`entries` is exhausted."""
        if not self._done:
            raise RuntimeError("read the entries before the audit")
        with gc_paused():
            return self._builder.finish(self._text, self._doc, self._found)


def extract_list(list_text: ListText) -> ExtractedList:
    """Entries of ``list_text`` and their audit, with ``info.title`` set to the first heading."""
    with gc_paused():
        doc, found = _read(list_text.text)
        entries = _entries(doc, found, list_text.info.name)
        audit = audit_extraction(list_text.text, doc, found, entries)
    info = list_text.info
    if info.title is None and found.title:
        info = info.model_copy(update={"title": found.title})
    return ExtractedList(info=info, entries=entries, audit=audit)
