"""The retirement forecast page in a real browser (Debian's Chromium through Playwright), at a laptop's
1366×768 and a large screen's 1920×1080: an officer opens it from the top navigation, asks for 24
months, and sees the chart drawn and the table with 24 month columns and the people; a leader sees
the same forecast by year, numbers masked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import person_row

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
VIEWPORTS = [(1366, 768), (1920, 1080)]
#: Retiring in 2026-12 and 2027-03 (domain.md §5: men 60 plus 5 and 6 months' delay).
JIA = person_row("A", birth=dt.date(1966, 7, 10), 姓名="甲一")
BING = person_row("B", birth=dt.date(1966, 9, 1), 姓名="丙三")

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
def users(personas, settings, load):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load({"人员": [JIA, BING]}, reason="退休预测测试数据", actor="tests")
    for persona in personas.values():
        if persona.user is not None:
            persona.user.set_password(PASSWORD)
            persona.user.save()
    return personas


def log_in(browser, live_server, username: str, viewport: tuple[int, int]):
    context = browser.new_context(locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page, errors


def open_forecast(page, viewport):
    if viewport[0] < 1400:
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="退休预测").click()
    page.wait_for_url(re.compile(r"/forecasts/retirements/"))
    assert page.locator("h1").inner_text() == "退休预测"


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def test_an_officer_asks_for_24_months_and_reads_the_chart_and_the_table(users, live_server, browser, viewport):
    page, errors = log_in(browser, live_server, "officer", viewport)
    open_forecast(page, viewport)
    page.fill("#id_start", "2026-07")
    page.fill("#id_months", "24")
    page.click("#forecast-submit")
    page.wait_for_url(re.compile(r"months=24"))
    # The chart is drawn (a canvas inside the chart element, 24 months on its axis).
    page.wait_for_selector("#forecast-chart[data-drawn='24'] canvas")
    box = page.locator("#forecast-chart canvas").first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    # The table: a column per month from 2026-07 to 2028-06, and the units' rows with their totals.
    headers = page.locator("#table-summary thead th").all_inner_texts()
    assert len(headers) == 26 and headers[1] == "2026-07" and headers[24] == "2028-06" and headers[-1] == "合计"
    rows = {r.split("\t")[0]: r.split("\t")[-1] for r in page.locator("#table-summary tbody tr").all_inner_texts()}
    assert rows == {"机构A（A）": "1", "机构B（B）": "1"}
    assert page.locator("[data-testid=totals] td").last.inner_text() == "2"
    assert page.locator("[data-kpi=retirements]").inner_text() == "2"
    people = page.locator("#table-people tbody tr").all_inner_texts()
    assert [p.split("\t")[:2] for p in people] == [["2026-12", "甲一"], ["2027-03", "丙三"]]
    assert JIA["身份证号"] in people[0]
    # Switch the table to staffing types.
    page.click("[data-by=staffing_type]")
    page.wait_for_url(re.compile(r"by=staffing_type"))
    assert page.locator("#table-summary tbody tr th").first.inner_text() == "行政编制"
    # Export the table.
    with page.expect_download() as download:
        page.click("[data-export=summary]")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def test_a_leader_reads_the_forecast_by_year(users, live_server, browser, viewport):
    page, _errors = log_in(browser, live_server, "leader", viewport)
    open_forecast(page, viewport)
    page.fill("#id_start", "2026-07")
    page.fill("#id_months", "24")
    page.click("#forecast-submit")
    page.wait_for_url(re.compile(r"months=24"))
    page.wait_for_selector("#forecast-chart[data-drawn='3'] canvas")
    headers = page.locator("#table-summary thead th").all_inner_texts()
    assert headers[1:] == ["2026", "2027", "2028", "合计"]
    people = page.locator("#table-people tbody tr").all_inner_texts()
    assert [p.split("\t")[:2] for p in people] == [["2026", "甲一"], ["2027", "丙三"]]
    assert JIA["身份证号"] not in page.content() and "2026-12" not in page.locator("main").inner_text()
    page.context.close()
