"""The enrich-lists flow on a temporary Prefect server: states, artifacts, parameters, secrets."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import get_client
from prefect.blocks.system import Secret
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.client.schemas.objects import Artifact
from prefect.exceptions import ObjectNotFound
from prefect.states import Completed, Failed, State
from pydantic import ValidationError

from enrich.errors import InputError
from enrich.lists.config import DEFAULT_LISTS
from enrich.progress import RunProgress, shown_by_caller
from enrich.settings import Settings
from enrich.standin import Fault, StandIn
from enrich.summary import RunSummary
from flows.enrich_lists import (
    ARXIV_RATE_LIMIT,
    ATTENTION_ARTIFACT_KEY,
    DEGRADED_STATE_NAME,
    S2_RATE_LIMIT,
    SUMMARY_ARTIFACT_KEY,
    EnrichParameters,
    _worth_retrying,
    enrich_lists,
)

pytestmark = pytest.mark.usefixtures("prefect_harness")

CLOSED_URL = "http://127.0.0.1:9"
BUNDLED = [str(spec.bundled_path()) for spec in DEFAULT_LISTS]


def params_for(standin: StandIn, tmp_path: Path, **overrides: Any) -> EnrichParameters:
    values: dict[str, Any] = {
        "lists": BUNDLED,
        "out_dir": str(tmp_path / "out"),
        "cache_dir": str(tmp_path / "cache"),
        "arxiv_api_url": standin.arxiv_url,
        "s2_api_url": standin.s2_url,
        "arxiv_pace_seconds": 0,
        "s2_pace_seconds": 0,
        "list_read_retry_delay_seconds": 0,
        **overrides,
    }
    return EnrichParameters(**values)


@pytest.fixture
def run_log() -> Iterator[list[logging.LogRecord]]:
    """Records of the flow-run and task-run loggers while the test runs."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger("prefect.flow_runs"), logging.getLogger("prefect.task_runs")]
    for logger in loggers:
        logger.addHandler(handler)
    yield records
    for logger in loggers:
        logger.removeHandler(handler)


def artifacts_of(state: State[Any]) -> dict[str, Artifact]:
    flow_run_id = state.state_details.flow_run_id
    assert isinstance(flow_run_id, UUID)
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {artifact.key: artifact for artifact in found if artifact.key}


def summary_of(state: State[Any]) -> RunSummary:
    result = state.result(raise_on_failure=False)
    assert isinstance(result, RunSummary), result
    return result


def test_ok_run_completes_writes_the_snapshot_and_publishes_both_artifacts(
    standin: StandIn, tmp_path: Path
) -> None:
    state = enrich_lists(params=params_for(standin, tmp_path), return_state=True)
    assert state.is_completed() and state.name == "Completed"
    summary = summary_of(state)
    assert summary.status == "ok"
    snapshot_dir = Path(summary.snapshot_path)
    assert (snapshot_dir / "manifest.json").is_file()
    assert snapshot_dir.parent.parent == tmp_path / "out"

    artifacts = artifacts_of(state)
    assert set(artifacts) == {SUMMARY_ARTIFACT_KEY, ATTENTION_ARTIFACT_KEY}
    markdown = artifacts[SUMMARY_ARTIFACT_KEY].data
    assert isinstance(markdown, str)
    assert f"run {summary.run_id}: OK" in markdown
    assert "## Calls per source" in markdown and "## Citation movers" in markdown
    report_index = snapshot_dir / "report" / "index.html"
    assert summary.report_path == str(report_index) and report_index.is_file()
    assert f"Report: [index.html]({report_index.resolve().as_uri()})" in markdown
    # the flow kept the text it read: each list's fixes and where its patch is
    patch = snapshot_dir / "lists" / "arpita8-mixture-of-experts-papers.patch"
    assert patch.read_text(encoding="utf-8").startswith("--- a/")
    assert f"| 6 | `{patch}` (explained in" in markdown
    table = artifacts[ATTENTION_ARTIFACT_KEY]
    assert table.type == "table"
    rows = json.loads(str(table.data))
    assert len(rows) == len(summary.flagged) + len(summary.unresolved) > 0
    assert {row["problem"] for row in rows} >= {"title_mismatch"}


