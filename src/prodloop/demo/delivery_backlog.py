"""Everything on the boards that is not a finished item: epics for the ledger's features, work
in progress, the backlog, cancelled items, items handed between teams, and the planted
open work (the slipping feature's growing scope, the feature nearly done, and the pile of
crash reports nobody has picked up).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from prodloop.demo.delivery_features import FeatureWork, Redating
from prodloop.demo.delivery_model import Actor, Clock, WorkItemPlan, lognormal_days, poisson
from prodloop.demo.delivery_work import TeamDesk, choose_work, new_item, work_statuses

UNOWNED_TEAM = "mobile"
UNOWNED_ITEMS = 25
SLIPPING_OPEN_ITEMS = 45
ON_TRACK_OPEN_ITEMS = 3
FIRST_ISSUE_NUMBER = 120


def plan_epic(
    desk: TeamDesk, work: FeatureWork, clock: Clock, rng: random.Random, redating: Redating | None
) -> WorkItemPlan:
    """The Jira epic of a ledger feature, following the feature's stages."""
    assert work.planned_at is not None
    created = min(
        work.planned_at + timedelta(hours=rng.uniform(1, 6)), clock.end - timedelta(hours=1)
    )
    owner = next((m for m in desk.members if m.email == work.owner), None)
    epic = WorkItemPlan(
        project=desk.project,
        team=desk.key,
        title=work.title,
        item_type="Epic",
        created=created,
        reporter=owner or desk.members[0],
        assignee=owner or _manager(desk),
        feature=work.key,
        key=f"{desk.project}-{work.epic_number}" if work.epic_number else "",
    )
    moves = [(work.active[0][0], "In Progress")] if work.active else []
    moves += [(work.launched_at, "Done")] if work.launched_at else []
    moves += [(work.reopened_at, "In Progress")] if work.reopened_at else []
    epic.statuses = [(created, "To Do")]
    for moment, status in sorted(moves):
        at = max(moment + timedelta(minutes=rng.randint(5, 90)), epic.statuses[-1][0])
        if status != epic.status and at < clock.end:
            epic.statuses.append((at + timedelta(seconds=1), status))
    epic.resolution = "Done" if epic.status == "Done" else None
    if redating is not None:
        follow_redating(epic, redating, clock, rng)
    else:
        epic.due_date = work.target_date
    return epic


def _manager(desk: TeamDesk) -> Actor:
    return next((m for m in desk.members if "Engineering Manager" in m.role), desk.members[0])


def follow_redating(
    item: WorkItemPlan, redating: Redating, clock: Clock, rng: random.Random
) -> None:
    """Give ``item`` the due date in force when it was created and move it with each later
    re-dating while the item is open (the PM updates Jira after the ledger)."""
    first = sum(1 for moment in redating.moments if moment <= item.created)
    item.due_date = redating.dates[first]
    finished = item.done or (item.statuses[-1][0] if not item.is_open else clock.end)
    for index in range(first, len(redating.moments)):
        at = redating.moments[index] + timedelta(minutes=rng.randint(30, 240))
        if at >= min(finished, clock.end):
            break
        item.due_changes.append((at, redating.dates[index], redating.dates[index + 1]))
        item.due_date = redating.dates[index + 1]


# --- open work ----------------------------------------------------------------------------


def plan_open_items(
    desk: TeamDesk, clock: Clock, rng: random.Random, planted: tuple[str, ...]
) -> list[WorkItemPlan]:
    """Work in progress and the backlog, as they stand today (planted features excluded)."""
    items = []
    features = [f for f in desk.features if f.key not in planted]
    share = desk.share_at(clock, clock.end)
    for engineer in desk.engineers:
        for _ in range(1 + (rng.random() < 0.5)):
            unplanned = rng.random() < share
            items.append(_in_progress(desk, clock, rng, engineer, features, unplanned=unplanned))
    for _ in range(poisson(rng, desk.weekly_items * 1.6)):
        items.append(_to_do(desk, clock, rng, features))
    for work in features:
        if work.stage in ("planned", "building") and work.key in desk.epics:
            for _ in range(rng.randint(2, 5)):
                items.append(_to_do(desk, clock, rng, [work], always=True))
    if desk.key != UNOWNED_TEAM and rng.random() < 0.5:
        rng.choice([i for i in items if i.status == "To Do"]).assignee = None
    return items


