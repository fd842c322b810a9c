"""What trends, stickiness and lifecycle share: the date range, the actor, the event match.

A range is a span of local dates in the workspace time zone (``date_from`` … ``date_to``,
both included). An *actor* is what an insight counts: a person (``e.person_id``) or a
ledger account (``e.account_id``; events without an account are not counted by account).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prodloop.analytics.insights.filters import PropertyFilter, filters_sql
from prodloop.analytics.query.buckets import Interval, local_range, truncate
from prodloop.analytics.query.dialect import Dialect, quote_literal
from prodloop.ledger.errors import RuleError

Actor = Literal["person", "account"]

#: Longest range, in days, by interval (keeps the bucket count sensible).
MAX_DAYS: dict[str, int] = {"hour": 31, "day": 3 * 366, "week": 5 * 366, "month": 10 * 366}


class InsightRange(BaseModel):
    """A span of local dates and the interval that buckets it."""

    model_config = ConfigDict(extra="forbid")

    date_from: date
    date_to: date
    interval: Interval = "day"

    @model_validator(mode="after")
    def _check_range(self) -> InsightRange:
        if self.date_to < self.date_from:
            raise ValueError("date_to must not be before date_from")
        days = (self.date_to - self.date_from).days + 1
        if days > MAX_DAYS[self.interval]:
            raise ValueError(
                f"a range by {self.interval} may span at most {MAX_DAYS[self.interval]} days"
            )
        return self


class EventSeries(BaseModel):
    """One event (``None`` = any event) narrowed by filters."""

    model_config = ConfigDict(extra="forbid")

    event: str | None = Field(default=None, max_length=400)
    filters: list[PropertyFilter] = Field(default_factory=list, max_length=20)
    label: str | None = Field(default=None, max_length=200)

    @field_validator("event")
    @classmethod
    def _event(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("event must not be blank (leave it out to match any event)")
        return value


def check_time_zone(tz: str) -> ZoneInfo:
    """The zone called ``tz``; RuleError naming ``tz`` when there is none."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError(f"unknown time zone {tz!r}", field="tz") from None


def actor_sql(actor: Actor) -> str:
    """The column that identifies the counted actor."""
    return "e.person_id" if actor == "person" else "e.account_id"


def instant_sql(moment: datetime, dialect: Dialect) -> str:
    """A UTC instant literal."""
    return dialect.timestamp(moment.astimezone(UTC).isoformat())


def local_sql(label: datetime) -> str:
    """A naive local timestamp literal (a bucket label)."""
    return f"TIMESTAMP {quote_literal(label.strftime('%Y-%m-%d %H:%M:%S'))}"


def match_sql(series: EventSeries, filters: Sequence[PropertyFilter], dialect: Dialect) -> str:
    """Boolean SQL: the event is the series' event and passes global and series filters."""
    parts = []
    if series.event is not None:
        parts.append(f"e.event = {quote_literal(series.event)}")
    parts.append(filters_sql([*filters, *series.filters], dialect))
    return " AND ".join(parts)


def series_name(series: EventSeries) -> str:
    """How a series reads in a legend."""
    return series.label or series.event or "All events"


def previous_label(label: datetime, interval: Interval, tz: str) -> datetime:
    """The label of the bucket just before the bucket labelled ``label``."""
    zone = ZoneInfo(tz)
    if interval == "hour":
        first = label.replace(tzinfo=zone).astimezone(UTC)
    else:
        first = local_range(label.date(), label.date(), tz)[0]
    return truncate(first - timedelta(microseconds=1), interval, tz)


def next_label(label: datetime, interval: Interval) -> datetime:
    """The naive local time at which the bucket labelled ``label`` ends (wall clock)."""
    if interval == "hour":
        return label + timedelta(hours=1)
    if interval == "day":
        return label + timedelta(days=1)
    if interval == "week":
        return label + timedelta(days=7)
    return (label.replace(day=1) + timedelta(days=32)).replace(day=1)
