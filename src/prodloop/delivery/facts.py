"""Typed, storage-free facts that the delivery maths works on.

Importers and the database produce these; ``flow``, ``dora``, ``forecast`` and ``signals``
consume them and never do I/O. All datetimes are time-zone aware (UTC in storage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class StatusCategory(StrEnum):
    """Where a status sits in the flow, whatever the tool calls it."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class StatusChange:
    """A work item entering ``to_status`` at ``at``."""

    at: datetime
    from_status: str | None
    to_status: str
    category: StatusCategory


@dataclass(frozen=True)
class DueDateChange:
    """A work item's due date moved (or set, when ``from_date`` is None)."""

    at: datetime
    from_date: date | None
    to_date: date | None


@dataclass(frozen=True)
class WorkItemFacts:
    """One issue / ticket / card as the maths needs it."""

    key: str
    title: str
    item_type: str
    created_at: datetime
    started_at: datetime | None = None
    done_at: datetime | None = None
    cancelled: bool = False
    team: str | None = None
    assignee: str | None = None
    feature: str | None = None
    epic: str | None = None
    unplanned: bool = False
    points: float | None = None
    labels: tuple[str, ...] = ()
    due_date: date | None = None
    due_changes: tuple[DueDateChange, ...] = ()
    status_history: tuple[StatusChange, ...] = ()
    team_history: tuple[str, ...] = ()
    sprint: str | None = None
    added_to_sprint_at: datetime | None = None
    sprint_started_at: datetime | None = None


@dataclass(frozen=True)
class PullRequestFacts:
    """A pull request and the moments its cycle time is split on."""

    repo: str
    number: int
    author: str | None
    created_at: datetime
    first_commit_at: datetime | None = None
    first_review_at: datetime | None = None
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    merge_sha: str | None = None
    feature: str | None = None


@dataclass(frozen=True)
class DeploymentFacts:
    """A deployment; ``commits`` are the commit SHAs it shipped for the first time."""

    key: str
    repo: str
    environment: str
    started_at: datetime
    finished_at: datetime
    succeeded: bool
    production: bool
    sha: str | None = None
    commits: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class IncidentFacts:
    """A production incident (from labelled issues)."""

    key: str
    repo: str | None
    created_at: datetime
    resolved_at: datetime | None = None
