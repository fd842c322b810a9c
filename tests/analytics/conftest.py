"""Fixtures for capture and the event lake: a lake, a project key, a real uvicorn server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from prodloop.analytics.keys import create_project_key
from prodloop.analytics.lake import EventLake
from prodloop.settings import Settings
from prodloop.web.app import create_app


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``uvicorn --factory prodloop.web.asgi:create`` in its own process group."""

    def __init__(self, data_dir: Path, *, workers: int = 1, **env: str) -> None:
        self.data_dir = data_dir
        self.workers = workers
        self.env = env
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where the server listens."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        """Start and wait until it answers."""
        env = {
            **os.environ,
            "PRODLOOP_DATA_DIR": str(self.data_dir),
            "PRODLOOP_SECRET_KEY": "test-secret",
            **self.env,
        }
        command = [sys.executable, "-m", "uvicorn", "--factory", "prodloop.web.asgi:create"]
        command += ["--port", str(self.port), "--log-level", "warning"]
        command += ["--workers", str(self.workers)]
        self.process = subprocess.Popen(command, env=env, start_new_session=True)
        deadline = time.monotonic() + 60  # a loaded 2-core machine imports slowly
        while time.monotonic() < deadline:
            try:
                httpx.post(f"{self.url}/batch/", content=b"{}", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError("uvicorn did not start")

    def kill(self) -> None:
        """SIGKILL the whole process group (the server and its workers)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        """SIGTERM and wait."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a fresh data directory, background compaction off."""
    return Settings(data_dir=tmp_path, secret_key="test-secret", lake_compact_seconds=0.0)


@pytest.fixture
def lake(settings: Settings) -> EventLake:
    """The lake of ``settings``."""
    return EventLake(settings)


@pytest.fixture
def api_key(settings: Settings) -> str:
    """An active project API key's secret."""
    _key, secret = create_project_key(settings.effective_lake_dir, name="web app")
    return secret


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The real app over ASGI."""
    with TestClient(create_app(settings, migrate=False)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A real uvicorn server shared by a module, and a project key for it."""
    data_dir = tmp_path_factory.mktemp("live")
    _key, secret = create_project_key(data_dir / "lake", name="sdk")
    server = Server(data_dir, PRODLOOP_LAKE_COMPACT_SECONDS="0").start()
    yield server, secret
    server.stop()
