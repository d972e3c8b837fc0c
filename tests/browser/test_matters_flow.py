"""A staffing matter in a real browser (issue 14): the officer drafts an 增编 matter for unit C in the
editor, submits and reviews it; the leader decides; the officer executes it effective 2026-07-01; the
ledger of C lists the change with its 文号, and its date slider shows the register before and after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import unit_row

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSWORD = "pw-browser-123"
NUMBER = "越编〔2026〕31号"

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
def users(personas, settings, load):
    load({"机构": [unit_row("C")], "编制": [{"机构代码": "C", "编制类型": "行政编制", "核定数": 6}]})
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for persona in personas.values():
        if persona.user is not None:
            persona.user.set_password(PASSWORD)
            persona.user.save()
    return personas


def log_in(browser, live_server, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_a_matter_from_draft_to_executed_and_the_ledger_showing_it(users, live_server, browser):
    officer = log_in(browser, live_server, "officer")
    # The menu 业务办理 → 机构编制事项, then 新建 and the kind's form.
    officer.locator("#nav-work > a").click()
    officer.locator("#nav-matters").click()
    officer.wait_for_url(f"{live_server.url}/matters/")
    officer.locator("#matter-new").click()
    officer.select_option("#id_kind", "增编")
    officer.locator("#matter-kind-choose").click()
    officer.wait_for_url("**/matters/new/?kind=*")
    officer.fill("#id_title", "C局增加行政编制")
    officer.fill("#id_document_number", NUMBER)
    officer.fill("#id_effective", "2026-07-01")
    officer.select_option("#id_unit", "C")
    officer.select_option("#id_staffing_type", "行政编制")
    officer.fill("#id_delta", "2")
    officer.locator("#matter-save").click()
    officer.wait_for_url("**/matters/*/")
    assert officer.locator("#matter-state").inner_text() == "草稿"
    matter_url = officer.url
    officer.locator("#button-submit").click()
    officer.locator("#opinion-review").fill("符合规定，拟同意")
    officer.locator("#button-review").click()
    officer.locator("#matter-page[data-state=reviewed]").wait_for()
    assert "已审核" in officer.locator("#matter-state").inner_text()

    leader = log_in(browser, live_server, "leader")
    leader.goto(matter_url)
    leader.locator("#opinion-decide").fill("同意")
    leader.locator("#button-approve").click()
    leader.locator("#matter-page[data-state=decided]").wait_for()
    assert leader.locator("#button-execute").count() == 0

    officer.goto(matter_url)
    officer.fill("#effective-execute", "2026-07-01")
    officer.locator("#button-execute").click()
    officer.locator("#matter-page[data-state=executed]").wait_for()
    timeline = officer.locator("#matter-timeline").inner_text()
    for step in ("拟稿", "提交", "审核", "编委决定通过", "执行"):
        assert step in timeline
    assert "2026-07-01" in officer.locator("#matter-executed").inner_text()

    # The ledger of C: the change with its 文号 and source, the slider over the change days.
    officer.goto(f"{live_server.url}/matters/ledger/C/")
    row = officer.locator("#ledger tbody tr", has_text=NUMBER)
    assert "+2" in row.inner_text() and "机构编制事项" in row.inner_text()
    slider = officer.locator("#ledger-slider")
    slider.fill("0")
    officer.locator("#ledger-as-of[data-day='2026-06-30']").wait_for()
    assert officer.locator("#register-staffing tr[data-type='行政编制'] .approved").inner_text().startswith("6")
    slider.fill("1")
    officer.locator("#ledger-as-of[data-day='2026-07-01']").wait_for()
    assert officer.locator("#register-staffing tr[data-type='行政编制'] .approved").inner_text().startswith("8")
