"""Feature adoption: the insight against a brute-force reference, and its service, API and CLI."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from prodloop.analytics import usage
from prodloop.analytics.insights.adoption import (
    AdoptionQuery,
    FeatureUsage,
    UsageEvent,
    percentile,
    run_adoption,
)
from prodloop.analytics.insights.registry import load_all
from prodloop.analytics.lake import EventLake
from prodloop.analytics.normalize import build_record
from prodloop.analytics.query.engine import memory_engine
from prodloop.cli.main import app as cli
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import NotFoundError, RuleError
from prodloop.ledger.models import AuditEntry, Feature
from prodloop.ledger.schemas import FeatureIn
from prodloop.ledger.stages import Stage
from prodloop.settings import Settings
from prodloop.store import make_engine, make_session_factory, unit_of_work
from tests.conftest import seed_small_ledger

TZ = "Europe/Berlin"
ACCOUNTS = [
    {"account_id": "1", "name": "A", "segment": "smb", "arr": 5_000.0, "arr_band": "<10k"},
    {"account_id": "2", "name": "B", "segment": "enterprise", "arr": 90_000.0, "arr_band": "50k+"},
    {"account_id": "3", "name": "C", "segment": "smb", "arr": 7_000.0, "arr_band": "<10k"},
]
USES = [
    UsageEvent(event="report_exported", properties={"format": "csv"}),
    UsageEvent(event="report_scheduled"),
]
NAMES = ["pageview", "report_exported", "report_scheduled", "other"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The app's settings on the backend under test, with its own event lake."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key",
        lake_compact_seconds=0.0,
    )


# --- a brute-force reference ------------------------------------------------------------------


def local_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(TZ)).date()


def is_use(row: dict[str, Any]) -> bool:
    for use in USES:
        if row["event"] == use.event and all(
            str(row["properties"].get(k)) == v and k in row["properties"]
            for k, v in use.properties.items()
        ):
            return True
    return False


def reference(
    events: list[dict[str, Any]],
    *,
    unit: str,
    first: date,
    last: date,
    launch: date | None,
    step: int,
    weeks: int,
) -> dict[str, Any]:
    """Every figure of the adoption insight, computed by the definitions, event by event."""
    key = "person_id" if unit == "person" else "account_id"
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in events:
        if row.get(key) is not None and local_day(row["timestamp"]) <= last:
            by_unit[row[key]].append(row)
    active, adopters, first_use, first_seen, account = set(), set(), {}, {}, {}
    anchors: dict[str, tuple[bool, date]] = {}
    days: dict[str, set[date]] = defaultdict(set)
    for name, rows in by_unit.items():
        rows.sort(key=lambda r: r["timestamp"])
        inside = [r for r in rows if local_day(r["timestamp"]) >= first]
        if not inside:
            continue
        active.add(name)
        days[name] = {local_day(r["timestamp"]) for r in inside}
        first_seen[name] = rows[0]["timestamp"]
        accounts = [r["account_id"] for r in rows if r.get("account_id") is not None]
        account[name] = max(accounts) if accounts else None
        uses = [r for r in rows if is_use(r)]
        if uses:
            first_use[name] = uses[0]["timestamp"]
        used_inside = [r for r in inside if is_use(r)]
        if used_inside:
            adopters.add(name)
            anchors[name] = (True, local_day(used_inside[0]["timestamp"]))
        else:
            anchors[name] = (False, local_day(inside[0]["timestamp"]))
    anchor = launch
    if anchor is None and first_use:
        anchor = min(local_day(t) for t in first_use.values())
    curve = []
    if anchor is not None and last >= anchor:
        for period in range((last - anchor).days // step + 1):
            total = sum(
                1
                for name in active
                if name in first_use
                and max(0, (local_day(first_use[name]) - anchor).days) // step <= period
            )
            curve.append((period, total, total / len(active)))
    durations = []
    if anchor is not None:
        launch_at = datetime.combine(anchor, datetime.min.time(), ZoneInfo(TZ))
        for name in active:
            if name in first_use and first_use[name] >= launch_at:
                since = max(launch_at, first_seen[name])
                durations.append((first_use[name] - since).total_seconds() / 86400)
    retention = []
    for week in range(weeks + 1):
        row = {}
        for group in (True, False):
            cohort = retained = 0
            for name in active:
                adopted, day = anchors[name]
                start = day + timedelta(days=7 * week)
                if adopted != group or start > last:
                    continue
                cohort += 1
                retained += any(start <= d < start + timedelta(days=7) for d in days[name])
            row[group] = (cohort, retained)
        retention.append(row)
    arr = {a["account_id"]: a["arr"] for a in ACCOUNTS}
    segment = {a["account_id"]: a["segment"] for a in ACCOUNTS}
    by_segment: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name in active:
        value = segment.get(account[name] or "", "(none)")
        by_segment[value][0] += 1
        by_segment[value][1] += name in adopters
    return {
        "active": len(active),
        "adopters": len(adopters),
        "curve": curve,
        "durations": sorted(durations),
        "retention": retention,
        "by_segment": dict(by_segment),
        "adopting_arr": sum(arr.get(a, 0) for a in {account[n] for n in adopters} if a),
        "active_arr": sum(arr.get(a, 0) for a in {account[n] for n in active} if a),
    }


def random_events(rng: random.Random, start: datetime, days: int) -> list[dict[str, Any]]:
    events = []
    for person in range(rng.randint(3, 14)):
        account = rng.choice(["1", "2", "3", None, "9"])
        for _ in range(rng.randint(1, 12)):
            name = rng.choice(NAMES)
            properties: dict[str, Any] = {}
            if name == "report_exported":
                properties["format"] = rng.choice(["csv", "pdf"])
            events.append(
                {
                    "event": name,
                    "timestamp": start + timedelta(minutes=rng.randrange(days * 24 * 60)),
                    "person_id": f"p{person}",
                    "account_id": account,
                    "properties": properties,
                }
            )
    return events


# Windows across both of 2024's clock changes in Berlin (31 March and 27 October).
@pytest.mark.parametrize("seed", range(10))
def test_adoption_matches_brute_force_reference(seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2024, 3, 1, tzinfo=UTC) if seed % 2 else datetime(2024, 10, 1, tzinfo=UTC)
    events = random_events(rng, start, 60)
    first = start.date() + timedelta(days=rng.randint(0, 20))
    last = first + timedelta(days=rng.randint(5, 35))
    launch = None if seed % 3 == 0 else start.date() + timedelta(days=rng.randint(0, 30))
    unit = "account" if seed % 4 == 1 else "person"
    interval = "day" if seed % 5 == 2 else "week"
    query = AdoptionQuery(
        features=[FeatureUsage(key="reports", launch_date=launch, events=USES)],
        date_from=first,
        date_to=last,
        unit=unit,
        curve_interval=interval,
        retention_weeks=4,
    )
    result = run_adoption(memory_engine(events, accounts=ACCOUNTS), query, tz=TZ)
    expected = reference(
        events,
        unit=unit,
        first=first,
        last=last,
        launch=launch,
        step=1 if interval == "day" else 7,
        weeks=4,
    )
    found = result.features[0]
    assert result.active == found.active == expected["active"]
    assert found.adopters == expected["adopters"]
    assert found.adoption_rate == (
        expected["adopters"] / expected["active"] if expected["active"] else None
    )
    assert [(p.period, p.cumulative_adopters) for p in found.curve] == [
        (period, total) for period, total, _ in expected["curve"]
    ]
    assert [p.rate for p in found.curve] == pytest.approx([r for *_, r in expected["curve"]])
    durations = expected["durations"]
    ttfu = found.time_to_first_use
    assert ttfu.count == len(durations)
    assert sum(b.count for b in ttfu.histogram) == len(durations)
    if durations:
        assert ttfu.median_days == pytest.approx(statistics.median(durations))
        assert ttfu.mean_days == pytest.approx(statistics.fmean(durations))
    for week, row in zip(found.retention, expected["retention"], strict=True):
        assert (week.adopters_cohort, week.adopters_retained) == row[True]
        assert (week.non_adopters_cohort, week.non_adopters_retained) == row[False]
    assert {b.value: [b.active, b.adopters] for b in found.by_segment} == expected["by_segment"]
    assert found.adopting_arr == expected["adopting_arr"]
    assert found.active_arr == expected["active_arr"]
    assert "person_events" in result.sql


def test_percentiles_match_the_statistics_module() -> None:
    rng = random.Random(3)
    for size in (1, 2, 5, 17):
        values = sorted(rng.uniform(0, 50) for _ in range(size))
        cuts = statistics.quantiles(values, n=4, method="inclusive") if size > 1 else values * 3
        assert percentile(values, 0.25) == pytest.approx(cuts[0])
        assert percentile(values, 0.5) == pytest.approx(statistics.median(values))
        assert percentile(values, 0.75) == pytest.approx(cuts[2])
    assert percentile([], 0.5) is None


def at(day: str, hour: int = 12) -> datetime:
    """Noon (or ``hour``) local Berlin time on ``day``, as UTC."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=ZoneInfo(TZ))


