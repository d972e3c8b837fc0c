"""编制数据: figures as of a day (domain.md §3) per unit and rolled up by department, sequence,
division or the whole district — SQL aggregates from the register's selectors."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from bianzhi.accounts.permissions import Action, scope
from bianzhi.api import selectors
from bianzhi.api.common import day_or_today, paginate, replies, require, require_somewhere
from bianzhi.api.errors import not_found, unit_not_found
from bianzhi.api.schemas import Day, Page, PageParams, UnitCode
from bianzhi.registry import selectors as registry
from bianzhi.registry.choices import PositionCategory, Sequence, StaffingType
from bianzhi.registry.selectors import RollUp, StaffingFigures, UnitFigures

router = Router(tags=["编制数据"])


class StaffingFiguresOut(Schema):
    staffing_type: str = Field(..., description="编制类型")
    approved: int = Field(..., description="核定数（含使用中的周转编制）")
    actual: int = Field(..., description="实有人数")
    vacancy: int = Field(..., description="空编数（逐机构计算后相加）")
    over: int = Field(..., description="超编数（逐机构计算后相加）")
    reserved: int = Field(..., description="在途（已批未用）")
    usable: int = Field(..., description="可用编制数 = 核定 − 实有 − 在途")
    vacancy_rate: float = Field(..., description="空编率")


class PositionFiguresOut(Schema):
    category: str = Field(..., description="职数类别")
    approved: int = Field(..., description="核定职数")
    actual: int = Field(..., description="实配人数")


class UnitFiguresOut(Schema):
    unit: str = Field(..., description="机构代码")
    name: str
    kind: str
    sequence: str
    region: str
    parent: str | None = None
    staffing: list[StaffingFiguresOut]
    positions: list[PositionFiguresOut]


class RollUpOut(Schema):
    key: str = Field(..., description="汇总键：机构代码（部门）、序列、区划代码，全区为空")
    units: int = Field(..., description="计入的在设机构数")
    staffing: list[StaffingFiguresOut]
    positions: list[PositionFiguresOut]


class FiguresPage(Page[UnitFiguresOut]):
    as_of: dt.date


class RollUpPage(Page[RollUpOut]):
    as_of: dt.date
    by: str


_TYPE_ORDER = {t: i for i, t in enumerate(StaffingType.values)}
_CATEGORY_ORDER = {c: i for i, c in enumerate(PositionCategory.values)}


def _staffing(figures: dict[str, StaffingFigures]) -> list[dict[str, Any]]:
    return [
        {
            "staffing_type": staffing_type,
            "approved": f.approved,
            "actual": f.actual,
            "vacancy": f.vacancy,
            "over": f.over,
            "reserved": f.reserved,
            "usable": f.usable,
            "vacancy_rate": round(f.vacancy_rate, 4),
        }
        for staffing_type, f in sorted(figures.items(), key=lambda kv: _TYPE_ORDER.get(kv[0], 99))
    ]


def _positions(approved: dict[str, int], leaders: dict[str, int]) -> list[dict[str, Any]]:
    categories = sorted(set(approved) | set(leaders), key=lambda c: _CATEGORY_ORDER.get(c, 99))
    return [{"category": c, "approved": approved.get(c, 0), "actual": leaders.get(c, 0)} for c in categories]


def unit_figures_out(figures: UnitFigures, codes: dict[int, str]) -> dict[str, Any]:
    return {
        "unit": figures.code,
        "name": figures.name,
        "kind": figures.kind,
        "sequence": figures.sequence,
        "region": figures.region,
        "parent": codes.get(figures.parent_id) if figures.parent_id else None,
        "staffing": _staffing(figures.staffing),
        "positions": _positions(figures.positions, figures.leaders),
    }


def roll_up_out(roll: RollUp) -> dict[str, Any]:
    return {
        "key": roll.key,
        "units": roll.units,
        "staffing": _staffing(roll.staffing),
        "positions": _positions(roll.positions, roll.leaders),
    }


class UnitFigureFilters(Schema):
    as_of: Day | None = Field(None, description="截至日期（默认今天）")
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    sequence: Sequence | None = Field(None, description="序列：只列截至日期属于该序列的机构")
    staffing_type: StaffingType | None = Field(
        None, description="编制类型：只列有该编制类型数据的机构，staffing 中只给该编制类型"
    )


@router.get("/figures/units", response=replies({200: FiguresPage}, 404), summary="各机构编制数据（截至某日）")
def figures_units(request: HttpRequest, filters: Query[UnitFigureFilters], page: Query[PageParams]) -> dict[str, Any]:
    """截至某日每个在设机构各编制类型的核定、实有、空编、超编、在途和可用数，以及领导职数的核定与实配。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    try:
        wanted = selectors.units_filter(user=request.user, code=filters.unit, subtree=filters.subtree, day=day)
    except LookupError:
        raise unit_not_found(filters.unit) from None
    allowed = scope(request.user, Action.VIEW)
    figures = registry.unit_figures(day)
    codes = {unit_id: f.code for unit_id, f in figures.items()}
    rows = [
        f
        for unit_id, f in sorted(figures.items(), key=lambda kv: kv[1].code)
        if allowed.covers(unit_id)
        and (wanted is None or unit_id in wanted)
        and (not filters.sequence or f.sequence == filters.sequence)
        and (not filters.staffing_type or filters.staffing_type in f.staffing)
    ]
    if filters.staffing_type:
        only = filters.staffing_type
        rows = [dataclasses.replace(f, staffing={only: f.staffing[only]}) for f in rows]
    result = paginate(rows, page, lambda f: unit_figures_out(f, codes))
    return {**result, "as_of": day}


