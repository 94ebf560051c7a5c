"""The extraction audit: what a maintainer should look at after a list is read.

- Every arXiv, DOI, OpenReview and ACL id written anywhere in the text (any URL form, with or
  without a scheme, in a link target, an image source, an HTML attribute, a code block or a
  comment, or as ``arXiv:ID`` / ``doi:10...`` text) is found by a scan of the raw text
  (:func:`scan_ids`). An id is accounted for when the entry whose lines hold it has read it, or,
  written outside every entry, when some entry holds it elsewhere. Every other place is listed
  with a reason: the list's own header, a table of contents, a citation block, a Contributing
  template, another no-entry section, an HTML comment, a code block, an image (badge) source, a
  heading, a prose paragraph, text the parser dropped, or (inside an entry) not read.
- Entries whose title is not title-like (empty, a link label, a venue or date tag, a number or
  emoji, an author list, an affiliation, a description).
- Paper entries that hold no paper id.
- Text the markdown parser did not read (nesting deeper than its limit).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from enrich.lists.blocks import MAX_NESTING, Document
from enrich.lists.classify import not_title_reason
from enrich.lists.entries import FoundEntries, boilerplate_kind
from enrich.lists.identifiers import normalize_id, parse_link
from enrich.lists.inline import Unit, UnitRole
from enrich.models import (
    DroppedElement,
    Entry,
    EntryKind,
    EntryNote,
    ExtractionAudit,
    OutsideId,
    OutsideReason,
)

__all__ = ["AuditBuilder", "audit_extraction", "scan_ids"]

#: A URL (with a scheme, or an id host without one) or an id written as text.
_SCAN_RE = re.compile(
    r"(?P<url>(?:https?|ftp)://[^\s<>()\[\]{}\"'`|]+"
    r"|(?<![\w/.@-])(?:www\.|dx\.|export\.)?"
    r"(?:arxiv\.org|doi\.org|openreview\.net|aclanthology\.org|aclweb\.org)/[^\s<>()\[\]{}\"'`|]+)"
    r"|\barxiv\s*:\s*(?P<arxiv>(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)"
    r"|\bdoi\s*:\s*(?P<doi>10\.\d{4,9}/[^\s<>\"'`|\]\)]+)",
    re.IGNORECASE,
)
_HINT_RE = re.compile(r"arxiv|doi|openreview|acl|10\.\d", re.IGNORECASE)
_TRAILING = ".,;:!?"
_BOILERPLATE_REASONS = {
    "table_of_contents": OutsideReason.TABLE_OF_CONTENTS,
    "citation": OutsideReason.CITATION,
    "contributing": OutsideReason.CONTRIBUTING,
    "boilerplate": OutsideReason.BOILERPLATE,
}


def scan_ids(text: str) -> list[tuple[int, str, bool]]:
    """Every (1-based line, prefixed paper id, written as text rather than in a URL) in
    ``text``, in order."""
    found: list[tuple[int, str, bool]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not _HINT_RE.search(line):
            continue
        for match in _SCAN_RE.finditer(line):
            if match.group("url"):
                url = match.group("url").rstrip(_TRAILING)
                paper_id = parse_link(url if "://" in url else f"https://{url}").paper_id
            elif match.group("arxiv"):
                paper_id = normalize_id(f"arxiv:{match.group('arxiv')}")
            else:
                paper_id = normalize_id(f"doi:{match.group('doi').rstrip(_TRAILING)}")
            if paper_id is not None:
                found.append((number, paper_id, not match.group("url")))
    return found


def _in_ranges(line: int, ranges: Sequence[tuple[int, int]]) -> bool:
    return any(first <= line <= last for first, last in ranges)


def audit_extraction(
    text: str, doc: Document, found: FoundEntries, entries: Sequence[Entry]
) -> ExtractionAudit:
    """The audit of one list's extraction (see the module docstring)."""
    builder = AuditBuilder()
    for unit, entry in zip(found.entries, entries, strict=True):
        builder.add(entry, first_line=unit.line)
    return builder.finish(text, doc, found)


