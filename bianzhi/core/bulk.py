"""Bulk statements for set-based paths (imports, monitoring runs): COPY on PostgreSQL,
``executemany`` on SQLite, bypassing the ORM's per-object overhead.

Rows are tuples in the order of ``columns`` (database column names). Callers run inside a
transaction; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import Model

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
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"
            for batch in _chunks(rows):
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """Primary keys for ``count`` new rows, so that dependent rows can be written in the same pass."""
    if count <= 0:
        return []
    table = _table(model)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [r[0] for r in cursor.fetchall()]
        # SQLite: the write transaction is IMMEDIATE, so nobody else can take these ids meanwhile.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def update_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Update ``columns`` of rows given as (id, value, …) tuples."""
    table = connection.ops.quote_name(_table(model))
    count = 0
    convert = _pg_value if connection.vendor == "postgresql" else _sqlite_value
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"
    with connection.cursor() as cursor:
        for batch in _chunks(rows):
            cursor.executemany(sql, [(*[convert(v) for v in row[1:]], row[0]) for row in batch])
            count += len(batch)
    return count


def close_versions(model: type[Model], ids: Sequence[int], valid_to: dt.date) -> int:
    """End the period of the given version rows on ``valid_to`` (one UPDATE per chunk of ids)."""
    table = connection.ops.quote_name(_table(model))
    value = valid_to if connection.vendor == "postgresql" else valid_to.isoformat()
    count = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            batch = list(ids[start : start + 900])
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"UPDATE {table} SET valid_to = %s WHERE id IN ({marks})", [value, *batch])
            count += len(batch)
    return count
