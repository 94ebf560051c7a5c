"""The Semantic Scholar source: paper metadata by id (batched) and by title (one match each).

Only this module knows Semantic Scholar's quirks; it owns S2's pace, paging and transport retries.

What is used from the ``semanticscholar`` 0.12.0 package, and why not more (see the project's
``API_NOTES.md``, section "`semanticscholar` 0.12.0: traps", and the package source,
https://github.com/danielnsilva/semanticscholar, ``semanticscholar/ApiRequester.py``):

* Used: its response model :class:`semanticscholar.Paper.Paper` to read a paper object of the
  Graph API (https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data), and its graph base
  path. Both are plain data handling with no I/O.
* Not used: its clients and requester, which make every request here. They are unsafe for us:

  - any status other than 200/400/403/404/429/500/504 (so 502, 503, 401) returns ``{}``
    silently, which ``get_papers`` turns into "every id not found"; an outage must never read
    as "these papers do not exist";
  - ``get_papers`` drops the ``null`` entries of the batch answer, so results no longer line up with
    the ids, and ``return_not_found=True`` wrongly reports every ``URL:`` id as not found;
  - its 429 loop sleeps 5..60 s up to 10 times (about 4 minutes) without reading
    ``Retry-After``, and it retries neither 5xx, timeouts nor dropped connections;
  - ``search_paper(..., match_title=True)`` does not URL-encode the title: ``&`` truncates the
    query and ``+`` turns into a space;
  - it runs ``asyncio.run`` per call (on a helper thread inside a running event loop), opens a
    new ``httpx.AsyncClient`` per request (no connection reuse) and cannot take a transport, so
    it cannot be pooled or tested offline through a transport, and it does not pace requests;
  - it logs request headers, i.e. the ``x-api-key``, at DEBUG level, and constructing a client
    calls ``logging.basicConfig``.

  So requests go through one :class:`httpx.Client` owned by
  :class:`enrich.sources.s2_http.S2Http`: paced by :class:`enrich.sources.pacing.Pacer`, each
  attempt bounded by a total deadline (:func:`enrich.sources.deadline.run_with_deadline`),
  retried by tenacity with jittered exponential back-off within a time budget, cut off by
  :class:`enrich.sources.pacing.CircuitBreaker`. Answers are read in
  :mod:`enrich.sources.s2_answers`; this module turns them into outcomes.

S2 facts relied on (https://api.semanticscholar.org/api-docs/graph):

* ``POST /graph/v1/paper/batch`` takes at most 500 ids and answers a list aligned with them,
  ``null`` where an id is unknown, or 400 ``No valid paper ids given`` when none is known. One
  malformed id can turn the whole batch into 400, and some ids make it answer 500
  (https://github.com/allenai/s2-folks/issues/38): such a batch is split in halves until the
  offending id is isolated (after the usual retries, for a 500).
* A 429 carries no ``Retry-After`` (seen in recorded real answers; ``API_NOTES.md``) and bursts
  last tens of seconds: back off exponentially, up to a minute a wait, within the retry budget
  rather than a small number of attempts.
* Accepted ids: ``ARXIV:`` (unversioned only: ``ARXIV:...v1`` finds nothing), ``DOI:``,
  ``ACL:``, ``URL:`` for a few hosts, a bare S2 paper id. OpenReview ids are not accepted.
* ``GET /graph/v1/paper/search/match?query=TITLE`` answers ``{"data": [best match with
  matchScore]}``, or 404 (and sometimes ``{"data": []}``) when nothing matches.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
from semanticscholar.AsyncSemanticScholar import AsyncSemanticScholar

from enrich.errors import SourceError
from enrich.models import (
    Outcome,
    OutcomeStatus,
    S2Record,
    SourceHealth,
    SourceResult,
    SourceStatus,
    TitleQuery,
)
from enrich.progress import S2_TITLES, ProgressHook, StageCounter
from enrich.settings import Settings
from enrich.sources.deadline import StopSignal
from enrich.sources.pacing import (
    BeforeStart,
    Clock,
    Sleep,
)
from enrich.sources.s2_answers import (
    NO_VALID_IDS,
    Found,
    TransientError,
    align_batch,
    blames_request,
    error_text,
    json_body,
    raise_for_unexpected,
    to_record,
)
from enrich.sources.s2_http import PersistentServerError, S2Counts, S2Http, failure_reason
from enrich.titles import normalize_title, titles_agree

__all__ = [
    "BATCH_LIMIT",
    "S2_FIELDS",
    "SOURCE_NAME",
    "SemanticScholarSource",
    "UnsupportedIdError",
    "to_s2_id",
]

logger = logging.getLogger(__name__)

#: Name of this source in :class:`SourceHealth` and logs.
SOURCE_NAME = "s2"
#: Most ids S2 accepts in one batch request.
BATCH_LIMIT = 500
#: Fields requested for every paper (``tldr`` is left out: it has caused server errors).
S2_FIELDS: tuple[str, ...] = (
    "title",
    "authors",
    "year",
    "publicationDate",
    "venue",
    "publicationVenue",
    "externalIds",
    "citationCount",
    "influentialCitationCount",
    "referenceCount",
    "openAccessPdf",
    "fieldsOfStudy",
)
#: Hosts whose links S2 accepts as ``URL:`` ids (a subdomain such as dl.acm.org counts).
URL_ID_HOSTS: tuple[str, ...] = (
    "arxiv.org",
    "acm.org",
    "aclweb.org",
    "biorxiv.org",
    "semanticscholar.org",
)
#: Attempts of a part of a batch while isolating the ids that make S2 answer 500.
ISOLATION_ATTEMPTS = 2
#: A batch split this many ways with every part still failing: the service fails, not an id.
ISOLATION_GIVE_UP_PARTS = 4

_GRAPH_PATH: str = AsyncSemanticScholar.BASE_PATH_GRAPH  # "/graph/v1"
_BATCH_PATH = f"{_GRAPH_PATH}/paper/batch"
_MATCH_PATH = f"{_GRAPH_PATH}/paper/search/match"
_ARXIV_VERSION = re.compile(r"v\d+$")


class UnsupportedIdError(ValueError):
    """A paper id S2 cannot look up (e.g. ``openreview:``); the reason says why."""


def to_s2_id(paper_id: str) -> str:
    """Translate one of our prefixed paper ids into the id syntax S2 accepts.

    ``arxiv:2401.04088v2`` -> ``ARXIV:2401.04088`` (versions stripped: S2 finds nothing for a
    versioned arXiv id), ``doi:`` -> ``DOI:``, ``acl:`` -> ``ACL:``, ``s2:<paperId>`` ->
    ``<paperId>``, ``url:<link>`` -> ``URL:<link>`` for the hosts in :data:`URL_ID_HOSTS`.

    Raises :class:`UnsupportedIdError` for ids S2 does not accept (``openreview:``, ``url:`` on
    another host) and :class:`ValueError` for text that is not a paper id at all.
    """
    prefix, sep, value = paper_id.partition(":")
    prefix = prefix.strip().lower()
    value = value.strip()
    if not sep or not value:
        raise ValueError(
            f"not a prefixed paper id (expected e.g. 'arxiv:2401.04088'): {paper_id!r}"
        )
    if prefix == "arxiv":
        return f"ARXIV:{_ARXIV_VERSION.sub('', value)}"
    if prefix == "doi":
        return f"DOI:{value}"
    if prefix == "acl":
        return f"ACL:{value}"
    if prefix == "s2":
        return value
    if prefix == "openreview":
        raise UnsupportedIdError("S2 does not accept openreview ids")
    if prefix == "url":
        host = (urlsplit(value).hostname or "").lower()
        if any(host == known or host.endswith(f".{known}") for known in URL_ID_HOSTS):
            return f"URL:{value}"
        raise UnsupportedIdError(f"S2 does not accept URL ids for host {host or '(none)'!r}")
    raise ValueError(
        f"unknown paper id prefix {prefix!r} in {paper_id!r} "
        "(expected arxiv:, doi:, acl:, openreview:, s2: or url:)"
    )


class SemanticScholarSource:
    """Fetches :class:`S2Record` s from the Semantic Scholar Graph API.

    One instance per run: it keeps one HTTP connection pool, one pace and one circuit breaker,
    and its :attr:`health` accumulates over every call. Not meant for concurrent use from
    several threads (the pace would still hold; the counters are not locked).

    ``clock``/``sleep`` drive pacing, back-off waits and the retry time budget (inject fakes in
    tests; ``sleep`` defaults to one that ``stop`` interrupts); ``rng`` draws the back-off
    jitter; ``transport`` replaces the network (e.g. :class:`httpx.MockTransport`); ``now``
    stamps :attr:`Outcome.fetched_at` and reads HTTP-date ``Retry-After`` s; ``before_start`` is
    passed to the :class:`Pacer` (called before each request, e.g. a rate limit shared by all
    workers); ``stop``, once set, ends every wait and pending request with
    :class:`enrich.errors.RunStopped`; ``progress`` is told how many
    batch requests (stage ``s2``) and title queries (stage ``s2_titles``) are done of how many.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], dt.datetime] | None = None,
        before_start: BeforeStart | None = None,
        stop: StopSignal | None = None,
        progress: ProgressHook | None = None,
    ) -> None:
        self._batches_done = StageCounter(progress, SOURCE_NAME)
        self._titles_done = StageCounter(progress, S2_TITLES)
        self._sleep: Sleep = sleep or (stop.sleep if stop is not None else time.sleep)
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._http = S2Http(
            settings,
            clock=clock,
            sleep=self._sleep,
            rng=rng,
            transport=transport,
            now=self._now,
            before_start=before_start,
            stop=stop,
        )

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> SemanticScholarSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API

    @property
    def health(self) -> SourceHealth:
        """Cumulative health for the run: requests sent, retries, failed requests, outcomes.

        ``down`` once the circuit breaker has opened or when no request got an answer (at least
        one failed), ``degraded`` when a request failed after its retries or a key's outcome is
        failed, ``up`` otherwise (retries that recovered are counted in ``retries`` but lose no
        data), the same rule as the arXiv source.
        """
        return self._health(self._http.counts)

    def fetch(self, paper_ids: Sequence[str]) -> SourceResult[S2Record]:
        """Look up papers by id, in batches of at most :data:`BATCH_LIMIT` ids.

        Every distinct input id gets an outcome keyed by the id as given: ``ok`` with a record,
        ``not_found`` (S2 answered and does not know it, or does not accept that kind of id:
        ``openreview:`` ids get "S2 does not accept openreview ids" without a request), or
        ``failed`` with the reason (service error after retries, source down, an id S2 answers
        500 for, an answer that does not say it is the paper asked for). A 5xx or an empty
        answer is never read as "not found".

        The result's ``health`` counts this call only (so results of several calls can be
        summed); :attr:`health` counts the whole run. Raises :class:`ValueError` before any
        request if an id is not a prefixed paper id, and :class:`enrich.errors.RunStopped` when
        the run is told to stop.
        """
        if isinstance(paper_ids, str):
            raise TypeError("paper_ids must be a sequence of ids, not one string")
        before = self._http.counts
        keys = list(dict.fromkeys(paper_ids))
        outcomes: dict[str, Outcome[S2Record]] = {}
        # S2 id -> our keys asking for it (arxiv:X and arxiv:Xv2 are one request).
        wanted: dict[str, list[str]] = {}
        for key in keys:
            try:
                s2_id = to_s2_id(key)
            except UnsupportedIdError as exc:
                outcomes[key] = self._outcome(key, OutcomeStatus.NOT_FOUND, str(exc))
                continue
            wanted.setdefault(s2_id, []).append(key)

        s2_ids = list(wanted)
        self._batches_done.plan(math.ceil(len(s2_ids) / BATCH_LIMIT))
        for start in range(0, len(s2_ids), BATCH_LIMIT):
            chunk = s2_ids[start : start + BATCH_LIMIT]
            try:
                self._http.breaker.check()
                answers = self._fetch_batch(chunk)
            except SourceError as exc:
                for s2_id in chunk:
                    for key in wanted[s2_id]:
                        outcomes[key] = self._outcome(
                            key, OutcomeStatus.FAILED, failure_reason(exc)
                        )
                self._batches_done.step()
                continue
            self._batches_done.step()
            for s2_id, found in zip(chunk, answers, strict=True):
                for key in wanted[s2_id]:
                    outcomes[key] = self._paper_outcome(key, found)
        ordered = {key: outcomes[key] for key in keys}
        self._count_outcomes(ordered.values())
        return SourceResult(outcomes=ordered, health=self._health(self._http.counts.minus(before)))

    def match_titles(self, queries: Sequence[TitleQuery]) -> SourceResult[S2Record]:
        """Find papers by title, one ``/paper/search/match`` request per query.

        A match is accepted only when its title equals the query's after
        :func:`enrich.titles.normalize_title` and, where both years are known, its year is within
        one of the query's. A rejected match is ``not_found`` with the candidate's title in the
        reason. Outcomes are keyed by :attr:`TitleQuery.key`; duplicate keys must carry the same
        query (else :class:`ValueError`). The result's ``health`` counts this call only.
        """
        before = self._http.counts
        by_key: dict[str, TitleQuery] = {}
        for query in queries:
            seen = by_key.setdefault(query.key, query)
            if seen != query:
                raise ValueError(f"two different title queries share the key {query.key!r}")
        outcomes: dict[str, Outcome[S2Record]] = {}
        self._titles_done.plan(len(by_key))
        for key, query in by_key.items():
            if not normalize_title(query.title):
                outcomes[key] = self._outcome(
                    key, OutcomeStatus.NOT_FOUND, f"title {query.title!r} has no words to match"
                )
                self._titles_done.step()
                continue
            try:
                self._http.breaker.check()
                found = self._match_one(query.title)
            except SourceError as exc:
                outcomes[key] = self._outcome(key, OutcomeStatus.FAILED, failure_reason(exc))
                self._titles_done.step()
                continue
            outcomes[key] = self._match_outcome(query, found)
            self._titles_done.step()
        self._count_outcomes(outcomes.values())
        return SourceResult(outcomes=outcomes, health=self._health(self._http.counts.minus(before)))

    # ------------------------------------------------------------------ batch lookup

    def _fetch_batch(self, s2_ids: list[str], *, isolating: bool = False) -> list[Found]:
        """One batch request, one :class:`Found` per id of ``s2_ids``.

        A batch S2 rejects with 400 is split in halves until the offending id is alone. A batch
        that answers 500 on every attempt is halved the same way (:meth:`_isolate`); with
        ``isolating`` set (a part of such a batch) that 500 is raised as
        :class:`PersistentServerError` for the caller to split further.
        """

        def interpret(response: httpx.Response) -> list[Found] | str:
            if response.status_code == 400:
                error = error_text(response)
                if NO_VALID_IDS in error.lower():
                    # None of the ids is known: a real answer, not a failure.
                    return [Found(None) for _ in s2_ids]
                if blames_request(error, s2_ids):
                    # Not about any one id (e.g. a field S2 does not know): splitting the batch
                    # would only repeat the error ~2n times.
                    raise SourceError(
                        f"S2 rejected the request: {error}",
                        url=str(response.request.url),
                        status=400,
                    )
                return error
            raise_for_unexpected(response)
            return align_batch(s2_ids, json_body(response), str(response.request.url))

        try:
            answer = self._http.request(
                "POST",
                _BATCH_PATH,
                params={"fields": ",".join(S2_FIELDS)},
                body={"ids": s2_ids},
                interpret=interpret,
                split_on_server_error=True,
                max_attempts=ISOLATION_ATTEMPTS if isolating else None,
            )
        except PersistentServerError:
            if isolating:
                raise
            return self._isolate(s2_ids)
        if not isinstance(answer, str):
            return answer
        # A 400 other than "no valid ids": some id is malformed. Halve until it is isolated, so
        # one bad id does not cost the rest of the batch.
        if len(s2_ids) == 1:
            return [Found(None, reason=f"S2 rejected the id: {answer}")]
        middle = len(s2_ids) // 2
        return self._fetch_batch(s2_ids[:middle], isolating=isolating) + self._fetch_batch(
            s2_ids[middle:], isolating=isolating
        )

    def _isolate(self, s2_ids: list[str]) -> list[Found]:
        """Answers for a batch that S2 answered 500 on every attempt: halve it, level by level,
        until the ids S2 fails on are alone (allenai/s2-folks#38); those get a failed outcome,
        the others their answers.

        When all of :data:`ISOLATION_GIVE_UP_PARTS` parts still fail and no part has been
        answered, the service is failing rather than an id: the batch fails as a whole (one
        failed request for the breaker) instead of costing a request per id.
        """
        poisoned = "S2 answers HTTP 500 whenever this id is asked"
        if len(s2_ids) == 1:
            logger.warning("S2 answers HTTP 500 whenever %s is asked", s2_ids[0])
            return [Found(None, failure=poisoned)]
        logger.warning(
            "S2 answers HTTP 500 to a batch of %d ids; halving it to find the ids it fails on",
            len(s2_ids),
        )
        found: dict[int, Found] = {}
        parts = _halves(0, s2_ids)
        answered = False
        while parts:
            failing: list[tuple[int, list[str]]] = []
            for offset, part in parts:
                try:
                    answers = self._fetch_batch(part, isolating=True)
                except PersistentServerError:
                    if len(part) == 1:
                        found[offset] = Found(None, failure=poisoned)
                    else:
                        failing.append((offset, part))
                    continue
                answered = True
                found.update((offset + index, answer) for index, answer in enumerate(answers))
            if failing and not answered and len(parts) >= ISOLATION_GIVE_UP_PARTS:
                error = SourceError(
                    f"S2 server error (HTTP 500) on every part of a batch of {len(s2_ids)} ids",
                    status=500,
                )
                self._http.record_give_up(error)
                raise error
            parts = [half for offset, part in failing for half in _halves(offset, part)]
        failing_ids = [s2_ids[i] for i, item in sorted(found.items()) if item.failure is not None]
        if failing_ids:
            logger.warning(
                "S2 answers HTTP 500 whenever these ids are asked: %s", ", ".join(failing_ids)
            )
        return [found[index] for index in range(len(s2_ids))]

    def _paper_outcome(self, key: str, found: Found) -> Outcome[S2Record]:
        if found.failure is not None:
            return self._outcome(key, OutcomeStatus.FAILED, found.failure)
        if found.paper is None:
            reason = found.reason or "S2 does not know this id"
            return self._outcome(key, OutcomeStatus.NOT_FOUND, reason)
        try:
            record = to_record(found.paper)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return self._outcome(key, OutcomeStatus.FAILED, f"unusable S2 record: {exc}")
        return self._outcome(key, OutcomeStatus.OK, None, record)

    # ------------------------------------------------------------------ title match

    def _match_one(self, title: str) -> Found:
        def interpret(response: httpx.Response) -> Found:
            if response.status_code == 400:
                # S2 refuses this query (e.g. too long): an answer about this title only.
                return Found(None, reason=f"S2 rejected the title query: {error_text(response)}")
            if response.status_code == 404:
                # S2 answers 404 "Title match not found"; only a JSON error body counts, an
                # HTML 404 from something in between is not S2's answer.
                body = json_body(response)
                if isinstance(body, dict):
                    return Found(None, reason="S2 has no title match")
                raise TransientError(
                    "S2 answered 404 without a JSON body",
                    url=str(response.request.url),
                    status=404,
                )
            raise_for_unexpected(response)
            body = json_body(response)
            data = body.get("data") if isinstance(body, dict) else None
            if isinstance(data, list) and not data:
                # {"data": []} has been seen and means "no match" (API_NOTES.md).
                return Found(None, reason="S2 has no title match")
            if (
                not isinstance(data, list)
                or not isinstance(data[0], dict)
                or not isinstance(data[0].get("paperId"), str)
            ):
                raise TransientError(
                    "S2 title match answer holds no paper",
                    url=str(response.request.url),
                    status=response.status_code,
                )
            return Found(data[0])

        # httpx encodes the query value (the package does not: '&' and '+' would be mangled).
        return self._http.request(
            "GET",
            _MATCH_PATH,
            params={"query": title, "fields": ",".join(S2_FIELDS)},
            body=None,
            interpret=interpret,
        )

    def _match_outcome(self, query: TitleQuery, found: Found) -> Outcome[S2Record]:
        if found.paper is None:
            reason = found.reason or "S2 has no title match"
            return self._outcome(query.key, OutcomeStatus.NOT_FOUND, reason)
        try:
            record = to_record(found.paper)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return self._outcome(query.key, OutcomeStatus.FAILED, f"unusable S2 record: {exc}")
        if not titles_agree(record.title, query.title):
            return self._outcome(
                query.key,
                OutcomeStatus.NOT_FOUND,
                f"best S2 match rejected: title {record.title!r} differs",
            )
        if query.year is not None and record.year is not None and abs(record.year - query.year) > 1:
            return self._outcome(
                query.key,
                OutcomeStatus.NOT_FOUND,
                f"best S2 match rejected: {record.title!r} is from {record.year}, "
                f"more than a year from {query.year}",
            )
        return self._outcome(query.key, OutcomeStatus.OK, None, record)

    # ------------------------------------------------------------------ bookkeeping

    def _outcome(
        self,
        key: str,
        status: OutcomeStatus,
        reason: str | None,
        record: S2Record | None = None,
    ) -> Outcome[S2Record]:
        return Outcome[S2Record](
            key=key,
            status=status,
            reason=reason,
            record=record,
            fetched_at=self._now() if record is not None else None,
        )

    def _count_outcomes(self, outcomes: Iterable[Outcome[S2Record]]) -> None:
        statuses = [outcome.status for outcome in outcomes]
        self._http.counts = replace(
            self._http.counts,
            ok=self._http.counts.ok + statuses.count(OutcomeStatus.OK),
            not_found=self._http.counts.not_found + statuses.count(OutcomeStatus.NOT_FOUND),
            failed=self._http.counts.failed + statuses.count(OutcomeStatus.FAILED),
        )

    def _health(self, counts: S2Counts) -> SourceHealth:
        breaker_open = self._http.breaker.is_open
        if breaker_open or (counts.failures and not counts.answered):
            status = SourceStatus.DOWN  # no answer at all (or the breaker has opened)
        elif counts.failures or counts.failed:
            status = SourceStatus.DEGRADED
        else:
            status = SourceStatus.UP
        return SourceHealth(
            source=SOURCE_NAME,
            status=status,
            requests=counts.requests,
            retries=counts.retries,
            failures=counts.failures,
            ok=counts.ok,
            not_found=counts.not_found,
            failed=counts.failed,
            # Only a call that met an error, or found the source down, reports one (so merged
            # per-call healths do not repeat an old error).
            last_error=self._http.last_error
            if counts.errors or self._http.breaker.is_open
            else None,
            standin=self._http.standin,
        )


# ---------------------------------------------------------------------- response helpers


def _halves(offset: int, ids: list[str]) -> list[tuple[int, list[str]]]:
    middle = len(ids) // 2
    return [(offset, ids[:middle]), (offset + middle, ids[middle:])]
