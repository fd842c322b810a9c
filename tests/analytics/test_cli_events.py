"""`prodloop import events` and `prodloop keys` through the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from prodloop.analytics.keys import list_project_keys
from prodloop.analytics.lake import EventLake
from prodloop.cli.main import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRODLOOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PRODLOOP_LAKE_DIR", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "data"


def test_import_events_with_mapping_is_idempotent(data_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "events.csv"
    file.write_text(
        "name,user,at,plan\n"
        "signed_up,u1,2026-03-29T00:30:00Z,free\n"
        "report_exported,u1,2026-03-29T01:30:00+02:00,free\n",
        encoding="utf-8",
    )
    args = [
        "import",
        "events",
        str(file),
        "--map",
        "event=name",
        "--map",
        "distinct_id=user",
        "--map",
        "timestamp=at",
    ]
    first = runner.invoke(app, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "2 events imported" in first.stdout
    assert runner.invoke(app, args, catch_exceptions=False).exit_code == 0
    lake = EventLake(data_dir / "lake")
    rows = lake.query("select event, distinct_id from events order by timestamp")
    assert [tuple(r) for r in rows] == [("report_exported", "u1"), ("signed_up", "u1")]


def test_malformed_events_exit_2_with_one_line_and_write_nothing(
    data_dir: Path, tmp_path: Path
) -> None:
    file = tmp_path / "bad.ndjson"
    file.write_text(
        '{"event": "a", "distinct_id": "u1", "timestamp": "2026-01-01T00:00:00Z"}\n'
        '{"event": "b", "distinct_id": "u1", "timestamp": "not a time"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "events", str(file)], catch_exceptions=False)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "row 2" in lines[0]
    assert EventLake(data_dir / "lake").count() == 0
    bad_map = runner.invoke(app, ["import", "events", str(file), "--map", "event"])
    assert bad_map.exit_code == 2
    assert "FIELD=COLUMN" in bad_map.stderr


def test_keys_create_list_revoke(data_dir: Path) -> None:
    secret = runner.invoke(app, ["keys", "create", "web app"], catch_exceptions=False)
    assert secret.exit_code == 0
    assert secret.stdout.strip()
    listed = runner.invoke(app, ["keys", "list"], catch_exceptions=False).stdout
    assert "web app" in listed
    assert secret.stdout.strip() not in listed
    (key,) = list_project_keys(data_dir / "lake")
    key_id = key.key_id
    assert key_id in listed
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    again = runner.invoke(app, ["keys", "revoke", key_id])
    assert again.exit_code == 2
