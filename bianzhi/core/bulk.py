"""Bulk statements for set-based paths (imports, monitoring runs): COPY on PostgreSQL,
``executemany`` on SQLite, bypassing the ORM's per-object overhead.

Rows are tuples in the order of ``columns`` (database column names). Callers run inside a
transaction; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import Model

from bianzhi.core.dates import END

CHUNK = 5000


def _table(model: type[Model]) -> str:
    return model._meta.db_table


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _pg_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _chunks(rows: Iterable[Sequence[Any]], size: int = CHUNK) -> Iterable[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _converters(model: type[Model], columns: Sequence[str]) -> list[tuple[int, Any]]:
    """(position, converter) for the columns whose values the driver cannot take as they are:
    JSON everywhere, dates on SQLite (its default date adapter is deprecated)."""
    by_column = {f.column: f for f in model._meta.concrete_fields}
    result = []
    for position, column in enumerate(columns):
        internal = by_column[column].get_internal_type()
        if internal == "JSONField":
            result.append((position, _pg_value if connection.vendor == "postgresql" else _sqlite_value))
        elif internal == "DateField" and connection.vendor != "postgresql":
            result.append((position, _sqlite_value))
    return result


def _converted(rows: Iterable[Sequence[Any]], converters: list[tuple[int, Any]]) -> Iterable[Sequence[Any]]:
    if not converters:
        return rows
    return (_convert_row(row, converters) for row in rows)


def _convert_row(row: Sequence[Any], converters: list[tuple[int, Any]]) -> list[Any]:
    values = list(row)
    for position, convert in converters:
        values[position] = convert(values[position])
    return values


def insert_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows with one COPY (PostgreSQL) or batched executemany (SQLite); returns the count."""
    table = _table(model)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    rows = _converted(rows, _converters(model, columns))
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
                    count += 1
        else:
            placeholders = ", ".join("%s" for _ in columns)
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # nosec B608 # quoted identifiers from the model, values are %s parameters
            for batch in _chunks(rows):
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


#: from this many new rows on, PostgreSQL's ids come as one block (under a table lock), not one by one
ID_BLOCK_FROM = 1_000


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """Primary keys for ``count`` new rows, so that dependent rows can be written in the same pass."""
    if count <= 0:
        return []
    table = _table(model)
    if connection.vendor == "postgresql" and count >= ID_BLOCK_FROM:
        return list(reserve_id_block(model, count))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [r[0] for r in cursor.fetchall()]
        # SQLite: the write transaction is IMMEDIATE, so nobody else can take these ids meanwhile.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # nosec B608 # a quoted table name from the model, no input
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def reserve_id_block(model: type[Model], count: int) -> range:
    """``count`` consecutive primary keys for new rows. On PostgreSQL the table is locked against
    other writers until the transaction ends, so nobody draws from the sequence meanwhile."""
    table = _table(model)
    if count <= 0:
        return range(0)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            first = cursor.fetchone()[0]
            if count > 1:
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + count - 1])
            return range(first, first + count)
    ids = reserve_ids(model, count)
    return range(ids[0], ids[0] + count)


