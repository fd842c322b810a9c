"""Turn what the PostHog and Segment SDKs send into the lake's flat event records.

Validation happens here, before anything is written: the first bad field refuses the whole
request with a 400 that names it (``batch[3].timestamp``), so a batch is stored whole or not
at all.
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from prodloop.analytics.schemas import MATERIALISED, CaptureRefused, EventRecord, invalid

MAX_NAME_LENGTH = 400
MAX_ID_LENGTH = 200

#: Segment message types and the PostHog event each becomes.
SEGMENT_EVENTS = {
    "identify": "$identify",
    "page": "$pageview",
    "screen": "$screen",
    "group": "$groupidentify",
    "alias": "$create_alias",
}


def parse_time(value: Any, field: str) -> datetime:
    """An aware UTC datetime from an ISO-8601 string (naive means UTC)."""
    if not isinstance(value, str):
        raise invalid(field, "must be an ISO-8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(field, f"{value[:40]!r} is not an ISO-8601 timestamp") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _object(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(field, "must be an object")
    return value


def _identifier(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid(field, "must be a non-empty string")
    text = str(value).strip()
    if not text:
        raise invalid(field, "must be a non-empty string")
    if len(text) > MAX_ID_LENGTH:
        raise invalid(field, f"must be at most {MAX_ID_LENGTH} characters")
    return text


def _event_name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(field, "is required and must be a non-empty string")
    if len(value) > MAX_NAME_LENGTH:
        raise invalid(field, f"must be at most {MAX_NAME_LENGTH} characters")
    return value


def _event_uuid(value: Any, field: str) -> str:
    if value is None or value == "":
        # No id from the client: the event is stored but cannot be deduplicated.
        return str(uuid_module.uuid4())
    return _identifier(value, field)


def _timestamp(
    raw: Any, field: str, *, now: datetime, skew: timedelta, offset_ms: Any = None
) -> datetime:
    if raw is None or raw == "":
        if isinstance(offset_ms, int | float) and not isinstance(offset_ms, bool):
            return now - timedelta(milliseconds=offset_ms)
        return now
    return parse_time(raw, field) + skew


def _skew(sent_at: Any, field: str, now: datetime) -> tuple[datetime | None, timedelta]:
    """The client's send time and the correction (server now - sent_at) it implies."""
    if sent_at is None or sent_at == "":
        return None, timedelta(0)
    sent = parse_time(sent_at, field)
    return sent, now - sent


def build_record(
    *,
    uuid: str,
    event: str,
    distinct_id: str,
    timestamp: datetime,
    properties: dict[str, Any],
    now: datetime | str,
    sent_at: datetime | str | None,
    source: str,
    project: str,
    person_set: dict[str, Any] | None = None,
    person_set_once: dict[str, Any] | None = None,
) -> EventRecord:
    """One lake record, with the materialised columns filled from ``properties``.

    ``now`` and ``sent_at`` may come pre-formatted, so a batch formats them once.
    """
    groups = properties.get("$groups")
    groups = groups if isinstance(groups, dict) else {}
    record: EventRecord = {
        "uuid": uuid,
        "event": event,
        "distinct_id": distinct_id,
        "timestamp": timestamp.isoformat(),
        "properties": properties,
        "person_set": person_set or None,
        "person_set_once": person_set_once or None,
        "groups": groups or None,
        "received_at": now if isinstance(now, str) else now.isoformat(),
        "sent_at": sent_at.isoformat() if isinstance(sent_at, datetime) else sent_at,
        "project": project,
        "source": source,
    }
    for column, name in MATERIALISED.items():
        value = properties.get(name)
        record[column] = None if value is None else str(value)
    account = groups.get("account")
    record["account_id"] = None if account is None else str(account)
    return record


def posthog_events(body: Any) -> tuple[list[Any], str, Any, Any]:
    """Split a PostHog body into (events, field prefix, api key, sent_at)."""
    if isinstance(body, list):
        events, prefix, envelope = body, "batch", {}
    elif isinstance(body, dict) and "batch" in body:
        if not isinstance(body["batch"], list):
            raise invalid("batch", "must be a list of events")
        events, prefix, envelope = body["batch"], "batch", body
    elif isinstance(body, dict):
        events, prefix, envelope = [body], "", body
    else:
        raise invalid("body", "must be a JSON object or list")
    if not events:
        raise invalid(prefix or "batch", "must contain at least one event")
    key = envelope.get("api_key") or envelope.get("token")
    if not key and isinstance(events[0], dict):
        first = events[0]
        props = first.get("properties")
        key = first.get("api_key") or first.get("token")
        if not key and isinstance(props, dict):
            key = props.get("token")
    return events, prefix, key, envelope.get("sent_at")


def _prefixed(exc: CaptureRefused, at: str) -> CaptureRefused:
    """``exc`` with its field placed inside the batch (``event`` -> ``batch[3].event``)."""
    if not at:
        return exc
    if not exc.field:
        return replace(exc, field=at, message=f"{at}: {exc.message}")
    field = f"{at}.{exc.field}"
    return replace(exc, field=field, message=exc.message.replace(f"{exc.field}:", f"{field}:", 1))


