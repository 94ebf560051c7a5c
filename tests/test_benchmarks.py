"""Smoke test of the benchmark code (benchmarks/run.py, naive.py, report.py) at pace 0.

Asserts the call counting, the floor arithmetic and the target checks, never timings.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from enrich.standin import StandIn
from enrich.standin.catalog import Catalog

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str, file_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / file_name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered before running it: dataclasses and pydantic resolve annotations through it.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


scale_lists = _load("scale_lists", "scale_lists.py")  # run.py imports it by this name
bench = _load("bench_run", "run.py")
naive = _load("bench_naive", "naive.py")
report_bench = _load("bench_report", "report.py")


@pytest.fixture
def synthetic_standin() -> Iterator[StandIn]:
    with StandIn(synthetic=250) as server:
        yield server


def write_synthetic(tmp_path: Path, papers: int, extra: str = "") -> Path:
    path = tmp_path / "synthetic.md"
    path.write_text(bench.synthetic_list_markdown(papers) + extra, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- floor arithmetic


def test_source_floor_is_one_pace_per_call_after_the_first() -> None:
    assert bench.source_floor(0, 3.0) == 0.0
    assert bench.source_floor(1, 3.0) == 0.0
    assert bench.source_floor(5, 1.0) == 4.0
    with pytest.raises(ValueError, match="must be >= 0"):
        bench.source_floor(-1, 1.0)


def test_fewest_calls_batch_ids_and_add_one_per_title_match() -> None:
    work = bench.Work(arxiv_ids=250, s2_ids=1001, title_matches=4)
    assert work.arxiv_calls() == 3  # 100 ids a query
    assert work.s2_calls() == 3 + 4  # 500 ids a batch, plus the title matches
    assert bench.Work(arxiv_ids=100, s2_ids=500, title_matches=0).arxiv_calls() == 1
    assert bench.Work(arxiv_ids=0, s2_ids=0, title_matches=0).s2_calls() == 0


def test_floor_sums_sources_asked_in_turn_and_takes_the_max_when_parallel() -> None:
    work = bench.Work(arxiv_ids=250, s2_ids=40, title_matches=4)  # 3 arXiv, 5 S2 calls
    paces = bench.Paces(arxiv=3.0, s2=1.0)
    assert bench.floor_seconds(work, paces, concurrent=False) == 2 * 3.0 + 4 * 1.0
    assert bench.floor_seconds(work, paces, concurrent=True) == 6.0
    assert bench.Paces(3.0, 1.0).scaled(10) == bench.Paces(0.3, 0.1)


def test_synthetic_list_plans_one_lookup_per_generated_id(tmp_path: Path) -> None:
    plan = bench.plan_for([write_synthetic(tmp_path, 120)])
    expected = [f"arxiv:{Catalog.synthetic_arxiv_id(n)}" for n in range(1, 121)]
    assert plan.arxiv_ids == sorted(expected)
    assert bench.distinct_s2_ids(plan) == 120
    assert plan.title_queries == []


# --------------------------------------------------------------------------- pipeline cases


def test_library_case_counts_calls_and_a_second_run_uses_the_cache(
    tmp_path: Path, synthetic_standin: StandIn
) -> None:
    workspace = bench.Workspace(tmp_path / "ws")
    lists = [write_synthetic(tmp_path, 250)]
    env = bench.child_environment({}, tmp_path / "prefect")
    kwargs = {
        "mode": "library",
        "lists": lists,
        "standin": synthetic_standin,
        "paces": bench.Paces(0.0, 0.0),
        "workspace": workspace,
        "state": "one",
        "env": env,
    }
    first = bench.run_pipeline_case(name="synthetic", **kwargs)
    assert (first.calls.arxiv, first.calls.s2_batch, first.calls.s2_title) == (3, 1, 0)
    assert first.work == bench.Work(arxiv_ids=250, s2_ids=250, title_matches=0)
    assert first.papers == 250 and first.status == "ok"
    assert first.floor == 0.0 and first.wall_over_floor is None and not first.concurrent
    assert first.peak_mb > 0

    second = bench.run_pipeline_case(name="synthetic, second run", **kwargs)
    assert second.calls.arxiv == 0  # every id is cached by the first run
    assert second.work.arxiv_ids == 0 and second.calls.s2_batch == 1

    checks = {check.what: check for check in bench.check_targets([first, second])}
    assert checks["synthetic, second run: no arXiv call for cached ids"].met
    assert checks["synthetic: ≤ 100 arXiv + 20 S2 batch calls"].met


def test_flow_case_runs_the_prefect_flow_in_a_child_and_uses_the_parallel_floor(
    tmp_path: Path, synthetic_standin: StandIn
) -> None:
    workspace = bench.Workspace(tmp_path / "ws")
    row = bench.run_pipeline_case(
        name="synthetic, Prefect flow",
        mode="flow",
        lists=[write_synthetic(tmp_path, 150)],
        standin=synthetic_standin,
        paces=bench.Paces(0.0, 0.0),
        workspace=workspace,
        state="flow",
        env=bench.child_environment({}, tmp_path / "prefect"),
    )
    assert (row.calls.arxiv, row.calls.s2_batch, row.calls.s2_title) == (2, 1, 0)
    assert row.concurrent and row.status == "ok" and row.papers == 150
    assert row.prefect_startup is not None and row.prefect_import is not None
    # The child's Prefect state went to the private PREFECT_HOME, nowhere else.
    assert any((tmp_path / "prefect").iterdir())


def test_child_environment_drops_the_settings_of_the_run_under_test(tmp_path: Path) -> None:
    env = bench.child_environment(
        {
            "PATH": "/bin",
            "S2_API_KEY": "secret-key",
            "ARXIV_API_URL": "https://export.arxiv.org/api/query",
            "ENRICH_ARXIV_PACE_SECONDS": "0",
            "PREFECT_API_URL": "http://prefect.example/api",
        },
        tmp_path,
    )
    assert env == {
        "PATH": "/bin",
        "PREFECT_HOME": str(tmp_path),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }


# --------------------------------------------------------------------------- scale case


SMALL_SCALE = scale_lists.ScaleSpec(papers=600, lists=6, mismatched=4, seed=3)


def test_scale_lists_hold_the_shares_they_promise(tmp_path: Path) -> None:
    written = scale_lists.write_scale_lists(tmp_path / "lists", SMALL_SCALE)
    assert [path.name for path in written.paths][:2] == ["scale-list-01.md", "scale-list-02.md"]
    assert written.shared_papers == 60  # 10% of the papers in 2 to 4 lists
    assert 600 + 60 <= written.rows <= 600 + 3 * 60
    assert written.id_less_rows == round(written.rows * 0.15)
    assert written.malformed_rows == round(written.rows * 0.01) and written.mismatched_rows == 4
    lists, plan = bench.read_and_plan(written.paths)
    assert sum(len(extracted.entries) for extracted in lists) == written.rows
    # Every id-less row is matched by title; a paper id-less in two lists is one query.
    titles = {query.title for query in plan.title_queries}
    assert len(titles) == len(plan.title_queries) <= written.id_less_rows
    assert sum(title.startswith("Unindexed") for title in titles) == written.unknown_rows > 0
    # A malformed arXiv link gives no arXiv id (at most a URL S2 will not know).
    malformed = [key for key in plan.s2_ids if key.startswith("url:https://arxiv.org/abs/")]
    assert 0 < len(malformed) <= written.malformed_rows
    assert all(len(key) == len("arxiv:2501.00001") for key in plan.arxiv_ids)
    # Deterministic for a seed.
    again = scale_lists.write_scale_lists(tmp_path / "again", SMALL_SCALE)
    assert [p.read_text() for p in again.paths] == [p.read_text() for p in written.paths]


def test_scale_case_second_night_recalls_titles_and_meets_its_call_targets(
    tmp_path: Path,
) -> None:
    written = scale_lists.write_scale_lists(tmp_path / "lists", SMALL_SCALE)
    workspace = bench.Workspace(tmp_path / "ws")
    rows = []
    with StandIn(synthetic=SMALL_SCALE.papers) as standin:
        for night in ("first night", "second night"):
            rows.append(
                bench.run_pipeline_case(
                    name=f"{bench.scale_case_name(SMALL_SCALE)}, {night}",
                    mode="library",
                    lists=written.paths,
                    standin=standin,
                    paces=bench.Paces(0.0, 0.0),
                    workspace=workspace,
                    state="scale",
                    env=bench.child_environment({}, tmp_path / "prefect"),
                )
            )
    first, second = rows
    assert first.calls.s2_title > 0 and first.work.title_matches == first.calls.s2_title
    assert (second.calls.arxiv, second.calls.s2_title, second.calls.s2_batch) == (0, 0, 2)
    assert second.work.title_matches == 0
    # Papers found by title are fetched by the batch: its ids are all the papers S2 can find.
    assert second.work.s2_ids <= second.papers == first.papers
    checks = {check.what: check for check in bench.check_targets(rows)}
    target = (
        f"{second.name}: ≤ ceil(papers / 500) = 2 S2 batch calls, 0 title matches, 0 arXiv calls"
    )
    assert checks[target].met and checks[target].measured == "2, 0, 0"
    assert checks[f"{second.name}: peak memory < 1536 MiB"].met
    assert f"{second.name}: wall ≤ 1.1 × floor" not in checks  # not held to the floor


def test_scale_checks_report_a_second_night_that_matches_titles_again() -> None:
    second = _row(
        "scale 20,000 papers in 50 lists, second night",
        papers=20_000,
        calls=bench.Calls(arxiv=0, s2_batch=40, s2_title=3, s2_other=0, pace_violations=0),
    )
    checks = {check.what: check.met for check in bench.check_targets([second])}
    key = (
        "scale 20,000 papers in 50 lists, second night: ≤ ceil(papers / 500) = 40 S2 batch calls,"
        " 0 title matches, 0 arXiv calls"
    )
    assert checks[key] is False


# --------------------------------------------------------------------------- naive baseline


def test_naive_baseline_makes_one_call_per_id_and_per_title(
    tmp_path: Path, synthetic_standin: StandIn
) -> None:
    untitled = (  # an OpenReview link carries no id S2 accepts: a title match
        "| [Synthetic Stand-in Paper Number 200](https://openreview.net/forum?id=abc) | 2025 |\n"
    )
    plan = naive.plan_for_lists([write_synthetic(tmp_path, 3, untitled)])
    assert len(plan.arxiv_ids) == 3 and len(plan.title_queries) == 1
    result = naive.run_naive(
        plan,
        arxiv_url=synthetic_standin.arxiv_url,
        s2_url=synthetic_standin.s2_url,
        arxiv_pace=0.0,
        s2_pace=0.0,
    )
    assert result.errors == []
    assert (result.arxiv_lookups, result.s2_lookups, result.title_lookups) == (3, 3, 1)
    assert result.found == 7
    calls = bench.Calls.of(synthetic_standin)
    assert (calls.arxiv, calls.s2_other, calls.s2_title, calls.s2_batch) == (3, 3, 1, 0)
    assert calls.total == 7 and calls.pace_violations == 0


def test_gap_pacer_waits_the_interval_after_the_previous_call_ended() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = naive.GapPacer(1.0, clock=lambda: now[0], sleep=sleep)
    pacer.wait()  # the first call never waits
    now[0] += 0.25  # the call takes 0.25 s
    pacer.done()
    now[0] += 0.5
    pacer.wait()
    assert slept == [0.5]


# --------------------------------------------------------------------------- report


def _row(name: str, **changes: object) -> Any:
    values: dict[str, object] = {
        "name": name,
        "mode": "library",
        "paces": bench.Paces(3.0, 1.0),
        "papers": 47,
        "calls": bench.Calls(arxiv=1, s2_batch=1, s2_title=6, s2_other=0, pace_violations=0),
        "work": bench.Work(arxiv_ids=41, s2_ids=43, title_matches=6),
        "no_id_titles": 4,
        "wall": 6.5,
        "floor": 6.0,
        "concurrent": False,
        "peak_mb": 150.0,
    }
    values.update(changes)
    return bench.Row(**values)


def test_target_checks_report_misses() -> None:
    seed = _row("seed lists")
    synthetic = _row(
        "synthetic 10,000",
        calls=bench.Calls(arxiv=101, s2_batch=20, s2_title=0, s2_other=0, pace_violations=0),
        peak_mb=1100.0,
        wall=70.0,
        floor=31.6,
    )
    checks = {check.what: check.met for check in bench.check_targets([seed, synthetic])}
    assert checks["seed lists: ≤ 3 arXiv calls"]
    assert checks["seed lists: 1 S2 batch call"]
    assert not checks["seed lists: ≤ 1 title-match call per paper without id (4)"]
    assert checks["seed lists: wall ≤ 1.1 × floor"]
    assert not checks["synthetic 10,000: ≤ 100 arXiv + 20 S2 batch calls"]
    assert not checks["synthetic 10,000: peak memory < 1024 MiB"]
    assert not checks["synthetic 10,000: wall ≤ 1.1 × floor"]


def test_table_and_comparison_show_floor_kind_overhead_and_ratios() -> None:
    library = _row("seed lists")
    flow = _row(
        "seed lists, Prefect flow",
        mode="flow",
        wall=7.5,
        concurrent=True,
        prefect_import=2.0,
        prefect_startup=6.0,
        prefect_empty_run=1.0,
        server_peak_mb=200.0,
    )
    naive_row = _row(
        "seed lists, naive per-paper",
        mode="naive",
        papers=None,
        calls=bench.Calls(arxiv=41, s2_batch=0, s2_title=4, s2_other=43, pace_violations=0),
        wall=175.0,
    )
    assert bench.prefect_overhead(flow, library) == pytest.approx(1.0)
    table = bench.render_table([library, flow, naive_row], {flow.name: library})
    lines = table.splitlines()
    assert len(lines) == 5
    assert "| 6.00 (sum) | 1.08 |" in lines[2]
    assert "| 6.00 (max) | 1.25 | 8.00 / 1.00 / 1.00 | 150 (+ server 200) |" in lines[3]
    checks = {check.what: check.met for check in bench.check_targets([flow])}
    # The flow may spend what an empty flow run costs on top of 1.1 x its floor: 7.6 s here.
    assert checks["seed lists, Prefect flow: wall ≤ 1.1 × floor + empty flow run"]
    assert "| — | 41 | 0 + 4 + 43 single |" in lines[4]
    comparison = bench.render_comparison(naive_row, library)
    assert "88 vs 8 calls (11.0×)" in comparison
    assert "175.0 s vs 6.5 s wall (26.9×)" in comparison


def test_report_benchmark_times_a_generated_history_of_changing_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    snapshot, history = report_bench.generated_history(30)
    assert len(snapshot.papers) == 30
    assert history.count("\n") == 1 + 30 * report_bench.RUNS
    assert any(p.citation_delta for p in snapshot.papers)  # the counts move between runs
    assert report_bench.main(["--papers", "30", "--repeat", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[2].startswith("| 30 | ")


# --------------------------------------------------------------------------- extraction benchmarks

bench_lists = _load("bench_lists", "lists.py")
bench_extract = _load("bench_extract", "extract.py")


def test_lists_benchmark_reports_every_list_and_the_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.md").write_text(
        "# Good\n- [Mixtral of Experts](https://arxiv.org/abs/2401.04088)\n", encoding="utf-8"
    )
    (tmp_path / "badges.md").write_text(
        "# Badges\n[![x](https://img.shields.io/x.svg)](https://arxiv.org/abs/2401.00001)\n\n"
        "## Papers\n- [[pdf]](https://arxiv.org/abs/2401.00002)\n",
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text("# not a list\n", encoding="utf-8")
    code = bench_lists.main([str(tmp_path), "--repeat", "1"])
    out = capsys.readouterr().out
    rows = {
        line.split()[0]: line.split()
        for line in out.splitlines()
        if line.startswith(("good", "badges"))
    }
    assert set(rows) == {"good", "badges"}
    # good: 1 entry, 1 id, recall 1, title-like 1; badges: the header id is reported, not
    # unexplained, but the only entry's title is empty (not title-like): target missed
    assert rows["good"][1:6] == ["1", "1", "1.000", "0", "1.000"]
    assert rows["badges"][1:6] == ["1", "2", "0.500", "0", "0.000"]
    assert "MISSED" in rows["badges"][-1] and code == 1


def test_plain_scan_is_independent_of_the_extractor() -> None:
    text = (
        "[a](https://arxiv.org/abs/2401.04088v2) arXiv:1207.0580 "
        "https://dl.acm.org/doi/10.1145/3219819.3220007 https://openreview.net/forum?id=PQ2zoIZqvm "
        "https://aclanthology.org/N19-1423.pdf https://github.com/a/b"
    )
    assert bench_lists.plain_scan(text) == {
        "arxiv:2401.04088",
        "arxiv:1207.0580",
        "doi:10.1145/3219819.3220007",
        "openreview:PQ2zoIZqvm",
        "acl:N19-1423",
    }


def test_extract_benchmark_builds_its_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    text = bench_extract.large_list(0.2)
    assert 0.15e6 < len(text.encode()) <= 0.2e6 and text.endswith("\n")
    bench_extract.measure_links(400)
    out = capsys.readouterr().out
    assert "100 links on one line" in out and "400 links on one line" in out
    assert "time per link, 400 vs 100 links" in out


# --------------------------------------------------------------------------- steps of a run

bench_steps = _load("bench_steps", "steps.py")


def test_steps_benchmark_times_every_step_and_restores_the_pipeline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    real_read = bench_steps.pipeline.read_list_texts
    assert bench_steps.main(["--papers", "30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("library run of 30 generated papers at pace 0: ")
    assert [line.split("  ")[1].strip() for line in lines[1:]] == [
        label for _, _, label in bench_steps.STEPS
    ]
    assert bench_steps.pipeline.read_list_texts is real_read  # the wrappers are gone after the run
    assert bench_steps.synthetic_list(2).count("arxiv.org/abs/") == 2


# --------------------------------------------------------------------------- timeline of a run

_load("steps", "steps.py")  # timeline.py imports it by this name
bench_timeline = _load("bench_timeline", "timeline.py")


def test_timeline_cuts_a_paced_run_at_its_requests(tmp_path: Path) -> None:
    timeline = bench_timeline.measure(250, 1000.0, tmp_path)  # paces 3 ms and 1 ms
    assert len(timeline.arxiv_at) == 3  # 250 ids: batches of 100
    assert len(timeline.s2_at) == 1  # one batch of 500
    assert timeline.arxiv_at == sorted(timeline.arxiv_at)
    assert 0 < timeline.arxiv_at[0] < timeline.arxiv_at[-1] < timeline.s2_at[0] < timeline.wall
    assert timeline.floor == pytest.approx(2 * 0.003)
    lines = timeline.lines()
    assert lines[0].startswith("wall ") and "wall / floor" in lines[0]
    assert any(line.startswith("last S2 request -> end") for line in lines)


def test_timeline_main_prints_the_cuts(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        bench_timeline.main(["--papers", "30", "--pace-divisor", "1000", "--no-arxiv-cache"]) == 0
    )
    out = capsys.readouterr().out
    assert "library run of 30 generated papers, paces divided by 1000" in out
    assert "arXiv span (1 requests)" in out