def test_curves_align_features_launched_months_apart() -> None:
    """Two features launched three months apart: each curve starts at its own launch week."""
    events = [
        {"event": "visit", "timestamp": at("2024-01-01", 10), "person_id": "p1"},
        {"event": "a_used", "timestamp": at("2024-01-03"), "person_id": "p1"},
        {"event": "a_used", "timestamp": at("2024-01-20"), "person_id": "p2"},
        {"event": "b_used", "timestamp": at("2024-04-02"), "person_id": "p1"},
        {"event": "b_used", "timestamp": at("2024-04-19"), "person_id": "p3"},
        {"event": "visit", "timestamp": at("2024-05-30"), "person_id": "p4"},
        {"event": "visit", "timestamp": at("2024-05-30"), "person_id": "p2"},
        {"event": "visit", "timestamp": at("2024-05-30"), "person_id": "p3"},
        {"event": "visit", "timestamp": at("2024-05-30"), "person_id": "p1"},
    ]
    query = AdoptionQuery(
        features=[
            FeatureUsage(
                key="a", launch_date=date(2024, 1, 1), events=[UsageEvent(event="a_used")]
            ),
            FeatureUsage(
                key="b", launch_date=date(2024, 4, 1), events=[UsageEvent(event="b_used")]
            ),
        ],
        date_from=date(2024, 5, 1),
        date_to=date(2024, 5, 31),
    )
    a, b = run_adoption(memory_engine(events), query, tz=TZ).features
    # Nobody used either feature in May: no adopters in the window, yet the curves show
    # the take-up since launch among May's four active people.
    assert (a.active, a.adopters, b.adopters) == (4, 0, 0)
    assert [p.cumulative_adopters for p in a.curve[:4]] == [1, 1, 2, 2]
    assert [p.cumulative_adopters for p in b.curve[:4]] == [1, 1, 2, 2]
    assert a.curve[0].rate == 0.25
    # p1 was first seen on launch day at 10:00 and used it two days and two hours later;
    # p2's first event was the use itself
    assert a.time_to_first_use.median_days == pytest.approx((2 + 2 / 24 + 0) / 2)


