"""Fixes of a list's rows (enrich.papers.fixes): which changes the evidence supports, where
they are written, in the row's own form, and why a flagged row is left as it is."""

from __future__ import annotations

from typing import Any

import pytest
from paper_builders import arxiv_record, ok, result, s2_record

from enrich.contract import FlagKind
from enrich.lists.extract import extract_list
from enrich.lists.identifiers import parse_link
from enrich.lists.read import ListText
from enrich.models import Identifiers, ListInfo
from enrich.papers.checks import check_entries, title_key
from enrich.papers.fixes import (
    Fix,
    FixKind,
    ListFixes,
    _KnownPapers,
    _Planner,
    relinked,
    repaired_link,
    split_lines,
    suggest_fixes,
)
from enrich.papers.lookups import preferred_id, title_suggestions
from enrich.papers.records import reconcile, settle_publication

QMOE = "QMoE: Practical Sub-1-Bit Compression of Trillion-Parameter Models"
JETMOE = "JetMoE: Reaching Llama2 Performance with 0.1M Dollars"
FFD = "MoE-FFD: Mixture of Experts for Face Forgery Detection"
DEEPSEEK = "DeepSeekMoE: Towards Ultimate Expert Specialization"
ACL = "Annual Meeting of the Association for Computational Linguistics"
NEURIPS = "Neural Information Processing Systems"

TABLE = f"""# Papers

| Name | Paper | Venue | Year |
| --- | --- | --- | --- |
| QMoE | [{QMOE}](https://arxiv.org/abs/2310.16795) | arXiv | 2023 |
| JetMoE | [{JETMOE}](https://arxiv.org/pdf/2310.16795v2.pdf) | arXiv | 2024 |
| JetMoE | [{JETMOE}](https://arxiv.org/abs/2404.07413) | arXiv | 2024 |
| FFD | [{FFD}](https:/FFD/arxiv.org/abs/2404.08452) | arXiv 2024 | 2024 |
"""


def fixes_of(text: str, *, arxiv: Any = (), s2: Any = (), titles: Any = ()) -> ListFixes:
    """The fixes of ``text`` after the checks, as a snapshot makes them (records settled, title
    matches as suggestions)."""
    listed = extract_list(ListText(info=ListInfo(source="github:o/r", name="l"), text=text))
    arxiv_result, s2_result = result("arxiv", *arxiv), result("s2", *s2)
    titles_result = result("s2", *titles)
    reconciled = reconcile([listed], arxiv_result, s2_result, titles_result)
    records = {r.paper_id: settle_publication(r) for r in reconciled.records}
    flags = check_entries(reconciled.entries, records, title_suggestions(titles_result))
    matched = {
        preferred_id(o.record): o.record for o in titles_result.outcomes.values() if o.record
    }
    return suggest_fixes(text, reconciled.entries, flags, records, matched)


def fetched(arxiv_id: str, title: str) -> Any:
    return ok(f"arxiv:{arxiv_id}", arxiv_record(arxiv_id, title))


def published(arxiv_id: str, title: str, venue: str, **ids: str) -> Any:
    external = {"ArXiv": arxiv_id, **ids}
    return ok(
        f"arxiv:{arxiv_id}", s2_record(f"s2{arxiv_id}", title, venue=venue, external_ids=external)
    )


def patched(text: str, fixes: ListFixes) -> list[str]:
    lines = split_lines(text)
    for number, line in fixes.changed_lines(lines).items():
        lines[number - 1] = line
    return lines


# --------------------------------------------------------------------------- links


