"""The rows of a list page's papers table, written in Python for speed: the same markup as the
template loop they replace (kept here as the reference), with every list string escaped."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from markupsafe import escape
from report_builders import HOSTILE_TITLE, write_demo

from enrich.publish.report import load_view
from enrich.publish.report.charts import Sparkline
from enrich.publish.report.pages import ListPage, PaperRow
from enrich.publish.report.render import _environment, _text, paper_rows, render_pages

#: The loop of templates/list.html that paper_rows replaces, as it was (the reference markup).
REFERENCE_ROWS = """\
{% for paper in page.papers %}
<tr>
<th scope="row" class="title">{% if paper.href %}<a href="{{ paper.href }}">{{ paper.title }}</a>{% else %}{{ paper.title }}{% endif %} <span class="id">{{ paper.paper_id }}</span></th>
<td>{{ paper.first_author or "" }}{% if paper.other_authors %} <span class="muted">+{{ paper.other_authors }}</span>{% endif %}</td>
<td class="num" data-value="{{ paper.year if paper.year is not none else '' }}">{{ paper.year if paper.year is not none else "" }}</td>
<td>{{ paper.venue or "" }}</td>
<td class="num" data-value="{{ paper.citations if paper.citations is not none else '' }}">{{ paper.citations|thousands }}{% if paper.citations_stale %} <abbr title="carried over from an earlier run: the source failed in this run">stale</abbr>{% endif %}</td>
<td class="num" data-value="{{ paper.delta if paper.delta is not none else '' }}">{{ paper.delta|signed }}</td>
<td class="history">{% set line = paper.sparkline %}{% if line %}<svg class="spark" width="{{ line.width }}" height="{{ line.height }}" viewBox="0 0 {{ line.width }} {{ line.height }}" role="img" aria-label="{{ line.label }}"><title>{{ line.label }}</title>{% if line.points %}<polyline points="{{ line.points }}"/>{% endif %}<circle cx="{{ line.last_x }}" cy="{{ line.last_y }}" r="2.2"/></svg>{% endif %}</td>
<td class="lists">{% for slug in paper.lists %}{% if slug == page.slug %}<span class="this-list">this list</span>{% else %}<a href="{{ slug|urlencode }}.html">{{ slug }}</a>{% endif %}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td>{% for kind in paper.flags %}<a href="#row-{{ paper.flagged_position }}" class="flag">{{ flag_names.get(kind, kind) }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</td>
</tr>
{% endfor %}
"""  # noqa: E501

HOSTILE = "<script>alert('x')</script> & \"quoted\" — Ünïcode"


def reference_rows(page: ListPage) -> str:
    return _environment().from_string(REFERENCE_ROWS).render(page=page)


@pytest.mark.parametrize(
    "value", [HOSTILE, "", "plain", "&amp; already", "<<>>''\"\"&&", "tab\tand\nnewline"]
)
def test_text_escapes_as_markupsafe_does(value: str) -> None:
    assert _text(value) == str(escape(value))


def _row(**changes: object) -> PaperRow:
    row = PaperRow(
        paper_id="arxiv:2401.04088",
        title="A title",
        href="https://arxiv.org/abs/2401.04088",
        first_author="A. Author",
        other_authors=0,
        year=2024,
        venue="ICML",
        citations=1234,
        delta=-5,
        citations_stale=False,
        sparkline=Sparkline(
            width=96,
            height=22,
            points="3.0,19.0 93.0,3.0",
            last_x=93.0,
            last_y=3.0,
            label="1 citations (a) to 1,234 (b) over 2 runs",
        ),
        lists=("alpha",),
        flags=(),
        flagged_position=None,
    )
    return dataclasses.replace(row, **changes)  # type: ignore[arg-type]


ROWS = (
    _row(),
    _row(
        paper_id=f"url:{HOSTILE}",
        title=HOSTILE,
        href=None,
        first_author=HOSTILE,
        other_authors=3,
        year=None,
        venue=HOSTILE,
        citations=None,
        delta=None,
        sparkline=None,
        lists=("alpha", "beta list/ü", "a&b"),
        flags=("duplicate", "title_mismatch", HOSTILE),
        flagged_position=7,
    ),
    _row(
        href='https://example.org/?a=1&b="2"',
        first_author=None,
        venue=None,
        citations=0,
        delta=12_345,
        citations_stale=True,
        sparkline=Sparkline(width=96, height=22, last_x=48.0, last_y=11.0, label=HOSTILE),
        lists=("beta", "alpha"),
        flags=("stale",),
        flagged_position=2,
    ),
    _row(first_author="", venue="", delta=0, lists=()),
)


@pytest.fixture(scope="module")
def demo_view(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(tmp_path_factory.mktemp("render") / "out", runs=2)


def test_rows_are_the_markup_of_the_template_loop(demo_view: Path) -> None:
    view = load_view(demo_view)
    page = dataclasses.replace(view.lists[0], slug="alpha", papers=ROWS)
    assert paper_rows(page) == reference_rows(page)
    for page in view.lists:  # the demo's own rows: hostile titles, authors, sparklines
        assert page.papers
        assert paper_rows(page) == reference_rows(page)


def test_a_list_page_holds_the_rows_escaped(demo_view: Path) -> None:
    view = load_view(demo_view)
    pages = render_pages(view)
    alpha = next(page for page in view.lists if HOSTILE_TITLE in {p.title for p in page.papers})
    html = pages[f"lists/{alpha.slug}.html"]
    assert "<tbody>\n<tr>\n" in html
    assert str(escape(HOSTILE_TITLE)) in html and HOSTILE_TITLE not in html
    table = html.split('id="papers-table"')[1].split("</tbody>")[0]
    assert table.count("<tr>\n") == len(alpha.papers) + 1  # and the head row


def test_a_slug_is_quoted_as_jinja2s_urlencode_filter_quotes_it() -> None:
    rows = paper_rows(_page_with((_row(lists=("a b", "x", "ü/v")),)))
    assert (
        '<a href="a%20b.html">a b</a><br><span class="this-list">this list</span><br>'
        '<a href="%C3%BC/v.html">ü/v</a>'
    ) in rows
    assert rows == reference_rows(_page_with((_row(lists=("a b", "x", "ü/v")),)))


def _page_with(rows: tuple[PaperRow, ...]) -> ListPage:
    return ListPage(
        slug="x",
        title="X",
        source="x.md",
        url=None,
        version=None,
        fallback=False,
        entries=len(rows),
        paper_entries=len(rows),
        flag_counts=(),
        added=0,
        removed=0,
        papers=rows,
        attention=(),
        audit=(),
        fixes=None,
        chart=None,
        chart_table=None,
    )
