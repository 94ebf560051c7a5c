"""Extraction: the text of an awesome list -> typed entries with normalized identifiers.

The text is parsed with markdown-it-py (CommonMark plus GFM tables); raw HTML blocks are read
with the standard library's HTML parser. One pass over the flat token stream (no recursion, so
deeply nested input cannot exhaust the stack) turns these into *candidates*:

- a list item (``-``, ``*``, ``+``, ``1.``; its own paragraphs, not its nested lists),
- a table row (markdown pipe table, or ``<tr>`` of a raw ``<table>``),
- an HTML ``<li>``,
- a top-level paragraph block that starts with a **bold title** (or a paper link), such as
  ``**Title**\\ / _authors_\\ / venue, [[Paper](url)]\\ / date``.

A candidate becomes an :class:`~enrich.models.Entry` when it has at least one real link (not an
in-page ``#anchor``, not an image) and is not in a boilerplate section (a heading that is just
Contents, Acknowledgements, License, Contributing, Citation, ...). Headings, HTML
``<h1>``-``<h6>``, the ``<summary>`` of a ``<details>`` block and bold pseudo-headings (a
paragraph that is only ``**2024**``) make the section path. HTML comments and badge images are
ignored.
"""

from __future__ import annotations

import contextlib
import gc
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

from enrich.lists.identifiers import ID_KINDS, IdKind, parse_link
from enrich.lists.read import ListText
from enrich.models import Entry, EntryKind, ExtractedList, Identifiers, Link, LinkRole

__all__ = ["extract_entries", "extract_list", "list_title"]

#: Deepest HTML element / list nesting followed; deeper content is attached to the innermost
#: followed element. Keeps pathological input linear.
_MAX_DEPTH = 64

_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "gitee.com", "codeberg.org")
_CODE_SUFFIXES = tuple("." + host for host in _CODE_HOSTS)
_PAPER_LABEL_RE = re.compile(
    r"^\W*(paper|pdf|arxiv|preprint|full ?text|publication|acl|openreview|doi)\b", re.IGNORECASE
)
_CODE_LABEL_RE = re.compile(r"^\W*(code|github|gitlab|repo(sitory)?|implementation)\b", re.I)
_GENERIC_LABEL_RE = re.compile(
    r"^\W*(paper|pdf|arxiv|code|github|link|project|project page|website|homepage|blog|video|"
    r"slides?|poster|demo|data(set)?|model|hugging ?face|doi|openreview|acl|bib(tex)?|"
    r"supp(lementary)?|abs|html|site|page|talk|youtube|docs?)\W*$",
    re.IGNORECASE,
)
# A heading that is only one of these words names a section of boilerplate, not entries
# (anchored, so that "Papers with most citations" is not boilerplate).
_BOILERPLATE_RE = re.compile(
    r"^\W*(?:how to )?(acknowledge?ments?|licen[cs]e|contribut\w*(?: guidelines?)?|"
    r"citations?|cit(?:e|ing)(?: us| this(?: \w+)?)?|star history|stargazers|"
    r"(?:table of )?contents?|toc|contact(?: us)?|sponsors?|changelog|to-?do)\W*$",
    re.IGNORECASE,
)
_PAPER_SECTION_RE = re.compile(r"\b(papers?|surveys?|publications?|preprints?)\b", re.I)
# Section words that type every entry under them (unless the heading also says "papers").
_ALWAYS_KIND_RES: tuple[tuple[re.Pattern[str], EntryKind], ...] = (
    (re.compile(r"\b(courses?|lectures?|tutorials?|classes)\b", re.I), EntryKind.COURSE),
    (re.compile(r"\bbooks?\b", re.I), EntryKind.BOOK),
    (re.compile(r"\b(presentations?|talks?|slides|keynotes?)\b", re.I), EntryKind.PRESENTATION),
)
# Section words that type entries under them only when the entry links no paper.
_WEAK_KIND_RES: tuple[tuple[re.Pattern[str], EntryKind], ...] = (
    (
        re.compile(
            r"open[- ]source|\b(librar(y|ies)|tools?|toolkits?|frameworks?|packages?|"
            r"software|codebases?|systems?|implementations?)\b",
            re.I,
        ),
        EntryKind.LIBRARY,
    ),
    (re.compile(r"\b(datasets?|corpus|corpora|data)\b", re.I), EntryKind.DATASET),
    (re.compile(r"\b(models?|open llms?|checkpoints?|model zoo)\b", re.I), EntryKind.MODEL),
)