def test_a_link_to_another_paper_points_to_the_paper_the_title_names_in_the_same_form() -> None:
    fixes = fixes_of(
        TABLE,
        arxiv=[
            fetched("2310.16795", QMOE),
            fetched("2404.07413", JETMOE),
            fetched("2404.08452", FFD),
        ],
    )
    link = next(f for f in fixes.fixes if f.kind is FixKind.LINK)
    assert (link.line, link.old) == (6, "https://arxiv.org/pdf/2310.16795v2.pdf")
    assert link.new == "https://arxiv.org/pdf/2404.07413.pdf"  # pdf form kept, version dropped
    assert link.evidence[:2] == [
        f"The link gives arxiv:2310.16795, titled {QMOE!r}.",
        f"The row's title {JETMOE!r} is the title of arxiv:2404.07413, {JETMOE!r} (arXiv).",
    ]
    assert "After this change the row lists the same paper as line 7" in link.evidence[-1]
    lines = patched(TABLE, fixes)
    assert (
        lines[5] == f"| JetMoE | [{JETMOE}](https://arxiv.org/pdf/2404.07413.pdf) | arXiv | 2024 |"
    )
    # the duplicate it made through its wrong link is reported, not removed
    duplicate = next(r for r in fixes.remarks if r.flag is FlagKind.DUPLICATE and r.line == 6)
    assert "only through its wrong link" in duplicate.reason


def test_a_malformed_link_is_repaired_from_the_host_inside_it() -> None:
    fixes = fixes_of(TABLE, arxiv=[fetched("2310.16795", QMOE), fetched("2404.08452", FFD)])
    repair = next(f for f in fixes.fixes if f.kind is FixKind.MALFORMED_LINK)
    assert (repair.line, repair.old, repair.new) == (
        8,
        "https:/FFD/arxiv.org/abs/2404.08452",
        "https://arxiv.org/abs/2404.08452",
    )
    assert patched(TABLE, fixes)[7] == (
        f"| FFD | [{FFD}](https://arxiv.org/abs/2404.08452) | arXiv 2024 | 2024 |"
    )


@pytest.mark.parametrize(
    ("malformed", "repaired"),
    [
        ("https:/FFD/arxiv.org/abs/2404.08452", "https://arxiv.org/abs/2404.08452"),
        ("http//arxiv.org/pdf/2404.08452v2.pdf", "https://arxiv.org/pdf/2404.08452v2.pdf"),
        ("http:/arxiv.org/abs/2404.08452", "http://arxiv.org/abs/2404.08452"),
        ("https:/x/doi.org/10.1145/3219819.3220007", "https://doi.org/10.1145/3219819.3220007"),
        (
            "[https://arxiv.org/abs/2404.08452](https://arxiv.org/abs/2404.08452)",
            "https://arxiv.org/abs/2404.08452",
        ),
    ],
)
def test_repaired_links_give_the_same_id_well_formed(malformed: str, repaired: str) -> None:
    assert repaired_link(malformed) == repaired
    assert parse_link(repaired).paper_id == parse_link(malformed).paper_id
    assert "malformed_link" not in parse_link(repaired).flags


@pytest.mark.parametrize(
    "url", ["https://arxiv.org/abs/2404.08452", "https:/FFD/example.org/paper", "not a link"]
)
def test_links_that_are_fine_or_give_no_id_are_not_repaired(url: str) -> None:
    assert repaired_link(url) is None


def test_relinked_keeps_the_form_and_refuses_what_it_cannot_write() -> None:
    arxiv = parse_link("https://arxiv.org/abs/2310.16795")
    assert relinked(
        "https://arxiv.org/abs/2310.16795", arxiv, Identifiers(arxiv=["2404.07413"])
    ) == ("https://arxiv.org/abs/2404.07413")
    doi = parse_link("https://doi.org/10.1145/3219819.3220007")
    assert (
        relinked("https://doi.org/10.1145/3219819.3220007", doi, Identifiers(arxiv=["2404.07413"]))
        is None
    )
    twice = "https://arxiv.org/abs/2310.16795#2310.16795"
    assert relinked(twice, parse_link(twice), Identifiers(arxiv=["2404.07413"])) is None


def test_no_link_change_without_a_sure_paper_for_the_title() -> None:
    # A row whose title is only close to the paper's: flagged, reported, not changed.
    row = f"{JETMOE} and friends, revisited"
    text = f"- [{row}](https://arxiv.org/abs/2310.16795)\n"
    matched = ok(title_key(row), s2_record("s2jet", JETMOE, external_ids={"ArXiv": "2404.07413"}))
    fixes = fixes_of(text, arxiv=[fetched("2310.16795", QMOE)], titles=[matched])
    assert fixes.fixes == []
    [remark] = fixes.remarks
    assert remark.flag is FlagKind.TITLE_MISMATCH
    assert "not close enough to the title of arxiv:2404.07413" in remark.reason