def test_the_second_flow_run_recalls_title_matches_and_asks_s2_once(
    standin: StandIn, tmp_path: Path
) -> None:
    params = params_for(standin, tmp_path)
    first = summary_of(enrich_lists(params=params, return_state=True))
    matched = standin.count("s2", "/graph/v1/paper/search/match")
    assert matched == first.sources["s2_titles"].requests > 0
    standin.reset()
    second = summary_of(enrich_lists(params=params, return_state=True))
    assert standin.count("s2", "/graph/v1/paper/search/match") == 0
    assert standin.count("s2", "/graph/v1/paper/batch") == 1
    assert standin.count("arxiv") == 0
    titles = second.sources["s2_titles"]
    assert (titles.requests, titles.cache_hits, titles.ok) == (
        0,
        matched,
        first.sources["s2_titles"].ok,
    )
    assert second.counts == first.counts


def test_the_flow_reports_every_stage_to_the_progress_its_caller_shows(
    standin: StandIn, tmp_path: Path
) -> None:
    shown = RunProgress()
    with shown_by_caller(shown):
        summary = summary_of(enrich_lists(params=params_for(standin, tmp_path), return_state=True))
    stages = {state.stage: (state.done, state.total) for state in shown.stages()}
    arxiv_requests = standin.count("arxiv")
    titles = summary.sources["s2_titles"]
    assert stages == {
        "lists": (2, 2),
        "arxiv": (arxiv_requests, arxiv_requests),
        "s2": (1, 1),
        "s2_titles": (titles.requests, titles.requests),
        "snapshot": (1, 1),
    }
    assert {state.stage: state.pace for state in shown.stages()}["s2_titles"] == 0


