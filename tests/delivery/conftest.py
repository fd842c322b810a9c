"""Fixtures of the delivery interface tests: the real CLI pointed at the app's own store, and
imports made through it (the 2025 export fixtures, and the known-answer recent data)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner, Result

from prodloop.cli.main import app as cli_app
from tests.delivery.interface_data import workspace_today, write_recent_linear_csv

DATA = Path(__file__).parents[1] / "data" / "delivery"
Cli = Callable[..., Result]


@pytest.fixture
def cli(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run ``prodloop …`` through its runner against the store under test."""
    monkeypatch.setenv("PRODLOOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PRODLOOP_DATABASE_URL", database_url)
    monkeypatch.setenv("PRODLOOP_ACTOR", "ops@example.com")
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli_app, list(args), catch_exceptions=False)

    return run


def imported(result: Result) -> Result:
    """``result`` after checking the import succeeded."""
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def ledger(app: FastAPI) -> Iterator[FastAPI]:
    """The app with its small ledger; its engine is disposed afterwards even when no test
    client ran the app's lifespan (the CLI-only tests)."""
    yield app
    app.state.engine.dispose()


@pytest.fixture
def exports(ledger: FastAPI, cli: Cli) -> None:
    """The 2025 Jira, Linear and GitHub fixtures, imported through the CLI into the small ledger."""
    imported(cli("import", "jira", str(DATA / "jira_all_fields.csv"), "--time-zone", "UTC"))
    imported(cli("import", "jira", str(DATA / "jira_search_changelog.json")))
    imported(cli("import", "linear", str(DATA / "linear_export.csv")))
    imported(cli("import", "github", str(DATA / "github")))


@pytest.fixture
def recent(ledger: FastAPI, cli: Cli, tmp_path: Path) -> date:
    """The known-answer Growth data (see ``interface_data``), imported through the CLI;
    returns the workspace's today it was written for."""
    today = workspace_today()
    path = write_recent_linear_csv(tmp_path / "recent.csv", today)
    imported(cli("import", "linear", str(path), "--source", "growth-linear"))
    return today
