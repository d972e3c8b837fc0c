"""Reads for the pages, each scoped by the permission choke point (``bianzhi.accounts.permissions``).

They build on the register's and supervision's own selectors and services and add what a page
needs: the units a user may see as of a day, their figures rolled up, the alerts of a day with ID
numbers masked per role (domain.md §11), a unit's tables and its history.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from bianzhi.accounts.models import Role
from bianzhi.accounts.permissions import (
    Action,
    can,
    id_for,
    mask_id_number,
    restrict,
    roles_of,
    scope,
    sees_full_id,
)
from bianzhi.accounts.privacy import (
    person_ref,
    sees_every_number,
    shown_age,
    shown_birth_date,
    shown_month,
    shown_text,
)
from bianzhi.core.dates import BEGINNING, END, SHANGHAI, today
from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.registry import selectors as registry
from bianzhi.registry.models import (
    Division,
    Person,
    PersonVersion,
    PositionQuota,
    StaffingQuota,
    Suspension,
    TurnoverLoan,
    Unit,
    UnitVersion,
)
from bianzhi.registry.selectors import RollUp, StaffingFigures
from bianzhi.registry.trees import descendants_with_depth, subtree_ids
from bianzhi.supervision.models import MonitoringRun, Severity
from bianzhi.supervision.rulebook import all_rules
from bianzhi.supervision.selectors import current_alerts, latest_full_run

#: Alert colours of the unit tree: the highest severity of a unit's alerts, green without any.
COLOUR_OF_SEVERITY: dict[str, str] = {Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "blue"}
SEVERITY_RANK: dict[str, int] = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}
GREEN = "green"

#: Change-log entities keyed by a unit code (``code`` or ``code/…``); people are keyed by ID number.
UNIT_ENTITIES = ("机构", "编制", "职数", "周转编制", "暂缓审批")


# ---------------------------------------------------------------- who the user is


@dataclass(frozen=True)
class Grant:
    role: str
    label: str
    unit_code: str = ""
    unit_name: str = ""


def user_grants(*, user: Any) -> list[Grant]:
    """The user's roles, with the unit (code and current name) of each 单位人事干部 grant."""
    grants = list(dict.fromkeys(roles_of(user)))  # a superuser with an admin grant is one 编办管理员
    unit_ids = {unit_id for _, unit_id in grants if unit_id}
    names = {
        v.unit_id: (v.unit.code, v.name)
        for v in UnitVersion.objects.filter(unit_id__in=unit_ids, valid_to=END).select_related("unit")
    }
    result = []
    for role, unit_id in sorted(grants, key=lambda g: (list(Role.values).index(g[0]), g[1] or 0)):
        code, name = names.get(unit_id, ("", "")) if unit_id else ("", "")
        result.append(Grant(role=role, label=Role(role).label, unit_code=code, unit_name=name))
    return result


def visible_unit_ids(*, user: Any) -> set[int]:
    """Ids of every unit the user may see (all units for district-wide roles)."""
    return set(restrict(Unit.objects.all(), user, Action.VIEW).values_list("pk", flat=True))


# ---------------------------------------------------------------- figures


@dataclass
class ScopeFigures:
    """The figures of the units a user may see as of a day, rolled up (domain.md §3)."""

    units: int
    staffing: dict[str, StaffingFigures] = field(default_factory=dict)
    leaders: dict[str, int] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)

    @property
    def totals(self) -> StaffingFigures:
        """All staffing types together, for the headline: each part is a per-unit, per-type sum
        (vacancy and excess are never netted, domain.md §3)."""
        total = StaffingFigures()
        for figures in self.staffing.values():
            total.add(figures)
        return total


def scope_figures(*, user: Any, day: dt.date) -> ScopeFigures:
    """Per-unit figures (SQL aggregates) of the visible active units, added up per staffing type —
    vacancies and excesses summed unit by unit, never netted (domain.md §3)."""
    visible = visible_unit_ids(user=user)
    roll = RollUp(key="scope")
    for unit_id, figures in registry.unit_figures(day).items():
        if unit_id in visible:
            roll.add(figures)
    return ScopeFigures(units=roll.units, staffing=roll.staffing, leaders=roll.leaders, positions=roll.positions)


