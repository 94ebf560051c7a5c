"""Settings: built from an explicit environment mapping, never from the caller's by accident."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from enrich.settings import ARXIV_QUERY_URL, Settings, describe_invalid, env_name


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


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"ARXIV_API_URL": "notaurl"}, "ARXIV_API_URL: must be an http:// or https:// URL"),
        ({"S2_API_URL": "ftp://api.semanticscholar.org"}, "S2_API_URL: must be an http://"),
        ({"ENRICH_GITHUB_RAW_URL": "https://"}, "ENRICH_GITHUB_RAW_URL: must be an http://"),
        ({"S2_API_URL": "https://user:pw@s2.test"}, "S2_API_URL: must not carry a user name"),
        ({"ENRICH_REQUEST_TIMEOUT_SECONDS": "inf"}, "ENRICH_REQUEST_TIMEOUT_SECONDS: Input"),
        ({"ENRICH_ARXIV_PACE_SECONDS": "nan"}, "ENRICH_ARXIV_PACE_SECONDS: Input should be"),
        ({"ENRICH_RETRY_BUDGET_SECONDS": "-inf"}, "ENRICH_RETRY_BUDGET_SECONDS"),
        ({"ENRICH_ARXIV_CACHE_TTL_DAYS": "1e300"}, "ENRICH_ARXIV_CACHE_TTL_DAYS: Input should be"),
        ({"ENRICH_LIST_READ_RETRY_DELAY_SECONDS": "inf"}, "ENRICH_LIST_READ_RETRY_DELAY"),
    ],
)
def test_settings_that_cannot_work_are_refused_naming_the_variable_not_the_value(
    environ: dict[str, str], named: str
) -> None:
    with pytest.raises(ValidationError) as info:
        Settings.from_env(environ)
    message = describe_invalid(info.value)
    assert message.startswith(named), message
    assert "\n" not in message
    for value in environ.values():
        assert value not in message or value in ("inf", "nan", "https://")


def test_a_bad_override_is_named_as_where_it_came_from() -> None:
    with pytest.raises(ValidationError) as info:
        Settings.from_env({"ENRICH_MAX_ATTEMPTS": "0"}, arxiv_api_url="x")
    message = describe_invalid(info.value, overridden={"arxiv_api_url"})
    assert "flow parameter arxiv_api_url: must be an http" in message
    assert "ENRICH_MAX_ATTEMPTS: Input should be greater than or equal to 1" in message
    assert env_name("s2_api_key") == "S2_API_KEY"
    assert env_name("cache_dir") == "ENRICH_CACHE_DIR"
