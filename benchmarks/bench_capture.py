"""Capture throughput: PostHog batches over HTTP on loopback into a durable lake.

Starts ``uvicorn --factory prodloop.web.asgi:create`` (``--workers`` processes) on a free
port, then sends pre-built PostHog batches (the SDK's default of 100 events, ~600 bytes
each) from client threads for ``--seconds``; every 200 means the batch was fsynced. Reports
events/s sustained and p50/p99 request latency, side by side with the reference: batches of
the same events, already encoded as NDJSON, appended to a plain file with an fsync per
batch, with no HTTP, parsing or validation — the floor any durable capture pays. The
issue's target is 50,000 events/s sustained on 2 cores.

    .venv/bin/python benchmarks/bench_capture.py
    .venv/bin/python benchmarks/bench_capture.py --workers 2 --clients 8 --batch 500
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from prodloop.analytics.keys import create_project_key
from prodloop.analytics.lake import EventLake

TARGET_EVENTS_PER_SECOND = 50_000


def start_server(data: Path, *, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn on a free port over ``data``, rate limit off; returns it once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PRODLOOP_DATA_DIR": str(data),
        "PRODLOOP_SECRET_KEY": "bench",
        "PRODLOOP_CAPTURE_RATE_PER_SECOND": "0",
        "PRODLOOP_LAKE_COMPACT_SECONDS": "5",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "prodloop.web.asgi:create"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            httpx.post(f"{url}/batch/", content=b"{}", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("uvicorn did not start")


def make_batch(size: int) -> list[dict[str, Any]]:
    """A batch shaped like the PostHog Python SDK's."""
    now = datetime.now(UTC).isoformat()
    return [
        {
            "event": "report viewed",
            "distinct_id": f"user-{i % 1000}",
            "uuid": str(uuid.uuid4()),
            "timestamp": now,
            "properties": {
                "$lib": "posthog-python",
                "$lib_version": "7.0.0",
                "$current_url": "https://app.example.com/reports/weekly",
                "$browser": "Firefox",
                "$os": "Linux",
                "$groups": {"account": f"acct-{i % 50}"},
                "report": "weekly",
                "rows": i,
            },
        }
        for i in range(size)
    ]


def run_http(
    url: str, key: str, *, clients: int, batch: int, seconds: float, pool: int
) -> dict[str, Any]:
    """Events/s and latencies of ``clients`` threads posting batches for ``seconds``.

    With ``pool`` > 0 each client cycles through that many bodies built before the clock
    starts, so the client (on the same 2 cores) costs little; resent events are stored and
    deduplicated like any resend, so "queryable" then counts distinct events.
    """
    bodies = [
        json.dumps({"api_key": key, "batch": make_batch(batch)}).encode()
        for _ in range(pool * clients)
    ]
    latencies: list[float] = []
    events = [0]
    lock = threading.Lock()

    def client(number: int) -> None:
        sent = 0
        with httpx.Client(timeout=30) as http:
            while time.perf_counter() < deadline:
                if pool:
                    body = bodies[number * pool + sent % pool]
                    sent += 1
                else:
                    body = json.dumps({"api_key": key, "batch": make_batch(batch)}).encode()
                started = time.perf_counter()
                response = http.post(
                    f"{url}/batch/", content=body, headers={"content-type": "application/json"}
                )
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(response.text)
                with lock:
                    latencies.append(elapsed)
                    events[0] += batch

    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "events": events[0],
        "rate": events[0] / wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def run_reference(directory: Path, *, batch: int, seconds: float, pool: int) -> dict[str, Any]:
    """Batches of the same events, already NDJSON, appended to a file with an fsync each."""
    chunks = [
        "".join(json.dumps(e) + "\n" for e in make_batch(batch)).encode()
        for _ in range(max(pool, 1))
    ]
    latencies: list[float] = []
    events = 0
    fd = os.open(directory / "reference.ndjson", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < seconds:
            began = time.perf_counter()
            os.write(fd, chunks[events // batch % len(chunks)])
            os.fsync(fd)
            latencies.append(time.perf_counter() - began)
            events += batch
    finally:
        os.close(fd)
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "events": events,
        "rate": events / wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    """Run both and print a table with the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--pool", type=int, default=100, help="bodies per client built up front (0: build each)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        _key, key = create_project_key(data / "lake", name="bench")
        process, url = start_server(data, workers=args.workers)
        try:
            http = run_http(
                url,
                key,
                clients=args.clients,
                batch=args.batch,
                seconds=args.seconds,
                pool=args.pool,
            )
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        stored = EventLake(data / "lake").count()
        reference = run_reference(data, batch=args.batch, seconds=args.seconds, pool=args.pool)
    print(
        f"capture: {args.workers} workers, {args.clients} clients, {args.batch} events/batch, "
        f"{args.seconds:.0f} s, {args.pool or 'no'} prebuilt bodies per client, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print("| path | events/s | p50 ms | p99 ms |")
    print("| --- | --- | --- | --- |")
    print(
        f"| prodloop HTTP capture (durable) | {http['rate']:,.0f} | {http['p50']:.1f} | "
        f"{http['p99']:.1f} |"
    )
    print(
        f"| reference: file append + fsync | {reference['rate']:,.0f} | "
        f"{reference['p50']:.1f} | {reference['p99']:.1f} |"
    )
    print(
        f"ratio prodloop / reference: {http['rate'] / reference['rate']:.2f}; "
        f"target {TARGET_EVENTS_PER_SECOND:,} events/s: "
        f"{'met' if http['rate'] >= TARGET_EVENTS_PER_SECOND else 'NOT met'}; "
        f"acknowledged {http['events']:,}, queryable {stored:,}"
    )


if __name__ == "__main__":
    main()
