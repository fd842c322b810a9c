"""The delivery pages through the real app: the dashboard with its Vega-Lite charts, the
signals list, and the delivery section of the feature page — HTML and JSON twins."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from prodloop.web.pages.signals import evidence_facts
from tests.delivery.interface_data import OPEN_FEATURE_ITEMS, PERIOD_DONE

SPEC = re.compile(r'<script type="application/json" id="chart-([a-z_]+)">(.*?)</script>', re.S)


def twin(client: TestClient, url: str) -> dict[str, Any]:
    """A page's JSON twin."""
    response = client.get(url, headers={"accept": "application/json"})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def embedded_specs(html: str) -> dict[str, dict[str, Any]]:
    """The chart specs a page embeds, by chart name."""
    return {name: json.loads(text) for name, text in SPEC.findall(html)}


def test_sidebar_links_to_delivery_and_signals(viewer: TestClient) -> None:
    html = viewer.get("/features").text
    assert 'href="/delivery"' in html
    assert 'href="/delivery/signals"' in html


def test_empty_dashboard_explains_how_to_import(viewer: TestClient) -> None:
    response = viewer.get("/delivery")
    assert response.status_code == 200
    assert "No work items yet" in response.text
    assert "prodloop import jira" in response.text
    data = twin(viewer, "/delivery")
    assert data["has_work_items"] is False
    assert data["dashboard"] is None


def test_dashboard_shows_the_busiest_team_with_charts(viewer: TestClient, recent: date) -> None:
    response = viewer.get("/delivery")
    assert response.status_code == 200
    html = response.text
    assert "vega-lite-5.23.0.min.js" in html
    assert "/static/js/charts.js" in html
    assert 'aria-current="page"' in html
    assert ">Growth<" in html
    specs = embedded_specs(html)
    assert set(specs) == {"cycle_time", "aging", "throughput", "wip", "unplanned"}  # no PRs
    scatter = specs["cycle_time"]
    assert scatter["$schema"].endswith("vega-lite/v5.json")
    assert len(scatter["data"]["values"]) == PERIOD_DONE
    rules = scatter["layer"][1]["data"]["values"]
    assert [(r["percentile"], r["days"]) for r in rules] == [
        ("50%", 2.0),
        ("85%", 2.0),
        ("95%", 2.0),
    ]
    data = twin(viewer, "/delivery")
    assert data["dashboard"]["team"]["key"] == "growth"
    assert data["dashboard"]["completed"] == PERIOD_DONE
    # The JSON twin carries the very specs the page embeds (ages move on with the clock).
    assert data["charts"].keys() == specs.keys()
    assert {k: v for k, v in data["charts"].items() if k != "aging"} == {
        k: v for k, v in specs.items() if k != "aging"
    }
    assert "GRO-F1" in html  # the oldest item in progress


def test_dashboard_period_and_team_come_from_the_url(viewer: TestClient, recent: date) -> None:
    start = recent - timedelta(days=6)
    data = twin(viewer, f"/delivery?team=growth&start={start}&granularity=day")
    assert data["dashboard"]["period"]["days"] == 7
    assert data["dashboard"]["completed"] == 6  # one a day, none yet today
    assert len(data["charts"]["throughput"]["data"]["values"]) == 7
    assert data["filters"]["granularity"] == "day"


def test_unusable_filters_are_explained(viewer: TestClient, recent: date) -> None:
    bad_date = viewer.get("/delivery?start=yesterday")
    assert bad_date.status_code == 422
    assert "not a date" in bad_date.text
    unknown = viewer.get("/delivery?team=nobody")
    assert unknown.status_code == 404
    assert "no team" in unknown.text
    backwards = twin_with_status(viewer, "/delivery?start=2025-02-01&end=2025-01-01", 422)
    assert backwards["error_field"] == "start"


def twin_with_status(client: TestClient, url: str, status: int) -> dict[str, Any]:
    response = client.get(url, headers={"accept": "application/json"})
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()
    return data


@pytest.mark.usefixtures("exports")
def test_dora_tiles_carry_band_badges(viewer: TestClient) -> None:
    url = "/delivery?team=Payments&start=2025-06-01&end=2025-06-30&report_year=2021"
    html = viewer.get(url).text
    assert "High (2021 report)" in html
    assert "Low (2021 report)" in html  # half the deployments caused an incident
    assert "band-high" in html
    assert "Apache DevLake" in html
    data = twin(viewer, url)
    assert data["dora"]["deployments"] == 2
    assert "deployments" in data["charts"]