class AuditBuilder:
    """Builds the audit from the entries one at a time (an entry need not be kept once added),
    then from the text and the rest of the document."""

    def __init__(self) -> None:
        self.starts: list[int] = []  # first line of each entry (entries come in line order)
        self.ends: list[int] = []  # last line of each entry
        self.longest = 0  # the most lines an entry spans
        self.held: set[str] = set()
        self.entry_ids: list[set[str]] = []
        self.entry_lines: list[int] = []
        self.untitled: list[EntryNote] = []
        self.without_id: list[EntryNote] = []

    def add(self, entry: Entry, *, first_line: int) -> None:
        """Account for ``entry``, whose block starts at ``first_line`` (above its title line
        for a paragraph with a note before its title)."""
        ids = set(entry.ids.paper_ids())
        self.entry_ids.append(ids)
        self.entry_lines.append(entry.line)
        self.held |= ids
        first, last = min(first_line, entry.line), entry.end_line or entry.line
        self.starts.append(first)
        self.ends.append(last)
        self.longest = max(self.longest, last - first)
        reason = not_title_reason(entry.title)
        if reason is not None:
            self.untitled.append(_note(entry, reason))
        if entry.kind is EntryKind.PAPER and entry.ids.is_empty():
            why = "links a paper page without an id" if entry.paper_urls else "links no paper page"
            self.without_id.append(_note(entry, why))

    def finish(self, text: str, doc: Document, found: FoundEntries) -> ExtractionAudit:
        images: dict[int, set[str]] = {}
        for line, src in _images(doc, found):
            paper_id = parse_link(src).paper_id
            if paper_id is not None:
                images.setdefault(line, set()).add(paper_id)
        scanned = scan_ids(text)
        outside: list[OutsideId] = []
        seen: set[tuple[str, int]] = set()
        first_entry = self.entry_lines[0] if self.entry_lines else None
        others = _others_index(found.others)
        for line, paper_id, as_text in scanned:
            covering = self._covering(line)
            if any(paper_id in self.entry_ids[i] for i in covering):
                continue
            if not covering and paper_id in self.held:
                continue
            if (paper_id, line) in seen:
                continue
            seen.add((paper_id, line))
            reason: OutsideReason
            detail: str | None
            if covering:
                where = f"entry at line {self.entry_lines[covering[0]]}"
                if paper_id in images.get(line, ()):
                    reason, detail = OutsideReason.IMAGE, where
                elif _in_ranges(line, doc.comments):
                    reason, detail = OutsideReason.HTML_COMMENT, where
                elif as_text:
                    reason, detail = OutsideReason.MENTIONED, where
                else:
                    reason, detail = OutsideReason.NOT_READ, where
            else:
                reason, detail = _reason(line, paper_id, doc, found, images, first_entry, others)
            outside.append(OutsideId(id=paper_id, line=line, reason=reason, detail=detail))
        scanned_ids = {paper_id for _, paper_id, _ in scanned}
        return ExtractionAudit(
            ids_in_text=len(scanned_ids),
            ids_in_entries=len(scanned_ids & self.held),
            ids_outside_entries=outside,
            titles_not_title_like=self.untitled,
            entries_without_id=self.without_id,
            dropped_elements=[
                DroppedElement(
                    line=first,
                    end_line=last,
                    reason=f"nested deeper than the markdown parser reads ({MAX_NESTING // 2} "
                    "list levels); not read",
                )
                for first, last in doc.dropped
            ],
        )

    def _covering(self, line: int) -> list[int]:
        """Indices of the entries whose lines include ``line``."""
        found = []
        index = bisect.bisect_right(self.starts, line) - 1
        while index >= 0 and self.starts[index] >= line - self.longest:
            if self.ends[index] >= line:
                found.append(index)
            index -= 1
        return found


def _note(entry: Entry, reason: str) -> EntryNote:
    return EntryNote(position=entry.position, line=entry.line, title=entry.title, reason=reason)


def _images(doc: Document, found: FoundEntries) -> list[tuple[int, str]]:
    collected = list(doc.images)
    for unit in (*found.entries, *found.others):
        collected.extend(unit.images)
    return collected


def _others_index(others: Sequence[Unit]) -> list[tuple[int, int, Unit]]:
    spans = [(unit.line, unit.last_line(), unit) for unit in others]
    spans.sort(key=lambda item: (item[0], -item[1]))
    return spans


def _reason(
    line: int,
    paper_id: str,
    doc: Document,
    found: FoundEntries,
    images: dict[int, set[str]],
    first_entry: int | None,
    others: list[tuple[int, int, Unit]],
) -> tuple[OutsideReason, str | None]:
    if _in_ranges(line, doc.dropped):
        return OutsideReason.DROPPED, None
    if _in_ranges(line, doc.comments):
        return OutsideReason.HTML_COMMENT, None
    boilerplate = _boilerplate_at(line, found)
    for first, last, bibtex in doc.code_blocks:
        if first <= line <= last:
            if bibtex or (boilerplate and boilerplate_kind(boilerplate) == "citation"):
                return OutsideReason.CITATION, boilerplate
            return OutsideReason.CODE_BLOCK, boilerplate
    if paper_id in images.get(line, ()):
        return OutsideReason.IMAGE, None
    if boilerplate is not None:
        return _BOILERPLATE_REASONS[boilerplate_kind(boilerplate)], boilerplate
    if first_entry is None or line < first_entry:
        return OutsideReason.LIST_HEADER, None
    unit = _covering(line, others)
    if unit is not None and unit.role is UnitRole.HEADING:
        return OutsideReason.HEADING, None
    section = " / ".join(unit.section) if unit is not None and unit.section else None
    return OutsideReason.PROSE, section


def _boilerplate_at(line: int, found: FoundEntries) -> str | None:
    marks = found.section_marks
    index = bisect.bisect_right(marks, line, key=lambda mark: mark[0]) - 1
    return marks[index][1] if index >= 0 else None


def _covering(line: int, others: list[tuple[int, int, Unit]]) -> Unit | None:
    index = bisect.bisect_right(others, line, key=lambda item: item[0]) - 1
    for back in range(index, max(-1, index - 50), -1):
        first, last, unit = others[back]
        if first <= line <= last:
            return unit
    return None
