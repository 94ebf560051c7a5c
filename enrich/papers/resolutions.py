"""Remembered title resolutions: which paper S2 matched to a title, kept from run to run.

A row with no id S2 accepts (CVF, PMLR, publisher PDFs, plain titles) is found by its title, one
``/paper/search/match`` request each at S2's pace (one a second); so is the paper a row whose
title contradicts its link really names (:func:`enrich.papers.lookups.plan_suggestions`). The
answers rarely change, so the on-disk cache keeps them (``<cache_dir>/s2-titles/``):

* a **match** is kept for ``s2_title_cache_ttl_days``. On a later run a row found by its title
  has its paper join the S2 batch by id (``s2:<paperId>``, or the id the batch asks for anyway
  when the paper is also linked), so its values are as fresh as every other paper's and no
  title match is made. A suggestion (the paper a mismatched row names) needs only the paper's
  id, so it is answered from the stored match and costs no request at all;
* **no match** is kept for ``s2_title_no_match_ttl_days``, shorter, because S2 indexes new papers
  every day;
* a failed match is not kept.

A query is recalled only when its normalized title and its year are the ones stored, so a new or
edited row is looked up as before. A remembered paper that S2 no longer knows is matched again.
The store is only an optimisation: an unreadable entry is a miss, an entry that cannot be written
is logged and skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pydantic import Field

from enrich.models import (
    EntryKind,
    ExtractedList,
    Model,
    Outcome,
    OutcomeStatus,
    S2Record,
    SourceHealth,
    SourceResult,
    SourceStatus,
    TitleQuery,
)
from enrich.papers.lookups import LookupPlan, arxiv_key, preferred_id, s2_key, title_query
from enrich.settings import Settings
from enrich.sources.cache import MetadataCache, utc_now

__all__ = [
    "RESOLUTIONS_DIR",
    "RecalledTitles",
    "ResolutionStore",
    "TitleResolution",
    "answer_recalled",
    "recall_titles",
]

logger = logging.getLogger(__name__)

#: Directory of the resolutions under the cache directory.
RESOLUTIONS_DIR = "s2-titles"
#: Source name of the health of recalled answers (they are S2's answers).
_SOURCE = "s2"


class TitleResolution(Model):
    """What S2's title match answered for one title query."""

    title_key: str = Field(description="The query's key, title:<normalized title>.")
    title: str = Field(description="The title as it was asked.")
    year: int | None = Field(default=None, description="The year the match was checked against.")
    match: S2Record | None = Field(default=None, description="The paper matched; None: no match.")
    matched_at: dt.datetime | None = Field(default=None, description="When it was matched.")
    reason: str | None = Field(default=None, description="Why there is no match.")


