"""Capture: decode, authenticate, validate, rate-limit and durably store what SDKs send.

The service is framework-free; ``prodloop.web.capture`` adapts it to HTTP. A request is
answered only after its events are fsynced to the lake's write-ahead log.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from prodloop.analytics.keys import KeyRing, ProjectKey
from prodloop.analytics.lake import EventLake, encode_line
from prodloop.analytics.normalize import posthog_events, posthog_records, segment_records
from prodloop.analytics.ratelimit import RateLimiter
from prodloop.analytics.schemas import (
    MAX_BATCH_BYTES,
    MAX_EVENT_BYTES,
    CaptureRefused,
    EventRecord,
    invalid,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def decode_body(raw: bytes, *, gzipped: bool) -> Any:
    """The JSON document in ``raw``, gunzipped when asked or when it starts like gzip."""
    if gzipped or raw[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(wbits=47)  # gzip or zlib, detected from the header
        try:
            raw = inflater.decompress(raw, MAX_BATCH_BYTES + 1)
        except zlib.error:
            raise invalid("body", "is not valid gzip") from None
        if len(raw) > MAX_BATCH_BYTES or inflater.unconsumed_tail:
            raise CaptureRefused(
                413, "body_too_large", f"body exceeds {MAX_BATCH_BYTES} bytes unzipped", "body"
            )
    if not raw.strip():
        raise invalid("body", "is empty")
    try:
        # orjson reads integers wider than 64 bits as floats and refuses NaN, as JSON does.
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise invalid("body", f"is not valid JSON ({exc})") from None


def basic_auth_user(header: str | None) -> str | None:
    """The user part of an ``Authorization: Basic`` header (Segment's write key)."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.split(":", 1)[0] or None


class CaptureService:
    """Stores PostHog and Segment payloads in an ``EventLake``."""

    def __init__(
        self,
        lake: EventLake,
        keys: KeyRing,
        limiter: RateLimiter,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.lake = lake
        self.keys = keys
        self.limiter = limiter
        self.clock = clock

    def posthog(self, raw: bytes, *, gzipped: bool) -> int:
        """Store a PostHog capture body; returns the number of events stored."""
        body = decode_body(raw, gzipped=gzipped)
        _events, _prefix, secret, _sent_at = posthog_events(body)
        key = self._authenticate(secret, "api_key")
        records = posthog_records(body, now=self.clock(), project=key.key_id)
        return self._store(key, records)

    def segment(self, raw: bytes, *, gzipped: bool, kind: str | None, auth: str | None) -> int:
        """Store a Segment body (``kind`` None for ``/v1/batch``); returns the events stored."""
        body = decode_body(raw, gzipped=gzipped)
        secret = basic_auth_user(auth)
        if secret is None and isinstance(body, dict):
            secret = body.get("writeKey")
        key = self._authenticate(secret, "writeKey")
        records = segment_records(body, kind=kind, now=self.clock(), project=key.key_id)
        return self._store(key, records)

    def _authenticate(self, secret: Any, field: str) -> ProjectKey:
        if not isinstance(secret, str) or not secret:
            raise CaptureRefused(401, "missing_api_key", f"{field} is required", field)
        key = self.keys.authenticate(secret)
        if key is None:
            raise CaptureRefused(
                401, "invalid_api_key", f"{field} is not an active project API key", field
            )
        return key

    def _store(self, key: ProjectKey, records: list[EventRecord]) -> int:
        lines = []
        for index, record in enumerate(records):
            line = encode_line(record)
            if len(line) > MAX_EVENT_BYTES:
                field = f"batch[{index}]" if len(records) > 1 else "event"
                message = f"event exceeds {MAX_EVENT_BYTES} bytes"
                raise CaptureRefused(413, "event_too_large", message, field)
            lines.append(line)
        wait = self.limiter.admit(key.key_id, len(records))
        if wait is not None:
            message = f"project key {key.key_id} is over its rate limit; retry in {wait} s"
            raise CaptureRefused(429, "rate_limited", message, "api_key", retry_after=wait)
        self.lake.append_encoded(b"".join(lines))
        return len(records)
