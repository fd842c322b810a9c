"""Linear's CSV export: ISO UTC dates, labels comma-joined in one cell, and the moments an
issue was started, completed or canceled as their own columns (so cycle time needs no
history). A cycle is a sprint; a project stands for an epic (map it to a feature with
``epic_features``). An issue created after its cycle began was added mid-cycle; for older
issues when they joined the cycle is unknown.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from prodloop.delivery.facts import StatusCategory
from prodloop.delivery.importers.dates import parse_iso_date, parse_iso_datetime
from prodloop.delivery.importers.persist import save_work_items
from prodloop.delivery.importers.records import ParsedWorkItem, parse_points, unique_labels
from prodloop.delivery.importers.sources import SourceContext
from prodloop.delivery.importers.table import CsvRow, read_csv
from prodloop.delivery.schemas import ImportSummary, SourceConfig, SourceKind
from prodloop.delivery.workflow import Workflow

REQUIRED = ("ID", "Title", "Status", "Created")
DONE_LIKE = (StatusCategory.DONE, StatusCategory.CANCELLED)


def read_linear_csv(
    path: Path, *, workflow: Workflow, config: SourceConfig
) -> list[ParsedWorkItem]:
    """Every row of the export as a parsed work item; raises on the first bad cell."""
    _, rows = read_csv(path, required=REQUIRED)
    return [_item(row, workflow, config) for row in rows]


def _hint(started: object, completed: object, canceled: object) -> StatusCategory:
    if canceled:
        return StatusCategory.CANCELLED
    if completed:
        return StatusCategory.DONE
    return StatusCategory.IN_PROGRESS if started else StatusCategory.TODO


def _finish(
    row: CsvRow, workflow: Workflow, status: str, started: datetime | None
) -> tuple[StatusCategory, datetime | None]:
    """The status's category and when the issue was completed or canceled."""
    completed = row.parsed(parse_iso_datetime, "Completed")
    canceled = row.parsed(parse_iso_datetime, "Canceled")
    category = workflow.category(status, _hint(started, completed, canceled))
    if category is StatusCategory.CANCELLED:
        return category, canceled or completed
    return category, completed


def _item(row: CsvRow, workflow: Workflow, config: SourceConfig) -> ParsedWorkItem:
    key = row.get("ID")
    if not key:
        raise row.error("an issue needs an ID", "ID")
    created = row.parsed(parse_iso_datetime, "Created")
    if created is None:
        raise row.error("an issue needs a creation date", "Created")
    started = row.parsed(parse_iso_datetime, "Started")
    updated = row.parsed(parse_iso_datetime, "Updated")
    status = row.get("Status")
    category, finished = _finish(row, workflow, status, started)
    cycle_start = row.parsed(parse_iso_datetime, "Cycle Start")
    cycle = row.get("Cycle Name") or (
        f"Cycle {row.get('Cycle Number')}" if row.get("Cycle Number") else ""
    )
    return ParsedWorkItem(
        key=key,
        title=row.get("Title"),
        item_type="Issue",
        status=status,
        category=category,
        created_at=created,
        started_at=started if category is not StatusCategory.TODO else None,
        done_at=(finished or updated) if category in DONE_LIKE else None,
        cancelled=category is StatusCategory.CANCELLED,
        due_date=row.parsed(parse_iso_date, "Due Date"),
        assignee=row.get("Assignee") or None,
        team=row.get("Team") or config.default_team,
        labels=unique_labels(row.get("Labels").split(",")),
        points=row.parsed(parse_points, "Estimate"),
        parent_key=row.get("Parent issue") or None,
        epic_key=row.get("Project") or None,
        sprint=cycle or None,
        sprint_started_at=cycle_start if cycle else None,
        added_to_sprint_at=created if cycle_start and created > cycle_start else None,
        url=f"{config.base_url.rstrip('/')}/issue/{key}" if config.base_url else None,
        source_updated_at=updated,
        raw={
            k: v for k, v in {"priority": row.get("Priority"), "uuid": row.get("UUID")}.items() if v
        },
    )


def import_linear_csv_file(session: Session, path: Path, *, source_name: str) -> ImportSummary:
    """Parse and validate the whole export, then upsert its items into the source."""
    context = SourceContext.open(session, SourceKind.LINEAR, source_name)
    items = read_linear_csv(path, workflow=context.workflow, config=context.config)
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
