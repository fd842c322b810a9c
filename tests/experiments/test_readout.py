"""The plain-language decision readout, from declared rules."""

from __future__ import annotations

import numpy as np
import pytest

from prodloop.experiments.stats import (
    DecisionRules,
    ExperimentProgress,
    HealthReport,
    MetricBaseline,
    MetricReading,
    MetricRule,
    Proportion,
    SampleMean,
    Verdict,
    plan_experiment,
    read_out,
    readings_from_result,
    sample_ratio_mismatch,
    welch_t_test,
)

RULES = DecisionRules(
    primary=(MetricRule("conversion"),),
    guardrails=(MetricRule("page load time", higher_is_better=False),),
    minimum_units_per_variant=1000,
    minimum_detectable_effect=0.05,
)
HEALTHY = HealthReport(sample_ratio_mismatch([30_050, 29_950]))
DONE = ExperimentProgress(
    days_running=30,
    units_per_variant=60_000,
    daily_units_per_variant=2000,
    required_units_per_variant=60_000,
)


def reading(metric: str, lift: float, low: float, high: float, variant: str = "B") -> MetricReading:
    return MetricReading(metric, variant, lift, low, high)


def decide(*readings: MetricReading, progress: ExperimentProgress = DONE) -> str:
    return read_out(RULES, readings, HEALTHY, progress).decision.summary


def test_a_clear_winner_ships() -> None:
    summary = decide(
        reading("conversion", 0.042, 0.011, 0.073),
        reading("page load time", 0.004, -0.01, 0.018),
    )
    assert summary == "Ship: conversion up 4.2% (95% CI 1.1% to 7.3%), guardrails fine"


def test_a_guardrail_regression_rolls_back_even_with_a_winner() -> None:
    summary = decide(
        reading("conversion", 0.042, 0.011, 0.073),
        reading("page load time", 0.051, 0.02, 0.082),
    )
    assert summary == (
        "Roll back: guardrail page load time regressed, up 5.1% (95% CI 2.0% to 8.2%)"
    )


def test_a_primary_metric_that_got_worse_rolls_back() -> None:
    summary = decide(reading("conversion", -0.03, -0.051, -0.009))
    assert summary == "Roll back: conversion down 3.0% (95% CI -5.1% to -0.9%)"


def test_a_sample_ratio_mismatch_means_do_not_trust() -> None:
    broken = HealthReport(sample_ratio_mismatch([30_500, 29_500]))
    result = read_out(RULES, [reading("conversion", 0.042, 0.011, 0.073)], broken, DONE)
    assert result.decision.verdict is Verdict.DONT_TRUST
    assert result.decision.summary == "Don't trust: sample-ratio mismatch (p < 0.0001)"


def test_too_early_keeps_running_with_the_days_left() -> None:
    early = ExperimentProgress(10, 20_000, 2000, 60_000)
    readout = read_out(RULES, [reading("conversion", 0.01, -0.02, 0.04)], HEALTHY, early)
    assert readout.decision.summary == "Keep running: about 20 more days for 80% power"
    assert readout.decision.more_days == 20
    # A fixed-horizon test does not stop early on a win: it waits for the planned sample.
    win_so_far = decide(reading("conversion", 0.06, 0.01, 0.11), progress=early)
    assert win_so_far == "Keep running: about 20 more days for 80% power"
    tiny = ExperimentProgress(1, 400, 300, 600)
    assert decide(reading("conversion", 0.0, -0.2, 0.2), progress=tiny) == (
        "Keep running: about 2 more days for the minimum sample of 1,000 units per variant"
    )


def test_sequential_rules_may_ship_early() -> None:
    rules = DecisionRules(primary=(MetricRule("conversion"),), sequential=True)
    early = ExperimentProgress(10, 20_000, 2000, 60_000)
    readout = read_out(rules, [reading("conversion", 0.06, 0.01, 0.11)], HEALTHY, early)
    assert readout.decision.summary == "Ship: conversion up 6.0% (95% CI 1.0% to 11.0%)"


def test_a_flat_result_after_the_planned_sample_is_inconclusive() -> None:
    assert decide(reading("conversion", 0.003, -0.012, 0.018)) == (
        "Inconclusive: flat, conversion up 0.3% (95% CI -1.2% to 1.8%) rules out a 5% change"
    )
    assert decide(reading("conversion", 0.02, -0.01, 0.07)) == (
        "Inconclusive: conversion up 2.0% (95% CI -1.0% to 7.0%), not significant"
    )


def test_a_guardrail_margin_must_be_shown_before_shipping() -> None:
    rules = DecisionRules(
        primary=(MetricRule("conversion"),),
        guardrails=(MetricRule("revenue per user", margin=0.01),),
    )
    win = reading("conversion", 0.042, 0.011, 0.073)
    unclear = reading("revenue per user", -0.002, -0.02, 0.016)
    readout = read_out(rules, [win, unclear], HEALTHY, DONE)
    assert readout.decision.verdict is Verdict.INCONCLUSIVE
    assert readout.decision.summary.endswith(
        "but guardrail revenue per user not shown within its 1.0% margin"
    )
    within = reading("revenue per user", -0.004, -0.008, 0.0)  # worse, but within 1%
    assert read_out(rules, [win, within], HEALTHY, DONE).decision.verdict is Verdict.SHIP


def test_several_variants_ship_the_best_and_keep_each_verdict() -> None:
    readout = read_out(
        RULES,
        [
            reading("conversion", 0.03, 0.01, 0.05, variant="B"),
            reading("conversion", 0.05, 0.02, 0.08, variant="C"),
            reading("conversion", -0.04, -0.07, -0.01, variant="D"),
        ],
        HEALTHY,
        DONE,
    )
    assert readout.decision.summary.startswith("Ship C: conversion up 5.0%")
    assert [d.verdict for d in readout.variants] == [Verdict.SHIP, Verdict.SHIP, Verdict.ROLL_BACK]


def test_readings_must_use_the_declared_confidence() -> None:
    with pytest.raises(ValueError, match="90%"):
        read_out(RULES, [MetricReading("conversion", "B", 0.1, 0.0, 0.2, 0.9)], HEALTHY, DONE)


def test_end_to_end_from_sufficient_statistics() -> None:
    """A planted winner: 10% -> 10.8% conversion, page load time unchanged."""
    plan = plan_experiment(MetricBaseline.from_rate(0.10), 0.05, daily_units=4000)
    n = plan.units_per_variant
    conversion = Proportion(n=[n, n], conversions=[round(0.100 * n), round(0.108 * n)])
    load_times = SampleMean(
        n=[n, n], sum=[1.2 * n, 1.201 * n], sum_squares=[(n - 1) * 0.25 + 1.44 * n] * 2
    )
    readings = readings_from_result(
        welch_t_test(conversion), metrics=["conversion"], variants=["B"]
    ) + readings_from_result(welch_t_test(load_times), metrics=["page load time"], variants=["B"])
    progress = ExperimentProgress(plan.duration_days or 0, n, 2000, n)
    health = HealthReport(sample_ratio_mismatch([n, n]))
    readout = read_out(RULES, readings, health, progress)
    assert readout.decision.verdict is Verdict.SHIP
    assert readout.decision.summary.startswith("Ship: conversion up 8.0% (95% CI ")
    assert np.isclose(readings[0].lift, 0.08, atol=1e-4)
