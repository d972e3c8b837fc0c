"""Plan an import against what is stored: merge file rows into stored values, resolve inherited
attributes, derive computed fields, and sort every row into created / updated / unchanged.

Upsert semantics (interchange.md §1 "Re-import"): keyed by the natural keys; never deletes; an
absent column keeps stored values; a present empty cell clears the value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import F
from django.db.models.expressions import RawSQL

from bianzhi.core.dates import END
from bianzhi.core.workdays import write_off_deadline
from bianzhi.registry.choices import LoanStatus, PersonStatus
from bianzhi.registry.importer.validate import Issues, ParsedSheet, StoredUnit
from bianzhi.registry.models import (
    InstitutionLimit,
    Person,
    PersonVersion,
    PositionQuota,
    StaffingQuota,
    TurnoverLoan,
    Unit,
    UnitVersion,
)
from bianzhi.registry.retirement import flexible_retirement_error, retirement_month

# Fields of each entity: identity (not versioned, dated by themselves) and versioned.
UNIT_IDENTITY = ("established", "abolished")
UNIT_VERSIONED = (
    "name",
    "credit_code",
    "parent",
    "kind",
    "own_sequence",
    "sequence",
    "rank",
    "institution_class",
    "civil_servant_managed",
    "funding",
    "own_region",
    "region",
    "approved_divisions",
    "priority_tags",
)
UNIT_DEFAULTS: dict[str, Any] = {
    "credit_code": "",
    "parent": None,
    "own_sequence": "",
    "sequence": "",
    "rank": "",
    "institution_class": "",
    "civil_servant_managed": False,
    "funding": "",
    "own_region": "",
    "region": "",
    "approved_divisions": None,
    "priority_tags": "",
    "established": None,
    "abolished": None,
}
#: a person's own dates (interchange.md §1 "Dates and periods"): a change is a correction of the
#: spell they belong to, not a new period; ``left_on`` and ``write_off_deadline`` are derived
PERSON_OWN_DATES = ("entry_date", "left_date", "left_on", "written_off_date", "write_off_deadline")
#: 人员状态: a value with periods, whose change is placed by the own dates (write.place_status)
PERSON_STATUS = ("status",)
#: values with periods starting on ``--effective``
PERSON_VERSIONED = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "degree",
    "title",
    "category",
    "unit",
    "internal_division",
    "staffing_type",
    "post",
    "position_category",
    "original_age",
    "approved_retirement_month",
    "retirement_month",
)
#: everything stored on a person's version (what a re-import compares)
PERSON_FIELDS = (*PERSON_VERSIONED, *PERSON_STATUS, *PERSON_OWN_DATES)
PERSON_DEFAULTS: dict[str, Any] = {
    "ethnicity": "",
    "political_status": "",
    "education": "",
    "degree": "",
    "title": "",
    "internal_division": None,
    "post": "",
    "position_category": "",
    "entry_date": None,
    "left_date": None,
    "left_on": None,
    "written_off_date": None,
    "original_age": None,
    "approved_retirement_month": None,
}
#: nullable fields; every other text field stores "" for "not given"
NULLABLE = {
    "parent",
    "approved_divisions",
    "established",
    "abolished",
    "internal_division",
    "entry_date",
    "left_date",
    "left_on",
    "written_off_date",
    "write_off_deadline",
    "original_age",
    "approved_retirement_month",
    "returned_date",
    "returned_on",
}


@dataclass
class Planned:
    key: tuple
    row: int | None  # spreadsheet row; None for a stored row changed only by inheritance
    before: dict[str, Any] | None  # current stored values (None: new)
    after: dict[str, Any]
    version_id: int | None = None  # the current version row
    version_from: dt.date | None = None
    identity_id: int | None = None
    change_set_id: int | None = None  # the change set that set the stored values (the version's)

    @property
    def is_new(self) -> bool:
        return self.before is None

    @property
    def changed(self) -> bool:
        return self.before is not None and self.before != self.after


@dataclass
class SheetPlan:
    sheet: str
    items: list[Planned] = field(default_factory=list)

    def counts(self) -> tuple[int, int, int]:
        created = updated = unchanged = 0
        for item in self.items:
            if item.row is None:
                continue
            if item.is_new:
                created += 1
            elif item.changed:
                updated += 1
            else:
                unchanged += 1
        return created, updated, unchanged


#: boolean fields; an empty cell means the default, 否
BOOLEAN = {"civil_servant_managed"}


def _cell(value: Any, fld: str) -> Any:
    """A parsed cell as stored: empty means None for nullable fields, False for 是/否, else ""."""
    if value is None and fld not in NULLABLE:
        return False if fld in BOOLEAN else ""
    return value


def _merge(row_values: dict[str, Any], present: set[str], base: dict[str, Any], fields: Iterable[str]) -> dict:
    merged = dict(base)
    for fld in fields:
        if fld in present:
            merged[fld] = _cell(row_values.get(fld), fld)
    return merged


def _chunks(items: list, size: int = 2000) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _first_rows(sheet: ParsedSheet | None, key_fields: tuple[str, ...]) -> list[tuple[tuple, Any]]:
    """The first row of each key (validation has rejected any repetition)."""
    if sheet is None:
        return []
    seen: dict[tuple, Any] = {}
    for row in sheet.rows:
        key = tuple(row.values.get(f) for f in key_fields)
        seen.setdefault(key, row)
    return list(seen.items())


# ---------------------------------------------------------------- units


def load_units() -> dict[str, dict[str, Any]]:
    """Current stored values of every unit, keyed by code (one query)."""
    rows = UnitVersion.objects.filter(valid_to=END).values(
        "id",
        "valid_from",
        "change_set_id",
        "unit_id",
        "unit__code",
        "unit__established",
        "unit__abolished",
        "parent__code",
        *[f for f in UNIT_VERSIONED if f != "parent"],
    )
    stored: dict[str, dict[str, Any]] = {}
    for r in rows:
        record = {f: r[f] for f in UNIT_VERSIONED if f != "parent"}
        record["parent"] = r["parent__code"]
        record["established"] = r["unit__established"]
        record["abolished"] = r["unit__abolished"]
        record["_version_id"] = r["id"]
        record["_version_from"] = r["valid_from"]
        record["_change_set"] = r["change_set_id"]
        record["_id"] = r["unit_id"]
        stored[r["unit__code"]] = record
    return stored


def load_unit_index(codes: set[str]) -> dict[str, StoredUnit]:
    """Kind and parent of the stored units with these codes: what validating other sheets needs."""
    found: dict[str, StoredUnit] = {}
    for chunk in _chunks(sorted(codes), 20_000):
        rows = UnitVersion.objects.filter(valid_to=END, unit__code__in=_in_list(chunk)).values_list(
            "unit__code", "kind", "parent__code"
        )
        found.update({code: StoredUnit(kind=kind, parent=parent) for code, kind, parent in rows})
    return found


def unit_holdings(codes: set[str]) -> dict[str, list[str]]:
    """What the stored register holds in each of these units now: 编制, 职数 and 周转编制 in force,
    and people whose latest period names the unit (validate.Holdings)."""
    found: dict[str, list[str]] = {}
    codes_list = sorted(codes)
    for label, model in (("核定编制", StaffingQuota), ("核定职数", PositionQuota), ("周转编制", TurnoverLoan)):
        for code in (
            model._default_manager.filter(valid_to=END, unit__code__in=codes_list)
            .values_list("unit__code", flat=True)
            .distinct()
        ):
            found.setdefault(code, []).append(label)
    people = (
        PersonVersion.objects.filter(valid_to=END, unit__code__in=codes_list)
        .values("unit__code")
        .annotate(n=models.Count("id"))
    )
    for row in people:
        found.setdefault(row["unit__code"], []).append(f"人员 {row['n']} 名")
    return found


def _strip(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def plan_units(sheet: ParsedSheet, stored: dict[str, dict[str, Any]], issues: Issues) -> SheetPlan:
    fields = (*UNIT_VERSIONED, *UNIT_IDENTITY)
    final: dict[str, dict[str, Any]] = {code: _strip(rec) for code, rec in stored.items()}
    rows: dict[str, int] = {}
    for (code,), row in _first_rows(sheet, ("code",)):
        base = final.get(code) or {**UNIT_DEFAULTS}
        final[code] = _merge(row.values, sheet.present, base, fields)
        rows[code] = row.number
    # Inherit 序列 and 区划代码 from the nearest ancestor that states them (interchange.md §1).
    resolved: dict[str, tuple[str, str]] = {}

    def resolve(code: str, depth: int = 0) -> tuple[str, str]:
        if code in resolved:
            return resolved[code]
        record = final.get(code)
        if record is None or depth > 64:
            return "", ""
        sequence, region = record["own_sequence"], record["own_region"]
        if (not sequence or not region) and record["parent"]:
            parent_sequence, parent_region = resolve(record["parent"], depth + 1)
            sequence, region = sequence or parent_sequence, region or parent_region
        resolved[code] = (sequence, region)
        return sequence, region

    plan = SheetPlan("机构")
    for code, record in final.items():
        record["sequence"], record["region"] = resolve(code)
        if record["established"] and record["abolished"] and record["abolished"] <= record["established"]:
            if code in rows:
                issues.error(
                    "机构",
                    rows[code],
                    "撤销日期",
                    f"撤销日期 {record['abolished']} 应晚于成立日期 {record['established']}",
                )
        previous = stored.get(code)
        if previous is None:
            plan.items.append(Planned((code,), rows.get(code), None, record))
        else:
            item = Planned(
                (code,),
                rows.get(code),
                _strip(previous),
                record,
                version_id=previous["_version_id"],
                version_from=previous["_version_from"],
                change_set_id=previous["_change_set"],
                identity_id=previous["_id"],
            )
            if item.row is not None or item.changed:
                plan.items.append(item)
    return plan


# ---------------------------------------------------------------- quotas, positions, loans, limits


@dataclass(frozen=True)
class SimpleTable:
    sheet: str
    model: type[models.Model]
    key_fields: tuple[str, ...]  # as in the parsed row
    values: tuple[str, ...]  # versioned fields
    unit_keyed: bool = True
    #: own dates (and what derives from them): corrected on every version, never a new period
    own_dates: tuple[str, ...] = ()
    #: computes derived values of ``after`` from it, the stored values and the effective day
    derive: Callable[[dict[str, Any], dict[str, Any] | None, dt.date | None], None] | None = None

    @property
    def period_values(self) -> tuple[str, ...]:
        return tuple(f for f in self.values if f not in self.own_dates)

    def load(self) -> dict[tuple, dict[str, Any]]:
        model_keys = ["unit__code" if f == "unit" else f for f in self.key_fields]
        stored: dict[tuple, dict[str, Any]] = {}
        for r in self.model._default_manager.filter(valid_to=END).values(
            "id", "valid_from", "change_set_id", *model_keys, *self.values
        ):
            key = tuple(r[k] for k in model_keys)
            record = {f: r[f] for f in self.values}
            record["_version_id"] = r["id"]
            record["_version_from"] = r["valid_from"]
            record["_change_set"] = r["change_set_id"]
            stored[key] = record
        return stored

    def plan(self, sheet: ParsedSheet | None, effective: dt.date | None = None) -> SheetPlan:
        plan = SheetPlan(self.sheet)
        if sheet is None:
            return plan
        stored = self.load()
        for key, row in _first_rows(sheet, self.key_fields):
            previous = stored.get(key)
            base = _strip(previous) if previous else dict.fromkeys(self.values)
            after = _merge(row.values, sheet.present, base, self.values)
            if self.derive is not None:
                self.derive(after, _strip(previous) if previous else None, effective)
            if previous is None:
                plan.items.append(Planned(key, row.number, None, after))
            else:
                plan.items.append(
                    Planned(
                        key,
                        row.number,
                        _strip(previous),
                        after,
                        version_id=previous["_version_id"],
                        version_from=previous["_version_from"],
                        change_set_id=previous["_change_set"],
                    )
                )
        return plan


QUOTA_TABLE = SimpleTable("编制", StaffingQuota, ("unit", "staffing_type"), ("approved",))
POSITION_TABLE = SimpleTable("职数", PositionQuota, ("unit", "category"), ("approved",))


def derive_loan(after: dict[str, Any], before: dict[str, Any] | None, effective: dt.date | None) -> None:
    """When a loan went back (interchange.md §1 "Where periods start"): its 实际回收日期; else, for a
    loan becoming 已回收 now, ``effective``; one already returned keeps its day; one stored as
    已回收 when first imported went back on its 回收日期 (or on ``effective`` — the import's day —
    when that is earlier: a loan reported returned is not in use after it). 使用中 clears both."""
    if after["status"] == LoanStatus.IN_USE:
        after["returned_date"] = after["returned_on"] = None
    elif after["returned_date"]:
        after["returned_on"] = after["returned_date"]
    elif before is not None and before["status"] == LoanStatus.RETURNED and before.get("returned_on"):
        after["returned_on"] = before["returned_on"]
    elif before is not None:
        after["returned_on"] = effective
    else:
        due = after["due_date"]
        after["returned_on"] = min(due, effective) if effective and due else due


LOAN_TABLE = SimpleTable(
    "周转编制",
    TurnoverLoan,
    ("unit", "staffing_type", "start_date"),
    ("quantity", "due_date", "status", "returned_date", "returned_on"),
    own_dates=("returned_date", "returned_on"),
    derive=derive_loan,
)
LIMIT_TABLE = SimpleTable("限额", InstitutionLimit, ("region", "category"), ("limit",), unit_keyed=False)


# ---------------------------------------------------------------- people


def _in_list(values: list[str]) -> Any:
    """An IN-list as one array parameter on PostgreSQL (planning 20,000 parameters costs more than
    the query), as plain parameters elsewhere."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", [values])
    return values


