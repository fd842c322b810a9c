"""Ratio metrics: a numerator and a denominator summed over the same units (revenue per order,
clicks per session), where the unit of analysis is not the unit of randomisation.

The ratio of sums is compared across variants; its variance per unit comes from the delta
method on the numerator and denominator means and their covariance, as in gbstats's
``RatioStatistic``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prodloop.experiments.stats.sufficient import (
    FloatArray,
    MeanStatistic,
    PairedEstimates,
    as_grid,
    sum_of_products_covariance,
)


@dataclass(frozen=True)
class RatioMetric:
    """Numerator and denominator statistics per unit, and the sum of their products."""

    numerator: MeanStatistic
    denominator: MeanStatistic
    sum_of_products: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "sum_of_products", as_grid(self.sum_of_products))
        if self.numerator.n.shape != self.denominator.n.shape:
            raise ValueError("numerator and denominator need the same (metrics, variants)")

    @property
    def n(self) -> FloatArray:
        """Units (the randomisation unit) in each arm."""
        return self.numerator.n

    @property
    def ratio(self) -> FloatArray:
        """The ratio of sums (0 where the denominator sums to 0)."""
        numerator_sum = self.numerator.sum
        denominator_sum = self.denominator.sum
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = numerator_sum / denominator_sum
        return np.where(denominator_sum == 0, 0.0, ratio)

    @property
    def covariance(self) -> FloatArray:
        """Sample covariance of numerator and denominator per unit."""
        return sum_of_products_covariance(
            self.n, self.numerator.sum, self.denominator.sum, self.sum_of_products
        )

    @property
    def variance(self) -> FloatArray:
        """Delta-method variance of the ratio, per unit (0 when it is undefined)."""
        numerator_mean = self.numerator.mean
        denominator_mean = self.denominator.mean
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = (
                self.numerator.variance / denominator_mean**2
                - 2 * self.covariance * numerator_mean / denominator_mean**3
                + numerator_mean**2 * self.denominator.variance / denominator_mean**4
            )
        return np.where((denominator_mean == 0) | (self.n <= 1), 0.0, variance)

    def versus_control(self) -> PairedEstimates:
        """Control and variant ratios, aligned per comparison."""
        ratio = self.ratio
        return PairedEstimates.from_arms(self.n, ratio, ratio, self.variance)
