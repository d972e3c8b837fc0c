"""Write a planned import with bulk statements inside the caller's change set.

Changed versioned values close the current row on ``effective`` and open a new one from that day
(interchange.md §1 "Dates of imported facts"); first-time rows hold from the beginning of time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from bianzhi.core.changelog import Change, current_change_set, record_changes
from bianzhi.core.dates import BEGINNING
from bianzhi.core.validators import region_name
from bianzhi.registry.importer.plan import (
    PERSON_IDENTITY,
    PERSON_VERSIONED,
    UNIT_IDENTITY,
    UNIT_VERSIONED,
    Planned,
    SheetPlan,
    SimpleTable,
    person_ids,
    unit_ids,
)
from bianzhi.registry.importer.schema import SHEET_BY_NAME
from bianzhi.registry.models import Division, Person, PersonVersion, Unit, UnitVersion

BATCH = 2000

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


def _log(plan: SheetPlan) -> int:
    changes = (
        Change(
            entity=plan.sheet,
            key="/".join(str(k.isoformat() if isinstance(k, dt.date) else k) for k in item.key),
            action="create" if item.is_new else "update",
            before=_jsonable(plan.sheet, item.before),
            after=_jsonable(plan.sheet, item.after),
        )
        for item in plan.items
        if item.is_new or item.changed
    )
    return record_changes(changes)


def _versioned_changed(item: Planned, fields: tuple[str, ...]) -> bool:
    before = item.before or {}
    return any(before.get(f) != item.after.get(f) for f in fields)


def _identity_changed(item: Planned, fields: tuple[str, ...]) -> bool:
    before = item.before or {}
    return any(before.get(f) != item.after.get(f) for f in fields)


def _apply_versions(
    model: type[models.Model],
    items: list[Planned],
    fields: tuple[str, ...],
    effective: dt.date,
    build: Any,
) -> None:
    """Create first versions of new rows; close-and-reopen (or, on the same day, amend) changed ones."""
    change_set = current_change_set()
    new_rows = []
    closed = []
    amended = []
    for item in items:
        if item.is_new:
            row = build(item)
            row.valid_from = BEGINNING
            row.change_set = change_set
            new_rows.append(row)
        elif _versioned_changed(item, fields):
            if item.version_from == effective:
                row = build(item)
                row.pk = item.version_id
                row.valid_from = effective
                row.change_set = change_set
                amended.append(row)
            else:
                closed.append(model(pk=item.version_id, valid_to=effective))
                row = build(item)
                row.valid_from = effective
                row.change_set = change_set
                new_rows.append(row)
    if closed:
        model._default_manager.bulk_update(closed, ["valid_to"], batch_size=BATCH)
    if amended:
        update_fields = [f.name for f in model._meta.concrete_fields if f.name not in ("id", "valid_from", "valid_to")]
        model._default_manager.bulk_update(amended, update_fields, batch_size=BATCH)
    if new_rows:
        model._default_manager.bulk_create(new_rows, batch_size=BATCH)


def write_units(plan: SheetPlan, effective: dt.date) -> None:
    new_units = [
        Unit(code=item.key[0], established=item.after["established"], abolished=item.after["abolished"])
        for item in plan.items
        if item.is_new
    ]
    Unit.objects.bulk_create(new_units, batch_size=BATCH)
    identity_updates = [
        Unit(pk=item.identity_id, established=item.after["established"], abolished=item.after["abolished"])
        for item in plan.items
        if not item.is_new and _identity_changed(item, UNIT_IDENTITY)
    ]
    if identity_updates:
        Unit.objects.bulk_update(identity_updates, list(UNIT_IDENTITY), batch_size=BATCH)
    ids = unit_ids([item.key[0] for item in plan.items] + [i.after["parent"] for i in plan.items if i.after["parent"]])
    plain = [f for f in UNIT_VERSIONED if f != "parent"]

    def build(item: Planned) -> UnitVersion:
        after = item.after
        return UnitVersion(
            unit_id=ids[item.key[0]],
            parent_id=ids[after["parent"]] if after["parent"] else None,
            **{f: after[f] for f in plain},
        )

    _apply_versions(UnitVersion, plan.items, UNIT_VERSIONED, effective, build)
    _ensure_divisions({item.after["region"] for item in plan.items if item.after["region"]})
    _log(plan)


def write_simple(table: SimpleTable, plan: SheetPlan, effective: dt.date) -> None:
    ids = unit_ids([item.key[0] for item in plan.items]) if table.unit_keyed else {}

    def build(item: Planned):
        keys = dict(zip(table.key_fields, item.key, strict=True))
        if table.unit_keyed:
            keys["unit_id"] = ids[keys.pop("unit")]
        return table.model(**keys, **{f: item.after[f] for f in table.values})

    _apply_versions(table.model, plan.items, table.values, effective, build)
    if not table.unit_keyed:
        _ensure_divisions({item.key[0] for item in plan.items})
    _log(plan)


def write_people(plan: SheetPlan, effective: dt.date) -> None:
    identity = [f for f in PERSON_IDENTITY]
    new_people = [
        Person(id_number=item.key[0], **{f: item.after[f] for f in identity}) for item in plan.items if item.is_new
    ]
    Person.objects.bulk_create(new_people, batch_size=BATCH)
    updates = [
        Person(pk=item.identity_id, **{f: item.after[f] for f in identity})
        for item in plan.items
        if not item.is_new and _identity_changed(item, PERSON_IDENTITY)
    ]
    if updates:
        Person.objects.bulk_update(updates, identity, batch_size=BATCH)
    pids = person_ids(item.key[0] for item in plan.items if item.is_new or _versioned_changed(item, PERSON_VERSIONED))
    uids = unit_ids(
        [i.after["unit"] for i in plan.items]
        + [i.after["internal_division"] for i in plan.items if i.after["internal_division"]]
    )
    plain = [f for f in PERSON_VERSIONED if f not in ("unit", "internal_division")]

    def build(item: Planned) -> PersonVersion:
        after = item.after
        return PersonVersion(
            person_id=pids[item.key[0]],
            unit_id=uids[after["unit"]],
            internal_division_id=uids[after["internal_division"]] if after["internal_division"] else None,
            **{f: after[f] for f in plain},
        )

    _apply_versions(PersonVersion, plan.items, PERSON_VERSIONED, effective, build)
    _log(plan)


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
