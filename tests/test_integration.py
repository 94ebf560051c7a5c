"""End to end on a real Prefect server: `enrich serve` registers enrich-lists/nightly with its
cron schedule, the documented manual trigger runs it against the stand-in, and the snapshot it
writes is valid. Everything started here is stopped again, also when an assertion fails."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from enrich.lists.config import DEFAULT_LISTS
from enrich.publish.snapshot import load_snapshot
from enrich.standin import StandIn
from flows.enrich_lists import NIGHTLY_CRON, NIGHTLY_TIMEZONE

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER_START_SECONDS = 120
DEPLOYMENT_SECONDS = 90
RUN_SECONDS = 180
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(what: str, seconds: float, probe: Callable[[], T | None]) -> T:
    """Call ``probe`` until it returns something other than None; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = probe()
        except httpx.HTTPError:
            value = None
        if value is not None:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.5)


class Processes:
    """Child processes, each in its own process group, stopped (group and all) at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            args,
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: flow-run subprocesses are stopped with it
        )
        log.close()
        self.started.append((name, process))
        return process

    def log_tail(self, name: str, chars: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace")[-chars:] if path.exists() else ""

    def stop_all(self) -> None:
        for _, process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in reversed(self.started):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    children = Processes(tmp_path)
    try:
        yield children
    finally:
        children.stop_all()


def prefect_env(tmp_path: Path, api_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        DO_NOT_TRACK="1",
        # The served process looks for due runs every second (default 10 s).
        PREFECT_RUNNER_POLL_FREQUENCY="1",
    )
    return env


def test_nightly_deployment_runs_on_a_manual_trigger_and_writes_a_valid_snapshot(
    tmp_path: Path, processes: Processes, standin: StandIn
) -> None:
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = prefect_env(tmp_path, api_url)
    server = processes.start(
        "server",
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env,
    )
    api = httpx.Client(base_url=api_url, timeout=10)

    def server_healthy() -> bool | None:
        if server.poll() is not None:
            pytest.fail(f"prefect server exited:\n{processes.log_tail('server')}")
        return True if api.get("/health").status_code == 200 else None

    wait_for("the Prefect server", SERVER_START_SECONDS, server_healthy)

    out = tmp_path / "served-out"
    serve = processes.start("serve", [str(BIN / "enrich"), "serve", "--out", str(out)], env)

    def deployment() -> dict[str, Any] | None:
        if serve.poll() is not None:
            pytest.fail(f"enrich serve exited:\n{processes.log_tail('serve')}")
        response = api.get("/deployments/name/enrich-lists/nightly")
        return response.json() if response.status_code == 200 else None

    registered = wait_for("deployment enrich-lists/nightly", DEPLOYMENT_SECONDS, deployment)
    [schedule] = registered["schedules"]
    assert schedule["active"] is True
    assert schedule["schedule"]["cron"] == NIGHTLY_CRON == "0 3 * * *"
    assert schedule["schedule"]["timezone"] == NIGHTLY_TIMEZONE == "UTC"
    assert registered["parameters"] == {"params": {"out_dir": str(out)}}

    # The manual trigger documented in the README, pointed at the stand-in.
    manual_out = tmp_path / "manual-out"
    params = {
        "lists": [str(spec.bundled_path()) for spec in DEFAULT_LISTS],
        "out_dir": str(manual_out),
        "cache_dir": str(tmp_path / "cache"),
        "arxiv_api_url": standin.arxiv_url,
        "s2_api_url": standin.s2_url,
        "arxiv_pace_seconds": 0,
        "s2_pace_seconds": 0,
    }
    trigger = subprocess.run(
        [
            str(BIN / "prefect"),
            "deployment",
            "run",
            "enrich-lists/nightly",
            "--param",
            f"params={json.dumps(params)}",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert trigger.returncode == 0, trigger.stdout + trigger.stderr
    match = re.search(r"UUID:\s*([0-9a-f-]{36})", trigger.stdout)
    assert match, trigger.stdout
    flow_run_id = match.group(1)

    def finished() -> dict[str, Any] | None:
        if serve.poll() is not None:
            pytest.fail(f"enrich serve exited:\n{processes.log_tail('serve')}")
        run = api.get(f"/flow_runs/{flow_run_id}").json()
        return run if run["state"]["type"] in {"COMPLETED", "FAILED", "CRASHED"} else None

    run = wait_for("the manual flow run", RUN_SECONDS, finished)
    assert run["state"]["type"] == "COMPLETED", (run["state"], processes.log_tail("serve"))
    assert run["state"]["name"] == "Completed"
    assert run["parameters"]["params"]["arxiv_api_url"] == standin.arxiv_url

    # The snapshot: where the parameter said, valid against the output models, status ok.
    [snapshot_dir] = sorted((manual_out / "snapshots").iterdir())
    snapshot = load_snapshot(snapshot_dir)
    assert snapshot.manifest.status == "ok"
    assert (manual_out / "latest").resolve() == snapshot_dir.resolve()
    assert [item.name for item in snapshot.manifest.lists] == [
        "superbrucejia-awesome-mixture-of-experts",
        "arpita8-mixture-of-experts-papers",
    ]
    assert snapshot.papers
    assert standin.count("arxiv") >= 1 and standin.count("s2") >= 1
    assert not out.exists()  # the manual parameters replaced the deployment's

    # Its artifacts are on the server.
    artifacts = api.post(
        "/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}
    ).json()
    assert {artifact["key"] for artifact in artifacts} == {
        "enrich-run-summary",
        "enrich-rows-needing-attention",
    }

    # prefect.yaml declares the same deployment for a process work pool: it registers as is.
    for args in (
        ["work-pool", "create", "awesome-enrich", "--type", "process"],
        ["--no-prompt", "deploy", "--all"],
    ):
        done = subprocess.run(
            [str(BIN / "prefect"), *args],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    deployed = api.get("/deployments/name/enrich-lists/nightly").json()
    assert deployed["work_pool_name"] == "awesome-enrich"
    assert deployed["entrypoint"] == "flows/enrich_lists.py:enrich_lists"
    assert [s["schedule"]["cron"] for s in deployed["schedules"]] == [NIGHTLY_CRON]
    assert deployed["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO_ROOT)}}
    ]
