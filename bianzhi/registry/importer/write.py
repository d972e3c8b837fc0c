"""Write a planned import with bulk statements inside the caller's change set.

Changed versioned values close the current row on ``effective`` and open a new one from that day
(interchange.md §1 "Dates of imported facts"); first-time rows hold from the beginning of time.

What the change log holds: every created row is written as a ``ChangeRecord`` whose "after" is
the whole row as created (its key columns, every value, status and own dates), and every update
as one with its before and after (the values that changed). The records are the log: a later
change rewrites version rows (a status placed on an earlier day, own dates corrected over a
spell), never what a change set recorded. The fast lanes (importer/columnar/) write the same
records column-wise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from django.db import models

from bianzhi.core.bulk import close_versions, insert_rows, reserve_ids, update_rows
from bianzhi.core.changelog import Change, current_change_set, record_changes
from bianzhi.core.dates import BEGINNING, END
from bianzhi.core.validators import region_name
from bianzhi.registry.choices import PersonStatus
from bianzhi.registry.importer.plan import (
    PERSON_FIELDS,
    PERSON_OWN_DATES,
    PERSON_STATUS,
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
    "left_on": "离编生效日期",
}


def created_headers(sheet: str, fields: tuple[str, ...]) -> dict[str, str]:
    """field → the name a created row's record gives it (as ``_jsonable`` does)."""
    return {f: _HEADERS[sheet].get(f) or _EXTRA_HEADERS.get(f, f) for f in fields}


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


