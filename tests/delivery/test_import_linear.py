"""Linear's CSV export: timestamps straight from Started / Completed / Canceled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prodloop.delivery import service
from prodloop.delivery.models import DeliverySource, WorkItem

LINEAR_CSV = Path(__file__).parents[1] / "data" / "delivery" / "linear_export.csv"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_linear_rows_become_work_items(db: Session) -> None:
    summary = service.import_linear_csv(db, LINEAR_CSV)
    assert summary.kind == "linear"
    assert summary.records["work_items"].created == 4
    items = {f.key: f for f in service.load_work_items(db)}
    done = items["GRO-101"]
    assert done.started_at == utc(2025, 6, 3, 8, 30)
    assert done.done_at == utc(2025, 6, 10, 16, 3, 10, 512000)
    assert done.labels == ("Frontend", "Pricing")  # one comma-joined cell
    assert done.points == 3.0
    assert done.team == "Growth"
    assert done.epic == "Usage billing"  # the project stands for the epic
    assert done.due_date == date(2025, 6, 13)
    assert done.sprint == "Cycle 14"
    assert done.sprint_started_at == utc(2025, 6, 2)
    assert done.added_to_sprint_at is None  # created before the cycle: unknown
    bug = items["GRO-102"]
    assert bug.unplanned
    assert bug.done_at is None
    assert bug.added_to_sprint_at == utc(2025, 6, 5, 11, 0)  # created inside the cycle
    canceled = items["GRO-103"]
    assert canceled.cancelled
    assert canceled.done_at == utc(2025, 6, 1, 10, 0)
    assert items["GRO-104"].started_at is None


def test_linear_reimport_is_idempotent(db: Session) -> None:
    service.import_linear_csv(db, LINEAR_CSV)
    again = service.import_linear_csv(db, LINEAR_CSV)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert db.execute(select(func.count()).select_from(WorkItem)).scalar_one() == 4


def test_linear_status_change_updates(db: Session, tmp_path: Path) -> None:
    service.import_linear_csv(db, LINEAR_CSV)
    text = LINEAR_CSV.read_text()
    old = (
        "GRO-104,Growth,Experiment: annual plan discount banner,,Todo,,Medium,,,Ada Lovelace,"
        ",,,,,,2025-06-11T10:00:00.000Z,2025-06-11T10:00:00.000Z,"
    )
    assert old in text
    new = old.replace(",Todo,", ",In Progress,").replace(
        "2025-06-11T10:00:00.000Z,2025-06-11T10:00:00.000Z,",
        "2025-06-11T10:00:00.000Z,2025-06-12T09:00:00.000Z,2025-06-12T09:00:00.000Z",
    )
    newer = tmp_path / "newer.csv"
    newer.write_text(text.replace(old, new))
    summary = service.import_linear_csv(db, newer)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 3)
    item = next(f for f in service.load_work_items(db) if f.key == "GRO-104")
    assert item.started_at == utc(2025, 6, 12, 9, 0)


def test_linear_bad_date_names_row_and_column(db: Session, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(LINEAR_CSV.read_text().replace("2025-06-03T08:30:00.000Z", "June 3rd"))
    with pytest.raises(service.ImportFormatError) as caught:
        service.import_linear_csv(db, broken)
    assert caught.value.record is not None
    assert caught.value.record.startswith("row 1 ")
    assert caught.value.field == "Started"
    assert db.execute(select(DeliverySource)).first() is None
