"""Local days and buckets across the US and EU daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given

from prodloop.delivery.periods import (
    Granularity,
    Period,
    bucket_start,
    bucket_starts,
    days_between,
    local_date,
    start_of_day,
)
from tests.delivery.maths_helpers import instants, utc, zones


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/New_York", date(2024, 3, 10), 23),  # US spring forward
        ("America/New_York", date(2024, 11, 3), 25),  # US fall back
        ("Europe/Berlin", date(2024, 3, 31), 23),  # EU spring forward
        ("Europe/Berlin", date(2024, 10, 27), 25),  # EU fall back
        ("Europe/Berlin", date(2024, 6, 1), 24),
    ],
)
def test_local_days_have_their_real_length_around_dst(zone: str, day: date, hours: int) -> None:
    midnight, next_midnight = start_of_day(day, zone), start_of_day(day + timedelta(days=1), zone)
    assert next_midnight.astimezone(UTC) - midnight.astimezone(UTC) == timedelta(hours=hours)
    assert days_between(midnight, next_midnight) == pytest.approx(hours / 24)
    assert local_date(start_of_day(day, zone), zone) == day


def test_local_date_depends_on_the_zone_and_the_offset_in_force() -> None:
    # 04:30 UTC on the US spring-forward day is 23:30 EST the evening before ...
    assert local_date(utc(2024, 3, 10, 4, 30), "America/New_York") == date(2024, 3, 9)
    # ... while 04:30 UTC a day later is 00:30 EDT: the new offset (-4) is in force.
    assert local_date(utc(2024, 3, 11, 4, 30), "America/New_York") == date(2024, 3, 11)
    # EU autumn: 22:30 UTC on Saturday 26 Oct is already Sunday in Berlin (CEST, +2) ...
    assert local_date(utc(2024, 10, 26, 22, 30), "Europe/Berlin") == date(2024, 10, 27)
    # ... and 23:30 UTC on Sunday 27 Oct is Monday 00:30 CET (+1): a new week.
    assert local_date(utc(2024, 10, 27, 23, 30), "Europe/Berlin") == date(2024, 10, 28)


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    sunday = date(2024, 10, 27)
    assert bucket_start(sunday, Granularity.WEEK) == date(2024, 10, 21)
    assert bucket_start(sunday + timedelta(days=1), Granularity.WEEK) == date(2024, 10, 28)
    assert bucket_start(sunday, Granularity.MONTH) == date(2024, 10, 1)
    assert bucket_start(sunday, Granularity.DAY) == sunday


def test_bucket_starts_cover_partial_edges() -> None:
    period = Period(date(2024, 1, 31), date(2024, 3, 2))
    assert bucket_starts(period, Granularity.MONTH) == (
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 3, 1),
    )
    weeks = bucket_starts(Period(date(2024, 12, 30), date(2025, 1, 6)), Granularity.WEEK)
    assert weeks == (date(2024, 12, 30),)
    assert bucket_starts(Period(date(2024, 5, 1), date(2024, 5, 1)), Granularity.DAY) == ()


def test_period_basics() -> None:
    period = Period.from_first_to_last(date(2024, 2, 27), date(2024, 3, 1))
    assert period.days == 4  # leap year: 27, 28, 29 Feb and 1 Mar
    assert period.last == date(2024, 3, 1)
    assert date(2024, 3, 1) in period
    assert date(2024, 3, 2) not in period
    assert list(period.each_day())[2] == date(2024, 2, 29)
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2024, 3, 2), date(2024, 3, 1))


def test_naive_datetimes_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2024, 1, 1), "UTC")
    with pytest.raises(ValueError, match="unknown time zone"):
        local_date(utc(2024, 1, 1), "Mars/Olympus_Mons")


def test_days_between_counts_elapsed_time_not_wall_clock() -> None:
    # Midnight to midnight across the US spring-forward day is 23 hours.
    start = start_of_day(date(2024, 3, 10), "America/New_York")
    end = start_of_day(date(2024, 3, 11), "America/New_York")
    assert days_between(start, end) == pytest.approx(23 / 24)


@given(moment=instants, zone=zones)
def test_every_instant_lies_within_its_local_day(moment: datetime, zone: str) -> None:
    day = local_date(moment, zone)
    assert start_of_day(day, zone) <= moment < start_of_day(day + timedelta(days=1), zone)
