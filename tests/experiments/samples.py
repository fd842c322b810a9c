"""Seeded random experiments summarised into sufficient statistics, and their gbstats JSON.

Statistics come from simulated unit-level data (not made-up sums), so every combination of
sums, squares and products is one a warehouse could return.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from prodloop.experiments.stats import (
    CovariateAdjusted,
    Proportion,
    QuantileSample,
    RatioMetric,
    SampleMean,
)
from prodloop.experiments.stats.quantile import bracket_levels
from prodloop.experiments.stats.sufficient import MeanStatistic

Arm = tuple[np.ndarray, ...]
# gbstats's grid of order-statistic sample sizes, as GrowthBook's warehouse queries use.
N_STAR_GRID = (100, 200, 400, 800, 1600, 3200, 6400, 12800)


def _arms(
    rng: np.random.Generator, metrics: int, variants: int, draw: Callable[[int, float], Arm]
) -> list[list[Arm]]:
    """Unit-level data for every metric x variant, with random sizes and true lifts."""
    table = []
    for _ in range(metrics):
        row = []
        for variant in range(variants):
            n = int(rng.integers(40, 3000))
            lift = 0.0 if variant == 0 else float(rng.normal(0, 0.05))
            row.append(draw(n, lift))
        table.append(row)
    return table


def _sums(table: list[list[Arm]], column: int) -> np.ndarray:
    return np.array([[arm[column].sum() for arm in row] for row in table], dtype=np.float64)


def _squares(table: list[list[Arm]], column: int) -> np.ndarray:
    return np.array([[(arm[column] ** 2).sum() for arm in row] for row in table], np.float64)


def _products(table: list[list[Arm]]) -> np.ndarray:
    return np.array([[(arm[0] * arm[1]).sum() for arm in row] for row in table], np.float64)


def _counts(table: list[list[Arm]]) -> np.ndarray:
    return np.array([[arm[0].size for arm in row] for row in table], dtype=np.float64)


def _mean_statistic(table: list[list[Arm]], column: int, binary: bool) -> MeanStatistic:
    if binary:
        return Proportion(_counts(table), _sums(table, column))
    return SampleMean(_counts(table), _sums(table, column), _squares(table, column))


def random_means(rng: np.random.Generator, metrics: int, variants: int) -> SampleMean:
    """Skewed per-unit values (revenue-like) with a small true lift per variant."""
    base = rng.uniform(5, 50, size=metrics)
    table = []
    for m in range(metrics):

        def draw(n: int, lift: float, m: int = m) -> Arm:
            return (rng.gamma(2.0, base[m] * (1 + lift) / 2.0, size=n),)

        table.extend(_arms(rng, 1, variants, draw))
    statistic = _mean_statistic(table, 0, binary=False)
    assert isinstance(statistic, SampleMean)
    return statistic


def random_proportions(rng: np.random.Generator, metrics: int, variants: int) -> Proportion:
    """Conversions at rates between 2% and 60%."""
    table = []
    for rate in rng.uniform(0.02, 0.6, size=metrics):

        def draw(n: int, lift: float, rate: float = rate) -> Arm:
            return ((rng.random(n) < min(rate * (1 + lift), 0.99)).astype(np.float64),)

        table.extend(_arms(rng, 1, variants, draw))
    return Proportion(_counts(table), _sums(table, 0))


def random_ratios(rng: np.random.Generator, metrics: int, variants: int) -> RatioMetric:
    """Orders per unit (denominator) and revenue per unit (numerator), correlated."""

    def draw(n: int, lift: float) -> Arm:
        orders = rng.poisson(1.5, size=n).astype(np.float64)
        revenue = orders * rng.gamma(3.0, 10 * (1 + lift), size=n) + rng.normal(0, 2, n)
        return revenue, orders

    table = _arms(rng, metrics, variants, draw)
    return RatioMetric(
        _mean_statistic(table, 0, binary=False),
        _mean_statistic(table, 1, binary=False),
        _products(table),
    )


def random_cuped(
    rng: np.random.Generator, metrics: int, variants: int, *, binary: bool = False
) -> CovariateAdjusted:
    """A post-exposure metric correlated with its pre-period value (rho up to about 0.9)."""
    rhos = rng.uniform(-0.3, 0.95, size=metrics)
    table = []
    for rho in rhos:

        def draw(n: int, lift: float, rho: float = rho) -> Arm:
            pre = rng.normal(10, 3, n)
            noise = rng.normal(0, 3, n)
            post = 10 * (1 + lift) + rho * (pre - 10) + np.sqrt(1 - rho**2) * noise
            if binary:
                return (post > 10).astype(np.float64), (pre > 10).astype(np.float64)
            return post, pre

        table.extend(_arms(rng, 1, variants, draw))
    return CovariateAdjusted(
        _mean_statistic(table, 0, binary),
        _mean_statistic(table, 1, binary),
        _products(table),
    )


def random_quantiles(
    rng: np.random.Generator, metrics: int, variants: int, level: float
) -> QuantileSample:
    """Latency-like values summarised at ``level`` on gbstats's n-star grid."""
    rows = []
    for _ in range(metrics):
        row = []
        for variant in range(variants):
            n = int(rng.integers(150, 4000))
            lift = 0.0 if variant == 0 else float(rng.normal(0, 0.05))
            values = rng.lognormal(np.log(200 * (1 + lift)), 0.6, size=n)
            n_star = max([g for g in N_STAR_GRID if g < n], default=N_STAR_GRID[0])
            lower_level, upper_level = bracket_levels(level, n_star)
            estimate, lower, upper = np.quantile(
                values, [level, lower_level, upper_level], method="inverted_cdf"
            )
            row.append((n, estimate, lower, upper, n_star))
        rows.append(row)
    table = np.array(rows, dtype=np.float64)
    return QuantileSample(
        level, table[..., 0], table[..., 1], table[..., 2], table[..., 3], table[..., 4]
    )