def test_usage_before_launch_counts_in_period_zero_and_not_in_time_to_first_use() -> None:
    events = [
        {"event": "x", "timestamp": at("2024-03-20"), "person_id": "beta"},
        {"event": "x", "timestamp": at("2024-04-10"), "person_id": "late"},
        {"event": "visit", "timestamp": at("2024-04-08"), "person_id": "late"},
    ]
    query = AdoptionQuery(
        features=[
            FeatureUsage(key="x", launch_date=date(2024, 4, 1), events=[UsageEvent(event="x")])
        ],
        date_from=date(2024, 3, 1),
        date_to=date(2024, 4, 30),
        curve_interval="day",
    )
    (found,) = run_adoption(memory_engine(events), query, tz=TZ).features
    assert found.curve[0].new_adopters == 1
    assert found.curve[9].new_adopters == 1
    # from "late"'s first event (8 April noon) to first use two days later
    assert found.time_to_first_use.count == 1
    assert found.time_to_first_use.median_days == pytest.approx(2.0)


def test_query_validation_names_the_field() -> None:
    feature = FeatureUsage(key="x", events=[UsageEvent(event="x")])
    with pytest.raises(ValidationError, match="date_to"):
        AdoptionQuery(features=[feature], date_from=date(2024, 2, 1), date_to=date(2024, 1, 1))
    with pytest.raises(ValidationError, match="repeat"):
        AdoptionQuery(
            features=[feature, feature], date_from=date(2024, 1, 1), date_to=date(2024, 1, 1)
        )
    with pytest.raises(ValidationError, match="events"):
        FeatureUsage(key="x", events=[])
    assert "adoption" in load_all()


# --- service, API, page, CLI --------------------------------------------------------------------