def test_a_row_that_gives_only_a_name_gets_no_change() -> None:
    text = "| Model | Paper |\n| --- | --- |\n| MLLMs | [pdf](https://arxiv.org/abs/2404.08452) |\n"
    fixes = fixes_of(text, arxiv=[fetched("2404.08452", FFD)])
    assert fixes.fixes == []


def test_a_reference_link_is_reported_not_changed() -> None:
    text = f"- [{JETMOE}][ref] (arXiv)\n- [{QMOE}](https://arxiv.org/abs/2310.16795)\n\n[ref]: https://arxiv.org/abs/2310.16795\n"
    fixes = fixes_of(
        text,
        arxiv=[fetched("2310.16795", QMOE)],
        titles=[
            ok(title_key(JETMOE), s2_record("s2jet", JETMOE, external_ids={"ArXiv": "2404.07413"}))
        ],
    )
    assert [f for f in fixes.fixes if f.kind is FixKind.LINK] == []
    assert any("not written plainly" in r.reason for r in fixes.remarks)


# --------------------------------------------------------------------------- venues


def _venue_list(label: str, *rows: str) -> str:
    return (
        "| Paper | Venue |\n| --- | --- |\n"
        + "".join(rows)
        + f"| [{DEEPSEEK}](https://arxiv.org/abs/2401.06066) | {label} |\n"
    )


def test_a_preprint_label_becomes_the_venue_confirmed_by_a_doi() -> None:
    text = _venue_list("arXiv")
    fixes = fixes_of(
        text,
        arxiv=[fetched("2401.06066", DEEPSEEK)],
        s2=[published("2401.06066", DEEPSEEK, ACL, DOI="10.18653/v1/2024.acl-long.70")],
    )
    [venue] = fixes.fixes
    assert (venue.kind, venue.old, venue.new) == (FixKind.VENUE, "arXiv", "ACL")
    assert venue.evidence == [
        f"Semantic Scholar gives the venue {ACL!r} (2024) for arxiv:2401.06066.",
        "DOI of the published version: 10.18653/v1/2024.acl-long.70 "
        "(https://doi.org/10.18653/v1/2024.acl-long.70).",
    ]
    assert patched(text, fixes)[2].endswith("| ACL |")


def test_without_a_doi_or_journal_reference_the_venue_is_reported_not_changed() -> None:
    text = _venue_list("arXiv")
    only_arxiv_doi = published("2401.06066", DEEPSEEK, NEURIPS, DOI="10.48550/arXiv.2401.06066")
    fixes = fixes_of(text, arxiv=[fetched("2401.06066", DEEPSEEK)], s2=[only_arxiv_doi])
    assert fixes.fixes == []
    [remark] = fixes.remarks
    assert remark.flag is FlagKind.PUBLISHED_SINCE
    assert "no DOI of a published version" in remark.reason


def test_a_journal_reference_naming_the_venue_confirms_it() -> None:
    text = _venue_list("arXiv 2023")
    record = arxiv_record("2401.06066", DEEPSEEK).model_copy(
        update={"journal_ref": "NeurIPS 2024 (spotlight)"}
    )
    fixes = fixes_of(
        text,
        arxiv=[ok("arxiv:2401.06066", record)],
        s2=[published("2401.06066", DEEPSEEK, NEURIPS)],
    )
    [venue] = fixes.fixes
    assert (venue.old, venue.new) == ("arXiv 2023", "NeurIPS 2024")  # year of the venue
    assert venue.evidence[-1] == "arXiv's journal reference says 'NeurIPS 2024 (spotlight)'."