def test_without_a_live_display_the_flow_logs_each_running_stage_periodically(
    standin: StandIn,
    tmp_path: Path,
    run_log: list[logging.LogRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENRICH_PROGRESS_LOG_SECONDS", "0.2")
    standin.set_pace("s2", 0.3)  # 1 batch + 4 title matches: over a second of S2 requests
    params = params_for(standin, tmp_path, s2_pace_seconds=0.3)
    summary_of(enrich_lists(params=params, return_state=True))
    lines = [r.getMessage() for r in run_log if r.getMessage().startswith("Progress: ")]
    assert any(line.startswith("Progress: S2 titles: ") for line in lines), lines
    assert all(" left" in line or "no progress" in line for line in lines)
    # Logged through the flow run's logger, so the lines reach the Prefect UI.
    assert all(
        r.name == "prefect.flow_runs" for r in run_log if r.getMessage().startswith("Progress: ")
    )


@pytest.fixture
def one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings from the environment give each request one attempt (no back-off waits)."""
    monkeypatch.setenv("ENRICH_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("ENRICH_BREAKER_THRESHOLD", "1")


@pytest.mark.usefixtures("one_attempt")
def test_unreachable_services_end_failed_with_the_snapshot_written(
    standin: StandIn, tmp_path: Path, run_log: list[logging.LogRecord]
) -> None:
    params = params_for(
        standin,
        tmp_path,
        lists=[spec.source for spec in DEFAULT_LISTS],
        github_raw_url=CLOSED_URL,
        arxiv_api_url=f"{CLOSED_URL}/api/query",
        s2_api_url=CLOSED_URL,
    )
    state = enrich_lists(params=params, return_state=True)
    assert state.is_failed()
    summary = summary_of(state)
    assert summary.status == "failed"
    assert state.message == summary.headline
    assert (Path(summary.snapshot_path) / "manifest.json").is_file()
    # GitHub was unreachable too: both lists came from their bundled copies.
    assert [item.fallback for item in summary.lists] == [True, True]
    messages = [record.getMessage() for record in run_log]
    assert any(message.startswith("Run failed:") for message in messages)
    assert any("Using the bundled copy of" in message for message in messages)
    # An unreachable GitHub may pass on a second try: each read was retried once (no pause here).
    retried = [message for message in messages if "- Retry 1/1 will start" in message]
    assert len(retried) == len(DEFAULT_LISTS), messages
    assert "FAILED" in str(artifacts_of(state)[SUMMARY_ARTIFACT_KEY].data)


@pytest.mark.usefixtures("one_attempt")
def test_degraded_run_is_completed_named_degraded_in_state_log_and_artifact(
    standin: StandIn, tmp_path: Path, run_log: list[logging.LogRecord]
) -> None:
    # S2 answers 503 to every request: arXiv still gives records, S2 fails for every paper.
    standin.inject("s2", *[Fault.http(503)] * 50)
    state = enrich_lists(params=params_for(standin, tmp_path), return_state=True)
    summary = summary_of(state)
    assert summary.status == "degraded", summary.status_reasons
    assert state.is_completed()
    assert state.name == DEGRADED_STATE_NAME
    assert state.message == summary.headline
    assert any(
        record.levelno == logging.WARNING and record.getMessage().startswith("Run degraded:")
        for record in run_log
    )
    assert "DEGRADED" in str(artifacts_of(state)[SUMMARY_ARTIFACT_KEY].data)


def test_s2_key_from_a_secret_block_is_sent_and_never_written(
    standin: StandIn, tmp_path: Path, run_log: list[logging.LogRecord]
) -> None:
    key = "sk-test-7f3a9c0e1b2d"
    Secret(value=key).save("enrich-s2-key-test", overwrite=True)
    state = enrich_lists(
        params=params_for(standin, tmp_path, s2_api_key_block="enrich-s2-key-test"),
        return_state=True,
    )
    summary = summary_of(state)
    s2_requests = [request for request in standin.requests if request.service == "s2"]
    assert s2_requests
    assert all(request.headers.get("x-api-key") == key for request in s2_requests)
    assert not any(key in record.getMessage() for record in run_log)
    for path in Path(summary.snapshot_path).rglob("*"):
        if path.is_file():
            assert key not in path.read_text(encoding="utf-8", errors="replace"), path
    assert key not in str(artifacts_of(state)[SUMMARY_ARTIFACT_KEY].data)


def test_a_missing_secret_block_fails_the_run_before_any_request(
    standin: StandIn, tmp_path: Path
) -> None:
    state = enrich_lists(
        params=params_for(standin, tmp_path, s2_api_key_block="no-such-block"),
        return_state=True,
    )
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, InputError) and "'no-such-block' cannot be loaded" in str(error)
    assert standin.count("arxiv") == 0 and standin.count("s2") == 0
    assert not (tmp_path / "out").exists()


@pytest.fixture
def no_rate_limits_after() -> Iterator[None]:
    """Deletes the flow's global concurrency limits after the test (the server is shared)."""
    yield
    with get_client(sync_client=True) as client:
        for name in (ARXIV_RATE_LIMIT, S2_RATE_LIMIT):
            with contextlib.suppress(ObjectNotFound):
                client.delete_global_concurrency_limit_by_name(name)


def create_limits(limits: dict[str, float | None]) -> None:
    """Creates global concurrency limits of 100 slots (name -> slot decay per second)."""
    with get_client(sync_client=True) as client:
        for name, decay in limits.items():
            client.upsert_global_concurrency_limit_by_name(name, 100, slot_decay_per_second=decay)


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        ({}, "global concurrency limit 'arxiv-api' does not exist"),
        ({ARXIV_RATE_LIMIT: 0.5}, "global concurrency limit 's2-api' does not exist"),
        ({ARXIV_RATE_LIMIT: 0.5, S2_RATE_LIMIT: None}, "'s2-api' has no slot decay"),
    ],
)
@pytest.mark.usefixtures("no_rate_limits_after")
def test_global_rate_limits_without_a_usable_limit_fail_the_run_before_any_request(
    standin: StandIn, tmp_path: Path, limits: dict[str, float | None], problem: str
) -> None:
    create_limits(limits)
    state = enrich_lists(
        params=params_for(standin, tmp_path, global_rate_limits=True), return_state=True
    )
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, InputError) and problem in str(error), error
    assert "prefect global-concurrency-limit" in str(error)  # says how to fix it
    assert standin.count("arxiv") == 0 and standin.count("s2") == 0


