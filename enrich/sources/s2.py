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

  So requests go through one :class:`httpx.Client` owned by :class:`SemanticScholarSource`:
  paced by :class:`enrich.sources.pacing.Pacer`, retried by tenacity with jittered exponential
  back-off bounded by attempts and total time, cut off by
  :class:`enrich.sources.pacing.CircuitBreaker`.

S2 facts relied on (https://api.semanticscholar.org/api-docs/graph):

* ``POST /graph/v1/paper/batch`` takes at most 500 ids and answers a list aligned with them,
  ``null`` where an id is unknown, or 400 ``No valid paper ids given`` when none is known. One
  malformed id can turn the whole batch into 400: such a batch is split in halves until the
  offending id is isolated.
* Accepted ids: ``ARXIV:`` (unversioned only: ``ARXIV:...v1`` finds nothing), ``DOI:``,
  ``ACL:``, ``URL:`` for a few hosts, a bare S2 paper id. OpenReview ids are not accepted.
* ``GET /graph/v1/paper/search/match?query=TITLE`` answers ``{"data": [best match with
  matchScore]}`` or 404 when nothing matches.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError
from semanticscholar.AsyncSemanticScholar import AsyncSemanticScholar
from semanticscholar.Paper import Paper
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_random_exponential

from enrich.errors import RateLimitedError, SourceDownError, SourceError
from enrich.models import (
    Author,
    Outcome,
    OutcomeStatus,
    PublicationVenue,
    S2Record,
    SourceHealth,
    SourceResult,
    SourceStatus,
    TitleQuery,
)
from enrich.progress import S2_TITLES, ProgressHook, StageCounter
from enrich.settings import Settings
from enrich.sources.pacing import BeforeStart, CircuitBreaker, Clock, Pacer, Sleep
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
#: First back-off window in seconds; it doubles per retry ("full jitter": a random wait in it).
BACKOFF_INITIAL_SECONDS = 1.0
#: Largest back-off window in seconds.
BACKOFF_MAX_SECONDS = 60.0

_GRAPH_PATH: str = AsyncSemanticScholar.BASE_PATH_GRAPH  # "/graph/v1"
_BATCH_PATH = f"{_GRAPH_PATH}/paper/batch"
_MATCH_PATH = f"{_GRAPH_PATH}/paper/search/match"
_ARXIV_VERSION = re.compile(r"v\d+$")
_ARXIV_DOI_PREFIX = "10.48550/arxiv."
_NO_VALID_IDS = "no valid paper ids"
#: Words of a batch 400 that blame the request, not an id.
_REQUEST_LEVEL_400 = ("field", "parameter", "body")

_T = TypeVar("_T")


class _TransientError(SourceError):
    """A failure worth retrying: 5xx, timeout, dropped connection, unusable 200 answer."""


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


@dataclass(frozen=True)
class _Counts:
    requests: int = 0
    retries: int = 0
    failures: int = 0
    ok: int = 0
    not_found: int = 0
    failed: int = 0
    errors: int = 0  # failed attempts, retried or not

    def minus(self, other: _Counts) -> _Counts:
        return _Counts(
            requests=self.requests - other.requests,
            retries=self.retries - other.retries,
            failures=self.failures - other.failures,
            ok=self.ok - other.ok,
            not_found=self.not_found - other.not_found,
            failed=self.failed - other.failed,
            errors=self.errors - other.errors,
        )


@dataclass(frozen=True)
class _Found:
    """One position of a batch answer: a paper object, or why there is none."""

    paper: dict[str, Any] | None
    reason: str | None = None


class SemanticScholarSource:
    """Fetches :class:`S2Record` s from the Semantic Scholar Graph API.

    One instance per run: it keeps one HTTP connection pool, one pace and one circuit breaker,
    and its :attr:`health` accumulates over every call. Not meant for concurrent use from
    several threads (the pace would still hold; the counters are not locked).

    ``clock``/``sleep`` drive pacing, back-off waits and the retry time budget (inject fakes in
    tests); ``transport`` replaces the network (e.g. :class:`httpx.MockTransport`); ``now``
    stamps :attr:`Outcome.fetched_at`; ``before_start`` is passed to the :class:`Pacer` (called
    before each request, e.g. a rate limit shared by all workers); ``progress`` is told how many
    batch requests (stage ``s2``) and title queries (stage ``s2_titles``) are done of how many.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], dt.datetime] | None = None,
        before_start: BeforeStart | None = None,
        progress: ProgressHook | None = None,
    ) -> None:
        self._settings = settings
        self._batches_done = StageCounter(progress, SOURCE_NAME)
        self._titles_done = StageCounter(progress, S2_TITLES)
        self._clock = clock
        self._sleep = sleep
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._pacer = Pacer(
            settings.s2_pace_seconds, clock=clock, sleep=sleep, before_start=before_start
        )
        self._breaker = CircuitBreaker(SOURCE_NAME, settings.breaker_threshold)
        self._backoff = wait_random_exponential(
            multiplier=BACKOFF_INITIAL_SECONDS, max=BACKOFF_MAX_SECONDS
        )
        headers = {"accept": "application/json"}
        if settings.s2_api_key is not None:
            # https://api.semanticscholar.org/api-docs/ : the key travels as x-api-key. It lives
            # only in this client's headers; nothing here logs headers or puts them in errors.
            headers["x-api-key"] = settings.s2_api_key.get_secret_value()
        self._client = httpx.Client(
            base_url=settings.s2_api_url.rstrip("/"),
            headers=headers,
            timeout=settings.request_timeout_seconds,
            transport=transport,
            follow_redirects=False,
        )
        self._counts = _Counts()
        self._last_error: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> SemanticScholarSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API

    @property
    def health(self) -> SourceHealth:
        """Cumulative health for the run: requests sent, retries, failed requests, outcomes.

        ``down`` once the circuit breaker has opened, ``degraded`` when a request failed after
        its retries or a key's outcome is failed, ``up`` otherwise (retries that recovered are
        counted in ``retries`` but lose no data), the same rule as the arXiv source.
        """
        return self._health(self._counts)

    def fetch(self, paper_ids: Sequence[str]) -> SourceResult[S2Record]:
        """Look up papers by id, in batches of at most :data:`BATCH_LIMIT` ids.

        Every distinct input id gets an outcome keyed by the id as given: ``ok`` with a record,
        ``not_found`` (S2 answered and does not know it, or does not accept that kind of id:
        ``openreview:`` ids get "S2 does not accept openreview ids" without a request), or
        ``failed`` with the reason (service error after retries, source down, unusable or
        contradicting record). A 5xx or an empty answer is never read as "not found".

        The result's ``health`` counts this call only (so results of several calls can be
        summed); :attr:`health` counts the whole run. Raises :class:`ValueError` before any
        request if an id is not a prefixed paper id.
        """
        if isinstance(paper_ids, str):
            raise TypeError("paper_ids must be a sequence of ids, not one string")
        before = self._counts
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
                self._breaker.check()
                answers = self._fetch_batch(chunk)
            except SourceError as exc:
                for s2_id in chunk:
                    for key in wanted[s2_id]:
                        outcomes[key] = self._outcome(key, OutcomeStatus.FAILED, _reason(exc))
                self._batches_done.step()
                continue
            self._batches_done.step()
            for s2_id, found in zip(chunk, answers, strict=True):
                for key in wanted[s2_id]:
                    outcomes[key] = self._paper_outcome(key, found)
        ordered = {key: outcomes[key] for key in keys}
        self._count_outcomes(ordered.values())
        return SourceResult(outcomes=ordered, health=self._health(self._counts.minus(before)))

    def match_titles(self, queries: Sequence[TitleQuery]) -> SourceResult[S2Record]:
        """Find papers by title, one ``/paper/search/match`` request per query.

        A match is accepted only when its title equals the query's after
        :func:`enrich.titles.normalize_title` and, where both years are known, its year is within
        one of the query's. A rejected match is ``not_found`` with the candidate's title in the
        reason. Outcomes are keyed by :attr:`TitleQuery.key`; duplicate keys must carry the same
        query (else :class:`ValueError`). The result's ``health`` counts this call only.
        """
        before = self._counts
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
                self._breaker.check()
                found = self._match_one(query.title)
            except SourceError as exc:
                outcomes[key] = self._outcome(key, OutcomeStatus.FAILED, _reason(exc))
                self._titles_done.step()
                continue
            outcomes[key] = self._match_outcome(query, found)
            self._titles_done.step()
        self._count_outcomes(outcomes.values())
        return SourceResult(outcomes=outcomes, health=self._health(self._counts.minus(before)))

    # ------------------------------------------------------------------ batch lookup

    def _fetch_batch(self, s2_ids: list[str]) -> list[_Found]:
        """One batch request, aligned with ``s2_ids``; splits batches that S2 rejects with 400."""

        def interpret(response: httpx.Response) -> list[_Found] | str:
            if response.status_code == 400:
                error = _error_text(response)
                if _NO_VALID_IDS in error.lower():
                    # None of the ids is known: a real answer, not a failure.
                    return [_Found(None) for _ in s2_ids]
                if _blames_request(error, s2_ids):
                    # Not about any one id (e.g. a field S2 does not know): splitting the batch
                    # would only repeat the error ~2n times.
                    raise SourceError(
                        f"S2 rejected the request: {error}",
                        url=str(response.request.url),
                        status=400,
                    )
                return error
            _raise_for_unexpected(response)
            body = _json_body(response)
            if not isinstance(body, list) or len(body) != len(s2_ids):
                got = f"{len(body)} items" if isinstance(body, list) else type(body).__name__
                raise _TransientError(
                    f"S2 batch answer is not a list of {len(s2_ids)} items (got {got})",
                    url=str(response.request.url),
                    status=response.status_code,
                )
            found: list[_Found] = []
            for item in body:
                if item is None:
                    found.append(_Found(None))
                elif isinstance(item, dict) and isinstance(item.get("paperId"), str):
                    found.append(_Found(item))
                else:
                    raise _TransientError(
                        "S2 batch answer holds an item that is neither null nor a paper",
                        url=str(response.request.url),
                        status=response.status_code,
                    )
            return found

        answer = self._request(
            "POST",
            _BATCH_PATH,
            params={"fields": ",".join(S2_FIELDS)},
            body={"ids": s2_ids},
            interpret=interpret,
        )
        if not isinstance(answer, str):
            return answer
        # A 400 other than "no valid ids": some id is malformed. Halve until it is isolated, so
        # one bad id does not cost the rest of the batch.
        if len(s2_ids) == 1:
            return [_Found(None, reason=f"S2 rejected the id: {answer}")]
        middle = len(s2_ids) // 2
        return self._fetch_batch(s2_ids[:middle]) + self._fetch_batch(s2_ids[middle:])

    def _paper_outcome(self, key: str, found: _Found) -> Outcome[S2Record]:
        if found.paper is None:
            reason = found.reason or "S2 does not know this id"
            return self._outcome(key, OutcomeStatus.NOT_FOUND, reason)
        try:
            record = _to_record(found.paper)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return self._outcome(key, OutcomeStatus.FAILED, f"unusable S2 record: {exc}")
        contradiction = _contradiction(key, record)
        if contradiction is not None:
            return self._outcome(key, OutcomeStatus.FAILED, contradiction)
        return self._outcome(key, OutcomeStatus.OK, None, record)

    # ------------------------------------------------------------------ title match

    def _match_one(self, title: str) -> _Found:
        def interpret(response: httpx.Response) -> _Found:
            if response.status_code == 400:
                # S2 refuses this query (e.g. too long): an answer about this title only.
                return _Found(None, reason=f"S2 rejected the title query: {_error_text(response)}")
            if response.status_code == 404:
                # S2 answers 404 "Title match not found"; only a JSON error body counts, an
                # HTML 404 from something in between is not S2's answer.
                body = _json_body(response)
                if isinstance(body, dict):
                    return _Found(None, reason="S2 has no title match")
                raise _TransientError(
                    "S2 answered 404 without a JSON body",
                    url=str(response.request.url),
                    status=404,
                )
            _raise_for_unexpected(response)
            body = _json_body(response)
            data = body.get("data") if isinstance(body, dict) else None
            if (
                not isinstance(data, list)
                or not data
                or not isinstance(data[0], dict)
                or not isinstance(data[0].get("paperId"), str)
            ):
                raise _TransientError(
                    "S2 title match answer holds no paper",
                    url=str(response.request.url),
                    status=response.status_code,
                )
            return _Found(data[0])

        # httpx encodes the query value (the package does not: '&' and '+' would be mangled).
        return self._request(
            "GET",
            _MATCH_PATH,
            params={"query": title, "fields": ",".join(S2_FIELDS)},
            body=None,
            interpret=interpret,
        )

    def _match_outcome(self, query: TitleQuery, found: _Found) -> Outcome[S2Record]:
        if found.paper is None:
            reason = found.reason or "S2 has no title match"
            return self._outcome(query.key, OutcomeStatus.NOT_FOUND, reason)
        try:
            record = _to_record(found.paper)
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

    # ------------------------------------------------------------------ HTTP with retries

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str],
        body: dict[str, Any] | None,
        interpret: Callable[[httpx.Response], _T],
    ) -> _T:
        """One logical request: paced attempts with back-off until success or give-up.

        Retried: 429 (waiting at least its Retry-After), 5xx, timeouts, connection errors and
        unusable 200 answers. Stops after ``max_attempts`` or when the next wait would pass
        ``retry_budget_seconds`` since the first attempt. A give-up counts as a failed request
        for the circuit breaker; any answer ``interpret`` accepts counts as a success.
        """
        started = self._clock()
        attempt_number = 0
        settings = self._settings

        def stop(state: RetryCallState) -> bool:
            if state.attempt_number >= settings.max_attempts:
                return True
            elapsed = self._clock() - started
            return elapsed + state.upcoming_sleep > settings.retry_budget_seconds

        def wait(state: RetryCallState) -> float:
            backoff = float(self._backoff(state))
            error = state.outcome.exception() if state.outcome is not None else None
            if isinstance(error, RateLimitedError) and error.retry_after is not None:
                # Honour Retry-After: never sooner than the server asked.
                return max(backoff, error.retry_after)
            return backoff

        def before_sleep(state: RetryCallState) -> None:
            self._counts = replace(self._counts, retries=self._counts.retries + 1)
            error = state.outcome.exception() if state.outcome is not None else None
            logger.warning(
                "S2 %s %s failed on attempt %d (%s); retrying in %.1f s",
                method,
                path,
                state.attempt_number,
                error,
                state.upcoming_sleep,
            )

        def attempt() -> _T:
            nonlocal attempt_number
            attempt_number += 1
            try:
                response = self._send(
                    method, path, params=params, body=body, attempt=attempt_number
                )
                return interpret(response)
            except SourceError as exc:
                if exc.attempt is None:
                    exc.attempt = attempt_number
                self._last_error = _reason(exc)
                self._counts = replace(self._counts, errors=self._counts.errors + 1)
                raise

        retrying = Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception_type((_TransientError, RateLimitedError)),
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            result = retrying(attempt)
        except SourceError as exc:
            message = _reason(exc)
            self._breaker.record_failure(message)
            self._counts = replace(self._counts, failures=self._counts.failures + 1)
            logger.error(
                "S2 %s %s gave up after %d attempt(s): %s", method, path, attempt_number, exc
            )
            raise
        self._breaker.record_success()
        return result

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str],
        body: dict[str, Any] | None,
        attempt: int,
    ) -> httpx.Response:
        """One paced HTTP attempt. Raises for 429, 5xx and transport errors; returns the rest."""
        self._pacer.wait()
        self._counts = replace(self._counts, requests=self._counts.requests + 1)
        request = self._client.build_request(method, path, params=params, json=body)
        url = str(request.url)
        try:
            response = self._client.send(request)
        except httpx.TimeoutException as exc:
            raise _TransientError(
                f"S2 request timed out ({type(exc).__name__})", url=url, attempt=attempt
            ) from None
        except httpx.TransportError as exc:
            raise _TransientError(
                f"S2 connection failed ({type(exc).__name__}: {exc})", url=url, attempt=attempt
            ) from None
        status = response.status_code
        if status == 429:
            retry_after = _retry_after_seconds(response.headers.get("retry-after"), self._now())
            # Hold back every later request too, not just this retry.
            self._pacer.defer(retry_after or 0.0)
            raise RateLimitedError(
                "S2 rate limit (HTTP 429)", url=url, attempt=attempt, retry_after=retry_after
            )
        if status >= 500:
            raise _TransientError(
                f"S2 server error (HTTP {status})", url=url, status=status, attempt=attempt
            )
        return response

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
        self._counts = replace(
            self._counts,
            ok=self._counts.ok + statuses.count(OutcomeStatus.OK),
            not_found=self._counts.not_found + statuses.count(OutcomeStatus.NOT_FOUND),
            failed=self._counts.failed + statuses.count(OutcomeStatus.FAILED),
        )

    def _health(self, counts: _Counts) -> SourceHealth:
        if self._breaker.is_open:
            status = SourceStatus.DOWN
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
            last_error=self._last_error if counts.errors or self._breaker.is_open else None,
        )


# ---------------------------------------------------------------------- response helpers


def _reason(error: SourceError) -> str:
    """The outcome reason: the message alone (the URL, with its long field list, is logged)."""
    if isinstance(error, SourceDownError):
        return f"source down: {error.message}"
    return error.message


def _raise_for_unexpected(response: httpx.Response) -> None:
    """Anything but 200 here is a failure that retrying will not cure (401, 403, 404, 3xx)."""
    if response.status_code == 200:
        return
    hint = " (is the S2 API key valid?)" if response.status_code in (401, 403) else ""
    raise SourceError(
        f"S2 answered HTTP {response.status_code}{hint}",
        url=str(response.request.url),
        status=response.status_code,
    )


def _json_body(response: httpx.Response) -> Any:
    """The JSON body, or :class:`_TransientError` for an empty, HTML or malformed body."""
    url = str(response.request.url)
    if not response.content.strip():
        raise _TransientError("S2 answered an empty body", url=url, status=response.status_code)
    content_type = response.headers.get("content-type", "")
    if "html" in content_type.lower():
        raise _TransientError(
            f"S2 answered HTML ({content_type}) instead of JSON",
            url=url,
            status=response.status_code,
        )
    try:
        return response.json()
    except ValueError:
        raise _TransientError(
            "S2 answered malformed JSON", url=url, status=response.status_code
        ) from None


def _blames_request(error: str, s2_ids: list[str]) -> bool:
    """Whether a batch 400's message blames the request itself rather than some id in it."""
    text = error.lower()
    for s2_id in s2_ids:  # an id like DOI:10.1/field-notes must not look like a field error
        text = text.replace(s2_id.lower(), "")
    return any(word in text for word in _REQUEST_LEVEL_400)


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("error") or body.get("message") or body)
    return str(body)[:200]


