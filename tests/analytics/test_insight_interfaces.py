"""Every insight through its interfaces: the JSON API, the CLI, the pages and their JSON twins,
saved insights and dashboards (SQLite and PostgreSQL), and refusals that name the field.

Numbers are checked against brute-force counts over the events the test wrote; the interfaces
must hand the engines' results through unchanged (the engines have their own tests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from typer.testing import CliRunner

from prodloop.analytics.insights.registry import INSIGHTS, InsightKind, register
from prodloop.analytics.lake import EventLake
from prodloop.analytics.query.engine import Engine
from prodloop.analytics.schemas import EventRecord
from prodloop.cli.main import app as cli
from prodloop.settings import Settings
from prodloop.web.insight_form import form_fields, query_from_params
from tests.analytics.insight_data import DAYS, daily_counts, local_today, write_events

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
runner = CliRunner()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The app's settings on the backend under test, with an event lake in its data dir."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key",
        lake_compact_seconds=0.0,
    )


@pytest.fixture
def events(app: FastAPI, settings: Settings) -> list[EventRecord]:
    """Two weeks of events in the app's lake."""
    return write_events(EventLake(settings), local_today())


def span() -> dict[str, str]:
    """The two weeks the sample events cover, as a query's date range."""
    today = local_today()
    return {
        "date_from": (today - timedelta(days=DAYS - 1)).isoformat(),
        "date_to": today.isoformat(),
    }


def trends_query(*events: str, **extra: Any) -> dict[str, Any]:
    """A daily trends query of ``events`` over :func:`span`."""
    return {"series": [{"event": e} for e in events], **span(), "interval": "day", **extra}


# --- a kind registered by the tests only: the generic fallbacks ---------------------------------


class CountQuery(BaseModel):
    """Events named ``event`` per UTC day."""

    event: str
    date_from: date
    date_to: date


class CountResult(BaseModel):
    """Days and counts, and the SQL."""

    rows: list[dict[str, Any]]
    sql: str


def run_count(engine: Engine, query: CountQuery, *, tz: str) -> CountResult:
    """Count per day, straight SQL."""
    sql = (
        "SELECT CAST(timestamp AS DATE) AS day, count(*) FROM person_events "
        f"WHERE event = '{query.event}' GROUP BY 1 ORDER BY 1"
    )
    rows = [{"day": str(day), "count": int(n)} for day, n in engine.fetch(sql)]
    return CountResult(rows=rows, sql=sql)


@pytest.fixture
def count_kind() -> Iterator[InsightKind]:
    """The test-only ``test-count`` kind, registered for one test."""
    kind = register(
        InsightKind(
            kind="test-count",
            title="Test count",
            description="Events per day (tests only).",
            query_model=CountQuery,
            run=run_count,
        )
    )
    yield kind
    INSIGHTS.pop("test-count", None)


# --- JSON API ------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_api_lists_every_kind_with_its_query_schema(viewer: TestClient) -> None:
    kinds = {k["kind"]: k for k in viewer.get("/api/v1/insights").json()}
    assert {"trends", "funnels", "stickiness", "lifecycle"} <= set(kinds)
    assert "date_from" in kinds["trends"]["query_schema"]["properties"]
    assert kinds["funnels"]["chart"] == "funnel"


@SQLITE_ONLY
def test_api_trends_counts_local_days_like_a_brute_force_count(
    viewer: TestClient, events: list[EventRecord]
) -> None:
    response = viewer.post("/api/v1/insights/trends", json=trends_query("signed_up"))
    assert response.status_code == 200, response.text
    result = response.json()
    expected = daily_counts(events, "signed_up")
    (line,) = result["lines"]
    pairs = zip(result["labels"], line["values"], strict=True)
    got = {date.fromisoformat(label[:10]): value for label, value in pairs}
    assert got == {day: float(expected.get(day, 0)) for day in got}
    assert len(got) == DAYS
    assert "person_events" in result["sql"]


@SQLITE_ONLY
def test_api_funnel_matches_people_who_did_both(
    viewer: TestClient, events: list[EventRecord]
) -> None:
    query = {"steps": [{"event": "signed_up"}, {"event": "upgraded"}], **span()}
    result = viewer.post("/api/v1/insights/funnels", json=query).json()
    signed = {r["distinct_id"] for r in events if r["event"] == "signed_up"}
    upgraded = {r["distinct_id"] for r in events if r["event"] == "upgraded"}
    assert [s["count"] for s in result["steps"]] == [len(signed), len(signed & upgraded)]


