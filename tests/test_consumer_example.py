"""docs/consumer_example.py, run as a consumer runs it, against a demo snapshot of the bundled
seed lists (the stand-in's data), and checked against the same snapshot read another way
(papers.csv with pandas defaults)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from enrich import pipeline
from enrich.lists.config import DEFAULT_LISTS, ListSpec
from enrich.settings import Settings

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "consumer_example.py"
LIST = "arpita8-mixture-of-experts-papers"
QMOE = "QMoE: Practical Sub-1-Bit Compression of Trillion-Parameter Models"
JETMOE = "JetMoE: Reaching Llama2 Performance with 0.1M Dollars"


@pytest.fixture
def demo_snapshot(settings: Settings, tmp_path: Path) -> Path:
    specs = [ListSpec(source=str(spec.bundled_path())) for spec in DEFAULT_LISTS]
    start = dt.datetime(2026, 1, 1, 3, tzinfo=dt.UTC)
    report = pipeline.run_enrichment(specs, tmp_path / "out", settings, now=lambda: start)
    assert report.snapshot.manifest.demo
    return report.path


def run_example(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_the_consumer_example_answers_both_questions(demo_snapshot: Path) -> None:
    shown = run_example(str(demo_snapshot), LIST, "--top", "5")
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "DEMO DATA" in out  # the stand-in's made-up counts are never shown as real

    # Top cited, computed independently from the CSV (pandas defaults).
    table = pd.read_csv(demo_snapshot / "papers.csv")
    listed = table[table["lists"].str.split("; ").apply(lambda slugs: LIST in slugs)]
    top = listed.sort_values(["citation_count", "paper_id"], ascending=[False, True]).head(5)
    top_section = out.split("Most cited papers")[1].split("Rows of")[0]
    ranked = [line for line in top_section.splitlines() if line.strip()[:2].rstrip(".").isdigit()]
    assert len(ranked) == 5
    for line, (_, paper) in zip(ranked, top.iterrows(), strict=True):
        first_author = paper["authors"].split("; ")[0]
        assert f"[{paper['paper_id']}]" in line and paper["title"] in line
        assert f"({first_author}, {int(paper['year'])})" in line
        assert f"{int(paper['citation_count'])} citations" in line

    # The seed list's swapped links: each row links the other's paper.
    wrong = out.split("link the wrong paper:")[1]
    assert f"{QMOE!r} links arxiv:2404.07413 ({JETMOE!r}); it means arxiv:2310.16795" in wrong
    assert f"{JETMOE!r} links arxiv:2310.16795 ({QMOE!r}); it means arxiv:2404.07413" in wrong
    assert "MLLMs" not in wrong  # a wrong name column is not a wrong link


def test_the_consumer_example_says_what_it_cannot_read(demo_snapshot: Path) -> None:
    unknown = run_example(str(demo_snapshot), "no-such-list")
    assert unknown.returncode == 2 and LIST in unknown.stderr
    missing = run_example(str(demo_snapshot.parent / "nowhere"), LIST)
    assert missing.returncode == 2 and "cannot read the snapshot" in missing.stderr
