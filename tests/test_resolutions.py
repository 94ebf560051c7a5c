"""Remembered title resolutions: the store's ttls, recalling into the S2 batch, answering."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from paper_builders import T0, entry, extracted, failed, not_found, ok, result, s2_record

from enrich.models import OutcomeStatus, SourceStatus, TitleQuery
from enrich.papers.checks import title_key
from enrich.papers.lookups import plan_lookups
from enrich.papers.resolutions import (
    RESOLUTIONS_DIR,
    ResolutionStore,
    answer_recalled,
    recall_titles,
)
from enrich.settings import Settings

PAPER = "a" * 40
OTHER = "b" * 40


class Clock:
    """A settable UTC clock."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def query(title: str, year: int | None = 2023) -> TitleQuery:
    return TitleQuery(key=title_key(title), title=title, year=year)


def store_at(
    path: Path, clock: Clock, *, match_days: float = 30, no_match_days: float = 3
) -> ResolutionStore:
    return ResolutionStore(
        path,
        match_ttl=dt.timedelta(days=match_days),
        no_match_ttl=dt.timedelta(days=no_match_days),
        now=clock,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> ResolutionStore:
    return store_at(tmp_path / "titles", clock)


# --------------------------------------------------------------------------- the store


def test_a_match_is_remembered_with_the_record_and_when_it_was_matched(
    store: ResolutionStore,
) -> None:
    swin = query("Swin Transformer")
    record = s2_record(PAPER, "Swin Transformer", external_ids={"ArXiv": "2103.14030"})
    assert store.remember([swin], result("s2", ok(swin.key, record))) == 1
    recalled = store.recall([swin])[swin.key]
    assert (recalled.match, recalled.matched_at, recalled.year) == (record, T0, 2023)


def test_no_match_is_remembered_for_the_shorter_ttl(store: ResolutionStore, clock: Clock) -> None:
    found, missing = query("Found Paper"), query("Missing Paper")
    answers = result("s2", ok(found.key, s2_record(PAPER, "Found Paper")), not_found(missing.key))
    assert store.remember([found, missing], answers) == 2
    clock.now = T0 + dt.timedelta(days=2)
    assert set(store.recall([found, missing])) == {found.key, missing.key}
    assert store.recall([missing])[missing.key].reason == "no such paper"
    clock.now = T0 + dt.timedelta(days=3)  # no match expires; the match has 27 days left
    assert set(store.recall([found, missing])) == {found.key}
    clock.now = T0 + dt.timedelta(days=30)
    assert store.recall([found, missing]) == {}


def test_failed_matches_and_recalled_answers_are_not_kept(store: ResolutionStore) -> None:
    broken, recalled = query("Broken Lookup"), query("Recalled Earlier")
    earlier = ok(recalled.key, s2_record(PAPER, "Recalled Earlier")).model_copy(
        update={"from_cache": True}
    )
    assert store.remember([broken, recalled], result("s2", failed(broken.key), earlier)) == 0
    assert store.recall([broken, recalled]) == {}


def test_an_edited_row_is_not_recalled(store: ResolutionStore) -> None:
    original = query("Sparse Mixture of Experts", year=2023)
    store.remember([original], result("s2", ok(original.key, s2_record(PAPER, original.title))))
    assert store.recall([query("Sparse Mixtures of Experts", year=2023)]) == {}
    assert store.recall([query("Sparse Mixture of Experts", year=2021)]) == {}
    # Case and punctuation are no edit: the normalized title is the key.
    assert set(store.recall([query("sparse mixture-of-experts", year=2023)])) == {original.key}


def test_long_titles_are_stored_under_a_short_file_name(store: ResolutionStore) -> None:
    long = query(" ".join(["Extremely Long Title Words"] * 40))
    store.remember([long], result("s2", ok(long.key, s2_record(PAPER, long.title))))
    assert set(store.recall([long])) == {long.key}
    assert all(len(path.name) < 100 for path in store.directory.iterdir())


def test_zero_ttls_turn_the_store_off(tmp_path: Path, clock: Clock) -> None:
    store = store_at(tmp_path / "titles", clock, match_days=0, no_match_days=0)
    swin = query("Swin Transformer")
    assert store.remember([swin], result("s2", ok(swin.key, s2_record(PAPER, swin.title)))) == 0
    assert not (tmp_path / "titles").exists()


def test_a_zero_no_match_ttl_keeps_matches_only(tmp_path: Path, clock: Clock) -> None:
    store = store_at(tmp_path / "titles", clock, no_match_days=0)
    found, missing = query("Found Paper"), query("Missing Paper")
    answers = result("s2", ok(found.key, s2_record(PAPER, "Found Paper")), not_found(missing.key))
    assert store.remember([found, missing], answers) == 1
    assert set(store.recall([found, missing])) == {found.key}


def test_an_unwritable_store_is_logged_not_raised(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "titles"
    blocker.write_text("a file where the directory should be", encoding="utf-8")
    store = store_at(blocker, clock)
    swin = query("Swin Transformer")
    with caplog.at_level(logging.WARNING):
        kept = store.remember([swin], result("s2", ok(swin.key, s2_record(PAPER, swin.title))))
    assert kept == 0
    assert "could not remember 1 title resolutions" in caplog.text
    assert store.recall([swin]) == {}


def test_the_store_lives_under_the_cache_directory_with_the_settings_ttls(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {}, cache_dir=tmp_path, s2_title_cache_ttl_days=10, s2_title_no_match_ttl_days=1
    )
    store = ResolutionStore.from_settings(settings)
    assert store.directory == tmp_path / RESOLUTIONS_DIR
    assert (store.match_ttl, store.no_match_ttl) == (dt.timedelta(days=10), dt.timedelta(days=1))


# --------------------------------------------------------------------------- recalling


def lists_with_title_rows() -> list:
    return [
        extracted(
            "list-a",
            entry("list-a", 1, "Linked Paper", arxiv=["2401.00001"]),
            entry("list-a", 2, "CVF Paper", paper_urls=["https://openaccess.thecvf.com/x.pdf"]),
            entry("list-a", 3, "Plain Title Paper", year="2023"),
            entry("list-a", 4, "Unknown Workshop Paper"),
        )
    ]


def test_recalled_matches_join_the_batch_and_leave_the_title_queries(
    store: ResolutionStore,
) -> None:
    lists = lists_with_title_rows()
    plan = plan_lookups(lists)
    cvf, plain, unknown = (q for q in sorted(plan.title_queries, key=lambda q: q.title))
    answers = result(
        "s2",
        ok(cvf.key, s2_record(PAPER, "CVF Paper")),  # no external id: found by S2 id
        ok(plain.key, s2_record(OTHER, "Plain Title Paper", external_ids={"ArXiv": "2401.00001"})),
        not_found(unknown.key),
    )
    store.remember(plan.title_queries, answers)

    recalled = recall_titles(plan, lists, store)
    assert recalled.title_queries == []
    # The plain-title row names the paper list-a links by arXiv id: asked for once, by that id.
    assert recalled.via_batch == {cvf.key: f"s2:{PAPER}", plain.key: "arxiv:2401.00001"}
    assert recalled.s2_ids == ["arxiv:2401.00001", f"s2:{PAPER}"]
    assert recalled.no_match == {unknown.key: "no such paper"}


def test_nothing_remembered_leaves_the_plan_as_it_is(store: ResolutionStore) -> None:
    lists = lists_with_title_rows()
    plan = plan_lookups(lists)
    for given in (store, None):
        recalled = recall_titles(plan, lists, given)
        assert (recalled.s2_ids, recalled.title_queries) == (plan.s2_ids, plan.title_queries)
        assert recalled.via_batch == recalled.no_match == {}


def test_a_remembered_suggestion_is_answered_from_the_store_without_a_batch_id(
    store: ResolutionStore,
) -> None:
    lists = [extracted("list-a", entry("list-a", 1, "Paper It Names", arxiv=["2401.00009"]))]
    plan = plan_lookups(lists)
    suggestion = query("Paper It Names", year=None)
    named = s2_record(PAPER, "Paper It Names", external_ids={"ArXiv": "2312.00001"})
    store.remember([suggestion], result("s2", ok(suggestion.key, named)))
    recalled = recall_titles(plan, lists, store)
    assert recalled.s2_ids == plan.s2_ids and recalled.via_batch == {}
    answers, vanished = answer_recalled(recalled, result("s2"))
    assert answers is not None and vanished == []
    answer = answers.outcomes[suggestion.key]
    assert (answer.record, answer.fetched_at, answer.from_cache) == (named, T0, True)
    assert answers.health.cache_hits == 1


# --------------------------------------------------------------------------- answering


def test_recalled_answers_carry_the_fresh_batch_record_and_count_as_cache_hits(
    store: ResolutionStore,
) -> None:
    lists = lists_with_title_rows()
    plan = plan_lookups(lists)
    cvf, plain, unknown = sorted(plan.title_queries, key=lambda q: q.title)
    store.remember(
        plan.title_queries,
        result(
            "s2",
            ok(cvf.key, s2_record(PAPER, "CVF Paper", citations=1)),
            ok(plain.key, s2_record(OTHER, "Plain Title Paper")),
            not_found(unknown.key),
        ),
    )
    recalled = recall_titles(plan, lists, store)
    later = T0 + dt.timedelta(days=1)
    batch = result(
        "s2",
        ok("arxiv:2401.00001", s2_record("c" * 40, "Linked Paper")),
        ok(f"s2:{PAPER}", s2_record(PAPER, "CVF Paper", citations=99), fetched_at=later),
        failed(f"s2:{OTHER}"),
    )
    answers, vanished = answer_recalled(recalled, batch)
    assert answers is not None and vanished == []
    cvf_answer = answers.outcomes[cvf.key]
    assert cvf_answer.status == OutcomeStatus.OK and cvf_answer.from_cache
    assert cvf_answer.record is not None and cvf_answer.record.citation_count == 99
    assert cvf_answer.fetched_at == later
    assert answers.outcomes[plain.key].status == OutcomeStatus.FAILED
    assert f"s2:{OTHER}" in (answers.outcomes[plain.key].reason or "")
    assert answers.outcomes[unknown.key].status == OutcomeStatus.NOT_FOUND
    health = answers.health
    assert (health.requests, health.cache_hits, health.ok, health.not_found, health.failed) == (
        0,
        3,
        1,
        1,
        1,
    )
    assert health.status == SourceStatus.DEGRADED


def test_a_remembered_paper_s2_no_longer_knows_is_matched_again(store: ResolutionStore) -> None:
    lists = lists_with_title_rows()
    plan = plan_lookups(lists)
    cvf = next(q for q in plan.title_queries if q.title == "CVF Paper")
    store.remember([cvf], result("s2", ok(cvf.key, s2_record(PAPER, "CVF Paper"))))
    recalled = recall_titles(plan, lists, store)
    answers, vanished = answer_recalled(recalled, result("s2", not_found(f"s2:{PAPER}")))
    assert vanished == [cvf]
    assert answers is not None and cvf.key not in answers.outcomes


def test_nothing_recalled_answers_nothing(store: ResolutionStore) -> None:
    lists = lists_with_title_rows()
    recalled = recall_titles(plan_lookups(lists), lists, store)
    assert answer_recalled(recalled, result("s2")) == (None, [])
