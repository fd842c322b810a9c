"""The server-rendered pages: sign-in gate, ledger filters (HTML and JSON twin), feature forms.

Every test runs through the real ASGI app on SQLite and PostgreSQL (the ``app`` fixture).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

FEATURE_KEYS = {"sso", "usage-billing", "audit-export", "dark-mode"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW = re.compile(r'<tr data-key="([^"]+)"')


def row_keys(html: str) -> list[str]:
    """The feature keys of the table rows, in order."""
    return ROW.findall(html)


def json_keys(client: TestClient, query: str) -> list[str]:
    """The feature keys the ledger's JSON twin lists for ``query``."""
    response = client.get(f"/features?{query}&format=json")
    assert response.status_code == 200, response.text
    return [item["key"] for item in response.json()["features"]["items"]]


def form_csrf(html: str) -> str:
    """The CSRF token a page embeds in its forms."""
    match = CSRF.search(html)
    assert match, "page has no form with a csrf token"
    return match.group(1)


def without_csrf_header(client: TestClient) -> TestClient:
    """Make ``client`` behave like a plain browser form post (no X-CSRF-Token header)."""
    client.headers.pop("x-csrf-token", None)
    return client


def sso_form(**changes: str) -> dict[str, str]:
    """The sso edit form as the page pre-fills it, with ``changes`` typed over it."""
    form = {
        "title": "Single sign-on",
        "description": "",
        "product_area": "identity",
        "owner": "grace@example.com",
        "team": "platform",
        "target_date": "",
        "launch_date": "",
        "tags": "enterprise",
        "links": "",
        "reason": "",
    }
    return {**form, **changes}


def feature_json(client: TestClient, key: str) -> dict[str, Any]:
    """The feature page's JSON twin."""
    response = client.get(f"/features/{key}", headers={"accept": "application/json"})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


# --- the sign-in gate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/features",
        "/features?stage=building",
        "/features/sso",
        "/features/new",
        "/people",
        "/people/1",
        "/teams",
        "/teams/growth",
        "/product-areas",
        "/accounts",
        "/audit",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_sign_in_page_then_back_to_where_you_were(client: TestClient) -> None:
    page = client.get("/login?next=/features/sso")
    assert page.status_code == 200
    assert 'name="password"' in page.text
    response = client.post(
        "/login",
        data={
            "email": "viewer@example.com",
            "password": "correct-horse-battery",
            "next": "/features/sso",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/features/sso"


def test_layout_shows_the_user_role_and_sign_out(editor: TestClient) -> None:
    html = editor.get("/").text
    assert "editor@example.com" in html
    assert 'class="badge role role-editor"' in html
    assert 'action="/logout"' in html
    for href in [
        "/features",
        "/people",
        "/teams",
        "/accounts",
        "/product-areas",
        "/audit",
        "/api/docs",
    ]:
        assert f'href="{href}"' in html
    assert 'hx-headers=\'{"X-CSRF-Token": "' in html


# --- the ledger -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stage=building", {"sso"}),
        ("stage=building&stage=idea", {"sso", "dark-mode"}),
        ("team=platform", {"sso", "audit-export"}),
        ("owner=ada@example.com", {"usage-billing"}),
        ("q=billing", {"usage-billing"}),
        ("q=SIGN-ON", {"sso"}),
        ("unowned=1", {"audit-export", "dark-mode"}),
        ("tag=enterprise", {"sso", "audit-export"}),
        ("product_area=identity", {"sso", "audit-export"}),
        ("team=platform&stage=launched", {"audit-export"}),
        ("product_area=&owner=&q=", FEATURE_KEYS),
    ],
)
def test_ledger_filters_in_html_and_json(
    viewer: TestClient, query: str, expected: set[str]
) -> None:
    html = viewer.get(f"/features?{query}")
    assert html.status_code == 200
    assert set(row_keys(html.text)) == expected
    assert set(json_keys(viewer, query)) == expected


