"""How the ledger's features meet delivery: when each was being built, which feature plays
which planted part, and the three re-datings of the slipping feature.

A feature is *active* (its epic takes work) while it is in building (and, less so, in beta);
the features in building today supply the planted stories: the one re-dated three times (its
latest date again out of reach) and the one comfortably on track.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from sqlalchemy.orm import Session

from prodloop.demo.company import ENGINEERING_MANAGER
from prodloop.demo.context import DemoContext
from prodloop.demo.delivery_model import Clock
from prodloop.ledger import service
from prodloop.ledger.models import Feature
from prodloop.ledger.schemas import FeatureUpdate
from prodloop.ledger.stages import Stage

ACTIVE_WEIGHT = {Stage.BUILDING.value: 1.0, Stage.BETA.value: 0.35}
SHIPPED = (Stage.LAUNCHED.value, Stage.ADOPTED.value)
FOCUS_DAYS = 100
UNPLANNED_STAGES = (Stage.IDEA.value, Stage.DISCOVERY.value, Stage.RETIRED.value)


@dataclass
class FeatureWork:
    """A ledger feature as delivery sees it: when work on it happened and who answers for it."""

    key: str
    title: str
    team: str
    stage: str
    owner: str
    created: datetime
    target_date: date | None
    epic_number: int | None
    planned_at: datetime | None = None
    launched_at: datetime | None = None
    reopened_at: datetime | None = None
    active: list[tuple[datetime, datetime, float]] = field(default_factory=list)
    focus_from: datetime | None = None

    def weight_at(self, moment: datetime) -> float:
        """How much of its team's planned work the feature attracts at ``moment`` (four times
        as much once the team focuses on finishing it)."""
        weight = next((w for start, end, w in self.active if start <= moment < end), 0.0)
        focused = self.focus_from is not None and moment >= self.focus_from
        return weight * 4 if focused else weight

    def shipped_by(self, moment: datetime) -> bool:
        """Whether the feature had launched by ``moment``."""
        return self.launched_at is not None and self.launched_at <= moment


@dataclass(frozen=True)
class Redating:
    """The slipping feature's target dates (the ledger's first, then three new ones)."""

    feature: str
    actor: str
    moments: tuple[datetime, ...]
    dates: tuple[date, ...]
    reasons: tuple[str, ...]


def feature_work(context: DemoContext, clock: Clock) -> list[FeatureWork]:
    """Every ledger feature with a team, and when it was worked on."""
    works = []
    for feature in sorted(context.company.features, key=lambda f: f.key):
        if feature.team is None:
            continue
        works.append(_work(context, feature, clock))
    return works


def _work(context: DemoContext, feature: Feature, clock: Clock) -> FeatureWork:
    team = feature.team
    assert team is not None
    owner = feature.owner.email if feature.owner else _manager(context, team.key)
    work = FeatureWork(
        key=feature.key,
        title=feature.title,
        team=team.key,
        stage=feature.stage,
        owner=owner,
        created=feature.created_at,
        target_date=feature.target_date,
        epic_number=_epic_number(feature),
    )
    history = list(feature.stage_history)
    ends = [change.changed_at for change in history[1:]] + [clock.end]
    for change, end in zip(history, ends, strict=True):
        stage = change.to_stage
        if work.planned_at is None and stage not in UNPLANNED_STAGES:
            work.planned_at = change.changed_at
        if stage in ACTIVE_WEIGHT:
            work.active.append((change.changed_at, end, ACTIVE_WEIGHT[stage]))
        if stage in SHIPPED and work.launched_at is None:
            work.launched_at = change.changed_at
    for earlier, later in pairwise(history):
        if earlier.to_stage == Stage.RETIRED.value and later.to_stage != Stage.RETIRED.value:
            work.reopened_at = later.changed_at
    if history and history[0].to_stage in (*SHIPPED, Stage.RETIRED.value):
        work.planned_at = None  # entered into the ledger after it shipped: no epic this year
    return work


def _manager(context: DemoContext, team: str) -> str:
    return context.company.people_in(team, ENGINEERING_MANAGER)[0].email


def _epic_number(feature: Feature) -> int | None:
    """The issue number of the Jira epic the ledger links to, if any."""
    for link in feature.links:
        if link.get("label") == "Epic":
            tail = link.get("url", "").rsplit("-", 1)[-1]
            return int(tail) if tail.isdigit() else None
    return None


def choose_roles(works: list[FeatureWork], as_of: date) -> tuple[FeatureWork, FeatureWork]:
    """(the feature to re-date three times, the feature on track), both in building today.

    The first is the building feature planned earliest (room for a year of re-dating); the
    second one in building for a while whose target date is far enough away. Features
    already past their target (the ledger's planted overdue ones) keep their story.
    """
    building = [w for w in works if w.stage == Stage.BUILDING.value and w.planned_at]
    candidates = [w for w in building if w.target_date and w.target_date >= as_of]
    if len(candidates) < 2:
        candidates += [w for w in building if w not in candidates]
    if len(candidates) < 2:
        raise ValueError("the demo ledger has fewer than two features in building")
    slipping = min(candidates, key=lambda w: (w.planned_at, w.key))
    rest = [w for w in candidates if w is not slipping]

    def track_record(work: FeatureWork) -> tuple[bool, bool, date, str]:
        """Prefer a feature built for a while (a history to forecast from), then a date
        not too close, then the furthest date."""
        building_since = work.active[-1][0].date() if work.active else as_of
        target = work.target_date or as_of
        seasoned = building_since <= as_of - timedelta(days=FOCUS_DAYS)
        return seasoned, target >= as_of + timedelta(days=21), target, work.key

    return slipping, max(rest, key=track_record)


def focus_on(work: FeatureWork, clock: Clock, days: int = FOCUS_DAYS) -> None:
    """The on-track feature has had most of its team's attention for the last ``days``."""
    work.focus_from = clock.end - timedelta(days=days)


def plan_redating(
    work: FeatureWork, clock: Clock, rng: random.Random, accounts: list[str]
) -> Redating:
    """Three re-datings: pulled in for two renewals, then slipped twice, the last date again
    a few weeks out with too much work left."""
    assert work.planned_at is not None
    assert work.target_date is not None
    as_of = clock.as_of
    days = [as_of - timedelta(days=rng.randint(*span)) for span in ((95, 125), (38, 48), (4, 8))]
    planned = clock.local_day(work.planned_at) + timedelta(days=2)
    if planned + timedelta(days=21) <= days[1]:
        days[0] = max(days[0], planned)
    else:  # planned lately: spread the re-datings over the time since
        span = max((days[2] - planned).days, 3)
        days[:2] = [planned + timedelta(days=span // 3), planned + timedelta(days=2 * span // 3)]
    moments: list[datetime] = []
    for day in days:
        moment = max(clock.working_moment(_weekday(day), rng), work.planned_at)
        if moments and moment <= moments[-1]:
            moment = moments[-1] + timedelta(hours=2)
        moments.append(moment)
    dates = (
        work.target_date,
        clock.local_day(moments[1]) + timedelta(days=rng.randint(2, 5)),
        clock.local_day(moments[2]) + timedelta(days=rng.randint(2, 4)),
        as_of + timedelta(days=rng.randint(16, 24)),
    )
    first_ask, second_ask = rng.sample(accounts, 2)
    reasons = (
        f"Pulled in: sales promised it to {first_ask} and {second_ask} before their renewals.",
        f"Slipped: the scope grew after the design review; moving out "
        f"{round((dates[2] - dates[1]).days / 7)} weeks.",
        "Slipped again: QA found data-loss bugs in the beta build; new date after the fixes.",
    )
    return Redating(work.key, work.owner, tuple(moments), dates, reasons)


def apply_redating(session: Session, feature: Feature, redating: Redating) -> None:
    """Write the three re-datings into the ledger, back-dated, each with its reason."""
    for moment, target, reason in zip(
        redating.moments, redating.dates[1:], redating.reasons, strict=True
    ):
        update = FeatureUpdate(target_date=target, reason=reason)
        service.update_feature(session, feature, update, actor=redating.actor, at=moment)


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day