def unit_staffing_rows(*, unit: Unit, day: dt.date) -> list[dict[str, Any]]:
    """One row per staffing type of a unit: quota, loans in use, approved, actual, vacancy and rate,
    reserved (在途) and usable (domain.md §3). Empty when the unit is not active on D."""
    ids = [unit.pk]
    quota = registry.quota_by_unit_type(day, ids)
    loans = registry.loans_in_use_by_unit_type(day, ids)
    actual = registry.actual_by_unit_type(day, ids)
    reserved = registry.reserved_by_unit_type(day, ids)
    approved = registry.approved_by_unit_type(day, ids)
    rows = []
    for _, staffing_type in sorted(set(quota) | set(loans) | set(actual) | set(reserved)):
        key = (unit.pk, staffing_type)
        figures = StaffingFigures(
            approved=approved.get(key, 0),
            actual=actual.get(key, 0),
            vacancy=max(0, approved.get(key, 0) - actual.get(key, 0)),
            over=max(0, actual.get(key, 0) - approved.get(key, 0)),
            reserved=reserved.get(key, 0),
        )
        rows.append(
            {"staffing_type": staffing_type, "quota": quota.get(key, 0), "loans": loans.get(key, 0)}
            | figures_row(figures)
        )
    return rows


def figures_row(figures: StaffingFigures) -> dict[str, Any]:
    return {
        "approved": figures.approved,
        "actual": figures.actual,
        "vacancy": figures.vacancy,
        "vacancy_rate": figures.vacancy_rate,
        "over": figures.over,
        "reserved": figures.reserved,
        "usable": figures.usable,
    }


def unit_position_rows(*, unit: Unit, day: dt.date) -> list[dict[str, Any]]:
    """Approved leader positions (职数) against leaders on staff, per category (0 without a row)."""
    positions = registry.positions_by_unit_category(day, [unit.pk])
    leaders = registry.leaders_by_unit_category(day, [unit.pk])
    rows = []
    for _, category in sorted(set(positions) | set(leaders)):
        key = (unit.pk, category)
        approved, actual = positions.get(key, 0), leaders.get(key, 0)
        rows.append(
            {
                "category": category,
                "approved": approved,
                "actual": actual,
                "vacancy": max(0, approved - actual),
                "over": max(0, actual - approved),
            }
        )
    return rows


# ---------------------------------------------------------------- units


def unit_get(*, user: Any, code: str) -> Unit | None:
    """The unit with this code if the user may see it (another unit is simply not found)."""
    return restrict(Unit.objects.filter(code=code), user, Action.VIEW).first()


def unit_version_as_of(*, user: Any, unit: Unit, day: dt.date) -> UnitVersion | None:
    qs = UnitVersion.objects.filter(UnitVersion.as_of(day), unit=unit).select_related("unit", "parent")
    return restrict(qs, user, Action.VIEW).first()


def unit_tree_versions(*, user: Any, day: dt.date, include_inactive: bool = False) -> QuerySet[UnitVersion]:
    """The attributes as of D of every unit the user may see (active ones unless asked)."""
    qs = registry.unit_versions_as_of(day, active=not include_inactive)
    return restrict(qs, user, Action.VIEW).select_related("unit", "parent")


def subtree_unit_ids(*, code: str, day: dt.date | None) -> set[int]:
    """The unit ``code`` and its descendants active as of D (the members of its subtree total, as
    ``registry.department_of`` counts them); empty for an unknown code. Callers scope the rows."""
    day = day or today()
    top = Unit.objects.filter(code=code).values_list("pk", flat=True).first()
    if top is None:
        return set()
    members = subtree_ids([top], day=day)
    return set(registry.unit_versions_as_of(day).filter(unit_id__in=members).values_list("unit_id", flat=True))


def tree_order(*, user: Any, day: dt.date, include_inactive: bool = False) -> dict[int, tuple[int, int]]:
    """unit id → (position in tree order, depth) over the units the user may see as of D: the
    district's top units (or a unit HR officer's own units) first, each followed by its subtree."""
    rows = unit_tree_versions(user=user, day=day, include_inactive=include_inactive).values_list(
        "unit_id", "parent_id", "unit__code"
    )
    versions = {unit_id: parent for unit_id, parent, _ in rows}
    codes = {unit_id: code for unit_id, _, code in rows}
    roots = sorted(
        (unit_id for unit_id, parent in versions.items() if parent is None or parent not in versions),
        key=lambda unit_id: codes[unit_id],
    )
    order: dict[int, tuple[int, int]] = {}
    for unit_id, depth in descendants_with_depth(roots, day=day).items():
        if unit_id in versions and unit_id not in order:
            order[unit_id] = (len(order), depth)
    return order


