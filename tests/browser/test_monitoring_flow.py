"""Monitoring runs, alert history and the forecast tabs in a real browser (Debian's Chromium through
Playwright) at a laptop's 1366×768: an officer starts a full run from 监测运行, sees it listed, finds the
alerts' first-seen day on the alerts page and in 预警历史, follows an alert to the rows behind it, reads
the unit page's history section, and opens the 周转编制到期 and 空编预测 tabs with their chart and tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bianzhi.core.dates import today

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
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
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def officer(personas, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    user = personas["officer"].user
    user.set_password(PASSWORD)
    user.save()
    return user


def test_an_officer_runs_monitoring_and_traces_alerts_and_forecasts(officer, live_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # 监测运行: start a full run as of today from the alerts page's tab
    page.goto(f"{live_server.url}/alerts/")
    page.click("#monitoring-runs-link")
    page.wait_for_url(re.compile(r"/monitoring/$"))
    page.click("#run-start")
    page.wait_for_url(re.compile(r"/monitoring/$"))
    assert "全区监测已完成" in page.locator("main").inner_text()
    first = page.locator("#table-runs tbody tr").first.inner_text()
    assert today().isoformat() in first and "全区" in first

    # the alerts page: first seen today, and the overdue loan of B leads to B's loans
    page.goto(f"{live_server.url}/alerts/?rule=overdue_turnover")
    row = page.locator("#table-alerts tbody tr").first
    assert today().isoformat() in row.inner_text()
    row.get_by_role("link", name="查看").click()
    page.wait_for_url(re.compile(r"/units/B/.*#table-loans"))

    # the unit page's history section, loaded with htmx
    page.wait_for_selector("#unit-alert-history [data-rule=overdue_turnover]")
    assert "仍存在" in page.locator("#unit-alert-history").inner_text()

    # 预警历史
    page.goto(f"{live_server.url}/monitoring/history/")
    assert page.locator("#table-history tbody tr").count() >= 3

    # the forecast tabs: loans falling due (A's loan, due 2027-01-01) and projected vacancy
    page.goto(f"{live_server.url}/forecasts/retirements/")
    page.click("[data-tab=loans]")
    page.wait_for_url(re.compile(r"/forecasts/loans/"))
    page.fill("#id_start", "2026-12")
    page.fill("#id_months", "3")
    page.click("#forecast-submit")
    page.wait_for_selector("#forecast-chart[data-drawn='1'] canvas")
    assert page.locator("[data-kpi=quantity]").inner_text() == "1"
    assert "2027-01" in page.locator("#table-months").inner_text()
    page.click("[data-tab=vacancy]")
    page.wait_for_url(re.compile(r"/forecasts/vacancy/"))
    assert page.locator("h1").inner_text() == "空编预测"
    assert page.locator("#table-vacancy tbody tr").count() >= 4
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    context.close()
