"""Exposures written to the event lake: batched, durable, one event per unit and variant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from prodloop.analytics.lake import EventLake
from prodloop.analytics.metrics import ExposureWindow, MetricKind, MetricSpec, experiment_totals
from prodloop.experiments.flags import FlagConfig, FlagSet
from prodloop.experiments.flags.lake_sink import EXPOSURE_EVENT, LakeExposureSink
from prodloop.experiments.registry.engine import experiment_engine

AT = datetime(2026, 5, 1, 12, tzinfo=UTC)
SPLIT = [{"key": "control", "weight": 0.5}, {"key": "test", "weight": 0.5}]


def test_exposures_land_once_per_unit_and_variant(tmp_path: Path) -> None:
    lake = EventLake(tmp_path)
    clock = iter(AT + timedelta(minutes=i) for i in range(10_000))
    sink = LakeExposureSink(lake, experiments={"checkout": "checkout-v2"}, flush_seconds=None)
    flags = FlagSet.compile(
        [FlagConfig.model_validate({"key": "checkout", "enabled": True, "variants": SPLIT})],
        sink=sink,
        clock=lambda: next(clock),
    )
    expected: dict[str, str] = {}
    for repeat in range(3):
        for number in range(50):
            decision = flags.decide("checkout", f"u{number}", track=True)
            expected[f"u{number}"] = decision.variant or ""
        if repeat == 0:
            assert sink.flush() == 50
    assert sink.pending() == 0  # repeats were recognised before reaching the lake
    second = LakeExposureSink(lake, flush_seconds=None)  # a fresh process resends them
    for number in range(50):
        FlagSet.compile(
            [FlagConfig.model_validate({"key": "checkout", "enabled": True, "variants": SPLIT})],
            sink=second,
            clock=lambda: AT + timedelta(days=1),
        ).decide("checkout", f"u{number}", track=True)
    second.close()
    sink.close()
    rows = lake.query(
        "SELECT distinct_id, json_extract_string(properties, '$.\"$feature_flag_response\"'), "
        "properties->>'experiment', timestamp FROM events WHERE event = ?",
        [EXPOSURE_EVENT],
    )
    assert len(rows) == 50
    assert {row[0]: row[1] for row in rows} == expected
    assert {row[2] for row in rows} == {"checkout-v2"}
    assert max(row[3] for row in rows) < AT + timedelta(days=1)  # the first exposure is kept
    engine = experiment_engine(lake)
    totals = experiment_totals(
        engine,
        MetricSpec(kind=MetricKind.COUNT, event="anything"),
        ExposureWindow("checkout", AT, AT + timedelta(days=2)),
    )
    counts = {name: t.units for name, t in totals.variants.items()}
    assert counts == {v: list(expected.values()).count(v) for v in set(expected.values())}
    engine.connection.close()


def test_a_full_buffer_flushes_itself(tmp_path: Path) -> None:
    lake = EventLake(tmp_path)
    sink = LakeExposureSink(lake, batch_size=10, flush_seconds=None)
    flags = FlagSet.compile(
        [FlagConfig.model_validate({"key": "f", "enabled": True})], sink=sink, clock=lambda: AT
    )
    for number in range(25):
        flags.decide("f", f"u{number}", track=True)
    assert sink.pending() == 5
    assert lake.count() == 20
    sink.close()
    assert lake.count() == 25
