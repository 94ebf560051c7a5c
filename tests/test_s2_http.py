"""enrich.sources.s2_http: S2 requests on a fake clock over a mock transport (no real
sleeping). The source's own behaviour over these requests is in test_sources_s2.py."""

from __future__ import annotations

import datetime as dt
import random

import httpx
import pytest
from fake_clock import FakeClock
from pydantic import SecretStr

from enrich.errors import RateLimitedError, SourceError
from enrich.settings import Settings
from enrich.sources.s2_answers import TransientError
from enrich.sources.s2_http import (
    BACKOFF_MAX_SECONDS,
    PersistentServerError,
    S2Http,
    failure_reason,
)

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
KEY = "s2-http-key-DO-NOT-LEAK-41b2"


def make_http(handler: httpx.MockTransport, clock: FakeClock, **overrides: object) -> S2Http:
    settings = Settings.from_env(
        {}, s2_api_url="http://s2.invalid", s2_pace_seconds=0.0, s2_api_key=SecretStr(KEY)
    ).model_copy(update=overrides)
    return S2Http(
        settings,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
        transport=handler,
        now=lambda: NOW,
        before_start=None,
        stop=None,
    )


def json_answer(response: httpx.Response) -> object:
    return response.json()


def test_429s_without_retry_after_back_off_within_the_budget_then_succeed() -> None:
    """Seven 429s in a row (no Retry-After, like real S2 bursts), then an answer: the request
    succeeds, each wait is capped at a minute, and the breaker counts a success."""
    answers = iter([429] * 7 + [200])
    seen_keys: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen_keys.append(request.headers.get("x-api-key"))
        status = next(answers)
        return httpx.Response(status, json={"data": [1]} if status == 200 else {"message": "Too"})

    clock = FakeClock()
    http = make_http(httpx.MockTransport(handle), clock, retry_budget_seconds=600.0)
    assert http.request("GET", "/x", params={}, body=None, interpret=json_answer) == {"data": [1]}
    assert len(clock.slept) == 7 and max(clock.slept) <= BACKOFF_MAX_SECONDS
    assert (http.counts.requests, http.counts.retries, http.counts.answered) == (8, 7, 1)
    assert http.counts.failures == 0 and not http.breaker.is_open
    assert seen_keys == [KEY] * 8  # the key travels in its header on every attempt


def test_a_retry_after_longer_than_the_budget_left_fails_at_once_and_says_why() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "86400"})

    clock = FakeClock()
    http = make_http(httpx.MockTransport(handle), clock, retry_budget_seconds=180.0)
    with pytest.raises(RateLimitedError) as info:
        http.request("GET", "/x", params={}, body=None, interpret=json_answer)
    assert clock.slept == []  # never waited a day
    assert "more than the 180 s left of the retry budget" in info.value.message
    assert KEY not in str(info.value) and KEY not in (http.last_error or "")
    assert http.counts.failures == 1


def test_a_500_on_every_attempt_is_handed_to_the_caller_to_split_when_asked() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500)

    clock = FakeClock()
    http = make_http(httpx.MockTransport(handle), clock, max_attempts=3)
    with pytest.raises(PersistentServerError):
        http.request(
            "POST",
            "/b",
            params={},
            body={"ids": []},
            interpret=json_answer,
            split_on_server_error=True,
        )
    # handed over, not counted as a failed request: the caller decides after splitting
    assert http.counts.failures == 0 and http.counts.requests == 3
    with pytest.raises(TransientError):
        http.request("POST", "/b", params={}, body={"ids": []}, interpret=json_answer)
    assert http.counts.failures == 1


def test_record_give_up_counts_a_failed_request_and_its_reason() -> None:
    http = make_http(httpx.MockTransport(lambda request: httpx.Response(200)), FakeClock())
    http.record_give_up(SourceError("S2 server error (HTTP 500) on every part", status=500))
    assert http.counts.failures == 1
    assert http.last_error == "S2 server error (HTTP 500) on every part"
    assert failure_reason(SourceError("boom")) == "boom"
