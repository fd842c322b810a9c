"""`prodloop metrics`, `prodloop experiments` and `prodloop flags decide` through the real CLI
runner; bad input exits 2 with one line naming the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from prodloop.cli.context import settings as get_settings
from prodloop.cli.main import app
from prodloop.experiments.flags import Context, FlagIn, evaluate
from prodloop.experiments.flags.service import create_flag, flag_config
from prodloop.store import make_engine, make_session_factory, unit_of_work

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRODLOOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PRODLOOP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("PRODLOOP_ACTOR", "ops@example.com")
    monkeypatch.setenv("COLUMNS", "200")
    result = run(
        "init",
        "--workspace",
        "Acme",
        "--admin-email",
        "boss@example.com",
        "--admin-password",
        "long-password",
        "--time-zone",
        "Europe/London",
    )
    assert result.exit_code == 0, result.output
    assert run("features", "add", "checkout", "--title", "Checkout").exit_code == 0
    engine = make_engine(get_settings())
    with unit_of_work(make_session_factory(engine)) as session:
        split = [{"key": "control", "weight": 0.5}, {"key": "b", "weight": 0.5}]
        create_flag(
            session,
            FlagIn.model_validate({"key": "checkout", "enabled": True, "variants": split}),
            actor="t",
        )
    engine.dispose()
    return tmp_path


def test_metrics_experiments_and_flags_from_the_cli(cli_env: Path) -> None:
    added = run("metrics", "add", "orders", "--kind", "conversion", "--event", "order_placed")
    assert added.exit_code == 0, added.output
    assert (
        run(
            "metrics",
            "add",
            "aov",
            "--kind",
            "mean",
            "--event",
            "order_placed",
            "--property",
            "total",
        ).exit_code
        == 0
    )
    listed = json.loads(run("metrics", "list", "--json").stdout)
    assert [m["key"] for m in listed] == ["aov", "orders"]

    created = run(
        "experiments",
        "create",
        "checkout-v2",
        "--feature",
        "checkout",
        "--primary",
        "orders",
        "--secondary",
        "aov",
        "--mde",
        "0.1",
        "--baseline",
        "0.3",
    )
    assert created.exit_code == 0, created.output
    assert run("experiments", "start", "checkout-v2").exit_code == 0
    shown = json.loads(run("experiments", "show", "checkout-v2", "--json").stdout)
    assert shown["status"] == "running"
    assert shown["rules"]["secondary_metrics"] == ["aov"]
    analysis = json.loads(run("experiments", "analyze", "checkout-v2", "--json").stdout)
    assert analysis["verdict"] == "keep running"
    assert [v["units"] for v in analysis["variants"]] == [0, 0]
    assert run("experiments", "analyze", "checkout-v2").exit_code == 0
    assert run("experiments", "stop", "checkout-v2").exit_code == 0
    decided = run("experiments", "decide", "checkout-v2", "iterate", "--reason", "too early")
    assert decided.exit_code == 0, decided.output
    rows = json.loads(run("experiments", "list", "--json").stdout)
    assert [(r["key"], r["decision"], r["decided_by"]) for r in rows] == [
        ("checkout-v2", "iterate", "ops@example.com")
    ]
    assert "checkout-v2" in run("experiments", "list").stdout

    decisions = json.loads(run("flags", "decide", "person-7", "--json").stdout)
    engine = make_engine(get_settings())
    with make_session_factory(engine)() as session:
        from prodloop.experiments.flags.service import get_flag

        expected = evaluate(flag_config(get_flag(session, "checkout")), Context("person-7"))
    engine.dispose()
    assert decisions["checkout"]["variant"] == expected.variant


def test_bad_input_exits_2_with_one_line(cli_env: Path) -> None:
    result = run("experiments", "create", "x", "--feature", "checkout", "--primary", "nope")
    assert result.exit_code == 2
    assert "nope" in result.output
    result = run("metrics", "add", "r", "--kind", "ratio", "--event", "a")
    assert result.exit_code == 2
    assert "denominator_event" in result.output
    assert run("experiments", "show", "missing").exit_code == 2
    assert run("flags", "decide", "p", "--prop", "novalue").exit_code == 2
