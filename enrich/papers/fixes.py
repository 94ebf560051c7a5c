"""Fixes of a list's rows: what to change, where, and on what evidence.

From the flags the checks raised on a list's rows (:func:`enrich.papers.checks.check_entries`),
the run's records and the list text that was read, :func:`suggest_fixes` finds the changes whose
evidence is strong. Each is a :class:`Fix`: a span of one line (``line``, ``column`` and the text
``old`` written there), the text ``new`` to write instead, and its evidence in sentences.
Rendering them as a patch and a review note is :mod:`enrich.publish.patch`'s job.

What is changed, each only on strong evidence and in the row's own form:

- **a link to another paper** (``title_mismatch`` on the row's title, with a ``suggested_id``):
  the id in the link becomes the id of the paper the row's title names, when that paper's title
  from arXiv or Semantic Scholar is the row's title (:func:`enrich.papers.checks.same_title`)
  and it has an id of the link's kind; the rest of the link (host, ``abs``/``pdf``, brackets)
  is kept;
- **a malformed link** (``malformed_link``): the link rewritten from the known host inside it
  (``https:/FFD/arxiv.org/abs/2404.08452`` -> ``https://arxiv.org/abs/2404.08452``), when the
  result is a well-formed URL giving the same id;
- **a preprint label** (``published_since``): ``arXiv`` -> the venue's label in the list's style
  (:class:`enrich.papers.venues.VenueLabels`), when Semantic Scholar's venue is confirmed by a
  DOI of the published version (not arXiv's own DOI) or by an arXiv journal reference naming it,
  and the label is written exactly once in the row.

Nothing else is changed. A duplicate row is reported, never removed; a flagged row with no safe
change is reported with the reason (:class:`Remark`). A row whose title is only a name, or
missing (:func:`enrich.papers.checks.has_real_title`, from the title's ``title_source``), gets
no link to another paper and no venue: which paper it means is not sure enough. A malformed
link is repaired whatever the title, since the repair keeps the paper the link gives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple
from urllib.parse import urlsplit

from pydantic import Field

from enrich.contract import FieldOrigin, Flag, FlagKind, PaperRecord
from enrich.lists.identifiers import MALFORMED_LINK, IdKind, ParsedLink, parse_link
from enrich.models import Entry, EntryKind, Identifiers, Link, Model, S2Record
from enrich.papers.checks import EntryEvidence, has_real_title, name_describes, same_title
from enrich.papers.venues import ABBREVIATIONS, PreprintLabel, VenueLabels, venue_key

__all__ = [
    "Fix",
    "FixKind",
    "ListFixes",
    "Remark",
    "relinked",
    "repaired_link",
    "split_lines",
    "suggest_fixes",
]


class FixKind(StrEnum):
    LINK = "link"
    """The row links another paper: the link to the paper its title names."""
    MALFORMED_LINK = "malformed_link"
    """The row's link is malformed: the repaired link."""
    VENUE = "venue"
    """The row says arXiv (or preprint): the venue where the paper was published."""


class Fix(Model):
    """One change of one line of a list: ``old``, written at ``column``, becomes ``new``."""

    kind: FixKind
    position: int = Field(ge=1, description="The entry's position in its list.")
    line: int = Field(ge=1, description="1-based line of the change.")
    column: int = Field(ge=0, description="0-based offset in the line where `old` starts.")
    old: str = Field(min_length=1)
    new: str
    title: str = Field(description="The row's title, as read.")
    evidence: list[str] = Field(description="Why, in sentences a reviewer can check.")

    @property
    def end(self) -> int:
        return self.column + len(self.old)


class Remark(Model):
    """A flagged row left as it is, and why."""

    flag: FlagKind
    position: int = Field(ge=1)
    line: int = Field(ge=1)
    title: str
    reason: str


