"""The demo's Jira boards as Jira Cloud's REST API returns them: the pages of
``/rest/api/2/search?expand=changelog``, each issue with its fields and full changelog
(status, due date, sprint and team changes), in the workspace's local time as Jira writes it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prodloop.demo.delivery_model import Actor, Sprint, WorkItemPlan

SITE = "https://northwind.atlassian.example"
API = f"{SITE}/rest/api/2"
TEAM_FIELD = "customfield_10001"
POINTS_FIELD = "customfield_10016"
SPRINT_FIELD = "customfield_10020"
PAGE_SIZE = 100
STATUSES = {
    "To Do": ("10000", "new", "To Do"),
    "In Progress": ("3", "indeterminate", "In Progress"),
    "In Review": ("10101", "indeterminate", "In Progress"),
    "Blocked": ("10102", "indeterminate", "In Progress"),
    "Done": ("10001", "done", "Done"),
    "Won't Do": ("10103", "done", "Done"),
}
TYPES = {"Epic": "10000", "Story": "10001", "Task": "10002", "Bug": "10004"}
TYPES |= {"Support": "10005", "Incident": "10006"}


class JiraWriter:
    """Renders planned items as REST JSON, in one workspace time zone."""

    def __init__(self, zone: ZoneInfo, project_names: dict[str, str], team_ids: dict[str, str]):
        self.zone = zone
        self.project_names = project_names
        self.team_ids = team_ids
        self._history_id = 100_000
        self._users: dict[str, dict[str, Any]] = {}

    def when(self, moment: datetime) -> str:
        """Jira's timestamp: local time with a basic offset (``2025-06-02T09:00:00.000-0400``)."""
        local = moment.astimezone(self.zone)
        return f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond // 1000:03d}{local:%z}"

    def user(self, actor: Actor | None) -> dict[str, Any] | None:
        """A Jira user object."""
        if actor is None:
            return None
        if actor.email not in self._users:
            self._users[actor.email] = self._user(actor)
        return self._users[actor.email]

    def _user(self, actor: Actor) -> dict[str, Any]:
        return {
            "self": f"{API}/user?accountId={actor.account_id}",
            "accountId": actor.account_id,
            "emailAddress": actor.email,
            "displayName": actor.name,
            "active": True,
            "timeZone": str(self.zone),
            "accountType": "atlassian",
        }

    def status(self, name: str) -> dict[str, Any]:
        """A status with its category."""
        status_id, category, category_name = STATUSES[name]
        return {
            "self": f"{API}/status/{status_id}",
            "name": name,
            "id": status_id,
            "statusCategory": {"key": category, "name": category_name},
        }

    def sprint(self, sprint: Sprint) -> dict[str, Any]:
        """A sprint as the Jira Cloud sprint field holds it."""
        data: dict[str, Any] = {
            "id": sprint.sprint_id,
            "name": sprint.name,
            "state": sprint.state,
            "boardId": sprint.board_id,
            "goal": "",
            "startDate": _utc_ms(sprint.start),
            "endDate": _utc_ms(sprint.end),
        }
        if sprint.state == "closed":
            data["completeDate"] = _utc_ms(sprint.end)
        return data

    def issue(self, item: WorkItemPlan, number: int) -> dict[str, Any]:
        """One issue of a search result, changelog included."""
        issue_id = str(10_000 + number)
        histories = self.changelog(item)
        updated = histories[-1]["created"] if histories else self.when(item.created)
        total = len(histories)
        return {
            "expand": "operations,changelog",
            "id": issue_id,
            "self": f"{API}/issue/{issue_id}",
            "key": item.key,
            "fields": self.fields(item, updated),
            "changelog": {
                "startAt": 0,
                "maxResults": total,
                "total": total,
                "histories": histories,
            },
        }

    def fields(self, item: WorkItemPlan, updated: str) -> dict[str, Any]:
        """The issue's fields as they stand today."""
        fields: dict[str, Any] = {
            "summary": item.title,
            "issuetype": {
                "id": TYPES[item.item_type],
                "name": item.item_type,
                "subtask": False,
                "hierarchyLevel": 1 if item.item_type == "Epic" else 0,
            },
            "project": {
                "id": str(10_000 + sum(map(ord, item.project))),
                "key": item.project,
                "name": self.project_names[item.project],
                "projectTypeKey": "software",
            },
            "created": self.when(item.created),
            "updated": updated,
            "duedate": item.due_date.isoformat() if item.due_date else None,
            "assignee": self.user(item.assignee),
            "reporter": self.user(item.reporter),
            "labels": item.labels,
            "priority": {"name": item.priority},
            "status": self.status(item.status),
            "resolution": {"name": item.resolution} if item.resolution else None,
            "resolutiondate": self.when(item.statuses[-1][0]) if item.resolution else None,
            POINTS_FIELD: item.points,
            SPRINT_FIELD: [self.sprint(s) for s in item.sprints] or None,
            TEAM_FIELD: {"id": self.team_ids[item.team], "name": self.team_name(item)},
        }
        if item.epic is not None:
            fields["parent"] = {
                "id": item.epic.key,
                "key": item.epic.key,
                "fields": {"summary": item.epic.title, "issuetype": {"name": "Epic"}},
            }
        return fields

    def team_name(self, item: WorkItemPlan) -> str:
        """The team the item sits with today (its final one after any hand-overs)."""
        return item.team_moves[-1][2] if item.team_moves else self.project_names[item.project]

    def changelog(self, item: WorkItemPlan) -> list[dict[str, Any]]:
        """Every change of status, due date, sprint and team, oldest first (one per entry)."""
        entries = sorted(_changes(item), key=lambda entry: (entry[0], entry[1]))
        author = self.user(item.assignee or item.reporter)
        histories = []
        for at, _, change in entries:
            self._history_id += 1
            histories.append(
                {
                    "id": str(self._history_id),
                    "author": author,
                    "created": self.when(at),
                    "items": [change],
                }
            )
        return histories


