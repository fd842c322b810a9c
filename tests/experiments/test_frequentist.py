"""Behaviour of the frequentist and sequential tests beyond the reference comparisons."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodloop.experiments.stats import (
    PairedEstimates,
    Proportion,
    SampleMean,
    guardrail_test,
    non_inferiority_test,
    sequential_test,
    welch_t_test,
)
from prodloop.experiments.stats.sequential import boundary_multiplier, mixture_rho

# Control mean 10, variant +5% (10.5), 2,000 units each, standard deviation 4.
CLEAR_WIN = SampleMean(
    n=[2000, 2000],
    sum=[20_000, 21_000],
    sum_squares=[1999 * 16 + 2000 * 100, 1999 * 16 + 2000 * 110.25],
)


def test_shapes_follow_metrics_by_variants() -> None:
    metric = SampleMean(
        n=np.full((5, 4), 100.0), sum=np.full((5, 4), 500.0), sum_squares=np.full((5, 4), 3000.0)
    )
    result = welch_t_test(metric)
    assert result.lift.shape == (5, 3)
    assert result.valid.all()


def test_a_one_dimensional_input_is_one_metric() -> None:
    result = welch_t_test(CLEAR_WIN)
    assert result.lift.shape == (1, 1)
    assert result.lift[0, 0] == pytest.approx(0.05)
    assert result.significant[0, 0]


def test_uncomputable_comparisons_are_nan_and_invalid() -> None:
    metric = SampleMean(n=[[0, 100], [100, 100]], sum=[[0, 50], [0, 0]], sum_squares=[[0, 60]] * 2)
    result = welch_t_test(metric)
    assert not result.valid.any()
    assert np.isnan(result.lift).all()
    assert np.isnan(result.p_value).all()
    assert not result.significant.any()


def test_absolute_lift_works_when_nobody_in_control_can_convert() -> None:
    """A feature only the variant has: control rate 0, yet the absolute lift is readable."""
    result = welch_t_test(Proportion(n=[1000, 1000], conversions=[0, 80]), difference="absolute")
    assert result.valid[0, 0]
    assert result.lift[0, 0] == pytest.approx(0.08)
    assert not welch_t_test(Proportion(n=[1000, 1000], conversions=[0, 80])).valid[0, 0]


def test_non_inferiority_shows_a_small_loss_is_within_margin() -> None:
    # Variant 1% worse, tightly measured: not inferior by more than 3%, but inferior by 0.5%?
    metric = SampleMean(
        n=[50_000, 50_000],
        sum=[500_000, 495_000],
        sum_squares=[49_999 * 4 + 50_000 * 100, 49_999 * 4 + 50_000 * 98.01],
    )
    assert non_inferiority_test(metric, margin=0.03).significant[0, 0]
    assert not non_inferiority_test(metric, margin=0.005).significant[0, 0]
    assert guardrail_test(metric).significant[0, 0]
    lower_is_better = non_inferiority_test(metric, margin=0.03, higher_is_better=False)
    assert lower_is_better.alternative == "less"
    assert lower_is_better.null_lift == 0.03
    with pytest.raises(ValueError, match="margin"):
        non_inferiority_test(metric, margin=-0.01)


def test_one_sided_bounds_are_open_on_one_side() -> None:
    greater = welch_t_test(CLEAR_WIN, alternative="greater")
    less = welch_t_test(CLEAR_WIN, alternative="less")
    assert np.isinf(greater.ci_upper).all()
    assert np.isinf(less.ci_lower).all()
    assert greater.ci_lower[0, 0] > welch_t_test(CLEAR_WIN).ci_lower[0, 0]
    assert less.ci_upper[0, 0] > less.lift[0, 0]
    assert greater.p_value[0, 0] + less.p_value[0, 0] == pytest.approx(1.0)


def test_alpha_is_checked() -> None:
    with pytest.raises(ValueError, match="alpha"):
        welch_t_test(CLEAR_WIN, alpha=1.5)


def test_sequential_interval_is_wider_than_fixed_and_tightest_near_tuning() -> None:
    fixed = welch_t_test(CLEAR_WIN)
    sequential = sequential_test(CLEAR_WIN, tuning=4000)
    assert sequential.ci_lower[0, 0] < fixed.ci_lower[0, 0]
    assert sequential.p_value[0, 0] > fixed.p_value[0, 0]
    # The multiplier over z is smallest where the total sample equals the tuning size.
    sizes = np.array([500.0, 2000, 4000, 8000, 32000])
    ratio = boundary_multiplier(sizes, 0.05, tuning=4000)
    assert int(np.argmin(ratio)) == 2
    assert mixture_rho(0.05, 5000) == pytest.approx(0.03984, abs=1e-5)


def test_sequential_one_sided_uses_one_bound() -> None:
    two_sided = sequential_test(CLEAR_WIN)
    greater = sequential_test(CLEAR_WIN, alternative="greater")
    less = sequential_test(CLEAR_WIN, alternative="less")
    assert greater.ci_lower[0, 0] == two_sided.ci_lower[0, 0]
    assert np.isinf(greater.ci_upper[0, 0])
    assert greater.p_value[0, 0] == two_sided.p_value[0, 0]
    assert less.p_value[0, 0] == 1.0


@settings(max_examples=60, deadline=None)
@given(
    n=st.tuples(st.integers(2, 10_000), st.integers(2, 10_000)),
    means=st.tuples(st.floats(0.5, 100), st.floats(0.5, 100)),
    sds=st.tuples(st.floats(0.01, 50), st.floats(0.01, 50)),
)
def test_swapping_arms_mirrors_the_absolute_test(
    n: tuple[int, int], means: tuple[float, float], sds: tuple[float, float]
) -> None:
    def arms(order: list[int]) -> PairedEstimates:
        return PairedEstimates.from_arms(
            np.array([[float(n[i]) for i in order]]),
            np.array([[means[i] for i in order]]),
            np.array([[means[i] for i in order]]),
            np.array([[sds[i] ** 2 for i in order]]),
        )

    forward = welch_t_test(arms([0, 1]), difference="absolute")
    backward = welch_t_test(arms([1, 0]), difference="absolute")
    assert forward.lift[0, 0] == pytest.approx(-backward.lift[0, 0])
    assert forward.p_value[0, 0] == pytest.approx(backward.p_value[0, 0], rel=1e-9, abs=1e-300)
    assert forward.ci_lower[0, 0] == pytest.approx(-backward.ci_upper[0, 0])
    assert 0 <= forward.p_value[0, 0] <= 1