_YEAR_RE = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|winter|spring|summer|fall|autumn"
_DATE_RE = re.compile(
    rf"^(?:\d{{1,2}}\s+)?(?:(?:{_MONTHS})[a-z]*\.?,?\s+)?(?:\d{{1,2}},?\s+)?(?:19|20)\d\d"
    rf"(?:[-/.]\d{{1,2}}(?:[-/.]\d{{1,2}})?)?$",
    re.IGNORECASE,
)
_VENUE_WORD_RE = re.compile(
    r"\b(arxiv|neurips|nips|icml|iclr|acl|emnlp|naacl|eacl|coling|tacl|aaai|ijcai|cvpr|iccv|"
    r"eccv|kdd|sigkdd|sigir|www|wsdm|recsys|cikm|jmlr|tmlr|pmlr|tpami|osdi|sosp|nsdi|mlsys|"
    r"ppopp|sc|eurosys|atc|isca|micro|asplos|interspeech|icassp|uai|aistats|colt|findings|"
    r"workshop|journal|conference|transactions|proceedings)\b",
    re.IGNORECASE,
)
_BARE_URL_RE = re.compile(r"https?://[^\s<>()\[\]\"'`]+", re.IGNORECASE)
_TAG_RE = re.compile(r"^<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*)>", re.DOTALL)
_HREF_RE = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_WS_RE = re.compile(r"\s+")
_HOST_RE = re.compile(r"^[a-z][a-z0-9+.-]*://([^/?#:]+)", re.IGNORECASE)
_NON_WORD_RE = re.compile(r"\W")
_ALNUM_RE = re.compile(r"[A-Za-z0-9]")
_SETEXT_EQUALS_RE = re.compile(r"\n {0,3}=+[ \t]*$")

_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("paper", "papers", "title", "paper title", "paper name", "publication", "article"),
    "name": ("name", "model", "method", "short name", "abbreviation", "abbr", "alias", "project"),
    "venue": ("venue", "conference", "journal", "conf", "published", "publisher", "pub", "where"),
    "year": ("year",),
    "date": ("date", "time", "release date", "published date", "release"),
    "authors": ("authors", "author", "authors list"),
}


# --------------------------------------------------------------------------- inline model


@dataclass(slots=True)
class _Span:
    text: str
    strong: bool = False
    em: bool = False
    code: bool = False
    link: int | None = None  # index into _Candidate.links


@dataclass(slots=True)
class _RawLink:
    url: str
    spans: list[_Span] = field(default_factory=list)

    @property
    def label(self) -> str:
        return _clean_text("".join(s.text for s in self.spans))


@dataclass(slots=True)
class _Line:
    number: int  # 1-based source line
    spans: list[_Span] = field(default_factory=list)
    cell: int = -1  # table column, -1 outside tables
    soft: bool = False  # began at a soft line break (the text simply wraps)

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(slots=True)
class _Candidate:
    line: int
    section: list[str]
    is_row: bool = False
    is_paragraph: bool = False
    lines: list[_Line] = field(default_factory=list)
    links: list[_RawLink] = field(default_factory=list)
    header: list[str] | None = None  # table column names, lower-case
    order: int = 0  # creation order, to sort candidates that start on the same line
    boilerplate: bool = False  # in a section that holds no entries


class _InlineBuilder:
    """Turns inline tokens (and HTML inline tags) into lines of styled spans on a candidate."""

    __slots__ = ("cand", "cell", "code", "em", "line", "link", "strong")

    def __init__(self, cand: _Candidate, first_line: int, cell: int = -1) -> None:
        self.cand = cand
        self.cell = cell
        self.strong = 0
        self.em = 0
        self.code = 0
        self.link: int | None = None
        self.line = _Line(number=first_line, cell=cell)
        cand.lines.append(self.line)

    def text(self, text: str) -> None:
        if not text:
            return
        span = _Span(text, self.strong > 0, self.em > 0, self.code > 0, self.link)
        self.line.spans.append(span)
        if self.link is not None:
            self.cand.links[self.link].spans.append(span)

    def newline(self, *, soft: bool = False) -> None:
        if soft:  # wrapped text: the line break reads as a space
            self.text(" ")
        self.line = _Line(number=self.line.number + 1, cell=self.cell, soft=soft)
        self.cand.lines.append(self.line)

    def open_link(self, url: str) -> None:
        self.cand.links.append(_RawLink(url=url.strip()))
        self.link = len(self.cand.links) - 1

    def close_link(self) -> None:
        self.link = None

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
                    self.open_link(html.unescape(next(g for g in href.groups() if g is not None)))
        elif name == "br":
            self.newline()
        elif name in ("b", "strong"):
            self.strong = max(0, self.strong + (-1 if closing else 1))
        elif name in ("i", "em"):
            self.em = max(0, self.em + (-1 if closing else 1))
        elif name == "code":
            self.code = max(0, self.code + (-1 if closing else 1))

    def feed(self, children: list[Token]) -> None:
        for tok in children:
            kind = tok.type
            if kind == "text":
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
                self.open_link(str(tok.attrs.get("href", "")))
            elif kind == "link_close":
                self.close_link()
            elif kind == "html_inline":
                self.tag(tok.content)
            # images (badges) and anything else carry no entry text


