"""An entry's links: roles, ids (linked and written as text), and where each target is written."""

from __future__ import annotations

import pytest

from enrich.lists.blocks import read_document
from enrich.lists.extract import extract_entries
from enrich.lists.identifiers import IdKind
from enrich.lists.inline import LinkForm, Unit
from enrich.lists.links import (
    add_text_links,
    has_paper_link,
    is_anchor,
    link_role,
    locate_targets,
    read_links,
    text_ids,
)
from enrich.models import LinkRole


def unit_of(text: str) -> Unit:
    doc = read_document(text)
    unit = doc.units[0]
    add_text_links(unit)
    locate_targets([unit], doc.lines)
    return unit


@pytest.mark.parametrize(
    ("row", "target"),
    [
        ("- [x](https://arxiv.org/abs/2401.04088)", "https://arxiv.org/abs/2401.04088"),
        ("- [x](<https://arxiv.org/abs/2401.04088>)", "<https://arxiv.org/abs/2401.04088>"),
        ("- [x]( https://arxiv.org/abs/2401.04088 )", "https://arxiv.org/abs/2401.04088"),
        ("- [x](https://a.org/x\\_y)", "https://a.org/x\\_y"),
        ("- [x](https://a.org/?a=1&amp;b=2)", "https://a.org/?a=1&amp;b=2"),
        ('- <a href="https://arxiv.org/abs/2401.04088">x</a>', "https://arxiv.org/abs/2401.04088"),
        ("- see https://arxiv.org/abs/2401.04088.", "https://arxiv.org/abs/2401.04088"),
        ("- <https://arxiv.org/abs/2401.04088>", "https://arxiv.org/abs/2401.04088"),
    ],
)
def test_each_link_keeps_its_target_as_written(row: str, target: str) -> None:
    (link,) = unit_of(row + "\n").links
    assert link.line == 1 and link.target == target
    assert target in row  # it can be found and replaced in the text


def test_a_label_wrapped_over_two_lines_has_its_target_on_the_second() -> None:
    unit = unit_of("- [Learning to\n  Translate](https://aclweb.org/anthology/J93-2003). 1993\n")
    (link,) = unit.links
    assert (link.line, link.target) == (2, "https://aclweb.org/anthology/J93-2003")


def test_many_links_on_one_line_are_located_in_order() -> None:
    row = "- " + " ".join(f"[p{i}](https://arxiv.org/abs/2401.{i:05d})" for i in range(2000))
    unit = unit_of(row + "\n")
    assert [link.target for link in unit.links] == [
        f"https://arxiv.org/abs/2401.{i:05d}" for i in range(2000)
    ]


def test_a_reference_link_target_is_not_on_its_line() -> None:
    doc = read_document("- [Title][1]\n\n[1]: https://arxiv.org/abs/2401.04088\n")
    unit = doc.units[0]
    locate_targets([unit], doc.lines)
    (link,) = unit.links
    assert link.url == "https://arxiv.org/abs/2401.04088" and link.target is None


def test_roles() -> None:
    assert link_role("https://arxiv.org/abs/1", "x", IdKind.ARXIV, is_title_cell_link=False) is (
        LinkRole.PAPER
    )
    assert link_role("https://github.com/a/b", "x", IdKind.NONE, is_title_cell_link=False) is (
        LinkRole.CODE
    )
    assert link_role("https://a.org", "[code]", IdKind.NONE, is_title_cell_link=False) is (
        LinkRole.CODE
    )
    # a link labelled with a venue points at the paper
    assert link_role(
        "https://distill.pub/x", "NeurIPS20", IdKind.NONE, is_title_cell_link=False
    ) is (LinkRole.PAPER)
    assert link_role("https://a.org", "blog", IdKind.NONE, is_title_cell_link=False) is (
        LinkRole.OTHER
    )


def test_ids_written_as_text_count_only_when_no_paper_is_linked() -> None:
    linked = unit_of(
        '- Gregor, et al. "DRAW." arXiv preprint arXiv:1502.04623 (2015). '
        "[[pdf]](http://jmlr.org/proceedings/papers/v37/gregor15.pdf)\n"
    )
    assert text_ids(linked) == ["arxiv:1502.04623"]
    reading = read_links(linked, None)
    assert reading.ids.arxiv == [] and reading.paper_urls  # the linked PDF is the paper
    unlinked = unit_of("- Some Title. arXiv:1502.04623, doi:10.1145/3219819.3220007\n")
    reading = read_links(unlinked, None)
    assert (reading.ids.arxiv, reading.ids.doi) == (["1502.04623"], ["10.1145/3219819.3220007"])
    assert reading.links == [] and reading.has_paper


def test_ids_are_deduplicated_in_order_and_versions_flagged() -> None:
    unit = unit_of(
        "- [a](https://arxiv.org/abs/2401.04088v2) [b](https://arxiv.org/pdf/2401.04088) "
        "[c](https://openreview.net/forum?id=PQ2zoIZqvm) [d](https://www.cvf.com/x.pdf)\n"
    )
    reading = read_links(unit, None)
    assert reading.ids.arxiv == ["2401.04088"] and reading.ids.openreview == ["PQ2zoIZqvm"]
    assert "arxiv_version:2401.04088v2" in reading.flags
    assert reading.paper_urls == ["https://www.cvf.com/x.pdf"]


def test_bare_and_hostless_urls_are_links() -> None:
    unit = unit_of("- Paper: https://arxiv.org/abs/2303.03667 and arxiv.org/abs/2303.02165\n")
    assert [(link.url, link.form) for link in unit.links] == [
        ("https://arxiv.org/abs/2303.03667", LinkForm.BARE),
        ("arxiv.org/abs/2303.02165", LinkForm.BARE),
    ]
    assert read_links(unit, None).ids.arxiv == ["2303.03667", "2303.02165"]


def test_anchors_and_pages_of_the_repository_are_not_entry_links() -> None:
    assert is_anchor("#papers") and is_anchor("./#top-papers") and is_anchor("")
    assert is_anchor("CVPR2019-Papers-with-Code.md") and is_anchor("docs/list.md#x")
    assert not is_anchor("https://example.org/list.md")
    assert not is_anchor("papers/attention.pdf")


def test_has_paper_link() -> None:
    assert has_paper_link(unit_of("- [x](https://arxiv.org/abs/2401.04088)\n"))
    assert has_paper_link(unit_of("- x [NeurIPS20](https://distill.pub/x)\n"))
    assert not has_paper_link(unit_of("- [x](https://github.com/a/b)\n"))


def test_targets_that_are_not_plain_urls_still_give_their_id() -> None:
    text = (
        "- [a](<https://arxiv.org/abs/2401.00001 >)\n"
        "- [b]([https://arxiv.org/abs/2401.00002](https://arxiv.org/abs/2401.00002))\n"
        "- [c](https://arxiv.org/html/2401.00003v1)\n"
        "- [d](https://arxiv.org/ftp/arxiv/papers/1502/1502.01852.pdf)\n"
        "- [![arXiv](https://img.shields.io/badge/arXiv-b31b1b.svg)](https://arxiv.org/abs/2401.00005)\n"
        "- [f](https://arxiv.org/abs/hep-th/9901001)\n"
    )
    ids = [e.ids.arxiv for e in extract_entries(text, list_name="x")]
    assert ids == [
        ["2401.00001"],
        ["2401.00002"],
        ["2401.00003"],
        ["1502.01852"],
        ["2401.00005"],
        ["hep-th/9901001"],
    ]