class ResolutionStore:
    """Title resolutions in the on-disk cache, one file per title.

    ``match_ttl`` and ``no_match_ttl`` say how long a match and a "no match" are remembered; when
    both are zero nothing is read or written. ``now`` is injectable for tests.
    """

    def __init__(
        self,
        directory: Path,
        *,
        match_ttl: dt.timedelta,
        no_match_ttl: dt.timedelta,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        if match_ttl < dt.timedelta(0) or no_match_ttl < dt.timedelta(0):
            raise ValueError(f"resolution ttls must not be negative: {match_ttl}, {no_match_ttl}")
        self.match_ttl = match_ttl
        self.no_match_ttl = no_match_ttl
        self._now = now
        # The cache keeps entries as long as the longer ttl; each kind's own ttl is checked here.
        self._cache = MetadataCache(directory, max(match_ttl, no_match_ttl), now=now)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, now: Callable[[], dt.datetime] = utc_now
    ) -> ResolutionStore:
        """The store under ``settings.cache_dir`` with the settings' ttls."""
        return cls(
            settings.cache_dir / RESOLUTIONS_DIR,
            match_ttl=dt.timedelta(days=settings.s2_title_cache_ttl_days),
            no_match_ttl=dt.timedelta(days=settings.s2_title_no_match_ttl_days),
            now=now,
        )

    @property
    def directory(self) -> Path:
        return self._cache.directory

    @staticmethod
    def _file_key(title_key: str) -> str:
        # Hashed: a long title would exceed the file-name limit once percent-encoded.
        return "title-" + hashlib.sha256(title_key.encode("utf-8")).hexdigest()[:40]

    def _stored_names(self) -> set[str]:
        """File names in the store (one directory listing instead of a miss per query)."""
        try:
            with os.scandir(self.directory) as entries:
                return {entry.name for entry in entries}
        except FileNotFoundError:
            return set()
        except OSError as error:
            logger.warning("title resolutions in %s unreadable (%s)", self.directory, error)
            return set()

    def recall(self, queries: Iterable[TitleQuery]) -> dict[str, TitleResolution]:
        """Title key -> the remembered resolution, for the queries with a fresh one."""
        if not self._cache.enabled:
            return {}
        stored = self._stored_names()
        if not stored:
            return {}
        now = self._now()
        recalled: dict[str, TitleResolution] = {}
        for query in queries:
            file_key = self._file_key(query.key)
            if query.key in recalled or self._cache.path_for(file_key).name not in stored:
                continue
            entry = self._cache.get(file_key, TitleResolution)
            if entry is None:
                continue
            resolution = entry.record
            ttl = self.match_ttl if resolution.match is not None else self.no_match_ttl
            if resolution.title_key != query.key or resolution.year != query.year:
                continue  # another title with the same hash prefix, or the row's year changed
            if now - entry.fetched_at >= ttl:
                continue
            recalled[query.key] = resolution
        return recalled

    def remember(self, queries: Sequence[TitleQuery], result: SourceResult[S2Record]) -> int:
        """Keep the matches and "no match" answers of ``result`` for ``queries``; return how many.

        Failed outcomes and outcomes that were themselves recalled (``from_cache``) are skipped,
        so a remembered answer expires after its ttl instead of being renewed by each run.
        """
        if not self._cache.enabled:
            return 0
        kept = 0
        unwritable: list[str] = []
        for query in {query.key: query for query in queries}.values():
            outcome = result.outcomes.get(query.key)
            if outcome is None or outcome.from_cache or outcome.status == OutcomeStatus.FAILED:
                continue
            record = outcome.record
            if record is not None:
                ttl = self.match_ttl
                resolution = TitleResolution(
                    title_key=query.key,
                    title=query.title,
                    year=query.year,
                    match=record,
                    matched_at=outcome.fetched_at,
                )
            else:
                ttl = self.no_match_ttl
                resolution = TitleResolution(
                    title_key=query.key, title=query.title, year=query.year, reason=outcome.reason
                )
            if ttl <= dt.timedelta(0):
                continue
            try:
                self._cache.put(
                    self._file_key(query.key), resolution, outcome.fetched_at or self._now()
                )
            except OSError as error:
                unwritable.append(f"{query.key} ({error})")
                continue
            kept += 1
        if unwritable:
            logger.warning(
                "could not remember %d title resolutions, e.g. %s; they will be matched again",
                len(unwritable),
                unwritable[0],
            )
        return kept


class RecalledTitles(Model):
    """A run's S2 look-ups once the remembered title resolutions are taken into account."""

    s2_ids: list[str] = Field(
        description="The plan's S2 ids plus the ids of remembered papers not asked for otherwise."
    )
    title_queries: list[TitleQuery] = Field(
        description="The plan's title queries with no remembered answer: match these."
    )
    via_batch: dict[str, str] = Field(
        default_factory=dict,
        description="Title key -> the S2 batch key that fetches its remembered paper.",
    )
    no_match: dict[str, str] = Field(
        default_factory=dict, description="Title key -> why S2 had no match (remembered)."
    )
    stored: dict[str, Outcome[S2Record]] = Field(
        default_factory=dict,
        description="Suggestions answered by the stored match (only the paper's id is used).",
    )
    planned: dict[str, TitleQuery] = Field(
        default_factory=dict,
        description="Remembered queries of the plan, by key (matched again if S2 lost the paper).",
    )


def _suggestion_candidates(lists: Sequence[ExtractedList]) -> Iterable[TitleQuery]:
    """Queries for rows whose title could contradict their link (paper rows with a looked-up id).

    Whether one does is known only after the look-ups, so a suggestion remembered from an
    earlier run is recalled for every such row (it costs no request).
    """
    for extracted in lists:
        for entry in extracted.entries:
            if entry.kind == EntryKind.PAPER and (arxiv_key(entry) or s2_key(entry)):
                yield title_query(entry)


