"""Checks on list entries: does a row describe the paper it links, is it a duplicate, ...

Each check is a plain function over models; :func:`check_entries` raises the flags of one list.
The title comparisons here decide ``title_mismatch`` and are tuned so that a careful reader
agrees with every flag: they forgive case, punctuation, LaTeX markup, mojibake, ``Name: Subtitle``
forms, shortened titles, a model name that is the paper's acronym, text pasted twice and small
wording changes between versions; they flag a row whose words are about another paper, and a
row whose name contradicts the name its title gives the paper (see :func:`name_contradicts`).
Precision first: a row is compared by title only when it has a real title
(:func:`has_real_title`); a row that gives only a name (a model, a method, a nickname) is flagged
only when the linked paper's title names itself and shares no word or acronym with that name.
The comparisons are also used by :func:`enrich.papers.lookups.plan_suggestions`, which is why the
checks' input model, :class:`EntryEvidence`, is defined here rather than in records.

Title normalization itself is :func:`enrich.titles.normalize_title` (shared with the S2 title
match); the looser comparisons built on it live here because only the checks need them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from pydantic import Field

from enrich.contract import EntryRef, FieldOrigin, Flag, FlagKind, PaperRecord
from enrich.lists.classify import PieceKind, classify, is_title_like, tidy
from enrich.models import (
    ArxivRecord,
    Entry,
    EntryKind,
    Model,
    Outcome,
    OutcomeStatus,
    S2Record,
    TitleSource,
)
from enrich.titles import normalize_title

#: Words that carry no meaning for telling two titles apart.
_STOPWORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or"}
    | {"the", "to", "toward", "towards", "via", "with", "using"}
)
#: LaTeX markup seen in arXiv titles (``M$^3$ViT``), dropped before comparing.
_LATEX = re.compile(r"[$^{}\\]")
#: Venue text meaning "not (yet) published": arXiv, CoRR and other preprint servers.
_PREPRINT = re.compile(r"arxiv|corr\b|preprint|biorxiv|medrxiv|ssrn|openreview", re.IGNORECASE)
#: Two titles this similar (difflib ratio of normalized text) differ only by typos.
_TYPO_RATIO = 0.9
#: A row's title this similar to a paper's is that paper's title, for a fix of the row.
_SAME_RATIO = 0.95


class EntryEvidence(Model):
    """What the lookups said about one list entry: the input of the checks.

    Built by :func:`enrich.papers.records.reconcile`; ``paper_id`` is the record the entry
    resolves to.
    """

    list_name: str
    entry: Entry
    linked_id: str | None = Field(
        default=None, description="The id the row's link gives (arxiv:, doi:, ...; else url:)."
    )
    arxiv: Outcome[ArxivRecord] | None = Field(default=None, description="For the row's arXiv id.")
    s2: Outcome[S2Record] | None = Field(default=None, description="For the row's S2 lookup id.")
    title_match: Outcome[S2Record] | None = Field(
        default=None, description="For the row's title, when it has no id S2 accepts."
    )
    paper_id: str | None = None

    @property
    def found(self) -> bool:
        """True when some source gave a record for the entry."""
        return any(
            o is not None and o.status == OutcomeStatus.OK
            for o in (self.arxiv, self.s2, self.title_match)
        )


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Latin-1 (``MÂ³ViT`` -> ``M³ViT``); else ``text``."""
    if not any(marker in text for marker in ("Ã", "Â", "â€")):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _normalized(text: str) -> str:
    return normalize_title(_LATEX.sub("", fix_mojibake(text)))


def same_title(row_title: str, paper_title: str) -> bool:
    """True when a row's title is the paper's title, up to case, punctuation, LaTeX markup,
    mojibake and a typo or two (the strict comparison a fix of the row relies on; compare
    :func:`title_describes`, which also accepts shortened and reworded titles)."""
    row, paper = _normalized(row_title), _normalized(paper_title)
    if not row or not paper:
        return False
    return row == paper or difflib.SequenceMatcher(None, row, paper).ratio() >= _SAME_RATIO


