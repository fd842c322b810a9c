"""/api/v1/delivery through the real app on SQLite and PostgreSQL, after imports made with the
real CLI: team dashboards, DORA, feature forecasts, team forecasts, signals and sources.

Expected numbers are worked out by hand from the fixture files (see the comments) or follow
from the known-answer data of ``interface_data`` (one item finished every day).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.delivery.interface_data import (
    OPEN_FEATURE_ITEMS,
    PERIOD_BUGS,
    PERIOD_DONE,
    workspace_today,
)

API = "/api/v1/delivery"


def ok(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def refused(response: Any, status: int, field: str) -> dict[str, Any]:
    """The error body of a refusal, after checking its status and the field it names."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["field"] == field, error
    return error


def set_target(client: TestClient, key: str, target: date) -> None:
    response = client.patch(f"/api/v1/features/{key}", json={"target_date": target.isoformat()})
    assert response.status_code == 200, response.text


# --- reading needs a sign-in --------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/teams", "/teams/growth", "/signals", "/dora", "/features/sso", "/sources"]
)
def test_anonymous_callers_are_refused(client: TestClient, path: str) -> None:
    assert client.get(API + path).status_code == 401


# --- team dashboards ----------------------------------------------------------------------


@pytest.mark.usefixtures("exports")
def test_team_dashboard_from_the_export_fixtures(viewer: TestClient) -> None:
    teams = {t["key"]: t for t in ok(viewer, f"{API}/teams")}
    assert teams["Payments"]["work_items"] == 11  # 7 CSV rows + 4 REST issues
    assert teams["growth"]["in_ledger"]
    assert teams["growth"]["work_items"] == 4
    data = ok(viewer, f"{API}/teams/Payments", start="2025-03-01", end="2025-07-15")
    assert data["period"] == {
        "start": "2025-03-01",
        "end": "2025-07-15",
        "days": 137,
        "granularity": "week",
        "time_zone": "Europe/Berlin",
    }
    assert data["completed"] == 3  # PAY-2, PAY-10, PAY-11
    # PAY-2: created 04 Mar 11:20, resolved 30 Mar 15:42 (UTC), never started → 26 d 4 h 22 min.
    pay2 = next(p for p in data["scatter"] if p["key"] == "PAY-2")
    assert pay2["cycle_time_days"] == pytest.approx(26 + 262 / 1440)
    assert pay2["lead_time_days"] == pytest.approx(26 + 262 / 1440)
    assert data["cycle_time"]["count"] == 3
    assert data["cycle_time"]["p50"] == pytest.approx(26 + 262 / 1440)  # the middle of three
    assert sum(b["items_done"] for b in data["throughput"]) == 3
    assert data["throughput"][0]["start"] == "2025-02-24"  # the Monday of 1 March's week


def test_team_dashboard_known_answers(viewer: TestClient, recent: date) -> None:
    data = ok(viewer, f"{API}/teams/growth")
    assert data["team"] == {"key": "growth", "name": "Growth"}
    assert data["period"]["end"] == recent.isoformat()
    assert data["period"]["days"] == 84
    assert data["completed"] == PERIOD_DONE
    assert data["cycle_time"] == {"count": PERIOD_DONE, "p50": 2.0, "p85": 2.0, "p95": 2.0}
    assert data["lead_time"]["p85"] == pytest.approx(5.0)
    assert data["throughput_per_week"] == pytest.approx(PERIOD_DONE * 7 / 84)
    assert data["unplanned"]["unplanned_done"] == PERIOD_BUGS
    assert data["unplanned"]["share"] == pytest.approx(PERIOD_BUGS / PERIOD_DONE)
    assert data["wip_now"] == 1
    (aging,) = data["aging"]
    assert aging["key"] == "GRO-F1"
    assert aging["band"] == "over_p95"  # ten days old against 2-day cycle times
    # Each finished item was in progress at the end of the two days before it was done.
    wip = {point["day"]: point["wip"] for point in data["wip"]}
    assert wip[(recent - timedelta(days=30)).isoformat()] == 2 + 0  # GRO-F1 started later
    assert wip[(recent - timedelta(days=5)).isoformat()] == 2 + 1


def test_team_dashboard_by_month(viewer: TestClient, recent: date) -> None:
    data = ok(viewer, f"{API}/teams/growth", granularity="month")
    assert data["period"]["granularity"] == "month"
    assert sum(b["items_done"] for b in data["throughput"]) == PERIOD_DONE
    assert all(b["start"].endswith("-01") for b in data["throughput"])


def test_dashboard_refusals_name_the_field(viewer: TestClient) -> None:
    refused(viewer.get(f"{API}/teams/nobody"), 404, "team")
    refused(viewer.get(f"{API}/teams/growth", params={"start": "2025-02-30"}), 422, "start")
    refused(
        viewer.get(f"{API}/teams/growth", params={"start": "2025-03-01", "end": "2025-02-01"}),
        422,
        "start",
    )
    refused(viewer.get(f"{API}/teams/growth", params={"granularity": "year"}), 422, "granularity")


