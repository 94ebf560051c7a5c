"""HTTP to Semantic Scholar for :mod:`enrich.sources.s2`: one connection pool, the pace,
a total deadline per attempt, retries with back-off inside the retry budget, and the circuit
breaker. It counts what it sends; what the answers mean is read by the caller.

S2 facts relied on here (https://api.semanticscholar.org/api-docs/graph and the project's
``API_NOTES.md``): a 429 carries no ``Retry-After`` in recorded real answers and bursts last tens
of seconds, so a 429 waits an exponential back-off of up to a minute, bounded by the retry budget
rather than an attempt count; a ``Retry-After`` that is given (seconds or an HTTP date) is never
waited less; 5xx, timeouts and dropped connections are retried. The API key travels only in
this client's ``x-api-key`` header (never logged, never in an error).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from enrich.errors import RateLimitedError, SourceDownError, SourceError
from enrich.models import STANDIN_HEADER
from enrich.settings import Settings
from enrich.sources.deadline import Deadline, DeadlineExceeded, StopSignal, run_with_deadline
from enrich.sources.pacing import (
    Backoff,
    BeforeStart,
    CircuitBreaker,
    Clock,
    Pacer,
    Sleep,
    retry_after_seconds,
)
from enrich.sources.s2_answers import TransientError

__all__ = [
    "BACKOFF_INITIAL_SECONDS",
    "BACKOFF_MAX_SECONDS",
    "PersistentServerError",
    "S2Counts",
    "S2Http",
    "failure_reason",
]

logger = logging.getLogger(__name__)

#: Name of the source in logs, pace and breaker messages.
SOURCE_NAME = "s2"
#: First back-off window in seconds; it doubles per retry (a random wait in its upper half).
BACKOFF_INITIAL_SECONDS = 1.0
#: Largest back-off window in seconds: S2's 429 bursts last tens of seconds (API_NOTES.md).
BACKOFF_MAX_SECONDS = 60.0

_T = TypeVar("_T")


class PersistentServerError(SourceError):
    """A batch answered 500 on every attempt: some id in it may be what S2 trips over."""


@dataclass(frozen=True)
class S2Counts:
    requests: int = 0
    retries: int = 0
    failures: int = 0
    answered: int = 0  # logical requests that got a usable answer
    ok: int = 0
    not_found: int = 0
    failed: int = 0
    errors: int = 0  # failed attempts, retried or not

    def minus(self, other: S2Counts) -> S2Counts:
        return S2Counts(
            requests=self.requests - other.requests,
            retries=self.retries - other.retries,
            failures=self.failures - other.failures,
            answered=self.answered - other.answered,
            ok=self.ok - other.ok,
            not_found=self.not_found - other.not_found,
            failed=self.failed - other.failed,
            errors=self.errors - other.errors,
        )


class S2Http:
    """Requests to the S2 Graph API, paced, bounded and retried (see the module docstring).

    ``counts`` accumulates over the run (the caller adds its outcome counts); ``last_error``
    is the reason of the latest failed attempt; ``standin`` tells whether an answer came from
    the bundled stand-in; ``breaker`` opens after too many failed requests.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock,
        sleep: Sleep,
        rng: random.Random | None,
        transport: httpx.BaseTransport | None,
        now: Callable[[], dt.datetime],
        before_start: BeforeStart | None,
        stop: StopSignal | None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._stop = stop
        self._pacer = Pacer(
            settings.s2_pace_seconds, clock=clock, sleep=sleep, before_start=before_start
        )
        self._backoff = Backoff(BACKOFF_INITIAL_SECONDS, BACKOFF_MAX_SECONDS, rng=rng)
        self.breaker = CircuitBreaker(SOURCE_NAME, settings.breaker_threshold)
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
        self.counts = S2Counts()
        self.last_error: str | None = None
        self.standin = False

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def record_give_up(self, error: SourceError) -> None:
        """Count ``error`` as a failed request (for the breaker and the health) that the caller
        decided on, e.g. a batch whose every part failed."""
        self.breaker.record_failure(error.message)
        self.counts = replace(self.counts, failures=self.counts.failures + 1)
        self.last_error = error.message

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str],
        body: dict[str, Any] | None,
        interpret: Callable[[httpx.Response], _T],
        split_on_server_error: bool = False,
        max_attempts: int | None = None,
    ) -> _T:
        """One logical request: paced attempts with back-off until success or give-up.

        Retried: 429, 5xx, timeouts (each attempt has a total deadline: the request timeout,
        or what is left of the retry budget if less), connection errors and unusable 200
        answers, all within ``retry_budget_seconds`` since the first attempt. A 429 waits its
        ``Retry-After`` (seconds or HTTP date) when given, else an exponential back-off with
        jitter of up to :data:`BACKOFF_MAX_SECONDS`; 429s are bounded by the budget only (S2's
        bursts are long, API_NOTES.md), other failures also by ``max_attempts``. A
        ``Retry-After`` longer than what is left of the budget fails the request at once.

        A give-up counts as a failed request for the circuit breaker, except a 500 with
        ``split_on_server_error`` set: that raises :class:`PersistentServerError` for the
        caller to split the batch. Any answer ``interpret`` accepts counts as a success.
        """
        started = self._clock()
        attempt_number = 0
        other_failures = 0  # failed attempts that were not 429s
        rate_limited_in_a_row = 0
        settings = self._settings
        attempts_allowed = min(max_attempts or settings.max_attempts, settings.max_attempts)

        def remaining() -> float:
            return settings.retry_budget_seconds - (self._clock() - started)

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome is not None else None
            if isinstance(error, RateLimitedError):
                if error.retry_after is not None:
                    return error.retry_after  # never sooner than the server asked
                return self._backoff(rate_limited_in_a_row)
            return self._backoff(other_failures)

        def stop(state: RetryCallState) -> bool:
            error = state.outcome.exception() if state.outcome is not None else None
            if not isinstance(error, RateLimitedError) and other_failures >= attempts_allowed:
                return True
            return state.upcoming_sleep > remaining()

        def before_sleep(state: RetryCallState) -> None:
            self.counts = replace(self.counts, retries=self.counts.retries + 1)
            error = state.outcome.exception() if state.outcome is not None else None
            if isinstance(error, RateLimitedError) and error.retry_after is not None:
                # Hold back every later request too, not just this retry.
                self._pacer.defer(error.retry_after)
            logger.warning(
                "S2 %s %s failed on attempt %d (%s); retrying in %.1f s",
                method,
                path,
                state.attempt_number,
                error,
                state.upcoming_sleep,
            )

        def attempt() -> _T:
            nonlocal attempt_number, other_failures, rate_limited_in_a_row
            attempt_number += 1
            if self._stop is not None:
                self._stop.check()
            deadline = max(0.001, min(settings.request_timeout_seconds, remaining()))
            try:
                response = self._send(
                    method,
                    path,
                    params=params,
                    body=body,
                    attempt=attempt_number,
                    deadline=deadline,
                )
                return interpret(response)
            except SourceError as exc:
                if exc.attempt is None:
                    exc.attempt = attempt_number
                if isinstance(exc, RateLimitedError):
                    rate_limited_in_a_row += 1
                else:
                    rate_limited_in_a_row = 0
                    other_failures += 1
                self.last_error = failure_reason(exc)
                self.counts = replace(self.counts, errors=self.counts.errors + 1)
                raise

        retrying = Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception_type((TransientError, RateLimitedError)),
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            result = retrying(attempt)
        except SourceError as exc:
            if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
                left = max(0.0, remaining())
                if exc.retry_after > left:
                    exc.message = (
                        f"{exc.message}: it asks to wait {exc.retry_after:g} s, more than the "
                        f"{left:.0f} s left of the retry budget"
                    )
                    self.last_error = failure_reason(exc)
            if split_on_server_error and exc.status == 500:
                raise PersistentServerError(exc.message, url=exc.url, status=500) from None
            message = failure_reason(exc)
            self.breaker.record_failure(message)
            self.counts = replace(self.counts, failures=self.counts.failures + 1)
            logger.warning(
                "S2 %s %s gave up after %d attempt(s): %s", method, path, attempt_number, exc
            )
            raise
        self.breaker.record_success()
        self.counts = replace(self.counts, answered=self.counts.answered + 1)
        return result

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str],
        body: dict[str, Any] | None,
        attempt: int,
        deadline: float,
    ) -> httpx.Response:
        """One paced HTTP attempt, complete within ``deadline`` seconds (connect to last byte).

        Raises for 429, 5xx, transport errors and a missed deadline; returns the rest.
        """
        self._pacer.wait()
        self.counts = replace(self.counts, requests=self.counts.requests + 1)
        request = self._client.build_request(method, path, params=params, json=body)
        url = str(request.url)
        try:
            response = run_with_deadline(
                lambda limit: self._exchange(request, limit), deadline, stop=self._stop, name="s2"
            )
        except (DeadlineExceeded, httpx.TimeoutException):
            # Whichever fired first (the total deadline, a connect or read timeout), the
            # attempt had no complete answer within its deadline (at most the timeout).
            raise TransientError(
                f"S2 request timed out (no complete answer within {deadline:g} s)",
                url=url,
                attempt=attempt,
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"S2 connection failed ({type(exc).__name__}: {exc})", url=url, attempt=attempt
            ) from None
        self.standin = self.standin or STANDIN_HEADER in response.headers
        status = response.status_code
        if status == 429:
            raise RateLimitedError(
                "S2 rate limit (HTTP 429)",
                url=url,
                attempt=attempt,
                retry_after=retry_after_seconds(response.headers.get("retry-after"), self._now()),
            )
        if status >= 500:
            raise TransientError(
                f"S2 server error (HTTP {status})", url=url, status=status, attempt=attempt
            )
        return response

    def _exchange(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        """Send ``request`` and read its whole body, giving up between chunks once ``deadline``
        has passed (this runs on the helper thread of :func:`run_with_deadline`)."""
        streamed = self._client.send(request, stream=True)
        if streamed.is_stream_consumed:  # a body already in memory (e.g. a mock transport's)
            return streamed
        try:
            chunks = []
            for chunk in streamed.iter_raw():
                if deadline.expired:
                    raise httpx.ReadTimeout("deadline passed", request=request)
                chunks.append(chunk)
        finally:
            streamed.close()
        # Raw (still encoded) bytes under the original headers: read() decodes them once.
        response = httpx.Response(
            streamed.status_code,
            headers=streamed.headers,
            content=b"".join(chunks),
            request=request,
        )
        response.read()
        return response


def failure_reason(error: SourceError) -> str:
    """The outcome reason: the message alone (the URL, with its long field list, is logged)."""
    if isinstance(error, SourceDownError):
        return f"source down: {error.message}"
    return error.message
