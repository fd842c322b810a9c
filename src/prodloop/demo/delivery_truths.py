"""What the delivery simulator planted, written down for the manifest so that tests can check
prodloop finds it in the imported data (keys, dates and the figures to expect)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from statistics import median
from typing import Any

from prodloop.demo.delivery_backlog import UNOWNED_TEAM
from prodloop.demo.delivery_features import FeatureWork, Redating
from prodloop.demo.delivery_github import CADENCE_REPO, RepoPlan, cadence_change_day
from prodloop.demo.delivery_model import Clock, WorkItemPlan
from prodloop.demo.delivery_work import FIREFIGHTING_TEAM, PROFILES, TeamDesk

QUARTER_DAYS = 91
FORECAST_HISTORY_DAYS = 84


def planted_truths(
    *,
    clock: Clock,
    desks: dict[str, TeamDesk],
    items: list[WorkItemPlan],
    repos: list[RepoPlan],
    redating: Redating,
    slipping: FeatureWork,
    on_track: FeatureWork,
    jira_source: str,
) -> dict[str, Any]:
    """The delivery part of the manifest's planted truths."""
    slipping_team = desks[slipping.team]
    return {
        "sources": {"jira": jira_source, "repos": [repo.spec.name for repo in repos]},
        "ledger_updates": len(redating.moments),
        "counts": _counts(items, repos),
        "firefighting": _firefighting(clock, items, repos),
        "redated_feature": {
            "key": redating.feature,
            "team": slipping_team.key,
            "epic": slipping_team.epics[redating.feature].key,
            "target_dates": [day.isoformat() for day in redating.dates],
            "redated_at": [moment.isoformat() for moment in redating.moments],
            "reasons": list(redating.reasons),
            "redatings": len(redating.moments),
            "slips": sum(later > earlier for earlier, later in pairwise(redating.dates)),
        },
        "forecast": {
            "history": "the feature's team's daily throughput",
            "history_days": FORECAST_HISTORY_DAYS,
            "unlikely": _forecast_feature(redating.feature, redating.dates[-1], items),
            "likely": _forecast_feature(on_track.key, on_track.target_date, items),
        },
        "unowned_work": _unowned(items),
        "deployment_cadence": _cadence(clock, repos),
        "change_failure": _failures(repos),
        "cycle_time_median_days": {key: profile.cycle_days for key, profile in PROFILES.items()},
        "bouncing_items": sorted(item.key for item in items if len(item.team_moves) > 1),
    }


def _counts(items: list[WorkItemPlan], repos: list[RepoPlan]) -> dict[str, int]:
    return {
        "work_items": len(items) + sum(len(repo.incidents) for repo in repos),
        "jira_items": len(items),
        "epics": sum(1 for item in items if item.item_type == "Epic"),
        "done": sum(1 for item in items if item.done is not None),
        "open": sum(1 for item in items if item.is_open),
        "cancelled": sum(1 for item in items if item.status == "Won't Do"),
        "pull_requests": sum(len(repo.pulls) for repo in repos),
        "deployments": sum(sum(d.succeeded for d in repo.deployments) for repo in repos),
        "incidents": sum(len(repo.incidents) for repo in repos),
    }


def _firefighting(clock: Clock, items: list[WorkItemPlan], repos: list[RepoPlan]) -> dict[str, Any]:
    """Each team's planted unplanned share of completed items, for the whole year and for
    its first and last 91 days (production incidents included, as the importers count them)."""
    done: list[tuple[str, date, bool]] = [
        (item.team, clock.local_day(item.done), item.unplanned) for item in items if item.done
    ]
    done += [
        (repo.spec.team, clock.local_day(incident.resolved), True)
        for repo in repos
        for incident in repo.incidents
    ]
    first_end = clock.first_day + timedelta(days=QUARTER_DAYS)
    last_start = clock.as_of - timedelta(days=QUARTER_DAYS)

    def share(team: str, low: date, high: date) -> float:
        chosen = [unplanned for t, day, unplanned in done if t == team and low <= day < high]
        return round(sum(chosen) / len(chosen), 3)

    teams = sorted(PROFILES)
    return {
        "team": FIREFIGHTING_TEAM,
        "expected_first_quarter_share": PROFILES[FIREFIGHTING_TEAM].share[0],
        "expected_last_quarter_share": PROFILES[FIREFIGHTING_TEAM].share[1],
        "first_quarter": [clock.first_day.isoformat(), first_end.isoformat()],
        "last_quarter": [last_start.isoformat(), clock.as_of.isoformat()],
        "first_quarter_share": {t: share(t, clock.first_day, first_end) for t in teams},
        "last_quarter_share": {t: share(t, last_start, clock.as_of) for t in teams},
        "year_share": {t: share(t, clock.first_day, clock.as_of) for t in teams},
    }


def _forecast_feature(key: str, target: date | None, items: list[WorkItemPlan]) -> dict[str, Any]:
    return {
        "feature": key,
        "target_date": target.isoformat() if target else None,
        "open_items": sum(1 for item in items if item.feature == key and item.is_open),
    }


def _unowned(items: list[WorkItemPlan]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for item in items:
        if item.is_open and item.assignee is None:
            counts[item.team] = counts.get(item.team, 0) + 1
    return {
        "team": UNOWNED_TEAM,
        "items": counts.get(UNOWNED_TEAM, 0),
        "by_team": dict(sorted(counts.items())),
    }


def _cadence(clock: Clock, repos: list[RepoPlan]) -> dict[str, Any]:
    change = cadence_change_day(clock)
    repo = next(r for r in repos if r.spec.name == CADENCE_REPO)
    finished = [clock.local_day(d.finished) for d in repo.deployments if d.succeeded]
    before = [day for day in finished if day < change]
    after = [day for day in finished if day >= change]
    weeks_before = (change - clock.first_day).days / 7
    weeks_after = (clock.as_of - change).days / 7
    return {
        "repo": CADENCE_REPO,
        "changed_on": change.isoformat(),
        "deployments_per_week_before": round(len(before) / weeks_before, 2),
        "deployments_per_week_after": round(len(after) / weeks_after, 2),
        "deployment_days_per_week_before": round(len(set(before)) / weeks_before, 2),
        "deployment_days_per_week_after": round(len(set(after)) / weeks_after, 2),
        "report_year": 2023,
        "band_before": "high",
        "band_after": "elite",
    }


def _failures(repos: list[RepoPlan]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    all_good = all_failed = 0
    recoveries = []
    for repo in repos:
        good = {d.deployment_id: d for d in repo.deployments if d.succeeded}
        failed = {incident.caused_by for incident in repo.incidents}
        recoveries += [
            (incident.resolved - good[incident.caused_by].finished).total_seconds() / 86_400
            for incident in repo.incidents
        ]
        result[repo.spec.name] = {
            "deployments": len(good),
            "failed_deployments": len(failed),
            "rate": round(len(failed) / len(good), 4),
            "incidents": len(repo.incidents),
        }
        all_good, all_failed = all_good + len(good), all_failed + len(failed)
    result["overall_rate"] = round(all_failed / all_good, 4)
    result["median_recovery_days"] = round(median(recoveries), 4)
    return result
