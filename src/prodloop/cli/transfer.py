"""`prodloop import …` and `prodloop export …`: the ledger in and out as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from prodloop.cli.context import console, default_actor, fail, handles_bad_input, store
from prodloop.ledger.transfer import export_features_csv, export_features_json, import_features

import_app = typer.Typer(help="Bring records in from files.", no_args_is_help=True)
export_app = typer.Typer(help="Write records out to files.", no_args_is_help=True)


@import_app.command("features")
@handles_bad_input
def import_features_command(
    file: Annotated[Path, typer.Argument(help="CSV with columns key,title,… (see README).")],
    actor: Annotated[str | None, typer.Option(help="Who the import is attributed to.")] = None,
) -> None:
    """Create or update features from a CSV; a bad row aborts the whole import."""
    if not file.is_file():
        fail(f"{file}: no such file")
    text = file.read_text(encoding="utf-8-sig")
    try:
        with store() as db:
            result = import_features(db, text, actor=actor or default_actor())
    except Exception as error:
        if hasattr(error, "row"):
            fail(f"{file}: {error}")
        raise
    console.print(
        f"{file}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged"
    )


@export_app.command("features")
@handles_bad_input
def export_features_command(
    format: Annotated[str, typer.Option("--format", "-f", help="csv or json.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File; default stdout.")
    ] = None,
) -> None:
    """Write the whole ledger as CSV (importable) or JSON (with stage histories)."""
    if format not in {"csv", "json"}:
        fail(f"--format must be csv or json, not {format!r}")
    with store() as db:
        text = export_features_csv(db) if format == "csv" else export_features_json(db)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")
