"""暂缓审批 and 通知 in a real browser (issue 14), at a laptop's size: a staffing officer follows the unread
badge to a notification, opens the unit it links to, suspends the unit's approvals there by hand, sees the
suspension on the unit page, and lifts it from the suspension list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from bianzhi.core.notifications import notify
from bianzhi.registry.models import Suspension

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
            connections.close_all()
            chromium.close()


@pytest.fixture
def officer(personas, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = personas["officer"].user
    user.set_password(PASSWORD)
    user.save()
    return user


def test_follow_a_notification_then_suspend_and_lift_a_unit(officer, live_server, browser):
    notify(recipients=[officer], title="BS 连续两期红色，请研究暂缓审批", url="/units/BS/", kind="supervision")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    badge = page.locator("#unread-badge")
    assert badge.inner_text() == "1" and badge.is_visible()
    page.click("#nav-bell")
    page.wait_for_url(f"{live_server.url}/notifications/")
    assert "1 条未读通知。" in page.inner_text("#notifications-page")
    page.locator("[data-notification] [data-action=open]").click()
    page.wait_for_url(f"{live_server.url}/units/BS/")
    assert page.locator("#unread-badge").count() == 0

    page.locator("#unit-suspension-actions [data-action=suspend]").click()
    page.wait_for_url(f"{live_server.url}/suspensions/new/?unit=BS")
    assert page.input_value("#id_unit") == "BS"
    page.fill("#id_reason", "连续两期红色")
    page.fill("#id_planned_end", "2099-12-31")
    page.click("#suspension-submit")
    page.wait_for_url(f"{live_server.url}/units/BS/")
    assert page.locator("[data-testid=suspended]").is_visible()
    assert "连续两期红色" in page.inner_text("[data-testid=unit-summary]")

    page.click("#nav-work")
    page.click("#nav-suspensions")
    page.wait_for_url(f"{live_server.url}/suspensions/")
    row = page.locator("[data-unit=BS]")
    assert "暂缓中" in row.inner_text()
    # the table fits the laptop's width: no horizontal scrolling of the page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    row.locator("[data-action=lift]").click()
    page.fill("#id_reason", "已整改")
    page.click("#suspension-submit")
    page.wait_for_url(f"{live_server.url}/units/BS/")
    assert page.locator("[data-testid=not-suspended]").is_visible()
    suspension = Suspension.objects.get(unit__code="BS")
    assert (suspension.reason, suspension.lift_reason, suspension.source) == ("连续两期红色", "已整改", "手工")
    context.close()