class ListFixes(Model):
    """The fixes of one list, in line order, and what was reported without a change."""

    fixes: list[Fix] = Field(default_factory=list)
    remarks: list[Remark] = Field(default_factory=list)
    skipped: str | None = Field(
        default=None, description="Why no change could be made anywhere in the list."
    )

    def changed_lines(self, lines: Sequence[str]) -> dict[int, str]:
        """1-based line number -> the line with its fixes applied (``lines`` as read)."""
        changed: dict[int, str] = {}
        for fix in sorted(self.fixes, key=lambda f: (f.line, -f.column)):
            text = changed.get(fix.line, lines[fix.line - 1])
            if text[fix.column : fix.end] != fix.old:
                raise ValueError(f"line {fix.line} does not hold {fix.old!r} at {fix.column}")
            changed[fix.line] = text[: fix.column] + fix.new + text[fix.end :]
        return changed


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as ``git`` and the extraction count them (split at ``\\n``; a
    ``\\r`` before it stays at the end of its line)."""
    return text.split("\n")


#: A carriage return that ends a line without a line feed: markdown counts it as a line break,
#: git does not, so line numbers would not agree.
_BARE_CR = re.compile(r"\r(?!\n)")
#: The flag a kind of fix answers.
_FLAG_OF = {
    FixKind.LINK: FlagKind.TITLE_MISMATCH,
    FixKind.MALFORMED_LINK: FlagKind.MALFORMED_LINK,
    FixKind.VENUE: FlagKind.PUBLISHED_SINCE,
}
#: A host name with a top-level domain (``arxiv.org``), as a repaired link must have.
_REAL_HOST = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$", re.IGNORECASE)
_NESTED_TARGET = re.compile(r"^\[[^\]]*\]\(\s*<?(?P<target>[^\s()<>]+)>?\s*\)$")


class _Paper(NamedTuple):
    """A paper a row can be pointed to: its title from a source, and its ids."""

    paper_id: str
    title: str
    title_from: str
    ids: Identifiers


def suggest_fixes(
    text: str,
    evidence: Sequence[EntryEvidence],
    flags: Sequence[Sequence[Flag]],
    records: Mapping[str, PaperRecord],
    matched: Mapping[str, S2Record] | None = None,
) -> ListFixes:
    """The fixes of one list (see the module docstring).

    ``text`` is the list text that was read; ``evidence`` its entries in list order and ``flags``
    the checks' flags of each; ``records`` the run's papers by id; ``matched`` the papers title
    matches found (by paper id) that are not among ``records``.
    """
    if _BARE_CR.search(text):
        return ListFixes(
            skipped="the text has line breaks made of a carriage return alone, which git does "
            "not count as line breaks: a patch could not name the lines right"
        )
    planner = _Planner(split_lines(text), _KnownPapers(records, matched or {}))
    labels = VenueLabels.learn(
        (item.entry.venue, record.venue if (record := records.get(item.paper_id or "")) else None)
        for item in evidence
    )
    for item, row_flags in zip(evidence, flags, strict=True):
        if item.entry.kind is not EntryKind.PAPER or not row_flags:
            continue
        record = records.get(item.paper_id) if item.paper_id else None
        planner.plan_links(item, row_flags)
        for flag in row_flags:
            if flag.flag is FlagKind.PUBLISHED_SINCE and record is not None:
                planner.plan_venue(item.entry, record, labels)
            elif flag.flag is FlagKind.TITLE_MISMATCH and flag.field == "name":
                planner.remark(
                    item.entry,
                    flag.flag,
                    f"the row's name {item.entry.name or item.entry.title!r} does not name the "
                    f"paper it links ({flag.linked_id}, {flag.fetched_title!r}); names are not "
                    "changed: rename the row or check its link",
                )
    planner.drop_overlaps()
    planner.report_duplicates(evidence, flags)
    return planner.result()


@dataclass(frozen=True)
class _KnownPapers:
    """The papers a row can be pointed to: the run's records whose title a source gave, then
    the papers title matches found that are no record (looked up by id, as rows need them)."""

    records: Mapping[str, PaperRecord]
    matched: Mapping[str, S2Record]

    def get(self, paper_id: str) -> _Paper | None:
        record = self.records.get(paper_id)
        origin = record.sources.get("title") if record is not None else None
        if record is not None and origin is not None and origin.source is not FieldOrigin.LIST:
            source = "arXiv" if origin.source is FieldOrigin.ARXIV else "Semantic Scholar"
            return _Paper(paper_id, record.title, source, record.ids)
        s2 = self.matched.get(paper_id)
        if s2 is None or not s2.title:
            return None
        ext = {k.lower(): v for k, v in s2.external_ids.items() if v}
        ids = Identifiers(
            arxiv=[ext["arxiv"]] if "arxiv" in ext else [],
            doi=[ext["doi"].lower()] if "doi" in ext else [],
            acl=[ext["acl"]] if "acl" in ext else [],
        )
        return _Paper(paper_id, s2.title, "Semantic Scholar", ids)


@dataclass
class _Planner:
    """Collects the fixes and remarks of one list, row by row."""

    lines: list[str]
    known: _KnownPapers
    fixes: list[Fix] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    relinked_to: dict[int, str] = field(default_factory=dict)
    """Entry position -> the paper id its link is changed to."""

    def remark(self, entry: Entry, flag: FlagKind, reason: str) -> None:
        self.remarks.append(
            Remark(
                flag=flag,
                position=entry.position,
                line=entry.line,
                title=entry.title,
                reason=reason,
            )
        )

    def add(
        self,
        entry: Entry,
        kind: FixKind,
        where: tuple[int, int],
        old: str,
        new: str,
        evidence: list[str],
    ) -> None:
        line, column = where
        self.fixes.append(
            Fix(
                kind=kind,
                position=entry.position,
                line=line,
                column=column,
                old=old,
                new=new,
                title=entry.title,
                evidence=evidence,
            )
        )

    # ----------------------------------------------------------------------- links

    def plan_links(self, item: EntryEvidence, row_flags: Sequence[Flag]) -> None:
        entry = item.entry
        mismatch = next(
            (f for f in row_flags if f.flag is FlagKind.TITLE_MISMATCH and f.field == "title"),
            None,
        )
        malformed = next((f for f in row_flags if f.flag is FlagKind.MALFORMED_LINK), None)
        named: _Paper | None = None
        if mismatch is not None:
            named, reason = self._named_paper(entry, mismatch)
            if named is None:
                self.remark(entry, FlagKind.TITLE_MISMATCH, reason)
        if named is None and malformed is None:
            return
        problems: dict[FlagKind, str] = {}
        if named is not None:
            problems[FlagKind.TITLE_MISMATCH] = (
                f"the row's title names {named.paper_id}, but the row writes no link giving "
                f"{mismatch.linked_id if mismatch else 'its id'} that could be changed"
            )
        if malformed is not None:
            problems[FlagKind.MALFORMED_LINK] = (
                f"no well-formed link giving the same paper could be made from {malformed.link!r}"
            )
        for link in entry.links:
            parsed = parse_link(link.url if "://" in link.url else f"https://{link.url}")
            wrong = (
                named is not None
                and mismatch is not None
                and (parsed.paper_id == mismatch.linked_id)
            )
            broken = malformed is not None and MALFORMED_LINK in parsed.flags and bool(parsed.id)
            if wrong or broken:
                self._plan_link(
                    entry, link, parsed, named if wrong else None, broken, mismatch, problems
                )
        for flag, problem in problems.items():
            self.remark(entry, flag, problem)

    def _named_paper(self, entry: Entry, mismatch: Flag) -> tuple[_Paper | None, str]:
        """The paper the row's title names, when that is sure; else None and why not."""
        if not has_real_title(entry):
            return None, "the row gives no title to be sure which paper it means"
        if mismatch.suggested_id is None:
            return None, (
                "no paper with the row's title was found (Semantic Scholar title match), so "
                "there is no link to suggest"
            )
        paper = self.known.get(mismatch.suggested_id)
        if paper is None:
            return None, (
                f"the row's title names {mismatch.suggested_id}, whose title no source gave to "
                "confirm it"
            )
        if not same_title(entry.title, paper.title):
            return None, (
                f"the row's title is not close enough to the title of {paper.paper_id} "
                f"({paper.title!r}) to be sure"
            )
        return paper, ""

    def _plan_link(
        self,
        entry: Entry,
        link: Link,
        parsed: ParsedLink,
        named: _Paper | None,
        broken: bool,
        mismatch: Flag | None,
        problems: dict[FlagKind, str],
    ) -> None:
        """Plan the change of one link. ``problems`` holds, per flag, why the row is not fixed
        yet; the entry of a flag this link fixes is removed, and a reason may be sharpened."""
        url, kind, evidence, fixed = link.url, FixKind.MALFORMED_LINK, [], []
        if broken:
            repaired = repaired_link(url)
            if repaired is not None:
                evidence.append(
                    f"`{url}` is not a well-formed URL; `{repaired}` is, and gives the same "
                    f"paper ({parsed.paper_id})."
                )
                url = repaired
                fixed.append(FlagKind.MALFORMED_LINK)
        if named is not None and mismatch is not None:
            pointed = relinked(url, parsed, named.ids)
            if pointed is None:
                problems[FlagKind.TITLE_MISMATCH] = (
                    f"the row's title names {named.paper_id}, which has no {parsed.kind.value} "
                    f"id to write in the form of the row's link `{link.url}`"
                )
            else:
                kind, url = FixKind.LINK, pointed
                fixed.append(FlagKind.TITLE_MISMATCH)
                evidence += [
                    f"The link gives {mismatch.linked_id}, titled {mismatch.fetched_title!r}.",
                    f"The row's title {entry.title!r} is the title of {named.paper_id}, "
                    f"{named.title!r} ({named.title_from}).",
                ]
                if entry.name and not name_describes(entry.name, [named.title]):
                    evidence.append(
                        f"The row's name {entry.name!r} names neither paper: check it too."
                    )
        if not fixed:
            return
        column = None
        # A target written with escapes holds the URL only in pieces: not sure where to change.
        if link.line is not None and link.target is not None and link.target.count(link.url) == 1:
            column = _locate_target(self.lines, link.line, link.target)
        if link.line is None or link.target is None or column is None:
            for flag in fixed:
                problems[flag] = (
                    f"the link `{link.url}` is not written plainly, once, on the row's line "
                    "(a reference link, or a target written with escapes)"
                )
            return
        new_target = link.target.replace(link.url, url)
        self.add(entry, kind, (link.line, column), link.target, new_target, evidence)
        for flag in fixed:
            problems.pop(flag, None)
        if kind is FixKind.LINK and named is not None:
            self.relinked_to[entry.position] = named.paper_id

    # ----------------------------------------------------------------------- venue

    def plan_venue(self, entry: Entry, record: PaperRecord, labels: VenueLabels) -> None:
        def skip(reason: str) -> None:
            self.remark(entry, FlagKind.PUBLISHED_SINCE, reason)

        written = (entry.venue or "").strip()
        label = PreprintLabel.read(written)
        if not has_real_title(entry):
            return skip("the row gives no title to be sure its link is its paper")
        if label is None or record.venue is None:
            return skip(f"the venue is written {written!r}, not as a plain preprint label")
        name = labels.label(record.venue)
        confirmed, why_not = _publication_evidence(record, name)
        if not confirmed:
            return skip(why_not)
        new = label.relabeled(name, record.publication_year, labels)
        if new is None:
            return skip("the year of the published version is unknown")
        where = _locate_once(self.lines, entry.line, entry.end_line or entry.line, written)
        if where is None:
            return skip(f"{written!r} is not written exactly once in the row's text")
        self.add(entry, FixKind.VENUE, where, written, new, confirmed)

    # ----------------------------------------------------------------------- duplicates

    def report_duplicates(
        self, evidence: Sequence[EntryEvidence], flags: Sequence[Sequence[Flag]]
    ) -> None:
        """Report every duplicate row (left in place); say which link changes create one."""
        for item, row_flags in zip(evidence, flags, strict=True):
            for flag in row_flags:
                if flag.flag is not FlagKind.DUPLICATE or flag.first is None:
                    continue
                if item.entry.position in self.relinked_to:
                    reason = (
                        f"it repeats {flag.linked_id} of line {flag.first.line} only through its "
                        "wrong link, which the change suggested for this row replaces"
                    )
                else:
                    reason = (
                        f"it lists {flag.linked_id}, already listed at line {flag.first.line}; "
                        "left in place: remove one of the rows, or keep both on purpose"
                    )
                self.remark(item.entry, FlagKind.DUPLICATE, reason)
        if not self.relinked_to:
            return
        lines_listing: dict[str, list[tuple[int, int]]] = {}  # paper id -> (position, line)
        for item in evidence:
            paper_id = self.relinked_to.get(item.entry.position, item.paper_id)
            if paper_id is not None:
                lines_listing.setdefault(paper_id, []).append(
                    (item.entry.position, item.entry.line)
                )
        for index, fix in enumerate(self.fixes):
            new_id = self.relinked_to.get(fix.position)
            if fix.kind is not FixKind.LINK or new_id is None:
                continue
            same = [line for position, line in lines_listing[new_id] if position != fix.position]
            if same:
                note = (
                    f"After this change the row lists the same paper as line {same[0]} "
                    "(a duplicate: keep one of them)."
                )
                self.fixes[index] = fix.model_copy(update={"evidence": [*fix.evidence, note]})

    def drop_overlaps(self) -> None:
        """Keep one change of any span two changes would both rewrite (the first in line
        order); the same change planned twice is kept once."""
        kept: list[Fix] = []
        for fix in sorted(self.fixes, key=lambda f: (f.line, f.column, f.end)):
            previous = kept[-1] if kept else None
            if previous is None or previous.line != fix.line or fix.column >= previous.end:
                kept.append(fix)
                continue
            if previous.column != fix.column or previous.old != fix.old:
                reason = f"the change of {fix.old!r} overlaps another change on its line"
                self.remarks.append(
                    Remark(
                        flag=_FLAG_OF[fix.kind],
                        position=fix.position,
                        line=fix.line,
                        title=fix.title,
                        reason=reason,
                    )
                )
                if fix.kind is FixKind.LINK:
                    self.relinked_to.pop(fix.position, None)
        self.fixes = kept

    def result(self) -> ListFixes:
        remarks = sorted(self.remarks, key=lambda r: (r.line, r.position, r.flag.value))
        return ListFixes(fixes=self.fixes, remarks=list(dict.fromkeys(remarks)))