def division_names() -> dict[str, str]:
    return dict(Division.objects.values_list("code", "name"))


def region_choices(*, user: Any, day: dt.date) -> list[tuple[str, str]]:
    """The divisions (区划) of the units the user may see, with their names."""
    names = division_names()
    regions = sorted(
        set(
            unit_tree_versions(user=user, day=day, include_inactive=True)
            .exclude(region="")
            .values_list("region", flat=True)
        )
    )
    return [(code, f"{code} {names.get(code, '')}".strip()) for code in regions]


def unit_choices(*, user: Any, day: dt.date) -> list[tuple[str, str]]:
    return [
        (code, f"{name}（{code}）")
        for code, name in unit_tree_versions(user=user, day=day, include_inactive=True)
        .order_by("unit__code")
        .values_list("unit__code", "name")
    ]


def loan_list(*, user: Any, unit: Unit, day: dt.date) -> QuerySet[TurnoverLoan]:
    """The unit's loans of that day: lent by then (使用日期 ≤ D), as they stood on D."""
    qs = TurnoverLoan.objects.filter(TurnoverLoan.as_of(day), unit=unit, start_date__lte=day)
    return restrict(qs, user, Action.VIEW).order_by("staffing_type", "start_date", "pk")


def quota_list(*, user: Any, unit: Unit, day: dt.date) -> QuerySet[StaffingQuota]:
    qs = StaffingQuota.objects.filter(StaffingQuota.as_of(day), unit=unit)
    return restrict(qs, user, Action.VIEW).order_by("staffing_type")


def suspension_list(*, user: Any, unit: Unit) -> QuerySet[Suspension]:
    return restrict(Suspension.objects.filter(unit=unit), user, Action.VIEW).order_by("-started_on", "-pk")


def suspension_in_force(*, user: Any, unit: Unit, day: dt.date) -> Suspension | None:
    """The 暂缓审批 in force on D, if any (domain.md §9)."""
    return suspension_list(user=user, unit=unit).filter(Suspension.in_force_on(day)).first()


def suspended_unit_ids(*, user: Any, day: dt.date) -> set[int]:
    """Units (among those the user may see) with a 暂缓审批 in force on D."""
    qs = Suspension.objects.filter(Suspension.in_force_on(day))
    return set(restrict(qs, user, Action.VIEW).values_list("unit_id", flat=True))


def unit_version_history(*, user: Any, unit: Unit) -> QuerySet[UnitVersion]:
    """Every period of the unit's attributes (its effective-dated versions), newest first."""
    return (
        restrict(UnitVersion.objects.filter(unit=unit), user, Action.VIEW)
        .select_related("parent")
        .order_by("-valid_from")
    )


def unit_change_records(*, user: Any, unit: Unit) -> QuerySet[ChangeRecord]:
    """The change-log records about the unit and its quotas, positions, loans and suspensions, for
    the roles that may read the change log (none for the others)."""
    qs = ChangeRecord.objects.filter(entity__in=UNIT_ENTITIES).filter(
        Q(key=unit.code) | Q(key__startswith=f"{unit.code}/")
    )
    return restrict(qs, user, Action.VIEW_CHANGELOG).select_related("change_set", "change_set__user")


# ---------------------------------------------------------------- a unit's history (机构沿革)

#: The attributes of a unit version the history follows, in the order their changes are listed.
HISTORY_FIELDS = (
    "name",
    "kind",
    "parent",
    "rank",
    "sequence",
    "region",
    "institution_class",
    "civil_servant_managed",
    "funding",
    "credit_code",
    "approved_divisions",
    "priority_tags",
)
#: Order of the entries of one day: established, created, attributes, quotas, positions, abolished.
HISTORY_KINDS = ("established", "created", "attribute", "staffing", "position", "abolished")


