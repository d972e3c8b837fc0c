"""机构: units as of a day, their tree (children, descendants), and upserts through the import rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from pydantic import StrictBool

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
from bianzhi.api.errors import not_found, unit_not_found
from bianzhi.api.schemas import (
    Count,
    Day,
    Name200,
    Page,
    PageParams,
    RegionCode,
    Saved,
    SearchText,
    Text18,
    UnitCode,
    WriteMeta,
)
from bianzhi.api.writes import row_of, write_rows
from bianzhi.registry.choices import Funding, InstitutionClass, PriorityTag, Rank, Sequence, UnitKind
from bianzhi.registry.models import Unit, UnitVersion

router = Router(tags=["机构"])


class UnitOut(Schema):
    id: int
    code: str = Field(..., description="机构代码")
    name: str = Field(..., description="机构名称")
    kind: str = Field(..., description="机构类型")
    parent: str | None = Field(None, description="上级机构代码")
    sequence: str = Field(..., description="序列（含继承）")
    region: str = Field(..., description="区划代码（含继承）")
    rank: str = Field(..., description="机构规格")
    institution_class: str = Field(..., description="事业单位类别")
    civil_servant_managed: bool = Field(..., description="参公")
    funding: str = Field(..., description="经费形式")
    credit_code: str = Field(..., description="统一社会信用代码")
    approved_divisions: int | None = Field(None, description="核定内设机构数")
    priority_tags: list[str] = Field(default_factory=list, description="重点领域")
    established: dt.date | None = Field(None, description="成立日期")
    abolished: dt.date | None = Field(None, description="撤销日期")
    active: bool = Field(..., description="截至日期是否在设")
    valid_from: dt.date | None = Field(None, description="这些信息的生效日期（空为一直有效）")
    valid_to: dt.date | None = Field(None, description="这些信息的失效日期（不含；空为仍有效）")


class TreeUnitOut(UnitOut):
    depth: int = Field(..., description="在所查机构之下的层级（所查机构为 0）")


class UnitFilters(Schema):
    as_of: Day | None = Field(None, description="截至日期（默认今天）")
    q: SearchText = Field("", description="名称包含的文字或完整机构代码")
    kind: UnitKind | None = Field(None, description="机构类型")
    sequence: Sequence | None = Field(None, description="序列")
    region: RegionCode | None = Field(None, description="区划代码")
    parent: UnitCode | None = Field(None, description="上级机构代码（只列其直接下级）")
    roots: bool = Field(False, description="只列没有上级机构的机构")
    include_inactive: bool = Field(False, description="包括截至日期未成立或已撤销的机构")


class TreeFilters(Schema):
    as_of: Day | None = Field(None, description="截至日期（默认今天）")
    include_inactive: bool = Field(False, description="包括截至日期未成立或已撤销的机构")


def unit_out(version: UnitVersion, day: dt.date) -> dict[str, Any]:
    unit = version.unit
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": version.name,
        "kind": version.kind,
        "parent": version.parent.code if version.parent_id and version.parent else None,
        "sequence": version.sequence,
        "region": version.region,
        "rank": version.rank,
        "institution_class": version.institution_class,
        "civil_servant_managed": version.civil_servant_managed,
        "funding": version.funding,
        "credit_code": version.credit_code,
        "approved_divisions": version.approved_divisions,
        "priority_tags": [t for t in version.priority_tags.split("、") if t],
        "established": unit.established,
        "abolished": unit.abolished,
        "active": (unit.established is None or unit.established <= day)
        and (unit.abolished is None or unit.abolished > day),
        "valid_from": open_from(version.valid_from),
        "valid_to": open_to(version.valid_to),
    }


def _visible(request: HttpRequest, code: str) -> Unit:
    unit = selectors.unit_get(user=request.user, code=code)
    if unit is None:
        raise unit_not_found(code)
    return unit


@router.get("/units", response=replies({200: Page[UnitOut]}, 404), summary="机构列表（截至某日）")
def unit_list(request: HttpRequest, filters: Query[UnitFilters], page: Query[PageParams]) -> dict[str, Any]:
    """截至某日的机构及其信息，按机构代码排序。单位人事干部只能看到本单位及下属机构。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    parent = _visible(request, filters.parent) if filters.parent else None
    qs = selectors.unit_version_list(
        user=request.user,
        day=day,
        include_inactive=filters.include_inactive,
        q=filters.q.strip(),
        kind=filters.kind or "",
        sequence=filters.sequence or "",
        region=filters.region or "",
        parent=parent,
        roots=filters.roots,
    )
    return paginate(qs, page, lambda v: unit_out(v, day))