# --- DORA ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("exports")
def test_dora_for_june_2025_by_hand(viewer: TestClient) -> None:
    data = ok(viewer, f"{API}/dora", start="2025-06-01", end="2025-06-30")
    assert data["repos"] == ["acme/shop"]
    assert data["report_year"] == 2023
    tiles = {tile["metric"]: tile for tile in data["tiles"]}
    # Production successes: 1001 (finished 2 Jun 18:05) and 1002 (3 Jun 15:10); 1004 failed.
    assert data["deployments"] == 2
    # One deployment week, one deployment month: weekly median 0, monthly 2 → Medium (2023).
    frequency = tiles["deployment_frequency"]
    assert frequency["band"] == "medium"
    assert frequency["badge"] == "Medium (2023 report)"
    # PR 10: 18 h coding + 25 h open + 5 h 10 min to 1002; PR 11: 2 h 20 + 4 h + 3 h 10.
    lead = tiles["lead_time_for_changes"]
    assert lead["value"] == pytest.approx((48 + 10 / 60 + 9.5) / 2 / 24)
    assert lead["badge"] == "High (2023 report)"
    # Incident #6 (3 Jun 16:00) follows 1002: one failed deployment of two.
    assert tiles["change_failure_rate"]["value"] == 0.5
    assert tiles["change_failure_rate"]["band"] == "low"
    # Resolved 17:30, 2 h 20 min after 1002 finished.
    recovery = tiles["failed_deployment_recovery_time"]
    assert recovery["value"] == pytest.approx((2 + 20 / 60) / 24)
    assert recovery["display"] == "2.3 h"
    weeks = {w["start"]: w["deployments"] for w in data["deployments_by_week"]}
    assert weeks["2025-06-02"] == 2


@pytest.mark.usefixtures("exports")
def test_dora_bands_follow_the_report_year(viewer: TestClient) -> None:
    june = {"start": "2025-06-01", "end": "2025-06-30"}
    data = ok(viewer, f"{API}/dora", report_year=2021, repo="acme/shop", **june)
    frequency = data["tiles"][0]
    assert frequency["badge"] == "High (2021 report)"  # 2021: monthly median ≥ 1 is high
    assert data["repo"] == "acme/shop"
    assert "2021" in data["report"]
    refused(viewer.get(f"{API}/dora", params={"report_year": 2019}), 422, "report_year")
    refused(viewer.get(f"{API}/dora", params={"repo": "acme/nope"}), 422, "repo")


def test_dora_with_no_deployments_has_no_bands(viewer: TestClient) -> None:
    data = ok(viewer, f"{API}/dora")
    assert data["deployments"] == 0
    assert all(tile["band"] is None and tile["badge"] is None for tile in data["tiles"])


# --- forecasts ----------------------------------------------------------------------------


def test_feature_forecast_known_answer(editor: TestClient, recent: date) -> None:
    set_target(editor, "usage-billing", recent + timedelta(days=30))
    data = ok(editor, f"{API}/features/usage-billing")
    assert data["counts"]["todo"] + data["counts"]["in_progress"] == OPEN_FEATURE_ITEMS
    forecast = data["forecast"]
    assert forecast["remaining_items"] == OPEN_FEATURE_ITEMS
    assert forecast["history"]["items_done"] == 90  # one a day over the 90-day window
    assert forecast["history"]["end"] == (recent - timedelta(days=1)).isoformat()
    # One item a day, every day: three items take three days whatever the confidence.
    finish = (recent + timedelta(days=2)).isoformat()
    assert [(o["confidence"], o["days"], o["finish_date"]) for o in forecast["outcomes"]] == [
        (50, 3, finish),
        (85, 3, finish),
        (95, 3, finish),
    ]
    assert forecast["probability_of_meeting_target"] == 1.0
    assert (
        forecast["explanation"]
        == "From 90 days of growth throughput (90 items done), 10,000 trials"
    )


def test_a_target_before_the_forecast_is_out_of_reach(editor: TestClient, recent: date) -> None:
    set_target(editor, "usage-billing", recent + timedelta(days=1))  # needs day 3
    data = ok(editor, f"{API}/features/usage-billing", history_days=30, seed=7)
    assert data["forecast"]["probability_of_meeting_target"] == 0.0
    assert data["forecast"]["history"]["days"] == 30
    assert data["forecast"]["seed"] == 7


def test_feature_without_items_explains_why_there_is_no_forecast(viewer: TestClient) -> None:
    data = ok(viewer, f"{API}/features/dark-mode")
    assert data["counts"]["total"] == 0
    assert data["forecast"]["unavailable"] == "No work items are linked to this feature yet."
    refused(viewer.get(f"{API}/features/nope"), 404, "feature")
    refused(viewer.get(f"{API}/features/sso", params={"history_days": 0}), 422, "history_days")


def test_team_forecast_when_and_how_many(viewer: TestClient, recent: date) -> None:
    by = recent + timedelta(days=6)
    data = ok(viewer, f"{API}/forecast", team="growth", items=10, by=by.isoformat())
    when = data["when"]
    assert {o["finish_date"] for o in when["outcomes"]} == {(recent + timedelta(9)).isoformat()}
    assert {o["items"] for o in data["how_many"]["outcomes"]} == {7}  # today and six more days
    assert data["history"]["items_done"] == 90
    posted = viewer.post(f"{API}/forecast", json={"team": "Growth", "items": 10, "seed": 3})
    assert posted.status_code == 200, posted.text
    assert posted.json()["when"]["outcomes"] == when["outcomes"]
    assert posted.json()["how_many"] is None


