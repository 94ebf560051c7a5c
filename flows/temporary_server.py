"""The temporary Prefect API server of ``enrich run``, which dies with the process that started it.

Without ``PREFECT_API_URL`` Prefect starts an "ephemeral" server of its own
(``prefect.server.api.server.SubprocessASGIServer``) and stops it from an ``atexit`` hook, which
never runs when the run is killed (SIGKILL, a cron timeout, SIGTERM's default action): the server
then keeps running as an orphan. This module starts the same server (the same application,
settings and environment as Prefect's ephemeral one) as ``python -m flows.temporary_server``,
whose watchdog stops it as soon as its parent is gone, whatever killed the parent.

The listening socket is opened by the parent and handed to the child, so the port is known
before the child starts and no other process can take it in between.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from types import TracebackType

import httpx

#: How often the child checks that its parent is still alive.
WATCH_INTERVAL_SECONDS = 0.2
#: How long the child waits for uvicorn to shut down gracefully before it exits anyway.
SHUTDOWN_GRACE_SECONDS = 5.0


class TemporaryServerError(RuntimeError):
    """The temporary server did not start (the message says why, in one line)."""


class TemporaryServer:
    """A Prefect API server on 127.0.0.1 for the lifetime of a ``with`` block (and no longer)."""

    def __init__(self, startup_timeout: float | None = None) -> None:
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        self.startup_timeout = (
            startup_timeout or PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        )
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the temporary server has not been started")
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> None:
        from prefect.settings import get_current_settings

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(128)
            self.port = listener.getsockname()[1]
            environment = {
                **os.environ,
                # As Prefect's own ephemeral server (SubprocessASGIServer._run_uvicorn_command).
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            }
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flows.temporary_server",
                    "--parent",
                    str(os.getpid()),
                    "--fd",
                    str(listener.fileno()),
                ],
                pass_fds=[listener.fileno()],
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        finally:
            listener.close()  # the child holds its own copy
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    error = self.process.stderr.read() if self.process.stderr else b""
                    last = error.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                    self.stop()
                    raise TemporaryServerError(
                        f"the temporary Prefect server exited at start ({last[0]})"
                    )
                try:
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise TemporaryServerError(
            f"the temporary Prefect server did not answer within {self.startup_timeout:g} s "
            "(raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or set PREFECT_API_URL)"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=SHUTDOWN_GRACE_SECONDS + 1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            process.stderr.close()

    def __enter__(self) -> TemporaryServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- the child


def _watch_parent(parent: int) -> None:
    """End this process once ``parent`` is gone (it is then re-parented, so getppid changes)."""
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn shuts down gracefully on SIGTERM
    time.sleep(SHUTDOWN_GRACE_SECONDS)
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.temporary_server")
    parser.add_argument("--parent", type=int, required=True, help="pid to live no longer than")
    parser.add_argument("--fd", type=int, required=True, help="listening socket to serve on")
    args = parser.parse_args(argv)
    if os.getppid() != args.parent:
        return 0  # the parent died before we got here
    threading.Thread(target=_watch_parent, args=(args.parent,), daemon=True).start()

    import uvicorn

    listener = socket.socket(fileno=args.fd)
    config = uvicorn.Config(
        "prefect.server.api.server:create_app",
        factory=True,
        log_level="error",
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=[listener])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
