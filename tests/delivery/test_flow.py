"""Flow metrics: known answers, brute-force references and daylight-saving edges."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodloop.delivery.facts import StatusCategory, WorkItemFacts
from prodloop.delivery.flow import (
    AgeBand,
    aging_wip,
    by_feature,
    by_period,
    by_team,
    cycle_started_at,
    cycle_time_days,
    cycle_time_points,
    cycle_time_summary,
    daily_throughput,
    finished_at,
    lead_time_days,
    throughput,
    wip_by_day,
    work_started_at,
)
from prodloop.delivery.percentiles import Percentiles
from prodloop.delivery.periods import Granularity, Period
from tests.delivery.maths_helpers import day_range, instants, local, moved_to, utc, work_item, zones

# --- cycle and lead time ------------------------------------------------------------------


def test_cycle_time_runs_from_the_first_in_progress_move() -> None:
    item = work_item(
        "A-1",
        utc(2024, 5, 1, 9),
        started=utc(2024, 5, 3, 9),
        done=utc(2024, 5, 6, 21),
        status_history=(
            moved_to(utc(2024, 5, 2, 9), StatusCategory.IN_PROGRESS, "In Progress"),
            moved_to(utc(2024, 5, 3, 9), StatusCategory.TODO, "Backlog"),
            moved_to(utc(2024, 5, 6, 21), StatusCategory.DONE, "Done"),
        ),
    )
    assert work_started_at(item) == utc(2024, 5, 2, 9)  # earlier than started_at
    assert cycle_time_days(item) == pytest.approx(4.5)
    assert lead_time_days(item) == pytest.approx(5.5)


def test_items_done_without_being_started_start_when_created() -> None:
    item = work_item("A-2", utc(2024, 5, 1, 12), done=utc(2024, 5, 2, 0))
    assert work_started_at(item) is None
    assert cycle_started_at(item) == item.created_at
    assert cycle_time_days(item) == pytest.approx(0.5)


def test_clock_skew_never_gives_negative_times_and_open_items_have_none() -> None:
    skewed = work_item("A-3", utc(2024, 5, 2), started=utc(2024, 5, 3), done=utc(2024, 5, 2, 12))
    assert cycle_time_days(skewed) == 0.0
    assert cycle_time_days(work_item("A-4", utc(2024, 5, 1))) is None
    cancelled = work_item("A-5", utc(2024, 5, 1), done=utc(2024, 5, 2), cancelled=True)
    assert cycle_time_days(cancelled) is None
    assert lead_time_days(cancelled) is None


def test_cycle_time_summary_and_scatterplot() -> None:
    zone = "America/New_York"
    items = [
        work_item(f"C-{n}", utc(2024, 4, 1), started=utc(2024, 4, 1), done=utc(2024, 4, 1 + n))
        for n in range(1, 6)
    ] + [work_item("C-X", utc(2024, 4, 1), done=utc(2024, 4, 3), cancelled=True)]
    summary = cycle_time_summary(items, time_zone=zone)
    assert summary.completed == 5
    cycle = summary.cycle_time
    assert (cycle.count, cycle.p50, cycle.p85, cycle.p95) == pytest.approx((5, 3.0, 4.4, 4.8))
    # Done at 00:00 UTC is the evening before in New York.
    assert [p.done_on for p in summary.points] == [date(2024, 4, n) for n in range(1, 6)]
    assert summary.points[0].key == "C-1"
    in_april_3_to_4 = cycle_time_summary(
        items, time_zone=zone, period=Period(date(2024, 4, 3), date(2024, 4, 5))
    )
    assert [p.key for p in in_april_3_to_4.points] == ["C-3", "C-4"]


# --- throughput ---------------------------------------------------------------------------


def test_weekly_throughput_across_the_eu_autumn_change() -> None:
    zone = "Europe/Berlin"
    done = [
        local(zone, 2024, 10, 21, 0, 0),  # Monday 00:00: first instant of the week
        local(zone, 2024, 10, 27, 2, 30),  # the repeated hour on the change day
        local(zone, 2024, 10, 27, 23, 59),  # Sunday night, still the same week
        local(zone, 2024, 10, 28, 0, 30),  # Monday 00:30 CET = Sunday 23:30 UTC
        local(zone, 2024, 11, 3, 12, 0),
    ]
    items = [work_item(f"T-{n}", utc(2024, 10, 1), done=at) for n, at in enumerate(done)]
    items.append(work_item("T-X", utc(2024, 10, 1), done=done[0], cancelled=True))
    weeks = throughput(
        items,
        period=Period(date(2024, 10, 21), date(2024, 11, 11)),
        granularity=Granularity.WEEK,
        time_zone=zone,
    )
    assert [(w.start, w.items_done) for w in weeks] == [
        (date(2024, 10, 21), 3),
        (date(2024, 10, 28), 2),
        (date(2024, 11, 4), 0),
    ]


def test_daily_throughput_across_the_us_spring_change() -> None:
    zone = "America/New_York"
    items = [
        work_item("D-1", utc(2024, 3, 1), done=local(zone, 2024, 3, 9, 23, 30)),
        work_item("D-2", utc(2024, 3, 1), done=local(zone, 2024, 3, 10, 3, 30)),  # after gap
        work_item("D-3", utc(2024, 3, 1), done=utc(2024, 3, 11, 3, 59)),  # 23:59 EDT on the 10th
        work_item("D-4", utc(2024, 3, 1), done=utc(2024, 3, 11, 4, 0)),  # 00:00 EDT on the 11th
    ]
    period = Period(date(2024, 3, 9), date(2024, 3, 12))
    assert daily_throughput(items, period=period, time_zone=zone) == (1, 2, 1)


done_items = st.lists(
    st.tuples(instants, st.booleans(), st.booleans()), min_size=0, max_size=40
).map(
    lambda rows: [
        work_item(f"H-{n}", at - timedelta(days=3), done=at if finished else None, cancelled=cut)
        for n, (at, finished, cut) in enumerate(rows)
    ]
)
granularities = st.sampled_from(list(Granularity))


def _brute_force_bucket_of(day: date, granularity: Granularity, starts: list[date]) -> date:
    """The bucket holding ``day``, found by walking each bucket's days one by one."""
    for start in starts:
        if granularity is Granularity.MONTH:
            if (day.year, day.month) == (start.year, start.month):
                return start
        else:
            length = 1 if granularity is Granularity.DAY else 7
            if day in [start + timedelta(days=k) for k in range(length)]:
                return start
    raise AssertionError(f"{day} in no bucket")