@router.get("/units/{code}", response=replies({200: UnitOut}, 404), summary="机构详情（截至某日）")
def unit_detail(request: HttpRequest, code: Path[UnitCode], as_of: Query[Day | None] = None) -> dict[str, Any]:
    """截至某日的机构信息；机构不存在、该日尚无记录或不在本人管理范围内时返回 404。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(as_of)
    unit = _visible(request, code)
    version = selectors.unit_version_get(user=request.user, unit=unit, day=day)
    if version is None:
        raise not_found(f"机构 {code} 在 {day} 的信息")
    return unit_out(version, day)


@router.get("/units/{code}/children", response=replies({200: Page[UnitOut]}, 404), summary="直接下级机构")
def unit_children(
    request: HttpRequest, code: Path[UnitCode], filters: Query[TreeFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """截至某日以该机构为上级机构的机构（内设机构、下属事业单位等）。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    unit = _visible(request, code)
    qs = selectors.unit_version_list(user=request.user, day=day, include_inactive=filters.include_inactive, parent=unit)
    return paginate(qs, page, lambda v: unit_out(v, day))


@router.get(
    "/units/{code}/descendants", response=replies({200: Page[TreeUnitOut]}, 404), summary="全部下属机构（子树）"
)
def unit_descendants(
    request: HttpRequest,
    code: Path[UnitCode],
    filters: Query[TreeFilters],
    page: Query[PageParams],
    include_self: Query[bool] = False,
) -> dict[str, Any]:
    """截至某日该机构的全部下属机构（逐级），按树的顺序排列，带层级；include_self=true 时包括该机构本身。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    unit = _visible(request, code)
    rows = selectors.unit_descendants(
        user=request.user,
        unit=unit,
        day=day,
        include_self=include_self,
        include_inactive=filters.include_inactive,
    )
    return paginate(rows, page, lambda pair: {**unit_out(pair[0], day), "depth": pair[1]})


class UnitIn(WriteMeta):
    """机构 sheet columns. A field left out keeps the stored value; ``null`` clears it (interchange.md §1)."""

    name: Name200 = Field(..., description="机构名称")
    kind: UnitKind = Field(..., description="机构类型")
    credit_code: Text18 | None = Field(None, description="统一社会信用代码（GB 32100-2015）")
    parent: UnitCode | None = Field(None, description="上级机构代码（内设机构必填）")
    sequence: Sequence | None = Field(None, description="序列（无上级机构时必填）")
    rank: Rank | None = Field(None, description="机构规格")
    institution_class: InstitutionClass | None = Field(None, description="事业单位类别（仅事业单位）")
    civil_servant_managed: StrictBool | None = Field(None, description="参公")
    funding: Funding | None = Field(None, description="经费形式")
    region: RegionCode | None = Field(None, description="区划代码（无上级机构时必填）")
    approved_divisions: Count | None = Field(None, description="核定内设机构数")
    priority_tags: list[PriorityTag] | None = Field(None, max_length=3, description="重点领域")
    established: Day | None = Field(None, description="成立日期")
    abolished: Day | None = Field(None, description="撤销日期")


_UNIT_HEADERS = {
    "name": "机构名称",
    "kind": "机构类型",
    "credit_code": "统一社会信用代码",
    "parent": "上级机构代码",
    "sequence": "序列",
    "rank": "机构规格",
    "institution_class": "事业单位类别",
    "civil_servant_managed": "参公",
    "funding": "经费形式",
    "region": "区划代码",
    "approved_divisions": "核定内设机构数",
    "priority_tags": "重点领域",
    "established": "成立日期",
    "abolished": "撤销日期",
}


@router.put(
    "/units/{code}",
    response=replies({200: Saved[UnitOut], 201: Saved[UnitOut]}, 400),
    summary="新增或修改机构",
)
def unit_put(request: HttpRequest, code: Path[UnitCode], data: UnitIn) -> Any:
    """按机构代码新增或修改一个机构，经与导入相同的校验、生效日期和变更日志（来源：接口）。
    未提供的字段保留原值，值为 null 的字段清空。违反导入规则时返回 422 及问题清单。"""
    require(request, Action.CHANGE)
    result = write_rows(request, sheets={"机构": [row_of(data, _UNIT_HEADERS, {"机构代码": code})]}, meta=data)
    unit = Unit.objects.filter(code=code).first()
    day = day_or_today(data.effective)
    version = selectors.unit_version_get(user=request.user, unit=unit, day=day) if unit else None
    return written(result, unit_out(version, day) if version else None)
