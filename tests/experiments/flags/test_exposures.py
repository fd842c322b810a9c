"""Exposures: a tracked decision that puts a unit in a variant reaches the sink."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from prodloop.experiments.flags import (
    Exposure,
    FlagConfig,
    FlagSet,
    InMemoryExposureSink,
    UnitType,
)

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
TWO = [{"key": "control", "weight": 0.5}, {"key": "treatment", "weight": 0.5}]


def flags(sink: InMemoryExposureSink, **fields: object) -> FlagSet:
    config = FlagConfig.model_validate({"key": "checkout", "enabled": True, **fields})
    return FlagSet.compile([config], sink=sink, clock=lambda: AT)


def test_tracked_decisions_are_exposed() -> None:
    sink = InMemoryExposureSink()
    decision = flags(sink, variants=TWO).decide("checkout", "u1", track=True)
    assert sink.exposures == [
        Exposure("checkout", decision.variant or "", UnitType.PERSON, "u1", AT, "rollout")
    ]


def test_untracked_and_unassigned_decisions_are_not_exposed() -> None:
    sink = InMemoryExposureSink()
    flag_set = flags(sink, coverage=0.5)
    decisions = [flag_set.decide("checkout", f"u{i}", track=i % 2 == 0) for i in range(200)]
    tracked_in = [d for i, d in enumerate(decisions) if i % 2 == 0 and d.enabled]
    assert 0 < len(sink) == len(tracked_in) < 100
    assert all(exposure.reason == "rollout" for exposure in sink.exposures)


def test_account_flags_expose_the_account() -> None:
    sink = InMemoryExposureSink()
    attributes = {"$groups": {"account": "acct-7"}}
    flags(sink, unit_type="account").decide("checkout", "u1", attributes, track=True)
    assert [(e.unit_type, e.unit_id) for e in sink.exposures] == [("account", "acct-7")]


def test_decide_all_exposes_every_assigned_flag_and_counts_units_once() -> None:
    sink = InMemoryExposureSink()
    configs = [
        FlagConfig(key="a", enabled=True),
        FlagConfig(key="b", enabled=True, variants=TWO),
        FlagConfig(key="c"),
    ]
    flag_set = FlagSet.compile(configs, sink=sink)
    for _ in range(3):
        flag_set.decide_all("u1", track=True)
    assert [e.flag_key for e in sink.exposures] == ["a", "b"] * 3
    assert sum(sink.variant_counts("b").values()) == 1
    assert sink.exposures[0].timestamp.tzinfo is UTC


def test_tracking_without_a_sink_is_a_mistake() -> None:
    flag_set = FlagSet.compile([FlagConfig(key="checkout", enabled=True)])
    with pytest.raises(ValueError, match="exposure sink"):
        flag_set.decide("checkout", "u1", track=True)