@dataclass(frozen=True)
class HistoryEntry:
    """One dated event of a unit's history (机构沿革). ``day`` is ``None`` for what holds from the
    beginning of the register (shown as 最初). The change set's number, operator and time are given
    only to the roles that read the change log; its 文号 and reason to everyone who sees the unit
    (the reason with ID numbers masked for the roles that see them masked). ``continues`` marks an
    entry of the same day and change set as the one before it."""

    day: dt.date | None
    kind: str
    text: str
    document_number: str = ""
    reason: str = ""
    source: str = ""
    change_set_id: int | None = None
    actor: str = ""
    time: dt.datetime | None = None
    continues: bool = False

    @property
    def day_text(self) -> str:
        return "最初" if self.day is None else self.day.isoformat()

    @property
    def provenance(self) -> str:
        """``变更批次 #N，文号 …，理由 …，操作人 …，时间 …`` — the parts the user may see and that exist."""
        parts = []
        if self.change_set_id is not None:
            parts.append(f"变更批次 #{self.change_set_id}")
        if self.document_number:
            parts.append(f"文号 {self.document_number}")
        if self.reason:
            parts.append(f"理由 {self.reason}")
        if self.actor:
            parts.append(f"操作人 {self.actor}")
        if self.time is not None:
            parts.append(f"时间 {timezone.localtime(self.time, SHANGHAI):%Y-%m-%d %H:%M}")
        return "，".join(parts)


def unit_history(unit: Unit, user: Any) -> list[HistoryEntry]:
    """The unit's history in date order (domain.md §2 "History"): 成立, the creation of its first
    version with the change set that made it, each change of an attribute between consecutive
    versions, each change of its staffing quotas (核定编制) and positions (核定职数), and 撤销 — read
    through the permission choke point like the rest of the unit page."""
    versions = list(
        restrict(UnitVersion.objects.filter(unit=unit), user, Action.VIEW)
        .select_related("parent", "change_set", "change_set__user")
        .order_by("valid_from")
    )
    if not versions:
        return []
    whole = sees_every_number(user)  # free text may quote anyone's number (domain.md §11)
    sees_log = can(user, Action.VIEW_CHANGELOG)
    raw: list[tuple[dt.date, str, str, ChangeSet | None]] = []  # (day, kind, text, change set)

    first = versions[0]
    source = ChangeSet.Source(first.change_set.source).label if first.change_set else ""
    raw.append((first.valid_from, "created", f"由{source}创建" if source else "创建", first.change_set))
    parents = _parent_names(user, {v.parent_id for v in versions if v.parent_id is not None})
    regions = division_names()
    labels = {f.name: str(f.verbose_name) for f in UnitVersion._meta.fields}
    for before, after in pairwise(versions):
        for name in HISTORY_FIELDS:
            old, new = _attribute(before, name, parents, regions), _attribute(after, name, parents, regions)
            if old != new:
                label = "更名：" if name == "name" else f"{labels[name]} "
                raw.append((after.valid_from, "attribute", f"{label}{old} → {new}", after.change_set))

    staffing: list[tuple[str, StaffingQuota | PositionQuota]] = [
        (q.staffing_type, q)
        for q in restrict(StaffingQuota.objects.filter(unit=unit), user, Action.VIEW).select_related("change_set")
    ]
    positions: list[tuple[str, StaffingQuota | PositionQuota]] = [
        (p.category, p)
        for p in restrict(PositionQuota.objects.filter(unit=unit), user, Action.VIEW).select_related("change_set")
    ]
    raw += _quota_changes("staffing", str(StaffingQuota._meta.verbose_name), staffing)
    raw += _quota_changes("position", str(PositionQuota._meta.verbose_name), positions)

    identity = _identity_change_sets(user, unit) if sees_log else {}
    if unit.established is not None:
        raw.append((unit.established, "established", "成立", identity.get(("成立日期", unit.established.isoformat()))))
    if unit.abolished is not None:
        raw.append((unit.abolished, "abolished", "撤销", identity.get(("撤销日期", unit.abolished.isoformat()))))

    raw.sort(key=lambda item: (item[0], HISTORY_KINDS.index(item[1])))  # stable: versions in order
    entries: list[HistoryEntry] = []
    previous: tuple[dt.date, int | None] | None = None
    for day, kind, text, change_set in raw:
        batch = (day, change_set.pk if change_set else None)
        reason = change_set.reason if change_set else ""
        entries.append(
            HistoryEntry(
                day=None if day == BEGINNING else day,
                kind=kind,
                text=text,
                document_number=shown_text(change_set.document_number, whole=whole) if change_set else "",
                reason=shown_text(reason, whole=whole),
                source=ChangeSet.Source(change_set.source).label if change_set else "",
                change_set_id=change_set.pk if change_set and sees_log else None,
                actor=_actor(change_set) if change_set and sees_log else "",
                time=change_set.created_at if change_set and sees_log else None,
                continues=change_set is not None and batch == previous,
            )
        )
        previous = batch
    return entries


