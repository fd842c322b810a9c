"""`prodloop adoption FEATURE` and `prodloop adoption map FEATURE EVENT…`: feature adoption.

``prodloop adoption FEATURE`` is short for ``prodloop adoption show FEATURE``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from prodloop.analytics import usage
from prodloop.analytics.insights.adoption import CurveInterval, Unit, UsageEvent
from prodloop.analytics.insights.service import lake_engine_for
from prodloop.cli.context import console, fail, handles_bad_input, settings, store
from prodloop.delivery.report import today_in, workspace_time_zone


class _ShowByDefault(TyperGroup):
    """A group whose first argument, when it is not a command, is the feature to show."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_ShowByDefault,
    help="Feature adoption: who uses a feature, how fast after launch, whether they stay.",
    no_args_is_help=True,
)


def _events(specs: list[str]) -> list[UsageEvent]:
    events = []
    for spec in specs:
        name, _, filters = spec.partition(":")
        properties = {}
        for pair in filter(None, filters.split(",")):
            key, equals, value = pair.partition("=")
            if not equals or not key:
                fail(f"{spec!r}: write property filters as EVENT:key=value[,key=value]")
            properties[key] = value
        events.append(UsageEvent(event=name, properties=properties))
    return events


@app.command("map")
@handles_bad_input
def map_events(
    feature: Annotated[str, typer.Argument(help="The feature's key.")],
    events: Annotated[
        list[str], typer.Argument(help="Events that mean it was used: EVENT or EVENT:key=value.")
    ],
) -> None:
    """Set the events that mean FEATURE was used (replaces the earlier list)."""
    with store() as db:
        mapped = usage.set_usage_events(db, feature, _events(events), actor="cli")
        names = [row.event for row in mapped]
    console.print(f"{feature} counts as used on: {', '.join(names)}")


@app.command("show")
@handles_bad_input
def show(
    feature: Annotated[str, typer.Argument(help="The feature's key.")],
    date_from: Annotated[
        str | None, typer.Option("--from", help="First local day (default: launch).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last local day (default: yesterday).")
    ] = None,
    unit: Annotated[str, typer.Option(help="person or account.")] = "person",
    interval: Annotated[str, typer.Option(help="Curve periods: day or week.")] = "week",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Adoption of FEATURE: rate, adopters, curve since launch, time to first use, retention."""
    if unit not in ("person", "account"):
        fail("--unit must be person or account")
    if interval not in ("day", "week"):
        fail("--interval must be day or week")
    config = settings()
    with store() as db:
        zone = workspace_time_zone(db)
        with lake_engine_for(config, db) as engine:
            result = usage.feature_adoption(
                db,
                engine,
                feature,
                today=today_in(zone),
                tz=zone,
                date_from=date.fromisoformat(date_from) if date_from else None,
                date_to=date.fromisoformat(date_to) if date_to else None,
                unit=_unit(unit),
                curve_interval=_interval(interval),
            )
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    _print(result.model_dump(mode="json"))


def _unit(value: str) -> Unit:
    return "account" if value == "account" else "person"


def _interval(value: str) -> CurveInterval:
    return "day" if value == "day" else "week"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _print(result: dict[str, Any]) -> None:
    item = result["features"][0]
    unit = "people" if result["unit"] == "person" else "accounts"
    console.print(
        f"[bold]{item['key']}[/] {result['date_from']} to {result['date_to']}: "
        f"{_percent(item['adoption_rate'])} of {item['active']:,} active {unit} adopted "
        f"({item['adopters']:,}); ARR of adopting accounts {item['adopting_arr']:,.0f}"
    )
    ttfu = item["time_to_first_use"]
    if ttfu["median_days"] is not None:
        console.print(
            f"time to first use since {item['anchored_on'].replace('_', ' ')} "
            f"{item['anchor_date']}: median {ttfu['median_days']:.1f} days, "
            f"90th percentile {ttfu['p90_days']:.1f} days ({ttfu['count']:,} adopters)"
        )
    table = Table(title=f"Adoption by {result['curve_interval']} since launch")
    for column in (result["curve_interval"], "new", "adopted", "rate"):
        table.add_column(column, justify="right")
    for point in item["curve"]:
        table.add_row(
            str(point["period"]),
            f"{point['new_adopters']:,}",
            f"{point['cumulative_adopters']:,}",
            _percent(point["rate"]),
        )
    console.print(table)
    retention = Table(title="Weekly retention")
    for column in ("week", "adopters", "non-adopters"):
        retention.add_column(column, justify="right")
    for week in item["retention"]:
        retention.add_row(
            str(week["week"]),
            _percent(week["adopters_rate"]),
            _percent(week["non_adopters_rate"]),
        )
    console.print(retention)
