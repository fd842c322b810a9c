"""The real PostHog and Segment Python SDKs deliver to a real uvicorn server."""

from __future__ import annotations

import uuid

from posthog import Posthog
from segment.analytics.client import Client as SegmentClient  # type: ignore[import-untyped]

from prodloop.analytics.lake import EventLake
from tests.analytics.conftest import Server


def test_posthog_sdk_batches_and_gzip(live: tuple[Server, str]) -> None:
    server, key = live
    errors: list[object] = []
    for gzip in (False, True):
        person = f"ph-{uuid.uuid4()}"
        posthog = Posthog(key, host=server.url, gzip=gzip, on_error=lambda e, _b: errors.append(e))
        for index in range(50):
            posthog.capture(
                "report viewed",
                distinct_id=person,
                properties={"index": index, "$current_url": "https://app/r"},
                groups={"account": "acme"},
            )
        posthog.flush()
        posthog.shutdown()
        rows = EventLake(server.data_dir / "lake").query(
            "SELECT count(*), count(DISTINCT uuid), max(account_id), max(lib), max(current_url) "
            "FROM events WHERE distinct_id = ? AND event = 'report viewed'",
            [person],
        )
        assert rows == [(50, 50, "acme", "posthog-python", "https://app/r")]
    assert errors == []


def test_posthog_sdk_sync_mode_and_person_set(live: tuple[Server, str]) -> None:
    server, key = live
    person = f"ph-{uuid.uuid4()}"
    posthog = Posthog(key, host=server.url, sync_mode=True)
    event_id = posthog.capture("signed up", distinct_id=person)
    posthog.set(distinct_id=person, properties={"plan": "team"})
    posthog.shutdown()
    lake = EventLake(server.data_dir / "lake")
    assert lake.query(
        "SELECT uuid FROM events WHERE event = 'signed up' AND distinct_id = ?", [person]
    ) == [(event_id,)]
    assert lake.query(
        "SELECT person_set->>'plan' FROM events WHERE event = '$set' AND distinct_id = ?", [person]
    ) == [("team",)]


def test_segment_sdk(live: tuple[Server, str]) -> None:
    server, key = live
    user = f"seg-{uuid.uuid4()}"
    errors: list[object] = []
    client = SegmentClient(
        key, host=server.url, sync_mode=True, on_error=lambda e, _b: errors.append(e)
    )
    client.identify(user, {"email": "ada@example.com"})
    client.track(user, "Report Viewed", {"report": "weekly"})
    client.page(user, name="Home", properties={"url": "https://app/home"})
    client.group(user, "acct-42", {"name": "Acme"})
    client.flush()  # sync mode: shutdown() would trip over the SDK's absent consumer threads
    assert errors == []
    rows = EventLake(server.data_dir / "lake").query(
        "SELECT event, current_url, account_id, lib FROM events WHERE distinct_id = ? "
        "ORDER BY event",
        [user],
    )
    assert rows == [
        ("$groupidentify", None, "acct-42", "analytics-python"),
        ("$identify", None, None, "analytics-python"),
        ("$pageview", "https://app/home", None, "analytics-python"),
        ("Report Viewed", None, None, "analytics-python"),
    ]
