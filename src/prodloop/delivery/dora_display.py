"""How the four DORA keys read: values in words, the basis each was computed on, the badge.

Kept apart from :mod:`prodloop.delivery.dora` (the maths) so the definitions stay free of
presentation; the web tiles and the CLI table both use these words.
"""

from __future__ import annotations

from prodloop.delivery.dora import DoraReport
from prodloop.delivery.dora_bands import BenchmarkBand, DoraMetric
from prodloop.delivery.report_schemas import DoraTile

TITLES = {
    DoraMetric.DEPLOYMENT_FREQUENCY: "Deployment frequency",
    DoraMetric.LEAD_TIME_FOR_CHANGES: "Lead time for changes",
    DoraMetric.CHANGE_FAILURE_RATE: "Change failure rate",
    DoraMetric.FAILED_DEPLOYMENT_RECOVERY_TIME: "Failed-deployment recovery time",
}


def format_days(days: float | None) -> str:
    """A duration in days as people say it: minutes, hours or days."""
    if days is None:
        return "—"
    if days < 1 / 24:
        return f"{days * 24 * 60:.0f} min"
    if days < 1:
        return f"{days * 24:.1f} h"
    return f"{days:.1f} days"


def format_share(share: float | None) -> str:
    """A fraction as a whole percentage."""
    return "—" if share is None else f"{share:.0%}"


def badge(band: BenchmarkBand | None) -> str | None:
    """e.g. "Elite (2023 report)"."""
    return None if band is None else f"{band.band.value.capitalize()} ({band.year} report)"


def _tile(
    metric: DoraMetric,
    value: float | None,
    unit: str,
    display: str,
    basis: str,
    band: BenchmarkBand | None,
) -> DoraTile:
    return DoraTile(
        metric=metric,
        title=TITLES[metric],
        value=value,
        unit=unit,
        display=display,
        basis=basis,
        band=band.band if band else None,
        band_label=band.label if band else None,
        badge=badge(band),
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _frequency_tile(report: DoraReport) -> DoraTile:
    frequency = report.deployment_frequency
    per_week = frequency.deployments_per_week if frequency.deployments else None
    return _tile(
        DoraMetric.DEPLOYMENT_FREQUENCY,
        per_week,
        "deployments per week",
        "—" if per_week is None else f"{per_week:.1f}/week",
        f"{_plural(frequency.deployments, 'deployment')} on "
        f"{_plural(frequency.deployment_days, 'day')}; median "
        f"{frequency.medians.per_week:g} deployment days a week",
        frequency.band,
    )


def dora_tiles(report: DoraReport) -> list[DoraTile]:
    """The four keys of ``report`` as tiles, in DORA's order."""
    lead = report.lead_time_for_changes
    failures = report.change_failure_rate
    recovery = report.recovery_time
    return [
        _frequency_tile(report),
        _tile(
            DoraMetric.LEAD_TIME_FOR_CHANGES,
            lead.median_days,
            "days",
            format_days(lead.median_days),
            f"median first commit → production over {_plural(lead.pull_requests, 'pull request')}",
            lead.band,
        ),
        _tile(
            DoraMetric.CHANGE_FAILURE_RATE,
            failures.rate,
            "share of deployments",
            format_share(failures.rate),
            f"{failures.failed_deployments} of {_plural(failures.deployments, 'deployment')} "
            "caused an incident",
            failures.band,
        ),
        _tile(
            DoraMetric.FAILED_DEPLOYMENT_RECOVERY_TIME,
            recovery.median_days,
            "days",
            format_days(recovery.median_days),
            f"median deployment → incident resolved over {_plural(recovery.incidents, 'incident')}",
            recovery.band,
        ),
    ]
