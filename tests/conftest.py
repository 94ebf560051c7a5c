"""Shared fixtures: one local API stand-in per session, reset before each test that uses it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from truth_lists import TruthRun, run_truth_lists

from enrich.settings import Settings
from enrich.standin import StandIn


@pytest.fixture(scope="session")
def standin_server() -> Iterator[StandIn]:
    """One stand-in (arXiv + S2) on 127.0.0.1, a free port, for the whole session."""
    with StandIn(arxiv_pace=0.0, s2_pace=0.0) as server:
        yield server


@pytest.fixture
def standin(standin_server: StandIn) -> StandIn:
    """The session stand-in with an empty log, no queued faults and no pace limits."""
    standin_server.reset()
    standin_server.set_pace("arxiv", 0.0)
    standin_server.set_pace("s2", 0.0)
    return standin_server


@pytest.fixture
def settings(tmp_path: Path, standin: StandIn) -> Settings:
    """Settings pointing at the stand-in: no pacing, short timeout, cache in tmp_path."""
    return Settings.from_env(
        {},
        arxiv_api_url=standin.arxiv_url,
        s2_api_url=standin.s2_url,
        arxiv_pace_seconds=0,
        s2_pace_seconds=0,
        request_timeout_seconds=2,
        retry_budget_seconds=20,
        cache_dir=tmp_path / "cache",
    )


@pytest.fixture(scope="session")
def truth_run(tmp_path_factory: pytest.TempPathFactory) -> TruthRun:
    """Every hand-checked list (tests/data/lists) run through the pipeline once, against a
    stand-in that serves each id with the title the lists' correct rows give it."""
    return run_truth_lists(tmp_path_factory.mktemp("truth-run"))


# --------------------------------------------------------------------------- terminal report
# Tests that measure something (e.g. extraction scores) add lines with `report_lines`; they
# are printed after the run in a section of their own, so they show in plain `pytest -q`.
_REPORT_KEY = pytest.StashKey[dict[str, list[str]]]()


@pytest.fixture
def report_lines(request: pytest.FixtureRequest) -> Callable[[str, list[str]], None]:
    """``report_lines(title, lines)`` adds lines under ``title`` in the terminal summary."""
    sections = request.config.stash.setdefault(_REPORT_KEY, {})

    def add(title: str, lines: list[str]) -> None:
        sections.setdefault(title, []).extend(lines)

    return add


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for title, lines in terminalreporter.config.stash.get(_REPORT_KEY, {}).items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)


# --------------------------------------------------------------------------- Prefect
@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server (SQLite in a temp dir) for every test that runs flows.

    PREFECT_HOME is a temp dir and server analytics are off, for this process and the server
    subprocess (the harness passes the current settings on to it).
    """
    from prefect.settings import (
        PREFECT_HOME,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    home = tmp_path_factory.mktemp("prefect-home")
    with (
        temporary_settings(updates={PREFECT_HOME: home, PREFECT_SERVER_ANALYTICS_ENABLED: False}),
        prefect_test_harness(server_startup_timeout=90),
    ):
        yield
