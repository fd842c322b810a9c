"""`prodloop import feedback`, `prodloop feedback …` and `prodloop themes …`.

Imports show a progress bar and are one unit of work: a malformed row rejects the file
(exit 2 with the row numbers) and nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from prodloop.cli.context import column_mapping, console, fail, handles_bad_input, settings, store
from prodloop.feedback import requests as ops
from prodloop.feedback import service, understand
from prodloop.feedback.demand import demand_profile
from prodloop.feedback.ingest.importer import ImportRejected
from prodloop.feedback.ingest.layouts import LAYOUTS
from prodloop.ledger import service as ledger
from prodloop.store.base import utcnow

app = typer.Typer(help="The feedback hub: search, requests, demand.", no_args_is_help=True)
themes_app = typer.Typer(help="Feedback themes: rebuild and list.", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def register_feedback_import(import_app: typer.Typer) -> None:
    """Add `prodloop import feedback` to the import group."""

    @import_app.command("feedback")
    @handles_bad_input
    def import_feedback(
        file: Annotated[Path, typer.Argument(help="The export file (CSV, JSON or NDJSON).")],
        source: Annotated[
            str, typer.Option(help=f"Layout of the file: {', '.join(LAYOUTS)}.")
        ] = "csv",
        map_: Annotated[
            list[str] | None,
            typer.Option("--map", help="FIELD=COLUMN overriding the layout (repeatable)."),
        ] = None,
    ) -> None:
        """Import feedback from an export; re-importing the same file never duplicates."""
        if not file.is_file():
            fail(f"{file}: no such file")
        with _progress() as progress, store() as session:
            task = progress.add_task(f"reading {file.name}", total=None)

            def report(done: int, total: int | None) -> None:
                progress.update(task, completed=done, total=total, description=f"{done:,} rows")

            try:
                summary = service.import_file(
                    session,
                    file,
                    source=source,
                    overrides=column_mapping(map_ or [], example="text=Body"),
                    progress=report,
                )
            except ImportRejected as rejected:
                fail(f"{file}: {rejected}")
            progress.update(task, description="understanding new items")
            embedder = understand.embedder_for(session, settings().feedback_embedder)
            understand.after_ingest(session, summary.item_ids, embedder=embedder)
        console.print(
            f"{file}: {summary.created:,} new items, {summary.already_imported:,} already "
            f"imported, {summary.matched_accounts:,} matched to accounts ({summary.source})"
        )


@themes_app.command("rebuild")
@handles_bad_input
def rebuild_themes() -> None:
    """Recluster every item into themes; themes people renamed or pinned keep their ids."""
    with _progress() as progress, store() as session:
        task = progress.add_task("clustering feedback", total=None)

        def report(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        embedder = understand.embedder_for(session, settings().feedback_embedder)
        result = understand.rebuild_themes(session, embedder=embedder, progress=report)
    console.print(
        f"{result.themes} themes ({result.kept} kept, {result.created} new) "
        f"over {result.items:,} items"
    )


@themes_app.command("list")
@handles_bad_input
def list_themes(as_json: AsJson = False) -> None:
    """Themes with size, trend and ARR behind them, largest first."""
    with store() as session:
        themes = understand.theme_summaries(session, now=utcnow())
    if as_json:
        print("[" + ",".join(t.model_dump_json() for t in themes) + "]")
        return
    table = Table("id", "theme", "items", "last 30 d", "ARR", "surging")
    for theme in themes:
        table.add_row(
            str(theme.id),
            theme.label,
            f"{theme.items:,}",
            f"{theme.recent:,}",
            f"{theme.arr:,}",
            "yes" if theme.surging else "",
        )
    console.print(table)


@app.command("search")
@handles_bad_input
def search(
    text: Annotated[str, typer.Argument(help="What to look for.")],
    semantic: Annotated[
        bool, typer.Option("--semantic", help="Search by meaning as well as words.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    as_json: AsJson = False,
) -> None:
    """Search feedback by keyword, or by meaning with --semantic."""
    with store() as session:
        embedder = understand.embedder_for(session, settings().feedback_embedder)
        hits = understand.search_items(
            session, text, semantic=semantic, limit=limit, embedder=embedder
        )
    if as_json:
        print("[" + ",".join(h.model_dump_json() for h in hits) + "]")
        return
    table = Table("id", "score", "channel", "account", "text")
    for hit in hits:
        table.add_row(
            str(hit.id), f"{hit.score:.2f}", hit.channel, hit.account or "", hit.text[:90]
        )
    console.print(table)


@app.command("requests")
@handles_bad_input
def list_requests(
    overdue: Annotated[bool, typer.Option(help="Only requests past their SLA.")] = False,
    unowned: Annotated[bool, typer.Option(help="Only requests nobody owns.")] = False,
    as_json: AsJson = False,
) -> None:
    """Open operational requests: overdue first, then unowned."""
    with store() as session:
        found = ops.list_requests(session, now=utcnow(), overdue=overdue, unowned=unowned)
    if as_json:
        print("[" + ",".join(r.model_dump_json() for r in found) + "]")
        return
    table = Table("id", "team", "title", "urgency", "owner", "hours left")
    for request in found:
        style = "bold red" if request.overdue else ("yellow" if request.unowned else "")
        table.add_row(
            str(request.id),
            request.team,
            request.title,
            request.urgency,
            request.owner or "unowned",
            f"{request.hours_left:,.1f}",
            style=style,
        )
    console.print(table)


@app.command("demand")
@handles_bad_input
def demand(
    feature: Annotated[str, typer.Argument(help="Ledger feature key.")],
    as_json: AsJson = False,
) -> None:
    """Who asked for a feature and how much ARR they carry, by segment."""
    with store() as session:
        profile = demand_profile(session, ledger.get_feature(session, feature))
    if as_json:
        print(profile.model_dump_json(indent=2))
        return
    console.print(
        f"{profile.feature}: {profile.items:,} items from {len(profile.requesters):,} "
        f"requesters in {len(profile.accounts):,} accounts, ARR at stake {profile.arr_at_stake:,}"
    )
    table = Table("segment", "ARR at stake")
    for segment, arr in profile.arr_by_segment.items():
        table.add_row(segment, f"{arr:,}")
    console.print(table)
