"""A year of finished work on each team's Jira board.

Completions are laid out first (weekdays busy, weekends quiet, the holidays slow), then each
is told whether it was planned or unplanned so that the team's share of unplanned work
follows its profile: flat for most teams, climbing from about 15% to about 45% for the team
planted as drowning in firefighting. A team's production incidents (resolved GitHub issues)
count as unplanned completions too. Only then is each item written backwards from its
finish: cycle time (lognormal, team-specific), waiting time, status history and sprint.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from prodloop.demo.company import DATA_ANALYST, DESIGNER, ENGINEERING_MANAGER, SOFTWARE_ENGINEER
from prodloop.demo.delivery_features import FeatureWork
from prodloop.demo.delivery_model import (
    WEEKEND,
    Actor,
    Clock,
    Sprint,
    SprintMove,
    WorkItemPlan,
    lognormal_days,
    poisson,
)
from prodloop.demo.delivery_text import title_for

FIREFIGHTING_TEAM = "integrations"


@dataclass(frozen=True)
class TeamProfile:
    """How a team works: its unplanned share (start and end of the year), the median cycle
    time of a three-point story in days, and the weekday its sprints start on."""

    share: tuple[float, float]
    cycle_days: float
    sprint_weekday: int
    first_sprint: int


PROFILES = {
    "growth": TeamProfile((0.12, 0.12), 2.0, 0, 31),
    "core-platform": TeamProfile((0.17, 0.17), 4.0, 2, 57),
    FIREFIGHTING_TEAM: TeamProfile((0.15, 0.45), 3.0, 0, 44),
    "insights": TeamProfile((0.11, 0.11), 2.6, 2, 22),
    "mobile": TeamProfile((0.16, 0.16), 4.8, 1, 38),
    "billing": TeamProfile((0.13, 0.13), 3.5, 3, 49),
}
# Items a person of each role finishes in a week.
ROLE_RATES = (
    (SOFTWARE_ENGINEER, 2.4, "engineer"),
    (ENGINEERING_MANAGER, 0.3, "debt"),
    (DESIGNER, 0.6, "design"),
    (DATA_ANALYST, 0.7, "analysis"),
    ("Product Operations", 0.3, "task"),
    ("Product Manager", 0.15, "task"),
)
ITEM_TYPES = {
    "story": "Story",
    "task": "Task",
    "debt": "Task",
    "design": "Task",
    "analysis": "Task",
    "bug": "Bug",
    "support": "Support",
    "incident": "Incident",
}
CYCLE_FACTOR = {"story": 1.0, "task": 0.6, "debt": 0.9, "design": 0.8, "analysis": 0.7}
CYCLE_FACTOR |= {"bug": 0.5, "support": 0.25, "incident": 0.1}
WAIT_DAYS = {"story": 9.0, "task": 6.0, "debt": 20.0, "design": 5.0, "analysis": 5.0}
WAIT_DAYS |= {"bug": 2.0, "support": 0.3, "incident": 0.03}
UNPLANNED_KINDS = ("bug", "support", "incident")


def role_rate(role: str) -> tuple[float, str]:
    """(items per week, kind of work) for a role."""
    return next(((rate, kind) for name, rate, kind in ROLE_RATES if name in role), (0.1, "task"))


@dataclass
class TeamDesk:
    """One team's board: its people, sprints, features and their epics."""

    key: str
    name: str
    project: str
    profile: TeamProfile
    members: list[Actor]
    sprints: list[Sprint]
    features: list[FeatureWork]
    epics: dict[str, WorkItemPlan]
    accounts: list[str]

    @property
    def engineers(self) -> list[Actor]:
        """The team's software engineers."""
        return [m for m in self.members if SOFTWARE_ENGINEER in m.role]

    @property
    def weekly_items(self) -> float:
        """Items the team finishes in an ordinary week."""
        return sum(role_rate(m.role)[0] for m in self.members)

    def share_at(self, clock: Clock, moment: datetime) -> float:
        """The unplanned share the team is heading for at ``moment`` (a ramp in mid-year)."""
        start, end = self.profile.share
        progress = min(1.0, max(0.0, (clock.fraction(moment) - 0.2) / 0.6))
        return start + (end - start) * progress

    def sprint_at(self, moment: datetime) -> Sprint | None:
        """The sprint running at ``moment``."""
        return next((s for s in self.sprints if s.holds(moment)), None)

    def active_feature(self, moment: datetime, rng: random.Random) -> FeatureWork | None:
        """A feature in building (or beta) at ``moment``, weighted, or None for other work."""
        active = [(f, f.weight_at(moment)) for f in self.features]
        active = [(f, w) for f, w in active if w > 0]
        if not active or rng.random() < 0.3:
            return None
        return rng.choices([f for f, _ in active], weights=[w for _, w in active])[0]

    def sprint_moves(
        self, created: datetime, started: datetime | None, anchor: datetime, rng: random.Random
    ) -> list[SprintMove]:
        """How the item got into the sprint running at ``anchor``: planned at its start,
        carried over from the previous sprint, or added after it started."""
        current = self.sprint_at(anchor)
        if current is None:
            return []
        latest = anchor - timedelta(minutes=1)
        if created >= current.start:
            at = min(created + timedelta(minutes=rng.randint(2, 40)), latest)
            return [SprintMove(max(at, created), (), (current,))]
        index = self.sprints.index(current)
        if started is not None and started < current.start and index > 0:
            previous = self.sprints[index - 1]
            added = max(previous.start - timedelta(minutes=rng.randint(10, 50)), created)
            carried = min(current.start + timedelta(minutes=rng.randint(1, 20)), latest)
            return [
                SprintMove(added, (), (previous,)),
                SprintMove(carried, (previous,), (previous, current)),
            ]
        planning = current.start - timedelta(minutes=rng.randint(10, 50))
        return [SprintMove(max(planning, created + timedelta(minutes=1)), (), (current,))]


