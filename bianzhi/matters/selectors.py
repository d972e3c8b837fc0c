"""机构编制事项 and the ledger (台账): the reads, scoped by the permission choke point.

A unit HR officer sees the matters involving its units (and their subtrees) only; every other role
sees all. The ledger of a unit lists every change of its quotas, positions, loans and structure
from the change log — executed matters, and the office's imports and corrections alike, the latter
marked 未经审批流程 — and the register of the unit as of any day (domain.md §2 "History").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from bianzhi.accounts.permissions import Action, can, restrict
from bianzhi.accounts.privacy import sees_every_number, shown_text
from bianzhi.core.dates import BEGINNING
from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.matters.models import Matter
from bianzhi.registry.choices import PositionCategory, StaffingType
from bianzhi.registry.models import PositionQuota, StaffingQuota, TurnoverLoan, Unit, UnitVersion
from bianzhi.registry.selectors import actual_by_unit_type, leaders_by_unit_category

#: the change log's entities that change a unit's quotas, positions or structure
LEDGER_ENTITIES = ("机构", "编制", "职数", "周转编制", "职责")
#: the numeric column of each entity (its delta is shown)
COUNTS = {"编制": "核定数", "职数": "核定数", "周转编制": "数量"}
#: the column that names the item of a keyed entity
ITEMS = {"编制": "编制类型", "职数": "职数类别", "周转编制": "编制类型"}


def matter_list(
    *, user: Any, state: str = "", kind: str = "", unit: Unit | None = None, q: str = ""
) -> QuerySet[Matter]:
    """The matters the user may see, newest first, filtered."""
    qs = restrict(Matter.objects.all(), user, Action.VIEW)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(pk__in=Matter.units.through.objects.filter(unit_id=unit.pk).values("matter_id"))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(document_number__icontains=q))
    return qs.select_related("created_by").order_by("-created_at", "-id")


def matter_get(*, user: Any, pk: int) -> Matter | None:
    """One matter the user may see, or ``None`` (whether it exists elsewhere or nowhere)."""
    return (
        restrict(Matter.objects.filter(pk=pk), user, Action.VIEW)
        .select_related("created_by", "amends", "change_set")
        .prefetch_related("units", "steps", "countersigns", "corrections")
        .first()
    )


# ---------------------------------------------------------------- the ledger (台账)


@dataclass
class LedgerEntry:
    """One changed value: ``item`` (编制类型, 职数类别 or the 机构 column), before, after and delta (for
    counts), the day it took effect, its 文号 and source (an executed matter, or the office's import
    or correction — ``bypasses``: 未经审批流程)."""

    day: dt.date | None
    recorded_at: dt.datetime
    entity: str
    unit: str
    item: str
    before: Any
    after: Any
    delta: int | None
    document_number: str
    source: str
    reason: str
    bypasses: bool
    matter_id: int | None = None
    matter_title: str = ""
    change_set_id: int | None = None
    actor: str = ""


@dataclass
class UnitRegister:
    """A unit's register as of a day: name, rank, parent, quotas, positions (approved and actual)."""

    day: dt.date
    code: str
    name: str = ""
    kind: str = ""
    rank: str = ""
    parent: str = ""
    active: bool = False
    staffing: list[dict[str, Any]] = field(default_factory=list)
    positions: list[dict[str, Any]] = field(default_factory=list)
    loans: int = 0


