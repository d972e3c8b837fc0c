"""人员: the real-name roster as of a day, searched by name or full ID number; upserts through the
import rules.

domain.md §11: ID numbers are masked per role, and a role that sees a person's number masked learns
nothing finer than the year from the birth date (age as of 1 January, retirement months as years,
no birth date); people are named by opaque refs (``id``), and searches by a whole number are counted,
logged and limited for every role that does not see every number. A unit HR officer changes people
of its subtree; it puts a new person on staff only through the onboarding procedure, and gets one
answer for a number stored elsewhere and one stored nowhere, and for a unit code elsewhere or nowhere."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from pydantic import StringConstraints

from bianzhi.accounts.permissions import Action, mask_id_number, scope, sees_full_id
from bianzhi.accounts.privacy import is_full_number, person_pk, person_ref, shown_age, shown_month
from bianzhi.api import selectors
from bianzhi.api.common import (
    day_or_today,
    full_number_search,
    open_from,
    open_to,
    replies,
    require_somewhere,
    written,
)
from bianzhi.api.errors import ApiError, not_found, unit_not_found
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
from bianzhi.registry.choices import Gender, PersonCategory, PersonStatus, PositionCategory, StaffingType
from bianzhi.registry.choices import Sequence as SequenceChoice
from bianzhi.registry.models import Person, PersonVersion, Unit, UnitVersion

router = Router(tags=["人员"])

#: What a unit HR officer is told for any number that is not a person of its subtree (stored in another
#: unit or nowhere: the same answer, so the platform is no register-wide existence oracle).
PROCEDURE_REQUIRED = "单位人事干部新增人员须通过上编程序（核准使用编制通知单）办理"

#: A person in a path: the opaque ref of ``PersonOut.id`` or a whole ID number.
PersonKey = Annotated[
    str, StringConstraints(min_length=18, max_length=26, pattern=r"^(?:[0-9]{17}[0-9Xx]|[A-Za-z2-7]{26})$")
]

PersonKeyPath = Path(..., description="人员编号（PersonOut.id，26 位）或完整的 18 位身份证号")


class PersonOut(Schema):
    id: str = Field(
        ...,
        description="人员编号：26 位字母和数字组成的不透明编号，不含身份证号和登记先后的信息；"
        "可用于 /people/{id_number} 查看该人员（不计入按完整身份证号查询的次数）",
    )
    id_number: str = Field(..., description="身份证号（无权查看完整号码时脱敏，如 330602********123X）")
    id_number_masked: bool = Field(..., description="身份证号是否已脱敏")
    name: str = Field(..., description="姓名")
    gender: str = Field(..., description="性别")
    birth_date: dt.date | None = Field(
        None, description="出生日期（身份证号脱敏时不提供，否则与号码前后几位合起来即可还原号码）"
    )
    age: int = Field(
        ...,
        description="周岁年龄：可查看完整身份证号时为截至日期的周岁；号码脱敏时为截至日期所在年份 1 月 1 日的周岁"
        "（同一年内不随日期变化，不泄露出生月日）",
    )
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
    retirement_month: str = Field(
        ..., description="法定退休月份 YYYY-MM；身份证号脱敏时只给年份 YYYY（月份由出生日期推算，会泄露出生月份）"
    )
    approved_retirement_month: str | None = Field(
        None, description="批准退休年月 YYYY-MM（弹性退休，提前或延迟；未批准时为 null）；身份证号脱敏时只给年份 YYYY"
    )
    retirement_month_used: str = Field(
        ...,
        description="预测和超龄未退监测所用的退休月份 YYYY-MM：批准退休年月，否则法定退休月份；"
        "身份证号脱敏时只给年份 YYYY",
    )
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class PersonFilters(Schema):
    as_of: Day | None = Field(None, description="截至日期（默认今天）")
    q: SearchText = Field(
        "",
        description="姓名（或其中的字）或完整的 18 位身份证号（编办管理员、编办业务人员以外的角色按完整号码查找时"
        "计数并记录，每小时超过限额返回 429）",
    )
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    on_staff: bool | None = Field(None, description="true 只列截至日期在编的人员，false 只列不在编的")
    status: PersonStatus | None = Field(None, description="人员状态")
    staffing_type: StaffingType | None = Field(None, description="编制类型")
    category: PersonCategory | None = Field(None, description="人员类别")
    position_category: PositionCategory | None = Field(None, description="职数类别")
    sequence: SequenceChoice | None = Field(
        None, description="序列：只列截至日期所在机构属于该序列的人员（全局一屏的序列维度）"
    )
    active_unit: bool = Field(
        False, description="true 只列所在机构截至日期在设的人员（编制数据的实有人数只计在设机构，domain.md §3）"
    )


def person_out(version: PersonVersion, day: dt.date, user: Any, unit_names: dict[int, str]) -> dict[str, Any]:
    person: Person = version.person
    whole = sees_full_id(user, version.unit_id)
    on_staff = version.is_on_staff(day)
    approved = version.approved_retirement_month
    return {
        "id": person_ref(person.pk),
        "id_number": person.id_number if whole else mask_id_number(person.id_number),
        "id_number_masked": not whole,
        "name": version.name,
        "gender": version.gender,
        "birth_date": version.birth_date if whole else None,
        "age": shown_age(version.birth_date, day, whole=whole),
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
        "retirement_month": shown_month(version.retirement_month, whole=whole),
        "approved_retirement_month": shown_month(approved, whole=whole) if approved else None,
        "retirement_month_used": shown_month(approved or version.retirement_month, whole=whole),
        "valid_from": open_from(version.valid_from),
        "valid_to": open_to(version.valid_to),
    }


def _unit_names(unit_ids: set[int], day: dt.date) -> dict[int, str]:
    from bianzhi.registry.models import UnitVersion

    rows = UnitVersion.objects.filter(UnitVersion.as_of(day), unit_id__in=unit_ids).values_list("unit_id", "name")
    return dict(rows)


@router.get("/people", response=replies({200: Page[PersonOut]}, 404, 429), summary="人员列表与查询")
def person_list(request: HttpRequest, filters: Query[PersonFilters], page: Query[PageParams]) -> dict[str, Any]:
    """截至某日的实名制人员。q 按姓名（包含）或完整身份证号查找；身份证号按角色脱敏（编办管理员、编办业务人员
    和本单位及下属单位的人事干部看到完整号码），脱敏时不提供出生日期，年龄按当年 1 月 1 日计，退休月份只给年份。
    按完整身份证号查找时，除编办管理员和编办业务人员外每次都计数并记录，每小时超过限额（默认 20 次）返回 429。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    try:
        unit_ids = selectors.units_filter(user=request.user, code=filters.unit, subtree=filters.subtree, day=day)
    except LookupError:
        raise unit_not_found(filters.unit) from None
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
    if filters.sequence:
        in_sequence = UnitVersion.objects.filter(UnitVersion.as_of(day), sequence=filters.sequence)
        qs = qs.filter(unit_id__in=in_sequence.values("unit_id"))
    if filters.active_unit:
        qs = qs.filter(Unit.active_on(day, prefix="unit__"))
    total = qs.count()
    if is_full_number(filters.q):
        full_number_search(request, filters.q, found=total > 0)
    rows = list(qs[page.offset : page.offset + page.limit])
    names = _unit_names({v.unit_id for v in rows}, day)
    return {
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
        "items": [person_out(v, day, request.user, names) for v in rows],
    }


