"""/api/v1/insights, /saved-insights and /dashboards: run any insight kind, keep and arrange them.

``POST /insights/{kind}`` takes the kind's query as the JSON body and returns its result with
the SQL that computed it; a bad query is a 422 naming the field. ``GET /insights`` lists the
kinds with the JSON schema of each query, so a client can build its own editor.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status
from pydantic import BaseModel

from prodloop.analytics import saved
from prodloop.analytics.insights.service import get_kind, insight_kinds, run_insight
from prodloop.web.api.common import Deleted
from prodloop.web.deps import AppSettings, DbSession, Reader, Writer

router = APIRouter(tags=["insights"])


class InsightKindOut(BaseModel):
    """An insight kind and the JSON schema of its query."""

    kind: str
    title: str
    description: str
    chart: str
    query_schema: dict[str, Any]


class SavedInsightResult(BaseModel):
    """A saved insight and what its query gives now."""

    insight: saved.SavedInsightOut
    result: dict[str, Any]


QueryBody = Annotated[dict[str, Any], Body(description="The kind's query (see GET /insights).")]


@router.get("/insights", response_model=list[InsightKindOut])
def list_kinds(_: Reader) -> list[InsightKindOut]:
    """Every insight kind with the JSON schema of its query."""
    return [
        InsightKindOut(
            kind=kind.kind,
            title=kind.title,
            description=kind.description,
            chart=kind.chart_kind,
            query_schema=kind.query_model.model_json_schema(),
        )
        for kind in insight_kinds().values()
    ]


@router.post("/insights/{kind}")
def run(
    kind: str, db: DbSession, settings: AppSettings, _: Reader, query: QueryBody
) -> dict[str, Any]:
    """Run insight ``kind`` on the query; the result carries the SQL it ran (``sql``)."""
    return run_insight(kind, query, settings=settings, session=db).model_dump(mode="json")


@router.get("/insights/{kind}/schema")
def kind_schema(kind: str, _: Reader) -> dict[str, Any]:
    """The JSON schema of insight ``kind``'s query."""
    return get_kind(kind).query_model.model_json_schema()


# --- saved insights ----------------------------------------------------------------------------


@router.get("/saved-insights", response_model=list[saved.SavedInsightOut])
def list_saved(
    db: DbSession,
    _: Reader,
    kind: Annotated[str | None, Query(description="Only this insight kind.")] = None,
    feature: Annotated[str | None, Query(description="Only insights about this feature.")] = None,
) -> list[saved.SavedInsightOut]:
    """Saved insights, most recently changed first."""
    found = saved.list_saved_insights(db, kind=kind, feature=feature)
    return [saved.saved_insight_out(item) for item in found]


@router.post(
    "/saved-insights", response_model=saved.SavedInsightOut, status_code=status.HTTP_201_CREATED
)
def create_saved(data: saved.SavedInsightIn, db: DbSession, who: Writer) -> saved.SavedInsightOut:
    """Save an insight query under a name (validated by its kind)."""
    insight = saved.create_saved_insight(db, data, actor=who.actor)
    db.commit()
    return saved.saved_insight_out(insight)


@router.get("/saved-insights/{insight_id}", response_model=saved.SavedInsightOut)
def get_saved(insight_id: int, db: DbSession, _: Reader) -> saved.SavedInsightOut:
    """One saved insight."""
    return saved.saved_insight_out(saved.get_saved_insight(db, insight_id))


@router.get("/saved-insights/{insight_id}/result", response_model=SavedInsightResult)
def run_saved(
    insight_id: int, db: DbSession, settings: AppSettings, _: Reader
) -> SavedInsightResult:
    """A saved insight computed now (relative date ranges move with today)."""
    insight = saved.get_saved_insight(db, insight_id)
    result = run_insight(insight.kind, insight.query, settings=settings, session=db)
    return SavedInsightResult(
        insight=saved.saved_insight_out(insight), result=result.model_dump(mode="json")
    )


@router.patch("/saved-insights/{insight_id}", response_model=saved.SavedInsightOut)
def update_saved(
    insight_id: int, data: saved.SavedInsightUpdate, db: DbSession, who: Writer
) -> saved.SavedInsightOut:
    """Change a saved insight's name, query, description or feature."""
    insight = saved.get_saved_insight(db, insight_id)
    saved.update_saved_insight(db, insight, data, actor=who.actor)
    db.commit()
    return saved.saved_insight_out(insight)


@router.delete("/saved-insights/{insight_id}", response_model=Deleted)
def delete_saved(insight_id: int, db: DbSession, who: Writer) -> Deleted:
    """Delete a saved insight (it leaves every dashboard it was on)."""
    insight = saved.get_saved_insight(db, insight_id)
    saved.delete_saved_insight(db, insight, actor=who.actor)
    db.commit()
    return Deleted(deleted=str(insight_id))


# --- dashboards --------------------------------------------------------------------------------


@router.get("/dashboards", response_model=list[saved.DashboardSummary])
def list_dashboards(db: DbSession, _: Reader) -> list[saved.DashboardSummary]:
    """Every dashboard, by name."""
    return [saved.dashboard_summary(d) for d in saved.list_dashboards(db)]


@router.post("/dashboards", response_model=saved.DashboardOut, status_code=status.HTTP_201_CREATED)
def create_dashboard(data: saved.DashboardIn, db: DbSession, who: Writer) -> saved.DashboardOut:
    """Add a dashboard, optionally with its tiles."""
    dashboard = saved.create_dashboard(db, data, actor=who.actor)
    db.commit()
    return saved.dashboard_out(db, dashboard)


@router.get("/dashboards/{dashboard_id}", response_model=saved.DashboardOut)
def get_dashboard(dashboard_id: int, db: DbSession, _: Reader) -> saved.DashboardOut:
    """One dashboard with its tiles' saved insights."""
    return saved.dashboard_out(db, saved.get_dashboard(db, dashboard_id))


@router.patch("/dashboards/{dashboard_id}", response_model=saved.DashboardOut)
def update_dashboard(
    dashboard_id: int, data: saved.DashboardUpdate, db: DbSession, who: Writer
) -> saved.DashboardOut:
    """Rename, describe or rearrange a dashboard (``tiles`` replaces the arrangement)."""
    dashboard = saved.get_dashboard(db, dashboard_id)
    saved.update_dashboard(db, dashboard, data, actor=who.actor)
    db.commit()
    return saved.dashboard_out(db, dashboard)


@router.post("/dashboards/{dashboard_id}/tiles", response_model=saved.DashboardOut)
def add_tile(dashboard_id: int, tile: saved.Tile, db: DbSession, who: Writer) -> saved.DashboardOut:
    """Pin a saved insight at the end of a dashboard."""
    dashboard = saved.get_dashboard(db, dashboard_id)
    saved.add_tile(db, dashboard, tile, actor=who.actor)
    db.commit()
    return saved.dashboard_out(db, dashboard)


@router.delete("/dashboards/{dashboard_id}", response_model=Deleted)
def delete_dashboard(dashboard_id: int, db: DbSession, who: Writer) -> Deleted:
    """Delete a dashboard (its saved insights stay)."""
    dashboard = saved.get_dashboard(db, dashboard_id)
    saved.delete_dashboard(db, dashboard, actor=who.actor)
    db.commit()
    return Deleted(deleted=str(dashboard_id))