# --------------------------------------------------------------------------- links


def repaired_link(url: str) -> str | None:
    """A well-formed URL for the malformed link ``url``, giving the same id, else None.

    The link is rewritten from the known host found inside it, with the scheme it was meant to
    have (``https:/FFD/arxiv.org/abs/2404.08452`` -> ``https://arxiv.org/abs/2404.08452``); a
    target that is itself a markdown link gives its own target.
    """
    parsed = parse_link(url)
    if parsed.id is None or MALFORMED_LINK not in parsed.flags:
        return None
    candidates = []
    nested = _NESTED_TARGET.match(url.strip())
    if nested:
        candidates.append(nested.group("target"))
    scheme = "http" if url.lower().startswith("http:") else "https"
    starts = [0] + [i + 1 for i, char in enumerate(url) if char in "/:\\"]
    candidates += [
        f"{scheme}://{url[i:]}" for i in starts if url[i : i + 1] not in ("", "/", ":", "\\")
    ]
    for candidate in candidates:
        if not _REAL_HOST.match(urlsplit(candidate).hostname or ""):
            continue  # "https://FFD/..." or "https://doi/10.1145/...": the path of a host-less URL
        again = parse_link(candidate)
        if (
            again.kind is parsed.kind
            and again.id == parsed.id
            and again.version == parsed.version
            and MALFORMED_LINK not in again.flags
        ):
            return candidate
    return None


