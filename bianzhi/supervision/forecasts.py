"""Forecasts beside retirements (domain.md §6): turnover loans falling due per month, and the
projected vacancy of each unit and staffing type over a horizon, rolled up.

Both read the register as of a day D (default today) and are scoped by the permission choke point:
a user sees the units it may view (``accounts.permissions.scope``). Neither names a person: the
vacancy counts retirements per unit and staffing type, an aggregate (domain.md §11).

Windows are months: ``start`` (a first day of a month) and ``months`` (N ≥ 1) cover the months
start … start + N − 1; the *end* is the first day of the month after them.

- A loan *falls due* in the window when it is in use on D (domain.md §3) and its 回收日期 is in the
  window.
- The projected vacancy of unit u and staffing type t over a horizon of N months from D's month is
  approved − actual − reserved + retiring − falling due, where approved, actual and reserved are
  those of D (domain.md §3), *retiring* counts the people on staff on D whose retirement month
  (批准退休年月, else statutory; domain.md §5) is before the end — those already past it included,
  as they are still on staff and will go — and *falling due* sums the 数量 of the loans in use on D
  due before the end — overdue ones included: a returned loan takes its staffing back. It may be
  negative (over-staffed with nothing freeing up). Staffing types are never netted (domain.md §3).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from bianzhi.accounts.permissions import Action, scope
from bianzhi.core.dates import add_months, format_month
from bianzhi.registry import selectors as registry
from bianzhi.registry.choices import StaffingType
from bianzhi.registry.models import UnitVersion

MAX_MONTHS = 60


def _visible(user: Any, unit_ids: set[int] | None) -> set[int] | None:
    """The unit ids a forecast may show: the user's scope narrowed by ``unit_ids`` (``None`` = all)."""
    view = scope(user, Action.VIEW)
    if view.everything:
        return unit_ids
    return set(view.units) if unit_ids is None else set(unit_ids) & set(view.units)


def _type_order(staffing_type: str) -> tuple[int, str]:
    values = list(StaffingType.values)
    return (values.index(staffing_type) if staffing_type in values else len(values), staffing_type)


# ---------------------------------------------------------------- loans falling due


@dataclass(frozen=True)
class LoanDue:
    """A loan in use on D falling due in the window."""

    loan_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    staffing_type: str
    quantity: int
    start_date: dt.date
    due_date: dt.date

    @property
    def month(self) -> str:
        return format_month(self.due_date.replace(day=1))


@dataclass
class LoansDue:
    day: dt.date
    start: dt.date
    months: int
    loans: list[LoanDue]

    @property
    def periods(self) -> list[str]:
        return [format_month(add_months(self.start, i)) for i in range(self.months)]

    def by_month(self) -> list[dict[str, Any]]:
        """Per month of the window: the loans falling due and their 数量, and per staffing type."""
        result = []
        for period in self.periods:
            these = [loan for loan in self.loans if loan.month == period]
            types: dict[str, int] = defaultdict(int)
            for loan in these:
                types[loan.staffing_type] += loan.quantity
            result.append(
                {
                    "month": period,
                    "loans": len(these),
                    "quantity": sum(loan.quantity for loan in these),
                    "by_type": {t: types[t] for t in sorted(types, key=_type_order)},
                }
            )
        return result

    @property
    def quantity(self) -> int:
        return sum(loan.quantity for loan in self.loans)


def loans_due_forecast(
    *, user: Any, day: dt.date, start: dt.date, months: int, unit_ids: set[int] | None = None, staffing_type: str = ""
) -> LoansDue:
    """Loans in use on D whose 回收日期 falls in the months start … start + months − 1 (domain.md §6),
    in the units the user may see (narrowed to ``unit_ids`` when given), sorted by due date, unit,
    staffing type and 使用日期."""
    end = add_months(start, months)
    qs = registry.loans_in_use(day).filter(due_date__gte=start, due_date__lt=end)
    visible = _visible(user, unit_ids)
    if visible is not None:
        qs = qs.filter(unit_id__in=visible)
    if staffing_type:
        qs = qs.filter(staffing_type=staffing_type)
    rows = list(qs.values_list("pk", "unit_id", "unit__code", "staffing_type", "quantity", "start_date", "due_date"))
    names = dict(
        UnitVersion.objects.filter(UnitVersion.as_of(day), unit_id__in={r[1] for r in rows}).values_list(
            "unit_id", "name"
        )
    )
    loans = [
        LoanDue(pk, unit_id, code, names.get(unit_id, code), t, quantity, started, due)
        for pk, unit_id, code, t, quantity, started, due in rows
    ]
    loans.sort(key=lambda loan: (loan.due_date, loan.unit_code, _type_order(loan.staffing_type), loan.start_date))
    return LoansDue(day=day, start=start, months=months, loans=loans)


