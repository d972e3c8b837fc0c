"""The Content-Security-Policy in a real browser (Debian's Chromium through Playwright): every page of the
navigation, the API docs page and the admin load and work — htmx swaps, the home chart and its tooltip,
swagger-ui — without a single policy violation, and a violation would be seen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

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

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian 的 chromium 未安装（make system-deps 安装 chromium）"
    ),
]

#: Runs in every document before its own scripts (Playwright's init scripts are not subject to the policy).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
"""


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
    from django.contrib.auth.models import User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for persona in personas.values():
        if persona.user is not None:
            persona.user.set_password(PASSWORD)
            persona.user.save()
    User.objects.create_superuser("root", password=PASSWORD)
    return personas


class Watched:
    """A logged-in page whose policy violations and console complaints are collected."""

    def __init__(self, browser, live_server, username: str) -> None:
        self.base = live_server.url
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        self.context.set_default_timeout(20_000)
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        self.page.goto(f"{self.base}/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def visit(self, path: str) -> None:
        response = self.page.goto(f"{self.base}{path}")
        assert response is not None and response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        self.page.wait_for_load_state("networkidle")

    def violations(self) -> list[str]:
        seen = self.page.evaluate("window.__csp || []")
        complaints = [text for text in self.console if "Content Security Policy" in text or "pageerror" in text]
        return seen + complaints

    def links(self, selector: str) -> list[str]:
        hrefs = self.page.eval_on_selector_all(selector, "links => links.map(a => a.getAttribute('href'))")
        return [h for h in hrefs if h and h.startswith("/") and not h.startswith("//")]


def test_the_pages_run_under_the_policy_without_a_violation(users, live_server, browser):
    watched = Watched(browser, live_server, "admin")
    page = watched.page
    assert page.url == f"{live_server.url}/"
    # The home chart draws, and its tooltip shows on hover.
    page.wait_for_selector("#figures-chart canvas")
    box = page.locator("#figures-chart").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    assert watched.violations() == []

    # Every page of the navigation (whatever pages the platform has by now) and the known ones.
    paths = {*watched.links("nav a[href]"), "/units/A/", "/alerts/rules/", "/alerts/calendar/", "/imports/"}
    paths.discard("/admin/")
    for path in sorted(paths):
        watched.visit(path)
        assert watched.violations() == [], path

    # An htmx swap (filter the unit tree) and the per-cell tree indentation.
    watched.visit("/units/")
    page.select_option("#id_kind", "事业单位")
    page.click("#table-units button[type=submit]")
    page.wait_for_url(re.compile(r"kind="))
    page.wait_for_load_state("networkidle")
    indent = page.eval_on_selector(".tree-indent.tree-depth-1", "e => getComputedStyle(e).paddingLeft")
    assert indent == "20px"
    assert watched.violations() == []

    # The API docs page: swagger-ui from the platform's own static files renders the operations.
    watched.visit("/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert watched.violations() == []

    # The check can fail: an injected inline script is blocked and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert any("script-src" in v for v in watched.violations())
    assert page.evaluate("window.x") is None
    # So is a style attribute written as markup (what the templates used to do).
    page.evaluate("() => { document.body.insertAdjacentHTML('beforeend', '<div style=\"width: 5px\"></div>'); }")
    page.wait_for_timeout(200)
    assert any("style-src" in v for v in watched.violations())
    watched.context.close()


def test_the_admin_runs_under_the_policy_without_a_violation(users, live_server, browser):
    watched = Watched(browser, live_server, "root")
    watched.visit("/admin/")
    changelists = [path for path in watched.links("#content-main a[href]") if not path.endswith("/add/")]
    assert changelists
    for path in changelists:
        watched.visit(path)
        assert watched.violations() == [], path
    # One change form with its widgets (date pickers, selects).
    watched.visit("/admin/auth/user/add/")
    assert watched.violations() == []
    watched.context.close()