def _retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """Read ``Retry-After`` as seconds or an HTTP date (RFC 9110, section 10.2.3)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _to_record(paper_json: dict[str, Any]) -> S2Record:
    """Read one Graph API paper object (via the package's :class:`Paper`) into an S2Record."""
    paper = Paper(paper_json)
    if not isinstance(paper.title, str) or not paper.title.strip():
        raise ValueError(f"paper {paper.paperId} has no title")
    authors = [
        Author(name=author.name, s2_id=author.authorId)
        for author in (paper.authors or [])
        if isinstance(author.name, str) and author.name
    ]
    venue = paper.publicationVenue
    publication_venue = (
        PublicationVenue(id=venue.id, name=venue.name, type=venue.type, url=venue.url)
        if venue is not None
        else None
    )
    pdf = paper.openAccessPdf
    # An openAccessPdf.url of "" means there is no PDF.
    pdf_url = (pdf.get("url") or None) if isinstance(pdf, dict) else None
    external_ids = {
        str(name): str(value)
        for name, value in (paper.externalIds or {}).items()
        if value is not None
    }
    try:
        return S2Record(
            paper_id=paper.paperId,
            title=paper.title,
            authors=authors,
            year=paper.year,
            publication_date=paper.publicationDate.date() if paper.publicationDate else None,
            venue=paper.venue or None,
            publication_venue=publication_venue,
            external_ids=external_ids,
            citation_count=paper.citationCount,
            influential_citation_count=paper.influentialCitationCount,
            reference_count=paper.referenceCount,
            open_access_pdf=pdf_url,
            fields_of_study=list(paper.fieldsOfStudy or []),
            match_score=paper_json.get("matchScore"),
        )
    except ValidationError as exc:
        raise ValueError(
            f"paper {paper.paperId}: {exc.error_count()} invalid field(s): "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from None


def _contradiction(key: str, record: S2Record) -> str | None:
    """Why ``record`` is not the paper ``key`` asked for, judged by its externalIds, or None.

    The batch answer is aligned by position; this double-checks that alignment wherever the
    record carries the same kind of id. A missing externalId proves nothing and passes.
    """
    prefix, _, value = key.partition(":")
    prefix = prefix.lower()
    ids = {name.lower(): v for name, v in record.external_ids.items()}
    asked: tuple[str, str] | None = None
    if prefix == "arxiv":
        asked = ("arxiv", _ARXIV_VERSION.sub("", value))
    elif prefix == "doi" and value.lower().startswith(_ARXIV_DOI_PREFIX):
        # arXiv's own DOIs (10.48550/arXiv.X) resolve to the arXiv paper.
        asked = ("arxiv", value[len(_ARXIV_DOI_PREFIX) :])
    elif prefix == "doi":
        asked = ("doi", value)
    elif prefix == "acl":
        asked = ("acl", value)
    elif prefix == "s2":
        if record.paper_id != value:
            return f"S2 answered paper {record.paper_id} for {key}"
        return None
    if asked is None:
        return None
    kind, expected = asked
    got = ids.get(kind)
    if got is None or got.lower() == expected.lower():
        return None
    return f"S2 answered a different paper for {key} (its {kind} id is {got})"
