"""Flow metrics over work items: cycle and lead time, throughput, WIP and work-item age.

Definitions (ActionableAgile's flow metrics, in fractional days):

* **work started** — the earliest of ``started_at`` and the first move into an in-progress
  status in the history; an item done without ever being started starts at ``created_at``
  for cycle time (it still took that long to deliver), but never counts as WIP.
* **cycle time** — work started → done; **lead time** — created → done. Negative spans from
  clock skew are clamped to zero.
* **completed** — ``done_at`` set and not cancelled. Cancelled items never count in
  throughput or cycle time.
* **finished** — done, or cancelled at ``done_at`` / the first move into a cancelled status.
  A cancelled item with no time at all cannot be placed and never counts as WIP.
* **WIP at the end of day d** — started on or before local day d and not finished on or
  before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from prodloop.delivery.facts import StatusCategory, WorkItemFacts
from prodloop.delivery.percentiles import Percentiles
from prodloop.delivery.periods import (
    Granularity,
    Period,
    bucket_start,
    bucket_starts,
    days_between,
    local_date,
)

GroupKey = TypeVar("GroupKey", bound=Hashable)


# --- when things happened -----------------------------------------------------------------


def work_started_at(item: WorkItemFacts) -> datetime | None:
    """The first evidence that work began, or None when the item was never started."""
    moments = [c.at for c in item.status_history if c.category is StatusCategory.IN_PROGRESS]
    if item.started_at is not None:
        moments.append(item.started_at)
    return min(moments) if moments else None


def cycle_started_at(item: WorkItemFacts) -> datetime:
    """Where cycle time starts: work started, else ``created_at``."""
    return work_started_at(item) or item.created_at


def finished_at(item: WorkItemFacts) -> datetime | None:
    """When the item left the flow (done or cancelled), or None while it is still open."""
    if item.done_at is not None:
        return item.done_at
    if item.cancelled:
        moments = [c.at for c in item.status_history if c.category is StatusCategory.CANCELLED]
        return min(moments) if moments else None
    return None


def is_completed(item: WorkItemFacts) -> bool:
    """Done and not cancelled: the items throughput and cycle time count."""
    return item.done_at is not None and not item.cancelled


def cycle_time_days(item: WorkItemFacts) -> float | None:
    """Work started → done in days, or None when the item is not completed."""
    if not is_completed(item) or item.done_at is None:
        return None
    return max(0.0, days_between(cycle_started_at(item), item.done_at))


def lead_time_days(item: WorkItemFacts) -> float | None:
    """Created → done in days, or None when the item is not completed."""
    if not is_completed(item) or item.done_at is None:
        return None
    return max(0.0, days_between(item.created_at, item.done_at))


def completed_in(
    items: Iterable[WorkItemFacts], *, time_zone: str, period: Period | None = None
) -> list[WorkItemFacts]:
    """Completed items whose local done date lies in ``period`` (all of them when None)."""
    return [
        item
        for item in items
        if is_completed(item)
        and item.done_at is not None
        and (period is None or local_date(item.done_at, time_zone) in period)
    ]


# --- cycle time, lead time and the scatterplot --------------------------------------------


@dataclass(frozen=True)
class CycleTimePoint:
    """One dot on the cycle-time scatterplot."""

    key: str
    done_on: date
    cycle_time_days: float
    lead_time_days: float
    team: str | None
    feature: str | None


@dataclass(frozen=True)
class CycleTimeSummary:
    """Cycle and lead time percentiles over the items completed in a period."""

    completed: int
    cycle_time: Percentiles
    lead_time: Percentiles
    points: tuple[CycleTimePoint, ...]


def cycle_time_points(
    items: Iterable[WorkItemFacts], *, time_zone: str, period: Period | None = None
) -> tuple[CycleTimePoint, ...]:
    """Scatterplot points (done date, cycle days, key) for items completed in ``period``."""
    points = []
    for item in items:
        done_at = item.done_at
        if done_at is None or item.cancelled:
            continue
        done_on = local_date(done_at, time_zone)
        if period is not None and done_on not in period:
            continue
        points.append(
            CycleTimePoint(
                key=item.key,
                done_on=done_on,
                cycle_time_days=max(0.0, days_between(cycle_started_at(item), done_at)),
                lead_time_days=max(0.0, days_between(item.created_at, done_at)),
                team=item.team,
                feature=item.feature,
            )
        )
    return tuple(sorted(points, key=lambda point: (point.done_on, point.key)))


def cycle_time_summary(
    items: Iterable[WorkItemFacts], *, time_zone: str, period: Period | None = None
) -> CycleTimeSummary:
    """50 / 85 / 95th percentile cycle and lead times, with the scatterplot points."""
    points = cycle_time_points(items, time_zone=time_zone, period=period)
    return CycleTimeSummary(
        completed=len(points),
        cycle_time=Percentiles.of(p.cycle_time_days for p in points),
        lead_time=Percentiles.of(p.lead_time_days for p in points),
        points=points,
    )


# --- throughput and WIP -------------------------------------------------------------------


@dataclass(frozen=True)
class ThroughputBucket:
    """Items completed in the bucket that starts on ``start`` (a local date)."""

    start: date
    items_done: int


def throughput(
    items: Iterable[WorkItemFacts],
    *,
    period: Period,
    granularity: Granularity,
    time_zone: str,
) -> tuple[ThroughputBucket, ...]:
    """Completed items per day / week / month bucket, zero buckets included.

    Edge buckets count only the days inside ``period``.
    """
    counts: dict[date, int] = defaultdict(int)
    for item in completed_in(items, time_zone=time_zone, period=period):
        if item.done_at is not None:
            counts[bucket_start(local_date(item.done_at, time_zone), granularity)] += 1
    return tuple(
        ThroughputBucket(start=start, items_done=counts.get(start, 0))
        for start in bucket_starts(period, granularity)
    )


def daily_throughput(
    items: Iterable[WorkItemFacts], *, period: Period, time_zone: str
) -> tuple[int, ...]:
    """Items completed on each local day of ``period``, oldest first."""
    buckets = throughput(items, period=period, granularity=Granularity.DAY, time_zone=time_zone)
    return tuple(bucket.items_done for bucket in buckets)


@dataclass(frozen=True)
class WipPoint:
    """Items in progress at the end of local day ``day``."""

    day: date
    wip: int


def wip_by_day(
    items: Iterable[WorkItemFacts], *, period: Period, time_zone: str
) -> tuple[WipPoint, ...]:
    """WIP at the end of each day of ``period`` (a difference array over day indexes)."""
    changes = [0] * (period.days + 1)
    for item in items:
        span = _wip_span(item, time_zone)
        if span is None:
            continue
        first, stop = span  # in progress at the end of days first .. stop - 1
        lo = max((first - period.start).days, 0)
        hi = period.days if stop is None else min((stop - period.start).days, period.days)
        if lo < hi:
            changes[lo] += 1
            changes[hi] -= 1
    points, running = [], 0
    for offset, day in enumerate(period.each_day()):
        running += changes[offset]
        points.append(WipPoint(day=day, wip=running))
    return tuple(points)


def _wip_span(item: WorkItemFacts, time_zone: str) -> tuple[date, date | None] | None:
    started = work_started_at(item)
    finished = finished_at(item)
    if started is None or (item.cancelled and finished is None):
        return None
    stop = None if finished is None else local_date(finished, time_zone)
    return local_date(started, time_zone), stop


# --- work-item age and aging WIP ----------------------------------------------------------


class AgeBand(StrEnum):
    """The highest cycle-time percentile a work item's age has passed."""

    WITHIN_P50 = "within_p50"
    OVER_P50 = "over_p50"
    OVER_P85 = "over_p85"
    OVER_P95 = "over_p95"


