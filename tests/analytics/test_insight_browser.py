"""An insight page in a real browser: Debian's Chromium driven by Playwright against uvicorn.

The browser signs in, opens the trends editor over two weeks of events, sees Vega draw the
chart, adds a series through the form, and opens and closes "Show SQL".
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from prodloop.analytics.lake import EventLake
from prodloop.settings import Settings
from prodloop.store.migrate import upgrade
from prodloop.web.app import create_app
from tests.analytics.insight_data import local_today, write_events
from tests.conftest import PASSWORD, seed_small_ledger
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def insight_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app with events in its lake, served by uvicorn in a thread; its base URL."""
    data_dir: Path = tmp_path_factory.mktemp("insight-browser")
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'prodloop.db'}",
        secret_key="browser-test-secret-key",
        lake_compact_seconds=0.0,
    )
    app = create_app(settings)
    upgrade(app.state.engine)
    seed_small_ledger(app.state.sessions)
    write_events(EventLake(settings), local_today())
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=_free_port(), ws="none", log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(insight_server: str) -> Iterator[Page]:
    """A signed-in browser tab."""
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}; `apt-get install chromium` to run this"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(f"{insight_server}/login")
        tab.fill("input[name=email]", "editor@example.com")
        tab.fill("input[name=password]", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url(f"{insight_server}/**")
        yield tab
        browser.close()


def test_trends_page_draws_its_chart_and_shows_its_sql(page: Page, insight_server: str) -> None:
    page.goto(f"{insight_server}/insights")
    page.get_by_role("link", name="Trends").first.click()
    chart = page.locator("[data-chart=insight]")
    expect(chart).to_have_attribute("data-rendered", "true", timeout=15_000)
    expect(chart.locator("svg").first).to_be_visible()
    assert chart.locator("svg path").count() > 0

    # the series list grows a fresh row as the last one is filled; run with two series
    rows = page.locator("[data-steps] input")
    before = rows.count()
    rows.last.fill("upgraded")
    expect(rows).to_have_count(before + 1)
    page.get_by_role("button", name="Run").click()
    expect(page).to_have_url(re.compile(r"series=upgraded"))
    expect(page.locator("[data-chart=insight]")).to_have_attribute("data-rendered", "true")
    # one headline figure per series: the two busiest events by default, and the one added
    expect(page.locator(".insight-figure")).to_have_count(before)
    expect(page.locator(".insight-figure").last).to_contain_text("upgraded")

    sql = page.locator("#sql pre.sql")
    expect(sql).to_be_hidden()
    page.get_by_text("Show SQL").click()
    expect(sql).to_be_visible()
    expect(sql).to_contain_text("person_events")
    page.get_by_text("Hide SQL").click()
    expect(sql).to_be_hidden()
