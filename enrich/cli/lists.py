"""``enrich extract`` and ``enrich suggest``: one list read, and the fixes suggested for it."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

if TYPE_CHECKING:
    from enrich.lists.extract import StreamedList
    from enrich.models import ExtractedList

from enrich.cli.app import (
    EXIT_BAD_INPUT,
    EXIT_BY_STATUS,
    EXIT_FAILED,
    EXIT_OK,
    NoArxivOption,
    NoS2Option,
    app,
    print_error,
)


class ExtractFormat(StrEnum):
    JSON = "json"
    TABLE = "table"


@app.command()
def extract(
    source: Annotated[
        str,
        typer.Argument(
            help="The list: a file path, an http(s) URL, or github:OWNER/REPO[@REF][:PATH].",
            show_default=False,
        ),
    ],
    output_format: Annotated[
        ExtractFormat, typer.Option("--format", help="json (see docs/extract.md) or table.")
    ] = ExtractFormat.JSON,
) -> None:
    """Print the entries of one awesome list, with their normalized ids.

    Exit status: 0 ok, 2 the source cannot be read (one-line message on stderr).
    """
    from pydantic import ValidationError

    from enrich.errors import InputError
    from enrich.lists.extract import StreamedList, extract_list
    from enrich.lists.read import read_list
    from enrich.settings import Settings, describe_invalid

    try:
        settings = Settings.from_env()
    except ValidationError as error:
        # As EnrichParameters.settings says it for a run: the variable, never the value.
        print_error(f"enrich: invalid setting in the environment: {describe_invalid(error)}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        list_text = read_list(source, settings)
    except InputError as error:
        # typer.echo, not rich: the message stays on one line whatever the terminal width
        typer.echo(f"enrich: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if output_format is ExtractFormat.JSON:
        _write_extracted_json(StreamedList(list_text), sys.stdout)
    else:
        extracted = extract_list(list_text)
        _print_entries_table(extracted)
        _print_audit(extracted)


def _write_extracted_json(extracted: StreamedList, out: TextIO) -> None:
    """The document of docs/extract.md, written entry by entry: the same text as one
    ``json.dumps(..., ensure_ascii=False, indent=2)`` of the whole (a test pins this), without
    holding all of it (a large list's output is ten times its size)."""
    import orjson

    def dump(value: object, indent: str) -> str:
        # orjson writes what json.dumps(value, ensure_ascii=False, indent=2) writes, faster
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
        return text.replace("\n", "\n" + indent)

    info = extracted.info.model_dump(mode="json", by_alias=True)
    out.write('{\n  "list": ' + dump(info, "  ") + ',\n  "entries": [')
    written = 0
    for entry in extracted.entries():
        out.write(
            ("," if written else "")
            + "\n    "
            + dump(entry.model_dump(mode="json", by_alias=True), "    ")
        )
        written += 1
    out.write("\n  ]" if written else "]")
    audit = extracted.audit().model_dump(mode="json")
    out.write(',\n  "audit": ' + dump(audit, "  ") + "\n}\n")


def _print_audit(extracted: ExtractedList) -> None:
    """What extraction could not read: ids outside entries, entries without a title-like title
    or a paper id, text the parser dropped (docs/extract.md, "The audit")."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    audit = extracted.audit
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    console.print(
        f"Audit: {audit.ids_in_entries} of {audit.ids_in_text} paper ids in the text are held "
        f"by entries; {len(audit.ids_outside_entries)} places outside entries, "
        f"{len(audit.titles_not_title_like)} entries without a title-like title, "
        f"{len(audit.entries_without_id)} paper entries without an id, "
        f"{len(audit.dropped_elements)} dropped elements.",
        highlight=False,
    )
    rows: list[tuple[str, str, str]] = [
        (
            str(o.line),
            f"{o.id} outside entries",
            o.reason.value + (f": {o.detail}" if o.detail else ""),
        )
        for o in audit.ids_outside_entries
    ]
    rows += [
        (str(n.line), f"title {n.title!r}", f"not title-like: {n.reason}")
        for n in audit.titles_not_title_like
    ]
    rows += [
        (str(n.line), f"{n.title!r}", f"no paper id: {n.reason}") for n in audit.entries_without_id
    ]
    rows += [(f"{d.line}-{d.end_line}", "text dropped", d.reason) for d in audit.dropped_elements]
    if not rows:
        return
    table = Table(title="audit")
    table.add_column("line", justify="right")
    table.add_column("what", ratio=2, overflow="fold")
    table.add_column("why", ratio=2, overflow="fold")
    for line, what, why in sorted(rows, key=lambda row: int(row[0].split("-")[0])):
        table.add_row(line, Text(what), Text(why))
    console.print(table, highlight=False)


def _print_entries_table(extracted: ExtractedList) -> None:
    """One row per entry, grouped under a row naming each new section."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if not console.is_terminal:  # piped: do not squeeze into 80 columns
        console = Console(width=160)
    info = extracted.info
    table = Table(title=f"{info.title or info.name}: {len(extracted.entries)} entries")
    table.add_column("#", justify="right")
    table.add_column("line", justify="right")
    table.add_column("kind")
    table.add_column("title", ratio=3, overflow="fold")
    table.add_column("ids / flags", ratio=2, overflow="fold")
    section: list[str] | None = None
    for entry in extracted.entries:
        if entry.section != section:
            section = entry.section
            heading = Text(" / ".join(section) or "(no section)", style="bold")
            table.add_row("", "", "", heading, "")
        details = " ".join(entry.ids.paper_ids() + entry.flags) or "-"
        table.add_row(
            str(entry.position), str(entry.line), entry.kind.value, Text(entry.title), Text(details)
        )
    console.print(table, highlight=False)


# --------------------------------------------------------------------------- suggest


def notes_path(patch: Path) -> Path:
    """Where ``enrich suggest --out PATCH`` writes the explanation: ``x.patch`` ->
    ``x.fixes.md`` (the snapshot's naming), any other name gets ``.fixes.md`` added."""
    if patch.suffix == ".patch":
        return patch.with_suffix(".fixes.md")
    return patch.with_name(f"{patch.name}.fixes.md")


@app.command()
def suggest(
    source: Annotated[
        str,
        typer.Argument(
            help="The list: a file path, an http(s) URL, or github:OWNER/REPO[@REF][:PATH].",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the patch to FILE and its explanation beside it (FILE.patch -> "
            "FILE.fixes.md). Default: the patch on stdout.",
            show_default=False,
        ),
    ] = None,
    no_arxiv: NoArxivOption = False,
    no_s2: NoS2Option = False,
) -> None:
    """Suggest fixes for one list: a patch against the text read now, that `git apply` applies
    from the repository root, and a note explaining each change with its evidence.

    Looks the list's papers up like a run (the cache included) in a temporary directory; nothing
    is kept but the patch and its note, and the list itself is never written. An empty patch
    means nothing to fix. Exit status: 0 written, 1 written but some lookups failed (fixes may be
    missing), 2 bad input (the list cannot be read, the file cannot be written), 3 no source
    answered.
    """
    import tempfile

    from pydantic import ValidationError

    from enrich.errors import InputError, OutputError
    from enrich.lists.config import ListSpec
    from enrich.lists.read import list_slug
    from enrich.pipeline import preflight, run_enrichment
    from enrich.settings import Settings, describe_invalid

    try:
        settings = Settings.from_env()
    except ValidationError as error:
        print_error(f"enrich: invalid setting in the environment: {describe_invalid(error)}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    specs = [ListSpec(source=source)]
    slug = list_slug(source)
    with tempfile.TemporaryDirectory(prefix="enrich-suggest-") as scratch:
        try:
            preflight(specs, settings, Path(scratch))
            report = run_enrichment(
                specs, Path(scratch), settings, use_arxiv=not no_arxiv, use_s2=not no_s2
            )
        except (InputError, OutputError) as error:
            print_error(f"enrich: {error}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
    manifest = report.snapshot.manifest
    if manifest.list_failures:
        print_error(f"enrich: {manifest.list_failures[0].error}")
        raise typer.Exit(EXIT_BAD_INPUT)
    patch = report.snapshot.patches.get(slug)
    if patch is None:
        print_error(f"enrich: no patch could be made for {source} (see the log)")
        raise typer.Exit(EXIT_FAILED)
    fixes = manifest.lists[0].fixes or 0
    if out is None:
        sys.stdout.write(patch.patch)
        where = "on stdout"
    else:
        notes = notes_path(out)
        try:
            for path, text in ((out, patch.patch), (notes, patch.notes)):
                with path.open("w", encoding="utf-8", newline="") as handle:
                    handle.write(text)
        except OSError as error:
            print_error(f"enrich: cannot write {out}: {error}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        where = f"in {out} (explained in {notes})"
    print_error(f"enrich: {fixes} suggested fixes for {slug} {where}.")
    code = EXIT_BY_STATUS[manifest.status]
    if code != EXIT_OK:
        reasons = "; ".join(manifest.status_reasons)
        print_error(
            f"enrich: lookups incomplete ({reasons}): fixes may be missing (exit status {code})."
        )
    raise typer.Exit(code)
