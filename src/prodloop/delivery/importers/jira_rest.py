"""Jira's REST JSON with changelog: ``search?expand=changelog`` results (``issues[]``), a single
``issue/{key}?expand=changelog`` or a list of either.

The changelog gives the status history (started = first entry into an in-progress or done
status, since a skipped column counts as passed through; done = the moment the item last
entered a done status), due-date changes, team changes and sprint moves (added to the current
sprint after it started = work added mid-sprint; work carried over from the previous sprint
counts as planned from the sprint's start).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from prodloop.delivery.facts import DueDateChange, StatusCategory, StatusChange
from prodloop.delivery.importers.dates import parse_iso_date, parse_iso_datetime
from prodloop.delivery.importers.jsondata import JsonRecord, dig, load_json
from prodloop.delivery.importers.persist import save_work_items
from prodloop.delivery.importers.records import (
    ParsedWorkItem,
    parse_points,
    resolve_epics,
    unique_labels,
)
from prodloop.delivery.importers.sources import SourceContext
from prodloop.delivery.schemas import ImportSummary, SourceConfig, SourceKind
from prodloop.delivery.workflow import Workflow, category_hint

DONE_LIKE = (StatusCategory.DONE, StatusCategory.CANCELLED)
_LEGACY_SPRINT = re.compile(r"(\w+)=([^,\]]*)")


@dataclass
class History:
    """What an issue's changelog says, oldest first."""

    statuses: list[tuple[datetime, str | None, str]] = field(default_factory=list)
    due_changes: list[DueDateChange] = field(default_factory=list)
    sprint_adds: list[tuple[datetime, list[str], bool]] = field(default_factory=list)
    teams: list[tuple[datetime, str | None, str | None]] = field(default_factory=list)


def issues_of(data: Any, path: Path) -> list[Mapping[str, Any]]:
    """The issues of a search result, a single issue, or a list of either."""
    if isinstance(data, Mapping):
        if isinstance(data.get("issues"), list):
            return [i for i in data["issues"] if isinstance(i, Mapping)]
        if "fields" in data:
            return [data]
    if isinstance(data, list):
        return [issue for element in data for issue in issues_of(element, path)]
    raise JsonRecord({}, path, "top level").error(
        "expected a search result with issues[], an issue, or a list of them"
    )


def read_jira_json(path: Path, *, workflow: Workflow, config: SourceConfig) -> list[ParsedWorkItem]:
    """Every issue of the export as a parsed work item; raises on the first bad field."""
    issues = issues_of(load_json(path), path)
    hints = {
        str(dig(i, "fields.status.name")).lower(): category_hint(
            dig(i, "fields.status.statusCategory.key")
        )
        for i in issues
    }
    items = []
    for number, issue in enumerate(issues, start=1):
        where = f"issue {number}" + (f" ({issue['key']})" if issue.get("key") else "")
        items.append(_item(JsonRecord(issue, path, where), workflow, config, hints))
    resolve_epics(items)
    return items


def _item(
    record: JsonRecord,
    workflow: Workflow,
    config: SourceConfig,
    hints: Mapping[str, StatusCategory | None],
) -> ParsedWorkItem:
    key = record.text("key")
    if not key:
        raise record.error("an issue needs a key", "key")
    fields = record.sub("fields")
    created = fields.required(parse_iso_datetime, "created")
    status, category = _status(fields, workflow)
    history = _history(record, config)
    transitions = _transitions(history, status, created, workflow, hints)
    team = _team(fields, config)
    item = ParsedWorkItem(
        key=key,
        title=fields.text("summary") or "",
        item_type=fields.text("issuetype.name") or "Task",
        status=status,
        category=category,
        created_at=created,
        cancelled=category is StatusCategory.CANCELLED,
        due_date=fields.parsed(parse_iso_date, "duedate"),
        assignee=fields.text("assignee.displayName"),
        assignee_email=fields.text("assignee.emailAddress"),
        team=team,
        labels=unique_labels(str(label) for label in fields.items("labels")),
        points=_points(fields, config),
        url=_browse_url(record, key, config),
        source_updated_at=fields.parsed(parse_iso_datetime, "updated"),
        raw=_raw(record, fields),
        transitions=transitions,
        due_changes=history.due_changes,
        team_changes=_team_changes(history, created),
    )
    _set_times(item, fields)
    _set_parent(item, fields)
    _set_sprint(item, fields, history, config)
    return item


def _status(record: JsonRecord, workflow: Workflow) -> tuple[str, StatusCategory]:
    """The current status and its category; a done status with a Won't Do-like resolution is
    a cancellation."""
    status = record.text("status.name") or "Open"
    category = workflow.category(status, category_hint(record.text("status.statusCategory.key")))
    resolution = record.text("resolution.name")
    if category is StatusCategory.DONE and workflow.is_cancelled_resolution(resolution):
        category = StatusCategory.CANCELLED
    return status, category


