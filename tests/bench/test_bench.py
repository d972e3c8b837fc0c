"""A small-scale run of the benchmark, so that `make bench` cannot rot: the generator's workbook
imports cleanly, the floors run, and the hand-written floor queries find exactly the alerts the
rules find."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import run  # noqa: E402
from generate import generate  # noqa: E402


@pytest.mark.django_db(transaction=True)
def test_small_benchmark_agrees_with_its_floor(tmp_path, monkeypatch):
    folder = tmp_path / "province"
    counts = generate(folder, people=3000, seed=3)
    assert counts["人员"] == 3000 and counts["机构"] > 100
    engine = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    if engine == "postgresql":
        monkeypatch.setenv("BENCH_DATABASE_URL", os.environ["DATABASE_URL"])
    monkeypatch.setattr(run, "ROOT", tmp_path)
    monkeypatch.setenv("BIANZHI_COLUMNAR_MIN_ROWS", "1")  # the fast lanes, as at province scale
    (tmp_path / "bench" / "out").mkdir(parents=True)
    result = run.bench_engine(engine, folder, run.total_rows(folder))
    assert result["import_s"] > 0 and result["floor_import_s"] > 0 and result["floor_monitor_s"] > 0
    assert result["import_rss_mb"] > 10
    assert result["reimport_s"] > 0  # and bench_engine checked that every row came back unchanged
    assert result["alerts"] > 0
    assert result["incremental_s"] > 0 and result["quota_change_s"] > 0
    assert result["quota_change_alerts"] >= 1  # the unit is over-staffed after its quota cut
    assert result["alert_counts"] == result["floor_counts"]
    assert set(result["alert_counts"]) >= {"over_staffing", "mixed_staffing", "late_write_off"}
