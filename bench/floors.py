"""The floors `make bench` measures against: the bare load of the workbook's rows, and one
hand-written SQL aggregate per monitoring rule (the least work any implementation must do)."""

from __future__ import annotations

import csv
import sqlite3
import tempfile
import time
from pathlib import Path


def _sheets(folder: Path) -> list[tuple[str, list[str], Path]]:
    result = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            headers = next(csv.reader(handle))
        result.append((f"floor_{len(result)}", headers, path))
    return result


def floor_load_postgres(url: str, folder: Path) -> float:
    """COPY every CSV of the folder into a plain table of the same columns; seconds."""
    import psycopg

    with psycopg.connect(url) as conn:
        sheets = _sheets(folder)
        for table, headers, _ in sheets:
            conn.execute(f"CREATE TABLE {table} ({', '.join(f'c{i} text' for i in range(len(headers)))})")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cursor:
            for table, _, path in sheets:
                with cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy, path.open("rb") as f:
                    while block := f.read(1 << 20):
                        copy.write(block)
        conn.commit()
        return time.perf_counter() - start


def floor_load_sqlite(folder: Path) -> float:
    """Read every CSV with csv.reader and executemany it into a plain table; seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "floor.sqlite3")
        conn.execute("PRAGMA journal_mode=WAL")
        sheets = _sheets(folder)
        for table, headers, _ in sheets:
            conn.execute(f"CREATE TABLE {table} ({', '.join(f'c{i} text' for i in range(len(headers)))})")
        conn.commit()
        start = time.perf_counter()
        for table, headers, path in sheets:
            marks = ", ".join("?" for _ in headers)
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                next(reader)
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", reader)
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.close()
        return elapsed


_ACTIVE = """
  active AS (
    SELECT uv.unit_id, uv.kind, uv.region, uv.parent_id, uv.approved_divisions
    FROM registry_unitversion uv JOIN registry_unit u ON u.id = uv.unit_id
    WHERE uv.valid_from <= {d} AND uv.valid_to > {d}
      AND (u.established IS NULL OR u.established <= {d}) AND (u.abolished IS NULL OR u.abolished > {d})),
  staff AS (
    SELECT pv.unit_id, pv.staffing_type, pv.position_category, pv.retirement_month, p.id_number
    FROM registry_personversion pv JOIN registry_person p ON p.id = pv.person_id
    JOIN active a ON a.unit_id = pv.unit_id
    WHERE pv.valid_from <= {d} AND pv.valid_to > {d}
      AND (p.entry_date IS NULL OR p.entry_date <= {d}) AND (p.status = '在编' OR p.left_date > {d})),
  approved AS (
    SELECT unit_id, staffing_type, SUM(n) AS n FROM (
      SELECT unit_id, staffing_type, approved AS n FROM registry_staffingquota
      WHERE valid_from <= {d} AND valid_to > {d}
      UNION ALL
      SELECT unit_id, staffing_type, quantity FROM registry_turnoverloan
      WHERE valid_from <= {d} AND valid_to > {d} AND status = '使用中' AND start_date <= {d}) x
    WHERE unit_id IN (SELECT unit_id FROM active)
    GROUP BY unit_id, staffing_type)
"""


def monitor_floor_sql(day: str, month_start: str, window_start: str, *, postgres: bool) -> dict[str, str]:
    """One query per rule of domain.md §4, as a person would write it by hand."""
    d = f"DATE '{day}'" if postgres else f"'{day}'"
    m = f"DATE '{month_start}'" if postgres else f"'{month_start}'"
    w = f"DATE '{window_start}'" if postgres else f"'{window_start}'"
    head = "WITH" + _ACTIVE.format(d=d)
    return {
        "over_staffing": head
        + """SELECT s.unit_id, s.staffing_type, COUNT(*), COALESCE(MAX(a.n), 0) FROM staff s
        LEFT JOIN approved a ON a.unit_id = s.unit_id AND a.staffing_type = s.staffing_type
        GROUP BY s.unit_id, s.staffing_type HAVING COUNT(*) > COALESCE(MAX(a.n), 0)""",
        "over_positions": head
        + f"""SELECT s.unit_id, s.position_category, COUNT(*) FROM staff s
        LEFT JOIN registry_positionquota q ON q.unit_id = s.unit_id AND q.category = s.position_category
          AND q.valid_from <= {d} AND q.valid_to > {d}
        WHERE s.position_category <> '' GROUP BY s.unit_id, s.position_category
        HAVING COUNT(*) > COALESCE(MAX(q.approved), 0)""",
        "over_limit": head
        + f"""SELECT l.region, l.category, l.{'"limit"'}, COUNT(a.unit_id) FROM registry_institutionlimit l
        LEFT JOIN active a ON a.region = l.region AND (
          (l.category = '党政机构' AND a.kind IN ('党委工作机关', '政府工作部门'))
          OR (l.category = '事业单位' AND a.kind = '事业单位'))
        WHERE l.valid_from <= {d} AND l.valid_to > {d}
        GROUP BY l.region, l.category, l.{'"limit"'} HAVING COUNT(a.unit_id) > l.{'"limit"'}
        UNION ALL
        SELECT CAST(p.unit_id AS TEXT), '内设机构', p.approved_divisions, COUNT(*) FROM active p
        JOIN active c ON c.parent_id = p.unit_id AND c.kind = '内设机构'
        WHERE p.approved_divisions IS NOT NULL
        GROUP BY p.unit_id, p.approved_divisions HAVING COUNT(*) > p.approved_divisions""",
        "mixed_staffing": head
        + """SELECT s.unit_id, s.id_number FROM staff s JOIN active a ON a.unit_id = s.unit_id
        WHERE (a.kind = '事业单位') <> (s.staffing_type = '事业编制')""",
        "over_retirement_age": head + f"SELECT unit_id, id_number FROM staff WHERE retirement_month < {m}",
        "overdue_turnover": head
        + f"""SELECT l.unit_id, l.quantity, l.due_date FROM registry_turnoverloan l JOIN active a ON a.unit_id = l.unit_id
        WHERE l.valid_from <= {d} AND l.valid_to > {d} AND l.status = '使用中' AND l.due_date < {d}""",
        "late_write_off": head
        + f"""SELECT pv.unit_id, p.id_number FROM registry_person p
        JOIN registry_personversion pv ON pv.person_id = p.id AND pv.valid_from <= {d} AND pv.valid_to > {d}
        JOIN active a ON a.unit_id = pv.unit_id
        WHERE p.status <> '在编' AND p.left_date IS NOT NULL AND p.write_off_deadline < {d}
          AND (p.written_off_date IS NULL OR p.written_off_date > {d})""",
        "vacancy_idle": head
        + f""", actual AS (SELECT unit_id, staffing_type, COUNT(*) AS n FROM staff GROUP BY unit_id, staffing_type),
        used AS (SELECT DISTINCT pv.unit_id, pv.staffing_type FROM registry_personversion pv
          JOIN registry_person p ON p.id = pv.person_id
          WHERE pv.valid_from <= {d} AND pv.valid_to > {d} AND p.entry_date > {w} AND p.entry_date <= {d})
        SELECT a.unit_id, a.staffing_type FROM approved a
        LEFT JOIN actual t ON t.unit_id = a.unit_id AND t.staffing_type = a.staffing_type
        LEFT JOIN used u ON u.unit_id = a.unit_id AND u.staffing_type = a.staffing_type
        WHERE a.n > 0 AND u.unit_id IS NULL AND (a.n - COALESCE(t.n, 0)) * 5 >= a.n""",
    }
