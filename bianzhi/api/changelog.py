"""Reading the change log as rows of "before / after".

A change set's records are its ``ChangeRecord`` rows, creations included: an import writes the
whole row it created as a "create" record (``bianzhi.registry.importer.write``), and what a change
set recorded never changes afterwards, whatever later change sets do to the register.

Change sets logged before that (``ChangeSet.logs_creations`` false, from before migration
core 0003) recorded a creation by the row itself: every version row carries the change set that
created it, and a row created by an import held from the beginning of time. For those the records
are followed by the register rows they created, each shown as a "create" with its columns under
the workbook's headers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from bianzhi.core.dates import BEGINNING
from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.registry.importer.schema import SHEET_BY_NAME
from bianzhi.registry.models import (
    InstitutionLimit,
    PersonVersion,
    PositionQuota,
    StaffingQuota,
    TurnoverLoan,
    UnitVersion,
)


@dataclass(frozen=True)
class CreatedRows:
    entity: str  # the sheet name, as in ChangeRecord.entity
    model: type[models.Model]
    key_fields: tuple[str, ...]  # ORM paths of the natural key, joined by "/" in ChangeRecord.key
    related: tuple[str, ...]


CREATED = (
    CreatedRows("机构", UnitVersion, ("unit__code",), ("unit", "parent")),
    CreatedRows("编制", StaffingQuota, ("unit__code", "staffing_type"), ("unit",)),
    CreatedRows("职数", PositionQuota, ("unit__code", "category"), ("unit",)),
    CreatedRows("周转编制", TurnoverLoan, ("unit__code", "staffing_type", "start_date"), ("unit",)),
    CreatedRows("限额", InstitutionLimit, ("region", "category"), ()),
    CreatedRows("人员", PersonVersion, ("person__id_number",), ("person", "unit", "internal_division")),
)


def _key_filter(rows: CreatedRows, key: str) -> Q:
    parts = key.split("/")
    if len(parts) != len(rows.key_fields):
        return Q(pk__in=[])
    condition = Q()
    for path, value in zip(rows.key_fields, parts, strict=True):
        if path == "start_date":
            try:
                condition &= Q(start_date=dt.date.fromisoformat(value))
            except ValueError:
                return Q(pk__in=[])
        else:
            condition &= Q(**{path: value})
    return condition


def created_rows(rows: CreatedRows, change_set_id: int, key: str = "") -> QuerySet[Any]:
    qs = rows.model.objects.filter(change_set_id=change_set_id, valid_from=BEGINNING)  # type: ignore[attr-defined]
    if key:
        qs = qs.filter(_key_filter(rows, key))
    return qs.select_related(*rows.related).order_by("pk")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return getattr(value, "code", str(value))
    return value


def _after(rows: CreatedRows, row: Any) -> dict[str, Any]:
    identity = getattr(row, "unit", None) if rows.entity == "机构" else getattr(row, "person", None)
    after: dict[str, Any] = {}
    for column in SHEET_BY_NAME[rows.entity].columns:
        if hasattr(row, column.field):
            after[column.header] = _plain(getattr(row, column.field))
        elif identity is not None and hasattr(identity, column.field):
            after[column.header] = _plain(getattr(identity, column.field))
    return after


def _key(rows: CreatedRows, row: Any) -> str:
    values = []
    for path in rows.key_fields:
        value: Any = row
        for part in path.split("__"):
            value = getattr(value, part)
        values.append(_plain(value))
    return "/".join(str(v) for v in values)


@dataclass(frozen=True)
class LogRow:
    id: int | None  # the ChangeRecord id; None for a created row shown from the register
    change_set: int
    entity: str
    key: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def change_rows(
    *, change_set_id: int, records: QuerySet[ChangeRecord], entity: str = "", key: str = ""
) -> tuple[int, Callable[[int, int], list[LogRow]]]:
    """The total and a page fetcher over the change set's records then its created rows."""
    if entity:
        records = records.filter(entity=entity)
    if key:
        records = records.filter(key=key)
    records = records.order_by("id")
    sources: list[tuple[int, Callable[[int, int], list[LogRow]]]] = []

    def fetch_records(offset: int, limit: int) -> list[LogRow]:
        return [
            LogRow(r.pk, r.change_set_id, r.entity, r.key, r.action, r.before, r.after)
            for r in records[offset : offset + limit]
        ]

    sources.append((records.count(), fetch_records))
    legacy = ChangeSet.objects.filter(pk=change_set_id, logs_creations=False).exists()
    for rows in CREATED if legacy else ():
        if entity and rows.entity != entity:
            continue
        qs = created_rows(rows, change_set_id, key)

        def fetch_created(offset: int, limit: int, rows: CreatedRows = rows, qs: QuerySet[Any] = qs) -> list[LogRow]:
            return [
                LogRow(None, change_set_id, rows.entity, _key(rows, row), "create", None, _after(rows, row))
                for row in qs[offset : offset + limit]
            ]

        sources.append((qs.count(), fetch_created))
    total = sum(count for count, _ in sources)

    def page(offset: int, limit: int) -> list[LogRow]:
        result: list[LogRow] = []
        for count, fetch in sources:
            if limit <= 0:
                break
            if offset >= count:
                offset -= count
                continue
            chunk = fetch(offset, limit)
            result.extend(chunk)
            limit -= len(chunk)
            offset = 0
        return result

    return total, page
