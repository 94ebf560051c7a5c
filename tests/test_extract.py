"""Extraction: scores against the hand-checked truth of real lists, and every layout.

Scoring (see docs/extract.md): a predicted entry is matched to the truth entry that starts on
the same line (entries are "the bullet, table row, ``<tr>`` or first bold line"; no two truth
entries share a line). Per list and id type we compare the sets of (line, id) pairs:

- truth pairs come from truth entries of kind ``paper``;
- predicted pairs come from predicted entries of kind ``paper``, except pairs that are neutral:
  ids the truth lists in ``non_entry_ids`` (ids outside entries, e.g. a survey's own paper or a
  model bullet) and ids on lines whose truth entry is not a paper (a book with a DOI);
- precision = shared / predicted, recall = shared / truth; an id type absent from both is n/a.
"""

from __future__ import annotations

import gc
import json
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrich.lists.extract import StreamedList, extract_entries, extract_list, list_title
from enrich.lists.read import ListText
from enrich.models import Entry, EntryKind, ListInfo
from enrich.titles import normalize_title

DATA = Path(__file__).parent / "data" / "lists"
TRUTH = DATA / "truth"
ID_TYPES = ("arxiv", "doi", "openreview", "acl")
GATE = 0.98

Truth = dict[str, Any]  # one truth file, as documented in data/lists/truth/README.md
Extracted = dict[str, tuple[Truth, list[Entry]]]  # by truth file stem


# --------------------------------------------------------------------------- scoring


@dataclass
class Score:
    shared: int
    predicted: int
    truth: int

    @property
    def precision(self) -> float | None:
        return self.shared / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.shared / self.truth if self.truth else None

    def passes(self) -> bool:
        if not self.predicted and not self.truth:
            return True
        return (self.precision or 0.0) >= GATE and (self.recall or 0.0) >= GATE


def _truth_files() -> list[Path]:
    return sorted(p for p in TRUTH.glob("*.json"))


def _list_file(truth: dict[str, object]) -> Path:
    return DATA / Path(str(truth["file"])).name


def score_list(truth: Truth, entries: list[Entry]) -> dict[str, Score]:
    non_paper_lines = {e["line"] for e in truth["entries"] if e["kind"] != "paper"}
    neutral = {(n["line"], n["id"]) for n in truth.get("non_entry_ids", []) if n.get("id")}
    scores = {}
    for id_type in ID_TYPES:
        expected = {
            (e["line"], i) for e in truth["entries"] if e["kind"] == "paper" for i in e[id_type]
        }
        predicted = {
            (e.line, i)
            for e in entries
            if e.kind is EntryKind.PAPER and e.line not in non_paper_lines
            for i in getattr(e.ids, id_type)
            if (e.line, i) not in neutral
        }
        scores[id_type] = Score(len(expected & predicted), len(predicted), len(expected))
    return scores


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@pytest.fixture(scope="module")
def extracted() -> Extracted:
    result = {}
    for path in _truth_files():
        truth = json.loads(path.read_text(encoding="utf-8"))
        text = _list_file(truth).read_text(encoding="utf-8")
        result[path.stem] = (truth, extract_entries(text, list_name=path.stem))
    return result


def test_every_truth_file_has_its_list_copy() -> None:
    files = _truth_files()
    assert len(files) == 14  # five real lists, two seeds, seven corpus lists of other layouts
    for path in files:
        assert _list_file(json.loads(path.read_text(encoding="utf-8"))).is_file()


def test_id_precision_and_recall_on_paper_entries(
    extracted: Extracted,
    report_lines: Callable[[str, list[str]], None],
) -> None:
    header = f"{'list':<48}" + "".join(f"{t + ' P/R':>15}" for t in ID_TYPES)
    lines = [header, "-" * len(header)]
    failures = []
    for name, (truth, entries) in extracted.items():
        scores = score_list(truth, entries)
        row = f"{name:<48}"
        for id_type, score in scores.items():
            row += f"{_fmt(score.precision) + '/' + _fmt(score.recall):>15}"
            if not score.passes():
                failures.append(f"{name} {id_type}: {score}")
        lines.append(row)
    lines.append(f"(gate: every P and R >= {GATE}; entries matched to truth by start line)")
    report_lines("extraction scores (precision P / recall R of ids on paper entries)", lines)
    assert not failures, failures


