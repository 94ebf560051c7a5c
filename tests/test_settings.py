"""Settings: built from an explicit environment mapping, never from the caller's by accident."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from enrich.settings import ARXIV_QUERY_URL, Settings


def test_explicit_environ_ignores_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("S2_API_KEY", "key-from-the-shell")
    monkeypatch.setenv("ENRICH_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("ARXIV_API_URL", "http://elsewhere.test/api/query")
    settings = Settings.from_env({})
    assert settings.s2_api_key is None
    assert settings.max_attempts == 5
    assert settings.arxiv_api_url == ARXIV_QUERY_URL


def test_explicit_environ_and_overrides_are_read() -> None:
    settings = Settings.from_env(
        {
            "S2_API_KEY": "s3cr3t-value",
            "ENRICH_MAX_ATTEMPTS": "3",
            "ARXIV_API_URL": "http://a.test/q",
        },
        arxiv_pace_seconds=0,
    )
    assert (
        settings.s2_api_key is not None and settings.s2_api_key.get_secret_value() == "s3cr3t-value"
    )
    assert (settings.max_attempts, settings.arxiv_pace_seconds) == (3, 0)
    assert settings.arxiv_api_url == "http://a.test/q"
    assert "s3cr3t-value" not in f"{settings!r} {settings}"


def test_process_environment_is_read_when_no_mapping_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENRICH_MAX_ATTEMPTS", "2")
    assert Settings.from_env().max_attempts == 2


def test_bad_value_names_the_field() -> None:
    with pytest.raises(ValidationError, match="max_attempts"):
        Settings.from_env({"ENRICH_MAX_ATTEMPTS": "many"})
