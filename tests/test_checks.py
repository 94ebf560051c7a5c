"""Entry checks: the title comparisons behind title_mismatch, and the flags of one list."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from paper_builders import T0, arxiv_record, entry, failed, not_found, ok
from truth_lists import WRONG_ROW, TruthRun, first_ids, truth_titles

from enrich.contract import (
    Appearance,
    FieldOrigin,
    FieldSource,
    FlagKind,
    PaperIds,
    PaperRecord,
)
from enrich.models import Entry, EntryKind, TitleSource
from enrich.papers.checks import (
    EntryEvidence,
    check_entries,
    fix_mojibake,
    has_real_title,
    is_acronym,
    is_preprint_venue,
    name_contradicts,
    name_describes,
    title_describes,
    title_key,
)
from enrich.titles import normalize_title

REPO = Path(__file__).resolve().parents[1]
SEED_TRUTH = REPO / "tests" / "data" / "lists" / "truth" / "seed_001.json"
CATALOG = REPO / "enrich" / "standin" / "data" / "papers.json"

# --------------------------------------------------------------------------- title comparisons


@pytest.mark.parametrize(
    ("row", "paper"),
    [
        ("Vision Mixture of Experts", "Scaling Vision with Sparse Mixture of Experts"),
        (
            "CuMo: Scaling Multimodal LLM with Co-Upcycled Mixture-of-ExpertsCuMo: Scaling "
            "Multimodal LLM with Co-Upcycled Mixture-of-Experts",
            "CuMo: Scaling Multimodal LLM with Co-Upcycled Mixture-of-Experts",
        ),
        (
            "Mixture-of-Experts Vision Transformer for Efficient Multi-task Learning with "
            "Model-Accelerator Co-design",
            "M$^3$ViT: Mixture-of-Experts Vision Transformer for Efficient Multi-task Learning "
            "with Model-Accelerator Co-design",
        ),
        (
            "Mixture-of-Experts Meets Instruction Tuning:A Winning Combination for Large "
            "Language Models",
            "Mixture-of-Experts Meets Instruction Tuning: A Winning Combination for Large "
            "Language Models",
        ),
        (
            "Tutel: Adaptive Mixture-of-Experts at Scale",
            "TUTEL: adaptive mixture of experts at scale",
        ),
        ("MMoE", "Multi-gate Mixture-of-Experts for Multi-task Learning"),
        ("QMoE", "QMoE: Practical Sub-1-Bit Compression of Trillion-Parameter Models"),
        # a title reworded between versions
        (
            "Sparse is Enough in Scaling Transformer",
            "Sparse is Enough in Scaling Transformers",
        ),
        ("Mixtral of Expert", "Mixtral of Experts"),
        ("", "Anything at all"),
    ],
)
def test_rows_that_name_their_paper_are_accepted(row: str, paper: str) -> None:
    assert title_describes(row, paper)


@pytest.mark.parametrize(
    ("row", "paper"),
    [
        (
            "QMoE: Practical Sub-1-Bit Compression of Trillion-Parameter Models",
            "JetMoE: Reaching Llama2 Performance with 0.1M Dollars",
        ),
        (
            "JetMoE: Reaching Llama2 Performance with 0.1M Dollars",
            "QMoE: Practical Sub-1-Bit Compression of Trillion-Parameter Models",
        ),
        # two papers of one field share words, not a subject
        (
            "Uni-MoE: Scaling Unified Multimodal LLMs with Mixture of Experts",
            "Scaling Vision with Sparse Mixture of Experts",
        ),
        ("Mixtral of Experts", "Mistral 7B"),
    ],
)
def test_rows_about_another_paper_are_rejected(row: str, paper: str) -> None:
    assert not title_describes(row, paper)


def test_names_are_matched_by_word_or_acronym() -> None:
    ffd = (
        "MoE-FFD: Mixture of Experts for Generalized and Parameter-Efficient Face Forgery Detection"
    )
    assert name_describes("MoE-FFD", [ffd])
    assert not name_describes("MLLMs", [ffd])
    assert name_describes("V-MoE", ["Scaling Vision with Sparse Mixture of Experts"])
    assert name_describes("MH-MoE", ["Multi-Head Mixture-of-Experts"])
    assert name_describes("DeepSpeed MoE", ["DeepSpeed-MoE: Advancing Mixture-of-Experts ..."])
    assert name_describes("MÂ³ViT", ["M³ViT: Mixture-of-Experts Vision Transformer"])
    assert name_describes(None, [ffd])


def test_a_name_is_contradicted_only_by_a_title_that_names_its_paper() -> None:
    ffd = (
        "MoE-FFD: Mixture of Experts for Generalized and Parameter-Efficient Face Forgery Detection"
    )
    assert name_contradicts("MLLMs", [ffd])
    assert not name_contradicts("MoE-FFD", [ffd])
    # model names their titles never mention are not contradicted
    assert not name_contradicts("GPT-3", ["Language Models are Few-Shot Learners"])
    assert not name_contradicts("Chinchilla", ["Training Compute-Optimal Large Language Models"])
    survey = "Routers in Vision Mixture of Experts: An Empirical Study"
    assert not name_contradicts("Routers", [survey])
    assert not name_contradicts("Anything", [survey])  # a long head is not a name


def test_acronyms_need_prefixes_of_two_words_in_order() -> None:
    assert is_acronym("GLaM", ["generalist", "language", "model"])
    assert is_acronym("MLLMs", ["multimodal", "large", "language", "models"])
    assert not is_acronym(
        "MLLMs", ["mixture", "of", "experts", "for", "face", "forgery", "detection"]
    )
    assert not is_acronym("moe", ["moe"])  # a word is not its own acronym


def test_mojibake_is_undone_and_clean_text_is_kept() -> None:
    assert fix_mojibake("MÂ³ViT") == "M³ViT"
    assert fix_mojibake("Lélio Renard Lavaud") == "Lélio Renard Lavaud"


def test_preprint_venues() -> None:
    assert is_preprint_venue("arXiv")
    assert is_preprint_venue("arXiv.org")
    assert is_preprint_venue("")
    assert is_preprint_venue(None)
    assert not is_preprint_venue("Neural Information Processing Systems")
    assert not is_preprint_venue("ICLR 2017")


def test_seed_rows_are_judged_as_a_careful_reader_would() -> None:
    """Every row of seed 001 against the real title of the paper it links: only the two rows
    with swapped ids disagree on the title, and only MLLMs and MoLE have a foreign name."""
    truth = json.loads(SEED_TRUTH.read_text(encoding="utf-8"))
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))["papers"]
    titles = {paper["key"]: paper["title"] for paper in catalog}
    title_mismatches, name_mismatches, judged = set(), set(), 0
    for row in truth["entries"]:
        if not row["arxiv"]:
            continue
        real = titles[f"arxiv:{row['arxiv'][0]}"]
        judged += 1
        if not title_describes(row["title"], real):
            title_mismatches.add(row["name"])
        if name_contradicts(row["name"], [row["title"], real]):
            name_mismatches.add(row["name"])
    assert judged == 39
    assert title_mismatches == {"MoLE", "JetMoE"}
    assert name_mismatches == {"MLLMs", "MoLE"}


# --------------------------------------------------------------------------- flags of a list


def record(
    paper_id: str, title: str, *, venue: str | None = None, stale: bool = False
) -> PaperRecord:
    sources = {"title": FieldSource(source=FieldOrigin.ARXIV, fetched_at=T0)}
    if venue is not None:
        sources["venue"] = FieldSource(source=FieldOrigin.S2, fetched_at=T0, stale=stale)
    return PaperRecord(
        paper_id=paper_id,
        kind=EntryKind.PAPER,
        ids=PaperIds(arxiv=[paper_id.removeprefix("arxiv:")]),
        title=title,
        venue=venue,
        sources=sources,
        appearances=[Appearance(list_name="l", position=1, line=11, title=title)],
    )


def evidence(row: Entry, paper_id: str | None = None, **outcomes: Any) -> EntryEvidence:
    key = f"arxiv:{row.ids.arxiv[0]}" if row.ids.arxiv else None
    return EntryEvidence(
        list_name=row.list_name,
        entry=row,
        linked_id=key,
        paper_id=paper_id if paper_id is not None else key,
        **outcomes,
    )


CVF_URL = "https://openaccess.thecvf.com/content/ICCV2023/papers/Chen_AdaMV-MoE_paper.pdf"
QMOE = "QMoE: Practical Sub-1-Bit Compression of Trillion-Parameter Models"
JETMOE = "JetMoE: Reaching Llama2 Performance with 0.1M Dollars"


def test_swapped_ids_are_duplicate_and_mismatch_with_the_suggested_paper() -> None:
    qmoe_row = entry("l", 1, QMOE, arxiv=["2310.16795"], name="QMoE", venue="arXiv")
    jet_row = entry("l", 2, JETMOE, arxiv=["2310.16795"], name="JetMoE", venue="arXiv")
    qmoe = ok("arxiv:2310.16795", arxiv_record("2310.16795", QMOE))
    records = {
        "arxiv:2310.16795": record("arxiv:2310.16795", QMOE, venue="MLSys"),
        "arxiv:2404.07413": record("arxiv:2404.07413", JETMOE),
    }
    flags = check_entries(
        [evidence(qmoe_row, arxiv=qmoe), evidence(jet_row, arxiv=qmoe)],
        records,
        {title_key(JETMOE): "arxiv:2404.07413"},
    )
    assert [f.flag for f in flags[0]] == [FlagKind.PUBLISHED_SINCE]
    kinds = {f.flag: f for f in flags[1]}
    assert set(kinds) == {FlagKind.DUPLICATE, FlagKind.TITLE_MISMATCH}
    duplicate = kinds[FlagKind.DUPLICATE]
    assert duplicate.first is not None and duplicate.first.position == 1
    mismatch = kinds[FlagKind.TITLE_MISMATCH]
    assert mismatch.field == "title"
    assert mismatch.fetched_title == QMOE
    assert mismatch.suggested_id == "arxiv:2404.07413"
    assert mismatch.linked_id == "arxiv:2310.16795"


def test_a_suggestion_falls_back_to_a_record_of_the_run_with_that_exact_title() -> None:
    row = entry("l", 1, JETMOE, arxiv=["2310.16795"])
    records = {"arxiv:2404.07413": record("arxiv:2404.07413", JETMOE)}
    fetched = ok("arxiv:2310.16795", arxiv_record("2310.16795", QMOE))
    [flags] = check_entries([evidence(row, arxiv=fetched)], records, {})
    assert flags[0].flag == FlagKind.TITLE_MISMATCH
    assert flags[0].suggested_id == "arxiv:2404.07413"


def test_a_record_titled_by_a_source_wins_over_one_titled_only_by_a_list_row() -> None:
    """Another row with the same title whose own link resolved to nothing (its record keeps the
    row's title) does not hide the paper a source gave that title."""
    row = entry("l", 1, JETMOE, arxiv=["2310.16795"])
    unconfirmed = record("doi:10.1/unknown", JETMOE).model_copy(
        update={"sources": {"title": FieldSource(source=FieldOrigin.LIST)}}
    )
    records = {
        "arxiv:2404.07413": record("arxiv:2404.07413", JETMOE),
        "doi:10.1/unknown": unconfirmed,
    }
    fetched = ok("arxiv:2310.16795", arxiv_record("2310.16795", QMOE))
    [flags] = check_entries([evidence(row, arxiv=fetched)], records, {})
    assert flags[0].suggested_id == "arxiv:2404.07413"
    two_confirmed = {**records, "arxiv:2501.00001": record("arxiv:2501.00001", JETMOE)}
    [flags] = check_entries([evidence(row, arxiv=fetched)], two_confirmed, {})
    assert flags[0].flag == FlagKind.TITLE_MISMATCH and flags[0].suggested_id is None


def test_a_row_with_only_a_name_is_compared_by_name_not_as_a_title() -> None:
    audiobox = "Audiobox: Unified Audio Generation with Natural Language Prompts"
    named = entry("l", 1, "Audiobox", arxiv=["2312.15821"]).model_copy(
        update={"title_source": TitleSource.NAME_ONLY, "name": "Audiobox"}
    )
    nickname = entry("l", 2, "CogAgent", arxiv=["2312.15821"]).model_copy(
        update={"title_source": TitleSource.NAME_ONLY, "name": "CogAgent"}
    )
    unnamed_paper = "Language Models are Few-Shot Learners"
    gpt3 = entry("l", 3, "GPT-3", arxiv=["2005.14165"]).model_copy(
        update={"title_source": TitleSource.LINK_TEXT}
    )
    flags = check_entries(
        [
            evidence(named, arxiv=ok("arxiv:2312.15821", arxiv_record("2312.15821", audiobox))),
            evidence(nickname, arxiv=ok("arxiv:2312.15821", arxiv_record("2312.15821", audiobox))),
            evidence(gpt3, arxiv=ok("arxiv:2005.14165", arxiv_record("2005.14165", unnamed_paper))),
        ],
        {},
        {},
    )
    mismatches = [[f for f in row if f.flag == FlagKind.TITLE_MISMATCH] for row in flags]
    # the name appears in the title: fine; a name the paper's own name contradicts: flagged,
    # as a name; a model name its paper's title never mentions (GPT-3): not flagged
    assert mismatches[0] == []
    assert [f.field for f in mismatches[1]] == ["name"]
    assert mismatches[2] == []


def test_rows_without_a_real_title_are_not_compared_as_titles() -> None:
    real = "Attention Is All You Need"
    for title, source in [
        ("[pdf]", TitleSource.TEXT),
        ("NeurIPS 2017", TitleSource.LINK_TEXT),
        ("", TitleSource.NONE),
    ]:
        row = entry("l", 1, title, arxiv=["1706.03762"]).model_copy(update={"title_source": source})
        assert not has_real_title(row)
        [flags] = check_entries(
            [evidence(row, arxiv=ok("arxiv:1706.03762", arxiv_record("1706.03762", real)))], {}, {}
        )
        assert flags == []
    wrong = entry("l", 1, "Deep Residual Learning for Image Recognition", arxiv=["1706.03762"])
    assert has_real_title(wrong)
    [flags] = check_entries(
        [evidence(wrong, arxiv=ok("arxiv:1706.03762", arxiv_record("1706.03762", real)))], {}, {}
    )
    assert [f.flag for f in flags] == [FlagKind.TITLE_MISMATCH]


def test_malformed_link_and_foreign_name_are_flagged() -> None:
    title = "MoE-FFD: Mixture of Experts for Face Forgery Detection"
    row = entry(
        "l",
        1,
        title,
        arxiv=["2404.08452"],
        name="MLLMs",
        flags=["malformed_link:https:/FFD/arxiv.org/abs/2404.08452"],
    )
    fetched = ok("arxiv:2404.08452", arxiv_record("2404.08452", title))
    [flags] = check_entries([evidence(row, arxiv=fetched)], {}, {})
    assert [f.flag for f in flags] == [FlagKind.MALFORMED_LINK, FlagKind.TITLE_MISMATCH]
    assert flags[0].link == "https:/FFD/arxiv.org/abs/2404.08452"
    assert flags[1].field == "name" and flags[1].suggested_id is None


def test_not_found_unresolved_and_unknown() -> None:
    missing = entry("l", 1, "A paper arXiv does not know", arxiv=["2499.00001"])
    no_id = entry("l", 2, "A paper without any link")
    unknown = entry("l", 3, "A paper whose lookup failed", arxiv=["2401.00001"])
    flags = check_entries(
        [
            evidence(
                missing, arxiv=not_found("arxiv:2499.00001"), s2=not_found("arxiv:2499.00001")
            ),
            evidence(no_id, title_match=not_found(title_key(no_id.title))),
            evidence(unknown, arxiv=failed("arxiv:2401.00001")),
        ],
        {},
        {},
    )
    assert [f.flag for f in flags[0]] == [FlagKind.NOT_FOUND]
    assert flags[0][0].source == "arxiv, s2"
    assert [f.flag for f in flags[1]] == [FlagKind.UNRESOLVED]
    assert flags[2] == []  # a failed lookup proves nothing
    acm = "https://dl.acm.org/doi/abs/xyz"
    by_url = entry("l", 4, "A paper S2 looks up by URL", paper_urls=[acm])
    asked = EntryEvidence(
        list_name="l", entry=by_url, linked_id=f"url:{acm}", s2=not_found(f"url:{acm}")
    )
    not_asked = EntryEvidence(list_name="l", entry=no_id)  # S2 disabled
    untitled = EntryEvidence(list_name="l", entry=entry("l", 5, "", paper_urls=[CVF_URL]))
    flags = check_entries([asked, not_asked, untitled], {}, {})
    assert [f.flag for f in flags[0]] == [FlagKind.UNRESOLVED]
    assert "Semantic Scholar found no paper" in flags[0][0].detail
    assert flags[1] == []
    # Nothing could be asked about a row with neither id nor title; the flag does not claim so.
    assert [f.detail for f in flags[2]] == [
        "line 15: the row links no paper id and it has no title to search for."
    ]


def test_published_since_needs_a_preprint_listing_and_a_real_venue() -> None:
    title = "MoVA: Adapting Mixture of Vision Experts to Multimodal Context"
    fetched = ok("arxiv:2404.13046", arxiv_record("2404.13046", title))
    listed_arxiv = entry("l", 1, title, arxiv=["2404.13046"], venue="arXiv")
    listed_venue = entry("m", 1, title, arxiv=["2404.13046"], venue="NeurIPS")
    published = {"arxiv:2404.13046": record("arxiv:2404.13046", title, venue="NeurIPS 2024")}
    preprint = {"arxiv:2404.13046": record("arxiv:2404.13046", title, venue="arXiv.org")}
    [flags] = check_entries([evidence(listed_arxiv, arxiv=fetched)], published, {})
    assert [(f.flag, f.venue) for f in flags] == [(FlagKind.PUBLISHED_SINCE, "NeurIPS 2024")]
    assert check_entries([evidence(listed_venue, arxiv=fetched)], published, {}) == [[]]
    assert check_entries([evidence(listed_arxiv, arxiv=fetched)], preprint, {}) == [[]]


def test_stale_values_are_flagged_with_the_date_they_were_fresh() -> None:
    title = "Mixtral of Experts"
    row = entry("l", 1, title, arxiv=["2401.04088"])
    stale = {"arxiv:2401.04088": record("arxiv:2401.04088", title, venue="ICML", stale=True)}
    fetched = ok("arxiv:2401.04088", arxiv_record("2401.04088", title))
    [flags] = check_entries(
        [evidence(row, arxiv=fetched, s2=failed("arxiv:2401.04088"))], stale, {}
    )
    [flag] = [f for f in flags if f.flag == FlagKind.STALE]
    assert flag.source == "s2"
    assert flag.last_fresh == T0


def test_entries_that_are_not_papers_are_not_checked() -> None:
    book = entry("l", 1, "A Book", kind=EntryKind.BOOK, flags=["malformed_link:x"])
    assert check_entries([evidence(book)], {}, {}) == [[]]


def test_only_later_occurrences_are_duplicates() -> None:
    title = "Mixtral of Experts"
    rows = [entry("l", i, title, arxiv=["2401.04088"]) for i in (1, 2, 3)]
    fetched = ok("arxiv:2401.04088", arxiv_record("2401.04088", title))
    flags = check_entries([evidence(r, arxiv=fetched) for r in rows], {}, {})
    assert [[f.flag for f in fs] for fs in flags] == [
        [],
        [FlagKind.DUPLICATE],
        [FlagKind.DUPLICATE],
    ]
    assert all(fs[0].first is not None and fs[0].first.line == 11 for fs in flags[1:])


# --------------------------------------------------------------------------- real lists

FALSE_ALARM_GATE = 0.01


def _catalog_papers() -> list[dict[str, Any]]:
    papers: list[dict[str, Any]] = json.loads(CATALOG.read_text(encoding="utf-8"))["papers"]
    return papers


def test_false_alarms_on_hand_checked_lists(
    truth_run: TruthRun, report_lines: Callable[[str, list[str]], None]
) -> None:
    """Rows a careful reader finds correct are not flagged title_mismatch (at most 1%), and
    every hand-found wrong row is flagged."""
    truths, list_files = truth_run.truths, truth_run.lists
    lines = []
    clean = alarms = wrong = caught = 0
    missed: list[str] = []
    false_alarms: list[str] = []
    wrong_suggestions: list[str] = []
    unjudged: list[str] = []
    served = set(truth_titles(truths)) | {paper["key"] for paper in _catalog_papers()}
    by_title: dict[str, set[str]] = {}
    for paper_id, title in truth_titles(truths).items():
        by_title.setdefault(normalize_title(title), set()).add(paper_id)
    for truth in truths:
        stem = Path(truth["file"]).stem
        by_line = {e.line: e for e in list_files[stem].entries}
        list_clean = list_alarms = 0
        for row in truth["entries"]:
            flags = {flag.split(":")[0] for flag in row["flags"]}
            if row["kind"] != "paper" or not first_ids(row) or "title_not_paper_title" in flags:
                continue  # a row that does not give its paper's title is not judged
            listed = by_line.get(row["line"])
            flagged = listed is not None and any(
                f.flag is FlagKind.TITLE_MISMATCH for f in listed.flags
            )
            if WRONG_ROW & flags:
                if not all(paper_id in served for paper_id in first_ids(row)):
                    unjudged.append(f"{stem}:{row['line']}")
                    continue  # the stand-in does not know what the linked id is called
                wrong += 1
                caught += flagged
                if not flagged:
                    missed.append(f"{stem}:{row['line']}")
                # the paper the row's title names, when a correct row gives it an id
                named = by_title.get(normalize_title(row["title"]), set()) - set(first_ids(row))
                if len(named) == 1 and listed is not None:
                    suggested = {f.suggested_id for f in listed.flags if f.suggested_id}
                    if suggested != named:
                        wrong_suggestions.append(f"{stem}:{row['line']} {suggested} != {named}")
            else:
                list_clean += 1
                list_alarms += flagged
                if flagged and listed is not None:
                    false_alarms.append(f"{stem}:{row['line']} {listed.title!r}")
        clean += list_clean
        alarms += list_alarms
        lines.append(
            f"{stem:<48} clean rows {list_clean:>4}, flagged title_mismatch {list_alarms:>3}"
        )
    rate = alarms / clean if clean else 0.0
    lines.append(
        f"all lists: {alarms}/{clean} clean rows flagged ({rate:.3%}, gate <= "
        f"{FALSE_ALARM_GATE:.0%}); hand-found wrong rows flagged: {caught}/{wrong}"
    )
    lines += [f"  false alarm: {alarm}" for alarm in false_alarms]
    lines += [
        f"  wrong row not judged (no title for its linked id in the stand-in): {row}"
        for row in unjudged
    ]
    report_lines("title_mismatch false alarms on the hand-checked lists", lines)
    assert rate <= FALSE_ALARM_GATE, false_alarms
    assert not missed, missed
    assert not wrong_suggestions, wrong_suggestions