def title_agrees(extracted: str, written: str) -> bool:
    """The extracted title says what the list writes: equal after
    :func:`enrich.titles.normalize_title`, emoji and other symbols dropped (``♟️FactCheckmate``)."""
    return _comparable(extracted) == _comparable(written)


def _comparable(title: str) -> str:
    return normalize_title("".join(c for c in title if unicodedata.category(c)[0] != "S"))


def test_entries_kinds_and_titles_agree_with_the_truth(
    extracted: Extracted,
    report_lines: Callable[[str, list[str]], None],
) -> None:
    """Per list: truth entries found (by start line), kind right, title agreement, title
    byte-exact; every list at least 0.98 for entries, titles and exact titles, kinds overall at
    least 0.98."""
    lines = [f"{'list':<48}{'truth':>7}{'found':>8}{'kind':>8}{'title':>8}{'exact':>8}"]
    failures = []
    total = found_all = kinds_all = titles_all = exact_all = 0
    for name, (truth, entries) in extracted.items():
        by_line = {e.line: e for e in entries}
        found = kinds = titles = exact = 0
        for expected in truth["entries"]:
            entry = by_line.get(expected["line"])
            if entry is None:
                continue
            found += 1
            kinds += entry.kind.value == expected["kind"]
            titles += title_agrees(entry.title, expected["title"])
            exact += entry.title == expected["title"]
        count = len(truth["entries"])
        total, found_all, kinds_all = total + count, found_all + found, kinds_all + kinds
        titles_all, exact_all = titles_all + titles, exact_all + exact
        lines.append(
            f"{name:<48}{count:>7}{found / count:>8.3f}{kinds / count:>8.3f}"
            f"{titles / count:>8.3f}{exact / count:>8.3f}"
        )
        if found < GATE * count or titles < GATE * count or exact < GATE * count:
            failures.append(f"{name}: found {found}, titles {titles}, exact {exact} of {count}")
    lines.append(
        f"{'all lists':<48}{total:>7}{found_all / total:>8.3f}{kinds_all / total:>8.3f}"
        f"{titles_all / total:>8.3f}{exact_all / total:>8.3f}"
    )
    lines.append(
        "(shares of truth entries: found at their start line, kind right, title agreeing as "
        "written (normalized, emoji dropped), title byte-exact; gate >= 0.98 for found, title "
        "and exact per list, kind overall)"
    )
    report_lines("extraction: entries, kinds and titles against the truth", lines)
    assert not failures, failures
    assert kinds_all >= GATE * total


def test_positions_locate_each_entry_title_and_link_target(
    extracted: Extracted, report_lines: Callable[[str, list[str]], None]
) -> None:
    """Every link target found is written on its line, exactly; titles and links lie within
    their entry's lines (what a later fix of a row needs to edit the text)."""
    links = located = 0
    for name, (truth, entries) in extracted.items():
        lines = _list_file(truth).read_text(encoding="utf-8").split("\n")
        for entry in entries:
            assert entry.end_line is not None and entry.end_line >= entry.line, entry
            if entry.title_line is not None:
                assert entry.line <= entry.title_line <= entry.end_line, (name, entry.line)
            for link in entry.links:
                links += 1
                assert link.line is not None and entry.line <= link.line <= entry.end_line
                if link.target is not None:
                    located += 1
                    assert link.target in lines[link.line - 1], (name, link)
    report_lines("extraction: positions", [f"link targets located as written: {located}/{links}"])
    assert located >= 0.99 * links


def test_streamed_extraction_is_the_same_as_the_whole() -> None:
    text = (DATA / "Hannibal046__Awesome-LLM.md").read_text(encoding="utf-8")
    list_text = ListText(info=ListInfo(source="x.md", name="x"), text=text)
    whole = extract_list(list_text)
    streamed = StreamedList(list_text)
    with pytest.raises(RuntimeError, match="entries before the audit"):
        streamed.audit()
    assert list(streamed.entries()) == whole.entries
    assert streamed.audit() == whole.audit and streamed.info == whole.info
    with pytest.raises(RuntimeError, match="read once"):
        list(streamed.entries())


