"""Read an awesome-enrich snapshot as a consumer would: standard library only, the contract of
outputs/README.md and nothing else.

    python docs/consumer_example.py outputs/latest arpita8-mixture-of-experts-papers --top 5

answers two questions about one list:

1. Which of its papers are cited most, with their first author and year?
2. Which of its rows link the wrong paper (the row's title names another paper), and which
   paper did the row mean?

Exit status 0, or 2 when the snapshot or the list cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

#: The schema version this script was written for (outputs/README.md, "Versions").
SCHEMA_VERSION = 2


def fail(message: str) -> NoReturn:
    print(f"consumer_example: {message}", file=sys.stderr)
    sys.exit(2)


def load(snapshot: Path, list_name: str) -> tuple[dict[str, Any], list[dict[str, Any]], Any]:
    """The manifest, the papers and the list file of ``list_name``; exits 2 when unusable."""
    try:
        manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
        papers = json.loads((snapshot / "papers.json").read_text(encoding="utf-8"))
        list_path = snapshot / "lists" / f"{list_name}.json"
        if not list_path.exists():
            names = sorted(item["name"] for item in manifest["lists"])
            fail(f"no list {list_name!r} in {snapshot}; lists: {', '.join(names)}")
        list_file = json.loads(list_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        fail(f"cannot read the snapshot {snapshot}: {error}")
    if manifest["schema_version"] != SCHEMA_VERSION:
        fail(f"{snapshot} has schema_version {manifest['schema_version']}, not {SCHEMA_VERSION}")
    return manifest, papers, list_file


def top_cited(papers: list[dict[str, Any]], list_name: str, top: int) -> list[str]:
    """Lines for the ``top`` most cited papers listed in ``list_name``."""
    listed = [
        paper
        for paper in papers
        if any(place["list_name"] == list_name for place in paper["appearances"])
        and paper["citation_count"] is not None
    ]
    listed.sort(key=lambda paper: (-paper["citation_count"], paper["paper_id"]))
    lines = []
    for rank, paper in enumerate(listed[:top], start=1):
        first_author = paper["authors"][0]["name"] if paper["authors"] else "(no author known)"
        year = paper["year"] if paper["year"] is not None else "year unknown"
        lines.append(
            f"{rank:>3}. {paper['citation_count']:>6} citations  {paper['title']} "
            f"({first_author}, {year}) [{paper['paper_id']}]"
        )
    return lines


def wrong_links(papers: list[dict[str, Any]], list_file: dict[str, Any]) -> list[str]:
    """Lines for the rows whose title does not describe the paper they link."""
    # A flag names papers by paper id; a stored or suggested id may be an alias of a record.
    titles = {name: p["title"] for p in papers for name in [p["paper_id"], *p["aliases"]]}
    lines = []
    for entry in list_file["entries"]:
        for flag in entry["flags"]:
            if flag["flag"] != "title_mismatch" or flag["field"] != "title":
                continue
            line = (
                f"  line {entry['line']}: {entry['title']!r} links {flag['linked_id']} "
                f"({flag['fetched_title']!r})"
            )
            meant = flag["suggested_id"]
            if meant is not None:
                line += f"; it means {meant} ({titles.get(meant, 'not in this snapshot')!r})"
            lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path, help="a snapshot directory, e.g. outputs/latest")
    parser.add_argument("list_name", help="a list slug (lists/<slug>.json)")
    parser.add_argument("--top", type=int, default=10, help="how many papers to show")
    args = parser.parse_args(argv)
    manifest, papers, list_file = load(args.snapshot, args.list_name)

    print(f"Snapshot {manifest['run_id']} ({manifest['status']})")
    if manifest["demo"]:
        print("DEMO DATA: values come from the bundled stand-in; citation counts are made up.")
    print(f"\nMost cited papers of {args.list_name}:")
    print("\n".join(top_cited(papers, args.list_name, args.top)) or "  (no citation counts)")
    print(f"\nRows of {args.list_name} that link the wrong paper:")
    print("\n".join(wrong_links(papers, list_file)) or "  (none)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