@router.get("/figures/units/{code}", response=replies({200: UnitFiguresOut}, 404), summary="一个机构的编制数据")
def figures_unit(request: HttpRequest, code: Path[UnitCode], as_of: Query[Day | None] = None) -> dict[str, Any]:
    """截至某日一个机构自身的编制数据；机构未在设、不存在或不在本人管理范围内时返回 404。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(as_of)
    unit = selectors.unit_get(user=request.user, code=code)
    if unit is None:
        raise unit_not_found(code)
    figures = registry.unit_figures(day)
    if unit.pk not in figures:
        raise not_found(f"机构 {code} 在 {day} 的编制数据")
    codes = {unit_id: f.code for unit_id, f in figures.items()}
    return unit_figures_out(figures[unit.pk], codes)


class RollUpFilters(Schema):
    as_of: Day | None = Field(None, description="截至日期（默认今天）")
    by: Literal["department", "sequence", "region", "district"] = Field(
        "department",
        description="汇总方式：department 部门（机构及其全部下属）、sequence 序列、region 区划、district 全区",
    )


@router.get("/figures/rollup", response=replies({200: RollUpPage}), summary="编制数据汇总（部门、序列、区划、全区）")
def figures_rollup(request: HttpRequest, filters: Query[RollUpFilters], page: Query[PageParams]) -> dict[str, Any]:
    """截至某日按部门、序列、区划或全区汇总的编制数据：逐机构计算后相加，一个机构超编不会掩盖另一个机构的空编。
    单位人事干部只能按部门汇总本单位及下属机构；序列、区划和全区汇总是全区数据。"""
    require_somewhere(request, Action.VIEW)
    if filters.by != "department":
        require(request, Action.VIEW, message="按序列、区划或全区汇总是全区数据，只有全区范围的角色可以查看")
    day = day_or_today(filters.as_of)
    rolls = registry.roll_up(day, by=filters.by)
    allowed = scope(request.user, Action.VIEW)
    if filters.by == "department" and not allowed.everything:
        visible = {v.unit.code for v in selectors.unit_version_list(user=request.user, day=day)}
        rolls = {key: roll for key, roll in rolls.items() if key in visible}
    rows = [rolls[key] for key in sorted(rolls)]
    return {**paginate(rows, page, roll_up_out), "as_of": day, "by": filters.by}
