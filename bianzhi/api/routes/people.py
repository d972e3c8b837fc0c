"""人员: the real-name roster as of a day, searched by name or full ID number, ID numbers masked per
role (domain.md §11); upserts through the import rules, a unit HR officer only within its subtree."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from bianzhi.accounts.permissions import Action, can, mask_id_number, sees_full_id
from bianzhi.api import selectors
from bianzhi.api.common import (
    day_or_today,
    open_from,
    open_to,
    replies,
    require_somewhere,
    written,
)
from bianzhi.api.errors import ApiError, not_found
from bianzhi.api.schemas import (
    Day,
    IdNumber,
    Month,
    Name64,
    Page,
    PageParams,
    Saved,
    SearchText,
    Text32,
    Text64,
    Text100,
    UnitCode,
    WriteMeta,
)
from bianzhi.api.writes import row_of, write_rows
from bianzhi.core.dates import format_month
from bianzhi.registry.choices import Gender, PersonCategory, PersonStatus, PositionCategory, StaffingType
from bianzhi.registry.models import Person, PersonVersion, Unit

router = Router(tags=["人员"])


class PersonOut(Schema):
    id: int = Field(..., description="人员编号")
    id_number: str = Field(..., description="身份证号（无权查看完整号码时脱敏，如 330602********123X）")
    id_number_masked: bool = Field(..., description="身份证号是否已脱敏")
    name: str = Field(..., description="姓名")
    gender: str = Field(..., description="性别")
    birth_date: dt.date | None = Field(
        None, description="出生日期（身份证号脱敏时不提供，否则与号码前后几位合起来即可还原号码）"
    )
    age: int = Field(..., description="截至日期的周岁年龄")
    ethnicity: str = Field(..., description="民族")
    political_status: str = Field(..., description="政治面貌")
    education: str = Field(..., description="学历")
    degree: str = Field(..., description="学位")
    title: str = Field(..., description="职称")
    category: str = Field(..., description="人员类别")
    unit: str = Field(..., description="机构代码（占用其编制的机构）")
    unit_name: str = Field(..., description="机构名称")
    internal_division: str | None = Field(None, description="内设机构代码")
    staffing_type: str = Field(..., description="编制类型")
    post: str = Field(..., description="职务")
    position_category: str = Field(..., description="职数类别")
    status: str = Field(..., description="人员状态")
    on_staff: bool = Field(..., description="截至日期是否在编（domain.md §3）")
    entry_date: dt.date | None = Field(None, description="进编日期")
    left_date: dt.date | None = Field(None, description="离编日期")
    written_off_date: dt.date | None = Field(None, description="核销日期")
    original_retirement_age: int | None = Field(None, description="原退休年龄")
    retirement_month: str = Field(..., description="法定退休月份 YYYY-MM")
    approved_retirement_month: str | None = Field(
        None, description="批准退休年月 YYYY-MM（弹性退休，提前或延迟；未批准时为 null）"
    )
    retirement_month_used: str = Field(
        ..., description="预测和超龄未退监测所用的退休月份 YYYY-MM：批准退休年月，否则法定退休月份"
    )
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class PersonFilters(Schema):
    as_of: Day | None = Field(None, description="截至日期（默认今天）")
    q: SearchText = Field("", description="姓名（或其中的字）或完整的 18 位身份证号")
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    on_staff: bool | None = Field(None, description="true 只列截至日期在编的人员，false 只列不在编的")
    status: PersonStatus | None = Field(None, description="人员状态")
    staffing_type: StaffingType | None = Field(None, description="编制类型")
    category: PersonCategory | None = Field(None, description="人员类别")
    position_category: PositionCategory | None = Field(None, description="职数类别")


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def person_out(version: PersonVersion, day: dt.date, user: Any, unit_names: dict[int, str]) -> dict[str, Any]:
    person: Person = version.person
    whole = sees_full_id(user, version.unit_id)
    on_staff = version.is_on_staff(day)
    approved = version.approved_retirement_month
    return {
        "id": person.pk,
        "id_number": person.id_number if whole else mask_id_number(person.id_number),
        "id_number_masked": not whole,
        "name": version.name,
        "gender": version.gender,
        "birth_date": version.birth_date if whole else None,
        "age": _age(version.birth_date, day),
        "ethnicity": version.ethnicity,
        "political_status": version.political_status,
        "education": version.education,
        "degree": version.degree,
        "title": version.title,
        "category": version.category,
        "unit": version.unit.code,
        "unit_name": unit_names.get(version.unit_id, ""),
        "internal_division": version.internal_division.code if version.internal_division else None,
        "staffing_type": version.staffing_type,
        "post": version.post,
        "position_category": version.position_category,
        "status": version.status_on(day),
        "on_staff": on_staff,
        "entry_date": version.entry_date,
        "left_date": version.left_on if version.left_on and version.left_on <= day else None,
        "written_off_date": version.written_off_date
        if version.written_off_date and version.written_off_date <= day
        else None,
        "original_retirement_age": version.original_age,
        "retirement_month": format_month(version.retirement_month),
        "approved_retirement_month": format_month(approved) if approved else None,
        "retirement_month_used": format_month(approved or version.retirement_month),
        "valid_from": open_from(version.valid_from),
        "valid_to": open_to(version.valid_to),
    }


def _unit_names(unit_ids: set[int], day: dt.date) -> dict[int, str]:
    from bianzhi.registry.models import UnitVersion

    rows = UnitVersion.objects.filter(UnitVersion.as_of(day), unit_id__in=unit_ids).values_list("unit_id", "name")
    return dict(rows)


@router.get("/people", response=replies({200: Page[PersonOut]}, 404), summary="人员列表与查询")
def person_list(request: HttpRequest, filters: Query[PersonFilters], page: Query[PageParams]) -> dict[str, Any]:
    """截至某日的实名制人员。q 按姓名（包含）或完整身份证号查找；身份证号按角色脱敏（编办管理员、编办业务人员
    和本单位及下属单位的人事干部看到完整号码）。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    try:
        unit_ids = selectors.units_filter(user=request.user, code=filters.unit, subtree=filters.subtree, day=day)
    except LookupError:
        raise not_found(f"机构 {filters.unit}") from None
    qs = selectors.person_version_list(
        user=request.user,
        day=day,
        unit_ids=unit_ids,
        q=filters.q,
        on_staff=filters.on_staff,
        status=filters.status or "",
        staffing_type=filters.staffing_type or "",
        category=filters.category or "",
        position_category=filters.position_category or "",
    )
    total = qs.count()
    rows = list(qs[page.offset : page.offset + page.limit])
    names = _unit_names({v.unit_id for v in rows}, day)
    return {
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
        "items": [person_out(v, day, request.user, names) for v in rows],
    }


