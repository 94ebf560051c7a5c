"""The audit: every paper id written in a list is held by an entry or reported with a reason."""

from __future__ import annotations

from enrich.lists import blocks
from enrich.lists.audit import scan_ids
from enrich.lists.extract import extract_list
from enrich.lists.read import ListText
from enrich.models import ExtractionAudit, ListInfo, OutsideReason


def audit_of(text: str) -> ExtractionAudit:
    return extract_list(ListText(info=ListInfo(source="x.md", name="x"), text=text)).audit


def test_scan_finds_every_written_form() -> None:
    text = (
        "a https://arxiv.org/abs/2401.00001 b arxiv.org/pdf/2401.00002.pdf\n"
        '<img src="https://arxiv.org/html/2401.00003v2"> arXiv:2401.00004 doi:10.1145/3.4\n'
        "[x]([https://arxiv.org/abs/2401.00005](https://arxiv.org/abs/2401.00005))\n"
        "https://openreview.net/forum?id=PQ2zoIZqvm https://aclanthology.org/N19-1423.pdf\n"
        "https://img.shields.io/badge/arXiv-2401.00006-b31b1b.svg\n"
    )
    assert scan_ids(text) == [
        (1, "arxiv:2401.00001", False),
        (1, "arxiv:2401.00002", False),
        (2, "arxiv:2401.00003", False),
        (2, "arxiv:2401.00004", True),
        (2, "doi:10.1145/3.4", True),
        (3, "arxiv:2401.00005", False),
        (3, "arxiv:2401.00005", False),
        (4, "openreview:PQ2zoIZqvm", False),
        (4, "acl:N19-1423", False),
    ]


def test_ids_outside_entries_are_reported_with_a_reason() -> None:
    text = """# My List [![Paper](https://img.shields.io/badge/x.svg)](https://arxiv.org/abs/2401.00001)

Our survey is [here](https://arxiv.org/abs/2401.00002).

## Contents
- [Papers](#papers) [x](https://arxiv.org/abs/2401.00003)

## Papers
- [Mixtral of Experts](https://arxiv.org/abs/2401.04088)
- [DRAW: a network](https://jmlr.org/p.pdf) arXiv:1502.04623
- [Another Paper Title](https://x.org/p.pdf)

Prose that cites [a paper](https://arxiv.org/abs/2401.00004).

<!-- - [Template](https://arxiv.org/abs/2401.00005) -->

```
see https://arxiv.org/abs/2401.00006
```

## Contributing
- [Paper Title](https://arxiv.org/abs/2401.00007)

## Citation
```bibtex
@article{a, journal={arXiv:2401.00008}}
```
"""
    audit = audit_of(text)
    reasons = {(o.line, o.id): o.reason for o in audit.ids_outside_entries}
    assert reasons == {
        (1, "arxiv:2401.00001"): OutsideReason.LIST_HEADER,
        (3, "arxiv:2401.00002"): OutsideReason.LIST_HEADER,
        (6, "arxiv:2401.00003"): OutsideReason.TABLE_OF_CONTENTS,
        (10, "arxiv:1502.04623"): OutsideReason.MENTIONED,
        (13, "arxiv:2401.00004"): OutsideReason.PROSE,
        (15, "arxiv:2401.00005"): OutsideReason.HTML_COMMENT,
        (18, "arxiv:2401.00006"): OutsideReason.CODE_BLOCK,
        (22, "arxiv:2401.00007"): OutsideReason.CONTRIBUTING,
        (26, "arxiv:2401.00008"): OutsideReason.CITATION,
    }
    assert audit.ids_in_entries == 1 and audit.ids_in_text == 10


def test_an_id_in_an_image_inside_an_entry_is_reported_as_an_image() -> None:
    text = "- [A Paper Title](https://x.org/p.pdf) ![fig](https://arxiv.org/abs/2401.00009)\n"
    (outside,) = audit_of(text).ids_outside_entries
    assert (outside.line, outside.reason, outside.detail) == (
        1,
        OutsideReason.IMAGE,
        "entry at line 1",
    )


def test_an_id_repeated_outside_entries_is_held_when_an_entry_holds_it() -> None:
    text = "Intro cites [it](https://arxiv.org/abs/2401.04088).\n\n- [Mixtral](https://arxiv.org/abs/2401.04088)\n"
    audit = audit_of(text)
    assert audit.ids_outside_entries == [] and audit.ids_in_entries == audit.ids_in_text == 1


def test_entries_without_a_title_or_an_id() -> None:
    text = """## Papers
- [[pdf]](https://arxiv.org/abs/2401.00001)
- [NeurIPS 2021](https://arxiv.org/abs/2401.00002)
- [A Paper Title](https://proceedings.mlr.press/v1/a.pdf)
- **Another Paper Title** [pdf](https://x.org/a.pdf)
"""
    audit = audit_of(text)
    assert [(n.line, n.reason) for n in audit.titles_not_title_like] == [
        (2, "empty"),
        (3, "empty"),
    ]
    assert [(n.line, n.reason) for n in audit.entries_without_id] == [
        (4, "links a paper page without an id"),
        (5, "links a paper page without an id"),
    ]


def test_dropped_nested_elements_are_reported_with_their_ids() -> None:
    depth = blocks.MAX_NESTING // 2 + 2
    text = "".join(
        "  " * i + f"- [Nested Paper {i}](https://arxiv.org/abs/2401.{i:05d})\n"
        for i in range(depth)
    )
    audit = audit_of(text)
    (dropped,) = audit.dropped_elements
    assert dropped.end_line == depth and "nested deeper" in dropped.reason
    lost = {(o.line, o.reason) for o in audit.ids_outside_entries}
    assert lost == {(line, OutsideReason.DROPPED) for line in range(dropped.line, depth + 1)}
    assert audit.ids_in_entries + len(lost) == audit.ids_in_text == depth
