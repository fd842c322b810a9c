"""Acknowledged means durable: kill -9 a multi-worker server mid-load and count every event."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import httpx

from prodloop.analytics.keys import create_project_key
from prodloop.analytics.lake import EventLake
from tests.analytics.conftest import Server


def _load(
    url: str, key: str, acknowledged: list[str], sent: list[str], stop: threading.Event
) -> None:
    """Send batches until the server dies, keeping the uuids of each batch answered 200."""
    with httpx.Client(timeout=10) as http:
        while not stop.is_set():
            batch = [
                {"event": "load", "distinct_id": f"u{i % 7}", "uuid": str(uuid.uuid4())}
                for i in range(50)
            ]
            ids = [e["uuid"] for e in batch]
            sent.extend(ids)
            try:
                response = http.post(f"{url}/batch/", json={"api_key": key, "batch": batch})
            except httpx.TransportError:
                return
            if response.status_code == 200:
                acknowledged.extend(ids)


def test_kill_9_during_load_loses_no_acknowledged_event(tmp_path: Path) -> None:
    _key, key = create_project_key(tmp_path / "lake", name="load")
    server = Server(tmp_path, workers=2, PRODLOOP_LAKE_COMPACT_SECONDS="0.3").start()
    acknowledged: list[str] = []
    sent: list[str] = []
    stop = threading.Event()
    clients = [
        threading.Thread(target=_load, args=(server.url, key, acknowledged, sent, stop))
        for _ in range(3)
    ]
    try:
        for thread in clients:
            thread.start()
        time.sleep(1.5)  # long enough for compactions to run under load
        server.kill()
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=15)
        server.kill()
    assert len(acknowledged) > 500

    restarted = Server(tmp_path, workers=2, PRODLOOP_LAKE_COMPACT_SECONDS="0.3").start()
    try:
        resend = [{"event": "load", "distinct_id": "u0", "uuid": u} for u in acknowledged[:50]]
        response = httpx.post(f"{restarted.url}/batch/", json={"api_key": key, "batch": resend})
        assert response.status_code == 200
        lake = EventLake(tmp_path / "lake")
        stored = {row[0] for row in lake.query("SELECT uuid FROM events")}
        assert set(acknowledged) <= stored
        assert stored <= set(sent)
        assert lake.count() == len(stored)
    finally:
        restarted.stop()

    lake.compact()
    assert lake.wal_segments() == []
    files = ", ".join(f"'{p}'" for p in lake.parquet_files())
    raw = lake.query(f"SELECT count(*), count(DISTINCT uuid) FROM read_parquet([{files}])")
    assert raw == [(len(stored), len(stored))]