@settings(max_examples=60, deadline=None)
@given(
    items=done_items,
    zone=zones,
    granularity=granularities,
    first=instants,
    span=st.integers(1, 120),
)
def test_throughput_matches_a_brute_force_per_item_count(
    items: list[WorkItemFacts], zone: str, granularity: Granularity, first: datetime, span: int
) -> None:
    period = Period(first.date(), first.date() + timedelta(days=span))
    buckets = throughput(items, period=period, granularity=granularity, time_zone=zone)
    starts = [b.start for b in buckets]
    expected = dict.fromkeys(starts, 0)
    for item in items:
        if item.done_at is None or item.cancelled:
            continue
        day = item.done_at.astimezone(ZoneInfo(zone)).date()
        if period.start <= day < period.end:
            expected[_brute_force_bucket_of(day, granularity, starts)] += 1
    assert {b.start: b.items_done for b in buckets} == expected
    assert sum(expected.values()) == sum(b.items_done for b in buckets)


# --- WIP ----------------------------------------------------------------------------------


def test_wip_is_counted_at_the_end_of_each_local_day() -> None:
    zone = "Europe/Berlin"
    items = [
        work_item(
            "W-1",
            utc(2024, 3, 1),
            started=local(zone, 2024, 3, 30, 10),
            done=local(zone, 2024, 4, 1, 9),
        ),
        work_item("W-2", utc(2024, 3, 1), started=local(zone, 2024, 3, 31, 23, 30)),  # DST day
        work_item("W-3", utc(2024, 3, 1), started=local(zone, 2024, 3, 30, 8), cancelled=True),
        work_item(
            "W-4",
            utc(2024, 3, 1),
            started=local(zone, 2024, 3, 29, 8),
            cancelled=True,
            status_history=(moved_to(local(zone, 2024, 3, 31, 8), StatusCategory.CANCELLED),),
        ),
        work_item("W-5", utc(2024, 3, 1), done=local(zone, 2024, 3, 30, 8)),  # never started
    ]
    period = Period(date(2024, 3, 29), date(2024, 4, 2))
    points = wip_by_day(items, period=period, time_zone=zone)
    assert [(p.day.day, p.wip) for p in points] == [(29, 1), (30, 2), (31, 2), (1, 1)]
    assert finished_at(items[3]) == local(zone, 2024, 3, 31, 8)


