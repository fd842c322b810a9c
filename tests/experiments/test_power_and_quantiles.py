"""The power calculator and quantile summaries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.power import NormalIndPower

from prodloop.experiments.stats import (
    MetricBaseline,
    QuantileSample,
    duration_days,
    plan_experiment,
    power_for_sample_size,
    sample_size_per_variant,
    welch_t_test,
)
from prodloop.experiments.stats.power import lift_standard_error

RATE = MetricBaseline.from_rate(0.10)
REVENUE = MetricBaseline(mean=42.0, variance=30.0**2)


@pytest.mark.parametrize("units", [500, 5_000, 50_000])
def test_power_matches_statsmodels_for_the_equivalent_standardised_effect(units: int) -> None:
    """Two-sided normal power, both tails, as statsmodels computes it."""
    mde = 0.04
    shift = mde / lift_standard_error(REVENUE, mde, units)
    effect_size = shift / math.sqrt(units / 2)
    theirs = NormalIndPower().power(effect_size, nobs1=units, alpha=0.05, ratio=1.0)
    assert power_for_sample_size(REVENUE, mde, units) == pytest.approx(theirs, rel=1e-9)


def test_sample_size_is_the_smallest_that_reaches_the_target() -> None:
    units = sample_size_per_variant(RATE, 0.05, power=0.8)
    assert power_for_sample_size(RATE, 0.05, units) >= 0.8
    assert power_for_sample_size(RATE, 0.05, units - 1) < 0.8
    # A 10% baseline and a 5% relative MDE need about 60k units per arm for a relative test.
    assert 58_000 < units < 62_000
    assert sample_size_per_variant(RATE, -0.05) > 0  # a drop is detected as well


def test_sequential_plans_need_more_units_than_fixed_horizon() -> None:
    fixed = plan_experiment(REVENUE, 0.03, daily_units=4000)
    sequential = plan_experiment(REVENUE, 0.03, daily_units=4000, sequential=True, tuning=20_000)
    assert sequential.units_per_variant > fixed.units_per_variant
    assert sequential.achieved_power >= 0.8
    assert fixed.duration_days == math.ceil(fixed.units_per_variant * 2 / 4000)


def test_plan_counts_every_arm_and_its_days() -> None:
    plan = plan_experiment(RATE, 0.1, daily_units=1000, variants=3, alpha=0.05, power=0.9)
    assert plan.total_units == 3 * plan.units_per_variant
    assert plan.duration_days == math.ceil(plan.total_units / 1000)
    assert plan.achieved_power >= 0.9
    assert duration_days(10, variants=2, daily_units=1000) == 1
    with pytest.raises(ValueError, match="control"):
        plan_experiment(RATE, 0.1, variants=1)


def test_bad_baselines_are_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        MetricBaseline.from_rate(1.2)
    with pytest.raises(ValueError, match="out of"):
        power_for_sample_size(MetricBaseline.from_rate(0.6), 0.8, 1000)
    with pytest.raises(ValueError, match="baseline"):
        MetricBaseline(mean=0, variance=1)


def test_quantile_summary_reads_order_statistics() -> None:
    rng = np.random.default_rng(11)
    values = [rng.exponential(100, 2000), rng.exponential(110, 2500)]
    summary = QuantileSample.from_values(0.9, [values])
    assert summary.n.tolist() == [[2000, 2500]]
    for column, arm in enumerate(values):
        expected = np.quantile(arm, 0.9, method="inverted_cdf")
        assert summary.estimate[0, column] == expected
        assert summary.lower[0, column] < expected < summary.upper[0, column]
    assert summary.n_star.tolist() == summary.n.tolist()
    result = welch_t_test(summary)
    assert result.valid.all()
    assert result.lift[0, 0] == pytest.approx(summary.estimate[0, 1] / summary.estimate[0, 0] - 1)


def test_quantiles_need_enough_units_for_their_level() -> None:
    tiny = QuantileSample.from_values(0.99, [[np.arange(50.0), np.arange(60.0)]])
    assert tiny.degenerate.all()
    assert not welch_t_test(tiny).valid.any()
    with pytest.raises(ValueError, match="level"):
        QuantileSample(1.0, [10, 10], [1, 1], [0, 0], [2, 2])
