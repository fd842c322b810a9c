"""The JSON API through the real ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prodloop.ledger.models import AuditEntry, Feature


def _feature_count(client: TestClient) -> int:
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(Feature)).scalar_one())


def test_unauthenticated_requests_get_401(client: TestClient) -> None:
    response = client.get("/api/v1/features")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthenticated"
    assert client.post("/api/v1/features", json={"key": "x", "title": "X"}).status_code == 401
    assert (
        client.get("/api/v1/features", headers={"Authorization": "Bearer pl_nope"}).status_code
        == 401
    )


def test_list_filters_sort_and_page(viewer: TestClient) -> None:
    body = viewer.get("/api/v1/features").json()
    assert body["total"] == 4
    assert [f["key"] for f in body["items"]] == [
        "dark-mode",
        "usage-billing",
        "sso",
        "audit-export",
    ]
    building = viewer.get("/api/v1/features", params={"stage": "building"}).json()
    assert [f["key"] for f in building["items"]] == ["sso"]
    several = viewer.get("/api/v1/features", params=[("stage", "idea"), ("stage", "launched")])
    assert {f["key"] for f in several.json()["items"]} == {"dark-mode", "audit-export"}
    platform = viewer.get("/api/v1/features", params={"team": "platform", "sort": "-key"}).json()
    assert [f["key"] for f in platform["items"]] == ["sso", "audit-export"]
    assert [
        f["key"]
        for f in viewer.get("/api/v1/features", params={"owner": "ada@example.com"}).json()["items"]
    ] == ["usage-billing"]
    assert {
        f["key"] for f in viewer.get("/api/v1/features", params={"unowned": "true"}).json()["items"]
    } == {"audit-export", "dark-mode"}
    assert [
        f["key"] for f in viewer.get("/api/v1/features", params={"q": "SIGN-ON"}).json()["items"]
    ] == ["sso"]
    assert {
        f["key"]
        for f in viewer.get("/api/v1/features", params={"tag": "enterprise"}).json()["items"]
    } == {"sso", "audit-export"}
    assert viewer.get("/api/v1/features", params={"tag": "enterprise-plus"}).json()["total"] == 0
    page2 = viewer.get("/api/v1/features", params={"sort": "key", "per_page": 3, "page": 2}).json()
    assert page2["total"] == 4
    assert [f["key"] for f in page2["items"]] == ["usage-billing"]


def test_bad_list_parameters_name_the_field(viewer: TestClient) -> None:
    error = viewer.get("/api/v1/features", params={"sort": "colour"}).json()["error"]
    assert error["field"] == "sort"
    response = viewer.get("/api/v1/features", params={"stage": "shipped"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "stage.0"
    assert (
        viewer.get("/api/v1/features", params={"per_page": 0}).json()["error"]["field"]
        == "per_page"
    )
    unknown_team = viewer.get("/api/v1/features", params={"team": "nope"})
    assert unknown_team.status_code == 404
    assert unknown_team.json()["error"]["field"] == "team"


def test_create_update_stage_delete_feature_with_audit(editor: TestClient) -> None:
    created = editor.post(
        "/api/v1/features",
        json={
            "key": "slack-alerts",
            "title": "Slack alerts",
            "owner": "Ada@Example.com",
            "team": "growth",
            "product_area": "billing",
            "tags": ["Integrations"],
            "links": [{"label": "Spec", "url": "https://docs.example.com/slack"}],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["owner"]["email"] == "ada@example.com"
    assert body["tags"] == ["integrations"]
    assert body["stage_history"][0]["to_stage"] == "idea"

    patched = editor.patch(
        "/api/v1/features/slack-alerts",
        json={"title": "Slack and Teams alerts", "target_date": "2026-12-01"},
    )
    assert patched.status_code == 200
    assert patched.json()["title"] == "Slack and Teams alerts"

    moved = editor.post(
        "/api/v1/features/slack-alerts/stage",
        json={"stage": "planned", "reason": "top of the RICE list"},
    )
    assert moved.json()["stage"] == "planned"
    history = moved.json()["stage_history"]
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        (None, "idea"),
        ("idea", "planned"),
    ]
    assert history[-1]["changed_by"] == "editor@example.com"
    assert history[-1]["reason"] == "top of the RICE list"

    audit = editor.get("/api/v1/features/slack-alerts/audit").json()["items"]
    assert [a["action"] for a in audit] == ["update", "update", "create"]
    assert audit[1]["before"]["title"] == "Slack alerts"
    assert audit[1]["after"]["title"] == "Slack and Teams alerts"

    assert (
        editor.delete("/api/v1/features/slack-alerts", params={"reason": "merged"}).status_code
        == 200
    )
    assert editor.get("/api/v1/features/slack-alerts").status_code == 404
    trail = editor.get("/api/v1/audit", params={"entity_type": "feature"}).json()["items"]
    assert trail[0]["action"] == "delete"
    assert trail[0]["reason"] == "merged"
    assert trail[0]["before"]["key"] == "slack-alerts"


def test_rule_violations_write_nothing(editor: TestClient) -> None:
    before = _feature_count(editor)
    unknown_owner = editor.post(
        "/api/v1/features", json={"key": "x1", "title": "X", "owner": "nobody@example.com"}
    )
    assert unknown_owner.status_code == 422
    assert unknown_owner.json()["error"]["field"] == "owner"
    unknown_team = editor.post(
        "/api/v1/features", json={"key": "x2", "title": "X", "team": "ghosts"}
    )
    assert unknown_team.json()["error"]["field"] == "team"
    duplicate = editor.post("/api/v1/features", json={"key": "sso", "title": "Again"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["field"] == "key"
    bad_key = editor.post("/api/v1/features", json={"key": "Not A Slug", "title": "X"})
    assert bad_key.status_code == 422
    assert bad_key.json()["error"]["field"] == "key"
    typo = editor.post("/api/v1/features", json={"key": "x3", "title": "X", "titel": "oops"})
    assert typo.json()["error"]["field"] == "titel"
    assert _feature_count(editor) == before


def test_retired_feature_needs_a_reason_to_come_back(editor: TestClient) -> None:
    assert (
        editor.post("/api/v1/features/dark-mode/stage", json={"stage": "retired"}).status_code
        == 200
    )
    refused = editor.post("/api/v1/features/dark-mode/stage", json={"stage": "discovery"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "reason"
    assert editor.get("/api/v1/features/dark-mode").json()["stage"] == "retired"
    via_patch = editor.patch("/api/v1/features/dark-mode", json={"stage": "discovery"})
    assert via_patch.status_code == 422
    revived = editor.patch(
        "/api/v1/features/dark-mode", json={"stage": "discovery", "reason": "customers keep asking"}
    )
    assert revived.json()["stage"] == "discovery"
    assert revived.json()["stage_history"][-1]["reason"] == "customers keep asking"


def test_viewer_can_change_nothing(viewer: TestClient) -> None:
    before = _feature_count(viewer)
    attempts = [
        viewer.post("/api/v1/features", json={"key": "v1", "title": "V"}),
        viewer.patch("/api/v1/features/sso", json={"title": "Hacked"}),
        viewer.post("/api/v1/features/sso/stage", json={"stage": "beta"}),
        viewer.delete("/api/v1/features/sso"),
        viewer.post("/api/v1/teams", json={"key": "t", "name": "T"}),
        viewer.patch("/api/v1/teams/growth", json={"name": "Hacked"}),
        viewer.post("/api/v1/people", json={"name": "P", "email": "p@example.com"}),
        viewer.post("/api/v1/accounts", json={"name": "A", "segment": "smb"}),
        viewer.post("/api/v1/product-areas", json={"key": "a", "name": "A"}),
        viewer.patch("/api/v1/workspace", json={"name": "Hacked"}),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert all(r.json()["error"]["code"] == "forbidden" for r in attempts)
    assert _feature_count(viewer) == before
    assert viewer.get("/api/v1/features/sso").json()["title"] == "Single sign-on"
    assert viewer.get("/api/v1/teams/growth").json()["name"] == "Growth"


def test_session_changes_need_the_csrf_token(editor: TestClient) -> None:
    token = editor.headers.pop("x-csrf-token")
    refused = editor.patch("/api/v1/features/sso", json={"title": "No token"})
    assert refused.status_code == 403
    assert refused.json()["error"]["field"] == "csrf_token"
    editor.headers["x-csrf-token"] = "forged"
    assert editor.patch("/api/v1/features/sso", json={"title": "Forged"}).status_code == 403
    editor.headers["x-csrf-token"] = token
    assert editor.get("/api/v1/features/sso").json()["title"] == "Single sign-on"


def test_api_tokens_read_and_write(
    editor: TestClient, viewer: TestClient, client: TestClient
) -> None:
    read = editor.post("/api/v1/me/tokens", json={"name": "dashboards", "scope": "read"}).json()
    write = editor.post("/api/v1/me/tokens", json={"name": "sync", "scope": "write"}).json()
    assert read["token"].startswith("pl_")
    as_read = {"Authorization": f"Bearer {read['token']}"}
    as_write = {"Authorization": f"Bearer {write['token']}"}
    assert client.get("/api/v1/features", headers=as_read).status_code == 200
    denied = client.patch("/api/v1/features/sso", json={"title": "T"}, headers=as_read)
    assert denied.status_code == 403
    assert "read-only" in denied.json()["error"]["message"]
    # Bearer tokens are not cookies: no CSRF token is needed.
    assert (
        client.patch("/api/v1/features/sso", json={"title": "T"}, headers=as_write).status_code
        == 200
    )
    audit = client.get("/api/v1/features/sso/audit", headers=as_read).json()["items"][0]
    assert audit["actor"] == "editor@example.com"
    listed = editor.get("/api/v1/me/tokens").json()
    assert {t["name"] for t in listed} == {"dashboards", "sync"}
    assert all("token" not in t for t in listed)
    assert editor.delete(f"/api/v1/me/tokens/{write['id']}").status_code == 200
    assert client.get("/api/v1/features", headers=as_write).status_code == 401
    viewer_write = viewer.post("/api/v1/me/tokens", json={"name": "x", "scope": "write"})
    assert viewer_write.status_code == 422
    assert viewer_write.json()["error"]["field"] == "scope"


def test_oversized_body_is_refused_before_anything_is_written(editor: TestClient) -> None:
    limit = editor.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    before = _feature_count(editor)
    huge = {"key": "huge", "title": "Huge", "description": "x" * (limit + 10)}
    response = editor.post("/api/v1/features", json=huge)
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "body"
    assert _feature_count(editor) == before


def test_people_teams_areas_accounts_crud(admin: TestClient) -> None:
    team = admin.post("/api/v1/teams", json={"key": "mobile", "name": "Mobile"})
    assert team.status_code == 201
    person = admin.post(
        "/api/v1/people",
        json={"name": "Katherine Johnson", "email": "kj@example.com", "team": "mobile"},
    )
    assert person.status_code == 201
    assert person.json()["team"]["key"] == "mobile"
    dup = admin.post("/api/v1/people", json={"name": "K", "email": "KJ@example.com"})
    assert dup.status_code == 409
    assert dup.json()["error"]["field"] == "email"
    assert admin.get("/api/v1/people", params={"team": "mobile"}).json()["total"] == 1
    account = admin.post(
        "/api/v1/accounts",
        json={
            "name": "Initech",
            "domain": "initech.com",
            "segment": "enterprise",
            "plan": "enterprise",
            "arr": 420000,
            "external_ids": {"salesforce": "001xyz"},
        },
    ).json()
    admin.post("/api/v1/accounts", json={"name": "Tiny", "segment": "smb", "arr": 1200})
    bad = admin.post("/api/v1/accounts", json={"name": "Neg", "segment": "smb", "arr": -1})
    assert bad.json()["error"]["field"] == "arr"
    big = admin.get("/api/v1/accounts", params={"min_arr": 100000}).json()
    assert [a["name"] for a in big["items"]] == ["Initech"]
    assert (
        admin.get("/api/v1/accounts", params={"segment": "smb"}).json()["items"][0]["name"]
        == "Tiny"
    )
    patched = admin.patch(f"/api/v1/accounts/{account['id']}", json={"arr": 500000}).json()
    assert patched["arr"] == 500000
    area = admin.post("/api/v1/product-areas", json={"key": "mobile-app", "name": "Mobile app"})
    assert area.status_code == 201
    assert admin.delete("/api/v1/teams/mobile").status_code == 200
    assert admin.get(f"/api/v1/people/{person.json()['id']}").json()["team"] is None
    workspace = admin.patch("/api/v1/workspace", json={"time_zone": "Mars/Olympus"})
    assert workspace.json()["error"]["field"] == "time_zone"
    assert (
        admin.patch("/api/v1/workspace", json={"time_zone": "Asia/Tokyo"}).json()["time_zone"]
        == "Asia/Tokyo"
    )


def test_deleting_owner_leaves_feature_unowned_and_logged(admin: TestClient) -> None:
    grace = admin.get("/api/v1/people", params={"q": "grace"}).json()["items"][0]
    assert admin.delete(f"/api/v1/people/{grace['id']}").status_code == 200
    assert admin.get("/api/v1/features/sso").json()["owner"] is None
    sessions = admin.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session:
        actions = (
            session.execute(
                select(AuditEntry.action).where(
                    AuditEntry.entity_type == "person", AuditEntry.entity_id == grace["id"]
                )
            )
            .scalars()
            .all()
        )
    assert sorted(actions) == ["create", "delete"]


def test_openapi_and_docs_are_served_locally(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/features" in spec["paths"]
    docs = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