def _stem(word: str) -> str:
    # Plural and singular forms count as the same word ("Transformers" / "Transformer").
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _content_words(normalized: str) -> set[str]:
    return {_stem(w) for w in normalized.split() if w not in _STOPWORDS}


def _split_name(title: str) -> tuple[str, str]:
    """``"QMoE: Practical ..."`` -> (``"qmoe"``, ``"practical ..."``); no colon -> ("", title)."""
    head, sep, tail = title.partition(":")
    if not sep:
        return "", _normalized(title)
    return _normalized(head), _normalized(tail)


def is_acronym(abbreviation: str, words: Sequence[str]) -> bool:
    """True when ``abbreviation`` spells prefixes of ``words`` in order (words may be skipped).

    ``"mmoe"`` is an acronym of ``multi gate mixture of experts``, ``"glam"`` of ``generalist
    language model``. At least two words must contribute, so a word is not its own acronym.
    """
    abbr = "".join(ch for ch in abbreviation.lower() if ch.isalnum())
    if len(abbr) < 2:
        return False
    candidates = {abbr}
    if len(abbr) > 3 and abbr.endswith("s"):
        candidates.add(abbr[:-1])  # "MLLMs" is the plural of "MLLM"
    return any(_spells(candidate, tuple(words)) for candidate in candidates)


def _spells(abbr: str, words: tuple[str, ...]) -> bool:
    @cache
    def match(i: int, j: int, used: int) -> bool:
        if i == len(abbr):
            return used >= 2
        if j == len(words):
            return False
        if match(i, j + 1, used):
            return True
        word = words[j]
        k = 0
        while k < len(word) and i + k < len(abbr) and word[k] == abbr[i + k]:
            k += 1
            if match(i + k, j + 1, used + 1):
                return True
        return False

    return match(0, 0, 0)


def title_describes(row_title: str, paper_title: str) -> bool:
    """True when a row's title plausibly names the paper whose real title is ``paper_title``.

    Accepted: equal after normalization; one contains the other (a shortened title, or the title
    pasted twice); the same ``Name:`` or the same subtitle on both sides; the row is the paper's
    acronym; the row's words are nearly all the paper's (``Vision Mixture of Experts`` for
    ``Scaling Vision with Sparse Mixture of Experts``); typo-level differences.
    An empty row title describes anything (there is nothing to contradict).
    """
    if row_title == paper_title:
        return True  # equal text normalizes equal: most rows copy the paper's title exactly
    row, paper = _normalized(row_title), _normalized(paper_title)
    if not row or not paper or row == paper:
        return True
    row_compact, paper_compact = row.replace(" ", ""), paper.replace(" ", "")
    if len(paper_compact) >= 8 and paper_compact in row_compact:
        return True
    if len(row.split()) >= 2 and f" {row} " in f" {paper} ":
        return True
    row_name, row_rest = _split_name(row_title)
    paper_name, paper_rest = _split_name(paper_title)
    if paper_name and paper_rest and (row == paper_rest or row_rest == paper_rest):
        return True
    if paper_name and (row == paper_name or (row_name and row_name == paper_name)):
        return True
    if len(row.split()) == 1 and is_acronym(row, paper.split()):
        return True
    row_words, paper_words = _content_words(row), _content_words(paper)
    shared = row_words & paper_words
    if (
        len(shared) >= 2
        and len(shared) / len(row_words) >= 0.75
        and len(shared) / len(paper_words) >= 0.4
    ):
        return True
    return difflib.SequenceMatcher(None, row, paper).ratio() >= _TYPO_RATIO