def test_entries_satisfy_the_model_contract(
    extracted: Extracted,
) -> None:
    # Entries are built without re-validation for speed; validating them must change nothing.
    for _, entries in extracted.values():
        for entry in entries:
            dumped = entry.model_dump()
            assert Entry.model_validate(dumped).model_dump() == dumped
            assert isinstance(entry.kind, EntryKind)


def test_seed_fields_and_flags(extracted: Extracted) -> None:
    _, table_entries = extracted["seed_001"]
    by_line = {e.line: e for e in table_entries}
    malformed = by_line[41]
    assert malformed.name == "MLLMs"
    assert malformed.ids.arxiv == ["2404.08452"]
    assert "malformed_link" in malformed.flags
    assert (malformed.venue, malformed.year) == ("arXiv", "2024")
    assert malformed.section[-1] == "MoE in Visual Domain"
    cvf = by_line[45]
    assert cvf.ids.is_empty()
    assert cvf.paper_urls and "thecvf.com" in cvf.paper_urls[0]

    _, block_entries = extracted["seed_000"]
    mixtral = block_entries[-1]
    assert mixtral.title == "Mixtral of Experts"
    assert mixtral.authors is not None and mixtral.authors.startswith("Albert Q. Jiang")
    assert (mixtral.venue, mixtral.date, mixtral.year) == ("arXiv", "8 Jan 2024", "2024")
    assert mixtral.section == ["Papers", "Hard Routers"]  # "# Papers" replaced the h1 title
    assert [p.position for p in block_entries] == list(range(1, len(block_entries) + 1))
    assert [(e.kind, e.title.split(":")[0]) for e in block_entries[:2]] == [
        (EntryKind.COURSE, "Stanford CS324"),
        (EntryKind.BOOK, "Foundation Models for Natural Language Processing"),
    ]


def test_full_lists_keep_annotations_pseudo_headings_and_details(
    extracted: Extracted,
) -> None:
    sbj = {e.line: e for e in extracted["SuperBruceJia__Awesome-Mixture-of-Experts"][1]}
    # **_Mistral AI_ - Mixtral of Experts**: the annotation is not part of the title
    assert sbj[124].title == "Mixtral of Experts"
    # _**All the experts are activated.**_ on the line before the title is not the entry start
    assert sbj[379].title.startswith("MoELoRA")
    coree = {e.line: e for e in extracted["coree__awesome-rag"][1]}
    assert coree[35].section[-2:] == ["Survey", "2024"]  # **2024** pseudo-heading
    assert "title_spans_lines" in coree[38].flags
    assert coree[38].title.endswith("Natural Language Processing: A Survey")
    assert all(e.line > 30 for e in coree.values())  # the commented-out template is no entry
    llm = {e.line: e for e in extracted["Hannibal046__Awesome-LLM"][1]}
    assert llm[43].date == "2017-06" and llm[43].ids.arxiv == ["1706.03762"]
    assert llm[71].kind is EntryKind.PAPER and "paper_title_links_to_code" in llm[71].flags
    assert llm[197].section[-2:] == ["Open LLM", "DeepSeek"]  # <summary> of a <details>
    assert llm[455].kind is EntryKind.LIBRARY  # vLLM: a GitHub-only tool
    codecaution = {
        e.line: e for e in extracted["codecaution__Awesome-Mixture-of-Experts-Papers"][1]
    }
    assert codecaution[30].venue == "ICLR 2022"
    assert codecaution[30].authors is not None and codecaution[30].authors.startswith("Simiao")
    assert codecaution[259].kind is EntryKind.LIBRARY


# --------------------------------------------------------------------------- layouts never seen


def _one(text: str) -> list[Entry]:
    return extract_entries(text, list_name="synthetic")


