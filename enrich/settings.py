"""Run configuration: one immutable settings model, built once and passed in.

Nothing in the package reads ``os.environ`` except :meth:`Settings.from_env`, and nothing writes it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, InitSettingsSource, SettingsConfigDict

#: The real arXiv query endpoint (https://info.arxiv.org/help/api/user-manual.html).
ARXIV_QUERY_URL = "https://export.arxiv.org/api/query"
#: The real Semantic Scholar API root; paths are appended as ``/graph/v1/...``
#: (https://api.semanticscholar.org/api-docs/graph).
S2_API_ROOT = "https://api.semanticscholar.org"
#: Where ``github:OWNER/REPO`` list sources are read from.
GITHUB_RAW_ROOT = "https://raw.githubusercontent.com"


#: Upper bounds that keep every duration usable (``timedelta`` and ``sleep`` overflow on huge
#: values); far beyond any sensible setting.
_MAX_SECONDS = 7 * 24 * 3600.0
_MAX_DAYS = 36500.0


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "awesome-enrich"


def _seconds(default: float, description: str, *, positive: bool = False) -> float:
    """A finite duration field in seconds (``inf`` and ``nan`` are refused)."""
    return Field(
        default=default,
        allow_inf_nan=False,
        gt=0 if positive else None,
        ge=None if positive else 0,
        le=_MAX_SECONDS,
        description=description,
    )


def _days(default: float, description: str) -> float:
    """A finite, non-negative duration field in days."""
    return Field(default=default, ge=0, le=_MAX_DAYS, allow_inf_nan=False, description=description)


class Settings(BaseSettings):
    """Everything a run may be configured with.

    Environment variables: ``ARXIV_API_URL``, ``S2_API_URL``, ``S2_API_KEY`` as documented in the
    README, and ``ENRICH_<FIELD>`` for the rest (e.g. ``ENRICH_ARXIV_PACE_SECONDS``).
    """

    model_config = SettingsConfigDict(env_prefix="ENRICH_", frozen=True, extra="ignore")

    arxiv_api_url: str = Field(
        default=ARXIV_QUERY_URL,
        validation_alias=AliasChoices("ARXIV_API_URL", "arxiv_api_url"),
        description="arXiv query endpoint (the URL up to, not including, '?').",
    )
    s2_api_url: str = Field(
        default=S2_API_ROOT,
        validation_alias=AliasChoices("S2_API_URL", "s2_api_url"),
        description="Semantic Scholar API root; '/graph/v1/...' is appended.",
    )
    s2_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("S2_API_KEY", "s2_api_key"),
        description="Optional S2 key, sent as the x-api-key header; never logged.",
    )
    github_raw_url: str = Field(
        default=GITHUB_RAW_ROOT, description="Root that github:OWNER/REPO sources are read from."
    )
    arxiv_pace_seconds: float = _seconds(3.0, "Minimum seconds between two arXiv requests.")
    s2_pace_seconds: float = _seconds(1.0, "Minimum seconds between two Semantic Scholar requests.")
    request_timeout_seconds: float = _seconds(
        30.0,
        "Deadline of one HTTP request, from connecting to its last byte.",
        positive=True,
    )
    max_attempts: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Attempts per request before it is counted as failed (429s excepted: "
        "those are bounded by the retry budget only).",
    )
    retry_budget_seconds: float = _seconds(
        180.0, "Total time one request may spend in attempts and retries.", positive=True
    )
    breaker_threshold: int = Field(
        default=3,
        ge=1,
        le=1_000_000,
        description="Consecutive failed requests after which a source is marked down for the run.",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir, description="Directory of the on-disk metadata cache."
    )
    arxiv_cache_ttl_days: float = _days(
        7.0, "How long cached arXiv metadata is reused (0 disables)."
    )
    list_read_retry_delay_seconds: float = _seconds(
        5.0, "Pause before the one retry of a list read (no answer, 429, 5xx)."
    )
    s2_title_cache_ttl_days: float = _days(
        30.0, "How long the paper S2 matched to a title is remembered (0: match every run)."
    )
    s2_title_no_match_ttl_days: float = _days(
        3.0, "How long a title S2 found no match for is remembered (0: ask every run)."
    )
    progress_log_seconds: float = _seconds(
        30.0,
        "How often a running stage logs its progress when no terminal shows it.",
        positive=True,
    )

    @field_validator("arxiv_api_url", "s2_api_url", "github_raw_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        """An http(s) URL with a host: anything else would be retried as if the service were
        down, instead of being reported before the run."""
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if parts.username or parts.password:
            raise ValueError("must not carry a user name or password")
        return value.strip()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``environ`` (default: the process environment) plus overrides.

        Passing an explicit mapping makes tests independent of the caller's environment.
        """
        if environ is None:
            return cls(**overrides)  # type: ignore[arg-type]
        values: dict[str, object] = {}
        for name, field in cls.model_fields.items():
            keys = [f"ENRICH_{name.upper()}"]
            alias = field.validation_alias
            if isinstance(alias, AliasChoices):
                keys = [str(choice) for choice in alias.choices if str(choice).isupper()] + keys
            for key in keys:
                if key in environ:
                    values[name] = environ[key]
                    break
        values.update(overrides)
        # Only `values` may be read: `cls(**values)` and even `cls.model_validate(values)` would
        # also read the process environment (pydantic-settings 2.16, pinned), so a developer's
        # S2_API_KEY or ENRICH_* would leak into tests. `_build_sources` is its hook for giving
        # the sources explicitly; here the one source is the init values.
        source = InitSettingsSource(cls, init_kwargs=values)
        return cls(_build_sources=((source,), values))


def env_name(field: str) -> str:
    """The environment variable that sets ``field`` (``ARXIV_API_URL``, ``ENRICH_MAX_ATTEMPTS``)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        for choice in alias.choices:
            if str(choice).isupper():
                return str(choice)
    return f"ENRICH_{field.upper()}"


def describe_invalid(error: ValidationError, *, overridden: Collection[str] = ()) -> str:
    """One line naming each invalid setting and what is wrong, never its value (it could be
    the S2 key). Fields in ``overridden`` came from somewhere other than the environment and
    are named as such (``flow parameter NAME``)."""
    problems = []
    for issue in error.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in issue["loc"])
        name = f"flow parameter {field}" if field in overridden else env_name(field)
        message = str(issue["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message}")
    return "; ".join(problems)
