"""The demo company's repositories: pull requests with commits and reviews, deployments to
production, and the incidents some deployments cause.

``northwind/web-app`` carries the planted change of cadence: a release train on Tuesdays
and Thursdays for the first half of the year, then continuous deployment (every merge on
weekdays, automerged dependency updates every night, weekends included). A share of each
repository's deployments is followed by an incident, filed as a labelled issue and resolved
hours later, so the change failure rate and recovery time have something to measure.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from prodloop.demo.delivery_features import FeatureWork
from prodloop.demo.delivery_model import (
    WEEKEND,
    Actor,
    Clock,
    DeploymentPlan,
    IncidentPlan,
    PullPlan,
    lognormal_days,
    poisson,
    sha,
)
from prodloop.demo.delivery_text import bot_title, pull_title

BOT = "renovate[bot]"
DEPLOYER = "github-actions[bot]"
CADENCE_REPO = "northwind/web-app"
HALF_YEAR_DAYS = 182


@dataclass(frozen=True)
class RepoSpec:
    """A repository: the team on call for it and the teams whose engineers work in it."""

    name: str
    team: str
    contributors: tuple[str, ...]
    pulls_per_week: float
    first_number: int
    first_deployment_id: int
    failure_rate: tuple[float, float]
    recovery_hours: float
    incidents: tuple[str, ...]


REPOS = (
    RepoSpec(
        CADENCE_REPO,
        "core-platform",
        ("growth", "core-platform", "insights", "billing"),
        0.8,
        4100,
        1_204_000_000,
        (0.20, 0.09),
        2.5,
        (
            "Elevated 5xx on /api/workflows after deploy",
            "Sign-in page blank for SSO users",
            "Dashboards fail to load for large workspaces",
            "Invoice PDF generation timing out",
            "Workflow runs stuck in pending",
            "Search returns no results for new records",
        ),
    ),
    RepoSpec(
        "northwind/integrations-hub",
        "integrations",
        ("integrations",),
        1.3,
        1650,
        1_377_000_000,
        (0.15, 0.15),
        6.0,
        (
            "Salesforce sync jobs failing with INVALID_SESSION_ID",
            "Slack alerts delayed by more than 20 minutes",
            "Webhook deliveries stuck in the retry queue",
            "HubSpot import worker crash-looping",
            "Jira connector creating duplicate issues",
        ),
    ),
    RepoSpec(
        "northwind/mobile-app",
        "mobile",
        ("mobile",),
        1.1,
        2300,
        1_512_000_000,
        (0.12, 0.12),
        20.0,
        (
            "iOS app crashes on launch after the release",
            "Android push notifications not delivered",
            "Offline queue not syncing after the update",
            "Photo upload fails on slow connections",
        ),
    ),
)


@dataclass
class RepoPlan:
    """Everything one repository's export will hold."""

    spec: RepoSpec
    pulls: list[PullPlan] = field(default_factory=list)
    deployments: list[DeploymentPlan] = field(default_factory=list)
    incidents: list[IncidentPlan] = field(default_factory=list)


def cadence_change_day(clock: Clock) -> date:
    """The Monday from which web-app deploys continuously (about half-way through the year)."""
    day = clock.first_day + timedelta(days=HALF_YEAR_DAYS)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def plan_repos(
    clock: Clock,
    rng: random.Random,
    engineers: dict[str, list[Actor]],
    features: list[FeatureWork],
) -> list[RepoPlan]:
    """Pull requests, deployments and incidents of every demo repository."""
    change = cadence_change_day(clock)
    plans = []
    for spec in REPOS:
        plan = RepoPlan(spec)
        authors = [actor for team in spec.contributors for actor in engineers[team]]
        plan.pulls = _human_pulls(spec, clock, rng, authors, features)
        plan.pulls += _bot_pulls(spec, clock, rng, engineers[spec.team], change)
        plan.pulls.sort(key=lambda pull: pull.created)
        plan.deployments = _deployments(spec, clock, rng, plan.pulls, change)
        plan.incidents = _incidents(
            spec, clock, rng, plan.deployments, engineers[spec.team], change
        )
        _number(plan)
        plans.append(plan)
    return plans


# --- pull requests ------------------------------------------------------------------------


def _human_pulls(
    spec: RepoSpec,
    clock: Clock,
    rng: random.Random,
    authors: list[Actor],
    features: list[FeatureWork],
) -> list[PullPlan]:
    pulls = []
    for day in clock.days():
        weekend = day.weekday() in WEEKEND
        for author in authors:
            mean = spec.pulls_per_week * (0.01 if weekend else 0.2)
            for _ in range(poisson(rng, mean)):
                created = clock.working_moment(day, rng)
                reviewers = [a.login for a in authors if a.team == author.team and a != author]
                feature = _feature_for(features, author.team, created, rng)
                pulls.append(_pull(spec, clock, rng, author, created, reviewers, feature))
    return pulls


