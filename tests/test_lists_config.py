"""lists.toml parsing, the default lists and the bundled fallback copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from enrich.errors import InputError
from enrich.lists.config import (
    DEFAULT_LISTS,
    ListSpec,
    bundled_list_path,
    bundled_names,
    load_lists_file,
    resolve_list_specs,
)
from enrich.lists.read import list_slug, read_list
from enrich.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SUPERBRUCE = "github:SuperBruceJia/Awesome-Mixture-of-Experts"
ARPITA = "github:arpita8/Mixture-of-Experts-Papers"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_repository_lists_toml_names_the_two_seed_lists_with_bundled_copies() -> None:
    specs = load_lists_file(REPO_ROOT / "lists.toml")
    assert [spec.source for spec in specs] == [SUPERBRUCE, ARPITA]
    # The built-in defaults (used where no lists.toml exists) must not drift from the file.
    assert specs == list(DEFAULT_LISTS)
    for spec in specs:
        path = spec.bundled_path()
        assert path is not None and path.is_file()


def test_bundled_copies_are_readable_lists_named_like_their_upstream() -> None:
    assert bundled_names() == [
        "SuperBruceJia__Awesome-Mixture-of-Experts.md",
        "arpita8__Mixture-of-Experts-Papers.md",
    ]
    titles = {}
    for spec in DEFAULT_LISTS:
        assert spec.bundled is not None
        text = read_list(str(bundled_list_path(spec.bundled)), Settings.from_env({}))
        # A path source is named after its file; the bundled file names keep the upstream slug.
        assert text.info.name == list_slug(spec.source)
        titles[spec.source] = text.text.splitlines()[0]
    assert titles == {
        SUPERBRUCE: "# Awesome Mixture of Experts (MoE)",
        ARPITA: "# Mixture-of-Experts-Papers",
    }


def test_relative_path_sources_are_resolved_against_the_lists_file(tmp_path: Path) -> None:
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    lists_file = write(
        config_dir / "lists.toml",
        '[[list]]\nsource = "mine/list.md"\n\n'
        '[[list]]\nsource = "https://example.org/README.md"\n\n'
        f'[[list]]\nsource = "{ARPITA}"\nbundled = "arpita8__Mixture-of-Experts-Papers.md"\n',
    )
    specs = load_lists_file(lists_file)
    assert specs == [
        ListSpec(source=str(config_dir / "mine" / "list.md")),
        ListSpec(source="https://example.org/README.md"),
        ListSpec(source=ARPITA, bundled="arpita8__Mixture-of-Experts-Papers.md"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[list]\nsource = 'x'", "not valid TOML"),
        ("", "list: Field required"),
        ("list = []", "at least 1 item"),
        ("[[list]]\nbundled = 'x'", "list.0.source: Field required"),
        ("[[list]]\nsource = '  '", "source must not be empty"),
        ("[[list]]\nsource = 'a.md'\nurl = 'x'", "list.0.url: Extra inputs are not permitted"),
        ("[[list]]\nsource = 'a.md'\nbundled = 'nope.md'", "no bundled copy named 'nope.md'"),
        ("[[list]]\nsource = 'a.md'\nbundled = '../lists.toml'", "plain file name"),
        ("[[list]]\nsource = 'a.md'\n[[list]]\nsource = 'a.md'", "'a.md' is given twice"),
    ],
)
def test_bad_lists_files_are_input_errors_naming_file_and_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    lists_file = write(tmp_path / "lists.toml", text)
    with pytest.raises(InputError) as raised:
        load_lists_file(lists_file)
    message = str(raised.value)
    assert str(lists_file) in message
    assert problem in message


def test_missing_lists_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"lists file .*nope\.toml does not exist"):
        resolve_list_specs(None, tmp_path / "nope.toml")


def test_sources_given_keep_the_bundled_copy_of_the_same_configured_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./lists.toml here: the built-in defaults apply
    specs = resolve_list_specs([ARPITA, "local.md", ARPITA, " local.md "])
    assert specs == [
        ListSpec(source=ARPITA, bundled="arpita8__Mixture-of-Experts-Papers.md"),
        ListSpec(source="local.md"),
    ]


def test_two_lists_that_would_share_a_slug_are_refused_before_anything_is_read(
    tmp_path: Path,
) -> None:
    first, second = str(tmp_path / "a" / "README.md"), str(tmp_path / "b" / "README.md")
    with pytest.raises(InputError, match=r"would both be named 'readme'") as raised:
        resolve_list_specs([first, second])
    assert first in str(raised.value) and second in str(raised.value)
    lists_file = write(
        tmp_path / "lists.toml",
        f"[[list]]\nsource = '{SUPERBRUCE}'\n[[list]]\nsource = '{SUPERBRUCE}@dev'\n",
    )
    with pytest.raises(InputError, match="superbrucejia-awesome-mixture-of-experts"):
        resolve_list_specs(None, lists_file)


def test_default_lists_come_from_the_working_directory_lists_toml_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_list_specs() == list(DEFAULT_LISTS)
    write(tmp_path / "lists.toml", '[[list]]\nsource = "only.md"\n')
    assert resolve_list_specs() == [ListSpec(source="only.md")]
    # Named by an absolute path, its relative sources become absolute too.
    assert resolve_list_specs([], tmp_path / "lists.toml") == [
        ListSpec(source=str(tmp_path / "only.md"))
    ]
