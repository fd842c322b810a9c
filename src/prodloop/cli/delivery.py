"""`prodloop delivery …`: forecasts, signals, DORA and a team's flow in the terminal.

Each command prints a Rich table, or with ``--json`` the same report the API returns.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.table import Table

from prodloop.cli.context import console, handles_bad_input, store
from prodloop.delivery import report
from prodloop.delivery.dora_bands import DEFAULT_REPORT_YEAR
from prodloop.delivery.dora_display import format_days, format_share
from prodloop.delivery.forecast import DEFAULT_SEED
from prodloop.delivery.periods import Granularity
from prodloop.delivery.report_schemas import (
    DoraSummary,
    FeatureDelivery,
    SignalsReport,
    TeamDashboard,
)
from prodloop.delivery.signals import SignalKind
from prodloop.delivery.signals_report import KIND_LABELS, filter_signals

app = typer.Typer(
    help="Delivery and process health: forecasts, signals, DORA.", no_args_is_help=True
)

AsJson = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]
Start = Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (default: 12 weeks ago).")]
End = Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (default: today).")]
SEVERITY_STYLES = {"critical": "bold red", "warning": "yellow", "info": "blue"}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _emit(data: BaseModel) -> None:
    print(data.model_dump_json(indent=2))


@app.command("forecast")
@handles_bad_input
def forecast(
    feature: Annotated[str, typer.Argument(help="Ledger feature key.")],
    history_days: Annotated[
        int, typer.Option(min=1, max=3650, help="Days of team throughput to sample.")
    ] = report.DEFAULT_HISTORY_DAYS,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same answer).")] = (
        DEFAULT_SEED
    ),
    as_json: AsJson = False,
) -> None:
    """When will a feature's remaining work be done (50/85/95%), and will it make its target?"""
    with store() as db:
        zone = report.workspace_time_zone(db)
        data = report.feature_delivery(
            db,
            feature,
            today=report.today_in(zone),
            time_zone=zone,
            history_days=history_days,
            seed=seed,
        )
    if as_json:
        _emit(data)
        return
    _print_forecast(data)


def _print_forecast(data: FeatureDelivery) -> None:
    fc = data.forecast
    console.print(
        f"[bold]{data.title}[/] ({data.feature}, {data.stage}): {data.counts.total} work items, "
        f"{fc.remaining_items} left",
        highlight=False,
    )
    if fc.unavailable:
        console.print(f"no forecast: {fc.unavailable}", highlight=False)
        return
    table = Table(title="done by")
    table.add_column("confidence", justify="right")
    table.add_column("date")
    table.add_column("days", justify="right")
    for outcome in fc.outcomes:
        finish = outcome.finish_date.isoformat() if outcome.finish_date else "beyond horizon"
        table.add_row(f"{outcome.confidence}%", finish, str(outcome.days or "—"))
    console.print(table)
    if fc.target_date is not None and fc.probability_of_meeting_target is not None:
        console.print(
            f"chance of meeting the target date {fc.target_date}: "
            f"[bold]{fc.probability_of_meeting_target:.0%}[/]",
            highlight=False,
        )
    console.print(fc.explanation, style="dim", highlight=False)


@app.command("signals")
@handles_bad_input
def signals(
    kind: Annotated[SignalKind | None, typer.Option(help="Only this kind of signal.")] = None,
    team: Annotated[str | None, typer.Option(help="Only signals about this team.")] = None,
    as_json: AsJson = False,
) -> None:
    """Delayed projects, ownership gaps and firefighting, most severe first."""
    with store() as db:
        zone = report.workspace_time_zone(db)
        found = report.delivery_signals(db, today=report.today_in(zone), time_zone=zone)
    data = filter_signals(found, kind=kind, team=team)
    if as_json:
        _emit(data)
        return
    _print_signals(data)


def _print_signals(data: SignalsReport) -> None:
    if not data.signals:
        console.print("no signals: nothing slipping, unowned or on fire")
        return
    table = Table(title=f"{len(data.signals)} signals as of {data.today}")
    for column in ("severity", "kind", "team", "message"):
        table.add_column(column)
    for signal in data.signals:
        table.add_row(
            f"[{SEVERITY_STYLES[signal.severity.value]}]{signal.severity.value}[/]",
            KIND_LABELS[signal.kind],
            signal.team or "",
            signal.message,
        )
    console.print(table)


@app.command("dora")
@handles_bad_input
def dora(
    repo: Annotated[str | None, typer.Option(help="owner/name (default: all).")] = None,
    report_year: Annotated[
        int, typer.Option(help="State of DevOps report year of the bands.")
    ] = DEFAULT_REPORT_YEAR,
    start: Start = None,
    end: End = None,
    as_json: AsJson = False,
) -> None:
    """DORA's four keys (DevLake's definitions) with their benchmark bands."""
    with store() as db:
        zone = report.workspace_time_zone(db)
        period = report.report_period(today=report.today_in(zone), start=_day(start), end=_day(end))
        data = report.dora_summary(
            db, repo=repo, period=period, time_zone=zone, report_year=report_year
        )
    if as_json:
        _emit(data)
        return
    _print_dora(data)


def _print_dora(data: DoraSummary) -> None:
    table = Table(
        title=f"DORA · {data.repo or 'all repositories'} · {data.period.start} to "
        f"{data.period.end} · {data.report_year} report bands"
    )
    for column in ("metric", "value", "band", "basis"):
        table.add_column(column)
    for tile in data.tiles:
        table.add_row(tile.title, tile.display, tile.badge or "no data", tile.basis)
    console.print(table)


@app.command("team")
@handles_bad_input
def team(
    key: Annotated[str, typer.Argument(help="Team key (or a team name a source uses).")],
    start: Start = None,
    end: End = None,
    granularity: Annotated[
        Granularity, typer.Option(help="Bucket size of throughput and unplanned share.")
    ] = Granularity.WEEK,
    as_json: AsJson = False,
) -> None:
    """A team's flow: cycle and lead time, throughput, WIP, aging items, PR stages."""
    with store() as db:
        zone = report.workspace_time_zone(db)
        period = report.report_period(today=report.today_in(zone), start=_day(start), end=_day(end))
        data = report.team_dashboard(
            db,
            team=key,
            period=period,
            time_zone=zone,
            as_of=report.report_as_of(period, zone),
            granularity=granularity,
        )
    if as_json:
        _emit(data)
        return
    _print_team(data)


def _print_team(data: TeamDashboard) -> None:
    ct, lt, pr = data.cycle_time, data.lead_time, data.pull_requests
    table = Table(title=f"{data.team.name} · {data.period.start} to {data.period.end}")
    table.add_column("measure")
    table.add_column("value")
    rows = [
        ("completed", f"{data.completed} ({data.throughput_per_week:.1f} a week)"),
        ("cycle time 50/85/95", " / ".join(format_days(v) for v in (ct.p50, ct.p85, ct.p95))),
        ("lead time 50/85/95", " / ".join(format_days(v) for v in (lt.p50, lt.p85, lt.p95))),
        ("in progress now", str(data.wip_now)),
        ("unplanned share", format_share(data.unplanned.share)),
        (
            "PR coding/pickup/review/deploy",
            " / ".join(
                format_days(v)
                for v in (pr.coding_days, pr.pickup_days, pr.review_days, pr.deploy_days)
            ),
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    for item in data.aging[:5]:
        band = item.band.value.replace("_", " ") if item.band else "no history"
        console.print(f"  {item.key}  {item.age_days:.0f} d  {band}  {item.title}", highlight=False)
