"""Ownership gaps: open work nobody owns, and work bouncing between teams.

A **hand-off** is a change of team between consecutive entries of an item's team history
(the current team appended when the history does not end with it). An item **bounces** when
it was handed off at least ``min_handoffs`` times (three by default) or came back to a team
it had already left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from prodloop.delivery.facts import WorkItemFacts

DEFAULT_MIN_HANDOFFS = 3


def is_open(item: WorkItemFacts) -> bool:
    """Neither done nor cancelled."""
    return item.done_at is None and not item.cancelled


def has_owner(owner: str | None) -> bool:
    """Whether an owner / assignee field names someone (blank means nobody)."""
    return bool(owner and owner.strip())


def unowned_open_items(items: Iterable[WorkItemFacts]) -> tuple[WorkItemFacts, ...]:
    """Open items with no assignee."""
    return tuple(item for item in items if is_open(item) and not has_owner(item.assignee))


@dataclass(frozen=True)
class UnownedWork:
    """Open work items without an owner, for one team (None: items with no team)."""

    team: str | None
    item_keys: tuple[str, ...]


def unowned_work_by_team(items: Iterable[WorkItemFacts]) -> tuple[UnownedWork, ...]:
    """Unowned open items grouped by team, largest group first."""
    groups: dict[str | None, list[str]] = {}
    for item in unowned_open_items(items):
        groups.setdefault(item.team, []).append(item.key)
    work = [UnownedWork(team, tuple(sorted(keys))) for team, keys in groups.items()]
    return tuple(sorted(work, key=lambda w: (-len(w.item_keys), w.team or "")))


@dataclass(frozen=True)
class TeamHandoffs:
    """The teams an item passed through and what that says about its ownership."""

    key: str
    teams: tuple[str, ...]
    handoffs: int
    returned_to: tuple[str, ...]

    def bounces(self, min_handoffs: int = DEFAULT_MIN_HANDOFFS) -> bool:
        """Handed off at least ``min_handoffs`` times, or back to a team it had left."""
        return self.handoffs >= min_handoffs or bool(self.returned_to)


def team_handoffs(item: WorkItemFacts) -> TeamHandoffs:
    """Hand-offs in ``item``'s team history (consecutive repeats collapsed)."""
    history = [team for team in item.team_history if team]
    if item.team and (not history or history[-1] != item.team):
        history.append(item.team)
    path: list[str] = []
    for team in history:
        if not path or path[-1] != team:
            path.append(team)
    returned: list[str] = []
    for position, team in enumerate(path):
        if team in path[:position] and team not in returned:
            returned.append(team)
    return TeamHandoffs(
        key=item.key,
        teams=tuple(path),
        handoffs=len(path) - 1 if path else 0,
        returned_to=tuple(returned),
    )


def bouncing_items(
    items: Iterable[WorkItemFacts], *, min_handoffs: int = DEFAULT_MIN_HANDOFFS
) -> tuple[TeamHandoffs, ...]:
    """Items that bounced between teams, most hand-offs first."""
    bouncing = [h for h in map(team_handoffs, items) if h.bounces(min_handoffs)]
    return tuple(sorted(bouncing, key=lambda h: (-h.handoffs, h.key)))