def update_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Update ``columns`` of rows given as (id, value, …) tuples."""
    table = connection.ops.quote_name(_table(model))
    count = 0
    convert = _pg_value if connection.vendor == "postgresql" else _sqlite_value
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # nosec B608 # quoted identifiers from the model, values are %s parameters
    with connection.cursor() as cursor:
        for batch in _chunks(rows):
            cursor.executemany(sql, [(*[convert(v) for v in row[1:]], row[0]) for row in batch])
            count += len(batch)
    return count


class PeriodConflict(Exception):
    """A version to close was no longer open: someone else changed the fact since it was read."""


def close_versions(model: type[Model], ids: Sequence[int], valid_to: dt.date) -> int:
    """End the period of the given version rows on ``valid_to`` (one UPDATE per chunk of ids).
    Only periods still open are closed; if any is not, ``PeriodConflict`` (the caller's transaction
    then undoes everything)."""
    table = connection.ops.quote_name(_table(model))
    convert = _pg_value if connection.vendor == "postgresql" else _sqlite_value
    count = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            batch = list(ids[start : start + 900])
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"UPDATE {table} SET valid_to = %s WHERE id IN ({marks}) AND valid_to = %s",  # nosec B608 # a quoted table name and %s placeholders
                [convert(valid_to), *batch, convert(END)],
            )
            if cursor.rowcount != len(batch):
                raise PeriodConflict(f"{model._meta.verbose_name}：{len(batch) - cursor.rowcount} 条记录已被他人修改")
            count += len(batch)
    return count


#: rows of a frame rendered and sent to COPY at a time
FRAME_CHUNK = 100_000


def insert_frame(model: type[Model], frame: Any) -> int:
    """Insert a polars frame whose columns are database column names: COPY on PostgreSQL (binary,
    core/pgcopy.py, when every column's type allows it, else CSV where empty text stays "" and
    null is \\N), executemany on SQLite."""
    import polars as pl

    table = connection.ops.quote_name(_table(model))
    quoted = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from bianzhi.core import pgcopy

            by_column = {f.column: f for f in model._meta.concrete_fields}
            db_types = [str(by_column[name].db_type(connection)) for name in frame.columns]
            binary = all(pgcopy.supported(t) for t in db_types)
            options = "FORMAT binary" if binary else "FORMAT csv, NULL '\\N'"

            def render(start: int) -> Any:  # without the GIL mostly: overlapped with sending
                part = frame.slice(start, FRAME_CHUNK)
                if binary:
                    return pgcopy.render(part, db_types)
                buffer = io.BytesIO()
                part.write_csv(buffer, include_header=False, null_value="\\N", date_format="%Y-%m-%d")
                return buffer.getbuffer()

            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN ({options})") as copy, ThreadPoolExecutor(1) as renderer:
                if binary:
                    copy.write(pgcopy.HEADER)
                pending = renderer.submit(render, 0)
                for start in range(FRAME_CHUNK, frame.height + FRAME_CHUNK, FRAME_CHUNK):
                    block = pending.result()
                    if start < frame.height:
                        pending = renderer.submit(render, start)
                    copy.write(block)  # a memoryview: sent in slices without copies
                if binary:
                    copy.write(pgcopy.TRAILER)
        else:
            dates = [name for name, dtype in frame.schema.items() if dtype == pl.Date]
            frame = frame.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d")) if dates else frame
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('%s' for _ in frame.columns)})"  # nosec B608 # quoted identifiers from the model, values are %s parameters
            for start in range(0, frame.height, CHUNK):
                cursor.executemany(sql, frame.slice(start, CHUNK).rows())
    return frame.height


#: a load smaller than this keeps the indexes: maintaining them row by row is cheaper than a rebuild
BULK_LOAD_MIN_ROWS = 50_000

#: the statistics target of the ANALYZE that ends a bulk load (PostgreSQL's default is 100)
LOAD_STATISTICS_TARGET = 30

#: tables whose indexes and constraints a bulk load of this thread's connection has taken off
_stripped = threading.local()

_CONSTRAINTS_SQL = """
SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid), c.contype
FROM pg_constraint c
WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND (
  c.contype = 'f'
  OR (c.contype IN ('u', 'p') AND (c.contype = 'u' OR c.conrelid = ANY(%(empty)s::regclass[]))
      -- a key that a foreign key of a table outside the load refers to stays
      AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid
                      AND NOT f.conrelid = ANY(%(tables)s::regclass[]))))
ORDER BY CASE c.contype WHEN 'f' THEN 0 WHEN 'u' THEN 1 ELSE 2 END, 1, 2
"""

_INDEXES_SQL = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""


#: SQLite's page cache during a large load (its default, 2 MB, makes every insert into an index
#: of a million entries in random order read pages back from the file)
SQLITE_LOAD_CACHE_KIB = 65_536


@contextmanager
def _sqlite_page_cache(kib: int) -> Iterator[None]:
    """This connection's SQLite page cache at ``kib`` KiB for the block, then as it was."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        if kib:
            cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def _stripping(stripped: set[str], tables: list[str]) -> Iterator[None]:
    """Mark the tables stripped for the block, so that a bulk load nested in it leaves them alone."""
    _stripped.tables = stripped | set(tables)
    try:
        yield
    finally:
        _stripped.tables = stripped


