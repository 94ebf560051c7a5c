"""Lookup planning: what to ask arXiv and S2 for, and which titles to match for suggestions."""

from __future__ import annotations

from paper_builders import (
    arxiv_record,
    entry,
    extracted,
    not_found,
    ok,
    result,
    run_input,
    s2_record,
)

from enrich.contract import FlagKind
from enrich.models import EntryKind, TitleQuery
from enrich.papers.checks import title_key
from enrich.papers.lookups import plan_lookups, plan_suggestions, title_suggestions
from enrich.publish.snapshot import build_snapshot

MIXTRAL = "Mixtral of Experts"
QMOE = "QMoE: Practical Sub-1-Bit Compression of Trillion-Parameter Models"
JETMOE = "JetMoE: Reaching Llama2 Performance with 0.1M Dollars"
NERF = "Switch-NeRF: Learning Scene Decomposition with Mixture of Experts"
CVF = "https://openaccess.thecvf.com/content/ICCV2023/papers/Chen_AdaMV-MoE_paper.pdf"


def test_plan_asks_each_source_once_per_id_and_title() -> None:
    lists = [
        extracted(
            "a",
            entry("a", 1, MIXTRAL, arxiv=["2401.04088"]),
            entry("a", 2, "MMoE", doi=["10.1145/3219819.3220007"]),
            entry("a", 3, NERF, openreview=["PQ2zoIZqvm"], year="2023"),
            entry("a", 4, "AdaMV-MoE: Adaptive Multi-Task Vision MoE", paper_urls=[CVF]),
            entry("a", 5, "A Book", doi=["10.1007/978-3-031-23190-2"], kind=EntryKind.BOOK),
            entry("a", 6, "A Course", kind=EntryKind.COURSE),
        ),
        extracted(
            "b",
            entry("b", 1, MIXTRAL, arxiv=["2401.04088"]),
            entry("b", 2, "Switch-NeRF: learning scene decomposition with mixture-of-experts"),
            entry("b", 3, "ACM paper", paper_urls=["https://dl.acm.org/doi/abs/xyz"]),
        ),
    ]
    plan = plan_lookups(lists)
    assert plan.arxiv_ids == ["arxiv:2401.04088"]
    assert plan.s2_ids == [
        "arxiv:2401.04088",
        "doi:10.1007/978-3-031-23190-2",
        "doi:10.1145/3219819.3220007",
        "url:https://dl.acm.org/doi/abs/xyz",
    ]
    # OpenReview and CVF links have no id S2 accepts; the two Switch-NeRF spellings are one query
    assert [q.key for q in plan.title_queries] == sorted(
        [title_key("AdaMV-MoE: Adaptive Multi-Task Vision MoE"), title_key(NERF)]
    )
    nerf = next(q for q in plan.title_queries if q.key == title_key(NERF))
    assert nerf == TitleQuery(key=title_key(NERF), title=NERF, year=2023)


def test_suggestions_are_planned_for_rows_whose_title_is_another_paper() -> None:
    lory = "Lory: Fully Differentiable Mixture-of-Experts for Autoregressive Language Models"
    lists = [
        extracted(
            "a",
            entry("a", 1, QMOE, arxiv=["2310.16795"]),
            entry("a", 2, lory, arxiv=["2310.16795"]),
            entry("a", 3, JETMOE, arxiv=["2404.07413"]),
        )
    ]
    arxiv = result("arxiv", ok("arxiv:2310.16795", arxiv_record("2310.16795", QMOE)))
    queries = plan_suggestions(lists, arxiv, result("s2"), result("s2"))
    assert [q.title for q in queries] == [lory]
    answered = result("s2", not_found(title_key(lory)))
    assert plan_suggestions(lists, arxiv, result("s2"), answered) == []


def test_rows_naming_a_paper_fetched_in_this_run_need_no_title_match() -> None:
    """Swapped links (seed list 001: the MoLE and JetMoE rows) are resolved without a request."""
    lists = [
        extracted(
            "a",
            entry("a", 1, QMOE, arxiv=["2310.16795"]),
            entry("a", 2, JETMOE, arxiv=["2310.16795"]),
            entry("a", 3, QMOE, arxiv=["2404.07413"]),
        )
    ]
    arxiv = result(
        "arxiv",
        ok("arxiv:2310.16795", arxiv_record("2310.16795", QMOE)),
        ok("arxiv:2404.07413", arxiv_record("2404.07413", JETMOE)),
    )
    assert plan_suggestions(lists, arxiv, result("s2"), result("s2")) == []
    # ... and the snapshot still names the paper each swapped row means.
    snapshot = build_snapshot(run_input("r1", lists, arxiv=arxiv), None)
    suggested = {
        e.line: [f.suggested_id for f in e.flags if f.flag == FlagKind.TITLE_MISMATCH]
        for e in snapshot.lists["a"].entries
    }
    assert suggested == {11: [], 12: ["arxiv:2404.07413"], 13: ["arxiv:2310.16795"]}


def test_a_row_with_s2s_spelling_of_a_title_arxiv_spells_otherwise_is_still_matched() -> None:
    """The record carries arXiv's title, so a row using S2's differs from every record title:
    only a title match can name its paper."""
    s2_spelling = "JetMoE: Reaching LLaMA-2 Performance with 100k Dollars"
    lists = [
        extracted(
            "a",
            entry("a", 1, s2_spelling, arxiv=["2310.16795"]),
            entry("a", 2, "JetMoE", arxiv=["2404.07413"]),
        )
    ]
    arxiv = result(
        "arxiv",
        ok("arxiv:2310.16795", arxiv_record("2310.16795", QMOE)),
        ok("arxiv:2404.07413", arxiv_record("2404.07413", JETMOE)),
    )
    s2 = result(
        "s2",
        ok("arxiv:2404.07413", s2_record("s2j", s2_spelling, external_ids={"ArXiv": "2404.07413"})),
    )
    queries = plan_suggestions(lists, arxiv, s2, result("s2"))
    assert [q.title for q in queries] == [s2_spelling]


def test_title_suggestions_prefer_the_arxiv_id() -> None:
    titles = result(
        "s2",
        ok(title_key(QMOE), s2_record("s2q", QMOE, external_ids={"ArXiv": "2310.16795"})),
        ok(title_key(NERF), s2_record("s2n", NERF)),
        not_found(title_key(JETMOE)),
    )
    assert title_suggestions(titles) == {
        title_key(QMOE): "arxiv:2310.16795",
        title_key(NERF): "s2:s2n",
    }
