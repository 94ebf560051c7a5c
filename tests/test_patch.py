"""Suggested fixes as files (enrich.publish.patch): the patch applies with the real ``git apply``
to the text that was read and changes nothing else; the note explains every change. On the seed
and hand-checked lists: the known fixes are in the patches, no correct row is changed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from truth_lists import LISTS, WRONG_ROW, TruthRun

from enrich.contract import FlagKind
from enrich.lists.config import DEFAULT_LISTS
from enrich.models import ListInfo
from enrich.papers.fixes import Fix, FixKind, ListFixes, Remark, split_lines
from enrich.pipeline import run_enrichment
from enrich.publish.patch import (
    DEMO_WARNING,
    list_patch,
    patch_path,
    render_notes,
    render_patch,
)
from enrich.settings import Settings

LINES = [f"line {n}" for n in range(1, 21)]
TEXT = "\n".join(LINES) + "\n"


def info(source: str = "github:owner/repo", name: str = "repo") -> ListInfo:
    return ListInfo(source=source, name=name, title="Awesome Things", version="0" * 64)


def fix(line: int, old: str, new: str, *, text: str = TEXT, kind: FixKind = FixKind.LINK) -> Fix:
    column = split_lines(text)[line - 1].index(old)
    return Fix(
        kind=kind,
        position=line,
        line=line,
        column=column,
        old=old,
        new=new,
        title=f"Paper {line}",
        evidence=[f"evidence for line {line}"],
    )


def git_apply(tmp_path: Path, path: str, text: str, patch: str) -> str:
    """Apply ``patch`` with git from the root of a repository holding ``text`` at ``path``
    (``patch -p1 --dry-run`` first, when installed); the patched text."""
    repo = tmp_path / "repo"
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode("utf-8"))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    patch_file = tmp_path / "fixes.patch"
    patch_file.write_bytes(patch.encode("utf-8"))
    if shutil.which("patch"):  # GNU patch reads it too
        dry = ["patch", "-p1", "--dry-run", "-i", str(patch_file)]
        done = subprocess.run(dry, cwd=repo, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    for args in (["--check"], []):
        done = subprocess.run(
            ["git", "apply", *args, str(patch_file)], cwd=repo, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    return target.read_bytes().decode("utf-8")


def changed_line_numbers(patch: str) -> set[int]:
    """Line numbers of the old text that the patch removes (hunk by hunk)."""
    removed: set[int] = set()
    number = 0
    for line in patch.splitlines():
        header = re.match(r"^@@ -(\d+)", line)
        if header:
            number = int(header.group(1))
        elif line.startswith("---") or line.startswith("+++") or line.startswith("\\"):
            continue
        elif line.startswith("-"):
            removed.add(number)
            number += 1
        elif line.startswith(" "):
            number += 1
    return removed


# --------------------------------------------------------------------------- patch_path


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("github:owner/repo", "README.md"),
        ("github:owner/repo@main", "README.md"),
        ("github:owner/repo@v1:docs/papers.md", "docs/papers.md"),
        ("https://github.com/owner/repo", "README.md"),
        ("https://github.com/owner/repo/blob/main/lists/AI.md", "lists/AI.md"),
        ("https://raw.githubusercontent.com/owner/repo/HEAD/README.md", "README.md"),
        ("https://example.org/lists/papers.md", "papers.md"),
        ("lists/awesome.md", "awesome.md"),
        ("/abs/path/README.md", "README.md"),
    ],
)
def test_the_patch_names_the_list_file_in_its_repository(source: str, path: str) -> None:
    assert patch_path(info(source)) == path


# --------------------------------------------------------------------------- render_patch


def test_nothing_to_fix_is_an_empty_patch() -> None:
    assert render_patch(TEXT, ListFixes(), "README.md") == ""


def test_the_patch_applies_with_git_and_changes_only_the_fixed_spans(tmp_path: Path) -> None:
    fixes = ListFixes(
        fixes=[
            fix(1, "line 1", "LINE one"),
            fix(5, "5", "five"),
            fix(9, "9", "nine"),
            fix(20, "20", "twenty"),
        ]
    )
    patch = render_patch(TEXT, fixes, "docs/list.md")
    assert patch.startswith("--- a/docs/list.md\n+++ b/docs/list.md\n@@ -1,12 +1,12 @@\n")
    assert patch.count("@@ -") == 2  # 1, 5 and 9 are close enough for one hunk; 20 is alone
    assert changed_line_numbers(patch) == {1, 5, 9, 20}
    expected = LINES.copy()
    expected[0], expected[4], expected[8], expected[19] = (
        "LINE one",
        "line five",
        "line nine",
        "line twenty",
    )
    assert git_apply(tmp_path, "docs/list.md", TEXT, patch) == "\n".join(expected) + "\n"


def test_a_text_without_final_newline_and_with_crlf_lines_is_patched_as_it_is(
    tmp_path: Path,
) -> None:
    text = "intro\r\n\r\n- [A](https://x/1)\r\n- [B](https://x/2)"
    fixes = ListFixes(fixes=[fix(4, "https://x/2", "https://x/3", text=text)])
    patch = render_patch(text, fixes, "README.md")
    assert patch.endswith("+- [B](https://x/3)\n\\ No newline at end of file\n")
    assert git_apply(tmp_path, "README.md", text, patch) == text.replace("x/2", "x/3")


def test_a_list_of_ten_thousand_lines_gets_small_hunks(tmp_path: Path) -> None:
    lines = [f"- [Paper {n}](https://arxiv.org/abs/2401.{n:05d}) | arXiv |" for n in range(10_000)]
    text = "\n".join(lines) + "\n"
    fixes = ListFixes(
        fixes=[fix(n, "arXiv", "ICML", text=text, kind=FixKind.VENUE) for n in (2, 5000, 9999)]
    )
    patch = render_patch(text, fixes, "README.md")
    assert changed_line_numbers(patch) == {2, 5000, 9999}
    hunks = re.findall(r"^@@ -(\d+),(\d+) ", patch, re.MULTILINE)
    assert hunks == [("1", "5"), ("4997", "7"), ("9996", "5")]  # 3 lines of context, no more
    git_apply(tmp_path, "README.md", text, patch)


# --------------------------------------------------------------------------- the note


def test_the_note_explains_every_change_and_every_row_left_as_it_is() -> None:
    fixes = ListFixes(
        fixes=[fix(3, "3", "three"), fix(3, "line", "LINE", kind=FixKind.VENUE)],
        remarks=[Remark(flag=FlagKind.DUPLICATE, position=7, line=7, title="A | B", reason="kept")],
    )
    notes = render_notes(info(), TEXT, fixes, "README.md")
    assert "2 changes (1 link to the paper the row names, 1 venue updated)" in notes
    assert "### Line 3: link to the paper the row names; venue updated" in notes
    assert "- old: `3`\n- new: `three`\n- evidence:\n  - evidence for line 3" in notes
    assert "```diff\n-line 3\n+LINE three\n```" in notes
    assert "| 7 | A \\| B | duplicate | kept |" in notes
    assert "`" + "0" * 64 + "`" in notes  # the version the patch applies to


def test_the_note_of_a_list_with_nothing_to_fix_says_so() -> None:
    notes = render_notes(info(), TEXT, ListFixes(), "README.md")
    assert "No change suggested: the patch is empty." in notes
    assert "## Changes" not in notes


def test_text_with_backticks_stays_code_in_the_note() -> None:
    text = "see ```code``` [x](https://x/1)\n"
    notes = render_notes(
        info(), text, ListFixes(fixes=[fix(1, "https://x/1", "https://x/2", text=text)]), "R.md"
    )
    assert "````diff\n-see ```code``` [x](https://x/1)\n" in notes


def test_list_patch_is_the_patch_and_the_note_which_says_demo_data_first() -> None:
    fixes = ListFixes(fixes=[fix(2, "2", "two")])
    made = list_patch(info("github:owner/repo:papers.md"), TEXT, fixes)
    assert made.patch == render_patch(TEXT, fixes, "papers.md")
    assert made.notes == render_notes(info("github:owner/repo:papers.md"), TEXT, fixes, "papers.md")
    assert DEMO_WARNING not in made.notes
    demo = list_patch(info("github:owner/repo:papers.md"), TEXT, fixes, demo=True)
    assert demo.patch == made.patch
    assert demo.notes.splitlines()[2] == DEMO_WARNING


# --------------------------------------------------------------------------- real lists


def _truth_rows(truth_run: TruthRun, stem: str) -> dict[int, set[str]]:
    truth = next(t for t in truth_run.truths if Path(t["file"]).stem == stem)
    return {row["line"]: {flag.split(":")[0] for flag in row["flags"]} for row in truth["entries"]}


def test_every_hand_checked_list_gets_a_patch_that_git_applies(
    truth_run: TruthRun, tmp_path: Path
) -> None:
    for stem in truth_run.lists:
        slug = truth_run.slug(stem)
        source = next(LISTS.glob(f"{stem}.*"))
        text = source.read_bytes().decode("utf-8")
        made = truth_run.snapshot.patches[slug]
        written = (truth_run.snapshot_dir / "lists" / f"{slug}.patch").read_bytes().decode()
        assert written == made.patch, slug
        fixes = next(m.fixes for m in truth_run.snapshot.manifest.lists if m.name == slug)
        assert fixes == made.notes.count("\n- old: "), slug
        if not made.patch:
            assert fixes == 0 and "No change suggested" in made.notes, slug
            continue
        patched = git_apply(tmp_path / slug, source.name, text, made.patch)
        before, after = split_lines(text), split_lines(patched)
        assert len(before) == len(after), slug
        changed = {n + 1 for n, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}
        assert changed == changed_line_numbers(made.patch), slug


def test_the_known_fixes_are_in_the_patches_of_the_seed_and_full_lists(truth_run: TruthRun) -> None:
    swapped_and_malformed = {
        # list: (JetMoE row, QMoE-titled row, malformed row)
        "001_6649f24848fe5dce": (91, 80, 41),
        "arpita8__Mixture-of-Experts-Papers": (100, 89, 50),
    }
    for stem, (jetmoe, qmoe, malformed) in swapped_and_malformed.items():
        patch = truth_run.snapshot.patches[truth_run.slug(stem)].patch
        removed = changed_line_numbers(patch)
        assert {jetmoe, qmoe, malformed} <= removed, stem
        added = [
            line[1:]
            for line in patch.splitlines()
            if line.startswith("+") and not line.startswith("+++")
        ]
        assert any("[JetMoE: Reaching" in line and "abs/2404.07413)" in line for line in added)
        assert any("| MoLE | [QMoE:" in line and "abs/2310.16795)" in line for line in added)
        assert any(
            "| MLLMs |" in line and "(https://arxiv.org/abs/2404.08452)" in line for line in added
        )
        # at least one venue: MoEBERT's arXiv is NAACL (Semantic Scholar's venue, and its DOI)
        assert any("[MoEBERT:" in line and "| NAACL |" in line for line in added), stem
    notes = truth_run.snapshot.patches[truth_run.slug("001_6649f24848fe5dce")].notes
    assert "DOI of the published version: 10.18653/v1/2022.naacl-main.116" in notes


def _changes(notes: str) -> dict[int, str]:
    """Line -> what the note says was changed on it ("link to the paper the row names", ...)."""
    return {int(n): what for n, what in re.findall(r"^### Line (\d+): (.+)$", notes, re.MULTILINE)}


def test_only_rows_the_truth_finds_wrong_are_changed_and_nothing_to_fix_is_an_empty_patch(
    truth_run: TruthRun,
) -> None:
    kinds: dict[str, int] = {}
    for stem in truth_run.lists:
        rows = _truth_rows(truth_run, stem)
        made = truth_run.snapshot.patches[truth_run.slug(stem)]
        changes = _changes(made.notes)
        assert set(changes) == changed_line_numbers(made.patch), stem
        for line, what in changes.items():
            flags = rows.get(line, set())
            if "link to the paper the row names" in what:
                assert WRONG_ROW & flags, f"{stem}:{line} relinked, but the truth finds it right"
            if "malformed link repaired" in what:
                assert "malformed_url" in flags, f"{stem}:{line}"
            if "venue updated" in what:
                old = split_lines((LISTS / next(LISTS.glob(f"{stem}.*")).name).read_text())[
                    line - 1
                ]
                assert re.search(r"\barXiv\b", old), f"{stem}:{line}"
            for kind in what.split("; "):
                kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds == {
        "link to the paper the row names": 5,  # 2 + 2 swapped JetMoE/QMoE, 1 codecaution
        "malformed link repaired": 2,
        "venue updated": 7,
    }
    assert truth_run.snapshot.patches[truth_run.slug("coree__awesome-rag")].patch == ""
    assert truth_run.snapshot.patches[truth_run.slug("000_9cd65308fa97601f")].patch == ""


# --------------------------------------------------------------------------- the README's example

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_example_is_what_a_run_writes(settings: Settings, tmp_path: Path) -> None:
    """The maintainers' section of the README shows a hunk and excerpts of the note of a run
    of the default lists against the stand-in with GitHub out of reach: they are real output."""
    section = README.read_text(encoding="utf-8").split("## For list maintainers", 1)[1]
    hunk = re.search(r"```diff\n(--- a/README.md\n.*?)```\n", section, re.DOTALL)
    note = re.search(r"````markdown\n(.*?)````\n", section, re.DOTALL)
    assert hunk is not None and note is not None
    offline = settings.model_copy(
        update={"github_raw_url": "http://127.0.0.1:9", "list_read_retry_delay_seconds": 0}
    )
    made = run_enrichment(list(DEFAULT_LISTS), tmp_path / "out", offline).snapshot.patches
    arpita = made["arpita8-mixture-of-experts-papers"]
    header, body = hunk.group(1).split("@@ -88,7 +88,7 @@\n")
    assert arpita.patch.startswith(header) and f"@@ -88,7 +88,7 @@\n{body}" in arpita.patch
    notes = arpita.notes.splitlines()
    assert [line for line in note.group(1).splitlines() if line not in notes] == []
