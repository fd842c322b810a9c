"""Retention against hand-worked examples and the brute-force reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from prodloop.analytics.insights.registry import load_all
from prodloop.analytics.insights.retention import RetentionQuery, run_retention
from prodloop.analytics.query.engine import memory_engine
from tests.analytics.insights import reference_funnels as ref


def ev(person: str, event: str, day: date, hour: int = 12, **props: Any) -> dict[str, Any]:
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    return {"person_id": person, "event": event, "timestamp": moment, "properties": props}


def q(**extra: Any) -> RetentionQuery:
    data: dict[str, Any] = {
        "start_event": {"event": "signup"},
        "return_event": {"event": "use"},
        "date_from": "2024-06-03",
        "date_to": "2024-06-30",
        "interval": "week",
        "periods": 4,
    }
    data.update(extra)
    return RetentionQuery.model_validate(data)


D = date(2024, 6, 3)  # a Monday: weeks of June 3, 10, 17, 24


def week(n: int, day: int = 0) -> date:
    return D + timedelta(days=7 * n + day)


EVENTS = [
    # ada signs up in week 0, uses it in week 2 only.
    ev("ada", "signup", week(0)),
    ev("ada", "use", week(2, 3)),
    # bob signs up in week 0 and again in week 1, uses it in weeks 1 and 3.
    ev("bob", "signup", week(0, 1)),
    ev("bob", "signup", week(1)),
    ev("bob", "use", week(1, 2)),
    ev("bob", "use", week(3)),
    # cy signed up in May (before the range): never a first-time cohort member.
    ev("cy", "signup", date(2024, 5, 20)),
    ev("cy", "signup", week(1)),
    ev("cy", "use", week(2)),
]


def test_registered() -> None:
    assert load_all()["retention"].query_model is RetentionQuery


def test_first_time_on() -> None:
    result = run_retention(memory_engine(EVENTS), q(), tz="UTC")
    first = result.cohorts[0]
    # cohort week 0 = {ada, bob}; week 1: bob; week 2: ada; week 3: bob.
    assert (first.size, first.counts) == (2, [2, 1, 1, 1])
    assert [c.size for c in result.cohorts] == [2, 0, 0, 0]
    # the last cohort can only show period 0
    assert [len(c.counts) for c in result.cohorts] == [4, 3, 2, 1]
    assert result.average[1].rate == pytest.approx(0.5)


def test_first_time_on_or_after() -> None:
    result = run_retention(memory_engine(EVENTS), q(mode="on_or_after"), tz="UTC")
    # week 1 or later: both; week 2 or later: both (ada w2, bob w3); week 3 or later: bob.
    assert result.cohorts[0].counts == [2, 2, 2, 1]


def test_recurring() -> None:
    result = run_retention(memory_engine(EVENTS), q(kind="recurring"), tz="UTC")
    # week 0: ada, bob; week 1: bob, cy (cy's May signup does not matter for recurring).
    assert [c.size for c in result.cohorts] == [2, 2, 0, 0]
    # week-1 cohort: one week later (week 2) cy used it; two weeks later (week 3) bob did.
    assert result.cohorts[1].counts == [2, 1, 1]
    # average period 1: (1 of week 0 + 1 of week 1) / (2 + 2); period 3 only week 0 had it.
    assert result.average[1].rate == pytest.approx(2 / 4)
    assert (result.average[3].cohorts, result.average[3].rate) == (1, pytest.approx(1 / 2))


def test_breakdown_and_empty_range() -> None:
    events = [ev("ada", "signup", week(0), plan="pro"), ev("ada", "use", week(1))]
    events.append(ev("bob", "signup", week(0), plan="free"))
    result = run_retention(memory_engine(events), q(breakdown={"key": "plan"}), tz="UTC")
    got = {s.breakdown_value: s.cohorts[0].counts for s in result.breakdown}
    assert got == {"pro": [1, 1, 0, 0], "free": [1, 0, 0, 0]}
    empty = run_retention(memory_engine([]), q(), tz="UTC")
    assert all(c.size == 0 for c in empty.cohorts)
    assert empty.average[0].rate is None


def test_daily_across_dst_berlin() -> None:
    # Berlin springs forward on 2024-03-31: that local day is 23 hours long.
    # 22:30 UTC on 30 March is 23:30 local on 30 March; 22:30 UTC on 31 March is
    # 00:30 local on 1 April (UTC+2): one local day later each, not the same day.
    events = [
        {
            "person_id": "p",
            "event": "signup",
            "timestamp": datetime(2024, 3, 30, 22, 30, tzinfo=UTC),
        },
        {"person_id": "p", "event": "use", "timestamp": datetime(2024, 3, 31, 22, 30, tzinfo=UTC)},
    ]
    query = q(interval="day", date_from="2024-03-30", date_to="2024-04-02")
    result = run_retention(memory_engine(events), query, tz="Europe/Berlin")
    assert result.cohorts[0].counts == [1, 0, 1, 0]  # day 2 (1 April), not day 1
    in_utc = run_retention(memory_engine(events), query, tz="UTC")
    assert in_utc.cohorts[0].counts == [1, 1, 0, 0]


def test_bad_query_names_field() -> None:
    with pytest.raises(ValidationError, match="periods"):
        q(periods=1)
    with pytest.raises(ValidationError, match="date_to"):
        q(date_to="2024-01-01")


ZONES = {
    "Europe/Berlin": datetime(2024, 3, 27, tzinfo=UTC),
    "America/New_York": datetime(2024, 10, 30, tzinfo=UTC),
    "UTC": datetime(2024, 1, 29, tzinfo=UTC),
}


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    tz = draw(st.sampled_from(sorted(ZONES)))
    base = ZONES[tz]
    interval = draw(st.sampled_from(["day", "week", "month"]))
    step = {"day": timedelta(hours=5), "week": timedelta(hours=31), "month": timedelta(days=5)}
    events = []
    for number in range(draw(st.integers(0, 30))):
        person = draw(st.sampled_from(["p1", "p2", "p3", "p4"]))
        plan = draw(st.sampled_from([None, "free", "pro"]))
        events.append(
            {
                "uuid": f"u{number:03d}",
                "person_id": person,
                "account_id": {"p1": "acme", "p2": "acme", "p3": "globex"}.get(person),
                "event": draw(st.sampled_from(["start", "back", "other"])),
                "timestamp": base + step[interval] * draw(st.integers(-3, 20)),
                "properties": {"plan": plan} if plan else {},
            }
        )
    span = {"day": 4, "week": 20, "month": 70}[interval]
    date_from = base.date() + timedelta(days=draw(st.integers(0, 3)))
    data: dict[str, Any] = {
        "start_event": {"event": "start"},
        "return_event": {"event": draw(st.sampled_from(["back", "start"]))},
        "date_from": date_from,
        "date_to": date_from + timedelta(days=draw(st.integers(0, span))),
        "kind": draw(st.sampled_from(["first_time", "recurring"])),
        "mode": draw(st.sampled_from(["on", "on_or_after"])),
        "interval": interval,
        "periods": draw(st.integers(2, 5)),
        "unit": draw(st.sampled_from(["person", "account"])),
    }
    if draw(st.booleans()):
        data["breakdown"] = {"key": "plan"}
    return events, data, tz


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(scenarios())
def test_retention_matches_reference(
    scenario: tuple[list[dict[str, Any]], dict[str, Any], str],
) -> None:
    events, data, tz = scenario
    query = RetentionQuery.model_validate(data)
    result = run_retention(memory_engine(events), query, tz=tz)
    expected = ref.retention(
        events,
        start_event="start",
        return_event=query.return_event.event,
        kind=query.kind,
        mode=query.mode,
        interval=query.interval,
        periods=query.periods,
        date_from=query.date_from,
        date_to=query.date_to,
        tz=tz,
        unit=query.unit,
        breakdown="plan" if query.breakdown else None,
    )

    def padded(counts: list[int]) -> list[int]:
        return counts + [0] * (query.periods - len(counts))

    overall: dict[datetime, list[int]] = {}
    for (_, cohort), row in expected.items():
        overall[cohort] = [
            a + b for a, b in zip(overall.get(cohort, [0] * query.periods), row, strict=True)
        ]
    got = {c.cohort: padded(c.counts) for c in result.cohorts if c.size}
    assert got == overall
    if query.breakdown is not None:
        got_series = {
            (s.breakdown_value, c.cohort): padded(c.counts)
            for s in result.breakdown
            for c in s.cohorts
            if c.size
        }
        assert got_series == expected
    # the average curve, recomputed from the reference table
    labels = sorted({c.cohort for c in result.cohorts})
    for point in result.average:
        having = [
            row
            for cohort, row in overall.items()
            if labels.index(cohort) + point.period < len(labels)
        ]
        assert point.cohort_size == sum(row[0] for row in having)
        assert point.retained == sum(row[point.period] for row in having)
