"""Multiple-testing corrections by scope, and the health checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from prodloop.experiments.stats import (
    CorrectionScope,
    HealthReport,
    SampleMean,
    adjust_p_values,
    benjamini_hochberg,
    holm,
    minimum_sample,
    multiple_exposures,
    pre_exposure_imbalance,
    sample_ratio_mismatch,
)

P_VALUES = np.array([[0.001, 0.04, 0.3], [0.02, 0.01, np.nan]])


def test_scope_decides_the_family() -> None:
    none = adjust_p_values(P_VALUES, method="holm", scope=CorrectionScope.NONE)
    np.testing.assert_array_equal(none, P_VALUES)
    per_metric = adjust_p_values(P_VALUES, method="holm", scope="metric")
    np.testing.assert_allclose(per_metric[0], holm(P_VALUES[0]))
    np.testing.assert_allclose(per_metric[1, :2], holm([0.02, 0.01]))
    experiment = adjust_p_values(P_VALUES, method="holm", scope="experiment")
    np.testing.assert_allclose(
        experiment[~np.isnan(P_VALUES)], holm([0.001, 0.04, 0.3, 0.02, 0.01])
    )
    assert np.isnan(experiment[1, 2])
    assert np.isnan(per_metric[1, 2])


def test_unknown_method_or_scope_is_refused() -> None:
    with pytest.raises(ValueError, match="correction"):
        adjust_p_values(P_VALUES, method="bonferroni", scope="metric")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scope"):
        adjust_p_values(P_VALUES, method="holm", scope="variant")


@settings(max_examples=80, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(0, 1)))
def test_holm_is_at_least_as_strict_as_benjamini_hochberg(p_values: np.ndarray) -> None:
    strict, lenient = holm(p_values), benjamini_hochberg(p_values)
    assert (lenient >= p_values - 1e-15).all()
    assert (strict >= lenient - 1e-15).all()
    assert (strict <= 1).all()
    order = np.argsort(p_values, kind="stable")
    assert (np.diff(strict[order]) >= -1e-15).all()  # adjusted p-values keep the order


def test_sample_ratio_mismatch_flags_a_broken_split() -> None:
    fine = sample_ratio_mismatch([50_210, 49_790])
    broken = sample_ratio_mismatch([50_800, 49_200])
    assert not fine.flagged
    assert broken.flagged
    planned = sample_ratio_mismatch([20_000, 40_000, 40_000], [0.2, 0.4, 0.4])
    assert planned.p_value == pytest.approx(1.0)
    np.testing.assert_allclose(planned.expected_units, [20_000, 40_000, 40_000])
    assert sample_ratio_mismatch([0, 0]).p_value == 1.0
    with pytest.raises(ValueError, match="weights"):
        sample_ratio_mismatch([10, 10], [1, 0])


def test_pre_exposure_imbalance_spots_variants_that_differed_before() -> None:
    n = np.array([[5000.0, 5000.0, 5000.0]])
    sums = n * np.array([[10.0, 10.02, 10.6]])
    squares = (n - 1) * 9 + sums**2 / n
    check = pre_exposure_imbalance(SampleMean(n, sums, squares))
    assert check.flagged
    assert check.p_value[0, 0] > 0.5
    assert check.p_value[0, 1] < 1e-6
    balanced = pre_exposure_imbalance(SampleMean(n[:, :2], sums[:, :2], squares[:, :2]))
    assert not balanced.flagged


def test_multiple_exposures_and_minimum_sample() -> None:
    assert multiple_exposures(40, 10_000).share == pytest.approx(0.004)
    assert not multiple_exposures(40, 10_000).flagged
    assert multiple_exposures(300, 10_000).flagged
    with pytest.raises(ValueError, match="between"):
        multiple_exposures(20, 10)
    check = minimum_sample([1200, 950, 1010], 1000)
    assert (check.smallest, check.shortfall, check.met) == (950, 50, False)
    assert minimum_sample([1200, 1000], 1000).met


def test_health_report_lists_problems_in_plain_language() -> None:
    report = HealthReport(
        sample_ratio_mismatch([50_800, 49_200]),
        multiple_exposure=multiple_exposures(300, 10_000),
        minimum_sample=minimum_sample([10, 10], 1000),
    )
    assert not report.trustworthy
    assert report.problems[0] == "sample-ratio mismatch (p < 0.0001)"
    assert report.problems[1] == "3.0% of units saw several variants"
    healthy = HealthReport(sample_ratio_mismatch([100, 101]), minimum_sample=minimum_sample([1], 5))
    assert healthy.trustworthy  # a small sample is not a trust problem
