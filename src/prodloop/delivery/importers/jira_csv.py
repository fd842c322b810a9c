"""Jira Cloud's "Export CSV (all fields)", exactly as Jira writes it.

Repeated headers (``Labels``, ``Sprint``, ``Component/s``) become lists; dates in the user's
locale form (``14/Jul/25 3:42 PM``, ``14/Jul/2025 15:42``) or ISO are read in the given time
zone and stored UTC.

The CSV carries no status history, so times are approximations: an item in an in-progress
status started when its status category last changed (``Status Category Changed``); a done
item finished at ``Resolved`` (else ``Status Category Changed``, else ``Updated``). A done
item's start is unknown from a single export, but a start seen in an earlier import is kept.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from prodloop.delivery.facts import StatusCategory
from prodloop.delivery.importers.dates import parse_local_date, parse_local_datetime
from prodloop.delivery.importers.errors import ImportFormatError
from prodloop.delivery.importers.persist import save_work_items
from prodloop.delivery.importers.records import (
    ParsedWorkItem,
    parse_points,
    resolve_epics,
    unique_labels,
)
from prodloop.delivery.importers.sources import SourceContext
from prodloop.delivery.importers.table import CsvRow, read_csv
from prodloop.delivery.schemas import ImportSummary, SourceConfig, SourceKind
from prodloop.delivery.workflow import Workflow, category_hint

REQUIRED = ("Issue key", "Summary", "Created")
POINTS = ("Custom field (Story Points)", "Custom field (Story point estimate)")
TEAM = ("Team", "Custom field (Team)")
DONE_LIKE = (StatusCategory.DONE, StatusCategory.CANCELLED)


def read_jira_csv(
    path: Path, *, zone: ZoneInfo, workflow: Workflow, config: SourceConfig
) -> list[ParsedWorkItem]:
    """Every row of the export as a parsed work item; raises on the first bad cell."""
    _, rows = read_csv(path, required=REQUIRED)
    items: list[ParsedWorkItem] = []
    keys_by_id: dict[str, str] = {}
    for row in rows:
        item = _item(row, zone, workflow, config)
        items.append(item)
        if row.get("Issue id"):
            keys_by_id[row.get("Issue id")] = item.key
    for item in items:  # newer exports give the parent's numeric id, not its key
        if item.parent_key and item.parent_key in keys_by_id:
            item.parent_key = keys_by_id[item.parent_key]
    resolve_epics(items)
    return items


def _item(row: CsvRow, zone: ZoneInfo, workflow: Workflow, config: SourceConfig) -> ParsedWorkItem:
    when = partial(parse_local_datetime, zone=zone)
    key = row.get("Issue key")
    if not key:
        raise row.error("an issue needs a key", "Issue key")
    created = row.parsed(when, "Created")
    if created is None:
        raise row.error("an issue needs a creation date", "Created")
    status = row.get("Status") or "Open"
    category = workflow.category(status, category_hint(row.get("Status Category")))
    if category is StatusCategory.DONE and workflow.is_cancelled_resolution(row.get("Resolution")):
        category = StatusCategory.CANCELLED
    changed = row.parsed(when, "Status Category Changed")
    updated = row.parsed(when, "Updated")
    resolved = row.parsed(when, "Resolved")
    sprints = row.every("Sprint")
    project = row.get("Project key")
    return ParsedWorkItem(
        key=key,
        title=row.get("Summary"),
        item_type=row.get("Issue Type") or "Task",
        status=status,
        category=category,
        created_at=created,
        started_at=changed if category is StatusCategory.IN_PROGRESS else None,
        done_at=(resolved or changed or updated) if category in DONE_LIKE else None,
        cancelled=category is StatusCategory.CANCELLED,
        due_date=row.parsed(parse_local_date, "Due date", "Due Date"),
        assignee=row.get("Assignee") or None,
        team=_team(row, config, project),
        labels=unique_labels(row.every("Labels")),
        points=row.parsed(parse_points, *POINTS),
        parent_key=row.get("Parent", "Parent id") or None,
        epic_key=row.get("Custom field (Epic Link)") or None,
        sprint=sprints[-1] if sprints else None,
        url=f"{config.base_url.rstrip('/')}/browse/{key}" if config.base_url else None,
        source_updated_at=updated,
        raw=_raw(row, project),
    )


def _team(row: CsvRow, config: SourceConfig, project: str) -> str | None:
    columns = (config.team_field, *TEAM) if config.team_field else TEAM
    return (
        row.get(*columns)
        or config.project_teams.get(project)
        or config.default_team
        or row.get("Project name")
        or None
    )


def _raw(row: CsvRow, project: str) -> dict[str, object]:
    values = {
        "project": project,
        "priority": row.get("Priority"),
        "resolution": row.get("Resolution"),
        "components": row.every("Component/s"),
        "fix_versions": row.every("Fix Version/s"),
    }
    return {name: value for name, value in values.items() if value}


def import_jira_csv_file(
    session: Session, path: Path, *, time_zone: str, source_name: str = "jira"
) -> ImportSummary:
    """Parse and validate the whole export, then upsert its items into the source."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportFormatError(
            f"unknown time zone {time_zone!r}; use an IANA name such as Europe/Berlin", file=path
        ) from None
    context = SourceContext.open(session, SourceKind.JIRA, source_name)
    items = read_jira_csv(path, zone=zone, workflow=context.workflow, config=context.config)
    context.ensure(session)
    summary = context.summary()
    summary.records["work_items"] = save_work_items(
        session,
        summary.source_id,
        items,
        workflow=context.workflow,
        links=context.links(session),
        keep_starts=True,
    )
    return summary