def _in_progress(
    desk: TeamDesk,
    clock: Clock,
    rng: random.Random,
    engineer: Actor,
    features: list[FeatureWork],
    *,
    unplanned: bool,
    feature: FeatureWork | None = None,
) -> WorkItemPlan:
    _, kind = choose_work(desk, rng, unplanned=unplanned)
    kind = kind if unplanned else rng.choice(("story", "task"))
    if feature is None and not unplanned:
        feature = _pick(features, clock.end, rng)
    item = new_item(desk, rng, kind, feature, created=clock.end, assignee=engineer)
    age = lognormal_days(rng, desk.profile.cycle_days * 0.6, 0.8, 40)
    started = clock.settle(clock.end - timedelta(days=age), rng, weekends=0.05)
    started = min(started, clock.end - timedelta(hours=2))
    wait = lognormal_days(rng, 6.0 if not unplanned else 0.5, 1.0, 90)
    created = clock.settle(started - timedelta(days=wait), rng, weekends=0.05)
    created = min(created, started - timedelta(minutes=20))
    item.created = created
    item.statuses = work_statuses(rng, kind, created, started, None, until=clock.end)
    item.sprint_moves = desk.sprint_moves(created, started, clock.end, rng)
    return item


def _to_do(
    desk: TeamDesk,
    clock: Clock,
    rng: random.Random,
    features: list[FeatureWork],
    *,
    always: bool = False,
    days: float = 100,
) -> WorkItemPlan:
    """A backlog item; ``always`` makes it a story or task of ``features[0]``."""
    feature: FeatureWork | None = features[0] if always else None
    if always:
        kind = rng.choice(("story", "task"))
    else:
        kind = rng.choices(("story", "task", "debt", "bug"), (45, 20, 15, 20))[0]
        feature = _pick(features, clock.end, rng) if kind != "bug" else None
    created = clock.working_moment(
        clock.as_of - timedelta(days=1 + int(rng.random() ** 1.5 * days)), rng
    )
    created = min(created, clock.end - timedelta(minutes=30))
    item = new_item(desk, rng, kind, feature, created=created, assignee=rng.choice(desk.engineers))
    item.statuses = [(created, "To Do")]
    if rng.random() < 0.35:
        item.sprint_moves = desk.sprint_moves(created, None, clock.end - timedelta(minutes=1), rng)
    return item


def _pick(features: list[FeatureWork], moment: datetime, rng: random.Random) -> FeatureWork | None:
    active = [f for f in features if f.weight_at(moment - timedelta(minutes=1)) > 0]
    return rng.choice(active) if active and rng.random() < 0.7 else None


def plan_slipping_scope(
    desk: TeamDesk, work: FeatureWork, redating: Redating, clock: Clock, rng: random.Random
) -> list[WorkItemPlan]:
    """The re-dated feature's open items: scope that kept growing after each re-dating."""
    items = []
    start = redating.moments[0]
    for number in range(SLIPPING_OPEN_ITEMS):
        engineer = desk.engineers[number % len(desk.engineers)]
        if number < 7:
            item = _in_progress(desk, clock, rng, engineer, [], unplanned=False, feature=work)
            started = item.statuses[1][0]
            item.created = min(max(item.created, start), started - timedelta(minutes=20))
            item.statuses[0] = (item.created, "To Do")
        else:
            kind = rng.choices(("story", "task", "bug"), (55, 25, 20))[0]
            created = start + (clock.end - start) * (rng.random() ** 0.6)
            created = min(clock.settle(created, rng), clock.end - timedelta(minutes=30))
            item = new_item(desk, rng, kind, work, created=created, assignee=engineer)
            item.statuses = [(created, "To Do")]
            if number < 20:
                item.sprint_moves = desk.sprint_moves(created, None, clock.end, rng)
        if rng.random() < 0.3:
            follow_redating(item, redating, clock, rng)
        items.append(item)
    return items


