"""Saved insights and dashboards: shapes in and out, and their audited use cases.

Services take a session and never commit; every create, change and delete is written to the
ledger's audit log (``prodloop.ledger.records``). A saved query is validated by its kind's
model on the way in, so a dashboard never holds a query its insight would refuse.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.analytics.insights.service import get_kind, parse_query
from prodloop.analytics.saved_models import Dashboard, SavedInsight
from prodloop.ledger.errors import NotFoundError, RuleError
from prodloop.ledger.models import Feature
from prodloop.ledger.records import (
    add_record,
    change_record,
    ensure_unique,
    get_one,
    remove_record,
)

Width = Literal["half", "full"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SavedInsightIn(_Strict):
    """A new saved insight: a name, a kind and the query its model accepts."""

    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=32)
    query: dict[str, Any] = Field(default_factory=dict)
    description: str = ""
    feature: str | None = Field(default=None, description="Ledger feature key it is about.")


class SavedInsightUpdate(_Strict):
    """Fields of a saved insight to change (its kind stays)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    query: dict[str, Any] | None = None
    description: str | None = None
    feature: str | None = None


class SavedInsightOut(BaseModel):
    """A saved insight as the API and pages show it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    query: dict[str, Any]
    description: str
    created_by: str
    feature: str | None = Field(default=None, validation_alias="feature_key")
    created_at: datetime
    updated_at: datetime


class Tile(_Strict):
    """One place on a dashboard: a saved insight, half or full width."""

    insight_id: int = Field(ge=1)
    width: Width = "half"


class DashboardIn(_Strict):
    """A new dashboard, optionally with its tiles in order."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    tiles: list[Tile] = Field(default_factory=list)


class DashboardUpdate(_Strict):
    """Fields of a dashboard to change; ``tiles`` replaces the whole arrangement."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    tiles: list[Tile] | None = None


class TileOut(BaseModel):
    """A tile with the saved insight it shows."""

    insight_id: int
    width: Width
    insight: SavedInsightOut


class DashboardOut(BaseModel):
    """A dashboard with its tiles in order."""

    id: int
    name: str
    description: str
    created_by: str
    tiles: list[TileOut]
    created_at: datetime
    updated_at: datetime


class DashboardSummary(BaseModel):
    """A dashboard in a listing."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    created_by: str
    tile_count: int = 0
    updated_at: datetime


# --- saved insights ----------------------------------------------------------------------------


def _feature_id(session: Session, key: str | None) -> int | None:
    if not key:
        return None
    feature = session.execute(select(Feature).where(Feature.key == key)).scalar_one_or_none()
    if feature is None:
        raise RuleError(f"unknown feature {key!r}", field="feature")
    return feature.id


def _checked_query(kind: str, query: dict[str, Any]) -> dict[str, Any]:
    try:
        insight = get_kind(kind)
    except NotFoundError as missing:
        raise RuleError(missing.message, field="kind") from None
    parse_query(insight, query, prefix="query")
    return query


def get_saved_insight(session: Session, insight_id: int) -> SavedInsight:
    """The saved insight ``insight_id``."""
    return get_one(session, SavedInsight, SavedInsight.id, insight_id, what="insight")


def list_saved_insights(
    session: Session, *, kind: str | None = None, feature: str | None = None
) -> list[SavedInsight]:
    """Saved insights, newest change first, optionally of one kind or about one feature."""
    query = select(SavedInsight).outerjoin(SavedInsight.feature)
    if kind:
        query = query.where(SavedInsight.kind == kind)
    if feature:
        query = query.where(Feature.key == feature)
    query = query.order_by(SavedInsight.updated_at.desc(), SavedInsight.id.desc())
    return list(session.execute(query).unique().scalars())


def create_saved_insight(
    session: Session, data: SavedInsightIn, *, actor: str, at: datetime | None = None
) -> SavedInsight:
    """Save a query of an insight kind under a name (the query is validated first)."""
    insight = SavedInsight(
        name=data.name,
        kind=data.kind,
        query=_checked_query(data.kind, data.query),
        description=data.description,
        created_by=actor,
        feature_id=_feature_id(session, data.feature),
    )
    return add_record(session, insight, actor=actor, label=f"insight {data.name}", at=at)


def update_saved_insight(
    session: Session, insight: SavedInsight, data: SavedInsightUpdate, *, actor: str
) -> SavedInsight:
    """Change a saved insight's name, query, description or feature."""
    given = data.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    if given.get("name") is not None:
        changes["name"] = given["name"]
    if given.get("description") is not None:
        changes["description"] = given["description"]
    if given.get("query") is not None:
        changes["query"] = _checked_query(insight.kind, given["query"])
    if "feature" in given:
        changes["feature_id"] = _feature_id(session, given["feature"])
    label = f"insight {changes.get('name', insight.name)}"
    return change_record(session, insight, changes, actor=actor, label=label)


