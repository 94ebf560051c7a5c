"""Reconciliation of entries and source records into paper records."""

from __future__ import annotations

import datetime as dt

from paper_builders import (
    T0,
    arxiv_record,
    disabled,
    entry,
    extracted,
    failed,
    not_found,
    ok,
    result,
    run_input,
    s2_record,
)

from enrich.contract import FieldOrigin, LookupState, PaperRecord, PublicationStatus
from enrich.models import ArxivRecord, S2Record
from enrich.papers.checks import title_key
from enrich.papers.records import previous_entry_key, reconcile
from enrich.publish.snapshot import build_snapshot

MIXTRAL = "Mixtral of Experts"
NERF = "Switch-NeRF: Learning Scene Decomposition with Mixture of Experts"
CVF = "https://openaccess.thecvf.com/content/ICCV2023/papers/Chen_AdaMV-MoE_paper.pdf"


# --------------------------------------------------------------------------- reconciliation


def test_a_paper_in_two_lists_and_a_title_matched_copy_is_one_record() -> None:
    lists = [
        extracted("a", entry("a", 1, MIXTRAL, arxiv=["2401.04088"], section=["LLM"])),
        extracted(
            "b",
            entry("b", 1, "Something else", arxiv=["2402.00001"]),
            entry("b", 2, MIXTRAL, arxiv=["2401.04088"]),
            entry("b", 3, MIXTRAL, openreview=["abcXYZ"]),
        ),
    ]
    mixtral_s2 = s2_record("s2mix", MIXTRAL, external_ids={"ArXiv": "2401.04088"}, citations=7)
    done = reconcile(
        lists,
        result("arxiv", ok("arxiv:2401.04088", arxiv_record("2401.04088", MIXTRAL))),
        result("s2", ok("arxiv:2401.04088", mixtral_s2)),
        result("s2", ok(title_key(MIXTRAL), mixtral_s2)),
    )
    by_id = {r.paper_id: r for r in done.records}
    assert sorted(by_id) == ["arxiv:2401.04088", "arxiv:2402.00001"]
    mixtral = by_id["arxiv:2401.04088"]
    assert [(a.list_name, a.position) for a in mixtral.appearances] == [
        ("a", 1),
        ("b", 2),
        ("b", 3),
    ]
    assert mixtral.ids.openreview == ["abcXYZ"] and mixtral.ids.s2 == ["s2mix"]
    assert mixtral.aliases == ["openreview:abcXYZ", "s2:s2mix"]
    assert [e.paper_id for e in done.entries] == [
        "arxiv:2401.04088",
        "arxiv:2402.00001",
        "arxiv:2401.04088",
        "arxiv:2401.04088",
    ]


def test_the_paper_id_comes_from_the_ids_the_lists_give() -> None:
    lists = [
        extracted(
            "a",
            entry("a", 1, "MMoE", doi=["10.1145/3219819.3220007"]),
            entry("a", 2, NERF, openreview=["PQ2zoIZqvm"]),
            entry("a", 3, "AdaMV-MoE", paper_urls=[CVF]),
            entry("a", 4, "No link at all"),
            entry("a", 5, "Found by title"),
            entry("a", 6, "Found by title, not on arXiv"),
        )
    ]
    nerf = s2_record("s2nerf", NERF, external_ids={"ArXiv": "2212.00001"})
    adamv = s2_record("s2adamv", "AdaMV-MoE", external_ids={"ArXiv": "2301.00001"})
    done = reconcile(
        lists,
        result("arxiv"),
        result("s2", not_found("doi:10.1145/3219819.3220007")),
        result(
            "s2",
            ok(title_key(NERF), nerf),
            ok(title_key("AdaMV-MoE"), adamv),
            not_found(title_key("No link at all")),
            ok(
                title_key("Found by title"), s2_record("s2t", "T", external_ids={"ArXiv": "2302.1"})
            ),
            ok(title_key("Found by title, not on arXiv"), s2_record("s2u", "U")),
        ),
    )
    assert [e.paper_id for e in done.entries] == [
        "doi:10.1145/3219819.3220007",
        # A list's id wins over every id a source adds: the paper keeps its id with or without S2.
        "openreview:PQ2zoIZqvm",
        f"url:{CVF}",
        None,
        # No list id: the source's, arXiv first, else the S2 paperId.
        "arxiv:2302.1",
        "s2:s2u",
    ]
    by_id = {r.paper_id: r for r in done.records}
    assert by_id["openreview:PQ2zoIZqvm"].aliases == ["arxiv:2212.00001", "s2:s2nerf"]
    assert by_id[f"url:{CVF}"].aliases == ["arxiv:2301.00001", "s2:s2adamv"]
    assert by_id[f"url:{CVF}"].paper_urls == [CVF]


