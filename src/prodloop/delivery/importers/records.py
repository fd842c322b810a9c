"""What importers produce before anything is stored: one parsed work item with its history.

A parser turns each row or record of an export into a :class:`ParsedWorkItem`; the shared
writer (``persist``) maps it onto the ledger and upserts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from prodloop.delivery.facts import DueDateChange, StatusCategory, StatusChange


@dataclass
class ParsedWorkItem:
    """A work item as read from one export, before ledger linking."""

    key: str
    title: str
    item_type: str
    status: str
    category: StatusCategory
    created_at: datetime
    started_at: datetime | None = None
    done_at: datetime | None = None
    cancelled: bool = False
    due_date: date | None = None
    assignee: str | None = None
    assignee_email: str | None = None
    team: str | None = None
    labels: list[str] = field(default_factory=list)
    points: float | None = None
    parent_key: str | None = None
    epic_key: str | None = None
    sprint: str | None = None
    added_to_sprint_at: datetime | None = None
    sprint_started_at: datetime | None = None
    url: str | None = None
    source_updated_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    transitions: list[StatusChange] = field(default_factory=list)
    due_changes: list[DueDateChange] = field(default_factory=list)
    team_changes: list[tuple[datetime, str | None]] = field(default_factory=list)


def unique_labels(values: Iterable[str]) -> list[str]:
    """Non-empty labels, stripped, first occurrence kept, in order."""
    seen: list[str] = []
    for value in values:
        label = value.strip()
        if label and label not in seen:
            seen.append(label)
    return seen


def parse_points(text: str | float | int | None) -> float | None:
    """Story points or an estimate as a number (None when empty); raises on text."""
    if text is None or text == "":
        return None
    if isinstance(text, int | float):
        return float(text)
    return float(text.strip().replace(",", "."))


def resolve_epics(items: list[ParsedWorkItem]) -> None:
    """Give items with a parent but no epic the epic their parent chain leads to.

    A parent whose type is Epic is the epic; otherwise the parent's own epic is inherited
    (a sub-task belongs to its story's epic). Only parents in the same import are followed.
    """
    by_key = {item.key: item for item in items}

    def epic_of(item: ParsedWorkItem, depth: int = 0) -> str | None:
        if item.epic_key or depth > 5:
            return item.epic_key
        parent = by_key.get(item.parent_key or "")
        if parent is None:
            return None
        if parent.item_type.lower() == "epic":
            return parent.key
        return epic_of(parent, depth + 1)

    for item in items:
        if not item.epic_key and item.parent_key:
            item.epic_key = epic_of(item)