def load_people(id_numbers: list[str]) -> dict[str, dict[str, Any]]:
    """Current stored values of the people named in the file, fetched in batches."""
    stored: dict[str, dict[str, Any]] = {}
    plain = [f for f in PERSON_FIELDS if f not in ("unit", "internal_division")]
    if not Person.objects.exists():
        return stored  # a first load: nothing to compare with
    for chunk in _chunks(id_numbers, 20_000):
        rows = (
            PersonVersion.objects.filter(valid_to=END, person__id_number__in=_in_list(chunk))
            .annotate(unit_code=F("unit__code"), division_code=F("internal_division__code"))
            .values(
                "id",
                "valid_from",
                "change_set_id",
                "person_id",
                "person__id_number",
                "unit_code",
                "division_code",
                *plain,
            )
        )
        for r in rows:
            record = {f: r[f] for f in plain}
            record["unit"] = r["unit_code"]
            record["internal_division"] = r["division_code"]
            record["_version_id"] = r["id"]
            record["_version_from"] = r["valid_from"]
            record["_change_set"] = r["change_set_id"]
            record["_id"] = r["person_id"]
            stored[r["person__id_number"]] = record
    return stored


def derive_person(
    record: dict[str, Any], before: dict[str, Any] | None = None, effective: dt.date | None = None
) -> dict:
    """Computed fields: the departure day, the statutory retirement month (domain.md §5) and the
    write-off deadline (§4). 在编 clears 离编日期 and 核销日期 (interchange.md §1); a person leaving
    在编 without a 离编日期 leaves on ``effective`` (the implied day is kept in ``left_on`` and never
    written into 离编日期); one already gone keeps the day they left."""
    if record["status"] == PersonStatus.ON_STAFF:
        record["left_date"] = None  # 离编日期 is ignored for people 在编 (interchange.md §1)
        record["written_off_date"] = None
        record["left_on"] = None
    elif record["left_date"]:
        record["left_on"] = record["left_date"]
    elif before is not None and before["status"] != PersonStatus.ON_STAFF:
        record["left_on"] = before.get("left_on")
    elif before is not None:
        record["left_on"] = effective
    else:
        record["left_on"] = None  # stored as gone, with no day: never on staff
    record["retirement_month"] = retirement_month(
        birth_date=record["birth_date"],
        gender=record["gender"],
        person_category=record["category"],
        original_age=record["original_age"],
    )
    left = record["left_on"]
    record["write_off_deadline"] = write_off_deadline(left) if left else None
    return record


