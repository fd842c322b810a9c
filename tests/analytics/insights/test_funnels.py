"""Funnels against hand-worked examples and the brute-force reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from prodloop.analytics.insights.funnels import FunnelQuery, funnel_persons, run_funnel
from prodloop.analytics.insights.registry import load_all
from prodloop.analytics.query.engine import memory_engine
from prodloop.ledger.errors import RuleError
from tests.analytics.insights import reference_funnels as ref

T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)  # a Monday


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(person: str, event: str, minutes: float, **props: Any) -> dict[str, Any]:
    return {"person_id": person, "event": event, "timestamp": at(minutes), "properties": props}


def query(steps: list[str], **extra: Any) -> FunnelQuery:
    data: dict[str, Any] = {
        "steps": [{"event": s} for s in steps],
        "date_from": date(2024, 6, 1),
        "date_to": date(2024, 6, 30),
    }
    data.update(extra)
    return FunnelQuery.model_validate(data)


def counts(events: list[dict[str, Any]], q: FunnelQuery, tz: str = "UTC") -> list[int]:
    return [s.count for s in run_funnel(memory_engine(events), q, tz=tz).steps]


def test_registered() -> None:
    assert load_all()["funnels"].query_model is FunnelQuery


def test_worked_example_sequential_strict_window() -> None:
    # ada: signup → view → pay, with an unrelated event in between: converts (sequential).
    # bob: signup, pay before view: reaches view only after pay, so pay is never after view.
    # cy: signup then view 20 days later: outside the 14-day window, only step 1.
    events = [
        ev("ada", "signup", 0),
        ev("ada", "other", 1),
        ev("ada", "view", 2),
        ev("ada", "pay", 3),
        ev("bob", "signup", 0),
        ev("bob", "pay", 1),
        ev("bob", "view", 2),
        ev("cy", "signup", 0),
        ev("cy", "view", 20 * 24 * 60),
    ]
    q = query(["signup", "view", "pay"])
    assert counts(events, q) == [3, 2, 1]
    result = run_funnel(memory_engine(events), q, tz="UTC")
    assert result.steps[1].conversion_from_previous == pytest.approx(2 / 3)
    assert result.steps[2].dropped == 1
    # Strict: ada's "other" breaks signup → view; bob's pay breaks it too. Only 3 entrants.
    assert counts(events, query(["signup", "view", "pay"], order="strict")) == [3, 0, 0]
    # Any order: bob did all three within the window, ada too; cy only one step in window.
    assert counts(events, query(["signup", "view", "pay"], order="any_order")) == [3, 2, 2]


def test_furthest_attempt_counts_and_ties_convert() -> None:
    # First attempt (signup at 0) runs out of window; the second one (at 10 days) converts.
    # dee does both steps at the same instant: equal timestamps satisfy the order.
    events = [
        ev("ada", "signup", 0),
        ev("ada", "signup", 10 * 1440),
        ev("ada", "pay", 11 * 1440),
        ev("dee", "pay", 5),
        ev("dee", "signup", 5),
    ]
    q = query(["signup", "pay"], window={"value": 2, "unit": "day"})
    result = run_funnel(memory_engine(events), q, tz="UTC")
    assert [s.count for s in result.steps] == [2, 2]
    # time to convert: ada 1 day (from the second attempt), dee 0 seconds.
    assert result.time_to_convert.count == 2
    assert result.time_to_convert.average_seconds == pytest.approx(86400 / 2)
    assert result.time_to_convert.median_seconds == pytest.approx(86400 / 2)


def test_identity_merge_in_the_middle_converts() -> None:
    # The anonymous id did step 1, the logged-in id steps 2 and 3: one person after merging.
    events = [
        {**ev("p1", "signup", 0), "distinct_id": "anon-123"},
        {**ev("p1", "view", 5), "distinct_id": "ada@example.com"},
        {**ev("p1", "pay", 6), "distinct_id": "ada@example.com"},
    ]
    assert counts(events, query(["signup", "view", "pay"])) == [1, 1, 1]


def test_repeated_step_needs_two_events_and_exclusion() -> None:
    events = [ev("ada", "view", 0), ev("bob", "view", 0), ev("bob", "view", 1)]
    assert counts(events, query(["view", "view"])) == [2, 1]
    # ada: signup, cancel, pay → excluded entirely; bob: signup, pay, cancel → converts.
    events = [
        ev("ada", "signup", 0),
        ev("ada", "cancel", 1),
        ev("ada", "pay", 2),
        ev("bob", "signup", 0),
        ev("bob", "pay", 1),
        ev("bob", "cancel", 2),
    ]
    q = query(["signup", "pay"], exclusions=[{"event": "cancel", "from_step": 1, "to_step": 2}])
    assert counts(events, q) == [1, 1]


def test_per_step_window_and_persons_pages() -> None:
    # pay must follow view within 1 hour: ada (30 min) converts, bob (2 h) drops at pay.
    events = [
        ev("ada", "view", 0),
        ev("ada", "pay", 30),
        ev("bob", "view", 0),
        ev("bob", "pay", 120),
        ev("cy", "view", 0),
    ]
    q = FunnelQuery.model_validate(
        {
            "steps": [{"event": "view"}, {"event": "pay", "within": {"value": 1, "unit": "hour"}}],
            "date_from": "2024-06-01",
            "date_to": "2024-06-30",
        }
    )
    engine = memory_engine(events)
    assert [s.count for s in run_funnel(engine, q, tz="UTC").steps] == [3, 1]
    dropped = funnel_persons(engine, q, tz="UTC", step=2, status="dropped", limit=1)
    assert (dropped.total, dropped.units) == (2, ["bob"])
    page2 = funnel_persons(engine, q, tz="UTC", step=2, status="dropped", limit=1, offset=1)
    assert page2.units == ["cy"]
    converted = funnel_persons(engine, q, tz="UTC", step=2)
    assert converted.units == ["ada"]


def test_breakdown_attribution_and_accounts() -> None:
    events = [
        {**ev("ada", "view", 0, plan="free"), "account_id": "acme"},
        {**ev("ada", "pay", 1, plan="pro"), "account_id": "acme"},
        {**ev("bob", "view", 0, plan="free"), "account_id": "acme"},
    ]
    engine = memory_engine(events)
    first = run_funnel(
        engine, query(["view", "pay"], breakdown={"key": "plan"}), tz="UTC"
    ).breakdown
    assert [(s.breakdown_value, [x.count for x in s.steps]) for s in first] == [("free", [2, 1])]
    last = run_funnel(
        engine,
        query(["view", "pay"], breakdown={"key": "plan"}, breakdown_attribution="last_touch"),
        tz="UTC",
    ).breakdown
    assert sorted((s.breakdown_value, s.steps[0].count) for s in last) == [("free", 1), ("pro", 1)]
    accounts = run_funnel(engine, query(["view", "pay"], unit="account"), tz="UTC")
    assert [s.count for s in accounts.steps] == [1, 1]


def test_person_filter_on_a_step_and_account_breakdown() -> None:
    # Step 2 counts only for persons on the pro plan (a person property); the breakdown is the
    # account's segment (from the ledger's accounts).
    events = [
        {**ev("ada", "view", 0), "account_id": "acme"},
        {**ev("ada", "pay", 1), "account_id": "acme"},
        {**ev("bob", "view", 0), "account_id": "globex"},
        {**ev("bob", "pay", 1), "account_id": "globex"},
    ]
    persons = [
        {"person_id": "ada", "properties": {"plan": "pro"}},
        {"person_id": "bob", "properties": {"plan": "free"}},
    ]
    accounts = [
        {"account_id": "acme", "name": "Acme", "segment": "enterprise"},
        {"account_id": "globex", "name": "Globex", "segment": "smb"},
    ]
    engine = memory_engine(events, persons, accounts)
    q = FunnelQuery.model_validate(
        {
            "steps": [
                {"event": "view"},
                {"event": "pay", "properties": [{"key": "plan", "value": "pro", "on": "person"}]},
            ],
            "date_from": "2024-06-01",
            "date_to": "2024-06-30",
            "breakdown": {"key": "segment", "on": "account"},
        }
    )
    result = run_funnel(engine, q, tz="UTC")
    assert [s.count for s in result.steps] == [2, 1]
    by_segment = {s.breakdown_value: [x.count for x in s.steps] for s in result.breakdown}
    assert by_segment == {"enterprise": [1, 1], "smb": [1, 0]}


def test_persons_refuses_bad_pages() -> None:
    engine = memory_engine([ev("ada", "view", 0)])
    with pytest.raises(RuleError, match="step 2 or later"):
        funnel_persons(engine, query(["view", "pay"]), tz="UTC", step=1, status="dropped")
    with pytest.raises(RuleError, match="step must be"):
        funnel_persons(engine, query(["view", "pay"]), tz="UTC", step=3)


def test_trend_buckets_in_local_days_across_fall_back() -> None:
    # Berlin falls back on 2024-10-27 (a 25-hour day). 22:30 UTC on the 26th is already
    # 00:30 local on the 27th (UTC+2), so ada enters on the 27th; bob at 23:30 UTC on the
    # 27th is 00:30 local on the 28th (UTC+1).
    events = [
        {
            "person_id": "ada",
            "event": "view",
            "timestamp": datetime(2024, 10, 26, 22, 30, tzinfo=UTC),
        },
        {"person_id": "ada", "event": "pay", "timestamp": datetime(2024, 10, 27, 1, 0, tzinfo=UTC)},
        {
            "person_id": "bob",
            "event": "view",
            "timestamp": datetime(2024, 10, 27, 23, 30, tzinfo=UTC),
        },
    ]
    q = query(["view", "pay"], date_from="2024-10-26", date_to="2024-10-28")
    trend = run_funnel(memory_engine(events), q, tz="Europe/Berlin").trend
    assert [(p.bucket.day, p.entered, p.converted) for p in trend] == [
        (26, 0, 0),
        (27, 1, 1),
        (28, 1, 0),
    ]
    assert trend[1].rate == 1.0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"steps": [{"event": "a"}]}, "steps"),
        ({"steps": [{"event": "a"}, {"event": "b"}], "date_to": "2024-05-01"}, "date_to"),
        (
            {"steps": [{"event": "a"}, {"event": "a"}], "order": "any_order"},
            "any_order funnels need distinct steps",
        ),
        (
            {
                "steps": [{"event": "a"}, {"event": "b"}],
                "exclusions": [{"event": "x", "to_step": 3}],
            },
            "to_step",
        ),
    ],
)
def test_bad_queries_name_the_field(data: dict[str, Any], field: str) -> None:
    body = {"date_from": "2024-06-01", "date_to": "2024-06-30", **data}
    with pytest.raises(ValidationError, match=field):
        FunnelQuery.model_validate(body)


# --- against the reference -------------------------------------------------------------------

# Instants on a half-hour grid around the Berlin (2024-03-31 01:00 UTC) and New York
# (2024-03-10 07:00 UTC) spring-forward changes: many ties, events on both sides of the change.
ZONES = ["Europe/Berlin", "America/New_York", "UTC"]
BASES = {
    "Europe/Berlin": datetime(2024, 3, 30, 12, 0, tzinfo=UTC),
    "America/New_York": datetime(2024, 3, 9, 18, 0, tzinfo=UTC),
    "UTC": datetime(2024, 10, 26, 12, 0, tzinfo=UTC),
}
NAMES = ["a", "b", "c", "x"]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    tz = draw(st.sampled_from(ZONES))
    base = BASES[tz]
    n_events = draw(st.integers(0, 30))
    events = []
    for number in range(n_events):
        person = draw(st.sampled_from(["p1", "p2", "p3"]))
        props = {}
        plan = draw(st.sampled_from([None, "free", "pro"]))
        if plan:
            props["plan"] = plan
        events.append(
            {
                "uuid": f"u{number:03d}",
                "person_id": person,
                "account_id": {"p1": "acme", "p2": "acme", "p3": "globex"}.get(person),
                "event": draw(st.sampled_from([*NAMES[:3], *NAMES])),
                "timestamp": base + timedelta(minutes=30 * draw(st.integers(0, 40))),
                "properties": props,
            }
        )
    n_steps = draw(st.integers(2, 3))
    order = draw(st.sampled_from(["sequential", "sequential", "strict", "any_order"]))
    names = draw(st.permutations(NAMES[:3]))
    steps = []
    for number in range(n_steps):
        name = names[number] if order == "any_order" else draw(st.sampled_from(NAMES[:3]))
        step: dict[str, Any] = {"event": name}
        if draw(st.booleans()) and draw(st.booleans()):
            step["properties"] = [{"key": "plan", "value": draw(st.sampled_from(["free", "pro"]))}]
        if order != "any_order" and draw(st.integers(0, 4)) == 0:
            step["within"] = {"value": draw(st.integers(1, 4)), "unit": "hour"}
        steps.append(step)
    first_day = (base - timedelta(days=1)).date()
    date_from = first_day + timedelta(days=draw(st.sampled_from([0, 0, 1, 2])))
    q: dict[str, Any] = {
        "steps": steps,
        "order": order,
        "date_from": date_from,
        "date_to": date_from + timedelta(days=draw(st.integers(0, 2))),
        "window": {"value": draw(st.sampled_from([1, 2, 6, 24])), "unit": "hour"},
        "unit": draw(st.sampled_from(["person", "person", "account"])),
        "interval": draw(st.sampled_from(["hour", "day", "week"])),
        "bins": draw(st.integers(1, 5)),
    }
    if order != "any_order" and draw(st.booleans()):
        to_step = draw(st.integers(2, n_steps))
        q["exclusions"] = [
            {"event": "x", "from_step": draw(st.integers(1, to_step - 1)), "to_step": to_step}
        ]
    if draw(st.booleans()):
        q["breakdown"] = {"key": "plan"}
        if order != "any_order":
            q["breakdown_attribution"] = draw(
                st.sampled_from(["first_touch", "last_touch", "step"])
            )
            q["breakdown_attribution_step"] = draw(st.integers(1, n_steps))
    return events, q, tz


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@given(scenarios())
def test_funnel_matches_reference(
    scenario: tuple[list[dict[str, Any]], dict[str, Any], str],
) -> None:
    events, data, tz = scenario
    try:
        q = FunnelQuery.model_validate(data)
    except ValidationError:
        return  # e.g. identical steps in an any-order funnel
    result = run_funnel(memory_engine(events), q, tz=tz)
    steps = [
        ref.RefStep(
            s.event,
            [(f.key, str(f.value)) for f in s.properties],
            s.within.seconds if s.within else None,
        )
        for s in q.steps
    ]
    attempts = ref.funnel_attempts(
        events,
        steps=steps,
        order=q.order,
        window=q.window.seconds,
        exclusions=[ref.RefExclusion(x.event, x.from_step, x.to_step) for x in q.exclusions],
        date_from=q.date_from,
        date_to=q.date_to,
        tz=tz,
        unit=q.unit,
        breakdown=q.breakdown.key if q.breakdown else None,
        attribution=q.breakdown_attribution,
        attribution_step=q.breakdown_attribution_step,
    )
    best = ref.best_attempts(attempts)
    n = len(steps)
    assert [s.count for s in result.steps] == ref.step_counts(list(best.values()), n)
    if q.breakdown is not None:
        expected = {}
        for value in {a.value for a in best.values()}:
            expected[value] = ref.step_counts([a for a in best.values() if a.value == value], n)
        got = {s.breakdown_value: [x.count for x in s.steps] for s in result.breakdown}
        assert got == expected
    ttc = ref.time_to_convert(list(best.values()), n, q.bins)
    assert result.time_to_convert.count == ttc["count"]
    if ttc["count"]:
        assert result.time_to_convert.average_seconds == pytest.approx(ttc["average"])
        assert result.time_to_convert.median_seconds == pytest.approx(ttc["median"])
        assert [(b.from_seconds, b.count) for b in result.time_to_convert.bins] == ttc["bins"]
    trend = ref.conversion_trend(attempts, n, q.interval, tz)
    got_trend = {p.bucket: (p.entered, p.converted) for p in result.trend if p.entered}
    assert got_trend == trend
    # the persons lists agree with the counts
    if best and q.breakdown is None:
        engine = memory_engine(events)
        page = funnel_persons(engine, q, tz=tz, step=2, status="dropped")
        assert sorted(page.units) == sorted(k for k, a in best.items() if a.reached == 1)
