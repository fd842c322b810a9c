"""Experiment analysis: every lift, interval and health figure matches the verified stats
engine fed with per-unit values computed by brute force from the raw events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from prodloop.analytics.metrics import MetricKind, MetricSpec
from prodloop.analytics.query.engine import memory_engine
from prodloop.experiments.registry.analysis import ExperimentPlan, analyze_experiment
from prodloop.experiments.stats import (
    CovariateAdjusted,
    Proportion,
    RatioMetric,
    SampleMean,
    sample_ratio_mismatch,
    welch_t_test,
)
from tests.experiments.metric_reference import random_events, sums, unit_values

START = datetime(2026, 3, 1, tzinfo=UTC)
AS_OF = START + timedelta(days=9)

METRICS = {
    "pageviews": MetricSpec(kind=MetricKind.COUNT, event="pageview"),
    "purchase": MetricSpec(kind=MetricKind.CONVERSION, event="purchase"),
    "per_session": MetricSpec(kind=MetricKind.RATIO, event="purchase", denominator_event="session"),
    "revenue": MetricSpec(
        kind=MetricKind.MEAN, event="purchase", property="amount", higher_is_better=True
    ),
}


def _plan(**changes: object) -> ExperimentPlan:
    base: dict[str, object] = {
        "key": "exp",
        "flag_key": "exp",
        "unit_type": "person",
        "variants": [("control", 0.5), ("treatment", 0.5)],
        "started_at": START,
        "stopped_at": None,
        "primary_metric": "pageviews",
        "secondary_metrics": ["purchase", "per_session"],
        "guardrails": [("revenue", 0.05)],
        "minimum_units_per_variant": 10,
    }
    return ExperimentPlan(**(base | changes))  # type: ignore[arg-type]


def _reference_statistic(spec: MetricSpec, per_variant: list[tuple[float, ...]]) -> object:
    grid = np.array(per_variant).T  # rows: n, Σv, Σv², Σd, Σd², Σvd, Σp, Σp², Σvp
    n = grid[0:1]
    if spec.kind.is_rate:
        return Proportion(n, grid[1:2])
    post = SampleMean(n, grid[1:2], grid[2:3])
    if spec.kind is MetricKind.RATIO:
        return RatioMetric(post, SampleMean(n, grid[3:4], grid[4:5]), grid[5:6])
    return CovariateAdjusted(post, SampleMean(n, grid[6:7], grid[7:8]), grid[8:9])


@pytest.mark.parametrize("seed", [4, 5])
def test_analysis_matches_the_engine_on_brute_force_values(seed: int) -> None:
    events = random_events(seed, units=120, start=START)
    analysis = analyze_experiment(
        memory_engine(events), _plan(), METRICS, as_of=AS_OF, timeline=False
    )
    for result in analysis.metrics:
        spec = METRICS[result.metric]
        values, several = unit_values(events, spec, flag="exp", start=START, end=AS_OF)
        per_variant = [sums(values.get(name, [])) for name in ("control", "treatment")]
        expected = welch_t_test(_reference_statistic(spec, per_variant))  # type: ignore[arg-type]
        control, treatment = result.rows
        assert control.units == per_variant[0][0]
        assert treatment.units == per_variant[1][0]
        assert treatment.lift == pytest.approx(float(expected.lift[0, 0]), rel=1e-9)
        assert treatment.ci_lower == pytest.approx(float(expected.ci_lower[0, 0]), rel=1e-9)
        assert treatment.ci_upper == pytest.approx(float(expected.ci_upper[0, 0]), rel=1e-9)
        assert treatment.p_value == pytest.approx(float(expected.p_value[0, 0]), rel=1e-9)
        assert analysis.health.units_in_several == several
    units = [v.units for v in analysis.variants]
    srm = sample_ratio_mismatch(units)
    assert analysis.health.sample_ratio_p_value == pytest.approx(srm.p_value)


def test_a_stopped_experiment_ignores_later_data_and_keeps_a_timeline() -> None:
    events = random_events(6, units=300, start=START)
    stop = START + timedelta(days=5)
    engine = memory_engine(events)
    stopped = analyze_experiment(engine, _plan(stopped_at=stop), METRICS, as_of=AS_OF)
    cut = analyze_experiment(engine, _plan(), METRICS, as_of=stop, timeline=False)
    assert stopped.window_end == stop
    assert stopped.metrics[0].rows == cut.metrics[0].rows
    assert stopped.timeline
    assert stopped.timeline[-1].at == stop
    assert stopped.timeline[-1].lift == pytest.approx(stopped.metrics[0].rows[1].lift)
    assert {p.variant for p in stopped.timeline} == {"treatment"}


def test_too_few_units_keeps_running_for_the_days_the_plan_needs() -> None:
    events = random_events(7, units=120, start=START)
    first: dict[str, str] = {}
    for event in events:  # one variant per unit, so no health check fails
        if event["properties"].get("$feature_flag") == "exp":
            variant = first.setdefault(
                event["person_id"], event["properties"]["$feature_flag_response"]
            )
            event["properties"]["$feature_flag_response"] = variant
    planned = 5_000
    analysis = analyze_experiment(
        memory_engine(events),
        _plan(planned_units_per_variant=planned, guardrails=[], primary_metric="purchase"),
        METRICS,
        as_of=AS_OF,
        timeline=False,
    )
    smallest = min(v.units for v in analysis.variants)
    days = (AS_OF - START).total_seconds() / 86400
    expected_days = -(-(planned - smallest) // (smallest / days))  # ceiling division
    assert analysis.verdict == "keep running"
    assert analysis.more_days == int(expected_days)
    assert f"about {int(expected_days)} more days for 80% power" in analysis.summary
