"""Forms for the daily changes in a real browser (issue 16): a staffing officer opens a unit, clicks
修改 under its 编制 table, changes the approved number with a reason and a 文号, and reads the change
in the unit's change log — at a laptop's and a large screen's size. A backdated change is refused on
the form with the import's words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from bianzhi.core.dates import today
from bianzhi.registry.models import StaffingQuota

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
            # ORM calls made while Playwright's loop runs hold connections of their own: close them,
            # or PostgreSQL cannot drop the test database (as tests/browser/test_import_flow.py does).
            connections.close_all()
            chromium.close()


@pytest.fixture
def users(personas, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for persona in personas.values():
        if persona.user is not None:
            persona.user.set_password(PASSWORD)
            persona.user.save()
    return personas


def log_in(browser, live_server, username: str, *, viewport: tuple[int, int]):
    context = browser.new_context(locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


REASON = "按区编委会议纪要核增"
DOCUMENT = "区编委〔2026〕18号"


@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_change_a_quota_in_its_form_and_see_it_in_the_change_log(users, live_server, browser, viewport):
    page = log_in(browser, live_server, "officer", viewport=viewport)
    page.goto(f"{live_server.url}/units/A/")
    # The form opens in a modal beside the table (htmx), with the current number and today's date.
    page.locator("[data-testid=register-staffing]").get_by_role("link", name="修改 行政编制").click()
    modal = page.locator("#register-modal")
    modal.locator("#reg_approved").wait_for()
    assert modal.is_visible()
    assert "修改核定编制" in modal.inner_text()
    assert modal.locator("#reg_approved").input_value() == "5"
    assert modal.locator("#reg_effective").input_value() == today().isoformat()
    # Without a reason the import's rules are not even asked: the form says what is missing.
    modal.locator("#reg_approved").fill("8")
    modal.locator("#register-change-save").click()
    assert "请填写变更理由" in modal.locator("[data-field=reason] [data-testid=field-error]").inner_text()
    modal.locator("#reg_reason").fill(REASON)
    modal.locator("#reg_document_number").fill(DOCUMENT)
    page.click("#register-change-save")
    page.wait_for_url(re.compile(r"/units/A/\?as_of="))
    message = page.locator(".alert-success").inner_text()
    assert "行政编制核定数 8" in message and "变更批次 #" in message
    quota = StaffingQuota.objects.get(StaffingQuota.as_of(today()), unit__code="A", staffing_type="行政编制")
    assert quota.approved == 8
    # The unit's change log lists the change: from the pages, with its reason, 文号 and before → after.
    log = page.locator("#table-changes")
    if not log.locator("tbody").is_visible():
        log.locator("summary, [data-bs-toggle=collapse]").first.click()
    row = log.locator("tbody tr", has_text=REASON).first
    row.wait_for()
    text = row.inner_text()
    assert DOCUMENT in text and "网页" in text and "officer" in text
    assert re.search(r"5\s*→\s*8", text), text
    page.context.close()


def test_a_backdated_change_is_refused_on_the_form(users, live_server, browser):
    page = log_in(browser, live_server, "officer", viewport=(1366, 768))
    page.goto(f"{live_server.url}/register/units/A/quota/?type=行政编制")
    page.fill("#reg_approved", "6")
    page.fill("#reg_reason", REASON)
    page.click("#register-change-save")
    page.wait_for_url(re.compile(r"/units/A/"))
    page.goto(f"{live_server.url}/register/units/A/quota/?type=行政编制")
    page.fill("#reg_approved", "9")
    page.fill("#reg_effective", "2026-01-01")
    page.fill("#reg_reason", REASON)
    page.click("#register-change-save")
    error = page.locator("[data-field=approved] [data-testid=field-error]")
    assert "不能倒签" in error.inner_text()
    page.context.close()
