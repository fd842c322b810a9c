"""How demo features move through their lifecycle: which stage each ends in, and when it moved.

Stages are dealt over the catalogue by maturity (with noise), then each feature walks
forward through the stages with plausible dwell times, sometimes skipping one, and the walk
is laid out so that it ends a little before the demo's "today".
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from prodloop.demo.context import HISTORY_DAYS, DemoContext
from prodloop.demo.features import STAGE_WEIGHTS, FeatureSpec
from prodloop.ledger.stages import Stage

FORWARD = (
    Stage.IDEA,
    Stage.DISCOVERY,
    Stage.PLANNED,
    Stage.BUILDING,
    Stage.BETA,
    Stage.LAUNCHED,
    Stage.ADOPTED,
)
# Ranked from most to least mature, the catalogue fills these stages in this order.
DEAL_ORDER = (
    Stage.ADOPTED,
    Stage.LAUNCHED,
    Stage.BETA,
    Stage.BUILDING,
    Stage.PLANNED,
    Stage.DISCOVERY,
    Stage.IDEA,
)

# Days a feature typically spends in a stage before moving on.
DWELL_DAYS: dict[Stage, tuple[float, float]] = {
    Stage.IDEA: (10, 60),
    Stage.DISCOVERY: (10, 40),
    Stage.PLANNED: (7, 30),
    Stage.BUILDING: (20, 75),
    Stage.BETA: (14, 45),
    Stage.LAUNCHED: (30, 100),
    Stage.ADOPTED: (40, 120),
    Stage.RETIRED: (20, 60),
}
# Days a feature has already spent in the stage it is in today.
AGE_DAYS: dict[Stage, tuple[float, float]] = {
    Stage.IDEA: (3, 200),
    Stage.DISCOVERY: (3, 60),
    Stage.PLANNED: (3, 40),
    Stage.BUILDING: (3, 60),
    Stage.BETA: (3, 50),
    Stage.LAUNCHED: (3, 90),
    Stage.ADOPTED: (10, 150),
    Stage.RETIRED: (5, 150),
}
# Overdue features have sat in their stage long enough for a target date to pass.
OVERDUE_AGE_DAYS = (45.0, 110.0)
# The ledger was filled in during the first two weeks of the year of history.
FIRST_DAY = 14
LAST_DAY = HISTORY_DAYS - 1


class Course(StrEnum):
    """The shape of a feature's life."""

    FORWARD = "forward"  # moves forward to the stage it is in today
    KILLED = "killed"  # an idea dropped during or before discovery
    SUNSET = "sunset"  # shipped years ago, entered into the ledger as such, retired this year
    ESTABLISHED = "established"  # shipped years ago, entered into the ledger as such, still used
    REVIVED = "revived"  # shipped, retired, then brought back


@dataclass(frozen=True)
class Lifecycle:
    """Where a catalogue feature stands today and how it got there."""

    stage: Stage
    course: Course


def deal_stages(specs: tuple[FeatureSpec, ...], rng: random.Random) -> dict[str, Lifecycle]:
    """Give every feature a current stage so that every stage holds some features."""
    counts = stage_counts_for(len(specs))
    retired = counts[Stage.RETIRED]
    sunset_count, killed_count = (retired + 1) // 2, retired // 2
    retirable = [spec for spec in specs if spec.retirable]
    sunset = rng.sample(retirable, sunset_count)
    fresh = [spec for spec in specs if spec.maturity == 3]
    killed = rng.sample(fresh, killed_count)
    lifecycles = {spec.key: Lifecycle(Stage.RETIRED, Course.SUNSET) for spec in sunset}
    lifecycles |= {spec.key: Lifecycle(Stage.RETIRED, Course.KILLED) for spec in killed}
    kept = [spec for spec in retirable if spec.key not in lifecycles]
    lifecycles |= {spec.key: Lifecycle(Stage.ADOPTED, Course.ESTABLISHED) for spec in kept}
    counts[Stage.ADOPTED] -= len(kept)
    rest = [spec for spec in specs if spec.key not in lifecycles]
    scores = {spec.key: spec.maturity + rng.uniform(-1.1, 1.1) for spec in rest}
    ranked = iter(sorted(rest, key=lambda spec: (scores[spec.key], spec.key)))
    for stage in DEAL_ORDER:
        for _ in range(counts[stage]):
            lifecycles[next(ranked).key] = Lifecycle(stage, Course.FORWARD)
    in_beta = sorted(key for key, life in lifecycles.items() if life.stage is Stage.BETA)
    revived = rng.choice(in_beta)
    lifecycles[revived] = Lifecycle(Stage.BETA, Course.REVIVED)
    return {spec.key: lifecycles[spec.key] for spec in specs}