def name_describes(name: str | None, titles: Iterable[str]) -> bool:
    """True when a row's name shares a word or an acronym with one of ``titles``.

    Names are short labels (``MoE-FFD``, ``V-MoE``, ``MMoE``, ``DeepSpeed MoE``); one that shares
    nothing with the titles (``MLLMs`` on a face-forgery paper) does not describe the paper.
    """
    if name is None or not _normalized(name):
        return True
    name_norm = _normalized(name)
    name_words = [w for w in name_norm.split() if len(w) >= 2 and w not in _STOPWORDS]
    name_compact = name_norm.replace(" ", "")
    for title in titles:
        title_norm = _normalized(title)
        if not title_norm:
            continue
        words = title_norm.split()
        stems = {_stem(w) for w in words}
        if any(_stem(w) in stems for w in name_words):
            return True
        if len(name_compact) >= 3 and name_compact in title_norm.replace(" ", ""):
            return True
        if is_acronym(name_compact, words) or any(is_acronym(w, words) for w in name_words):
            return True
    return False


def title_key(title: str) -> str:
    """The key a title match is requested and reported under: ``title:<normalized title>``."""
    return f"title:{_normalized(title)}"


def suggested_id_for(
    title: str, suggestions: Mapping[str, str], records: Mapping[str, PaperRecord]
) -> str | None:
    """The paper a row's ``title`` names: its S2 title match, else this run's only record with
    exactly that title (so a suggestion survives an S2 outage when the paper is listed elsewhere).
    A record whose title a source gave wins over records titled only by a list row.
    """
    found = suggestions.get(title_key(title))
    if found is not None:
        return found
    wanted = _normalized(title)
    same = sorted(pid for pid, record in records.items() if _normalized(record.title) == wanted)
    from_sources = [pid for pid in same if _title_from_a_source(records[pid])]
    same = from_sources or same
    return same[0] if len(same) == 1 else None


def _title_from_a_source(record: PaperRecord) -> bool:
    origin = record.sources.get("title")
    return origin is not None and origin.source != FieldOrigin.LIST


def name_contradicts(name: str | None, titles: Sequence[str]) -> bool:
    """True when one of ``titles`` names its paper (``Name: Subtitle`` with a name of at most
    three words) and the row's ``name`` shares no word or acronym with any of ``titles``.

    A name column often holds a model name that its paper's title never mentions (``GPT-3`` for
    "Language Models are Few-Shot Learners"); only a title that carries a name of its own can
    contradict it (``MLLMs`` on the row of "MoE-FFD: Mixture of Experts for ...").
    """
    if not any(_title_names_itself(title) for title in titles):
        return False
    return not name_describes(name, titles)


def _title_names_itself(title: str) -> bool:
    head, sep, rest = title.partition(":")
    return bool(sep) and 1 <= len(head.split()) <= 3 and bool(rest.strip())


def is_preprint_venue(venue: str | None) -> bool:
    """True for venue text that means "preprint" (arXiv, CoRR, ...); empty counts too."""
    return venue is None or not venue.strip() or _PREPRINT.search(venue) is not None


def malformed_links(entry: Entry) -> list[str]:
    """Links extraction marked malformed (flags ``malformed_link[:URL]``, ``malformed_url:URL``)."""
    found: list[str] = []
    for quirk in entry.flags:
        kind, _, value = quirk.partition(":")
        if kind in {"malformed_link", "malformed_url"}:
            found.append(value)
    return found