# --------------------------------------------------------------------------- HTML blocks


class _HtmlReader(HTMLParser):
    """Reads raw HTML blocks: headings, <details>/<summary>, <table> rows and <li> items.

    One instance lives for the whole document, so a ``<table>`` split by blank lines (several
    markdown-it html_blocks) is still read as one table.
    """

    def __init__(self, walker: _Walker) -> None:
        super().__init__(convert_charrefs=True)
        self.walker = walker
        self.base_line = 1
        self.heading: tuple[int, list[str]] | None = None
        self.summary: list[str] | None = None
        self.row: _Candidate | None = None
        self.row_is_header = True
        self.builder: _InlineBuilder | None = None
        self.table_header: list[list[str] | None] = []  # one per open <table>
        self.items: list[_Candidate] = []
        self.cell = -1

    def feed_block(self, content: str, first_line: int) -> None:
        self.base_line = first_line
        self.reset_position()
        self.feed(content)

    def reset_position(self) -> None:
        self.lineno, self.offset = 1, 0

    def _line(self) -> int:
        return self.base_line + self.getpos()[0] - 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading = (int(tag[1]), [])
        elif tag == "summary":
            self.summary = []
        elif tag == "details":
            self.walker.open_details()
        elif tag == "table":
            self.table_header.append(None)
        elif tag == "tr":
            self.row = self.walker.new_candidate(self._line(), is_row=True)
            self.row_is_header = True
            self.cell = -1
            self.builder = None
        elif tag in ("td", "th") and self.row is not None:
            self.cell += 1
            if tag == "td":
                self.row_is_header = False
            self.builder = _InlineBuilder(self.row, self._line(), self.cell)
        elif tag == "li":
            if len(self.items) < _MAX_DEPTH:
                self.items.append(self.walker.new_candidate(self._line()))
            self.builder = _InlineBuilder(self.items[-1], self._line())
        elif tag == "br":
            if self.builder is not None:
                self.builder.newline()
        elif self.builder is not None:
            self.builder.tag(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and self.builder is not None:
            self.builder.newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading is not None:
            level, parts = self.heading
            self.heading = None
            self.walker.push_heading(level, _clean_text("".join(parts)))
        elif tag == "summary" and self.summary is not None:
            self.walker.set_summary(_clean_text("".join(self.summary)))
            self.summary = None
        elif tag == "details":
            self.walker.close_details()
        elif tag == "table":
            if self.table_header:
                self.table_header.pop()
        elif tag == "tr" and self.row is not None:
            row, self.row, self.builder = self.row, None, None
            cells = _cells_text(row)
            if self.row_is_header and self.table_header and self.table_header[-1] is None:
                self.table_header[-1] = [c.lower() for c in cells]
            else:
                row.header = self.table_header[-1] if self.table_header else None
                self.walker.finish(row)
        elif tag in ("td", "th"):
            self.builder = None
        elif tag == "li" and self.items:
            self.walker.finish(self.items.pop())
            self.builder = _InlineBuilder(self.items[-1], self._line()) if self.items else None
        elif self.builder is not None:
            self.builder.tag(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.heading is not None:
            self.heading[1].append(data)
        elif self.summary is not None:
            self.summary.append(data)
        elif self.builder is not None:
            parts = data.split("\n")
            for i, part in enumerate(parts):
                if i:
                    self.builder.newline()
                self.builder.text(part)

    def close_all(self) -> None:
        """End of document: finish unclosed rows and items."""
        if self.row is not None:
            self.walker.finish(self.row)
            self.row = None
        while self.items:
            self.walker.finish(self.items.pop())


# --------------------------------------------------------------------------- the walk


class _Walker:
    """Walks the token stream once, tracking the section path and collecting candidates."""

    def __init__(self, list_name: str) -> None:
        self.list_name = list_name
        self.headings: list[tuple[int, str]] = []
        self.pseudo: str | None = None
        self.summaries: list[str | None] = []
        self.candidates: list[_Candidate] = []
        self.order = 0
        self.title: str | None = None

    # --- sections
    def section(self) -> list[str]:
        path = [text for _, text in self.headings if text]
        if self.pseudo:
            path.append(self.pseudo)
        for summary in self.summaries:
            if summary and (not path or summary.casefold() != path[-1].casefold()):
                path.append(summary)
        return path

    def push_heading(self, level: int, text: str) -> None:
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, text))
        self.pseudo = None
        if self.title is None and text:
            self.title = text

    def open_details(self) -> None:
        if len(self.summaries) < _MAX_DEPTH:
            self.summaries.append(None)

    def set_summary(self, text: str) -> None:
        if self.summaries:
            self.summaries[-1] = text

    def close_details(self) -> None:
        if self.summaries:
            self.summaries.pop()

    def in_boilerplate(self) -> bool:
        """Under a contents/acknowledgement/license/... heading or bold pseudo-heading."""
        nearest = [self.headings[-1][1]] if self.headings else []
        return any(_BOILERPLATE_RE.match(text) for text in [*nearest, self.pseudo or ""] if text)

    # --- candidates
    def new_candidate(self, line: int, *, is_row: bool = False) -> _Candidate:
        self.order += 1
        return _Candidate(
            line=line,
            section=self.section(),
            is_row=is_row,
            order=self.order,
            boilerplate=self.in_boilerplate(),
        )

    def finish(self, cand: _Candidate) -> None:
        if not cand.boilerplate:
            self.candidates.append(cand)

    def walk(self, tokens: list[Token]) -> None:
        html_reader = _HtmlReader(self)
        items: list[_Candidate] = []
        table_header: list[str] | None = None
        row: _Candidate | None = None
        in_head = False
        cell = -1
        heading_level: int | None = None
        # A top-level paragraph waits for the next token: "Title" followed by a "---" line is a
        # setext heading (the lheading rule is off, see _parser).
        pending: Token | None = None
        for tok in tokens:
            kind = tok.type
            if pending is not None and kind != "paragraph_close":
                if kind == "hr" and _underlines(pending, tok):
                    self.push_heading(2, _inline_plain(pending.children or []))
                    pending = None
                    continue
                self._paragraph(pending)
                pending = None
            if kind == "heading_open":
                heading_level = int(tok.tag[1])
            elif kind == "inline":
                line = tok.map[0] + 1 if tok.map else 1
                if heading_level is not None:
                    self.push_heading(heading_level, _inline_plain(tok.children or []))
                elif row is not None:
                    _InlineBuilder(row, line, cell).feed(tok.children or [])
                elif items:
                    _InlineBuilder(items[-1], line).feed(tok.children or [])
                elif html_reader.builder is not None:
                    # markdown inside an open HTML <td> or <li> belongs to that row or item
                    open_in = html_reader.builder
                    _InlineBuilder(open_in.cand, line, open_in.cell).feed(tok.children or [])
                else:
                    pending = tok
            elif kind == "heading_close":
                heading_level = None
            elif kind == "list_item_open":
                if len(items) < _MAX_DEPTH:
                    line = tok.map[0] + 1 if tok.map else 1
                    items.append(self.new_candidate(line))
                else:
                    items.append(items[-1])
            elif kind == "list_item_close":
                if items:
                    cand = items.pop()
                    if not items or items[-1] is not cand:
                        self.finish(cand)
            elif kind == "thead_open":
                in_head = True
                table_header = []
            elif kind == "thead_close":
                in_head = False
            elif kind == "tr_open":
                line = tok.map[0] + 1 if tok.map else 1
                row = self.new_candidate(line, is_row=True)
                cell = -1
            elif kind == "tr_close" and row is not None:
                if in_head:
                    table_header = [c.lower() for c in _cells_text(row)]
                else:
                    row.header = table_header
                    self.finish(row)
                row = None
            elif kind == "td_open" or kind == "th_open":
                cell += 1
            elif kind == "html_block":
                line = tok.map[0] + 1 if tok.map else 1
                html_reader.feed_block(tok.content, line)
        if pending is not None:
            self._paragraph(pending)
        html_reader.close_all()

    def _paragraph(self, tok: Token) -> None:
        """A top-level paragraph: a setext heading, a bold pseudo-heading, an entry, or prose."""
        line = tok.map[0] + 1 if tok.map else 1
        children = tok.children or []
        if _SETEXT_EQUALS_RE.search(tok.content) and any(c.type == "softbreak" for c in children):
            last_break = max(i for i, c in enumerate(children) if c.type == "softbreak")
            self.push_heading(1, _inline_plain(children[:last_break]))
            return
        cand = self.new_candidate(line)
        cand.is_paragraph = True
        _InlineBuilder(cand, line).feed(children)
        pseudo = _pseudo_heading(cand)
        if pseudo is not None:
            self.pseudo = pseudo
            return
        self.finish(cand)


