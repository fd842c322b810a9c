"""The event lake: a write-ahead log for new events, Parquet partitions by event date for the rest.

``EventLake.query`` runs DuckDB SQL over a view ``events`` that unions the Parquet files with
the not-yet-compacted log and keeps one row per event ``uuid``, so an event is queryable as
soon as its capture was acknowledged and a resent batch never counts twice.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson

from prodloop.analytics.schemas import COLUMNS, EventRecord
from prodloop.analytics.wal import WalWriter, file_lock, fsync_dir, sealed_segments, segments
from prodloop.settings import Settings

_COLUMN_LIST = ", ".join(f'"{name}"' for name in COLUMNS)
_JSON_COLUMNS = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in COLUMNS.items()) + "}"
_CAST_LIST = ", ".join(f'CAST("{name}" AS {kind}) AS "{name}"' for name, kind in COLUMNS.items())


@dataclass(frozen=True)
class CompactionSummary:
    """What one compaction did."""

    segments: int
    events_written: int
    duplicates_dropped: int


def encode(records: Sequence[EventRecord]) -> bytes:
    """The NDJSON lines the log stores for ``records``."""
    return b"".join(encode_line(record) for record in records)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def encode_line(record: EventRecord) -> bytes:
    """One log line: compact UTF-8 JSON and a newline.

    orjson does the work; a value it refuses (an integer wider than 64 bits, which a file
    import can carry) falls back to the standard library, which writes it exactly.
    """
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return (_ENCODER.encode(record) + "\n").encode()


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _wal_select(paths: Sequence[Path]) -> str:
    return (
        f"SELECT {_COLUMN_LIST} FROM read_json({_sql_list(paths)}, "
        f"format = 'newline_delimited', columns = {_JSON_COLUMNS}, ignore_errors = true) "
        # A crash mid-write leaves a torn last line, which reads as a row of NULLs.
        "WHERE uuid IS NOT NULL AND timestamp IS NOT NULL"
    )


def _parquet_select(paths: Sequence[Path]) -> str:
    return (
        f"SELECT {_CAST_LIST} FROM read_parquet({_sql_list(paths)}, "
        "hive_partitioning = false, union_by_name = true)"
    )


def _empty_select() -> str:
    nulls = ", ".join(f'NULL::{kind} AS "{name}"' for name, kind in COLUMNS.items())
    return f"SELECT {nulls} WHERE false"


def _dedupe(source: str) -> str:
    return (
        f"SELECT * FROM ({source}) "
        "QUALIFY row_number() OVER (PARTITION BY uuid ORDER BY received_at, timestamp) = 1"
    )


class EventLake:
    """The events of one prodloop installation, stored under one directory."""

    def __init__(self, where: Settings | Path | str, *, segment_bytes: int = 64 << 20) -> None:
        root = where.effective_lake_dir if isinstance(where, Settings) else Path(where)
        self.root = root
        self.wal_dir = root / "wal"
        self.parquet_dir = root / "events"
        self.wal_dir.mkdir(parents=True, exist_ok=True)
        self.parquet_dir.mkdir(parents=True, exist_ok=True)
        self._writer = WalWriter(self.wal_dir, segment_bytes=segment_bytes)

    # -- writing -------------------------------------------------------------------------

    def append(self, records: Sequence[EventRecord]) -> int:
        """Store ``records`` durably (fsynced to the log) and return how many."""
        if records:
            self._writer.append(encode(records))
        return len(records)

    def append_encoded(self, lines: bytes) -> None:
        """Store lines already made by ``encode`` durably."""
        if lines:
            self._writer.append(lines)

    def seal(self) -> None:
        """Close this process's log segment so the next compaction takes it."""
        self._writer.seal()

    def compact(self, *, blocking: bool = True) -> CompactionSummary:
        """Fold every sealed log segment into Parquet partitions by event date (UTC)."""
        self.seal()
        with file_lock(self.root / "compact.lock", blocking=blocking) as locked:
            if not locked:
                return CompactionSummary(0, 0, 0)
            with sealed_segments(self.wal_dir) as taken:
                if not taken:
                    return CompactionSummary(0, 0, 0)
                written, dropped = self._fold(taken)
                for path in taken:
                    path.unlink()
                fsync_dir(self.wal_dir)
                return CompactionSummary(len(taken), written, dropped)

    def _fold(self, taken: Sequence[Path]) -> tuple[int, int]:
        """Write the new events of ``taken`` to Parquet; (written, duplicates dropped)."""
        con = self._connection()
        try:
            con.execute(f"CREATE TEMP TABLE incoming AS {_wal_select(taken)}")
            (total,) = _one(con, "SELECT count(*) FROM incoming")
            con.execute(f"CREATE TEMP TABLE fresh AS {_dedupe('SELECT * FROM incoming')}")
            existing = self._partitions_near(con)
            if existing:
                con.execute(
                    "DELETE FROM fresh WHERE uuid IN "
                    f"(SELECT uuid FROM read_parquet({_sql_list(existing)}))"
                )
            (written,) = _one(con, "SELECT count(*) FROM fresh")
            if written:
                self._write_partitions(con)
            return int(written), int(total) - int(written)
        finally:
            con.close()

    def _partitions_near(self, con: duckdb.DuckDBPyConnection) -> list[Path]:
        """Parquet files of the event dates in ``fresh``, and the day either side.

        A resent event carries the same timestamp up to the clock-skew correction, so its
        earlier copy sits in the same partition or a neighbour; anything further away is
        still removed at query time.
        """
        rows = con.execute(
            "SELECT DISTINCT strftime(timestamp::DATE + d, '%Y-%m-%d') FROM fresh, "
            "(VALUES (-1), (0), (1)) days(d)"
        ).fetchall()
        wanted = {f"date={day}" for (day,) in rows}
        return [path for path in self.parquet_files() if path.parent.name in wanted]

    def _write_partitions(self, con: duckdb.DuckDBPyConnection) -> None:
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        try:
            target = str(staging / "out").replace("'", "''")
            con.execute(
                f"COPY (SELECT *, strftime(timestamp, '%Y-%m-%d') AS date FROM fresh "
                f"ORDER BY timestamp) TO '{target}' (FORMAT parquet, PARTITION_BY (date), "
                "FILENAME_PATTERN 'part-{uuid}', COMPRESSION zstd)"
            )
            for produced in sorted((staging / "out").glob("date=*/*.parquet")):
                partition = self.parquet_dir / produced.parent.name
                partition.mkdir(exist_ok=True)
                with open(produced, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(produced, partition / produced.name)
                fsync_dir(partition)
            fsync_dir(self.parquet_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # -- reading -------------------------------------------------------------------------

    def parquet_files(self) -> list[Path]:
        """The compacted Parquet files."""
        return sorted(self.parquet_dir.glob("date=*/*.parquet"))

    def wal_segments(self) -> list[Path]:
        """The log segments not yet compacted."""
        return segments(self.wal_dir)

    def events_sql(self) -> str:
        """The SELECT behind the ``events`` view, for the files present now."""
        # The log is listed before the Parquet files: compaction renames Parquet in before it
        # deletes a segment, so an event is in one list or the other, never neither.
        wal = self.wal_segments()
        files = self.parquet_files()
        parts = []
        if files:
            parts.append(_parquet_select(files))
        if wal:
            parts.append(_wal_select(wal))
        source = " UNION ALL ".join(parts) if parts else _empty_select()
        return _dedupe(source)

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection (UTC) with the ``events`` view over the lake."""
        con = self._connection()
        con.execute(f"CREATE TEMP VIEW events AS {self.events_sql()}")
        return con

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run ``sql`` against the ``events`` view and return its rows."""
        for attempt in range(5):
            con = self.connect()
            try:
                return con.execute(sql, params or []).fetchall()
            except duckdb.IOException:
                # A compaction removed a log segment between listing and reading it.
                if attempt == 4:
                    raise
                time.sleep(0.05)
            finally:
                con.close()
        raise AssertionError("unreachable")

    def count(self) -> int:
        """How many distinct events the lake holds."""
        (total,) = self.query("SELECT count(*) FROM events")[0]
        return int(total)

    @staticmethod
    def _connection() -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:")
        con.execute("SET TimeZone = 'UTC'")
        return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row
