"""The pages in a real browser: Debian's Chromium driven by Playwright against uvicorn.

The app runs for real (SQLite app store, the small seeded ledger and a year of Growth work
items) on a free port in a background thread; the browser signs in through the form, filters
the ledger with HTMX, edits a feature and reads the audit trail, and sees the delivery
dashboard draw its Vega-Lite charts, as a person would.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from prodloop.delivery.service import import_linear_csv
from prodloop.settings import Settings
from prodloop.store import unit_of_work
from prodloop.store.migrate import upgrade
from prodloop.web.app import create_app
from tests.conftest import PASSWORD, seed_small_ledger
from tests.delivery.interface_data import PERIOD_DONE, workspace_today, write_recent_linear_csv

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROWS = "#ledger-results tbody tr"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app, served by uvicorn in a background thread; yields its base URL."""
    data_dir = tmp_path_factory.mktemp("browser")
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'prodloop.db'}",
        secret_key="browser-test-secret-key",
    )
    app = create_app(settings)
    upgrade(app.state.engine)
    seed_small_ledger(app.state.sessions)
    recent = write_recent_linear_csv(data_dir / "recent.csv", workspace_today())
    with unit_of_work(app.state.sessions) as session:
        import_linear_csv(session, recent)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, ws="none", log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (Playwright cannot download its own here)."""
    if not CHROMIUM.exists():
        reason = (
            f"Chromium not found at {CHROMIUM}; install it with "
            "`apt-get install chromium` to run the browser tests"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (own cookies) that fails the test on any JavaScript error."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def sign_in(page: Page, base: str, email: str, path: str = "/features") -> None:
    """Open ``path``, get sent to the sign-in form, and sign in through it."""
    page.goto(base + path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + path)


def row_keys(page: Page) -> list[str]:
    """The feature keys in the ledger table, in order."""
    return [row.get_attribute("data-key") or "" for row in page.locator(ROWS).all()]


def test_filter_sort_and_screenshot_the_ledger(
    live_server: str, page: Page, pytestconfig: pytest.Config
) -> None:
    sign_in(page, live_server, "editor@example.com")
    expect(page.locator(ROWS)).to_have_count(4)
    expect(page.get_by_role("link", name="New feature")).to_be_visible()

    artifacts = Path(pytestconfig.rootpath) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "ledger.png"), full_page=True)

    page.locator("label.stage-filter", has_text="Building").click()
    expect(page).to_have_url(live_server + "/features?stage=building")  # no empty fields
    expect(page.locator(ROWS)).to_have_count(1)
    assert row_keys(page) == ["sso"]
    expect(page.get_by_test_id("result-count")).to_have_text("1")

    page.locator("label.stage-filter", has_text="Idea").click()
    expect(page.locator(ROWS)).to_have_count(2)
    assert set(row_keys(page)) == {"sso", "dark-mode"}
    page.locator("label.stage-filter", has_text="Building").click()
    page.locator("label.stage-filter", has_text="Idea").click()
    expect(page.locator(ROWS)).to_have_count(4)

    page.fill("#ledger-q", "billing")
    expect(page.locator(ROWS)).to_have_count(1)
    assert row_keys(page) == ["usage-billing"]
    expect(page).to_have_url(re.compile(r"q=billing"))
    page.fill("#ledger-q", "")
    expect(page.locator(ROWS)).to_have_count(4)

    page.select_option("#filter-team", "platform")
    expect(page.locator(ROWS)).to_have_count(2)
    page.locator("#ledger-results th", has_text="Feature").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=title"))
    expect(page.locator(f"{ROWS}:first-child")).to_have_attribute("data-key", "audit-export")
    page.locator("#ledger-results th", has_text="Feature").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=-title"))
    expect(page.locator(f"{ROWS}:first-child")).to_have_attribute("data-key", "sso")
    assert "team=platform" in page.url  # filters survive a sort: the URL is shareable

    page.goto(page.url)  # the shared URL shows the same view
    assert row_keys(page) == ["sso", "audit-export"]

    page.get_by_role("link", name="Reset").click()
    page.check("#filter-unowned")
    expect(page.locator(ROWS)).to_have_count(2)
    assert set(row_keys(page)) == {"audit-export", "dark-mode"}
    page.fill("#ledger-q", "nothing-like-this")
    expect(page.get_by_text("No features match these filters")).to_be_visible()


def test_edit_a_feature_and_read_the_audit_trail(live_server: str, page: Page) -> None:
    sign_in(page, live_server, "editor@example.com")
    page.get_by_role("link", name="Single sign-on").click()
    expect(page).to_have_url(live_server + "/features/sso")
    expect(page.locator("#feature-title")).to_have_text("Single sign-on")

    page.get_by_role("link", name="Edit").click()
    expect(page.locator("#edit")).to_have_attribute("open", "")
    page.fill("#f-title", "Single sign-on for everyone")
    page.fill("#f-reason", "Not just enterprise any more")
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(live_server + "/features/sso")
    expect(page.locator("#feature-title")).to_have_text("Single sign-on for everyone")
    expect(page.locator(".flash")).to_contain_text("Saved sso.")
    latest = page.locator("#audit .audit-entry").first
    expect(latest.locator(".action")).to_have_text("update")
    expect(latest.locator(".audit-who")).to_have_text("editor@example.com")
    change = latest.locator(".change", has_text="Title")
    expect(change.locator(".before")).to_have_text("Single sign-on")
    expect(change.locator(".after")).to_have_text("Single sign-on for everyone")
    expect(latest.locator(".audit-reason")).to_contain_text("Not just enterprise any more")

    page.goto(live_server + "/features?q=everyone")
    assert row_keys(page) == ["sso"]


def test_a_refused_edit_keeps_the_form(live_server: str, page: Page) -> None:
    sign_in(page, live_server, "editor@example.com", "/features/dark-mode")
    page.get_by_role("link", name="Edit").click()
    page.fill("#f-title", "")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#f-title-error")).to_be_visible()
    expect(page.locator("#edit")).to_have_attribute("open", "")
    expect(page.locator("#feature-title")).to_have_text("Dark mode")


def test_viewers_get_no_edit_controls(live_server: str, page: Page) -> None:
    sign_in(page, live_server, "viewer@example.com", "/features/usage-billing")
    expect(page.locator("#feature-title")).to_have_text("Usage-based billing")
    expect(page.locator(".me .role")).to_have_text("viewer")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Move stage")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server + "/login")


def test_delivery_dashboard_draws_its_charts(
    live_server: str, page: Page, pytestconfig: pytest.Config
) -> None:
    sign_in(page, live_server, "viewer@example.com", "/delivery")
    expect(page.locator(".team-tab.active")).to_contain_text("Growth")
    charts = page.locator("[data-chart]")
    expect(charts).to_have_count(5)
    expect(page.locator("[data-chart][data-rendered=true]")).to_have_count(5)
    dots = page.locator("[data-chart=cycle_time] .mark-symbol path")
    expect(dots).to_have_count(PERIOD_DONE)
    artifacts = Path(pytestconfig.rootpath) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "delivery.png"), full_page=True)
    page.get_by_role("link", name="Signals").first.click()
    expect(page).to_have_url(live_server + "/delivery/signals")
    expect(page.locator(".signal")).not_to_have_count(0)
