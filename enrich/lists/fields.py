"""Reading an entry's fields: its title (and where it came from), name, venue, year, date, authors.

An entry's text is cut into *pieces* (:mod:`enrich.lists.pieces`): each link's text, each bold
run, each quoted string, and the plain text between them, itself cut at separators (`` - ``,
``|``, ``, in``, `` by ``) and around bracketed or parenthesized tags. Every piece is
classified by what it is (:func:`enrich.lists.classify.classify`), and the title is chosen among
the pieces that can be a title, whatever the layout:

1. the first styled piece (link text, bold, quoted) that is a title;
2. else the first plain piece that is a title (not a sentence about the paper);
3. else the first piece that is a short name: the title is then ``name_only``.

Link labels, venue and date tags, running numbers, emoji, author lists and affiliations are never
titles; they fill ``venue``, ``date``, ``authors`` and ``name`` instead. Table rows read the
title from their title column (``Title``, ``Paper``, ...) when the header has one, and their
name, venue, year, date and authors columns as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from enrich.lists.classify import (
    PieceKind,
    classify,
    reads_as_sentence,
    tidy,
    trim_markup_text,
)
from enrich.lists.inline import Unit, UnitRole, cells_text, clean_text
from enrich.lists.pieces import QUOTES_CLOSE, QUOTES_OPEN, Piece, Style, pieces
from enrich.models import TitleSource

__all__ = ["Fields", "column", "field_label", "read_fields"]


_STYLED = (Style.LINK, Style.BOLD, Style.QUOTED)
_SOURCE = {
    Style.LINK: TitleSource.LINK_TEXT,
    Style.BOLD: TitleSource.BOLD,
    Style.QUOTED: TitleSource.QUOTED,
    Style.ITALIC: TitleSource.TEXT,
    Style.CODE: TitleSource.TEXT,
    Style.PLAIN: TitleSource.TEXT,
}


@dataclass(slots=True)
class Fields:
    title: str = ""
    source: TitleSource = TitleSource.NONE
    title_line: int = 0
    title_spans_lines: bool = False
    title_link: int | None = None
    name: str | None = None
    venue: str | None = None
    year: str | None = None
    date: str | None = None
    authors: str | None = None
    name_header: str | None = None  # header of the row's name column ("model", "tool", ...)
    named_by_column: bool = False  # the row has no title, only its name column
    title_column: bool = False  # the row's table has a title column
    paper_column: bool = False  # ... and the header calls it "Paper"


_YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_DATE_WORD_RE = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}",
    re.IGNORECASE,
)
_FIELD_LABEL_RE = re.compile(r"^\W*([A-Za-z][\w .&/-]{0,30}?)\s*[:：]\s*(.*)$", re.DOTALL)


# --------------------------------------------------------------------------- columns

_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": (
        "report",
        "reports",
        "paper",
        "papers",
        "title",
        "titles",
        "paper title",
        "paper name",
        "publication",
        "publications",
        "article",
        "paper list",
    ),
    "name": (
        "name",
        "names",
        "model",
        "models",
        "method",
        "methods",
        "short name",
        "abbreviation",
        "abbr",
        "alias",
        "project",
        "projects",
        "tool",
        "tools",
        "library",
        "libraries",
        "framework",
        "frameworks",
        "benchmark",
        "benchmarks",
        "dataset",
        "datasets",
        "system",
        "systems",
        "repo",
        "repository",
    ),
    "venue": (
        "venue",
        "venues",
        "conference",
        "journal",
        "conf",
        "published",
        "publisher",
        "pub",
        "where",
        "conference/journal",
        "source",
        "publication venue",
    ),
    "year": ("year",),
    "date": ("date", "time", "release date", "published date", "release", "pub date"),
    "authors": ("authors", "author", "authors list", "first author"),
}
_OTHER_COLUMN_WORDS = frozenset(
    """organization organisation organizations institution institutions institute affiliation
    affiliations company companies lab team description descriptions summary summaries finding
    findings contribution contributions comment comments notes note remarks keywords tags
    category categories type stars star citations citation code codes link links github""".split()  # noqa: SIM905
)
_PAPER_HEADERS = frozenset({"paper", "papers", "paper title", "paper name", "paper list"})
_HEADER_CLEAN_RE = re.compile(r"[^\w&/ ]+")


def _header_name(name: str) -> str:
    return " ".join(_HEADER_CLEAN_RE.sub(" ", tidy(name).lower()).split())


def column(header: list[str] | None, role: str) -> int | None:
    """The index of the ``role`` column (title, name, venue, year, date, authors), if any."""
    return _column(tuple(header), role) if header else None


@lru_cache(maxsize=1024)
def _column(header: tuple[str, ...], role: str) -> int | None:
    names = [_header_name(h) for h in header]
    wanted = _COLUMNS[role]
    for i, name in enumerate(names):
        if name in wanted:
            return i
    keyword = {"title": "title", "date": "date", "venue": "venue", "authors": "author"}.get(role)
    if keyword:
        for i, name in enumerate(names):
            if keyword in name.split() or (keyword == "date" and "date" in name):
                return i
    return None


# --------------------------------------------------------------------------- the title


def _choose_title(candidates: list[Piece]) -> tuple[Piece | None, bool]:
    """The title piece among ``candidates`` and whether it is only a name."""
    styled = [p for p in candidates if p.style in _STYLED]
    for piece in styled:
        quoted_name = piece.style is Style.QUOTED and piece.kind is PieceKind.NAME
        if piece.kind is PieceKind.TITLE or quoted_name:  # "**Mask R-CNN**" is quoted: a title
            return piece, False
    name_line: int | None = None
    description_line: int | None = None  # a sentence about the paper began on this line
    for piece in candidates:
        if piece.kind is PieceKind.NAME:
            name_line = piece.line
        if piece.style in _STYLED or piece.kind is not PieceKind.TITLE:
            continue
        if piece.line == description_line:
            continue  # "...; supports ...": the rest of the description
        # "**Audiobox** - Meta's new model for ...", or a name on its line and a sentence on the
        # next: a sentence after a name is no title
        after_name = name_line is not None and (
            piece.sep in ("-", ":", "|") or piece.line != name_line
        )
        if after_name and reads_as_sentence(piece.text):
            description_line = piece.line
            continue
        return piece, False
    for piece in candidates:
        if piece.kind is PieceKind.NAME and piece.style in _STYLED:
            return piece, True
    for piece in candidates:
        if piece.kind is PieceKind.NAME:
            return piece, True
    for piece in styled:  # a long bold or linked title reads like a sentence, but is the title
        if piece.kind is PieceKind.DESCRIPTION:
            return piece, False
    return None, False


def _name_before(candidates: list[Piece], title: Piece) -> str | None:
    """A short name written just before the title (``CycleGAN - [Title](url)``)."""
    index = next(i for i, p in enumerate(candidates) if p is title)
    for piece in reversed(candidates[:index]):
        if piece.kind is PieceKind.NUMBER:
            continue
        if piece.kind is PieceKind.NAME and piece.line == title.line:
            return piece.text
        return None
    return None


def title_as_written(piece: Piece) -> str:
    """The title text of ``piece`` as the list writes it.

    Styled text (a link's text, bold, italic, code) keeps the punctuation its markup holds:
    ``**Title.**`` and ``"**Title.**"`` give ``Title.``, ``**“Title**`` keeps its stray quote
    (:func:`trim_markup_text`). Plain text has no markup to tell the title's own punctuation
    from the sentence's, so it loses punctuation at its ends (:func:`tidy`); the separators
    inside it stay as written (``Just Talk — An Agent``). Plain quotes are a citation's: the
    period before the closing quote is the sentence's (``Author. "Title." arXiv 2015`` gives
    ``Title``).
    """
    written = piece.written
    quoted = len(written) > 1 and written.startswith(QUOTES_OPEN) and written.endswith(QUOTES_CLOSE)
    if piece.style is Style.PLAIN or quoted:
        return tidy(written)
    return trim_markup_text(written)


def read_fields(unit: Unit) -> Fields:
    """The fields of ``unit``: from its title column for table rows, else from all its text."""
    every = pieces(unit, attached=False)
    fields = Fields(title_line=unit.line)
    candidates = _row_candidates(unit, every, fields) if unit.role is UnitRole.ROW else every
    title, name_only = _choose_title(candidates)
    if title is not None:
        fields.title = title_as_written(title)
        fields.title_line = title.line
        fields.title_spans_lines = title.last_line != title.line
        fields.title_link = title.link
        # In a title column, a name is the title ("[Mistral 7B](url)") unless the cell says more
        # about the paper ("**Audiobox** - a unified audio model ...").
        described = any(
            p is not title and p.kind in (PieceKind.TITLE, PieceKind.DESCRIPTION)
            for p in candidates
        )
        if (name_only and (described or not fields.title_column)) or fields.named_by_column:
            fields.source = TitleSource.NAME_ONLY
            fields.name = fields.name or title.text
        elif unit.role is UnitRole.HEADING and not title.attached:
            fields.source = TitleSource.HEADING
        elif unit.role is UnitRole.ROW and title.style is Style.PLAIN and fields.title_column:
            fields.source = TitleSource.CELL
        else:
            fields.source = _SOURCE[title.style]
            fields.name = fields.name or _name_before(candidates, title)
    _details(unit, every, title, fields)
    if unit.attachments and (fields.authors is None or fields.venue is None):
        # "- Kaixin Wang, Bingyi Kang. *NeurIPS 2019*" in a field item below the title
        # fills what is still missing; "OpenReview: 8, 6, 6" is a field, but no venue
        attached = [p for p in pieces(unit, own=False) if _detail_field(p.text)]
        _details(unit, attached, None, fields)
    return fields


def _row_candidates(unit: Unit, every: list[Piece], fields: Fields) -> list[Piece]:
    header = unit.header
    cells = cells_text(unit)
    title_col = column(header, "title")
    name_col = column(header, "name")
    if name_col is not None and header is not None:
        fields.name_header = _header_name(header[name_col])
    for role in ("name", "venue", "year", "date", "authors"):
        col = column(header, role)
        if col is not None and col < len(cells) and col != title_col and cells[col]:
            value = tidy(cells[col]) or None
            if role == "name" and value is not None and classify(value) is PieceKind.NUMBER:
                value = None
            setattr(fields, role, value)
    if title_col is not None:
        in_column = [p for p in every if p.cell == title_col]
        # a title, or a linked or bold name ("[Mistral 7B](url)"); not a plain category word
        if any(
            p.kind in (PieceKind.TITLE, PieceKind.DESCRIPTION)
            or (p.kind is PieceKind.NAME and (p.style in _STYLED or name_col is None))
            for p in in_column
        ):
            fields.title_column = True
            fields.paper_column = header is not None and (
                _header_name(header[title_col]) in _PAPER_HEADERS
            )
            return in_column
        # a "Paper" column holding only "[Paper](url)": the title is elsewhere in the row
    # No title column: cells whose header says what else they hold are not searched
    others = _other_columns(header)
    every = [p for p in every if p.cell not in others]
    if name_col is not None:
        # a styled title elsewhere, else the name (a model, tool or benchmark row: its title is
        # only a name, whatever its length)
        styled = [p for p in every if p.style in _STYLED and p.kind is PieceKind.TITLE]
        if styled:
            return styled[:1]
        fields.named_by_column = True
        return [p for p in every if p.cell == name_col]
    return every


def _other_columns(header: list[str] | None) -> frozenset[int]:
    """Columns that hold something other than the title (venue, date, affiliation, ...)."""
    return _other_columns_of(tuple(header)) if header else frozenset()


@lru_cache(maxsize=1024)
def _other_columns_of(header: tuple[str, ...]) -> frozenset[int]:
    found = set()
    for i, name in enumerate(header):
        words = set(_header_name(name).replace("/", " ").split())
        if words & _OTHER_COLUMN_WORDS:
            found.add(i)
    for role in ("venue", "year", "date", "authors"):
        col = _column(header, role)
        if col is not None:
            found.add(col)
    return frozenset(found)


def _details(unit: Unit, every: list[Piece], title: Piece | None, fields: Fields) -> None:
    """Venue, date, year and authors from the pieces that are not the title."""
    for piece in every:
        if piece is title:
            continue
        if piece.kind is PieceKind.TAG:
            if _is_date(piece.text):
                if fields.date is None and (_DATE_WORD_RE.search(piece.text) or "-" in piece.text):
                    fields.date = piece.text
                elif fields.year is None and fields.date is None:
                    fields.year = piece.text
            elif fields.venue is None and (title is None or piece.cell in (-1, title.cell)):
                fields.venue = piece.text
        elif piece.kind is PieceKind.AUTHORS and fields.authors is None:
            fields.authors = _authors_text(piece)
    if fields.authors is None and title is not None:
        fields.authors = _italic_line_after(every, title)
    if fields.authors is None:
        fields.authors = _field_value(unit, ("authors", "author"))
    if fields.venue is None:
        fields.venue = _field_value(unit, ("venue", "conference", "journal", "published in"))
    fields.year = _year(fields, unit.section)


def _detail_field(text: str) -> bool:
    """An attached piece that may give a venue or authors: no field label, or one that says so."""
    match = _FIELD_LABEL_RE.match(text)
    if match is None or len(match.group(1).split()) > 3:
        return True
    return match.group(1).strip().lower() in _DETAIL_LABELS


_DETAIL_LABELS = frozenset(
    {"venue", "conference", "journal", "published", "published in", "authors", "author"}
)


def _is_date(text: str) -> bool:
    """A tag with no venue in it: a date or a year."""
    words = re.findall(r"[A-Za-z]+", text)
    return all(_DATE_WORD_RE.fullmatch(w) or w.lower() in ("st", "nd", "rd", "th") for w in words)


def _authors_text(piece: Piece) -> str:
    text = piece.text
    return text[3:] if text.lower().startswith("by ") else text


def _italic_line_after(every: list[Piece], title: Piece) -> str | None:
    """``**Title**`` then an italic line of authors (one author has no comma to tell it by)."""
    lines: dict[int, list[Piece]] = {}
    for piece in every:
        if piece.line > title.last_line and not piece.attached:
            lines.setdefault(piece.line, []).append(piece)
    for number in sorted(lines):
        row = lines[number]
        if all(p.style is Style.ITALIC for p in row) and row[0].kind not in (
            PieceKind.TAG,
            PieceKind.NOTE,
        ):
            return " ".join(p.text for p in row)
        return None
    return None


def _field_value(unit: Unit, labels: tuple[str, ...]) -> str | None:
    """The value of a ``Label: value`` line of the unit (``**Authors**: A, B``)."""
    for ln in unit.lines:
        text = ln.text
        if ":" not in text and "：" not in text and "&" not in text:
            continue  # no label ("&colon;" would decode to one)
        text = clean_text(text)
        match = _FIELD_LABEL_RE.match(text.replace("*", ""))
        if match and match.group(1).strip().lower() in labels:
            value = tidy(match.group(2))
            if value:
                return value
    return None


def _year(fields: Fields, section: list[str]) -> str | None:
    for text in (fields.year, fields.date, fields.venue):
        if text:
            match = _YEAR_RE.search(text)
            if match:
                return match.group(1)
            short = re.search(r"(?<![\d.])['’]?(\d{2})$", text)
            if short and text is fields.venue and re.search(r"[A-Za-z]['’]?\d{2}$", text):
                return f"20{short.group(1)}" if int(short.group(1)) < 50 else f"19{short.group(1)}"
    if section and _YEAR_RE.fullmatch(section[-1]):
        return section[-1]
    return fields.year


def field_label(unit: Unit) -> str | None:
    """``Paper: https://...``, ``**Metrics:** ...``: the label a field line of ``unit`` opens
    with (lower-case), if its first line is one."""
    own = [ln for ln in unit.lines if ln.spans and not ln.attached]
    if not own:
        return None
    text = clean_text(own[0].text).replace("*", "").replace("__", "")
    match = _FIELD_LABEL_RE.match(text)
    if not match:
        return None
    label = match.group(1).strip().lower()
    return label if 1 <= len(label.split()) <= 3 else None


__all__ += ["field_label"]
