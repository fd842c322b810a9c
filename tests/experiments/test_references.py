"""The same tests as scipy and statsmodels where they implement them, and brute-force checks
of the formulas on unit-level data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests

from prodloop.experiments.stats import (
    CovariateAdjusted,
    GaussianPrior,
    Proportion,
    RatioMetric,
    SampleMean,
    adjust_p_values,
    bayesian_test,
    sample_ratio_mismatch,
    welch_t_test,
)

SEED = 7


def _summarise(arms: list[np.ndarray]) -> SampleMean:
    """One metric's sufficient statistics from its arms' raw values."""
    return SampleMean(
        n=[arm.size for arm in arms],
        sum=[arm.sum() for arm in arms],
        sum_squares=[(arm**2).sum() for arm in arms],
    )


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_welch_matches_scipy_on_raw_values(alternative: str) -> None:
    rng = np.random.default_rng(SEED)
    for _ in range(25):
        control = rng.lognormal(2, 0.8, size=int(rng.integers(5, 2000)))
        variant = rng.lognormal(2.05, 0.9, size=int(rng.integers(5, 2000)))
        ours = welch_t_test(
            _summarise([control, variant]), difference="absolute", alternative=alternative
        )
        theirs = stats.ttest_ind(variant, control, equal_var=False, alternative=alternative)
        interval = theirs.confidence_interval(0.95)
        assert ours.statistic[0, 0] == pytest.approx(theirs.statistic, rel=1e-9)
        assert ours.p_value[0, 0] == pytest.approx(theirs.pvalue, rel=1e-7, abs=1e-12)
        assert ours.degrees_of_freedom[0, 0] == pytest.approx(theirs.df, rel=1e-9)
        assert ours.ci_lower[0, 0] == pytest.approx(interval.low, rel=1e-9)
        assert ours.ci_upper[0, 0] == pytest.approx(interval.high, rel=1e-9)


def test_welch_matches_scipy_from_summary_statistics() -> None:
    rng = np.random.default_rng(SEED)
    n = rng.integers(2, 50_000, size=(200, 2)).astype(float)
    means = rng.uniform(-5, 50, size=(200, 2))
    sds = rng.uniform(0.1, 20, size=(200, 2))
    metric = SampleMean(n, n * means, (n - 1) * sds**2 + n * means**2)
    ours = welch_t_test(metric, difference="absolute")
    theirs = stats.ttest_ind_from_stats(
        means[:, 1], sds[:, 1], n[:, 1], means[:, 0], sds[:, 0], n[:, 0], equal_var=False
    )
    np.testing.assert_allclose(ours.statistic[:, 0], theirs.statistic, rtol=1e-8)
    np.testing.assert_allclose(ours.p_value[:, 0], theirs.pvalue, rtol=1e-6, atol=1e-12)


def test_proportions_match_statsmodels_wald_test() -> None:
    """A binomial metric is the mean of 0/1 values: the statistic is statsmodels's Wald z.

    The p-values differ only by Welch's t against the normal, negligible at these sizes.
    """
    rng = np.random.default_rng(SEED)
    n = rng.integers(20_000, 400_000, size=(100, 2)).astype(float)
    rates = rng.uniform(0.01, 0.5, size=(100, 1)) * np.array([1.0, 1.03])
    conversions = rng.binomial(n.astype(np.int64), rates).astype(float)
    ours = welch_t_test(Proportion(n, conversions), difference="absolute")
    for row in range(100):
        theirs = sm_proportion.test_proportions_2indep(
            conversions[row, 1], n[row, 1], conversions[row, 0], n[row, 0], method="wald"
        )
        assert ours.statistic[row, 0] == pytest.approx(theirs.statistic, rel=1e-9)
        assert ours.p_value[row, 0] == pytest.approx(theirs.pvalue, abs=2e-5)


def test_sample_ratio_check_matches_scipy_chisquare() -> None:
    rng = np.random.default_rng(SEED)
    for _ in range(100):
        weights = rng.dirichlet(np.ones(int(rng.integers(2, 7))))
        units = rng.multinomial(int(rng.integers(10, 100_000)), weights)
        ours = sample_ratio_mismatch(units, weights)
        expected = weights * units.sum()
        theirs = stats.chisquare(units, expected)
        assert ours.chi_square == pytest.approx(theirs.statistic, rel=1e-9, abs=1e-12)
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(("method", "theirs"), [("holm", "holm"), ("benjamini-hochberg", "fdr_bh")])
def test_corrections_match_statsmodels(method: str, theirs: str) -> None:
    rng = np.random.default_rng(SEED)
    p_values = rng.beta(0.4, 2, size=(40, 3))
    p_values[3, :] = p_values[5, 1]  # ties
    experiment = adjust_p_values(p_values, method=method, scope="experiment")  # type: ignore[arg-type]
    expected = multipletests(p_values.ravel(), method=theirs)[1].reshape(p_values.shape)
    np.testing.assert_allclose(experiment, expected, rtol=1e-12)
    per_metric = adjust_p_values(p_values, method=method, scope="metric")  # type: ignore[arg-type]
    for row, values in enumerate(p_values):
        np.testing.assert_allclose(per_metric[row], multipletests(values, method=theirs)[1])


def test_ratio_variance_is_the_linearised_variance_on_raw_values() -> None:
    """Delta method: Var(ratio) per unit = Var(numerator - ratio x denominator) / mean(den)^2."""
    rng = np.random.default_rng(SEED)
    sessions = rng.poisson(3, size=(2, 800)).astype(float) + 1
    clicks = sessions * rng.uniform(0.1, 0.5, size=(2, 800)) + rng.normal(0, 0.3, (2, 800))
    metric = RatioMetric(
        SampleMean(clicks.shape[1], clicks.sum(1), (clicks**2).sum(1)),
        SampleMean(sessions.shape[1], sessions.sum(1), (sessions**2).sum(1)),
        (clicks * sessions).sum(1),
    )
    ratio = clicks.sum(1) / sessions.sum(1)
    linearised = clicks - ratio[:, None] * sessions
    expected = linearised.var(axis=1, ddof=1) / sessions.mean(1) ** 2
    np.testing.assert_allclose(metric.variance[0], expected, rtol=1e-9)
    np.testing.assert_allclose(metric.ratio[0], ratio, rtol=1e-12)


def test_cuped_theta_is_the_pooled_regression_slope() -> None:
    rng = np.random.default_rng(SEED)
    pre = rng.normal(10, 3, size=(3, 1500))
    post = 2 + 0.7 * pre + rng.normal(0, 2, size=pre.shape)
    metric = CovariateAdjusted(
        _summarise(list(post)), _summarise(list(pre)), (post * pre).sum(axis=1)
    )
    for variant in (1, 2):
        pooled_pre = np.concatenate([pre[0], pre[variant]])
        pooled_post = np.concatenate([post[0], post[variant]])
        slope = np.polyfit(pooled_pre, pooled_post, 1)[0]
        assert metric.theta()[0, variant - 1] == pytest.approx(slope, rel=1e-9)


def test_bayesian_risk_and_chance_to_win_by_numerical_integration() -> None:
    metric = SampleMean([4000, 4100], [40_000, 41_500], [520_000, 545_000])
    prior = GaussianPrior(mean=0.0, variance=0.03**2, proper=True)
    result = bayesian_test(metric, prior=prior)
    mean, sd = result.lift[0, 0], result.standard_deviation[0, 0]
    density = stats.norm(mean, sd).pdf
    gain = integrate.quad(lambda x: x * density(x), 0, np.inf)[0]
    loss = integrate.quad(lambda x: -x * density(x), -np.inf, 0)[0]
    assert result.expected_loss_control[0, 0] == pytest.approx(gain, rel=1e-7)
    assert result.expected_loss_variant[0, 0] == pytest.approx(loss, rel=1e-7)
    assert result.chance_to_win[0, 0] == pytest.approx(stats.norm(mean, sd).sf(0), rel=1e-12)
    # Posterior precision is the sum of the data's and the prior's precisions.
    data = bayesian_test(metric)
    expected_precision = 1 / data.standard_deviation[0, 0] ** 2 + 1 / prior.variance
    assert 1 / sd**2 == pytest.approx(expected_precision, rel=1e-12)
