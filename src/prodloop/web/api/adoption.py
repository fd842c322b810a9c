"""/api/v1/features/{key}/usage-events and /adoption: what "used it" means, and who does.

``GET /features/{key}/usage-events`` lists the events that mean the feature was used;
``PUT`` replaces them (editors and admins, audited). ``GET /features/{key}/adoption`` runs the
adoption insight over the event lake for the feature (dates are local days in the workspace
time zone, both included; the default window runs from launch, at most a year back, to
yesterday).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from prodloop.analytics import usage
from prodloop.analytics.insights.adoption import AdoptionResult, CurveInterval, Unit, UsageEvent
from prodloop.analytics.insights.service import lake_engine_for
from prodloop.web.delivery_query import Clock
from prodloop.web.deps import AppSettings, DbSession, Reader, Writer

router = APIRouter(prefix="/features", tags=["adoption"])


class UsageEventsIn(BaseModel):
    """The complete list of events that mean the feature was used."""

    model_config = ConfigDict(extra="forbid")

    events: list[UsageEvent] = Field(max_length=50)


class UsageEventsOut(BaseModel):
    """A feature's usage events."""

    feature: str
    events: list[UsageEvent]


def _out(db: DbSession, key: str) -> UsageEventsOut:
    rows = usage.list_usage_events(db, key)
    return UsageEventsOut(feature=key, events=[usage.usage_event_of(row) for row in rows])


@router.get("/{key}/usage-events", response_model=UsageEventsOut)
def get_usage_events(key: str, db: DbSession, _: Reader) -> UsageEventsOut:
    """The events that mean feature ``key`` was used."""
    return _out(db, key)


@router.put("/{key}/usage-events", response_model=UsageEventsOut)
def put_usage_events(key: str, body: UsageEventsIn, db: DbSession, who: Writer) -> UsageEventsOut:
    """Replace the events that mean feature ``key`` was used."""
    usage.set_usage_events(db, key, body.events, actor=who.actor)
    db.commit()
    return _out(db, key)


@router.get("/{key}/adoption", response_model=AdoptionResult)
def get_adoption(
    key: str,
    db: DbSession,
    settings: AppSettings,
    clock: Clock,
    _: Reader,
    date_from: Annotated[date | None, Query(description="First local day.")] = None,
    date_to: Annotated[date | None, Query(description="Last local day.")] = None,
    unit: Annotated[Unit, Query(description="Count people or accounts.")] = "person",
    interval: Annotated[CurveInterval, Query(description="Adoption curve periods.")] = "week",
) -> AdoptionResult:
    """Adoption of feature ``key``: rate, curve since launch, time to first use, retention."""
    with lake_engine_for(settings, db) as engine:
        return usage.feature_adoption(
            db,
            engine,
            key,
            today=clock.today,
            tz=clock.time_zone,
            date_from=date_from,
            date_to=date_to,
            unit=unit,
            curve_interval=interval,
        )