def test_signals_page_lists_signals_with_evidence(editor: TestClient, recent: date) -> None:
    target = recent + timedelta(days=1)
    editor.patch("/api/v1/features/usage-billing", json={"target_date": target.isoformat()})
    html = editor.get("/delivery/signals").text
    assert "Target date at risk" in html
    assert "Usage-based billing has a 0% chance of meeting" in html
    assert 'href="/features/usage-billing"' in html
    assert "Evidence" in html
    assert "2 open items have no owner in growth" in html
    data = twin(editor, "/delivery/signals")
    kinds = [s["kind"] for s in data["signals"]]
    assert kinds[0] == "target_date_at_risk"  # the only critical one
    assert data["total"] == len(kinds)
    facts = {f["label"]: f["value"] for f in data["signals"][0]["facts"]}
    assert facts["probability of meeting target"] == "0%"


def test_signals_page_filters(viewer: TestClient, recent: date) -> None:
    data = twin(viewer, "/delivery/signals?kind=feature_without_owner")
    assert {s["subject"] for s in data["signals"]} == {"audit-export", "dark-mode"}
    data = twin(viewer, "/delivery/signals?team=growth&severity=info")
    assert [s["kind"] for s in data["signals"]] == ["unowned_work"]
    assert data["filters"] == {"family": None, "kind": None, "team": "growth", "severity": "info"}
    delays = twin(viewer, "/delivery/signals?family=delay")
    assert delays["filters"]["family"] == "delay"
    assert delays["signals"] == []
    counts = {f["family"]: f["count"] for f in delays["families"]}
    assert counts == {"delay": 0, "ownership": 3, "firefighting": 0}
    ownership = twin(viewer, "/delivery/signals?family=ownership")
    assert len(ownership["signals"]) == 3
    html = viewer.get("/delivery/signals?kind=added_mid_sprint").text
    assert "No signals match these filters" in html
    assert viewer.get("/delivery/signals?severity=dire").status_code == 422


def test_feature_page_delivery_section(editor: TestClient, recent: date) -> None:
    target = recent + timedelta(days=30)
    editor.patch("/api/v1/features/usage-billing", json={"target_date": target.isoformat()})
    html = editor.get("/features/usage-billing").text
    section = html[html.index('id="delivery"') : html.index('id="edit"')]
    assert "100%" in section
    assert "chance of meeting the target date" in section
    assert "from 90 days of growth throughput" in section
    assert "10,000 trials" in section
    finish = (recent + timedelta(days=2)).strftime("%d %b %Y")
    assert section.count(finish) == 3  # 50, 85 and 95% agree for a constant throughput
    assert "GRO-F1" in section
    assert "Unowned" in section
    data = twin(editor, "/features/usage-billing")
    delivery = data["delivery"]
    assert delivery["forecast"]["remaining_items"] == OPEN_FEATURE_ITEMS
    assert delivery["forecast"]["probability_of_meeting_target"] == 1.0
    assert data["feature"]["key"] == "usage-billing"  # the rest of the twin is unchanged


def test_feature_page_without_work_items(viewer: TestClient) -> None:
    html = viewer.get("/features/dark-mode").text
    assert "No work items linked yet" in html
    assert "[dark-mode]" in html


def test_evidence_reads_as_label_and_value_lines() -> None:
    shares = ({"start": date(2026, 5, 1), "items_done": 4, "unplanned_done": 1},)
    evidence = {
        "team": "integrations",
        "shares": shares,
        "slope_per_bucket": 0.024,
        "latest_share": 0.43,
        "target_slips": {"redatings": 3, "first_set_at": datetime(2026, 8, 31, 14, tzinfo=UTC)},
        "item_keys": [f"K-{n}" for n in range(10)],
    }
    facts = {f.label: f.value for f in evidence_facts(evidence)}
    assert facts == {
        "team": "integrations",
        "unplanned / done": "2026-05-01: 1/4",
        "slope per bucket": "+2.4 points",
        "latest share": "43%",
        "target slips · redatings": "3",
        "target slips · first set at": "2026-08-31",
        "item keys": "K-0, K-1, K-2, K-3, K-4, K-5, K-6, K-7 … (+2)",
    }