def _posthog_record(
    raw: Any,
    *,
    now: datetime,
    received: str,
    envelope: tuple[datetime | None, timedelta, str | None],
    project: str,
) -> EventRecord:
    """One PostHog event; errors name fields relative to the event."""
    if not isinstance(raw, dict):
        raise CaptureRefused(400, "invalid", "must be an object")
    properties = dict(_object(raw.get("properties"), "properties"))
    event = _event_name(raw.get("event"), "event")
    distinct_id = _identifier(raw.get("distinct_id", properties.get("distinct_id")), "distinct_id")
    if "sent_at" in raw:
        sent_at, skew = _skew(raw["sent_at"], "sent_at", now)
        sent_text = sent_at.isoformat() if sent_at else None
    else:
        _sent, skew, sent_text = envelope
    timestamp = _timestamp(
        raw.get("timestamp"), "timestamp", now=now, skew=skew, offset_ms=raw.get("offset")
    )
    person_set = _object(raw.get("$set", properties.get("$set")), "$set")
    person_set_once = _object(raw.get("$set_once", properties.get("$set_once")), "$set_once")
    properties.pop("token", None)
    return build_record(
        uuid=_event_uuid(raw.get("uuid"), "uuid"),
        event=event,
        distinct_id=distinct_id,
        timestamp=timestamp,
        properties=properties,
        now=received,
        sent_at=sent_text,
        source="posthog",
        project=project,
        person_set=person_set,
        person_set_once=person_set_once,
    )


def posthog_records(body: Any, *, now: datetime, project: str) -> list[EventRecord]:
    """Validate and normalise a PostHog capture body (single event, list or batch)."""
    events, prefix, _key, envelope_sent_at = posthog_events(body)
    sent_at, skew = _skew(envelope_sent_at, "sent_at", now)
    envelope = (sent_at, skew, sent_at.isoformat() if sent_at else None)
    received = now.isoformat()
    records = []
    for index, raw in enumerate(events):
        try:
            record = _posthog_record(
                raw, now=now, received=received, envelope=envelope, project=project
            )
        except CaptureRefused as exc:
            raise _prefixed(exc, f"{prefix}[{index}]" if prefix else "") from None
        records.append(record)
    return records


def segment_messages(body: Any, kind: str | None) -> tuple[list[Any], str, Any]:
    """Split a Segment body into (messages, field prefix, sentAt); ``kind`` for single paths."""
    if not isinstance(body, dict):
        raise invalid("body", "must be a JSON object")
    if kind is None:
        batch = body.get("batch")
        if not isinstance(batch, list) or not batch:
            raise invalid("batch", "must be a non-empty list of messages")
        return batch, "batch", body.get("sentAt")
    return [{**body, "type": body.get("type") or kind}], "", body.get("sentAt")


def _segment_event(
    message: dict[str, Any], kind: str
) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """(event name, properties, $set) for one Segment message of type ``kind``."""
    if kind == "track":
        event = _event_name(message.get("event"), "event")
        return event, dict(_object(message.get("properties"), "properties")), None
    properties = dict(_object(message.get("properties"), "properties"))
    traits = _object(message.get("traits"), "traits")
    if kind == "page" or kind == "screen":
        if message.get("name"):
            properties.setdefault("name", message["name"])
        if "url" in properties:
            properties.setdefault("$current_url", properties["url"])
        return SEGMENT_EVENTS[kind], properties, None
    if kind == "identify":
        return "$identify", properties, dict(traits)
    if kind == "group":
        group_id = _identifier(message.get("groupId"), "groupId")
        properties.update(
            {"$group_type": "account", "$group_key": group_id, "$group_set": dict(traits)}
        )
        properties.setdefault("$groups", {"account": group_id})
        return "$groupidentify", properties, None
    previous = _identifier(message.get("previousId"), "previousId")
    properties["alias"] = previous
    return "$create_alias", properties, None


def _segment_record(raw: Any, *, now: datetime, envelope_sent_at: Any, project: str) -> EventRecord:
    """One Segment message; errors name fields relative to the message."""
    if not isinstance(raw, dict):
        raise CaptureRefused(400, "invalid", "must be an object")
    message_kind = raw.get("type")
    if message_kind not in {"track", *SEGMENT_EVENTS}:
        raise invalid("type", f"unknown message type {message_kind!r}")
    distinct_id = _identifier(raw.get("userId") or raw.get("anonymousId"), "userId")
    event, properties, person_set = _segment_event(raw, message_kind)
    context = _object(raw.get("context"), "context")
    library = _object(context.get("library"), "context.library")
    if library.get("name"):
        properties.setdefault("$lib", library["name"])
        properties.setdefault("$lib_version", library.get("version"))
    if raw.get("anonymousId") and raw.get("userId"):
        properties.setdefault("$anon_distinct_id", str(raw["anonymousId"]))
    sent_at, skew = _skew(raw.get("sentAt", envelope_sent_at), "sentAt", now)
    return build_record(
        uuid=_event_uuid(raw.get("messageId"), "messageId"),
        event=event,
        distinct_id=distinct_id,
        timestamp=_timestamp(raw.get("timestamp"), "timestamp", now=now, skew=skew),
        properties=properties,
        now=now,
        sent_at=sent_at,
        source="segment",
        project=project,
        person_set=person_set,
    )


def segment_records(
    body: Any, *, kind: str | None, now: datetime, project: str
) -> list[EventRecord]:
    """Validate and normalise a Segment body (``kind`` None means ``/v1/batch``)."""
    messages, prefix, envelope_sent_at = segment_messages(body, kind)
    records = []
    for index, raw in enumerate(messages):
        try:
            record = _segment_record(
                raw, now=now, envelope_sent_at=envelope_sent_at, project=project
            )
        except CaptureRefused as exc:
            raise _prefixed(exc, f"{prefix}[{index}]" if prefix else "") from None
        records.append(record)
    return records
