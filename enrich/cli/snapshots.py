"""``enrich diff``, ``report`` and ``schema``: snapshots already written, and the output
contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from enrich.cli.app import EXIT_BAD_INPUT, app


def _resolve_snapshot(reference: str, out: Path) -> Path:
    """A snapshot directory from a path, a run id under ``<out>/snapshots/``, or ``latest``."""
    as_path = Path(reference)
    if as_path.is_dir():
        return as_path
    if reference == "latest":
        return out / "latest"
    return out / "snapshots" / reference


@app.command()
def diff(
    old: Annotated[
        str, typer.Argument(help="A snapshot: directory, run id, or 'latest'.", show_default=False)
    ],
    new: Annotated[
        str, typer.Argument(help="The snapshot to compare it with.", show_default=False)
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Output directory that run ids are looked up in.")
    ] = Path("outputs"),
) -> None:
    """Print what changed from snapshot OLD to snapshot NEW: papers, fields, entries, flags.

    Exit status: 0 (with or without changes), 2 a snapshot cannot be read.
    """
    from enrich.errors import InputError
    from enrich.publish.history import diff_snapshots, format_diff
    from enrich.publish.snapshot import load_snapshot

    try:
        before = load_snapshot(_resolve_snapshot(old, out))
        after = load_snapshot(_resolve_snapshot(new, out))
    except InputError as error:
        # typer.echo, not rich: the message stays on one line whatever the terminal width
        typer.echo(f"enrich: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    typer.echo(format_diff(diff_snapshots(before, after)), nl=False)


@app.command()
def report(
    snapshot: Annotated[
        str, typer.Argument(help="A snapshot: directory, run id, or 'latest'.", show_default=False)
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Output directory that run ids are looked up in.")
    ] = Path("outputs"),
    history: Annotated[
        Path | None,
        typer.Option(help="The history.csv to draw (default: the snapshot's output directory's)."),
    ] = None,
    dest: Annotated[
        Path | None,
        typer.Option(help="Directory the report is written to (default: SNAPSHOT/report)."),
    ] = None,
) -> None:
    """Build the HTML report of a snapshot again (runs write it themselves) and print its path.

    Exit status: 0 written, 2 the snapshot cannot be read or the report cannot be written.
    """
    from enrich.errors import InputError
    from enrich.publish.report import rebuild_report

    try:
        index = rebuild_report(_resolve_snapshot(snapshot, out), history=history, dest=dest)
    except InputError as error:
        typer.echo(f"enrich: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as error:
        typer.echo(f"enrich: cannot write the report: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    typer.echo(str(index))


@app.command()
def schema(
    out: Annotated[
        Path, typer.Option("--out", help="Directory the JSON Schema files are written to.")
    ] = Path("outputs/schema"),
) -> None:
    """Write the JSON Schema of every snapshot file (generated from the pydantic models).

    Exit status: 0 written, 2 the directory cannot be written.
    """
    from enrich.contract import dump_json, json_schemas

    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, document in json_schemas().items():
            (out / name).write_text(dump_json(document), encoding="utf-8")
            typer.echo(str(out / name))
    except OSError as error:
        typer.echo(f"enrich: cannot write schemas to {out}: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