@contextmanager
def _sqlite_indexes_off(tables: list[str], stripped: set[str]) -> Iterator[None]:
    """SQLite: the tables' secondary indexes dropped for the block and created again after it (a
    unique constraint declared with its table stays: SQLite cannot drop it)."""
    if not tables:
        yield
        return
    with connection.cursor() as cursor:
        marks = ", ".join("%s" for _ in tables)
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",  # nosec B608 # only %s placeholders are formatted in
            tables,
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    with _stripping(stripped, tables):
        yield
    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)


def _held(cursor: Any, table: str, cap: int) -> int:
    """Rows the table holds, counted up to ``cap``."""
    cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT %s) t", [cap])  # nosec B608 # a quoted table name from the model, the cap a parameter
    return cursor.fetchone()[0]


@contextmanager
def bulk_load(incoming: Mapping[type[Model], int]) -> Iterator[None]:
    """Load rows (``incoming``: about how many new rows each model's table receives) with the
    tables' secondary indexes, unique constraints and foreign keys taken off, and rebuild them
    once at the end — what pg_restore does. An empty table also loses its primary key unless a
    table outside the load refers to it (maintaining it row by row costs three times its rebuild).

    Only for a large load. On SQLite, which cannot drop a constraint, the tables lose only their
    secondary indexes, and the connection gets a larger page cache. A table is stripped only when
    the load at least doubles it (a province's first load), so a monthly synchronisation keeps every index. Blocks
    nest: an inner one leaves the tables an outer one has stripped to it. Everything happens
    inside the caller's transaction: the rebuild re-checks every constraint over the whole table,
    and an error anywhere rolls the drops back with the rows. Meanwhile the stripped tables are
    locked for other writers and readers, as befits a first load.
    """
    stripped: set[str] = getattr(_stripped, "tables", set())
    if sum(incoming.values()) < BULK_LOAD_MIN_ROWS:
        yield
        return
    if connection.vendor not in ("sqlite", "postgresql"):
        yield
        return
    wanted = {_table(model): rows for model, rows in incoming.items() if rows > 0 and _table(model) not in stripped}
    with connection.cursor() as cursor:
        held = {table: _held(cursor, table, rows) for table, rows in wanted.items()}
    tables = [table for table, rows in held.items() if rows < wanted[table]]
    if connection.vendor == "sqlite":
        with _sqlite_page_cache(SQLITE_LOAD_CACHE_KIB), _sqlite_indexes_off(tables, stripped):
            yield
        return
    if not tables:
        yield
        return
    with connection.cursor() as cursor:
        empty = [table for table in tables if held[table] == 0]
        cursor.execute(_CONSTRAINTS_SQL, {"tables": tables, "empty": empty})
        constraints = cursor.fetchall()  # foreign keys first, then unique constraints, then primary keys
        cursor.execute(_INDEXES_SQL, [tables])
        indexes = cursor.fetchall()
        # Altering a table is refused while deferred checks on it are pending: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    with _stripping(stripped, tables):
        yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        # The index builds' sorts in memory (until the commit).
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        keys = [c for c in reversed(constraints) if c[3] != "f"]  # primary keys, then unique constraints
        for table, name, definition, _ in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for _, definition in indexes:
            cursor.execute(definition)
        # Each foreign key is checked by an anti-join of the two tables: merged along the indexes
        # just built rather than hashed (half the time at a million rows), and not compiled first.
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL jit = off")
        for table, name, definition, kind in reversed(constraints):
            if kind == "f":
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        cursor.execute("RESET enable_hashjoin")
        cursor.execute("RESET jit")
        # Statistics from a sample of 9,000 rows rather than 30,000 (a tenth of the time), enough for
        # the plans of the queries right after the load; autovacuum re-analyses the tables at the
        # default target once the load has committed.
        cursor.execute(f"SET LOCAL default_statistics_target = {LOAD_STATISTICS_TARGET}")
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