def stage_counts_for(total: int) -> dict[Stage, int]:
    """Features per stage for a catalogue of ``total`` (largest remainder, at least one each)."""
    exact = {Stage(name): total * weight for name, weight in STAGE_WEIGHTS.items()}
    counts = {stage: max(1, int(value)) for stage, value in exact.items()}
    by_remainder = sorted(
        exact, key=lambda stage: (exact[stage] - int(exact[stage]), -stage.order), reverse=True
    )
    for stage in by_remainder[: max(0, total - sum(counts.values()))]:
        counts[stage] += 1
    return counts


def stage_path(life: Lifecycle, rng: random.Random) -> list[Stage]:
    """The stages a feature passed through, from the one it was created in to today's."""
    if life.course is Course.KILLED:
        return [*forward_path(rng.choice((Stage.IDEA, Stage.DISCOVERY)), rng), Stage.RETIRED]
    if life.course is Course.SUNSET:
        return [rng.choice((Stage.LAUNCHED, Stage.ADOPTED)), Stage.RETIRED]
    if life.course is Course.ESTABLISHED:
        return [life.stage]
    if life.course is Course.REVIVED:
        return [*forward_path(Stage.LAUNCHED, rng), Stage.RETIRED, life.stage]
    return forward_path(life.stage, rng)


def forward_path(final: Stage, rng: random.Random) -> list[Stage]:
    """Stages from creation up to ``final``; some features start late or skip a stage."""
    end = FORWARD.index(final)
    roll = rng.random()
    start = 2 if end >= 2 and roll < 0.10 else 1 if end >= 1 and roll < 0.25 else 0
    path = list(FORWARD[start : end + 1])
    for skippable, chance in ((Stage.DISCOVERY, 0.2), (Stage.BETA, 0.3)):
        if skippable in path[1:-1] and rng.random() < chance:
            path.remove(skippable)
    return path


def skips_stage(path: list[Stage]) -> bool:
    """Whether a forward move in ``path`` jumps over a stage."""
    return any(
        later in FORWARD and earlier in FORWARD and later.order - earlier.order > 1
        for earlier, later in pairwise(path)
    )


def schedule(
    path: list[Stage],
    context: DemoContext,
    rng: random.Random,
    *,
    age_days: tuple[float, float] | None = None,
) -> list[datetime]:
    """When the feature entered each stage of ``path``: working hours, strictly increasing."""
    dwell = [rng.uniform(*DWELL_DAYS[stage]) for stage in path[:-1]]
    age = rng.uniform(*(age_days or AGE_DAYS[path[-1]]))
    room, total = LAST_DAY - FIRST_DAY - age, sum(dwell)
    if total > room:
        dwell = [days * room / total for days in dwell]
    offsets = [LAST_DAY - age]
    for days in reversed(dwell):
        offsets.insert(0, offsets[0] - days)
    return _moments(offsets, context, rng)


def backfill_schedule(
    path: list[Stage], context: DemoContext, rng: random.Random
) -> list[datetime]:
    """An old feature entered into the ledger in its first weeks (and retired months later)."""
    offsets = [rng.uniform(FIRST_DAY, FIRST_DAY + 10)]
    if len(path) > 1:
        offsets.append(rng.uniform(120, LAST_DAY - 10))
    return _moments(offsets, context, rng)


def backfill_launch_date(context: DemoContext, rng: random.Random) -> date:
    """When an old feature first shipped: one to five years before the history window."""
    return context.as_of - timedelta(days=HISTORY_DAYS + rng.randint(30, 4 * 365))


def _moments(offsets: list[float], context: DemoContext, rng: random.Random) -> list[datetime]:
    """Working-hours moments on the given day offsets, nudged to be strictly increasing."""
    moments: list[datetime] = []
    for offset in offsets:
        moment = context.business_time(context.day(int(offset)), rng)
        if moments and moment <= moments[-1]:
            moment = moments[-1] + timedelta(minutes=rng.randint(30, 240))
        moments.append(moment)
    return moments
