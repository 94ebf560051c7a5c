"""The naive per-paper baseline that ``benchmarks/run.py`` compares the pipeline with.

It does the seed-list look-ups the way a first script usually does, with the two client
packages as they come: one single-id arXiv query per arXiv id (``arxiv.Client`` with
``Search(id_list=[id])``) and one ``SemanticScholar.get_paper`` per id S2 accepts, plus one
``search_paper(title, match_title=True)`` per paper that has no such id. It asks for exactly
the ids and titles :func:`enrich.papers.lookups.plan_lookups` plans for the pipeline, so both do the
same work; only the way of asking differs. (The pipeline's follow-up title look-ups for rows
whose title contradicts their link are not repeated here: a per-paper script has no such step.)

Pace: the same as the pipeline's. arXiv waits are left to the ``arxiv`` package's own
``delay_seconds`` (it counts from the end of the previous request); ``semanticscholar`` does
not pace at all, so this module waits ``s2_pace`` after each S2 call ends, the same rule.

Run by ``run.py`` in its own process (for an honest peak memory)::

    python benchmarks/naive.py --list FILE [--list FILE ...] --arxiv-url URL --s2-url URL \
        --arxiv-pace 3 --s2-pace 1 --result RESULT.json

Package traps handled (see the project's API_NOTES.md): the arXiv base URL is set on the client
instance (``query_url_format``); ``semanticscholar`` calls ``logging.basicConfig`` when a client
is constructed, so logging is configured first; its field list is given explicitly because the
default asks for fields the stand-in (like S2 for some of them) refuses.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import arxiv
from pydantic import BaseModel, Field
from semanticscholar import SemanticScholar

from enrich.lists.extract import extract_list
from enrich.lists.read import read_list
from enrich.papers.lookups import LookupPlan, plan_lookups
from enrich.settings import Settings
from enrich.sources.s2 import S2_FIELDS, UnsupportedIdError, to_s2_id

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class NaiveResult(BaseModel):
    """What one naive run did, as written to the result file."""

    arxiv_lookups: int = Field(description="Single-id arXiv queries made.")
    s2_lookups: int = Field(description="get_paper calls made.")
    title_lookups: int = Field(description="search_paper(match_title=True) calls made.")
    found: int = Field(description="Look-ups that returned a paper.")
    errors: list[str] = Field(default_factory=list, description="Look-ups that raised.")
    wall_seconds: float = Field(
        description="Time of all look-ups (imports and list reading excluded)."
    )
    peak_rss_mb: float = Field(description="ru_maxrss of this process at the end, in MiB.")


class GapPacer:
    """Waits until ``interval`` seconds have passed since the previous call *ended*.

    The rule the ``arxiv`` package applies (``Client.delay_seconds``), used here for S2 too.
    """

    def __init__(
        self, interval: float, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last_end: float | None = None

    def wait(self) -> None:
        """Block until the next call may start."""
        if self._last_end is None:
            return
        remaining = self._last_end + self.interval - self._clock()
        if remaining > 0:
            self._sleep(remaining)

    def done(self) -> None:
        """Record that a call has just ended."""
        self._last_end = self._clock()


def plan_for_lists(paths: Sequence[Path]) -> LookupPlan:
    """The look-ups the pipeline plans for the lists at ``paths`` (read from files, no network)."""
    settings = Settings.from_env({})
    lists = [extract_list(read_list(str(path), settings)) for path in paths]
    return plan_lookups(lists)


def run_naive(
    plan: LookupPlan,
    *,
    arxiv_url: str,
    s2_url: str,
    arxiv_pace: float,
    s2_pace: float,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> NaiveResult:
    """Look up every id and title of ``plan`` one request each: arXiv first, then S2.

    Errors of single look-ups are collected, not raised, so one failure does not hide the
    cost of the rest.
    """
    # semanticscholar calls logging.basicConfig in its constructor: configure logging first,
    # quietly, so that its DEBUG request logs (with headers) are never emitted.
    logging.basicConfig(level=logging.WARNING)
    errors: list[str] = []
    found = 0
    started = clock()

    client = arxiv.Client(page_size=1, delay_seconds=arxiv_pace, num_retries=0)
    client.query_url_format = arxiv_url + "?{}"  # on the instance: the class default is arXiv's
    for key in plan.arxiv_ids:
        arxiv_id = key.removeprefix("arxiv:")
        try:
            results = list(client.results(arxiv.Search(id_list=[arxiv_id], max_results=1)))
        except arxiv.ArxivError as error:
            errors.append(f"arxiv {arxiv_id}: {type(error).__name__}: {error}")
            continue
        found += bool(results)

    scholar = SemanticScholar(api_url=s2_url, timeout=30)
    fields = list(S2_FIELDS)
    pacer = GapPacer(s2_pace, clock=clock, sleep=sleep)
    s2_lookups = 0
    for key in plan.s2_ids:
        try:
            s2_id = to_s2_id(key)
        except UnsupportedIdError:
            continue
        pacer.wait()
        s2_lookups += 1
        try:
            paper = scholar.get_paper(s2_id, fields=fields)
            found += bool(paper and paper.paperId)
        except Exception as error:  # the package raises many kinds; the baseline only counts
            errors.append(f"s2 {s2_id}: {type(error).__name__}: {error}")
        finally:
            pacer.done()
    for query in plan.title_queries:
        pacer.wait()
        try:
            paper = scholar.search_paper(query.title, fields=fields, match_title=True)
            found += bool(paper and paper.paperId)
        except Exception as error:  # ObjectNotFoundException for "no match", among others
            errors.append(f"title {query.title!r}: {type(error).__name__}: {error}")
        finally:
            pacer.done()

    return NaiveResult(
        arxiv_lookups=len(plan.arxiv_ids),
        s2_lookups=s2_lookups,
        title_lookups=len(plan.title_queries),
        found=found,
        errors=errors,
        wall_seconds=clock() - started,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Naive per-paper look-ups (benchmark baseline).")
    parser.add_argument("--list", dest="lists", type=Path, action="append", required=True)
    parser.add_argument("--arxiv-url", required=True, help="arXiv query endpoint (before '?')")
    parser.add_argument("--s2-url", required=True, help="Semantic Scholar API root")
    parser.add_argument("--arxiv-pace", type=float, required=True, help="seconds between calls")
    parser.add_argument("--s2-pace", type=float, required=True, help="seconds between calls")
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON")
    args = parser.parse_args(argv)
    for path in args.lists:
        if not path.is_file():
            parser.error(f"--list {path}: no such file")
    result = run_naive(
        plan_for_lists(args.lists),
        arxiv_url=args.arxiv_url,
        s2_url=args.s2_url,
        arxiv_pace=args.arxiv_pace,
        s2_pace=args.s2_pace,
    )
    args.result.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