def team_sprints(profile: TeamProfile, clock: Clock, board: int, project: str) -> list[Sprint]:
    """Two-week sprints from before the window's start to the one running today."""
    day = clock.first_day - timedelta(days=(clock.first_day.weekday() - profile.sprint_weekday) % 7)
    day -= timedelta(days=14)
    sprints = []
    number = profile.first_sprint
    while clock.at(day, 10) < clock.end:
        start, end = clock.at(day, 10), clock.at(day + timedelta(days=14), 10)
        state = "closed" if end <= clock.end else "active"
        name = f"{project} Sprint {number}"
        sprints.append(Sprint(board * 1000 + number, name, board, start, end, state))
        day += timedelta(days=14)
        number += 1
    return sprints


# --- completions and the planned / unplanned split ------------------------------------------


def completion_times(desk: TeamDesk, clock: Clock, rng: random.Random) -> list[datetime]:
    """When the team finishes Jira items over the year."""
    weekly = desk.weekly_items
    moments = []
    for day in clock.days():
        mean = weekly * (0.012 if day.weekday() in WEEKEND else 0.197) * _season(day)
        moments += [clock.working_moment(day, rng) for _ in range(poisson(rng, mean))]
    return sorted(moments)


def _season(day: date) -> float:
    """Fewer items finish over the year-end holidays."""
    if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 2):
        return 0.3
    return 1.0


def plan_done_items(
    desk: TeamDesk, clock: Clock, rng: random.Random, incidents: list[datetime]
) -> list[WorkItemPlan]:
    """The team's finished Jira items; ``incidents`` (resolution times of the team's
    production incidents) count towards the unplanned share without becoming Jira items."""
    events = sorted(
        [(t, False) for t in completion_times(desk, clock, rng)] + [(t, True) for t in incidents]
    )
    owed = 0.0  # unplanned items the share asks for, minus those already counted
    items = []
    for moment, is_incident in events:
        owed += desk.share_at(clock, moment)
        if is_incident:
            owed -= 1
            continue
        unplanned = owed + rng.uniform(-0.35, 0.35) >= 0.5
        owed -= unplanned
        items.append(done_item(desk, clock, rng, moment, unplanned=unplanned))
    return items


