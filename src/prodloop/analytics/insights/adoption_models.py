"""The adoption insight's query and result: what is asked and what comes back.

See :mod:`prodloop.analytics.insights.adoption` for the definitions behind every figure.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prodloop.analytics.insights.filters import PropertyFilter

Unit = Literal["person", "account"]
CurveInterval = Literal["day", "week"]

MAX_FEATURES = 12
MAX_RETENTION_WEEKS = 26
#: Time-to-first-use histogram bins in days: (label, from, to); ``None`` is open-ended.
FIRST_USE_BINS: tuple[tuple[str, float, float | None], ...] = (
    ("same day", 0.0, 1.0),
    ("1 to 7 days", 1.0, 7.0),
    ("1 to 4 weeks", 7.0, 30.0),
    ("1 to 3 months", 30.0, 90.0),
    ("over 3 months", 90.0, None),
)
NO_VALUE = "(none)"


class UsageEvent(BaseModel):
    """An event that means the feature was used, optionally only with these property values."""

    model_config = ConfigDict(extra="forbid")

    event: str = Field(min_length=1, max_length=200)
    properties: dict[str, str] = Field(default_factory=dict)

    @field_validator("event")
    @classmethod
    def _printable(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ord(char) < 32 for char in value):
            raise ValueError("event must be a non-empty printable name")
        return value

    @field_validator("properties")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not key.strip() or len(key) > 200:
                raise ValueError("property names must be 1 to 200 characters")
        return value


class FeatureUsage(BaseModel):
    """A feature as the insight needs it: its key, launch date and usage events."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64)
    title: str = ""
    launch_date: date | None = None
    events: list[UsageEvent] = Field(min_length=1, max_length=50)


class AdoptionQuery(BaseModel):
    """Adoption of one or more features over local dates ``date_from`` … ``date_to``."""

    model_config = ConfigDict(extra="forbid")

    features: list[FeatureUsage] = Field(min_length=1, max_length=MAX_FEATURES)
    date_from: date
    date_to: date
    unit: Unit = "person"
    curve_interval: CurveInterval = "week"
    retention_weeks: int = Field(default=8, ge=1, le=MAX_RETENTION_WEEKS)
    filters: list[PropertyFilter] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> AdoptionQuery:
        if self.date_to < self.date_from:
            raise ValueError("date_to must not be before date_from")
        keys = [feature.key for feature in self.features]
        if len(set(keys)) != len(keys):
            raise ValueError("features must not repeat a key")
        return self


class CurvePoint(BaseModel):
    """Adopters by period since launch (period 0 holds launch day or week, and earlier use)."""

    period: int
    new_adopters: int
    cumulative_adopters: int
    rate: float | None


class FirstUseBin(BaseModel):
    """How many adopters first used the feature within a span of days."""

    label: str
    min_days: float
    max_days: float | None
    count: int


class TimeToFirstUse(BaseModel):
    """Distribution of days from launch (or first seen, if later) to first use."""

    count: int
    mean_days: float | None
    p25_days: float | None
    median_days: float | None
    p75_days: float | None
    p90_days: float | None
    histogram: list[FirstUseBin]


class RetentionWeek(BaseModel):
    """Week ``week`` retention of adopters and of non-adopters."""

    week: int
    adopters_cohort: int
    adopters_retained: int
    adopters_rate: float | None
    non_adopters_cohort: int
    non_adopters_retained: int
    non_adopters_rate: float | None


class AdoptionBreakdown(BaseModel):
    """Adoption among the units of one segment or ARR band."""

    value: str
    active: int
    adopters: int
    rate: float | None


class FeatureAdoption(BaseModel):
    """Everything the insight found for one feature."""

    key: str
    title: str
    events: list[UsageEvent]
    launch_date: date | None
    anchor_date: date | None
    anchored_on: Literal["launch", "first_use", "none"]
    active: int
    adopters: int
    adoption_rate: float | None
    active_arr: float
    adopting_arr: float
    curve: list[CurvePoint]
    time_to_first_use: TimeToFirstUse
    retention: list[RetentionWeek]
    by_segment: list[AdoptionBreakdown]
    by_arr_band: list[AdoptionBreakdown]


class AdoptionResult(BaseModel):
    """Adoption of each queried feature, and the SQL that computed it."""

    unit: Unit
    date_from: date
    date_to: date
    curve_interval: CurveInterval
    active: int
    features: list[FeatureAdoption]
    sql: str


class UnitRow(BaseModel):
    """One active unit, as the per-feature SQL returns it."""

    unit: str
    first_seen: datetime
    first_use: datetime | None
    first_use_day: date | None
    first_active_day: date
    first_use_day_in_window: date | None
    account_id: str | None
    segment: str | None
    arr: float | None
    arr_band: str | None
