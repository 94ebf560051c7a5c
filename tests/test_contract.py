"""The output contract: committed JSON Schemas match the models, are strict, and every field
is documented for consumers in outputs/README.md."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from paper_builders import SCHEMA_DIR, entry, extracted, run_input, validate_snapshot_dir
from pydantic import BaseModel
from typer.testing import CliRunner

from enrich.cli import app
from enrich.contract import (
    HISTORY_COLUMNS,
    PAPER_TABLE_COLUMNS,
    SCHEMA_FILES,
    Appearance,
    Counts,
    EntryRef,
    FieldSource,
    Flag,
    FlagKind,
    ListChanges,
    ListEntry,
    ListFailure,
    ListFile,
    Manifest,
    ManifestList,
    PaperIds,
    PaperRecord,
    dump_json,
    json_schemas,
    papers_from_json,
    papers_json,
    papers_json_bytes,
    papers_to_jsonable,
)
from enrich.lists.extract import extract_list
from enrich.lists.read import read_list
from enrich.models import Author, Link, ListInfo, SourceHealth
from enrich.publish.snapshot import build_snapshot
from enrich.publish.write import write_snapshot
from enrich.settings import Settings

README = SCHEMA_DIR.parent / "README.md"
DOCUMENTED_MODELS: list[type[BaseModel]] = [
    Manifest,
    ManifestList,
    ListFailure,
    SourceHealth,
    Counts,
    PaperRecord,
    PaperIds,
    Author,
    FieldSource,
    Appearance,
    ListFile,
    ListInfo,
    ListChanges,
    ListEntry,
    Link,
    Flag,
    EntryRef,
]


def test_committed_schemas_match_the_models() -> None:
    generated = json_schemas()
    assert sorted(generated) == sorted(SCHEMA_FILES)
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(SCHEMA_FILES)
    for name, schema in generated.items():
        committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert committed == dump_json(schema), (
            f"outputs/schema/{name} is out of date: run `enrich schema --out outputs/schema`"
        )


def test_the_schema_command_writes_the_committed_files(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(app, ["schema", "--out", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    for name in SCHEMA_FILES:
        assert (tmp_path / name).read_bytes() == (SCHEMA_DIR / name).read_bytes()


def test_written_files_validate_and_the_schemas_are_strict(tmp_path: Path) -> None:
    lists = [extracted("a", entry("a", 1, "Mixtral of Experts", arxiv=["2401.04088"]))]
    path = write_snapshot(build_snapshot(run_input("run-1", lists), None), tmp_path)
    assert validate_snapshot_dir(path) == ["manifest.json", "papers.json", "lists/a.json"]

    schema = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text(encoding="utf-8"))
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError, match="unexpected"):
        jsonschema.validate({**manifest, "unexpected": 1}, schema)
    with pytest.raises(jsonschema.ValidationError, match="'bogus' is not one of"):
        jsonschema.validate({**manifest, "status": "bogus"}, schema)
    del manifest["run_id"]
    with pytest.raises(jsonschema.ValidationError, match="'run_id' is a required property"):
        jsonschema.validate(manifest, schema)


def _documented_names() -> set[str]:
    return set(re.findall(r"`([a-z_0-9]+)`", README.read_text(encoding="utf-8")))


@pytest.mark.parametrize("model", DOCUMENTED_MODELS, ids=lambda m: m.__name__)
def test_every_field_is_documented_for_consumers(model: type[BaseModel]) -> None:
    names = {field.alias or name for name, field in model.model_fields.items()}
    missing = sorted(names - _documented_names())
    assert not missing, f"outputs/README.md does not document {model.__name__}: {missing}"


def test_every_table_column_and_flag_is_documented() -> None:
    documented = _documented_names()
    assert not set(PAPER_TABLE_COLUMNS) - documented
    assert not set(HISTORY_COLUMNS) - documented
    assert not {kind.value for kind in FlagKind} - documented


def test_papers_json_built_paper_by_paper_is_the_text_of_the_whole_list(tmp_path: Path) -> None:
    """papers_json (one paper at a time, for memory) writes what dump_json of the list would."""
    lists = [
        extracted(
            "alpha",
            entry("alpha", 1, "Ünïcode Paper – “quoted”\tand a tab", arxiv=["2402.00002"]),
            entry("alpha", 2, "Second Paper", doi=["10.1000/x"], year="2024"),
            entry("alpha", 3, "A CVF paper", paper_urls=["https://thecvf.com/a.pdf"]),
        )
    ]
    papers = build_snapshot(run_input("20260101T000000Z", lists), None).papers
    assert len(papers) == 3
    assert papers_json(papers) == dump_json(papers_to_jsonable(papers))
    assert papers_json(papers[:1]) == dump_json(papers_to_jsonable(papers[:1]))
    assert papers_json([]) == dump_json([]) == "[]\n"


def _paper_of_every_value_kind(citations: int) -> PaperRecord:
    """A record with dates, times (UTC with and without microseconds, another offset, naive),
    enums, nulls, nested models and non-ASCII text: each kind of value papers.json holds."""
    paris = dt.timezone(dt.timedelta(hours=2))
    return PaperRecord.model_validate(
        {
            "paper_id": "arxiv:2402.00002",
            "aliases": ["doi:10.48550/arxiv.2402.00002"],
            "kind": "paper",
            "ids": {"arxiv": ["2402.00002"], "s2": ["abc"]},
            "title": "Ünïcode “quoted” \u2028 paper",
            "authors": [{"name": "A. Author", "affiliations": ["Lab"], "s2_id": "1"}],
            "year": 2024,
            "publication_status": "published",
            "venue": "NeurIPS",
            "publication_date": dt.date(2024, 12, 10),
            "arxiv_published": dt.date(2024, 2, 1),
            "citation_count": citations,
            "lookups": {"arxiv": "ok", "s2": "failed"},
            "sources": {
                "title": {
                    "source": "arxiv",
                    "fetched_at": dt.datetime(2026, 1, 2, 3, 4, 5, 6, dt.UTC),
                },
                "year": {
                    "source": "arxiv",
                    "fetched_at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
                },
                "venue": {
                    "source": "s2",
                    "fetched_at": dt.datetime(2026, 1, 2, 3, 4, tzinfo=paris),
                },
                "citation_count": {
                    "source": "s2",
                    "fetched_at": "2026-01-02T03:04:05",
                    "stale": True,
                },
                "kind": {"source": "list"},
            },
            "appearances": [{"list_name": "alpha", "position": 1, "line": 3, "title": "T"}],
        }
    )


def test_papers_json_writes_every_kind_of_value_as_pydantic_json_mode() -> None:
    """papers_json dumps in python mode and lets orjson write dates, times and enums: the text
    must be pydantic's JSON mode all the same."""
    papers = [_paper_of_every_value_kind(12), _paper_of_every_value_kind(7)]
    expected = dump_json(papers_to_jsonable(papers))
    assert papers_json(papers) == expected
    assert papers_json_bytes(papers) == expected.encode("utf-8")


