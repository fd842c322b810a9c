"""Sufficient statistics for experiment metrics, and the control-versus-variant estimates
every test starts from.

Every statistic holds arrays of shape ``(metrics, variants)``: one row per metric, one column
per variant, column 0 the control. A 1-D input is read as a single metric. The tests compare
each variant column with the control column, so their results have shape
``(metrics, variants - 1)``.

The formulas follow GrowthBook's gbstats: sample variances use ``n - 1``, a proportion's
variance is ``p (1 - p)``, and the relative lift and its variance come from the delta method
with the control's unadjusted mean in the denominator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

Difference = Literal["absolute", "relative"]


def check_alpha(alpha: float) -> None:
    """Refuse a significance level outside (0, 1)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha lies strictly between 0 and 1, not {alpha}")


def as_grid(values: npt.ArrayLike) -> FloatArray:
    """A float array of shape (metrics, variants); a scalar or 1-D input is one metric."""
    grid = np.asarray(values, dtype=np.float64)
    if grid.ndim < 2:
        grid = grid.reshape(1, -1)
    if grid.ndim != 2:
        raise ValueError(f"expected (metrics, variants) values, got shape {grid.shape}")
    return grid


def _coerce_fields(statistic: object, names: tuple[str, ...]) -> None:
    """Turn the named fields of a frozen dataclass into grids of one common shape."""
    grids = [as_grid(getattr(statistic, name)) for name in names]
    shape = np.broadcast_shapes(*(grid.shape for grid in grids))
    for name, grid in zip(names, grids, strict=True):
        object.__setattr__(statistic, name, np.broadcast_to(grid, shape).copy())