def plan_people(sheet: ParsedSheet | None, effective: dt.date | None = None, issues: Issues | None = None) -> SheetPlan:
    plan = SheetPlan("人员")
    if sheet is None:
        return plan
    rows = _first_rows(sheet, ("id_number",))
    stored = load_people([key[0] for key, _ in rows])
    for (id_number,), row in rows:
        previous = stored.get(id_number)
        base = _strip(previous) if previous else {**PERSON_DEFAULTS}
        merged = _merge(row.values, sheet.present, base, PERSON_FIELDS)
        record = derive_person(merged, _strip(previous) if previous else None, effective)
        if issues is not None and "approved_retirement_month" not in sheet.present:
            _check_kept_retirement_month(record, row.number, issues)
        if previous is None:
            plan.items.append(Planned((id_number,), row.number, None, record))
        else:
            if (
                issues is not None
                and previous["status"] == PersonStatus.ON_STAFF
                and record["status"] != PersonStatus.ON_STAFF
                and not record["left_date"]
            ):
                issues.warning(
                    "人员",
                    row.number,
                    "离编日期",
                    f"人员状态由在编改为{record['status']}而未填离编日期，按生效日期 {effective} 离编",
                )
            plan.items.append(
                Planned(
                    (id_number,),
                    row.number,
                    _strip(previous),
                    record,
                    version_id=previous["_version_id"],
                    version_from=previous["_version_from"],
                    change_set_id=previous["_change_set"],
                    identity_id=previous["_id"],
                )
            )
    return plan