def relinked(url: str, parsed: ParsedLink, ids: Identifiers) -> str | None:
    """``url`` (which gives ``parsed``) pointing to the paper of ``ids`` instead: the id written
    in it replaced by that paper's id of the same kind (an arXiv version dropped). None when
    the paper has no id of that kind, or the id is not written once, plainly, in ``url``."""
    if parsed.id is None or parsed.kind not in (
        IdKind.ARXIV,
        IdKind.DOI,
        IdKind.OPENREVIEW,
        IdKind.ACL,
    ):
        return None
    candidates: list[str] = getattr(ids, parsed.kind.value)
    if not candidates or candidates[0] == parsed.id:
        return None
    new_id = candidates[0]
    pattern = re.escape(parsed.id)
    if parsed.kind is IdKind.ARXIV:
        pattern += r"(?:v\d+)?"
    ignore_case = parsed.kind in (IdKind.DOI, IdKind.ACL)
    found = list(re.finditer(pattern, url, re.IGNORECASE if ignore_case else 0))
    if len(found) != 1:
        return None
    match = found[0]
    result = url[: match.start()] + new_id + url[match.end() :]
    again = parse_link(result if "://" in result else f"https://{result}")
    if again.kind is not parsed.kind or again.id != new_id:
        return None
    return result


