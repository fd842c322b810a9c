"""Delivery reports: the loaders and the pure maths composed into typed page data.

The web pages, the JSON API and the CLI all call these four reports — :func:`team_dashboard`,
:func:`delivery_signals`, :func:`dora_summary` and :func:`feature_delivery` — so a number is
computed one way wherever it is shown. Periods are local calendar days in the workspace
time zone; by default the last 12 weeks ending today.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.delivery.dora import dora_report
from prodloop.delivery.dora_bands import DEFAULT_REPORT_YEAR, DORA_BENCHMARKS, benchmark_for
from prodloop.delivery.dora_display import dora_tiles
from prodloop.delivery.facts import WorkItemFacts
from prodloop.delivery.feature_report import DEFAULT_HISTORY_DAYS, current_status, feature_delivery
from prodloop.delivery.firefighting import (
    mid_sprint_additions,
    unplanned_share_by_team,
    unplanned_trend,
)
from prodloop.delivery.flow import (
    aging_wip,
    completed_in,
    cycle_time_summary,
    throughput,
    wip_by_day,
)
from prodloop.delivery.inventory import find_team
from prodloop.delivery.models import Deployment, PullRequest
from prodloop.delivery.percentiles import Percentiles
from prodloop.delivery.periods import Granularity, Period, local_date, start_of_day
from prodloop.delivery.pull_requests import (
    PullRequestCycleSummary,
    pull_request_cycles,
    summarise_cycles,
)
from prodloop.delivery.report_schemas import (
    AgingItem,
    DoraSummary,
    ReportPeriod,
    SprintAdditions,
    TeamDashboard,
    TeamName,
    UnplannedBucket,
    UnplannedSummary,
)
from prodloop.delivery.service import (
    load_deployments,
    load_incidents,
    load_pull_requests,
    load_work_items,
    workspace_time_zone,
)
from prodloop.delivery.signals_report import delivery_signals
from prodloop.delivery.team_forecast import team_forecast
from prodloop.ledger.errors import RuleError
from prodloop.ledger.models import Feature, Team

__all__ = [
    "DEFAULT_HISTORY_DAYS",
    "default_period",
    "delivery_signals",
    "dora_repos",
    "dora_summary",
    "feature_delivery",
    "report_as_of",
    "report_period",
    "team_dashboard",
    "team_forecast",
    "today_in",
    "workspace_time_zone",
]

DEFAULT_WEEKS = 12
MAX_PERIOD_DAYS = 3 * 366
# How far before a period pull requests and deployments are read, so a change merged or first
# shipped shortly before the period is still matched to the deployment that shipped it.
LOOKBACK = timedelta(days=180)


# --- periods ------------------------------------------------------------------------------


def today_in(time_zone: str) -> date:
    """Today's date in ``time_zone``."""
    return datetime.now(ZoneInfo(time_zone)).date()


def default_period(today: date, *, weeks: int = DEFAULT_WEEKS) -> Period:
    """The last ``weeks`` weeks ending with ``today`` (included)."""
    return Period.from_first_to_last(today - timedelta(days=7 * weeks - 1), today)


def report_period(*, today: date, start: date | None = None, end: date | None = None) -> Period:
    """The days ``start`` to ``end`` (both included); defaults: 12 weeks ending today."""
    last = end or today
    first = start or default_period(last).start
    if first > last:
        raise RuleError(f"start ({first}) is after end ({last})", field="start")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise RuleError(f"a period can span at most {MAX_PERIOD_DAYS} days", field="start")
    return Period.from_first_to_last(first, last)


def report_as_of(period: Period, time_zone: str) -> datetime:
    """The instant aging WIP is measured at: now, or the end of a period that has ended."""
    now = datetime.now(ZoneInfo(time_zone))
    return min(now, start_of_day(period.end, time_zone))


def _report_year(year: int) -> int:
    try:
        return benchmark_for(year).year
    except ValueError as unknown:
        raise RuleError(str(unknown), field="report_year") from None


# --- the team dashboard -------------------------------------------------------------------


def team_dashboard(
    session: Session,
    *,
    team: str,
    period: Period,
    time_zone: str,
    as_of: datetime,
    granularity: Granularity = Granularity.WEEK,
) -> TeamDashboard:
    """One team's flow over ``period``: cycle and lead time, throughput, WIP and its age, pull
    request stages, the unplanned share and mid-sprint additions."""
    found = find_team(session, team)
    since = start_of_day(period.start, time_zone)
    items = [
        item if item.team == found.key else dataclasses.replace(item, team=found.key)
        for item in load_work_items(session, team=found.key, since=since)
    ]
    summary = cycle_time_summary(items, time_zone=time_zone, period=period)
    aging = aging_items(items, as_of=as_of, cycle_time=summary.cycle_time)
    return TeamDashboard(
        team=TeamName(key=found.key, name=found.name),
        period=ReportPeriod.of(period, granularity, time_zone),
        as_of=as_of,
        work_items=len(items),
        completed=summary.completed,
        cycle_time=summary.cycle_time,
        lead_time=summary.lead_time,
        scatter=summary.points,
        throughput=throughput(items, period=period, granularity=granularity, time_zone=time_zone),
        throughput_per_week=summary.completed * 7 / period.days,
        wip=wip_by_day(items, period=period, time_zone=time_zone),
        wip_now=len(aging),
        aging=aging,
        pull_requests=_team_pull_requests(session, found.key, items, period, time_zone),
        unplanned=_unplanned(items, found.key, period, granularity, time_zone),
        mid_sprint=_mid_sprint(items, period, time_zone),
    )


