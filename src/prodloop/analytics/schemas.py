"""The shape of a stored event, and the refusal raised when a capture request is bad.

Every source (PostHog, Segment, file imports) is normalised into one flat record whose keys
are the lake's columns; the record is what the write-ahead log stores, one JSON line each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Largest capture request body, compressed or not (the PostHog SDKs assume 5 MiB).
MAX_BATCH_BYTES = 5 * 1024 * 1024
#: Largest single event once normalised (the PostHog SDKs assume 900 KiB).
MAX_EVENT_BYTES = 900 * 1024

#: The lake's columns and their DuckDB types, in view order.
COLUMNS: dict[str, str] = {
    "uuid": "VARCHAR",
    "event": "VARCHAR",
    "distinct_id": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "properties": "JSON",
    "person_set": "JSON",
    "person_set_once": "JSON",
    "groups": "JSON",
    "received_at": "TIMESTAMPTZ",
    "sent_at": "TIMESTAMPTZ",
    "project": "VARCHAR",
    "source": "VARCHAR",
    "current_url": "VARCHAR",
    "browser": "VARCHAR",
    "os": "VARCHAR",
    "lib": "VARCHAR",
    "account_id": "VARCHAR",
}

#: Frequently used properties kept as their own columns: column -> property name.
MATERIALISED: dict[str, str] = {
    "current_url": "$current_url",
    "browser": "$browser",
    "os": "$os",
    "lib": "$lib",
}

EventRecord = dict[str, Any]


@dataclass(frozen=True)
class CaptureRefused(Exception):
    """A capture request refused with an HTTP status and an error naming the field."""

    status: int
    code: str
    message: str
    field: str | None = None
    retry_after: int | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" ({self.field})" if self.field else "")


def invalid(field: str, message: str) -> CaptureRefused:
    """A 400 refusal for ``field``."""
    return CaptureRefused(400, "invalid", f"{field}: {message}", field)
