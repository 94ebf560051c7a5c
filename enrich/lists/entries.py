"""Finding entries: which units of a document are entries, what is attached to them, and the
section each one is in.

An entry is a list item, a table row, an HTML ``<tr>`` or ``<li>``, a paragraph or a heading that
holds a real link (not an in-page ``#anchor``) or an id written as text, outside the sections
that hold no entries (Contents, Acknowledgements, License, Contributing, Citation, ...).

Blocks that only describe the entry above them are attached to it instead of being entries of
their own (*field* blocks):

- list items that open with a field label (``Paper: https://...``, ``**Metrics:** ...``,
  ``Authors: ...``) or hold no link, nested under an item or following a title paragraph;
- paragraphs made only of link labels (``[📄 Paper](url) | [💻 Code](url)``).

A heading followed only by field blocks up to the next heading, with a paper link in it or in
them, is one entry (a heading per paper: ``### [Title](arxiv-url)`` then ``- **Datasets:** ...``).
A paragraph is an entry when it opens with a bold or quoted title, a link or a running number
(``**[14]** Hinton, et al. "Title" ... [[pdf]](url)``); other paragraphs are prose.

Headings, HTML ``<h1>``-``<h6>``, the ``<summary>`` of an enclosing ``<details>`` and bold
pseudo-headings (a paragraph that is only ``**2024**``) make the section path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from enrich.lists.blocks import Document, SectionEvent, Summary
from enrich.lists.classify import PieceKind
from enrich.lists.fields import field_label
from enrich.lists.inline import Unit, UnitRole, clean_text
from enrich.lists.links import has_paper_link, real_links, text_ids
from enrich.lists.pieces import Piece, Style, pieces

__all__ = [
    "BoilerplateKind",
    "FoundEntries",
    "boilerplate_kind",
    "declares_paper",
    "find_entries",
]

# A heading that is only one of these words names a section of boilerplate, not entries
# (anchored, so that "Papers with most citations" is not boilerplate).
_BOILERPLATE_RE = re.compile(
    r"^\W*(?:how to )?(acknowledge?ments?|licen[cs]e|contribut\w*(?: guidelines?)?|"
    r"citations?|cit(?:e|ing)(?: us| this(?: \w+)?)?|star history|stargazers|"
    r"(?:table of )?contents?|toc|contact(?: us)?|sponsors?|changelog|to-?do)\W*$",
    re.IGNORECASE,
)
_FIELD_LABELS = frozenset(
    """paper papers pdf code codes project page project page homepage home page website site demo
    video slides blog poster authors author venue conference journal published publication year
    date keywords keyword key tags tag tldr abstract summary note notes comments comment metrics
    metric datasets dataset data expenv env environment task tasks method methods results result
    highlights contribution contributions citation citations bibtex affiliation affiliations
    institution organization status license model models benchmark benchmarks framework language
    type category topic description link links arxiv github openreview doi supplementary supp
    reviews score ratings keyword(s) area field application applications modality setting
    limitations findings
    """.split()  # noqa: SIM905
)


_TITLE_KINDS = (PieceKind.TITLE, PieceKind.NAME, PieceKind.DESCRIPTION)


class BoilerplateKind:
    """Kinds of no-entry section, as the audit names them."""

    TABLE_OF_CONTENTS = "table_of_contents"
    CITATION = "citation"
    CONTRIBUTING = "contributing"
    OTHER = "boilerplate"


def boilerplate_kind(heading: str) -> str:
    text = heading.lower()
    if "content" in text or text.strip(" :") == "toc":
        return BoilerplateKind.TABLE_OF_CONTENTS
    if "cit" in text:
        return BoilerplateKind.CITATION
    if "contribut" in text:
        return BoilerplateKind.CONTRIBUTING
    return BoilerplateKind.OTHER


@dataclass(slots=True)
class FoundEntries:
    entries: list[Unit] = field(default_factory=list)  # in document order
    others: list[Unit] = field(default_factory=list)  # units that are not entries
    title: str | None = None  # the list's first heading
    #: (first line, boilerplate heading or None) from which a section is in force
    section_marks: list[tuple[int, str | None]] = field(default_factory=list)


# --------------------------------------------------------------------------- unit shapes


class _Shapes:
    """Facts about units that decide which are entries."""

    def pieces(self, unit: Unit) -> list[Piece]:
        return pieces(unit)

    def known_label(self, unit: Unit) -> str | None:
        """The field label a block opens with, when it is a known one (``Paper:``, ...)."""
        label = field_label(unit)
        return label if label in _FIELD_LABELS else None

    def is_field(self, unit: Unit) -> bool:
        """A block that only describes the entry it follows (see the module docstring)."""
        if not real_links(unit) and not text_ids(unit):
            return True
        label = field_label(unit)
        if label is not None and (
            label in _FIELD_LABELS or self._only_links_after_label(unit, label)
        ):
            return True
        return self.is_link_line(unit)

    def _only_links_after_label(self, unit: Unit, label: str) -> bool:
        """``Homepage: [https://...](https://...)``: the label, then links that are no title."""
        found = self.pieces(unit)
        if not found or found[0].text.lower().rstrip(":") != label:
            return False
        if found[0].kind is PieceKind.TITLE:
            return False  # "Hamiltonian Neural Networks: [NeurIPS19](url)" is a title
        return all(
            p.kind in (PieceKind.LINK_LABEL, PieceKind.NUMBER)
            or (p.style is Style.LINK and p.kind is not PieceKind.TITLE)
            for p in found[1:]
        )

    def is_link_line(self, unit: Unit) -> bool:
        """Only links (the first labelled as a link: ``[📄 Paper](url) | [🎥 Explanation
        Video](url)``), link labels, tags and separators (``[[PDF](url)] [[GitHub](url)]``)."""
        found = self.pieces(unit)
        if not found or not real_links(unit):
            return False
        labels = (PieceKind.LINK_LABEL, PieceKind.NUMBER, PieceKind.TAG)
        first_link = next((p for p in found if p.style is Style.LINK), None)
        return (first_link is None or first_link.kind in labels) and all(
            p.kind in labels or p.style is Style.LINK for p in found
        )

    def has_title(self, unit: Unit) -> bool:
        return any(p.kind is PieceKind.TITLE for p in self.pieces(unit))

    def titled(self, unit: Unit) -> bool:
        """The unit opens with a title (``Transform Once: Efficient Operator Learning ...``)."""
        found = [p for p in self.pieces(unit) if p.kind not in (PieceKind.NUMBER, PieceKind.NOTE)]
        return bool(found) and found[0].kind is PieceKind.TITLE

    def pseudo_heading(self, unit: Unit) -> str | None:
        """``**2024**`` or ``**Table of Content:**`` alone in a paragraph: a pseudo-heading."""
        if unit.links:
            return None
        spans = [s for ln in unit.lines for s in ln.spans if s.text.strip()]
        if not spans or not all(s.strong and not s.em for s in spans[:-1]):
            return None
        last = spans[-1]
        if not last.strong and last.text.strip() != ":":
            return None
        text = clean_text("".join(s.text for s in spans)).rstrip(":").strip()
        return text if 0 < len(text) <= 80 else None

    def paragraph_is_entry(self, unit: Unit) -> bool:
        """Opens a line with a bold or quoted title, opens with a link to a paper, or opens with
        a running number or holds a quoted title (and links a paper)."""
        every = self.pieces(unit)
        found = [p for p in every if p.kind not in (PieceKind.NUMBER, PieceKind.NOTE)]
        if not found:
            return False
        if found[0].style is Style.LINK:
            # "[Title](arxiv-url) ...", not "[CVPR 2023](venue-page) text"
            return found[0].kind in _TITLE_KINDS and has_paper_link(unit)
        openers: dict[int, Piece] = {}
        for piece in found:
            openers.setdefault(piece.line, piece)
        for line in sorted(openers)[:2]:
            opener = openers[line]
            if opener.style in (Style.BOLD, Style.QUOTED) and opener.kind in _TITLE_KINDS:
                return True
        # **[14]** Hinton, et al. "Title" ... [[pdf]](url)
        numbered = every[0].kind is PieceKind.NUMBER
        return numbered or any(p.style is Style.QUOTED and p.kind is PieceKind.TITLE for p in found)


# --------------------------------------------------------------------------- attachments


def _attach_fields(units: list[Unit], shapes: _Shapes) -> set[int]:
    """Merge field blocks into the entry they describe; returns the ids of merged units.

    ``units`` in document order, headings included (a heading ends what a title paragraph
    describes).
    """
    merged: set[int] = set()
    # nested list items that are fields of their parent item
    for unit in units:
        if unit.role is UnitRole.ITEM and unit.parent is not None and shapes.is_field(unit):
            parent = unit.parent
            while id(parent) in merged and parent.parent is not None:
                parent = parent.parent
            if id(parent) not in merged:
                parent.attach(unit)
                merged.add(id(unit))
    # a title paragraph followed by field items ("- Paper: url", "- Code: None") or link lines
    index = 0
    while index < len(units):
        unit = units[index]
        index += 1
        if unit.role is not UnitRole.PARAGRAPH or unit.quoted or has_paper_link(unit):
            continue
        if not shapes.has_title(unit) and shapes.pseudo_heading(unit) is None:
            continue
        followers: list[Unit] = []
        look = index
        while look < len(units):
            follower = units[look]
            if id(follower) in merged:
                look += 1
                continue
            top_item = follower.role is UnitRole.ITEM and follower.level == 0
            link_line = follower.role is UnitRole.PARAGRAPH and shapes.is_link_line(follower)
            if (top_item and shapes.is_field(follower)) or link_line:
                followers.append(follower)
                look += 1
                continue
            break
        labelled = any(shapes.known_label(f) is not None for f in followers)
        # a line of badges after an introduction is no field of it: it must link a paper
        if labelled or any(has_paper_link(f) for f in followers):
            for follower in followers:
                unit.attach(follower)
                merged.add(id(follower))
            index = look
    # a list of field items with no title before it: its first item holds the others
    host: Unit | None = None  # the first field item of the current list
    labels: set[str] = set()
    for unit in units:
        if id(unit) in merged:
            continue
        label = shapes.known_label(unit) if unit.role is UnitRole.ITEM else None
        if label is None or unit.level != 0:
            host = None
            continue
        if host is not None and unit.group == host.group and label not in labels:
            host.attach(unit)
            merged.add(id(unit))
            labels.add(label)
        else:
            host, labels = unit, {label}
    return merged


#: A heading without a paper link of its own is an entry only in a list that has at least this
#: many such headings (a heading per paper), not a lone section heading above a field list.
_HEADING_LAYOUT_MIN = 3


def _heading_entries(events: Sequence[object], shapes: _Shapes, merged: set[int]) -> set[int]:
    """Headings that are entries of their own (a heading per paper); their scope is merged."""
    headings = [
        i for i, e in enumerate(events) if isinstance(e, Unit) and e.role is UnitRole.HEADING
    ]
    first_heading = headings[0] if headings else -1
    candidates: list[tuple[Unit, list[Unit], bool]] = []
    for position, index in enumerate(headings):
        heading = events[index]
        assert isinstance(heading, Unit)
        if index == first_heading and heading.level == 1:
            continue  # the list's own title
        end = headings[position + 1] if position + 1 < len(headings) else len(events)
        scope = [e for e in events[index + 1 : end] if isinstance(e, Unit) and id(e) not in merged]
        if _BOILERPLATE_RE.match(heading.plain_text()):
            continue
        if not any(p.kind is PieceKind.TITLE for p in shapes.pieces(heading)):
            continue
        if not all(shapes.is_field(u) for u in scope):
            continue
        linked = has_paper_link(heading)
        if linked or any(has_paper_link(u) for u in scope):
            candidates.append((heading, scope, True))
        elif real_links(heading) or any(real_links(u) for u in scope):
            candidates.append((heading, scope, False))
    levels: dict[int, int] = {}
    for heading, _, paper in candidates:
        levels[heading.level] = levels.get(heading.level, 0) + paper
    found: set[int] = set()
    for heading, scope, _ in candidates:
        if has_paper_link(heading) or levels[heading.level] >= _HEADING_LAYOUT_MIN:
            for unit in scope:
                heading.attach(unit)
                merged.add(id(unit))
            found.add(id(heading))
            heading.paper_layout = levels[heading.level] >= _HEADING_LAYOUT_MIN
    return found


_PAPER_LABELS = frozenset({"paper", "papers", "pdf", "arxiv", "paper link", "publication"})


def declares_paper(unit: Unit) -> bool:
    """The entry has a ``Paper:`` field (even ``Paper: None``), is one heading of a list written
    as a heading per paper, or is a titled item among linked papers: it is a paper's entry."""
    return unit.paper_layout or any(field_label(a) in _PAPER_LABELS for a in unit.attachments)


# --------------------------------------------------------------------------- the pass


def find_entries(doc: Document) -> FoundEntries:
    """The entries of ``doc`` with their sections, and the units that are not entries."""
    shapes = _Shapes()
    events = doc.events
    units = [e for e in events if isinstance(e, Unit)]
    merged = _attach_fields(units, shapes)
    heading_entries = _heading_entries(events, shapes, merged)
    linked_share = _linked_share(units, merged)
    result = FoundEntries()
    headings: list[tuple[int, str]] = []
    pseudo: str | None = None
    summaries: list[str | None] = []

    shared: list[list[str]] = [[]]  # the last path built, shared by the units under it

    def path() -> list[str]:
        found = [text for _, text in headings if text]
        if pseudo:
            found.append(pseudo)
        for summary in summaries:
            if summary and (not found or summary.casefold() != found[-1].casefold()):
                found.append(summary)
        if found != shared[0]:
            shared[0] = found
        return shared[0]

    def boilerplate() -> str | None:
        nearest = [headings[-1][1]] if headings else []
        for text in [*nearest, pseudo or ""]:
            if text and _BOILERPLATE_RE.match(text):
                return text
        return None

    def mark(line: int) -> None:
        result.section_marks.append((line, boilerplate()))

    for event in events:
        if event is SectionEvent.DETAILS_OPEN:
            summaries.append(None)
            continue
        if event is SectionEvent.DETAILS_CLOSE:
            if summaries:
                summaries.pop()
            continue
        if isinstance(event, Summary):
            if summaries:
                summaries[-1] = event.text
            continue
        assert isinstance(event, Unit)
        unit = event
        if id(unit) in merged:
            continue
        if unit.role is UnitRole.HEADING:
            level = unit.level
            while headings and headings[-1][0] >= level:
                headings.pop()
            pseudo = None
            if id(unit) in heading_entries:
                unit.section = path()
                unit.boilerplate = boilerplate()
                result.entries.append(unit)
                mark(unit.line)
                continue
            text = unit.plain_text()
            headings.append((level, text))
            if result.title is None and text:
                result.title = text
            unit.section = path()
            result.others.append(unit)
            mark(unit.line)
            continue
        if unit.role is UnitRole.PARAGRAPH and not unit.attachments:
            heading_text = shapes.pseudo_heading(unit)
            if heading_text is not None:
                pseudo = heading_text
                unit.section = path()
                result.others.append(unit)
                mark(unit.line)
                continue
        unit.section = path()
        unit.boilerplate = boilerplate()
        if _is_entry(unit, shapes, linked_share):
            result.entries.append(unit)
        else:
            result.others.append(unit)
    result.entries.sort(key=lambda u: (u.line, u.order))
    for unit in result.others:
        unit.pieces = None  # not needed any more (memory of a large list)
    return result


#: A link-less item is an entry in a list where at least this share of items have links.
_LINKED_SHARE = 0.5


def _linked_share(units: Sequence[Unit], merged: set[int]) -> dict[int, float]:
    """For each section (the units after one heading), the share of its top-level list items
    (not merged into another) that have a link, keyed by ``id`` of each item."""
    sections: list[list[Unit]] = [[]]
    for unit in units:
        if unit.role is UnitRole.HEADING:
            sections.append([])
        elif unit.role is UnitRole.ITEM and unit.level == 0 and id(unit) not in merged:
            sections[-1].append(unit)
    share: dict[int, float] = {}
    for items in sections:
        unlinked = [item for item in items if not real_links(item)]
        if unlinked:  # only items without a link are asked about
            linked = 1 - len(unlinked) / len(items)
            share.update((id(item), linked) for item in unlinked)
    return share


def _is_entry(unit: Unit, shapes: _Shapes, linked_share: dict[int, float]) -> bool:
    if unit.boilerplate is not None:
        return False
    if not real_links(unit) and not text_ids(unit):
        # "**Title**" then "- Paper: None": a paper entry whose links are missing
        if any(shapes.known_label(a) is not None for a in unit.attachments):
            return True
        # an item titled like a paper among linked papers: a paper whose link is missing
        unit.paper_layout = (
            unit.role is UnitRole.ITEM
            and linked_share.get(id(unit), 0.0) >= _LINKED_SHARE
            and shapes.titled(unit)
        )
        return unit.paper_layout
    if unit.role is UnitRole.PARAGRAPH and not unit.attachments:
        return shapes.paragraph_is_entry(unit)
    return True