def check_entries(
    resolved: Sequence[EntryEvidence],
    records: Mapping[str, PaperRecord],
    suggestions: Mapping[str, str],
) -> list[list[Flag]]:
    """The flags of each entry of one list (``resolved`` in list order), in the same order.

    ``records`` maps paper ids to the run's records (after carry-forward); ``suggestions`` maps
    a title key (:func:`title_key`) to the paper id a title match found for it.
    Entries that are not papers (course, book, ...) are not checked and get no flags.
    """
    first_seen: dict[str, EntryEvidence] = {}
    flags_per_entry: list[list[Flag]] = []
    for item in resolved:
        if item.entry.kind != EntryKind.PAPER:
            flags_per_entry.append([])
            continue
        record = records.get(item.paper_id) if item.paper_id else None
        flags = [_malformed_flag(item, link) for link in malformed_links(item.entry)]
        if item.paper_id is not None:
            if item.paper_id in first_seen:
                flags.append(_duplicate_flag(item, first_seen[item.paper_id]))
            else:
                first_seen[item.paper_id] = item
        mismatch = _mismatch_flag(item, record, suggestions, records)
        if mismatch is not None:
            flags.append(mismatch)
        flags.extend(_lookup_flags(item))
        if record is not None and (mismatch is None or mismatch.field != "title"):
            since = _published_since_flag(item, record)
            if since is not None:
                flags.append(since)
        if record is not None and record.stale_fields():
            flags.append(_stale_flag(record))
        flags_per_entry.append(flags)
    return flags_per_entry


def _ref(item: EntryEvidence) -> EntryRef:
    return EntryRef(list_name=item.list_name, position=item.entry.position, line=item.entry.line)


def _malformed_flag(item: EntryEvidence, link: str) -> Flag:
    shown = link or next((lk.url for lk in item.entry.links if lk.role == "paper"), "")
    recovered = f"; read as {item.linked_id}" if item.linked_id else ""
    return Flag(
        flag=FlagKind.MALFORMED_LINK,
        detail=f"line {item.entry.line}: the link {shown!r} is not a well-formed URL{recovered}.",
        link=shown or None,
        linked_id=item.linked_id,
    )


def _duplicate_flag(item: EntryEvidence, first: EntryEvidence) -> Flag:
    return Flag(
        flag=FlagKind.DUPLICATE,
        detail=f"line {item.entry.line} lists {item.paper_id}, already listed at line "
        f"{first.entry.line} ({first.entry.title!r}).",
        linked_id=item.paper_id,
        first=_ref(first),
    )


def _fetched_titles(item: EntryEvidence, record: PaperRecord | None) -> list[str]:
    """Titles the sources gave for the paper the row links (fresh, else carried forward)."""
    titles = []
    if item.arxiv is not None and item.arxiv.record is not None:
        titles.append(item.arxiv.record.title)
    if item.s2 is not None and item.s2.record is not None:
        titles.append(item.s2.record.title)
    if not titles and record is not None and _title_from_a_source(record):
        titles.append(record.title)
    return titles


def _mismatch_flag(
    item: EntryEvidence,
    record: PaperRecord | None,
    suggestions: Mapping[str, str],
    records: Mapping[str, PaperRecord],
) -> Flag | None:
    if item.linked_id is None or item.linked_id.startswith("url:"):
        return None  # a row found by title match names its paper by construction
    fetched = _fetched_titles(item, record)
    if not fetched:
        return None
    entry = item.entry
    if not has_real_title(entry):
        # A row that gives only a name (a model, method or nickname) is not compared as a
        # title: it contradicts its paper only when the paper's title names itself and shares
        # no word or acronym with the row's name. Rows with no readable title are not checked.
        name = entry.name or (entry.title if is_title_like(entry.title) else None)
        if name is not None and name_contradicts(name, fetched):
            return _name_flag(entry, item, name, fetched)
        return None
    if not any(title_describes(entry.title, title) for title in fetched):
        suggested = suggested_id_for(entry.title, suggestions, records)
        if suggested == item.paper_id:
            suggested = None
        hint = f"; the row's title names {suggested}" if suggested else ""
        return Flag(
            flag=FlagKind.TITLE_MISMATCH,
            detail=f"line {entry.line}: the row's title {entry.title!r} does not describe "
            f"{item.linked_id}, titled {fetched[0]!r}{hint}.",
            field="title",
            linked_id=item.linked_id,
            fetched_title=fetched[0],
            suggested_id=suggested,
        )
    if entry.name is not None and name_contradicts(entry.name, [entry.title, *fetched]):
        return _name_flag(entry, item, entry.name, fetched)
    return None


