"""The query parameters delivery pages and API endpoints share, declared once as models.

FastAPI reads each model from the query string (``Annotated[Model, Query()]``), so the
OpenAPI spec, the validation errors naming a field, and the pages' filters all come from
these declarations.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from prodloop.delivery.dora_bands import DEFAULT_REPORT_YEAR
from prodloop.delivery.feature_report import DEFAULT_HISTORY_DAYS, MAX_HISTORY_DAYS
from prodloop.delivery.forecast import DEFAULT_SEED, DEFAULT_TRIALS
from prodloop.delivery.periods import Granularity, Period
from prodloop.delivery.report import report_period, today_in, workspace_time_zone
from prodloop.web.deps import DbSession

HistoryDays = Annotated[
    int,
    Field(ge=1, le=MAX_HISTORY_DAYS, description="Days of team throughput to sample from."),
]
Seed = Annotated[int, Field(ge=0, description="Random seed: same inputs and seed, same forecast.")]


class PeriodQuery(BaseModel):
    """A reporting period: local days ``start`` to ``end``, both included."""

    start: date | None = Field(default=None, description="First day (default: 12 weeks ago).")
    end: date | None = Field(default=None, description="Last day, included (default: today).")
    granularity: Granularity = Field(
        default=Granularity.WEEK, description="Bucket size of the charts over time."
    )

    def period(self, today: date) -> Period:
        """The period these parameters name (RuleError naming start / end when unusable)."""
        return report_period(today=today, start=self.start, end=self.end)


class DoraQuery(PeriodQuery):
    """A period, a repository (all when empty) and the report year bands are taken from."""

    repo: str | None = Field(default=None, description="owner/name; all repositories if empty.")
    report_year: int = Field(
        default=DEFAULT_REPORT_YEAR, description="State of DevOps report year of the bands."
    )


class FeatureForecastQuery(BaseModel):
    """How a feature's forecast samples its team's history."""

    history_days: HistoryDays = DEFAULT_HISTORY_DAYS
    seed: Seed = DEFAULT_SEED


class ForecastRequest(BaseModel):
    """A Monte Carlo question about a team: when will N items be done, how many by a date."""

    team: str = Field(description="Team key (or a team name a source uses).")
    items: int | None = Field(default=None, ge=1, description="When will this many be done?")
    by: date | None = Field(default=None, description="How many will be done by this day?")
    history_days: HistoryDays = DEFAULT_HISTORY_DAYS
    seed: Seed = DEFAULT_SEED
    trials: int = Field(default=DEFAULT_TRIALS, ge=100, le=100_000)


class Workspace(BaseModel):
    """The workspace's time zone and today's date in it."""

    time_zone: str
    today: date


def workspace_clock(db: DbSession) -> Workspace:
    """The workspace time zone and its today, for reports."""
    return clock_of(db)


def clock_of(db: Session) -> Workspace:
    """The workspace time zone and its today."""
    zone = workspace_time_zone(db)
    return Workspace(time_zone=zone, today=today_in(zone))


Clock = Annotated[Workspace, Depends(workspace_clock)]
