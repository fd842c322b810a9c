"""Insight pages: ``/insights`` (every kind and the saved ones) and one editor per kind.

The editor is built from the kind's query model (:mod:`prodloop.web.insight_form`), runs the
query through the same service the API and CLI use, and shows the chart, a results table and
the SQL that computed it. Saving keeps the query under a name, optionally pinned to a
dashboard. Every view is a URL (the form is a GET), and ``?format=json`` gives its data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

import sqlglot
import sqlglot.errors
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from prodloop.analytics import saved as library
from prodloop.analytics.insights.registry import InsightKind
from prodloop.analytics.insights.service import (
    event_names,
    get_kind,
    insight_kinds,
    parse_query,
    run_query,
    workspace_time_zone,
)
from prodloop.analytics.insights.service import lake_engine_for as open_engine
from prodloop.ledger.errors import LedgerError, RuleError
from prodloop.web import insight_charts
from prodloop.web.deps import Writer
from prodloop.web.insight_form import FormField, default_query, form_fields, query_from_params
from prodloop.web.pages.layout import Layout, PageLayout, redirect

router = APIRouter()

Spec = dict[str, Any]


class KindCard(BaseModel):
    """An insight kind as the pages show it."""

    kind: str
    title: str
    description: str
    chart: str


class InsightsIndexPage(BaseModel):
    """``/insights``: the kinds to start from and the insights people saved."""

    kinds: list[KindCard]
    saved: list[library.SavedInsightOut]
    events: list[tuple[str, int]]


class InsightView(BaseModel):
    """One insight computed: its chart, table and SQL (or why it could not be)."""

    result: dict[str, Any] | None = None
    sql: str | None = None
    sql_display: str | None = None
    chart: Spec | None = None
    table: insight_charts.ResultTable | None = None
    summary: list[insight_charts.Figure] = []
    error: str | None = None
    error_field: str | None = None
    prompt: str | None = None


class InsightPage(BaseModel):
    """An insight editor: the query as form and JSON, the view, where it can be saved."""

    kind: KindCard
    query: dict[str, Any]
    query_json: str
    fields: list[FormField]
    events: list[str]
    view: InsightView
    saved: library.SavedInsightOut | None = None
    dashboards: list[library.DashboardSummary] = []


def readable_sql(sql: str | None) -> str | None:
    """``sql`` laid out for reading (one clause a line); as it ran if it cannot be parsed."""
    if not sql:
        return sql
    try:
        return "\n\n".join(sqlglot.transpile(sql, read="duckdb", write="duckdb", pretty=True))
    except sqlglot.errors.SqlglotError:
        return sql


def kind_card(kind: InsightKind) -> KindCard:
    """The card of ``kind``."""
    return KindCard(
        kind=kind.kind, title=kind.title, description=kind.description, chart=kind.chart_kind
    )


def refusal(refused: LedgerError) -> InsightView:
    """A refusal as the page shows it: the field apart from the message."""
    message, field = refused.message, refused.field
    if field and message.startswith(f"{field}: "):
        message = message[len(field) + 2 :]
    return InsightView(error=message, error_field=field)


def compute_all(
    view: Layout, items: Sequence[tuple[InsightKind, dict[str, Any]]]
) -> list[InsightView]:
    """Run each ``(kind, query)`` for a page over one engine; a refusal becomes its error."""
    views: list[InsightView | None] = [None] * len(items)
    parsed: dict[int, BaseModel] = {}
    for index, (kind, query) in enumerate(items):
        try:
            parsed[index] = parse_query(kind, query)
        except LedgerError as refused:
            views[index] = refusal(refused)
    if parsed:
        tz = workspace_time_zone(view.db)
        with open_engine(view.request.app.state.settings, view.db) as engine:
            for index, valid in parsed.items():
                kind = items[index][0]
                try:
                    result = run_query(kind, valid, engine=engine, tz=tz)
                except LedgerError as refused:
                    views[index] = refusal(refused)
                    continue
                views[index] = present(kind, result.model_dump(mode="json"))
    return [v if v is not None else InsightView() for v in views]


def compute(view: Layout, kind: InsightKind, query: dict[str, Any]) -> InsightView:
    """Run ``query`` of ``kind`` for a page; a refusal becomes the view's error."""
    return compute_all(view, [(kind, query)])[0]


def present(kind: InsightKind, data: dict[str, Any]) -> InsightView:
    """A result with its chart, table, headline figures and readable SQL."""
    return InsightView(
        result=data,
        sql=data.get("sql"),
        sql_display=readable_sql(data.get("sql")),
        chart=insight_charts.chart_for(kind.chart_kind, data),
        table=insight_charts.table_for(kind.chart_kind, data),
        summary=insight_charts.summary_for(kind.chart_kind, data),
    )


def _events(view: Layout) -> list[str]:
    return [name for name, _count in event_names(view.request.app.state.settings)]


def _query(
    view: Layout, kind: InsightKind, base: dict[str, Any] | None, events: list[str]
) -> dict[str, Any]:
    """The query the URL asks for: ``q`` (JSON) or ``base``, with the form's fields over it."""
    request = view.request
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in {"q", "format"}]
    text = request.query_params.get("q", "").strip()
    if text:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as bad:
            raise RuleError(f"q: not valid JSON ({bad.msg})", field="q") from None
        if not isinstance(loaded, dict):
            raise RuleError("q: the query must be a JSON object", field="q")
        base = {**default_query(kind.query_model, today=view.today, events=events), **loaded}
    if base is None:
        base = default_query(kind.query_model, today=view.today, events=events)
    return query_from_params(kind.query_model, params, base)


