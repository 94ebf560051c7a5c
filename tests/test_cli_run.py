"""`enrich run`, `enrich demo` and `enrich serve`: exit statuses, messages, snapshots written."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from enrich.cli import (
    EXIT_BAD_INPUT,
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    _run_logging,
    app,
)
from enrich.lists.config import DEFAULT_LISTS
from enrich.progress import caller_progress
from enrich.standin import Fault, StandIn

REPO_ROOT = Path(__file__).resolve().parent.parent
CLOSED_URL = "http://127.0.0.1:9"
BUNDLED = [str(spec.bundled_path()) for spec in DEFAULT_LISTS]

runner = CliRunner()


@pytest.fixture
def standin_env(standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """The environment `enrich run` reads, pointing at the stand-in (as a user would set it)."""
    monkeypatch.setenv("ARXIV_API_URL", standin.arxiv_url)
    monkeypatch.setenv("S2_API_URL", standin.s2_url)
    monkeypatch.setenv("ENRICH_ARXIV_PACE_SECONDS", "0")
    monkeypatch.setenv("ENRICH_S2_PACE_SECONDS", "0")
    monkeypatch.setenv("ENRICH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ENRICH_REQUEST_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("ENRICH_LIST_READ_RETRY_DELAY_SECONDS", "0")
    return standin


def snapshot_dirs(out: Path) -> list[Path]:
    return sorted((out / "snapshots").iterdir()) if (out / "snapshots").is_dir() else []


# --------------------------------------------------------------------------- run


@pytest.mark.usefixtures("prefect_harness")
def test_run_ok_exits_0_and_prints_where_the_snapshot_is(
    standin_env: StandIn, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", *BUNDLED, "--out", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    [snapshot] = snapshot_dirs(out)
    assert f"Snapshot: {snapshot}" in result.stdout
    assert "ok: 2 lists" in result.stdout
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok"


@pytest.mark.usefixtures("prefect_harness")
def test_run_degraded_exits_1_with_the_snapshot_written(
    standin_env: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENRICH_MAX_ATTEMPTS", "1")  # no back-off waits
    standin_env.inject("s2", *[Fault.http(503)] * 50)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", *BUNDLED, "--out", str(out)])
    assert result.exit_code == EXIT_DEGRADED, result.output
    assert "degraded:" in result.stdout
    assert "enrich: run degraded:" in result.stderr and "(exit status 1)" in result.stderr
    assert len(snapshot_dirs(out)) == 1


def test_run_with_nothing_reachable_exits_3_with_a_clear_message_and_a_snapshot(
    tmp_path: Path,
) -> None:
    """The `make run` situation on a machine without internet, as a real process: Prefect's
    ephemeral server, GitHub and both services unreachable, one attempt per request."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_", "ENRICH_", "ARXIV_", "S2_"))
    }
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        DO_NOT_TRACK="1",
        ARXIV_API_URL=f"{CLOSED_URL}/api/query",
        S2_API_URL=CLOSED_URL,
        ENRICH_GITHUB_RAW_URL=CLOSED_URL,
        ENRICH_CACHE_DIR=str(tmp_path / "cache"),
        ENRICH_MAX_ATTEMPTS="1",
        ENRICH_LIST_READ_RETRY_DELAY_SECONDS="0",
    )
    out = tmp_path / "out"
    enrich = Path(sys.executable).parent / "enrich"
    result = subprocess.run(
        [str(enrich), "run", "--lists", str(REPO_ROOT / "lists.toml"), "--out", str(out)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == EXIT_FAILED, result.stderr[-3000:]
    assert "enrich: run failed: every lookup failed" in result.stderr
    assert "Unreachable (no answer at all): arxiv, s2, s2_titles." in result.stderr
    assert "The snapshot records what could be done" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "bundled copy used" in result.stdout
    [snapshot] = snapshot_dirs(out)
    assert f"Snapshot: {snapshot}" in result.stdout
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert [item["fallback"] for item in manifest["lists"]] == [True, True]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "does-not-exist.md"], "does-not-exist.md: no such file"),
        (["run", "github:not a spec"], "not a valid github source"),
        (["run", "--lists", "nope.toml"], "lists file nope.toml does not exist"),
        (["run", "a/README.md", "b/README.md"], "would both be named 'readme'"),
    ],
)
def test_run_with_bad_input_exits_2_before_starting_prefect(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_run_with_an_invalid_setting_exits_2_before_starting_prefect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENRICH_MAX_ATTEMPTS", "often")
    result = runner.invoke(app, ["run", BUNDLED[0], "--out", str(tmp_path / "out")])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "enrich: invalid setting in the environment: ENRICH_MAX_ATTEMPTS" in result.stderr
    assert not (tmp_path / "out").exists()


def test_extract_with_an_invalid_setting_exits_2_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENRICH_REQUEST_TIMEOUT_SECONDS", "soon")
    result = runner.invoke(app, ["extract", BUNDLED[0]])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert result.stderr.startswith(
        "enrich: invalid setting in the environment: ENRICH_REQUEST_TIMEOUT_SECONDS: "
    )
    assert "soon" not in result.stderr
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a ValidationError


def test_run_refuses_an_output_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["run", BUNDLED[0], "--out", str(target)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "is not a directory" in result.stderr


def test_on_a_terminal_the_run_shows_live_progress_and_elsewhere_leaves_it_to_the_flow() -> None:
    terminal = Console(file=io.StringIO(), force_terminal=True)
    with _run_logging(terminal):
        shown = caller_progress()
        assert shown is not None  # the flow reports to the live display
        shown.update("arxiv", 1, 2)
    assert caller_progress() is None
    assert "arXiv" in terminal.file.getvalue()  # type: ignore[attr-defined]
    piped = Console(file=io.StringIO(), force_terminal=False)
    with _run_logging(piped):
        assert caller_progress() is None  # the flow logs its progress every 30 s instead
    assert piped.file.getvalue() == ""  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- demo


@pytest.mark.usefixtures("prefect_harness")
def test_demo_runs_offline_against_the_standin_and_prints_snapshot_and_summary(
    tmp_path: Path,
) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    [snapshot] = snapshot_dirs(out)
    assert f"Snapshot: {snapshot}" in result.stdout
    assert "arxiv: up" in result.stdout and "s2: up" in result.stdout
    assert (out / "cache").is_dir()  # its own cache: stand-in data never reaches a real run


# --------------------------------------------------------------------------- serve


def test_serve_without_a_prefect_server_exits_2_with_how_to_start_one() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = runner.invoke(app, ["serve"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "PREFECT_API_URL is not set" in result.stderr
    assert "prefect server start" in result.stderr


def test_serve_rejects_a_bad_cron_before_registering() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = runner.invoke(app, ["serve", "--cron", "every night"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "bad schedule" in result.stderr


def test_serve_rejects_a_bad_lists_file_before_registering(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    missing = tmp_path / "nope.toml"
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = runner.invoke(app, ["serve", "--lists", str(missing)])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert f"enrich serve: lists file {missing} does not exist" in result.stderr