@pytest.mark.usefixtures("no_rate_limits_after")
def test_global_rate_limits_take_one_slot_of_the_shared_limit_per_request(
    standin: StandIn, tmp_path: Path
) -> None:
    # A slow decay, so the slots taken are still occupied when read back after the run.
    create_limits({ARXIV_RATE_LIMIT: 0.001, S2_RATE_LIMIT: 0.001})
    state = enrich_lists(
        params=params_for(standin, tmp_path, global_rate_limits=True), return_state=True
    )
    assert summary_of(state).status == "ok"
    with get_client(sync_client=True) as client:
        arxiv_limit = client.read_global_concurrency_limit_by_name(ARXIV_RATE_LIMIT)
        s2_limit = client.read_global_concurrency_limit_by_name(S2_RATE_LIMIT)
    assert standin.count("arxiv") >= 1 and standin.count("s2") >= 1
    assert arxiv_limit.active_slots == standin.count("arxiv")
    assert s2_limit.active_slots == standin.count("s2")


def test_parameters_are_typed_in_the_flow_schema_and_validated() -> None:
    schema = enrich_lists.parameters.model_dump()
    definition = schema["definitions"]["EnrichParameters"]
    assert definition["properties"]["out_dir"]["type"] == "string"
    assert definition["properties"]["use_s2"]["type"] == "boolean"
    assert definition["additionalProperties"] is False
    with pytest.raises(ValidationError):
        EnrichParameters(out_dirr="typo")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        EnrichParameters(arxiv_cache_ttl_days=-1)


def test_parameters_override_the_environment_only_where_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ENRICH_ARXIV_CACHE_TTL_DAYS", "3")
    monkeypatch.setenv("S2_API_URL", "http://s2.example")
    unset = EnrichParameters().settings()
    assert (unset.arxiv_cache_ttl_days, unset.s2_api_url) == (3, "http://s2.example")
    overridden = EnrichParameters(arxiv_cache_ttl_days=0, cache_dir=str(tmp_path)).settings(
        s2_api_key="k"
    )
    assert overridden.arxiv_cache_ttl_days == 0
    assert overridden.cache_dir == tmp_path
    assert overridden.s2_api_url == "http://s2.example"
    assert overridden.s2_api_key is not None and overridden.s2_api_key.get_secret_value() == "k"
    assert "k'" not in repr(overridden)
    assert isinstance(Settings.from_env({}), Settings)


def test_an_invalid_environment_setting_is_an_input_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENRICH_MAX_ATTEMPTS", "often")
    monkeypatch.setenv("ENRICH_S2_PACE_SECONDS", "-1")
    with pytest.raises(InputError) as raised:
        EnrichParameters().settings()
    message = str(raised.value)
    assert "ENRICH_MAX_ATTEMPTS: Input should be a valid integer" in message
    assert "ENRICH_S2_PACE_SECONDS: Input should be greater than or equal to 0" in message
    assert "often" not in message  # values are never echoed (one could be the S2 key)


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (InputError("github:a/b: cannot be reached (ConnectError)", url="u"), True),
        (InputError("github:a/b: HTTP 503 Service Unavailable", url="u", status=503), True),
        (InputError("github:a/b: HTTP 429 Too Many Requests", url="u", status=429), True),
        (InputError("github:a/b: HTTP 404 Not Found", url="u", status=404), False),
        (InputError("x.md: no such file"), False),
        (InputError("github:a/b: too large (more than 5 bytes)", url="u", permanent=True), False),
        (ValueError("bug"), False),
    ],
)
def test_list_reads_are_retried_only_for_failures_that_may_pass(
    error: Exception, retry: bool
) -> None:
    state: State[Any] = Failed(data=error)
    assert _worth_retrying(None, None, state) is retry  # type: ignore[arg-type]
    assert _worth_retrying(None, None, Completed(data=1)) is False  # type: ignore[arg-type]


