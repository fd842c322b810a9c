"""`prodloop insights …` and `prodloop dashboards …`: every insight kind in the terminal.

``prodloop insights run KIND`` builds the kind's query from a few common options (dates,
interval, events, breakdown), a JSON file, and ``--set field=value`` for anything else, runs it
through the same service as the web, and prints a table, the JSON result or only its SQL.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from prodloop.analytics import saved
from prodloop.analytics.insights.registry import InsightKind
from prodloop.analytics.insights.service import (
    event_names,
    get_kind,
    insight_kinds,
    run_insight,
    workspace_time_zone,
)
from prodloop.cli.context import console, handles_bad_input, settings, store
from prodloop.ledger.errors import RuleError
from prodloop.web import insight_charts
from prodloop.web.insight_form import default_query, form_fields

app = typer.Typer(
    help="Insights over the event lake: trends, funnels and more.", no_args_is_help=True
)
dashboards_app = typer.Typer(help="Dashboards of saved insights.", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _set(query: dict[str, Any], assignments: list[str]) -> None:
    for item in assignments:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise RuleError(f"--set {item!r}: write FIELD=VALUE", field="set")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        query[name.strip()] = value


def build_query(
    kind: InsightKind,
    *,
    base: dict[str, Any],
    date_from: str | None,
    date_to: str | None,
    interval: str | None,
    events: list[str],
    breakdown: str | None,
    assignments: list[str],
) -> dict[str, Any]:
    """The query the options describe, over ``base`` (a JSON file or the defaults)."""
    query = dict(base)
    fields = {field.name: field for field in form_fields(kind.query_model, {})}
    if date_from:
        query["date_from"] = date_from
    if date_to:
        query["date_to"] = date_to
    if interval:
        query["interval"] = interval
    if events:
        target = next(
            (f for f in fields.values() if f.widget in {"steps", "events", "event"}), None
        )
        if target is None:
            raise RuleError(f"insight {kind.kind} takes no events", field="event")
        if target.widget == "steps":
            query[target.name] = [{"event": name} for name in events]
        elif target.widget == "events":
            query[target.name] = list(events)
        else:
            query[target.name] = events[0]
    if breakdown:
        scope, sep, key = breakdown.partition(":")
        query["breakdown"] = {"key": key, "on": scope} if sep else {"key": breakdown}
    _set(query, assignments)
    return query


def _read_json(path: Path) -> dict[str, Any]:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise RuleError(f"{path}: the query must be a JSON object", field="query_file")
    return loaded


def print_result(kind: InsightKind, result: dict[str, Any], *, title: str) -> None:
    """The result's headline figures and table, as the web page shows them."""
    console.print(f"[bold]{title}[/]")
    figures = insight_charts.summary_for(kind.chart_kind, result)
    if figures:
        console.print("   ".join(f"{f.label}: [bold]{f.value}[/] [dim]{f.sub}[/]" for f in figures))
    shown = insight_charts.table_for(kind.chart_kind, result)
    if shown is None or not shown.rows:
        console.print("[dim]no rows: nothing matched in this range[/]")
        return
    table = Table(show_edge=False, header_style="bold")
    for name, numeric in zip(shown.columns, shown.numeric, strict=False):
        table.add_column(name, justify="right" if numeric else "left")
    for row in shown.rows:
        table.add_row(
            *(
                "—"
                if v is None
                else f"{v:,.2f}"
                if isinstance(v, float) and not v.is_integer()
                else f"{v:,.0f}"
                if isinstance(v, int | float)
                else str(v)
                for v in row
            )
        )
    console.print(table)


def _span(query: dict[str, Any]) -> str:
    return f"{query.get('date_from', '')} → {query.get('date_to', '')}"


def _today(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


@app.command("run")
@handles_bad_input
def run(
    kind: Annotated[str, typer.Argument(help="Insight kind (see `prodloop insights kinds`).")],
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day, YYYY-MM-DD (default: 30 days ago).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today).")
    ] = None,
    interval: Annotated[str | None, typer.Option(help="hour, day, week or month.")] = None,
    event: Annotated[
        list[str] | None,
        typer.Option("--event", help="An event; repeat for series or funnel steps."),
    ] = None,
    breakdown: Annotated[
        str | None, typer.Option(help="Break down by a property: KEY, or person:KEY / account:KEY.")
    ] = None,
    query_file: Annotated[
        Path | None, typer.Option(help="The query as JSON (the API's body); options override it.")
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="Any other field: FIELD=VALUE (VALUE as JSON)."),
    ] = None,
    as_json: AsJson = False,
    sql_only: Annotated[
        bool, typer.Option("--sql", help="Print only the SQL that computed it.")
    ] = False,
) -> None:
    """Run an insight and print its table (or --json, or --sql)."""
    insight = get_kind(kind)
    config = settings()
    with store() as db:
        zone = workspace_time_zone(db)
        names = [name for name, _count in event_names(config, limit=2)]
        base = (
            _read_json(query_file)
            if query_file
            else default_query(insight.query_model, today=_today(zone), events=names)
        )
        query = build_query(
            insight,
            base=base,
            date_from=date_from,
            date_to=date_to,
            interval=interval,
            events=event or [],
            breakdown=breakdown,
            assignments=assignments or [],
        )
        result = run_insight(kind, query, settings=config, session=db).model_dump(mode="json")
    if sql_only:
        print(result.get("sql", ""))
    elif as_json:
        print(json.dumps(result, indent=2))
    else:
        print_result(
            insight,
            result,
            title=f"{insight.title} · {_span(query)} ({zone})",
        )


