"""Extraction benchmark: a generated 10,000-entry list in each layout.

Prints, per layout, the text size, entries found, wall time, entries per second and the peak
Python memory of one extraction (tracemalloc; measured in a second run so that tracing does not
slow the timed run). Target: under 2 s and 300 MB for 10,000 entries in every layout.

Run: ``.venv/bin/python benchmarks/extract.py [--entries N]``. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

from enrich.lists.extract import extract_entries

TARGET_SECONDS = 2.0
TARGET_MB = 300.0


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
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
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