# ---------------------------------------------------------------- projected vacancy


@dataclass
class VacancyRow:
    """The projection for one unit and staffing type (or, with ``unit_id`` None, a roll-up)."""

    staffing_type: str
    unit_id: int | None = None
    unit_code: str = ""
    unit_name: str = ""
    approved: int = 0
    actual: int = 0
    reserved: int = 0
    retiring: int = 0
    loans_due: int = 0

    @property
    def usable(self) -> int:
        """approved − actual − reserved, as of D (domain.md §3)."""
        return self.approved - self.actual - self.reserved

    @property
    def projected(self) -> int:
        """usable + retiring − loans falling due (domain.md §6)."""
        return self.usable + self.retiring - self.loans_due

    def add(self, other: VacancyRow) -> None:
        self.approved += other.approved
        self.actual += other.actual
        self.reserved += other.reserved
        self.retiring += other.retiring
        self.loans_due += other.loans_due


@dataclass
class VacancyForecast:
    day: dt.date
    months: int
    rows: list[VacancyRow]
    totals: list[VacancyRow] = field(default_factory=list)

    @property
    def end(self) -> dt.date:
        """The first day after the horizon."""
        return add_months(self.day.replace(day=1), self.months)


def vacancy_forecast(
    *, user: Any, day: dt.date, months: int, unit_ids: set[int] | None = None, staffing_type: str = ""
) -> VacancyForecast:
    """The projected vacancy of every active unit on D the user may see (narrowed to ``unit_ids``)
    and staffing type with anything to show, over the horizon of ``months`` months from D's month,
    sorted by unit code and staffing type; ``totals`` rolls them up per staffing type (the sum over
    the listed units — each unit's own projection, never netted across types)."""
    end = add_months(day.replace(day=1), months)
    visible = _visible(user, unit_ids)
    ids = None if visible is None else sorted(visible)
    approved = registry.approved_by_unit_type(day, ids)
    actual = registry.actual_by_unit_type(day, ids)
    reserved = registry.reserved_by_unit_type(day, ids)
    people = registry.people_on_staff(day)
    loans = registry.loans_in_use(day)
    if ids is not None:
        people, loans = people.filter(unit_id__in=ids), loans.filter(unit_id__in=ids)
    retiring = {
        (r["unit_id"], r["staffing_type"]): r["n"]
        for r in people.annotate(month_used=Coalesce("approved_retirement_month", "retirement_month"))
        .filter(month_used__lt=end)
        .values("unit_id", "staffing_type")
        .annotate(n=Count("id"))
    }
    due = {
        (r["unit_id"], r["staffing_type"]): r["total"]
        for r in loans.filter(due_date__lt=end).values("unit_id", "staffing_type").annotate(total=Sum("quantity"))
    }
    units = dict(
        registry.unit_versions_as_of(day)
        .filter(**({} if ids is None else {"unit_id__in": ids}))
        .values_list("unit_id", "unit__code")
    )
    names = dict(UnitVersion.objects.filter(UnitVersion.as_of(day), unit_id__in=units).values_list("unit_id", "name"))
    rows = []
    for key in set(approved) | set(actual) | set(reserved) | set(retiring) | set(due):
        unit_id, t = key
        if unit_id not in units or (staffing_type and t != staffing_type):
            continue
        rows.append(
            VacancyRow(
                staffing_type=t,
                unit_id=unit_id,
                unit_code=units[unit_id],
                unit_name=names.get(unit_id, units[unit_id]),
                approved=approved.get(key, 0),
                actual=actual.get(key, 0),
                reserved=reserved.get(key, 0),
                retiring=retiring.get(key, 0),
                loans_due=due.get(key, 0),
            )
        )
    rows.sort(key=lambda r: (r.unit_code, _type_order(r.staffing_type)))
    totals: dict[str, VacancyRow] = {}
    for row in rows:
        totals.setdefault(row.staffing_type, VacancyRow(staffing_type=row.staffing_type)).add(row)
    return VacancyForecast(
        day=day, months=months, rows=rows, totals=[totals[t] for t in sorted(totals, key=_type_order)]
    )
