"""Writes a report's pages: Jinja2 templates with autoescaping, stylesheet and script inlined.

Each page is one self-contained file: the stylesheet and script shipped in ``static/`` are
inlined and allowed by their sha256 in the page's Content-Security-Policy, which also forbids
every other script, style and fetch. A page therefore opens from disk (``file://``), from any
static host, or from a mail attachment, with no server and no network, and a ``<script>`` that
a list smuggled into a title could not run even if it were ever left unescaped.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

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
