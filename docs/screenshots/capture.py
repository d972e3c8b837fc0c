"""Make the README's screenshot of the unit page from the demo district (`make screenshots`).

Builds the demo (fixed seed, so the same data every time) in a temporary folder, serves it on a free
local port, logs in as the demo administrator in Debian's headless Chromium and saves
docs/screenshots/unit-page.png: 区财政局 (YC-030, over its 行政编制) as of the demo day.
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
OUT = Path(__file__).resolve().parent / "unit-page.png"
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


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "BIANZHI_DATA_DIR": data}
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
                page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1100})
                page.goto(f"{base}/login/")
                page.fill("#id_username", "admin")
                page.fill("#id_password", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/")
                page.goto(f"{base}/units/{UNIT}/?as_of={DAY}")
                page.wait_for_selector("#table-people")
                page.screenshot(path=str(OUT))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
