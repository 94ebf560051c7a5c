"""Generated awesome lists for the scale case of ``make bench``: many lists, as real ones are.

``write_scale_lists`` writes ``lists`` markdown files over ``papers`` of the stand-in's generated
papers (``StandIn(synthetic=papers)``, arXiv ids ``2501.00001`` ...), deterministic for a seed:

* a share of the papers (``shared``, default 10%) is listed in 2 to 4 lists, the rest in one;
* a share of the rows (``id_less``, default 15%) has no id S2 accepts: it links the paper at a
  proceedings host (CVF, PMLR, NeurIPS) or OpenReview, so the paper is found by its title; a
  few of those titles (``unknown``, of the id-less rows) name nothing S2 knows (no match);
* a few rows (``malformed``, default 1%) carry a malformed arXiv link (a digit too many);
* ``mismatched`` rows link one paper and are titled after another, a real paper of the
  stand-in's catalogue that no row links (so the paper it names is found by a title match);
* the other rows link arXiv (abstract page, PDF or a versioned id).

Half the lists are tables (title, venue, year, code), half bullet lists; each has sections.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from enrich.standin.catalog import DATA_FILE, Catalog

#: Proceedings hosts whose links carry no id (the paper is found by its title).
_ID_LESS_LINKS = (
    ("CVPR", "https://openaccess.thecvf.com/content/CVPR2025/papers/Paper_{n}_CVPR_2025.pdf"),
    ("ICML", "https://proceedings.mlr.press/v267/paper{n}a.html"),
    ("NeurIPS", "https://proceedings.neurips.cc/paper_files/paper/2025/hash/{h}-Abstract.html"),
    ("ICLR", "https://openreview.net/forum?id=Syn{h}"),
)
_SECTIONS = ("Surveys", "Routing", "Training", "Inference", "Vision", "Language", "Systems")


@dataclass(frozen=True)
class ScaleSpec:
    papers: int = 20_000
    lists: int = 50
    shared: float = 0.10
    id_less: float = 0.15
    unknown: float = 0.05
    malformed: float = 0.01
    mismatched: int = 40
    seed: int = 11


@dataclass(frozen=True)
class ScaleLists:
    """What was written: the files and the facts the rows were generated with."""

    paths: list[Path]
    rows: int
    shared_papers: int
    id_less_rows: int
    unknown_rows: int
    malformed_rows: int
    mismatched_rows: int


@dataclass
class _Row:
    number: int  # the stand-in paper the row is about
    title: str
    url: str
    venue: str
    year: str


def _catalog_titles() -> list[tuple[str, int | None]]:
    """Titles (and S2 years) of the real papers of the stand-in's catalogue that arXiv knows."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return [
        (paper["title"], paper["s2"]["year"])
        for paper in raw["papers"]
        if paper["key"].startswith("arxiv:") and "|" not in paper["title"]
    ]


def _arxiv_row(rng: random.Random, number: int) -> _Row:
    arxiv_id = Catalog.synthetic_arxiv_id(number)
    form = rng.random()
    if form < 0.7:
        url = f"https://arxiv.org/abs/{arxiv_id}"
    elif form < 0.9:
        url = f"https://arxiv.org/pdf/{arxiv_id}"
    else:
        url = f"https://arxiv.org/abs/{arxiv_id}v{rng.randint(1, 3)}"
    title = f"Synthetic Stand-in Paper Number {number}"
    return _Row(number, title, url, "arXiv", "2025")


def write_scale_lists(directory: Path, spec: ScaleSpec = ScaleSpec()) -> ScaleLists:
    """Write the lists of ``spec`` under ``directory``; see the module docstring."""
    if spec.papers < spec.lists or spec.lists < 1:
        raise ValueError(f"need at least one paper per list: {spec}")
    rng = random.Random(spec.seed)
    directory.mkdir(parents=True, exist_ok=True)
    numbers = list(range(1, spec.papers + 1))
    rng.shuffle(numbers)
    shared = set(numbers[: round(spec.papers * spec.shared)])
    placements: list[tuple[int, int]] = []  # (list index, paper number)
    for number in numbers:
        copies = rng.randint(2, min(4, spec.lists)) if number in shared else 1
        for index in rng.sample(range(spec.lists), copies):
            placements.append((index, number))
    rng.shuffle(placements)

    total = len(placements)
    order = list(range(total))
    rng.shuffle(order)
    id_less = set(order[: round(total * spec.id_less)])
    unknown = set(sorted(id_less)[:: max(1, round(1 / spec.unknown))]) if spec.unknown else set()
    rest = order[len(id_less) :]
    malformed = set(rest[: round(total * spec.malformed)])
    titles = _catalog_titles()
    mismatched = dict(
        zip(rest[len(malformed) : len(malformed) + spec.mismatched], titles, strict=False)
    )

    rows: dict[int, list[_Row]] = {index: [] for index in range(spec.lists)}
    for position, (index, number) in enumerate(placements):
        if position in id_less:
            venue, pattern = _ID_LESS_LINKS[number % len(_ID_LESS_LINKS)]
            url = pattern.format(n=number, h=f"{number * 7919:08x}")
            title = f"Synthetic Stand-in Paper Number {number}"
            if position in unknown:
                title = f"Unindexed Workshop Paper {number}"
            row = _Row(number, title, url, venue, "2025")
        elif position in malformed:
            row = _arxiv_row(rng, number)
            # 2501.00042 -> 2501.000427: a digit too many, not an arXiv id.
            row.url = f"https://arxiv.org/abs/{Catalog.synthetic_arxiv_id(number)}{number % 10}"
        elif position in mismatched:
            title, year = mismatched[position]
            row = _arxiv_row(rng, number)
            row.title, row.year = title, str(year or 2025)
        else:
            row = _arxiv_row(rng, number)
        rows[index].append(row)

    paths = []
    for index in range(spec.lists):
        path = directory / f"scale-list-{index + 1:02d}.md"
        path.write_text(_render(index, rows[index]), encoding="utf-8")
        paths.append(path)
    return ScaleLists(
        paths=paths,
        rows=total,
        shared_papers=len(shared),
        id_less_rows=len(id_less),
        unknown_rows=len(unknown),
        malformed_rows=len(malformed),
        mismatched_rows=len(mismatched),
    )


def _render(index: int, rows: list[_Row]) -> str:
    lines = [f"# Awesome Synthetic Papers {index + 1}", "", "A generated list.", ""]
    per_section = max(1, -(-len(rows) // len(_SECTIONS)))
    table = index % 2 == 0
    for start in range(0, len(rows), per_section):
        lines += [f"## {_SECTIONS[start // per_section % len(_SECTIONS)]}", ""]
        if table:
            lines += ["| Paper | Venue | Year | Code |", "| --- | --- | --- | --- |"]
        for row in rows[start : start + per_section]:
            code = f"[code](https://github.com/synthetic/repo-{row.number})"
            if table:
                lines.append(f"| [{row.title}]({row.url}) | {row.venue} | {row.year} | {code} |")
            else:
                lines.append(f"- [{row.title}]({row.url}) - {row.venue} {row.year}. {code}")
        lines.append("")
    return "\n".join(lines)
