"""Makes docs/report-list.png, the screenshot of a list page shown in the README.

Runs the bundled seed lists through the local stand-in of arXiv and Semantic Scholar four
times, a day apart, with citation counts that grow from run to run (the stand-in's counts are
made up, and so is their growth: the picture shows the report, not real figures), then opens
the page of the first list in Debian's headless chromium and takes the screenshot.

    .venv/bin/python docs/report_screenshot.py [--keep DIR]

--keep writes the demo output directory to DIR (to open the report yourself) instead of a
temporary directory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

from playwright.sync_api import sync_playwright

from enrich import pipeline
from enrich.lists.config import DEFAULT_LISTS
from enrich.lists.read import ListText, list_slug, read_list
from enrich.models import Outcome, S2Record, SourceResult
from enrich.papers.lookups import plan_lookups, plan_suggestions
from enrich.publish.snapshot import RunInput
from enrich.settings import Settings
from enrich.sources.s2 import SemanticScholarSource
from enrich.standin import StandIn

OUTPUT = Path(__file__).resolve().parent / "report-list.png"
RUNS = 4
FIRST_RUN = dt.datetime(2026, 3, 1, 3, 0, tzinfo=dt.UTC)


def grown(s2: SourceResult[S2Record], day: int) -> SourceResult[S2Record]:
    """``s2`` with each count grown by a made-up, paper-specific rate after ``day`` days."""
    outcomes: dict[str, Outcome[S2Record]] = {}
    for key, outcome in s2.outcomes.items():
        record = outcome.record
        if record is not None and record.citation_count is not None:
            rate = 0.02 + (zlib.crc32(key.encode()) % 9) / 100
            count = round(record.citation_count * (1 + rate) ** day)
            outcome = outcome.model_copy(
                update={"record": record.model_copy(update={"citation_count": count})}
            )
        outcomes[key] = outcome
    return s2.model_copy(update={"outcomes": outcomes})


def bundled_texts(settings: Settings) -> list[ListText]:
    """The bundled copies of the default lists, described as their upstream lists."""
    texts = []
    for spec in DEFAULT_LISTS:
        text = read_list(str(spec.bundled_path()), settings)
        info = text.info.model_copy(update={"source": spec.source, "name": list_slug(spec.source)})
        texts.append(text.model_copy(update={"info": info}))
    return texts


def write_runs(out: Path, work: Path) -> None:
    with StandIn() as standin:
        settings = Settings.from_env(
            {},
            arxiv_api_url=standin.arxiv_url,
            s2_api_url=standin.s2_url,
            arxiv_pace_seconds=0,
            s2_pace_seconds=0,
            cache_dir=work / "cache",
        )
        read = pipeline.ListsRead(lists=pipeline.extract_lists(bundled_texts(settings)))
        plan = plan_lookups(read.lists)
        arxiv = pipeline.fetch_arxiv(plan.arxiv_ids, settings)
        s2_source = SemanticScholarSource(settings)
        try:
            s2 = pipeline.fetch_s2(plan.s2_ids, s2_source)
            titles = pipeline.match_titles(plan.title_queries, s2_source)
            suggestions = plan_suggestions(read.lists, arxiv, s2, titles)
            if suggestions:
                more = pipeline.match_titles(suggestions, s2_source)
                titles = pipeline.merge_results(titles, more)
        finally:
            s2_source.close()
    for day in range(RUNS):
        started = FIRST_RUN + dt.timedelta(days=day)
        run = RunInput(
            run_id=started.strftime("%Y%m%dT%H%M%SZ"),
            started_at=started,
            finished_at=started + dt.timedelta(minutes=4),
            lists=read.lists,
            list_failures=read.failures,
            arxiv=arxiv,
            s2=grown(s2, day),
            titles=titles,
        )
        pipeline.publish_snapshot(run, out)


def screenshot(page_path: Path, output: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("no chromium on PATH: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--disable-background-networking", "--no-first-run"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.goto(page_path.as_uri())
            page.screenshot(path=str(output))
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="write the demo output directory here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        out = args.keep or work / "out"
        write_runs(out, work)
        pages = sorted((out / "latest" / "report" / "lists").glob("*.html"))
        screenshot(pages[0], OUTPUT)
    print(f"{OUTPUT} ({OUTPUT.stat().st_size:,} bytes) from {pages[0].name}")


if __name__ == "__main__":
    main()