def choose_work(desk: TeamDesk, rng: random.Random, *, unplanned: bool) -> tuple[Actor, str]:
    """Who does the item and what kind of work it is."""
    if unplanned:
        kind = rng.choices(UNPLANNED_KINDS, (60, 30, 10))[0]
        return rng.choice(desk.engineers), kind
    weights = [role_rate(m.role)[0] for m in desk.members]
    person = rng.choices(desk.members, weights=weights)[0]
    kind = role_rate(person.role)[1]
    if kind == "engineer":
        kind = "story" if rng.random() < 0.65 else "task"
    return person, kind


def done_item(
    desk: TeamDesk, clock: Clock, rng: random.Random, done: datetime, *, unplanned: bool
) -> WorkItemPlan:
    """An item finished at ``done``, written backwards from there."""
    assignee, kind = choose_work(desk, rng, unplanned=unplanned)
    feature = desk.active_feature(done, rng) if kind in ("story", "task", "design") else None
    item = new_item(desk, rng, kind, feature, created=done, assignee=assignee)
    cycle = lognormal_days(rng, desk.profile.cycle_days * _cycle_factor(item, kind), 0.75, 45)
    started = clock.settle(done - timedelta(days=cycle), rng, weekends=0.05)
    if started >= done - timedelta(minutes=10):
        started = done - timedelta(minutes=rng.randint(15, 120))
    wait = lognormal_days(rng, WAIT_DAYS[kind], 1.0, 120)
    weekends = 0.4 if kind in ("incident", "support") else 0.05
    created = clock.settle(started - timedelta(days=wait), rng, weekends=weekends)
    if created >= started - timedelta(minutes=5):
        created = started - timedelta(minutes=rng.randint(5, 60))
    created = _refined_before_sprint(desk, clock, rng, created, done, unplanned=unplanned)
    inside = _inside(clock, rng, created, started, done)
    predates_window = inside != (created, started)
    item.created, started = inside
    item.statuses = work_statuses(rng, kind, item.created, started, done)
    item.resolution = "Done"
    if not predates_window:  # older work came over from the old tracker without its sprints
        item.sprint_moves = desk.sprint_moves(item.created, started, done, rng)
    if kind == "bug":
        _label_shipped_feature(desk, rng, item, done)
    return item


def _refined_before_sprint(
    desk: TeamDesk,
    clock: Clock,
    rng: random.Random,
    created: datetime,
    done: datetime,
    *,
    unplanned: bool,
) -> datetime:
    """Planned work is written up before the sprint that does it (now and then an item is
    still pulled in mid-sprint); unplanned work arrives when it arrives."""
    sprint = desk.sprint_at(done)
    if unplanned or sprint is None or created < sprint.start or rng.random() < 0.1:
        return created
    earlier = sprint.start - timedelta(days=rng.uniform(0.5, 8))
    return clock.settle(earlier, rng, weekends=0.05)


def _cycle_factor(item: WorkItemPlan, kind: str) -> float:
    points = (item.points / 3) ** 0.5 if item.points else 1.0
    return CYCLE_FACTOR[kind] * points


def _inside(
    clock: Clock, rng: random.Random, created: datetime, started: datetime, done: datetime
) -> tuple[datetime, datetime]:
    """Created and started moved inside the year of history, keeping their order."""
    floor = clock.start + timedelta(hours=8)
    if started <= floor + timedelta(hours=1):
        started = floor + (done - floor) * rng.uniform(0.3, 0.7)
    if created <= floor:
        created = floor + (started - floor) * rng.uniform(0.0, 0.5)
    return created, started


