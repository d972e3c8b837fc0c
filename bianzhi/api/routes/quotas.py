"""编制、职数、周转编制、限额: approved figures as of a day, and upserts through the import rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from bianzhi.accounts.permissions import Action
from bianzhi.api import selectors
from bianzhi.api.common import (
    day_or_today,
    open_from,
    open_to,
    paginate,
    replies,
    require,
    require_somewhere,
    written,
)
from bianzhi.api.errors import unit_not_found
from bianzhi.api.schemas import Count, Day, Page, PageParams, PositiveCount, RegionCode, Saved, UnitCode, WriteMeta
from bianzhi.api.writes import row_of, write_rows
from bianzhi.registry import selectors as registry
from bianzhi.registry.choices import LimitCategory, LoanStatus, PositionCategory, Sequence, StaffingType
from bianzhi.registry.models import InstitutionLimit, PositionQuota, StaffingQuota, TurnoverLoan, UnitVersion

router = Router()


class UnitScopedFilters(Schema):
    as_of: Day | None = Field(None, description="截至日期（默认今天）")
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")


def _unit_ids(request: HttpRequest, filters: UnitScopedFilters, day: dt.date) -> set[int] | None:
    try:
        return selectors.units_filter(user=request.user, code=filters.unit, subtree=filters.subtree, day=day)
    except LookupError:
        raise unit_not_found(filters.unit) from None


def _period(row: Any) -> dict[str, Any]:
    return {"valid_from": open_from(row.valid_from), "valid_to": open_to(row.valid_to)}


# ---------------------------------------------------------------- 编制


class QuotaOut(Schema):
    unit: str = Field(..., description="机构代码")
    staffing_type: str = Field(..., description="编制类型")
    approved: int = Field(..., description="核定数")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class QuotaFilters(UnitScopedFilters):
    staffing_type: StaffingType | None = Field(None, description="编制类型")


def quota_out(row: StaffingQuota) -> dict[str, Any]:
    return {"unit": row.unit.code, "staffing_type": row.staffing_type, "approved": row.approved, **_period(row)}


@router.get("/quotas", response=replies({200: Page[QuotaOut]}, 404), summary="核定编制列表", tags=["编制"])
def quota_list(request: HttpRequest, filters: Query[QuotaFilters], page: Query[PageParams]) -> dict[str, Any]:
    """截至某日各机构各编制类型的核定编制（不含周转编制，周转编制见 /loans，合计见 /figures）。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    qs = selectors.quota_list(
        user=request.user, day=day, unit_ids=_unit_ids(request, filters, day), staffing_type=filters.staffing_type or ""
    )
    return paginate(qs, page, quota_out)


class QuotaIn(WriteMeta):
    approved: Count = Field(..., description="核定数")


def _current(qs: Any, day: dt.date) -> Any:
    return qs.filter(qs.model.as_of(day)).select_related("unit").first()


@router.put(
    "/quotas/{unit}/{staffing_type}",
    response=replies({200: Saved[QuotaOut], 201: Saved[QuotaOut]}, 400),
    summary="核定编制（新增或修改）",
    tags=["编制"],
)
def quota_put(request: HttpRequest, unit: Path[UnitCode], staffing_type: Path[StaffingType], data: QuotaIn) -> Any:
    """写入一个机构一种编制类型的核定数，经与导入相同的校验、生效日期和变更日志。"""
    require(request, Action.CHANGE)
    row = row_of(data, {"approved": "核定数"}, {"机构代码": unit, "编制类型": staffing_type.value})
    result = write_rows(request, sheets={"编制": [row]}, meta=data)
    stored = _current(
        StaffingQuota.objects.filter(unit__code=unit, staffing_type=staffing_type), day_or_today(data.effective)
    )
    return written(result, quota_out(stored) if stored else None)


# ---------------------------------------------------------------- 职数


class PositionOut(Schema):
    unit: str = Field(..., description="机构代码")
    category: str = Field(..., description="职数类别")
    approved: int = Field(..., description="核定数")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class PositionFilters(UnitScopedFilters):
    category: PositionCategory | None = Field(None, description="职数类别")