def aging_items(
    items: Sequence[WorkItemFacts], *, as_of: datetime, cycle_time: Percentiles
) -> list[AgingItem]:
    """Items in progress at ``as_of``, oldest first, with their status and age band."""
    statuses = {item.key: current_status(item) for item in items}
    return [
        AgingItem(**dataclasses.asdict(entry), status=statuses.get(entry.key, "In progress"))
        for entry in aging_wip(items, as_of=as_of, cycle_time=cycle_time)
    ]


def _team_pull_requests(
    session: Session, team: str, items: Sequence[WorkItemFacts], period: Period, time_zone: str
) -> PullRequestCycleSummary:
    """Median PR stages over pull requests merged in the period for the team's features
    (ledger features of the team, and features its work items belong to)."""
    features = {item.feature for item in items if item.feature}
    owned = select(Feature.key).join(Team, Feature.team_id == Team.id).where(Team.key == team)
    features.update(session.execute(owned).scalars())
    since = start_of_day(period.start, time_zone) - LOOKBACK
    pulls = [p for p in load_pull_requests(session, since=since) if p.feature in features]
    cycles = pull_request_cycles(pulls, load_deployments(session, since=since))
    return summarise_cycles(c for c in cycles if local_date(c.merged_at, time_zone) in period)


def _unplanned(
    items: Sequence[WorkItemFacts],
    team: str,
    period: Period,
    granularity: Granularity,
    time_zone: str,
) -> UnplannedSummary:
    shares = unplanned_share_by_team(
        items, period=period, granularity=granularity, time_zone=time_zone
    ).get(team, ())
    trend = unplanned_trend(shares)
    done = completed_in(items, time_zone=time_zone, period=period)
    unplanned = sum(1 for item in done if item.unplanned)
    return UnplannedSummary(
        items_done=len(done),
        unplanned_done=unplanned,
        share=unplanned / len(done) if done else None,
        buckets=[
            UnplannedBucket(
                start=s.start,
                items_done=s.items_done,
                unplanned_done=s.unplanned_done,
                share=s.share,
            )
            for s in shares
        ],
        slope_per_bucket=trend.slope_per_bucket,
        latest_share=trend.latest_share,
        rising=trend.rising,
        alarm_share=trend.alarm_share,
    )


def _mid_sprint(
    items: Sequence[WorkItemFacts], period: Period, time_zone: str
) -> list[SprintAdditions]:
    """Sprints that started in the period and took in work after they started."""
    in_period = [
        item
        for item in items
        if item.sprint_started_at is not None
        and local_date(item.sprint_started_at, time_zone) in period
    ]
    return [
        SprintAdditions(
            sprint=change.sprint,
            items_in_sprint=change.items_in_sprint,
            added_mid_sprint=list(change.added_mid_sprint),
            share=change.share,
        )
        for change in mid_sprint_additions(in_period)
    ]


# --- DORA ---------------------------------------------------------------------------------


def dora_repos(session: Session) -> list[str]:
    """Every repository with deployments or pull requests, by name."""
    names = set(session.execute(select(Deployment.repo).distinct()).scalars())
    names.update(session.execute(select(PullRequest.repo).distinct()).scalars())
    return sorted(names)


def dora_summary(
    session: Session,
    *,
    repo: str | None = None,
    period: Period,
    time_zone: str,
    report_year: int = DEFAULT_REPORT_YEAR,
) -> DoraSummary:
    """DORA's four keys over ``period`` for ``repo`` (all repositories when None), each with
    its band in the ``report_year`` State of DevOps report."""
    year = _report_year(report_year)
    repos = dora_repos(session)
    if repo is not None and repo not in repos:
        raise RuleError(f"no deployments or pull requests for repository {repo!r}", field="repo")
    since = start_of_day(period.start, time_zone) - LOOKBACK
    report = dora_report(
        deployments=load_deployments(session, repo=repo, since=since),
        pull_requests=load_pull_requests(session, repo=repo, since=since),
        incidents=load_incidents(session, repo=repo, since=since),
        period=period,
        time_zone=time_zone,
        report_year=year,
    )
    frequency = report.deployment_frequency
    return DoraSummary(
        period=ReportPeriod.of(period, Granularity.WEEK, time_zone),
        repo=repo,
        repos=repos,
        report_year=year,
        report=benchmark_for(year).report,
        report_years=sorted(DORA_BENCHMARKS),
        deployments=frequency.deployments,
        tiles=dora_tiles(report),
        deployments_by_week=frequency.weeks,
    )