def test_ledger_json_twin_carries_the_filters_and_pipeline(viewer: TestClient) -> None:
    data = viewer.get("/features?stage=building&team=platform&format=json").json()
    assert data["filters"]["stage"] == ["building"]
    assert data["filters"]["team"] == "platform"
    assert data["features"]["total"] == 1
    assert data["total_features"] == 4
    counts = {s["stage"]: s["count"] for s in data["pipeline"]}
    assert counts == {
        "idea": 1,
        "discovery": 1,
        "planned": 0,
        "building": 1,
        "beta": 0,
        "launched": 1,
        "adopted": 0,
        "retired": 0,
    }
    assert [s["selected"] for s in data["pipeline"]].count(True) == 1


def test_home_is_the_ledger(viewer: TestClient) -> None:
    assert set(row_keys(viewer.get("/").text)) == FEATURE_KEYS


def test_htmx_gets_only_the_results_table(viewer: TestClient) -> None:
    response = viewer.get(
        "/features?stage=building",
        headers={"HX-Request": "true", "HX-Target": "ledger-results"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert row_keys(response.text) == ["sso"]


def test_a_history_restore_gets_the_whole_page(viewer: TestClient) -> None:
    response = viewer.get(
        "/features", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.text


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["audit-export", "dark-mode", "sso", "usage-billing"]),
        ("-title", ["usage-billing", "sso", "dark-mode", "audit-export"]),
        ("stage", ["dark-mode", "usage-billing", "sso", "audit-export"]),
        ("-stage", ["audit-export", "sso", "usage-billing", "dark-mode"]),
        ("key", ["audit-export", "dark-mode", "sso", "usage-billing"]),
    ],
)
def test_ledger_sorts(viewer: TestClient, sort: str, expected: list[str]) -> None:
    assert row_keys(viewer.get(f"/features?sort={sort}").text) == expected
    assert json_keys(viewer, f"sort={sort}") == expected


def test_sort_headers_link_to_the_other_direction(viewer: TestClient) -> None:
    html = viewer.get("/features?sort=title&team=platform").text
    assert 'data-sort="-title"' in html
    assert 'href="/features?team=platform&amp;sort=-title"' in html
    assert 'aria-sort="ascending"' in html


def test_ledger_pages(viewer: TestClient) -> None:
    first = viewer.get("/features?sort=title&per_page=3")
    assert row_keys(first.text) == ["audit-export", "dark-mode", "sso"]
    assert 'href="/features?sort=title&amp;per_page=3&amp;page=2"' in first.text
    second = viewer.get("/features?sort=title&per_page=3&page=2")
    assert row_keys(second.text) == ["usage-billing"]


def test_an_unusable_filter_is_explained_not_crashed(viewer: TestClient) -> None:
    bad_sort = viewer.get("/features?sort=colour")
    assert bad_sort.status_code == 422
    assert "cannot sort by" in bad_sort.text
    unknown_owner = viewer.get("/features?owner=nobody@example.com")
    assert unknown_owner.status_code == 422
    assert "no person" in unknown_owner.text
    bad_stage = viewer.get("/features?stage=shipped&format=json")
    assert bad_stage.status_code == 422
    assert "unknown stage" in bad_stage.json()["error"]


def test_empty_states(viewer: TestClient) -> None:
    html = viewer.get("/features?q=no-such-thing").text
    assert "No features match these filters" in html
    assert 'href="/features">Clear filters' in html


def test_empty_ledger_suggests_the_demo(admin: TestClient) -> None:
    for key in FEATURE_KEYS:
        assert admin.post(f"/features/{key}/delete").status_code in {200, 303}
    html = admin.get("/features").text
    assert "No features yet" in html
    assert "prodloop demo" in html


def test_overdue_target_dates_are_flagged(editor: TestClient) -> None:
    response = editor.post(
        "/features/sso/edit", data=sso_form(target_date="2020-01-31"), follow_redirects=False
    )
    assert response.status_code == 303
    html = editor.get("/features?stage=building").text
    assert 'class="date overdue"' in html
    assert "31 Jan 2020" in html
    assert (
        editor.get("/features?format=json&stage=building").json()["features"]["items"][0]["overdue"]
        is True
    )


# --- one feature ------------------------------------------------------------------------------


