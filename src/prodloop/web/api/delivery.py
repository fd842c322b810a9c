"""/api/v1/delivery: team dashboards, signals, DORA, feature forecasts and sources.

Every endpoint reads; only changing a source's workflow mapping writes (editors and admins).
Periods are local days in the workspace time zone (``start`` and ``end`` both included).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from prodloop.delivery import report
from prodloop.delivery.inventory import (
    DeliveryTeam,
    SourceOut,
    delivery_teams,
    get_source_by_id,
    merge_config,
    record_counts,
    source_out,
    source_overview,
)
from prodloop.delivery.report_schemas import (
    DoraSummary,
    FeatureDelivery,
    SignalsReport,
    TeamDashboard,
    TeamForecast,
)
from prodloop.delivery.schemas import SourceConfig
from prodloop.delivery.service import update_source_config
from prodloop.delivery.signals import Severity, SignalKind
from prodloop.delivery.signals_report import filter_signals
from prodloop.web.delivery_query import (
    Clock,
    DoraQuery,
    FeatureForecastQuery,
    ForecastRequest,
    PeriodQuery,
)
from prodloop.web.deps import DbSession, Reader, Writer

router = APIRouter(prefix="/delivery", tags=["delivery"])


@router.get("/teams", response_model=list[DeliveryTeam])
def list_delivery_teams(db: DbSession, _: Reader) -> list[DeliveryTeam]:
    """Teams with work items (ledger teams and team names only a source knows)."""
    return delivery_teams(db)


@router.get("/teams/{key}", response_model=TeamDashboard)
def team_dashboard(
    key: str, db: DbSession, _: Reader, clock: Clock, query: Annotated[PeriodQuery, Query()]
) -> TeamDashboard:
    """One team's flow: cycle-time percentiles and scatter, lead time, throughput, WIP, aging
    WIP, pull-request stages, unplanned share and mid-sprint additions."""
    period = query.period(clock.today)
    return report.team_dashboard(
        db,
        team=key,
        period=period,
        time_zone=clock.time_zone,
        as_of=report.report_as_of(period, clock.time_zone),
        granularity=query.granularity,
    )


@router.get("/signals", response_model=SignalsReport)
def signals(
    db: DbSession,
    _: Reader,
    clock: Clock,
    kind: SignalKind | None = None,
    team: Annotated[str | None, Query(description="Team key.")] = None,
    severity: Severity | None = None,
) -> SignalsReport:
    """Delayed projects, ownership gaps and firefighting, most severe first."""
    found = report.delivery_signals(db, today=clock.today, time_zone=clock.time_zone)
    return filter_signals(found, kind=kind, team=team, severity=severity)


@router.get("/dora", response_model=DoraSummary)
def dora(
    db: DbSession, _: Reader, clock: Clock, query: Annotated[DoraQuery, Query()]
) -> DoraSummary:
    """DORA's four keys (Apache DevLake's definitions), banded by the chosen report year."""
    return report.dora_summary(
        db,
        repo=query.repo or None,
        period=query.period(clock.today),
        time_zone=clock.time_zone,
        report_year=query.report_year,
    )


@router.get("/features/{key}", response_model=FeatureDelivery)
def feature_delivery(
    key: str,
    db: DbSession,
    _: Reader,
    clock: Clock,
    query: Annotated[FeatureForecastQuery, Query()],
) -> FeatureDelivery:
    """A feature's work items, due-date slips, forecast and chance of meeting its target."""
    return report.feature_delivery(
        db,
        key,
        today=clock.today,
        time_zone=clock.time_zone,
        history_days=query.history_days,
        seed=query.seed,
    )


def _forecast(db: DbSession, clock: Clock, request: ForecastRequest) -> TeamForecast:
    return report.team_forecast(
        db,
        team=request.team,
        today=clock.today,
        time_zone=clock.time_zone,
        items=request.items,
        by=request.by,
        history_days=request.history_days,
        seed=request.seed,
        trials=request.trials,
    )


@router.get("/forecast", response_model=TeamForecast)
def forecast_from_query(
    db: DbSession, _: Reader, clock: Clock, request: Annotated[ForecastRequest, Query()]
) -> TeamForecast:
    """Monte Carlo: when will ``items`` be done, and / or how many by ``by``."""
    return _forecast(db, clock, request)


@router.post("/forecast", response_model=TeamForecast)
def forecast_from_body(
    db: DbSession, _: Reader, clock: Clock, request: ForecastRequest
) -> TeamForecast:
    """The same forecast, asked with a JSON body."""
    return _forecast(db, clock, request)


@router.get("/sources", response_model=list[SourceOut])
def list_sources(db: DbSession, _: Reader) -> list[SourceOut]:
    """Every delivery source with its workflow mapping and record counts."""
    return source_overview(db)


@router.patch("/sources/{source_id}", response_model=SourceOut)
def update_source(source_id: int, changes: SourceConfig, db: DbSession, _: Writer) -> SourceOut:
    """Replace the top-level config fields sent (``workflow``, ``epic_features``, …) and
    relink the source's records; status mappings apply from the next import."""
    source = get_source_by_id(db, source_id)
    update_source_config(db, source, merge_config(source, changes))
    db.commit()
    return source_out(source, record_counts(db).get(source.id))