def _attribute(version: UnitVersion, name: str, parents: dict[int, list[UnitVersion]], regions: dict[str, str]) -> str:
    """An attribute of a version as shown in the history ("—" when empty)."""
    if name == "parent":
        if version.parent_id is None:
            return "—"
        code = version.parent.code if version.parent else ""
        day = version.valid_from
        named = [v for v in parents.get(version.parent_id, []) if v.valid_from <= day < v.valid_to]
        named = named or parents.get(version.parent_id, [])[-1:]
        return f"{named[0].name}（{code}）" if named else code
    value = getattr(version, name)
    if name == "region" and value:
        return f"{value} {regions.get(value, '')}".strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    return "—" if value in (None, "") else str(value)


def _parent_names(user: Any, unit_ids: set[int]) -> dict[int, list[UnitVersion]]:
    """The versions (oldest first) of the parent units the user may see, for their names."""
    result: dict[int, list[UnitVersion]] = defaultdict(list)
    qs = restrict(UnitVersion.objects.filter(unit_id__in=unit_ids), user, Action.VIEW).order_by("valid_from")
    for version in qs.only("unit_id", "name", "valid_from", "valid_to"):
        result[version.unit_id].append(version)
    return result


def _quota_changes(
    kind: str, label: str, rows: list[tuple[str, StaffingQuota | PositionQuota]]
) -> list[tuple[dt.date, str, str, ChangeSet | None]]:
    """The changes of one unit's quotas of each type: the first number, each new number and the
    end of a quota that no later version continues."""
    by_type: dict[str, list[StaffingQuota | PositionQuota]] = defaultdict(list)
    for key, quota in rows:
        by_type[key].append(quota)
    result: list[tuple[dt.date, str, str, ChangeSet | None]] = []
    for key, quotas in sorted(by_type.items()):
        quotas.sort(key=lambda q: q.valid_from)
        previous: StaffingQuota | PositionQuota | None = None
        for quota in quotas:
            if previous is None or previous.valid_to < quota.valid_from:
                result.append((quota.valid_from, kind, f"{label} {key} {quota.approved}", quota.change_set))
            elif previous.approved != quota.approved:
                text = f"{label} {key} {previous.approved} → {quota.approved}"
                result.append((quota.valid_from, kind, text, quota.change_set))
            previous = quota
        if previous is not None and previous.valid_to != END:
            result.append((previous.valid_to, kind, f"{label} {key} {previous.approved} → 0", None))
    return result


def _identity_change_sets(user: Any, unit: Unit) -> dict[tuple[str, str], ChangeSet]:
    """(成立日期 or 撤销日期, the date) → the latest change set of the change log that set it (for
    the roles that read the log): the unit's own dates are not versioned, only logged. The change set
    that created the unit is already the history's "created" entry: only later changes count."""
    result: dict[tuple[str, str], ChangeSet] = {}
    records = unit_change_records(user=user, unit=unit).filter(entity="机构", key=unit.code)
    for record in records.exclude(action=ChangeRecord.Action.CREATE).order_by("pk"):
        for field_name in ("成立日期", "撤销日期"):
            value = (record.after or {}).get(field_name)
            if value and value != (record.before or {}).get(field_name):
                result[(field_name, str(value))] = record.change_set
    return result


def _actor(change_set: ChangeSet) -> str:
    if change_set.actor:
        return change_set.actor
    return change_set.user.get_username() if change_set.user_id and change_set.user else ""


# ---------------------------------------------------------------- people


def person_list(
    *, user: Any, day: dt.date, unit: Unit | None = None, on_staff: bool = False
) -> QuerySet[PersonVersion]:
    """People's attributes as of D that the user may see (optionally of one unit, on staff only)."""
    qs = registry.people_on_staff(day) if on_staff else PersonVersion.objects.filter(PersonVersion.as_of(day))
    if unit is not None:
        qs = qs.filter(unit=unit)
    return restrict(qs, user, Action.VIEW).select_related("person", "unit")


