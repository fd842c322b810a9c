"""CUPED: regression adjustment with a pre-period covariate (gbstats's "RegressionAdjusted").

Each unit's metric after exposure is adjusted by ``theta`` times its value of the same (or a
related) metric before exposure. ``theta`` is the regression slope of post on pre, pooled over
the control and the variant being compared, so each comparison has its own ``theta``. The
adjusted means differ by the same expected lift, but their variance shrinks by a factor of
about ``1 - rho**2`` where ``rho`` is the correlation between pre and post values.
Relative lifts divide by the control's unadjusted mean, as gbstats does.
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
class CovariateAdjusted:
    """A metric after exposure, its pre-period covariate, and their sum of products per arm."""

    post: MeanStatistic
    pre: MeanStatistic
    sum_of_products: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "sum_of_products", as_grid(self.sum_of_products))
        if self.post.n.shape != self.pre.n.shape:
            raise ValueError("post and pre statistics need the same (metrics, variants)")

    @property
    def n(self) -> FloatArray:
        """Units in each arm."""
        return self.post.n

    def theta(self) -> FloatArray:
        """The pooled regression slope of post on pre for each comparison with control.

        Zero where the pooled pre or post values have no variance, which turns the
        adjustment off for that comparison.
        """
        post, pre = self.post.pooled(), self.pre.pooled()
        sum_of_products = self.sum_of_products[:, :1] + self.sum_of_products[:, 1:]
        covariance = sum_of_products_covariance(post.n, post.sum, pre.sum, sum_of_products)
        pre_variance = pre.variance
        usable = (pre_variance != 0) & (post.variance != 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(usable, covariance / pre_variance, 0.0)

    def versus_control(self) -> PairedEstimates:
        """Adjusted control and variant estimates, each comparison with its own theta."""
        theta = self.theta()
        covariance = sum_of_products_covariance(
            self.n, self.post.sum, self.pre.sum, self.sum_of_products
        )
        post_mean, pre_mean = self.post.mean, self.pre.mean
        post_variance, pre_variance = self.post.variance, self.pre.variance

        def adjusted(cols: slice) -> tuple[FloatArray, FloatArray]:
            """Adjusted mean and per-unit variance of some arms."""
            mean = post_mean[:, cols] - theta * pre_mean[:, cols]
            variance = (
                post_variance[:, cols]
                + theta**2 * pre_variance[:, cols]
                - 2 * theta * covariance[:, cols]
            )
            return mean, np.where(self.n[:, cols] > 1, variance, 0.0)

        control_mean, control_variance = adjusted(slice(0, 1))
        variant_mean, variant_variance = adjusted(slice(1, None))
        shape = theta.shape
        return PairedEstimates(
            control_n=np.broadcast_to(self.n[:, :1], shape),
            control_mean=control_mean,
            control_unadjusted_mean=np.broadcast_to(post_mean[:, :1], shape),
            control_variance=control_variance,
            variant_n=self.n[:, 1:],
            variant_mean=variant_mean,
            variant_unadjusted_mean=post_mean[:, 1:],
            variant_variance=variant_variance,
            degenerate=np.zeros(shape, dtype=np.bool_),
        )


def variance_reduction(correlation: float) -> float:
    """The share of variance CUPED leaves for a covariate with this correlation: 1 - rho**2."""
    return 1.0 - correlation**2