def test_feature_page_shows_fields_timeline_and_audit(editor: TestClient) -> None:
    moved = editor.post(
        "/features/sso/stage",
        data={"stage": "beta", "reason": "pilot ready"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    html = editor.get("/features/sso").text
    assert "Single sign-on" in html
    assert "Grace Hopper" in html
    assert "Platform" in html
    assert "Identity" in html
    timeline = html[html.index("Stage timeline") : html.index("Audit trail")]
    assert timeline.index("stage-beta") < timeline.index("Created in")
    assert "pilot ready" in timeline
    assert "editor@example.com" in timeline
    assert "Europe/Berlin" in timeline  # times are shown in the workspace time zone
    audit = html[html.index('id="audit-title"') :]
    assert "action-update" in audit
    assert "action-create" in audit
    data = feature_json(editor, "sso")
    assert [c["to_stage"] for c in data["feature"]["stage_history"]] == ["building", "beta"]
    assert data["audit"]["items"][0]["changes"][0] == {
        "field": "stage",
        "label": "Stage",
        "before": "building",
        "after": "beta",
    }


def test_editor_edits_through_the_form_and_the_audit_trail_shows_it(editor: TestClient) -> None:
    without_csrf_header(editor)
    token = form_csrf(editor.get("/features/sso").text)
    response = editor.post(
        "/features/sso/edit",
        data={
            **sso_form(title="SSO for everyone", owner="ada@example.com", reason="Ada takes over"),
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/features/sso"
    html = editor.get("/features/sso").text
    assert "Saved sso." in html  # the flash message
    assert '<h1 id="feature-title">SSO for everyone</h1>' in html
    audit = html[html.index('id="audit-title"') :]
    assert "Single sign-on" in audit
    assert "SSO for everyone" in audit
    assert "Grace Hopper" in audit
    assert "Ada Lovelace" in audit
    assert "Ada takes over" in audit
    latest = feature_json(editor, "sso")["audit"]["items"][0]
    changed = {c["field"]: (c["before"], c["after"]) for c in latest["changes"]}
    assert changed == {
        "title": ("Single sign-on", "SSO for everyone"),
        "owner_id": ("Grace Hopper", "Ada Lovelace"),
    }
    assert "Saved sso." not in editor.get("/features/sso").text  # a flash shows once


def test_saving_an_untouched_form_changes_nothing(editor: TestClient) -> None:
    typed = sso_form(description="Line one\r\nLine two", links="Spec https://example.com/spec")
    assert editor.post("/features/sso/edit", data=typed).status_code == 200
    assert feature_json(editor, "sso")["feature"]["description"] == "Line one\nLine two"
    assert feature_json(editor, "sso")["audit"]["total"] == 2
    assert editor.post("/features/sso/edit", data=typed).status_code == 200
    assert feature_json(editor, "sso")["audit"]["total"] == 2


def test_edit_form_is_prefilled(editor: TestClient) -> None:
    html = editor.get("/features/sso/edit").text
    assert '<details class="card panel" id="edit" open>' in html
    assert 'value="Single sign-on"' in html
    assert '<option value="grace@example.com" selected>' in html
    assert '<option value="platform" selected>' in html
    assert 'value="enterprise"' in html


def test_a_form_post_without_csrf_is_refused_and_changes_nothing(editor: TestClient) -> None:
    without_csrf_header(editor)
    response = editor.post("/features/sso/edit", data=sso_form(title="Hijacked"))
    assert response.status_code == 403
    assert "reload the page" in response.text
    wrong = editor.post(
        "/features/sso/edit", data={**sso_form(title="Hijacked"), "csrf_token": "forged"}
    )
    assert wrong.status_code == 403
    assert editor.post("/features/sso/delete").status_code == 403
    assert feature_json(editor, "sso")["feature"]["title"] == "Single sign-on"
    assert feature_json(editor, "sso")["audit"]["total"] == 1


def test_viewers_see_no_edit_controls(viewer: TestClient) -> None:
    ledger = viewer.get("/features").text
    assert 'href="/features/new"' not in ledger
    page = viewer.get("/features/sso").text
    for control in [
        'action="/features/sso/edit"',
        'action="/features/sso/stage"',
        'action="/features/sso/delete"',
        "Move stage",
    ]:
        assert control not in page
    for path in ["/people", "/teams", "/product-areas", "/accounts"]:
        assert "/new" not in viewer.get(path).text
    assert viewer.get("/features/new").status_code == 403


def test_viewer_posts_are_refused_and_change_nothing(viewer: TestClient) -> None:
    token = form_csrf(viewer.get("/features/sso").text)  # the sign-out form's token
    posts = [
        ("/features/sso/edit", sso_form(title="Viewer was here")),
        ("/features/sso/stage", {"stage": "beta"}),
        ("/features/sso/delete", {}),
        ("/features/new", {"key": "viewer-feature", "title": "Nope"}),
        ("/people/new", {"name": "Eve", "email": "eve@example.com"}),
        ("/teams/new", {"key": "eve", "name": "Eve"}),
        ("/product-areas/new", {"key": "eve", "name": "Eve"}),
        ("/accounts/new", {"name": "Eve Corp", "segment": "smb"}),
    ]
    for path, data in posts:
        response = viewer.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
        assert "viewers cannot change anything" in response.text
    data = feature_json(viewer, "sso")
    assert data["feature"]["title"] == "Single sign-on"
    assert data["feature"]["stage"] == "building"
    assert set(json_keys(viewer, "per_page=50")) == FEATURE_KEYS
    assert viewer.get("/people?format=json").json()["people"]["total"] == 3


def test_unknown_owner_is_shown_next_to_the_field_and_nothing_is_written(
    editor: TestClient,
) -> None:
    response = editor.post(
        "/features/sso/edit", data=sso_form(title="Typed but not saved", owner="nobody@example.com")
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="f-owner-error"' in html
    assert "unknown person &#39;nobody@example.com&#39;" in html
    assert 'value="Typed but not saved"' in html  # what the user typed is kept
    assert '<option value="nobody@example.com" selected>' in html
    assert '<details class="card panel" id="edit" open>' in html
    data = feature_json(editor, "sso")
    assert data["feature"]["title"] == "Single sign-on"
    assert data["feature"]["owner"]["email"] == "grace@example.com"
    assert data["audit"]["total"] == 1


def test_invalid_fields_are_reported_one_by_one(editor: TestClient) -> None:
    response = editor.post(
        "/features/sso/edit",
        data=sso_form(title="", target_date="31/01/2026", links="Spec not-a-url"),
    )
    assert response.status_code == 422
    for field in ["title", "target_date", "links"]:
        assert f'id="f-{field}-error"' in response.text
    assert feature_json(editor, "sso")["audit"]["total"] == 1


def test_reviving_a_retired_feature_needs_a_reason(editor: TestClient) -> None:
    assert (
        editor.post(
            "/features/sso/stage", data={"stage": "retired"}, follow_redirects=False
        ).status_code
        == 303
    )
    page = editor.get("/features/sso").text
    assert "bringing it back needs a reason" in page
    assert re.search(r'<textarea id="s-reason" name="reason"[^>]* required', page)
    refused = editor.post("/features/sso/stage", data={"stage": "building", "reason": " "})
    assert refused.status_code == 422
    assert 'id="s-reason-error"' in refused.text
    assert "moving it back to building needs a reason" in refused.text
    assert feature_json(editor, "sso")["feature"]["stage"] == "retired"
    revived = editor.post(
        "/features/sso/stage",
        data={"stage": "building", "reason": "Customers asked"},
        follow_redirects=False,
    )
    assert revived.status_code == 303
    data = feature_json(editor, "sso")
    assert data["feature"]["stage"] == "building"
    assert data["feature"]["stage_history"][-1]["reason"] == "Customers asked"


def test_moving_to_the_same_stage_or_nowhere_is_refused(editor: TestClient) -> None:
    same = editor.post("/features/sso/stage", data={"stage": "building"})
    assert same.status_code == 422
    assert "already in stage building" in same.text
    unknown = editor.post("/features/sso/stage", data={"stage": "shipped"})
    assert unknown.status_code == 422
    assert "unknown stage" in unknown.text


def test_editor_adds_a_feature(editor: TestClient) -> None:
    form = editor.get("/features/new")
    assert form.status_code == 200
    response = editor.post(
        "/features/new",
        data={
            "key": "csv-import",
            "title": "CSV import",
            "stage": "planned",
            "product_area": "billing",
            "owner": "alan@example.com",
            "team": "growth",
            "tags": "Import, self-serve",
            "links": "Spec https://example.com/spec",
            "target_date": "2030-06-30",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/features/csv-import"
    data = feature_json(editor, "csv-import")["feature"]
    assert data["stage"] == "planned"
    assert data["owner"]["email"] == "alan@example.com"
    assert data["tags"] == ["import", "self-serve"]
    assert data["links"] == [{"label": "Spec", "url": "https://example.com/spec"}]
    assert "csv-import" in row_keys(editor.get("/features?stage=planned").text)


def test_a_duplicate_key_is_refused_with_the_form_kept(editor: TestClient) -> None:
    response = editor.post("/features/new", data={"key": "sso", "title": "Another SSO"})
    assert response.status_code == 422
    assert 'id="f-key-error"' in response.text
    assert "already taken" in response.text
    assert 'value="Another SSO"' in response.text
    assert feature_json(editor, "sso")["feature"]["title"] == "Single sign-on"


def test_editor_deletes_a_feature(editor: TestClient) -> None:
    page = editor.get("/features/dark-mode").text
    assert 'data-confirm="Delete dark-mode?' in page
    response = editor.post("/features/dark-mode/delete", follow_redirects=False)
    assert response.status_code == 303
    assert editor.get("/features/dark-mode").status_code == 404
    log = editor.get("/audit?entity_type=feature&format=json").json()
    assert log["entries"]["items"][0]["action"] == "delete"
    assert log["entries"]["items"][0]["entity_url"] is None


def test_unknown_feature_gets_a_friendly_404(viewer: TestClient) -> None:
    response = viewer.get("/features/no-such-feature")
    assert response.status_code == 404
    assert "Not found" in response.text
    assert "no feature &#39;no-such-feature&#39;" in response.text
    assert 'href="/features"' in response.text
    twin = viewer.get("/features/no-such-feature?format=json")
    assert twin.status_code == 404
    assert twin.json()["error"]["code"] == "not_found"


# --- people, teams, areas, accounts, audit ----------------------------------------------------


def test_people_directory_and_person_page(viewer: TestClient) -> None:
    html = viewer.get("/people").text
    for name in ["Ada Lovelace", "Grace Hopper", "Alan Turing"]:
        assert name in html
    data = viewer.get("/people?team=platform&format=json").json()
    assert {p["email"] for p in data["people"]["items"]} == {
        "grace@example.com",
        "alan@example.com",
    }
    grace = next(p for p in data["people"]["items"] if p["email"] == "grace@example.com")
    assert grace["features"] == 1
    page = viewer.get(f"/people/{grace['id']}")
    assert page.status_code == 200
    assert 'data-key="sso"' in page.text
    assert "action-create" in page.text  # the audit trail
    assert viewer.get("/people/99999").status_code == 404


def test_editor_adds_a_person_and_errors_stay_by_their_field(editor: TestClient) -> None:
    bad = editor.post(
        "/people/new", data={"name": "Katherine", "email": "not-an-email", "team": "growth"}
    )
    assert bad.status_code == 422
    assert 'id="f-email-error"' in bad.text
    assert 'value="Katherine"' in bad.text
    taken = editor.post("/people/new", data={"name": "Ada 2", "email": "ada@example.com"})
    assert taken.status_code == 422
    assert "already taken" in taken.text
    created = editor.post(
        "/people/new",
        data={
            "name": "Katherine Johnson",
            "email": "katherine@example.com",
            "role": "Engineer",
            "team": "growth",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = editor.get(created.headers["location"]).text
    assert "Added Katherine Johnson." in page
    assert "Growth" in page


def test_teams_and_team_page(editor: TestClient) -> None:
    data = editor.get("/teams?format=json").json()
    platform = next(t for t in data["teams"] if t["key"] == "platform")
    assert (platform["members"], platform["features"]) == (2, 2)
    page = editor.get("/teams/platform")
    assert set(row_keys(page.text)) == {"sso", "audit-export"}
    assert "Grace Hopper" in page.text
    assert "Alan Turing" in page.text
    twin = editor.get("/teams/platform?format=json").json()
    assert {s["stage"]: s["count"] for s in twin["stages"]} == {"building": 1, "launched": 1}
    created = editor.post(
        "/teams/new", data={"key": "mobile", "name": "Mobile"}, follow_redirects=False
    )
    assert created.headers["location"] == "/teams/mobile"
    bad = editor.post("/teams/new", data={"key": "Not A Slug", "name": "X"})
    assert bad.status_code == 422
    assert 'id="f-key-error"' in bad.text
    assert editor.get("/teams/nope").status_code == 404


def test_product_areas(editor: TestClient) -> None:
    data = editor.get("/product-areas?format=json").json()
    assert {a["key"]: a["features"] for a in data["areas"]} == {"billing": 1, "identity": 2}
    created = editor.post(
        "/product-areas/new", data={"key": "mobile", "name": "Mobile apps"}, follow_redirects=False
    )
    assert created.status_code == 303
    assert "Mobile apps" in editor.get("/product-areas").text
    identity = editor.get("/product-areas/identity?format=json").json()
    assert {f["key"] for f in identity["features"]} == {"sso", "audit-export"}
    assert identity["audit"]["total"] == 1
    page = editor.get("/product-areas/mobile")
    assert "Audit trail" in page.text
    assert "editor@example.com" in page.text
    assert editor.get("/product-areas/nope").status_code == 404


def test_accounts_filters_sort_and_arr_by_segment(editor: TestClient) -> None:
    for name, segment, plan, arr in [
        ("Initech", "enterprise", "Enterprise", "1,200,000"),
        ("Hooli", "mid_market", "Business", "85000"),
        ("Pied Piper", "smb", "Starter", "4800"),
    ]:
        response = editor.post(
            "/accounts/new",
            data={"name": name, "segment": segment, "plan": plan, "arr": arr},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    html = editor.get("/accounts").text
    assert "$1.2M" in html
    assert "$85k" in html
    assert "$4,800" in html
    assert "segment-enterprise" in html
    data = editor.get("/accounts?format=json").json()
    assert [a["name"] for a in data["accounts"]["items"]] == ["Initech", "Hooli", "Pied Piper"]
    assert data["total_arr"] == 1_289_800
    by_segment = {s["segment"]: s["arr"] for s in data["segments"]}
    assert by_segment == {"smb": 4800, "mid_market": 85000, "enterprise": 1_200_000}
    ascending = editor.get("/accounts?sort=arr&format=json").json()["accounts"]["items"]
    assert [a["name"] for a in ascending] == ["Pied Piper", "Hooli", "Initech"]
    only_smb = editor.get("/accounts?segment=smb&format=json").json()["accounts"]["items"]
    assert [a["name"] for a in only_smb] == ["Pied Piper"]
    plan = editor.get("/accounts?plan=Business&format=json").json()["accounts"]["items"]
    assert [a["name"] for a in plan] == ["Hooli"]
    searched = editor.get("/accounts?q=pied&format=json").json()["accounts"]["items"]
    assert [a["name"] for a in searched] == ["Pied Piper"]
    page = editor.get(f"/accounts/{only_smb[0]['id']}")
    assert page.status_code == 200
    assert "action-create" in page.text
    bad = editor.post("/accounts/new", data={"name": "Bad", "segment": "smb", "arr": "lots"})
    assert bad.status_code == 422
    assert 'id="f-arr-error"' in bad.text
    assert editor.get("/accounts?segment=galactic").status_code == 422


def test_audit_log_filters(editor: TestClient) -> None:
    editor.post("/features/sso/stage", data={"stage": "beta"})
    data = editor.get("/audit?format=json").json()
    assert data["entries"]["items"][0]["actor"] == "editor@example.com"
    assert data["entries"]["items"][0]["entity_url"] == "/features/sso"
    assert {"feature", "team", "person", "product_area", "workspace"} <= set(data["entity_types"])
    teams = editor.get("/audit?entity_type=team&format=json").json()
    assert teams["entries"]["total"] == 2
    assert {e["entity_type"] for e in teams["entries"]["items"]} == {"team"}
    mine = editor.get("/audit?actor=editor@example.com&format=json").json()
    assert mine["entries"]["total"] == 1
    html = editor.get("/audit?actor=editor@example.com").text
    assert "stage-beta" in html
    assert 'href="/features/sso"' in html


def test_sign_out(editor: TestClient) -> None:
    response = editor.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert editor.get("/features", follow_redirects=False).status_code == 303
