"""DORA's four keys as Apache DevLake defines them, over a period of local calendar days.

* A **deployment** is a successful production deployment; it happens on the local date its
  ``finished_at`` falls on in the workspace time zone.
* **Deployment frequency** counts deployment *days*: the bands use the median number of
  deployment days per calendar week (Monday start), per calendar month and per six-month
  block (starting with the period's first month) — every bucket overlapping the period, edge
  buckets holding only the days inside it, as DevLake's dashboard does.
* **Lead time for changes** is the median PR cycle (coding + (merged - created) + deploy, see
  :mod:`prodloop.delivery.pull_requests`) of the pull requests whose deployment finished in
  the period.
* **Change failure rate** is the share of the period's deployments linked to at least one
  incident. An incident links to the latest deployment finished strictly before the incident
  was created — in the incident's repository when it names one.
* **Failed-deployment recovery time** is the median of (incident resolved - linked
  deployment finished) over incidents resolved in the period whose deployment also finished
  in it (both filters, as in DevLake's query).

Medians are ordinary medians (:mod:`prodloop.delivery.percentiles`); DevLake's SQL takes the
lower middle value instead, so with an even count the two can differ.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from prodloop.delivery.dora_bands import (
    DEFAULT_REPORT_YEAR,
    BenchmarkBand,
    DeploymentDayMedians,
    change_failure_rate_band,
    deployment_frequency_band,
    lead_time_band,
    recovery_time_band,
)
from prodloop.delivery.facts import DeploymentFacts, IncidentFacts, PullRequestFacts
from prodloop.delivery.percentiles import median
from prodloop.delivery.periods import (
    Granularity,
    Period,
    add_months,
    bucket_start,
    bucket_starts,
    days_between,
    local_date,
)
from prodloop.delivery.pull_requests import (
    PullRequestCycle,
    is_production_deployment,
    pull_request_cycles,
)

AVERAGE_MONTH_DAYS = 365.2425 / 12


def deployments_in(
    deployments: Iterable[DeploymentFacts], *, period: Period, time_zone: str
) -> list[DeploymentFacts]:
    """Successful production deployments that finished on a local day inside ``period``."""
    return [
        d
        for d in deployments
        if is_production_deployment(d) and local_date(d.finished_at, time_zone) in period
    ]


# --- deployment frequency -----------------------------------------------------------------


@dataclass(frozen=True)
class DeploymentBucket:
    """Deployments and deployment days in the calendar bucket starting on ``start``."""

    start: date
    deployments: int
    deployment_days: int


@dataclass(frozen=True)
class DeploymentFrequency:
    """How often production changed in the period, with its DORA band."""

    deployments: int
    deployment_days: int
    deployments_per_week: float
    deployments_per_month: float
    medians: DeploymentDayMedians
    weeks: tuple[DeploymentBucket, ...]
    months: tuple[DeploymentBucket, ...]
    band: BenchmarkBand | None


def _buckets(
    per_day: Counter[date], period: Period, granularity: Granularity
) -> tuple[DeploymentBucket, ...]:
    deployments: Counter[date] = Counter()
    days: Counter[date] = Counter()
    for day, count in per_day.items():
        start = bucket_start(day, granularity)
        deployments[start] += count
        days[start] += 1
    return tuple(
        DeploymentBucket(start=start, deployments=deployments[start], deployment_days=days[start])
        for start in bucket_starts(period, granularity)
    )


def _six_month_deployment_days(days: Iterable[date], period: Period) -> list[int]:
    first_block = period.start.replace(day=1)
    counts: Counter[int] = Counter(
        (d.year - first_block.year) * 12 + d.month - first_block.month for d in days
    )
    blocks: list[int] = []
    while add_months(first_block, 6 * len(blocks)) < period.end:
        offset = 6 * len(blocks)
        blocks.append(sum(counts[offset + month] for month in range(6)))
    return blocks


def deployment_frequency(
    deployments: Iterable[DeploymentFacts],
    *,
    period: Period,
    time_zone: str,
    report_year: int = DEFAULT_REPORT_YEAR,
) -> DeploymentFrequency:
    """Deployment days and deployments per week / month; band None with no deployments."""
    chosen = deployments_in(deployments, period=period, time_zone=time_zone)
    per_day = Counter(local_date(d.finished_at, time_zone) for d in chosen)
    weeks = _buckets(per_day, period, Granularity.WEEK)
    months = _buckets(per_day, period, Granularity.MONTH)
    medians = DeploymentDayMedians(
        per_week=median(w.deployment_days for w in weeks) or 0.0,
        per_month=median(m.deployment_days for m in months) or 0.0,
        per_six_months=median(_six_month_deployment_days(per_day, period)) or 0.0,
    )
    span = max(period.days, 1)
    return DeploymentFrequency(
        deployments=len(chosen),
        deployment_days=len(per_day),
        deployments_per_week=len(chosen) * 7 / span,
        deployments_per_month=len(chosen) * AVERAGE_MONTH_DAYS / span,
        medians=medians,
        weeks=weeks,
        months=months,
        band=deployment_frequency_band(medians, year=report_year) if chosen else None,
    )


# --- lead time for changes ----------------------------------------------------------------


@dataclass(frozen=True)
class LeadTimeForChanges:
    """Median PR cycle of the pull requests deployed in the period."""

    pull_requests: int
    median_days: float | None
    cycles: tuple[PullRequestCycle, ...]
    band: BenchmarkBand | None


def lead_time_for_changes(
    pull_requests: Iterable[PullRequestFacts],
    deployments: Iterable[DeploymentFacts],
    *,
    period: Period,
    time_zone: str,
    report_year: int = DEFAULT_REPORT_YEAR,
) -> LeadTimeForChanges:
    """DevLake's change lead time: median cycle of PRs whose deployment finished in period."""
    cycles = tuple(
        cycle
        for cycle in pull_request_cycles(pull_requests, deployments)
        if cycle.deployed_at is not None and local_date(cycle.deployed_at, time_zone) in period
    )
    middle = median(cycle.cycle_days for cycle in cycles)
    return LeadTimeForChanges(
        pull_requests=len(cycles),
        median_days=middle,
        cycles=cycles,
        band=None if middle is None else lead_time_band(middle, year=report_year),
    )