wip_items = st.lists(
    st.tuples(instants, st.integers(0, 20 * 24 * 60), st.booleans(), st.booleans()),
    max_size=30,
).map(
    lambda rows: [
        work_item(
            f"P-{n}",
            start - timedelta(days=1),
            started=start,
            done=start + timedelta(minutes=minutes) if finished else None,
        )
        for n, (start, minutes, finished, _) in enumerate(rows)
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    items=wip_items,
    zone=st.sampled_from(["UTC", "America/New_York", "Europe/Berlin"]),
    first=instants,
    span=st.integers(1, 60),
)
def test_wip_matches_a_per_day_scan_of_instants(
    items: list[WorkItemFacts], zone: str, first: datetime, span: int
) -> None:
    period = Period(first.date(), first.date() + timedelta(days=span))
    points = wip_by_day(items, period=period, time_zone=zone)
    for point, day in zip(points, day_range(period.start, period.last), strict=True):
        end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), ZoneInfo(zone))
        expected = sum(
            1
            for item in items
            if item.started_at is not None
            and item.started_at < end_of_day
            and (item.done_at is None or item.done_at >= end_of_day)
        )
        assert point.day == day
        assert point.wip == expected


# --- work-item age ------------------------------------------------------------------------


def test_aging_wip_bands_against_cycle_time_percentiles() -> None:
    as_of = utc(2024, 6, 30, 12)
    cycle_time = Percentiles(count=40, p50=3.0, p85=8.0, p95=12.0)
    items = [
        work_item("G-1", utc(2024, 6, 1), started=as_of - timedelta(days=2)),
        work_item("G-2", utc(2024, 6, 1), started=as_of - timedelta(days=5)),
        work_item("G-3", utc(2024, 6, 1), started=as_of - timedelta(days=8)),  # not over p85
        work_item("G-4", utc(2024, 6, 1), started=as_of - timedelta(days=20)),
        work_item("G-5", utc(2024, 6, 1), started=as_of - timedelta(days=9), done=as_of),  # done
        work_item("G-6", utc(2024, 6, 1), started=as_of + timedelta(hours=1)),  # future
        work_item("G-7", utc(2024, 6, 1)),  # not started
    ]
    aging = aging_wip(items, as_of=as_of, cycle_time=cycle_time)
    assert [(a.key, a.age_days, a.band) for a in aging] == [
        ("G-4", 20.0, AgeBand.OVER_P95),
        ("G-3", 8.0, AgeBand.OVER_P50),
        ("G-2", 5.0, AgeBand.OVER_P50),
        ("G-1", 2.0, AgeBand.WITHIN_P50),
    ]
    no_history = aging_wip(items, as_of=as_of, cycle_time=Percentiles.of([]))
    assert {a.band for a in no_history} == {None}


def test_age_is_elapsed_time_across_a_dst_change() -> None:
    zone = "America/New_York"
    started = local(zone, 2024, 3, 9, 12)
    as_of = local(zone, 2024, 3, 10, 12)  # one wall-clock day, 23 real hours
    aging = aging_wip(
        [work_item("N-1", started, started=started)], as_of=as_of, cycle_time=Percentiles.of([])
    )
    assert aging[0].age_days == pytest.approx(23 / 24)


# --- grouping -----------------------------------------------------------------------------


def test_grouping_by_team_feature_and_period() -> None:
    zone = "UTC"
    items = [
        work_item("K-1", utc(2024, 1, 1), done=utc(2024, 1, 2), team="core", feature="F-1"),
        work_item("K-2", utc(2024, 1, 1), done=utc(2024, 1, 9), team="core"),
        work_item("K-3", utc(2024, 1, 1), team="web", feature="F-1"),
    ]
    assert {team: [i.key for i in group] for team, group in by_team(items).items()} == {
        "core": ["K-1", "K-2"],
        "web": ["K-3"],
    }
    assert list(by_feature(items)) == ["F-1", None]
    weekly = by_period(items, granularity=Granularity.WEEK, time_zone=zone)
    assert {start: [i.key for i in group] for start, group in weekly.items()} == {
        date(2024, 1, 1): ["K-1"],
        date(2024, 1, 8): ["K-2"],
    }
    points = cycle_time_points(items, time_zone=zone)
    assert [p.team for p in points] == ["core", "core"]
