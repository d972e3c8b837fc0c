"""超编、超职数、超限额 — the quota rules of the negative list (domain.md §4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bianzhi.registry import selectors
from bianzhi.registry.choices import UnitKind
from bianzhi.registry.models import UnitVersion
from bianzhi.supervision.rulebook import Alert, Rule, register


@register
class OverStaffing(Rule):
    id = "over_staffing"
    name = "超编"
    description = "负面清单：不得超编制配备人员（超编不配）。实有人员数大于核定编制数（含使用中的周转编制），按机构和编制类型分别判断，不同编制类型不得相互抵顶。"
    severity = "高"
    order = 1

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        codes = selectors.unit_codes_as_of(day, units)
        approved = selectors.approved_by_unit_type(day, units)
        alerts = []
        for (unit_id, staffing_type), actual in selectors.actual_by_unit_type(day, units).items():
            limit = approved.get((unit_id, staffing_type), 0)
            if actual > limit and unit_id in codes:
                alerts.append(
                    {
                        "unit": codes[unit_id],
                        "staffing_type": staffing_type,
                        "approved": limit,
                        "actual": actual,
                        "excess": actual - limit,
                        "message": f"机构 {codes[unit_id]} {staffing_type}超编 {actual - limit} 名：核定 {limit}，实有 {actual}",
                    }
                )
        return alerts


@register
class OverPositions(Rule):
    id = "over_positions"
    name = "超职数"
    description = "负面清单：不得超职数配备领导干部。占用某类领导职数的在编人员数大于核定职数（未核定的职数按 0 计）。"
    severity = "高"
    order = 2

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        codes = selectors.unit_codes_as_of(day, units)
        approved = selectors.positions_by_unit_category(day, units)
        alerts = []
        for (unit_id, category), actual in selectors.leaders_by_unit_category(day, units).items():
            limit = approved.get((unit_id, category), 0)
            if actual > limit and unit_id in codes:
                alerts.append(
                    {
                        "unit": codes[unit_id],
                        "position_category": category,
                        "approved": limit,
                        "actual": actual,
                        "excess": actual - limit,
                        "message": f"机构 {codes[unit_id]} {category}超职数 {actual - limit} 名：核定 {limit}，实有 {actual}",
                    }
                )
        return alerts


@register
class OverLimit(Rule):
    id = "over_limit"
    name = "超限额"
    description = "负面清单：不得突破机构限额设置机构。区划内在设的党政机构（党委工作机关、政府工作部门）或事业单位数超过限额；或机构的在设内设机构数超过核定内设机构数。"
    severity = "高"
    order = 3

    def coverage(self, day: dt.date, units: frozenset[int]) -> tuple[frozenset[int], frozenset[str]]:
        # A change to a unit can move its division's count and its parent's internal divisions.
        parents, regions = _touched(day, units)
        return parents, frozenset(regions)

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        alerts = []
        regions: set[str] | None = None
        parents: frozenset[int] | None = None
        if units is not None:
            parents, regions = _touched(day, units)
        counts = selectors.active_units_by_region_kind(day, regions)
        for (region, category), limit in selectors.limits_as_of(day).items():
            if regions is not None and region not in regions:
                continue
            actual = selectors.limit_actual(counts, region, category)
            if actual > limit:
                alerts.append(
                    {
                        "region": region,
                        "category": category,
                        "limit": limit,
                        "actual": actual,
                        "message": f"区划 {region} {category}超限额：限额 {limit}，在设 {actual}",
                    }
                )
        divisions = selectors.active_divisions_by_parent(day, parents)
        approved = (
            selectors.unit_versions_as_of(day)
            .exclude(kind=UnitKind.INTERNAL_DIVISION)
            .filter(approved_divisions__isnull=False)
            .values_list("unit_id", "unit__code", "approved_divisions")
        )
        if parents is not None:
            approved = approved.filter(unit_id__in=parents)
        for unit_id, code, cap in approved:
            actual = divisions.get(unit_id, 0)
            if cap is not None and actual > cap:
                alerts.append(
                    {
                        "unit": code,
                        "category": "内设机构",
                        "limit": cap,
                        "actual": actual,
                        "message": f"机构 {code} 内设机构超限额：核定 {cap} 个，在设 {actual} 个",
                    }
                )
        return alerts


def _touched(day: dt.date, units: frozenset[int]) -> tuple[frozenset[int], set[str]]:
    """The units whose internal divisions a change to ``units`` can move (they and their parents)
    and the divisions whose counts it can move, as of D."""
    touched = list(
        UnitVersion.objects.filter(unit_id__in=units, valid_from__lte=day, valid_to__gt=day).values_list(
            "region", "parent_id"
        )
    )
    return units | {parent for _, parent in touched if parent}, {region for region, _ in touched}
