"""The report in a real browser: Debian's headless chromium, driven by playwright.

Sorting and filtering are the only things the pages need a script for; this checks that they
work where people will use them, that the page asks for nothing over the network, that the
Content-Security-Policy lets the page's own script and style run (and nothing else), and that
without JavaScript the tables are all there. It is skipped, saying why, only where no chromium
can be found: `.ci/run` installs Debian's `chromium` package when it is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from report_builders import MIXTRAL, write_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

#: A chromium other than the one on PATH (e.g. a Chrome for Testing build on a developer's Mac).
CHROMIUM_ENV = "ENRICH_CHROMIUM"
#: The network is closed here: chromium must not try to phone home in the background either.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-gpu",
]


def chromium_path() -> str | None:
    return os.environ.get(CHROMIUM_ENV) or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the playwright package is not installed (make install installs the dev extras)",
    )
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "no chromium browser on this machine: install Debian's chromium package "
            f"(apt-get install chromium) or set {CHROMIUM_ENV}; .ci/run installs it when it can"
        )
    with sync_api.sync_playwright() as playwright:
        # As root chromium refuses to start sandboxed; playwright passes --no-sandbox when
        # chromium_sandbox is False (its default), which is what a root CI needs.
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, chromium_sandbox=False
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return write_demo(tmp_path / "out", runs=2)


class Watched:
    """A page with every request and console error it made recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield Watched(context.new_page())
    finally:
        context.close()


def citations_column(page: Page) -> list[str]:
    return page.locator("#papers-table tbody tr td:nth-child(5)").evaluate_all(
        "cells => cells.map(cell => cell.getAttribute('data-value'))"
    )


def as_numbers(values: list[str]) -> list[int | None]:
    return [int(value) if value else None for value in values]


def test_sorting_by_citations_reorders_the_rows(
    watched: Watched, demo: Path, tmp_path: Path
) -> None:
    page = watched.page
    alpha = demo / "report" / "lists" / "alpha.html"
    page.goto(alpha.as_uri())
    citations = page.locator("#papers-table thead th", has_text="Citations")
    assert citations.get_attribute("aria-sort") == "descending"
    assert as_numbers(citations_column(page)) == [960, 130, 35, None, None]

    citations.get_by_role("button").click()
    assert citations.get_attribute("aria-sort") == "ascending"
    assert as_numbers(citations_column(page)) == [35, 130, 960, None, None]  # unknown last

    citations.get_by_role("button").press("Enter")  # the same by keyboard
    assert citations.get_attribute("aria-sort") == "descending"
    assert as_numbers(citations_column(page)) == [960, 130, 35, None, None]

    title = page.locator("#papers-table thead th", has_text="Title")
    title.get_by_role("button").click()
    assert citations.get_attribute("aria-sort") is None
    titles = page.locator("#papers-table tbody th a").all_inner_texts()
    assert titles == sorted(titles, key=str.lower)

    shot = tmp_path / "alpha.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

    assert watched.errors == []  # no CSP violation, no script error
    assert {url.split(":", 1)[0] for url in watched.requests} == {"file"}  # no network
    assert watched.requests == [alpha.as_uri()]  # the page is the only file it needs


def test_filtering_shows_the_matching_rows_and_says_how_many(watched: Watched, demo: Path) -> None:
    page = watched.page
    page.goto((demo / "report" / "lists" / "alpha.html").as_uri())
    box = page.get_by_label("Filter papers")
    assert box.is_visible()
    box.fill("fedus")  # an author
    visible = page.locator("#papers-table tbody tr:visible th a").all_inner_texts()
    assert visible == ["Switch Transformers"]
    assert page.locator(".filter [aria-live]").inner_text() == "1 of 5 shown"
    box.fill("")
    assert page.locator("#papers-table tbody tr:visible").count() == 5
    assert watched.errors == []


def test_without_javascript_the_tables_are_complete_and_the_filter_is_hidden(
    browser: Browser, demo: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((demo / "report" / "lists" / "alpha.html").as_uri())
        assert page.locator("#papers-table tbody tr:visible").count() == 5
        assert page.locator("#papers-table tbody th a", has_text=MIXTRAL).is_visible()
        assert not page.locator(".filter").is_visible()
        assert page.locator("#papers-table thead button").count() == 0
        assert page.locator("svg.chart").is_visible()
        assert page.locator("#attention tbody tr").count() == 4
    finally:
        context.close()
