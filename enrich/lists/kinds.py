"""The kind of an entry: paper, book, course, presentation, library, model, dataset or other.

In order:

1. A section heading that says ``Courses``/``Lectures``/``Tutorials`` (``course``), ``Books``
   (``book``) or ``Presentations``/``Talks``/``Slides`` (``presentation``) types every entry
   under it, unless the heading also says papers.
2. A row that gives only a name (``title_source`` ``name_only``) under a models, tools or
   datasets section, or in a table whose name column says so (``Model``, ``Tool``,
   ``Benchmark``, ``Dataset``, ...), is that kind even when it links a paper: it names a model,
   tool or benchmark, not a paper, and is not checked as one.
3. An entry that links a paper (or has a ``Paper:`` field) is a ``paper``.
4. Without a paper link: a datasets or tools section gives ``dataset`` or ``library`` (both
   are often hosted as code repositories); else what the links point at: a code repository
   gives ``library`` -- except that a row whose title reads like a paper's (five words or
   more, not a name) and is not itself the link to the code is a ``paper`` whose row links only
   its code or project page --, a Hugging Face model or dataset page ``model`` or ``dataset``.
5. Else the section's other words (models, reports/blogs), else ``other``.

Section texts are read without ``:shortcode:`` emoji (``:books: Learning Resources`` says
nothing about books).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from enrich.models import EntryKind, Link, LinkRole, TitleSource

__all__ = ["LinkEvidence", "entry_kind"]

_SHORTCODE_RE = re.compile(r":[a-z0-9_+\-]+:")
_PAPER_SECTION_RE = re.compile(r"\b(papers?|surveys?|publications?|preprints?)\b", re.I)
# Section words that type every entry under them (unless the heading also says "papers").
_ALWAYS_KIND_RES: tuple[tuple[re.Pattern[str], EntryKind], ...] = (
    (re.compile(r"\b(courses?|lectures?|tutorials?|classes)\b", re.I), EntryKind.COURSE),
    (re.compile(r"\bbooks?\b", re.I), EntryKind.BOOK),
    (re.compile(r"\b(presentations?|talks?|slides|keynotes?)\b", re.I), EntryKind.PRESENTATION),
)
# Section words that type entries under them only when the entry links no paper (or names
# only a model, tool or dataset). Models first: "Open-source models" are models.
_WEAK_KIND_RES: tuple[tuple[re.Pattern[str], EntryKind], ...] = (
    (re.compile(r"\b(models?|open llms?|checkpoints?|model zoo)\b", re.I), EntryKind.MODEL),
    (re.compile(r"\b(datasets?|corpus|corpora|data|benchmarks?)\b", re.I), EntryKind.DATASET),
    (
        re.compile(
            r"open[- ]source|\b(librar(y|ies)|tools?|toolkits?|frameworks?|packages?|"
            r"software|codebases?|systems?|implementations?|projects?|platforms?)\b",
            re.I,
        ),
        EntryKind.LIBRARY,
    ),
    (
        re.compile(r"\b(reports?|blogs?|posts?|articles?|news|videos?|podcasts?)\b", re.I),
        EntryKind.OTHER,
    ),
)
_HF_HOST_RE = re.compile(r"^https?://(?:www\.)?huggingface\.co/(?P<rest>[^?#]*)", re.I)


@dataclass(frozen=True, slots=True)
class LinkEvidence:
    """What an entry's links say about its kind."""

    has_paper: bool = False
    has_code: bool = False
    hf_model: bool = False
    hf_dataset: bool = False
    title_links_code: bool = False  # the title is the text of a link to a code repository

    @classmethod
    def of(cls, links: Sequence[Link], *, has_paper: bool, title_link: Link | None) -> LinkEvidence:
        hf_model = hf_dataset = False
        for link in links:
            match = _HF_HOST_RE.match(link.url)
            if match:
                rest = match.group("rest")
                if rest.startswith("datasets/"):
                    hf_dataset = True
                elif rest and not rest.startswith(("papers/", "spaces/", "blog/", "docs/")):
                    hf_model = True
        return cls(
            has_paper=has_paper,
            has_code=any(link.role is LinkRole.CODE for link in links),
            hf_model=hf_model,
            hf_dataset=hf_dataset,
            title_links_code=title_link is not None and title_link.role is LinkRole.CODE,
        )


def _plain(heading: str) -> str:
    return _SHORTCODE_RE.sub(" ", heading) if ":" in heading else heading


def _weak_kind(texts: Sequence[str]) -> EntryKind | None:
    for text in texts:
        if _PAPER_SECTION_RE.search(text):
            return None
        for regex, kind in _WEAK_KIND_RES:
            if regex.search(text):
                return kind
    return None


def entry_kind(
    section: Sequence[str],
    list_title: str | None,
    links: LinkEvidence,
    *,
    title_source: TitleSource,
    name_header: str | None = None,
    titled_like_a_paper: bool = False,
) -> EntryKind:
    """The kind of one entry (see the module docstring). The list's own title (the first
    heading) says nothing about one entry and is skipped."""
    if section and section[0] == list_title:
        section = section[1:]
    nearest_first = [_plain(heading) for heading in reversed(section)]
    for heading in nearest_first:
        if _PAPER_SECTION_RE.search(heading):
            break
        for regex, kind in _ALWAYS_KIND_RES:
            if regex.search(heading):
                return kind
    if title_source is TitleSource.NAME_ONLY:
        named = _weak_kind([name_header] if name_header else []) or _weak_kind(nearest_first)
        if named in (EntryKind.MODEL, EntryKind.LIBRARY, EntryKind.DATASET):
            return named
    if links.has_paper:
        return EntryKind.PAPER
    weak = _weak_kind(nearest_first)
    if weak in (EntryKind.DATASET, EntryKind.LIBRARY):
        return weak  # the section says so (datasets and tools are often hosted as code)
    if links.has_code and titled_like_a_paper and not links.title_links_code:
        return EntryKind.PAPER  # a paper whose row links only its code or project page
    if links.has_code:
        return EntryKind.LIBRARY
    if links.hf_model:
        return EntryKind.MODEL
    if links.hf_dataset:
        return EntryKind.DATASET
    return weak or EntryKind.OTHER