def test_prefect_yaml_declares_the_nightly_deployment_of_this_flow() -> None:
    import yaml
    from prefect.flows import load_flow_from_entrypoint

    from flows.enrich_lists import DEPLOYMENT_NAME, FLOW_NAME, NIGHTLY_CRON, NIGHTLY_TIMEZONE

    root = Path(__file__).resolve().parent.parent
    config = yaml.safe_load((root / "prefect.yaml").read_text(encoding="utf-8"))
    [deployment] = config["deployments"]
    assert deployment["name"] == DEPLOYMENT_NAME
    assert deployment["schedules"] == [
        {"cron": NIGHTLY_CRON, "timezone": NIGHTLY_TIMEZONE, "active": True}
    ]
    module_path, function = deployment["entrypoint"].split(":")
    loaded = load_flow_from_entrypoint(f"{root / module_path}:{function}")
    assert loaded.name == FLOW_NAME
    assert deployment["work_pool"]["job_variables"]["env"]["DO_NOT_TRACK"] == "1"


# --------------------------------------------------------------------------- operations


def test_a_list_failure_the_bundled_copy_covers_is_one_warning_line_without_traceback(
    standin: StandIn, tmp_path: Path, run_log: list[logging.LogRecord]
) -> None:
    """The same in every mode (enrich run, serve, workers): the flow filters Prefect's own
    records of a task failure it handles, and says it once."""
    superbruce = DEFAULT_LISTS[0]
    state = enrich_lists(
        params=params_for(standin, tmp_path, lists=[superbruce.source], github_raw_url=CLOSED_URL),
        return_state=True,
    )
    summary = summary_of(state)
    assert [item.fallback for item in summary.lists] == [True]
    about = [r for r in run_log if superbruce.source in r.getMessage() and r.levelno > logging.INFO]
    assert [(r.levelname, r.getMessage().split(" (")[0]) for r in about] == [
        ("WARNING", f"Using the bundled copy of {superbruce.source}")
    ]
    assert not [r for r in run_log if r.levelno >= logging.ERROR]
    assert not [r for r in run_log if r.exc_info]


def test_a_flow_run_repairs_what_an_interrupted_run_left_before_it_starts(
    standin: StandIn, tmp_path: Path, run_log: list[logging.LogRecord]
) -> None:
    params = params_for(standin, tmp_path)
    out = Path(params.out_dir)
    first = summary_of(enrich_lists(params=params, return_state=True))
    history = out / "history.csv"
    kept = [line for line in history.read_text("utf-8").splitlines() if first.run_id not in line]
    history.write_text("\n".join(kept) + "\n", "utf-8")  # killed before its rows were written
    (out / "snapshots" / ".20990101T000000Z.partial").mkdir()
    (out / "history.csv.tmp").write_text("half", "utf-8")

    second = summary_of(enrich_lists(params=params, return_state=True))
    assert second.previous_run_id == first.run_id
    repaired = [r.getMessage() for r in run_log if r.getMessage().startswith("Repaired")]
    assert any("removed 2 leftover(s)" in line for line in repaired), repaired
    assert any("rebuilt the" in line and first.run_id in line for line in repaired), repaired
    runs = [line.split(",")[0] for line in history.read_text("utf-8").splitlines()[1:]]
    assert set(runs) == {first.run_id, second.run_id}
    assert not list((out / "snapshots").glob(".*")) and not (out / "history.csv.tmp").exists()


def test_a_source_that_can_never_be_read_fails_the_run_before_any_request(
    standin: StandIn, tmp_path: Path
) -> None:
    utf16 = tmp_path / "utf16.md"
    utf16.write_bytes("# List\n".encode("utf-16"))
    state = enrich_lists(
        params=params_for(standin, tmp_path, lists=[str(utf16)]), return_state=True
    )
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, InputError) and "is UTF-16 text" in str(error)
    assert standin.requests == []
    assert not (tmp_path / "out" / "snapshots").exists()
