"""Make the README's screenshots from the demo district (`make screenshots`).

Builds the demo (fixed seed, so the same data every time) in a temporary folder, serves it on a free
local port and, in Debian's headless Chromium, saves to docs/screenshots/: unit-page.png (区财政局,
YC-030, over its 行政编制, as the administrator), unit-tree.png (the tree with that unit's department
expanded, 1366×768), person-page.png (a person opened from an 超龄未退 alert, as the leader: masked)
and forecast-page.png (the retirement forecast over 24 months), all as of the demo day.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
HERE = Path(__file__).resolve().parent
OUT = HERE / "unit-page.png"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
UNIT, DAY = "YC-030", "2026-06-30"
DEMO_PASSWORD = "bianzhi-demo"  # bianzhi.demo.services.DEMO_PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(browser, base: str, username: str, viewport: dict[str, int]):
    page = browser.new_page(locale="zh-CN", viewport=viewport)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data:
        # runserver refuses the demo key with DEBUG off (bianzhi/config/secret_key.py): a throwaway key
        # and, as `bianzhi demo` serves it, no second login step for the demo's administrator
        env = {
            **os.environ,
            "BIANZHI_DATA_DIR": data,
            "SECRET_KEY": os.urandom(32).hex(),
            "BIANZHI_REQUIRE_2FA": "0",
        }
        env.pop("DATABASE_URL", None)
        subprocess.run([BIN / "bianzhi", "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
        env["DATABASE_URL"] = f"sqlite:///{data}/demo.sqlite3"
        port = free_port()
        server = subprocess.Popen(
            [BIN / "bianzhi", "runserver", f"127.0.0.1:{port}", "--insecure", "--noreload"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/login/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = login(browser, base, "admin", {"width": 1440, "height": 1100})
                page.goto(f"{base}/units/{UNIT}/?as_of={DAY}")
                page.wait_for_selector("#table-people")
                page.screenshot(path=str(OUT))
                page.set_viewport_size({"width": 1366, "height": 768})
                page.goto(f"{base}/units/?as_of={DAY}")
                page.wait_for_selector("#table-units")
                toggle = page.locator("#table-units [aria-expanded=false]").first
                if toggle.count():
                    toggle.click()
                    page.wait_for_timeout(800)
                page.screenshot(path=str(HERE / "unit-tree.png"))
                page.set_viewport_size({"width": 1440, "height": 1000})
                page.goto(f"{base}/forecasts/retirements/?as_of={DAY}&months=24")
                page.wait_for_selector("canvas")
                page.wait_for_timeout(800)
                page.screenshot(path=str(HERE / "forecast-page.png"))
                page.context.close()
                page = login(browser, base, "leader", {"width": 1440, "height": 1000})
                page.goto(f"{base}/alerts/?as_of={DAY}&rule=over_retirement_age")
                page.locator("#table-alerts a[href^='/people/']").first.click()
                page.wait_for_load_state()
                page.screenshot(path=str(HERE / "person-page.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    for name in ("unit-page.png", "unit-tree.png", "forecast-page.png", "person-page.png"):
        print(f"docs/screenshots/{name}: {(HERE / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