def recall_titles(
    plan: LookupPlan, lists: Sequence[ExtractedList], store: ResolutionStore | None
) -> RecalledTitles:
    """``plan``'s S2 look-ups with remembered resolutions recalled from ``store`` (None: none)."""
    unchanged = RecalledTitles(s2_ids=list(plan.s2_ids), title_queries=list(plan.title_queries))
    if store is None:
        return unchanged
    planned = {query.key: query for query in plan.title_queries}
    # The candidates are generated lazily: with nothing stored (a first run) no title key of
    # theirs is computed.
    recalled = store.recall(itertools.chain(planned.values(), _suggestion_candidates(lists)))
    if not recalled:
        return unchanged
    s2_ids = set(plan.s2_ids)
    via_batch: dict[str, str] = {}
    no_match: dict[str, str] = {}
    stored: dict[str, Outcome[S2Record]] = {}
    for key, resolution in sorted(recalled.items()):
        match = resolution.match
        if match is None:
            no_match[key] = resolution.reason or "S2 has no title match"
        elif key not in planned:
            # A suggestion: its paper's values are never used, only which paper it is.
            stored[key] = Outcome[S2Record](
                key=key,
                status=OutcomeStatus.OK,
                record=match,
                fetched_at=resolution.matched_at,
                from_cache=True,
            )
        else:
            # The id the batch asks for anyway when the paper is also linked (no id twice).
            batch_key = preferred_id(match)
            if batch_key not in s2_ids:
                batch_key = f"s2:{match.paper_id}"
            s2_ids.add(batch_key)
            via_batch[key] = batch_key
    return RecalledTitles(
        s2_ids=sorted(s2_ids),
        title_queries=[query for key, query in planned.items() if key not in recalled],
        via_batch=via_batch,
        no_match=no_match,
        stored=stored,
        planned={key: query for key, query in planned.items() if key in recalled},
    )


def answer_recalled(
    recalled: RecalledTitles, s2: SourceResult[S2Record]
) -> tuple[SourceResult[S2Record] | None, list[TitleQuery]]:
    """Title outcomes for the remembered resolutions, from the S2 batch result ``s2``.

    Returns the outcomes (None when nothing was recalled) and the planned queries whose
    remembered paper S2 no longer knows: match those again. A recalled outcome has
    ``from_cache=True`` (the match is remembered); for a row found by its title it carries the
    batch's record and ``fetched_at`` (the values are fresh), for a suggestion the stored match.
    Its health counts every answer given without a title match as a cache hit.
    """
    if not recalled.via_batch and not recalled.no_match and not recalled.stored:
        return None, []
    outcomes: dict[str, Outcome[S2Record]] = dict(recalled.stored)
    vanished: list[TitleQuery] = []
    for key, batch_key in recalled.via_batch.items():
        found = s2.outcomes.get(batch_key)
        if found is not None and found.status == OutcomeStatus.NOT_FOUND:
            vanished.append(recalled.planned[key])
            continue
        if found is None or found.record is None:
            reason = found.reason if found is not None else "not fetched"
            outcomes[key] = Outcome[S2Record](
                key=key,
                status=OutcomeStatus.FAILED,
                reason=f"the remembered match {batch_key} could not be fetched: {reason}",
                from_cache=True,
            )
            continue
        outcomes[key] = Outcome[S2Record](
            key=key,
            status=OutcomeStatus.OK,
            record=found.record,
            fetched_at=found.fetched_at,
            from_cache=True,
        )
    for key, reason in recalled.no_match.items():
        outcomes[key] = Outcome[S2Record](
            key=key, status=OutcomeStatus.NOT_FOUND, reason=reason, from_cache=True
        )
    statuses = [outcome.status for outcome in outcomes.values()]
    failed = statuses.count(OutcomeStatus.FAILED)
    health = SourceHealth(
        source=_SOURCE,
        status=SourceStatus.DEGRADED if failed else SourceStatus.UP,
        cache_hits=len(outcomes),
        ok=statuses.count(OutcomeStatus.OK),
        not_found=statuses.count(OutcomeStatus.NOT_FOUND),
        failed=failed,
    )
    return SourceResult[S2Record](outcomes=dict(sorted(outcomes.items())), health=health), vanished
