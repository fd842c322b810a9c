"""Dashboard pages: ``/dashboards`` (every dashboard, a form to add one) and one dashboard's
tiles, each a saved insight computed now and drawn as in its editor.

A tile whose query no longer runs (an event renamed, a kind removed) shows why instead of
breaking the page. ``?format=json`` gives each tile's result, chart spec and SQL.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from prodloop.analytics import saved
from prodloop.analytics.insights.registry import InsightKind
from prodloop.analytics.insights.service import get_kind
from prodloop.ledger.errors import LedgerError
from prodloop.web.deps import Writer
from prodloop.web.pages.insights import InsightView, compute_all
from prodloop.web.pages.layout import Layout, PageLayout, redirect

router = APIRouter()


class DashboardsPage(BaseModel):
    """``/dashboards``: every dashboard."""

    dashboards: list[saved.DashboardSummary]
    saved_count: int


class TileView(BaseModel):
    """One tile: where it sits, which saved insight, and that insight computed now."""

    position: int
    width: saved.Width
    insight: saved.SavedInsightOut
    kind_title: str
    chart_kind: str
    view: InsightView


class DashboardRange(BaseModel):
    """A date range laid over every tile (none: each tile keeps its saved range)."""

    date_from: str = ""
    date_to: str = ""
    presets: list[tuple[str, str, str]] = []

    @property
    def active(self) -> bool:
        """Whether the range overrides the tiles' own."""
        return bool(self.date_from or self.date_to)


class DashboardPage(BaseModel):
    """A dashboard with every tile computed, and the saved insights one could add."""

    dashboard: saved.DashboardOut
    tiles: list[TileView]
    addable: list[saved.SavedInsightOut]
    range: DashboardRange


def _range(view: Layout, date_from: str, date_to: str) -> DashboardRange:
    today = view.today
    presets = [
        (label, (today - timedelta(days=days - 1)).isoformat(), today.isoformat())
        for label, days in (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90))
    ]
    return DashboardRange(date_from=date_from.strip(), date_to=date_to.strip(), presets=presets)


def _over(query: dict[str, Any], kind: InsightKind, within: DashboardRange) -> dict[str, Any]:
    """``query`` with the dashboard's range, where its kind takes one."""
    fields = kind.query_model.model_fields
    changed = dict(query)
    for name in ("date_from", "date_to"):
        value = getattr(within, name)
        if value and name in fields:
            changed[name] = value
    return changed


def _tiles(view: Layout, tiles: list[saved.TileOut], within: DashboardRange) -> list[TileView]:
    """Every tile computed over one engine; a tile whose kind is gone says so."""
    kinds: list[InsightKind | None] = []
    for tile in tiles:
        try:
            kinds.append(get_kind(tile.insight.kind))
        except LedgerError:
            kinds.append(None)
    runnable = [
        (k, _over(dict(t.insight.query), k, within)) for k, t in zip(kinds, tiles, strict=True) if k
    ]
    computed = iter(compute_all(view, runnable))
    shown = []
    for position, (kind, tile) in enumerate(zip(kinds, tiles, strict=True)):
        missing = f"insight kind {tile.insight.kind!r} is not installed"
        shown.append(
            TileView(
                position=position,
                width=tile.width,
                insight=tile.insight,
                kind_title=kind.title if kind else tile.insight.kind,
                chart_kind=kind.chart_kind if kind else tile.insight.kind,
                view=next(computed) if kind else InsightView(error=missing, error_field="kind"),
            )
        )
    return shown


@router.get("/dashboards")
def dashboards(view: PageLayout) -> Response:
    """Every dashboard, by name."""
    page = DashboardsPage(
        dashboards=[saved.dashboard_summary(d) for d in saved.list_dashboards(view.db)],
        saved_count=len(saved.list_saved_insights(view.db)),
    )
    return view.render("dashboards/list.html", page, section="dashboards")


