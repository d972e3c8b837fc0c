"""Reads of the register as of a day D, with the figures of domain.md §3 as SQL aggregates.

Every figure looks at active units only and never nets one staffing type against another.
Roll-ups (department, sequence, division, district) add up per-unit figures computed in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from bianzhi.core.memo import shared
from bianzhi.registry.choices import LIMIT_KINDS, UnitKind
from bianzhi.registry.models import (
    InstitutionLimit,
    PersonVersion,
    PositionQuota,
    StaffingQuota,
    Suspension,
    TurnoverLoan,
    Unit,
    UnitVersion,
)


def _units_filter(unit_ids: Iterable[int] | None, field_name: str = "unit_id") -> Q:
    return Q() if unit_ids is None else Q(**{f"{field_name}__in": list(unit_ids)})


def unit_versions_as_of(day: dt.date, *, active: bool = True) -> QuerySet[UnitVersion]:
    """The attributes of every unit as of D (active units only unless ``active=False``)."""
    qs = UnitVersion.objects.filter(UnitVersion.as_of(day))
    if active:
        qs = qs.filter(Unit.active_on(day, prefix="unit__"))
    return qs


@shared
def unit_codes_as_of(day: dt.date, unit_ids: frozenset[int] | None = None) -> dict[int, str]:
    """unit id → code of the active units as of D (of ``unit_ids`` only, if given)."""
    qs = unit_versions_as_of(day)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return dict(qs.values_list("unit_id", "unit__code"))


def people_on_staff(day: dt.date, *, active: bool = True) -> QuerySet[PersonVersion]:
    """People on staff on D (domain.md §3), with their attributes as of D, in units active on D
    (in any unit, active or not, with ``active=False``: ``orphaned_staffing``)."""
    qs = PersonVersion.objects.filter(PersonVersion.as_of(day), PersonVersion.on_staff_on(day))
    return qs.filter(Unit.active_on(day, prefix="unit__")) if active else qs


def loans_in_use(day: dt.date, *, active: bool = True) -> QuerySet[TurnoverLoan]:
    """Loans in use on D (domain.md §3): 使用日期 ≤ D and not returned by D; in units active on D
    unless ``active=False``."""
    qs = TurnoverLoan.objects.filter(TurnoverLoan.as_of(day), TurnoverLoan.in_use_on(day))
    return qs.filter(Unit.active_on(day, prefix="unit__")) if active else qs


def quota_by_unit_type(day: dt.date, unit_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    rows = (
        StaffingQuota.objects.filter(StaffingQuota.as_of(day), Unit.active_on(day, prefix="unit__"))
        .filter(_units_filter(unit_ids))
        .values_list("unit_id", "staffing_type", "approved")
    )
    return {(u, t): n for u, t, n in rows}


def loans_in_use_by_unit_type(day: dt.date, unit_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """The 数量 of every loan 使用中 on D with 使用日期 ≤ D (domain.md §3 approved)."""
    rows = (
        loans_in_use(day)
        .filter(_units_filter(unit_ids))
        .values("unit_id", "staffing_type")
        .annotate(total=Sum("quantity"))
    )
    return {(r["unit_id"], r["staffing_type"]): r["total"] for r in rows}


@shared
def approved_by_unit_type(day: dt.date, unit_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """approved(u, t) = quota (0 without a row) + loans in use (domain.md §3)."""
    approved: dict[tuple[int, str], int] = defaultdict(int)
    for key, value in quota_by_unit_type(day, unit_ids).items():
        approved[key] += value
    for key, value in loans_in_use_by_unit_type(day, unit_ids).items():
        approved[key] += value
    return dict(approved)


@shared
def actual_by_unit_type(day: dt.date, unit_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """actual(u, t) = people on staff on D in u with staffing type t."""
    rows = (
        people_on_staff(day).filter(_units_filter(unit_ids)).values("unit_id", "staffing_type").annotate(n=Count("id"))
    )
    return {(r["unit_id"], r["staffing_type"]): r["n"] for r in rows}


def leaders_by_unit_category(day: dt.date, unit_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """leaders(u, c) = people on staff on D in u whose 职数类别 is c."""
    rows = (
        people_on_staff(day)
        .exclude(position_category="")
        .filter(_units_filter(unit_ids))
        .values("unit_id", "position_category")
        .annotate(n=Count("id"))
    )
    return {(r["unit_id"], r["position_category"]): r["n"] for r in rows}


def positions_by_unit_category(day: dt.date, unit_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    rows = (
        PositionQuota.objects.filter(PositionQuota.as_of(day), Unit.active_on(day, prefix="unit__"))
        .filter(_units_filter(unit_ids))
        .values_list("unit_id", "category", "approved")
    )
    return {(u, c): n for u, c, n in rows}


def limits_as_of(day: dt.date) -> dict[tuple[str, str], int]:
    rows = InstitutionLimit.objects.filter(InstitutionLimit.as_of(day)).values_list("region", "category", "limit")
    return {(r, c): n for r, c, n in rows}


def active_units_by_region_kind(day: dt.date, regions: Iterable[str] | None = None) -> dict[tuple[str, str], int]:
    qs = unit_versions_as_of(day)
    if regions is not None:
        qs = qs.filter(region__in=list(regions))
    rows = qs.values("region", "kind").annotate(n=Count("id"))
    return {(r["region"], r["kind"]): r["n"] for r in rows}


def limit_actual(counts: dict[tuple[str, str], int], region: str, category: str) -> int:
    """Active units a limit counts (domain.md §4 over_limit): 党政机构 = 党委工作机关 + 政府工作部门,
    事业单位 = 事业单位; ``counts`` comes from ``active_units_by_region_kind``."""
    return sum(counts.get((region, kind), 0) for kind in LIMIT_KINDS.get(category, ()))


def active_divisions_by_parent(day: dt.date, parents: Iterable[int] | None = None) -> dict[int, int]:
    """Active 内设机构 per parent unit as of D."""
    rows = (
        unit_versions_as_of(day)
        .filter(kind=UnitKind.INTERNAL_DIVISION, parent__isnull=False)
        .filter(_units_filter(parents, "parent_id"))
        .values("parent_id")
        .annotate(n=Count("id"))
    )
    return {r["parent_id"]: r["n"] for r in rows}


#: Providers of staffing reserved by approved staffing-use slips not yet filled (在途), keyed
#: (unit id, staffing type). The approvals app registers one; the register itself reserves nothing.
ReservationProvider = Callable[[dt.date, Iterable[int] | None], dict[tuple[int, str], int]]
RESERVATION_PROVIDERS: list[ReservationProvider] = []


def reserved_by_unit_type(day: dt.date, unit_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    reserved: dict[tuple[int, str], int] = defaultdict(int)
    for provider in RESERVATION_PROVIDERS:
        for key, value in provider(day, unit_ids).items():
            reserved[key] += value
    return dict(reserved)


def suspension_in_force(unit: Unit | int, day: dt.date) -> Suspension | None:
    """The suspension (暂缓审批, domain.md §9) of ``unit`` itself in force on D, or ``None``: started on or
    before D, not lifted by D (``lifted_on`` empty or after D), and ``planned_end`` empty or not before D
    (a suspension with a planned end stops being in force after it). The earliest started one first."""
    unit_id: int = unit.pk if isinstance(unit, Unit) else unit
    return (
        Suspension.objects.filter(Suspension.in_force_on(day), unit_id=unit_id)
        .filter(Q(planned_end__isnull=True) | Q(planned_end__gte=day))
        .order_by("started_on", "id")
        .first()
    )


# ---------------------------------------------------------------- figures and roll-ups


@dataclass
class StaffingFigures:
    """Figures of one staffing type for a unit or a roll-up (domain.md §3)."""

    approved: int = 0
    actual: int = 0
    vacancy: int = 0  # summed per unit, so an over-staffed unit never hides another's vacancy
    over: int = 0  # summed per-unit excess
    reserved: int = 0  # held by approved staffing-use slips not yet filled (在途)

    @property
    def usable(self) -> int:
        """approved − actual − reserved (domain.md §3); negative when over-staffed."""
        return self.approved - self.actual - self.reserved

    @property
    def vacancy_rate(self) -> float:
        return self.vacancy / self.approved if self.approved else 0.0

    def add(self, other: StaffingFigures) -> None:
        self.approved += other.approved
        self.actual += other.actual
        self.vacancy += other.vacancy
        self.over += other.over
        self.reserved += other.reserved


@dataclass
class UnitFigures:
    code: str
    name: str
    kind: str
    sequence: str
    region: str
    parent_id: int | None
    staffing: dict[str, StaffingFigures] = field(default_factory=dict)
    leaders: dict[str, int] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)


def unit_figures(day: dt.date) -> dict[int, UnitFigures]:
    """Per-unit figures as of D for every active unit: a handful of grouped SQL queries."""
    units = {
        r["unit_id"]: UnitFigures(
            code=r["unit__code"],
            name=r["name"],
            kind=r["kind"],
            sequence=r["sequence"],
            region=r["region"],
            parent_id=r["parent_id"],
        )
        for r in unit_versions_as_of(day).values(
            "unit_id", "unit__code", "name", "kind", "sequence", "region", "parent_id"
        )
    }
    approved = approved_by_unit_type(day)
    actual = actual_by_unit_type(day)
    reserved = reserved_by_unit_type(day)
    for unit_id, staffing_type in set(approved) | set(actual) | set(reserved):
        unit = units.get(unit_id)
        if unit is None:
            continue
        key = (unit_id, staffing_type)
        a, n = approved.get(key, 0), actual.get(key, 0)
        unit.staffing[staffing_type] = StaffingFigures(
            approved=a, actual=n, vacancy=max(0, a - n), over=max(0, n - a), reserved=reserved.get(key, 0)
        )
    for (unit_id, category), n in leaders_by_unit_category(day).items():
        if unit_id in units:
            units[unit_id].leaders[category] = n
    for (unit_id, category), n in positions_by_unit_category(day).items():
        if unit_id in units:
            units[unit_id].positions[category] = n
    return units


@dataclass
class RollUp:
    key: str
    units: int = 0
    staffing: dict[str, StaffingFigures] = field(default_factory=dict)
    leaders: dict[str, int] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)

    def add(self, unit: UnitFigures) -> None:
        self.units += 1
        for staffing_type, figures in unit.staffing.items():
            self.staffing.setdefault(staffing_type, StaffingFigures()).add(figures)
        for category, n in unit.leaders.items():
            self.leaders[category] = self.leaders.get(category, 0) + n
        for category, n in unit.positions.items():
            self.positions[category] = self.positions.get(category, 0) + n


def department_of(units: dict[int, UnitFigures]) -> dict[int, list[int]]:
    """For each unit, itself and every active descendant (the department view, domain.md §2)."""
    children: dict[int, list[int]] = defaultdict(list)
    for unit_id, unit in units.items():
        if unit.parent_id in units:
            children[unit.parent_id].append(unit_id)
    result: dict[int, list[int]] = {}
    for unit_id in units:
        members, stack = [], [unit_id]
        seen = set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            members.append(current)
            stack.extend(children.get(current, ()))
        result[unit_id] = members
    return result


def roll_up(day: dt.date, *, by: str) -> dict[str, RollUp]:
    """Figures rolled up ``by`` one of: department (unit code), sequence, region, district."""
    units = unit_figures(day)
    result: dict[str, RollUp] = {}
    if by == "department":
        for unit_id, members in department_of(units).items():
            roll = RollUp(key=units[unit_id].code)
            for member in members:
                roll.add(units[member])
            result[roll.key] = roll
        return result
    for unit in units.values():
        key = {"sequence": unit.sequence, "region": unit.region, "district": ""}[by]
        result.setdefault(key, RollUp(key=key)).add(unit)
    return result
