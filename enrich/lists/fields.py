"""Reading an entry's fields: its title (and where it came from), name, venue, year, date, authors.

An entry's text is cut into *pieces*: each link's text, each bold run, each quoted string, and
the plain text between them, itself cut at separators (`` - ``, ``|``, ``, in``, `` by ``) and
around bracketed or parenthesized tags. Every piece is classified by what it is
(:func:`enrich.lists.classify.classify`), and the title is chosen among the pieces that can be a
title, whatever the layout:

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
from enum import Enum
from functools import lru_cache

from enrich.lists.classify import (
    PieceKind,
    classify,
    reads_as_sentence,
    tidy,
    trim_ends,
    trim_markup_text,
)
from enrich.lists.inline import Line, Span, Unit, UnitRole, cells_text, clean_text
from enrich.models import TitleSource

__all__ = ["Fields", "Piece", "Style", "column", "pieces", "read_fields"]


class Style(Enum):
    LINK = "link"
    BOLD = "bold"
    QUOTED = "quoted"
    ITALIC = "italic"
    CODE = "code"
    PLAIN = "plain"


_STYLED = (Style.LINK, Style.BOLD, Style.QUOTED)
_TITLE_KINDS = (PieceKind.TITLE, PieceKind.NAME, PieceKind.DESCRIPTION)
_SOURCE = {
    Style.LINK: TitleSource.LINK_TEXT,
    Style.BOLD: TitleSource.BOLD,
    Style.QUOTED: TitleSource.QUOTED,
    Style.ITALIC: TitleSource.TEXT,
    Style.CODE: TitleSource.TEXT,
    Style.PLAIN: TitleSource.TEXT,
}
_QUOTES_OPEN = ('"', "“", "「", "'")
_QUOTES_CLOSE = ('"', "”", "」", "'")


@dataclass(slots=True)
class Piece:
    text: str  # tidy text
    style: Style
    kind: PieceKind
    line: int
    last_line: int
    cell: int = -1
    link: int | None = None
    sep: str = ""  # the separator written before the piece on its line ("-", "by", "in", ...)
    attached: bool = False
    bracketed: bool = False
    written: str = ""  # the text as its markup holds it (whitespace collapsed), for the title
    joint: str = ""  # the separator exactly as written before a plain piece (" — ", ". In ")


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


# --------------------------------------------------------------------------- pieces

# Separators inside plain text; " by " and ", in " only count when what follows fits them.
_SPLIT_RE = re.compile(
    r"(?P<quote>\"[^\"\s]+\s[^\"]+\"|“[^”\s]+\s[^”]+”|「[^」]{3,}」)"
    r"|(?<!\S)(?P<group>\([^()]*\)|\[[^\[\]]*\]|【[^】]*】|（[^（）]*）)"
    r"|(?P<url>(?:https?|ftp)://[^\s<>()\[\]\"'`|]+)"
    r"|(?P<sep>\s+[-–—]+\s+|\s*\|\s*|\s*;\s+|,\s+in\s+|\.\s+In\s+|\s+by\s+|\s*•\s*|\s*·\s+)"
)
_LEADING_COLON_RE = re.compile(r"^\s*[:：]\s+")
_LEADING_NUMBER_RE = re.compile(r"^\s*(?:\d{1,4}[.)]|\[\d{1,4}\]|\(\d{1,4}\)|#\d{1,4})(?=\s|$)")
_YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_DATE_WORD_RE = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}",
    re.IGNORECASE,
)
_FIELD_LABEL_RE = re.compile(r"^\W*([A-Za-z][\w .&/-]{0,30}?)\s*[:：]\s*(.*)$", re.DOTALL)


def _sep_name(raw: str) -> str:
    text = raw.strip().lower()
    if text.endswith(" in") or text == "in" or text.startswith(", in") or text.startswith(". in"):
        return "in"
    if text == "by":
        return "by"
    if text[:1] in "-–—":
        return "-"
    return text[:1] if text else " "


def _logical_lines(unit: Unit) -> list[list[Line]]:
    """Lines joined across soft breaks (wrapped text), kept apart by cell."""
    groups: list[list[Line]] = []
    for ln in unit.lines:
        if groups and ln.soft and groups[-1][-1].cell == ln.cell:
            groups[-1].append(ln)
        else:
            groups.append([ln])
    return groups


def _style_of(span: Span) -> Style:
    if span.link is not None:
        return Style.LINK
    if span.code:  # `tags`, also when bold: [__`cls.`__ __`seg.`__]
        return Style.CODE
    if span.strong:
        return Style.BOLD
    if span.em:
        return Style.ITALIC
    return Style.PLAIN


def pieces(unit: Unit, *, own: bool = True, attached: bool = True) -> list[Piece]:
    """The pieces of ``unit``'s text, in document order (see the module docstring): of its own
    text and/or of the field blocks attached to it (short lines only: a long one is a
    description, no place for a venue or authors)."""
    if own and not unit.attachments:
        if unit.pieces is None:  # asked about more than once (finding entries, reading them)
            unit.pieces = _pieces(unit, own=True, attached=False)
        cached: list[Piece] = unit.pieces
        return cached
    return _pieces(unit, own=own, attached=attached)


def _pieces(unit: Unit, *, own: bool, attached: bool) -> list[Piece]:
    found: list[Piece] = []
    for group in _logical_lines(unit):
        if group[0].attached:
            if attached and sum(len(ln.text) for ln in group) <= _FIELD_LINE_CHARS:
                _line_pieces(unit, group, found)
        elif own:
            _line_pieces(unit, group, found)
    return found


#: Attached lines longer than this are descriptions, not read for venue or authors.
_FIELD_LINE_CHARS = 300


def _line_pieces(unit: Unit, group: list[Line], found: list[Piece]) -> None:
    # runs: (style, spans, line numbers spanned)
    runs: list[tuple[Style, list[Span], int, int]] = []
    for ln in group:
        for span in ln.spans:
            style = _style_of(span)
            if runs:
                last_style, last_spans, first, _ = runs[-1]
                same_link = style is Style.LINK and last_spans[-1].link == span.link
                blank_in_bold = (
                    last_style is Style.BOLD and style is Style.PLAIN and not span.text.strip()
                )
                if (style is last_style and style is not Style.LINK) or same_link:
                    last_spans.append(span)
                    runs[-1] = (last_style, last_spans, first, ln.number)
                    continue
                if blank_in_bold:
                    last_spans.append(span)
                    continue
            runs.append((style, [span], ln.number, ln.number))
    cell, attached = group[0].cell, group[0].attached
    sep = ""
    start = len(found)
    after_link = False  # a link came before, on this line
    for index, (style, spans, first, last) in enumerate(runs):
        text = "".join(s.text for s in spans)
        if style is Style.PLAIN:
            sep = _plain_pieces(
                text,
                first,
                last,
                cell,
                attached,
                sep,
                found,
                at_start=index == 0,
                after_link=after_link,
            )
            continue
        before = runs[index - 1] if index else None
        after = runs[index + 1] if index + 1 < len(runs) else None
        before_text = "".join(s.text for s in before[1]).rstrip() if before else ""
        after_text = "".join(s.text for s in after[1]).lstrip() if after else ""
        bracketed = before_text.endswith("[") and after_text.startswith("]")
        if style is Style.LINK:
            after_link = True
            link = spans[0].link
            bracketed = bracketed or (text.strip().startswith("[") and text.strip().endswith("]"))
            _add(found, text, style, first, last, cell, attached, sep, bracketed, link=link)
        elif style is Style.BOLD and all(s.em for s in spans if s.text.strip()):
            # _**All the experts are activated.**_: an emphasised note
            _add(found, text, Style.ITALIC, first, last, cell, attached, sep, bracketed)
        elif style is Style.BOLD:
            quoted = before_text.endswith(_QUOTES_OPEN) and after_text.lstrip(".,").startswith(
                _QUOTES_CLOSE
            )
            annotation, title = _split_annotation(spans)
            if annotation:
                _add(found, annotation, Style.ITALIC, first, last, cell, attached, sep, False)
                found[-1].kind = PieceKind.NOTE
            _add(
                found,
                title,
                Style.QUOTED if quoted else Style.BOLD,
                first,
                last,
                cell,
                attached,
                sep,
                bracketed,
            )
        else:
            _add(found, text, style, first, last, cell, attached, sep, bracketed)
        sep = ""
    _rejoin_titles(found, start)


def _split_annotation(spans: list[Span]) -> tuple[str, str]:
    """``**_Mistral AI_ - Mixtral of Experts**``: the italic annotation and the title after it."""
    text = "".join(s.text for s in spans)
    if spans and spans[0].em:
        last_em = max(i for i, s in enumerate(spans) if s.em)
        tail = "".join(s.text for s in spans[last_em + 1 :])
        separator = tail.find(" - ")
        if separator >= 0 and not tail[:separator].strip():
            return "".join(s.text for s in spans[: last_em + 1]), tail[separator + 3 :]
    return "", text


def _plain_pieces(
    text: str,
    first: int,
    last: int,
    cell: int,
    attached: bool,
    sep: str,
    found: list[Piece],
    *,
    at_start: bool,
    after_link: bool = False,
) -> str:
    """Cut plain text into pieces; returns the separator left pending at its end."""
    label_end = _LEADING_COLON_RE.match(text)
    if label_end and not at_start:
        # "**torchdyn**: PyTorch library for ...": what follows a styled label and a colon
        sep, text = ":", text[label_end.end() :]
    if at_start:
        number = _LEADING_NUMBER_RE.match(text)
        if number:
            _add(found, number.group(0), Style.PLAIN, first, first, cell, attached, sep, False)
            text = text[number.end() :]
    current: list[str] = []
    position = 0
    joint = ""  # the pending separator as written

    def flush() -> None:
        nonlocal sep, joint
        chunk = "".join(current)
        current.clear()
        if not tidy(chunk):
            return
        # "Title, WWW'22." / "Title. ICML 2019.": a venue tag after the last comma or period
        for mark in (", ", ". "):
            head, found_mark, tail = chunk.rstrip(" .,").rpartition(mark)
            tagged = found_mark and tidy(head) and tidy(tail)
            if tagged and classify(tidy(tail)) in (PieceKind.TAG, PieceKind.NOTE):
                _add(found, head, Style.PLAIN, first, last, cell, attached, sep, False, joint=joint)
                _add(found, tail, Style.PLAIN, first, last, cell, attached, mark[0], False)
                sep = joint = ""
                return
        _add(found, chunk, Style.PLAIN, first, last, cell, attached, sep, False, joint=joint)
        sep = joint = ""

    for match in _SPLIT_RE.finditer(text):
        current.append(text[position : match.start()])
        position = match.end()
        if match.lastgroup == "url":
            flush()  # a bare URL is a link of the entry, not text
        elif match.lastgroup == "sep":
            flush()
            sep, joint = _sep_name(match.group(0)), match.group(0)
        elif match.lastgroup == "quote":
            if cell >= 0:  # a table cell is one field: quotes in it are part of its text
                current.append(match.group(0))
                continue
            flush()
            # a quoted title before the row's links; after them, a quoted remark
            style = Style.PLAIN if after_link else Style.QUOTED
            _add(found, match.group(0), style, first, last, cell, attached, sep, False)
            sep = joint = ""
        else:
            group = match.group(0)
            # [ECCV] is a tag; (PASB) after a title is its short name
            square = group.startswith(("[", "【"))
            kind = classify(tidy(group), bracketed=square) if tidy(group) else PieceKind.NUMBER
            gloss = group.startswith("【")  # 【...】 annotates (a translation, a remark)
            if kind in (PieceKind.TITLE, PieceKind.NAME, PieceKind.DESCRIPTION) and not gloss:
                current.append(group)  # "(Human-AI Education)" stays part of the title
            else:
                flush()
                _add(found, group, Style.PLAIN, first, last, cell, attached, sep, square)
                if gloss and found and found[-1].kind in _TITLE_KINDS:
                    found[-1].kind = PieceKind.NOTE
                sep = joint = ""
    current.append(text[position:])
    flush()
    return sep


def _add(
    found: list[Piece],
    raw: str,
    style: Style,
    first: int,
    last: int,
    cell: int,
    attached: bool,
    sep: str,
    bracketed: bool,
    *,
    link: int | None = None,
    joint: str = "",
) -> None:
    written = clean_text(raw)
    text = tidy(written)
    if not text and link is None:
        return
    kind = classify(text, bracketed=bracketed) if text else PieceKind.NUMBER
    found.append(
        Piece(text, style, kind, first, last, cell, link, sep, attached, bracketed, written, joint)
    )


def _rejoin_titles(found: list[Piece], start: int) -> None:
    """Undo cuts that split one title: ``Just Talk — An Agent That ...``, ``Simply by Talking``.

    Two plain pieces cut at a dash are one title when both read as titles; text cut at `` by ``
    or ``, in `` is one title again when what follows is not an author list or a venue.
    """
    index = start + 1
    while index < len(found):
        previous, piece = found[index - 1], found[index]
        joinable = (
            previous.style is Style.PLAIN
            and piece.style is Style.PLAIN
            and previous.line == piece.line
            and previous.cell == piece.cell
            and not previous.bracketed
            and not piece.bracketed
        )
        separator = {"by": " by ", "in": ", in ", "-": " - "}.get(piece.sep)
        rejoin = joinable and (
            (piece.sep == "by" and piece.kind is not PieceKind.AUTHORS)
            or (piece.sep == "in" and piece.kind is not PieceKind.TAG)
            or (
                piece.sep == "-"
                and previous.kind is PieceKind.TITLE
                and piece.kind is PieceKind.TITLE
                and not reads_as_sentence(piece.text)
            )
        )
        if rejoin and separator is not None:
            text = tidy(previous.text + separator + piece.text)
            previous.text = text
            previous.kind = classify(text)
            previous.last_line = piece.last_line
            # the title keeps the separator as written ("Just Talk — An Agent", ". In ")
            joined = (
                trim_ends(previous.written) + (piece.joint or separator) + trim_ends(piece.written)
            )
            previous.written = " ".join(joined.split())
            del found[index]
            continue
        index += 1


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
    quoted = (
        len(written) > 1 and written.startswith(_QUOTES_OPEN) and written.endswith(_QUOTES_CLOSE)
    )
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
        text = clean_text(ln.text)
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