def _records(unit: Unit) -> QuerySet[ChangeRecord]:
    code = unit.code
    # exact keys (indexed) rather than a prefix: the change log holds a record per person too
    loans = TurnoverLoan.objects.filter(unit=unit).values_list("staffing_type", "start_date").distinct()
    keys = [
        code,
        *(f"{code}/{t}" for t in StaffingType.values),
        *(f"{code}/{c}" for c in PositionCategory.values),
        *(f"{code}/{t}/{start.isoformat()}" for t, start in loans),
    ]
    mine = Q(key__in=keys)
    divisions = Q(entity="机构") & (Q(after__上级机构代码=code) | Q(before__上级机构代码=code))
    return (
        ChangeRecord.objects.filter(entity__in=LEDGER_ENTITIES)
        .filter(mine | divisions)
        .select_related("change_set", "change_set__user")
        .order_by("change_set__created_at", "id")
    )


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _entries(record: ChangeRecord, code: str) -> list[dict[str, Any]]:
    """The changed values of one record, for the ledger of ``code``."""
    before, after = record.before or {}, record.after or {}
    entity = record.entity
    if entity in COUNTS:
        column = COUNTS[entity]
        item = str(after.get(ITEMS[entity]) or before.get(ITEMS[entity]) or record.key.split("/", 1)[-1].split("/")[0])
        if entity == "周转编制":
            item = f"周转编制 {record.key.split('/', 1)[-1]}"
        if column not in after and column not in before:
            return [{"item": f"{item} {h}", "before": before.get(h), "after": after.get(h)} for h in after]
        old, new = (before.get(column) if record.before is not None else None), after.get(column)
        delta = (_number(new) or 0) - (_number(old) or 0) if _number(new) is not None else None
        return [{"item": item, "before": old, "after": new, "delta": delta}]
    if entity == "职责":
        return [{"item": "职责调整", "before": None, "after": after.get("职责调整")}]
    # 机构: the unit itself, or an internal division / affiliated unit below it
    if record.key != code:
        name = after.get("机构名称") or before.get("机构名称") or record.key
        if record.before is None:
            return [{"item": "下设机构", "before": None, "after": f"设立 {record.key} {name}"}]
        if "上级机构代码" in after:
            moved = "划入" if after.get("上级机构代码") == code else "划出"
            return [{"item": "下设机构", "before": None, "after": f"{moved} {record.key}"}]
        return []
    if record.before is None:
        return [{"item": "设立", "before": None, "after": after.get("机构名称")}]
    return [{"item": h, "before": before.get(h), "after": after.get(h)} for h in after]


def _matters_by_change_set(ids: set[int]) -> dict[int, Matter]:
    return {m.change_set_id: m for m in Matter.objects.filter(change_set_id__in=ids) if m.change_set_id}


def _starts(records: list[ChangeRecord]) -> dict[tuple[int, str, str], dt.date]:
    """When the versions each change set wrote start, per (change set, unit code, item): a first
    import's rows hold from the beginning of the register (None in the ledger), not from its day."""
    ids = {r.change_set_id for r in records}
    codes = {r.key.split("/", 1)[0] for r in records}
    starts: dict[tuple[int, str, str], dt.date] = {}
    for model, item in ((StaffingQuota, "staffing_type"), (PositionQuota, "category")):
        for cs, code, name, start in model.objects.filter(change_set_id__in=ids, unit__code__in=codes).values_list(
            "change_set_id", "unit__code", item, "valid_from"
        ):
            starts[(cs, code, name)] = start
    for cs, code, start in UnitVersion.objects.filter(change_set_id__in=ids, unit__code__in=codes).values_list(
        "change_set_id", "unit__code", "valid_from"
    ):
        starts[(cs, code, "")] = start
    return starts


