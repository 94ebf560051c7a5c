"""Extraction on real lists: how well a folder of lists the extractor was not tuned on reads.

For every ``*.md`` list of a folder (default ``/work/shared/corpus`` when present; any folder
works), prints: entries found; paper ids in the text (a plain regex scan, independent of the
extractor, of arXiv, DOI, OpenReview and ACL links and ``arXiv:``/``doi:`` text); id recall (the
share of those ids that entries hold); ids neither held nor reported by the audit with a reason
("unexplained", must be 0); the share of entries holding a paper id whose title is title-like
(:func:`enrich.lists.classify.is_title_like`); wall time of one extraction (best of
``--repeat``); and peak Python memory (tracemalloc, in a separate run). Then the overall figures.

Targets (issue 9): every list id recall >= 0.99 or every missing id reported with a reason,
>= 0.97 title-like, < 1 s per list. Exit status 1 when one is missed.

Run: ``.venv/bin/python benchmarks/lists.py [FOLDER] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import tracemalloc
from pathlib import Path

from enrich.lists.classify import is_title_like
from enrich.lists.extract import extract_list
from enrich.lists.identifiers import normalize_id
from enrich.lists.read import ListText
from enrich.models import ExtractedList, ListInfo

DEFAULT_FOLDER = Path("/work/shared/corpus")
TARGET_RECALL = 0.99
TARGET_TITLE_LIKE = 0.97
TARGET_SECONDS = 1.0

# Deliberately naive: any text that looks like an id link or an id mention.
_PLAIN_SCAN = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html|ftp|ps|format)/[^\s)\]>\"'|]+"
    r"|(?:dx\.)?doi\.org/10\.[^\s)\]>\"'|]+"
    r"|/doi/(?:abs/|pdf/|full/)?10\.[^\s)\]>\"'|?#]+"
    r"|openreview\.net/(?:forum|pdf)\?id=[\w\-]+"
    r"|(?:aclanthology\.org|aclweb\.org/anthology)/[^\s)\]>\"'|]+"
    r"|arxiv:\s?[\w.\-/]+\d|doi:\s?10\.[^\s)\]>\"'|]+)",
    re.IGNORECASE,
)


def plain_scan(text: str) -> set[str]:
    """Distinct prefixed paper ids a plain regex finds in ``text``."""
    found = set()
    for match in _PLAIN_SCAN.finditer(text):
        written = match.group(0).rstrip(".,;:")
        lowered = written.lower()
        if lowered.startswith(("arxiv:", "doi:")):
            paper_id = normalize_id(written)
        elif lowered.startswith("/doi/"):
            paper_id = normalize_id("https://dl.acm.org" + written)
        else:
            paper_id = normalize_id("https://" + written)
        if paper_id is not None:
            found.add(paper_id)
    return found


def _extract(path: Path, text: str) -> ExtractedList:
    info = ListInfo(source=str(path), name=path.stem)
    return extract_list(ListText(info=info, text=text))


def measure(path: Path, repeat: int) -> dict[str, float | int]:
    text = path.read_text(encoding="utf-8")
    walls = []
    extracted: ExtractedList | None = None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        extracted = _extract(path, text)
        walls.append(time.perf_counter() - start)
    assert extracted is not None
    tracemalloc.start()
    _extract(path, text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    scanned = plain_scan(text)
    held = {i for e in extracted.entries for i in e.ids.paper_ids()}
    reported = {o.id for o in extracted.audit.ids_outside_entries}
    with_id = [e for e in extracted.entries if not e.ids.is_empty()]
    titled = sum(is_title_like(e.title) for e in with_id)
    return {
        "entries": len(extracted.entries),
        "ids": len(scanned),
        "held": len(scanned & held),
        "unexplained": len(scanned - held - reported),
        "with_id": len(with_id),
        "titled": titled,
        "seconds": min(walls),
        "peak_mb": peak / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
    args = parser.parse_args(argv)
    paths = sorted(p for p in args.folder.glob("*.md") if p.name.lower() != "readme.md")
    if not paths:
        print(f"no *.md lists in {args.folder}", file=sys.stderr)
        return 2
    header = (
        f"{'list':<48}{'entries':>8}{'ids':>6}{'recall':>8}{'unexpl.':>8}"
        f"{'title-like':>11}{'s':>7}{'peak MB':>9}"
    )
    print(header)
    print("-" * len(header))
    totals = {"entries": 0, "ids": 0, "held": 0, "unexplained": 0, "with_id": 0, "titled": 0}
    worst_seconds = 0.0
    worst_peak = 0.0
    ok = True
    for path in paths:
        row = measure(path, args.repeat)
        for key in totals:
            totals[key] += int(row[key])
        recall = row["held"] / row["ids"] if row["ids"] else 1.0
        titled = row["titled"] / row["with_id"] if row["with_id"] else 1.0
        worst_seconds = max(worst_seconds, float(row["seconds"]))
        worst_peak = max(worst_peak, float(row["peak_mb"]))
        missed = (
            (recall < TARGET_RECALL and row["unexplained"])
            or titled < TARGET_TITLE_LIKE
            or row["seconds"] >= TARGET_SECONDS
        )
        ok = ok and not missed
        print(
            f"{path.stem[:47]:<48}{row['entries']:>8}{row['ids']:>6}{recall:>8.3f}"
            f"{row['unexplained']:>8}{titled:>11.3f}{row['seconds']:>7.2f}"
            f"{row['peak_mb']:>9.1f}{'  MISSED' if missed else ''}"
        )
    recall = totals["held"] / totals["ids"] if totals["ids"] else 1.0
    titled = totals["titled"] / totals["with_id"] if totals["with_id"] else 1.0
    print("-" * len(header))
    print(
        f"{'all ' + str(len(paths)) + ' lists':<48}{totals['entries']:>8}{totals['ids']:>6}"
        f"{recall:>8.3f}{totals['unexplained']:>8}{titled:>11.3f}{worst_seconds:>7.2f}"
        f"{worst_peak:>9.1f}"
    )
    print(
        f"(overall: ids pooled over lists; s and peak MB are the worst list) targets: recall >= "
        f"{TARGET_RECALL} or no unexplained id, title-like >= {TARGET_TITLE_LIKE}, "
        f"< {TARGET_SECONDS} s per list: {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
