"""The one-screen board (issue 15) in a real browser (Debian's Chromium through Playwright), at a laptop's
1366×768 and a large screen's 1920×1080: an officer opens 全局一屏 from the top navigation, every chart is
drawn without a Content-Security-Policy complaint, switches to 政府序列, clicks a number and a bar of the
chart down to the people behind it — exactly that many rows — and a heat-map cell down to the units."""

from __future__ import annotations

import os
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
CHARTS = ["chart-types", "chart-sequences", "chart-alerts", "chart-heat-vacancy", "chart-heat-over", "chart-runs",
          "chart-retirements", "chart-loans"]  # fmt: skip

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


def people_count(page) -> int:
    return int(page.locator("#table-people [data-testid=count]").inner_text())


#: The pixel box of one bar of an ECharts bar chart, from the chart's own layout (not guessed).
BAR_BOX = """([id, series, index]) => {
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  const layout = chart.getModel().getSeriesByIndex(series).getData().getItemLayout(index);
  const box = document.getElementById(id).getBoundingClientRect();
  return {x: box.left + layout.x + layout.width / 2, y: box.top + layout.y + layout.height / 2,
          height: Math.abs(layout.height)};
}"""


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "large"])
def test_switch_to_the_government_sequence_and_click_down_to_the_people(users, live_server, browser, viewport):
    page = log_in(browser, live_server, "officer", viewport=viewport)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/?as_of={DAY}")
    page.click("[data-nav=board]")
    page.wait_for_url(re.compile(rf"/board/\?as_of={DAY}$"))
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-chart-ready='1'] canvas")
    if os.environ.get("BOARD_SCREENSHOTS"):  # a look at the layout: BOARD_SCREENSHOTS=/tmp/dir
        page.wait_for_timeout(1500)  # the charts' entry animation
        page.screenshot(path=f"{os.environ['BOARD_SCREENSHOTS']}/board-{viewport[0]}.png", full_page=True)
    assert page.locator("[data-board-value=units]").inner_text() == "6"
    # 政府序列: the board of that sequence, at once
    page.click("label[for=dimension-government]")
    page.wait_for_url(re.compile(r"/board/\?.*dimension=government"))
    assert "政府序列" in page.locator("[data-testid=board-title]").inner_text()
    page.wait_for_selector("#chart-types[data-chart-ready='1'] canvas")
    # A number: 行政编制 实有 → the people list of that sequence and type, exactly that many rows
    cell = page.locator("#board-types tr[data-type=行政编制] [data-board-link='type.行政编制.actual']")
    value = int(cell.inner_text())
    assert value == 3
    cell.click()
    page.wait_for_url(re.compile(r"/people/\?.*sequence="))
    assert people_count(page) == value
    assert page.locator("#table-people tbody tr").count() == value
    assert set(page.locator("#table-people tbody tr td:nth-child(7)").all_inner_texts()) == {"行政编制"}
    # A bar: the 实有 bar (series 1) of 行政编制 (category 0) in the chart → the same rows
    page.go_back()
    page.wait_for_selector("#chart-types[data-chart-ready='1'] canvas")
    page.locator("#chart-types").scroll_into_view_if_needed()
    bar = page.evaluate(BAR_BOX, ["chart-types", 1, 0])
    assert bar["height"] > 0
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_url(re.compile(r"/people/\?.*staffing_type="))
    assert people_count(page) == value
    # A heat-map cell: 部门 B's 事业编制 over-staffing (1) → the unit tree of B's subtree for that type
    page.go_back()
    page.wait_for_selector("#chart-heat-over[data-chart-ready='1'] canvas")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    page.context.close()


@pytest.mark.parametrize("viewport", [(1920, 1080)], ids=["large"])
def test_the_board_fills_a_large_screen_and_a_leader_sees_retirements_by_year(users, live_server, browser, viewport):
    page = log_in(browser, live_server, "leader", viewport=viewport)
    page.goto(f"{live_server.url}/board/?as_of={DAY}")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-chart-ready='1'] canvas")
    # three rows of charts share the height below the numbers
    height = page.evaluate("document.getElementById('chart-types').getBoundingClientRect().height")
    assert 200 <= height <= 420
    assert page.locator("[data-board-link='retire.year.2026']").count() == 1
    assert page.locator("[data-board-link^='retire.next.']").count() == 0
    page.click("[data-board-link='retire.year.2026']")
    page.wait_for_url(re.compile(r"/forecasts/retirements/\?.*start=2026-01"))
    page.context.close()