BAD_QUERIES = [
    ({**trends_query("x"), "date_to": "2020-01-01"}, "date_to"),
    ({**trends_query("x"), "interval": "fortnight"}, "interval"),
    ({**span(), "series": []}, "series"),
    ({**trends_query("x"), "surprise": 1}, "surprise"),
]


@SQLITE_ONLY
def test_api_refuses_a_bad_query_naming_the_field(viewer: TestClient) -> None:
    for body, field in BAD_QUERIES:
        response = viewer.post("/api/v1/insights/trends", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["field"] == field
    unknown = viewer.post("/api/v1/insights/nope", json={})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["field"] == "kind"


@SQLITE_ONLY
def test_a_kind_without_chart_builder_falls_back_to_line_and_table(
    admin: TestClient, events: list[EventRecord], count_kind: InsightKind
) -> None:
    result = admin.post("/api/v1/insights/test-count", json={"event": "viewed", **span()}).json()
    assert sum(r["count"] for r in result["rows"]) == sum(daily_counts(events, "viewed").values())
    page = admin.get("/insights/test-count", params={"event": "viewed", **span()})
    assert page.status_code == 200
    twin = admin.get(
        "/insights/test-count", params={"event": "viewed", **span(), "format": "json"}
    ).json()
    assert twin["view"]["chart"]["mark"]["type"] == "line"
    assert twin["view"]["table"]["columns"] == ["day", "count"]
    assert [v["y"] for v in twin["view"]["chart"]["data"]["values"]] == [
        r["count"] for r in result["rows"]
    ]


# --- saved insights and dashboards (both backends) --------------------------------------------


def test_saved_insights_and_dashboards_crud_audited(admin: TestClient, viewer: TestClient) -> None:
    body = {"name": "Sign-ups", "kind": "trends", "query": trends_query("signed_up")}
    created = admin.post("/api/v1/saved-insights", json={**body, "feature": "sso"})
    assert created.status_code == 201, created.text
    insight = created.json()
    assert (insight["feature"], insight["created_by"]) == ("sso", "admin@example.com")
    other = admin.post(
        "/api/v1/saved-insights",
        json={"name": "Stickiness", "kind": "stickiness", "query": trends_query("viewed")},
    ).json()

    listed = admin.get("/api/v1/saved-insights", params={"kind": "trends"}).json()
    assert [s["id"] for s in listed] == [insight["id"]]
    assert [s["id"] for s in admin.get("/api/v1/saved-insights?feature=sso").json()] == [
        insight["id"]
    ]

    bad = admin.patch(
        f"/api/v1/saved-insights/{insight['id']}",
        json={"query": {**body["query"], "date_to": "2000-01-01"}},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "query.date_to"
    renamed = admin.patch(f"/api/v1/saved-insights/{insight['id']}", json={"name": "Signups"})
    assert renamed.json()["name"] == "Signups"

    board = admin.post(
        "/api/v1/dashboards",
        json={"name": "Growth", "tiles": [{"insight_id": insight["id"], "width": "full"}]},
    )
    assert board.status_code == 201, board.text
    board_id = board.json()["id"]
    added = admin.post(f"/api/v1/dashboards/{board_id}/tiles", json={"insight_id": other["id"]})
    assert [(t["insight_id"], t["width"]) for t in added.json()["tiles"]] == [
        (insight["id"], "full"),
        (other["id"], "half"),
    ]
    duplicate = admin.post("/api/v1/dashboards", json={"name": "Growth"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["field"] == "name"
    missing = admin.post("/api/v1/dashboards", json={"name": "X", "tiles": [{"insight_id": 999}]})
    assert missing.json()["error"]["field"] == "tiles.0.insight_id"

    assert viewer.post("/api/v1/saved-insights", json=body).status_code == 403
    assert viewer.get(f"/api/v1/dashboards/{board_id}").status_code == 200

    assert admin.delete(f"/api/v1/saved-insights/{insight['id']}").status_code == 200
    tiles = admin.get(f"/api/v1/dashboards/{board_id}").json()["tiles"]
    assert [t["insight_id"] for t in tiles] == [other["id"]]
    assert admin.delete(f"/api/v1/dashboards/{board_id}").status_code == 200
    assert admin.get(f"/api/v1/dashboards/{board_id}").status_code == 404

    audit = admin.get("/api/v1/audit", params={"per_page": 100}).json()["items"]
    trail = [(e["entity_type"], e["action"]) for e in audit if e["entity_type"] != "feature"]
    for entry in [
        ("saved_insight", "create"),
        ("saved_insight", "update"),
        ("saved_insight", "delete"),
        ("dashboard", "create"),
        ("dashboard", "update"),
        ("dashboard", "delete"),
    ]:
        assert entry in trail


@SQLITE_ONLY
def test_unknown_kind_or_feature_is_refused_when_saving(admin: TestClient) -> None:
    nope = admin.post("/api/v1/saved-insights", json={"name": "n", "kind": "nope", "query": {}})
    assert (nope.status_code, nope.json()["error"]["field"]) == (422, "kind")
    feature = admin.post(
        "/api/v1/saved-insights",
        json={"name": "n", "kind": "trends", "query": trends_query("a"), "feature": "zzz"},
    )
    assert feature.json()["error"]["field"] == "feature"


@SQLITE_ONLY
def test_saved_result_is_the_query_run_now(admin: TestClient, events: list[EventRecord]) -> None:
    query = trends_query("viewed")
    saved = admin.post(
        "/api/v1/saved-insights", json={"name": "Views", "kind": "trends", "query": query}
    ).json()
    ran = admin.get(f"/api/v1/saved-insights/{saved['id']}/result").json()
    assert ran["result"] == admin.post("/api/v1/insights/trends", json=query).json()


# --- pages and their JSON twins ------------------------------------------------------------------


@SQLITE_ONLY
def test_insight_pages_render_chart_table_and_sql(
    viewer: TestClient, events: list[EventRecord]
) -> None:
    index = viewer.get("/insights")
    assert index.status_code == 200
    assert "Funnels" in index.text
    assert "signed_up" in index.text
    for kind in ("trends", "funnels", "retention", "paths", "stickiness", "lifecycle"):
        if kind not in {k["kind"] for k in viewer.get("/api/v1/insights").json()}:
            continue
        page = viewer.get(f"/insights/{kind}")
        assert page.status_code == 200, (kind, page.text[:500])
        assert "Show SQL" in page.text
        twin = viewer.get(f"/insights/{kind}", params={"format": "json"}).json()
        assert twin["view"]["error"] is None, (kind, twin["view"])
        assert twin["view"]["sql"], kind
        assert twin["view"]["chart"]["$schema"].startswith("https://vega.github.io"), kind


@SQLITE_ONLY
def test_the_editor_form_is_the_query(viewer: TestClient, events: list[EventRecord]) -> None:
    params = [("series", "signed_up"), ("series", "upgraded"), ("series", "")]
    params += [*span().items(), ("interval", "day"), ("compare", "false"), ("compare", "true")]
    twin = viewer.get("/insights/trends", params=[*params, ("format", "json")]).json()
    assert twin["query"]["series"] == [{"event": "signed_up"}, {"event": "upgraded"}]
    assert twin["query"]["compare"] is True
    api = viewer.post("/api/v1/insights/trends", json=twin["query"]).json()
    assert twin["view"]["result"] == api
    chart = twin["view"]["chart"]
    dashed = {v["period"] for v in chart["data"]["values"]}
    assert dashed == {"current", "previous"}
    upgraded = [
        v["value"]
        for v in chart["data"]["values"]
        if v["series"].endswith("upgraded") and v["period"] == "current"
    ]
    assert sum(upgraded) == sum(daily_counts(events, "upgraded").values())


@SQLITE_ONLY
def test_a_bad_form_value_is_shown_naming_the_field(viewer: TestClient) -> None:
    params = {**span(), "series": "viewed", "date_to": "2001-01-01"}
    response = viewer.get("/insights/trends", params=params)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    twin = viewer.get("/insights/trends", params={"filters": "[not json", "format": "json"}).json()
    assert twin["view"]["error_field"] == "filters"


@SQLITE_ONLY
def test_save_from_the_page_to_a_new_dashboard(
    editor: TestClient, events: list[EventRecord]
) -> None:
    query = trends_query("viewed")
    response = editor.post(
        "/insights/trends/save",
        data={
            "name": "Views",
            "query": json.dumps(query),
            "dashboard": "new",
            "new_dashboard": "Weekly",
            "width": "full",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    board_url = response.headers["location"]
    assert re.fullmatch(r"/dashboards/\d+", board_url)
    page = editor.get(board_url)
    assert page.status_code == 200
    assert "Views" in page.text
    twin = editor.get(board_url, params={"format": "json"}).json()
    (tile,) = twin["tiles"]
    assert tile["width"] == "full"
    assert tile["view"]["result"] == editor.post("/api/v1/insights/trends", json=query).json()
    week = {"date_from": (local_today() - timedelta(days=6)).isoformat()}
    over = editor.get(board_url, params={**week, "format": "json"}).json()["tiles"][0]
    assert (
        over["view"]["result"]
        == editor.post("/api/v1/insights/trends", json={**query, **week}).json()
    )
    listing = editor.get("/dashboards", params={"format": "json"}).json()
    assert [d["name"] for d in listing["dashboards"]] == ["Weekly"]
    moved = editor.post(f"{board_url}/tiles/0/resize", follow_redirects=False)
    assert moved.status_code == 303
    assert editor.get(board_url, params={"format": "json"}).json()["tiles"][0]["width"] == "half"


@SQLITE_ONLY
def test_empty_states(viewer: TestClient) -> None:
    assert "No events yet" in viewer.get("/insights").text
    assert "No dashboards yet" in viewer.get("/dashboards").text


def test_form_fields_round_trip_a_query() -> None:
    from prodloop.analytics.insights.registry import load_all

    model = load_all()["trends"].query_model
    query = {
        **trends_query("a", "b"),
        "breakdown": {"key": "$browser", "on": "event"},
        "filters": [{"key": "plan", "value": "pro"}],
    }
    params: list[tuple[str, str]] = []
    for field in form_fields(model, query):
        values = field.values if field.widget in {"steps", "events"} else [field.value]
        params += [(field.name, value) for value in values]
    rebuilt = query_from_params(model, params, {})
    assert model.model_validate(rebuilt) == model.model_validate(query)


# --- CLI ------------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(settings: Settings, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI pointed at the app's store and lake."""
    monkeypatch.setenv("PRODLOOP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PRODLOOP_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("COLUMNS", "200")
    return settings


@SQLITE_ONLY
def test_cli_runs_insights_like_the_api(
    cli_env: Settings, admin: TestClient, events: list[EventRecord]
) -> None:
    window = span()
    args = ["insights", "run", "trends", "--event", "signed_up", "--interval", "day"]
    args += ["--from", window["date_from"], "--to", window["date_to"]]
    as_json = runner.invoke(cli, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    api = admin.post("/api/v1/insights/trends", json=trends_query("signed_up")).json()
    assert json.loads(as_json.stdout) == api
    sql = runner.invoke(cli, [*args, "--sql"])
    assert sql.stdout.strip() == api["sql"].strip()
    table = runner.invoke(cli, args)
    assert table.exit_code == 0
    total = sum(daily_counts(events, "signed_up").values())
    assert re.search(rf"total\s.*\b{total}\b", table.stdout)

    funnel = runner.invoke(
        cli, ["insights", "run", "funnels", "--event", "signed_up", "--event", "upgraded", "--json"]
    )
    assert funnel.exit_code == 0, funnel.output
    assert len(json.loads(funnel.stdout)["steps"]) == 2


BAD_CLI = [
    (["run", "trends", "--from", "nope"], "date_from"),
    (["run", "trends", "--interval", "fortnight"], "interval"),
    (["run", "nope"], "kind"),
    (["run", "trends", "--set", "oops"], "set"),
    (["show", "999"], "insight"),
]


@SQLITE_ONLY
def test_cli_bad_input_exits_2_naming_the_field(cli_env: Settings) -> None:
    for args, field in BAD_CLI:
        result = runner.invoke(cli, ["insights", *args])
        assert result.exit_code == 2, args
        assert field in result.output or field.replace("_", " ") in result.output, args
        assert len(result.output.strip().splitlines()) == 1, result.output


@SQLITE_ONLY
def test_cli_saved_insights_and_dashboards(
    cli_env: Settings, admin: TestClient, events: list[EventRecord]
) -> None:
    query = trends_query("viewed")
    saved = admin.post(
        "/api/v1/saved-insights", json={"name": "Views", "kind": "trends", "query": query}
    ).json()
    board = admin.post(
        "/api/v1/dashboards", json={"name": "Weekly", "tiles": [{"insight_id": saved["id"]}]}
    ).json()
    listed = runner.invoke(cli, ["insights", "list", "--json"])
    assert [s["name"] for s in json.loads(listed.stdout)] == ["Views"]
    shown = runner.invoke(cli, ["insights", "show", str(saved["id"]), "--json"])
    api = admin.post("/api/v1/insights/trends", json=query).json()
    assert json.loads(shown.stdout) == api
    boards = runner.invoke(cli, ["dashboards", "list"])
    assert "Weekly" in boards.stdout
    whole = json.loads(
        runner.invoke(cli, ["dashboards", "show", str(board["id"]), "--json"]).stdout
    )
    assert whole["tiles"][0]["result"] == api
    text = runner.invoke(cli, ["dashboards", "show", str(board["id"])])
    assert text.exit_code == 0
    assert "Views" in text.stdout
    kinds = runner.invoke(cli, ["insights", "kinds"])
    assert "trends" in kinds.stdout
