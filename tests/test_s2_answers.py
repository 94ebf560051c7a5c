"""Reading S2 batch answers: every id gets its own paper, matched through the ids items carry."""

from __future__ import annotations

from typing import Any

import pytest

from enrich.sources.s2_answers import Found, TransientError, align_batch

URL = "http://s2.test/graph/v1/paper/batch"


def paper(letter: str, **external: str) -> dict[str, Any]:
    return {"paperId": letter * 40, "title": letter.upper(), "externalIds": external}


def papers(found: list[Found]) -> list[str | None]:
    return [None if f.paper is None else f.paper["title"] for f in found]


def test_an_aligned_answer_with_nulls_gives_papers_and_not_found() -> None:
    found = align_batch(
        ["ARXIV:2401.00001", "DOI:10.1/X", "ACL:2024.acl-long.1"],
        [paper("a", ArXiv="2401.00001"), None, paper("c", ACL="2024.acl-long.1")],
        URL,
    )
    assert papers(found) == ["A", None, "C"]
    assert [f.failure for f in found] == [None, None, None]


def test_dois_match_whatever_their_case_and_arxiv_dois_match_the_arxiv_id() -> None:
    found = align_batch(
        ["DOI:10.1145/ABC.1", "DOI:10.48550/arXiv.2401.00002"],
        [paper("a", DOI="10.1145/abc.1"), paper("b", ArXiv="2401.00002")],
        URL,
    )
    assert papers(found) == ["A", "B"]


@pytest.mark.parametrize(
    ("url_id", "external"),
    [
        ("URL:https://arxiv.org/abs/2401.00001v3", {"ArXiv": "2401.00001"}),
        ("URL:https://dl.acm.org/doi/10.1145/3219819.3220007", {"DOI": "10.1145/3219819.3220007"}),
        ("URL:https://aclweb.org/anthology/P19-1001.pdf", {"ACL": "P19-1001"}),
    ],
)
def test_url_ids_whose_link_names_a_paper_id_are_checked_like_that_id(
    url_id: str, external: dict[str, str]
) -> None:
    right = align_batch([url_id, "ARXIV:2401.09999"], [paper("a", **external), None], URL)
    assert papers(right) == ["A", None]
    wrong = align_batch(
        [url_id, "ARXIV:2401.09999"],
        [paper("b", **{name: "other" for name in external}), paper("c", ArXiv="2401.09999")],
        URL,
    )
    assert wrong[0].paper is None and wrong[0].failure is not None
    assert "different paper" in wrong[0].failure


def test_a_url_id_with_nothing_to_check_is_taken_by_position_only_in_a_proven_aligned_answer() -> (
    None
):
    ids = ["URL:https://dl.acm.org/citation.cfm?id=123", "ARXIV:2401.00002"]
    aligned = align_batch(ids, [paper("a"), paper("b", ArXiv="2401.00002")], URL)
    assert papers(aligned) == ["A", "B"]
    swapped = align_batch(ids, [paper("b", ArXiv="2401.00002"), paper("a")], URL)
    assert papers(swapped) == [None, "B"]
    assert swapped[0].failure is not None and "does not show" in swapped[0].failure


def test_one_paper_repeated_without_ids_is_an_unusable_answer() -> None:
    anonymous = {"paperId": "a" * 40, "title": "A"}
    with pytest.raises(TransientError, match="cannot be matched"):
        align_batch(["ARXIV:2401.00001", "ARXIV:2401.00002"], [anonymous, anonymous], URL)


def test_an_answer_of_the_wrong_length_or_shape_is_unusable() -> None:
    with pytest.raises(TransientError, match="not a list of 2 items"):
        align_batch(["ARXIV:1", "ARXIV:2"], [None], URL)
    with pytest.raises(TransientError, match="neither null nor a paper"):
        align_batch(["ARXIV:1"], [{"title": "no paperId"}], URL)


def test_a_null_in_an_answer_out_of_order_cannot_be_trusted() -> None:
    found = align_batch(
        ["ARXIV:2401.00001", "ARXIV:2401.00002", "ARXIV:2401.00003"],
        [paper("c", ArXiv="2401.00003"), None, paper("a", ArXiv="2401.00001")],
        URL,
    )
    assert papers(found) == ["A", None, "C"]
    assert found[1].failure == "S2's answer is out of order and has nothing for this id"
