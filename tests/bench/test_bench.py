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
from generate import generate, to_xlsx  # noqa: E402


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
    monkeypatch.setenv("BENCH_BOARD_SECONDS", "2")  # the board's load step runs (PostgreSQL), briefly
    (tmp_path / "bench" / "out").mkdir(parents=True)
    workbook = to_xlsx(folder, tmp_path / "province.xlsx")
    result = run.bench_engine(engine, folder, run.total_rows(folder), workbook)
    assert result["import_s"] > 0 and result["floor_import_s"] > 0 and result["floor_monitor_s"] > 0
    assert result["xlsx_import_s"] > 0 and result["xlsx_rss_mb"] > 10  # and it created what the folder did
    assert result["import_rss_mb"] > 10
    assert result["reimport_s"] > 0  # and bench_engine checked that every row came back unchanged
    assert result["alerts"] > 0
    assert result["incremental_s"] > 0 and result["quota_change_s"] > 0
    assert result["quota_change_alerts"] >= 1  # the unit is over-staffed after its quota cut
    assert result["alert_counts"] == result["floor_counts"]
    assert set(result["alert_counts"]) >= {"over_staffing", "mixed_staffing", "late_write_off"}
    if engine == "postgresql":  # GET /api/v1/board under 20 users: answered, without errors
        assert result["board"]["requests"] > 0 and result["board"]["errors"] == 0


def _register_shape(engine: str, where, prefix: str) -> dict[str, object]:
    """Rows, index definitions, CHECKs and foreign keys of the register's tables (``prefix`` +
    name), with the names of indexes, constraints and the tables themselves taken out."""
    import re

    from floors import REGISTER_TABLES

    def plain(sql: str) -> str:
        return re.sub(r"\bfloor_", "", sql)

    shape: dict[str, object] = {}
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(where) as conn:
            for table in REGISTER_TABLES:
                name = prefix + table
                shape[table] = {
                    "rows": conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0],
                    "indexes": sorted(
                        plain(d.split(" ON ", 1)[1])
                        for (d,) in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [name])
                    ),
                    "constraints": sorted(
                        plain(d)
                        for (d,) in conn.execute(
                            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                            " WHERE conrelid = %s::regclass AND contype IN ('c', 'f')",
                            [name],
                        )
                    ),
                }
        return shape
    import sqlite3

    conn = sqlite3.connect(where)
    try:
        for table in REGISTER_TABLES:
            name = prefix + table
            (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()
            shape[table] = {
                "rows": conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0],
                "table": plain(sql),
                "indexes": sorted(
                    plain(sql.split(" ON ", 1)[1])
                    for (sql,) in conn.execute(
                        "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ?",
                        [name],
                    )
                ),
            }
    finally:
        conn.close()
    return shape


@pytest.mark.django_db(transaction=True)
def test_the_register_floor_builds_the_registers_own_tables(tmp_path, monkeypatch):
    """The register floor copies every row the import stored into tables of the register's own
    shape — the same indexes, CHECKs and foreign keys — so that it is the least work the server
    must do for them, no less."""
    import floors

    folder = tmp_path / "province"
    generate(folder, people=2000, seed=5)
    engine = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    if engine == "postgresql":
        monkeypatch.setenv("BENCH_DATABASE_URL", os.environ["DATABASE_URL"])
    monkeypatch.setattr(run, "ROOT", tmp_path)
    monkeypatch.setenv("BIANZHI_COLUMNAR_MIN_ROWS", "1")
    (tmp_path / "bench" / "out").mkdir(parents=True)
    seen = {}

    def kept(real):
        def floor(where, **options):
            if "built" in seen:  # a second run: it drops what the first one kept
                seen["runs"].append(real(where))
                return seen["runs"][-1]
            built = real(where, keep=True)
            seen["register"] = _register_shape(engine, where, "")
            seen["floor"] = _register_shape(engine, where, "floor_")
            seen["built"], seen["runs"] = built, [built]
            return built

        return floor

    monkeypatch.setattr(run, "floor_register_postgres", kept(floors.floor_register_postgres))
    monkeypatch.setattr(run, "floor_register_sqlite", kept(floors.floor_register_sqlite))
    result = run.bench_engine(engine, folder, run.total_rows(folder))
    register, floor, built = seen["register"], seen["floor"], seen["built"]
    assert floor == register
    assert register["registry_person"]["rows"] == 2000 and register["registry_unit"]["rows"] > 100
    assert built.rows == sum(table["rows"] for table in register.values())
    assert built.indexes == sum(len(table["indexes"]) for table in register.values()) > 9
    assert built.keys >= 10  # the versions' and quotas' units, people, parents, change sets …
    assert len(seen["runs"]) == 2 and all(again.rows == built.rows for again in seen["runs"])
    least = min(again.seconds for again in seen["runs"])
    assert result["floor_register_s"] == least > 0
    assert result["register_ratio"] == result["import_s"] / least


def test_peak_memory_is_the_commands_own_not_the_benchmarks():
    """A child's ru_maxrss starts at its parent's RSS; the bench measures from a fresh process."""
    held = bytearray(300 * 1024 * 1024)  # the benchmark holding a floor's rows
    held[::4096] = b"x" * len(held[::4096])  # resident, not just reserved
    seconds, rss, stdout = run.run_measured([sys.executable, "-c", "print('ok')"], dict(os.environ))
    assert stdout == b"ok\n" and seconds > 0
    assert rss < 100 * 1024  # KiB: a bare Python, not the 300 MB held here
    del held
