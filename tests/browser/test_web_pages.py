"""The pages in a real browser (Debian's Chromium, headless, launched by Playwright — which never
downloads a browser here): each kind of user logs in and sees their roles and units, browses the
unit tree, opens a unit as of a past day, sorts and filters a table (htmx), and searches a person
whose ID number is masked for a leader and whole for the administrator."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import NAMES, PB, REGISTER_DAY

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "pw-browser-123"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian 的 chromium 未安装（make system-deps 安装 chromium）"
    ),
]


@pytest.fixture
def browser(monkeypatch) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    # Sync Playwright runs an event loop in this thread; the test still calls the ORM directly.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def users(personas, settings):
    """The personas with a password, so they log in through the login form."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for persona in personas.values():
        if persona.user is not None:
            persona.user.set_password(PASSWORD)
            persona.user.save()
    return personas


def log_in(browser, live_server, username: str, *, viewport=(1366, 900)):
    context = browser.new_context(locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    assert "机构编制数字化管理平台" in page.title()
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


ROLES = {
    "admin": "编办管理员",
    "officer": "编办业务人员",
    "hr_a": "单位人事干部 · 机构A",
    "hr_b": "单位人事干部 · 机构B",
    "leader": "领导",
    "inspector": "检查人员",
    "auditor": "审计员",
}


def test_each_kind_of_user_logs_in_and_sees_their_roles_and_scope(users, live_server, browser):
    for username, role in ROLES.items():
        page = log_in(browser, live_server, username)
        assert role in page.locator("[data-testid=roles]").inner_text()
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="机构", exact=True).click()
        page.wait_for_url(re.compile(r"/units/"))
        codes = page.locator("#table-units tbody tr td:nth-child(2)").all_inner_texts()
        # The top units of the user's scope; their children unfold on demand (tests/browser/test_unit_tree.py).
        expected = {"hr_a": ["A"], "hr_b": ["B"]}.get(username, ["A", "B"])
        assert codes == expected, username
        page.click("text=退出登录")
        page.wait_for_url(re.compile(r"/login/"))
        page.context.close()


def test_a_user_without_a_role_logs_in_to_an_empty_home(users, live_server, browser):
    page = log_in(browser, live_server, "nobody")
    assert page.locator("[data-testid=no-role]").is_visible()
    page.goto(f"{live_server.url}/units/")
    assert page.locator("[data-testid=forbidden]").is_visible()


def test_browse_the_tree_and_open_a_unit_as_of_a_past_day(users, live_server, browser):
    page = log_in(browser, live_server, "leader")
    page.goto(f"{live_server.url}/units/")
    # Filter the tree (an htmx swap of the table, the address follows).
    page.select_option("#id_kind", "事业单位")
    page.click("#table-units button[type=submit]")
    page.wait_for_url(re.compile(r"kind="))
    assert page.locator("#table-units tbody tr td:nth-child(2)").all_inner_texts() == ["AS", "BS"]
    page.click("#table-units >> text=重置")
    # A function, not an expression: Playwright evals expressions in the page, which the CSP forbids.
    # The filtered tree has two rows too: wait for the top unit A, which only the whole tree lists.
    page.wait_for_function("() => document.querySelectorAll('#table-units tbody tr[data-code=A]').length === 1")
    assert page.locator("#table-units tbody tr td:nth-child(2)").all_inner_texts() == ["A", "B"]
    page.click("#table-units tr[data-code=B] a")
    page.wait_for_url(re.compile(r"/units/B/"))
    # The same unit as of a past day: before its suspension started (2026-06-01).
    page.fill("#as-of", "2026-05-15")
    page.click("#as-of-form button[type=submit]")
    page.wait_for_url(re.compile(r"as_of=2026-05-15"))
    assert "您正在查看截至 2026-05-15 的登记数据" in page.locator("[data-testid=past-day]").inner_text()
    assert page.locator("[data-testid=not-suspended]").is_visible()
    page.fill("#as-of", REGISTER_DAY.isoformat())
    page.click("#as-of-form button[type=submit]")
    page.wait_for_url(re.compile(rf"as_of={REGISTER_DAY.isoformat()}"))
    assert page.locator("[data-testid=suspended]").is_visible()
    staffing = page.locator("#table-staffing tbody").inner_text()
    assert "行政编制" in staffing and "事业编制" in staffing
    # Sort the people by name, descending (htmx swaps only that table).
    page.click("#table-people th >> text=姓名")
    page.wait_for_url(re.compile(r"people-sort=name"))
    page.wait_for_selector("#table-people th[aria-sort=ascending]")
    ascending = page.locator("#table-people tbody tr td:nth-child(1)").all_inner_texts()
    assert sorted(ascending) == sorted([NAMES["PB"], NAMES["PB_MIXED"], NAMES["PB_OLD"]])
    page.click("#table-people th >> text=姓名")
    page.wait_for_url(re.compile(r"people-sort=-name"))
    page.wait_for_selector("#table-people th[aria-sort=descending]")
    # The database's collation decides the order; descending is its exact reverse.
    assert page.locator("#table-people tbody tr td:nth-child(1)").all_inner_texts() == ascending[::-1]
    # The unit's history and its alerts are on the page too.
    assert page.locator("#table-versions tbody tr").count() == 1
    assert "超编" in page.locator("#table-alerts").inner_text()


def test_person_search_is_masked_for_a_leader_and_whole_for_the_administrator(users, live_server, browser):
    number = PB["身份证号"]
    masked = f"{number[:6]}********{number[-4:]}"
    for username, expected in (("leader", masked), ("admin", number)):
        page = log_in(browser, live_server, username)
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="人员", exact=True).click()
        page.fill("#id_q", number)
        page.click("#table-people button[type=submit]")
        page.wait_for_url(re.compile(r"q="))
        page.wait_for_function("() => document.querySelectorAll('#table-people tbody tr').length === 1")
        row = page.locator("#table-people tbody tr").first
        assert row.locator("td").nth(0).inner_text() == NAMES["PB"]
        assert row.locator("td").nth(1).inner_text() == expected, username
        with page.expect_download() as download:
            page.click("#table-people [data-export=people]")
        assert download.value.suggested_filename.endswith(".xlsx")
        page.context.close()


def test_the_unit_page_renders_on_a_large_screen_and_a_laptop(users, live_server, browser, tmp_path):
    """The page fits both without horizontal scrolling of the page itself (tables scroll inside
    their cards); the screenshot is what docs/screenshots/capture.py makes from the demo."""
    for width, height in ((1366, 768), (2560, 1440)):
        page = log_in(browser, live_server, "admin", viewport=(width, height))
        page.goto(f"{live_server.url}/units/B/?as_of={REGISTER_DAY.isoformat()}")
        page.wait_for_selector("#table-staffing")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (width, overflow)
        page.screenshot(path=str(tmp_path / f"unit-{width}.png"))
        assert os.path.getsize(tmp_path / f"unit-{width}.png") > 10_000
        page.context.close()