def _underlines(paragraph: Token, hr: Token) -> bool:
    """``hr`` is a ``---`` line right under ``paragraph``: together a setext heading."""
    return (
        bool(hr.markup)
        and set(hr.markup) == {"-"}
        and paragraph.map is not None
        and hr.map is not None
        and hr.map[0] == paragraph.map[1]
    )


def _inline_plain(children: list[Token]) -> str:
    parts: list[str] = []
    for tok in children:
        if tok.type in ("text", "code_inline"):
            parts.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return _clean_text("".join(parts))


def _clean_text(text: str) -> str:
    return _WS_RE.sub(" ", html.unescape(text)).strip()


def _cells_text(row: _Candidate) -> list[str]:
    count = max((ln.cell for ln in row.lines), default=-1) + 1
    cells = [""] * count
    for ln in row.lines:
        if ln.cell >= 0:
            cells[ln.cell] = _clean_text(cells[ln.cell] + " " + ln.text)
    return cells


def _pseudo_heading(cand: _Candidate) -> str | None:
    """``**2024**`` or ``**Table of Content:**`` alone in a paragraph: a bold pseudo-heading."""
    if cand.links:
        return None
    spans = [s for ln in cand.lines for s in ln.spans if s.text.strip()]
    if not spans or not all(s.strong and not s.em for s in spans[:-1]):
        return None
    last = spans[-1]
    if not last.strong and last.text.strip() != ":":
        return None
    text = _clean_text("".join(s.text for s in spans)).rstrip(":").strip()
    return text if 0 < len(text) <= 80 else None