def _locate_target(lines: Sequence[str], line: int, target: str) -> int | None:
    """Where ``target`` is written on ``line`` (0-based column): its only occurrence, else its
    only occurrence as a markdown link destination (after ``](``)."""
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    hits = _occurrences(text, target)
    if len(hits) == 1:
        return hits[0]
    destinations = [h for h in hits if text[:h].rstrip(" \t").endswith("](")]
    return destinations[0] if len(destinations) == 1 else None


def _occurrences(text: str, part: str) -> list[int]:
    hits, start = [], 0
    while (found := text.find(part, start)) >= 0:
        hits.append(found)
        start = found + 1
    return hits


# --------------------------------------------------------------------------- venue

#: Characters that, next to a label, make it part of a longer word, URL or path.
_WORD_CHARS = r"\w./:@#?=&%\-"


def _locate_once(
    lines: Sequence[str], first: int, last: int, written: str
) -> tuple[int, int] | None:
    """(line, column) of the one place ``written`` stands alone in lines ``first``..``last``."""
    pattern = re.compile(rf"(?<![{_WORD_CHARS}]){re.escape(written)}(?![\w/:@#?=&%\-]|\.\w)")
    found = [
        (number, match.start())
        for number in range(first, min(last, len(lines)) + 1)
        for match in pattern.finditer(lines[number - 1])
    ]
    return found[0] if len(found) == 1 else None


