"""Trends against the brute-force reference, across clock changes, ties, repeats and merges."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from prodloop.analytics.insights.filters import Breakdown, PropertyFilter
from prodloop.analytics.insights.registry import load_all
from prodloop.analytics.insights.trends import (
    TrendSeries,
    TrendsQuery,
    TrendsResult,
    run_trends,
)
from prodloop.analytics.lake import EventLake
from prodloop.analytics.normalize import build_record
from prodloop.analytics.query.engine import memory_engine
from prodloop.analytics.query.lake_engine import lake_engine
from prodloop.ledger.errors import RuleError
from tests.analytics.insights import reference
from tests.analytics.insights.scenarios import (
    BREAKDOWN_POOL,
    DST_CHANGES,
    FILTER_POOL,
    Scenario,
    scenarios,
)

MATHS = [
    "total",
    "unique_persons",
    "unique_accounts",
    "dau",
    "wau",
    "mau",
    "sum",
    "avg",
    "min",
    "max",
    "p50",
    "p90",
    "p99",
]
PROPERTY_MATHS = {"sum", "avg", "min", "max", "p50", "p90", "p99"}
#: Formulas and the same arithmetic in Python (None where the formula divides by zero).
FORMULAS: dict[str, Callable[..., float | None]] = {
    "A + B": lambda a, b: a + b,
    "A / B * 100": lambda a, b: None if b == 0 else a / b * 100,
    "-(A - 2 * B)": lambda a, b: -(a - 2 * b),
}


@st.composite
def series(draw: st.DrawFn) -> TrendSeries:
    math = draw(st.sampled_from(MATHS))
    return TrendSeries(
        event=draw(st.sampled_from(["pv", "click", None])),
        math=math,
        property="n" if math in PROPERTY_MATHS else None,
        filters=draw(st.lists(st.sampled_from(FILTER_POOL), max_size=1)),
    )


@st.composite
def trend_queries(draw: st.DrawFn, scenario: Scenario) -> TrendsQuery:
    span = (scenario.date_to - scenario.date_from).days
    intervals = ["day", "week", "month"] + (["hour"] if span <= 1 else [])
    count = draw(st.integers(1, 2))
    return TrendsQuery(
        date_from=scenario.date_from,
        date_to=scenario.date_to,
        interval=draw(st.sampled_from(intervals)),
        series=[draw(series()) for _ in range(count)],
        filters=draw(st.lists(st.sampled_from(FILTER_POOL), max_size=1)),
        breakdown=draw(st.one_of(st.none(), st.sampled_from(BREAKDOWN_POOL))),
        breakdown_limit=draw(st.integers(1, 3)),
        compare=draw(st.booleans()),
        formula=draw(st.sampled_from(list(FORMULAS))) if count == 2 else None,
        count_by=draw(st.sampled_from(["person", "account"])),
    )


Lines = dict[tuple[Any, ...], tuple[list[float | None], float | None]]


def engine_lines(result: TrendsResult) -> Lines:
    return {
        (line.kind, line.series, line.breakdown_value, line.is_other, line.period): (
            line.values,
            line.total,
        )
        for line in result.lines
    }


def expected_lines(scenario: Scenario, query: TrendsQuery) -> Lines:
    out: Lines = {}
    periods = ["current", "previous"] if query.compare else ["current"]
    for period in periods:
        found = reference.trends(
            scenario.events,
            scenario.persons,
            scenario.accounts,
            query,
            scenario.tz,
            previous=period == "previous",
        )
        for index, per_key in enumerate(found):
            for (value, other), (values, total) in per_key.items():
                out[("series", index, value, other, period)] = (list(values), total)
        if query.formula is not None:
            width = len(next(iter(found[0].values()))[0]) if found[0] else 0
            if not width:
                first, last = query.date_from, query.date_to
                if period == "previous":
                    span = (last - first).days + 1
                    first, last = first - timedelta(days=span), first - timedelta(days=1)
                width = len(reference.labels(first, last, query.interval, scenario.tz))
            formula = reference.formula_values(found, FORMULAS[query.formula], width)
            for (value, other), (values, total) in formula.items():
                out[("formula", None, value, other, period)] = (values, total)
    return out


def close(actual: float | None, expected: float | None) -> bool:
    if expected is None or actual is None:
        return actual is expected
    return actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


def assert_same(actual: Lines, expected: Lines) -> None:
    assert set(actual) == set(expected)
    for key, (values, total) in expected.items():
        got_values, got_total = actual[key]
        assert len(got_values) == len(values), key
        assert all(close(a, e) for a, e in zip(got_values, values, strict=True)), (
            key,
            got_values,
            values,
        )
        assert close(got_total, total), (key, got_total, total)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_trends_match_the_reference(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    query = data.draw(trend_queries(scenario))
    result = run_trends(scenario.engine(), query, tz=scenario.tz)
    assert result.labels == reference.labels(
        query.date_from, query.date_to, query.interval, scenario.tz
    )
    assert_same(engine_lines(result), expected_lines(scenario, query))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_rolling_active_users_match_the_reference(data: st.DataObject) -> None:
    """WAU / MAU windows reach back 7 / 30 local days from where each bucket ends."""
    scenario = data.draw(scenarios(max_events=6))
    _start, end = reference.range_of(scenario.date_from, scenario.date_to, scenario.tz)
    hours = data.draw(st.lists(st.integers(1, 300), min_size=len(scenario.events)))
    scenario.events = [
        {**event, "timestamp": end - timedelta(hours=3 * k)}
        for event, k in zip(scenario.events, hours, strict=False)
    ]
    query = data.draw(trend_queries(scenario))
    rolling = [
        s.model_copy(update={"math": data.draw(st.sampled_from(["wau", "mau"])), "property": None})
        for s in query.series
    ]
    query = query.model_copy(update={"series": rolling})
    result = run_trends(scenario.engine(), query, tz=scenario.tz)
    assert_same(engine_lines(result), expected_lines(scenario, query))


def _lake_record(uuid: str, event: str, distinct_id: str, moment: datetime, **props: Any) -> Any:
    return build_record(
        uuid=uuid,
        event=event,
        distinct_id=distinct_id,
        timestamp=moment,
        properties=props,
        now=moment,
        sent_at=None,
        source="posthog",
        project="test",
    )


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_trends_on_the_lake_follow_identity_merges(data: st.DataObject) -> None:
    """Anonymous ids identify mid-range; the lake engine counts each human once."""
    scenario = data.draw(scenarios(max_events=16))
    anchor = next(c for _tz, day, c in DST_CHANGES if day == scenario.change_day)
    people = sorted({e["person_id"] for e in scenario.events})
    identified = {
        person: anchor + timedelta(minutes=45 * data.draw(st.integers(-60, 60)))
        for person in people
    }
    records, reference_events = [], []
    for number, event in enumerate(scenario.events):
        person, moment = event["person_id"], event["timestamp"]
        distinct = f"user-{person}" if moment >= identified[person] else f"anon-{person}"
        records.append(
            _lake_record(f"e{number}", event["event"], distinct, moment, **event["properties"])
        )
        reference_events.append({**event, "account_id": None})
    for person, moment in identified.items():
        anon = {"$anon_distinct_id": f"anon-{person}"}
        records.append(_lake_record(f"i-{person}", "$identify", f"user-{person}", moment, **anon))
        reference_events.append(
            {
                "event": "$identify",
                "timestamp": moment,
                "person_id": person,
                "account_id": None,
                "properties": {},
            }
        )
    query = TrendsQuery(
        date_from=scenario.date_from,
        date_to=scenario.date_to,
        interval=data.draw(st.sampled_from(["day", "week"])),
        series=[
            TrendSeries(event=None, math="unique_persons"),
            TrendSeries(event="pv", math="wau"),
            TrendSeries(event="click", math="total"),
        ],
        breakdown=Breakdown(key="b"),
        breakdown_limit=2,
    )
    with tempfile.TemporaryDirectory() as folder:
        lake = EventLake(folder)
        half = len(records) // 2
        lake.append(records[half:])
        lake.compact()
        lake.append(records[:half])
        engine = lake_engine(lake, [])
        try:
            result = run_trends(engine, query, tz=scenario.tz)
        finally:
            engine.connection.close()
    expected = Scenario(scenario.tz, scenario.change_day, reference_events, {}, {})
    expected.date_from, expected.date_to = scenario.date_from, scenario.date_to
    assert_same(engine_lines(result), expected_lines(expected, query))


def test_hour_buckets_across_the_autumn_change_in_berlin() -> None:
    """The repeated hour is one bucket holding both hours; the day has 24 labels (25 hours)."""
    day = date(2024, 10, 27)
    events = [
        {"event": "pv", "timestamp": datetime(2024, 10, 27, 0, 30, tzinfo=UTC), "person_id": "a"},
        {"event": "pv", "timestamp": datetime(2024, 10, 27, 1, 30, tzinfo=UTC), "person_id": "b"},
        {"event": "pv", "timestamp": datetime(2024, 10, 27, 22, 59, tzinfo=UTC), "person_id": "c"},
        {"event": "pv", "timestamp": datetime(2024, 10, 27, 23, 0, tzinfo=UTC), "person_id": "d"},
    ]
    query = TrendsQuery(
        date_from=day, date_to=day, interval="hour", series=[TrendSeries(event="pv")]
    )
    result = run_trends(memory_engine(events), query, tz="Europe/Berlin")
    assert len(result.labels) == 24
    values = dict(zip(result.labels, result.lines[0].values, strict=True))
    assert values[datetime(2024, 10, 27, 2)] == 2  # 02:30 CEST and 02:30 CET
    assert values[datetime(2024, 10, 27, 23)] == 1  # 23:59 CET; 00:00 the next day is out
    assert result.lines[0].total == 3
    by_day = run_trends(
        memory_engine(events),
        query.model_copy(update={"interval": "day"}),
        tz="Europe/Berlin",
    )
    assert by_day.lines[0].values == [3]


def test_weekly_active_users_reach_back_before_the_range() -> None:
    start = date(2024, 3, 4)
    events = [
        {"event": "pv", "timestamp": datetime(2024, 2, 28, 12, tzinfo=UTC), "person_id": "a"},
        {"event": "pv", "timestamp": datetime(2024, 3, 5, 12, tzinfo=UTC), "person_id": "b"},
    ]
    query = TrendsQuery(
        date_from=start, date_to=start + timedelta(days=2), series=[TrendSeries(math="wau")]
    )
    result = run_trends(memory_engine(events), query, tz="UTC")
    # a's event on 28 Feb is inside the 7 days ending 4 and 5 March, not 6 March.
    assert result.lines[0].values == [1, 2, 1]
    assert result.lines[0].total == 1


def test_quotes_in_filter_values_are_escaped() -> None:
    events = [
        {
            "event": "pv",
            "timestamp": datetime(2024, 1, 1, tzinfo=UTC),
            "person_id": "a",
            "properties": {"name": "O'Brien'); DROP TABLE person_events; --"},
        },
        {
            "event": "pv",
            "timestamp": datetime(2024, 1, 1, tzinfo=UTC),
            "person_id": "b",
            "properties": {"name": "x"},
        },
    ]
    engine = memory_engine(events)
    query = TrendsQuery(
        date_from=date(2024, 1, 1),
        date_to=date(2024, 1, 1),
        series=[TrendSeries(event="pv")],
        filters=[PropertyFilter(key="name", operator="contains", value="o'brien')")],
    )
    assert run_trends(engine, query, tz="UTC").lines[0].values == [1]
    assert engine.fetch("SELECT count(*) FROM person_events") == [(2,)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"formula": "A / C"}, "names no series"),
        ({"formula": "__import__('os')"}, "formula"),
        ({"formula": "A ** 2"}, "formula may only use"),
        ({"series": [{"math": "sum"}]}, "needs a property"),
        ({"date_to": "2023-12-31"}, "date_to must not be before"),
        ({"interval": "hour", "date_to": "2024-03-01"}, "at most 31 days"),
        ({"filters": [{"key": "n", "operator": "gt", "value": "x"}]}, "finite number"),
        ({"breakdown": {"key": "plan", "on": "account"}}, "account key"),
    ],
)
def test_bad_queries_are_refused_with_the_reason(change: dict[str, Any], message: str) -> None:
    data = {
        "date_from": "2024-01-01",
        "date_to": "2024-01-07",
        "series": [{"event": "pv"}],
        **change,
    }
    with pytest.raises(ValidationError, match=message):
        TrendsQuery.model_validate(data)


def test_unknown_time_zone_is_refused() -> None:
    query = TrendsQuery(
        date_from=date(2024, 1, 1), date_to=date(2024, 1, 1), series=[TrendSeries()]
    )
    with pytest.raises(RuleError) as refused:
        run_trends(memory_engine([]), query, tz="Mars/Olympus")
    assert refused.value.field == "tz"


def test_trends_is_registered() -> None:
    kinds = load_all()
    assert kinds["trends"].query_model is TrendsQuery
    assert {"stickiness", "lifecycle"} <= set(kinds)