@router.get("/people/{id_number}", response=replies({200: PersonOut}, 404, 429), summary="查看一个人员")
def person_detail(
    request: HttpRequest,
    id_number: PersonKey = PersonKeyPath,
    as_of: Query[Day | None] = None,
) -> dict[str, Any]:
    """按人员编号（列表中的 id）或完整身份证号查看一个人截至某日的信息；无权查看或该日没有记录时返回 404。
    按完整身份证号查看时，除编办管理员和编办业务人员外每次都计数并记录（无论是否找到），每小时超过限额
    （默认 20 次）返回 429 rate_limited。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(as_of)
    if is_full_number(id_number):
        version = selectors.person_version_get(user=request.user, id_number=id_number, day=day)
        full_number_search(request, id_number, found=version is not None)
    else:
        pk = person_pk(id_number.lower())
        version = None if pk is None else selectors.person_version_of(user=request.user, person_id=pk, day=day)
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


#: What a unit HR officer is told for a change only the procedures may make (interchange.md §3).
PROCEDURE_FIELDS_REQUIRED = (
    "单位人事干部不能直接修改人员的机构、编制类型、人员状态、进编日期或职数类别，"
    "须通过上编（核准使用编制通知单）、离编或调编程序办理"
)


def _refuse_procedure_fields(person: Person, data: PersonIn) -> None:
    """403 ``procedure_required`` when a unit HR officer's write would change the person's unit,
    staffing type, status, 进编日期 or 职数类别 (as stored in the latest period): those change only
    through onboarding, leaving and transfer; the office's writes may, marked as bypassing them."""
    latest = PersonVersion.objects.filter(person=person).select_related("unit").order_by("-valid_from").first()
    if latest is None:
        raise ApiError(403, PROCEDURE_REQUIRED, code="procedure_required")
    given = data.model_fields_set
    changed = (
        data.unit != latest.unit.code
        or data.staffing_type != latest.staffing_type
        or data.status != latest.status
        or ("entry_date" in given and data.entry_date != latest.entry_date)
        or ("position_category" in given and (data.position_category or "") != latest.position_category)
    )
    if changed:
        raise ApiError(403, PROCEDURE_FIELDS_REQUIRED, code="procedure_required")


@router.put(
    "/people/{id_number}",
    response=replies({200: Saved[PersonOut], 201: Saved[PersonOut]}, 400, 404),
    summary="新增或修改人员（进编、变动、离编）",
)
def person_put(request: HttpRequest, id_number: Path[IdNumber], data: PersonIn) -> Any:
    """按身份证号新增或修改一个人员，经与导入相同的校验、生效日期和变更日志。未提供的字段保留原值，值为 null
    的字段清空。单位人事干部只能修改本单位及下属单位已有的人员，不能用本接口新增人员：凡不是其管理范围内人员的
    号码（无论登记在其他单位还是从未登记），一律返回 403 procedure_required（新增人员须通过上编程序）；
    写入的机构代码或内设机构代码不存在或不在其管理范围内时，一律返回 404。"""
    require_somewhere(request, Action.CHANGE_PEOPLE)
    number = id_number.upper()
    allowed = scope(request.user, Action.CHANGE_PEOPLE)
    if not allowed.everything:
        person, current_unit = selectors.person_current_unit(id_number=number)
        if person is None or not allowed.covers(current_unit):
            raise ApiError(403, PROCEDURE_REQUIRED, code="procedure_required")
        for code in (data.unit, data.internal_division):
            if code and selectors.unit_get(user=request.user, code=code, action=Action.CHANGE_PEOPLE) is None:
                raise unit_not_found(code)
        _refuse_procedure_fields(person, data)
    row = row_of(data, _PERSON_HEADERS, {"身份证号": number})
    result = write_rows(request, sheets={"人员": [row]}, meta=data)
    day = day_or_today(data.effective)
    version = selectors.person_version_get(user=request.user, id_number=number, day=day)
    item = person_out(version, day, request.user, _unit_names({version.unit_id}, day)) if version else None
    return written(result, item)
