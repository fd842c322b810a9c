"""Runtime settings, read once from the environment (prefix ``PRODLOOP_``).

Nothing here connects to anything: the engine and the app are built from a
``Settings`` instance by their own factories, so tests can point anywhere.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting prodloop reads; the README's configuration table is generated from this."""

    model_config = SettingsConfigDict(env_prefix="PRODLOOP_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".prodloop"),
        description="Folder holding the SQLite app store, the secret key and (later) the "
        "event lake.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the app store; e.g. postgresql+psycopg://user@host/db. "
        "Default: SQLite file in the data directory.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs session cookies. Default: generated once and kept in the "
        "data directory.",
    )
    host: str = Field(default="127.0.0.1", description="Address `prodloop serve` listens on.")
    port: int = Field(default=8000, description="Port `prodloop serve` listens on.")
    max_body_bytes: int = Field(
        default=1_048_576, description="Largest request body the web app accepts, in bytes."
    )
    login_max_failures: int = Field(
        default=5, description="Failed logins allowed per email or address in the lockout window."
    )
    login_window_seconds: int = Field(
        default=900, description="Window over which failed logins are counted, in seconds."
    )
    secure_cookies: bool = Field(
        default=False, description="Mark the session cookie Secure (set behind HTTPS)."
    )
    lake_dir: Path | None = Field(
        default=None,
        description="Folder of the event lake (write-ahead log, Parquet partitions, project "
        "API keys). Default: `lake` in the data directory.",
    )
    capture_rate_per_second: float = Field(
        default=50_000.0,
        description="Events per second each project API key may send (token bucket per "
        "worker process); 0 turns the limit off.",
    )
    capture_rate_burst: int = Field(
        default=250_000,
        description="Events a project API key may send at once before the "
        "rate limit applies (the token bucket's size).",
    )
    feedback_embedder: Literal["auto", "minilm", "hashing"] = Field(
        default="auto",
        description="How feedback is embedded for themes, duplicates, search and links: "
        "the MiniLM model, the hashing fallback, or auto (the model the store already uses, "
        "else MiniLM when installed).",
    )
    lake_compact_seconds: float = Field(
        default=30.0,
        description="How often each server process folds the event log into Parquet, in "
        "seconds; 0 turns background compaction off.",
    )

    @field_validator("port")
    @classmethod
    def _port_in_range(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("port must be between 1 and 65535")
        return value

    @property
    def effective_database_url(self) -> str:
        """The URL the app store uses: the configured one or the SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'prodloop.db').resolve()}"

    @property
    def effective_lake_dir(self) -> Path:
        """The event lake's folder: the configured one or ``lake`` in ``data_dir``."""
        return self.lake_dir if self.lake_dir is not None else self.data_dir / "lake"

    def effective_secret_key(self) -> str:
        """The session-signing key, creating and keeping one in ``data_dir`` when unset."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
