"""Wiping the app store, for rebuilding the demo."""

from __future__ import annotations

from sqlalchemy import Engine, text

from prodloop.store.registry import metadata


def reset_store(engine: Engine) -> None:
    """Drop every prodloop table and the migration marker; ``upgrade`` rebuilds them."""
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
