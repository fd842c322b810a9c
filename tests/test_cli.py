"""The CLI through its runner, on SQLite and PostgreSQL; bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from prodloop.cli.main import app
from prodloop.store.migrate import head_revision

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at an empty store on the backend under test."""
    monkeypatch.setenv("PRODLOOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PRODLOOP_DATABASE_URL", database_url)
    monkeypatch.setenv("PRODLOOP_ACTOR", "ops@example.com")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def bad_input(result: Result, *fragments: str) -> None:
    """Exit code 2, one line on stderr, naming what was wrong."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture
def initialised(cli_env: Path) -> Path:
    result = run(
        "init",
        "--workspace",
        "Acme",
        "--admin-email",
        "Boss@Example.com",
        "--admin-password",
        "long-password",
        "--time-zone",
        "Europe/London",
    )
    assert result.exit_code == 0, result.output
    return cli_env


def test_init_add_list_show_set_stage(initialised: Path) -> None:
    assert (
        run(
            "features",
            "add",
            "sso",
            "--title",
            "Single sign-on",
            "--tag",
            "enterprise",
            "--target-date",
            "2026-12-31",
        ).exit_code
        == 0
    )
    assert (
        run(
            "features", "add", "dark-mode", "--title", "Dark mode", "--stage", "discovery"
        ).exit_code
        == 0
    )
    listed = json.loads(run("features", "list", "--json").stdout)
    assert [f["key"] for f in listed] == ["sso", "dark-mode"]
    assert listed[0]["tags"] == ["enterprise"]
    only = json.loads(run("features", "list", "--json", "--stage", "discovery").stdout)
    assert [f["key"] for f in only] == ["dark-mode"]
    table = run("features", "list").stdout
    assert "2 features" in table
    assert "unowned" in table
    moved = run("features", "set-stage", "sso", "building", "--reason", "staffed")
    assert moved.exit_code == 0
    shown = json.loads(run("features", "show", "sso", "--json").stdout)
    assert shown["stage"] == "building"
    assert shown["stage_history"][-1]["changed_by"] == "ops@example.com"
    assert shown["stage_history"][-1]["reason"] == "staffed"
    assert "Stage history" in run("features", "show", "sso").stdout


def test_bad_input_exits_2_with_one_line(initialised: Path) -> None:
    run("features", "add", "sso", "--title", "SSO")
    bad_input(run("features", "add", "sso", "--title", "Again"), "already taken")
    bad_input(
        run("features", "add", "x", "--title", "X", "--owner", "nobody@example.com"),
        "owner",
        "nobody@example.com",
    )
    bad_input(run("features", "add", "Bad Key", "--title", "X"), "key")
    bad_input(run("features", "set-stage", "sso", "shipped"), "unknown stage")
    bad_input(run("features", "show", "nope"), "no feature")
    bad_input(
        run("features", "add", "y", "--title", "Y", "--target-date", "31/12/2026"),
        "Invalid isoformat",
    )
    run("features", "set-stage", "sso", "retired")
    bad_input(run("features", "set-stage", "sso", "building"), "needs a reason")
    bad_input(
        run(
            "init",
            "--workspace",
            "Again",
            "--admin-email",
            "x@example.com",
            "--admin-password",
            "long-password",
        ),
        "already has a workspace",
    )
    bad_input(run("users", "add", "v@example.com", "--password", "short"), "at least 8")
    bad_input(run("export", "features", "--format", "xml"), "csv or json")


def test_import_export_round_trip_and_idempotence(initialised: Path) -> None:
    run("features", "add", "sso", "--title", "SSO")
    csv_file = initialised / "features.csv"
    csv_file.write_text(
        "\ufeffkey,title,stage,tags,links,target_date\r\n"
        "sso,Single sign-on,building,enterprise; security,Spec|https://docs.example.com/sso,2027-01-15\r\n"
        "audit-export,Audit log export,idea,,,\r\n"
        '"bulk-edit","Bulk edit, with commas",planned,,,\r\n',
        encoding="utf-8",
    )
    first = run("import", "features", str(csv_file))
    assert first.exit_code == 0, first.output
    assert "2 created, 1 updated, 0 unchanged" in first.stdout
    second = run("import", "features", str(csv_file))
    assert "0 created, 0 updated, 3 unchanged" in second.stdout
    exported = run("export", "features", "--format", "csv").stdout
    assert exported.splitlines()[0] == (
        "key,title,description,stage,product_area,owner,team,target_date,launch_date,tags,links"
    )
    assert (
        "sso,Single sign-on,,building,,,,2027-01-15,,enterprise; security,Spec|https://docs.example.com/sso"
        in exported
    )
    out = initialised / "export.csv"
    assert run("export", "features", "-o", str(out)).exit_code == 0
    assert "0 created, 0 updated, 3 unchanged" in run("import", "features", str(out)).stdout
    data = json.loads(run("export", "features", "--format", "json").stdout)
    sso = next(f for f in data["features"] if f["key"] == "sso")
    assert [h["to"] for h in sso["stage_history"]] == ["idea", "building"]


def test_malformed_csv_names_row_and_column_and_writes_nothing(initialised: Path) -> None:
    csv_file = initialised / "bad.csv"
    csv_file.write_text(
        "key,title,stage,target_date\ngood-one,Good,idea,\nbad-date,Bad,idea,2026-13-40\n",
        encoding="utf-8",
    )
    bad_input(run("import", "features", str(csv_file)), "row 3", "column target_date", "2026-13-40")
    assert json.loads(run("features", "list", "--json").stdout) == []
    csv_file.write_text("key,title,owner\nx,X,ghost@example.com\n", encoding="utf-8")
    bad_input(run("import", "features", str(csv_file)), "row 2", "column owner")
    csv_file.write_text("key,name\nx,X\n", encoding="utf-8")
    bad_input(run("import", "features", str(csv_file)), "row 1", "column name")
    csv_file.write_text("key,title\nx,X\nx,Y\n", encoding="utf-8")
    bad_input(run("import", "features", str(csv_file)), "row 3", "already appears in row 2")
    bad_input(run("import", "features", str(initialised / "missing.csv")), "no such file")
    assert json.loads(run("features", "list", "--json").stdout) == []


def test_users_and_tokens(initialised: Path) -> None:
    added = run(
        "users", "add", "viewer@example.com", "--role", "viewer", "--password", "long-password"
    )
    assert added.exit_code == 0
    assert "viewer@example.com" in run("users", "list").stdout
    token = run("users", "token", "boss@example.com", "--scope", "write")
    assert token.stdout.strip().startswith("pl_")
    bad_input(run("users", "token", "viewer@example.com", "--scope", "write"), "read tokens")


def test_db_upgrade_and_current(cli_env: Path) -> None:
    assert run("db", "upgrade").exit_code == 0
    revisions = json.loads(run("db", "current").stdout)
    assert revisions["current"] == revisions["head"] == head_revision()


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    import typer.main

    group = typer.main.get_command(app)
    commands: list[str] = []

    def walk(command: object, prefix: str) -> None:
        sub = getattr(command, "commands", None)
        if sub:
            for name, child in sub.items():
                walk(child, f"{prefix} {name}".strip())
        else:
            commands.append(prefix)
            assert getattr(command, "help", None), f"`prodloop {prefix}` has no help"

    walk(group, "")
    missing = [c for c in commands if f"prodloop {c}" not in readme]
    assert not missing, f"README lacks: {missing}"


def test_demo_twice_with_the_same_seed_gives_identical_ledgers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`prodloop demo --seed 7 --no-serve` twice: the exported ledgers are identical."""
    monkeypatch.setenv("COLUMNS", "200")
    exports = []
    manifests = []
    for attempt in ("first", "second"):
        monkeypatch.setenv("PRODLOOP_DATA_DIR", str(tmp_path / attempt))
        monkeypatch.delenv("PRODLOOP_DATABASE_URL", raising=False)
        for _ in range(2):  # rebuilding over an earlier demo in the same folder works too
            built = run(
                "demo", "--seed", "7", "--no-serve", "--as-of", "2026-11-20", "--scale", "0.1"
            )
            assert built.exit_code == 0, built.output
        assert "admin@demo.prodloop.dev" in built.stdout
        exports.append(run("export", "features", "--format", "json").stdout)
        manifests.append((tmp_path / attempt / "demo-manifest.json").read_text())
    assert exports[0] == exports[1]
    assert manifests[0] == manifests[1]
    features = json.loads(exports[0])["features"]
    assert 45 <= len(features) <= 60
    assert {f["stage"] for f in features} == {
        "idea",
        "discovery",
        "planned",
        "building",
        "beta",
        "launched",
        "adopted",
        "retired",
    }


def test_demo_refuses_to_overwrite_a_real_workspace(initialised: Path) -> None:
    bad_input(run("demo", "--no-serve"), "real workspace", "--reset")
    bad_input(run("demo", "--no-serve", "--scale", "9"), "--scale")
    assert run("features", "list", "--json").exit_code == 0