def test_pipe_table_layout() -> None:
    text = """# Papers

| Name | Title | Conference | Year | Code |
|---|---|---|---|---|
|SN|[S-NeRF](https://openreview.net/forum?id=PQ2zoIZqvm)|ICLR|2023|[c](https://github.com/a)|
| MMoE | [Multi-gate MoE](https://dl.acm.org/doi/pdf/10.1145/3219819.3220007) | KDD | 2018 | |
| UL2 | [Unifying Language Learning](https://arxiv.org/abs/2205.05131v1) | arXiv | 2022 | |
| Plain | no link here | - | 2020 | |
"""
    entries = _one(text)
    assert [e.name for e in entries] == ["SN", "MMoE", "UL2"]
    assert [e.line for e in entries] == [5, 6, 7]
    assert entries[0].ids.openreview == ["PQ2zoIZqvm"]
    assert entries[0].venue == "ICLR" and entries[0].year == "2023"
    assert [link.role.value for link in entries[0].links] == ["paper", "code"]
    assert entries[1].ids.doi == ["10.1145/3219819.3220007"]
    assert entries[2].ids.arxiv == ["2205.05131"]
    assert "arxiv_version:2205.05131v2" not in entries[2].flags
    assert "arxiv_version:2205.05131v1" in entries[2].flags
    assert entries[2].title == "Unifying Language Learning"


@pytest.mark.parametrize("marker", ["-", "*", "+", "1."])
def test_bullet_and_numbered_lists(marker: str) -> None:
    indent = " " * (len(marker) + 1)
    text = f"""## Vision
{marker} [Vision Mixture of Experts](https://arxiv.org/pdf/2106.05974.pdf) - NeurIPS 2021
{marker} **Go Wider Instead of Deeper** [[pdf]](https://arxiv.org/abs/2107.11817) AAAI 2022

{indent}*Fuzhao Xue, Ziji Shi*
{marker} [TinyZero](https://github.com/Jiayi-Pan/TinyZero) - a reproduction
"""
    entries = _one(text)
    assert [e.title for e in entries] == [
        "Vision Mixture of Experts",
        "Go Wider Instead of Deeper",
        "TinyZero",
    ]
    assert [e.line for e in entries] == [2, 3, 6]
    assert entries[0].ids.arxiv == ["2106.05974"]
    assert entries[1].venue == "AAAI 2022" and entries[1].authors == "Fuzhao Xue, Ziji Shi"
    assert entries[2].kind is EntryKind.LIBRARY and entries[2].ids.is_empty()
    assert all(e.section == ["Vision"] for e in entries)


def test_nested_bullets_are_entries_of_their_own() -> None:
    text = """# Models
- [DeepSeek](https://github.com/deepseek-ai)
  - [DeepSeek-V2](https://arxiv.org/abs/2405.04434)
  - [DeepSeek-V3](https://arxiv.org/abs/2412.19437)
"""
    entries = _one(text)
    assert [(e.line, e.title) for e in entries] == [
        (2, "DeepSeek"),
        (3, "DeepSeek-V2"),
        (4, "DeepSeek-V3"),
    ]
    assert entries[0].ids.is_empty()
    assert entries[1].ids.arxiv == ["2405.04434"]


def test_bold_title_paragraph_blocks() -> None:
    text = """# Papers
## Survey
**A Survey on Mixture of Experts**\\
_Weilin Cai, Juyong Jiang_\\
arXiv, [[Paper](https://arxiv.org/abs/2407.06204)] [[GitHub](https://github.com/w/s)]\\
8 Aug 2024

**_Shared FFN_ - MixLoRA: Enhancing LLM Fine-Tuning**\\
_Dengchun Li_\\
TMLR, [[Paper](https://arxiv.org/abs/2404.15159)]\\
20 Jul 2024

This paragraph mentions [a blog](https://example.org/blog) and is prose.
"""
    entries = _one(text)
    assert len(entries) == 2
    first, second = entries
    assert (first.line, first.title, first.authors) == (
        3,
        "A Survey on Mixture of Experts",
        "Weilin Cai, Juyong Jiang",
    )
    assert (first.venue, first.date, first.year) == ("arXiv", "8 Aug 2024", "2024")
    assert [link.role.value for link in first.links] == ["paper", "code"]
    assert second.title == "MixLoRA: Enhancing LLM Fine-Tuning"
    assert first.section == ["Papers", "Survey"]


def test_entry_wrapping_onto_a_second_line() -> None:
    text = """- **Retrieval-Augmented Generation for Natural Language
Processing: A Survey**
[`Paper`](https://arxiv.org/abs/2407.13193) `arXiv`
"""
    (entry,) = _one(text)
    assert entry.title == "Retrieval-Augmented Generation for Natural Language Processing: A Survey"
    assert entry.line == 1
    assert "title_spans_lines" in entry.flags
    assert entry.venue == "arXiv"


