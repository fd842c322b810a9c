"""Calendar periods and time buckets in the workspace time zone.

Instants are stored in UTC; people think in local days. Everything that buckets by day, week
or month first turns an aware instant into its *local calendar date* in an IANA zone and then
works on dates only, so a 23- or 25-hour day around a daylight-saving change is still exactly
one day, and a week always starts on Monday at local midnight.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ONE_DAY = timedelta(days=1)
SECONDS_PER_DAY = 86_400.0


class Granularity(StrEnum):
    """The size of a time bucket."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    """Local calendar days from ``start`` (inclusive) to ``end`` (exclusive)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def from_first_to_last(cls, first: date, last: date) -> Period:
        """The period covering ``first`` to ``last``, both days included."""
        return cls(start=first, end=last + ONE_DAY)

    @property
    def days(self) -> int:
        """How many calendar days the period holds."""
        return (self.end - self.start).days

    @property
    def last(self) -> date:
        """The last day inside the period."""
        return self.end - ONE_DAY

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def each_day(self) -> Iterator[date]:
        """Every day of the period, oldest first."""
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)


@lru_cache(maxsize=64)
def zone(time_zone: str) -> ZoneInfo:
    """The IANA zone called ``time_zone``; ValueError when there is none by that name."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {time_zone!r}") from exc


def require_aware(at: datetime) -> datetime:
    """``at`` itself, or ValueError when it carries no UTC offset."""
    if at.tzinfo is None or (not isinstance(at.tzinfo, timezone) and at.utcoffset() is None):
        raise ValueError(f"naive datetime {at.isoformat()}: delivery maths needs aware instants")
    return at


def local_date(at: datetime, time_zone: str) -> date:
    """The calendar date ``at`` falls on in ``time_zone``."""
    return require_aware(at).astimezone(zone(time_zone)).date()


def start_of_day(day: date, time_zone: str) -> datetime:
    """The first instant of ``day`` in ``time_zone`` (aware).

    Where local midnight does not exist (a spring-forward gap at 00:00) zoneinfo maps it to
    the first instant after the gap, which is when that day really began.
    """
    return datetime.combine(day, time(0), tzinfo=zone(time_zone))


def days_between(start: datetime, end: datetime) -> float:
    """Elapsed time from ``start`` to ``end`` in days (24-hour days, may be negative).

    Both ends go to UTC first: Python subtracts two datetimes that share one ``tzinfo`` as
    wall-clock times, which would hide a daylight-saving change between them.
    """
    if isinstance(start.tzinfo, timezone) and isinstance(end.tzinfo, timezone):
        elapsed = end - start  # fixed offsets (UTC in storage): plain subtraction is exact
    else:
        elapsed = require_aware(end).astimezone(UTC) - require_aware(start).astimezone(UTC)
    return elapsed.total_seconds() / SECONDS_PER_DAY


def bucket_start(day: date, granularity: Granularity) -> date:
    """The first day of the bucket that contains ``day`` (weeks start on Monday)."""
    if granularity is Granularity.DAY:
        return day
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_bucket_start(start: date, granularity: Granularity) -> date:
    """The first day of the bucket after the one starting on ``start``."""
    if granularity is Granularity.DAY:
        return start + ONE_DAY
    if granularity is Granularity.WEEK:
        return start + timedelta(days=7)
    return add_months(start.replace(day=1), 1)


def add_months(first_of_month: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``first_of_month``."""
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def bucket_starts(period: Period, granularity: Granularity) -> tuple[date, ...]:
    """The start of every bucket that overlaps ``period``, oldest first.

    Buckets at either edge may be partial: only the days inside the period count in them.
    """
    starts: list[date] = []
    current = bucket_start(period.start, granularity)
    while current < period.end:
        starts.append(current)
        current = next_bucket_start(current, granularity)
    return tuple(starts)
