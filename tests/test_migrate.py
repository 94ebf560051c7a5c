"""Snapshots of schema version 1 (tests/data/snapshot_v1, written by the version-1 code on a
small list against the stand-in) still load, and a run after the upgrade builds on them: the
papers that version 1 named by an S2 paperId get the id their list row gives, and keep their
history under it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from paper_builders import validate_snapshot_dir

from enrich import pipeline
from enrich.contract import SCHEMA_VERSION, PublicationStatus, RunStatus
from enrich.errors import InputError
from enrich.lists.config import ListSpec
from enrich.publish.history import diff_snapshots, read_history
from enrich.publish.snapshot import load_latest, load_snapshot
from enrich.settings import Settings

V1 = Path(__file__).parent / "data" / "snapshot_v1"
V1_RUN = "20260101T030000Z"
OPENREVIEW = "openreview:PQ2zoIZqvm"
CVF = (
    "url:https://openaccess.thecvf.com/content/ICCV2023/papers/"
    "Chen_AdaMV-MoE_Adaptive_Multi-Task_Vision_Mixture-of-Experts_ICCV_2023_paper.pdf"
)
V1_IDS = {
    OPENREVIEW: "s2:575cd791a13fed3c8dde55b233f480a65c4e6d6d",
    CVF: "s2:ab4ad3dc803b3e903365eeeec323110c2179256f",
    "url:https://example.org/samoe": "s2:e810b05660b2b9874ca9bacb047680a7816778b1",
}


def v1_output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    (out / "snapshots").mkdir(parents=True)
    shutil.copytree(V1 / V1_RUN, out / "snapshots" / V1_RUN)
    shutil.copy(V1 / "history.csv", out / "history.csv")
    os.symlink(Path("snapshots") / V1_RUN, out / "latest")
    return out


def test_a_version_1_snapshot_loads_in_the_current_shape(tmp_path: Path) -> None:
    snapshot = load_latest(v1_output(tmp_path))
    assert snapshot is not None
    assert snapshot.manifest.schema_version == SCHEMA_VERSION and not snapshot.manifest.demo
    nerf = snapshot.paper(V1_IDS[OPENREVIEW])
    assert nerf is not None
    assert nerf.aliases == [OPENREVIEW] and nerf.ids.openreview == ["PQ2zoIZqvm"]
    mixtral = snapshot.paper("arxiv:2401.04088")
    assert mixtral is not None and mixtral.ids.arxiv == ["2401.04088"]
    assert mixtral.publication_status == PublicationStatus.PREPRINT and mixtral.venue is None
    [row] = [e for e in snapshot.lists["small"].entries if e.title.startswith("Switch-NeRF")]
    assert row.ids.openreview == ["PQ2zoIZqvm"] and row.paper_id == V1_IDS[OPENREVIEW]


def test_the_first_run_after_the_upgrade_keeps_every_paper_and_its_history(
    tmp_path: Path, settings: Settings
) -> None:
    out = v1_output(tmp_path)
    report = pipeline.run_enrichment(
        [ListSpec(source=str(V1 / "small.md"))],
        out,
        settings,
        now=lambda: dt.datetime(2026, 1, 2, 3, tzinfo=dt.UTC),
    )
    new = report.snapshot
    assert new.manifest.status == RunStatus.OK and new.manifest.previous_run_id == V1_RUN
    assert new.manifest.demo  # the stand-in answered
    assert validate_snapshot_dir(report.path)
    for paper_id, v1_id in V1_IDS.items():
        paper = new.paper(paper_id)
        assert paper is not None and v1_id in paper.aliases, paper_id
        assert paper.citation_delta == 0  # compared with its version-1 record
    assert new.lists["small"].changes.added == new.lists["small"].changes.removed == []

    series: dict[str, list[str]] = {}
    for row in read_history(out / "history.csv"):
        series.setdefault(row["paper_id"], []).append(row["run_id"])
    assert series == {
        paper_id: [V1_RUN, new.manifest.run_id] for paper_id in [*V1_IDS, "arxiv:2401.04088"]
    }

    diff = diff_snapshots(load_snapshot(out / "snapshots" / V1_RUN), new)
    assert diff.papers_added == diff.papers_removed == []
    assert {(r.old_ids[0], r.paper_id) for r in diff.papers_renamed} == {
        (v1_id, paper_id) for paper_id, v1_id in V1_IDS.items()
    }


def test_a_snapshot_of_a_later_version_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    out = v1_output(tmp_path)
    manifest = out / "snapshots" / V1_RUN / "manifest.json"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            '"schema_version": 1', f'"schema_version": {SCHEMA_VERSION + 1}'
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=f"schema_version {SCHEMA_VERSION + 1}.*upgrade"):
        load_latest(out)
