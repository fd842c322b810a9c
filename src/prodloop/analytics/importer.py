"""Import events from CSV, NDJSON or Parquet files into the lake, all or nothing.

A mapping names the file's column for each lake field (``event``, ``distinct_id``,
``timestamp``, optionally ``uuid`` and ``properties``); every other column becomes a property.
Rows without a ``uuid`` get one derived from their content, so importing a file twice never
duplicates. Any malformed row refuses the whole file, listing each bad row by number.
"""

from __future__ import annotations

import csv
import json
import uuid as uuid_module
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from prodloop.analytics.lake import EventLake
from prodloop.analytics.normalize import build_record, parse_time
from prodloop.analytics.schemas import CaptureRefused, EventRecord

REQUIRED = ("event", "distinct_id", "timestamp")
OPTIONAL = ("uuid", "properties")
IMPORT_NAMESPACE = uuid_module.UUID("6f1c1d3e-8a53-4f5e-9d7b-2f0b8f6c1a11")
MAX_REPORTED_ERRORS = 100

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class RowError:
    """One malformed row: its number (the header is row 1 in a CSV) and what is wrong."""

    row: int
    field: str
    message: str


@dataclass(frozen=True)
class ImportSummary:
    """What an import stored."""

    path: Path
    format: str
    rows: int
    events: int


@dataclass
class ImportRejected(Exception):
    """The file had malformed rows; nothing was written."""

    path: Path
    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        shown = "; ".join(f"row {e.row}: {e.field}: {e.message}" for e in self.errors[:5])
        more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        return f"{self.path}: {len(self.errors)} malformed row(s): {shown}{more}"


def detect_format(path: Path) -> str:
    """``csv``, ``ndjson`` or ``parquet`` from the file name."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        return "csv"
    if suffix in {".ndjson", ".jsonl", ".json"}:
        return "ndjson"
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    raise ValueError(f"{path.name}: unknown event file type {suffix!r} (csv, ndjson, parquet)")


def _rows(path: Path, kind: str) -> Iterator[tuple[int, Any]]:
    """(row number, row) pairs; a row that is not an object is yielded as is."""
    if kind == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle, delimiter="\t" if path.suffix == ".tsv" else ",")
            for row in reader:
                yield reader.line_num, row
    elif kind == "ndjson":
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, exc
    else:
        con = duckdb.connect(":memory:")
        try:
            con.execute("SET TimeZone = 'UTC'")
            cursor = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
            names = [column[0] for column in cursor.description or []]
            number = 0
            while batch := cursor.fetchmany(10_000):
                for values in batch:
                    number += 1
                    yield number, dict(zip(names, values, strict=True))
        finally:
            con.close()


def _time(value: Any, field_name: str) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        return datetime.fromtimestamp(seconds, UTC)
    return parse_time(value, field_name)


def _record(row: Any, mapping: Mapping[str, str], now: datetime) -> EventRecord:
    if isinstance(row, Exception):
        raise ValueError(f"not valid JSON ({row})")
    if not isinstance(row, dict):
        raise ValueError("row must be an object")
    values = {name: row.get(column) for name, column in mapping.items()}
    for name in REQUIRED:
        if values.get(name) in (None, ""):
            raise KeyError(name)
    properties: dict[str, Any] = {}
    if mapping.get("properties"):
        raw = values.get("properties")
        properties = json.loads(raw) if isinstance(raw, str) and raw else (raw or {})
        if not isinstance(properties, dict):
            raise TypeError("properties")
    used = set(mapping.values())
    properties.update({k: v for k, v in row.items() if k not in used and v not in (None, "")})
    timestamp = _time(values["timestamp"], "timestamp")
    properties = json.loads(json.dumps(properties, default=str))
    event_id = values.get("uuid")
    if event_id in (None, ""):
        content = json.dumps(
            [values["event"], str(values["distinct_id"]), timestamp.isoformat(), properties],
            sort_keys=True,
        )
        event_id = str(uuid_module.uuid5(IMPORT_NAMESPACE, content))
    return build_record(
        uuid=str(event_id),
        event=str(values["event"]),
        distinct_id=str(values["distinct_id"]),
        timestamp=timestamp,
        properties=properties,
        now=now,
        sent_at=None,
        source="import",
        project="import",
        person_set=properties.pop("$set", None)
        if isinstance(properties.get("$set"), dict)
        else None,
    )


def _check_mapping(mapping: Mapping[str, str]) -> None:
    unknown = set(mapping) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise ValueError(f"unknown lake field(s) in mapping: {', '.join(sorted(unknown))}")


def import_events(
    lake: EventLake,
    path: Path | str,
    *,
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate every row of ``path`` and then store them all durably; else raise ImportRejected."""
    path = Path(path)
    kind = detect_format(path)
    full = {name: name for name in (*REQUIRED, *OPTIONAL)} | dict(mapping or {})
    _check_mapping(full)
    now = datetime.now(UTC)
    records: list[EventRecord] = []
    errors: list[RowError] = []
    count = 0
    for number, row in _rows(path, kind):
        count += 1
        try:
            records.append(_record(row, full, now))
        except KeyError as exc:
            name = str(exc.args[0])
            errors.append(RowError(number, name, f"column {full[name]!r} is missing or empty"))
        except TypeError as exc:
            errors.append(RowError(number, str(exc), "must be a JSON object"))
        except (ValueError, CaptureRefused) as exc:
            name = exc.field or "timestamp" if isinstance(exc, CaptureRefused) else "row"
            errors.append(RowError(number, name, str(exc)))
        if progress is not None and count % 10_000 == 0:
            progress(count, None)
    if errors:
        raise ImportRejected(path, errors[:MAX_REPORTED_ERRORS])
    lake.append(records)
    if progress is not None:
        progress(count, count)
    return ImportSummary(path, kind, count, len(records))
