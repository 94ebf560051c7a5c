"""Cutting an entry's text into *pieces* for :mod:`enrich.lists.fields`: each link's text,
each bold run, each quoted string, and the plain text between them, itself cut at separators
(`` - ``, ``|``, ``, in``, `` by ``) and around bracketed or parenthesized tags. Every piece
carries its style, what it is (:func:`enrich.lists.classify.classify`), its lines and the
separator written before it; a title wrapped across lines or separators is joined again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from enrich.lists.classify import (
    PieceKind,
    classify,
    reads_as_sentence,
    tidy,
    trim_ends,
)
from enrich.lists.inline import Line, Span, Unit, clean_text

__all__ = ["QUOTES_CLOSE", "QUOTES_OPEN", "TITLE_KINDS", "Piece", "Style", "pieces"]


class Style(Enum):
    LINK = "link"
    BOLD = "bold"
    QUOTED = "quoted"
    ITALIC = "italic"
    CODE = "code"
    PLAIN = "plain"


#: Kinds of piece that can be (part of) a title.
TITLE_KINDS = (PieceKind.TITLE, PieceKind.NAME, PieceKind.DESCRIPTION)
#: Quotes that open and close a quoted title.
QUOTES_OPEN = ('"', "“", "「", "'")
QUOTES_CLOSE = ('"', "”", "」", "'")


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


# Separators inside plain text; " by " and ", in " only count when what follows fits them.
_SPLIT_RE = re.compile(
    r"(?P<quote>\"[^\"\s]+\s[^\"]+\"|“[^”\s]+\s[^”]+”|「[^」]{3,}」)"
    r"|(?<!\S)(?P<group>\([^()]*\)|\[[^\[\]]*\]|【[^】]*】|（[^（）]*）)"
    r"|(?P<url>(?:https?|ftp)://[^\s<>()\[\]\"'`|]+)"
    r"|(?P<sep>\s+[-–—]+\s+|\s*\|\s*|\s*;\s+|,\s+in\s+|\.\s+In\s+|\s+by\s+|\s*•\s*|\s*·\s+)"
)
_LEADING_COLON_RE = re.compile(r"^\s*[:：]\s+")
_LEADING_NUMBER_RE = re.compile(r"^\s*(?:\d{1,4}[.)]|\[\d{1,4}\]|\(\d{1,4}\)|#\d{1,4})(?=\s|$)")


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
            quoted = before_text.endswith(QUOTES_OPEN) and after_text.lstrip(".,").startswith(
                QUOTES_CLOSE
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
                if gloss and found and found[-1].kind in TITLE_KINDS:
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
