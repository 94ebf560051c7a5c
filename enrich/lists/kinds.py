"""The kind of an entry: paper, book, course, presentation, library, model, dataset or other.

A section heading decides first: ``Courses``/``Lectures``/``Tutorials`` give ``course``,
``Books`` gives ``book``, ``Presentations``/``Talks``/``Slides`` give ``presentation`` (unless
the heading also says papers). A row that gives only a name (``title_source`` ``name_only``)
under a models or tools section, or in a table whose name column says so (``Model``,
``Tool``, ``Dataset``, ...), is that kind even when it links a paper: it names a model or tool,
not a paper, and is not checked as one. Otherwise an entry that links a paper is a ``paper``;
entries without a paper link take ``library``, ``dataset`` or ``model`` from their section, else
``library`` when they link only code, else ``other``.
"""

from __future__ import annotations

import re

from enrich.models import EntryKind, TitleSource

__all__ = ["entry_kind"]

_PAPER_SECTION_RE = re.compile(r"\b(papers?|surveys?|publications?|preprints?)\b", re.I)
# Section words that type every entry under them (unless the heading also says "papers").
_ALWAYS_KIND_RES: tuple[tuple[re.Pattern[str], EntryKind], ...] = (
    (re.compile(r"\b(courses?|lectures?|tutorials?|classes)\b", re.I), EntryKind.COURSE),
    (re.compile(r"\bbooks?\b", re.I), EntryKind.BOOK),
    (re.compile(r"\b(presentations?|talks?|slides|keynotes?)\b", re.I), EntryKind.PRESENTATION),
)
# Section words that type entries under them only when the entry links no paper (or names
# only a model or tool).
_WEAK_KIND_RES: tuple[tuple[re.Pattern[str], EntryKind], ...] = (
    (
        re.compile(
            r"open[- ]source|\b(librar(y|ies)|tools?|toolkits?|frameworks?|packages?|"
            r"software|codebases?|systems?|implementations?|projects?|platforms?)\b",
            re.I,
        ),
        EntryKind.LIBRARY,
    ),
    (re.compile(r"\b(datasets?|corpus|corpora|data|benchmarks?)\b", re.I), EntryKind.DATASET),
    (re.compile(r"\b(models?|open llms?|checkpoints?|model zoo|llms)\b", re.I), EntryKind.MODEL),
)


def _weak_kind(texts: list[str]) -> EntryKind | None:
    for text in texts:
        if _PAPER_SECTION_RE.search(text):
            return None
        for regex, kind in _WEAK_KIND_RES:
            if regex.search(text):
                return kind
    return None


def entry_kind(
    section: list[str],
    list_title: str | None,
    *,
    has_paper: bool,
    has_code: bool,
    title_source: TitleSource,
    name_header: str | None = None,
) -> EntryKind:
    """Section words first (the list's own title says nothing about one entry), then links."""
    if section and section[0] == list_title:
        section = section[1:]
    nearest_first = list(reversed(section))
    for heading in nearest_first:
        if _PAPER_SECTION_RE.search(heading):
            break
        for regex, kind in _ALWAYS_KIND_RES:
            if regex.search(heading):
                return kind
    if title_source is TitleSource.NAME_ONLY:
        named = _weak_kind([name_header] if name_header else []) or _weak_kind(nearest_first)
        if named in (EntryKind.MODEL, EntryKind.LIBRARY):
            return named
    if has_paper:
        return EntryKind.PAPER
    weak = _weak_kind(nearest_first)
    if weak is not None:
        return weak
    return EntryKind.LIBRARY if has_code else EntryKind.OTHER
