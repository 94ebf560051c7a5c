"""On-disk metadata cache with a time to live, one JSON file per key.

Nightly runs re-read lists whose papers rarely change on arXiv; caching what a source returned
saves the requests (and the pace) that refetching would cost. Each file holds the key, when the
record was fetched, and the record itself. Writes are atomic (temporary file + ``os.replace``),
so a crash never leaves a half-written entry; an unreadable entry is treated as a miss.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar
from urllib.parse import quote

import orjson
from pydantic import AwareDatetime, BaseModel, ValidationError

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)
_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CachedRecord(BaseModel, Generic[ModelT]):
    """One cache entry: the record and when it was fetched from its source."""

    key: str
    # Aware only: a naive time in a hand-edited entry would make the age check raise.
    fetched_at: AwareDatetime
    record: ModelT


class MetadataCache:
    """Records keyed by paper id (e.g. ``arxiv:2401.04088``) under ``directory``.

    ``ttl`` is how long an entry is fresh; a zero ``ttl`` disables the cache (nothing is read
    or written). ``now`` returns the current UTC time and is injectable for tests.
    """

    def __init__(
        self,
        directory: Path,
        ttl: dt.timedelta,
        *,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        if ttl < dt.timedelta(0):
            raise ValueError(f"cache ttl must not be negative, got {ttl}")
        self.directory = Path(directory)
        self.ttl = ttl
        self._now = now

    @property
    def enabled(self) -> bool:
        return self.ttl > dt.timedelta(0)

    def path_for(self, key: str) -> Path:
        """The file of ``key``: the key percent-encoded, so any id is a safe file name."""
        if not key:
            raise ValueError("cache key must not be empty")
        return self.directory / f"{quote(key, safe='')}.json"

    def get(self, key: str, model: type[ModelT]) -> CachedRecord[ModelT] | None:
        """The entry for ``key`` if present, readable as ``model`` and younger than the ttl."""
        if not self.enabled:
            return None
        path = self.path_for(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            logger.warning("cache entry %s unreadable (%s); treating it as a miss", path, error)
            return None
        try:
            entry = CachedRecord[model].model_validate_json(text)  # type: ignore[valid-type]
        except ValidationError as error:
            logger.warning(
                "cache entry %s is not a valid %s (%d errors); treating it as a miss",
                path,
                model.__name__,
                error.error_count(),
            )
            return None
        if entry.key != key:
            logger.warning("cache entry %s holds key %r, not %r; ignoring it", path, entry.key, key)
            return None
        if self._now() - entry.fetched_at >= self.ttl:
            return None
        return entry

    def put(self, key: str, record: BaseModel, fetched_at: dt.datetime) -> None:
        """Store ``record`` for ``key`` atomically. ``fetched_at`` must be timezone-aware.

        Raises :class:`OSError` when the entry cannot be written (the previous entry, if any, is
        kept); callers for whom the cache is only an optimisation catch it.
        """
        if not self.enabled:
            return
        if fetched_at.tzinfo is None:
            raise ValueError("fetched_at must be timezone-aware")
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "key": key,
            "fetched_at": fetched_at.isoformat(),
            "record": record.model_dump(mode="json"),
        }
        # Serialized in one piece by orjson: the standard library's indenting encoder is pure
        # Python and was a third of an arXiv batch's processing (benchmarks/README.md).
        text = orjson.dumps(payload, option=_JSON_OPTIONS)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
