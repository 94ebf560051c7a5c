"""The view of the previous snapshot a run uses (enrich.publish.previous)."""

from __future__ import annotations

from paper_builders import small_snapshot

from enrich.publish.previous import EarlierEntry, Previous


def test_the_view_keeps_the_manifest_the_records_and_each_rows_title_and_paper_id() -> None:
    snapshot = small_snapshot("run-1")
    view = Previous.of(snapshot)
    assert view.manifest is snapshot.manifest
    assert view.papers is snapshot.papers  # shared, not copied
    assert view.lists == {
        "alpha": [
            EarlierEntry("Mixtral of Experts", "arxiv:2401.04088"),
            EarlierEntry("Ünïcode Paper – with a dash", "arxiv:2402.00002"),
        ],
        "beta": [EarlierEntry("Mixtral of Experts", "arxiv:2401.04088")],
    }


def test_a_run_against_the_view_is_the_run_against_the_whole_snapshot() -> None:
    """Everything build_snapshot takes from the previous snapshot is in the view: carried
    values, citation deltas, aliases, list changes, previous run id."""
    first = small_snapshot("run-1")
    assert small_snapshot("run-2", Previous.of(first), citations=130) == small_snapshot(
        "run-2", first, citations=130
    )
