"""`prodloop import jira | linear | github | git` and `prodloop delivery …` through the real
CLI runner on SQLite and PostgreSQL: summaries, idempotence, bad input, and reports."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import Result

from prodloop.delivery.models import DeliverySource, WorkItem
from tests.delivery.conftest import DATA, Cli
from tests.delivery.interface_data import OPEN_FEATURE_ITEMS, PERIOD_DONE


def bad_input(result: Result, *fragments: str) -> None:
    """Exit code 2 and one line on stderr naming what was wrong."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def stored(engine: Engine) -> tuple[int, int]:
    """How many sources and work items the store holds."""
    with engine.connect() as connection:
        sources = connection.execute(select(func.count()).select_from(DeliverySource)).scalar()
        items = connection.execute(select(func.count()).select_from(WorkItem)).scalar()
    return int(sources or 0), int(items or 0)


def test_imports_print_one_summary_line_and_are_idempotent(cli: Cli, engine: Engine) -> None:
    first = cli("import", "jira", str(DATA / "jira_all_fields.csv"), "--time-zone", "UTC")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip().endswith(
        "→ jira source 'jira': 7 created, 0 updated, 0 unchanged (7 work items)"
    )
    again = cli("import", "jira", str(DATA / "jira_all_fields.csv"), "--time-zone", "UTC")
    assert "0 created, 0 updated, 7 unchanged" in again.stdout
    rest = cli("import", "jira", str(DATA / "jira_search_changelog.json"), "--source", "acme")
    assert "jira_rest source 'acme': 4 created" in rest.stdout  # JSON detected by its extension
    github = cli("import", "github", str(DATA / "github"))
    assert "(4 work items, 4 pull requests, 8 deployments, 1 incident)" in github.stdout
    linear = cli("import", "linear", str(DATA / "linear_export.csv"))
    assert "linear source 'linear': 4 created" in linear.stdout
    assert stored(engine) == (4, 7 + 4 + 4 + 4)


def test_jira_json_is_detected_by_its_content(cli: Cli, tmp_path: Path) -> None:
    renamed = tmp_path / "search-export.txt"
    renamed.write_bytes((DATA / "jira_search_changelog.json").read_bytes())
    result = cli("import", "jira", str(renamed))
    assert result.exit_code == 0, result.output
    assert "jira_rest source 'jira': 4 created" in result.stdout


def test_a_malformed_file_exits_2_with_one_line_and_writes_nothing(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    lines = (DATA / "jira_all_fields.csv").read_text(encoding="utf-8-sig").splitlines(True)
    broken = tmp_path / "broken.csv"
    header, first, *rest = lines
    broken.write_text(
        header + first.replace("03/Mar/25 9:15 AM", "the third of March") + "".join(rest)
    )
    bad_input(
        cli("import", "jira", str(broken), "--time-zone", "UTC"),
        "broken.csv",
        "row 1 (line 2)",
        "Created",
    )
    assert stored(engine) == (0, 0)
    bad_input(cli("import", "jira", str(tmp_path / "missing.csv")), "no such file")
    bad_input(cli("import", "github", str(broken)), "no such directory")
    bad_input(cli("import", "linear", str(DATA / "jira_all_fields.csv")), "missing column")
    bad_input(
        cli("import", "jira", str(DATA / "jira_all_fields.csv"), "--time-zone", "Mars/Olympus"),
        "unknown time zone",
    )
    json_broken = tmp_path / "broken.json"
    json_broken.write_text('{"issues": [{"key": "X-1"', encoding="utf-8")
    bad_input(cli("import", "jira", str(json_broken)), "broken.json")
    assert stored(engine) == (0, 0)


def _git(repo: Path, *args: str, when: str) -> None:
    env = {
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo),
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_git_import_of_a_small_repository(cli: Cli, tmp_path: Path) -> None:
    repo = tmp_path / "shop"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main", when="2025-06-01T10:00:00Z")
    for day in (1, 2, 3):
        (repo / "notes.txt").write_text(f"day {day}\n")
        _git(repo, "add", "notes.txt", when=f"2025-06-0{day}T10:00:00Z")
        _git(repo, "commit", "-q", "-m", f"change {day}", when=f"2025-06-0{day}T10:00:00Z")
    _git(repo, "tag", "v1.0.0", when="2025-06-03T11:00:00Z")
    result = cli("import", "git", str(repo), "--repo", "acme/shop")
    assert result.exit_code == 0, result.output
    assert "git source 'acme/shop': " in result.stdout
    assert "3 commits, 1 tag" in result.stdout
    bad_input(cli("import", "git", str(tmp_path / "nowhere")), "no such directory")


def test_delivery_team_and_forecast(cli: Cli, recent: date) -> None:
    team = json.loads(cli("delivery", "team", "growth", "--json").stdout)
    assert team["completed"] == PERIOD_DONE
    assert team["cycle_time"]["p85"] == 2.0
    table = cli("delivery", "team", "Growth").stdout
    assert "cycle time 50/85/95" in table
    assert "2.0 days / 2.0 days / 2.0 days" in table
    assert "GRO-F1" in table
    forecast = json.loads(cli("delivery", "forecast", "usage-billing", "--json").stdout)
    outcomes = forecast["forecast"]["outcomes"]
    finish = (recent + timedelta(days=2)).isoformat()
    assert [o["finish_date"] for o in outcomes] == [finish] * 3
    assert forecast["forecast"]["remaining_items"] == OPEN_FEATURE_ITEMS
    text = cli("delivery", "forecast", "usage-billing", "--history-days", "30", "--seed", "1")
    assert text.exit_code == 0, text.output
    assert "95%" in text.stdout
    assert finish in text.stdout
    assert "From 30 days of growth throughput (30 items done), 10,000 trials" in text.stdout
    bad_input(cli("delivery", "forecast", "nope"), "no feature 'nope'")
    bad_input(cli("delivery", "team", "nobody"), "team", "nobody")
    bad_input(cli("delivery", "team", "growth", "--start", "01/06/2025"), "Invalid isoformat")


@pytest.mark.usefixtures("exports")
def test_delivery_dora_and_signals(cli: Cli) -> None:
    june = ("--start", "2025-06-01", "--end", "2025-06-30")
    dora = json.loads(cli("delivery", "dora", *june, "--json").stdout)
    tiles = {t["metric"]: t for t in dora["tiles"]}
    assert tiles["change_failure_rate"]["value"] == 0.5
    assert tiles["deployment_frequency"]["badge"] == "Medium (2023 report)"
    table = cli("delivery", "dora", *june, "--repo", "acme/shop", "--report-year", "2021").stdout
    assert "High (2021 report)" in table
    assert "1 of 2 deployments caused an incident" in table
    bad_input(cli("delivery", "dora", "--report-year", "2019"), "report_year", "2021, 2022, 2023")
    signals = json.loads(cli("delivery", "signals", "--json").stdout)
    kinds = {s["kind"] for s in signals["signals"]}
    assert {"feature_without_owner", "unowned_work", "bouncing_between_teams"} <= kinds
    owners = cli("delivery", "signals", "--kind", "feature_without_owner").stdout
    assert "Audit log export (launched) has no owner" in owners
    assert "Bouncing" not in owners