def _check_kept_retirement_month(record: dict[str, Any], row: int, issues: Issues) -> None:
    """A stored 批准退休年月 kept by an absent column must still fit the person's range after the
    import (a new 人员类别 or 原退休年龄 moves it): reported under its column, as interchange.md §1
    "Checked against what is stored" has it. A month in the file is checked by validate_people."""
    month = record.get("approved_retirement_month")
    if month is None:
        return
    problem = flexible_retirement_error(
        month,
        birth_date=record["birth_date"],
        gender=record["gender"],
        person_category=record["category"],
        original_age=record["original_age"],
    )
    if problem:
        issues.error("人员", row, "批准退休年月", problem)


def stored_original_ages(id_numbers: list[str]) -> dict[str, int | None]:
    """The stored 原退休年龄 of the people with these 身份证号 (validate.StoredAges)."""
    found: dict[str, int | None] = {}
    for chunk in _chunks(sorted(set(id_numbers)), 20_000):
        rows = PersonVersion.objects.filter(valid_to=END, person__id_number__in=_in_list(chunk)).values_list(
            "person__id_number", "original_age"
        )
        found.update(rows)
    return found


#: from this many codes on, every unit's id is read and the wanted ones picked out
ALL_UNITS_FROM = 5_000


def unit_ids(codes: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    if len(wanted) >= ALL_UNITS_FROM:  # a province's load: one plain scan beats sending the list
        wanted_set = set(wanted)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT code, id FROM {Unit._meta.db_table}")  # nosec B608 # the model's own table name, no input
            return {code: pk for code, pk in cursor.fetchall() if code in wanted_set}
    for chunk in _chunks(wanted, 20_000):
        found.update(Unit.objects.filter(code__in=_in_list(chunk)).values_list("code", "id"))
    return found


def person_ids(numbers: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(numbers))
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        found.update(Person.objects.filter(id_number__in=chunk).values_list("id_number", "id"))
    return found