def _history(record: JsonRecord, config: SourceConfig) -> History:
    history = History()
    team_fields = {"team", (config.team_field or "").lower()} - {""}
    entries = record.items("changelog.histories")
    for number, entry in enumerate(entries):
        label = f"changelog.histories[{number}]"
        at = record.convert(parse_iso_datetime, entry.get("created"), f"{label}.created")
        if at is None:
            raise record.error("is missing", f"{label}.created")
        for change in entry.get("items") or []:
            name = str(change.get("field", "")).lower()
            before, after = change.get("fromString"), change.get("toString")
            if name == "status" and after:
                history.statuses.append((at, before, str(after)))
            elif name == "duedate":
                before_date, after_date = (
                    record.convert(
                        parse_iso_date, change.get(side) or change.get(f"{side}String"), label
                    )
                    for side in ("from", "to")
                )
                history.due_changes.append(DueDateChange(at, before_date, after_date))
            elif name == "sprint":
                added = set(_names(after)) - set(_names(before))
                history.sprint_adds.append((at, sorted(added), bool(_names(before))))
            elif name in team_fields:
                history.teams.append((at, before, after))
    history.statuses.sort(key=lambda s: s[0])
    history.due_changes.sort(key=lambda c: c.at)
    return history


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _transitions(
    history: History,
    status: str,
    created: datetime,
    workflow: Workflow,
    hints: Mapping[str, StatusCategory | None],
) -> list[StatusChange]:
    """The status history, opened by the status the item was created in."""

    def category(name: str) -> StatusCategory:
        return workflow.category(name, hints.get(name.lower()))

    first = history.statuses[0][1] if history.statuses else status
    changes = [StatusChange(created, None, first or status, category(first or status))]
    changes += [StatusChange(at, old, new, category(new)) for at, old, new in history.statuses]
    return changes


def _set_times(item: ParsedWorkItem, record: JsonRecord) -> None:
    started = [t.at for t in item.transitions if t.category is not StatusCategory.TODO]
    item.started_at = started[0] if started and item.category is not StatusCategory.TODO else None
    if item.category not in DONE_LIKE:
        return
    finished = None
    for change in reversed(item.transitions):
        if change.category not in DONE_LIKE:
            break
        finished = change.at
    resolved = record.parsed(parse_iso_datetime, "resolutiondate")
    item.done_at = finished if len(item.transitions) > 1 else (resolved or finished)


def _set_parent(item: ParsedWorkItem, record: JsonRecord) -> None:
    item.parent_key = record.text("parent.key")
    parent_type = (record.text("parent.fields.issuetype.name") or "").lower()
    if item.parent_key and parent_type == "epic":
        item.epic_key = item.parent_key


def _set_sprint(
    item: ParsedWorkItem, record: JsonRecord, history: History, config: SourceConfig
) -> None:
    sprints = [_sprint(value) for value in record.items(config.sprint_field)]
    if not sprints:
        return
    current = next((s for s in sprints if s.get("state", "").lower() == "active"), sprints[-1])
    item.sprint = current.get("name")
    start = current.get("startDate")
    if start:
        try:
            item.sprint_started_at = parse_iso_datetime(start)
        except ValueError as exc:
            raise record.error(f"cannot read {start!r}: {exc}", config.sprint_field) from None
    adds = [(at, carried) for at, names, carried in history.sprint_adds if item.sprint in names]
    if not adds:
        item.added_to_sprint_at = item.created_at
        return
    at, carried = adds[-1]
    # Unfinished work carried over from the previous sprint was planned into this one.
    started = item.sprint_started_at
    item.added_to_sprint_at = min(at, started) if carried and started else at


def _sprint(value: Any) -> dict[str, str]:
    """A sprint as Jira Cloud gives it (an object) or as servers did (``…[name=…,…]``)."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items() if v is not None}
    if isinstance(value, str) and "[" in value:
        pairs = _LEGACY_SPRINT.findall(value[value.index("[") :])
        return {k: v for k, v in pairs if v and v != "<null>"}
    return {"name": str(value)}


def _team(record: JsonRecord, config: SourceConfig) -> str | None:
    if config.team_field:
        value = dig(record.data, config.team_field)
        if isinstance(value, Mapping):
            value = value.get("name") or value.get("title") or value.get("value")
        if value:
            return str(value)
    project = record.text("project.key") or ""
    return config.project_teams.get(project) or config.default_team or record.text("project.name")


def _team_changes(history: History, created: datetime) -> list[tuple[datetime, str | None]]:
    """The teams the item passed through: the first it had, then each hand-over."""
    if not history.teams:
        return []
    changes: list[tuple[datetime, str | None]] = [(created, history.teams[0][1])]
    changes += [(at, after) for at, _, after in history.teams]
    return changes


def _points(record: JsonRecord, config: SourceConfig) -> float | None:
    for name in config.story_points_fields:
        value = record.data.get(name)
        if isinstance(value, int | float | str) and not isinstance(value, bool) and value != "":
            try:
                return parse_points(value)
            except ValueError:
                raise record.error(f"cannot read {value!r} as points", name) from None
    return None


def _browse_url(record: JsonRecord, key: str, config: SourceConfig) -> str | None:
    if config.base_url:
        return f"{config.base_url.rstrip('/')}/browse/{key}"
    api = record.text("self")
    if api and "/rest/" in api:
        parts = urlsplit(api)
        return f"{parts.scheme}://{parts.netloc}/browse/{key}"
    return None


def _raw(issue: JsonRecord, record: JsonRecord) -> dict[str, object]:
    values = {
        "id": issue.text("id"),
        "project": record.text("project.key"),
        "priority": record.text("priority.name"),
        "resolution": record.text("resolution.name"),
    }
    return {name: value for name, value in values.items() if value}


def import_jira_json_file(session: Session, path: Path, *, source_name: str) -> ImportSummary:
    """Parse and validate the whole export, then upsert its items into the source."""
    context = SourceContext.open(session, SourceKind.JIRA_REST, source_name)
    items = read_jira_json(path, workflow=context.workflow, config=context.config)
    context.ensure(session)
    summary = context.summary()
    summary.records["work_items"] = save_work_items(
        session, summary.source_id, items, workflow=context.workflow, links=context.links(session)
    )
    return summary
