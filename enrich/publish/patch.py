"""Suggested fixes as files: a patch a maintainer applies with git, and a note that explains it.

For each list read, a snapshot holds ``lists/<slug>.patch`` and ``lists/<slug>.fixes.md``
(:func:`list_patch`), made from the fixes :func:`enrich.papers.fixes.suggest_fixes` found:

- the patch is a unified diff (:mod:`difflib`) of the text that was read (the version in the
  manifest) against that text with the fixes applied, with three lines of context. Its file is
  the list's file in its repository (:func:`patch_path`), as ``a/PATH`` and ``b/PATH``, so that
  ``git apply`` (or ``patch -p1``) applies it from the repository root. It is empty when there
  is nothing to fix. It changes only the lines of the fixes, and in them only the fixed spans.
- the note (markdown, usable as a pull-request description) lists every change with its line,
  the old and new text and the evidence, then the flagged rows left as they are, and why.

Nothing is ever written to the list itself.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from enrich.contract import ListPatch
from enrich.lists.read import DEFAULT_README, parse_github_spec
from enrich.models import ListInfo
from enrich.papers.fixes import Fix, FixKind, ListFixes, split_lines

__all__ = [
    "CONTEXT_LINES",
    "DEMO_WARNING",
    "list_patch",
    "patch_path",
    "render_notes",
    "render_patch",
]

#: Lines of context around each change, as ``git diff`` gives.
CONTEXT_LINES = 3
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")
_NO_NEWLINE = "\\ No newline at end of file\n"
_KIND_WORDS = {
    FixKind.LINK: ("link to the paper the row names", "links to the paper the row names"),
    FixKind.MALFORMED_LINK: ("malformed link repaired", "malformed links repaired"),
    FixKind.VENUE: ("venue updated", "venues updated"),
}


def patch_path(info: ListInfo) -> str:
    """The list's file in its repository, as the patch names it (``a/`` and ``b/`` added).

    ``github:OWNER/REPO[@REF][:PATH]`` gives ``PATH`` (``README.md`` by default); a GitHub page or
    raw URL gives the path after its ref (``README.md`` for a repository's page); another URL
    its last path segment; a file path its file name (the patch applies in the directory that
    holds the file, e.g. the root of the repository the file is the README of).
    """
    source = info.source.strip()
    if source.startswith("github:"):
        return parse_github_spec(source).path
    if re.match(r"^https?://", source, re.IGNORECASE):
        parts = urlsplit(source)
        host = (parts.hostname or "").lower()
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if host in ("github.com", "www.github.com"):
            if len(segments) > 4 and segments[2] in ("blob", "raw"):
                return "/".join(segments[4:])
            return DEFAULT_README
        if host == "raw.githubusercontent.com" and len(segments) > 3:
            return "/".join(segments[3:])
        return segments[-1] if segments else DEFAULT_README
    return PurePosixPath(source.replace("\\", "/")).name or DEFAULT_README


def list_patch(info: ListInfo, text: str, fixes: ListFixes, *, demo: bool = False) -> ListPatch:
    """The patch and the note of one list's fixes; ``demo``: the evidence comes from the
    bundled stand-in (the note says so first)."""
    path = patch_path(info)
    return ListPatch(
        patch=render_patch(text, fixes, path),
        notes=render_notes(info, text, fixes, path, demo=demo),
    )


def render_patch(text: str, fixes: ListFixes, path: str) -> str:
    """A unified diff of ``text`` against ``text`` with ``fixes`` applied; "" when no fix.

    Each group of changed lines (closer than twice the context) is diffed on its own window of
    the text, so the time is linear in the size of the list, and no line but the changed ones
    can appear as removed or added.
    """
    lines = split_lines(text)
    changed = fixes.changed_lines(lines)
    if not changed:
        return ""
    old = _with_line_ends(lines)
    new = list(old)
    for number, line in changed.items():
        new[number - 1] = line + ("\n" if old[number - 1].endswith("\n") else "")
    out = [f"--- a/{path}\n", f"+++ b/{path}\n"]
    for start, stop in _windows(sorted(changed), len(old)):
        hunk = difflib.unified_diff(old[start:stop], new[start:stop], n=CONTEXT_LINES)
        for line in list(hunk)[2:]:  # the window's own ---/+++ header
            header = _HUNK_HEADER.match(line)
            if header:
                line = (
                    f"@@ -{int(header.group(1)) + start}{header.group(2) or ''} "
                    f"+{int(header.group(3)) + start}{header.group(4) or ''} @@\n"
                )
            out.append(line if line.endswith("\n") else f"{line}\n{_NO_NEWLINE}")
    return "".join(out)


def _with_line_ends(lines: Sequence[str]) -> list[str]:
    """The lines of :func:`split_lines` with their ``\\n`` again (none after the last one: the
    text either ends with ``\\n``, whose empty remainder is no line, or has no final newline)."""
    ended = [f"{line}\n" for line in lines[:-1]]
    if lines and lines[-1]:
        ended.append(lines[-1])
    return ended


def _windows(changed: Sequence[int], total: int) -> list[tuple[int, int]]:
    """0-based [start, stop) windows around the changed 1-based line numbers, one per hunk."""
    groups: list[list[int]] = []
    for number in changed:
        if groups and number - groups[-1][-1] <= 2 * CONTEXT_LINES:
            groups[-1].append(number)
        else:
            groups.append([number])
    return [
        (max(0, group[0] - 1 - CONTEXT_LINES), min(total, group[-1] + CONTEXT_LINES))
        for group in groups
    ]


# --------------------------------------------------------------------------- the note


#: What the note of fixes found with the bundled stand-in says first.
DEMO_WARNING = (
    "**Demo data**: this evidence comes from the bundled stand-in of arXiv and Semantic "
    "Scholar, not from the services. Do not open a pull request from it."
)


def render_notes(
    info: ListInfo, text: str, fixes: ListFixes, path: str, *, demo: bool = False
) -> str:
    """The note of one list's fixes, as markdown (see the module docstring)."""
    patch_name = f"{info.name}.patch"
    out = [f"# Suggested fixes: {info.title or info.name}", ""]
    if demo:
        out += [DEMO_WARNING, ""]
    read = f"`{path}` of `{info.source}`"
    if info.version:
        read += f", version `{info.version}` (sha256 of the text read)"
    if info.fallback:
        read += ", read from the bundled copy because the source could not be read"
    out += [f"List: {read}.", ""]
    if fixes.skipped:
        out += [f"No patch: {fixes.skipped}.", ""]
    elif fixes.fixes:
        counts = Counter(fix.kind for fix in fixes.fixes)
        kinds = ", ".join(
            f"{counts[kind]} {_KIND_WORDS[kind][counts[kind] != 1]}"
            for kind in FixKind
            if counts[kind]
        )
        out += [
            f"{_plural(len(fixes.fixes), 'change')} ({kinds}), each explained below with its "
            f"evidence. The patch (`{patch_name}` in a snapshot) applies them from the "
            "repository root: `git apply PATCH` or `patch -p1 < PATCH`. Nothing was written to "
            "the list itself.",
            "",
        ]
    else:
        out += [
            "No change suggested: the patch is empty. Nothing the checks found could be fixed "
            "on strong evidence.",
            "",
        ]
    if fixes.fixes:
        out += ["## Changes", ""]
        lines = split_lines(text)
        changed = fixes.changed_lines(lines)
        by_line: dict[int, list[Fix]] = {}
        for fix in fixes.fixes:
            by_line.setdefault(fix.line, []).append(fix)
        for number, line_fixes in by_line.items():
            out += _line_section(number, line_fixes, lines[number - 1], changed[number])
    if fixes.remarks:
        out += [
            f"## Reported, not changed ({len(fixes.remarks)})",
            "",
            "| line | row | flag | why no change |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {r.line} | {_cell(r.title)} | {r.flag.value} | {_cell(r.reason)} |"
            for r in fixes.remarks
        ]
        out.append("")
    return "\n".join(out)


def _line_section(number: int, fixes: Sequence[Fix], before: str, after: str) -> list[str]:
    what = "; ".join(dict.fromkeys(_KIND_WORDS[fix.kind][0] for fix in fixes))
    out = [f"### Line {number}: {what}", "", f"Row: {_quoted(fixes[0].title)}", ""]
    for fix in fixes:
        out += [f"- old: {_code(fix.old)}", f"- new: {_code(fix.new)}", "- evidence:"]
        out += [f"  - {sentence}" for sentence in fix.evidence]
    fence = "`" * max(3, _longest_backtick_run(before + after) + 1)
    out += [
        "",
        f"{fence}diff",
        f"-{before.rstrip(chr(13))}",
        f"+{after.rstrip(chr(13))}",
        fence,
        "",
    ]
    return out


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _code(text: str) -> str:
    """``text`` as inline code, whatever backticks it holds."""
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _quoted(title: str) -> str:
    return f'"{title}"' if title else "(no title)"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
