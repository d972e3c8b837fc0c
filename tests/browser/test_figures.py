"""Figures explain themselves, in a real browser (Debian's Chromium) at a laptop's and a large
screen's size: a staffing officer hovers 空编 and reads that it is never netted, clicks a figure and
counts the rows behind it, opens a unit page whose filters are folded away, follows its 实有 figure
to its people, and moves through the top navigation without losing the day (issue 16)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REGISTER_DAY

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
DAY = REGISTER_DAY.isoformat()
VIEWPORTS = [(1366, 768), (1920, 1080)]

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
    for persona in personas.values():
        if persona.user is not None:
            persona.user.set_password(PASSWORD)
            persona.user.save()
    return personas


def log_in(browser, live_server, username: str, *, viewport):
    context = browser.new_context(locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def body_rows(page, table: str) -> int:
    return page.locator(f"#table-{table} tbody tr").count()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "large"])
def test_click_each_home_figure_through_to_its_rows(users, live_server, browser, viewport):
    page = log_in(browser, live_server, "officer", viewport=viewport)
    page.goto(f"{live_server.url}/?as_of={DAY}")
    # Hovering 空编 says how it is counted (a Bootstrap tooltip, started from a static file)
    page.hover("[data-kpi-link=vacancy]")
    tooltip = page.get_by_role("tooltip")
    tooltip.wait_for()
    assert "逐个机构、逐个编制类型相加，从不相互抵消" in tooltip.inner_text()
    # ... and the page says why 核定 − 实有 is not 空编
    assert "16 − 5 = 11" in page.locator("[data-testid=not-netted]").inner_text()
    assert "合计（各编制类型相加）" in page.locator("[data-testid=types-added]").inner_text()
    # 实有 5 → the five people on staff that day
    assert page.locator("[data-kpi=actual]").inner_text() == "5"
    page.click("[data-kpi-link=actual]")
    page.wait_for_url(re.compile(r"/people/\?.*status="))
    assert page.locator("#table-people [data-testid=count]").inner_text() == "5"
    assert body_rows(page, "people") == 5
    # The 事业编制 row's 实有 2 → two people of that type
    page.go_back()
    page.wait_for_url(re.compile(rf"/\?as_of={DAY}$"))
    row = page.locator("#table-figures tbody tr", has_text="事业编制")
    assert row.locator("[data-figure-link=actual]").inner_text() == "2"
    row.locator("[data-figure-link=actual]").click()
    page.wait_for_url(re.compile(r"/people/\?.*staffing_type="))
    assert body_rows(page, "people") == 2
    assert set(page.locator("#table-people tbody tr td:nth-child(7)").all_inner_texts()) == {"事业编制"}
    # 中 3 → three medium alerts, each with its rule's explanation and the division filled
    page.go_back()
    page.wait_for_url(re.compile(rf"/\?as_of={DAY}$"))
    page.click("[data-alert-count=中]")
    page.wait_for_url(re.compile(r"/alerts/\?.*severity="))
    assert body_rows(page, "alerts") == 3
    assert page.locator("#table-alerts td.rule-description").count() == 3
    assert all(t.startswith("负面清单：") for t in page.locator("#table-alerts td.rule-description").all_inner_texts())
    # 超编 1 → the unit tree sorted by 超编, the over-staffed unit's department first
    page.go_back()
    page.wait_for_url(re.compile(rf"/\?as_of={DAY}$"))
    page.click("[data-kpi-link=over]")
    page.wait_for_url(re.compile(r"/units/\?.*sort=-over"))
    assert page.locator("#table-units tbody tr td:nth-child(2)").first.inner_text() == "B"
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "large"])
def test_a_unit_page_folds_its_filters_and_links_its_figures(users, live_server, browser, viewport):
    page = log_in(browser, live_server, "hr_a", viewport=viewport)
    page.goto(f"{live_server.url}/units/AS/?as_of={DAY}")
    summary = page.locator("[data-testid=unit-summary]")
    assert "公益一类" in summary.locator("[data-attribute=institution_class]").inner_text()
    assert "蓝（低）" in page.locator("[data-testid=unit-colour]").inner_text()
    # The filter forms are folded away; the people table's opens on a click
    people_filters = page.locator("#table-people-filters")
    assert not people_filters.is_visible()
    assert not page.locator("#table-staffing-filters").is_visible()
    page.click("[data-fold=people]")
    people_filters.wait_for(state="visible")
    # 在途 explains itself on hover
    page.hover("#table-staffing th[data-help=reserved]")
    tooltip = page.get_by_role("tooltip")
    tooltip.wait_for()
    assert "在途" in tooltip.inner_text() and "用编审批" in tooltip.inner_text()
    # 实有 1 of 事业编制 → the people table filtered to that type, its filters open
    page.click("#table-staffing [data-figure-link=actual]")
    page.wait_for_url(re.compile(r"people-staffing_type="))
    assert page.locator("#table-people [data-testid=count]").inner_text() == "1"
    assert body_rows(page, "people") == 1
    assert page.locator("#table-people-filters").is_visible()
    # The 职数 table speaks of positions
    headings = page.locator("#table-positions thead th").all_inner_texts()
    assert [h.strip() for h in headings][1:] == ["核定职数", "实配数", "空缺", "超配"]
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "large"])
def test_the_top_navigation_keeps_the_day(users, live_server, browser, viewport):
    page = log_in(browser, live_server, "officer", viewport=viewport)
    page.goto(f"{live_server.url}/?as_of=2025-12-31")
    navigation = page.get_by_role("navigation", name="主导航")
    if not navigation.locator("[data-nav=alert_list]").is_visible():  # a narrow window folds the menu
        navigation.locator(".navbar-toggler").click()
    navigation.locator("[data-nav=alert_list]").click()
    page.wait_for_url(re.compile(r"/alerts/\?as_of=2025-12-31$"))
    assert page.locator("#as-of").input_value() == "2025-12-31"
    page.get_by_role("navigation", name="主导航").locator("[data-nav=unit_list]").click()
    page.wait_for_url(re.compile(r"/units/\?as_of=2025-12-31$"))
    assert page.locator("#as-of").input_value() == "2025-12-31"
    page.context.close()
