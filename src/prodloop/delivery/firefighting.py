"""Reactive firefighting: the unplanned share of throughput, its trend, mid-sprint additions.

* **Unplanned share** — of the items a team completed in a bucket (week or month, local
  time), the fraction flagged ``unplanned`` (bugs, incidents, support, hotfixes per the
  workflow mapping). Buckets where the team completed nothing have no share.
* **Trend** — the slope of the least-squares line through (bucket index, share) over the
  buckets that have a share, in share points per bucket. The trend is *rising* when the
  slope is positive and the latest share is above the alarm level (30% by default).
* **Added mid-sprint** — an item whose ``added_to_sprint_at`` is after its sprint started.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from prodloop.delivery.facts import WorkItemFacts
from prodloop.delivery.flow import completed_in
from prodloop.delivery.periods import Granularity, Period, bucket_start, bucket_starts, local_date

DEFAULT_ALARM_SHARE = 0.30


@dataclass(frozen=True)
class UnplannedShare:
    """One team's completed and unplanned items in the bucket starting on ``start``."""

    team: str | None
    start: date
    items_done: int
    unplanned_done: int

    @property
    def share(self) -> float | None:
        """Unplanned ÷ done, or None when nothing was done."""
        return self.unplanned_done / self.items_done if self.items_done else None


def unplanned_share_by_team(
    items: Iterable[WorkItemFacts],
    *,
    period: Period,
    granularity: Granularity,
    time_zone: str,
) -> dict[str | None, tuple[UnplannedShare, ...]]:
    """Every team's unplanned share in every bucket overlapping ``period``."""
    done: dict[tuple[str | None, date], int] = defaultdict(int)
    unplanned: dict[tuple[str | None, date], int] = defaultdict(int)
    teams: dict[str | None, None] = {}
    for item in completed_in(items, time_zone=time_zone, period=period):
        assert item.done_at is not None  # completed_in guarantees it
        cell = (item.team, bucket_start(local_date(item.done_at, time_zone), granularity))
        teams[item.team] = None
        done[cell] += 1
        unplanned[cell] += item.unplanned
    starts = bucket_starts(period, granularity)
    return {
        team: tuple(
            UnplannedShare(team, start, done[(team, start)], unplanned[(team, start)])
            for start in starts
        )
        for team in teams
    }


def least_squares_slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Slope of the ordinary least-squares line through the points (None: fewer than 2 xs)."""
    if len(xs) != len(ys):
        raise ValueError("xs and ys differ in length")
    if len(set(xs)) < 2:
        return None
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    variance = sum((x - mean_x) ** 2 for x in xs)
    return covariance / variance


@dataclass(frozen=True)
class UnplannedTrend:
    """A team's unplanned share over time and whether it is climbing past the alarm level."""

    team: str | None
    shares: tuple[UnplannedShare, ...]
    slope_per_bucket: float | None
    latest_share: float | None
    alarm_share: float

    @property
    def rising(self) -> bool:
        """Slope above zero and the latest share above the alarm level."""
        return (
            self.slope_per_bucket is not None
            and self.slope_per_bucket > 0
            and self.latest_share is not None
            and self.latest_share > self.alarm_share
        )


def unplanned_trend(
    shares: Sequence[UnplannedShare], *, alarm_share: float = DEFAULT_ALARM_SHARE
) -> UnplannedTrend:
    """Fit the trend of one team's bucketed shares (buckets with no share are skipped)."""
    points = [(index, s.share) for index, s in enumerate(shares) if s.share is not None]
    return UnplannedTrend(
        team=shares[0].team if shares else None,
        shares=tuple(shares),
        slope_per_bucket=least_squares_slope([x for x, _ in points], [y for _, y in points]),
        latest_share=points[-1][1] if points else None,
        alarm_share=alarm_share,
    )


@dataclass(frozen=True)
class SprintScopeChange:
    """Items pulled into a sprint after it started."""

    sprint: str
    team: str | None
    items_in_sprint: int
    added_mid_sprint: tuple[str, ...]

    @property
    def share(self) -> float:
        """Share of the sprint's items that were added after it started."""
        return len(self.added_mid_sprint) / self.items_in_sprint


def is_added_mid_sprint(item: WorkItemFacts) -> bool:
    """Added to its sprint after the sprint started."""
    added, started = item.added_to_sprint_at, item.sprint_started_at
    return added is not None and started is not None and added > started


def mid_sprint_additions(items: Iterable[WorkItemFacts]) -> tuple[SprintScopeChange, ...]:
    """Per (sprint, team), the items added after the sprint started; sprints with none omitted."""
    members: dict[tuple[str, str | None], list[WorkItemFacts]] = defaultdict(list)
    for item in items:
        if item.sprint:
            members[(item.sprint, item.team)].append(item)
    changes = []
    for (sprint, team), sprint_items in members.items():
        added = tuple(sorted(i.key for i in sprint_items if is_added_mid_sprint(i)))
        if added:
            changes.append(SprintScopeChange(sprint, team, len(sprint_items), added))
    return tuple(sorted(changes, key=lambda c: (-len(c.added_mid_sprint), c.sprint)))