# --------------------------------------------------------------------------- candidates -> entries


def _is_anchor(url: str) -> bool:
    """An in-page link (table of contents) or an empty target: never an entry's link."""
    return url.startswith("#") or not url


def _host(url: str) -> str:
    match = _HOST_RE.match(url)
    return match.group(1).lower() if match else ""


def _is_code_host(host: str) -> bool:
    return host in _CODE_HOSTS or host.endswith(_CODE_SUFFIXES)


@dataclass(slots=True)
class _Fields:
    title: str = ""
    title_line: int = 0
    title_spans_lines: bool = False
    title_link: int | None = None
    name: str | None = None
    venue: str | None = None
    year: str | None = None
    date: str | None = None
    authors: str | None = None


def _column(header: list[str] | None, role: str) -> int | None:
    if not header:
        return None
    names = _TABLE_COLUMNS[role]
    for i, name in enumerate(header):
        if name.strip(" *_:") in names:
            return i
    return None


def _row_fields(cand: _Candidate) -> _Fields:
    cells = _cells_text(cand)
    fields = _Fields(title_line=cand.line)
    header = cand.header
    title_col = _column(header, "title")
    if title_col is None:
        # No title column: the first cell whose text is a link label, else the first non-empty.
        label_cells = [
            ln.cell
            for ln in cand.lines
            for s in ln.spans
            if s.link is not None and s.text.strip() and not _GENERIC_LABEL_RE.match(s.text)
        ]
        if label_cells:
            title_col = label_cells[0]
        elif cells:
            title_col = next((i for i, c in enumerate(cells) if c), 0)
    if title_col is not None and title_col < len(cells):
        spans = [s for ln in cand.lines if ln.cell == title_col for s in ln.spans]
        fields.title = _cell_title(spans, cand.links) or cells[title_col]
        fields.title_link = next((s.link for s in spans if s.link is not None), None)
    for role in ("name", "venue", "year", "date", "authors"):
        col = _column(header, role)
        if col is not None and col < len(cells) and col != title_col and cells[col]:
            setattr(fields, role, cells[col])
    return fields


