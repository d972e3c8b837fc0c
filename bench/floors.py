"""The floors `make bench` measures against: the bare load of the workbook's rows, and one
hand-written SQL aggregate per monitoring rule (the least work any implementation must do)."""

from __future__ import annotations

import csv
import sqlite3
import tempfile
import time
from dataclasses import dataclass
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
        elapsed = time.perf_counter() - start
        for table, _, _ in sheets:
            conn.execute(f"DROP TABLE {table}")
        conn.commit()
        return elapsed


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
      AND (pv.entry_date IS NULL OR pv.entry_date <= {d})
      AND ((pv.status = '在编' AND pv.left_on IS NULL) OR pv.left_on > {d})),
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
        WHERE pv.status <> '在编' AND pv.left_on <= {d} AND pv.write_off_deadline < {d}
          AND (pv.written_off_date IS NULL OR pv.written_off_date > {d})""",
        "vacancy_idle": head
        + f""", actual AS (SELECT unit_id, staffing_type, COUNT(*) AS n FROM staff GROUP BY unit_id, staffing_type),
        used AS (SELECT DISTINCT pv.unit_id, pv.staffing_type FROM registry_personversion pv
          WHERE pv.valid_from <= {d} AND pv.valid_to > {d} AND pv.entry_date > {w} AND pv.entry_date <= {d})
        SELECT a.unit_id, a.staffing_type FROM approved a
        LEFT JOIN actual t ON t.unit_id = a.unit_id AND t.staffing_type = a.staffing_type
        LEFT JOIN used u ON u.unit_id = a.unit_id AND u.staffing_type = a.staffing_type
        WHERE a.n > 0 AND u.unit_id IS NULL AND (a.n - COALESCE(t.n, 0)) * 5 >= a.n""",
    }


#: The register's tables an import fills, each after the tables it refers to.
REGISTER_TABLES = (
    "registry_division",
    "registry_unit",
    "registry_unitversion",
    "registry_staffingquota",
    "registry_positionquota",
    "registry_turnoverloan",
    "registry_institutionlimit",
    "registry_person",
    "registry_personversion",
)


@dataclass
class RegisterFloor:
    """What the register floor built, and how long it took."""

    seconds: float
    rows: int
    indexes: int
    keys: int


def _renamed(sql: str, quote: str = "") -> str:
    """A definition of the register's tables made one of their floor copies'."""
    for table in sorted(REGISTER_TABLES, key=len, reverse=True):
        for before, after in ((f" {quote}{table}{quote}(", "("), (f" public.{table} ", " "), (f' "{table}" ', " ")):
            sql = sql.replace(before, f" {quote}floor_{table}{quote}{after}")
    return sql


def floor_register_postgres(url: str, *, keep: bool = False) -> RegisterFloor:
    """The server's least work for the register's own shape: the rows an import stored, rendered
    beforehand (binary COPY), copied into bare copies of the register's tables (the same columns,
    types and CHECKs), then every index, unique key and foreign key of those tables built and
    checked, in one transaction, with the settings of a bulk load. All the client does (reading,
    checking, planning) is left out; nothing the server must do for rows of this shape is.
    ``keep`` leaves the floor's tables (``floor_<table>``) in place, for a test to compare."""
    import psycopg

    tables = list(REGISTER_TABLES)
    with psycopg.connect(url) as conn:
        data = {}
        for table in tables:
            with conn.cursor().copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
                data[table] = b"".join(bytes(block) for block in copy)
        rows = sum(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables)
        indexes = [
            definition
            for (definition,) in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        ]
        keys = conn.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        ).fetchall()
        for table in reversed(tables):  # a kept or broken-off earlier run's
            conn.execute(f"DROP TABLE IF EXISTS floor_{table}")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cursor:
            for setting in (
                "maintenance_work_mem = '256MB'",
                "work_mem = '256MB'",
                "enable_hashjoin = off",
                "jit = off",
            ):
                cursor.execute(f"SET LOCAL {setting}")
            for table in tables:
                cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
                with cursor.copy(f"COPY floor_{table} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(data[table])
            for number, definition in enumerate(indexes):
                name = definition.split(" ON ", 1)[0].rsplit(" ", 1)[1]
                cursor.execute(_renamed(definition.replace(f" {name} ON ", f" floor_index_{number} ON ", 1)))
            for number, (table, definition) in enumerate(keys):
                cursor.execute(f"ALTER TABLE floor_{table} ADD CONSTRAINT floor_key_{number} {_renamed(definition)}")
        conn.commit()
        elapsed = time.perf_counter() - start
        if not keep:
            for table in reversed(tables):
                conn.execute(f"DROP TABLE floor_{table}")
            conn.commit()
    return RegisterFloor(seconds=elapsed, rows=rows, indexes=len(indexes), keys=len(keys))


def floor_register_sqlite(path: Path, *, keep: bool = False) -> RegisterFloor:
    """SQLite's least work for the register's own shape: the stored rows, read beforehand,
    executemany'd into copies of the register's tables (their own CREATE TABLE, so every CHECK,
    inline unique key and deferred foreign key, with foreign keys on as Django has them), then
    their indexes created, in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        among = f"IN ({', '.join('?' for _ in REGISTER_TABLES)})"
        schema = dict(
            conn.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name {among}",
                REGISTER_TABLES,
            ).fetchall()
        )
        indexes = [
            sql
            for (sql,) in conn.execute(
                f"SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name {among}",
                REGISTER_TABLES,
            )
        ]
        keys = sum(
            len({row[0] for row in conn.execute(f"PRAGMA foreign_key_list({table})")}) for table in REGISTER_TABLES
        )
        data = {table: conn.execute(f'SELECT * FROM "{table}"').fetchall() for table in REGISTER_TABLES}
        for table in reversed(REGISTER_TABLES):  # a kept or broken-off earlier run's
            conn.execute(f'DROP TABLE IF EXISTS "floor_{table}"')
        start = time.perf_counter()
        conn.execute("BEGIN")
        for table in REGISTER_TABLES:
            conn.execute(_renamed(schema[table], quote='"'))
            if data[table]:
                marks = ", ".join("?" for _ in data[table][0])
                conn.executemany(f'INSERT INTO "floor_{table}" VALUES ({marks})', data[table])
        for number, sql in enumerate(indexes):
            name = sql.split(" ON ", 1)[0].rsplit(" ", 1)[1]
            conn.execute(_renamed(sql.replace(f" {name} ON ", f' "floor_index_{number}" ON ', 1), quote='"'))
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        if not keep:
            for table in reversed(REGISTER_TABLES):
                conn.execute(f'DROP TABLE "floor_{table}"')
        return RegisterFloor(
            seconds=elapsed, rows=sum(len(rows) for rows in data.values()), indexes=len(indexes), keys=keys
        )
    finally:
        conn.close()
