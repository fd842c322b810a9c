"""The HTTP decide endpoints: PostHog's ``/decide/`` and ``/flags/``, and prodloop's own with
exposures written to the event lake; the compiled flags follow changes in the app store."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from prodloop.analytics.keys import create_project_key
from prodloop.analytics.lake import EventLake
from prodloop.experiments.flags import Context, FlagIn, FlagUpdate, evaluate
from prodloop.experiments.flags.service import create_flag, flag_config, get_flag, update_flag
from prodloop.store import unit_of_work

SPLIT = [{"key": "control", "weight": 0.5}, {"key": "test", "weight": 0.5}]
ENTERPRISE_ONLY = [
    {
        "conditions": [
            {"property": "segment", "operator": "eq", "value": "enterprise", "source": "account"}
        ],
        "rollout": 1.0,
    }
]


@pytest.fixture
def secret(app: FastAPI) -> str:
    _key, secret = create_project_key(app.state.settings.effective_lake_dir, name="sdk")
    with unit_of_work(app.state.sessions) as session:
        create_flag(
            session,
            FlagIn(key="sso", enabled=True, variants=SPLIT),  # type: ignore[arg-type]
            actor="t",
        )
        create_flag(session, FlagIn(key="dark-mode", enabled=True, coverage=0.5), actor="t")
        create_flag(
            session,
            FlagIn.model_validate(
                {"key": "audit-export", "enabled": True, "coverage": 0.0, "rules": ENTERPRISE_ONLY}
            ),
            actor="t",
        )
    return secret


def _reference(app: FastAPI, key: str, person: str, attributes: dict[str, Any]) -> Any:
    with app.state.sessions() as session:
        config = flag_config(get_flag(session, key))
    decision = evaluate(config, Context(person, attributes))
    if not decision.enabled:
        return False
    return True if len(config.variants) == 1 else decision.variant


def test_posthog_decide_matches_the_reference_evaluator(
    app: FastAPI, client: TestClient, secret: str
) -> None:
    for number in range(15):
        person = f"person-{number}"
        segment = "enterprise" if number % 3 == 0 else "smb"
        body = {
            "api_key": secret,
            "distinct_id": person,
            "groups": {"account": f"acct-{number % 5}"},
            "group_properties": {"account": {"segment": segment}},
        }
        reply = client.post("/decide/?v=3", json=body)
        assert reply.status_code == 200
        attributes = {"$groups": body["groups"], "$account": {"segment": segment}}
        expected = {
            key: _reference(app, key, person, attributes)
            for key in ("sso", "dark-mode", "audit-export")
        }
        assert reply.json()["featureFlags"] == expected
        assert reply.json()["featureFlagPayloads"] == {}
        flags = client.post("/flags/", json={"token": secret, "distinct_id": person}).json()
        assert flags["flags"]["sso"]["variant"] == _reference(app, "sso", person, {})


def test_posthog_js_form_bodies_are_read(app: FastAPI, client: TestClient, secret: str) -> None:
    payload = json.dumps({"token": secret, "distinct_id": "person-3"}).encode()
    form = "data=" + base64.b64encode(payload).decode().rstrip("=")
    reply = client.post(
        "/decide/?v=3",
        content=form.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["featureFlags"]["sso"] == _reference(app, "sso", "person-3", {})


def test_a_bad_key_or_body_is_refused_naming_the_field(client: TestClient, secret: str) -> None:
    reply = client.post("/decide/", json={"api_key": "nope", "distinct_id": "x"})
    assert reply.status_code == 401
    assert reply.json()["error"]["field"] == "api_key"
    reply = client.post("/decide/", content=b"[1]", headers={"content-type": "application/json"})
    assert reply.status_code == 400
    assert reply.json()["error"]["field"] == "body"
    reply = client.post(
        "/api/v1/flags/decide", json={"api_key": secret, "distinct_id": "x", "flags": "sso"}
    )
    assert reply.json()["error"]["field"] == "flags"


def test_prodloop_decide_tracks_exposures_in_the_lake(
    app: FastAPI, client: TestClient, secret: str
) -> None:
    seen = {}
    for number in range(30):
        reply = client.post(
            "/api/v1/flags/decide",
            json={"distinct_id": f"u{number}", "flags": ["sso"]},
            headers={"authorization": f"Bearer {secret}"},
        )
        decision = reply.json()["flags"]["sso"]
        assert decision["reason"] == "rollout"
        seen[f"u{number}"] = decision["variant"]
        client.post(  # asking again exposes nobody twice
            "/api/v1/flags/decide", json={"api_key": secret, "distinct_id": f"u{number}"}
        )
    app.state.flag_cache.sink.flush()
    lake = EventLake(app.state.settings)
    rows = lake.query(
        "SELECT distinct_id, json_extract_string(properties, '$.\"$feature_flag_response\"') "
        "FROM events WHERE event = '$feature_flag_called' "
        "AND json_extract_string(properties, '$.\"$feature_flag\"') = 'sso'"
    )
    assert dict(rows) == seen
    untracked = client.post(
        "/api/v1/flags/decide", json={"api_key": secret, "distinct_id": "zz", "track": False}
    )
    assert untracked.status_code == 200
    app.state.flag_cache.sink.flush()
    assert lake.query("SELECT count(*) FROM events WHERE distinct_id = 'zz'") == [(0,)]


def test_changed_flags_reach_the_endpoint(app: FastAPI, client: TestClient, secret: str) -> None:
    body = {"api_key": secret, "distinct_id": "u1"}
    assert client.post("/decide/", json=body).json()["featureFlags"]["sso"] in {"control", "test"}
    with unit_of_work(app.state.sessions) as session:
        flag = get_flag(session, "sso")
        update_flag(session, flag, FlagUpdate(enabled=False), actor="t")
    app.state.flag_cache.check_seconds = 0.0
    assert client.post("/decide/", json=body).json()["featureFlags"]["sso"] is False