def test_raw_html_table_with_blank_lines_inside() -> None:
    text = """# Papers
<table>
<tr><th>Title</th><th>Venue</th></tr>
<tr>
  <td><a href="https://arxiv.org/abs/2401.04088">Mixtral of Experts</a></td>
  <td>arXiv 2024</td>
</tr>

<tr>
  <td><b>BERT</b> <a href="https://aclanthology.org/N19-1423.pdf">pdf</a></td>
  <td>NAACL</td>
</tr>
</table>
"""
    entries = _one(text)
    assert [(e.line, e.title) for e in entries] == [(4, "Mixtral of Experts"), (9, "BERT")]
    assert entries[0].ids.arxiv == ["2401.04088"]
    assert entries[0].venue == "arXiv 2024"
    assert entries[1].ids.acl == ["N19-1423"]
    assert entries[0].section == ["Papers"]


def test_markdown_inside_html_table_cells() -> None:
    text = """<table>
<tr><th>Paper</th><th>Code</th></tr>
<tr>
<td>

**Mixtral of Experts** [arXiv](https://arxiv.org/abs/2401.04088)

</td>
<td>

[code](https://github.com/mistralai/mistral-src)

</td>
</tr>
</table>
"""
    (entry,) = _one(text)
    assert (entry.line, entry.title) == (3, "Mixtral of Experts")
    assert entry.ids.arxiv == ["2401.04088"]
    assert [link.role.value for link in entry.links] == ["paper", "code"]


def test_details_block_and_html_headings() -> None:
    text = """<h1 align="center">Awesome &amp; Lists</h1>

<h2>Vision &amp; Language</h2>

<details>
<summary>Milestones</summary>

- [Attention Is All You Need](https://arxiv.org/pdf/1706.03762.pdf)

</details>

- [Outside](https://arxiv.org/abs/1810.04805)
"""
    lt = ListText(info=ListInfo(source="x.md", name="x"), text=text)
    result = extract_list(lt)
    assert result.info.title == "Awesome & Lists"
    first, second = result.entries
    assert first.section == ["Awesome & Lists", "Vision & Language", "Milestones"]
    assert first.ids.arxiv == ["1706.03762"]
    assert second.section == ["Awesome & Lists", "Vision & Language"]


def test_html_list_items_and_inline_html_links() -> None:
    text = """## Papers
<ul>
<li><a href="https://arxiv.org/abs/2401.04088">Mixtral of Experts</a>, arXiv 2024</li>
<li><b>GShard</b> <a href="https://openreview.net/pdf?id=qrwe7XHTmYb">[pdf]</a></li>
</ul>

- Inline: <a href="https://arxiv.org/abs/2101.03961">Switch Transformers</a>
"""
    entries = _one(text)
    assert [e.title for e in entries] == ["Mixtral of Experts", "GShard", "Switch Transformers"]
    assert entries[1].ids.openreview == ["qrwe7XHTmYb"]
    assert entries[2].ids.arxiv == ["2101.03961"]


def test_non_entries_are_skipped() -> None:
    text = """# Awesome Things [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)

[![License](https://img.shields.io/badge/License-MIT.svg)](https://opensource.org/licenses/MIT)

## Contents
- [Papers](#papers)
- [Tools](#tools)

<!-- Template
- **Title** [Paper](https://arxiv.org/abs/2401.00001)
-->

## Papers
- **Real Entry** [Paper](https://arxiv.org/abs/2401.04088) ![badge](https://img.shields.io/x.svg)

## Acknowledgement
- Thanks to [Someone](https://github.com/someone) for [a paper](https://arxiv.org/abs/2401.00002).

## License
[MIT](https://opensource.org/licenses/MIT)
"""
    entries = _one(text)
    assert [e.title for e in entries] == ["Real Entry"]
    assert [link.url for link in entries[0].links] == ["https://arxiv.org/abs/2401.04088"]


def test_bare_urls_are_links() -> None:
    (entry,) = _one("- GLaM: Efficient Scaling https://arxiv.org/abs/2112.06905.\n")
    assert entry.ids.arxiv == ["2112.06905"]
    assert entry.title == "GLaM: Efficient Scaling"
    assert [link.url for link in entry.links] == ["https://arxiv.org/abs/2112.06905"]


