"""The inline model: styled spans on numbered lines, links, attaching one unit to another."""

from __future__ import annotations

from markdown_it import MarkdownIt

from enrich.lists.inline import (
    InlineBuilder,
    LinkForm,
    Unit,
    UnitRole,
    cells_text,
    clean_text,
)

_MD = MarkdownIt("commonmark")


def built(markdown: str) -> Unit:
    unit = Unit(role=UnitRole.PARAGRAPH, line=5)
    inline = _MD.parse(markdown)[1]
    InlineBuilder(unit, 5).feed(inline.children or [])
    return unit


def test_styled_runs_become_spans_on_their_lines() -> None:
    unit = built("**Bold** and _it_ `code` [a *b*](https://x.org/1)\nnext line  \nhard")
    first, second, third = unit.lines
    assert [(s.text, s.strong, s.em, s.code, s.link) for s in first.spans] == [
        ("Bold", True, False, False, None),
        (" and ", False, False, False, None),
        ("it", False, True, False, None),
        (" ", False, False, False, None),
        ("code", False, False, True, None),
        (" ", False, False, False, None),
        ("a ", False, False, False, 0),
        ("b", False, True, False, 0),
        (" ", False, False, False, None),  # the soft break reads as a space
    ]
    assert (first.number, second.number, second.soft, third.number, third.soft) == (
        5,
        6,
        True,
        7,
        False,
    )
    (link,) = unit.links
    assert (link.url, link.label, link.form, link.line) == (
        "https://x.org/1",
        "a b",
        LinkForm.MARKDOWN,
        5,
    )


def test_text_cut_by_the_parser_is_one_span() -> None:
    unit = built("Title [with] brackets_and *stars")
    assert [s.text for s in unit.lines[0].spans] == ["Title [with] brackets_and *stars"]


def test_html_inline_tags() -> None:
    unit = built('x <a href="https://x.org/?a=1&amp;b=2">l</a> <b>b</b><br><img src="i.png">')
    assert unit.links[0].url == "https://x.org/?a=1&b=2" and unit.links[0].form is LinkForm.HTML
    assert [s.text for s in unit.lines[0].spans if s.strong] == ["b"]
    assert len(unit.lines) == 2 and unit.images == [(5, "i.png")]


def test_attaching_copies_lines_and_shifts_link_indices() -> None:
    host = built("[Title](https://x.org/t)")
    field = built("Code: [repo](https://github.com/a/b)")
    host.attach(field)
    assert [link.url for link in host.links] == ["https://x.org/t", "https://github.com/a/b"]
    attached = host.lines[-1]
    assert attached.attached and [s.link for s in attached.spans if s.link is not None] == [1]
    # the attached unit is left as it was
    assert not field.lines[0].attached and field.lines[0].spans[-1].link == 0
    assert host.attachments == [field] and host.plain_text() == "Title"
    assert host.last_line() == 5


def test_cells_and_clean_text() -> None:
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse("| a | b |\n|---|---|\n| **x** y | z &amp; w |\n")
    row = Unit(role=UnitRole.ROW, line=3)
    cell = -1
    for tok in tokens[tokens.index(next(t for t in tokens if t.type == "tbody_open")) :]:
        if tok.type == "td_open":
            cell += 1
        elif tok.type == "inline":
            InlineBuilder(row, 3, cell).feed(tok.children or [])
    assert cells_text(row) == ["x y", "z & w"]
    assert clean_text("  a &amp;\n b ") == "a & b"