def position_out(row: PositionQuota) -> dict[str, Any]:
    return {"unit": row.unit.code, "category": row.category, "approved": row.approved, **_period(row)}


@router.get("/positions", response=replies({200: Page[PositionOut]}, 404), summary="核定领导职数列表", tags=["职数"])
def position_list(request: HttpRequest, filters: Query[PositionFilters], page: Query[PageParams]) -> dict[str, Any]:
    """截至某日各机构各职数类别的核定领导职数。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    qs = selectors.position_list(
        user=request.user, day=day, unit_ids=_unit_ids(request, filters, day), category=filters.category or ""
    )
    return paginate(qs, page, position_out)


class PositionIn(WriteMeta):
    approved: Count = Field(..., description="核定数")


@router.put(
    "/positions/{unit}/{category}",
    response=replies({200: Saved[PositionOut], 201: Saved[PositionOut]}, 400),
    summary="核定领导职数（新增或修改）",
    tags=["职数"],
)
def position_put(request: HttpRequest, unit: Path[UnitCode], category: Path[PositionCategory], data: PositionIn) -> Any:
    """写入一个机构一个职数类别的核定数，经与导入相同的校验、生效日期和变更日志。"""
    require(request, Action.CHANGE)
    row = row_of(data, {"approved": "核定数"}, {"机构代码": unit, "职数类别": category.value})
    result = write_rows(request, sheets={"职数": [row]}, meta=data)
    stored = _current(PositionQuota.objects.filter(unit__code=unit, category=category), day_or_today(data.effective))
    return written(result, position_out(stored) if stored else None)


# ---------------------------------------------------------------- 周转编制


class LoanOut(Schema):
    unit: str = Field(..., description="机构代码")
    staffing_type: str = Field(..., description="编制类型")
    quantity: int = Field(..., description="数量")
    start_date: dt.date = Field(..., description="使用日期")
    due_date: dt.date = Field(..., description="回收日期")
    status: str = Field(..., description="截至日期的状态：使用中 / 已回收")
    returned_date: dt.date | None = Field(None, description="实际回收日期（截至日期已收回的）")
    overdue: bool = Field(..., description="截至日期仍使用中且已过回收日期")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class LoanFilters(UnitScopedFilters):
    staffing_type: StaffingType | None = Field(None, description="编制类型")
    status: LoanStatus | None = Field(None, description="状态")
    due_after: Day | None = Field(None, description="回收日期晚于该日")
    due_to: Day | None = Field(None, description="回收日期不晚于该日")
    sequence: Sequence | None = Field(None, description="序列：只列截至日期所在机构属于该序列的周转编制")


def loan_out(row: TurnoverLoan, day: dt.date) -> dict[str, Any]:
    return {
        "unit": row.unit.code,
        "staffing_type": row.staffing_type,
        "quantity": row.quantity,
        "start_date": row.start_date,
        "due_date": row.due_date,
        "status": row.status_on(day),
        "returned_date": row.returned_on if row.returned_on and row.returned_on <= day else None,
        "overdue": row.is_in_use(day) and row.due_date < day,
        **_period(row),
    }


@router.get("/loans", response=replies({200: Page[LoanOut]}, 404), summary="周转编制列表", tags=["周转编制"])
def loan_list(request: HttpRequest, filters: Query[LoanFilters], page: Query[PageParams]) -> dict[str, Any]:
    """截至某日从周转池借给各机构的编制，含逾期未收回标记。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    qs = selectors.loan_list(
        user=request.user,
        day=day,
        unit_ids=_unit_ids(request, filters, day),
        staffing_type=filters.staffing_type or "",
        status=filters.status or "",
    )
    if filters.due_after:
        qs = qs.filter(due_date__gt=filters.due_after)
    if filters.due_to:
        qs = qs.filter(due_date__lte=filters.due_to)
    if filters.sequence:
        in_sequence = UnitVersion.objects.filter(UnitVersion.as_of(day), sequence=filters.sequence)
        qs = qs.filter(unit_id__in=in_sequence.values("unit_id"))
    return paginate(qs, page, lambda row: loan_out(row, day))


