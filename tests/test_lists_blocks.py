"""Reading a list's structure: units and section events, what the audit needs, chunked parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from enrich.lists import blocks
from enrich.lists.blocks import SectionEvent, Summary, chunks, read_document
from enrich.lists.extract import extract_entries
from enrich.lists.inline import Unit, UnitRole

DATA = Path(__file__).parent / "data" / "lists"


def roles(text: str) -> list[tuple[UnitRole, int]]:
    return [(u.role, u.line) for u in read_document(text).units]


def test_units_of_markdown_blocks() -> None:
    text = """# Title

Intro paragraph.

- item one
  - nested item
1. numbered

| a | b |
|---|---|
| x | y |
"""
    assert roles(text) == [
        (UnitRole.HEADING, 1),
        (UnitRole.PARAGRAPH, 3),
        (UnitRole.ITEM, 5),
        (UnitRole.ITEM, 6),
        (UnitRole.ITEM, 7),
        (UnitRole.ROW, 11),
    ]
    units = read_document(text).units
    assert units[3].parent is units[2] and units[3].level == 1
    assert units[2].group != units[4].group  # two lists
    assert units[5].header == ["a", "b"]


def test_html_blocks_give_headings_rows_items_and_details() -> None:
    text = """<h2>Papers &amp; Code</h2>
<details><summary>Group</summary>
<ul><li><a href="https://arxiv.org/abs/2401.04088">Mixtral</a></li></ul>
</details>
<table><tr><th>Title</th></tr><tr><td>A <b>bold</b> title</td></tr></table>
"""
    doc = read_document(text)
    kinds = [e.role if isinstance(e, Unit) else e for e in doc.events]
    assert kinds == [
        UnitRole.HEADING,
        SectionEvent.DETAILS_OPEN,
        Summary("Group"),
        UnitRole.HTML_ITEM,
        SectionEvent.DETAILS_CLOSE,
        UnitRole.ROW,
    ]
    heading, item, row = doc.units
    assert heading.plain_text() == "Papers & Code"
    assert item.links[0].url == "https://arxiv.org/abs/2401.04088"
    assert row.header == ["title"] and [s.strong for s in row.lines[0].spans] == [
        False,
        True,
        False,
    ]


def test_the_outer_row_of_a_nested_html_table_is_kept() -> None:
    text = (
        "<table><tr><td>Outer paper <a href='https://arxiv.org/abs/2401.00001'>o</a>"
        "<table><tr><td><a href='https://arxiv.org/abs/2401.00002'>inner</a></td></tr></table>"
        "</td></tr></table>\n"
    )
    entries = extract_entries(text, list_name="x")
    assert sorted(i for e in entries for i in e.ids.arxiv) == ["2401.00001", "2401.00002"]
    assert len(entries) == 2


def test_what_the_audit_needs_is_recorded() -> None:
    text = """# T

<!-- a comment
over two lines -->

![badge](https://img.shields.io/badge/x.svg)

```bibtex
@article{a, title={x}}
```
"""
    doc = read_document(text)
    assert doc.comments == [(3, 4)]
    assert doc.code_blocks == [(8, 10, True)]
    assert (6, "https://img.shields.io/badge/x.svg") in [
        image for unit in doc.units for image in unit.images
    ]


def test_list_items_nested_deeper_than_the_parser_reads_are_reported() -> None:
    depth = blocks.MAX_NESTING // 2 + 3
    text = "".join(
        "  " * i + f"- [Nested Paper {i}](https://arxiv.org/abs/2401.{i:05d})\n"
        for i in range(depth)
    )
    doc = read_document(text)
    assert len(doc.dropped) == 1
    first, last = doc.dropped[0]
    assert last == depth and first < depth
    kept = len(extract_entries(text, list_name="x"))
    assert kept + (last - first + 1) == depth  # every line is either read or reported


@pytest.mark.parametrize(
    "name",
    ["Hannibal046__Awesome-LLM.md", "EdinburghNLP__awesome-hallucination-detection.md"],
)
def test_parsing_in_chunks_reads_the_same_entries(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    whole = [e.model_dump() for e in extract_entries(text, list_name="x")]
    monkeypatch.setattr(blocks, "CHUNK_CHARS", 2_000)
    assert len(list(chunks(text.split("\n"), 2_000))) > 5
    assert [e.model_dump() for e in extract_entries(text, list_name="x")] == whole


def test_chunks_end_only_where_a_top_level_block_starts() -> None:
    lines = [
        "- a",
        "",
        "```",
        "",
        "# not a heading",
        "```",
        "",
        "<!--",
        "",
        "# commented",
        "-->",
        "",
        "# Heading",
        "",
        "  indented",
    ]
    starts = [first for first, _ in chunks(lines, size=1)]
    assert starts == [0, 2, 7, 12]
    # a small text is one chunk
    assert list(chunks(lines)) == [(0, len(lines))]


def test_reference_links_resolve_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "CHUNK_CHARS", 10)
    text = "# T\n\n- [Title][ref]\n\n## More\n\n[ref]: https://arxiv.org/abs/2401.04088\n"
    (entry,) = extract_entries(text, list_name="x")
    assert entry.ids.arxiv == ["2401.04088"]
