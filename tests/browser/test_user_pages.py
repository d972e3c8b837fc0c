"""用户管理 in a real browser (Debian's Chromium through Playwright), at a laptop's 1366×768 and a large
screen's 1920×1080: the 编办管理员 opens 用户管理 from the user menu, creates a user with a display name,
reads the generated password shown once, grants them 单位人事干部 over unit A with the unit picker;
the new user logs in with that password and sees their name, their role and only A's subtree; the
administrator locks them and their next login is refused (issue 16)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from bianzhi.core.models import ChangeRecord

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"]
PASSWORD = "pw-browser-123"
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
def admin(personas, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = personas["admin"].user
    user.first_name = "王主任"
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(browser, live_server, username: str, password: str, viewport: tuple[int, int]):
    context = browser.new_context(locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    return page


def fits_the_width(page) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1366x768", "1920x1080"])
def test_create_a_user_grant_a_unit_and_log_in_as_them(admin, live_server, browser, viewport):
    page = log_in(browser, live_server, "admin", PASSWORD, viewport)
    page.wait_for_url(f"{live_server.url}/")
    page.click("#nav-users")
    page.wait_for_url(re.compile(r"/users/$"))
    assert page.locator("h1").inner_text() == "用户管理"
    assert page.locator("#users tr[data-username=leader]").is_visible()
    assert fits_the_width(page)

    page.click("#user-new")
    page.wait_for_url(re.compile(r"/users/new/$"))
    page.fill("#id_username", "zhangke")
    page.fill("#id_name", "张科长")
    page.fill("#id_reason", "新任人事干部开通账户")
    page.click("#user-new-form button[type=submit]")
    page.wait_for_selector("#shown-password")
    password = page.locator("#shown-password").inner_text().strip()
    assert len(password) == 14
    assert "张科长（zhangke）的密码仅在此显示一次" in page.locator("#password-shown-page").inner_text()

    page.click("#to-user")
    page.wait_for_url(re.compile(r"/users/\d+/$"))
    assert "未授予角色" in page.locator("#user-roles").inner_text()
    page.select_option("#grant_role", "unit_hr")
    page.fill("#grant_unit", "A")
    page.fill("#grant_reason", "负责机构A人事")
    page.click("#grant-form button[type=submit]")
    page.wait_for_selector("#user-roles [data-role=unit_hr]")
    assert "单位人事干部 · 机构A（A）" in page.locator("#user-roles").inner_text()
    assert "角色已授予" in page.locator("main").inner_text()
    assert fits_the_width(page)
    grant = ChangeRecord.objects.filter(entity="角色授权", key="zhangke/unit_hr").select_related("change_set").get()
    # Inside Playwright's event loop the ORM opens a connection of its own: closed, or the test
    # database cannot be dropped at the end (PostgreSQL).
    connections.close_all()
    assert grant.change_set.actor == "王主任（admin）" and grant.change_set.reason == "负责机构A人事"

    # The new user logs in with the password shown once: their name, their role, A's subtree only.
    theirs = log_in(browser, live_server, "zhangke", password, viewport)
    theirs.wait_for_url(f"{live_server.url}/")
    assert "张科长" in theirs.locator("[data-testid=username]").inner_text()
    assert "单位人事干部 · 机构A" in theirs.locator("[data-testid=roles]").inner_text()
    assert theirs.locator("#nav-users").count() == 0
    theirs.goto(f"{live_server.url}/units/")
    assert theirs.locator("#table-units tbody tr td:nth-child(2)").all_inner_texts() == ["A"]
    theirs.context.close()

    # Locked: the next login is refused.
    page.fill("#lock-reason", "调离")
    page.click("#lock-form button[type=submit]")
    page.wait_for_selector("[data-status=locked]")
    refused = log_in(browser, live_server, "zhangke", password, viewport)
    refused.wait_for_selector(".alert-danger[role=alert]")
    assert refused.url.startswith(f"{live_server.url}/login/")
    refused.context.close()
    page.context.close()
