"""Lifecycle against the brute-force reference, and a worked example."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodloop.analytics.insights.lifecycle import LifecycleQuery, run_lifecycle
from prodloop.analytics.query.engine import memory_engine
from tests.analytics.insights import reference
from tests.analytics.insights.scenarios import FILTER_POOL, scenarios


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_lifecycle_matches_the_reference(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    span = (scenario.date_to - scenario.date_from).days
    query = LifecycleQuery(
        date_from=scenario.date_from,
        date_to=scenario.date_to,
        interval=data.draw(st.sampled_from(["day", "week"] + (["hour"] if span <= 1 else []))),
        event=data.draw(st.sampled_from(["pv", "click", None])),
        filters=data.draw(st.lists(st.sampled_from(FILTER_POOL), max_size=1)),
        count_by=data.draw(st.sampled_from(["person", "account"])),
    )
    result = run_lifecycle(scenario.engine(), query, tz=scenario.tz)
    expected = reference.lifecycle(
        scenario.events, scenario.persons, scenario.accounts, query, scenario.tz
    )
    assert result.labels == reference.labels(
        query.date_from, query.date_to, query.interval, scenario.tz
    )
    assert {line.status: line.values for line in result.lines} == expected


def test_lifecycle_worked_example() -> None:
    """Days 1-4 of March (UTC), range 2-4: a on 1, 2, 4; b on 2, 3; c on 3."""
    days = [("a", 1), ("a", 2), ("a", 4), ("b", 2), ("b", 3), ("c", 3), ("c", 3)]
    events = [
        {"event": "pv", "timestamp": datetime(2024, 3, d, 12, tzinfo=UTC), "person_id": p}
        for p, d in days
    ]
    events.append(
        {"event": "pv", "timestamp": datetime(2024, 3, 5, 1, tzinfo=UTC), "person_id": "d"}
    )
    query = LifecycleQuery(date_from=date(2024, 3, 2), date_to=date(2024, 3, 4), event="pv")
    result = run_lifecycle(memory_engine(events), query, tz="UTC")
    lines = {line.status: line.values for line in result.lines}
    assert lines == {
        "new": [1, 1, 0],  # b on the 2nd, c on the 3rd (d is after the range)
        "returning": [1, 1, 0],  # a on the 2nd, b on the 3rd
        "resurrecting": [0, 0, 1],  # a on the 4th
        "dormant": [0, -1, -2],  # a on the 3rd; b and c on the 4th
    }


def test_the_hour_after_the_spring_gap_follows_the_hour_before_it() -> None:
    """Berlin skips 02:00-03:00 on 31 March 2024: 03:00 CEST's previous hour is 01:00 CET."""
    events = [
        {"event": "pv", "timestamp": datetime(2024, 3, 31, 0, 30, tzinfo=UTC), "person_id": "a"},
        {"event": "pv", "timestamp": datetime(2024, 3, 31, 1, 30, tzinfo=UTC), "person_id": "a"},
    ]
    query = LifecycleQuery(date_from=date(2024, 3, 31), date_to=date(2024, 3, 31), interval="hour")
    result = run_lifecycle(memory_engine(events), query, tz="Europe/Berlin")
    assert len(result.labels) == 23
    lines = {line.status: line.values[:4] for line in result.lines}
    assert result.labels[1:3] == [datetime(2024, 3, 31, 1), datetime(2024, 3, 31, 3)]
    assert lines["new"] == [0, 1, 0, 0]
    assert lines["returning"] == [0, 0, 1, 0]
    assert lines["dormant"] == [0, 0, 0, -1]
