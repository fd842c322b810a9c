"""Events the insight interface tests share, and a brute-force count to check results by."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from prodloop.analytics.lake import EventLake
from prodloop.analytics.normalize import build_record
from prodloop.analytics.schemas import EventRecord

ZONE = ZoneInfo("Europe/Berlin")  # the seeded workspace's time zone
DAYS = 14


def local_today() -> date:
    """Today in the workspace time zone."""
    return datetime.now(ZONE).date()


def sample_events(today: date) -> list[EventRecord]:
    """Two weeks of sign-ups, views and upgrades by six people, some near local midnight."""
    records: list[EventRecord] = []
    now = datetime.now(UTC)
    number = 0
    for back in range(DAYS):
        day = today - timedelta(days=back)
        for person in range(back % 5 + 1):
            # 00:30 local is the previous day in UTC: a UTC bucketing would misplace it
            hour = 0 if person == 0 else 12
            moment = datetime(day.year, day.month, day.day, hour, 30, tzinfo=ZONE)
            events = ["signed_up", "viewed"] + (["upgraded"] if person % 2 == 0 else [])
            for offset, name in enumerate(events):
                number += 1
                records.append(
                    build_record(
                        uuid=f"evt-{number}",
                        event=name,
                        distinct_id=f"user-{person}",
                        timestamp=moment + timedelta(minutes=offset),
                        properties={"$browser": "Firefox" if person % 2 else "Chrome"},
                        now=now,
                        sent_at=None,
                        source="test",
                        project="test",
                    )
                )
    return records


def write_events(lake: EventLake, today: date) -> list[EventRecord]:
    """Write :func:`sample_events` into ``lake`` and return them."""
    records = sample_events(today)
    lake.append(records)
    return records


def daily_counts(records: list[EventRecord], event: str) -> Counter[date]:
    """How many ``event`` events fall on each local day (the reference for trends)."""
    return Counter(
        datetime.fromisoformat(r["timestamp"]).astimezone(ZONE).date()
        for r in records
        if r["event"] == event
    )
