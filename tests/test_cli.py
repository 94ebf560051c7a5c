"""The ``enrich`` command line (one section per command)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.cli import EXIT_BAD_INPUT, app

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