@app.command("kinds")
def kinds(as_json: AsJson = False) -> None:
    """List the insight kinds and the fields of their queries."""
    found = insight_kinds()
    if as_json:
        print(
            json.dumps({k: v.query_model.model_json_schema() for k, v in found.items()}, indent=2)
        )
        return
    table = Table(show_edge=False, header_style="bold")
    table.add_column("kind")
    table.add_column("what it answers")
    table.add_column("query fields")
    for kind in found.values():
        table.add_row(kind.kind, kind.description, ", ".join(kind.query_model.model_fields))
    console.print(table)


@app.command("list")
@handles_bad_input
def list_saved(
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    as_json: AsJson = False,
) -> None:
    """List saved insights."""
    with store() as db:
        found = [saved.saved_insight_out(s) for s in saved.list_saved_insights(db, kind=kind)]
    if as_json:
        print(json.dumps([s.model_dump(mode="json") for s in found], indent=2))
        return
    if not found:
        console.print(
            "no saved insights yet: save one from an insight page or POST /api/v1/saved-insights"
        )
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("id", "name", "kind", "feature", "created by"):
        table.add_column(column)
    for s in found:
        table.add_row(str(s.id), s.name, s.kind, s.feature or "", s.created_by)
    console.print(table)


@app.command("show")
@handles_bad_input
def show_saved(
    insight_id: Annotated[
        int, typer.Argument(help="Saved insight id (see `prodloop insights list`).")
    ],
    as_json: AsJson = False,
    sql_only: Annotated[bool, typer.Option("--sql", help="Print only the SQL.")] = False,
) -> None:
    """Compute a saved insight now and print it."""
    config = settings()
    with store() as db:
        record = saved.get_saved_insight(db, insight_id)
        insight = get_kind(record.kind)
        result = run_insight(record.kind, record.query, settings=config, session=db).model_dump(
            mode="json"
        )
        name = record.name
    if sql_only:
        print(result.get("sql", ""))
    elif as_json:
        print(json.dumps(result, indent=2))
    else:
        print_result(insight, result, title=name)


@dashboards_app.command("list")
@handles_bad_input
def list_dashboards(as_json: AsJson = False) -> None:
    """List dashboards."""
    with store() as db:
        found = [saved.dashboard_summary(d) for d in saved.list_dashboards(db)]
    if as_json:
        print(json.dumps([d.model_dump(mode="json") for d in found], indent=2))
        return
    if not found:
        console.print("no dashboards yet: create one on /dashboards or POST /api/v1/dashboards")
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("id", "name", "tiles", "description"):
        table.add_column(column)
    for d in found:
        table.add_row(str(d.id), d.name, str(d.tile_count), d.description)
    console.print(table)


@dashboards_app.command("show")
@handles_bad_input
def show_dashboard(
    dashboard_id: Annotated[
        int, typer.Argument(help="Dashboard id (see `prodloop dashboards list`).")
    ],
    as_json: AsJson = False,
) -> None:
    """Compute every tile of a dashboard and print them in order."""
    config = settings()
    with store() as db:
        board = saved.dashboard_out(db, saved.get_dashboard(db, dashboard_id))
        results = [
            (
                tile,
                run_insight(
                    tile.insight.kind, tile.insight.query, settings=config, session=db
                ).model_dump(mode="json"),
            )
            for tile in board.tiles
        ]
    if as_json:
        body = board.model_dump(mode="json")
        for tile_json, (_tile, result) in zip(body["tiles"], results, strict=True):
            tile_json["result"] = result
        print(json.dumps(body, indent=2))
        return
    console.print(
        f"[bold underline]{board.name}[/]"
        + (f"  [dim]{board.description}[/]" if board.description else "")
    )
    if not results:
        console.print("[dim]this dashboard has no tiles yet[/]")
    for tile, result in results:
        console.print()
        print_result(get_kind(tile.insight.kind), result, title=tile.insight.name)
