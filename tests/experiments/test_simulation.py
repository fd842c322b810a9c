"""Seeded simulations: error rates under A/A, peeking, CUPED's variance reduction, power.

Many simulated experiments run at once as the "metrics" rows of one vectorised call. For
normal data the sufficient statistics are drawn exactly (the mean is normal, the sum of
squared deviations chi-square, independently), so large samples cost nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from prodloop.experiments.stats import (
    CovariateAdjusted,
    MetricBaseline,
    Proportion,
    QuantileSample,
    SampleMean,
    plan_experiment,
    sequential_test,
    variance_reduction,
    welch_t_test,
)

ALPHA = 0.05
EXPERIMENTS = 20_000


def _monte_carlo_margin(rate: float, trials: int) -> float:
    """Three standard errors of a simulated rate."""
    return 3 * np.sqrt(rate * (1 - rate) / trials)


def _normal_sums(
    rng: np.random.Generator, n: np.ndarray, mean: float, sd: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact draws of (sum, sum of squares) of n normal values, for every cell of ``n``."""
    sample_mean = rng.normal(mean, sd / np.sqrt(n))
    squared_deviations = sd**2 * rng.chisquare(n - 1)
    return n * sample_mean, squared_deviations + n * sample_mean**2


def test_fixed_horizon_false_positive_rate_is_alpha_under_a_a() -> None:
    rng = np.random.default_rng(1)
    n = rng.integers(200, 5000, size=(EXPERIMENTS, 2)).astype(float)
    sums, squares = _normal_sums(rng, n, mean=20.0, sd=8.0)
    for difference in ("absolute", "relative"):
        result = welch_t_test(SampleMean(n, sums, squares), difference=difference, alpha=ALPHA)
        rate = result.significant.mean()
        assert abs(rate - ALPHA) < _monte_carlo_margin(ALPHA, EXPERIMENTS), difference


def test_proportion_false_positive_rate_is_alpha_under_a_a() -> None:
    rng = np.random.default_rng(2)
    n = np.full((EXPERIMENTS, 2), 3000.0)
    conversions = rng.binomial(3000, 0.08, size=(EXPERIMENTS, 2)).astype(float)
    rate = welch_t_test(Proportion(n, conversions), alpha=ALPHA).significant.mean()
    assert abs(rate - ALPHA) < _monte_carlo_margin(ALPHA, EXPERIMENTS)


def _daily_looks(rng: np.random.Generator, experiments: int, days: int, per_day: int) -> list:
    """Cumulative statistics of an A/A test after each day, for many experiments."""
    daily_n = np.full((experiments, 2), float(per_day))
    sums = np.zeros((experiments, 2))
    squares = np.zeros((experiments, 2))
    looks = []
    for day in range(1, days + 1):
        day_sums, day_squares = _normal_sums(rng, daily_n, mean=5.0, sd=2.0)
        sums, squares = sums + day_sums, squares + day_squares
        looks.append(SampleMean(daily_n * day, sums.copy(), squares.copy()))
    return looks


def test_sequential_test_stays_at_alpha_when_peeked_at_daily() -> None:
    """30 daily looks: the always-valid test stays under alpha; the fixed test does not."""
    rng = np.random.default_rng(3)
    experiments, days, per_day = 4000, 30, 100
    looks = _daily_looks(rng, experiments, days, per_day)
    tuning = 2 * per_day * days
    sequential_hits = np.zeros(experiments, dtype=bool)
    fixed_hits = np.zeros(experiments, dtype=bool)
    for look in looks:
        sequential_hits |= sequential_test(look, alpha=ALPHA, tuning=tuning).significant[:, 0]
        fixed_hits |= welch_t_test(look, alpha=ALPHA).significant[:, 0]
    sequential_rate, fixed_rate = sequential_hits.mean(), fixed_hits.mean()
    assert sequential_rate <= ALPHA + _monte_carlo_margin(ALPHA, experiments)
    assert fixed_rate > 2 * ALPHA  # peeking at a fixed-horizon test inflates errors


def test_sequential_interval_covers_the_true_lift_at_every_look() -> None:
    rng = np.random.default_rng(4)
    looks = _daily_looks(rng, 2000, 20, 150)
    ever_missed = np.zeros(2000, dtype=bool)
    for look in looks:
        result = sequential_test(look, difference="absolute", tuning=6000)
        ever_missed |= (result.ci_lower[:, 0] > 0) | (result.ci_upper[:, 0] < 0)
    assert ever_missed.mean() <= ALPHA + _monte_carlo_margin(ALPHA, 2000)


@pytest.mark.parametrize("rho", [0.3, 0.6, 0.9])
def test_cuped_narrows_the_interval_by_sqrt_one_minus_rho_squared(rho: float) -> None:
    rng = np.random.default_rng(5)
    experiments, n = 200, 2000
    pre = rng.normal(0, 1, size=(experiments, 2, n))
    post = 3 + rho * pre + np.sqrt(1 - rho**2) * rng.normal(0, 1, size=pre.shape)
    post[:, 1] += 0.05

    def summary(values: np.ndarray) -> SampleMean:
        return SampleMean(np.full((experiments, 2), n), values.sum(2), (values**2).sum(2))

    plain = welch_t_test(summary(post), difference="absolute")
    adjusted = welch_t_test(
        CovariateAdjusted(summary(post), summary(pre), (post * pre).sum(2)),
        difference="absolute",
    )
    width_ratio = (adjusted.ci_upper - adjusted.ci_lower) / (plain.ci_upper - plain.ci_lower)
    assert np.mean(width_ratio) == pytest.approx(np.sqrt(variance_reduction(rho)), rel=0.01)
    # Still centred on the true lift: CUPED removes noise, not signal.
    assert np.mean(adjusted.lift) == pytest.approx(0.05, abs=0.003)


def test_planned_sample_has_the_planned_power() -> None:
    """Simulated experiments at the calculator's sample detect the MDE 80% of the time."""
    rng = np.random.default_rng(6)
    baseline_rate, mde = 0.1, 0.05
    plan = plan_experiment(MetricBaseline.from_rate(baseline_rate), mde, power=0.8)
    n = plan.units_per_variant
    trials = 6000
    rates = np.array([baseline_rate, baseline_rate * (1 + mde)])
    conversions = rng.binomial(n, rates, size=(trials, 2)).astype(float)
    detected = welch_t_test(Proportion(np.full((trials, 2), n), conversions)).significant
    assert abs(detected.mean() - 0.8) < _monte_carlo_margin(0.8, trials)


def test_quantile_interval_covers_the_true_quantile() -> None:
    rng = np.random.default_rng(8)
    trials, n, level = 1500, 800, 0.9
    true_quantile = float(np.exp(0.6 * special.ndtri(level)))
    values = rng.lognormal(0, 0.6, size=(trials, n))
    summary = QuantileSample.from_values(level, [[row] for row in values])
    lower, upper = summary.interval(0.05)
    coverage = np.mean((lower[:, 0] <= true_quantile) & (true_quantile <= upper[:, 0]))
    assert abs(coverage - 0.95) < _monte_carlo_margin(0.95, trials) + 0.01