def test_usage_events_are_set_listed_and_audited(db: Session) -> None:
    ledger.create_workspace(db, name="Acme", time_zone=TZ, actor="a@example.com")
    ledger.create_feature(db, FeatureIn(key="reports", title="Reports"), actor="a@example.com")
    usage.set_usage_events(db, "reports", USES, actor="a@example.com")
    assert [u.event for u in usage.list_usage_events(db, "reports")] == [
        "report_exported",
        "report_scheduled",
    ]
    changed = [UsageEvent(event="report_exported", properties={"format": "pdf"})]
    usage.set_usage_events(db, "reports", changed, actor="b@example.com")
    (row,) = usage.list_usage_events(db, "reports")
    assert row.property_filter == {"format": "pdf"}
    actions = db.execute(
        select(AuditEntry.action, AuditEntry.actor).where(
            AuditEntry.entity_type == "feature_usage_event"
        )
    ).all()
    assert sorted(actions) == [
        ("create", "a@example.com"),
        ("create", "a@example.com"),
        ("delete", "b@example.com"),
        ("update", "b@example.com"),
    ]
    with pytest.raises(NotFoundError) as missing:
        usage.set_usage_events(db, "nope", USES, actor="a@example.com")
    assert missing.value.field == "feature"
    with pytest.raises(RuleError) as twice:
        usage.set_usage_events(db, "reports", [USES[1], USES[1]], actor="a@example.com")
    assert twice.value.field == "events[1].event"
    ledger.create_feature(db, FeatureIn(key="bare", title="Bare"), actor="a@example.com")
    with pytest.raises(RuleError) as unmapped:
        usage.feature_usage(db, "bare")
    assert unmapped.value.field == "usage_events"


