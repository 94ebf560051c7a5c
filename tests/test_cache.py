"""MetadataCache: fresh entries come back, stale or broken ones are misses, writes are atomic."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path

import pytest

from enrich.models import ArxivRecord, Author
from enrich.sources.cache import MetadataCache

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


class FakeNow:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def record(arxiv_id: str = "2401.04088") -> ArxivRecord:
    return ArxivRecord(
        arxiv_id=arxiv_id,
        title="Mixtral of Experts",
        authors=[Author(name="Lélio Renard Lavaud", affiliations=["Mistral AI"])],
        published=T0,
        updated=T0,
        latest_version=1,
        primary_category="cs.LG",
        categories=["cs.LG"],
    )


def make_cache(tmp_path: Path, days: float = 7) -> tuple[MetadataCache, FakeNow]:
    now = FakeNow(T0)
    return MetadataCache(tmp_path / "arxiv", dt.timedelta(days=days), now=now), now


def test_fresh_entry_round_trips_with_its_fetch_time(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path)
    cache.put("arxiv:2401.04088", record(), T0)
    entry = cache.get("arxiv:2401.04088", ArxivRecord)
    assert entry is not None
    assert entry.record == record()
    assert entry.fetched_at == T0


def test_entry_expires_after_the_ttl(tmp_path: Path) -> None:
    cache, now = make_cache(tmp_path, days=7)
    cache.put("arxiv:2401.04088", record(), T0)
    now.now = T0 + dt.timedelta(days=6, hours=23)
    assert cache.get("arxiv:2401.04088", ArxivRecord) is not None
    now.now = T0 + dt.timedelta(days=7)
    assert cache.get("arxiv:2401.04088", ArxivRecord) is None


def test_zero_ttl_disables_reads_and_writes(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path, days=0)
    cache.put("arxiv:2401.04088", record(), T0)
    assert not (tmp_path / "arxiv").exists()
    assert cache.get("arxiv:2401.04088", ArxivRecord) is None


def test_old_style_id_gets_a_safe_file_name_inside_the_directory(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path)
    cache.put("arxiv:hep-th/9901001", record("hep-th/9901001"), T0)
    files = [p.name for p in (tmp_path / "arxiv").iterdir()]
    assert files == ["arxiv%3Ahep-th%2F9901001.json"]
    entry = cache.get("arxiv:hep-th/9901001", ArxivRecord)
    assert entry is not None and entry.record.arxiv_id == "hep-th/9901001"


def test_overwrite_leaves_no_temporary_files(tmp_path: Path) -> None:
    cache, now = make_cache(tmp_path)
    cache.put("arxiv:2401.04088", record(), T0)
    now.now = T0 + dt.timedelta(hours=1)
    cache.put("arxiv:2401.04088", record(), T0 + dt.timedelta(hours=1))
    assert [p.name for p in (tmp_path / "arxiv").iterdir()] == ["arxiv%3A2401.04088.json"]
    entry = cache.get("arxiv:2401.04088", ArxivRecord)
    assert entry is not None and entry.fetched_at == T0 + dt.timedelta(hours=1)


def test_failed_write_keeps_the_previous_entry_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, _ = make_cache(tmp_path)
    cache.put("arxiv:2401.04088", record(), T0)

    def broken_replace(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("enrich.sources.cache.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        cache.put("arxiv:2401.04088", record(), T0 + dt.timedelta(hours=1))
    monkeypatch.undo()
    assert [p.name for p in (tmp_path / "arxiv").iterdir()] == ["arxiv%3A2401.04088.json"]
    entry = cache.get("arxiv:2401.04088", ArxivRecord)
    assert entry is not None and entry.fetched_at == T0


def test_corrupt_entry_is_a_logged_miss(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache, _ = make_cache(tmp_path)
    cache.put("arxiv:2401.04088", record(), T0)
    cache.path_for("arxiv:2401.04088").write_text('{"key": "arxiv:2401.04088", "rec', "utf-8")
    with caplog.at_level(logging.WARNING, logger="enrich.sources.cache"):
        assert cache.get("arxiv:2401.04088", ArxivRecord) is None
    assert "dropping it (a miss)" in caplog.text
    assert not cache.path_for("arxiv:2401.04088").exists()  # the next fetch writes a good one


def test_entry_stored_under_another_key_is_ignored(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path)
    cache.put("arxiv:2401.04088", record(), T0)
    moved = cache.path_for("arxiv:2401.04088").read_text("utf-8")
    cache.path_for("arxiv:2401.99999").write_text(moved, "utf-8")
    assert cache.get("arxiv:2401.99999", ArxivRecord) is None


def test_a_record_of_another_id_is_dropped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache, _ = make_cache(tmp_path)
    cache.put("arxiv:2401.04088", record("2312.07987"), T0)  # e.g. written by a buggy version

    def belongs(stored: ArxivRecord) -> str:
        return f"arxiv:{stored.arxiv_id}"

    with caplog.at_level(logging.WARNING, logger="enrich.sources.cache"):
        assert cache.get("arxiv:2401.04088", ArxivRecord, record_key=belongs) is None
    assert "holds the record of 'arxiv:2312.07987'" in caplog.text
    assert not cache.path_for("arxiv:2401.04088").exists()
    cache.put("arxiv:2401.04088", record(), T0)
    assert cache.get("arxiv:2401.04088", ArxivRecord, record_key=belongs) is not None


def test_an_entry_fetched_in_the_future_never_stays_fresh_forever(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache, _ = make_cache(tmp_path)
    cache.put("arxiv:2401.04088", record(), T0 + dt.timedelta(minutes=3))  # clock skew: fine
    assert cache.get("arxiv:2401.04088", ArxivRecord) is not None
    cache.put("arxiv:2401.04088", record(), T0 + dt.timedelta(days=400))  # a clock set wrong
    with caplog.at_level(logging.WARNING, logger="enrich.sources.cache"):
        assert cache.get("arxiv:2401.04088", ArxivRecord) is None
    assert "fetched in the future" in caplog.text


def test_leftover_temporary_files_are_removed_once_old(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path)
    cache.put("arxiv:2401.04088", record(), T0)
    old = tmp_path / "arxiv" / ".tmp-killed.json"
    fresh = tmp_path / "arxiv" / ".tmp-being-written.json"
    for leftover in (old, fresh):
        leftover.write_text("{", "utf-8")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert cache.remove_leftovers() == 1
    assert not old.exists() and fresh.exists()
    assert cache.get("arxiv:2401.04088", ArxivRecord) is not None


def test_bad_arguments_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        MetadataCache(tmp_path, dt.timedelta(days=-1))
    cache, _ = make_cache(tmp_path)
    with pytest.raises(ValueError, match="timezone-aware"):
        cache.put("arxiv:2401.04088", record(), dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="must not be empty"):
        cache.get("", ArxivRecord)


def test_entry_that_is_not_utf8_or_has_a_naive_time_is_a_miss(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path)
    cache.put("arxiv:2401.04088", record(), T0)
    path = cache.path_for("arxiv:2401.04088")
    stored = path.read_text("utf-8")
    path.write_bytes(b"\xff\xfe not utf-8")
    assert cache.get("arxiv:2401.04088", ArxivRecord) is None
    path.write_text(stored.replace("+00:00", ""), "utf-8")
    assert cache.get("arxiv:2401.04088", ArxivRecord) is None
    path.write_text(stored, "utf-8")
    assert cache.get("arxiv:2401.04088", ArxivRecord) is not None