def new_item(
    desk: TeamDesk,
    rng: random.Random,
    kind: str,
    feature: FeatureWork | None,
    *,
    created: datetime,
    assignee: Actor | None,
) -> WorkItemPlan:
    """An item of ``kind`` with its title, type, points, labels and epic (no history yet)."""
    title = title_for(kind, desk.key, rng, desk.accounts, feature.title if feature else "")
    epic = desk.epics.get(feature.key) if feature else None
    reporter = assignee if assignee and rng.random() < 0.5 else rng.choice(desk.members)
    item = WorkItemPlan(
        project=desk.project,
        team=desk.key,
        title=title,
        item_type=ITEM_TYPES[kind],
        created=created,
        reporter=reporter,
        assignee=assignee,
        unplanned=kind in UNPLANNED_KINDS,
        points=_points(rng, kind),
        labels=_labels(rng, desk.key, kind),
        priority=_priority(rng, kind),
        epic=epic,
        feature=feature.key if feature and epic else None,
    )
    return item


def _points(rng: random.Random, kind: str) -> float | None:
    if kind == "story":
        return float(rng.choices((1, 2, 3, 5, 8), (2, 4, 5, 3, 1))[0])
    if kind in ("task", "debt", "design", "analysis") or (kind == "bug" and rng.random() < 0.5):
        return float(rng.choices((1, 2, 3), (3, 4, 2))[0])
    return None


TEAM_LABELS = {
    "growth": ("frontend", "emails", "experiment"),
    "core-platform": ("backend", "api", "security"),
    "integrations": ("connectors", "salesforce", "slack"),
    "insights": ("reporting", "frontend", "performance"),
    "mobile": ("ios", "android", "react-native"),
    "billing": ("payments", "stripe", "invoices"),
}


def _labels(rng: random.Random, team: str, kind: str) -> list[str]:
    labels = [rng.choice(TEAM_LABELS[team])] if rng.random() < 0.6 else []
    if kind == "bug" and rng.random() < 0.5:
        labels.append("customer-reported")
    if kind == "support":
        labels.append("support")
    if kind == "debt":
        labels.append("tech-debt")
    return labels


def _priority(rng: random.Random, kind: str) -> str:
    if kind == "incident":
        return "Highest"
    if kind in ("bug", "support"):
        return rng.choices(("High", "Medium", "Low"), (35, 45, 20))[0]
    return rng.choices(("High", "Medium", "Low"), (15, 70, 15))[0]


def work_statuses(
    rng: random.Random,
    kind: str,
    created: datetime,
    started: datetime,
    done: datetime | None,
    *,
    until: datetime | None = None,
) -> list[tuple[datetime, str]]:
    """The status history from To Do through In Progress (and review) to Done; an open
    item's history stops before ``until`` (the demo's today)."""
    statuses = [(created, "To Do"), (started, "In Progress")]
    end = done or min(started + timedelta(days=2), until or started + timedelta(days=2))
    span = end - started
    if kind not in ("support", "incident") and rng.random() < 0.05:
        statuses += [(started + span * 0.2, "Blocked"), (started + span * 0.4, "In Progress")]
    if kind not in ("support", "incident") and rng.random() < 0.7:
        statuses.append((started + span * rng.uniform(0.55, 0.85), "In Review"))
    if done is not None:
        statuses.append((done, "Done"))
    return statuses


def _label_shipped_feature(
    desk: TeamDesk, rng: random.Random, item: WorkItemPlan, moment: datetime
) -> None:
    """A third of bugs are labelled with the shipped feature they were found in."""
    shipped = [f for f in desk.features if f.shipped_by(moment)]
    if shipped and rng.random() < 0.35:
        feature = rng.choice(shipped)
        item.labels.append(feature.key)
        item.feature = feature.key