def test_title_before_generic_links() -> None:
    (entry,) = _one(
        "- Sparse is Enough in Scaling Transformers. [[pdf]](https://arxiv.org/pdf/2111.12763)\n"
    )
    assert entry.title == "Sparse is Enough in Scaling Transformers"


def test_boilerplate_is_recognized_by_whole_heading_and_many_images_change_nothing() -> None:
    images = "".join(f'<img src="https://img.example/{i}.png">\n\n' for i in range(300))
    text = (
        f"## Papers with most citations\n\n{images}"
        "<table><tr><td><a href='https://arxiv.org/abs/2401.04088'>Mixtral</a></td></tr></table>\n"
    )
    (entry,) = _one(text)
    assert entry.title == "Mixtral"
    assert entry.section == ["Papers with most citations"]


def test_output_is_deterministic() -> None:
    text = (DATA / "Hannibal046__Awesome-LLM.md").read_text(encoding="utf-8")
    first = [e.model_dump() for e in _one(text)]
    assert first == [e.model_dump() for e in _one(text)]


def test_setext_headings() -> None:
    text = (
        "Awesome Things\n==============\n\nVision\n------\n"
        "- [Mixtral](https://arxiv.org/abs/2401.04088)\n\nText\n\n---\n\n"
        "- [GShard](https://openreview.net/forum?id=qrwe7XHTmYb)\n"
    )
    first, second = _one(text)
    assert first.section == ["Awesome Things", "Vision"]
    # a "---" after a blank line is a thematic break, not a heading underline
    assert second.section == ["Awesome Things", "Vision"]
    assert list_title(text) == "Awesome Things"


def test_garbage_collector_state_is_restored() -> None:
    assert gc.isenabled()
    _one("- [x](https://arxiv.org/abs/2401.04088)\n")
    assert gc.isenabled()
    gc.disable()
    try:
        _one("- [x](https://arxiv.org/abs/2401.04088)\n")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_list_title() -> None:
    assert list_title("intro\n\n# Awesome RAG\n## Papers\n") == "Awesome RAG"
    assert list_title("no headings") is None


# --------------------------------------------------------------------------- pathological input


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "text",
    [
        "".join("  " * i + f"- [x{i}](https://arxiv.org/abs/2401.04088)\n" for i in range(3000)),
        "> " * 20000 + "[x](https://arxiv.org/abs/2401.04088)",
        "<div>" * 50000 + "<a href='https://arxiv.org/abs/2401.04088'>x</a>",
        "<details><summary>s</summary>\n" * 20000,
        "<table><tr><td>" * 20000,
        "<ul><li>" * 20000 + "x",
        "[" * 50000 + "x" + "]" * 50000,
        "**" * 50000,
        "|" * 100000 + "\n|---|\n",
        "- " * 30000 + "x",
    ],
    ids=[
        "deep-list",
        "deep-quote",
        "deep-div",
        "deep-details",
        "deep-table",
        "deep-li",
        "brackets",
        "stars",
        "pipes",
        "bullets-one-line",
    ],
)
def test_pathological_nesting_terminates_quickly(text: str) -> None:
    start = time.perf_counter()
    entries = _one(text)
    assert time.perf_counter() - start < 10
    assert all(e.position == i for i, e in enumerate(entries, start=1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "- ",
                    "* ",
                    "1. ",
                    "| a | b |\n|---|---|\n",
                    "**",
                    "_",
                    "`",
                    "[x](",
                    ")",
                    "](https://arxiv.org/abs/2401.04088)",
                    "<table><tr><td>",
                    "</td></tr>",
                    "<details>",
                    "<summary>",
                    "<h2>",
                    "<!--",
                    "-->",
                    "\n",
                    "\n\n",
                    "# ",
                    "<a href='https://doi.org/10.1/x'>",
                    "</a>",
                ]
            ),
        ),
        max_size=30,
    )
)
def test_never_raises_on_arbitrary_text(parts: list[str]) -> None:
    entries = _one("".join(parts))
    assert [e.position for e in entries] == list(range(1, len(entries) + 1))
