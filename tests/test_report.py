"""The HTML report of a snapshot, read back with an HTML parser: every paper, flag and fix is
there, the history is drawn, list strings are escaped, nothing is fetched from elsewhere."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from paper_builders import run_input
from report_builders import (
    HOSTILE_LINK,
    HOSTILE_LIST_TITLE,
    HOSTILE_SECTION,
    HOSTILE_TITLE,
    MIXTRAL,
    demo_snapshot,
    write_demo,
)
from typer.testing import CliRunner

from enrich.cli import app
from enrich.contract import Snapshot
from enrich.models import EntryNote, ExtractionAudit, OutsideId, OutsideReason
from enrich.publish import report as report_package
from enrich.publish.report import build_view, load_view, rebuild_report
from enrich.publish.report.render import render_pages
from enrich.publish.report.view import id_href, safe_href
from enrich.publish.snapshot import ListFailure, build_snapshot, load_snapshot
from enrich.publish.write import write_snapshot

# --------------------------------------------------------------------------- a small DOM

_BLOCKS = {"td", "th", "tr", "li", "p", "div", "dt", "dd", "h1", "h2", "section", "caption"}
_VOID = {"meta", "br", "input", "img", "link", "hr", "col", "source", "wbr", "area", "base"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        if self.tag == "br":
            return "\n"
        inner = "".join(c if isinstance(c, str) else c.text() for c in self.children)
        return f" {inner} " if self.tag in _BLOCKS else inner

    def words(self) -> str:
        return " ".join(self.text().split())

    def walk(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.walk()
            if node.tag == tag
            and all(attrs[k] in (node.attrs.get(k.rstrip("_")) or "").split() for k in attrs)
        ]

    def find(self, tag: str, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def by_id(self, element_id: str) -> Node:
        found = [node for node in self.walk() if node.attrs.get("id") == element_id]
        assert len(found) == 1, element_id
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(path: Path) -> Node:
    builder = _TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    assert builder.current is builder.root, "unclosed elements"
    return builder.root


def paper_rows(page: Node) -> list[Node]:
    return page.by_id("papers-table").find("tbody").find_all("tr")


def row_cells(row: Node) -> list[Node]:
    return [child for child in row.children if isinstance(child, Node)]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """Two runs of the demo lists; the directory of the second snapshot."""
    return write_demo(tmp_path / "out", runs=2)


# --------------------------------------------------------------------------- content


def test_each_snapshot_writes_a_run_page_and_a_page_per_list(demo: Path) -> None:
    report = demo / "report"
    assert sorted(p.relative_to(report).as_posix() for p in report.rglob("*.html")) == [
        "index.html",
        "lists/alpha.html",
        "lists/beta.html",
    ]
    latest = demo.parent.parent / "latest" / "report" / "index.html"
    assert latest.read_bytes() == (report / "index.html").read_bytes()


def test_every_paper_of_a_list_is_in_its_table_most_cited_first(demo: Path) -> None:
    snapshot = load_snapshot(demo)
    for slug, list_file in snapshot.lists.items():
        page = parse(demo / "report" / "lists" / f"{slug}.html")
        rows = paper_rows(page)
        ids = [row.find("span", class_="id").words() for row in rows]
        expected = {e.paper_id for e in list_file.entries if e.paper_id is not None}
        assert sorted(ids) == sorted(expected) and len(ids) == len(expected), slug
        by_id = {paper.paper_id: paper for paper in snapshot.papers}
        counts = [by_id[paper_id].citation_count for paper_id in ids]
        known = [c for c in counts if c is not None]
        assert known == sorted(known, reverse=True)
        assert counts[len(known) :] == [None] * (len(counts) - len(known))  # unknown last


def test_a_paper_row_shows_its_record_change_and_history(demo: Path) -> None:
    page = parse(demo / "report" / "lists" / "alpha.html")
    row = next(r for r in paper_rows(page) if r.find("th").find("a").words() == MIXTRAL)
    title, author, year, venue, citations, change, history, lists, flags = row_cells(row)
    assert title.find("a").attrs["href"] == "https://arxiv.org/abs/2401.04088"
    assert author.words() == "Albert Q. Jiang +1"
    assert (year.words(), venue.words()) == ("2024", "ICML")
    assert (citations.attrs["data-value"], citations.words()) == ("130", "130")
    assert (change.attrs["data-value"], change.words()) == ("30", "+30")
    spark = history.find("svg")
    assert spark.attrs["role"] == "img"
    assert re.match(
        r"100 citations \(.+\) to 130 \(.+\) over 2 runs", spark.attrs["aria-label"] or ""
    )
    assert len((spark.find("polyline").attrs["points"] or "").split()) == 2
    assert [a.words() for a in lists.find_all("a")] == ["beta"]  # the other list is a link
    assert lists.words() == "this list beta"
    assert flags.find("a").words() == "published since"
    assert flags.find("a").attrs["href"] == "#row-1"
    assert page.by_id("row-1")


def test_a_decrease_is_shown_with_a_minus_sign(demo: Path) -> None:
    page = parse(demo / "report" / "lists" / "alpha.html")
    row = next(r for r in paper_rows(page) if "2402.00002" in r.words())
    assert row_cells(row)[5].words() == "−5"
    assert row_cells(row)[5].attrs["data-value"] == "-5"


def test_the_chart_draws_the_most_cited_papers_over_both_runs(demo: Path) -> None:
    page = parse(demo / "report" / "lists" / "alpha.html")
    chart = page.find("svg", class_="chart")
    assert chart.attrs["role"] == "img" and chart.find("title").words().startswith("Citations")
    lines = chart.find_all("g", class_="series")
    legend = [li.words() for li in page.find("ol", class_="legend").find_all("li")]
    assert legend == ["Switch Transformers", MIXTRAL, HOSTILE_TITLE]  # by citations, escaped
    assert len(lines) == 3
    for line in lines:
        assert len((line.find("polyline").attrs["points"] or "").split()) == 2
        assert len(line.find_all("circle")) == 2
    table = page.find("details").find("table")
    runs = [row.find("th").words() for row in table.find("tbody").find_all("tr")]
    assert [r.split()[0] for r in runs] == ["20260101T030000Z", "20260102T030000Z"]
    cells = [td.words() for td in table.find("tbody").find_all("tr")[1].find_all("td")]
    assert cells == ["960", "130", "35"]


def test_rows_needing_attention_carry_reasons_and_suggested_fixes(demo: Path) -> None:
    page = parse(demo / "report" / "lists" / "alpha.html")
    rows = page.by_id("attention").find("tbody").find_all("tr")
    kinds = {row.attrs["id"]: [code.words() for code in row.find_all("code")] for row in rows}
    assert kinds == {
        "row-1": ["published_since"],
        "row-3": ["title_mismatch"],
        "row-4": ["duplicate"],
        "row-7": ["no_record"],
    }
    mismatch = page.by_id("row-3")
    fix = mismatch.find("span", class_="fix")
    assert "Link the paper the row's title names instead" in fix.words()
    assert fix.find("a").attrs["href"] == "https://arxiv.org/abs/2401.04088"
    assert fix.find("a").words() == MIXTRAL
    assert "arxiv:2101.03961" in mismatch.words()  # the paper the row links now
    assert "Update the venue from arXiv to ICML" in page.by_id("row-1").words()
    assert "line 13 lists that paper" in page.by_id("row-4").words()
    assert "whether the paper exists is unknown" in page.by_id("row-7").words()


def test_hostile_list_strings_render_as_text(demo: Path) -> None:
    for path in (demo / "report").rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for raw in ("<script>alert", "<img", "<iframe", "<b>", "<em>", "<i>"):
            assert raw not in html, (path.name, raw)
        page = parse(path)
        assert len(page.find_all("script")) == 1  # the report's own script only
        for tag in ("img", "iframe", "b", "em", "i", "object", "embed"):
            assert page.find_all(tag) == [], (path.name, tag)
    alpha = parse(demo / "report" / "lists" / "alpha.html")
    assert alpha.find("h1").words() == HOSTILE_LIST_TITLE
    assert alpha.find("title").words().startswith(HOSTILE_LIST_TITLE)
    hostile = next(r for r in paper_rows(alpha) if "2402.00002" in r.words())
    assert hostile.find("th").find("a").words() == HOSTILE_TITLE
    assert row_cells(hostile)[1].words() == "<i>Eve</i>"
    assert "name: <em>Mix</em>" in alpha.by_id("row-3").words()
    assert HOSTILE_SECTION not in alpha.words()  # no flag on that row: not in attention
    index = parse(demo / "report" / "index.html")
    assert index.find("tbody").find("th").find("a").words() == HOSTILE_LIST_TITLE


def test_links_are_web_links_or_within_the_snapshot(demo: Path) -> None:
    for path in (demo / "report").rglob("*.html"):
        page = parse(path)
        for anchor in page.find_all("a"):
            href = anchor.attrs.get("href") or ""
            scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", href)
            assert scheme is None or scheme.group(1) in ("http", "https"), (path.name, href)
            if scheme is None and not href.startswith("#"):
                target = (path.parent / href).resolve()
                assert target.is_file(), (path.name, href)  # relative links reach a file
        assert HOSTILE_LINK not in [a.attrs.get("href") for a in page.find_all("a")]
    alpha = parse(demo / "report" / "lists" / "alpha.html")
    scripted = next(r for r in paper_rows(alpha) if "Scripted link row" in r.words())
    assert scripted.find_all("a") == []  # shown, not linked


def test_pages_fetch_nothing_and_allow_only_their_own_script_and_style(demo: Path) -> None:
    for path in (demo / "report").rglob("*.html"):
        page = parse(path)
        loading = {"src", "srcset", "poster", "data", "background", "action", "formaction"}
        assert [n.tag for n in page.walk() if loading & set(n.attrs)] == []  # nothing loaded
        assert page.find_all("link") == []
        csp = next(
            m.attrs["content"] or ""
            for m in page.find_all("meta")
            if m.attrs.get("http-equiv") == "Content-Security-Policy"
        )
        assert "default-src 'none'" in csp
        for tag, directive in (("script", "script-src"), ("style", "style-src")):
            body = page.find(tag).text()
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"{directive} 'sha256-{digest}'" in csp


def test_tables_are_readable_without_javascript(demo: Path) -> None:
    page = parse(demo / "report" / "lists" / "alpha.html")
    assert page.find("html").attrs["lang"] == "en"
    table = page.by_id("papers-table")
    assert table.find("caption").words()
    headers = table.find("thead").find_all("th")
    assert all(th.attrs.get("scope") == "col" for th in headers)
    assert [th.words() for th in headers if th.attrs.get("aria-sort")] == ["Citations"]
    assert all(row.find("th").attrs.get("scope") == "row" for row in paper_rows(page))
    # The filter box is for script users only: hidden until the script shows it.
    box = page.find("div", class_="filter")
    assert "hidden" in box.attrs and box.find("label").attrs["for"] == "papers-filter"


def test_the_run_page_shows_status_lists_sources_and_flags(demo: Path) -> None:
    page = parse(demo / "report" / "index.html")
    assert page.find("h1").words() == "Run 20260102T030000Z ok"
    lists_table = page.find("table")
    links = [a.attrs["href"] for a in lists_table.find_all("a")]
    assert links == ["lists/alpha.html", "lists/beta.html"]
    text = page.words()
    for role in ("arxiv", "s2", "s2_titles"):
        assert f"{role} " in text
    assert "links another paper title_mismatch 1" in text
    assert "listed twice duplicate 1" in text
    assert "Compared with 20260101T030000Z" in text
    movers = page.find_all("table")[-1]
    names = [a.words() for a in movers.find_all("a")]
    assert names == ["Switch Transformers", MIXTRAL, HOSTILE_TITLE]  # +60, +30, -5


# --------------------------------------------------------------------------- rebuild


def test_a_rebuilt_report_is_identical_to_the_one_the_run_wrote(demo: Path) -> None:
    before = {p: p.read_bytes() for p in (demo / "report").rglob("*.html")}
    index = rebuild_report(demo)
    assert index == demo / "report" / "index.html"
    assert {p: p.read_bytes() for p in (demo / "report").rglob("*.html")} == before


def test_the_report_of_an_older_snapshot_leaves_later_runs_out(demo: Path) -> None:
    first = demo.parent / "20260101T030000Z"
    rebuild_report(first)
    page = parse(first / "report" / "lists" / "alpha.html")
    row = next(r for r in paper_rows(page) if MIXTRAL in r.find("th").words())
    spark = row_cells(row)[6].find("svg")
    assert spark.attrs["aria-label"].startswith("100 citations")  # type: ignore[union-attr]
    assert spark.find_all("polyline") == []  # one run: a dot, no line


def test_a_missing_or_damaged_history_gives_the_runs_it_can_read(
    demo: Path, tmp_path: Path
) -> None:
    (demo.parent.parent / "history.csv").rename(tmp_path / "moved.csv")
    assert load_view(demo).run.runs_in_history == 1  # no history.csv (yet): this run alone
    (tmp_path / "moved.csv").rename(demo.parent.parent / "history.csv")
    damaged = tmp_path / "damaged.csv"
    text = (demo.parent.parent / "history.csv").read_text(encoding="utf-8")
    damaged.write_text(text.replace(",100,", ",lots,"), encoding="utf-8")
    view = load_view(demo, damaged)
    assert view.run.runs_in_history == 2
    alpha = next(page for page in view.lists if page.slug == "alpha")
    mixtral = next(row for row in alpha.papers if row.title == MIXTRAL)
    assert mixtral.sparkline is not None and "130" in mixtral.sparkline.label


def test_enrich_report_rebuilds_into_a_chosen_directory(demo: Path, tmp_path: Path) -> None:
    out = demo.parent.parent
    result = CliRunner().invoke(
        app, ["report", "latest", "--out", str(out), "--dest", str(tmp_path / "site")]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tmp_path / "site" / "index.html")
    assert (tmp_path / "site" / "lists" / "alpha.html").is_file()
    missing = CliRunner().invoke(app, ["report", "no-such-run", "--out", str(out)])
    assert missing.exit_code == 2
    assert "is not a snapshot directory" in missing.stderr
    no_history = CliRunner().invoke(
        app, ["report", "latest", "--out", str(out), "--history", str(tmp_path / "none.csv")]
    )
    assert no_history.exit_code == 2
    assert f"cannot read the history file {tmp_path / 'none.csv'}" in no_history.stderr


# --------------------------------------------------------------------------- optional sections


def test_fix_files_of_a_list_are_linked_and_shown_as_text(demo: Path) -> None:
    (demo / "lists" / "alpha.patch").write_text("--- a/README.md\n", encoding="utf-8")
    notes = "- line 13: link <a href=x>arxiv:2401.04088</a>\n"
    (demo / "lists" / "alpha.fixes.md").write_text(notes, encoding="utf-8")
    rebuild_report(demo)
    alpha = parse(demo / "report" / "lists" / "alpha.html")
    fixes = alpha.by_id("fixes")
    hrefs = [a.attrs["href"] for a in fixes.find_all("a")]
    assert hrefs == ["../../lists/alpha.patch", "../../lists/alpha.fixes.md"]
    assert fixes.find("pre").text() == notes
    assert fixes.find("pre").find_all("a") == []
    beta = parse(demo / "report" / "lists" / "beta.html")
    assert not [n for n in beta.walk() if n.attrs.get("id") in ("fixes", "audit")]


def test_an_empty_patch_is_not_offered_and_its_note_is_shown(demo: Path) -> None:
    (demo / "lists" / "alpha.patch").write_text("", encoding="utf-8")
    (demo / "lists" / "alpha.fixes.md").write_text("No change suggested.\n", encoding="utf-8")
    rebuild_report(demo)
    fixes = parse(demo / "report" / "lists" / "alpha.html").by_id("fixes")
    assert [a.attrs["href"] for a in fixes.find_all("a")] == ["../../lists/alpha.fixes.md"]
    assert fixes.find("pre").text() == "No change suggested.\n"


def test_the_list_audit_is_shown_with_hostile_text_escaped(demo: Path) -> None:
    snapshot = load_snapshot(demo)
    alpha = snapshot.lists["alpha"]
    audit = ExtractionAudit(
        ids_in_text=2,
        ids_in_entries=1,
        ids_outside_entries=[
            OutsideId(id="arxiv:2401.00001", line=2, reason=OutsideReason.LIST_HEADER)
        ],
        titles_not_title_like=[
            EntryNote(position=3, line=9, title="<script>x</script>", reason="a link label")
        ],
    )
    audited = alpha.model_copy(update={"audit": audit})
    changed = Snapshot(
        manifest=snapshot.manifest,
        papers=snapshot.papers,
        lists={**snapshot.lists, "alpha": audited},
    )
    view = build_view(changed, "", None)
    page = next(p for p in view.lists if p.slug == "alpha")
    assert [(s.title, s.columns, s.rows) for s in page.audit] == [
        (
            "ids outside entries",
            ("id", "line", "reason", "detail"),
            (("arxiv:2401.00001", "2", "list_header", ""),),
        ),
        (
            "titles not title like",
            ("position", "line", "title", "reason"),
            (("3", "9", "<script>x</script>", "a link label"),),
        ),
    ]
    assert next(p for p in view.lists if p.slug == "beta").audit == ()


# --------------------------------------------------------------------------- failure


def test_a_report_that_cannot_be_built_costs_the_run_nothing_but_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug in the view")

    monkeypatch.setattr(report_package, "build_view", broken)
    with caplog.at_level(logging.ERROR, logger="enrich.publish.report"):
        path = write_snapshot(demo_snapshot(0, None), tmp_path)
    assert (path / "manifest.json").is_file() and (tmp_path / "latest").resolve() == path
    assert not (path / "report").exists()
    assert "the report of run 20260101T030000Z could not be built" in caplog.text
    assert "a bug in the view" in caplog.text


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2401.04088", "https://arxiv.org/abs/2401.04088"),
        (" http://example.org/x ", "http://example.org/x"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("data:text/html,<script>x</script>", None),
        ("file:///etc/passwd", None),
        ("//evil.example/x", None),
        ("README.md", None),
        ("https:/FFD/arxiv.org/abs/2401.04088", None),
        ("http://[::1", None),
        (None, None),
    ],
)
def test_safe_href_keeps_only_web_links(url: str | None, expected: str | None) -> None:
    assert safe_href(url) == expected


@pytest.mark.parametrize(
    ("paper_id", "expected"),
    [
        ("arxiv:2401.04088", "https://arxiv.org/abs/2401.04088"),
        ("arxiv:hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001"),
        ("doi:10.1145/3219819.3220007", "https://doi.org/10.1145/3219819.3220007"),
        ("openreview:PQ2zoIZqvm", "https://openreview.net/forum?id=PQ2zoIZqvm"),
        ("acl:P19-1103", "https://aclanthology.org/P19-1103/"),
        ("s2:abc", "https://www.semanticscholar.org/paper/abc"),
        ("url:https://example.org/p.pdf", "https://example.org/p.pdf"),
        ("url:javascript:alert(1)", None),
        ('doi:10.1/"><script>', "https://doi.org/10.1/%22%3E%3Cscript%3E"),
        ("isbn:123", None),
        ("arxiv:", None),
    ],
)
def test_id_href_links_each_kind_of_paper_id(paper_id: str, expected: str | None) -> None:
    assert id_href(paper_id) == expected


# --------------------------------------------------------------------------- degraded runs


def test_a_run_that_read_no_list_still_gets_a_run_page(tmp_path: Path) -> None:
    run = run_input("run-1", []).model_copy(
        update={"list_failures": [ListFailure(source="github:o/<b>x</b>", error="HTTP 404")]}
    )
    snapshot = build_snapshot(run, None)
    path = tmp_path / "index.html"
    path.write_text(render_pages(build_view(snapshot, "", None))["index.html"], encoding="utf-8")
    page = parse(path)
    assert page.find("h1").words() == "Run run-1 failed"
    assert "No list could be read in this run." in page.words()
    assert page.find("ul", class_="failures").words() == "github:o/<b>x</b>: HTTP 404"
    assert "Why the run is failed" in page.words()


def test_counts_carried_over_from_a_failed_source_are_marked_stale(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = write_snapshot(demo_snapshot(0, None), out)
    second = write_snapshot(
        demo_snapshot(1, load_snapshot(first), s2_failed=["arxiv:2401.04088"]), out
    )
    alpha = parse(second / "report" / "lists" / "alpha.html")
    row = next(r for r in paper_rows(alpha) if r.find("th").find("a").words() == MIXTRAL)
    citations, change = row_cells(row)[4:6]
    assert citations.words() == "100 stale"  # the first run's count, marked
    assert citations.find("abbr").attrs["title"] == (
        "carried over from an earlier run: the source failed in this run"
    )
    assert change.words() == "" and change.attrs["data-value"] == ""
    index = parse(second / "report" / "index.html")
    assert index.find("h1").words() == "Run 20260102T030000Z degraded"
    reasons = index.find("section", class_="reasons").words()
    assert "1 papers keep values from the previous snapshot (stale)" in reasons