def _cell_title(spans: list[_Span], links: list[_RawLink]) -> str:
    """The title in a table cell: its bold text if any, else its text without generic link
    labels ("**Title** [pdf](url)" and "Title [[arXiv](url)]" both give "Title")."""
    bold = [s for s in spans if s.strong and s.text.strip()]
    if bold:
        return _clean_text("".join(s.text for s in bold))
    kept = [
        s.text for s in spans if s.link is None or not _GENERIC_LABEL_RE.match(links[s.link].label)
    ]
    return _clean_text("".join(kept)).strip(" []()|,;")


def _strong_runs(cand: _Candidate) -> list[tuple[int, list[_Span], int, int]]:
    """Maximal runs of bold spans: (index of first line, spans, first line no., last line no.).

    A run continues across soft line breaks, so a bold title wrapped onto a second line is one
    run; a hard break (trailing backslash or two spaces) ends it.
    """
    runs: list[tuple[int, list[_Span], int, int]] = []
    current: list[_Span] = []
    start = (0, 0)
    last_line = 0
    for li, ln in enumerate(cand.lines):
        if current and not ln.soft:
            runs.append((start[0], current, start[1], last_line))
            current = []
        for span in ln.spans:
            if span.strong:
                if not current:
                    start = (li, ln.number)
                current.append(span)
                last_line = ln.number
            elif span.text.strip() and current:
                runs.append((start[0], current, start[1], last_line))
                current = []
    if current:
        runs.append((start[0], current, start[1], last_line))
    return runs


def _title_from_strong(spans: list[_Span]) -> str:
    """Bold text as the title; ``**_annotation_ - Title**`` keeps only the part after ' - '."""
    text = "".join(s.text for s in spans)
    if spans and spans[0].em:
        last_em = max(i for i, s in enumerate(spans) if s.em)
        tail = "".join(s.text for s in spans[last_em + 1 :])
        sep = tail.find(" - ")
        if sep >= 0 and not tail[:sep].strip():
            return _clean_text(tail[sep + 3 :])
    return _clean_text(text)


def _block_fields(cand: _Candidate) -> _Fields | None:
    fields = _Fields(title_line=cand.line)
    title_line_index = 0
    runs = _strong_runs(cand)
    for li, spans, first, last in runs[:3]:
        if all(s.em for s in spans):  # _**emphasised note**_, not a title
            continue
        text = _title_from_strong(spans)
        if len(_NON_WORD_RE.sub("", text)) < 2:
            continue
        # the run must open its line (allowing a marker such as an emoji before it)
        before = ""
        for span in cand.lines[li].spans:
            if span is spans[0]:
                break
            before += span.text
        if _ALNUM_RE.search(before):
            continue
        fields.title = text
        fields.title_line = first
        fields.title_spans_lines = last != first
        fields.title_link = next((s.link for s in spans if s.link is not None), None)
        title_line_index = li
        break
    if not fields.title:
        if cand.is_paragraph:
            # A paragraph that does not open with a bold title is an entry only if it opens
            # with a link to a paper ("[Title](https://arxiv.org/abs/...)").
            opening = next((s for ln in cand.lines for s in ln.spans if s.text.strip()), None)
            if opening is None or opening.link is None:
                return None
            if parse_link(cand.links[opening.link].url).kind is IdKind.NONE:
                return None
        label = next(
            (
                (i, lk.label)
                for i, lk in enumerate(cand.links)
                if lk.label and not _GENERIC_LABEL_RE.match(lk.label)
            ),
            None,
        )
        if label is not None:
            fields.title_link, fields.title = label
            title_line_index = next(
                (
                    li
                    for li, ln in enumerate(cand.lines)
                    if any(s.link == label[0] for s in ln.spans)
                ),
                0,
            )
        else:
            # only generic labels ("Title. [[pdf]](url)"): the text before the first link
            leading: list[str] = []
            for span in cand.lines[0].spans if cand.lines else []:
                if span.link is not None:
                    break
                leading.append(span.text)
            plain = _BARE_URL_RE.sub("", "".join(leading))
            fields.title = _clean_text(plain).strip(" .,:;-–—[]()")
        fields.title_line = cand.lines[title_line_index].number if cand.lines else cand.line
    _block_details(cand, fields, title_line_index)
    return fields


