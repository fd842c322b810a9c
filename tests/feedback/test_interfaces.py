"""The feedback hub through its interfaces: JSON API, pages, the public form and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prodloop.cli.main import app as cli
from prodloop.store import unit_of_work
from prodloop.web.pages.feedback_form import create_form
from tests.conftest import csrf_of
from tests.feedback.helpers import DATA

runner = CliRunner()


def _send(client: TestClient, *items: dict[str, object]) -> dict[str, object]:
    response = client.post(
        "/api/v1/feedback/items", json=list(items), headers={"x-csrf-token": csrf_of(client)}
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_api_ingest_inbox_links_and_demand(editor: TestClient, viewer: TestClient) -> None:
    sent = _send(
        editor,
        {
            "text": "Single sign-on with Okta please, SSO is a must",
            "external_id": "a1",
            "author_email": "it@initech.com",
            "channel": "support",
        },
        {"text": "dark mode for night shifts", "external_id": "a2", "channel": "chat"},
    )
    assert sent["created"] == 2
    again = _send(editor, {"text": "dark mode for night shifts", "external_id": "a2"})
    assert again["created"] == 0
    inbox = viewer.get("/api/v1/feedback/items", params={"channel": "support"}).json()
    assert inbox["total"] == 1
    item = inbox["items"][0]
    assert item["sentiment"] in {"positive", "neutral", "negative"}
    links = editor.get(f"/api/v1/feedback/items/{item['id']}/links").json()
    assert links[0]["feature"] == "sso"
    assert "score" in links[0]["reason"]
    decided = editor.post(
        "/api/v1/feedback/links",
        json={"feature": "sso", "item_id": item["id"], "confirm": True},
        headers={"x-csrf-token": csrf_of(editor)},
    )
    assert decided.json()["status"] == "confirmed"
    demand = viewer.get("/api/v1/feedback/features/sso/demand").json()
    assert demand["items"] == 1
    assert demand["requesters"][0]["email"] == "it@initech.com"
    unlinked = viewer.get("/api/v1/feedback/items", params={"unlinked": "true"}).json()
    assert [i["external_id"] for i in unlinked["items"]] == ["a2"]
    page = viewer.get("/features/sso")
    assert page.status_code == 200
    assert "Who asked" in page.text


def test_api_refuses_viewers_and_bad_files(viewer: TestClient, editor: TestClient) -> None:
    refused = viewer.post(
        "/api/v1/feedback/items", json=[{"text": "x"}], headers={"x-csrf-token": csrf_of(viewer)}
    )
    assert refused.status_code == 403
    bad = editor.post(
        "/api/v1/feedback/imports",
        params={"source": "zendesk", "format": "csv"},
        content=(DATA / "zendesk_malformed.csv").read_bytes(),
        headers={"x-csrf-token": csrf_of(editor), "content-type": "text/csv"},
    )
    assert bad.status_code == 422
    assert [p["row"] for p in bad.json()["problems"]] == [3, 4, 5]
    good = editor.post(
        "/api/v1/feedback/imports",
        params={"source": "googleplay"},
        content=(DATA / "googleplay_reviews_202603.csv").read_bytes(),
        headers={"x-csrf-token": csrf_of(editor), "content-type": "text/csv"},
    )
    assert good.status_code == 201, good.text
    assert good.json()["created"] == 2


def test_requests_api_and_page(editor: TestClient, viewer: TestClient) -> None:
    created = editor.post(
        "/api/v1/feedback/requests",
        json={
            "title": "Refunds broken",
            "team": "support",
            "requested_by": "s@acme.com",
            "urgency": "critical",
        },
        headers={"x-csrf-token": csrf_of(editor)},
    )
    assert created.status_code == 201, created.text
    assert created.json()["unowned"] is True
    listed = viewer.get("/api/v1/feedback/requests", params={"unowned": "true"}).json()
    assert [r["title"] for r in listed] == ["Refunds broken"]
    page = viewer.get("/feedback/requests")
    assert "Refunds broken" in page.text
    assert viewer.get("/feedback/requests?format=json").json()["unowned"] == 1


def test_pages_render_with_json_twins(editor: TestClient, viewer: TestClient) -> None:
    _send(
        editor,
        *[
            {"text": f"SSO login keeps failing for user {n}", "external_id": f"s{n}"}
            for n in range(6)
        ],
    )
    rebuilt = editor.post(
        "/api/v1/feedback/themes/rebuild", headers={"x-csrf-token": csrf_of(editor)}
    )
    assert rebuilt.status_code == 200
    inbox = viewer.get("/feedback")
    assert inbox.status_code == 200
    assert "Feedback" in inbox.text
    twin = viewer.get("/feedback?format=json").json()
    assert twin["total_items"] >= 1
    themes = viewer.get("/api/v1/feedback/themes").json()
    if themes:
        page = viewer.get(f"/feedback/themes/{themes[0]['id']}")
        assert page.status_code == 200
    assert viewer.get("/feedback/themes").status_code == 200
    item_id = twin["items"]["items"][0]["id"]
    assert viewer.get(f"/feedback/items/{item_id}").status_code == 200
    hits = viewer.get("/api/v1/feedback/search", params={"q": "sso login"}).json()
    assert hits
    assert "SSO" in hits[0]["text"]


def test_public_form_takes_answers_and_limits_rate(
    app: object, client: TestClient, editor: TestClient
) -> None:
    made = editor.post(
        "/api/v1/feedback/forms",
        json={"name": "Pricing page"},
        headers={"x-csrf-token": csrf_of(editor)},
    )
    assert made.status_code == 201, made.text
    assert "/embed.js" in made.json()["snippet"]
    with unit_of_work(app.state.sessions) as session:  # type: ignore[attr-defined]
        key = create_form(session, "Website").key
    assert "Send feedback" in client.get(f"/f/{key}").text
    assert f"/f/{key}" in client.get(f"/f/{key}/embed.js").text
    assert client.post(f"/f/{key}", data={"text": "love it", "email": "a@b.com"}).status_code == 201
    assert client.post(f"/f/{key}", json={"text": ""}).status_code == 422
    assert client.post("/f/nope", json={"text": "x"}).status_code == 404
    statuses = [client.post(f"/f/{key}", json={"text": f"hi {n}"}).status_code for n in range(8)]
    assert 429 in statuses


def test_cli_import_search_requests_and_themes(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRODLOOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PRODLOOP_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> object:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    result = run("import", "feedback", str(DATA / "zendesk_tickets.csv"), "--source", "zendesk")
    assert result.exit_code == 0, result.output
    assert "3 new items" in result.output
    result = run("import", "feedback", str(DATA / "zendesk_tickets.csv"), "--source", "zendesk")
    assert "0 new items, 3 already imported" in result.output
    bad = run("import", "feedback", str(DATA / "zendesk_malformed.csv"), "--source", "zendesk")
    assert bad.exit_code == 2
    assert "row 3: received_at" in bad.stderr
    mapped = run(
        "import",
        "feedback",
        str(DATA / "generic.ndjson"),
        "--source",
        "ndjson",
        "--map",
        "text=text",
    )
    assert mapped.exit_code == 0, mapped.output
    found = run("feedback", "search", "okta", "--json")
    assert found.exit_code == 0, found.output
    assert "Okta" in found.output
    assert run("feedback", "search", "audit log", "--semantic").exit_code == 0
    assert run("themes", "rebuild").exit_code == 0
    assert run("themes", "list").exit_code == 0
    assert run("feedback", "requests", "--overdue").exit_code == 0
