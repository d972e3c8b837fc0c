"""A person is a page, in a real browser (issue 16, Debian's Chromium at 1366×768 and 1920×1080):
an officer searches a name, picks a unit from the searchable picker and opens the person from the
results; a leader opens a person from an alert and reads the alert on their page, the number masked."""

from __future__ import annotations

import re

import pytest
from conftest import NAMES, PB, REGISTER_DAY
from django.db import connections

from tests.browser.test_web_pages import CHROMIUM, CHROMIUM_ARGS, log_in, users  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian 的 chromium 未安装"),
]
VIEWPORTS = [(1366, 768), (1920, 1080)]


@pytest.fixture
def browser(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Sync Playwright runs an event loop in this thread; the test still calls the ORM directly.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            # ORM calls made while Playwright's loop runs hold connections of their own: close
            # them, or PostgreSQL cannot drop the test database at the end of the session.
            connections.close_all()
            chromium.close()


DAY = REGISTER_DAY.isoformat()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "large"])
def test_open_a_person_from_a_search(browser, live_server, users, viewport):  # noqa: F811
    page = log_in(browser, live_server, "officer", viewport=viewport)
    page.goto(f"{live_server.url}/people/?as_of={DAY}")
    # the unit picker is a text box with a list the browser searches, not a select
    picker = page.locator("input[name=unit]")
    assert picker.get_attribute("list") == "id_unit-options"
    assert page.locator("#id_unit-options option[value=B]").count() == 1
    picker.fill("B")
    page.fill("input[name=q]", NAMES["PB"])
    page.click("#table-people button[type=submit]")
    page.wait_for_url(re.compile(r".*q=.*"))
    rows = page.locator("#table-people tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    link = page.locator("#table-people tbody a", has_text=NAMES["PB"])
    assert link.get_attribute("href").startswith("/people/")
    assert PB["身份证号"] not in link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(r".*/people/[a-z0-9]{26}/.*"))
    assert page.locator("h1").inner_text() == NAMES["PB"]
    assert page.locator("[data-testid=id-number]").inner_text() == PB["身份证号"]
    periods = page.locator("[data-testid=periods] tbody tr")
    assert periods.count() >= 1
    assert "机构B" in periods.first.inner_text()
    # the page fits the viewport's width (no horizontal scrolling of the page itself)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport[0] + 1
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "large"])
def test_open_a_person_from_an_alert(browser, live_server, users, viewport):  # noqa: F811
    page = log_in(browser, live_server, "leader", viewport=viewport)
    page.goto(f"{live_server.url}/alerts/?as_of={DAY}")
    # a person's page (/people/<ref>/), not the people list behind a count alert (/people/?unit=…)
    link = page.locator("#table-alerts tbody a[href^='/people/']:not([href^='/people/?'])").first
    link.wait_for()
    name = link.inner_text()
    assert name and "*" not in name  # the person's name links their page (issue 16), not the number
    row = link.locator("xpath=ancestor::tr")
    masked = row.locator("td.font-monospace").first.inner_text()
    assert "*" in masked  # a leader sees the number masked beside it, and the link carries none
    row_message = row.locator("td").last.inner_text()
    link.click()
    page.wait_for_url(re.compile(r".*/people/[a-z0-9]{26}/.*"))
    assert page.locator("[data-testid=id-number]").inner_text() == masked
    assert name in page.locator("h1").first.inner_text()
    alerts = page.locator("[data-testid=person-alerts] li")
    assert alerts.count() >= 1
    assert row_message in page.locator("[data-testid=person-alerts]").inner_text()
    # a leader does not read the change log and is not offered the correction form
    assert page.locator("#person-changes").count() == 0
    assert page.locator("[data-testid=correct]").count() == 0
    page.context.close()