def test_fields_follow_source_precedence_and_record_their_provenance() -> None:
    fetched_s2 = dt.datetime(2026, 1, 1, 3, 1, tzinfo=dt.UTC)
    lists = [extracted("a", entry("a", 1, "mixtral", arxiv=["2401.04088"]))]
    s2 = s2_record(
        "s2mix",
        "Mixtral of experts.",
        external_ids={"ArXiv": "2401.04088"},
        venue="arXiv.org",
        citations=1234,
        year=2023,
        authors=[("Albert Q. Jiang", "a1"), ("Alexandre Sablayrolles", "a2")],
        publication_date=dt.date(2024, 1, 8),
    )
    done = reconcile(
        lists,
        result(
            "arxiv",
            ok(
                "arxiv:2401.04088",
                arxiv_record(
                    "2401.04088", MIXTRAL, authors=["Albert Q. Jiang", "Alexandre Sablayrolles"]
                ),
            ),
        ),
        result("s2", ok("arxiv:2401.04088", s2, fetched_at=fetched_s2)),
        result("s2"),
    )
    [paper] = done.records
    assert paper.title == MIXTRAL
    assert paper.sources["title"].source == FieldOrigin.ARXIV
    assert paper.sources["title"].fetched_at == T0
    assert paper.citation_count == 1234
    assert paper.sources["citation_count"].source == FieldOrigin.S2
    assert paper.sources["citation_count"].fetched_at == fetched_s2
    # Not published elsewhere (S2's venue is the preprint server): said once, by the status.
    assert paper.publication_status == PublicationStatus.PREPRINT and paper.venue is None
    assert paper.publication_year is None and paper.publication_date is None
    # ... and its year is its first version's, as arXiv gives it (not S2's 2023).
    assert paper.year == 2024 and paper.sources["year"].source == FieldOrigin.ARXIV
    assert paper.arxiv_published == dt.date(2024, 1, 8)
    assert paper.categories == ["cs.LG", "cs.AI"]
    assert [(a.name, a.s2_id) for a in paper.authors] == [
        ("Albert Q. Jiang", "a1"),
        ("Alexandre Sablayrolles", "a2"),
    ]
    assert paper.sources["author_ids"].source == FieldOrigin.S2
    assert paper.open_access_pdf is None  # S2's "" means no PDF
    assert "open_access_pdf" not in paper.sources
    assert paper.lookups == {"arxiv": LookupState.OK, "s2": LookupState.OK}


def published_snapshot(
    s2: S2Record, arxiv_answer: ArxivRecord | None = None, **row_ids: list[str]
) -> PaperRecord:
    lists = [extracted("a", entry("a", 1, s2.title, **row_ids))]
    key = next(f"{kind}:{ids[0]}" for kind, ids in row_ids.items())
    run = run_input(
        "run-1",
        lists,
        arxiv=result("arxiv", *([ok(key, arxiv_answer)] if arxiv_answer is not None else [])),
        s2=result("s2", ok(key, s2)),
    )
    [paper] = build_snapshot(run, None).papers
    return paper


def test_a_published_preprint_keeps_its_arxiv_date_apart_from_the_published_version() -> None:
    """S2 gives the venue's year but an arXiv version's date (year 2025, date 2024-06-17, ICLR)."""
    s2 = s2_record(
        "s2x",
        MIXTRAL,
        external_ids={"ArXiv": "2401.04088"},
        venue="International Conference on Learning Representations",
        year=2025,
        publication_date=dt.date(2024, 1, 8),  # = arXiv v1 (the builder's "published")
    )
    paper = published_snapshot(s2, arxiv_record("2401.04088", MIXTRAL), arxiv=["2401.04088"])
    assert paper.arxiv_published == dt.date(2024, 1, 8)
    assert paper.publication_status == PublicationStatus.PUBLISHED
    assert paper.venue == "International Conference on Learning Representations"
    assert paper.publication_year == 2025 and paper.year == 2025
    assert paper.publication_date is None and "publication_date" not in paper.sources

    # The latest arXiv version's date is no published version's date either.
    latest = s2.model_copy(update={"year": 2024, "publication_date": dt.date(2024, 3, 1)})
    paper = published_snapshot(latest, arxiv_record("2401.04088", MIXTRAL), arxiv=["2401.04088"])
    assert paper.publication_date is None and paper.publication_year == 2024

    # A date of its own, in the venue's year, is the published version's.
    own = s2.model_copy(update={"publication_date": dt.date(2025, 4, 24)})
    paper = published_snapshot(own, arxiv_record("2401.04088", MIXTRAL), arxiv=["2401.04088"])
    assert paper.publication_date == dt.date(2025, 4, 24)
    assert paper.sources["publication_date"].source == FieldOrigin.S2

    # On arXiv, but arXiv did not answer: which date S2 gives cannot be told, so none.
    paper = published_snapshot(own, None, arxiv=["2401.04088"])
    assert paper.publication_date is None and paper.publication_year == 2025


