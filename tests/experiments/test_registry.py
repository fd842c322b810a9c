"""The experiment registry through its JSON API: design, power plan, start (rules frozen),
stop, the decision record, the audit trail and errors that name the field."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from prodloop.experiments.flags import FlagIn
from prodloop.experiments.flags.service import create_flag
from prodloop.experiments.stats import MetricBaseline, plan_experiment
from prodloop.ledger.models import AuditEntry
from prodloop.store import unit_of_work
from tests.conftest import csrf_of

SPLIT = [{"key": "control", "weight": 0.5}, {"key": "test", "weight": 0.5}]
METRICS = [
    {"key": "signup", "name": "Sign-up rate", "kind": "conversion", "event": "signed_up"},
    {
        "key": "errors",
        "name": "Errors",
        "kind": "count",
        "event": "error",
        "higher_is_better": False,
    },
]
DESIGN = {
    "key": "sso-onboarding",
    "name": "SSO onboarding",
    "hypothesis": "Offering SSO at sign-up lifts sign-ups by 10%.",
    "feature": "sso",
    "primary_metric": "signup",
    "guardrails": [{"metric": "errors", "margin": 0.02}],
    "minimum_detectable_effect": 0.1,
    "baseline_mean": 0.3,
    "expected_daily_units": 400,
}


def _headers(client: TestClient) -> dict[str, str]:
    return {"x-csrf-token": csrf_of(client)}


def _setup(app: FastAPI, editor: TestClient) -> None:
    for metric in METRICS:
        reply = editor.post("/api/v1/metrics", json=metric, headers=_headers(editor))
        assert reply.status_code == 201, reply.text
    with unit_of_work(app.state.sessions) as session:
        create_flag(session, FlagIn.model_validate({"key": "sso", "variants": SPLIT}), actor="t")


def test_an_experiment_from_design_to_decision(app: FastAPI, editor: TestClient) -> None:
    _setup(app, editor)
    headers = _headers(editor)
    created = editor.post("/api/v1/experiments", json=DESIGN, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    plan = plan_experiment(MetricBaseline.from_rate(0.3), 0.1, daily_units=400, variants=2)
    assert body["planned_units_per_variant"] == plan.units_per_variant
    assert body["planned_days"] == plan.duration_days
    assert body["status"] == "draft"
    assert [v["key"] for v in body["variants"]] == ["control", "test"]

    changed = editor.patch(
        "/api/v1/experiments/sso-onboarding",
        json={"minimum_detectable_effect": 0.2},
        headers=headers,
    )
    smaller = plan_experiment(MetricBaseline.from_rate(0.3), 0.2, daily_units=400)
    assert changed.json()["planned_units_per_variant"] == smaller.units_per_variant

    started = editor.post("/api/v1/experiments/sso-onboarding/start", headers=headers)
    assert started.status_code == 200, started.text
    rules = started.json()["rules"]
    assert rules["primary_metric"] == "signup"
    assert rules["variants"] == SPLIT
    assert rules["minimum_detectable_effect"] == 0.2
    frozen = editor.patch(
        "/api/v1/experiments/sso-onboarding", json={"name": "Renamed"}, headers=headers
    )
    assert frozen.status_code in (400, 409, 422)
    assert frozen.json()["error"]["field"] == "status"

    stopped = editor.post("/api/v1/experiments/sso-onboarding/stop", headers=headers)
    assert stopped.json()["status"] == "stopped"
    decided = editor.post(
        "/api/v1/experiments/sso-onboarding/decision",
        json={"decision": "iterate", "reason": "Flat; try a bolder variant."},
        headers=headers,
    )
    record = decided.json()
    assert (record["status"], record["decision"]) == ("decided", "iterate")
    assert record["decided_by"] == "editor@example.com"
    assert record["decision_reason"] == "Flat; try a bolder variant."

    listed = editor.get("/api/v1/experiments", params={"status": "decided"}).json()
    assert [e["key"] for e in listed] == ["sso-onboarding"]
    with app.state.sessions() as session:
        actions = [
            entry.action
            for entry in session.query(AuditEntry).filter(AuditEntry.entity_type == "experiment")
        ]
    assert actions == ["create", "update", "update", "update", "update"]


def test_bad_designs_are_refused_naming_the_field(app: FastAPI, editor: TestClient) -> None:
    _setup(app, editor)
    headers = _headers(editor)
    unknown_metric = editor.post(
        "/api/v1/experiments", json=DESIGN | {"primary_metric": "nope"}, headers=headers
    )
    assert unknown_metric.status_code in (400, 422)
    assert unknown_metric.json()["error"]["field"] == "primary_metric"
    unknown_feature = editor.post(
        "/api/v1/experiments", json=DESIGN | {"feature": "nope"}, headers=headers
    )
    assert unknown_feature.json()["error"]["field"] == "feature"
    no_flag = editor.post(
        "/api/v1/experiments", json=DESIGN | {"key": "dm", "feature": "dark-mode"}, headers=headers
    )
    assert no_flag.status_code == 201
    start = editor.post("/api/v1/experiments/dm/start", headers=headers)
    assert start.json()["error"]["field"] == "feature"
    not_started = editor.post(
        "/api/v1/experiments/dm/decision", json={"decision": "ship", "reason": "x"}, headers=headers
    )
    assert not_started.json()["error"]["field"] == "status"
    bad_metric = editor.post(
        "/api/v1/metrics",
        json={"key": "m", "name": "M", "kind": "ratio", "event": "x"},
        headers=headers,
    )
    assert bad_metric.status_code == 422


def test_viewers_read_but_do_not_write(app: FastAPI, viewer: TestClient) -> None:
    assert viewer.get("/api/v1/experiments").json() == []
    refused = viewer.post("/api/v1/metrics", json=METRICS[0], headers=_headers(viewer))
    assert refused.status_code == 403
