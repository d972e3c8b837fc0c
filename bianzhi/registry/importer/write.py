"""Write a planned import with bulk statements inside the caller's change set.

Changed versioned values close the current row on ``effective`` and open a new one from that day
(interchange.md §1 "Dates of imported facts"); first-time rows hold from the beginning of time.

What the change log holds: every version row carries the change set that created it, so a
creation is recorded by its first version (who, when, why, and the whole "after"); every update
is also written as a ``ChangeRecord`` with its before and after, because an update closes or
amends rows that would not show the difference on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import models

from bianzhi.core.bulk import close_versions, insert_rows, reserve_ids, update_rows
from bianzhi.core.changelog import Change, current_change_set, record_changes
from bianzhi.core.dates import BEGINNING, END
from bianzhi.core.validators import region_name
from bianzhi.registry.importer.plan import (
    PERSON_IDENTITY,
    PERSON_VERSIONED,
    UNIT_IDENTITY,
    UNIT_VERSIONED,
    Planned,
    SheetPlan,
    SimpleTable,
    unit_ids,
)
from bianzhi.registry.importer.schema import SHEET_BY_NAME
from bianzhi.registry.models import Division, Person, PersonVersion, Unit, UnitVersion

_HEADERS: dict[str, dict[str, str]] = {
    sheet: {col.field: col.header for col in spec.columns} for sheet, spec in SHEET_BY_NAME.items()
}
_EXTRA_HEADERS = {
    "sequence": "序列（含继承）",
    "region": "区划代码（含继承）",
    "retirement_month": "法定退休月份",
    "write_off_deadline": "核销期限",
}


def _jsonable(sheet: str, record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    headers = _HEADERS[sheet]
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        out[headers.get(key) or _EXTRA_HEADERS.get(key, key)] = value
    return out


def _log_updates(plan: SheetPlan) -> int:
    """One ChangeRecord per updated row, holding only the values that changed."""
    changes = []
    for item in plan.items:
        if not item.changed or item.before is None:
            continue
        before = {k: v for k, v in item.before.items() if item.after.get(k) != v}
        after = {k: item.after.get(k) for k in before}
        changes.append(
            Change(
                entity=plan.sheet,
                key="/".join(k.isoformat() if isinstance(k, dt.date) else str(k) for k in item.key),
                action="update",
                before=_jsonable(plan.sheet, before),
                after=_jsonable(plan.sheet, after),
            )
        )
    return record_changes(changes)


def _differs(item: Planned, fields: tuple[str, ...]) -> bool:
    before = item.before or {}
    return any(before.get(f) != item.after.get(f) for f in fields)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    return str(getattr(field, "column", name))


def _apply_versions(
    model: type[models.Model],
    items: list[Planned],
    fields: tuple[str, ...],
    effective: dt.date,
    build: Callable[[Planned], dict[str, Any]],
) -> None:
    """First versions for new rows; close-and-reopen (or, on the same day, amend) changed ones."""
    change_set_id = current_change_set().pk
    new_rows: list[dict[str, Any]] = []
    closed: list[int] = []
    amended: list[dict[str, Any]] = []
    for item in items:
        if item.is_new:
            new_rows.append({**build(item), "valid_from": BEGINNING})
        elif _differs(item, fields):
            if item.version_from == effective:
                amended.append({**build(item), "id": item.version_id})
            else:
                assert item.version_id is not None
                closed.append(item.version_id)
                new_rows.append({**build(item), "valid_from": effective})
    close_versions(model, closed, effective)
    if amended:
        names = [k for k in amended[0] if k != "id"]
        update_rows(
            model,
            [_column(model, n) for n in names] + ["change_set_id"],
            ((row["id"], *[row[n] for n in names], change_set_id) for row in amended),
        )
    if new_rows:
        names = list(new_rows[0])
        insert_rows(
            model,
            [_column(model, n) for n in names] + ["valid_to", "change_set_id"],
            ((*[row[n] for n in names], END, change_set_id) for row in new_rows),
        )


def write_units(plan: SheetPlan, effective: dt.date) -> None:
    new = [item for item in plan.items if item.is_new]
    ids = reserve_ids(Unit, len(new))
    insert_rows(
        Unit,
        ["id", "code", "established", "abolished"],
        (
            (pk, item.key[0], item.after["established"], item.after["abolished"])
            for pk, item in zip(ids, new, strict=True)
        ),
    )
    update_rows(
        Unit,
        list(UNIT_IDENTITY),
        (
            (item.identity_id, *[item.after[f] for f in UNIT_IDENTITY])
            for item in plan.items
            if not item.is_new and _differs(item, UNIT_IDENTITY)
        ),
    )
    code_ids = {item.key[0]: pk for pk, item in zip(ids, new, strict=True)}
    code_ids.update({item.key[0]: item.identity_id for item in plan.items if item.identity_id})
    missing = {i.after["parent"] for i in plan.items if i.after["parent"] and i.after["parent"] not in code_ids}
    code_ids.update(unit_ids(missing))
    plain = [f for f in UNIT_VERSIONED if f != "parent"]

    def build(item: Planned) -> dict[str, Any]:
        after = item.after
        return {
            "unit": code_ids[item.key[0]],
            "parent": code_ids[after["parent"]] if after["parent"] else None,
            **{f: after[f] for f in plain},
        }

    _apply_versions(UnitVersion, plan.items, UNIT_VERSIONED, effective, build)
    _ensure_divisions({item.after["region"] for item in plan.items if item.after["region"]})
    _log_updates(plan)


def write_simple(table: SimpleTable, plan: SheetPlan, effective: dt.date) -> None:
    ids = unit_ids([item.key[0] for item in plan.items]) if table.unit_keyed else {}

    def build(item: Planned) -> dict[str, Any]:
        keys = dict(zip(table.key_fields, item.key, strict=True))
        if table.unit_keyed:
            keys["unit"] = ids[keys["unit"]]
        return {**keys, **{f: item.after[f] for f in table.values}}

    _apply_versions(table.model, plan.items, table.values, effective, build)
    if not table.unit_keyed:
        _ensure_divisions({item.key[0] for item in plan.items})
    _log_updates(plan)


def write_people(plan: SheetPlan, effective: dt.date, unit_codes: dict[str, int]) -> None:
    """Write one chunk of people. ``unit_codes`` maps every unit code to its id."""
    identity = list(PERSON_IDENTITY)
    new = [item for item in plan.items if item.is_new]
    ids = reserve_ids(Person, len(new))
    insert_rows(
        Person,
        ["id", "id_number", *identity],
        ((pk, item.key[0], *[item.after[f] for f in identity]) for pk, item in zip(ids, new, strict=True)),
    )
    update_rows(
        Person,
        identity,
        (
            (item.identity_id, *[item.after[f] for f in identity])
            for item in plan.items
            if not item.is_new and _differs(item, PERSON_IDENTITY)
        ),
    )
    person_ids = {item.key[0]: pk for pk, item in zip(ids, new, strict=True)}
    person_ids.update({item.key[0]: item.identity_id for item in plan.items if item.identity_id})
    plain = [f for f in PERSON_VERSIONED if f not in ("unit", "internal_division")]

    def build(item: Planned) -> dict[str, Any]:
        after = item.after
        return {
            "person": person_ids[item.key[0]],
            "unit": unit_codes[after["unit"]],
            "internal_division": unit_codes[after["internal_division"]] if after["internal_division"] else None,
            **{f: after[f] for f in plain},
        }

    _apply_versions(PersonVersion, plan.items, PERSON_VERSIONED, effective, build)
    _log_updates(plan)


def _ensure_divisions(codes: set[str]) -> None:
    """Register the GB/T 2260 divisions (and their ancestors) that units and limits name."""
    wanted: set[str] = set()
    for code in codes:
        wanted.add(code)
        if code.isdigit() and len(code) == 6:
            if code[2:] != "0000":
                wanted.add(code[:2] + "0000")
            if code[4:] != "00":
                wanted.add(code[:4] + "00")
    existing = set(Division.objects.filter(code__in=wanted).values_list("code", flat=True))
    missing = sorted(wanted - existing)
    Division.objects.bulk_create([Division(code=c, name=region_name(c) or "") for c in missing])
    if missing:
        # Link each new division to its nearest registered ancestor (province → prefecture → county).
        by_code = dict(Division.objects.filter(code__in=wanted).values_list("code", "id"))
        links = []
        for code in missing:
            parent = None
            if code[4:] != "00" and code[:4] + "00" in by_code:
                parent = by_code[code[:4] + "00"]
            elif code[2:] != "0000" and code[:2] + "0000" in by_code:
                parent = by_code[code[:2] + "0000"]
            if parent and parent != by_code[code]:
                links.append(Division(pk=by_code[code], parent_id=parent))
        Division.objects.bulk_update(links, ["parent"])