class LoanIn(WriteMeta):
    quantity: PositiveCount = Field(..., description="数量")
    due_date: Day = Field(..., description="回收日期（晚于使用日期）")
    status: LoanStatus = Field(..., description="状态")


@router.put(
    "/loans/{unit}/{staffing_type}/{start_date}",
    response=replies({200: Saved[LoanOut], 201: Saved[LoanOut]}, 400),
    summary="周转编制（新增或修改）",
    tags=["周转编制"],
)
def loan_put(
    request: HttpRequest,
    unit: Path[UnitCode],
    staffing_type: Path[StaffingType],
    start_date: Path[Day],
    data: LoanIn,
) -> Any:
    """写入一笔周转编制（机构、编制类型、使用日期为键），经与导入相同的校验、生效日期和变更日志。"""
    require(request, Action.CHANGE)
    row = row_of(
        data,
        {"quantity": "数量", "due_date": "回收日期", "status": "状态"},
        {"机构代码": unit, "编制类型": staffing_type.value, "使用日期": start_date.isoformat()},
    )
    result = write_rows(request, sheets={"周转编制": [row]}, meta=data)
    day = day_or_today(data.effective)
    stored = _current(
        TurnoverLoan.objects.filter(unit__code=unit, staffing_type=staffing_type, start_date=start_date), day
    )
    return written(result, loan_out(stored, day) if stored else None)


# ---------------------------------------------------------------- 限额


class LimitOut(Schema):
    region: str = Field(..., description="区划代码")
    category: str = Field(..., description="限额类别")
    limit: int = Field(..., description="限额数")
    actual: int = Field(..., description="截至日期在设的计入机构数")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class LimitFilters(Schema):
    as_of: Day | None = Field(None, description="截至日期（默认今天）")
    region: RegionCode | None = Field(None, description="区划代码")
    category: LimitCategory | None = Field(None, description="限额类别")


def limit_out(row: InstitutionLimit, counts: dict[tuple[str, str], int]) -> dict[str, Any]:
    actual = registry.limit_actual(counts, row.region, row.category)
    return {"region": row.region, "category": row.category, "limit": row.limit, "actual": actual, **_period(row)}


@router.get("/limits", response=replies({200: Page[LimitOut]}), summary="机构限额列表", tags=["限额"])
def limit_list(request: HttpRequest, filters: Query[LimitFilters], page: Query[PageParams]) -> dict[str, Any]:
    """截至某日各区划的机构限额及在设机构数。限额是全区数据，单位人事干部无权查看。"""
    require(request, Action.VIEW, message="机构限额是全区数据，只有全区范围的角色可以查看")
    day = day_or_today(filters.as_of)
    qs = selectors.limit_list(user=request.user, day=day, region=filters.region or "", category=filters.category or "")
    counts = registry.active_units_by_region_kind(day)
    return paginate(qs, page, lambda row: limit_out(row, counts))


class LimitIn(WriteMeta):
    limit: Count = Field(..., description="限额数")


@router.put(
    "/limits/{region}/{category}",
    response=replies({200: Saved[LimitOut], 201: Saved[LimitOut]}, 400),
    summary="机构限额（新增或修改）",
    tags=["限额"],
)
def limit_put(request: HttpRequest, region: Path[RegionCode], category: Path[LimitCategory], data: LimitIn) -> Any:
    """写入一个区划一个限额类别的限额数，经与导入相同的校验、生效日期和变更日志。"""
    require(request, Action.CHANGE)
    row = row_of(data, {"limit": "限额数"}, {"区划代码": region, "限额类别": category.value})
    result = write_rows(request, sheets={"限额": [row]}, meta=data)
    day = day_or_today(data.effective)
    stored = InstitutionLimit.objects.filter(InstitutionLimit.as_of(day), region=region, category=category).first()
    counts = registry.active_units_by_region_kind(day)
    return written(result, limit_out(stored, counts) if stored else None)
