"""Extraction benchmark: a generated 10,000-entry list in each layout, a 20 MB list, and many
links on one line.

1. Per layout: the text size, entries found, wall time, entries per second and the peak Python
   memory of one extraction (tracemalloc; measured in a second run so that tracing does not
   slow the timed run). Target: under 2 s and 300 MB for 10,000 entries in every layout.
2. ``enrich extract`` of a generated list of ``--large-mb`` MB (every layout, repeated), in a
   process of its own: wall time and peak resident memory (``ru_maxrss``). Target (issue 14):
   under 1 GB for 20 MB.
3. One list item holding ``--links`` links on one line, and a quarter as many: time per link of
   each (near-linear when the two are close; the old extractor was quadratic: 2.5 minutes for
   200,000 links).

Run: ``.venv/bin/python benchmarks/extract.py [--entries N] [--large-mb MB] [--links N]``
(``--large-mb 0`` / ``--links 0`` skip parts 2 and 3). Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from enrich.lists.extract import extract_entries

TARGET_SECONDS = 2.0
TARGET_MB = 300.0
TARGET_LARGE_RSS_MB = 1000.0
#: The larger links line may cost at most this much more per link than the smaller one.
TARGET_LINK_RATIO = 1.5
ENRICH = Path(sys.executable).parent / "enrich"


def _arxiv(i: int) -> str:
    return f"https://arxiv.org/abs/24{(i % 12) + 1:02d}.{i % 100000:05d}"


def _table(n: int) -> str:
    rows = [
        f"| M{i} | [Paper title number {i}: scaling things]({_arxiv(i)}) | arXiv | 2024 |"
        for i in range(n)
    ]
    return "# Table list\n\n| Name | Paper | Venue | Year |\n|---|---|---|---|\n" + "\n".join(rows)


def _bullets(n: int) -> str:
    lines = ["# Bullet list", ""]
    for i in range(n):
        if i % 500 == 0:
            lines += [f"## Section {i // 500}", ""]
        marker = "-*+"[i % 3]
        lines.append(
            f"{marker} **Paper title number {i}** [[pdf]]({_arxiv(i)}) "
            f"[[code]](https://github.com/o/r{i}) ICLR 2022"
        )
    return "\n".join(lines)


def _numbered(n: int) -> str:
    lines = ["# Numbered list", ""]
    lines += [f"{i + 1}. [Paper title number {i}]({_arxiv(i)}) - NeurIPS 2021" for i in range(n)]
    return "\n".join(lines)


def _blocks(n: int) -> str:
    parts = ["# Bold-title blocks", ""]
    for i in range(n):
        parts.append(
            f"**_Note {i}_ - Paper title number {i}**\\\n_A. Author, B. Author_\\\n"
            f"arXiv, [[Paper]({_arxiv(i)})] [[GitHub](https://github.com/o/r{i})]\\\n8 Jan 2024\n"
        )
    return "\n".join(parts)


def _html_table(n: int) -> str:
    rows = [
        f'<tr><td><a href="{_arxiv(i)}">Paper title number {i}</a></td><td>arXiv 2024</td></tr>'
        for i in range(n)
    ]
    return (
        "# HTML table\n\n<table>\n<tr><th>Title</th><th>Venue</th></tr>\n"
        + "\n".join(rows)
        + "\n</table>\n"
    )


def _details(n: int) -> str:
    parts = ["# Details list", ""]
    for block in range(n // 100):
        parts += [f"<details>\n<summary>Group {block}</summary>\n"]
        parts += [
            f"- [Paper title number {block * 100 + j}]({_arxiv(block * 100 + j)})"
            for j in range(100)
        ]
        parts += ["", "</details>", ""]
    return "\n".join(parts)


LAYOUTS: dict[str, Callable[[int], str]] = {
    "pipe table": _table,
    "bullets -*+": _bullets,
    "numbered 1.": _numbered,
    "bold blocks": _blocks,
    "html <table>": _html_table,
    "<details> lists": _details,
}


def large_list(megabytes: float) -> str:
    """Every layout, repeated until the text has ``megabytes`` MB (at most 20 MiB, the limit)."""
    wanted = min(int(megabytes * 1e6), 20 * 1024 * 1024 - 1)
    parts: list[str] = []
    size = 0
    while size < wanted:
        for make in LAYOUTS.values():
            part = make(2_000)
            parts.append(part)
            size += len(part) + 2
    return "\n\n".join(parts)[:wanted].rsplit("\n", 1)[0] + "\n"


def measure_large(megabytes: float) -> bool:
    """``enrich extract`` of a large list in a child process: wall time and peak memory."""
    text = large_list(megabytes)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.md"
        path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        done = subprocess.run(
            [str(ENRICH), "extract", str(path)], stdout=subprocess.DEVNULL, check=False
        )
        wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ok = done.returncode == 0 and peak_mb < TARGET_LARGE_RSS_MB
    print(
        f"enrich extract of a {len(text.encode()) / 1e6:.1f} MB list: {wall:.1f} s, peak RSS "
        f"{peak_mb:.0f} MB (target < {TARGET_LARGE_RSS_MB:.0f} MB): {'met' if ok else 'MISSED'}"
    )
    return ok


def measure_links(links: int) -> bool:
    """One item with ``links`` links on one line, and with a quarter as many."""
    per_link = []
    for count in (links // 4, links):
        text = "- " + " ".join(
            f"[Paper {i}](https://arxiv.org/abs/2401.{i % 99_999:05d})" for i in range(count)
        )
        start = time.perf_counter()
        (entry,) = extract_entries(text + "\n", list_name="bench")
        seconds = time.perf_counter() - start
        assert len(entry.links) == count
        per_link.append(seconds / count)
        print(f"{count} links on one line: {seconds:.1f} s ({seconds / count * 1e6:.0f} us/link)")
    ratio = per_link[1] / per_link[0]
    ok = ratio <= TARGET_LINK_RATIO
    print(
        f"time per link, {links} vs {links // 4} links: x{ratio:.2f} (target <= "
        f"x{TARGET_LINK_RATIO}, near-linear): {'met' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
    parser.add_argument("--large-mb", type=float, default=20.0, help="0 skips the large list")
    parser.add_argument("--links", type=int, default=200_000, help="0 skips the links line")
    args = parser.parse_args()
    print(
        f"{'layout':<16}{'MB text':>9}{'entries':>9}{'wall s':>8}{'cpu s':>7}"
        f"{'entries/s':>11}{'peak MB':>9}"
    )
    ok = True
    for name, make in LAYOUTS.items():
        text = make(args.entries)
        walls, cpus = [], []
        for _ in range(max(1, args.repeat)):
            wall, cpu = time.perf_counter(), time.process_time()
            entries = extract_entries(text, list_name="bench")
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        tracemalloc.start()
        extract_entries(text, list_name="bench")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak_mb, best = peak / 1e6, min(walls)
        print(
            f"{name:<16}{len(text.encode()) / 1e6:>9.2f}{len(entries):>9}{best:>8.2f}"
            f"{min(cpus):>7.2f}{len(entries) / best:>11.0f}{peak_mb:>9.1f}"
        )
        if len(entries) != args.entries or best > TARGET_SECONDS or peak_mb > TARGET_MB:
            ok = False
    verdict = "met" if ok else "MISSED"
    print(f"targets ({args.entries} entries, < {TARGET_SECONDS} s, < {TARGET_MB} MB): {verdict}")
    if args.large_mb > 0:
        ok = measure_large(args.large_mb) and ok
    if args.links > 0:
        ok = measure_links(args.links) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