def ledger(*, user: Any, unit: Unit, as_of: dt.date | None = None) -> list[LedgerEntry]:
    """台账 of ``unit``: every change of its quotas, positions, loans and structure, oldest first
    (up to ``as_of`` when given). A change set that is not an executed matter's and bypassed the
    procedure (an import, a correction by the office) is marked ``bypasses``. Reasons are masked for
    the roles that see ID numbers masked; the operator only for those who read the change log."""
    if not can(user, Action.VIEW, unit):
        return []
    whole = sees_every_number(user)
    log_reader = can(user, Action.VIEW_CHANGELOG)
    records = list(_records(unit))
    matters = _matters_by_change_set({r.change_set_id for r in records})
    starts = _starts(records)
    out: list[LedgerEntry] = []
    for record in records:
        change_set: ChangeSet = record.change_set
        day = change_set.effective
        parts = record.key.split("/")
        start = starts.get(
            (change_set.pk, parts[0], parts[1] if len(parts) > 1 and record.entity != "周转编制" else "")
        )
        if start is not None:
            day = None if start == BEGINNING else start
        if as_of is not None and day is not None and day > as_of:
            continue
        matter = matters.get(change_set.pk)
        for entry in _entries(record, unit.code):
            out.append(
                LedgerEntry(
                    day=day,
                    recorded_at=change_set.created_at,
                    entity=record.entity,
                    unit=record.key.split("/", 1)[0],
                    item=entry["item"],
                    before=entry.get("before"),
                    after=entry.get("after"),
                    delta=entry.get("delta"),
                    document_number=shown_text(change_set.document_number, whole=whole),
                    source=f"机构编制事项 #{matter.pk}" if matter else change_set.get_source_display(),
                    reason=shown_text(change_set.reason, whole=whole),
                    bypasses=change_set.bypasses_approval and matter is None,
                    matter_id=matter.pk if matter else None,
                    matter_title=matter.title if matter else "",
                    change_set_id=change_set.pk if log_reader else None,
                    actor=change_set.actor if log_reader else "",
                )
            )
    out.sort(key=lambda e: (e.day is not None, e.day or BEGINNING, e.recorded_at))
    return out


def ledger_days(entries: list[LedgerEntry]) -> list[dt.date]:
    """The distinct effective days of the entries, in order (the page's slider stops)."""
    return sorted({e.day for e in entries if e.day is not None})


def unit_register(*, unit: Unit, day: dt.date) -> UnitRegister:
    """The unit's register as of ``day``: name, kind, rank, parent; approved and actual staffing per
    type (loans in use included in approved, domain.md §3) and approved and actual positions."""
    result = UnitRegister(day=day, code=unit.code)
    version = UnitVersion.objects.filter(UnitVersion.as_of(day), unit=unit).select_related("parent").first()
    if version is not None:
        result.name, result.kind, result.rank = version.name, version.kind, version.rank
        result.parent = version.parent.code if version.parent else ""
    result.active = Unit.objects.filter(Unit.active_on(day), pk=unit.pk).exists()
    quotas = dict(
        StaffingQuota.objects.filter(StaffingQuota.as_of(day), unit=unit).values_list("staffing_type", "approved")
    )
    loans: dict[str, int] = {}
    for loan in TurnoverLoan.objects.filter(TurnoverLoan.as_of(day), unit=unit).filter(TurnoverLoan.in_use_on(day)):
        loans[loan.staffing_type] = loans.get(loan.staffing_type, 0) + loan.quantity
    actual = {t: n for (u, t), n in actual_by_unit_type(day, [unit.pk]).items() if u == unit.pk}
    for staffing_type in sorted(set(quotas) | set(loans) | set(actual)):
        approved = quotas.get(staffing_type, 0) + loans.get(staffing_type, 0)
        result.staffing.append(
            {
                "staffing_type": staffing_type,
                "quota": quotas.get(staffing_type, 0),
                "loans": loans.get(staffing_type, 0),
                "approved": approved,
                "actual": actual.get(staffing_type, 0),
            }
        )
    result.loans = sum(loans.values())
    positions = dict(
        PositionQuota.objects.filter(PositionQuota.as_of(day), unit=unit).values_list("category", "approved")
    )
    leaders = {c: n for (u, c), n in leaders_by_unit_category(day, [unit.pk]).items() if u == unit.pk}
    for category in sorted(set(positions) | set(leaders)):
        result.positions.append(
            {"category": category, "approved": positions.get(category, 0), "actual": leaders.get(category, 0)}
        )
    return result


def visible_unit(*, user: Any, code: str) -> Unit | None:
    """The unit ``code`` if the user may see it (404 otherwise, whether it exists or not)."""
    return restrict(Unit.objects.filter(code=code), user, Action.VIEW).first()
