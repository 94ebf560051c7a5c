"""Writes a report's pages: Jinja2 templates with autoescaping, stylesheet and script inlined.

Each page is one self-contained file: the stylesheet and script shipped in ``static/`` are
inlined and allowed by their sha256 in the page's Content-Security-Policy, which also forbids
every other script, style and fetch. A page therefore opens from disk (``file://``), from any
static host, or from a mail attachment, with no server and no network, and a ``<script>`` that
a list smuggled into a title could not run even if it were ever left unescaped.

The rows of a list's papers table, the one part of a page that grows with the list, are
written by :func:`paper_rows` in Python, escaped as autoescaping would: a template loop spent
about 20 µs per row, all the time of rendering a 10,000-paper report.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from enrich.publish.report.pages import ListPage, PaperRow
from enrich.publish.report.view import FLAG_NAMES, ReportView

#: Where the pages go inside a snapshot directory, and the run page's name in it.
REPORT_DIR = "report"
INDEX = "index.html"


@dataclass(frozen=True, slots=True)
class Assets:
    """The stylesheet and script every page inlines, and the CSP that allows exactly them."""

    css: Markup
    js: Markup
    csp: str


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("enrich.publish.report", "templates"),
        # Every template is HTML: escape every value, whatever the template's file name.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.globals["flag_names"] = FLAG_NAMES
    environment.globals["paper_rows"] = paper_rows
    environment.filters["thousands"] = thousands
    environment.filters["signed"] = signed
    return environment


def thousands(value: int | None) -> str:
    """A count with thousands separators; empty when unknown."""
    return "" if value is None else f"{value:,}"


def signed(value: int | None) -> str:
    """A change with its sign (a true minus sign); empty when unknown."""
    if value is None:
        return ""
    return f"+{value:,}" if value > 0 else f"−{-value:,}" if value < 0 else "0"


#: Shown after the citations of a paper whose count was carried over.
_STALE = (
    ' <abbr title="carried over from an earlier run: the source failed in this run">stale</abbr>'
)


def paper_rows(page: ListPage) -> Markup:
    """The ``<tr>`` elements of a list page's papers table, one per paper, each ending a line.

    Written here rather than in ``list.html``: a list has up to tens of thousands of papers,
    and a template loop spent about 20 µs per row (attribute lookups, escapes and loop state of
    Jinja2), which was all the time of rendering a report. The markup is what the template's
    loop gave (tests/test_report.py keeps that loop as the reference); every value from the
    snapshot is escaped with MarkupSafe, as autoescaping does.
    """
    urlencode = _environment().filters["urlencode"]
    parts: list[str] = []
    for paper in page.papers:
        parts.append(_paper_row(paper, page.slug, urlencode))
    return Markup("".join(parts))


def _text(value: str) -> str:
    """``value`` escaped for HTML text and attributes: what MarkupSafe's ``escape`` gives for a
    plain string (a test pins it), without building a ``Markup`` per value."""
    return (
        value.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _paper_row(paper: PaperRow, this_list: str, urlencode: Callable[[str], str]) -> str:
    # Numbers are written with str(), as the template did: their text needs no escaping.
    title = _text(paper.title)
    if paper.href:
        title = f'<a href="{_text(paper.href)}">{title}</a>'
    author = _text(paper.first_author or "")
    if paper.other_authors:
        author = f'{author} <span class="muted">+{paper.other_authors}</span>'
    year = "" if paper.year is None else str(paper.year)
    citations = "" if paper.citations is None else str(paper.citations)
    delta = "" if paper.delta is None else str(paper.delta)
    history = ""
    line = paper.sparkline
    if line:
        label = _text(line.label)
        points = f'<polyline points="{_text(line.points)}"/>' if line.points else ""
        history = (
            f'<svg class="spark" width="{line.width}" height="{line.height}" '
            f'viewBox="0 0 {line.width} {line.height}" role="img" '
            f'aria-label="{label}"><title>{label}</title>{points}'
            f'<circle cx="{line.last_x}" cy="{line.last_y}" r="2.2"/></svg>'
        )
    # A quoted slug holds only letters, digits and "_.-~/%": nothing to escape.
    lists = "<br>".join(
        '<span class="this-list">this list</span>'
        if slug == this_list
        else f'<a href="{urlencode(slug)}.html">{_text(slug)}</a>'
        for slug in paper.lists
    )
    flags = ", ".join(
        f'<a href="#row-{paper.flagged_position}" class="flag">'
        f"{_text(FLAG_NAMES.get(kind, kind))}</a>"
        for kind in paper.flags
    )
    return (
        f'<tr>\n<th scope="row" class="title">{title} <span class="id">{_text(paper.paper_id)}'
        f"</span></th>\n<td>{author}</td>\n"
        f'<td class="num" data-value="{year}">{year}</td>\n'
        f"<td>{_text(paper.venue or '')}</td>\n"
        f'<td class="num" data-value="{citations}">{thousands(paper.citations)}'
        f"{_STALE if paper.citations_stale else ''}</td>\n"
        f'<td class="num" data-value="{delta}">{signed(paper.delta)}</td>\n'
        f'<td class="history">{history}</td>\n'
        f'<td class="lists">{lists}</td>\n'
        f"<td>{flags}</td>\n</tr>\n"
    )


@functools.cache
def assets() -> Assets:
    static = resources.files("enrich.publish.report") / "static"
    css = (static / "report.css").read_text(encoding="utf-8")
    js = (static / "report.js").read_text(encoding="utf-8")
    csp = "; ".join(
        [
            "default-src 'none'",
            f"style-src '{_sha256(css)}'",
            f"script-src '{_sha256(js)}'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    # Package files, not list data: the only values the templates take unescaped.
    return Assets(css=Markup(css), js=Markup(js), csp=csp)


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def render_pages(view: ReportView) -> dict[str, str]:
    """Every page of the report: relative path -> HTML text."""
    environment = _environment()
    common = {"assets": assets(), "run": view.run, "lists": view.lists}
    pages = {INDEX: environment.get_template("index.html").render(common, root="")}
    list_template = environment.get_template("list.html")
    for page in view.lists:
        pages[f"lists/{page.slug}.html"] = list_template.render(common, page=page, root="../")
    return pages


def write_report(view: ReportView, directory: Path) -> Path:
    """Write the pages of ``view`` into ``directory`` (replacing an earlier report there).

    The pages are written beside it first and moved into place, so a reader never sees half a
    report. Returns the path of the run page. Raises :class:`OSError` when a file cannot be
    written.
    """
    pages = render_pages(view)
    staging = directory.with_name(f".{directory.name}.tmp")
    old = directory.with_name(f".{directory.name}.old")
    for leftover in (staging, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    (staging / "lists").mkdir(parents=True)
    for relative, text in pages.items():
        with (staging / relative).open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())  # durable before the snapshot that holds it is renamed
    if directory.exists():
        directory.rename(old)
    staging.rename(directory)
    if old.exists():
        shutil.rmtree(old)
    return directory / INDEX