def test_launch_date_falls_back_to_the_first_move_to_launched(db: Session) -> None:
    ledger.create_workspace(db, name="Acme", time_zone=TZ, actor="a@example.com")
    feature = ledger.create_feature(
        db,
        FeatureIn(key="f", title="F", stage="building"),
        actor="a@example.com",
        at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    assert usage.launch_date(db, feature) is None
    # 23:30 UTC on 30 June is already 1 July in Berlin
    moved = datetime(2024, 6, 30, 23, 30, tzinfo=UTC)
    ledger.set_stage(db, feature, Stage.LAUNCHED, actor="a@example.com", at=moved)
    feature.launch_date = None  # e.g. a feature imported without one
    assert usage.launch_date(db, feature) == date(2024, 7, 1)
    feature.launch_date = date(2024, 5, 5)
    assert usage.launch_date(db, feature) == date(2024, 5, 5)


def write_events(settings: Settings, rows: list[tuple[str, str, datetime, str | None]]) -> None:
    lake = EventLake(settings)
    records = []
    for number, (event, distinct_id, moment, account) in enumerate(rows):
        properties: dict[str, Any] = {"$groups": {"account": account}} if account else {}
        records.append(
            build_record(
                uuid=f"00000000-0000-4000-8000-{number:012d}",
                event=event,
                distinct_id=distinct_id,
                timestamp=moment,
                properties=properties,
                now=moment,
                sent_at=None,
                source="test",
                project="test",
            )
        )
    lake.append(records)
    lake.compact()


@pytest.fixture
def lake_events(settings: Settings) -> None:
    """Four people in May 2024; two used audit export (one before the window)."""
    write_events(
        settings,
        [
            ("audit_exported", "ada", at("2024-04-20"), None),
            ("visit", "ada", at("2024-05-02"), None),
            ("audit_exported", "bob", at("2024-05-03"), None),
            ("visit", "cy", at("2024-05-04"), None),
            ("visit", "dee", at("2024-05-05"), None),
        ],
    )


def test_api_maps_usage_events_and_reports_adoption(
    admin: TestClient, viewer: TestClient, lake_events: None
) -> None:
    url = "/api/v1/features/audit-export/usage-events"
    assert admin.get(url).json() == {"feature": "audit-export", "events": []}
    unmapped = admin.get("/api/v1/features/audit-export/adoption")
    assert unmapped.status_code == 422
    assert unmapped.json()["error"]["field"] == "usage_events"
    body = {"events": [{"event": "audit_exported"}]}
    assert viewer.put(url, json=body).status_code == 403
    saved = admin.put(url, json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["events"] == [{"event": "audit_exported", "properties": {}}]
    assert admin.put(url, json={"events": [{"event": ""}]}).status_code == 422
    missing = admin.put("/api/v1/features/nope/usage-events", json=body)
    assert missing.status_code == 404
    assert missing.json()["error"]["field"] == "feature"
    result = viewer.get(
        "/api/v1/features/audit-export/adoption",
        params={"date_from": "2024-05-01", "date_to": "2024-05-31", "interval": "day"},
    )
    assert result.status_code == 200, result.text
    (found,) = result.json()["features"]
    assert (found["active"], found["adopters"], found["adoption_rate"]) == (4, 1, 0.25)
    assert found["curve"] == []  # the seeded feature launched today, after the window
    launched = admin.patch("/api/v1/features/audit-export", json={"launch_date": "2024-04-15"})
    assert launched.status_code == 200, launched.text
    result = viewer.get(
        "/api/v1/features/audit-export/adoption",
        params={"date_from": "2024-05-01", "date_to": "2024-05-31", "interval": "day"},
    )
    (found,) = result.json()["features"]
    assert found["anchor_date"] == "2024-04-15"
    assert len(found["curve"]) == 47  # 15 April to 31 May
    assert [p["new_adopters"] for p in found["curve"]][5:19:13] == [1, 1]
    assert found["curve"][-1]["cumulative_adopters"] == 2
    backwards = viewer.get(
        "/api/v1/features/audit-export/adoption",
        params={"date_from": "2024-05-31", "date_to": "2024-05-01"},
    )
    assert backwards.status_code == 422


def test_feature_page_shows_empty_state_then_adoption(
    admin: TestClient, viewer: TestClient, lake_events: None
) -> None:
    page = admin.get("/features/audit-export")
    assert page.status_code == 200
    assert "No usage events mapped" in page.text
    bad = admin.post("/features/audit-export/usage-events", data={"events": "x a"})
    assert bad.status_code == 422
    assert "not a property filter" in bad.text
    saved = admin.post(
        "/features/audit-export/usage-events",
        data={"events": "audit_exported\n"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    shown = viewer.get("/features/audit-export?format=json").json()
    section = shown["adoption"]
    assert section["events"] == [{"event": "audit_exported", "properties": {}}]
    assert section["adoption"]["key"] == "audit-export"
    assert section["accounts"]["active"] == 0  # none of the four people has an account
    assert section["chart"]["layer"]
    html = viewer.get("/features/audit-export").text
    assert 'id="adoption"' in html
    assert "Adoption rate" in html


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, lake_events: None) -> None:
    engine = make_engine(settings.effective_database_url)
    seed_small_ledger(make_session_factory(engine))
    engine.dispose()
    monkeypatch.setenv("PRODLOOP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PRODLOOP_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("COLUMNS", "200")


def test_cli_maps_and_shows_adoption(cli_env: None) -> None:
    runner = CliRunner()
    mapped = runner.invoke(cli, ["adoption", "map", "audit-export", "audit_exported:kind=x"])
    assert mapped.exit_code == 0, mapped.output
    mapped = runner.invoke(cli, ["adoption", "map", "audit-export", "audit_exported"])
    assert "audit_exported" in mapped.output
    shown = runner.invoke(
        cli, ["adoption", "audit-export", "--from", "2024-05-01", "--to", "2024-05-31", "--json"]
    )
    assert shown.exit_code == 0, shown.output
    import json

    (found,) = json.loads(shown.stdout)["features"]
    assert (found["active"], found["adopters"]) == (4, 1)
    table = runner.invoke(cli, ["adoption", "show", "audit-export", "--from", "2024-05-01"])
    assert table.exit_code == 0, table.output
    assert "25.0% of 4 active people" in table.output
    unknown = runner.invoke(cli, ["adoption", "nope"])
    assert unknown.exit_code == 2
    assert "no feature 'nope'" in unknown.output
    bad = runner.invoke(cli, ["adoption", "map", "audit-export", "x:nokey"])
    assert bad.exit_code == 2


def test_deleting_a_feature_deletes_its_usage_events(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        ledger.create_workspace(s, name="Acme", time_zone=TZ, actor="a@example.com")
        ledger.create_feature(s, FeatureIn(key="gone", title="Gone"), actor="a@example.com")
        usage.set_usage_events(s, "gone", USES, actor="a@example.com")
    with unit_of_work(sessions) as s:
        feature = s.execute(select(Feature).where(Feature.key == "gone")).scalar_one()
        ledger.delete_feature(s, feature, actor="a@example.com")
    with unit_of_work(sessions) as s:
        from prodloop.analytics.models import FeatureUsageEvent

        assert s.execute(select(FeatureUsageEvent)).first() is None