def _log_changes(plan: SheetPlan, key_fields: tuple[str, ...]) -> int:
    """One ChangeRecord per created row, holding the whole row as created (``key_fields`` name its
    key's columns), and one per updated row, holding only the values that changed."""
    changes = []
    for item in plan.items:
        key = "/".join(k.isoformat() if isinstance(k, dt.date) else str(k) for k in item.key)
        if item.is_new:
            created = {**dict(zip(key_fields, item.key, strict=True)), **item.after}
            changes.append(Change(plan.sheet, key, "create", None, _jsonable(plan.sheet, created)))
            continue
        if not item.changed or item.before is None:
            continue
        before = {k: v for k, v in item.before.items() if item.after.get(k) != v}
        after = {k: item.after.get(k) for k in before}
        changes.append(
            Change(
                entity=plan.sheet,
                key=key,
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
    start: Callable[[Planned], dt.date] = lambda item: BEGINNING,
) -> None:
    """First versions for new rows (from ``start``); close-and-reopen (or, on the same day, amend)
    changed ones."""
    change_set_id = current_change_set().pk
    new_rows: list[dict[str, Any]] = []
    closed: list[int] = []
    amended: list[dict[str, Any]] = []
    for item in items:
        if item.is_new:
            new_rows.append({**build(item), "valid_from": start(item)})
        elif _differs(item, fields):
            if item.version_from == effective:
                amended.append({**build(item), "id": item.version_id})
            else:
                if item.version_id is None:  # a stored row always has its period
                    raise RuntimeError("已登记的行缺少其当前版本")
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


def write_units(plan: SheetPlan, effective: dt.date, dated: dt.date | None = None) -> None:
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

    _apply_versions(
        UnitVersion,
        plan.items,
        UNIT_VERSIONED,
        effective,
        build,
        start=lambda item: created_from(dated, item.after["established"]),
    )
    _ensure_divisions({item.after["region"] for item in plan.items if item.after["region"]})
    _log_changes(plan, ("code",))


def write_simple(table: SimpleTable, plan: SheetPlan, effective: dt.date, dated: dt.date | None = None) -> None:
    ids = unit_ids([item.key[0] for item in plan.items]) if table.unit_keyed else {}

    def build(item: Planned) -> dict[str, Any]:
        keys = dict(zip(table.key_fields, item.key, strict=True))
        if table.unit_keyed:
            keys["unit"] = ids[keys["unit"]]
        return {**keys, **{f: item.after[f] for f in table.values}}

    def start(item: Planned) -> dt.date:
        own = dict(zip(table.key_fields, item.key, strict=True)).get("start_date")  # a loan's 使用日期
        return created_from(dated, own)

    _apply_versions(table.model, plan.items, table.period_values, effective, build, start=start)
    if table.own_dates:  # corrections of own dates hold on every version of the row
        for item in plan.items:
            if not item.is_new and _differs(item, table.own_dates):
                keys = dict(zip(table.key_fields, item.key, strict=True))
                if table.unit_keyed:
                    keys["unit_id"] = ids[keys.pop("unit")]
                table.model._default_manager.filter(**keys).update(**{f: item.after[f] for f in table.own_dates})
    if not table.unit_keyed:
        _ensure_divisions({item.key[0] for item in plan.items})
    _log_changes(plan, table.key_fields)


def created_from(effective: dt.date | None, own_start: dt.date | None = None) -> dt.date:
    """Where a row created by an import holds from (interchange.md §1 "Where periods start"): every
    day for an import run without ``--effective``; else that day, or its own start date when earlier."""
    if effective is None:
        return BEGINNING
    return min(own_start, effective) if own_start else effective


def write_people(plan: SheetPlan, effective: dt.date, unit_codes: dict[str, int], dated: dt.date | None = None) -> None:
    """Write one chunk of people. ``unit_codes`` maps every unit code to its id; ``dated`` is the
    ``--effective`` the import was run with (None: a load that holds from the beginning)."""
    new = [item for item in plan.items if item.is_new]
    ids = reserve_ids(Person, len(new))
    insert_rows(Person, ["id", "id_number"], ((pk, item.key[0]) for pk, item in zip(ids, new, strict=True)))
    person_ids = {item.key[0]: pk for pk, item in zip(ids, new, strict=True)}
    person_ids.update({item.key[0]: item.identity_id for item in plan.items if item.identity_id})
    plain = [f for f in PERSON_FIELDS if f not in ("unit", "internal_division")]

    def build(item: Planned) -> dict[str, Any]:
        after = item.after
        return {
            "person": person_ids[item.key[0]],
            "unit": unit_codes[after["unit"]],
            "internal_division": unit_codes[after["internal_division"]] if after["internal_division"] else None,
            **{f: after[f] for f in plain},
        }

    placed = (*PERSON_STATUS, *PERSON_OWN_DATES)
    _apply_versions(
        PersonVersion,
        [item for item in plan.items if item.is_new or not _differs(item, placed)],
        PERSON_FIELDS,
        effective,
        build,
        start=lambda item: created_from(dated, item.after["entry_date"]),
    )
    _rewrite_people([item for item in plan.items if not item.is_new and _differs(item, placed)], effective, build)
    _log_changes(plan, ("id_number",))


def _split(segments: list[dict[str, Any]], day: dt.date) -> list[dict[str, Any]]:
    """The segments with a boundary on ``day`` (the one holding across it cut in two)."""
    out: list[dict[str, Any]] = []
    for seg in segments:
        if seg["valid_from"] < day < seg["valid_to"]:
            out += [{**seg, "valid_to": day}, {**seg, "id": None, "valid_from": day}]
        else:
            out.append(seg)
    return out


def _spell_start(segments: list[dict[str, Any]]) -> dt.date:
    """The first day of the person's latest spell: where the status last returned to 在编."""
    start = segments[0]["valid_from"]
    for earlier, seg in pairwise(segments):
        if seg["status"] == PersonStatus.ON_STAFF and earlier["status"] != PersonStatus.ON_STAFF:
            start = seg["valid_from"]
    return start


def status_placed_on(before: dict[str, Any], after: dict[str, Any], effective: dt.date) -> dt.date:
    """The day a change of 人员状态 holds from (interchange.md §1 "Where periods start")."""
    on_staff = PersonStatus.ON_STAFF
    if before["status"] == on_staff and after["status"] != on_staff:
        return after["left_on"] or effective
    if before["status"] != on_staff and after["status"] == on_staff:
        entry, last_left = after["entry_date"], before.get("left_on")
        if entry and (last_left is None or entry > last_left):
            return entry
    return effective


def _rewrite_people(items: list[Planned], effective: dt.date, build: Callable[[Planned], dict[str, Any]]) -> None:
    """People whose status or own dates change: their periods are rewritten where those facts say —
    the status from the day it is placed on, the own dates over the spell they belong to (a
    re-entry starts a new spell; earlier spells keep theirs), every other value from ``effective``."""
    if not items:
        return
    change_set_id = current_change_set().pk
    model = PersonVersion
    columns = {n: _column(model, n) for n in build(items[0])}
    stored: dict[int, list[dict[str, Any]]] = {}
    for row in model.objects.filter(person_id__in=[i.identity_id for i in items]).order_by("valid_from").values():
        stored.setdefault(row["person_id"], []).append(dict(row))
    own = [columns[f] for f in PERSON_OWN_DATES]
    attributes = [columns[f] for f in PERSON_VERSIONED if f in columns]
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for item in items:
        if item.before is None or item.identity_id is None:  # only stored people are rewritten here
            raise RuntimeError("改写的人员行缺少已登记的内容")
        target = {columns[n]: v for n, v in build(item).items()}
        original = stored[item.identity_id]
        segments = [dict(seg) for seg in original]
        spell = _spell_start(segments)
        if item.before["status"] != item.after["status"]:
            day = max(status_placed_on(item.before, item.after, effective), segments[0]["valid_from"])
            segments = _split(segments, day)
            for seg in segments:
                if seg["valid_from"] >= day:
                    seg["status"] = target["status"]
            if item.after["status"] == PersonStatus.ON_STAFF:
                spell = day  # a re-entry: a new spell from that day
        for seg in segments:
            if seg["valid_from"] >= spell:
                seg.update({c: target[c] for c in own})
        if _differs(item, PERSON_VERSIONED):
            segments = _split(segments, effective)
            for seg in segments:
                if seg["valid_from"] >= effective:
                    seg.update({c: target[c] for c in attributes})
        by_id = {seg["id"]: seg for seg in original}
        for seg in segments:
            if seg["id"] is None:
                inserts.append({**seg, "change_set_id": change_set_id})
            elif seg != by_id[seg["id"]]:
                values_changed = any(seg[c] != by_id[seg["id"]][c] for c in seg if c not in ("valid_to", "id"))
                updates.append({**seg, "change_set_id": change_set_id if values_changed else seg["change_set_id"]})
    names = [c for c in updates[0] if c != "id"] if updates else []
    update_rows(model, names, ((row["id"], *[row[n] for n in names]) for row in updates))
    if inserts:
        names = [c for c in inserts[0] if c != "id"]
        insert_rows(model, names, ([row[n] for n in names] for row in inserts))


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
