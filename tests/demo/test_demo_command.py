"""`bianzhi demo`: the demo district imports cleanly, plants each rule's violations, and is served."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bianzhi.demo.generator import AS_OF, PLANTED
from bianzhi.demo.services import demo_build
from bianzhi.registry.models import Person, Unit
from bianzhi.supervision.services import alerts_evaluate

BIANZHI = str(Path(sys.executable).with_name("bianzhi"))


@pytest.mark.django_db
def test_demo_build_imports_and_plants_every_rule(tmp_path):
    summary = demo_build(data_dir=tmp_path, people=1500)
    assert summary.imported.ok and summary.imported.warnings == []
    assert Person.objects.count() == 1500
    assert Unit.objects.filter(versions__kind="事业单位").distinct().count() >= 150
    counts: dict[str, int] = {}
    for alert in alerts_evaluate(as_of=AS_OF):
        counts[alert["rule"]] = counts.get(alert["rule"], 0) + 1
    assert counts == PLANTED
    assert set(PLANTED) == {
        "over_staffing",
        "over_positions",
        "over_limit",
        "mixed_staffing",
        "over_retirement_age",
        "overdue_turnover",
        "late_write_off",
        "vacancy_idle",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_command_builds_its_own_database_and_serves(tmp_path):
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the command builds its own SQLite file; one engine is enough for this smoke test")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",) and not k.startswith("PYTEST")}
    env["BIANZHI_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [BIANZHI, "demo", "--people", "1000", "--addr", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        body = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=5) as response:
                    body = response.read().decode("utf-8")
                    break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.5)
        assert "机构编制数字化管理平台" in body
        assert (tmp_path / "demo.sqlite3").exists()
        assert (tmp_path / "越城区-演示工作簿.xlsx").exists()
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode("utf-8")
    assert "admin" in output and "bianzhi-demo" in output