@dataclass(frozen=True)
class AgingWorkItem:
    """A work item in progress, how old it is, and how that compares with cycle times."""

    key: str
    title: str
    team: str | None
    feature: str | None
    assignee: str | None
    started_at: datetime
    age_days: float
    band: AgeBand | None


def is_in_progress(item: WorkItemFacts, as_of: datetime) -> bool:
    """Started at or before ``as_of`` and not finished by then."""
    return _age_start(item, as_of) is not None


def _age_start(item: WorkItemFacts, as_of: datetime) -> datetime | None:
    """When work on ``item`` started, if it was in progress at ``as_of``."""
    started = work_started_at(item)
    if started is None or started > as_of:
        return None
    finished = finished_at(item)
    if finished is None:
        return None if item.cancelled else started
    return started if finished > as_of else None


def age_band(age_days: float, cycle_time: Percentiles) -> AgeBand | None:
    """Which cycle-time percentile ``age_days`` has exceeded (None without cycle times)."""
    if cycle_time.p50 is None or cycle_time.p85 is None or cycle_time.p95 is None:
        return None
    if age_days > cycle_time.p95:
        return AgeBand.OVER_P95
    if age_days > cycle_time.p85:
        return AgeBand.OVER_P85
    if age_days > cycle_time.p50:
        return AgeBand.OVER_P50
    return AgeBand.WITHIN_P50


