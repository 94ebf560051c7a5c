"""``python tests/enrich_killed_at.py STEP enrich-args...``: ``enrich`` that kills itself (SIGKILL)
right after publishing step STEP (a name of :data:`enrich.publish.write.WriteHook`).

Injected, not timed: the write hook of the real publishing code sends the signal. Before it
does, it prints ``CHILDREN <pid> ...``, the processes this one started (the temporary Prefect
server), so that a test can check they do not outlive it.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from enrich import pipeline
from enrich.cli import app


def children() -> list[int]:
    """Pids whose parent is this process (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid():
            found.append(int(entry))
    return found


def main() -> None:
    step, args = sys.argv[1], sys.argv[2:]
    write_snapshot = pipeline.write_snapshot

    def write_then_die(snapshot: Any, out_dir: Path, **options: Any) -> Path:
        def hook(name: str) -> None:
            if name == step:
                print("CHILDREN", *children(), flush=True)
                os.kill(os.getpid(), signal.SIGKILL)

        return write_snapshot(snapshot, out_dir, on_write=hook, **options)

    pipeline.write_snapshot = write_then_die  # type: ignore[assignment]
    app(args, prog_name="enrich")


if __name__ == "__main__":
    main()
