"""The ``enrich`` command line (one section per command)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.cli import EXIT_BAD_INPUT, EXIT_FAILED, app, notes_path
from enrich.standin import StandIn

DATA = Path(__file__).parent / "data" / "lists"

# =========================================================================== enrich extract


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_extract_json_shape(runner: CliRunner) -> None:
    source = str(DATA / "001_6649f24848fe5dce.txt")
    result = runner.invoke(app, ["extract", source])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["list"]["source"] == source
    assert document["list"]["name"] == "001-6649f24848fe5dce"
    entries = document["entries"]
    assert len(entries) == 44
    required = {"position", "line", "section", "title", "name", "kind", "ids", "links"}
    required |= {"paper_urls", "extraction_flags"}
    for entry in entries:
        assert required <= entry.keys()
        assert set(entry["ids"]) == {"arxiv", "doi", "openreview", "acl"}
        for link in entry["links"]:
            assert set(link) == {"url", "label", "role", "line", "target"}
    second = entries[1]
    assert second["position"] == 2 and second["line"] == 41 and second["name"] == "MLLMs"
    assert second["ids"]["arxiv"] == ["2404.08452"]
    assert "malformed_link" in second["extraction_flags"] and "flags" not in second
    assert second["links"][0]["role"] == "paper"
    # where the malformed target is written, so that a fix can replace it in the text
    assert second["links"][0]["line"] == 41
    assert second["links"][0]["target"] == "https:/FFD/arxiv.org/abs/2404.08452"
    assert second["end_line"] == 41 and second["title_source"] == "link_text"
    audit = document["audit"]
    assert audit["ids_in_text"] == audit["ids_in_entries"] > 0
    assert audit["ids_outside_entries"] == [] and audit["dropped_elements"] == []


def test_extract_json_is_deterministic(runner: CliRunner) -> None:
    source = str(DATA / "coree__awesome-rag.md")
    first = runner.invoke(app, ["extract", source]).stdout
    assert first == runner.invoke(app, ["extract", source]).stdout


def test_extract_table(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["extract", str(DATA / "000_9cd65308fa97601f.txt"), "--format", "table"]
    )
    assert result.exit_code == 0, result.output
    assert "Awesome Mixture of Experts (MoE): 7 entries" in result.stdout
    assert "arxiv:2401.04088" in result.stdout
    assert "Papers / Hard Routers" in result.stdout
    assert "Audit: 6 of 6 paper ids in the text are held by entries" in result.stdout


def test_extract_table_lists_what_the_audit_found(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "list.md"
    source.write_text(
        "# A list\n\nOur survey: [paper](https://arxiv.org/abs/2401.00001).\n\n## Papers\n"
        "- [Mixtral of Experts](https://arxiv.org/abs/2401.04088)\n"
        "- [[pdf]](https://arxiv.org/abs/2401.00002)\n\n"
        "## Citation\n```\n@article{x, url={https://arxiv.org/abs/2401.00003}}\n```\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["extract", str(source), "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "Audit: 2 of 4 paper ids in the text are held by entries" in result.stdout
    assert "arxiv:2401.00001 outside entries" in result.stdout and "list_header" in result.stdout
    assert "arxiv:2401.00003 outside entries" in result.stdout and "citation" in result.stdout
    assert "not title-like: empty" in result.stdout


def test_extract_unknown_format_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["extract", str(DATA / "000_9cd65308fa97601f.txt"), "--format", "csv"]
    )
    assert result.exit_code == EXIT_BAD_INPUT


@pytest.mark.parametrize(
    ("make_source", "fragment"),
    [
        (lambda tmp: str(tmp / "missing.md"), "no such file"),
        (lambda tmp: str(tmp), "is a directory"),
        (lambda tmp: _write(tmp / "bin.md", b"\x00\x01\x02"), "binary"),
        (lambda tmp: _write(tmp / "bad.md", b"caf\xe9"), "not valid UTF-8"),
        (lambda tmp: _write(tmp / "empty.md", b""), "is empty"),
        (lambda tmp: "github:not-a-spec", "not a valid github source"),
        (lambda tmp: "http://[::1", "not a valid URL"),
    ],
)
def test_extract_bad_input_is_one_line_and_exit_2(
    runner: CliRunner, tmp_path: Path, make_source: Callable[[Path], str], fragment: str
) -> None:
    source = make_source(tmp_path)
    result = runner.invoke(app, ["extract", source])
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert source in lines[0] and fragment in lines[0]
    assert "Traceback" not in result.stderr


def _write(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    return str(path)


def test_extract_list_never_seen(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "new-list.md"
    path.write_text(
        "# New List\n\n## 2024\n\n1. [Mixtral of Experts](https://arxiv.org/abs/2401.04088v1)\n"
        "2. **GShard** [[pdf]](https://openreview.net/pdf?id=qrwe7XHTmYb)\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["extract", str(path)])
    assert result.exit_code == 0
    entries = json.loads(result.stdout)["entries"]
    assert [(e["title"], e["section"]) for e in entries] == [
        ("Mixtral of Experts", ["New List", "2024"]),
        ("GShard", ["New List", "2024"]),
    ]
    assert entries[0]["extraction_flags"] == ["arxiv_version:2401.04088v1"]
    assert entries[1]["ids"]["openreview"] == ["qrwe7XHTmYb"]


# =========================================================================== enrich suggest


@pytest.fixture
def standin_env(standin: StandIn, tmp_path: Path) -> dict[str, str]:
    """The environment of a command that asks the stand-in, at no pace, with its own cache."""
    return {
        "ARXIV_API_URL": standin.arxiv_url,
        "S2_API_URL": standin.s2_url,
        "ENRICH_ARXIV_PACE_SECONDS": "0",
        "ENRICH_S2_PACE_SECONDS": "0",
        "ENRICH_CACHE_DIR": str(tmp_path / "cache"),
    }


def test_suggest_writes_a_patch_that_git_applies_and_its_explanation(
    runner: CliRunner, standin_env: dict[str, str], tmp_path: Path
) -> None:
    source = DATA / "001_6649f24848fe5dce.txt"
    out = tmp_path / "fixes.patch"
    result = runner.invoke(app, ["suggest", str(source), "--out", str(out)], env=standin_env)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == (
        f"enrich: 6 suggested fixes for 001-6649f24848fe5dce in {out} "
        f"(explained in {tmp_path / 'fixes.fixes.md'})."
    )
    patch = out.read_text(encoding="utf-8")
    assert patch.startswith("--- a/001_6649f24848fe5dce.txt\n")
    notes = (tmp_path / "fixes.fixes.md").read_text(encoding="utf-8")
    assert "### Line 91: link to the paper the row names" in notes
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / source.name).write_bytes(source.read_bytes())
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    applied = subprocess.run(["git", "apply", "--check", str(out)], cwd=repo, capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert source.read_bytes() == (repo / source.name).read_bytes()  # the list is never written

    # without --out: the same patch on stdout
    printed = runner.invoke(app, ["suggest", str(source)], env=standin_env)
    assert printed.exit_code == 0 and printed.stdout == patch


def test_suggest_for_a_list_with_nothing_to_fix_prints_an_empty_patch(
    runner: CliRunner, standin_env: dict[str, str]
) -> None:
    result = runner.invoke(
        app, ["suggest", str(DATA / "000_9cd65308fa97601f.txt")], env=standin_env
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "0 suggested fixes for 000-9cd65308fa97601f on stdout" in result.stderr


def test_suggest_says_when_lookups_failed_and_still_repairs_links(
    runner: CliRunner, tmp_path: Path
) -> None:
    closed = "http://127.0.0.1:9"
    env = {
        "ARXIV_API_URL": f"{closed}/api/query",
        "S2_API_URL": closed,
        "ENRICH_MAX_ATTEMPTS": "1",
        "ENRICH_BREAKER_THRESHOLD": "1",
        "ENRICH_CACHE_DIR": str(tmp_path / "cache"),
    }
    result = runner.invoke(app, ["suggest", str(DATA / "001_6649f24848fe5dce.txt")], env=env)
    assert result.exit_code == EXIT_FAILED
    assert "+| MLLMs | [MoE-FFD" in result.stdout  # no lookup is needed to repair a link
    assert "lookups incomplete (every lookup failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_suggest_bad_input_is_one_line_and_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.md")
    result = runner.invoke(app, ["suggest", missing])
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.stdout == ""
    assert result.stderr.strip() == f"enrich: {missing}: no such file"
    unwritable = runner.invoke(
        app,
        [
            "suggest",
            str(DATA / "000_9cd65308fa97601f.txt"),
            "--out",
            str(tmp_path / "no" / "x.patch"),
        ],
        env={
            "ARXIV_API_URL": "http://127.0.0.1:9/api/query",
            "S2_API_URL": "http://127.0.0.1:9",
            "ENRICH_MAX_ATTEMPTS": "1",
            "ENRICH_CACHE_DIR": str(tmp_path / "cache"),
        },
    )
    assert unwritable.exit_code == EXIT_BAD_INPUT
    assert "cannot write" in unwritable.stderr


def test_notes_are_written_beside_the_patch() -> None:
    assert notes_path(Path("out/a.patch")) == Path("out/a.fixes.md")
    assert notes_path(Path("out/a.diff")) == Path("out/a.diff.fixes.md")
