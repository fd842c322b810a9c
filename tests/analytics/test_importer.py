"""Importing CSV, NDJSON and Parquet event files: mapping, all-or-nothing, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from prodloop.analytics.importer import ImportRejected, import_events
from prodloop.analytics.lake import EventLake

MAPPING = {"event": "action", "distinct_id": "user", "timestamp": "at"}


def test_csv_with_mapping_and_reimport_never_duplicates(tmp_path: Path, lake: EventLake) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "action,user,at,plan\n"
        "signed up,u1,2025-03-30T00:30:00Z,pro\n"
        "report viewed,u1,2025-03-30 02:30:00+02:00,\n"
    )
    seen: list[tuple[int, int | None]] = []
    summary = import_events(lake, path, mapping=MAPPING, progress=lambda d, t: seen.append((d, t)))
    assert (summary.format, summary.rows, summary.events) == ("csv", 2, 2)
    assert seen[-1] == (2, 2)
    import_events(lake, path, mapping=MAPPING)
    rows = lake.query(
        "SELECT event, distinct_id, timestamp::VARCHAR, properties->>'plan', source "
        "FROM events ORDER BY timestamp, event"
    )
    # Both rows name the same instant (one in UTC, one at +02:00).
    assert rows == [
        ("report viewed", "u1", "2025-03-30 00:30:00+00", None, "import"),
        ("signed up", "u1", "2025-03-30 00:30:00+00", "pro", "import"),
    ]


def test_ndjson_keeps_given_uuids_and_properties(tmp_path: Path, lake: EventLake) -> None:
    path = tmp_path / "events.ndjson"
    lines = [
        {
            "uuid": "e1",
            "event": "a",
            "distinct_id": 1,
            "timestamp": 1735689600000,
            "properties": {"$browser": "Safari", "$groups": {"account": "acme"}},
        },
        {"uuid": "e2", "event": "b", "distinct_id": "2", "timestamp": "2025-01-01T00:00:00Z"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    import_events(lake, path)
    assert lake.query(
        "SELECT uuid, distinct_id, browser, account_id FROM events ORDER BY uuid"
    ) == [
        ("e1", "1", "Safari", "acme"),
        ("e2", "2", None, None),
    ]


def test_parquet(tmp_path: Path, lake: EventLake) -> None:
    path = tmp_path / "events.parquet"
    duckdb.sql(
        "COPY (SELECT 'clicked' AS action, 'u' || i AS user, "
        "TIMESTAMP '2025-06-01 12:00:00' + INTERVAL (i) MINUTE AS at, i AS n "
        f"FROM range(1000) t(i)) TO '{path}' (FORMAT parquet)"
    )
    summary = import_events(lake, path, mapping=MAPPING)
    assert summary.events == 1000
    assert lake.query("SELECT count(*), sum((properties->>'n')::INT) FROM events") == [
        (1000, 499500)
    ]


def test_malformed_rows_are_reported_by_number_and_nothing_is_written(
    tmp_path: Path, lake: EventLake
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "action,user,at\nok,u1,2025-01-01T00:00:00Z\n,u2,2025-01-01T00:00:00Z\nok,u3,last tuesday\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_events(lake, path, mapping=MAPPING)
    assert [(e.row, e.field) for e in caught.value.errors] == [(3, "event"), (4, "timestamp")]
    assert "row 3" in str(caught.value)
    assert lake.count() == 0
    bad_json = tmp_path / "bad.ndjson"
    bad_json.write_text('{"event": "a", "distinct_id": "u", "timestamp": "2025-01-01"}\n{oops\n')
    with pytest.raises(ImportRejected) as caught:
        import_events(lake, bad_json)
    assert [e.row for e in caught.value.errors] == [2]
    assert lake.count() == 0