def _safe_divide(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """numerator / denominator, with 0 where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.divide(numerator, denominator)
    return np.where(denominator == 0, 0.0, quotient)


@dataclass(frozen=True)
class SampleMean:
    """A per-unit metric: units ``n``, the ``sum`` of their values and of the squared values."""

    n: FloatArray
    sum: FloatArray
    sum_squares: FloatArray

    def __post_init__(self) -> None:
        _coerce_fields(self, ("n", "sum", "sum_squares"))

    @property
    def mean(self) -> FloatArray:
        """The mean per unit (0 with no units)."""
        return _safe_divide(self.sum, self.n)

    @property
    def variance(self) -> FloatArray:
        """The sample variance per unit (0 with fewer than two units)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = (self.sum_squares - self.sum**2 / self.n) / (self.n - 1)
        return np.where(self.n > 1, variance, 0.0)

    def columns(self, index: slice | int) -> SampleMean:
        """The same metrics restricted to some variant columns."""
        cols = _column_index(index)
        return SampleMean(self.n[:, cols], self.sum[:, cols], self.sum_squares[:, cols])

    def pooled(self) -> SampleMean:
        """Control and each variant taken together: shape (metrics, variants - 1)."""
        return SampleMean(
            self.n[:, :1] + self.n[:, 1:],
            self.sum[:, :1] + self.sum[:, 1:],
            self.sum_squares[:, :1] + self.sum_squares[:, 1:],
        )

    def versus_control(self) -> PairedEstimates:
        """Control and variant estimates, aligned per comparison."""
        return PairedEstimates.from_arms(self.n, self.mean, self.mean, self.variance)


@dataclass(frozen=True)
class Proportion:
    """A binomial metric (the mean of a 0/1 value): units ``n`` and how many ``conversions``."""

    n: FloatArray
    conversions: FloatArray

    def __post_init__(self) -> None:
        _coerce_fields(self, ("n", "conversions"))

    @property
    def sum(self) -> FloatArray:
        """The sum of the 0/1 values: the conversions."""
        return self.conversions

    @property
    def sum_squares(self) -> FloatArray:
        """The sum of squared 0/1 values equals the conversions."""
        return self.conversions

    @property
    def mean(self) -> FloatArray:
        """The conversion rate (0 with no units)."""
        return _safe_divide(self.conversions, self.n)

    @property
    def variance(self) -> FloatArray:
        """The binomial variance ``p (1 - p)`` per unit."""
        rate = self.mean
        return rate * (1 - rate)

    def columns(self, index: slice | int) -> Proportion:
        """The same metrics restricted to some variant columns."""
        cols = _column_index(index)
        return Proportion(self.n[:, cols], self.conversions[:, cols])

    def pooled(self) -> Proportion:
        """Control and each variant taken together: shape (metrics, variants - 1)."""
        return Proportion(
            self.n[:, :1] + self.n[:, 1:], self.conversions[:, :1] + self.conversions[:, 1:]
        )

    def versus_control(self) -> PairedEstimates:
        """Control and variant estimates, aligned per comparison."""
        return PairedEstimates.from_arms(self.n, self.mean, self.mean, self.variance)


MeanStatistic = SampleMean | Proportion


def _column_index(index: slice | int) -> slice:
    """Keep two dimensions when a single column is asked for."""
    return slice(index, index + 1) if isinstance(index, int) else index


def sum_of_products_covariance(
    n: FloatArray, first_sum: FloatArray, second_sum: FloatArray, sum_of_products: FloatArray
) -> FloatArray:
    """The sample covariance of two per-unit values from their sums and sum of products."""
    with np.errstate(divide="ignore", invalid="ignore"):
        covariance = (sum_of_products - first_sum * second_sum / n) / (n - 1)
    return np.where(n > 1, covariance, 0.0)


@dataclass(frozen=True)
class LiftEstimate:
    """A point estimate of the lift and the variance of that estimate."""

    lift: FloatArray
    variance: FloatArray


@dataclass(frozen=True)
class PairedEstimates:
    """Control and variant estimates side by side, each of shape (metrics, variants - 1).

    ``mean`` may be adjusted (CUPED); ``unadjusted_mean`` is the plain mean, used as the
    denominator of relative lifts. ``variance`` is per unit, so an arm's mean has variance
    ``variance / n``. ``degenerate`` marks comparisons a statistic knows it cannot support.
    """

    control_n: FloatArray
    control_mean: FloatArray
    control_unadjusted_mean: FloatArray
    control_variance: FloatArray
    variant_n: FloatArray
    variant_mean: FloatArray
    variant_unadjusted_mean: FloatArray
    variant_variance: FloatArray
    degenerate: BoolArray

    @classmethod
    def from_arms(
        cls,
        n: FloatArray,
        mean: FloatArray,
        unadjusted_mean: FloatArray,
        variance: FloatArray,
        degenerate: BoolArray | None = None,
    ) -> PairedEstimates:
        """Pair column 0 (control) with every other column of per-arm estimates."""
        shape = (n.shape[0], n.shape[1] - 1)
        if shape[1] < 1:
            raise ValueError("need a control column and at least one variant column")
        if degenerate is None:
            degenerate = np.zeros(n.shape, dtype=np.bool_)
        return cls(
            control_n=np.broadcast_to(n[:, :1], shape),
            control_mean=np.broadcast_to(mean[:, :1], shape),
            control_unadjusted_mean=np.broadcast_to(unadjusted_mean[:, :1], shape),
            control_variance=np.broadcast_to(variance[:, :1], shape),
            variant_n=n[:, 1:],
            variant_mean=mean[:, 1:],
            variant_unadjusted_mean=unadjusted_mean[:, 1:],
            variant_variance=variance[:, 1:],
            degenerate=degenerate[:, :1] | degenerate[:, 1:],
        )

    def versus_control(self) -> PairedEstimates:
        """Already paired: itself."""
        return self

    def lift(self, difference: Difference) -> LiftEstimate:
        """The absolute or relative (delta-method) lift and its variance."""
        with np.errstate(divide="ignore", invalid="ignore"):
            control_error = self.control_variance / self.control_n
            variant_error = self.variant_variance / self.variant_n
            if difference == "absolute":
                return LiftEstimate(
                    self.variant_mean - self.control_mean, variant_error + control_error
                )
            base = self.control_unadjusted_mean
            lift = (self.variant_mean - self.control_mean) / base
            variance = variant_error / base**2 + control_error * (
                self.variant_unadjusted_mean**2 / base**4
            )
        return LiftEstimate(lift, variance)

    def welch_degrees_of_freedom(self) -> FloatArray:
        """The Welch-Satterthwaite degrees of freedom of the difference in means."""
        with np.errstate(divide="ignore", invalid="ignore"):
            control_error = self.control_variance / self.control_n
            variant_error = self.variant_variance / self.variant_n
            return (variant_error + control_error) ** 2 / (
                variant_error**2 / (self.variant_n - 1) + control_error**2 / (self.control_n - 1)
            )

    def analysable(self, difference: Difference) -> BoolArray:
        """Where a lift can be estimated: two units per arm, some spread, a usable control.

        Unlike gbstats, one arm without spread is allowed when the other has some (a feature
        nobody in the control can use has a control mean and variance of 0), and an absolute
        lift does not need a non-zero control mean.
        """
        usable = (
            (self.control_n >= 2)
            & (self.variant_n >= 2)
            & ((self.control_variance > 0) | (self.variant_variance > 0))
            & ~self.degenerate
        )
        if difference == "relative":
            usable &= (self.control_mean != 0) & (self.control_unadjusted_mean != 0)
        return usable


class ComparableMetric(Protocol):
    """Anything that can line its variants up against the control."""

    def versus_control(self) -> PairedEstimates:
        """Control and variant estimates, aligned per comparison."""
        ...
