"""`enrich run`, `enrich demo` and `enrich serve`: exit statuses, messages, snapshots written."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from enrich import pipeline
from enrich.cli import (
    EXIT_API_LOST,
    EXIT_BAD_INPUT,
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    app,
)
from enrich.cli.runs import _run_logging
from enrich.lists.config import DEFAULT_LISTS, ListSpec
from enrich.progress import caller_progress
from enrich.publish.history import read_history
from enrich.publish.recovery import recover_output
from enrich.publish.snapshot import load_latest
from enrich.settings import Settings
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
    env = clean_env(
        tmp_path,
        ARXIV_API_URL=f"{CLOSED_URL}/api/query",
        S2_API_URL=CLOSED_URL,
        ENRICH_GITHUB_RAW_URL=CLOSED_URL,
        ENRICH_MAX_ATTEMPTS="1",
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
    assert "Down (no answer at all): arxiv, s2, s2_titles." in result.stderr
    assert "Error logging to API" not in result.stderr
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
    with _run_logging(terminal, debug=False):
        shown = caller_progress()
        assert shown is not None  # the flow reports to the live display
        shown.update("arxiv", 1, 2)
    assert caller_progress() is None
    assert "arXiv" in terminal.file.getvalue()  # type: ignore[attr-defined]
    piped = Console(file=io.StringIO(), force_terminal=False)
    with _run_logging(piped, debug=False):
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


# --------------------------------------------------------------------------- refused up front


@pytest.mark.parametrize(
    ("environ", "args", "message"),
    [
        ({"ARXIV_API_URL": "notaurl"}, [], "ARXIV_API_URL: must be an http:// or https:// URL"),
        ({"ENRICH_REQUEST_TIMEOUT_SECONDS": "inf"}, [], "ENRICH_REQUEST_TIMEOUT_SECONDS: Input"),
        ({"ENRICH_ARXIV_CACHE_TTL_DAYS": "1e308"}, [], "ENRICH_ARXIV_CACHE_TTL_DAYS: Input"),
        ({}, ["ftp://example.org/list.md"], "unsupported URL scheme"),
        ({}, [""], "an empty list source was given"),
        ({"PREFECT_API_URL": CLOSED_URL + "/api"}, [], "(PREFECT_API_URL) does not answer"),
    ],
)
def test_a_setting_or_input_that_cannot_work_is_one_line_and_exit_2_before_anything_runs(
    environ: dict[str, str],
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    api = environ.get("PREFECT_API_URL")
    with temporary_settings(updates={PREFECT_API_URL: api} if api else None):
        result = runner.invoke(app, ["run", *(args or BUNDLED[:1]), "--out", str(tmp_path / "out")])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_lock_timeout_that_is_not_a_finite_number_is_a_usage_error() -> None:
    result = runner.invoke(app, ["run", BUNDLED[0], "--lock-timeout", "inf"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "--lock-timeout" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("# A list\n\n- [Paper](https://arxiv.org/abs/2401.04088)\n".encode("utf-16"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"# Liste\n\n- G\xf6del\n", "not valid UTF-8"),
    ],
)
def test_a_list_file_that_can_never_be_read_is_refused_before_the_run(
    content: bytes, message: str, tmp_path: Path
) -> None:
    source = tmp_path / "list.md"
    source.write_bytes(content)
    result = runner.invoke(app, ["run", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert result.stderr.startswith(f"enrich: {source}: ") and message in result.stderr
    if message == "UTF-16":
        assert "binary" not in result.stderr


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc (Linux)")
def test_an_output_directory_that_cannot_be_written_is_refused_before_the_run() -> None:
    result = runner.invoke(app, ["run", BUNDLED[0], "--out", "/proc"])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "cannot write to the output directory /proc" in result.stderr


def test_serve_with_a_prefect_api_that_does_not_answer_exits_2() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: CLOSED_URL + "/api"}):
        result = runner.invoke(app, ["serve"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "does not answer (ConnectError)" in result.stderr


@pytest.mark.usefixtures("prefect_harness")
def test_a_locked_output_directory_names_the_option_that_waits_for_it(
    standin_env: StandIn, tmp_path: Path
) -> None:
    from enrich.publish.write import output_lock

    out = tmp_path / "out"
    holder_ready, release = threading.Event(), threading.Event()

    def other_run() -> None:
        with output_lock(out):
            holder_ready.set()
            release.wait(60)

    holder = threading.Thread(target=other_run)
    holder.start()
    try:
        assert holder_ready.wait(10)
        result = runner.invoke(app, ["run", BUNDLED[0], "--out", str(out)])
    finally:
        release.set()
        holder.join(10)
    assert result.exit_code == EXIT_FAILED, result.output
    assert "is locked by another run" in result.stderr
    assert "--lock-timeout SECONDS" in result.stderr

    waited = runner.invoke(app, ["run", BUNDLED[0], "--out", str(out), "--lock-timeout", "30"])
    assert waited.exit_code == EXIT_OK, waited.output


# --------------------------------------------------------------------------- killed, stopped


def clean_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of an `enrich run` process: none of the caller's Prefect or enrich
    settings, a Prefect home of its own (temporary server), a cache in ``tmp_path``, no pause
    before a list read's retry; then ``settings``."""
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
        ENRICH_CACHE_DIR=str(tmp_path / "cache"),
        ENRICH_LIST_READ_RETRY_DELAY_SECONDS="0",
    )
    env.update(settings)
    return env