def _feature_for(
    features: list[FeatureWork], team: str, moment: datetime, rng: random.Random
) -> FeatureWork | None:
    active = [(f, f.weight_at(moment)) for f in features if f.team == team]
    active = [(f, w) for f, w in active if w > 0]
    if not active or rng.random() > 0.45:
        return None
    return rng.choices([f for f, _ in active], weights=[w for _, w in active])[0]


def _pull(
    spec: RepoSpec,
    clock: Clock,
    rng: random.Random,
    author: Actor,
    created: datetime,
    reviewers: list[str],
    feature: FeatureWork | None,
) -> PullPlan:
    first_commit = clock.settle(created - timedelta(days=lognormal_days(rng, 0.7, 0.9, 10)), rng)
    first_commit = min(first_commit, created - timedelta(minutes=rng.randint(5, 40)))
    first_commit = max(first_commit, clock.start)
    span = created - first_commit
    count = 1 + poisson(rng, 1.2)
    commits = sorted(first_commit + span * (rng.random() if n else 0.0) for n in range(count))
    reviews, moment = _review(clock, rng, created, reviewers or [author.login], commits)
    merged: datetime | None = clock.next_working(
        moment + timedelta(hours=lognormal_days(rng, 1.5, 1.0, 48)), rng
    )
    closed = merged
    if rng.random() < 0.06:
        merged, closed = None, created + timedelta(days=rng.uniform(1, 10))
    title = pull_title(author.team, rng, (feature.key, feature.title) if feature else None)
    return _finish(
        PullPlan(
            repo=spec.name,
            author=author.login,
            title=title,
            created=created,
            commits=[(at, sha(rng), author.login) for at in sorted(commits)],
            reviews=reviews,
            merged=merged,
            closed=closed,
            merge_sha=sha(rng) if merged else None,
            branch=f"{author.login.split('-')[0]}/{rng.getrandbits(24):06x}",
            feature=feature.key if feature else None,
        ),
        clock,
        rng,
    )


def _review(
    clock: Clock,
    rng: random.Random,
    created: datetime,
    pool: list[str],
    commits: list[datetime],
) -> tuple[list[tuple[datetime, str, str]], datetime]:
    """Reviews until approval (a fix-up commit after a change request) and when approval came."""
    moment = clock.next_working(created + timedelta(hours=lognormal_days(rng, 3.5, 1.0, 72)), rng)
    first_state = rng.choices(("APPROVED", "COMMENTED", "CHANGES_REQUESTED"), (60, 25, 15))[0]
    reviews = [(moment, rng.choice(pool), first_state)]
    if first_state != "APPROVED":
        moment = clock.next_working(moment + timedelta(hours=lognormal_days(rng, 4, 0.9, 72)), rng)
        commits.append(moment - timedelta(minutes=rng.randint(10, 50)))
        reviews.append((moment, rng.choice(pool), "APPROVED"))
    return reviews, moment


def _finish(pull: PullPlan, clock: Clock, rng: random.Random) -> PullPlan:
    """Cut the pull request at the demo's today: later merges and reviews have not happened."""
    if pull.closed is not None and pull.closed >= clock.end - timedelta(minutes=10):
        pull.merged = pull.closed = pull.merge_sha = None
        pull.draft = rng.random() < 0.3
    pull.reviews = [r for r in pull.reviews if r[0] < clock.end]
    pull.commits = [c for c in pull.commits if c[0] < clock.end]
    return pull


def _bot_pulls(
    spec: RepoSpec, clock: Clock, rng: random.Random, reviewers: list[Actor], change: date
) -> list[PullPlan]:
    """Dependency updates: batched on Mondays and reviewed, or (web-app after the change of
    cadence) opened every night and automerged."""
    pulls = []
    for day in clock.days():
        continuous = spec.name == CADENCE_REPO and day >= change
        if continuous:
            count = 1 if day.weekday() in WEEKEND or rng.random() < 0.5 else 0
        else:
            count = rng.randint(1, 3) if day.weekday() == 0 else 0
        for _ in range(count):
            created = clock.at(day, rng.randint(1, 2), rng.randrange(0, 60))
            if continuous:
                merged = created + timedelta(minutes=rng.randint(15, 45))
                reviews: list[tuple[datetime, str, str]] = []
            else:
                reviewer = rng.choice(reviewers).login
                review_at = clock.next_working(created + timedelta(hours=rng.uniform(6, 50)), rng)
                reviews = [(review_at, reviewer, "APPROVED")]
                merged = review_at + timedelta(minutes=rng.randint(5, 90))
            pull = PullPlan(
                repo=spec.name,
                author=BOT,
                title=bot_title(rng),
                created=created,
                commits=[(created - timedelta(minutes=1), sha(rng), BOT)],
                reviews=reviews,
                merged=merged,
                closed=merged,
                merge_sha=sha(rng),
                branch=f"renovate/{rng.getrandbits(24):06x}",
                labels=["dependencies"],
                bot=True,
            )
            pulls.append(_finish(pull, clock, rng))
    return pulls