def person_search_filter(text: str) -> Q:
    """A name (or part of one) or a full ID number — never part of a number, so a masked number
    cannot be guessed digit by digit (domain.md §11)."""
    text = text.strip()
    return Q(name__icontains=text) | Q(person__id_number=text.upper())


def masks_someone(user: Any) -> bool:
    """Whether some person the user may see is shown to them masked (domain.md §11): every
    district-wide reader without whole numbers, or a user whose view reaches beyond the units whose
    numbers it sees whole. A unit HR officer sees all its people whole."""
    whole = scope(user, Action.VIEW_FULL_ID)
    if whole.everything:
        return False
    view = scope(user, Action.VIEW)
    return view.everything or not view.units <= whole.units


def person_row(*, user: Any, version: PersonVersion, day: dt.date, unit_names: dict[int, str]) -> dict[str, Any]:
    """A person as the user may see them (domain.md §11). Masked: the ID number masked, no birth
    date (it is part of the number), the age as of 1 January of the day's year and retirement
    months as years — nothing derived from the birth date finer than the year. ``ref`` is the
    opaque id a link to the person uses, never the number."""
    whole = sees_full_id(user, version.unit_id)
    person: Person = version.person
    return {
        "ref": person_ref(person.pk),
        "name": version.name,
        "id_number": id_for(user, person.id_number, version.unit_id),
        "gender": version.gender,
        "birth_date": shown_birth_date(version.birth_date, whole=whole),
        "age": shown_age(version.birth_date, day, whole=whole),
        "unit_code": version.unit.code,
        "unit_name": unit_names.get(version.unit_id, ""),
        "staffing_type": version.staffing_type,
        "category": version.category,
        "post": version.post,
        "position_category": version.position_category,
        "status": version.status_on(day),
        "entry_date": version.entry_date,
        "left_date": version.left_on if version.left_on and version.left_on <= day else None,
        "retirement_month": shown_month(version.retirement_month, whole=whole),
        # 批准退休年月 (domain.md §5): an approved flexible retirement replaces the statutory month
        "approved_retirement_month": shown_month(version.approved_retirement_month, whole=whole),
    }


def unit_names_as_of(unit_ids: set[int], day: dt.date) -> dict[int, str]:
    """The names of units as of D (their latest name for units not in force that day)."""
    names = dict(UnitVersion.objects.filter(unit_id__in=unit_ids).order_by("valid_from").values_list("unit_id", "name"))
    names.update(
        UnitVersion.objects.filter(UnitVersion.as_of(day), unit_id__in=unit_ids).values_list("unit_id", "name")
    )
    return names


# ---------------------------------------------------------------- alerts


@dataclass
class DayAlerts:
    """The current alerts of a day the user may see (domain.md §4): the latest stored full run of
    that day (``run``, so its number can be cited) with the later partial runs laid over it
    (``partial_runs``), or evaluated on the spot without a full run."""

    day: dt.date
    run: MonitoringRun | None
    rows: list[dict[str, Any]]
    partial_runs: list[MonitoringRun] = field(default_factory=list)

    def colours(self) -> dict[str, str]:
        """unit code → colour of its highest-severity alert."""
        best: dict[str, str] = {}
        for row in self.rows:
            code, severity = row["unit"], row["severity"]
            if code and SEVERITY_RANK.get(severity, 0) > SEVERITY_RANK.get(best.get(code, ""), 0):
                best[code] = severity
        return {code: COLOUR_OF_SEVERITY[severity] for code, severity in best.items()}

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for row in self.rows:
            counts[row["severity"]] += 1
        return {severity: counts.get(severity, 0) for severity in Severity.values}


def rule_names() -> dict[str, str]:
    return {rule.id: rule.name for rule in all_rules()}


def rule_descriptions() -> dict[str, str]:
    """rule id → its explanation (the negative-list item it enforces)."""
    return {rule.id: rule.description for rule in all_rules()}


def latest_run(day: dt.date) -> MonitoringRun | None:
    return latest_full_run(day)


#: Keys of an alert holding a month derived from a person's birth date (``YYYY-MM``).
BIRTH_DERIVED_ALERT_KEYS = ("retirement_month",)


