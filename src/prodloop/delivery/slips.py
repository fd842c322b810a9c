"""Due-date slips: how many times a date was moved, by how much, and how often.

A **re-dating** is a change from one known date to a different date. Setting the first date
is not a re-dating; clearing a date is not either, but the cleared date is remembered, so
"clear, then set later" still counts as one re-dating from the old date to the new one. A
**slip** is a re-dating to a later date; ``days_slipped`` adds up those moves. How *often*
is the mean number of days between re-datings, counted from when the first date was set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from prodloop.delivery.facts import DueDateChange, WorkItemFacts
from prodloop.delivery.periods import days_between


@dataclass(frozen=True)
class DueDateSlips:
    """The re-dating history of one item's due date or one feature's target date."""

    subject: str
    redatings: int
    slips: int
    days_slipped: int
    first_due_date: date | None
    current_due_date: date | None
    first_set_at: datetime | None
    last_redated_at: datetime | None

    @property
    def mean_days_between_redatings(self) -> float | None:
        """Mean days from the first date being set to each re-dating (None: never re-dated)."""
        if not self.redatings or self.first_set_at is None or self.last_redated_at is None:
            return None
        return days_between(self.first_set_at, self.last_redated_at) / self.redatings


def due_date_slips(
    subject: str,
    changes: Iterable[DueDateChange],
    *,
    created_at: datetime | None = None,
    current_due_date: date | None = None,
) -> DueDateSlips:
    """Count re-datings and slipped days in ``changes`` (any order; sorted by time here).

    ``created_at`` stands in for when the first date was set when the history starts with a
    change away from a date nobody recorded setting.
    """
    ordered = sorted(changes, key=lambda change: change.at)
    redatings = _redatings(ordered)
    moved_later = [(new - old).days for _, old, new in redatings if new > old]
    first_due, first_set_at = _first_date(ordered, created_at)
    if current_due_date is None and ordered:
        current_due_date = ordered[-1].to_date
    return DueDateSlips(
        subject=subject,
        redatings=len(redatings),
        slips=len(moved_later),
        days_slipped=sum(moved_later),
        first_due_date=first_due or current_due_date,
        current_due_date=current_due_date,
        first_set_at=first_set_at,
        last_redated_at=redatings[-1][0] if redatings else None,
    )


def _redatings(ordered: Iterable[DueDateChange]) -> list[tuple[datetime, date, date]]:
    """(when, old date, new date) for every move from one known date to a different one."""
    moves = []
    known: date | None = None
    for change in ordered:
        previous = change.from_date or known
        if change.to_date is None:
            known = previous  # remember the cleared date: setting a new one re-dates it
            continue
        if previous is not None and change.to_date != previous:
            moves.append((change.at, previous, change.to_date))
        known = change.to_date
    return moves


def _first_date(
    ordered: Iterable[DueDateChange], created_at: datetime | None
) -> tuple[date | None, datetime | None]:
    """The first date the history knows of, and when it was set."""
    for change in ordered:
        if change.from_date is not None:
            return change.from_date, created_at or change.at
        if change.to_date is not None:
            return change.to_date, change.at
    return None, None


def item_due_date_slips(item: WorkItemFacts) -> DueDateSlips:
    """The due-date slips of one work item."""
    return due_date_slips(
        item.key,
        item.due_changes,
        created_at=item.created_at,
        current_due_date=item.due_date,
    )


@dataclass(frozen=True)
class FeatureItemSlips:
    """Due-date slips rolled up over the work items of one feature."""

    feature: str
    items: int
    items_redated: int
    redatings: int
    days_slipped: int


def roll_up_item_slips(feature: str, items: Iterable[WorkItemFacts]) -> FeatureItemSlips:
    """Sum the slips of ``feature``'s work items (items of other features are ignored)."""
    slips = [item_due_date_slips(item) for item in items if item.feature == feature]
    return FeatureItemSlips(
        feature=feature,
        items=len(slips),
        items_redated=sum(1 for s in slips if s.redatings),
        redatings=sum(s.redatings for s in slips),
        days_slipped=sum(s.days_slipped for s in slips),
    )