def plan_nearly_done(
    desk: TeamDesk, work: FeatureWork, clock: Clock, rng: random.Random
) -> list[WorkItemPlan]:
    """The on-track feature's last few open items."""
    items = [_in_progress(desk, clock, rng, desk.engineers[0], [], unplanned=False, feature=work)]
    for _ in range(ON_TRACK_OPEN_ITEMS - 1):
        item = _to_do(desk, clock, rng, [work], always=True, days=20)
        item.sprint_moves = desk.sprint_moves(item.created, None, clock.end, rng)
        items.append(item)
    return items


def plan_unowned_cluster(desk: TeamDesk, clock: Clock, rng: random.Random) -> list[WorkItemPlan]:
    """Crash reports and support requests triaged into the backlog with nobody assigned."""
    items = []
    for _ in range(UNOWNED_ITEMS):
        kind = rng.choices(("bug", "support", "task"), (60, 25, 15))[0]
        day = clock.as_of - timedelta(days=rng.randint(1, 40))
        created = min(clock.working_moment(day, rng), clock.end - timedelta(minutes=30))
        item = new_item(desk, rng, kind, None, created=created, assignee=None)
        item.labels += ["triage"] + (["crash-report"] if kind == "bug" else [])
        item.statuses = [(created, "To Do")]
        items.append(item)
    return items


# --- dropped and handed-over work -----------------------------------------------------------


def plan_cancelled(desk: TeamDesk, clock: Clock, rng: random.Random) -> list[WorkItemPlan]:
    """Items dropped as Won't Do during the year."""
    items = []
    days = clock.days()
    for _ in range(poisson(rng, desk.weekly_items * 52 * 0.025)):
        created = clock.working_moment(rng.choice(days[:-3]), rng)
        kind = rng.choice(("story", "task", "bug"))
        item = new_item(desk, rng, kind, None, created=created, assignee=rng.choice(desk.engineers))
        dropped = clock.settle(created + timedelta(days=rng.uniform(1, 30)), rng)
        if dropped <= created or dropped >= clock.end:
            continue
        item.statuses = [(created, "To Do"), (dropped, "Won't Do")]
        item.resolution = "Won't Do"
        items.append(item)
    return items


def hand_over(items: list[WorkItemPlan], desks: dict[str, TeamDesk], rng: random.Random) -> None:
    """A few bugs were filed with or passed to the wrong team first (some came back twice)."""
    for item in items:
        if item.item_type != "Bug" or item.done is None or rng.random() >= 0.015:
            continue
        desk = desks[item.team]
        other = desks[rng.choice(sorted(k for k in desks if k != item.team))]
        started = item.statuses[1][0]
        span = started - item.created
        if rng.random() < 0.5:
            item.project = other.project
            item.team_moves = [(item.created + span * 0.5, other.name, desk.name)]
        else:
            item.team_moves = [
                (item.created + span * 0.3, desk.name, other.name),
                (item.created + span * 0.7, other.name, desk.name),
            ]


def assign_keys(items: list[WorkItemPlan]) -> None:
    """Issue keys per project in the order items were created; an epic keeps the key the
    ledger already links to (the first epic to claim a key, when two do)."""
    by_project: dict[str, list[WorkItemPlan]] = {}
    for item in items:
        by_project.setdefault(item.project, []).append(item)
    for project, members in by_project.items():
        used: set[str] = set()
        for item in members:
            if item.key in used:
                item.key = ""
            elif item.key:
                used.add(item.key)
        number = FIRST_ISSUE_NUMBER
        for item in sorted(members, key=lambda i: (i.created, i.title)):
            if item.key:
                continue
            while f"{project}-{number}" in used:
                number += 1
            item.key = f"{project}-{number}"
            used.add(item.key)
