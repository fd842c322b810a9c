"""Quantile metrics (p50, p90 of a property) compared across variants, as gbstats does.

A quantile's sampling spread is read off order statistics: for ``n_star`` values, the
sample quantiles at levels ``level -+ z * sqrt(level (1 - level) / n_star)`` (z for 95%)
bracket the true quantile with 95% confidence. Halving that bracket and dividing by z gives
the standard error at ``n_star``, which is rescaled to ``n`` units. The comparison of two
quantiles is then a Welch t-test on those standard errors. Warehouses compute the bracket on a
fixed grid of ``n_star`` values; from raw values ``n_star`` is simply ``n``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import special

from prodloop.experiments.stats.sufficient import (
    BoolArray,
    FloatArray,
    PairedEstimates,
    as_grid,
)

BRACKET_ALPHA = 0.05
# z for the 95% order-statistic bracket the sufficient statistics are computed at.
BRACKET_Z = float(special.ndtri(1 - BRACKET_ALPHA / 2))
# Below this many units a zero-width bracket means no spread; above, it is floored instead.
SMALL_SAMPLE = 100
LARGE_SAMPLE = 1000
VARIANCE_FLOOR = 1e-5


def bracket_levels(level: float, n_star: float) -> tuple[float, float]:
    """The quantile levels whose sample values bracket the ``level`` quantile at 95%."""
    half_width = BRACKET_Z * np.sqrt(level * (1 - level) / n_star)
    return max(level - half_width, 1e-8), min(level + half_width, 1 - 1e-8)


@dataclass(frozen=True)
class QuantileSample:
    """The ``level`` quantile per arm: units, the estimate and its order-statistic bracket."""

    level: float
    n: FloatArray
    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray
    n_star: FloatArray = field(default_factory=lambda: np.empty((0, 0)))

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise ValueError(f"a quantile level lies strictly between 0 and 1, not {self.level}")
        grids = [as_grid(getattr(self, name)) for name in ("n", "estimate", "lower", "upper")]
        n_star = self.n_star if np.size(self.n_star) else grids[0]
        grids.append(as_grid(n_star))
        shape = np.broadcast_shapes(*(grid.shape for grid in grids))
        for name, grid in zip(("n", "estimate", "lower", "upper", "n_star"), grids, strict=True):
            object.__setattr__(self, name, np.broadcast_to(grid, shape).copy())

    @classmethod
    def from_values(cls, level: float, values: Sequence[Sequence[npt.ArrayLike]]) -> QuantileSample:
        """Summarise raw values, ``values[metric][variant]``, with exact order statistics."""
        rows = [[_summarise(level, np.asarray(arm, dtype=np.float64)) for arm in m] for m in values]
        table = np.array(rows, dtype=np.float64)
        return cls(level, table[..., 0], table[..., 1], table[..., 2], table[..., 3])

    @property
    def variance(self) -> FloatArray:
        """Per-unit variance implied by the bracket, as gbstats computes it."""
        initial = self._initial_variance()
        return np.where(self.n < SMALL_SAMPLE, initial, np.maximum(initial, VARIANCE_FLOOR))

    def _initial_variance(self) -> FloatArray:
        """The bracket's implied variance, before gbstats's floor for large samples."""
        spread = (self.upper - self.lower) / (2 * BRACKET_Z)
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = (self.n_star / self.n) * (self.n - 1) * spread**2
        return np.where(self.n > 1, variance, 0.0)

    @property
    def degenerate(self) -> BoolArray:
        """Too few units for the bracket to stay inside (0, 1), or no spread in a small arm."""
        z_squared = BRACKET_Z**2
        too_few_above = self.n <= z_squared * self.level / (1 - self.level)
        too_few_below = self.n <= z_squared * (1 - self.level) / self.level
        no_spread = (self._initial_variance() <= 0) & (self.n < LARGE_SAMPLE)
        result: BoolArray = too_few_above | too_few_below | no_spread
        return result

    def interval(self, alpha: float = 0.05) -> tuple[FloatArray, FloatArray]:
        """A normal-approximation confidence interval for each arm's quantile."""
        z = special.ndtri(1 - alpha / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            half_width = z * np.sqrt(self.variance / self.n)
        return self.estimate - half_width, self.estimate + half_width

    def versus_control(self) -> PairedEstimates:
        """Control and variant quantiles, aligned per comparison."""
        return PairedEstimates.from_arms(
            self.n, self.estimate, self.estimate, self.variance, self.degenerate
        )


def _summarise(level: float, values: FloatArray) -> tuple[float, float, float, float]:
    """n, the estimate and the bracket's order statistics for one arm's values."""
    n = values.size
    if n == 0:
        return 0.0, 0.0, 0.0, 0.0
    lower_level, upper_level = bracket_levels(level, n)
    estimate, lower, upper = np.quantile(
        values, [level, lower_level, upper_level], method="inverted_cdf"
    )
    return float(n), float(estimate), float(lower), float(upper)