def _block_details(cand: _Candidate, fields: _Fields, title_index: int) -> None:
    """Authors, venue and date from the lines around the title (bold-title and bullet styles)."""
    title_line = cand.lines[title_index] if cand.lines else None
    if title_line is not None:
        # "**Title** [[pdf]](url) [[code]](url) ICLR 2022": text after the title line's last link
        last_link_at = max(
            (i for i, s in enumerate(title_line.spans) if s.link is not None), default=-1
        )
        if last_link_at >= 0:
            tail = _clean_text("".join(s.text for s in title_line.spans[last_link_at + 1 :]))
            tail = tail.strip(" []|,;")
            venue_like = _YEAR_RE.search(tail) or _VENUE_WORD_RE.search(tail)
            # "[Name](url) - description" is not a venue
            if tail and len(tail) <= 60 and venue_like and not tail.startswith(("-", ":", "—")):
                fields.venue = tail
    for ln in cand.lines[title_index + 1 :]:
        spans = [s for s in ln.spans if s.text.strip()]
        if not spans:
            continue
        has_link = any(s.link is not None for s in spans)
        if fields.authors is None and spans[0].em and not spans[0].strong and not has_link:
            em_text = []
            for span in spans:
                if not span.em:
                    break
                em_text.append(span.text)
            fields.authors = _clean_text("".join(em_text)) or None
            continue
        if has_link and fields.venue is None:
            before = []
            for span in spans:
                if span.link is not None:
                    break
                before.append(span.text)
            # up to the first bracket: "arXiv, [[Paper]([date](url))]" has text before the link
            raw = _clean_text("".join(before)).split("[", 1)[0].rstrip(" (|")
            venue = raw.strip(" ,;:[]|")
            # "ICLR 2017, [[Paper](url)]": a venue ends with a comma or names a venue/year
            named = raw.endswith(",") or bool(
                _YEAR_RE.search(venue) or _VENUE_WORD_RE.search(venue)
            )
            if venue and len(venue) <= 120 and named:
                fields.venue = venue
            continue
        if not has_link:
            text = _clean_text(ln.text)
            if fields.date is None and _DATE_RE.match(text):
                fields.date = text
    if fields.venue is None:
        # `EMNLP` `Architecture`: a code span naming a venue
        for ln in cand.lines:
            for span in ln.spans:
                if span.code and span.link is None and _VENUE_WORD_RE.fullmatch(span.text.strip()):
                    fields.venue = span.text.strip()
                    break
            if fields.venue:
                break


def _year(fields: _Fields, section: list[str]) -> str | None:
    if fields.year:
        match = _YEAR_RE.search(fields.year)
        return match.group(1) if match else fields.year
    for text in (fields.date, fields.venue):
        if text:
            match = _YEAR_RE.search(text)
            if match:
                return match.group(1)
    if section and _YEAR_RE.fullmatch(section[-1]):
        return section[-1]
    return None


def _link_role(url: str, label: str, kind: IdKind, is_title_cell_link: bool) -> LinkRole:
    host = _host(url)
    if kind is not IdKind.NONE:
        return LinkRole.PAPER
    if _is_code_host(host):
        return LinkRole.CODE
    if _CODE_LABEL_RE.match(label):
        return LinkRole.CODE
    if _PAPER_LABEL_RE.match(label) or is_title_cell_link:
        return LinkRole.PAPER
    return LinkRole.OTHER


def _entry_kind(
    section: list[str], list_title: str | None, has_paper: bool, has_code: bool
) -> EntryKind:
    """Section words first (the list's own title says nothing about one entry), then links."""
    if section and section[0] == list_title:
        section = section[1:]
    nearest_first = list(reversed(section))
    for heading in nearest_first:
        if _PAPER_SECTION_RE.search(heading):
            break
        for regex, kind in _ALWAYS_KIND_RES:
            if regex.search(heading):
                return kind
    if has_paper:
        return EntryKind.PAPER
    for heading in nearest_first:
        if _PAPER_SECTION_RE.search(heading):
            break
        for regex, kind in _WEAK_KIND_RES:
            if regex.search(heading):
                return kind
    return EntryKind.LIBRARY if has_code else EntryKind.OTHER


def _bare_urls(cand: _Candidate) -> None:
    """Bare URLs in text (GitHub autolinks them) become links too."""
    for ln in cand.lines:
        for span in list(ln.spans):
            if span.link is None and not span.code and "://" in span.text:
                for match in _BARE_URL_RE.finditer(span.text):
                    url = match.group(0).rstrip(".,;:!?")
                    cand.links.append(_RawLink(url=url))


