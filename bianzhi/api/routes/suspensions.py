"""暂缓审批 (domain.md §9): list, start and lift a unit's suspension through the registry services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from bianzhi.accounts.permissions import Action
from bianzhi.accounts.privacy import sees_every_number, shown_text
from bianzhi.api import selectors
from bianzhi.api.common import day_or_today, origin, paginate, replies, require, require_somewhere
from bianzhi.api.errors import ApiError, not_found, unit_not_found
from bianzhi.api.schemas import MAX_ID, BodyIn, Day, Name200, Page, PageParams, Text32, UnitCode
from bianzhi.core.changelog import change_origin
from bianzhi.core.dates import today
from bianzhi.core.models import ChangeSet
from bianzhi.registry.models import Suspension
from bianzhi.registry.services import suspension_lift, suspension_start

router = Router(tags=["暂缓审批"])


class SuspensionOut(Schema):
    id: int
    unit: str = Field(..., description="机构代码")
    reason: str = Field(..., description="原因（编办管理员、编办业务人员以外的角色看到其中的身份证号已脱敏）")
    source: str = Field(..., description="来源，如 三色管理、问题整改")
    started_on: dt.date = Field(..., description="开始日期")
    planned_end: dt.date | None = Field(None, description="计划结束日期")
    lifted_on: dt.date | None = Field(None, description="解除日期")
    lift_reason: str = Field(..., description="解除原因（号码脱敏同上）")
    in_force: bool = Field(..., description="今天是否仍在暂缓审批中")
    change_set: int | None = Field(None, description="开始时的变更批次编号")


class SuspensionFilters(Schema):
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    in_force_on: Day | None = Field(None, description="只列该日仍在暂缓审批中的")
    lifted: bool | None = Field(None, description="true 只列已解除的，false 只列未解除的")
    in_force: bool | None = Field(
        None,
        description="true 只列今天仍在暂缓审批中的（已开始、未解除、计划结束日期为空或未过），false 只列其余的",
    )


def suspension_out(row: Suspension, whole: bool = True) -> dict[str, Any]:
    """A suspension as a reader sees it: free text with ID numbers masked unless ``whole`` (domain.md §11:
    a reason that quotes a number must not give it away to a role that does not see every number)."""
    day = today()
    return {
        "id": row.pk,
        "unit": row.unit.code,
        "reason": shown_text(row.reason, whole=whole),
        "source": shown_text(row.source, whole=whole),
        "started_on": row.started_on,
        "planned_end": row.planned_end,
        "lifted_on": row.lifted_on,
        "lift_reason": shown_text(row.lift_reason, whole=whole),
        # domain.md §9: a suspension with a planned end stops being in force after it
        "in_force": row.started_on <= day
        and (row.lifted_on is None or row.lifted_on > day)
        and (row.planned_end is None or row.planned_end >= day),
        "change_set": row.change_set_id,
    }


@router.get("/suspensions", response=replies({200: Page[SuspensionOut]}, 404), summary="暂缓审批列表")
def suspension_list(request: HttpRequest, filters: Query[SuspensionFilters], page: Query[PageParams]) -> dict[str, Any]:
    """机构的暂缓审批记录，最近开始的在前。"""
    require_somewhere(request, Action.VIEW)
    try:
        unit_ids = selectors.units_filter(
            user=request.user, code=filters.unit, subtree=filters.subtree, day=day_or_today(filters.in_force_on)
        )
    except LookupError:
        raise unit_not_found(filters.unit) from None
    qs = selectors.suspension_list(
        user=request.user, unit_ids=unit_ids, in_force_on=filters.in_force_on, lifted=filters.lifted
    )
    if filters.in_force is not None:
        day = today()
        in_force = Suspension.in_force_on(day) & (Q(planned_end__isnull=True) | Q(planned_end__gte=day))
        qs = qs.filter(in_force) if filters.in_force else qs.exclude(in_force)
    whole = sees_every_number(request.user)
    return paginate(qs, page, lambda row: suspension_out(row, whole))


@router.get("/suspensions/{suspension_id}", response=replies({200: SuspensionOut}, 404), summary="暂缓审批详情")
def suspension_detail(
    request: HttpRequest, suspension_id: int = Path(..., ge=1, le=MAX_ID, description="暂缓审批编号")
) -> dict[str, Any]:
    """一条暂缓审批记录；不存在或不在本人管理范围内时返回 404。"""
    require_somewhere(request, Action.VIEW)
    row = selectors.suspension_get(user=request.user, suspension_id=suspension_id)
    if row is None:
        raise not_found("该暂缓审批记录")
    return suspension_out(row, sees_every_number(request.user))


class SuspensionIn(BodyIn):
    unit: UnitCode = Field(..., description="机构代码")
    reason: Name200 = Field(..., description="原因")
    source: Text32 = Field("", description="来源，如 三色管理、问题整改")
    started_on: Day = Field(..., description="开始日期")
    planned_end: Day | None = Field(None, description="计划结束日期（不早于开始日期）")


@router.post("/suspensions", response=replies({201: SuspensionOut}, 400, 404), summary="开始暂缓审批")
def suspension_create(request: HttpRequest, data: SuspensionIn) -> Any:
    """对一个机构开始暂缓审批（停止其用编、用职数审批），记入变更日志。"""
    require(request, Action.CHANGE)
    unit = selectors.unit_get(user=request.user, code=data.unit)
    if unit is None:
        raise unit_not_found(data.unit)
    if data.planned_end is not None and data.planned_end < data.started_on:
        raise ApiError(
            422, "计划结束日期早于开始日期", errors=[{"location": "body.planned_end", "message": "不能早于开始日期"}]
        )
    with change_origin(source=ChangeSet.Source.API, origin=origin(request)):
        row = suspension_start(
            unit=unit,
            reason=data.reason.strip(),
            source=data.source.strip(),
            started_on=data.started_on,
            planned_end=data.planned_end,
            user=request.user,
        )
    return Status(201, suspension_out(row))


class SuspensionLiftIn(BodyIn):
    lifted_on: Day = Field(..., description="解除日期（不早于开始日期）")
    reason: Name200 = Field(..., description="解除原因")


@router.post(
    "/suspensions/{suspension_id}/lift",
    response=replies({200: SuspensionOut}, 400, 404, 409),
    summary="解除暂缓审批",
)
def suspension_lift_view(
    request: HttpRequest,
    data: SuspensionLiftIn,
    suspension_id: int = Path(..., ge=1, le=MAX_ID, description="暂缓审批编号"),
) -> dict[str, Any]:
    """解除一条暂缓审批，记入变更日志。已解除的返回 409；解除日期早于开始日期返回 422。"""
    require(request, Action.CHANGE)
    row = selectors.suspension_get(user=request.user, suspension_id=suspension_id)
    if row is None:
        raise not_found("该暂缓审批记录")
    if row.lifted_on is not None:
        raise ApiError(409, f"该暂缓审批已于 {row.lifted_on} 解除")
    if data.lifted_on < row.started_on:
        raise ApiError(
            422,
            f"解除日期 {data.lifted_on} 早于开始日期 {row.started_on}",
            errors=[{"location": "body.lifted_on", "message": "不能早于开始日期"}],
        )
    try:
        with change_origin(source=ChangeSet.Source.API, origin=origin(request)):
            row = suspension_lift(
                suspension=row, lifted_on=data.lifted_on, reason=data.reason.strip(), user=request.user
            )
    except ValueError as exc:  # lifted meanwhile by someone else
        raise ApiError(409, str(exc)) from exc
    return suspension_out(row)