def aging_wip(
    items: Iterable[WorkItemFacts], *, as_of: datetime, cycle_time: Percentiles
) -> tuple[AgingWorkItem, ...]:
    """Every item in progress at ``as_of`` with its age (as_of - started), oldest first."""
    aging = []
    for item in items:
        started = _age_start(item, as_of)
        if started is None:
            continue
        age = days_between(started, as_of)
        aging.append(
            AgingWorkItem(
                key=item.key,
                title=item.title,
                team=item.team,
                feature=item.feature,
                assignee=item.assignee,
                started_at=started,
                age_days=age,
                band=age_band(age, cycle_time),
            )
        )
    return tuple(sorted(aging, key=lambda entry: (-entry.age_days, entry.key)))


# --- grouping -----------------------------------------------------------------------------


def group_items(
    items: Iterable[WorkItemFacts], key: Callable[[WorkItemFacts], GroupKey]
) -> dict[GroupKey, tuple[WorkItemFacts, ...]]:
    """Items grouped by ``key(item)``, groups in order of first appearance."""
    groups: dict[GroupKey, list[WorkItemFacts]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return {group: tuple(members) for group, members in groups.items()}


def by_team(items: Iterable[WorkItemFacts]) -> dict[str | None, tuple[WorkItemFacts, ...]]:
    """Items grouped by team (None: no team)."""
    return group_items(items, lambda item: item.team)


def by_feature(items: Iterable[WorkItemFacts]) -> dict[str | None, tuple[WorkItemFacts, ...]]:
    """Items grouped by ledger feature key (None: not linked to a feature)."""
    return group_items(items, lambda item: item.feature)


def by_period(
    items: Iterable[WorkItemFacts], *, granularity: Granularity, time_zone: str
) -> dict[date, tuple[WorkItemFacts, ...]]:
    """Completed items grouped by the start of the local bucket they were done in."""

    def done_bucket(item: WorkItemFacts) -> date:
        """The bucket ``item`` was completed in."""
        assert item.done_at is not None  # completed_in guarantees it
        return bucket_start(local_date(item.done_at, time_zone), granularity)

    return group_items(completed_in(items, time_zone=time_zone), done_bucket)


def open_items_by_feature(items: Iterable[WorkItemFacts]) -> dict[str, int]:
    """How many items are neither done nor cancelled, per ledger feature key."""
    remaining: dict[str, int] = defaultdict(int)
    for item in items:
        if item.feature and item.done_at is None and not item.cancelled:
            remaining[item.feature] += 1
    return dict(remaining)
