"""The delivery dashboard (``/delivery``): pick a team, see its flow and the DORA keys.

Filters travel in the query string (``team``, ``start``, ``end``, ``granularity``, ``repo``,
``report_year``), so every view is a shareable URL. The chart specs are built here from the
report data and ride along in the JSON twin, exactly as the page embeds them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from prodloop.delivery import report
from prodloop.delivery.dora_bands import DEFAULT_REPORT_YEAR
from prodloop.delivery.inventory import DeliveryTeam, delivery_teams
from prodloop.delivery.periods import Granularity, Period
from prodloop.delivery.report_schemas import DoraSummary, TeamDashboard
from prodloop.ledger.errors import LedgerError, RuleError
from prodloop.web import charts
from prodloop.web.pages.layout import PageLayout

router = APIRouter()

Spec = dict[str, Any]


class DeliveryFilters(BaseModel):
    """What the dashboard shows, as the URL carries it."""

    team: str | None = None
    start: date | None = None
    end: date | None = None
    granularity: Granularity = Granularity.WEEK
    repo: str | None = None
    report_year: int = DEFAULT_REPORT_YEAR


class DeliveryPage(BaseModel):
    """Everything ``/delivery`` shows: its JSON twin."""

    filters: DeliveryFilters
    teams: list[DeliveryTeam]
    has_work_items: bool
    dashboard: TeamDashboard | None = None
    dora: DoraSummary | None = None
    charts: dict[str, Spec] = {}
    error: str | None = None
    error_field: str | None = None


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RuleError(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


def parse_filters(
    team: str, start: str, end: str, granularity: str, repo: str, report_year: str
) -> DeliveryFilters:
    """The filters from the query string (RuleError naming the field that is unusable)."""
    try:
        bucket = Granularity(granularity or Granularity.WEEK)
    except ValueError:
        raise RuleError("granularity must be day, week or month", field="granularity") from None
    try:
        year = int(report_year) if report_year.strip() else DEFAULT_REPORT_YEAR
    except ValueError:
        raise RuleError(f"{report_year!r} is not a year", field="report_year") from None
    return DeliveryFilters(
        team=team.strip() or None,
        start=_day(start, "start"),
        end=_day(end, "end"),
        granularity=bucket,
        repo=repo.strip() or None,
        report_year=year,
    )


def dashboard_charts(dashboard: TeamDashboard) -> dict[str, Spec]:
    """The team dashboard's charts as Vega-Lite specs (only those with something to draw)."""
    granularity = dashboard.period.granularity
    specs: dict[str, Spec] = {}
    if dashboard.scatter:
        specs["cycle_time"] = charts.cycle_time_scatter(dashboard.scatter, dashboard.cycle_time)
    if dashboard.aging:
        specs["aging"] = charts.aging_strip(dashboard.aging, dashboard.cycle_time)
    specs["throughput"] = charts.throughput_bars(dashboard.throughput, granularity)
    specs["wip"] = charts.wip_area(dashboard.wip)
    if dashboard.unplanned.items_done:
        specs["unplanned"] = charts.unplanned_line(
            dashboard.unplanned.buckets, dashboard.unplanned.alarm_share
        )
    if dashboard.pull_requests.pull_requests:
        specs["pull_requests"] = charts.pull_request_stages(dashboard.pull_requests)
    return specs


def _fill(page: DeliveryPage, db: Session, period: Period, *, today: date, time_zone: str) -> None:
    """Add the chosen team's dashboard and the DORA summary to ``page``."""
    filters = page.filters
    team = filters.team or next((t.key for t in page.teams if t.work_items), None)
    if team is not None:
        page.dashboard = report.team_dashboard(
            db,
            team=team,
            period=period,
            time_zone=time_zone,
            as_of=report.report_as_of(period, time_zone),
            granularity=filters.granularity,
        )
        page.charts.update(dashboard_charts(page.dashboard))
    if filters.repo or report.dora_repos(db):
        page.dora = report.dora_summary(
            db,
            repo=filters.repo,
            period=period,
            time_zone=time_zone,
            report_year=filters.report_year,
        )
        page.charts["deployments"] = charts.deployment_bars(page.dora.deployments_by_week)


def delivery_page(
    db: Session, filters: DeliveryFilters, *, today: date, time_zone: str
) -> DeliveryPage:
    """Build the dashboard; a filter the reports refuse becomes ``error``."""
    teams = delivery_teams(db)
    page = DeliveryPage(
        filters=filters, teams=teams, has_work_items=any(t.work_items for t in teams)
    )
    try:
        period = report.report_period(today=today, start=filters.start, end=filters.end)
        _fill(page, db, period, today=today, time_zone=time_zone)
    except LedgerError as refused:
        page.error, page.error_field = refused.message, refused.field
    return page


@router.get("/delivery")
def delivery(
    view: PageLayout,
    team: str = "",
    start: str = "",
    end: str = "",
    granularity: str = "",
    repo: str = "",
    report_year: str = "",
) -> Response:
    """The delivery dashboard of one team (the busiest by default) and the DORA keys."""
    try:
        filters = parse_filters(team, start, end, granularity, repo, report_year)
    except RuleError as refused:
        page = DeliveryPage(
            filters=DeliveryFilters(),
            teams=delivery_teams(view.db),
            has_work_items=True,
            error=refused.message,
            error_field=refused.field,
        )
        return view.render("delivery/dashboard.html", page, section="delivery", status_code=422)
    page = delivery_page(view.db, filters, today=view.today, time_zone=view.time_zone)
    status = 200 if page.error is None else (404 if page.error_field == "team" else 422)
    return view.render("delivery/dashboard.html", page, section="delivery", status_code=status)
