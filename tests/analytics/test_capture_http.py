"""Capture over HTTP through the real app: formats, validation, limits, idempotency."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from prodloop.analytics.keys import list_project_keys, revoke_project_key
from prodloop.analytics.lake import EventLake
from prodloop.settings import Settings
from prodloop.web.app import create_app


def event(name: str = "clicked", **extra: Any) -> dict[str, Any]:
    """A PostHog-style event with a fresh uuid."""
    return {"event": name, "distinct_id": "u1", "uuid": str(uuid.uuid4()), **extra}


def test_posthog_batch_is_queryable(client: TestClient, api_key: str, lake: EventLake) -> None:
    props = {"$current_url": "https://app/x", "$browser": "Firefox", "$groups": {"account": "a1"}}
    batch = [event(properties=props), event("$identify", **{"$set": {"plan": "pro"}})]
    response = client.post("/batch/", json={"api_key": api_key, "batch": batch})
    assert response.status_code == 200
    assert response.json() == {"status": 1}
    rows = lake.query(
        "SELECT event, current_url, browser, account_id, person_set->>'plan' "
        "FROM events ORDER BY event"
    )
    assert rows == [
        ("$identify", None, None, None, "pro"),
        ("clicked", "https://app/x", "Firefox", "a1", None),
    ]


def test_single_event_paths(client: TestClient, api_key: str, lake: EventLake) -> None:
    for path in ("/capture/", "/capture", "/e/", "/i/v0/e/", "/batch"):
        response = client.post(path, json={"api_key": api_key, **event(path)})
        assert response.status_code == 200, (path, response.text)
    token_in_props = event("/e/ list", properties={"token": api_key})
    assert client.post("/e/", json=[token_in_props]).status_code == 200
    assert lake.count() == 6
    assert lake.query("SELECT count(*) FROM events WHERE properties->>'token' IS NOT NULL") == [
        (0,)
    ]


def test_gzip_body(client: TestClient, api_key: str, lake: EventLake) -> None:
    body = gzip.compress(json.dumps({"api_key": api_key, "batch": [event()]}).encode())
    response = client.post("/batch/", content=body, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert lake.count() == 1


def test_clock_skew_corrected_and_missing_timestamp_takes_server_time(
    client: TestClient, api_key: str, lake: EventLake
) -> None:
    now = datetime.now(UTC)
    client_clock = now - timedelta(hours=2)  # the client's clock is two hours slow
    happened = client_clock - timedelta(minutes=5)
    batch = [event("skewed", timestamp=happened.isoformat()), event("untimed")]
    body = {"api_key": api_key, "batch": batch, "sent_at": client_clock.isoformat()}
    assert client.post("/batch/", json=body).status_code == 200
    stored = dict(lake.query("SELECT event, timestamp FROM events"))
    assert abs(stored["skewed"] - (now - timedelta(minutes=5))) < timedelta(seconds=5)
    assert abs(stored["untimed"] - now) < timedelta(seconds=5)


def test_validation_errors_name_the_field(client: TestClient, api_key: str) -> None:
    cases = [
        ([event(), {"distinct_id": "u"}], "batch[1].event"),
        ([event(timestamp="yesterday")], "batch[0].timestamp"),
        ([event(distinct_id="")], "batch[0].distinct_id"),
        ([event(properties=[1])], "batch[0].properties"),
        (["not an event"], "batch[0]"),
    ]
    for batch, field in cases:
        response = client.post("/batch/", json={"api_key": api_key, "batch": batch})
        assert response.status_code == 400, field
        error = response.json()["error"]
        assert error["field"] == field
        assert error["code"] == "invalid"
    response = client.post(
        "/batch/", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.json()["error"]["field"] == "body"


def test_keys_are_checked_and_revocable(
    client: TestClient, api_key: str, settings: Settings
) -> None:
    assert client.post("/batch/", json={"batch": [event()]}).json()["error"]["field"] == "api_key"
    wrong = client.post("/batch/", json={"api_key": "plk_wrong", "batch": [event()]})
    assert wrong.status_code == 401
    (key,) = list_project_keys(settings.effective_lake_dir)
    assert revoke_project_key(settings.effective_lake_dir, key_id=key.key_id)
    fresh = TestClient(create_app(settings, migrate=False))
    revoked = fresh.post("/batch/", json={"api_key": api_key, "batch": [event()]})
    assert revoked.status_code == 401


def test_body_and_event_size_limits(client: TestClient, api_key: str, lake: EventLake) -> None:
    big = {"blob": "x" * 300_000}
    # 3.6 MB: over the app's 1 MiB limit, under capture's 5 MiB.
    batch = [event(properties=big) for _ in range(12)]
    assert client.post("/batch/", json={"api_key": api_key, "batch": batch}).status_code == 200
    too_big = [event(properties=big) for _ in range(18)]
    response = client.post("/batch/", json={"api_key": api_key, "batch": too_big})
    assert response.status_code == 413
    huge_event = [event(), event(properties={"blob": "x" * 950_000})]
    response = client.post("/batch/", json={"api_key": api_key, "batch": huge_event})
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "batch[1]"
    bomb = gzip.compress(b"[" + b" " * (6 << 20) + b"]")
    response = client.post("/batch/", content=bomb, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert lake.count() == 12
    assert client.post("/api/v1/features", content=b"x" * (2 << 20)).status_code == 413


def test_rate_limit_answers_429_with_retry_after(settings: Settings, api_key: str) -> None:
    limited = settings.model_copy(
        update={"capture_rate_per_second": 10.0, "capture_rate_burst": 20}
    )
    with TestClient(create_app(limited, migrate=False)) as client:
        body = {"api_key": api_key, "batch": [event() for _ in range(25)]}
        assert client.post("/batch/", json=body).status_code == 200  # overdraws the bucket
        response = client.post("/batch/", json={"api_key": api_key, "batch": [event()]})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 2


def test_resending_a_batch_never_duplicates(
    client: TestClient, api_key: str, lake: EventLake
) -> None:
    body = {"api_key": api_key, "batch": [event(), event()]}
    for _ in range(3):
        assert client.post("/batch/", json=body).status_code == 200
    assert lake.count() == 2
    server_lake = client.app.state.capture.lake  # type: ignore[attr-defined]
    assert lake.compact().segments == 0  # the server's segment is still open: not ours to take
    summary = server_lake.compact()
    assert (summary.events_written, summary.duplicates_dropped) == (2, 4)
    assert client.post("/batch/", json=body).status_code == 200
    assert lake.count() == 2
    assert server_lake.compact().events_written == 0
    assert lake.count() == 2
    assert lake.wal_segments() == []


def test_segment_batch_and_single_paths(client: TestClient, api_key: str, lake: EventLake) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()}
    sent = datetime.now(UTC).isoformat()
    batch = [
        {
            "type": "track",
            "userId": "u9",
            "event": "Signed Up",
            "messageId": "m1",
            "properties": {"plan": "pro"},
            "timestamp": sent,
        },
        {
            "type": "identify",
            "userId": "u9",
            "anonymousId": "anon",
            "traits": {"email": "a@b"},
            "messageId": "m2",
        },
        {
            "type": "group",
            "userId": "u9",
            "groupId": "acct-7",
            "traits": {"name": "Acme"},
            "messageId": "m3",
        },
        {
            "type": "page",
            "anonymousId": "anon",
            "properties": {"url": "https://x/p"},
            "messageId": "m4",
        },
        {"type": "alias", "userId": "u9", "previousId": "anon", "messageId": "m5"},
    ]
    response = client.post("/v1/batch", json={"batch": batch, "sentAt": sent}, headers=auth)
    assert response.status_code == 200
    single = {"userId": "u9", "event": "Opened", "messageId": "m6", "writeKey": api_key}
    assert client.post("/v1/track", json=single).status_code == 200
    rows = lake.query(
        "SELECT uuid, event, distinct_id, account_id, current_url, person_set->>'email' "
        "FROM events ORDER BY uuid"
    )
    assert rows == [
        ("m1", "Signed Up", "u9", None, None, None),
        ("m2", "$identify", "u9", None, None, "a@b"),
        ("m3", "$groupidentify", "u9", "acct-7", None, None),
        ("m4", "$pageview", "anon", None, "https://x/p", None),
        ("m5", "$create_alias", "u9", None, None, None),
        ("m6", "Opened", "u9", None, None, None),
    ]
    bad = client.post("/v1/batch", json={"batch": [{"type": "track", "userId": "u"}]}, headers=auth)
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "batch[0].event"