def _name_flag(entry: Entry, item: EntryEvidence, name: str, fetched: list[str]) -> Flag:
    return Flag(
        flag=FlagKind.TITLE_MISMATCH,
        detail=f"line {entry.line}: the row's name {name!r} shares no word or acronym "
        f"with {item.linked_id}, titled {fetched[0]!r}.",
        field="name",
        linked_id=item.linked_id,
        fetched_title=fetched[0],
    )


def has_real_title(entry: Entry) -> bool:
    """The row gives a paper title to compare: not only a name, not a link label or tag.

    Where the title came from says how much to trust it (:class:`TitleSource`): a title that is
    only a name (``title_source`` ``name_only``, or one or two name-like words such as
    ``Audiobox`` or ``Llama 2``) is no title to compare with a paper's.
    """
    if entry.title_source in (TitleSource.NAME_ONLY, TitleSource.NONE):
        return False
    title = tidy(entry.title)
    return bool(title) and classify(title) in (PieceKind.TITLE, PieceKind.DESCRIPTION)


def _lookup_flags(item: EntryEvidence) -> list[Flag]:
    """``unresolved`` for a row with no id, ``not_found`` for a row whose ids no source knows.

    Nothing is flagged when a lookup failed: the paper's existence is then unknown, and the
    failure is reported as source health (and carried-forward values as ``stale``).
    """
    if item.found:
        return []
    entry = item.entry
    outcomes = [o for o in (item.arxiv, item.s2, item.title_match) if o is not None]
    if any(o.status == OutcomeStatus.FAILED for o in outcomes):
        return []
    if entry.ids.is_empty():
        if not outcomes and normalize_title(entry.title):
            return []  # nothing was asked (S2 disabled): unknown
        why = (
            f"Semantic Scholar found no paper for it (title {entry.title!r})"
            if outcomes
            else "it has no title to search for"
        )
        return [
            Flag(
                flag=FlagKind.UNRESOLVED,
                detail=f"line {entry.line}: the row links no paper id and {why}.",
            )
        ]
    if not outcomes:
        return []
    sources = []
    if item.arxiv is not None:
        sources.append("arxiv")
    if item.s2 is not None or item.title_match is not None:
        sources.append("s2")
    keys = sorted({o.key for o in outcomes})
    return [
        Flag(
            flag=FlagKind.NOT_FOUND,
            detail=f"line {entry.line}: {' and '.join(sources)} found no paper for "
            f"{', '.join(keys)}.",
            linked_id=item.linked_id,
            source=", ".join(sources),
        )
    ]


def _published_since_flag(item: EntryEvidence, record: PaperRecord) -> Flag | None:
    listed = item.entry.venue
    if not listed or _PREPRINT.search(listed) is None:
        return None
    if record.sources.get("venue") is None or is_preprint_venue(record.venue):
        return None
    when = f" ({record.publication_date.isoformat()})" if record.publication_date else ""
    return Flag(
        flag=FlagKind.PUBLISHED_SINCE,
        detail=f"line {item.entry.line} lists {record.paper_id} as {listed!r}, but Semantic "
        f"Scholar gives the venue {record.venue!r}{when}.",
        linked_id=record.paper_id,
        venue=record.venue,
    )


def _stale_flag(record: PaperRecord) -> Flag:
    stale = {name: record.sources[name] for name in record.stale_fields()}
    sources = sorted({origin.source.value for origin in stale.values()})
    dates = [o.fetched_at for o in stale.values() if o.fetched_at is not None]
    last_fresh: dt.datetime | None = min(dates) if dates else None
    when = f", last fresh {last_fresh.isoformat()}" if last_fresh else ""
    return Flag(
        flag=FlagKind.STALE,
        detail=f"{', '.join(sources)} could not refresh {record.paper_id}; kept the previous "
        f"values of {', '.join(stale)}{when}.",
        linked_id=record.paper_id,
        source=", ".join(sources),
        last_fresh=last_fresh,
    )
