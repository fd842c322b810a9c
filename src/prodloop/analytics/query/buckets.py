"""Time buckets in a workspace's time zone, correct across daylight-saving changes.

An insight's range is a span of local calendar dates; :func:`local_range` turns it into the
UTC instants that bound the query, and :func:`bucket_labels` lists every bucket label the
range holds (the local start of each hour / day / week / month), so buckets without events
still appear as zeros. A day is the local calendar day, 23 or 25 hours long on the days the
clocks change; an hour that the clocks skip has no bucket, and the hour they repeat is one
bucket holding both (labels are local wall-clock times, as people read them).

Weeks start on Monday (ISO 8601), as SQL engines' ``date_trunc('week', …)`` does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Interval = Literal["hour", "day", "week", "month"]
INTERVALS: tuple[Interval, ...] = ("hour", "day", "week", "month")


def local_midnight(day: date, tz: str) -> datetime:
    """The UTC instant at which local ``day`` begins in ``tz``.

    Where a zone skips midnight itself, the day begins at the first local time that exists.
    """
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    utc = start.astimezone(UTC)
    # A skipped wall time maps forward across the gap; round trip to be sure it is the day.
    if utc.astimezone(zone).date() != day:
        utc = datetime.combine(day, time(0), UTC) - (start.utcoffset() or timedelta(0))
    return utc


def local_range(first_day: date, last_day: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants ``[start, end)`` covering local dates ``first_day``…``last_day``."""
    if last_day < first_day:
        raise ValueError(f"the range ends ({last_day}) before it starts ({first_day})")
    return local_midnight(first_day, tz), local_midnight(last_day + timedelta(days=1), tz)


def truncate(moment: datetime, interval: Interval, tz: str) -> datetime:
    """The bucket label (naive local wall-clock time) of the instant ``moment``."""
    local = moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    midnight = datetime.combine(local.date(), time(0))
    if interval == "day":
        return midnight
    if interval == "week":
        return midnight - timedelta(days=local.weekday())
    if interval == "month":
        return midnight.replace(day=1)
    raise ValueError(f"unknown interval {interval!r}")


def bucket_labels(first_day: date, last_day: date, interval: Interval, tz: str) -> list[datetime]:
    """Every bucket label from the bucket holding ``first_day`` to the one holding ``last_day``.

    Labels are naive local wall-clock times, ascending and distinct.
    """
    start, end = local_range(first_day, last_day, tz)
    if interval == "hour":
        labels: list[datetime] = []
        moment = start.replace(minute=0, second=0, microsecond=0)
        while moment < end:
            label = truncate(moment, "hour", tz)
            if moment >= start - timedelta(hours=1) and (not labels or labels[-1] != label):
                labels.append(label)
            moment += timedelta(minutes=30 if _has_half_hour_offset(tz) else 60)
        return [label for label in labels if label.date() >= first_day]
    labels = []
    day = first_day
    while day <= last_day:
        label = truncate(local_midnight(day, tz), interval, tz)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def _has_half_hour_offset(tz: str) -> bool:
    """Whether some offset of ``tz`` is not a whole number of hours (India, Lord Howe…)."""
    zone = ZoneInfo(tz)
    for month in (1, 7):
        offset = datetime(2024, month, 1, tzinfo=zone).utcoffset() or timedelta(0)
        if offset.total_seconds() % 3600:
            return True
    return False