class _PricedPaper(PaperRecord):
    price: Decimal  # a value orjson cannot write: pydantic's JSON mode writes it as a string


def test_papers_json_falls_back_to_json_mode_for_a_value_orjson_cannot_write() -> None:
    plain = _paper_of_every_value_kind(12)
    priced = _PricedPaper(**dict(plain), price=Decimal("1.50"))
    papers = [plain, priced]
    expected = dump_json([paper.model_dump(mode="json", by_alias=True) for paper in papers])
    assert papers_json(papers) == expected
    assert '"price": "1.50"' in expected


def test_papers_read_back_share_equal_field_provenances(tmp_path: Path) -> None:
    lists = [
        extracted(
            "alpha",
            entry("alpha", 1, "First Paper", arxiv=["2402.00001"]),
            entry("alpha", 2, "Second Paper", arxiv=["2402.00002"]),
        )
    ]
    papers = build_snapshot(run_input("20260101T000000Z", lists), None).papers
    read = papers_from_json(papers_json(papers))
    assert read == papers
    sources = [origin for paper in read for origin in paper.sources.values()]
    assert len({id(origin) for origin in sources}) == len(set(sources)) < len(sources)
    # Outside papers_from_json nothing is shared.
    again = FieldSource.model_validate_json(sources[0].model_dump_json())
    assert again == sources[0] and again is not sources[0]


def test_dump_json_is_the_standard_library_text_sorted_and_indented() -> None:
    """dump_json (orjson, for speed) must write exactly what json.dumps would: stable diffs."""
    import json

    data = {"b": [1, 2.5, None, True], "a": {"é": "naïve — ok", "z": [], "y": {}}, "c": "x\ny"}
    expected = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert dump_json(data) == expected


def test_one_shape_per_concept_in_enrich_extract_list_files_and_papers_json(
    tmp_path: Path,
) -> None:
    """A row's ids, paper links and extraction quirks are written alike by `enrich extract` and
    in lists/<slug>.json; a paper's ids in papers.json have the same shape (plus s2);
    `flags` means the checks' flags wherever it appears."""
    source = str(Path(__file__).parent / "data" / "lists" / "001_6649f24848fe5dce.txt")
    shown = CliRunner().invoke(app, ["extract", source])
    assert shown.exit_code == 0, shown.output
    extracted_doc = json.loads(shown.stdout)

    lists = [extract_list(read_list(source, Settings.from_env({})))]
    path = write_snapshot(build_snapshot(run_input("run-1", lists), None), tmp_path)
    [list_path] = (path / "lists").glob("*.json")
    list_doc = json.loads(list_path.read_text(encoding="utf-8"))
    papers_doc = json.loads((path / "papers.json").read_text(encoding="utf-8"))

    assert extracted_doc["list"] == list_doc["list"]
    assert len(extracted_doc["entries"]) == len(list_doc["entries"])
    for row, listed in zip(extracted_doc["entries"], list_doc["entries"], strict=True):
        shared = (row.keys() & listed.keys()) - {"flags"}
        assert {"ids", "paper_urls", "extraction_flags", "links", "section"} <= shared
        assert {key: row[key] for key in shared} == {key: listed[key] for key in shared}
        assert "flags" not in row  # extraction quirks are extraction_flags everywhere
        assert all(isinstance(flag, dict) for flag in listed["flags"])
    row_id_kinds = set(extracted_doc["entries"][0]["ids"])
    assert papers_doc and all(set(p["ids"]) == row_id_kinds | {"s2"} for p in papers_doc)
    assert all(isinstance(v, list) for p in papers_doc for v in p["ids"].values())