# --- incidents: linking, change failure rate, recovery time --------------------------------


class _DeploymentTimeline:
    """Production deployments by finish time, overall and per repository."""

    def __init__(self, deployments: Iterable[DeploymentFacts]) -> None:
        ordered = sorted(
            (d for d in deployments if is_production_deployment(d)),
            key=lambda d: (d.finished_at, d.key),
        )
        self._all = ordered
        self._all_finishes = [d.finished_at for d in ordered]
        self._by_repo: dict[str, list[DeploymentFacts]] = defaultdict(list)
        for deployment in ordered:
            self._by_repo[deployment.repo].append(deployment)
        self._repo_finishes = {
            repo: [d.finished_at for d in repo_deployments]
            for repo, repo_deployments in self._by_repo.items()
        }

    def latest_before(self, moment: datetime, repo: str | None) -> DeploymentFacts | None:
        """The last deployment (in ``repo`` when given) finished strictly before ``moment``."""
        if repo is None:
            candidates, finishes = self._all, self._all_finishes
        else:
            candidates = self._by_repo.get(repo, [])
            finishes = self._repo_finishes.get(repo, [])
        position = bisect_left(finishes, moment)
        return candidates[position - 1] if position else None


def link_incidents(
    deployments: Iterable[DeploymentFacts], incidents: Iterable[IncidentFacts]
) -> dict[str, DeploymentFacts | None]:
    """Incident key → the deployment that caused it (None when nothing shipped before)."""
    timeline = _DeploymentTimeline(deployments)
    return {
        incident.key: timeline.latest_before(incident.created_at, incident.repo)
        for incident in incidents
    }


