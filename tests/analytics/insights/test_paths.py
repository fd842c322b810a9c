"""Paths against a hand-worked example and the brute-force reference."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from prodloop.analytics.insights.paths import PathsQuery, run_paths
from prodloop.analytics.insights.registry import load_all
from prodloop.analytics.query.engine import memory_engine
from tests.analytics.insights import reference_funnels as ref

T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)


def ev(person: str, event: str, minutes: float) -> dict[str, Any]:
    return {"person_id": person, "event": event, "timestamp": T0 + timedelta(minutes=minutes)}


def q(**extra: Any) -> PathsQuery:
    data: dict[str, Any] = {"event": "view", "date_from": "2024-06-01", "date_to": "2024-06-30"}
    data.update(extra)
    return PathsQuery.model_validate(data)


def test_registered() -> None:
    assert load_all()["paths"].query_model is PathsQuery


def test_worked_example() -> None:
    events = [
        # ada: home → view → cart → pay in one session
        ev("ada", "home", 0),
        ev("ada", "view", 1),
        ev("ada", "cart", 2),
        ev("ada", "pay", 3),
        # bob: home → view, then 2 hours idle: the "cart" starts a new session
        ev("bob", "home", 0),
        ev("bob", "view", 5),
        ev("bob", "cart", 125),
    ]
    result = run_paths(memory_engine(events), q(steps=2), tz="UTC")
    assert (result.occurrences, result.sessions) == (2, 2)
    assert [(p.distance, p.event, p.count) for p in result.next] == [(1, "cart", 1), (2, "pay", 1)]
    assert [(p.distance, p.event, p.count) for p in result.previous] == [(1, "home", 2)]
    # with a 3-hour inactivity bob's cart joins the session
    longer = run_paths(memory_engine(events), q(steps=1, inactivity_minutes=180), tz="UTC")
    assert [(p.event, p.count) for p in longer.next] == [("cart", 2)]
    # limit 1 at distance 1 keeps the top event only; the rest become $other in the edges
    events.append(ev("cy", "view", 0))
    events.append(ev("cy", "help", 1))
    events.append(ev("dan", "view", 0))
    events.append(ev("dan", "help", 1))
    top = run_paths(memory_engine(events), q(steps=1, limit=1), tz="UTC")
    assert [(p.event, p.count) for p in top.next] == [("help", 2)]
    assert {(e.source, e.target, e.count) for e in top.edges if e.direction == "next"} == {
        ("view", "help", 2),
        ("view", "$other", 1),
    }


def test_bad_query() -> None:
    with pytest.raises(ValidationError, match="exclude_events"):
        q(exclude_events=["view"])
    with pytest.raises(ValidationError, match="steps"):
        q(steps=0)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    tz = draw(st.sampled_from(["Europe/Berlin", "America/New_York"]))
    base = (
        datetime(2024, 3, 30, 22, tzinfo=UTC)
        if tz == "Europe/Berlin"
        else datetime(2024, 11, 3, 3, tzinfo=UTC)
    )
    events = [
        {
            "uuid": f"u{number:03d}",
            "person_id": draw(st.sampled_from(["p1", "p2"])),
            "event": draw(st.sampled_from(["a", "b", "c"])),
            "timestamp": base + timedelta(minutes=10 * draw(st.integers(0, 30))),
        }
        for number in range(draw(st.integers(0, 25)))
    ]
    day = base.date() + timedelta(days=draw(st.integers(-1, 1)))
    data = {
        "event": draw(st.sampled_from(["a", "b"])),
        "date_from": day,
        "date_to": day + timedelta(days=draw(st.integers(0, 1))),
        "steps": draw(st.integers(1, 3)),
        "limit": 100,
        "inactivity_minutes": draw(st.sampled_from([10, 30, 60])),
    }
    return events, data, tz


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(scenarios())
def test_paths_match_reference(scenario: tuple[list[dict[str, Any]], dict[str, Any], str]) -> None:
    events, data, tz = scenario
    query = PathsQuery.model_validate(data)
    result = run_paths(memory_engine(events), query, tz=tz)
    found = ref.sessions(
        events,
        inactivity=query.inactivity_minutes * 60,
        date_from=query.date_from,
        date_to=query.date_to,
        tz=tz,
    )
    assert result.occurrences == sum(s.count(query.event) for s in found)
    assert result.sessions == sum(query.event in s for s in found)
    for direction in ("next", "previous"):
        expected = ref.path_edges(found, event=query.event, steps=query.steps, direction=direction)
        got = Counter(
            {
                (e.distance, e.source, e.target): e.count
                for e in result.edges
                if e.direction == direction
            }
        )
        assert got == expected
