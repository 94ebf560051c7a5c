"""The package's one exception hierarchy.

Every error raised on purpose by awesome-enrich derives from :class:`EnrichError`, which carries
the URL involved, the HTTP status and the attempt number where they are known. Messages never
contain secrets: callers must pass URLs without credentials (the S2 key travels in a header,
never in a URL).
"""

from __future__ import annotations


class EnrichError(Exception):
    """Base of every error awesome-enrich raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        attempt: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.status = status
        self.attempt = attempt

    def __str__(self) -> str:
        details = []
        if self.url is not None:
            details.append(f"url={self.url}")
        if self.status is not None:
            details.append(f"status={self.status}")
        if self.attempt is not None:
            details.append(f"attempt={self.attempt}")
        return f"{self.message} ({', '.join(details)})" if details else self.message


class InputError(EnrichError):
    """A list source (file, URL, github: spec) cannot be read or is not a usable list.

    ``permanent`` is true when reading the same source again cannot succeed although a URL is
    involved (e.g. the list is too large), so callers that retry transient failures skip it.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        attempt: int | None = None,
        permanent: bool = False,
    ) -> None:
        super().__init__(message, url=url, status=status, attempt=attempt)
        self.permanent = permanent


class SourceError(EnrichError):
    """An external service (arXiv, Semantic Scholar) failed to give a usable answer."""


class RateLimitedError(SourceError):
    """The service answered 429; ``retry_after`` is its Retry-After in seconds when given."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = 429,
        attempt: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url=url, status=status, attempt=attempt)
        self.retry_after = retry_after


class SourceDownError(SourceError):
    """The circuit breaker has marked the source down for this run; no request was sent."""


class OutputError(EnrichError):
    """A snapshot cannot be written (output directory locked, unwritable, ...)."""


class RunStopped(EnrichError):
    """The run was told to stop (SIGTERM, a cancelled flow run): nothing more is asked or waited
    for. Not a :class:`SourceError`, so no source records it as a failed lookup."""
