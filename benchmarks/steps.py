"""Where a run's processing goes: the library run of a generated list at pace 0, timed per step.

At pace 0 nothing waits, so the wall time of each step is its processing. Reading the lists,
building the snapshot and writing it happen before the first request or after the last one, so
no pace hides them: they are what a run costs above its rate-limit floor (benchmarks/README.md).
Extraction runs while arXiv is asked for the ids already read
(``enrich.pipeline.extract_fetching_arxiv``): only the part before the first batch of ids is
read is not hidden. The two overlap, so their times add up to more than the run's. The arXiv
and S2 steps are mostly hidden by the pace in a real run.

Run: ``.venv/bin/python benchmarks/steps.py [--papers N]`` (default 10,000; the list is the
synthetic table of ``benchmarks/run.py``, served by the stand-in).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from enrich import pipeline
from enrich.lists.config import ListSpec
from enrich.publish import write
from enrich.settings import Settings
from enrich.standin import StandIn
from enrich.standin.catalog import Catalog

#: (module, function, label): the steps timed, in the order a run takes them.
STEPS: tuple[tuple[Any, str, str], ...] = (
    (pipeline, "read_list_texts", "read lists"),
    (pipeline, "extract_lists", "extract lists (arXiv asked meanwhile)"),
    (pipeline, "fetch_arxiv", "arXiv (hidden by the pace)"),
    (pipeline, "fetch_s2", "S2 batches (hidden by the pace)"),
    (pipeline, "build_snapshot", "build the snapshot"),
    (write, "write_snapshot_report", "write the report"),
    (pipeline, "write_snapshot", "write the snapshot (report included)"),
)


def synthetic_list(papers: int) -> str:
    """A table of ``papers`` rows, each linking one of the stand-in's generated arXiv ids under
    the title the stand-in gives it (as ``benchmarks/run.py`` generates it)."""
    rows = [
        f"| [Synthetic Stand-in Paper Number {n}]"
        f"(https://arxiv.org/abs/{Catalog.synthetic_arxiv_id(n)}) | 2025 |"
        for n in range(1, papers + 1)
    ]
    return "\n".join(["# Synthetic list", "", "| Paper | Year |", "| --- | --- |", *rows]) + "\n"


@contextmanager
def timed_steps(spent: dict[str, float]) -> Iterator[None]:
    """Add the wall time of every call of each step of :data:`STEPS` to ``spent`` (by label)."""
    originals = [(module, name, getattr(module, name)) for module, name, _ in STEPS]

    def timing(function: Callable[..., Any], label: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - started

        return call

    try:
        for (module, name, label), (_, _, function) in zip(STEPS, originals, strict=True):
            setattr(module, name, timing(function, label))
        yield
    finally:
        for module, name, function in originals:
            setattr(module, name, function)


def measure(papers: int, workdir: Path) -> tuple[float, dict[str, float]]:
    """Total wall seconds of a library run of ``papers`` generated rows at pace 0, and per step."""
    lists = workdir / "synthetic.md"
    lists.write_text(synthetic_list(papers), encoding="utf-8")
    spent: dict[str, float] = {}
    with StandIn(synthetic=papers) as standin:
        standin.set_pace("arxiv", 0)
        standin.set_pace("s2", 0)
        settings = Settings.from_env(
            {},
            arxiv_api_url=standin.arxiv_url,
            s2_api_url=standin.s2_url,
            arxiv_pace_seconds=0,
            s2_pace_seconds=0,
            cache_dir=workdir / "cache",
        )
        with timed_steps(spent):
            started = time.perf_counter()
            pipeline.run_enrichment([ListSpec(source=str(lists))], workdir / "out", settings)
            total = time.perf_counter() - started
    return total, spent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--papers", type=int, default=10_000)
    args = parser.parse_args(argv)
    if args.papers < 1:
        parser.error(f"--papers must be >= 1, got {args.papers}")
    with tempfile.TemporaryDirectory(prefix="enrich-steps-") as workdir:
        total, spent = measure(args.papers, Path(workdir))
    print(f"library run of {args.papers:,} generated papers at pace 0: {total:.2f} s")
    for _, _, label in STEPS:
        print(f"  {label:<40}{spent.get(label, 0.0):7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
