"""Where a paced run's time goes: a library run of the generated list, cut at its requests.

The stand-in logs the arrival of every request, so the run's wall time splits into: start to
the first arXiv request (work no pace hides), the arXiv span (against its floor), the gap to the
first S2 request, the S2 span, and the last S2 request to the end (building and writing the
snapshot). ``benchmarks/README.md`` ("Extraction while arXiv is asked") quotes these figures.

Run: ``.venv/bin/python benchmarks/timeline.py [--papers N] [--pace-divisor D] [--no-arxiv-cache]``
(default 10,000 papers at a tenth of the real pace, as ``run.py``'s synthetic case).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from steps import synthetic_list

from enrich import pipeline
from enrich.lists.config import ListSpec
from enrich.settings import Settings
from enrich.standin import StandIn

ARXIV_PACE_SECONDS = 3.0
S2_PACE_SECONDS = 1.0


@dataclass(frozen=True)
class Timeline:
    wall: float
    arxiv_pace: float
    s2_pace: float
    arxiv_at: list[float]  # arrivals, seconds from the run's start
    s2_at: list[float]

    @property
    def floor(self) -> float:
        """The library's floor: the two sources one after the other."""
        return (
            max(len(self.arxiv_at) - 1, 0) * self.arxiv_pace
            + max(len(self.s2_at) - 1, 0) * self.s2_pace
        )

    def lines(self) -> list[str]:
        ax, s2 = self.arxiv_at, self.s2_at
        lines = [f"wall {self.wall:.2f} s, floor {self.floor:.2f} s"]
        if self.floor > 0:
            lines[0] += f", wall / floor {self.wall / self.floor:.3f}"
        if ax:
            arxiv_floor = (len(ax) - 1) * self.arxiv_pace
            gaps = [b - a for a, b in itertools.pairwise(ax)]
            lines += [
                f"start -> first arXiv request   {ax[0]:7.2f} s",
                f"arXiv span ({len(ax)} requests)      {ax[-1] - ax[0]:7.2f} s "
                f"(floor {arxiv_floor:.2f} s)",
                "first arXiv gaps               "
                + " ".join(f"{gap:.2f}" for gap in gaps[:10])
                + (f" (longest {max(gaps):.2f})" if gaps else ""),
            ]
        if s2:
            after = s2[0] - ax[-1] if ax else s2[0]
            lines += [
                f"{'last arXiv' if ax else 'start'} -> first S2 request      {after:7.2f} s",
                f"S2 span ({len(s2)} requests)         {s2[-1] - s2[0]:7.2f} s "
                f"(floor {(len(s2) - 1) * self.s2_pace:.2f} s)",
                f"last S2 request -> end         {self.wall - s2[-1]:7.2f} s",
            ]
        return lines


def measure(papers: int, divisor: float, workdir: Path, *, arxiv_cache: bool = True) -> Timeline:
    """One library run of ``papers`` generated rows, both real paces divided by ``divisor``."""
    arxiv_pace, s2_pace = ARXIV_PACE_SECONDS / divisor, S2_PACE_SECONDS / divisor
    lists = workdir / "synthetic.md"
    lists.write_text(synthetic_list(papers), encoding="utf-8")
    with StandIn(synthetic=papers, arxiv_pace=arxiv_pace, s2_pace=s2_pace) as standin:
        settings = Settings.from_env(
            {},
            arxiv_api_url=standin.arxiv_url,
            s2_api_url=standin.s2_url,
            arxiv_pace_seconds=arxiv_pace,
            s2_pace_seconds=s2_pace,
            cache_dir=workdir / "cache",
            arxiv_cache_ttl_days=7 if arxiv_cache else 0,
        )
        started = time.monotonic()  # the stand-in's clock
        pipeline.run_enrichment([ListSpec(source=str(lists))], workdir / "out", settings)
        wall = time.monotonic() - started
        requests = standin.requests
    return Timeline(
        wall=wall,
        arxiv_pace=arxiv_pace,
        s2_pace=s2_pace,
        arxiv_at=[r.at - started for r in requests if r.service == "arxiv"],
        s2_at=[r.at - started for r in requests if r.service == "s2"],
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--pace-divisor", type=float, default=10.0)
    parser.add_argument("--no-arxiv-cache", action="store_true", help="arXiv cache TTL 0")
    args = parser.parse_args(argv)
    if args.papers < 1 or args.pace_divisor <= 0:
        parser.error("--papers must be >= 1 and --pace-divisor > 0")
    with tempfile.TemporaryDirectory(prefix="enrich-timeline-") as workdir:
        timeline = measure(
            args.papers, args.pace_divisor, Path(workdir), arxiv_cache=not args.no_arxiv_cache
        )
    print(
        f"library run of {args.papers:,} generated papers, paces divided by {args.pace_divisor:g}"
    )
    print("\n".join(timeline.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