def _to_entry(
    cand: _Candidate, list_name: str, list_title: str | None, position: int
) -> Entry | None:
    _bare_urls(cand)
    real_links = [lk for lk in cand.links if not _is_anchor(lk.url)]
    if not real_links:
        return None
    fields = _row_fields(cand) if cand.is_row else _block_fields(cand)
    if fields is None:
        return None
    title_cell_link: int | None = None
    if cand.is_row and _column(cand.header, "title") is not None:
        title_cell_link = fields.title_link
    links: list[Link] = []
    ids: dict[IdKind, list[str]] = {k: [] for k in ID_KINDS}
    paper_urls: list[str] = []
    flags: list[str] = []
    seen_links: set[tuple[str, str]] = set()
    for index, raw in enumerate(cand.links):
        if _is_anchor(raw.url):
            continue
        parsed = parse_link(raw.url)
        label = raw.label
        role = _link_role(raw.url, label, parsed.kind, index == title_cell_link)
        if (raw.url, label) not in seen_links:
            seen_links.add((raw.url, label))
            links.append(Link.model_construct(url=raw.url, label=label, role=role))
        if parsed.id is not None and parsed.id not in ids[parsed.kind]:
            ids[parsed.kind].append(parsed.id)
        elif role is LinkRole.PAPER and parsed.id is None and raw.url not in paper_urls:
            paper_urls.append(raw.url)
        for flag in parsed.flags:
            if flag not in flags:
                flags.append(flag)
    if fields.title_spans_lines:
        flags.append("title_spans_lines")
    if not fields.title:
        flags.append("no_title")
    has_paper = any(lk.role is LinkRole.PAPER for lk in links)
    has_code = any(lk.role is LinkRole.CODE for lk in links)
    if title_cell_link is not None and not has_paper:
        # A row of a "Paper" column is a paper even when its title links to code.
        title_role = _link_role(cand.links[title_cell_link].url, "", IdKind.NONE, True)
        if title_role is LinkRole.CODE:
            flags.append("paper_title_links_to_code")
        has_paper = True
    # model_construct: every value is built above from typed parts, and validating 10,000
    # entries again would cost a third of the extraction time (tests re-validate the output).
    return Entry.model_construct(
        list_name=list_name,
        position=position,
        line=fields.title_line if cand.is_paragraph else cand.line,
        section=cand.section,
        title=fields.title,
        name=fields.name,
        kind=_entry_kind(cand.section, list_title, has_paper, has_code),
        venue=fields.venue,
        year=_year(fields, cand.section),
        date=fields.date,
        authors=fields.authors,
        links=links,
        ids=Identifiers.model_construct(
            arxiv=ids[IdKind.ARXIV],
            doi=ids[IdKind.DOI],
            openreview=ids[IdKind.OPENREVIEW],
            acl=ids[IdKind.ACL],
        ),
        paper_urls=paper_urls,
        flags=flags,
    )


# --------------------------------------------------------------------------- public API


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": 20}).enable(["table", "strikethrough"])
    # Setext headings ("Title" over "===" or "---") are recognized by _Walker instead: the
    # lheading rule re-scans every paragraph and costs a quarter of the parse time.
    md.disable("lheading")
    # Keep link targets exactly as written (no percent-encoding): ids are read from them, and
    # skipping the normalization is a large share of parse time on big lists.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    return md


_MD = _parser()


def _walk(text: str, list_name: str) -> _Walker:
    walker = _Walker(list_name)
    walker.walk(_MD.parse(text))
    return walker


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a document is extracted.

    Parsing allocates a million small acyclic objects for a large list; the collector would
    re-scan them all many times and triple the run time. Reference counting still frees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def extract_entries(text: str, *, list_name: str) -> list[Entry]:
    """Every entry of the list ``text``, in document order, positions numbered from 1.

    Never raises on any text; terminates in time linear in the input for pathological nesting.
    """
    with _gc_paused():
        return _entries(_walk(text, list_name))


def _entries(walker: _Walker) -> list[Entry]:
    entries: list[Entry] = []
    for cand in sorted(walker.candidates, key=lambda c: (c.line, c.order)):
        entry = _to_entry(cand, walker.list_name, walker.title, len(entries) + 1)
        if entry is not None:
            entries.append(entry)
    return entries


def list_title(text: str) -> str | None:
    """The list's first heading (markdown or HTML), if any."""
    return _walk(text, "").title


def extract_list(list_text: ListText) -> ExtractedList:
    """Entries of ``list_text`` plus its info, with ``info.title`` set to the first heading."""
    with _gc_paused():
        walker = _walk(list_text.text, list_text.info.name)
        entries = _entries(walker)
    info = list_text.info
    if info.title is None and walker.title:
        info = info.model_copy(update={"title": walker.title})
    return ExtractedList(info=info, entries=entries)
