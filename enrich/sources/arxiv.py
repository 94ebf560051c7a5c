"""arXiv metadata by id, through the ``arxiv`` package (4.0.2), with one retry layer: ours.

Contract of :meth:`ArxivSource.fetch`: every requested id gets an :class:`Outcome` keyed
``arxiv:<unversioned id>``:

* ``ok`` with an :class:`ArxivRecord` (``from_cache=True`` when served from the disk cache);
* ``not_found`` when the id is not a well-formed arXiv id (reason ``malformed arXiv id``; it is
  never sent, so one bad id cannot turn a whole batch into HTTP 400), when arXiv rejected it as
  malformed, or when arXiv's answer lacked it twice (arXiv simply omits unknown ids);
* ``failed`` with a reason when the request for its batch failed after all retries, or when
  arXiv had been marked down by the circuit breaker.

Quirks handled here (see ../shared/API_NOTES.md and
https://info.arxiv.org/help/api/user-manual.html):

* ids go in ``id_list`` of a GET URL, at most :data:`BATCH_SIZE` a request (longer URLs get
  HTTP 414), with ``max_results`` equal to the batch (the package's default of 100 silently
  truncates larger sets);
* one request reads one page of ``len(batch)`` results and nothing more: arXiv's
  ``totalResults`` may count unknown ids, which would make the package ask for further pages;
* results come back in any order: they are mapped back by id;
* unknown ids are absent, and arXiv sometimes answers an empty page with status 200: an id
  missing from an answer is asked once more before it is called ``not_found``;
* the package has no timeout and retries with a fixed delay: its own retries and delay are
  turned off, each attempt gets a total deadline (connect to last byte, the request timeout or
  what is left of the retry budget; a server that drips its answer is cut off), and pacing
  (arXiv asks for one request every 3 s, https://info.arxiv.org/help/api/tou.html) and retries
  (tenacity, bounded by ``max_attempts`` and ``retry_budget_seconds``, honouring
  ``Retry-After`` given in seconds or as an HTTP date) are ours; a ``Retry-After`` longer than
  what is left of the budget fails the request at once;
* the package parses with lxml's ``recover=True``: an answer cut off mid-entry (inside a
  complete HTTP response) parses as a shorter feed, which would turn the missing ids into
  "not found". Each answer is therefore parsed strictly first; one that is not well-formed is
  a failed attempt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from xml.etree import ElementTree

import arxiv
import requests
from tenacity import RetryCallState, Retrying, retry_if_exception

from enrich.errors import RateLimitedError, SourceDownError, SourceError
from enrich.lists.identifiers import normalize_id
from enrich.models import (
    STANDIN_HEADER,
    ArxivRecord,
    Author,
    Outcome,
    OutcomeStatus,
    SourceHealth,
    SourceResult,
    SourceStatus,
)
from enrich.progress import ProgressHook, StageCounter
from enrich.settings import Settings
from enrich.sources.cache import MetadataCache, utc_now
from enrich.sources.deadline import Deadline, DeadlineExceeded, StopSignal, run_with_deadline
from enrich.sources.pacing import (
    BeforeStart,
    CircuitBreaker,
    Clock,
    Pacer,
    Sleep,
    retry_after_seconds,
)

logger = logging.getLogger(__name__)

SOURCE = "arxiv"
#: Ids per request: arXiv answers HTTP 414 to id lists of a few hundred ids.
BATCH_SIZE = 100
#: Back-off after a failed attempt: this many seconds (at least the pace), doubling, capped.
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0

MALFORMED = "malformed arXiv id"
REJECTED = "arXiv rejected the id as malformed (HTTP 400)"
ABSENT = "arXiv's answer did not contain the id (asked twice)"

_VERSION = re.compile(r"v[1-9]\d*$")
_PREFIX = re.compile(r"^arxiv:", re.IGNORECASE)
# The Atom default namespace on <feed>: without it the package silently finds no entries.
_ATOM_FEED = re.compile(rb"<feed\b[^>]*\bxmlns=[\"']http://www\.w3\.org/2005/Atom[\"']")
#: Bytes read per chunk of an answer (the deadline is checked between chunks).
_CHUNK_BYTES = 64 * 1024


def normalize_arxiv_id(raw: str) -> str | None:
    """``2401.04088``, ``arxiv:2401.04088v2``, ``hep-th/9901001`` -> the unversioned id, or None.

    None means the text is not a well-formed arXiv identifier (grammar in
    :mod:`enrich.lists.identifiers`, https://info.arxiv.org/help/arxiv_identifier.html), so
    sending it would turn its whole batch into HTTP 400.
    """
    text = raw.strip()
    paper_id = normalize_id(text if _PREFIX.match(text) else f"arxiv:{text}")
    if paper_id is None or not paper_id.startswith("arxiv:"):
        return None
    return paper_id.removeprefix("arxiv:")


class _TimeoutSession(requests.Session):
    """A session with a default timeout and a total deadline, remembering the last response.

    ``arxiv.Client`` calls ``self._session.get(url, headers=...)`` with no timeout (arxiv 4.0.2,
    ``Client.__try_parse_feed``), so the default is applied here, per read. The body is read in
    chunks, and reading stops once the :class:`Deadline` of the current attempt has passed.
    The last response gives us what the package's ``HTTPError`` drops: headers
    (``Retry-After``) and the raw body. Deadline and last response are per thread: each attempt
    runs on its own helper thread, and an abandoned one must not disturb the next.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout
        self._local = threading.local()

    @property
    def last_response(self) -> requests.Response | None:
        return getattr(self._local, "response", None)

    def use_deadline(self, deadline: Deadline | None) -> None:
        """Apply ``deadline`` to the requests of the calling thread."""
        self._local.deadline = deadline
        self._local.response = None

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        kwargs["stream"] = True
        self._local.response = None
        response = super().request(method, url, *args, **kwargs)
        deadline: Deadline | None = getattr(self._local, "deadline", None)
        chunks = []
        try:
            for chunk in response.iter_content(_CHUNK_BYTES):
                if deadline is not None and deadline.expired:
                    raise requests.Timeout(f"no complete answer within {deadline.seconds:g} s")
                chunks.append(chunk)
        finally:
            response.close()
        # What `response.content` would have read at once (requests 2.x keeps it here).
        response._content = b"".join(chunks)
        self._local.response = response
        return response


class _Rejected(Exception):
    """arXiv answered HTTP 400: some id in the batch is malformed in its eyes."""


@dataclasses.dataclass
class _Counters:
    requests: int = 0
    retries: int = 0
    failures: int = 0
    answered: int = 0  # logical requests that got a usable answer (400 included)
    cache_hits: int = 0
    last_error: str | None = None

    def add(self, other: _Counters) -> None:
        self.requests += other.requests
        self.retries += other.retries
        self.failures += other.failures
        self.answered += other.answered
        self.cache_hits += other.cache_hits
        self.last_error = other.last_error or self.last_error


def _is_transient(error: BaseException) -> bool:
    """Worth another attempt: 429, 5xx, timeouts, dropped connections, empty or non-Atom pages.

    Other 4xx answers (403, 404, ...) will not change on retry.
    """
    if not isinstance(error, SourceError) or isinstance(error, SourceDownError):
        return False
    status = error.status
    return status is None or status == 200 or status == 429 or status >= 500


class ArxivSource:
    """Fetches arXiv metadata for many ids, politely and completely. One instance per run.

    ``cache`` defaults to ``MetadataCache(settings.cache_dir / "arxiv",
    settings.arxiv_cache_ttl_days)``; a ttl of 0 disables it. ``clock`` and ``sleep`` drive
    pacing and retry waits (inject fakes in tests; ``sleep`` defaults to one that ``stop``
    interrupts). ``now`` reads HTTP-date ``Retry-After`` s. ``before_start`` is passed to the
    :class:`Pacer` (called before each request, e.g. a rate limit shared by all workers).
    ``stop``, once set, ends every wait and pending request with
    :class:`enrich.errors.RunStopped`. ``progress`` is told how many batch requests are done of
    how many (stage ``arxiv``). :attr:`health` accumulates over all calls.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        cache: MetadataCache | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep | None = None,
        now: Callable[[], dt.datetime] = utc_now,
        before_start: BeforeStart | None = None,
        stop: StopSignal | None = None,
        progress: ProgressHook | None = None,
    ) -> None:
        self._settings = settings
        self._requests_done = StageCounter(progress, SOURCE)
        self._cache = cache or MetadataCache(
            settings.cache_dir / SOURCE, dt.timedelta(days=settings.arxiv_cache_ttl_days)
        )
        self._cache.remove_leftovers()
        self._clock = clock
        self._stop = stop
        self._sleep: Sleep = sleep or (stop.sleep if stop is not None else time.sleep)
        self._now = now
        self._pacer = Pacer(
            settings.arxiv_pace_seconds, clock=clock, sleep=self._sleep, before_start=before_start
        )
        self._breaker = CircuitBreaker(SOURCE, settings.breaker_threshold)
        # One shared client: the package keeps its state per instance. Its delay and retries
        # are off because pacing and retrying are done here, once.
        self._client = arxiv.Client(page_size=BATCH_SIZE, delay_seconds=0.0, num_retries=0)
        self._client.query_url_format = settings.arxiv_api_url + "?{}"
        # The package has no timeout option; its only HTTP path is ``self._session.get`` on a
        # private attribute (arxiv 4.0.2, pinned), so that session is replaced by ours.
        # https://github.com/lukasschwab/arxiv.py/blob/master/arxiv/__init__.py
        self._session = _TimeoutSession(settings.request_timeout_seconds)
        self._client._session = self._session
        self._total = _Counters()
        self._call = _Counters()
        self._outcome_counts = {status: 0 for status in OutcomeStatus}
        self._standin = False
        #: Records to cache once the producer of the ids is no longer busy (see fetch).
        self._uncached: list[tuple[str, ArxivRecord, dt.datetime]] = []
        self._producer_busy: Callable[[], bool] | None = None

    # ------------------------------------------------------------------ public

    @property
    def health(self) -> SourceHealth:
        """Health over every :meth:`fetch` so far."""
        return self._health(self._total, self._outcome_counts)

    def fetch(
        self, ids: Iterable[str], *, producer_busy: Callable[[], bool] | None = None
    ) -> SourceResult[ArxivRecord]:
        """Outcomes for ``ids`` (bare or ``arxiv:``-prefixed, versions ignored), in input order.

        ``ids`` may be a stream that is still being produced (an
        :class:`enrich.handoff.Handoff`): a batch is requested as soon as :data:`BATCH_SIZE` ids
        not in the cache have come, so the requests start while the producer works on (and
        ``progress`` learns the number of batches as they form). A sequence is looked up in the
        cache whole first, so that ``progress`` knows every batch from the start.
        ``producer_busy``, when given, says whether the producer is still working: until it
        says no, fetched records are cached later (see :meth:`_cache_record`).
        """
        if isinstance(ids, str):
            raise TypeError("ids must be a sequence of arXiv ids, not a single string")
        self._call = _Counters()
        outcomes: dict[str, Outcome[ArxivRecord]] = {}
        streamed = not isinstance(ids, Sequence)
        self._producer_busy = producer_busy
        try:
            wanted, missing = self._read_ids(ids, outcomes, streamed=streamed)
        finally:
            self._producer_busy = None
            self._write_uncached()

        missing += self._fetch_round(wanted, outcomes, final=False)
        if missing:
            logger.info("asking again for %d ids missing from arXiv's answers", len(missing))
            self._call.retries += (len(missing) + BATCH_SIZE - 1) // BATCH_SIZE
            self._fetch_round(missing, outcomes, final=True)

        counts = {status: 0 for status in OutcomeStatus}
        for outcome in outcomes.values():
            counts[outcome.status] += 1
            self._outcome_counts[outcome.status] += 1
        self._total.add(self._call)
        return SourceResult[ArxivRecord](outcomes=outcomes, health=self._health(self._call, counts))

    def _read_ids(
        self, ids: Iterable[str], outcomes: dict[str, Outcome[ArxivRecord]], *, streamed: bool
    ) -> tuple[list[str], list[str]]:
        """Answer each id from the cache or reserve it; from a stream, ask for each batch as soon
        as :data:`BATCH_SIZE` ids not in the cache have come. Returns the ids still to ask for
        and those absent from the answers so far."""
        wanted: list[str] = []
        missing: list[str] = []
        for raw in ids:
            arxiv_id = normalize_arxiv_id(raw)
            if arxiv_id is None:
                key = "arxiv:" + _PREFIX.sub("", raw.strip())
                outcomes.setdefault(key, self._not_found(key, MALFORMED))
                logger.warning("not sending %r: %s", raw, MALFORMED)
                continue
            key = f"arxiv:{arxiv_id}"
            if key in outcomes:
                continue
            cached = self._cache.get(key, ArxivRecord, record_key=_cache_key)
            if cached is not None:
                self._call.cache_hits += 1
                outcomes[key] = Outcome[ArxivRecord](
                    key=key,
                    status=OutcomeStatus.OK,
                    record=cached.record,
                    fetched_at=cached.fetched_at,
                    from_cache=True,
                )
                continue
            # Reserve the key now: outcomes keep input order, and a key no later step decides
            # stays visibly failed rather than silently missing.
            outcomes[key] = self._failed(key, "not fetched")
            wanted.append(arxiv_id)
            if streamed and len(wanted) == BATCH_SIZE:
                missing += self._fetch_round(wanted, outcomes, final=False)
                wanted = []
        return wanted, missing

    def _cache_record(self, key: str, record: ArxivRecord, fetched_at: dt.datetime) -> None:
        # While the producer of the ids is busy, records are cached once it is done: each cache
        # write hands the interpreter lock to the producer's thread and waits to get it back,
        # which stretched the first batches' gaps past the pace (benchmarks/README.md,
        # "Extraction while arXiv is asked").
        if self._producer_busy is not None and self._producer_busy():
            self._uncached.append((key, record, fetched_at))
            return
        self._write_uncached()
        try:
            self._cache.put(key, record, fetched_at)
        except OSError as error:
            # The cache only saves requests; the record itself is good.
            logger.warning("could not cache %s (%s); continuing without", key, error)

    def _write_uncached(self) -> None:
        """Cache the records kept back while the producer was busy (also when it failed)."""
        uncached, self._uncached = self._uncached, []
        for key, record, fetched_at in uncached:
            self._cache_record(key, record, fetched_at)

    # ------------------------------------------------------------------ batches

    def _fetch_round(
        self, arxiv_ids: list[str], outcomes: dict[str, Outcome[ArxivRecord]], *, final: bool
    ) -> list[str]:
        """Fetch ``arxiv_ids`` in batches, filling ``outcomes``; return ids absent from answers.

        With ``final`` set, absent ids are recorded as ``not_found`` instead of returned.
        """
        absent: list[str] = []
        pending = [arxiv_ids[i : i + BATCH_SIZE] for i in range(0, len(arxiv_ids), BATCH_SIZE)]
        self._requests_done.plan(len(pending))
        while pending:
            batch = pending.pop(0)
            try:
                records = self._request(batch)
            except _Rejected:
                if len(batch) == 1:
                    outcomes[f"arxiv:{batch[0]}"] = self._not_found(f"arxiv:{batch[0]}", REJECTED)
                else:
                    # Split so that the id arXiv rejects cannot take the others down with it.
                    half = len(batch) // 2
                    pending[:0] = [batch[:half], batch[half:]]
                    self._requests_done.plan(2)
                self._requests_done.step()
                continue
            except SourceError as error:
                reason = error.message
                for arxiv_id in batch:
                    outcomes[f"arxiv:{arxiv_id}"] = self._failed(f"arxiv:{arxiv_id}", reason)
                self._requests_done.step()
                continue
            self._requests_done.step()
            fetched_at = utc_now()
            for arxiv_id in batch:
                key = f"arxiv:{arxiv_id}"
                record = records.get(arxiv_id)
                if record is None:
                    if final:
                        outcomes[key] = self._not_found(key, ABSENT)
                    else:
                        absent.append(arxiv_id)
                    continue
                self._cache_record(key, record, fetched_at)
                outcomes[key] = Outcome[ArxivRecord](
                    key=key, status=OutcomeStatus.OK, record=record, fetched_at=fetched_at
                )
        return absent

    def _request(self, batch: list[str]) -> dict[str, ArxivRecord]:
        """One logical request for ``batch`` with our retries; records by unversioned id.

        Raises :class:`_Rejected` on HTTP 400 and :class:`SourceError` (or
        :class:`SourceDownError`) when it fails for good.
        """
        try:
            self._breaker.check()
        except SourceDownError as error:
            self._call.last_error = error.message
            raise
        started = self._clock()
        settings = self._settings

        def remaining() -> float:
            return settings.retry_budget_seconds - (self._clock() - started)

        def stop(state: RetryCallState) -> bool:
            return (
                state.attempt_number >= settings.max_attempts or state.upcoming_sleep > remaining()
            )

        def wait(state: RetryCallState) -> float:
            backoff = max(BACKOFF_BASE_SECONDS, settings.arxiv_pace_seconds) * 2 ** (
                state.attempt_number - 1
            )
            backoff = min(backoff, BACKOFF_CAP_SECONDS)
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, RateLimitedError) and error.retry_after is not None:
                return max(error.retry_after, settings.arxiv_pace_seconds)
            return backoff

        def before_sleep(state: RetryCallState) -> None:
            self._call.retries += 1
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, RateLimitedError) and error.retry_after is not None:
                self._pacer.defer(error.retry_after)  # hold back every later request too
            logger.warning(
                "arXiv request for %d ids failed (attempt %d: %s); retrying in %.1f s",
                len(batch),
                state.attempt_number,
                error,
                state.upcoming_sleep,
            )

        def attempt() -> dict[str, ArxivRecord]:
            deadline = max(0.001, min(settings.request_timeout_seconds, remaining()))
            return self._attempt(batch, deadline)

        retrying = Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception(_is_transient),
            before_sleep=before_sleep,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            records = retrying(attempt)
        except SourceError as error:
            if isinstance(error, RateLimitedError) and error.retry_after is not None:
                left = max(0.0, remaining())
                if error.retry_after > left:
                    error.message = (
                        f"{error.message}: it asks to wait {error.retry_after:g} s, more than "
                        f"the {left:.0f} s left of the retry budget"
                    )
            self._call.failures += 1
            self._call.last_error = error.message
            self._breaker.record_failure(error.message)
            logger.warning("arXiv request for %d ids failed for good: %s", len(batch), error)
            raise
        except _Rejected:
            self._breaker.record_success()
            self._call.answered += 1
            raise
        self._breaker.record_success()
        self._call.answered += 1
        return records

    def _attempt(self, batch: list[str], deadline: float) -> dict[str, ArxivRecord]:
        """One HTTP request, complete within ``deadline`` seconds. Transient failures raise
        :class:`SourceError` (retried)."""
        if self._stop is not None:
            self._stop.check()
        self._pacer.wait()
        self._call.requests += 1
        search = arxiv.Search(id_list=batch, max_results=len(batch))
        url = self._settings.arxiv_api_url
        # Exactly one page, never ``Client.results``: arXiv's totalResults can count requested
        # ids it does not know (https://github.com/lukasschwab/arxiv.py/issues/82), and the
        # package then asks at once, unpaced, for a "next page" that comes back empty and
        # raises, failing the whole batch for one unknown id. A page of len(batch) holds every
        # id arXiv knows.
        page_url = self._client._format_url(search, 0, len(batch))

        def exchange(limit: Deadline) -> tuple[Any, requests.Response | None]:
            self._session.use_deadline(limit)
            try:
                feed = self._client._parse_feed(page_url, first_page=True)
            except arxiv.HTTPError as error:
                error.response = self._session.last_response
                raise
            return feed, self._session.last_response

        try:
            feed, response = run_with_deadline(exchange, deadline, stop=self._stop, name="arxiv")
        except arxiv.HTTPError as error:
            if error.status == 400:
                raise _Rejected() from error
            if error.status == 429:
                answer = getattr(error, "response", None)
                header = answer.headers.get("Retry-After") if answer is not None else None
                raise RateLimitedError(
                    "rate limited by arXiv (HTTP 429)",
                    url=url,
                    retry_after=retry_after_seconds(header, self._now()),
                ) from error
            raise SourceError(f"HTTP {error.status}", url=url, status=error.status) from error
        except (DeadlineExceeded, requests.Timeout):
            # Whichever fired first (the total deadline, a connect or read timeout), the
            # attempt had no complete answer within its deadline (at most the timeout).
            raise SourceError(
                f"timed out (no complete answer within {deadline:g} s)", url=url
            ) from None
        except requests.ConnectionError as error:
            raise SourceError(f"connection failed: {type(error).__name__}", url=url) from error
        except requests.RequestException as error:  # e.g. a body cut off mid-transfer
            raise SourceError(f"transfer failed: {type(error).__name__}", url=url) from error
        self._standin = self._standin or (
            response is not None and STANDIN_HEADER in response.headers
        )
        if response is None or not _ATOM_FEED.search(response.content[:4096]) or feed.malformed:
            raise SourceError("arXiv's answer was not an Atom feed", url=url, status=200)
        try:
            # Strict (the package's parser recovers): an answer cut off is not a shorter feed.
            ElementTree.fromstring(response.content)
        except ElementTree.ParseError:
            raise SourceError(
                "arXiv's answer was cut off or is not well-formed XML", url=url, status=200
            ) from None
        records: dict[str, ArxivRecord] = {}
        requested = set(batch)
        for result in feed.results:
            record = _to_record(result)
            if record.arxiv_id in requested:
                records[record.arxiv_id] = record
            else:
                logger.warning("arXiv answered with an id not asked for: %s", result.entry_id)
        return records

    # ------------------------------------------------------------------ outcomes, health

    def _not_found(self, key: str, reason: str) -> Outcome[ArxivRecord]:
        return Outcome[ArxivRecord](key=key, status=OutcomeStatus.NOT_FOUND, reason=reason)

    def _failed(self, key: str, reason: str) -> Outcome[ArxivRecord]:
        return Outcome[ArxivRecord](key=key, status=OutcomeStatus.FAILED, reason=reason)

    def _health(self, counters: _Counters, counts: dict[OutcomeStatus, int]) -> SourceHealth:
        if self._breaker.is_open or (counters.failures and not counters.answered):
            status = SourceStatus.DOWN  # no answer at all (or the breaker has opened)
        elif counters.failures or counts[OutcomeStatus.FAILED]:
            status = SourceStatus.DEGRADED
        else:
            status = SourceStatus.UP
        return SourceHealth(
            source=SOURCE,
            status=status,
            requests=counters.requests,
            retries=counters.retries,
            failures=counters.failures,
            cache_hits=counters.cache_hits,
            ok=counts[OutcomeStatus.OK],
            not_found=counts[OutcomeStatus.NOT_FOUND],
            failed=counts[OutcomeStatus.FAILED],
            last_error=counters.last_error,
            standin=self._standin,
        )


def _cache_key(record: ArxivRecord) -> str:
    """The cache key a stored record must be found under."""
    return f"arxiv:{record.arxiv_id}"


def _to_record(result: arxiv.Result) -> ArxivRecord:
    short_id = result.get_short_id()
    version = _VERSION.search(short_id)
    return ArxivRecord(
        arxiv_id=_VERSION.sub("", short_id),
        title=result.title,
        authors=[Author(name=a.name, affiliations=list(a.affiliation)) for a in result.authors],
        published=result.published,
        updated=result.updated,
        latest_version=int(version.group(0)[1:]) if version else 1,
        primary_category=result.primary_category,
        categories=list(result.categories),
        doi=result.doi or None,
        journal_ref=result.journal_ref or None,
        comment=result.comment or None,
        pdf_url=result.pdf_url or None,
    )
