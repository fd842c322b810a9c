"""The power calculator: how many units, and how many days, an experiment needs.

For a relative minimum detectable effect (MDE) on a metric with a known baseline mean and
variance (or a conversion rate), the relative lift's standard error with ``n`` units per arm
comes from the same delta method the tests use. Power is the chance that a two-sided test at
``alpha`` rejects when the true lift is the MDE. For sequential tests the fixed z is replaced
by the confidence sequence's multiplier at the same sample size, which approximates power at
the final look (earlier stops only add to it). The sample size is the smallest ``n`` reaching
the target power; the duration spreads ``n`` per variant over the daily traffic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from prodloop.experiments.stats.sequential import DEFAULT_TUNING, boundary_multiplier

MAX_UNITS_PER_VARIANT = 10**12


@dataclass(frozen=True)
class MetricBaseline:
    """The control's mean and per-unit variance, from history or a pilot."""

    mean: float
    variance: float
    is_rate: bool = False

    def __post_init__(self) -> None:
        if self.mean == 0 or self.variance <= 0:
            raise ValueError("a baseline needs a non-zero mean and a positive variance")

    @classmethod
    def from_rate(cls, rate: float) -> MetricBaseline:
        """A conversion rate's baseline: variance ``rate (1 - rate)``."""
        if not 0 < rate < 1:
            raise ValueError(f"a conversion rate lies strictly between 0 and 1, not {rate}")
        return cls(rate, rate * (1 - rate), is_rate=True)

    def variant_variance(self, relative_mde: float) -> float:
        """The variant's variance if the lift is the MDE (changes only for rates)."""
        if not self.is_rate:
            return self.variance
        rate = self.mean * (1 + relative_mde)
        if not 0 < rate < 1:
            raise ValueError(f"a {relative_mde:+.1%} lift takes the rate out of (0, 1)")
        return rate * (1 - rate)


def lift_standard_error(
    baseline: MetricBaseline, relative_mde: float, units_per_variant: float
) -> float:
    """The relative lift's standard error with ``units_per_variant`` units in each arm."""
    variant_variance = baseline.variant_variance(relative_mde)
    spread = variant_variance + baseline.variance * (1 + relative_mde) ** 2
    return math.sqrt(spread / (baseline.mean**2 * units_per_variant))


def critical_value(
    units_per_variant: float, *, alpha: float, sequential: bool, tuning: float
) -> float:
    """The rejection threshold in standard errors: z, or the sequence's multiplier."""
    if not sequential:
        return float(special.ndtri(1 - alpha / 2))
    return float(boundary_multiplier(2 * units_per_variant, alpha, tuning))


def power_for_sample_size(
    baseline: MetricBaseline,
    relative_mde: float,
    units_per_variant: float,
    *,
    alpha: float = 0.05,
    sequential: bool = False,
    tuning: float = DEFAULT_TUNING,
) -> float:
    """The chance a two-sided test detects a true lift of ``relative_mde`` with this sample."""
    if relative_mde == 0 or units_per_variant < 2:
        raise ValueError("power needs a non-zero effect and at least two units per variant")
    shift = abs(relative_mde) / lift_standard_error(baseline, relative_mde, units_per_variant)
    z = critical_value(units_per_variant, alpha=alpha, sequential=sequential, tuning=tuning)
    return float(special.ndtr(shift - z) + special.ndtr(-shift - z))


def sample_size_per_variant(
    baseline: MetricBaseline,
    relative_mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: bool = False,
    tuning: float = DEFAULT_TUNING,
) -> int:
    """The fewest units per variant that detect ``relative_mde`` with the target power."""
    if not 0 < power < 1:
        raise ValueError(f"power lies strictly between 0 and 1, not {power}")

    def enough(units: int) -> bool:
        """Whether ``units`` per variant reach the target power."""
        achieved = power_for_sample_size(
            baseline, relative_mde, units, alpha=alpha, sequential=sequential, tuning=tuning
        )
        return achieved >= power

    too_few, plenty = 1, 2
    while not enough(plenty):
        too_few, plenty = plenty, plenty * 2
        if plenty > MAX_UNITS_PER_VARIANT:
            raise ValueError("the effect is too small to detect with any practical sample")
    while plenty - too_few > 1:
        middle = (too_few + plenty) // 2
        too_few, plenty = (too_few, middle) if enough(middle) else (middle, plenty)
    return plenty


def duration_days(units_per_variant: int, *, variants: int, daily_units: float) -> int:
    """Whole days for ``variants`` arms to each collect ``units_per_variant`` units."""
    if daily_units <= 0:
        raise ValueError("daily traffic must be positive")
    return max(math.ceil(units_per_variant * variants / daily_units), 1)


@dataclass(frozen=True)
class PowerPlan:
    """A planned sample and duration, and the power it achieves for the MDE."""

    relative_mde: float
    alpha: float
    target_power: float
    achieved_power: float
    sequential: bool
    variants: int
    units_per_variant: int
    total_units: int
    duration_days: int | None


def plan_experiment(
    baseline: MetricBaseline,
    relative_mde: float,
    *,
    daily_units: float | None = None,
    variants: int = 2,
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: bool = False,
    tuning: float = DEFAULT_TUNING,
) -> PowerPlan:
    """Sample size per variant, total units and days (given daily traffic) for the MDE.

    ``variants`` counts every arm, the control included; traffic is split evenly.
    """
    if variants < 2:
        raise ValueError("an experiment has a control and at least one variant")
    units = sample_size_per_variant(
        baseline, relative_mde, alpha=alpha, power=power, sequential=sequential, tuning=tuning
    )
    achieved = power_for_sample_size(
        baseline, relative_mde, units, alpha=alpha, sequential=sequential, tuning=tuning
    )
    days = None
    if daily_units is not None:
        days = duration_days(units, variants=variants, daily_units=daily_units)
    return PowerPlan(
        relative_mde=relative_mde,
        alpha=alpha,
        target_power=power,
        achieved_power=achieved,
        sequential=sequential,
        variants=variants,
        units_per_variant=units,
        total_units=units * variants,
        duration_days=days,
    )
