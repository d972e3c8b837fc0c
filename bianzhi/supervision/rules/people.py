"""混编混岗、超龄未退、周转编制逾期、离编未核销、空编闲置 (domain.md §4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Min, Q
from django.db.models.functions import Coalesce

from bianzhi.core.dates import BEGINNING, format_month, month_start
from bianzhi.registry import selectors
from bianzhi.registry.choices import PersonStatus, StaffingType, UnitKind
from bianzhi.registry.models import PersonVersion, StaffingQuota, TurnoverLoan, Unit
from bianzhi.supervision.rulebook import Alert, Param, Rule, register


def _in_units(qs, units: frozenset[int] | None):
    """Restrict a queryset with a ``unit`` to the given units (the incremental path)."""
    return qs if units is None else qs.filter(unit_id__in=units)


def _with_unit_as_of(qs, day: dt.date, **conditions: Any):
    """Join each person version to its unit's attributes as of D. The conditions on the unit's
    version must sit in the same ``filter()`` call, or Django joins the versions table twice."""
    return qs.filter(unit__versions__valid_from__lte=day, unit__versions__valid_to__gt=day, **conditions)


@register
class MixedStaffing(Rule):
    id = "mixed_staffing"
    name = "混编混岗"
    description = "负面清单：不得混编混岗。事业单位的在编人员占用事业编制以外的编制，或其他机构的在编人员占用事业编制。"
    severity = "中"
    order = 4

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        other_kinds = [kind for kind in UnitKind.values if kind != UnitKind.PUBLIC_INSTITUTION]
        columns = ("unit__code", "person__id_number", "staffing_type", "unit__versions__kind", "name")
        on_staff = _in_units(selectors.people_on_staff(day), units)
        institution_other_type = (
            _with_unit_as_of(on_staff, day, unit__versions__kind=UnitKind.PUBLIC_INSTITUTION)
            .exclude(staffing_type=StaffingType.INSTITUTIONAL)
            .values_list(*columns)
        )
        organ_institutional_type = _with_unit_as_of(
            on_staff, day, unit__versions__kind__in=other_kinds, staffing_type=StaffingType.INSTITUTIONAL
        ).values_list(*columns)
        rows = [*institution_other_type, *organ_institutional_type]
        return [
            {
                "unit": unit,
                "person": person,
                "staffing_type": staffing_type,
                "message": f"{name}（{person}）在{kind}“{unit}”占用{staffing_type}，属混编混岗",
            }
            for unit, person, staffing_type, kind, name in rows
        ]


@register
class OverRetirementAge(Rule):
    id = "over_retirement_age"
    name = "超龄未退"
    description = (
        "负面清单：达到法定退休年龄应按时办理退休、及时下编。在编人员的退休月份（2025 年渐进式延迟退休改革后的"
        "法定退休月份；批准弹性退休的，为批准退休年月）早于监测日期所在月份。"
    )
    severity = "中"
    order = 5

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        # An approved flexible retirement (批准退休年月, domain.md §5) replaces the statutory month.
        rows = (
            _in_units(selectors.people_on_staff(day), units)
            .annotate(month_used=Coalesce("approved_retirement_month", "retirement_month"))
            .filter(month_used__lt=month_start(day))
            .values_list("unit__code", "person__id_number", "month_used", "approved_retirement_month", "name")
        )
        return [
            {
                "unit": unit,
                "person": person,
                "retirement_month": format_month(month),
                "message": f"{name}（{person}）{'批准退休年月' if approved else '法定退休月份'}为 "
                f"{format_month(month)}，仍在编",
            }
            for unit, person, month, approved, name in rows
        ]


@register
class OverdueTurnover(Rule):
    id = "overdue_turnover"
    name = "周转编制逾期未收回"
    description = "负面清单：周转编制应按期收回。状态为使用中的周转编制已过回收日期。"
    severity = "中"
    order = 6

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        rows = _in_units(
            TurnoverLoan.objects.filter(
                TurnoverLoan.as_of(day),
                TurnoverLoan.in_use_on(day),
                Unit.active_on(day, prefix="unit__"),
                due_date__lt=day,
            ),
            units,
        ).values_list("unit__code", "staffing_type", "quantity", "due_date")
        return [
            {
                "unit": unit,
                "staffing_type": staffing_type,
                "count": quantity,
                "due": due.isoformat(),
                "message": f"机构 {unit} 的 {quantity} 名{staffing_type}周转编制应于 {due} 收回，已逾期",
            }
            for unit, staffing_type, quantity, due in rows
        ]


@register
class LateWriteOff(Rule):
    id = "late_write_off"
    name = "离编未及时核销"
    description = "负面清单：人员离编后应及时核销编制。离编（非在编且有离编日期）后第 10 个工作日（按国家法定节假日和调休安排，含编办工作日历）仍未核销；截止日期所在年份的放假安排尚未完整时，预警注明（暂定）。"
    severity = "中"
    order = 7

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        rows = (
            _in_units(PersonVersion.objects.all(), units)
            .filter(
                PersonVersion.as_of(day),
                Unit.active_on(day, prefix="unit__"),
                ~Q(status=PersonStatus.ON_STAFF),
                left_on__lte=day,
                write_off_deadline__lt=day,
            )
            .filter(Q(written_off_date__isnull=True) | Q(written_off_date__gt=day))
            .values_list("unit__code", "person__id_number", "left_on", "write_off_deadline", "name")
        )
        from bianzhi.core.workdays import deadline_is_provisional

        alerts: list[Alert] = []
        for unit, person, left, deadline, name in rows:
            alert: Alert = {"unit": unit, "person": person, "left": str(left), "deadline": str(deadline)}
            # A deadline in a year whose official holiday schedule is not complete yet (domain.md §4;
            # interchange.md §2): flagged, and the message says so.
            provisional = deadline_is_provisional(deadline)
            if provisional:
                alert["provisional"] = True
            when = f"{deadline}（暂定）" if provisional else f"{deadline} "
            alert["message"] = f"{name}（{person}）{left} 离编，应于 {when}前核销编制，尚未核销"
            alerts.append(alert)
        return alerts


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@register
class VacancyIdle(Rule):
    id = "vacancy_idle"
    name = "空编闲置"
    description = "负面清单：编制资源应盘活使用，防止“沉睡编制”。某机构某类编制空编率达到阈值（默认 20%），且近一年内既无用编审批、也无该类编制人员进编。"
    severity = "低"
    order = 8
    param_schema = {
        "vacancy_rate": Param(
            float,
            0.2,
            "空编率阈值",
            "空编数占核定编制数的比例达到该值时预警，填 0 到 1 之间的小数，如 0.2 表示 20%。",
            minimum=0.0,
            maximum=1.0,
        ),
        "window_days": Param(
            int,
            None,
            "监测窗口（天）",
            "在监测日期前这么多天内既无用编审批也无人员进编即视为闲置；留空为一年（上一年同日之后至监测日期）。",
            minimum=1,
            maximum=3660,
            nullable=True,
        ),
    }

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        threshold = float(params.get("vacancy_rate", 0.2))
        window_start = (
            day - dt.timedelta(days=int(params["window_days"])) if params.get("window_days") else _year_before(day)
        )
        # No alert for a unit or quota younger than the window (domain.md §4).
        started = _staffing_started(day, units)
        codes = selectors.unit_codes_as_of(day, units)
        approved = selectors.approved_by_unit_type(day, units)
        actual = selectors.actual_by_unit_type(day, units)
        used = set(
            _in_units(PersonVersion.objects.all(), units)
            .filter(PersonVersion.as_of(day), entry_date__gt=window_start, entry_date__lte=day)
            .values_list("unit_id", "staffing_type")
        )
        used |= _staffing_use_in_window(window_start, day)
        alerts = []
        for (unit_id, staffing_type), total in approved.items():
            if total <= 0 or unit_id not in codes or (unit_id, staffing_type) in used:
                continue
            since = started.get((unit_id, staffing_type))
            if since is not None and since > window_start:
                continue
            vacancy = max(0, total - actual.get((unit_id, staffing_type), 0))
            if vacancy / total >= threshold:
                alerts.append(
                    {
                        "unit": codes[unit_id],
                        "staffing_type": staffing_type,
                        "vacancy": vacancy,
                        "approved": total,
                        "message": (
                            f"机构 {codes[unit_id]} {staffing_type}空编 {vacancy} 名（空编率 {vacancy / total:.0%}），"
                            f"{window_start} 之后至 {day} 未使用"
                        ),
                    }
                )
        return alerts


def _staffing_started(day: dt.date, units: frozenset[int] | None) -> dict[tuple[int, str], dt.date | None]:
    """(unit, staffing type) → when its staffing started: the later of the unit's 成立日期 and the
    start of the quota's first period (the earliest ``valid_from`` of the unit's quota rows of that
    type, so a change of the quota's number does not restart it). Staffing held through loans
    alone starts with the earliest loan's 使用日期. ``None``: since ever."""
    first: dict[tuple[int, str], dt.date] = {}
    quotas = (
        _in_units(StaffingQuota.objects.filter(valid_from__lte=day), units)
        .values("unit_id", "staffing_type")
        .annotate(first=Min("valid_from"))
    )
    for row in quotas:
        first[(row["unit_id"], row["staffing_type"])] = row["first"]
    loans = (
        _in_units(TurnoverLoan.objects.filter(start_date__lte=day), units)
        .values("unit_id", "staffing_type")
        .annotate(first=Min("start_date"))
    )
    for row in loans:
        first.setdefault((row["unit_id"], row["staffing_type"]), row["first"])
    dated = Unit.objects.filter(established__isnull=False)
    established = dict((dated if units is None else dated.filter(pk__in=units)).values_list("pk", "established"))
    result: dict[tuple[int, str], dt.date | None] = {}
    for key, start in first.items():
        born = established.get(key[0])
        latest = max(start, born) if born else start
        result[key] = None if latest == BEGINNING else latest
    return result


def _staffing_use_in_window(start: dt.date, end: dt.date) -> set[tuple[int, str]]:
    """(unit, staffing type) pairs with a staffing-use approval in the window.

    Staffing-use approvals (用编审批) arrive with the approvals app; until then there are none,
    and only 进编日期 counts as use.
    """
    return set()
