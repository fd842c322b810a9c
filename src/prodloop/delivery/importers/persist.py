"""Stores parsed work items: links each to the ledger, upserts it by (source, key) and
replaces the history of the items that changed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from prodloop.delivery.importers.linking import LedgerLinks, inherit_features
from prodloop.delivery.importers.records import ParsedWorkItem
from prodloop.delivery.importers.upsert import Upsert, replace_children
from prodloop.delivery.models import DueDateChangeRow, StatusTransition, TeamChange, WorkItem
from prodloop.delivery.schemas import RecordCounts
from prodloop.delivery.workflow import Workflow

# What the ledger or the workflow decides about an item; ``relink`` can change these later,
# so they are compared as columns rather than folded into the fingerprint.
LINKED = ("feature_id", "assignee_id", "team_id", "unplanned")
WORK_ITEMS = Upsert(
    WorkItem, key="key", compare=("fingerprint", *LINKED), stale="source_updated_at"
)
# Exports without history (CSV) cannot repeat a start they once showed: keep the one we saw.
WORK_ITEMS_KEEPING_STARTS = Upsert(
    WorkItem,
    key="key",
    compare=("fingerprint", *LINKED),
    keep=("started_at",),
    stale="source_updated_at",
)


TRANSITION_COLUMNS = ("work_item_id", "at", "from_status", "to_status", "category")
DUE_CHANGE_COLUMNS = ("work_item_id", "at", "from_date", "to_date")
TEAM_CHANGE_COLUMNS = ("work_item_id", "at", "team")


def item_row(item: ParsedWorkItem, workflow: Workflow, links: LedgerLinks) -> dict[str, Any]:
    """The ``work_item`` columns for ``item`` (fingerprint included)."""
    row: dict[str, Any] = {
        "key": item.key,
        "title": item.title,
        "item_type": item.item_type,
        "status": item.status,
        "status_category": item.category.value,
        "created_at": item.created_at,
        "started_at": item.started_at,
        "done_at": item.done_at,
        "cancelled": item.cancelled,
        "due_date": item.due_date,
        "assignee": item.assignee_email or item.assignee,
        "assignee_id": links.person_id(item.assignee, item.assignee_email),
        "team": item.team,
        "team_id": links.team_id(item.team),
        "labels": item.labels,
        "points": item.points,
        "parent_key": item.parent_key,
        "epic_key": item.epic_key,
        "sprint": item.sprint,
        "added_to_sprint_at": item.added_to_sprint_at,
        "sprint_started_at": item.sprint_started_at,
        "feature_id": links.feature_id(
            item.title, item.labels, (item.key, item.epic_key, item.parent_key)
        ),
        "unplanned": workflow.is_unplanned(item.item_type, item.labels),
        "url": item.url,
        "source_updated_at": item.source_updated_at,
        "raw": item.raw,
    }
    return row


def _text(value: Any) -> str:
    return str(value.timestamp()) if isinstance(value, datetime) else str(value)


def _fingerprint(row: dict[str, Any], item: ParsedWorkItem) -> str:
    """A digest of everything the export said about the item (``str`` of each value, in the
    row's fixed column order, then its history)."""
    parts = [_text(value) for name, value in row.items() if name not in LINKED]
    parts.extend(
        f"{t.at.timestamp()}|{t.from_status}|{t.to_status}|{t.category.value}"
        for t in item.transitions
    )
    parts.extend(f"{c.at.timestamp()}|{c.from_date}|{c.to_date}" for c in item.due_changes)
    parts.extend(f"{at.timestamp()}|{team}" for at, team in item.team_changes)
    text = "\x1f".join(parts)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _replace_history(
    session: Session,
    items: Sequence[ParsedWorkItem],
    ids: dict[str, int],
    written: set[int],
) -> None:
    """Swap the stored history of the written items for the one just read."""
    transitions: list[tuple[Any, ...]] = []
    due_changes: list[tuple[Any, ...]] = []
    team_changes: list[tuple[Any, ...]] = []
    for item in items:
        item_id = ids[item.key]
        if item_id not in written:
            continue
        transitions.extend(
            (item_id, t.at, t.from_status, t.to_status, t.category.value) for t in item.transitions
        )
        due_changes.extend((item_id, c.at, c.from_date, c.to_date) for c in item.due_changes)
        team_changes.extend((item_id, at, team) for at, team in item.team_changes)
    parents = sorted(written)
    replace_children(
        session, StatusTransition, "work_item_id", parents, TRANSITION_COLUMNS, transitions
    )
    replace_children(
        session, DueDateChangeRow, "work_item_id", parents, DUE_CHANGE_COLUMNS, due_changes
    )
    replace_children(
        session, TeamChange, "work_item_id", parents, TEAM_CHANGE_COLUMNS, team_changes
    )


def save_work_items(
    session: Session,
    source_id: int,
    items: Sequence[ParsedWorkItem],
    *,
    workflow: Workflow,
    links: LedgerLinks,
    keep_starts: bool = False,
) -> RecordCounts:
    """Upsert ``items`` for the source and replace the history of those written."""
    unique = list({item.key: item for item in items}.values())
    rows = [item_row(item, workflow, links) for item in unique]
    inherit_features(session, source_id, rows)
    for row, item in zip(rows, unique, strict=True):
        row["fingerprint"] = _fingerprint(row, item)
    upsert = WORK_ITEMS_KEEPING_STARTS if keep_starts else WORK_ITEMS
    result = upsert.run(session, source_id, rows)
    _replace_history(session, unique, result.ids, set(result.written))
    return result.counts
