"""Finding entries: which blocks are entries, what is attached to them, their sections."""

from __future__ import annotations

from enrich.lists.blocks import read_document
from enrich.lists.entries import FoundEntries, declares_paper, find_entries
from enrich.lists.extract import extract_entries
from enrich.lists.inline import Unit, UnitRole
from enrich.lists.links import add_text_links
from enrich.models import EntryKind, TitleSource


def found_in(text: str) -> FoundEntries:
    doc = read_document(text)
    for event in doc.events:
        if isinstance(event, Unit):
            add_text_links(event)
    return find_entries(doc)


def test_a_heading_per_paper_with_field_bullets_is_one_entry_each() -> None:
    text = """# Hallucination papers
## Papers and Summaries
### [Paper One About Things](https://arxiv.org/abs/2502.03628)
- **Metrics:** ROUGE-L, accuracy
- **Datasets:** POPE, CHAIR
### [Paper Two About Other Things](https://direct.mit.edu/coli/article/47/4/729/1)
- **Metrics:** F1
### [Paper Three On Yet More](https://arxiv.org/abs/2410.03577)
- **Comments:** Proposes a method. (ICML 2025)
### [Paper Four Is The Last](https://arxiv.org/abs/2507.07151)
"""
    entries = extract_entries(text, list_name="x")
    assert [(e.line, e.end_line, e.title_source) for e in entries] == [
        (3, 5, TitleSource.HEADING),
        (6, 7, TitleSource.HEADING),
        (8, 9, TitleSource.HEADING),
        (10, 10, TitleSource.HEADING),
    ]
    assert all(e.section == ["Hallucination papers", "Papers and Summaries"] for e in entries)
    # a heading of the layout without a paper link is a paper too
    assert entries[1].kind is EntryKind.PAPER and entries[1].ids.is_empty()


def test_a_lone_heading_above_a_field_list_is_a_section() -> None:
    text = """# List
# 3D Scene Completion

- Paper: https://arxiv.org/abs/2302.12251
- Code: https://github.com/NVlabs/VoxFormer
"""
    (entry,) = extract_entries(text, list_name="x")
    # a list of field items with no title: its first item holds the others
    assert (entry.line, entry.end_line, entry.title) == (4, 5, "")
    assert entry.section == ["3D Scene Completion"]
    assert entry.ids.arxiv == ["2302.12251"] and len(entry.links) == 2


def test_a_title_paragraph_holds_the_field_bullets_below_it() -> None:
    text = """# CVPR
## Backbone

**Run, Don't Walk: Chasing Higher FLOPS for Faster Neural Networks**

- Paper: https://arxiv.org/abs/2303.03667
- Code: https://github.com/JierunChen/FasterNet

**Hard Patches Mining for Masked Image Modeling**

- Paper: None
- Code: None
"""
    first, second = extract_entries(text, list_name="x")
    assert (first.line, first.end_line, first.title) == (
        4,
        7,
        "Run, Don't Walk: Chasing Higher FLOPS for Faster Neural Networks",
    )
    assert first.ids.arxiv == ["2303.03667"] and first.section == ["CVPR", "Backbone"]
    # a paper entry whose links are missing ("Paper: None") is still an entry, and a paper
    assert (second.line, second.kind, second.links) == (9, EntryKind.PAPER, [])


def test_a_paragraph_of_badges_after_an_introduction_is_not_its_field() -> None:
    text = """# My List
A curated list of things about the world

[![Awesome](https://awesome.re/badge.svg)](https://github.com/a/b)
"""
    assert found_in(text).entries == []


def test_nested_field_items_belong_to_their_parent() -> None:
    text = """- [Model-Based Value Estimation](https://openreview.net/forum?id=abc123)
  - Kaixin Wang, Bingyi Kang. *NeurIPS 2019*
  - Key: planning, value expansion
  - ExpEnv: [mujoco](https://github.com/openai/mujoco-py)
- [A Survey on Hallucination](https://github.com/a/b)
  - Paper available [here](https://arxiv.org/abs/2311.05232)
- [DeepSeek](https://github.com/deepseek-ai)
  - [DeepSeek-V2](https://arxiv.org/abs/2405.04434)
"""
    entries = extract_entries(text, list_name="x")
    assert [(e.line, e.end_line) for e in entries] == [(1, 4), (5, 6), (7, 7), (8, 8)]
    assert entries[0].authors == "Kaixin Wang, Bingyi Kang" and entries[0].venue == "NeurIPS 2019"
    assert [link.label for link in entries[0].links] == ["Model-Based Value Estimation", "mujoco"]
    assert entries[1].ids.arxiv == ["2311.05232"] and entries[1].kind is EntryKind.PAPER
    # a nested item that names a paper of its own is an entry of its own
    assert entries[3].title == "DeepSeek-V2"


def test_paragraph_entries_and_prose() -> None:
    text = """# Roadmap
## 1.1 Survey

**[1]** LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton. "**Deep learning**." Nature (2015). [[pdf]](http://www.cs.toronto.edu/nature14539.pdf)

**[0]** Bengio, Yoshua, et al. "**Deep learning book**." An MIT Press book. [[html]](http://www.deeplearningbook.org/)

This paragraph mentions [a survey](https://arxiv.org/abs/2401.00001) and is prose.

[CVPR 2023](https://openaccess.thecvf.com/CVPR2023?day=all) papers with code.
"""
    entries = extract_entries(text, list_name="x")
    assert [(e.line, e.title) for e in entries] == [(4, "Deep learning"), (6, "Deep learning book")]
    assert entries[0].authors == "LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton"


def test_linkless_items_among_linked_papers_are_papers() -> None:
    text = """## Operators
* Fourier Neural Operator for Parametric PDEs: [ICLR 2021](https://arxiv.org/abs/2010.08895)

> An abstract in a quote.

* FourCastNet: A Global Data-driven Weather Model

* Hamiltonian Neural Networks: [NeurIPS19](https://arxiv.org/abs/1906.01563)

## Notes
- just a note without a link
"""
    entries = extract_entries(text, list_name="x")
    assert [(e.line, e.kind) for e in entries] == [
        (2, EntryKind.PAPER),
        (6, EntryKind.PAPER),
        (8, EntryKind.PAPER),
    ]
    assert entries[1].title == "FourCastNet: A Global Data-driven Weather Model"


def test_sections_and_boilerplate() -> None:
    text = """# List
<details><summary>Milestones</summary>

**2024**

- [A](https://arxiv.org/abs/2401.00001)

</details>

## Contributing
- [Template Title](https://arxiv.org/abs/2401.00002)

## Table of Contents
- [Papers](#papers)
"""
    found = found_in(text)
    (entry,) = found.entries
    assert entry.section == ["List", "2024", "Milestones"]
    marks = dict(found.section_marks)
    assert marks[10] == "Contributing" and marks[13] == "Table of Contents"
    assert found.title == "List"


def test_other_units_are_kept_for_the_audit() -> None:
    found = found_in("# T\n\nSome prose [x](https://arxiv.org/abs/2401.00001).\n")
    assert [u.role for u in found.others] == [UnitRole.HEADING, UnitRole.PARAGRAPH]


def test_declares_paper() -> None:
    found = found_in("**A Long Title About Some Things**\n\n- Paper: None\n- Code: None\n")
    (host,) = found.entries
    assert declares_paper(host)
