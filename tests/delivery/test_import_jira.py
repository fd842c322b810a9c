"""Jira imports: the all-fields CSV exactly as Jira writes it, and REST JSON with changelog."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from prodloop.delivery import service
from prodloop.delivery.facts import StatusCategory
from prodloop.delivery.models import DeliverySource, DueDateChangeRow, StatusTransition, WorkItem
from prodloop.delivery.schemas import SourceConfig
from prodloop.store import unit_of_work
from tests.conftest import seed_small_ledger

DATA = Path(__file__).parents[1] / "data" / "delivery"
JIRA_CSV = DATA / "jira_all_fields.csv"
JIRA_JSON = DATA / "jira_search_changelog.json"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def items_by_key(session: Session) -> dict[str, WorkItem]:
    return {item.key: item for item in session.execute(select(WorkItem)).scalars()}


def count(session: Session, model: type[Any]) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


# --- the CSV -------------------------------------------------------------------------------


def test_fixture_is_written_the_way_jira_writes_it() -> None:
    raw = JIRA_CSV.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    header = raw.split(b"\r\n", 1)[0].decode("utf-8-sig").split(",")
    assert header.count("Labels") == 3
    assert header.count("Sprint") == 2


def test_jira_csv_rows_become_work_items(db: Session) -> None:
    summary = service.import_jira_csv(db, JIRA_CSV, time_zone="Europe/Berlin")
    assert summary.records["work_items"].created == 7
    items = items_by_key(db)
    story = items["PAY-2"]
    assert story.title == "Meter API calls per workspace"
    assert story.item_type == "Story"
    assert story.status_category == StatusCategory.DONE
    assert story.labels == ["backend", "billing"]  # from repeated Labels columns
    assert story.sprint == "PAY Sprint 2"  # the last of the repeated Sprint columns
    assert story.points == 5.0
    assert story.parent_key == "PAY-1"  # the export gives the parent's id, 10001
    assert story.epic_key == "PAY-1"
    assert story.due_date == date(2025, 3, 28)
    assert story.raw["fix_versions"] == ["2025.04"]
    bug = items["PAY-3"]
    assert bug.unplanned
    assert bug.started_at == utc(2025, 7, 14, 13, 42)  # 14/Jul/2025 15:42 in Berlin (CEST)
    assert bug.done_at is None
    assert not items["PAY-2"].unplanned
    assert items["PAY-7"].epic_key == "PAY-1"  # sub-task → story → epic


def test_locale_dates_are_read_in_the_time_zone_across_a_dst_change(db: Session) -> None:
    service.import_jira_csv(db, JIRA_CSV, time_zone="Europe/Berlin")
    items = items_by_key(db)
    # 30 March 2025 is the day Berlin moves from CET (+1) to CEST (+2).
    assert items["PAY-2"].done_at == utc(2025, 3, 30, 13, 42)  # 30/Mar/25 3:42 PM, after
    assert items["PAY-7"].started_at == utc(2025, 3, 29, 14, 42)  # 29/Mar/25 3:42 PM, before
    assert items["PAY-1"].created_at == utc(2025, 3, 3, 8, 15)  # 03/Mar/25 9:15 AM
    # 26 October 2025, 2:30 AM happens twice in Berlin: the first (CEST) is taken.
    assert items["PAY-6"].started_at == utc(2025, 10, 26, 0, 30)


def test_time_zone_defaults_to_the_workspace(sessions: sessionmaker[Session]) -> None:
    seed_small_ledger(sessions)  # workspace in Europe/Berlin
    with unit_of_work(sessions) as session:
        service.import_jira_csv(session, JIRA_CSV)
    with sessions() as session:
        assert items_by_key(session)["PAY-1"].created_at == utc(2025, 3, 3, 8, 15)


def test_other_time_zone_shifts_the_same_wall_times(db: Session) -> None:
    service.import_jira_csv(db, JIRA_CSV, time_zone="America/New_York")
    assert items_by_key(db)["PAY-1"].created_at == utc(2025, 3, 3, 14, 15)


def test_unknown_time_zone_is_an_import_error(db: Session) -> None:
    with pytest.raises(service.ImportFormatError, match="unknown time zone"):
        service.import_jira_csv(db, JIRA_CSV, time_zone="Mars/Olympus_Mons")


def test_cancelled_by_resolution_and_unknown_status_by_category_column(db: Session) -> None:
    service.import_jira_csv(db, JIRA_CSV, time_zone="UTC")
    items = items_by_key(db)
    wont_do = items["PAY-5"]  # status Done, resolution Won't Do
    assert wont_do.cancelled
    assert wont_do.status_category == StatusCategory.CANCELLED
    assert wont_do.done_at == utc(2025, 6, 20, 16, 0)
    vendor = items["PAY-6"]  # "Waiting for Vendor" is unknown; its Status Category says In Progress
    assert vendor.status_category == StatusCategory.IN_PROGRESS


def test_importing_the_same_file_twice_changes_nothing(db: Session) -> None:
    first = service.import_jira_csv(db, JIRA_CSV, time_zone="Europe/Berlin")
    second = service.import_jira_csv(db, JIRA_CSV, time_zone="Europe/Berlin")
    assert (first.created, first.updated, first.unchanged) == (7, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 7)
    assert count(db, WorkItem) == 7
    assert count(db, DeliverySource) == 1


def _rewrite(source: Path, target: Path, replacements: list[tuple[str, str]]) -> Path:
    text = source.read_text(encoding="utf-8-sig")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    target.write_text(text, encoding="utf-8-sig", newline="")
    return target


def test_a_newer_export_updates_and_keeps_the_start_it_saw(db: Session, tmp_path: Path) -> None:
    service.import_jira_csv(db, JIRA_CSV, time_zone="UTC")
    started = items_by_key(db)["PAY-3"].started_at
    newer = _rewrite(
        JIRA_CSV,
        tmp_path / "newer.csv",
        [
            (
                "PAY-3,10003,Bug,In Review,In Progress,14/Jul/2025 15:42",
                "PAY-3,10003,Bug,Done,Done,16/Jul/25 10:00 AM",
            ),
            ("Highest,,Alan Turing", "Highest,Done,Alan Turing"),
            (
                "12/Jul/25 8:05 AM,14/Jul/25 3:50 PM,,,",
                "12/Jul/25 8:05 AM,16/Jul/25 10:00 AM,,16/Jul/25 10:00 AM,",
            ),
        ],
    )
    summary = service.import_jira_csv(db, newer, time_zone="UTC")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 6)
    db.expire_all()
    bug = items_by_key(db)["PAY-3"]
    assert bug.status == "Done"
    assert bug.done_at == utc(2025, 7, 16, 10, 0)
    assert bug.started_at == started  # a CSV of a done item cannot say; the earlier one stays
    assert count(db, WorkItem) == 7
    older = service.import_jira_csv(db, JIRA_CSV, time_zone="UTC")
    assert older.updated == 0  # an older export never overwrites a newer one
    db.expire_all()
    assert items_by_key(db)["PAY-3"].status == "Done"


def test_bad_date_names_row_and_column_and_writes_nothing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    broken = _rewrite(
        JIRA_CSV,
        tmp_path / "broken.csv",
        [("01/Jul/25 12:30 PM,01/Jul/25", "01/Jly/25 12:30 PM,01/Jul/25")],
    )
    with pytest.raises(service.ImportFormatError) as caught, unit_of_work(sessions) as session:
        service.import_jira_csv(session, broken, time_zone="UTC")
    error = caught.value
    assert error.record is not None
    assert error.record.startswith("row 4")
    assert error.field == "Created"
    assert "broken.csv" in str(error)
    assert "'Created'" in str(error)
    assert "Jly" in str(error)
    with sessions() as session:
        assert count(session, WorkItem) == 0
        assert count(session, DeliverySource) == 0


def test_older_headers_and_four_digit_years(db: Session, tmp_path: Path) -> None:
    older = _rewrite(
        JIRA_CSV,
        tmp_path / "older.csv",
        [(",Due date,", ",Due Date,"), ("04/Mar/25 11:20 AM", "04/Mar/2025 11:20")],
    )
    service.import_jira_csv(db, older, time_zone="UTC")
    story = items_by_key(db)["PAY-2"]
    assert story.due_date == date(2025, 3, 28)
    assert story.created_at == utc(2025, 3, 4, 11, 20)


def test_missing_key_column_is_reported(db: Session, tmp_path: Path) -> None:
    broken = _rewrite(JIRA_CSV, tmp_path / "nokey.csv", [("Summary,Issue key,", "Summary,Key,")])
    with pytest.raises(service.ImportFormatError, match=r"missing column.*Issue key"):
        service.import_jira_csv(db, broken, time_zone="UTC")


def test_multi_line_description_does_not_break_rows(db: Session, tmp_path: Path) -> None:
    copy = tmp_path / "export.csv"
    shutil.copy(JIRA_CSV, copy)
    service.import_jira_csv(db, copy, time_zone="UTC")
    assert sorted(items_by_key(db)) == [f"PAY-{n}" for n in range(1, 8)]


def test_csv_items_link_to_ledger_features_people_and_teams(
    sessions: sessionmaker[Session],
) -> None:
    seed_small_ledger(sessions)
    with unit_of_work(sessions) as session:
        source = DeliverySource(
            kind="jira",
            name="jira",
            config=SourceConfig(
                epic_features={"PAY-1": "usage-billing"}, project_teams={"PAY": "growth"}
            ).model_dump(mode="json"),
        )
        session.add(source)
        session.flush()
        service.import_jira_csv(session, JIRA_CSV, time_zone="UTC")
    with sessions() as session:
        facts = {f.key: f for f in service.load_work_items(session)}
    assert facts["PAY-4"].feature == "sso"  # [sso] in the title
    assert facts["PAY-6"].feature == "audit-export"  # feature:audit-export label
    assert facts["PAY-1"].feature == "usage-billing"  # the epic mapping, for the epic itself
    assert facts["PAY-2"].feature == "usage-billing"  # and its children
    assert facts["PAY-7"].feature == "usage-billing"
    assert facts["PAY-3"].feature is None
    assert facts["PAY-4"].assignee == "grace@example.com"  # a unique name in the ledger
    assert facts["PAY-4"].team == "growth"


# --- REST JSON -----------------------------------------------------------------------------


def test_rest_changelog_gives_status_history_and_cycle_times(db: Session) -> None:
    summary = service.import_jira_json(db, JIRA_JSON)
    assert summary.records["work_items"].created == 4
    facts = {f.key: f for f in service.load_work_items(db)}
    story = facts["PAY-10"]
    assert story.started_at == utc(2025, 6, 5, 7, 15)  # first move to In Progress
    assert story.done_at == utc(2025, 7, 3, 15, 20, 5, 100000)
    assert [s.to_status for s in story.status_history] == [
        "To Do",
        "In Progress",
        "In Review",
        "Done",
    ]
    assert story.status_history[0].at == story.created_at
    assert story.points == 8.0
    assert story.epic == "PAY-1"
    assert story.assignee == "ada@example.com"
    reopened = facts["PAY-11"]
    assert reopened.started_at == utc(2025, 6, 10, 6, 30)
    assert reopened.done_at == utc(2025, 6, 14, 10, 0)  # the last time it entered a done status
    assert reopened.unplanned


def test_rest_due_date_redatings_are_kept(db: Session) -> None:
    service.import_jira_json(db, JIRA_JSON)
    story = next(f for f in service.load_work_items(db) if f.key == "PAY-10")
    assert story.due_date == date(2025, 7, 4)
    assert [(c.from_date, c.to_date) for c in story.due_changes] == [
        (None, date(2025, 6, 20)),
        (date(2025, 6, 20), date(2025, 6, 27)),
        (date(2025, 6, 27), date(2025, 7, 4)),
    ]


def test_rest_sprints_and_mid_sprint_additions(db: Session) -> None:
    service.import_jira_json(db, JIRA_JSON)
    facts = {f.key: f for f in service.load_work_items(db)}
    carried = facts["PAY-10"]  # carried over from Sprint 5 into the active Sprint 6
    assert carried.sprint == "PAY Sprint 6"
    assert carried.added_to_sprint_at == carried.sprint_started_at == utc(2025, 6, 16, 7, 0)
    added = facts["PAY-12"]  # created into the running sprint
    assert added.sprint_started_at is not None
    assert added.added_to_sprint_at is not None
    assert added.added_to_sprint_at > added.sprint_started_at


def test_rest_team_changes_and_cancelled_duplicates(db: Session) -> None:
    source = DeliverySource(
        kind="jira_rest", name="jira", config={"team_field": "customfield_10001"}
    )
    db.add(source)
    db.flush()
    service.import_jira_json(db, JIRA_JSON)
    facts = {f.key: f for f in service.load_work_items(db)}
    assert facts["PAY-11"].team == "Platform"
    assert facts["PAY-11"].team_history == ("Payments", "Platform")
    assert facts["PAY-10"].team_history == ("Payments",)
    assert facts["PAY-13"].cancelled


def test_rest_accepts_a_single_issue_and_a_list(db: Session, tmp_path: Path) -> None:
    issues = json.loads(JIRA_JSON.read_text())["issues"]
    single, listed = tmp_path / "one.json", tmp_path / "many.json"
    single.write_text(json.dumps(issues[0]))
    listed.write_text(json.dumps(issues[1:]))
    assert service.import_jira_json(db, single).created == 1
    assert service.import_jira_json(db, listed).created == 3
    assert service.import_jira_json(db, JIRA_JSON).unchanged == 4


def test_rest_import_is_idempotent_and_incremental(db: Session, tmp_path: Path) -> None:
    service.import_jira_json(db, JIRA_JSON)
    again = service.import_jira_json(db, JIRA_JSON)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    transitions = count(db, StatusTransition)
    data = json.loads(JIRA_JSON.read_text())
    issue = data["issues"][2]  # PAY-12, To Do → In Progress
    issue["fields"]["status"] = {
        "name": "In Progress",
        "statusCategory": {"key": "indeterminate", "name": "In Progress"},
    }
    issue["fields"]["updated"] = "2025-06-18T09:00:00.000+0200"
    issue["changelog"]["histories"].append(
        {
            "id": "20201",
            "created": "2025-06-18T09:00:00.000+0200",
            "items": [{"field": "status", "fromString": "To Do", "toString": "In Progress"}],
        }
    )
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(data))
    summary = service.import_jira_json(db, newer)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 3)
    assert count(db, StatusTransition) == transitions + 1
    assert count(db, DueDateChangeRow) == 3
    item = items_by_key(db)["PAY-12"]
    db.refresh(item)
    assert item.started_at == utc(2025, 6, 18, 7, 0)


def test_rest_bad_timestamp_names_issue_and_field(db: Session, tmp_path: Path) -> None:
    data = json.loads(JIRA_JSON.read_text())
    data["issues"][1]["changelog"]["histories"][2]["created"] = "yesterday"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(service.ImportFormatError) as caught:
        service.import_jira_json(db, broken)
    assert caught.value.record == "issue 2 (PAY-11)"
    assert caught.value.field == "changelog.histories[2].created"
    assert count(db, WorkItem) == 0


def test_rest_rejects_what_is_not_jira(db: Session, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"hello": "world"}')
    with pytest.raises(service.ImportFormatError, match="issues"):
        service.import_jira_json(db, wrong)
    wrong.write_text("{not json")
    with pytest.raises(service.ImportFormatError, match="not valid JSON"):
        service.import_jira_json(db, wrong)