@router.get("/people/{id_number}", response=replies({200: PersonOut}, 404), summary="按身份证号查看人员")
def person_detail(request: HttpRequest, id_number: Path[IdNumber], as_of: Query[Day | None] = None) -> dict[str, Any]:
    """按完整身份证号查看一个人截至某日的信息；无权查看或该日没有记录时返回 404。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(as_of)
    version = selectors.person_version_get(user=request.user, id_number=id_number, day=day)
    if version is None:
        raise not_found("该人员")
    return person_out(version, day, request.user, _unit_names({version.unit_id}, day))


class PersonIn(WriteMeta):
    """人员 sheet columns. A field left out keeps the stored value; ``null`` clears it (interchange.md §1)."""

    name: Name64 = Field(..., description="姓名")
    gender: Gender = Field(..., description="性别（须与身份证号第 17 位一致）")
    birth_date: Day = Field(..., description="出生日期（须与身份证号一致）")
    category: PersonCategory = Field(..., description="人员类别")
    unit: UnitCode = Field(..., description="机构代码（占用其编制的机构，不能是内设机构）")
    staffing_type: StaffingType = Field(..., description="编制类型")
    status: PersonStatus = Field(..., description="人员状态")
    ethnicity: Text32 | None = Field(None, description="民族")
    political_status: Text32 | None = Field(None, description="政治面貌")
    education: Text32 | None = Field(None, description="学历")
    degree: Text32 | None = Field(None, description="学位")
    title: Text64 | None = Field(None, description="职称")
    internal_division: UnitCode | None = Field(None, description="内设机构代码（上级须为该机构）")
    post: Text100 | None = Field(None, description="职务")
    position_category: PositionCategory | None = Field(None, description="职数类别")
    entry_date: Day | None = Field(None, description="进编日期")
    left_date: Day | None = Field(None, description="离编日期")
    written_off_date: Day | None = Field(None, description="核销日期")
    original_retirement_age: Literal[50, 55, 60] | None = Field(None, description="原退休年龄")
    approved_retirement_month: Month | None = Field(
        None, description="批准退休年月 YYYY-MM（弹性退休，须在法定退休月份前后 3 年内且不早于原退休年龄）"
    )


_PERSON_HEADERS = {
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "category": "人员类别",
    "unit": "机构代码",
    "staffing_type": "编制类型",
    "status": "人员状态",
    "ethnicity": "民族",
    "political_status": "政治面貌",
    "education": "学历",
    "degree": "学位",
    "title": "职称",
    "internal_division": "内设机构代码",
    "post": "职务",
    "position_category": "职数类别",
    "entry_date": "进编日期",
    "left_date": "离编日期",
    "written_off_date": "核销日期",
    "original_retirement_age": "原退休年龄",
    "approved_retirement_month": "批准退休年月",
}


@router.put(
    "/people/{id_number}",
    response=replies({200: Saved[PersonOut], 201: Saved[PersonOut]}, 400),
    summary="新增或修改人员（进编、变动、离编）",
)
def person_put(request: HttpRequest, id_number: Path[IdNumber], data: PersonIn) -> Any:
    """按身份证号新增或修改一个人员，经与导入相同的校验、生效日期和变更日志。单位人事干部只能写入本单位及
    下属单位的人员，且不能改动其他单位的人员。未提供的字段保留原值，值为 null 的字段清空。"""
    require_somewhere(request, Action.CHANGE_PEOPLE)
    number = id_number.upper()
    target = Unit.objects.filter(code=data.unit).first()
    if target is not None and not can(request.user, Action.CHANGE_PEOPLE, target):
        raise ApiError(403, f"无权写入机构 {data.unit} 的人员：不在本人管理范围内")
    if target is None and not can(request.user, Action.CHANGE_PEOPLE):
        raise ApiError(403, f"无权写入机构 {data.unit} 的人员：不在本人管理范围内")
    person, current_unit = selectors.person_current_unit(id_number=number)
    if person is not None and not can(request.user, Action.CHANGE_PEOPLE, current_unit):
        raise ApiError(403, "无权修改该人员：其所在机构不在本人管理范围内")
    row = row_of(data, _PERSON_HEADERS, {"身份证号": number})
    result = write_rows(request, sheets={"人员": [row]}, meta=data)
    day = day_or_today(data.effective)
    version = selectors.person_version_get(user=request.user, id_number=number, day=day)
    item = person_out(version, day, request.user, _unit_names({version.unit_id}, day)) if version else None
    return written(result, item)
