"""Write-only project API keys: what an SDK puts in its body to send events to prodloop.

Keys are public by design (they ship inside web and mobile apps), so a key can only add
events, never read them. Only a SHA-256 digest is kept, in ``keys.sqlite3`` beside the lake
so every capture worker sees the same keys without touching the app store.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PREFIX = "plk_"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS project_keys (
    key_id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
)
"""


@dataclass(frozen=True)
class ProjectKey:
    """A project API key as stored (never the secret itself)."""

    key_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """Whether events sent with this key are accepted."""
        return self.revoked_at is None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _connect(lake_dir: Path) -> sqlite3.Connection:
    lake_dir.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(lake_dir / "keys.sqlite3", timeout=10)
    con.execute(_SCHEMA)
    return con


def _row(row: tuple[str, str, str, str | None]) -> ProjectKey:
    key_id, name, created, revoked = row
    return ProjectKey(
        key_id,
        name,
        datetime.fromisoformat(created),
        datetime.fromisoformat(revoked) if revoked else None,
    )


def create_project_key(lake_dir: Path, *, name: str) -> tuple[ProjectKey, str]:
    """Create a key named ``name``; returns it and the secret, which is shown only once."""
    if not name.strip():
        raise ValueError("a project key needs a name")
    secret = PREFIX + secrets.token_urlsafe(24)
    key = ProjectKey(secrets.token_hex(6), name.strip(), datetime.now(UTC), None)
    con = _connect(lake_dir)
    try:
        with con:
            con.execute(
                "INSERT INTO project_keys VALUES (?, ?, ?, ?, NULL)",
                (key.key_id, _digest(secret), key.name, key.created_at.isoformat()),
            )
    finally:
        con.close()
    return key, secret


def revoke_project_key(lake_dir: Path, *, key_id: str) -> bool:
    """Stop accepting events sent with ``key_id``; False when there is no such active key."""
    con = _connect(lake_dir)
    try:
        with con:
            cursor = con.execute(
                "UPDATE project_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(), key_id),
            )
        return cursor.rowcount == 1
    finally:
        con.close()


def list_project_keys(lake_dir: Path) -> list[ProjectKey]:
    """Every key, oldest first."""
    con = _connect(lake_dir)
    try:
        rows = con.execute(
            "SELECT key_id, name, created_at, revoked_at FROM project_keys ORDER BY created_at"
        ).fetchall()
    finally:
        con.close()
    return [_row(row) for row in rows]


class KeyRing:
    """Looks secrets up with a short cache, so a revocation reaches every worker in seconds."""

    def __init__(self, lake_dir: Path, *, ttl_seconds: float = 5.0) -> None:
        self.lake_dir = lake_dir
        self.ttl_seconds = ttl_seconds
        self._cache: dict[str, tuple[float, ProjectKey | None]] = {}
        self._lock = threading.Lock()

    def authenticate(self, secret: str) -> ProjectKey | None:
        """The active key for ``secret``, or None."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(secret)
            if hit and now - hit[0] < self.ttl_seconds:
                return hit[1]
        con = _connect(self.lake_dir)
        try:
            row = con.execute(
                "SELECT key_id, name, created_at, revoked_at FROM project_keys WHERE key_hash = ?",
                (_digest(secret),),
            ).fetchone()
        finally:
            con.close()
        key = _row(row) if row else None
        key = key if key and key.active else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[secret] = (now, key)
        return key
