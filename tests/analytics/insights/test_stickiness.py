"""Stickiness against the brute-force reference, and a worked example."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodloop.analytics.insights.ranges import EventSeries
from prodloop.analytics.insights.stickiness import StickinessQuery, run_stickiness
from prodloop.analytics.query.engine import memory_engine
from tests.analytics.insights import reference
from tests.analytics.insights.scenarios import FILTER_POOL, scenarios


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_stickiness_matches_the_reference(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    span = (scenario.date_to - scenario.date_from).days
    query = StickinessQuery(
        date_from=scenario.date_from,
        date_to=scenario.date_to,
        interval=data.draw(st.sampled_from(["day", "week"] + (["hour"] if span <= 1 else []))),
        series=[
            EventSeries(
                event=data.draw(st.sampled_from(["pv", "click", None])),
                filters=data.draw(st.lists(st.sampled_from(FILTER_POOL), max_size=1)),
            )
            for _ in range(data.draw(st.integers(1, 2)))
        ],
        filters=data.draw(st.lists(st.sampled_from(FILTER_POOL), max_size=1)),
        count_by=data.draw(st.sampled_from(["person", "account"])),
    )
    result = run_stickiness(scenario.engine(), query, tz=scenario.tz)
    expected = reference.stickiness(
        scenario.events, scenario.persons, scenario.accounts, query, scenario.tz
    )
    assert [line.values for line in result.lines] == expected
    assert result.intervals == list(
        range(
            1,
            len(reference.labels(query.date_from, query.date_to, query.interval, scenario.tz)) + 1,
        )
    )
    assert [line.total for line in result.lines] == [sum(values) for values in expected]


def test_stickiness_worked_example_across_the_spring_change() -> None:
    """New York, 9-11 March 2024 (the 10th has 23 hours): a on 3 days, b on 1, c twice a day."""
    at = [
        ("a", datetime(2024, 3, 9, 15, tzinfo=UTC)),
        ("a", datetime(2024, 3, 10, 4, 59, tzinfo=UTC)),  # 9 March 23:59 EST: still the 9th
        ("a", datetime(2024, 3, 10, 5, tzinfo=UTC)),  # 10 March 00:00 EST
        ("a", datetime(2024, 3, 11, 3, 59, tzinfo=UTC)),  # 10 March 23:59 EDT
        ("a", datetime(2024, 3, 11, 4, tzinfo=UTC)),  # 11 March 00:00 EDT
        ("b", datetime(2024, 3, 11, 12, tzinfo=UTC)),
        ("c", datetime(2024, 3, 9, 12, tzinfo=UTC)),
        ("c", datetime(2024, 3, 9, 13, tzinfo=UTC)),
    ]
    events = [{"event": "pv", "timestamp": ts, "person_id": p} for p, ts in at]
    query = StickinessQuery(
        date_from=date(2024, 3, 9), date_to=date(2024, 3, 11), series=[EventSeries(event="pv")]
    )
    result = run_stickiness(memory_engine(events), query, tz="America/New_York")
    assert result.intervals == [1, 2, 3]
    assert result.lines[0].values == [2, 0, 1]