def process_env(tmp_path: Path, standin: StandIn, **extra: str) -> dict[str, str]:
    """`enrich run` as a real process against the stand-in, on its own temporary server."""
    return clean_env(
        tmp_path,
        ARXIV_API_URL=standin.arxiv_url,
        S2_API_URL=standin.s2_url,
        ENRICH_ARXIV_PACE_SECONDS="0",
        ENRICH_S2_PACE_SECONDS="0",
        **extra,
    )


def start_enrich_run(out: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """`enrich run` on the bundled seed lists as a process, its output captured."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "enrich"), "run", *BUNDLED, "--out", str(out)],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def gone(pid: int) -> bool:
    """Ended (a zombie waiting for a reaper counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def all_gone(pids: list[int], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(gone(pid) for pid in pids):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads the process table in /proc")
def test_a_run_killed_while_publishing_leaves_no_server_behind_and_is_repaired_next_time(
    standin: StandIn, settings: Settings, tmp_path: Path
) -> None:
    """SIGKILL (injected right after the new snapshot is committed, before latest moves):
    latest stays whole, the temporary Prefect server dies with its parent, and the next start
    links the committed snapshot and writes its history rows."""
    out = tmp_path / "out"
    first = pipeline.run_enrichment(
        [ListSpec(source=BUNDLED[0])], out, settings.model_copy(update={"cache_dir": tmp_path})
    )
    killer = str(REPO_ROOT / "tests" / "enrich_killed_at.py")
    killed = subprocess.run(
        [sys.executable, killer, "snapshot", "run", BUNDLED[0], "--out", str(out)],
        env=process_env(tmp_path, standin),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    [line] = [line for line in killed.stdout.splitlines() if line.startswith("CHILDREN")]
    server = [int(pid) for pid in line.split()[1:]]
    assert server, "the run started its temporary Prefect server"
    assert all_gone(server), f"processes {server} outlived the killed run"

    assert load_latest(out) == first.snapshot  # latest never pointed at a half-written run
    [committed] = [p for p in snapshot_dirs(out) if p.name != first.snapshot.manifest.run_id]
    done = recover_output(out)  # what the next run does first
    assert any("pointed latest at" in line for line in done)
    assert (out / "latest").resolve() == committed.resolve()
    runs = {row["run_id"] for row in read_history(out / "history.csv")}
    assert runs == {first.snapshot.manifest.run_id, committed.name}


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads the process table in /proc")
def test_sigterm_ends_a_run_within_seconds_whatever_it_waits_on(
    standin: StandIn, tmp_path: Path
) -> None:
    """arXiv stalls (a request with a long timeout, on a worker thread) while S2 waits out a
    long Retry-After (on the main thread): SIGTERM ends both at once, publishes nothing, and
    leaves no server behind."""
    standin.inject("arxiv", Fault.stall(120.0))
    standin.inject("s2", Fault.rate_limit(retry_after=150.0))
    out = tmp_path / "out"
    env = process_env(
        tmp_path,
        standin,
        ENRICH_REQUEST_TIMEOUT_SECONDS="170",
        ENRICH_RETRY_BUDGET_SECONDS="300",
    )
    run = start_enrich_run(out, env, tmp_path)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and run.poll() is None:
            faults = [logged.fault for logged in standin.requests]
            if "stall" in faults and "rate_limit" in faults:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the run never reached both waits: {run.communicate()[1][-3000:]}")
        time.sleep(1.0)  # S2 is now sleeping out its Retry-After
        server = children_of(run.pid)
        assert server
        stopped_at = time.monotonic()
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=60)
        took = time.monotonic() - stopped_at
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert took < 15, f"SIGTERM took {took:.1f} s: {stderr[-2000:]}"
    assert run.returncode == -signal.SIGTERM, stderr[-3000:]
    assert not (out / "latest").exists() and not snapshot_dirs(out)
    assert all_gone(server)


def test_a_prefect_api_that_goes_away_mid_run_is_exit_status_4(
    standin: StandIn, tmp_path: Path
) -> None:
    from flows.temporary_server import TemporaryServer

    standin.inject("s2", Fault.stall(6.0))
    # No client retries: Prefect would otherwise retry the lost API for about a minute first.
    env = process_env(
        tmp_path, standin, ENRICH_REQUEST_TIMEOUT_SECONDS="30", PREFECT_CLIENT_MAX_RETRIES="0"
    )
    out = tmp_path / "out"
    with TemporaryServer(startup_timeout=120) as server:
        env["PREFECT_API_URL"] = server.api_url
        run = start_enrich_run(out, env, tmp_path)
        try:
            deadline = time.monotonic() + 180
            while "stall" not in [r.fault for r in standin.requests]:
                assert run.poll() is None and time.monotonic() < deadline, run.communicate()
                time.sleep(0.2)
            server.stop()  # the API goes away while S2 is stalled
            _, stderr = run.communicate(timeout=240)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    assert run.returncode == EXIT_API_LOST, stderr[-3000:]
    assert f"enrich: the Prefect API at {server.api_url} went away during the run" in stderr
    assert "Traceback" not in stderr
