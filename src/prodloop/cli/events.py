"""`prodloop import events` and `prodloop keys …`: events into the lake, and the keys SDKs send."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from prodloop.analytics.importer import ImportRejected, import_events
from prodloop.analytics.keys import create_project_key, list_project_keys, revoke_project_key
from prodloop.analytics.lake import EventLake
from prodloop.cli.context import column_mapping, console, fail, handles_bad_input, settings

keys_app = typer.Typer(help="Write-only project API keys for event capture.", no_args_is_help=True)


def register_event_import(import_app: typer.Typer) -> None:
    """Add `prodloop import events` to the import group."""

    @import_app.command("events")
    @handles_bad_input
    def import_events_command(
        file: Annotated[Path, typer.Argument(help="CSV, NDJSON (.ndjson/.jsonl) or Parquet.")],
        map_: Annotated[
            list[str] | None,
            typer.Option(
                "--map",
                help="FIELD=COLUMN for event, distinct_id, timestamp, uuid, "
                "properties (repeatable).",
            ),
        ] = None,
    ) -> None:
        """Import events into the lake; a malformed row rejects the whole file."""
        if not file.is_file():
            fail(f"{file}: no such file")
        lake = EventLake(settings())
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task(f"reading {file.name}", total=None)

            def report(done: int, total: int | None) -> None:
                progress.update(
                    task, completed=done, total=total, description=f"{done:,} rows of {file.name}"
                )

            try:
                summary = import_events(
                    lake,
                    file,
                    mapping=column_mapping(map_ or [], example="distinct_id=user_id"),
                    progress=report,
                )
            except ImportRejected as rejected:
                fail(str(rejected))
        console.print(f"{file}: {summary.events:,} events imported ({summary.format})")


@keys_app.command("create")
@handles_bad_input
def create_key(name: Annotated[str, typer.Argument(help="What the key is for.")]) -> None:
    """Create a project API key and print it once (SDKs send it as api_key / writeKey)."""
    _, secret = create_project_key(settings().effective_lake_dir, name=name)
    typer.echo(secret)


@keys_app.command("list")
@handles_bad_input
def list_keys() -> None:
    """List project API keys (never their secrets)."""
    table = Table(title="project API keys")
    for column in ("id", "name", "created", "revoked"):
        table.add_column(column)
    for key in list_project_keys(settings().effective_lake_dir):
        revoked = key.revoked_at.strftime("%Y-%m-%d %H:%M") if key.revoked_at else ""
        table.add_row(key.key_id, key.name, key.created_at.strftime("%Y-%m-%d %H:%M"), revoked)
    console.print(table)


@keys_app.command("revoke")
@handles_bad_input
def revoke_key(key_id: str) -> None:
    """Revoke a project API key; capture refuses it within seconds."""
    if not revoke_project_key(settings().effective_lake_dir, key_id=key_id):
        fail(f"no active project key {key_id!r}")
    console.print(f"revoked {key_id}")