def delete_saved_insight(session: Session, insight: SavedInsight, *, actor: str) -> None:
    """Remove a saved insight and its tiles from every dashboard (each change audited)."""
    for dashboard in list_dashboards(session):
        kept = [tile for tile in dashboard.tiles if tile.get("insight_id") != insight.id]
        if len(kept) != len(dashboard.tiles):
            change_record(
                session,
                dashboard,
                {"tiles": kept},
                actor=actor,
                label=f"dashboard {dashboard.name}",
                reason=f"insight {insight.name} deleted",
            )
    remove_record(session, insight, actor=actor, label=f"insight {insight.name}")


def saved_insight_out(insight: SavedInsight) -> SavedInsightOut:
    """The API shape of a saved insight."""
    return SavedInsightOut.model_validate(insight)


# --- dashboards --------------------------------------------------------------------------------


def _tiles(session: Session, tiles: list[Tile]) -> list[dict[str, Any]]:
    for number, tile in enumerate(tiles):
        if session.get(SavedInsight, tile.insight_id) is None:
            raise RuleError(
                f"no saved insight {tile.insight_id}", field=f"tiles.{number}.insight_id"
            )
    return [tile.model_dump() for tile in tiles]


def get_dashboard(session: Session, dashboard_id: int) -> Dashboard:
    """The dashboard ``dashboard_id``."""
    return get_one(session, Dashboard, Dashboard.id, dashboard_id, what="dashboard")


def list_dashboards(session: Session) -> list[Dashboard]:
    """Every dashboard, by name."""
    return list(session.execute(select(Dashboard).order_by(Dashboard.name)).scalars())


def create_dashboard(
    session: Session, data: DashboardIn, *, actor: str, at: datetime | None = None
) -> Dashboard:
    """Add a dashboard; its name must be new."""
    ensure_unique(session, Dashboard.name, data.name, field="name")
    dashboard = Dashboard(
        name=data.name,
        description=data.description,
        tiles=_tiles(session, data.tiles),
        created_by=actor,
    )
    return add_record(session, dashboard, actor=actor, label=f"dashboard {data.name}", at=at)


def update_dashboard(
    session: Session, dashboard: Dashboard, data: DashboardUpdate, *, actor: str
) -> Dashboard:
    """Rename, describe or rearrange a dashboard."""
    given = data.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    if given.get("name") is not None:
        ensure_unique(session, Dashboard.name, given["name"], field="name", exclude_id=dashboard.id)
        changes["name"] = given["name"]
    if given.get("description") is not None:
        changes["description"] = given["description"]
    if data.tiles is not None:
        changes["tiles"] = _tiles(session, data.tiles)
    label = f"dashboard {changes.get('name', dashboard.name)}"
    return change_record(session, dashboard, changes, actor=actor, label=label)


def add_tile(session: Session, dashboard: Dashboard, tile: Tile, *, actor: str) -> Dashboard:
    """Put a saved insight at the end of a dashboard."""
    tiles = [Tile.model_validate(t) for t in dashboard.tiles]
    return update_dashboard(session, dashboard, DashboardUpdate(tiles=[*tiles, tile]), actor=actor)


def delete_dashboard(session: Session, dashboard: Dashboard, *, actor: str) -> None:
    """Remove a dashboard (its saved insights stay)."""
    remove_record(session, dashboard, actor=actor, label=f"dashboard {dashboard.name}")


def dashboard_out(session: Session, dashboard: Dashboard) -> DashboardOut:
    """A dashboard with each tile's saved insight."""
    tiles = []
    for tile in dashboard.tiles:
        insight = session.get(SavedInsight, tile["insight_id"])
        if insight is not None:
            tiles.append(
                TileOut(
                    insight_id=insight.id, width=tile["width"], insight=saved_insight_out(insight)
                )
            )
    return DashboardOut(
        id=dashboard.id,
        name=dashboard.name,
        description=dashboard.description,
        created_by=dashboard.created_by,
        tiles=tiles,
        created_at=dashboard.created_at,
        updated_at=dashboard.updated_at,
    )


def dashboard_summary(dashboard: Dashboard) -> DashboardSummary:
    """A dashboard as a listing shows it."""
    return DashboardSummary(
        id=dashboard.id,
        name=dashboard.name,
        description=dashboard.description,
        created_by=dashboard.created_by,
        tile_count=len(dashboard.tiles),
        updated_at=dashboard.updated_at,
    )