Change = tuple[datetime, int, dict[str, Any]]


def _changes(item: WorkItemPlan) -> list[Change]:
    """(when, order on a tie, changelog item) for each field the item's history changed."""
    changes: list[Change] = []
    for (_, old), (at, new) in pairwise(item.statuses):
        status = _change("status", "status", STATUSES[old][0], old, STATUSES[new][0], new)
        changes.append((at, 0, status))
    for at, old_day, new_day in item.due_changes:
        old_text, new_text = (old_day.isoformat() if old_day else None), new_day.isoformat()
        due = _change("duedate", "duedate", old_text, _day(old_text), new_text, _day(new_text))
        changes.append((at, 1, due))
    for move in item.sprint_moves:
        ids = [", ".join(str(s.sprint_id) for s in side) for side in (move.before, move.after)]
        names = [", ".join(s.name for s in side) for side in (move.before, move.after)]
        sprint = _change("Sprint", SPRINT_FIELD, ids[0] or None, names[0], ids[1], names[1])
        changes.append((move.at, 2, sprint))
    for at, old_team, new_team in item.team_moves:
        changes.append((at, 3, _change("Team", TEAM_FIELD, None, old_team, None, new_team)))
    return changes


def _change(
    field: str,
    field_id: str,
    old: str | None,
    old_text: str | None,
    new: str | None,
    new_text: str | None,
) -> dict[str, Any]:
    return {
        "field": field,
        "fieldtype": "jira" if field_id == field else "custom",
        "fieldId": field_id,
        "from": old,
        "fromString": old_text,
        "to": new,
        "toString": new_text,
    }


def _day(text: str | None) -> str | None:
    return f"{text} 00:00:00.0" if text else None


def _utc_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def write_search_pages(writer: JiraWriter, items: list[WorkItemPlan], path: Path) -> None:
    """Write ``items`` as the pages a paginated search returns, one JSON list of pages."""
    issues = [writer.issue(item, number) for number, item in enumerate(items, start=1)]
    pages = [
        {
            "expand": "names,schema",
            "startAt": start,
            "maxResults": PAGE_SIZE,
            "total": len(issues),
            "issues": issues[start : start + PAGE_SIZE],
        }
        for start in range(0, len(issues), PAGE_SIZE)
    ]
    path.write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
