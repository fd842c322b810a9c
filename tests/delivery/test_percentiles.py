"""Percentiles: known answers, and agreement with numpy and the standard library."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodloop.delivery.percentiles import Percentiles, median, percentile

samples = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=60,
)


def test_known_answers_follow_the_linear_method() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 85) == pytest.approx(3.55)  # rank 0.85 * 3 = 2.55
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile(values, 100) == 4.0
    assert percentile([7.0], 85) == 7.0


def test_median_is_the_ordinary_median() -> None:
    assert median([5, 1, 3]) == 3
    assert median([1, 2, 3, 10]) == 2.5
    assert median([]) is None


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


def test_summary_of_cycle_times() -> None:
    summary = Percentiles.of([1, 2, 3, 4, 5])
    assert (summary.count, summary.p50) == (5, 3)
    assert (summary.p85, summary.p95) == pytest.approx((4.4, 4.8))
    assert Percentiles.of([]) == Percentiles(count=0, p50=None, p85=None, p95=None)


@given(values=samples, q=st.floats(min_value=0, max_value=100))
def test_matches_numpy_default_method(values: list[float], q: float) -> None:
    expected = float(np.percentile(values, q))
    assert math.isclose(percentile(values, q), expected, rel_tol=1e-12, abs_tol=1e-9)


@given(values=samples.filter(lambda v: len(v) >= 2))
def test_matches_statistics_inclusive_quantiles(values: list[float]) -> None:
    cut_points = statistics.quantiles(values, n=100, method="inclusive")
    for q in (1, 25, 50, 85, 95, 99):
        assert math.isclose(percentile(values, q), cut_points[q - 1], rel_tol=1e-9, abs_tol=1e-6)


@given(values=samples)
def test_percentiles_are_ordered_and_within_range(values: list[float]) -> None:
    summary = Percentiles.of(values)
    assert summary.p50 is not None
    assert summary.p85 is not None
    assert summary.p95 is not None
    assert min(values) <= summary.p50 <= summary.p85 <= summary.p95 <= max(values)
