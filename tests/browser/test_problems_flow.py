"""问题整改 in a real browser (issue 15), at a laptop's size (1366×768): a staffing officer opens the
one-screen board, switches it to 政府序列 and clicks a bar down to the people behind it, then raises a
problem from an alert in one click, the unit is suspended at once, the unit's HR officer answers with a
plan and evidence, the officer closes it off (销号) and the suspension is lifted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from bianzhi.core.dates import today
from tests.browser.test_board import BAR_BOX, people_count

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSWORD = "pw-browser-123"
VIEWPORT = {"width": 1366, "height": 768}

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
def users(personas, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for persona in personas.values():
        if persona.user is not None:
            persona.user.set_password(PASSWORD)
            persona.user.save()
    return personas


def log_in(browser, live_server, username: str):
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_raise_from_an_alert_answer_and_close(users, live_server, browser):
    from bianzhi.rectification.models import Problem
    from bianzhi.registry.models import Suspension
    from bianzhi.supervision.models import Alert
    from bianzhi.supervision.services import monitoring_run

    run, _alerts = monitoring_run(as_of=today())
    alert = Alert.objects.filter(run=run, unit_code__in=["A", "AS"]).order_by("id").first()
    assert alert is not None, list(Alert.objects.filter(run=run).values_list("rule", "unit_code"))
    officer = log_in(browser, live_server, "officer")
    # 全局一屏: switch to 政府序列, click the 实有 bar of 行政编制 → exactly the people behind it
    officer.click("[data-nav=board]")
    officer.wait_for_url(re.compile(r"/board/"))
    officer.click("label[for=dimension-government]")
    officer.wait_for_url(re.compile(r"/board/\?.*dimension=government"))
    officer.wait_for_selector("#chart-types[data-chart-ready='1'] canvas")
    value = int(
        officer.locator("#board-types tr[data-type=行政编制] [data-board-link='type.行政编制.actual']").inner_text()
    )
    officer.locator("#chart-types").scroll_into_view_if_needed()
    bar = officer.evaluate(BAR_BOX, ["chart-types", 1, 0])
    officer.mouse.click(bar["x"], bar["y"])
    officer.wait_for_url(re.compile(r"/people/\?.*staffing_type="))
    assert people_count(officer) == value > 0
    assert set(officer.locator("#table-people tbody tr td:nth-child(7)").all_inner_texts()) == {"行政编制"}
    # 立为问题 from the alerts, in one click
    officer.goto(f"{live_server.url}/alerts/")
    button = officer.locator(f"[data-raise='{alert.pk}']")
    button.wait_for()
    assert "立为问题" in button.inner_text()
    button.click()  # one click: raised, notice sent, unit suspended
    officer.wait_for_url(re.compile(r"/problems/[0-9]+/$"))
    problem = Problem.objects.get(alert=alert)
    assert officer.locator("[data-testid=problem-state]").get_attribute("data-state") == "open"
    assert officer.locator("[data-suspension=in_force]").is_visible()
    suspension = Suspension.objects.get(pk=problem.suspension_id)
    assert suspension.lifted_on is None and suspension.source == "问题整改"
    # the unit's page shows the suspension and the problem in its 问题清单
    officer.goto(f"{live_server.url}/units/{alert.unit_code}/")
    officer.locator(f"#unit-problems a[href='/problems/{problem.pk}/']").wait_for()
    assert f"问题整改：问题 {problem.pk}" in officer.locator("body").inner_text()

    hr = log_in(browser, live_server, "hr_a")
    hr.goto(f"{live_server.url}/problems/{problem.pk}/")
    hr.fill("#id_plan", "一个月内调整到位")
    hr.fill("#id_evidence", "已完成调整，附调整文件")
    hr.click("#answer-submit")
    hr.wait_for_url(f"{live_server.url}/problems/{problem.pk}/")
    assert hr.locator("[data-testid=problem-state]").get_attribute("data-state") == "answered"
    assert hr.locator("#answer-form").count() == 0

    officer.goto(f"{live_server.url}/problems/{problem.pk}/")
    officer.fill("#id_opinion", "经核查已整改到位，予以销号")
    officer.click("#close-submit")
    officer.wait_for_url(f"{live_server.url}/problems/{problem.pk}/")
    assert officer.locator("[data-testid=problem-state]").get_attribute("data-state") == "closed"
    assert officer.locator("[data-suspension=lifted]").is_visible()
    assert officer.locator("#timeline [data-step]").count() == 3
    suspension.refresh_from_db()
    assert suspension.lifted_on == today()
    # the page fits a laptop's width: nothing scrolls sideways
    assert officer.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    officer.goto(f"{live_server.url}/problems/")
    assert officer.locator(f"tr[data-problem='{problem.pk}'][data-state='closed']").is_visible()
