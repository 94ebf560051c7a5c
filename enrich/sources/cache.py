"""On-disk metadata cache with a time to live, one JSON file per key.

Nightly runs re-read lists whose papers rarely change on arXiv; caching what a source returned
saves the requests (and the pace) that refetching would cost. Each file holds the key, when the
record was fetched, and the record itself. Writes are atomic (temporary file + ``os.replace``),
so a crash never leaves a half-written entry (only a temporary file, removed later by
:meth:`MetadataCache.remove_leftovers`). An entry that cannot be trusted is a miss, logged and
removed: unreadable, not a valid record, stored under another key, holding a record of another
id, or fetched "in the future" (a clock set wrong would otherwise keep it fresh forever).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar
from urllib.parse import quote

import orjson
from pydantic import AwareDatetime, BaseModel, ValidationError

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)
_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE

#: A ``fetched_at`` up to this far ahead of now is clock skew between machines sharing a cache.
CLOCK_SKEW = dt.timedelta(minutes=5)
#: Temporary files older than this are leftovers of an interrupted write (a write takes
#: milliseconds; other processes sharing the cache may be writing right now).
LEFTOVER_AGE = dt.timedelta(hours=1)
_TMP_PREFIX = ".tmp-"


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

    def get(
        self,
        key: str,
        model: type[ModelT],
        *,
        record_key: Callable[[ModelT], str] | None = None,
    ) -> CachedRecord[ModelT] | None:
        """The entry for ``key`` if present, trustworthy and younger than the ttl.

        ``record_key`` gives the key a record belongs under (e.g. ``arxiv:`` + its id); an entry
        whose record gives another key is dropped. So is one whose ``fetched_at`` lies ahead of
        now by more than :data:`CLOCK_SKEW`.
        """
        if not self.enabled:
            return None
        path = self.path_for(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            self._drop(path, f"unreadable ({error})")
            return None
        try:
            entry = CachedRecord[model].model_validate_json(text)  # type: ignore[valid-type]
        except ValidationError as error:
            self._drop(path, f"not a valid {model.__name__} ({error.error_count()} errors)")
            return None
        if entry.key != key:
            self._drop(path, f"holds key {entry.key!r}, not {key!r}")
            return None
        if record_key is not None and record_key(entry.record) != key:
            self._drop(path, f"holds the record of {record_key(entry.record)!r}")
            return None
        now = self._now()
        if entry.fetched_at > now + CLOCK_SKEW:
            self._drop(path, f"was fetched in the future ({entry.fetched_at.isoformat()})")
            return None
        if now - entry.fetched_at >= self.ttl:
            return None
        return entry

    def _drop(self, path: Path, why: str) -> None:
        logger.warning("cache entry %s %s; dropping it (a miss)", path, why)
        with contextlib.suppress(OSError):
            path.unlink()

    def remove_leftovers(self) -> int:
        """Remove temporary files that interrupted writes left (older than
        :data:`LEFTOVER_AGE`); returns how many. Never raises."""
        if not self.enabled:
            return 0
        cutoff = time.time() - LEFTOVER_AGE.total_seconds()
        removed = 0
        try:
            candidates = list(self.directory.glob(f"{_TMP_PREFIX}*"))
        except OSError:
            return 0
        for candidate in candidates:
            with contextlib.suppress(OSError):
                if candidate.stat().st_mtime < cutoff:
                    candidate.unlink()
                    removed += 1
        return removed

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
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=_TMP_PREFIX, suffix=".json"
        )
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