def _mean_json(statistic: MeanStatistic, m: int, v: int) -> dict[str, Any]:
    return {
        "n": float(statistic.n[m, v]),
        "sum": float(statistic.sum[m, v]),
        "sum_squares": float(statistic.sum_squares[m, v]),
    }


def _kind(statistic: MeanStatistic) -> str:
    return "proportion" if isinstance(statistic, Proportion) else "mean"


def arm_json(metric: Any, m: int, v: int) -> dict[str, Any]:
    """One arm of one metric in the gbstats runner's JSON."""
    if isinstance(metric, SampleMean | Proportion):
        return _mean_json(metric, m, v)
    if isinstance(metric, RatioMetric):
        return {
            "n": float(metric.n[m, v]),
            "numerator": _mean_json(metric.numerator, m, v),
            "numerator_kind": _kind(metric.numerator),
            "denominator": _mean_json(metric.denominator, m, v),
            "denominator_kind": _kind(metric.denominator),
            "sum_of_products": float(metric.sum_of_products[m, v]),
        }
    if isinstance(metric, CovariateAdjusted):
        return {
            "n": float(metric.n[m, v]),
            "post": _mean_json(metric.post, m, v),
            "post_kind": _kind(metric.post),
            "pre": _mean_json(metric.pre, m, v),
            "pre_kind": _kind(metric.pre),
            "sum_of_products": float(metric.sum_of_products[m, v]),
        }
    assert isinstance(metric, QuantileSample)
    return {
        "n": float(metric.n[m, v]),
        "n_star": float(metric.n_star[m, v]),
        "level": metric.level,
        "estimate": float(metric.estimate[m, v]),
        "lower": float(metric.lower[m, v]),
        "upper": float(metric.upper[m, v]),
    }


def statistic_kind(metric: Any) -> str:
    """The runner's name for a statistic's kind."""
    if isinstance(metric, SampleMean):
        return "mean"
    if isinstance(metric, Proportion):
        return "proportion"
    if isinstance(metric, RatioMetric):
        return "ratio"
    if isinstance(metric, CovariateAdjusted):
        return "cuped"
    return "quantile"


def comparison_cases(metric: Any, **settings: Any) -> list[dict[str, Any]]:
    """One runner case per metric x variant comparison, in row-major (metric, variant) order."""
    metrics, variants = metric.n.shape
    return [
        {
            "statistic": statistic_kind(metric),
            "control": arm_json(metric, m, 0),
            "variant": arm_json(metric, m, v),
            **settings,
        }
        for m in range(metrics)
        for v in range(1, variants)
    ]
