"""HTTP flag decisions: PostHog's ``/decide/`` and prodloop's tracked decide under load.

Builds an app store with ``--flags`` flags (half multivariate experiments, a quarter with
targeting rules on person and account properties), starts ``uvicorn --factory
prodloop.web.asgi:create`` on loopback, and has ``--clients`` threads post decide requests for
random people for ``--seconds``. Reports requests/s and p50 / p99 latency for:

* ``/decide/`` — every flag for one person (PostHog's protocol, no exposures);
* ``/api/v1/flags/decide`` with ``track`` — exposures written to the event lake in batches.

The reference is the same decisions made in-process with ``FlagSet.decide_all`` (the floor the
HTTP layer adds to). The issue's target: p99 under 10 ms on loopback under load.

    .venv/bin/python benchmarks/bench_decide.py
    .venv/bin/python benchmarks/bench_decide.py --clients 16 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from prodloop.analytics.keys import create_project_key
from prodloop.analytics.lake import EventLake
from prodloop.experiments.flags import FlagIn
from prodloop.experiments.flags.service import create_flag, load_flag_set
from prodloop.ledger import service as ledger
from prodloop.ledger.schemas import FeatureIn
from prodloop.settings import Settings
from prodloop.store import make_engine, make_session_factory, unit_of_work
from prodloop.store.migrate import upgrade

TARGET_P99_MS = 10.0


def build_store(data: Path, flags: int) -> str:
    """Features and flags in a fresh app store under ``data``; returns a project key."""
    settings = Settings(data_dir=data, secret_key="bench")
    engine = make_engine(settings)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        for number in range(flags):
            key = f"feature-{number:03d}"
            ledger.create_feature(session, FeatureIn(key=key, title=key), actor="bench")
            config: dict[str, Any] = {"key": key, "enabled": True, "coverage": 0.8}
            if number % 2 == 0:
                config["variants"] = [
                    {"key": "control", "weight": 0.5},
                    {"key": "treatment", "weight": 0.5},
                ]
            if number % 4 == 1:
                config["rules"] = [
                    {
                        "conditions": [
                            {"property": "plan", "operator": "in", "value": ["pro", "team"]},
                            {
                                "property": "segment",
                                "operator": "eq",
                                "value": "enterprise",
                                "source": "account",
                            },
                        ],
                        "rollout": 1.0,
                    }
                ]
            create_flag(session, FlagIn.model_validate(config), actor="bench")
    engine.dispose()
    _key, secret = create_project_key(EventLake(settings).root, name="bench")
    return secret


def start_server(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    """One uvicorn worker on a free loopback port over ``data``; returns once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PRODLOOP_DATA_DIR": str(data), "PRODLOOP_SECRET_KEY": "bench"}
    env.pop("PRODLOOP_DATABASE_URL", None)
    command = [sys.executable, "-m", "uvicorn", "--factory", "prodloop.web.asgi:create"]
    command += ["--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            httpx.post(f"{url}/decide/", content=b"{}", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("uvicorn did not start")


def body(secret: str, person: int) -> dict[str, Any]:
    """A decide request for one person of an account."""
    return {
        "api_key": secret,
        "distinct_id": f"person-{person}",
        "person_properties": {"plan": ("free", "pro", "team")[person % 3]},
        "groups": {"account": f"acct-{person % 200}"},
        "group_properties": {"account": {"segment": ("smb", "enterprise")[person % 2]}},
    }


def load(
    url: str,
    path: str,
    secret: str,
    *,
    clients: int,
    seconds: float,
    track: bool | None,
    rate: float | None = None,
) -> dict[str, float]:
    """Requests/s and latency percentiles of ``clients`` threads for ``seconds``.

    Without ``rate`` each client sends its next request as soon as the last is answered (the
    server's top speed, latency mostly queueing). With ``rate`` the clients together send
    ``rate`` requests/s on a fixed schedule, and latency counts from the scheduled send time,
    so a stalled server is not excused by the requests it delayed (no coordinated omission).
    """
    latencies: list[float] = []
    lock = threading.Lock()
    begin = time.perf_counter()
    deadline = begin + seconds
    interval = clients / rate if rate else 0.0

    def client(number: int) -> None:
        rng = random.Random(number)
        mine: list[float] = []
        scheduled = begin + number * interval / clients
        with httpx.Client(timeout=10) as http:
            while time.perf_counter() < deadline:
                payload = body(secret, rng.randrange(1_000_000))
                if track is not None:
                    payload["track"] = track
                content = json.dumps(payload).encode()
                if rate:
                    pause = scheduled - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    started = scheduled
                    scheduled += interval
                else:
                    started = time.perf_counter()
                reply = http.post(
                    url + path, content=content, headers={"content-type": "application/json"}
                )
                mine.append(time.perf_counter() - started)
                if reply.status_code != 200:
                    raise RuntimeError(f"{path}: {reply.status_code} {reply.text[:200]}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "per_second": len(ordered) / seconds,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[int(0.99 * (len(ordered) - 1))],
    }


def in_process(data: Path, requests: int) -> float:
    """Microseconds per ``decide_all`` in-process over the same flags (the reference)."""
    engine = make_engine(Settings(data_dir=data, secret_key="bench"))
    with make_session_factory(engine)() as session:
        flags = load_flag_set(session, cache_size=0)
    engine.dispose()
    started = time.perf_counter()
    for person in range(requests):
        payload = body("", person)
        attributes = {
            **payload["person_properties"],
            "$groups": payload["groups"],
            "$account": payload["group_properties"]["account"],
        }
        flags.decide_all(payload["distinct_id"], attributes)
    return 1e6 * (time.perf_counter() - started) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flags", type=int, default=40)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--rate", type=float, default=None, help="requests/s on a fixed schedule (open loop)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prodloop-bench-decide-") as folder:
        data = Path(folder)
        secret = build_store(data, args.flags)
        process, url = start_server(data)
        try:
            for path in ("/decide/", "/api/v1/flags/decide"):  # warm the flag cache
                httpx.post(url + path, json=body(secret, 1), timeout=10)
            pace = f"{args.rate:g} requests/s scheduled" if args.rate else "closed loop"
            print(
                f"{args.flags} flags, {args.clients} client threads ({pace}), "
                f"{args.seconds:g} s each, load average {os.getloadavg()[0]:.1f}"
            )
            runs = [
                ("/decide/ (PostHog, all flags)", "/decide/", None),
                ("/api/v1/flags/decide, tracked", "/api/v1/flags/decide", True),
            ]
            for label, path, track in runs:
                result = load(
                    url,
                    path,
                    secret,
                    clients=args.clients,
                    seconds=args.seconds,
                    track=track,
                    rate=args.rate,
                )
                verdict = "meets" if result["p99_ms"] < TARGET_P99_MS else "misses"
                print(
                    f"{label:34} {result['per_second']:8.0f} req/s  "
                    f"p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  "
                    f"({verdict} the {TARGET_P99_MS:g} ms target)"
                )
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        exposures = EventLake(Settings(data_dir=data, secret_key="bench")).query(
            "SELECT count(*) FROM events WHERE event = '$feature_flag_called'"
        )[0][0]
        micros = in_process(data, 5000)
        print(f"in-process FlagSet.decide_all (reference): {micros:.1f} µs per person")
        print(f"exposures in the lake after the tracked run: {exposures:,}")


if __name__ == "__main__":
    main()
