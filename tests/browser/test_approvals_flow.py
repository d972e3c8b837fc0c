"""A staffing-use request from a unit to a person on staff, in a real browser (Debian's Chromium through
Playwright, a laptop's 1366×768) — issue 14's "Done means": the unit HR officer of A opens 我的申请 from
the 业务办理 menu, picks unit A (its figures appear beside the form), asks for one 行政编制 place and
submits; the staffing officer sees the request counted in the menu, opens 审批队列 and approves it with
an opinion and a 文号 (the slip reserves the place: 在途 1); the unit HR officer onboards a person against
the slip; the person appears in A's people list and the place moves from reserved to actual."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_id
from django.db import connections

from bianzhi.approvals.models import Slip, StaffingRequest
from bianzhi.core.dates import today
from bianzhi.registry.services import suspension_lift

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
            # or PostgreSQL cannot drop the test database.
            connections.close_all()
            chromium.close()


@pytest.fixture
def users(personas, register, settings):
    """The personas with passwords, and A's suspension lifted (B stays suspended)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for persona in personas.values():
        if persona.user is not None:
            persona.user.set_password(PASSWORD)
            persona.user.save()
    suspension_lift(suspension=register["suspensions"]["A"], lifted_on=today(), reason="整改完毕")
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


def open_menu_item(page, item_id: str) -> None:
    """业务办理 → the entry (the approvals entries load into the menu with the page)."""
    page.locator("#nav-work > a.dropdown-toggle").click()
    entry = page.locator(f"#{item_id}")
    entry.wait_for(state="visible")
    entry.click()


def figure(page, name: str) -> str:
    return page.locator(
        f'[data-testid=unit-figures] tr[data-staffing-type="行政编制"] [data-figure="{name}"]'
    ).inner_text()


def test_a_request_goes_from_the_unit_to_approval_and_onboarding(users, live_server, browser):
    # The unit HR officer asks for one place.
    hr = log_in(browser, live_server, "hr_a")
    open_menu_item(hr, "nav-approvals-requests")
    hr.wait_for_url(re.compile(r"/approvals/$"))
    assert hr.locator("h1").inner_text() == "我的申请"
    hr.select_option("#req_unit", "A")
    hr.locator('[data-testid=unit-figures][data-unit="A"]').wait_for()
    assert (figure(hr, "approved"), figure(hr, "actual"), figure(hr, "reserved"), figure(hr, "usable")) == (
        "6",
        "1",
        "0",
        "5",
    )
    hr.select_option("#req_staffing_type", "行政编制")
    hr.fill("#req_count", "1")
    hr.select_option("#req_reason_kind", "招录")
    hr.fill("#req_reason", "2027 年度公务员考录，补充综合科科员")
    hr.click("#request-submit")
    hr.wait_for_url(re.compile(r"/approvals/requests/\d+/$"))
    request = StaffingRequest.objects.get()
    assert hr.locator(".alert-success").inner_text() == f"用编申请 #{request.pk} 已提交，等待编办审核"
    assert hr.locator("#approvals-request-detail [data-state]").first.inner_text() == "已提交"

    # The staffing officer sees it counted in the menu and approves it in the queue.
    officer = log_in(browser, live_server, "officer")
    officer.locator("#nav-work > a.dropdown-toggle").click()
    assert officer.locator("#nav-approvals-queue [data-testid=queue-count]").inner_text() == "1"
    officer.locator("#nav-approvals-queue").click()
    officer.wait_for_url(re.compile(r"/approvals/queue/$"))
    card = officer.locator(f'.card[data-request="{request.pk}"]')
    assert card.locator("[data-testid=room]").inner_text() == "5"
    card.locator("textarea[name=opinion]").fill("同意，按年度计划招录")
    card.locator("input[name=document_number]").fill("越编〔2026〕12号")
    card.locator("button[data-action=approve]").click()
    officer.wait_for_url(re.compile(r"/approvals/queue/$"))
    slip = Slip.objects.get()
    assert f"核准使用编制通知单 {slip.number}" in officer.locator(".alert-success").inner_text()
    assert officer.locator("[data-testid=queue-empty]").is_visible()
    officer.goto(f"{live_server.url}/approvals/?unit=A")
    officer.select_option("#req_unit", "A")
    officer.locator('[data-testid=unit-figures][data-unit="A"]').wait_for()
    assert (figure(officer, "actual"), figure(officer, "reserved"), figure(officer, "usable")) == ("1", "1", "4")

    # The unit HR officer onboards a person against the slip.
    hr.reload()
    assert hr.locator("#slip").get_attribute("data-slip") == slip.number
    assert hr.locator("[data-testid=remaining]").inner_text() == "1"
    hr.click("#slip-onboard")
    hr.wait_for_url(re.compile(rf"/approvals/slips/{slip.number}/onboard/$"))
    number = make_id(dt.date(1998, 2, 3), "男")
    hr.fill("#onb_name", "陈新")
    hr.fill("#onb_id_number", number)
    hr.select_option("#onb_gender", "男")
    hr.fill("#onb_birth_date", "1998-02-03")
    hr.select_option("#onb_category", "公务员")
    hr.fill("#onb_post", "科员")
    assert hr.locator("#onb_entry_date").input_value() == today().isoformat()
    hr.click("#onboard-save")
    hr.wait_for_url(re.compile(r"/approvals/requests/\d+/#onboardings$"))
    assert "为 陈新 办理上编" in hr.locator(".alert-success").inner_text()
    assert hr.locator("[data-testid=remaining]").inner_text() == "0"
    assert "陈新" in hr.locator("#onboardings").inner_text()

    # The person is in A's people list, and the place moved from reserved to actual.
    hr.goto(f"{live_server.url}/units/A/")
    assert "陈新" in (hr.locator("#table-people").text_content() or "")
    hr.goto(f"{live_server.url}/approvals/")
    hr.select_option("#req_unit", "A")
    hr.locator('[data-testid=unit-figures][data-unit="A"]').wait_for()
    assert (figure(hr, "actual"), figure(hr, "reserved"), figure(hr, "usable")) == ("2", "0", "4")
    hr.context.close()
    officer.context.close()
