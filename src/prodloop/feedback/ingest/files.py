"""Reading feedback files (CSV in UTF-8 or UTF-16, JSON, NDJSON) into numbered rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FORMATS = ("csv", "json", "ndjson")
_LIST_KEYS = ("items", "tickets", "conversations", "reviews", "data", "responses", "results")


def detect_format(path: Path, source: str) -> str:
    """The file format: the source's own name for generic sources, else the file extension."""
    if source in FORMATS:
        return source
    suffix = path.suffix.lower().lstrip(".")
    if suffix in {"jsonl", "ndjson"}:
        return "ndjson"
    if suffix == "json":
        return "json"
    return "csv"


def decode(raw: bytes) -> str:
    """Text from bytes: UTF-16 when a BOM says so (Google Play's exports), else UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def read_rows(text: str, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each record with its row number as a person counts it (CSV: header is row 1)."""
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        for index, row in enumerate(reader, start=2):
            yield index, {str(k).strip(): v for k, v in row.items() if k is not None}
    elif fmt == "ndjson":
        for index, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield index, _object(line, index)
    elif fmt == "json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as bad:
            raise ValueError(f"not valid JSON: {bad.msg} (line {bad.lineno})") from None
        if isinstance(document, dict):
            document = next(
                (document[key] for key in _LIST_KEYS if isinstance(document.get(key), list)),
                [document],
            )
        if not isinstance(document, list):
            raise ValueError("a JSON file must hold a list of objects")
        for index, record in enumerate(document, start=1):
            yield index, record if isinstance(record, dict) else {"__invalid__": record}
    else:
        raise ValueError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")


def _object(line: str, index: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as bad:
        return {"__invalid__": f"not valid JSON: {bad.msg}"}
    return record if isinstance(record, dict) else {"__invalid__": "not a JSON object"}
