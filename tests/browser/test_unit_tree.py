"""The unit tree in a real browser (Debian's Chromium through Playwright), at a laptop's 1366×768
and a large screen's 1920×1080: expand a department and read its total with its affiliated units,
unfold a unit's 内设机构, fold it all again, sort by 超编 (descending on the first click) and see the
siblings stay under their parent; a unit HR officer's tree is their own subtree (issue 16)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REGISTER_DAY

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"]
PASSWORD = "pw-browser-123"
VIEWPORTS = [(1366, 768), (1920, 1080)]
DAY = REGISTER_DAY.isoformat()
#: the columns of the tree (1-based, as nth-child counts them)
APPROVED, VACANCY, OVER, TOTAL_APPROVED, TOTAL_VACANCY, TOTAL_OVER = 4, 6, 7, 8, 10, 11

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian 的 chromium 未安装（make system-deps 安装 chromium）"
    ),
]


@pytest.fixture
def browser(monkeypatch) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def users(personas, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for name in ("admin", "hr_a"):
        personas[name].user.set_password(PASSWORD)
        personas[name].user.save()
    return personas


def open_tree(browser, live_server, username: str, viewport: tuple[int, int]):
    context = browser.new_context(locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="机构", exact=True).click()
    page.wait_for_url(re.compile(r"/units/"))
    # The day the register was filled (the tree is as of the day viewed).
    page.fill("#as-of", DAY)
    page.click("#as-of-form button[type=submit]")
    page.wait_for_url(re.compile(rf"as_of={DAY}"))
    return page


def cell(page, code: str, column: int) -> int:
    return int(page.locator(f"#table-units tr[data-code='{code}'] td:nth-child({column})").inner_text())


def codes(page) -> list[str]:
    return page.locator("#table-units tbody tr[data-code]:visible td:nth-child(2)").all_inner_texts()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def test_expand_a_department_and_read_its_total(users, live_server, browser, viewport):
    page = open_tree(browser, live_server, "admin", viewport)
    assert page.locator("[data-testid=unit-counts]").inner_text() == "机构 4，内设机构 2"
    assert codes(page) == ["A", "B"]
    # B: own 行政编制 5 approved; with its public institution BS (2 more) 7; vacancy 3 + 2, over 1.
    assert (cell(page, "B", APPROVED), cell(page, "B", TOTAL_APPROVED)) == (5, 7)
    page.click("#table-units tr[data-code='B'] .tree-toggle")
    page.wait_for_selector("#table-units tr[data-code='BS']", state="visible")
    assert codes(page) == ["A", "B", "BS"]  # the 内设机构 stay folded
    assert page.locator("[data-testid=divisions-of-B]").is_visible()
    assert cell(page, "B", TOTAL_APPROVED) == cell(page, "B", APPROVED) + cell(page, "BS", TOTAL_APPROVED)
    assert cell(page, "B", TOTAL_VACANCY) == cell(page, "B", VACANCY) + cell(page, "BS", TOTAL_VACANCY) == 5
    assert cell(page, "B", TOTAL_OVER) == 1
    # Unfold B's 内设机构, then fold B: its whole subtree goes; unfold again without a second fetch.
    page.click("[data-testid=divisions-of-B] .tree-toggle")
    page.wait_for_selector("#table-units tr[data-code='B-01']", state="visible")
    assert codes(page) == ["A", "B", "BS", "B-01"]
    page.click("#table-units tr[data-code='B'] .tree-toggle")
    page.wait_for_selector("#table-units tr[data-code='BS']", state="hidden")
    assert codes(page) == ["A", "B"] and not page.locator("[data-testid=divisions-of-B]").is_visible()
    page.click("#table-units tr[data-code='B'] .tree-toggle")
    page.wait_for_selector("#table-units tr[data-code='BS']", state="visible")
    assert codes(page) == ["A", "B", "BS", "B-01"]
    assert page.locator("#table-units tr[data-code='BS']").count() == 1
    # The tree fits the screen's width on a large screen; on a laptop the table scrolls inside its card.
    if viewport[0] >= 1920:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport[0]
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def test_sort_by_over_descending_first_keeps_siblings_under_their_parent(users, live_server, browser, viewport):
    page = open_tree(browser, live_server, "admin", viewport)
    page.click("#table-units th a[data-sort=total_over]")
    page.wait_for_url(re.compile(r"sort=-total_over"))
    page.wait_for_selector("#table-units th[aria-sort=descending]")
    assert codes(page) == ["B", "A"]
    page.click("#table-units tr[data-code='A'] .tree-toggle")
    page.wait_for_selector("#table-units tr[data-code='AS']", state="visible")
    # A's children come right under A, not among the top units.
    assert codes(page) == ["B", "A", "AS"]
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def test_a_unit_hr_officer_expands_the_own_unit_to_see_its_internal_divisions(users, live_server, browser, viewport):
    page = open_tree(browser, live_server, "hr_a", viewport)
    assert codes(page) == ["A"]
    assert page.locator("[data-testid=unit-counts]").inner_text() == "机构 2，内设机构 1"
    page.click("#table-units tr[data-code='A'] .tree-toggle")
    page.wait_for_selector("[data-testid=divisions-of-A]", state="visible")
    assert "内设机构 1 个" in page.locator("[data-testid=divisions-of-A]").inner_text()
    page.click("[data-testid=divisions-of-A] .tree-toggle")
    page.wait_for_selector("#table-units tr[data-code='A-01']", state="visible")
    assert codes(page) == ["A", "AS", "A-01"]
    # The 内设机构 opens as a unit page.
    page.click("#table-units tr[data-code='A-01'] a")
    page.wait_for_url(re.compile(r"/units/A-01/"))
    page.context.close()
