"""The app store: migrations match the models on both backends; settings fail fast."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import Engine, inspect

from prodloop.settings import Settings
from prodloop.store import make_engine
from prodloop.store.migrate import current_revision, head_revision, upgrade
from prodloop.store.registry import metadata
from prodloop.store.reset import reset_store


def test_migrations_match_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_reset_and_upgrade_rebuild_every_table(engine: Engine) -> None:
    reset_store(engine)
    assert current_revision(engine) is None
    upgrade(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())


def test_sqlite_store_lives_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "nested" / "data")
    assert (
        settings.effective_database_url
        == f"sqlite:///{tmp_path / 'nested' / 'data' / 'prodloop.db'}"
    )
    engine = make_engine(settings)  # connects lazily: nothing on disk yet
    assert not (tmp_path / "nested" / "data" / "prodloop.db").exists()
    upgrade(engine)
    engine.dispose()
    assert (tmp_path / "nested" / "data" / "prodloop.db").exists()


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PRODLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PRODLOOP_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("PRODLOOP_PORT", "9000")
    settings = Settings()
    assert settings.effective_database_url == "postgresql+psycopg://u@h/db"
    assert settings.port == 9000
    monkeypatch.setenv("PRODLOOP_PORT", "70000")
    with pytest.raises(ValidationError, match="port"):
        Settings()


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.effective_secret_key()
    assert len(first) > 40
    assert Settings(data_dir=tmp_path).effective_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    missing = [
        f"PRODLOOP_{name.upper()}"
        for name in Settings.model_fields
        if f"`PRODLOOP_{name.upper()}`" not in readme
    ]
    assert not missing, f"README configuration table lacks {missing}"