def editor_page(
    view: Layout, kind: InsightKind, *, base: dict[str, Any] | None, record: Any = None
) -> InsightPage:
    """The editor for ``kind`` showing the URL's query over ``base``."""
    events = _events(view)
    try:
        query = _query(view, kind, base, events)
        result = compute(view, kind, query)
    except RuleError as refused:
        query = dict(base or {})
        result = refusal(refused)
    if result.error and base is None and not view.request.query_params:
        # a first visit that the defaults cannot fill: ask, do not scold
        result = InsightView(prompt=f"Fill in the query to run it ({result.error}).")
    return InsightPage(
        kind=kind_card(kind),
        query=query,
        query_json=json.dumps(query, indent=2),
        fields=form_fields(kind.query_model, query),
        events=events,
        view=result,
        saved=library.saved_insight_out(record) if record is not None else None,
        dashboards=[library.dashboard_summary(d) for d in library.list_dashboards(view.db)],
    )


def _status(page: InsightPage) -> int:
    return 422 if page.view.error else 200


@router.get("/insights")
def insights_index(view: PageLayout) -> Response:
    """Every insight kind, and the insights this workspace saved."""
    page = InsightsIndexPage(
        kinds=[kind_card(kind) for kind in insight_kinds().values()],
        saved=[library.saved_insight_out(s) for s in library.list_saved_insights(view.db)],
        events=event_names(view.request.app.state.settings, limit=12),
    )
    return view.render("insights/index.html", page, section="insights")


@router.get("/insights/saved/{insight_id}")
def saved_insight(insight_id: int, view: PageLayout) -> Response:
    """A saved insight in its editor (the form changes it for this view only until saved)."""
    record = library.get_saved_insight(view.db, insight_id)
    kind = get_kind(record.kind)
    page = editor_page(view, kind, base=dict(record.query), record=record)
    return view.render("insights/editor.html", page, section="insights", status_code=_status(page))


@router.get("/insights/{kind_name}")
def insight_editor(kind_name: str, view: PageLayout) -> Response:
    """A new insight of ``kind_name``: the last 30 days of the busiest event by default."""
    kind = get_kind(kind_name)
    page = editor_page(view, kind, base=None)
    return view.render("insights/editor.html", page, section="insights", status_code=_status(page))


def _loaded(text: str) -> dict[str, Any]:
    try:
        query = json.loads(text or "{}")
    except json.JSONDecodeError as bad:
        raise RuleError(f"query: not valid JSON ({bad.msg})", field="query") from None
    if not isinstance(query, dict):
        raise RuleError("query: must be a JSON object", field="query")
    return query


def _pin(view: Layout, who: Writer, insight_id: int, dashboard: str, width: str) -> str | None:
    """Pin the insight to ``dashboard`` (an id, or ``new:NAME``); the dashboard's URL."""
    if not dashboard:
        return None
    tile = library.Tile(insight_id=insight_id, width="full" if width == "full" else "half")
    if dashboard.startswith("new:"):
        board = library.create_dashboard(
            view.db, library.DashboardIn(name=dashboard[4:].strip(), tiles=[tile]), actor=who.actor
        )
    else:
        try:
            board = library.get_dashboard(view.db, int(dashboard))
        except ValueError:
            raise RuleError(f"no dashboard {dashboard!r}", field="dashboard") from None
        library.add_tile(view.db, board, tile, actor=who.actor)
    return f"/dashboards/{board.id}"


@router.post("/insights/{kind_name}/save")
def save_insight(
    kind_name: str,
    view: PageLayout,
    who: Writer,
    request: Request,
    name: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "{}",
    description: Annotated[str, Form()] = "",
    dashboard: Annotated[str, Form()] = "",
    new_dashboard: Annotated[str, Form()] = "",
    width: Annotated[str, Form()] = "half",
) -> Response:
    """Save the editor's query under a name, and pin it to a dashboard if one is chosen."""
    back = request.headers.get("referer") or f"/insights/{kind_name}"
    try:
        record = library.create_saved_insight(
            view.db,
            library.SavedInsightIn(
                name=name.strip() or "Untitled insight",
                kind=kind_name,
                query=_loaded(query),
                description=description,
            ),
            actor=who.actor,
        )
        target = dashboard if dashboard != "new" else f"new:{new_dashboard or name}"
        board_url = _pin(view, who, record.id, target, width)
    except LedgerError as refused:
        view.db.rollback()
        return redirect(request, back, f"Not saved: {refused.message}")
    view.db.commit()
    where = " and added to the dashboard" if board_url else ""
    return redirect(request, board_url or f"/insights/saved/{record.id}", f"Saved{where}.")


@router.post("/insights/saved/{insight_id}")
def update_insight(
    insight_id: int,
    view: PageLayout,
    who: Writer,
    request: Request,
    query: Annotated[str, Form()] = "{}",
    name: Annotated[str, Form()] = "",
) -> Response:
    """Keep the query now shown as the saved insight's query."""
    record = library.get_saved_insight(view.db, insight_id)
    try:
        update = library.SavedInsightUpdate(query=_loaded(query), name=name.strip() or None)
        library.update_saved_insight(view.db, record, update, actor=who.actor)
    except LedgerError as refused:
        view.db.rollback()
        return redirect(request, f"/insights/saved/{insight_id}", f"Not saved: {refused.message}")
    view.db.commit()
    return redirect(request, f"/insights/saved/{insight_id}", "Changes saved.")


@router.post("/insights/saved/{insight_id}/delete")
def delete_insight(insight_id: int, view: PageLayout, who: Writer, request: Request) -> Response:
    """Delete a saved insight (it leaves its dashboards too)."""
    record = library.get_saved_insight(view.db, insight_id)
    library.delete_saved_insight(view.db, record, actor=who.actor)
    view.db.commit()
    return redirect(request, "/insights", f"Deleted {record.name}.")