def _publication_evidence(record: PaperRecord, label: str) -> tuple[list[str], str]:
    """Sentences showing the paper was published at ``record.venue`` (S2's venue, and a DOI of
    the published version or an arXiv journal reference naming it); else [] and why not."""
    venue = record.venue or ""
    year = f" ({record.publication_year})" if record.publication_year else ""
    said = f"Semantic Scholar gives the venue {venue!r}{year} for {record.paper_id}."
    dois = sorted({doi for doi in record.ids.doi if not doi.startswith("10.48550/")})
    if len(dois) > 1:
        return [], (
            f"the paper has several DOIs ({', '.join(dois)}): the sources do not agree on one "
            "published version"
        )
    if dois:
        return [said, f"DOI of the published version: {dois[0]} (https://doi.org/{dois[0]})."], ""
    reference = record.journal_ref or ""
    if reference and _reference_names(reference, venue, label):
        return [said, f"arXiv's journal reference says {reference!r}."], ""
    return [], (
        f"Semantic Scholar gives the venue {venue!r}, but no DOI of a published version or "
        "arXiv journal reference confirms it"
    )


def _reference_names(reference: str, venue: str, label: str) -> bool:
    text = f" {venue_key(reference)} "
    names = {venue_key(label), venue_key(venue), venue_key(ABBREVIATIONS.get(venue_key(venue), ""))}
    return any(name and f" {name} " in text for name in names)
