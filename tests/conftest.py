"""Shared fixtures: one suite, two app-store backends (SQLite and the real PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from prodloop.auth.service import create_user
from prodloop.ledger import service as ledger
from prodloop.ledger.schemas import FeatureIn, PersonIn, ProductAreaIn, TeamIn
from prodloop.settings import Settings
from prodloop.store import make_engine, make_session_factory, unit_of_work
from prodloop.store.migrate import upgrade
from prodloop.store.registry import metadata

POSTGRES_URL = os.environ.get(
    "PRODLOOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "correct-horse-battery"


def _postgres_reachable() -> str | None:
    """None when PostgreSQL answers; otherwise why not."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: not available here
        return f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} unavailable: {exc}"
    return None


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the smallest cost: the same algorithm, a fraction of the test time."""
    import prodloop.auth.service as auth_service

    monkeypatch.setattr(
        auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "prodloop.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run, migrated once."""
    reason = _postgres_reachable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"prodloop_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """An empty, migrated app store on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "prodloop.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_database")
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The app-store engine for the backend under test."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory for the backend under test."""
    return make_session_factory(engine)


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One session; the test commits or leaves it to roll back."""
    session = sessions()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings pointing at the backend under test."""
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, secret_key="test-secret-key"
    )


def seed_small_ledger(sessions: sessionmaker[Session]) -> None:
    """A handful of records the interface tests use: two teams, three people, four features."""
    actor = "admin@example.com"
    with unit_of_work(sessions) as s:
        ledger.create_workspace(s, name="Acme", time_zone="Europe/Berlin", actor=actor)
        ledger.create_team(s, TeamIn(key="growth", name="Growth"), actor=actor)
        ledger.create_team(s, TeamIn(key="platform", name="Platform"), actor=actor)
        ledger.create_product_area(s, ProductAreaIn(key="billing", name="Billing"), actor=actor)
        ledger.create_product_area(s, ProductAreaIn(key="identity", name="Identity"), actor=actor)
        for name, email, team in [
            ("Ada Lovelace", "ada@example.com", "growth"),
            ("Grace Hopper", "grace@example.com", "platform"),
            ("Alan Turing", "alan@example.com", "platform"),
        ]:
            ledger.create_person(
                s, PersonIn(name=name, email=email, role="Product Manager", team=team), actor=actor
            )
        features = [
            FeatureIn(
                key="sso",
                title="Single sign-on",
                product_area="identity",
                owner="grace@example.com",
                team="platform",
                stage="building",
                tags=["enterprise"],
            ),
            FeatureIn(
                key="usage-billing",
                title="Usage-based billing",
                product_area="billing",
                owner="ada@example.com",
                team="growth",
                stage="discovery",
            ),
            FeatureIn(
                key="audit-export",
                title="Audit log export",
                product_area="identity",
                team="platform",
                stage="launched",
                tags=["enterprise", "compliance"],
            ),
            FeatureIn(key="dark-mode", title="Dark mode", stage="idea"),
        ]
        for feature in features:
            ledger.create_feature(s, feature, actor=actor)
        for email, role in [
            ("admin@example.com", "admin"),
            ("editor@example.com", "editor"),
            ("viewer@example.com", "viewer"),
        ]:
            create_user(s, email=email, name=role.title(), password=PASSWORD, role=role)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The real ASGI app on the backend under test, with the small ledger in it."""
    from prodloop.web.app import create_app

    application = create_app(settings)
    seed_small_ledger(application.state.sessions)
    return application


def login(client: TestClient, email: str) -> TestClient:
    """Sign ``client`` in through the real login form."""
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert client.get("/api/v1/me").status_code == 200
    return client


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous browser against the app."""
    with TestClient(app) as test_client:
        yield test_client


def _signed_in(app: FastAPI, email: str) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        login(test_client, email)
        test_client.headers["x-csrf-token"] = csrf_of(test_client)
        yield test_client


def csrf_of(client: TestClient) -> str:
    """The CSRF token of ``client``'s session, as pages embed it."""
    response = client.get("/api/v1/me/csrf")
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


@pytest.fixture
def admin(app: FastAPI) -> Iterator[TestClient]:
    """A browser signed in as an admin."""
    yield from _signed_in(app, "admin@example.com")


@pytest.fixture
def editor(app: FastAPI) -> Iterator[TestClient]:
    """A browser signed in as an editor."""
    yield from _signed_in(app, "editor@example.com")


@pytest.fixture
def viewer(app: FastAPI) -> Iterator[TestClient]:
    """A browser signed in as a viewer."""
    yield from _signed_in(app, "viewer@example.com")