def shown_alert_text(alert: dict[str, Any], *, day: dt.date, whole: bool) -> str | None:
    """An alert's message as the user sees it, or ``None`` when the alert itself would give away a
    hidden digit (domain.md §11). Masked: every ID number in it masked, a retirement month as its
    year — and an alert that a person is over retirement age is shown from 1 January of the year
    after the retirement month on: it first appears the month after retirement, so seeing it appear
    during the year would tell the month (the same rule as the age, seen as of 1 January)."""
    message = str(alert.get("message", ""))
    if whole:
        return message
    derived = []
    for key in BIRTH_DERIVED_ALERT_KEYS:
        month = str(alert.get(key) or "")
        if len(month) >= 7 and month[:4].isdigit():
            if int(month[:4]) >= day.year:
                return None
            derived.append(month[:7])
    person = str(alert.get("person") or "")
    if len(person) == 18 and person[6:14].isdigit():  # the birth date, should a message quote it
        birth = person[6:14]
        derived += [f"{birth[:4]}-{birth[4:6]}-{birth[6:]}", f"{birth[:4]}-{birth[4:6]}"]
    for value in derived:  # longest first: a date before its month
        message = re.sub(rf"(?<![0-9]){re.escape(value)}(?![0-9])(?!-[0-9])", value[:4], message)
    return shown_text(message, whole=False)


def day_alerts(*, user: Any, day: dt.date) -> DayAlerts:
    """The current alerts of D (``bianzhi.supervision.selectors.current_alerts``, the one
    definition every page, export and API list shares) within the user's scope, ID numbers
    and months derived from birth dates masked per role (domain.md §11, ``shown_alert_text``)."""
    current = current_alerts(day=day)
    raw = current.alerts
    allowed_codes = set(
        restrict(
            Unit.objects.filter(code__in={a.get("unit") for a in raw if a.get("unit")}), user, Action.VIEW
        ).values_list("code", flat=True)
    )
    district = can(user, Action.VIEW)
    raw = [a for a in raw if (a.get("unit") in allowed_codes if a.get("unit") else district)]
    run = current.full_run
    codes = {a.get("unit") for a in raw if a.get("unit")}
    units = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
    names = unit_names_as_of(set(units.values()), day)
    sequences = dict(
        UnitVersion.objects.filter(UnitVersion.as_of(day), unit_id__in=units.values()).values_list(
            "unit__code", "sequence"
        )
    )
    regions = division_names()
    rules = rule_names()
    # the person an alert names, by the opaque id a link to their page uses (never the number)
    person_ids = dict(
        Person.objects.filter(id_number__in={a.get("person") for a in raw if a.get("person")}).values_list(
            "id_number", "pk"
        )
    )
    # their names (a name is not masked, domain.md §11): the version in force on D, else the latest
    person_names: dict[int, str] = {}
    for named_pk, name in (
        PersonVersion.objects.filter(person_id__in=set(person_ids.values()), valid_from__lte=day)
        .order_by("person_id", "valid_from")
        .values_list("person_id", "name")
    ):
        person_names[named_pk] = name
    rows = []
    for alert in raw:
        code = alert.get("unit") or ""
        person = alert.get("person") or ""
        # An alert of a unit is that unit's data; one of a division or the district, district-wide.
        whole = sees_full_id(user, units.get(code)) if code else sees_every_number(user)
        message = shown_alert_text(alert, day=day, whole=whole)
        if message is None:
            continue
        if person and not whole:
            person = mask_id_number(person)
        person_pk = person_ids.get(alert.get("person") or "")
        region = alert.get("region") or ""
        rows.append(
            {
                "rule": alert["rule"],
                "rule_name": rules.get(alert["rule"], alert["rule"]),
                "severity": alert["severity"],
                "unit": code,
                "unit_name": names.get(units.get(code, 0), ""),
                "sequence": sequences.get(code, ""),
                "region": region,
                "region_name": regions.get(region, ""),
                "person": person,
                "person_ref": person_ref(person_pk) if person_pk is not None else "",
                "person_name": person_names.get(person_pk, "") if person_pk is not None else "",
                "message": message,
            }
        )
    return DayAlerts(day=day, run=run, rows=rows, partial_runs=list(current.partial_runs))