@router.post("/dashboards")
def add_dashboard(
    view: PageLayout,
    who: Writer,
    request: Request,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    """Add an empty dashboard."""
    try:
        board = saved.create_dashboard(
            view.db, saved.DashboardIn(name=name.strip(), description=description), actor=who.actor
        )
    except LedgerError as refused:
        view.db.rollback()
        return redirect(request, "/dashboards", f"Not added: {refused.message}")
    except ValueError:
        return redirect(request, "/dashboards", "Not added: a dashboard needs a name.")
    view.db.commit()
    return redirect(request, f"/dashboards/{board.id}", f"Dashboard {board.name} added.")


@router.get("/dashboards/{dashboard_id}")
def dashboard(
    dashboard_id: int, view: PageLayout, date_from: str = "", date_to: str = ""
) -> Response:
    """A dashboard's tiles, each computed now (over one date range, if one is given)."""
    board = saved.dashboard_out(view.db, saved.get_dashboard(view.db, dashboard_id))
    within = _range(view, date_from, date_to)
    shown = {tile.insight_id for tile in board.tiles}
    page = DashboardPage(
        dashboard=board,
        tiles=_tiles(view, board.tiles, within),
        addable=[
            saved.saved_insight_out(s)
            for s in saved.list_saved_insights(view.db)
            if s.id not in shown
        ],
        range=within,
    )
    return view.render("dashboards/detail.html", page, section="dashboards")


def _arrange(
    view: Layout, who: Writer, dashboard_id: int, change: str, position: int
) -> saved.DashboardOut:
    board = saved.get_dashboard(view.db, dashboard_id)
    tiles = [saved.Tile.model_validate(t) for t in board.tiles]
    if not 0 <= position < len(tiles):
        raise LedgerError(f"no tile {position}", field="position")
    if change == "remove":
        tiles.pop(position)
    elif change == "up" and position > 0:
        tiles[position - 1], tiles[position] = tiles[position], tiles[position - 1]
    elif change == "down" and position < len(tiles) - 1:
        tiles[position + 1], tiles[position] = tiles[position], tiles[position + 1]
    elif change == "resize":
        tile = tiles[position]
        tiles[position] = tile.model_copy(
            update={"width": "half" if tile.width == "full" else "full"}
        )
    saved.update_dashboard(view.db, board, saved.DashboardUpdate(tiles=tiles), actor=who.actor)
    return saved.dashboard_out(view.db, board)


@router.post("/dashboards/{dashboard_id}/tiles")
def add_tile(
    dashboard_id: int,
    view: PageLayout,
    who: Writer,
    request: Request,
    insight_id: Annotated[int, Form()],
    width: Annotated[str, Form()] = "half",
) -> Response:
    """Pin a saved insight to the end of the dashboard."""
    board = saved.get_dashboard(view.db, dashboard_id)
    tile = saved.Tile(insight_id=insight_id, width="full" if width == "full" else "half")
    try:
        saved.add_tile(view.db, board, tile, actor=who.actor)
    except LedgerError as refused:
        view.db.rollback()
        return redirect(request, f"/dashboards/{dashboard_id}", f"Not added: {refused.message}")
    view.db.commit()
    return redirect(request, f"/dashboards/{dashboard_id}", "Tile added.")


@router.post("/dashboards/{dashboard_id}/tiles/{position}/{change}")
def change_tile(
    dashboard_id: int, position: int, change: str, view: PageLayout, who: Writer, request: Request
) -> Response:
    """Move a tile up or down, switch its width, or remove it."""
    if change not in {"up", "down", "resize", "remove"}:
        raise LedgerError(f"unknown tile change {change!r}", field="change")
    _arrange(view, who, dashboard_id, change, position)
    view.db.commit()
    return redirect(request, f"/dashboards/{dashboard_id}")


@router.post("/dashboards/{dashboard_id}/delete")
def delete_dashboard(
    dashboard_id: int, view: PageLayout, who: Writer, request: Request
) -> Response:
    """Delete the dashboard (its saved insights stay)."""
    board = saved.get_dashboard(view.db, dashboard_id)
    saved.delete_dashboard(view.db, board, actor=who.actor)
    view.db.commit()
    return redirect(request, "/dashboards", f"Deleted {board.name}.")
