"""The temporary Prefect server of `enrich run`: it starts, answers, stops, and never outlives
its parent (the parent's death is tested with a real SIGKILL in test_cli_run.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from flows.temporary_server import TemporaryServer, TemporaryServerError


def test_the_child_refuses_to_serve_for_a_parent_that_is_not_its_own() -> None:
    """A server started by a parent that died before the child ran must not start at all."""
    done = subprocess.run(
        [sys.executable, "-m", "flows.temporary_server", "--parent", "1", "--fd", "0"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == b""


def test_it_serves_the_prefect_api_until_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    with TemporaryServer(startup_timeout=120) as server:
        assert httpx.get(f"{server.api_url}/health", timeout=5).json() is True
        process = server.process
        assert process is not None
    assert process.poll() is not None  # stopped with the block
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.api_url}/health", timeout=5)


def test_a_server_that_cannot_start_is_one_line() -> None:
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL, temporary_settings

    # Set as a setting: the server gets the current settings, which win over the environment.
    with (
        temporary_settings(updates={PREFECT_API_DATABASE_CONNECTION_URL: "nosuchdb://nowhere"}),
        pytest.raises(TemporaryServerError) as info,
    ):
        TemporaryServer(startup_timeout=120).start()
    message = str(info.value)
    assert message.startswith("the temporary Prefect server exited at start")
    assert "\n" not in message
