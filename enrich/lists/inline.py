"""The inline model of a list: styled spans on numbered lines, and the links they carry.

markdown-it's inline tokens (and the inline tags of raw HTML) are turned into *units*: one list
item, table row, paragraph, heading, ... each holding its text as :class:`Line` s of
:class:`Span` s (bold, italic, code, and which link a span belongs to) and its
:class:`RawLink` s. Everything later (finding entries, reading their fields, their links) reads
units, never tokens.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from markdown_it.token import Token

_WS_RE = re.compile(r"\s+")
_TAG_RE = re.compile(r"^<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*)>", re.DOTALL)
_HREF_RE = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_SRC_RE = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


class LinkForm(Enum):
    """How a link is written: this decides how its written target is found again in the text."""

    MARKDOWN = "markdown"  # [label](target) or a reference link
    AUTOLINK = "autolink"  # <https://...>
    HTML = "html"  # <a href="target">
    BARE = "bare"  # a URL in plain text


class UnitRole(Enum):
    """What block of the document a unit is."""

    ITEM = "item"  # a markdown list item (its own paragraphs, not its nested lists)
    ROW = "row"  # a markdown table row or an HTML <tr>
    HTML_ITEM = "html_item"  # an HTML <li>
    PARAGRAPH = "paragraph"  # a paragraph outside lists and tables
    HEADING = "heading"  # a markdown or HTML heading


@dataclass(slots=True)
class Span:
    text: str
    strong: bool = False
    em: bool = False
    code: bool = False
    link: int | None = None  # index into Unit.links


@dataclass(slots=True)
class RawLink:
    url: str
    form: LinkForm = LinkForm.MARKDOWN
    line: int = 0  # 1-based line where the target is written
    spans: list[Span] = field(default_factory=list)
    target: str | None = None  # the target exactly as written, once located

    @property
    def label(self) -> str:
        return clean_text("".join(s.text for s in self.spans))


@dataclass(slots=True)
class Line:
    number: int  # 1-based source line
    spans: list[Span] = field(default_factory=list)
    cell: int = -1  # table column, -1 outside tables
    soft: bool = False  # began at a soft line break (the text simply wraps)
    attached: bool = False  # text of a block attached to the unit (a field item, ...)

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(slots=True)
class Unit:
    """One block of the document that may be (part of) an entry."""

    role: UnitRole
    line: int
    order: int = 0  # creation order, to sort units that start on the same line
    level: int = 0  # heading level (1-6); for items, the list nesting depth (0 = top level)
    parent: Unit | None = None  # the list item a nested item belongs to
    group: int = 0  # for items: which list (items of one list share it)
    quoted: bool = False  # a paragraph inside a blockquote
    paper_layout: bool = False  # a paper by its place: a heading per paper, an item among papers
    lines: list[Line] = field(default_factory=list)
    links: list[RawLink] = field(default_factory=list)
    header: list[str] | None = None  # table column names, lower-case
    section: list[str] = field(default_factory=list)  # set when entries are found
    boilerplate: str | None = None  # the heading of the no-entry section it is in, if any
    images: list[tuple[int, str]] = field(default_factory=list)  # (line, src) of images
    attachments: list[Unit] = field(default_factory=list)  # units merged into this one
    pieces: list[Any] | None = None  # its text cut into pieces, once (enrich.lists.pieces)

    def last_line(self) -> int:
        """The last line holding text of the unit or of what is attached to it."""
        last = self.line
        for ln in self.lines:
            if ln.number > last and any(s.text.strip() for s in ln.spans):
                last = ln.number
        for link in self.links:
            last = max(last, link.line)
        return last

    def plain_text(self) -> str:
        return clean_text(" ".join(ln.text for ln in self.lines if not ln.attached))

    def attach(self, other: Unit) -> None:
        """Merge ``other`` (a field item, a link line, ...) into this unit; ``other`` is left
        as it was (its lines are copied, marked attached)."""
        offset = len(self.links)
        self.links.extend(other.links)
        for ln in other.lines:
            spans = [
                Span(s.text, s.strong, s.em, s.code, None if s.link is None else s.link + offset)
                for s in ln.spans
            ]
            self.lines.append(Line(ln.number, spans, ln.cell, ln.soft, attached=True))
        self.images.extend(other.images)
        self.attachments.append(other)
        self.pieces = None


class InlineBuilder:
    """Turns inline tokens (and HTML inline tags) into lines of styled spans on a unit."""

    __slots__ = ("code", "em", "line", "link", "strong", "unit")

    def __init__(self, unit: Unit, first_line: int, cell: int = -1) -> None:
        self.unit = unit
        self.strong = 0
        self.em = 0
        self.code = 0
        self.link: int | None = None
        self.line = Line(number=first_line, cell=cell)
        unit.lines.append(self.line)

    @property
    def cell(self) -> int:
        return self.line.cell

    def text(self, text: str) -> None:
        if not text:
            return
        strong, em, code, link = self.strong > 0, self.em > 0, self.code > 0, self.link
        spans = self.line.spans
        if spans:
            last = spans[-1]
            if (last.strong, last.em, last.code, last.link) == (strong, em, code, link):
                # markdown-it cuts text at every special character: one span per styled run
                last.text += text
                return
        span = Span(text, strong, em, code, link)
        spans.append(span)
        if link is not None:
            self.unit.links[link].spans.append(span)

    def newline(self, *, soft: bool = False, advance: bool = True) -> None:
        """A line break; ``advance`` is False for ``<br>``, a break that is not a source line."""
        if soft:  # wrapped text: the line break reads as a space
            self.text(" ")
        number = self.line.number + 1 if advance else self.line.number
        self.line = Line(number=number, cell=self.line.cell, soft=soft)
        self.unit.lines.append(self.line)

    def open_link(self, url: str, form: LinkForm) -> None:
        self.unit.links.append(RawLink(url=url.strip(), form=form, line=self.line.number))
        self.link = len(self.unit.links) - 1

    def close_link(self) -> None:
        if self.link is not None:
            link = self.unit.links[self.link]
            if link.form is LinkForm.MARKDOWN:
                # "[label wrapped\nonto two lines](target)": the target is on the closing line
                link.line = self.line.number
        self.link = None

    def image(self, src: str) -> None:
        if src:
            self.unit.images.append((self.line.number, src))

    def tag(self, raw: str) -> None:
        """An HTML tag met inside inline content."""
        match = _TAG_RE.match(raw)
        if not match:
            return
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name == "a":
            if closing:
                self.close_link()
            else:
                href = _HREF_RE.search(match.group(3))
                if href:
                    value = next(g for g in href.groups() if g is not None)
                    self.open_link(html.unescape(value), LinkForm.HTML)
        elif name == "br":
            self.newline(advance=False)
        elif name in ("b", "strong"):
            self.strong = max(0, self.strong + (-1 if closing else 1))
        elif name in ("i", "em"):
            self.em = max(0, self.em + (-1 if closing else 1))
        elif name == "code":
            self.code = max(0, self.code + (-1 if closing else 1))
        elif name == "img" and not closing:
            src = _SRC_RE.search(match.group(3))
            if src:
                self.image(html.unescape(next(g for g in src.groups() if g is not None)))

    def feed(self, children: list[Token]) -> None:
        for tok in children:
            kind = tok.type
            if kind == "text" or kind == "text_special":
                self.text(tok.content)
            elif kind == "softbreak":
                self.newline(soft=True)
            elif kind == "hardbreak":
                self.newline()
            elif kind == "strong_open":
                self.strong += 1
            elif kind == "strong_close":
                self.strong = max(0, self.strong - 1)
            elif kind == "em_open":
                self.em += 1
            elif kind == "em_close":
                self.em = max(0, self.em - 1)
            elif kind == "code_inline":
                self.code += 1
                self.text(tok.content)
                self.code -= 1
            elif kind == "link_open":
                form = LinkForm.AUTOLINK if tok.markup == "autolink" else LinkForm.MARKDOWN
                self.open_link(str(tok.attrs.get("href", "")), form)
            elif kind == "link_close":
                self.close_link()
            elif kind == "html_inline":
                self.tag(tok.content)
            elif kind == "image":
                self.image(str(tok.attrs.get("src", "")))
            # anything else carries no entry text


def clean_text(text: str) -> str:
    """HTML entities decoded, runs of whitespace collapsed, ends stripped."""
    if "&" in text:
        text = html.unescape(text)
    return _WS_RE.sub(" ", text).strip()


def cells_text(unit: Unit) -> list[str]:
    """The text of each cell of a table row, in column order."""
    count = max((ln.cell for ln in unit.lines), default=-1) + 1
    cells: list[list[str]] = [[] for _ in range(count)]
    for ln in unit.lines:
        if ln.cell >= 0:
            cells[ln.cell].append(ln.text)
    return [clean_text(" ".join(parts)) for parts in cells]