def test_the_list_own_label_and_year_form_are_used() -> None:
    # The list writes "NIPS'22" for a NeurIPS paper elsewhere: its label and its year form.
    other = "| [Vision Mixture of Experts](https://arxiv.org/abs/2106.05974) | NIPS'21 |\n"
    text = _venue_list("arXiv", other)
    fixes = fixes_of(
        text,
        arxiv=[fetched("2401.06066", DEEPSEEK), fetched("2106.05974", "Vision Mixture of Experts")],
        s2=[
            published("2401.06066", DEEPSEEK, NEURIPS, DOI="10.5555/1"),
            published("2106.05974", "Vision Mixture of Experts", NEURIPS),
        ],
    )
    [venue] = fixes.fixes
    assert venue.new == "NIPS'24"


def test_a_label_written_twice_in_the_row_is_not_changed() -> None:
    text = f"- **{DEEPSEEK}** arXiv, [[Paper](https://arxiv.org/abs/2401.06066)] (arXiv)\n"
    fixes = fixes_of(
        text,
        arxiv=[fetched("2401.06066", DEEPSEEK)],
        s2=[published("2401.06066", DEEPSEEK, ACL, DOI="10.18653/v1/2024.acl-long.70")],
    )
    assert [f for f in fixes.fixes if f.kind is FixKind.VENUE] == []


def test_two_dois_are_sources_that_do_not_agree() -> None:
    text = _venue_list("arXiv")
    record = arxiv_record("2401.06066", DEEPSEEK).model_copy(update={"doi": "10.1000/one"})
    fixes = fixes_of(
        text,
        arxiv=[ok("arxiv:2401.06066", record)],
        s2=[published("2401.06066", DEEPSEEK, ACL, DOI="10.1000/two")],
    )
    assert fixes.fixes == []
    assert "do not agree" in fixes.remarks[0].reason


# --------------------------------------------------------------------------- whole list


def test_a_text_with_bare_carriage_returns_gets_no_fixes() -> None:
    text = TABLE.replace("\n", "\r")
    fixes = fixes_of(text, arxiv=[fetched("2404.08452", FFD)])
    assert fixes.fixes == [] and fixes.skipped is not None


def test_changed_lines_applies_every_fix_of_a_line_and_refuses_a_wrong_one() -> None:
    line = "| [T](https://arxiv.org/abs/1) | arXiv |"
    url, venue = line.index("https"), line.index("arXiv")
    fixes = ListFixes(
        fixes=[
            Fix(
                kind=FixKind.VENUE,
                position=1,
                line=1,
                column=venue,
                old="arXiv",
                new="ICML",
                title="T",
                evidence=[],
            ),
            Fix(
                kind=FixKind.LINK,
                position=1,
                line=1,
                column=url,
                old="https://arxiv.org/abs/1",
                new="https://arxiv.org/abs/22",
                title="T",
                evidence=[],
            ),
        ]
    )
    assert fixes.changed_lines([line]) == {1: "| [T](https://arxiv.org/abs/22) | ICML |"}
    with pytest.raises(ValueError, match="does not hold"):
        fixes.changed_lines(["something else entirely, longer than forty characters"])


def test_two_changes_of_one_span_keep_the_first_and_report_the_other() -> None:
    # Defensive: the planners never locate overlapping spans today; a future one might.
    listed = extract_list(ListText(info=ListInfo(source="x.md", name="l"), text=TABLE))
    row = listed.entries[0]
    planner = _Planner(split_lines(TABLE), _KnownPapers({}, {}))
    planner.add(row, FixKind.LINK, (5, 10), "QMoE: Practical", "Q", ["first"])
    planner.add(row, FixKind.VENUE, (5, 16), "Practical Sub", "P", ["second"])
    planner.add(row, FixKind.LINK, (5, 10), "QMoE: Practical", "Q", ["first"])  # planned twice
    planner.relinked_to[row.position] = "arxiv:1"
    planner.drop_overlaps()
    result = planner.result()
    assert [f.evidence for f in result.fixes] == [["first"]]
    assert [(r.flag, r.reason) for r in result.remarks] == [
        (
            FlagKind.PUBLISHED_SINCE,
            "the change of 'Practical Sub' overlaps another change on its line",
        )
    ]
