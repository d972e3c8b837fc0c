"""全局一屏 (S3.2.2, interchange.md §3 "Supervision"): ``GET /api/v1/board`` — every figure of the
one-screen board, each traced (S3.2.3) to the list whose rows make it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from bianzhi.api.common import day_or_today, replies
from bianzhi.api.errors import ApiError
from bianzhi.api.schemas import Day, UnitCode
from bianzhi.dashboard.selectors import Board, BoardRefused, board_rendered

router = Router(tags=["全局一屏"])


class FigureOut(Schema):
    key: str = Field(..., description="数字的编号，如 approved、type.行政编制.vacancy、alerts.over_staffing.高")
    label: str = Field(..., description="中文名称")
    value: int = Field(..., description="数值")
    rows: str = Field(
        ...,
        description="追溯：构成该数字的列表接口路径（含查询参数和 as_of）；没有 sum 时该列表的 total 等于 value，"
        "有 sum 时该列表全部条目该字段之和等于 value",
    )
    sum: str | None = Field(
        None,
        description="求和字段；带点的字段（如 staffing.vacancy）指每个条目 staffing 列表中各项的 vacancy",
    )


class BoardOut(Schema):
    as_of: dt.date = Field(..., description="截至日期")
    dimension: str = Field(..., description="维度：district 全区、department 部门、party 党委序列、government 政府序列")
    unit: str | None = Field(None, description="部门维度的机构代码（其他维度为空）")
    title: str = Field(..., description="维度的中文名称")
    masked: bool = Field(
        ...,
        description="调用者看到的身份证号是否脱敏；脱敏时退休预测按年份给出（domain.md §11）",
    )
    figures: list[dict[str, Any]] = Field(
        ..., description="全局一屏显示的每一个数字：key、label、value、rows、sum（可选）"
    )
    links: dict[str, str] = Field(default_factory=dict, description="数字编号 → 显示同一批记录的网页地址")
    layout: dict[str, Any] = Field(
        default_factory=dict,
        description="图表的分类：编制类型、序列、热力图的部门、规则、严重程度、监测运行、退休预测期间、到期月份",
    )


class BoardFilters(Schema):
    dimension: Literal["district", "department", "party", "government"] = Field(
        "district",
        description="维度：district 全区、department 部门（机构及其全部下属）、party 党委序列、government 政府序列",
    )
    unit: UnitCode | None = Field(None, description="机构代码（部门维度必填，其他维度忽略）")
    as_of: Day | None = Field(None, description="截至日期（默认今天）")


@router.get("/board", response=replies({200: BoardOut}, 404), summary="全局一屏的数据")
def board(request: HttpRequest, filters: Query[BoardFilters]) -> HttpResponse:
    """全局一屏掌控（S3.2.2）：按全区、部门（机构及其全部下属）、党委序列或政府序列，截至某日的核定编制、实有人员、
    空编、超编、在途和可用编制（合计、分编制类型、分序列，逐机构逐类型计算后相加，不以一类编制抵另一类）、
    各部门空编与超编（热力图）、当前预警（按规则和严重程度）及各次监测的预警数、退休预测、12 个月内到期的周转编制。
    每个数字带 rows：构成该数字的列表接口（total 即该数字，或 sum 指明求和字段）。单位人事干部只能查看本单位及
    下属机构的部门维度（其他维度或范围外的机构返回 403）；部门维度缺少 unit 返回 422。"""
    day = day_or_today(filters.as_of)
    try:
        body = board_rendered(
            user=request.user,
            dimension=filters.dimension,
            unit_code=filters.unit or "",
            day=day,
            render=board_json,
            variant="api-json",
        )
    except BoardRefused as refused:
        errors = [{"location": f"query.{refused.field}", "message": refused.message}] if refused.field else None
        raise ApiError(refused.status, refused.message, errors=errors) from None
    # The body was written once per board (BoardOut's shape) and cached with it: sent as it is.
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def board_json(result: Board) -> bytes:
    """The reply of a board, in BoardOut's shape, as UTF-8 JSON."""
    body = {
        "as_of": result.as_of.isoformat(),
        "dimension": result.dimension,
        "unit": result.unit,
        "title": result.title,
        "masked": result.masked,
        "figures": [f.out() for f in result.figures],
        "links": {f.key: f.link for f in result.figures if f.link},
        "layout": result.layout,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