def test_a_paper_not_on_arxiv_has_its_published_date_and_an_unknown_status_without_venue() -> None:
    kdd = s2_record("s2k", "MMoE", venue="KDD", year=2018, publication_date=dt.date(2018, 7, 19))
    paper = published_snapshot(kdd, doi=["10.1145/3219819.3220007"])
    assert (paper.year, paper.publication_year) == (2018, 2018)
    assert paper.publication_date == dt.date(2018, 7, 19) and paper.arxiv_published is None
    assert paper.publication_status == PublicationStatus.PUBLISHED

    bare = kdd.model_copy(update={"venue": None})
    paper = published_snapshot(bare, doi=["10.1145/3219819.3220007"])
    assert paper.publication_status is None and paper.venue is None  # unknown, not "preprint"
    assert paper.year == 2018 and paper.publication_date is None


def test_a_journal_reference_on_arxiv_is_no_preprint() -> None:
    s2 = s2_record("s2x", MIXTRAL, external_ids={"ArXiv": "2401.04088"}, venue="")
    noted = arxiv_record("2401.04088", MIXTRAL).model_copy(update={"journal_ref": "JMLR 25"})
    paper = published_snapshot(s2, noted, arxiv=["2401.04088"])
    assert paper.publication_status is None and paper.journal_ref == "JMLR 25"
    paper = published_snapshot(s2, arxiv_record("2401.04088", MIXTRAL), arxiv=["2401.04088"])
    assert paper.publication_status == PublicationStatus.PREPRINT


def test_lookup_states_tell_failure_from_absence() -> None:
    lists = [extracted("a", entry("a", 1, MIXTRAL, arxiv=["2401.04088"]))]
    done = reconcile(
        lists,
        result("arxiv", failed("arxiv:2401.04088")),
        disabled("s2"),
        disabled("s2"),
    )
    [paper] = done.records
    assert paper.lookups == {"arxiv": LookupState.FAILED, "s2": LookupState.DISABLED}
    assert paper.title == MIXTRAL and paper.sources["title"].source == FieldOrigin.LIST


def test_a_row_whose_title_match_failed_keeps_the_paper_it_resolved_to_before() -> None:
    lists = [extracted("a", entry("a", 1, NERF, openreview=["PQ2zoIZqvm"]))]
    remembered = {previous_entry_key("a", NERF): "arxiv:2212.00001"}
    done = reconcile(
        lists, result("arxiv"), result("s2"), result("s2", failed(title_key(NERF))), remembered
    )
    # The row's own id names the paper; the paper found before is one of its names.
    [paper] = done.records
    assert paper.paper_id == "openreview:PQ2zoIZqvm"
    assert paper.aliases == ["arxiv:2212.00001"] and paper.ids.arxiv == ["2212.00001"]
    assert paper.lookups["s2"] == LookupState.FAILED


def test_with_s2_disabled_a_title_matched_row_keeps_its_previous_paper() -> None:
    lists = [extracted("a", entry("a", 1, NERF), entry("a", 2, MIXTRAL, paper_urls=[CVF]))]
    remembered = {
        previous_entry_key("a", NERF): "s2:s2nerf",
        previous_entry_key("a", MIXTRAL): "s2:s2mix",
    }
    done = reconcile(lists, result("arxiv"), disabled("s2"), disabled("s2"), remembered)
    nerf, mixtral = sorted(done.records, key=lambda r: r.appearances[0].position)
    assert nerf.paper_id == "s2:s2nerf"  # a row with no link: the paper it resolved to before
    assert nerf.lookups["s2"] == LookupState.DISABLED
    assert mixtral.paper_id == f"url:{CVF}" and mixtral.aliases == ["s2:s2mix"]
    assert mixtral.paper_urls == [CVF]
