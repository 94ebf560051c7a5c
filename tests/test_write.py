"""Writing snapshots: the files and their formats, deterministic output, the lock, crash
safety (a write killed at each step), recovery and unusable output directories."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from paper_builders import (
    arxiv_record,
    entry,
    extracted,
    ok,
    result,
    run_input,
    s2_record,
    small_snapshot,
    validate_snapshot_dir,
)

from enrich.contract import (
    PAPER_TABLE_COLUMNS,
    PAPER_TABLE_DATE_COLUMNS,
    PAPER_TABLE_INT_COLUMNS,
    RunStatus,
    Snapshot,
)
from enrich.errors import InputError, OutputError
from enrich.publish import write as write_module
from enrich.publish.history import read_history
from enrich.publish.recovery import recover_output, require_writable_output
from enrich.publish.snapshot import ListFailure, build_snapshot, load_latest, load_snapshot
from enrich.publish.write import output_lock, papers_table, write_snapshot

REPO = Path(__file__).resolve().parents[1]


def test_output_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    first = write_snapshot(small_snapshot("run-1"), tmp_path / "one")
    second = write_snapshot(small_snapshot("run-1"), tmp_path / "two")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) == 11  # the data files, alpha's fix files and the report's three pages
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    manifest = (first / "manifest.json").read_text(encoding="utf-8")
    assert (
        manifest
        == json.dumps(json.loads(manifest), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )


def numeric_looking_snapshot() -> Snapshot:
    """Ids that read as numbers (2106.03760 -> 2106.0376), a missing year, several lists."""
    lists = [
        extracted(
            "alpha",
            entry("alpha", 1, "DSelect-k", arxiv=["2106.03760"], section=["Papers", "Gating"]),
            entry("alpha", 2, "Mixture-of-Experts with Expert Choice", arxiv=["2206.02770"]),
            entry("alpha", 3, "Numbers only", openreview=["1234567"]),
            entry(
                "alpha", 4, "DSelect-k (again)", arxiv=["2106.03760"], section=["Papers", "Gating"]
            ),
        ),
        extracted("beta", entry("beta", 1, "DSelect-k", arxiv=["2106.03760"])),
    ]
    run = run_input(
        "run-1",
        lists,
        arxiv=result(
            "arxiv",
            ok("arxiv:2106.03760", arxiv_record("2106.03760", "DSelect-k")),
            ok("arxiv:2206.02770", arxiv_record("2206.02770", "Expert Choice")),
        ),
        s2=result(
            "s2",
            ok(
                "arxiv:2106.03760",
                s2_record(
                    "330289",
                    "DSelect-k",
                    external_ids={"ArXiv": "2106.03760", "DOI": "10.5555/3540261.3542388"},
                    venue="NeurIPS",
                    year=2021,
                    publication_date=dt.date(2021, 12, 6),
                    citations=2194,
                ),
            ),
        ),
    )
    return build_snapshot(run, None)


def test_the_csv_reads_back_unchanged_with_pandas_defaults(tmp_path: Path) -> None:
    import pandas as pd

    snapshot = numeric_looking_snapshot()
    path = write_snapshot(snapshot, tmp_path)
    written = papers_table(snapshot)
    table = pd.read_csv(path / "papers.csv")  # no dtype=, no converters: what people do
    assert list(table.columns) == list(PAPER_TABLE_COLUMNS)
    for column in PAPER_TABLE_COLUMNS:
        expected = [None if pd.isna(v) else v for v in written[column]]
        if column in PAPER_TABLE_DATE_COLUMNS:
            expected = [None if v is None else v.isoformat() for v in expected]
        got = [None if pd.isna(v) else v for v in table[column]]
        assert got == expected, column
        if column not in PAPER_TABLE_INT_COLUMNS and any(v is not None for v in got):
            assert not pd.api.types.is_numeric_dtype(table[column]), column
    dselect = table.set_index("paper_id").loc["arxiv:2106.03760"]
    assert dselect["arxiv_id"] == "arxiv:2106.03760"  # not 2106.0376
    assert dselect["doi"] == "doi:10.5555/3540261.3542388"
    assert dselect["lists"] == "alpha; beta" and dselect["appearances"] == 3
    assert dselect["sections"] == "alpha: Papers > Gating; beta: Papers"
    assert dselect["url"] == "https://arxiv.org/abs/2106.03760"
    assert dselect["flags"] == "duplicate"  # raised on alpha's second row
    assert (dselect["year"], dselect["venue"], dselect["publication_status"]) == (
        2021,
        "NeurIPS",
        "published",
    )
    numbers_only = table.set_index("paper_id").loc["openreview:1234567"]
    assert numbers_only["openreview_id"] == "openreview:1234567"


def test_no_id_cell_reads_as_a_number_in_a_spreadsheet(tmp_path: Path) -> None:
    """Spreadsheets turn any cell that parses as a number into one; ids must never parse."""
    import csv

    path = write_snapshot(numeric_looking_snapshot(), tmp_path)
    with (path / "papers.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    id_columns = ["paper_id", "aliases", "arxiv_id", "doi", "openreview_id", "acl_id", "s2_id"]
    cells = [row[c] for row in rows for c in id_columns if row[c]]
    assert len(cells) >= 8
    for cell in cells:
        with pytest.raises(ValueError):
            float(cell)


def test_parquet_has_real_dates_and_nullable_integers(tmp_path: Path) -> None:
    import pandas as pd
    import pyarrow.parquet as pq

    path = write_snapshot(numeric_looking_snapshot(), tmp_path)
    schema = pq.read_schema(path / "papers.parquet")
    assert str(schema.field("arxiv_published").type) == "date32[day]"
    assert str(schema.field("publication_date").type) == "date32[day]"
    assert str(schema.field("citation_count").type) == "int64"
    assert str(schema.field("arxiv_id").type) == "string"
    table = pd.read_parquet(path / "papers.parquet").set_index("paper_id")
    assert str(table["citation_count"].dtype) == "Int64"
    assert str(table["year"].dtype) == "Int64"
    assert table.loc["arxiv:2106.03760", "citation_count"] == 2194
    assert pd.isna(table.loc["arxiv:2206.02770", "citation_count"])
    assert table.loc["arxiv:2106.03760", "arxiv_published"] == dt.date(2024, 1, 8)
    assert table.loc["arxiv:2106.03760", "publication_date"] == dt.date(2021, 12, 6)
    assert table.loc["arxiv:2106.03760", "year"] == 2021


def test_unsafe_names_and_reused_run_ids_are_refused(tmp_path: Path) -> None:
    snapshot = small_snapshot("run-1")
    bad = snapshot.model_copy(
        update={"manifest": snapshot.manifest.model_copy(update={"run_id": "../evil"})}
    )
    with pytest.raises(OutputError, match="cannot name a file"):
        write_snapshot(bad, tmp_path)
    write_snapshot(snapshot, tmp_path)
    with pytest.raises(OutputError, match="already exists"):
        write_snapshot(snapshot, tmp_path)


# --------------------------------------------------------------------------- lock and crash


HOLD_LOCK = """
import sys
from pathlib import Path
from enrich.publish.write import output_lock
with output_lock(Path(sys.argv[1])):
    print("LOCKED", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def lock_holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the output directory's lock until its stdin gets a line."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
    yield holder
    holder.kill()
    holder.wait()


def test_a_second_run_stops_with_a_clear_message(
    tmp_path: Path, lock_holder: subprocess.Popen[str]
) -> None:
    with pytest.raises(OutputError, match="is locked by another run") as info:
        write_snapshot(small_snapshot("run-1"), tmp_path)
    assert "--lock-timeout SECONDS (flow parameter lock_timeout_seconds)" in str(info.value)
    assert not (tmp_path / "snapshots" / "run-1").exists()


def test_a_second_run_with_a_timeout_waits_for_the_first(
    tmp_path: Path, lock_holder: subprocess.Popen[str]
) -> None:
    written: list[Path] = []
    writer = threading.Thread(
        target=lambda: written.append(
            write_snapshot(small_snapshot("run-1"), tmp_path, lock_timeout=30)
        )
    )
    writer.start()
    writer.join(timeout=0.5)
    assert writer.is_alive() and not written  # waiting for the lock
    assert lock_holder.stdin is not None
    lock_holder.stdin.write("done\n")
    lock_holder.stdin.flush()
    writer.join(timeout=30)
    assert written == [tmp_path / "snapshots" / "run-1"]


def test_the_lock_is_reentrant_in_a_thread_and_exclusive_across_threads(tmp_path: Path) -> None:
    errors: list[Exception] = []

    def other_run() -> None:
        try:
            write_snapshot(small_snapshot("run-2", load_latest(tmp_path)), tmp_path)
        except OutputError as error:
            errors.append(error)

    with output_lock(tmp_path, timeout=5):
        path = write_snapshot(small_snapshot("run-1"), tmp_path)
        other = threading.Thread(target=other_run)
        other.start()
        other.join(timeout=30)
    assert path.is_dir()
    assert len(errors) == 1 and "locked by another run" in str(errors[0])
    assert not (tmp_path / "snapshots" / "run-2").exists()


WRITE_AND_STALL = """
import sys, time
from pathlib import Path
from enrich.contract import Snapshot
from enrich.publish.write import write_snapshot
snapshot = Snapshot.model_validate_json(Path(sys.argv[1]).read_text(encoding="utf-8"))
stop_after = sys.argv[3]

def hook(step):
    print(step, flush=True)
    if step == stop_after:
        print("STALLED", flush=True)
        time.sleep(120)  # the parent kills us here

write_snapshot(snapshot, Path(sys.argv[2]), on_write=hook)
print("FINISHED", flush=True)
"""


#: Every step of a write, in order (the hook's names).
WRITE_STEPS = [
    "lists/alpha.json",
    "lists/alpha.patch",
    "lists/alpha.fixes.md",
    "lists/beta.json",
    "papers.json",
    "papers.csv",
    "papers.parquet",
    "report/index.html",
    "manifest.json",
    "snapshot",
    "latest",
    "history.csv",
]


@pytest.mark.parametrize("stop_after", WRITE_STEPS)
def test_a_write_killed_at_any_step_leaves_latest_whole_and_the_next_run_repairs_the_rest(
    tmp_path: Path, stop_after: str
) -> None:
    """SIGKILL right after each step (injected through the write hook, not timed): ``latest``
    is always a complete snapshot; the next start finishes the commit (links a committed
    snapshot, rebuilds its history rows) and removes the leftovers."""
    out = tmp_path / "out"
    first = small_snapshot("run-1")
    write_snapshot(first, out)
    second = small_snapshot("run-2", previous=first, citations=150)
    snapshot_file = tmp_path / "run-2.json"
    snapshot_file.write_text(second.model_dump_json(by_alias=True), encoding="utf-8")

    writer = subprocess.Popen(
        [sys.executable, "-c", WRITE_AND_STALL, str(snapshot_file), str(out), stop_after],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert writer.stdout is not None
    steps = []
    for line in writer.stdout:
        steps.append(line.strip())
        if steps[-1] == "STALLED":
            break
    assert steps == [*WRITE_STEPS[: WRITE_STEPS.index(stop_after) + 1], "STALLED"]
    os.kill(writer.pid, signal.SIGKILL)
    assert writer.wait(timeout=30) == -signal.SIGKILL
    assert not _alive(writer.pid)  # the process table: nothing of the writer is left

    committed = WRITE_STEPS.index(stop_after) >= WRITE_STEPS.index("snapshot")
    linked = WRITE_STEPS.index(stop_after) >= WRITE_STEPS.index("latest")
    assert load_latest(out) == (second if linked else first)
    assert validate_snapshot_dir(out / "latest")
    assert (out / "snapshots" / "run-2").exists() == committed

    done = recover_output(out)  # what the next run does first, under the lock
    expected = second if committed else first
    assert load_latest(out) == expected
    history = {row["run_id"] for row in read_history(out / "history.csv")}
    assert history == ({"run-1", "run-2"} if committed else {"run-1"})
    assert not list((out / "snapshots").glob(".*")) and not list(out.glob("*.tmp"))
    assert bool(done) == (stop_after != "history.csv")

    third = small_snapshot("run-3", previous=expected, citations=160)
    write_snapshot(third, out)
    assert load_latest(out) == third
    rows = read_history(out / "history.csv")
    assert [row["run_id"] for row in rows] == sorted(row["run_id"] for row in rows)
    assert {row["run_id"] for row in rows} == history | {"run-3"}
    assert recover_output(out) == []  # nothing left to repair


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_snapshot_of_a_run_that_read_no_list_is_kept_beside_latest(tmp_path: Path) -> None:
    first = small_snapshot("run-1")
    write_snapshot(first, tmp_path)
    history = (tmp_path / "history.csv").read_text(encoding="utf-8")
    no_list = run_input("run-2", []).model_copy(
        update={"list_failures": [ListFailure(source="github:a/b", error="HTTP 404")]}
    )
    nothing = build_snapshot(no_list, first)
    assert nothing.manifest.status is RunStatus.FAILED
    path = write_snapshot(nothing, tmp_path)
    assert path == tmp_path / "snapshots" / "run-2" and load_snapshot(path) == nothing
    assert load_latest(tmp_path) == first  # the next good run compares with run-1
    assert (tmp_path / "history.csv").read_text(encoding="utf-8") == history
    assert recover_output(tmp_path) == []  # and it is never linked later either
    assert load_latest(tmp_path) == first


def test_a_failed_write_gives_the_disk_space_back_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = small_snapshot("run-1")
    write_snapshot(first, tmp_path)
    real_write = write_module._write_file

    def disk_full(path: Path, text: str) -> None:
        if path.name == "papers.csv":
            raise OSError(28, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(write_module, "_write_file", disk_full)
    with pytest.raises(OutputError, match="No space left on device"):
        write_snapshot(small_snapshot("run-2", previous=first), tmp_path)
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == ["run-1"]
    assert load_latest(tmp_path) == first


def test_recovery_leaves_a_directory_locked_by_a_running_run_alone(
    tmp_path: Path, lock_holder: subprocess.Popen[str]
) -> None:
    partial = tmp_path / "snapshots" / ".run-9.partial"
    partial.mkdir(parents=True)  # the running run is writing it
    assert recover_output(tmp_path) == []
    assert partial.is_dir()


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc (Linux)")
def test_an_output_directory_that_cannot_take_a_file_is_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write to the output directory /proc"):
        require_writable_output(Path("/proc"))
    with pytest.raises(InputError, match="cannot write to the parent directory /proc"):
        require_writable_output(Path("/proc/enrich-out/deeper"))
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is not a directory"):
        require_writable_output(blocker / "out")
    require_writable_output(tmp_path / "new" / "out")  # creatable: fine, and nothing is left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    with (
        pytest.raises(OutputError, match="cannot lock the output directory /proc"),
        output_lock(Path("/proc")),
    ):
        pass


def test_a_snapshot_built_against_an_older_latest_is_refused(tmp_path: Path) -> None:
    first = small_snapshot("run-1")
    write_snapshot(first, tmp_path)
    write_snapshot(small_snapshot("run-2", previous=first), tmp_path)
    late = small_snapshot("run-3", previous=first)  # built before run-2 was written
    with pytest.raises(OutputError, match="another run wrote meanwhile"):
        write_snapshot(late, tmp_path)
    with pytest.raises(OutputError, match="another run wrote meanwhile"):
        write_snapshot(small_snapshot("run-4"), tmp_path)
    latest = load_latest(tmp_path)
    assert latest is not None and latest.manifest.run_id == "run-2"


def test_an_unusable_history_stops_the_write_before_any_snapshot_file(tmp_path: Path) -> None:
    (tmp_path / "history.csv").write_text("when,what\n1,2\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"history\.csv has columns"):
        write_snapshot(small_snapshot("run-1"), tmp_path)
    assert list((tmp_path / "snapshots").iterdir()) == []
    assert not (tmp_path / "latest").exists()


def test_a_latest_that_is_a_directory_is_reported_as_such(tmp_path: Path) -> None:
    first = small_snapshot("run-1")
    path = write_snapshot(first, tmp_path)
    (tmp_path / "latest").unlink()
    path.rename(tmp_path / "latest")  # someone copied a snapshot over the link
    with pytest.raises(OutputError, match="latest is a directory, not a link"):
        write_snapshot(small_snapshot("run-2", previous=first), tmp_path)


def test_an_output_path_that_is_a_file_is_reported(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot create the output directory"):
        write_snapshot(small_snapshot("run-1"), not_a_dir)