# --- deployments and incidents ------------------------------------------------------------


def _deploy_times(spec: RepoSpec, clock: Clock, rng: random.Random, change: date) -> list[datetime]:
    """When the repository deploys: its habit on each day of the year."""
    schedule: dict[str, Callable[[date], list[datetime]]] = {
        CADENCE_REPO: lambda day: _web_app_day(day, clock, rng, change),
        "northwind/integrations-hub": lambda day: (
            [clock.at(day, rng.randint(11, 16), rng.randrange(60))]
            if day.weekday() not in WEEKEND and rng.random() < 0.6
            else []
        ),
        "northwind/mobile-app": lambda day: (
            [clock.at(day, 11, rng.randrange(60))]
            if (day.weekday() == 1 and rng.random() < 0.9)
            or (day.weekday() in (2, 3) and rng.random() < 0.03)
            else []
        ),
    }
    return [moment for day in clock.days() for moment in sorted(schedule[spec.name](day))]


def _web_app_day(day: date, clock: Clock, rng: random.Random, change: date) -> list[datetime]:
    if day < change:  # the release train: Tuesdays and Thursdays, now and then a hotfix
        train = day.weekday() in (1, 3) and rng.random() < 0.93
        hotfix = day.weekday() not in WEEKEND and rng.random() < 0.04
        return [clock.at(day, 14 + n, rng.randrange(60)) for n in range(train + hotfix)]
    if day.weekday() in WEEKEND:  # the nightly automerged dependency update
        return [clock.at(day, rng.randint(3, 4), rng.randrange(60))]
    return [clock.working_moment(day, rng, early=10) for _ in range(1 + poisson(rng, 1.0))]


def _deployments(
    spec: RepoSpec, clock: Clock, rng: random.Random, pulls: list[PullPlan], change: date
) -> list[DeploymentPlan]:
    merges = sorted((p.merged, p.merge_sha) for p in pulls if p.merged and p.merge_sha)
    deployments: list[DeploymentPlan] = []
    next_id, head, position = spec.first_deployment_id, sha(rng), 0
    for started in _deploy_times(spec, clock, rng, change):
        while position < len(merges) and merges[position][0] <= started:
            head = merges[position][1]
            position += 1
        attempts = [started]
        if clock.local_day(started).weekday() not in WEEKEND and rng.random() < 0.05:
            attempts.append(started + timedelta(minutes=rng.randint(25, 70)))
        for number, attempt in enumerate(attempts):
            finished = attempt + timedelta(minutes=rng.randint(6, 18))
            if finished >= clock.end:
                break
            next_id += rng.randint(1, 3)
            succeeded = number == len(attempts) - 1
            deployments.append(
                DeploymentPlan(spec.name, next_id, head, attempt, finished, succeeded, DEPLOYER)
            )
    return deployments


def _incidents(
    spec: RepoSpec,
    clock: Clock,
    rng: random.Random,
    deployments: list[DeploymentPlan],
    on_call: list[Actor],
    change: date,
) -> list[IncidentPlan]:
    good = [d for d in deployments if d.succeeded]
    finishes = [d.finished for d in good[1:]] + [clock.end]
    incidents = []
    for deployment, next_finish in zip(good, finishes, strict=True):
        before, after = spec.failure_rate
        rate = before if clock.local_day(deployment.finished) < change else after
        if rng.random() >= rate:
            continue
        room = min(timedelta(hours=5), (next_finish - deployment.finished) * 0.7)
        created = deployment.finished + room * rng.uniform(0.15, 1.0)
        if created - deployment.finished < timedelta(minutes=5):
            continue
        hours = lognormal_days(rng, spec.recovery_hours, 0.8, 72)
        resolved = created + timedelta(hours=hours)
        if resolved >= clock.end - timedelta(hours=1):
            continue
        severity = rng.choices(("sev1", "sev2", "sev3"), (10, 50, 40))[0]
        incidents.append(
            IncidentPlan(
                repo=spec.name,
                title=rng.choice(spec.incidents),
                created=created,
                resolved=resolved,
                severity=severity,
                assignee=rng.choice(on_call).login,
                caused_by=deployment.deployment_id,
            )
        )
    return incidents


def _number(plan: RepoPlan) -> None:
    """Issues and pull requests share one sequence of numbers, in the order they were opened."""
    opened: list[tuple[datetime, int, PullPlan | IncidentPlan]] = [
        (pull.created, 0, pull) for pull in plan.pulls
    ]
    opened += [(incident.created, 1, incident) for incident in plan.incidents]
    opened.sort(key=lambda entry: (entry[0], entry[1]))
    for offset, (_, _, record) in enumerate(opened):
        record.number = plan.spec.first_number + offset