@dataclass(frozen=True)
class ChangeFailureRate:
    """Share of the period's deployments that caused at least one incident."""

    deployments: int
    failed_deployments: int
    rate: float | None
    failed_deployment_keys: tuple[str, ...]
    band: BenchmarkBand | None


def change_failure_rate(
    deployments: Sequence[DeploymentFacts],
    incidents: Iterable[IncidentFacts],
    *,
    period: Period,
    time_zone: str,
    report_year: int = DEFAULT_REPORT_YEAR,
) -> ChangeFailureRate:
    """Deployments in the period linked to ≥ 1 incident ÷ deployments in the period."""
    chosen = deployments_in(deployments, period=period, time_zone=time_zone)
    caused = {d.key for d in link_incidents(deployments, incidents).values() if d is not None}
    failed = tuple(sorted(d.key for d in chosen if d.key in caused))
    rate = len(failed) / len(chosen) if chosen else None
    return ChangeFailureRate(
        deployments=len(chosen),
        failed_deployments=len(failed),
        rate=rate,
        failed_deployment_keys=failed,
        band=None if rate is None else change_failure_rate_band(rate, year=report_year),
    )


@dataclass(frozen=True)
class IncidentRecovery:
    """How long production stayed broken after the deployment that caused an incident."""

    incident_key: str
    deployment_key: str
    recovery_days: float


@dataclass(frozen=True)
class RecoveryTime:
    """Median failed-deployment recovery time over the period's resolved incidents."""

    incidents: int
    median_days: float | None
    recoveries: tuple[IncidentRecovery, ...]
    band: BenchmarkBand | None


def failed_deployment_recovery_time(
    deployments: Sequence[DeploymentFacts],
    incidents: Sequence[IncidentFacts],
    *,
    period: Period,
    time_zone: str,
    report_year: int = DEFAULT_REPORT_YEAR,
) -> RecoveryTime:
    """Median (incident resolved - linked deployment finished) in days."""
    links = link_incidents(deployments, incidents)
    recoveries = []
    for incident in incidents:
        deployment = links[incident.key]
        resolved = incident.resolved_at
        if deployment is None or resolved is None:
            continue
        if local_date(resolved, time_zone) not in period:
            continue
        if local_date(deployment.finished_at, time_zone) not in period:
            continue
        recovery = days_between(deployment.finished_at, resolved)
        recoveries.append(IncidentRecovery(incident.key, deployment.key, recovery))
    middle = median(r.recovery_days for r in recoveries)
    return RecoveryTime(
        incidents=len(recoveries),
        median_days=middle,
        recoveries=tuple(recoveries),
        band=None if middle is None else recovery_time_band(middle, year=report_year),
    )


# --- all four -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DoraReport:
    """The four keys for one period, banded by one report year."""

    period: Period
    time_zone: str
    report_year: int
    deployment_frequency: DeploymentFrequency
    lead_time_for_changes: LeadTimeForChanges
    change_failure_rate: ChangeFailureRate
    recovery_time: RecoveryTime


def dora_report(
    *,
    deployments: Sequence[DeploymentFacts],
    pull_requests: Sequence[PullRequestFacts],
    incidents: Sequence[IncidentFacts],
    period: Period,
    time_zone: str,
    report_year: int = DEFAULT_REPORT_YEAR,
) -> DoraReport:
    """All four DORA keys for ``period`` in ``time_zone``."""
    return DoraReport(
        period=period,
        time_zone=time_zone,
        report_year=report_year,
        deployment_frequency=deployment_frequency(
            deployments, period=period, time_zone=time_zone, report_year=report_year
        ),
        lead_time_for_changes=lead_time_for_changes(
            pull_requests, deployments, period=period, time_zone=time_zone, report_year=report_year
        ),
        change_failure_rate=change_failure_rate(
            deployments, incidents, period=period, time_zone=time_zone, report_year=report_year
        ),
        recovery_time=failed_deployment_recovery_time(
            deployments, incidents, period=period, time_zone=time_zone, report_year=report_year
        ),
    )
