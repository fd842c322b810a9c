"""`prodloop features …`: list, show, add and move features through stages."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from prodloop.cli.context import console, default_actor, handles_bad_input, store
from prodloop.ledger import service
from prodloop.ledger.records import Listing
from prodloop.ledger.schemas import FeatureDetail, FeatureIn, FeatureOut
from prodloop.ledger.stages import Stage, parse_stage

app = typer.Typer(help="The feature ledger.", no_args_is_help=True)

Actor = Annotated[str | None, typer.Option(help="Who the change is attributed to (an email).")]


@app.command("list")
@handles_bad_input
def list_features(
    stage: Annotated[list[str] | None, typer.Option(help="Only this stage (repeatable).")] = None,
    team: Annotated[str | None, typer.Option(help="Team key.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner's email.")] = None,
    area: Annotated[str | None, typer.Option(help="Product area key.")] = None,
    tag: Annotated[str | None, typer.Option(help="Tag.")] = None,
    unowned: Annotated[bool, typer.Option(help="Only features nobody owns.")] = False,
    search: Annotated[str | None, typer.Option("--search", "-q", help="Text search.")] = None,
    sort: Annotated[str, typer.Option(help="Sort column; prefix - for descending.")] = "stage",
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many rows.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List features, filtered like the ledger page."""
    stages = [parse_stage(value) for value in stage or []]
    with store() as db:
        paged = service.list_features(
            db,
            stages=stages or None,
            team=team,
            owner=owner,
            product_area=area,
            tag=tag,
            unowned=unowned,
            q=search,
            listing=Listing(sort=sort, per_page=limit),
        )
        rows = [FeatureOut.model_validate(feature) for feature in paged.items]
    if as_json:
        print(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
        return
    table = Table(title=f"{paged.total} feature{'s' if paged.total != 1 else ''}")
    for column in ("key", "title", "stage", "owner", "team", "target"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.key,
            row.title,
            row.stage.value,
            row.owner.email if row.owner else "[red]unowned[/]",
            row.team.key if row.team else "",
            row.target_date.isoformat() if row.target_date else "",
        )
    console.print(table)


@app.command("show")
@handles_bad_input
def show(
    key: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one feature with its stage history."""
    with store() as db:
        feature = FeatureDetail.model_validate(service.get_feature(db, key))
    if as_json:
        print(feature.model_dump_json(indent=2))
        return
    console.print(f"[bold]{feature.title}[/]  ({feature.key})  stage: [cyan]{feature.stage}[/]")
    for label, value in (
        ("owner", feature.owner.email if feature.owner else "unowned"),
        ("team", feature.team.name if feature.team else ""),
        ("area", feature.product_area.name if feature.product_area else ""),
        ("target", feature.target_date or ""),
        ("launched", feature.launch_date or ""),
        ("tags", ", ".join(feature.tags)),
    ):
        console.print(f"  {label:<8} {value}")
    if feature.description:
        console.print(f"\n{feature.description}\n")
    table = Table(title="Stage history")
    for column in ("when (UTC)", "from", "to", "by", "reason"):
        table.add_column(column)
    for change in feature.stage_history:
        table.add_row(
            change.changed_at.strftime("%Y-%m-%d %H:%M"),
            change.from_stage or "",
            change.to_stage,
            change.changed_by,
            change.reason or "",
        )
    console.print(table)


@app.command("add")
@handles_bad_input
def add(
    key: Annotated[str, typer.Argument(help="Stable slug, e.g. sso (later the flag key).")],
    title: Annotated[str, typer.Option(help="What the feature is called.")],
    description: Annotated[str, typer.Option(help="What it does and why.")] = "",
    stage: Annotated[str, typer.Option(help="Starting stage.")] = Stage.IDEA.value,
    owner: Annotated[str | None, typer.Option(help="Owner's email.")] = None,
    team: Annotated[str | None, typer.Option(help="Team key.")] = None,
    area: Annotated[str | None, typer.Option(help="Product area key.")] = None,
    target_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag (repeatable).")] = None,
    actor: Actor = None,
) -> None:
    """Add a feature to the ledger."""
    data = FeatureIn(
        key=key,
        title=title,
        description=description,
        stage=parse_stage(stage),
        owner=owner,
        team=team,
        product_area=area,
        target_date=date.fromisoformat(target_date) if target_date else None,
        tags=tag or [],
    )
    with store() as db:
        feature = service.create_feature(db, data, actor=actor or default_actor())
        console.print(f"added [bold]{feature.key}[/] in stage {feature.stage}")


@app.command("set-stage")
@handles_bad_input
def set_stage(
    key: str,
    stage: Annotated[str, typer.Argument(help="One of: " + ", ".join(s.value for s in Stage))],
    reason: Annotated[
        str | None, typer.Option(help="Why; required to revive a retired one.")
    ] = None,
    actor: Actor = None,
) -> None:
    """Move a feature to another stage."""
    target = parse_stage(stage)
    with store() as db:
        feature = service.get_feature(db, key)
        before = feature.stage
        service.set_stage(db, feature, target, actor=actor or default_actor(), reason=reason)
        console.print(f"{key}: {before} → [bold]{target.value}[/]")
