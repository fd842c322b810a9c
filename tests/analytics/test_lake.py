"""The event lake: the log, compaction, torn writes, several writer processes."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

from prodloop.analytics.lake import EventLake
from prodloop.analytics.normalize import build_record
from prodloop.analytics.schemas import EventRecord


def record(uuid: str, when: str = "2025-01-01T10:00:00+00:00") -> EventRecord:
    """A minimal stored event."""
    return build_record(
        uuid=uuid,
        event="clicked",
        distinct_id="u",
        timestamp=datetime.fromisoformat(when),
        properties={"$os": "Linux"},
        now=datetime.now(UTC),
        sent_at=None,
        source="test",
        project="p",
    )


def _writer(root: str, worker: int) -> None:
    lake = EventLake(root)
    for batch in range(20):
        lake.append([record(f"w{worker}-{batch}-{i}") for i in range(25)])
        if batch % 7 == 0:
            lake.compact()
    lake.seal()


def test_empty_lake_answers_queries(lake: EventLake) -> None:
    assert lake.count() == 0
    assert lake.query("SELECT count(*) FROM events WHERE os = 'Linux'") == [(0,)]


def test_compaction_partitions_by_event_date(lake: EventLake) -> None:
    lake.append([record("a"), record("b", "2025-01-02T23:59:59+00:00"), record("a")])
    summary = lake.compact()
    assert (summary.segments, summary.events_written, summary.duplicates_dropped) == (1, 2, 1)
    partitions = sorted(p.parent.name for p in lake.parquet_files())
    assert partitions == ["date=2025-01-01", "date=2025-01-02"]
    assert lake.query("SELECT uuid, os FROM events ORDER BY uuid") == [
        ("a", "Linux"),
        ("b", "Linux"),
    ]


def test_a_torn_last_line_is_skipped(lake: EventLake) -> None:
    lake.append([record("whole")])
    lake.seal()
    (segment,) = lake.wal_segments()
    with segment.open("ab") as handle:  # what a crash in the middle of a write leaves
        handle.write(b'{"uuid":"torn","event":"cli')
    assert lake.query("SELECT uuid FROM events") == [("whole",)]
    lake.compact()
    assert lake.query("SELECT uuid FROM events") == [("whole",)]


def test_several_processes_write_and_compact_at_once(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), n)) for n in range(3)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    lake = EventLake(tmp_path)
    assert lake.count() == 3 * 20 * 25
    lake.compact()
    assert lake.wal_segments() == []
    assert lake.count() == 1500