def test_team_forecast_refusals_name_the_field(viewer: TestClient) -> None:
    today = workspace_today()
    refused(viewer.get(f"{API}/forecast", params={"team": "growth"}), 422, "items")
    refused(viewer.get(f"{API}/forecast", params={"team": "growth", "items": 0}), 422, "items")
    past = (today - timedelta(days=1)).isoformat()
    refused(viewer.get(f"{API}/forecast", params={"team": "growth", "by": past}), 422, "by")
    refused(viewer.get(f"{API}/forecast", params={"items": 3}), 422, "team")
    refused(viewer.get(f"{API}/forecast", params={"team": "nope", "items": 3}), 404, "team")
    refused(viewer.post(f"{API}/forecast", json={"team": "growth", "trials": 5}), 422, "trials")


# --- signals ------------------------------------------------------------------------------


def test_signals_sorted_and_filtered(editor: TestClient, recent: date) -> None:
    set_target(editor, "usage-billing", recent + timedelta(days=1))
    data = ok(editor, f"{API}/signals")
    ranks = {"critical": 0, "warning": 1, "info": 2}
    assert [ranks[s["severity"]] for s in data["signals"]] == sorted(
        ranks[s["severity"]] for s in data["signals"]
    )
    at_risk = next(s for s in data["signals"] if s["kind"] == "target_date_at_risk")
    assert at_risk["severity"] == "critical"
    assert at_risk["subject"] == "usage-billing"
    assert at_risk["team"] == "growth"
    assert at_risk["message"].startswith("Usage-based billing has a 0% chance of meeting")
    assert at_risk["evidence"]["probability_of_meeting_target"] == 0.0
    unowned = ok(editor, f"{API}/signals", kind="unowned_work", team="growth")["signals"]
    assert [s["message"] for s in unowned] == ["2 open items have no owner in growth"]
    assert sorted(unowned[0]["evidence"]["item_keys"]) == ["GRO-F2", "GRO-F3"]
    owners = ok(editor, f"{API}/signals", kind="feature_without_owner")["signals"]
    assert {s["subject"] for s in owners} == {"audit-export", "dark-mode"}
    assert data["by_severity"]["critical"] >= 1
    refused(editor.get(f"{API}/signals", params={"kind": "nonsense"}), 422, "kind")


# --- sources ------------------------------------------------------------------------------


@pytest.mark.usefixtures("exports")
def test_sources_list_with_counts_and_defaults(viewer: TestClient) -> None:
    sources = {(s["kind"], s["name"]): s for s in ok(viewer, f"{API}/sources")}
    assert set(sources) == {
        ("jira", "jira"),
        ("jira_rest", "jira"),
        ("linear", "linear"),
        ("github", "acme/shop"),
    }
    github = sources[("github", "acme/shop")]
    assert github["records"] == {
        "work_items": 4,
        "pull_requests": 4,
        "deployments": 8,
        "incidents": 1,
    }
    assert github["config"]["production_environments"] == ["production", "prod", "live"]


@pytest.mark.usefixtures("exports")
def test_editors_map_workflows_viewers_cannot(editor: TestClient, viewer: TestClient) -> None:
    linear = next(s for s in ok(viewer, f"{API}/sources") if s["kind"] == "linear")
    url = f"{API}/sources/{linear['id']}"
    change = {"epic_features": {"Usage billing": "usage-billing"}}
    assert viewer.patch(url, json=change).status_code == 403
    response = editor.patch(url, json=change)
    assert response.status_code == 200, response.text
    assert response.json()["config"]["epic_features"] == {"Usage billing": "usage-billing"}
    # GRO-101 belongs to the "Usage billing" project: it now counts for the feature.
    keys = [i["key"] for i in ok(viewer, f"{API}/features/usage-billing")["done_items"]]
    assert "GRO-101" in keys
    workflow = {"workflow": {"unplanned_labels": {"Analytics": True}}}
    again = editor.patch(url, json=workflow).json()
    assert again["config"]["epic_features"] == {"Usage billing": "usage-billing"}  # kept
    assert again["config"]["workflow"]["unplanned_labels"] == {"Analytics": True}
    bad = {"workflow": {"statuses": {"Doing": "busy"}}}
    refused(editor.patch(url, json=bad), 422, "workflow.statuses.Doing")
    refused(editor.patch(url, json={"colour": "red"}), 422, "colour")
    refused(editor.patch(f"{API}/sources/9999", json=change), 404, "source")


def test_openapi_documents_the_delivery_endpoints(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/teams/{key}", "/signals", "/dora", "/features/{key}", "/forecast", "/sources"):
        assert f"{API}{path}" in paths
    assert {"get", "post"} <= set(paths[f"{API}/forecast"])
    assert "patch" in paths[f"{API}/sources/{{source_id}}"]
