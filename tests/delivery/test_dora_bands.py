"""The DORA benchmark tables by report year, checked at their edges."""

from __future__ import annotations

import pytest

from prodloop.delivery.dora_bands import (
    DORA_BENCHMARKS,
    DeploymentDayMedians,
    DoraMetric,
    PerformanceBand,
    benchmark_for,
    change_failure_rate_band,
    deployment_frequency_band,
    lead_time_band,
    recovery_time_band,
)

E, H, M, L = (
    PerformanceBand.ELITE,
    PerformanceBand.HIGH,
    PerformanceBand.MEDIUM,
    PerformanceBand.LOW,
)
HOUR = 1 / 24


def test_at_least_2021_2022_and_2023_are_known() -> None:
    assert {2021, 2022, 2023} <= set(DORA_BENCHMARKS)
    with pytest.raises(ValueError, match="known report years: 2021, 2022, 2023"):
        benchmark_for(2019)


@pytest.mark.parametrize(
    ("year", "days", "band"),
    [
        (2023, 0.99, E),
        (2023, 1.0, H),  # "less than one day" is strict
        (2023, 6.99, H),
        (2023, 7.0, M),
        (2023, 30.0, L),
        (2021, 0.5 * HOUR, E),
        (2021, HOUR, H),
        (2021, 7.0, M),
        (2021, 180.0, L),
        (2022, 0.1, H),
        (2022, 20.0, M),
        (2022, 31.0, L),
    ],
)
def test_lead_time_bands(year: int, days: float, band: PerformanceBand) -> None:
    result = lead_time_band(days, year=year)
    assert (result.metric, result.year, result.band) == (
        DoraMetric.LEAD_TIME_FOR_CHANGES,
        year,
        band,
    )


@pytest.mark.parametrize(
    ("year", "rate", "band"),
    [
        (2023, 0.05, E),  # inclusive, as DevLake's "<= .05"
        (2023, 0.0501, H),
        (2023, 0.15, M),
        (2023, 0.16, L),
        (2021, 0.15, E),
        (2021, 0.20, H),
        (2021, 0.30, M),
        (2021, 0.31, L),
        (2022, 0.15, H),
        (2022, 0.30, M),
        (2022, 0.40, L),
    ],
)
def test_change_failure_rate_bands(year: int, rate: float, band: PerformanceBand) -> None:
    assert change_failure_rate_band(rate, year=year).band is band


@pytest.mark.parametrize(
    ("year", "days", "band"),
    [
        (2023, 0.5 * HOUR, E),
        (2023, HOUR, H),
        (2023, 1.0, M),
        (2023, 7.0, L),
        (2021, 3.0, M),
        (2022, 0.5 * HOUR, H),
        (2022, 8.0, L),
    ],
)
def test_recovery_time_bands(year: int, days: float, band: PerformanceBand) -> None:
    assert recovery_time_band(days, year=year).band is band


@pytest.mark.parametrize(
    ("medians", "year", "band"),
    [
        (DeploymentDayMedians(7, 30, 180), 2023, E),
        (DeploymentDayMedians(1, 4, 26), 2023, H),
        (DeploymentDayMedians(0, 1, 6), 2023, M),
        (DeploymentDayMedians(0, 0.5, 3), 2023, L),
        (DeploymentDayMedians(1, 4, 26), 2021, H),
        (DeploymentDayMedians(0, 1, 6), 2021, H),
        (DeploymentDayMedians(0, 0.5, 3), 2021, M),
        (DeploymentDayMedians(0, 0, 0.5), 2021, L),
        (DeploymentDayMedians(7, 30, 180), 2022, H),
        (DeploymentDayMedians(3, 12, 70), 2022, M),
        (DeploymentDayMedians(0, 0.5, 3), 2022, L),
    ],
)
def test_deployment_frequency_bands(
    medians: DeploymentDayMedians, year: int, band: PerformanceBand
) -> None:
    assert deployment_frequency_band(medians, year=year).band is band


def test_2022_has_no_elite_cluster_and_labels_name_the_report() -> None:
    table = benchmark_for(2022)
    rules = (
        table.deployment_frequency
        + table.lead_time_days
        + table.change_failure_rate
        + table.recovery_time_days
    )
    assert E not in {rule.band for rule in rules}
    result = lead_time_band(0.5, year=2023)
    assert result.report == "Accelerate State of DevOps 2023"
    assert result.label == "Less than one day"


@pytest.mark.parametrize("year", sorted(DORA_BENCHMARKS))
def test_every_table_is_ordered_and_total(year: int) -> None:
    table = benchmark_for(year)
    for rules in (table.lead_time_days, table.change_failure_rate, table.recovery_time_days):
        limits = [rule.limit for rule in rules]
        assert limits == sorted(limits)
        assert limits[-1] == float("inf")
    assert table.deployment_frequency[-1].minimum == 0
