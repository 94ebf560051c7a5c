"""Reading a list's structure: markdown and raw HTML -> a stream of units and section events.

The text is parsed with markdown-it-py (CommonMark plus GFM tables, configured in
:mod:`enrich.lists.markdown`); raw HTML blocks are read with the standard library's HTML parser.
One pass over the flat token stream (no recursion, so deeply nested input cannot exhaust the
stack) turns them into :class:`~enrich.lists.inline.Unit` s (list items, table rows, HTML
``<tr>``/``<li>``, paragraphs, headings) and section events (``<details>`` opened and closed, a
``<summary>``), in document order. Which units are entries,
and under which section, is decided afterwards (:mod:`enrich.lists.entries`).

Besides the units, the reading keeps what the audit needs to explain an id outside entries: code
blocks, HTML comments, image sources, and text the parser did not read (content nested deeper
than markdown-it's nesting limit is skipped by the parser; it is found here as source lines that
no block covers, and reported instead of silently lost).

Memory: inline content is parsed one block at a time (markdown-it's ``inline`` core rule is off
and run here per block), so the tokens of a large list are never all alive at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token

from enrich.lists.inline import InlineBuilder, Unit, UnitRole, cells_text, clean_text
from enrich.lists.markdown import parser

__all__ = ["Document", "SectionEvent", "read_document"]

#: Deepest HTML element / list nesting followed; deeper content is attached to the innermost
#: followed element. Keeps pathological input linear.
MAX_DEPTH = 64
#: markdown-it's nesting limit (a list level costs two: the list and its item). Content nested
#: deeper is skipped by the parser and reported as dropped.
MAX_NESTING = 40

_SETEXT_EQUALS_RE = re.compile(r"\n {0,3}=+[ \t]*$")
_CONTENT_RE = re.compile(r"\w")
_MARKERS_RE = re.compile(r"^(?:\s*(?:>|[-*+](?=\s|$)|\d{1,9}[.)](?=\s|$)))*")
_REFERENCE_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S")
_BIBTEX_RE = re.compile(r"@\w+\s*\{", re.ASCII)


class SectionEvent(Enum):
    DETAILS_OPEN = "details_open"
    DETAILS_CLOSE = "details_close"


@dataclass(slots=True)
class Summary:
    """The ``<summary>`` text of the innermost open ``<details>``."""

    text: str


Event = Unit | SectionEvent | Summary


@dataclass(slots=True)
class Document:
    """What :func:`read_document` found, in document order."""

    events: list[Event] = field(default_factory=list)
    code_blocks: list[tuple[int, int, bool]] = field(default_factory=list)  # first, last, bibtex
    comments: list[tuple[int, int]] = field(default_factory=list)
    images: list[tuple[int, str]] = field(default_factory=list)
    dropped: list[tuple[int, int]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the source lines, for written targets

    @property
    def units(self) -> list[Unit]:
        return [e for e in self.events if isinstance(e, Unit)]


# --------------------------------------------------------------------------- HTML blocks


class _HtmlReader(HTMLParser):
    """Reads raw HTML blocks: headings, <details>/<summary>, <table> rows and <li> items.

    One instance lives for the whole document, so a ``<table>`` split by blank lines (several
    markdown-it html_blocks) is still read as one table. Rows and items are stacks, so the outer
    row of a nested table is kept as a row of its own.
    """

    def __init__(self, walker: _Walker) -> None:
        super().__init__(convert_charrefs=True)
        self.walker = walker
        self.base_line = 1
        self.heading: Unit | None = None
        self.summary: list[str] | None = None
        self.rows: list[tuple[Unit, bool]] = []  # (row, still a header row)
        self.builder: InlineBuilder | None = None
        self.table_header: list[list[str] | None] = []  # one per open <table>
        self.items: list[Unit] = []
        self.cells: list[int] = []  # the current cell index of each open row

    def feed_block(self, content: str, first_line: int) -> None:
        self.base_line = first_line
        self.lineno, self.offset = 1, 0
        self.feed(content)

    def _line(self) -> int:
        return self.base_line + self.getpos()[0] - 1

    def _resume(self) -> None:
        """After a nested row or item ends, text goes to the enclosing one again."""
        inner_row = self.rows[-1][0] if self.rows else None
        inner_item = self.items[-1] if self.items else None
        if inner_item is not None and (inner_row is None or inner_item.order > inner_row.order):
            self.builder = InlineBuilder(inner_item, self._line())
        elif inner_row is not None:
            self.builder = InlineBuilder(inner_row, self._line(), self.cells[-1])
        else:
            self.builder = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading = self.walker.new_unit(UnitRole.HEADING, self._line(), level=int(tag[1]))
            self.builder = InlineBuilder(self.heading, self._line())
        elif tag == "summary":
            self.summary = []
        elif tag == "details":
            self.walker.events.append(SectionEvent.DETAILS_OPEN)
        elif tag == "table":
            self.table_header.append(None)
        elif tag == "tr":
            if len(self.rows) >= MAX_DEPTH:
                return
            row = self.walker.new_unit(UnitRole.ROW, self._line(), register=False)
            self.rows.append((row, True))
            self.cells.append(-1)
            self.builder = None
        elif tag in ("td", "th") and self.rows:
            self.cells[-1] += 1
            row, is_header = self.rows[-1]
            if tag == "td" and is_header:
                self.rows[-1] = (row, False)
            self.builder = InlineBuilder(row, self._line(), self.cells[-1])
        elif tag == "li":
            if len(self.items) < MAX_DEPTH:
                self.items.append(self.walker.new_unit(UnitRole.HTML_ITEM, self._line()))
            self.builder = InlineBuilder(self.items[-1], self._line())
        elif tag == "br":
            if self.builder is not None:
                self.builder.newline(advance=False)
        elif tag == "img":
            src = dict(attrs).get("src")
            if src:
                self.walker.doc.images.append((self._line(), src))
                if self.builder is not None:
                    self.builder.image(src)
        elif self.builder is not None:
            self.builder.tag(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and self.builder is not None:
            self.builder.newline(advance=False)
        elif tag == "img":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading is not None:
            self.heading = None
            self._resume()
        elif tag == "summary" and self.summary is not None:
            self.walker.events.append(Summary(clean_text("".join(self.summary))))
            self.summary = None
        elif tag == "details":
            self.walker.events.append(SectionEvent.DETAILS_CLOSE)
        elif tag == "table":
            if self.table_header:
                self.table_header.pop()
        elif tag == "tr" and self.rows:
            row, is_header = self.rows.pop()
            self.cells.pop()
            if is_header and self.table_header and self.table_header[-1] is None:
                self.table_header[-1] = [c.lower() for c in cells_text(row)]
            else:
                row.header = self.table_header[-1] if self.table_header else None
                self.walker.register(row)
            self._resume()
        elif tag in ("td", "th"):
            self.builder = None
        elif tag == "li" and self.items:
            self.items.pop()
            self._resume()
        elif self.builder is not None:
            self.builder.tag(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.summary is not None:
            self.summary.append(data)
        elif self.builder is not None:
            parts = data.split("\n")
            for i, part in enumerate(parts):
                if i:
                    self.builder.newline()
                self.builder.text(part)

    def handle_comment(self, data: str) -> None:
        first = self._line()
        self.walker.doc.comments.append((first, first + data.count("\n")))

    def close_all(self) -> None:
        """End of document: keep unclosed rows (unclosed items are registered already)."""
        while self.rows:
            row, _ = self.rows.pop()
            self.walker.register(row)
        self.items.clear()


# --------------------------------------------------------------------------- the walk


class _Walker:
    """Walks the block token stream once, building units and section events."""

    def __init__(self, md: MarkdownIt, text: str) -> None:
        self.md = md
        self.env: dict[str, Any] = {}
        self.doc = Document()
        self.events = self.doc.events
        self.order = 0
        self.lines = self.doc.lines = text.split("\n")
        self.covered = bytearray(len(self.lines) + 1)
        self.quotes = 0  # depth of open blockquotes
        self.html_reader = _HtmlReader(self)

    def new_unit(self, role: UnitRole, line: int, *, level: int = 0, register: bool = True) -> Unit:
        self.order += 1
        unit = Unit(role=role, line=line, order=self.order, level=level)
        if register:
            self.events.append(unit)
        return unit

    def register(self, unit: Unit) -> None:
        self.events.append(unit)

    def inline(self, tok: Token) -> list[Token]:
        children: list[Token] = []
        self.md.inline.parse(tok.content, self.md, self.env, children)
        return children

    def cover(self, tok: Token) -> None:
        if tok.map:
            first, end = tok.map
            self.covered[first:end] = b"\x01" * (end - first)

    def walk(self, tokens: list[Token]) -> None:
        """Walk the tokens of one chunk of the document (a run of whole top-level blocks)."""
        html_reader = self.html_reader
        items: list[Unit] = []
        lists: list[int] = []  # ids of the open markdown lists
        table_header: list[str] | None = None
        row: Unit | None = None
        in_head = False
        cell = -1
        heading: Unit | None = None
        # A top-level paragraph waits for the next token: "Title" followed by a "---" line is a
        # setext heading (the lheading rule is off, see enrich.lists.markdown).
        pending: Token | None = None
        for tok in tokens:
            kind = tok.type
            if pending is not None and kind != "paragraph_close":
                if kind == "hr" and _underlines(pending, tok):
                    self._setext(pending)
                    self.cover(tok)
                    pending = None
                    continue
                self._paragraph(pending)
                pending = None
            if kind == "inline":
                line = tok.map[0] + 1 if tok.map else 1
                if heading is not None:
                    InlineBuilder(heading, line).feed(self.inline(tok))
                elif row is not None:
                    InlineBuilder(row, line, cell).feed(self.inline(tok))
                elif items:
                    InlineBuilder(items[-1], line).feed(self.inline(tok))
                elif html_reader.builder is not None:
                    # markdown inside an open HTML <td> or <li> belongs to that row or item
                    open_in = html_reader.builder
                    InlineBuilder(open_in.unit, line, open_in.cell).feed(self.inline(tok))
                else:
                    pending = tok
            elif kind in ("paragraph_open", "hr"):
                self.cover(tok)
            elif kind == "heading_open":
                self.cover(tok)
                line = tok.map[0] + 1 if tok.map else 1
                heading = self.new_unit(UnitRole.HEADING, line, level=int(tok.tag[1]))
            elif kind == "heading_close":
                heading = None
            elif kind == "blockquote_open":
                self.quotes += 1
            elif kind == "blockquote_close":
                self.quotes = max(0, self.quotes - 1)
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.order += 1
                lists.append(self.order)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                if lists:
                    lists.pop()
            elif kind == "list_item_open":
                if len(items) < MAX_DEPTH:
                    line = tok.map[0] + 1 if tok.map else 1
                    unit = self.new_unit(UnitRole.ITEM, line, level=len(items))
                    unit.parent = items[-1] if items else None
                    unit.group = lists[-1] if lists else 0
                    items.append(unit)
                else:
                    items.append(items[-1])
            elif kind == "list_item_close":
                if items:
                    items.pop()
            elif kind == "table_open":
                self.cover(tok)
            elif kind == "thead_open":
                in_head = True
                table_header = []
            elif kind == "thead_close":
                in_head = False
            elif kind == "tr_open":
                line = tok.map[0] + 1 if tok.map else 1
                row = self.new_unit(UnitRole.ROW, line, register=False)
                cell = -1
            elif kind == "tr_close" and row is not None:
                if in_head:
                    table_header = [c.lower() for c in cells_text(row)]
                else:
                    row.header = table_header
                    self.register(row)
                row = None
            elif kind == "td_open" or kind == "th_open":
                cell += 1
            elif kind == "html_block":
                self.cover(tok)
                line = tok.map[0] + 1 if tok.map else 1
                html_reader.feed_block(tok.content, line)
            elif kind in ("fence", "code_block"):
                self.cover(tok)
                if tok.map:
                    bibtex = _BIBTEX_RE.search(tok.content) is not None
                    self.doc.code_blocks.append((tok.map[0] + 1, max(tok.map[1], 1), bibtex))
        if pending is not None:
            self._paragraph(pending)

    def close(self) -> None:
        """End of the document."""
        self.html_reader.close_all()
        self._find_dropped()

    def _setext(self, tok: Token) -> None:
        """A paragraph underlined by ``---``: a level-2 heading."""
        line = tok.map[0] + 1 if tok.map else 1
        unit = self.new_unit(UnitRole.HEADING, line, level=2)
        InlineBuilder(unit, line).feed(self.inline(tok))

    def _paragraph(self, tok: Token) -> None:
        """A top-level paragraph (setext headings with ``===`` are recognized here)."""
        line = tok.map[0] + 1 if tok.map else 1
        children = self.inline(tok)
        if _SETEXT_EQUALS_RE.search(tok.content) and any(c.type == "softbreak" for c in children):
            last_break = max(i for i, c in enumerate(children) if c.type == "softbreak")
            unit = self.new_unit(UnitRole.HEADING, line, level=1)
            InlineBuilder(unit, line).feed(children[:last_break])
            return
        unit = self.new_unit(UnitRole.PARAGRAPH, line)
        unit.quoted = self.quotes > 0
        InlineBuilder(unit, line).feed(children)

    def _find_dropped(self) -> None:
        """Source lines with text that no block covers: skipped by the parser (nesting)."""
        start: int | None = None
        last = 0
        for index, text in enumerate(self.lines):
            if not text.strip():
                continue
            if (
                not self.covered[index]
                and _CONTENT_RE.search(_MARKERS_RE.sub("", text, count=1)) is not None
                and not _REFERENCE_RE.match(text)
            ):
                if start is None:
                    start = index
                last = index
            elif start is not None:
                self.doc.dropped.append((start + 1, last + 1))
                start = None
        if start is not None:
            self.doc.dropped.append((start + 1, last + 1))


def _underlines(paragraph: Token, hr: Token) -> bool:
    """``hr`` is a ``---`` line right under ``paragraph``: together a setext heading."""
    return (
        bool(hr.markup)
        and set(hr.markup) == {"-"}
        and paragraph.map is not None
        and hr.map is not None
        and hr.map[0] == paragraph.map[1]
    )


# --------------------------------------------------------------------------- parser

#: The parser (:mod:`enrich.lists.markdown`).
_MD = parser(MAX_NESTING)


def read_document(text: str) -> Document:
    """The units, section events and audit evidence of the list ``text``. Never raises.

    A large text is parsed in chunks of whole top-level blocks (:func:`chunks`), so that the
    parser's tokens for only one chunk are alive at a time; the walk carries its state across.
    """
    walker = _Walker(_MD, text)
    pieces = list(chunks(walker.lines))
    if len(pieces) > 1:
        walker.env["references"] = _references(walker.lines)
    for first, last in pieces:
        tokens = _MD.parse("\n".join(walker.lines[first:last]), walker.env)
        if first:
            for tok in tokens:
                if tok.map:
                    tok.map = [tok.map[0] + first, tok.map[1] + first]
        walker.walk(tokens)
        del tokens
    walker.close()
    return walker.doc


#: Texts up to this many characters are parsed whole; larger ones in chunks of about this size.
CHUNK_CHARS = 1_000_000
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RAW_OPEN_RE = re.compile(r"^ {0,3}<(!--|pre\b|script\b|style\b|textarea\b)", re.IGNORECASE)
_RAW_CLOSE = {"!--": "-->", "pre": "</pre>", "script": "</script>", "style": "</style>"}
_REFERENCE_DEF_RE = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*<?([^\s>]+)>?")


def chunks(lines: list[str], size: int = CHUNK_CHARS) -> Iterator[tuple[int, int]]:
    """``(first, end)`` line ranges covering ``lines``, each ending where a new top-level block
    starts: a line at column 0 after a blank line, outside fenced code, HTML comments and raw
    ``<pre>``/``<script>``/``<style>`` blocks. A text under ``size`` characters is one chunk."""
    start = 0
    length = 0
    fence: str | None = None
    raw: str | None = None
    for index, line in enumerate(lines):
        length += len(line) + 1
        if fence is not None:
            if line.lstrip().startswith(fence):
                fence = None
            continue
        if raw is not None:
            if raw in line.lower():
                raw = None
            continue
        safe = (
            length >= size
            and index > start
            and not lines[index - 1].strip()
            and line[:1] not in ("", " ", "\t")
        )
        if safe:
            yield start, index
            start, length = index, len(line) + 1
        opened = _FENCE_RE.match(line)
        if opened:
            fence = opened.group(1)[:3]
            continue
        raw_open = _RAW_OPEN_RE.match(line)
        if raw_open:
            closing = _RAW_CLOSE.get(raw_open.group(1).lower(), "</textarea>")
            if closing not in line.lower()[raw_open.end() :]:
                raw = closing
    if start < len(lines):
        yield start, len(lines)


def _references(lines: list[str]) -> dict[str, dict[str, Any]]:
    """Link reference definitions (``[label]: url``) of the whole text, for chunked parsing."""
    found: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines):
        match = _REFERENCE_DEF_RE.match(line)
        if match:
            label = normalizeReference(match.group(1))
            if label and label not in found:
                found[label] = {"title": "", "href": match.group(2), "map": [number, number + 1]}
    return found


__all__ += ["CHUNK_CHARS", "MAX_DEPTH", "MAX_NESTING", "chunks"]
