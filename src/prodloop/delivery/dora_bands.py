"""DORA benchmark bands as data, keyed by the year of the State of DevOps report.

The reports describe clusters in words ("between once per day and once per week"), with gaps
and overlaps between them. Apache DevLake turns them into cut-offs; prodloop uses DevLake's
cut-offs for the 2021 and 2023 reports (its DORA dashboard, "2021 report" / "2023 report").
The 2022 report has three clusters and no "elite"; DevLake has no 2022 table, so prodloop
applies DevLake's rule for gaps — a value between two clusters belongs to the lower one.

Deployment frequency is judged on *deployment days* (DevLake): the median number of days
with a deployment per calendar week, per calendar month and per six-month block.
Durations are in days; the change failure rate is a fraction (0.15 = 15%). Each label
describes the cut-off actually applied (e.g. 2023's change failure rates, published as 5%,
10%, 15% and 64%, become DevLake's 0-5%, 5-10%, 10-15% and more than 15%).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

HOUR = 1 / 24
WEEK = 7.0
MONTH = 30.0
SIX_MONTHS = 180.0


class PerformanceBand(StrEnum):
    """A DORA performance cluster."""

    ELITE = "elite"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class DoraMetric(StrEnum):
    """The four DORA keys."""

    DEPLOYMENT_FREQUENCY = "deployment_frequency"
    LEAD_TIME_FOR_CHANGES = "lead_time_for_changes"
    CHANGE_FAILURE_RATE = "change_failure_rate"
    FAILED_DEPLOYMENT_RECOVERY_TIME = "failed_deployment_recovery_time"


class DeploymentCadence(StrEnum):
    """The calendar block deployment days are counted in."""

    WEEK = "week"
    MONTH = "month"
    SIX_MONTHS = "six_months"


@dataclass(frozen=True)
class DeploymentDayMedians:
    """Median deployment days per calendar week, month and six-month block."""

    per_week: float
    per_month: float
    per_six_months: float

    def per(self, cadence: DeploymentCadence) -> float:
        """The median for ``cadence``."""
        if cadence is DeploymentCadence.WEEK:
            return self.per_week
        if cadence is DeploymentCadence.MONTH:
            return self.per_month
        return self.per_six_months


@dataclass(frozen=True)
class FrequencyRule:
    """``band`` when the median deployment days per ``cadence`` is at least ``minimum``."""

    band: PerformanceBand
    cadence: DeploymentCadence
    minimum: float
    label: str


@dataclass(frozen=True)
class LimitRule:
    """``band`` when the value is below ``limit`` (or equal to it, when ``inclusive``)."""

    band: PerformanceBand
    limit: float
    inclusive: bool
    label: str

    def admits(self, value: float) -> bool:
        """Whether ``value`` falls in this band."""
        return value <= self.limit if self.inclusive else value < self.limit


@dataclass(frozen=True)
class DoraBenchmark:
    """One report year's bands; rules are tried best band first, the last always matches."""

    year: int
    report: str
    deployment_frequency: tuple[FrequencyRule, ...]
    lead_time_days: tuple[LimitRule, ...]
    change_failure_rate: tuple[LimitRule, ...]
    recovery_time_days: tuple[LimitRule, ...]


@dataclass(frozen=True)
class BenchmarkBand:
    """Where a measured value sits in one report year's clusters."""

    metric: DoraMetric
    year: int
    report: str
    band: PerformanceBand
    label: str


_E, _H, _M, _L = (
    PerformanceBand.ELITE,
    PerformanceBand.HIGH,
    PerformanceBand.MEDIUM,
    PerformanceBand.LOW,
)
_W, _MO, _6M = DeploymentCadence.WEEK, DeploymentCadence.MONTH, DeploymentCadence.SIX_MONTHS
_ON_DEMAND = "On-demand (multiple deploys per day)"

_2021 = DoraBenchmark(
    year=2021,
    report="Accelerate State of DevOps 2021",
    deployment_frequency=(
        FrequencyRule(_E, _W, 7, _ON_DEMAND),
        FrequencyRule(_H, _MO, 1, "Between once per day and once per month"),
        FrequencyRule(_M, _6M, 1, "Between once per month and once every six months"),
        FrequencyRule(_L, _W, 0, "Fewer than once per six months"),
    ),
    lead_time_days=(
        LimitRule(_E, HOUR, False, "Less than one hour"),
        LimitRule(_H, WEEK, False, "Less than one week"),
        LimitRule(_M, SIX_MONTHS, False, "Between one week and six months"),
        LimitRule(_L, math.inf, False, "More than six months"),
    ),
    change_failure_rate=(
        LimitRule(_E, 0.15, True, "0-15%"),
        LimitRule(_H, 0.20, True, "16-20%"),
        LimitRule(_M, 0.30, True, "21-30%"),
        LimitRule(_L, math.inf, True, "More than 30%"),
    ),
    recovery_time_days=(
        LimitRule(_E, HOUR, False, "Less than one hour"),
        LimitRule(_H, 1, False, "Less than one day"),
        LimitRule(_M, WEEK, False, "Between one day and one week"),
        LimitRule(_L, math.inf, False, "More than one week"),
    ),
)

_2022 = DoraBenchmark(
    year=2022,
    report="Accelerate State of DevOps 2022 (three clusters, no elite)",
    deployment_frequency=(
        FrequencyRule(_H, _W, 7, _ON_DEMAND),
        FrequencyRule(_M, _MO, 1, "Between once per day and once per month"),
        FrequencyRule(_L, _W, 0, "Fewer than once per month"),
    ),
    lead_time_days=(
        LimitRule(_H, WEEK, False, "Less than one week"),
        LimitRule(_M, MONTH, False, "Between one week and one month"),
        LimitRule(_L, math.inf, False, "More than one month"),
    ),
    change_failure_rate=(
        LimitRule(_H, 0.15, True, "0-15%"),
        LimitRule(_M, 0.30, True, "16-30%"),
        LimitRule(_L, math.inf, True, "More than 30%"),
    ),
    recovery_time_days=(
        LimitRule(_H, 1, False, "Less than one day"),
        LimitRule(_M, WEEK, False, "Between one day and one week"),
        LimitRule(_L, math.inf, False, "More than one week"),
    ),
)

_2023 = DoraBenchmark(
    year=2023,
    report="Accelerate State of DevOps 2023",
    deployment_frequency=(
        FrequencyRule(_E, _W, 7, _ON_DEMAND),
        FrequencyRule(_H, _W, 1, "Between once per day and once per week"),
        FrequencyRule(_M, _MO, 1, "Between once per week and once per month"),
        FrequencyRule(_L, _W, 0, "Fewer than once per month"),
    ),
    lead_time_days=(
        LimitRule(_E, 1, False, "Less than one day"),
        LimitRule(_H, WEEK, False, "Between one day and one week"),
        LimitRule(_M, MONTH, False, "Between one week and one month"),
        LimitRule(_L, math.inf, False, "More than one month"),
    ),
    change_failure_rate=(
        LimitRule(_E, 0.05, True, "0-5%"),
        LimitRule(_H, 0.10, True, "5-10%"),
        LimitRule(_M, 0.15, True, "10-15%"),
        LimitRule(_L, math.inf, True, "More than 15%"),
    ),
    recovery_time_days=(
        LimitRule(_E, HOUR, False, "Less than one hour"),
        LimitRule(_H, 1, False, "Less than one day"),
        LimitRule(_M, WEEK, False, "Between one day and one week"),
        LimitRule(_L, math.inf, False, "More than one week"),
    ),
)

DORA_BENCHMARKS: Mapping[int, DoraBenchmark] = MappingProxyType(
    {benchmark.year: benchmark for benchmark in (_2021, _2022, _2023)}
)
DEFAULT_REPORT_YEAR = 2023


def benchmark_for(year: int) -> DoraBenchmark:
    """The bands of the ``year`` report; ValueError naming the years prodloop knows."""
    try:
        return DORA_BENCHMARKS[year]
    except KeyError:
        known = ", ".join(str(y) for y in sorted(DORA_BENCHMARKS))
        raise ValueError(f"no DORA benchmark for {year}; known report years: {known}") from None


def _band_by_limit(metric: DoraMetric, value: float, year: int) -> BenchmarkBand:
    benchmark = benchmark_for(year)
    rules = {
        DoraMetric.LEAD_TIME_FOR_CHANGES: benchmark.lead_time_days,
        DoraMetric.CHANGE_FAILURE_RATE: benchmark.change_failure_rate,
        DoraMetric.FAILED_DEPLOYMENT_RECOVERY_TIME: benchmark.recovery_time_days,
    }[metric]
    rule = next(r for r in rules if r.admits(value))
    return BenchmarkBand(metric, benchmark.year, benchmark.report, rule.band, rule.label)


def deployment_frequency_band(medians: DeploymentDayMedians, *, year: int) -> BenchmarkBand:
    """The deployment-frequency band of the ``year`` report for these deployment-day medians."""
    benchmark = benchmark_for(year)
    rule = next(r for r in benchmark.deployment_frequency if medians.per(r.cadence) >= r.minimum)
    return BenchmarkBand(
        DoraMetric.DEPLOYMENT_FREQUENCY, benchmark.year, benchmark.report, rule.band, rule.label
    )


def lead_time_band(median_days: float, *, year: int) -> BenchmarkBand:
    """The lead-time-for-changes band of the ``year`` report."""
    return _band_by_limit(DoraMetric.LEAD_TIME_FOR_CHANGES, median_days, year)


def change_failure_rate_band(rate: float, *, year: int) -> BenchmarkBand:
    """The change-failure-rate band of the ``year`` report (``rate`` as a fraction)."""
    return _band_by_limit(DoraMetric.CHANGE_FAILURE_RATE, rate, year)


def recovery_time_band(median_days: float, *, year: int) -> BenchmarkBand:
    """The failed-deployment-recovery-time band of the ``year`` report."""
    return _band_by_limit(DoraMetric.FAILED_DEPLOYMENT_RECOVERY_TIME, median_days, year)
