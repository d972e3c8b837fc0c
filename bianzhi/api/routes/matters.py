"""机构编制事项 and the ledger (台账): the API operations (issue 14).

Officers and the administrator draft, submit, review, countersign, return and execute matters;
leaders (and the administrator) decide; everyone reads, a unit HR officer only the matters of its
units (another unit's matter is 404, as one that does not exist). Every step goes through
``bianzhi.matters.services``, which checks the role and the state and logs the change.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import AfterValidator, StrictBool

from bianzhi.accounts.permissions import Action
from bianzhi.accounts.privacy import sees_every_number, shown_text
from bianzhi.api.common import origin, paginate, replies, require_somewhere
from bianzhi.api.errors import ApiError, not_found, unit_not_found
from bianzhi.api.schemas import (
    MAX_ID,
    BodyIn,
    Day,
    Name200,
    Page,
    PageParams,
    SearchText,
    Text100,
    Text200,
    Text2000,
    UnitCode,
    clean_text,
)
from bianzhi.core.changelog import change_origin
from bianzhi.core.dates import today
from bianzhi.core.models import ChangeSet
from bianzhi.matters import selectors, services
from bianzhi.matters.models import Matter, MatterKind, MatterState

router = Router(tags=["机构编制事项"])

MatterId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="事项编号")]


def _clean_change(value: dict[str, Any]) -> dict[str, Any]:
    """The change is JSON of the shape its kind needs (checked by the service); here only that it
    stores: no control characters in any text, at most 20,000 characters in all."""

    def walk(item: Any) -> None:
        if isinstance(item, str):
            clean_text(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                walk(key)
                walk(inner)
        elif isinstance(item, list):
            for inner in item:
                walk(inner)

    walk(value)
    if len(json.dumps(value, ensure_ascii=False)) > 20_000:
        raise ValueError("变更内容过长（最多 20,000 个字符）")
    return value


Change = Annotated[dict[str, Any], AfterValidator(_clean_change)]


class StepOut(Schema):
    action: str = Field(..., description="操作，如 提交、审核、编委决定通过、退回至草稿、执行")
    from_state: str = Field(..., description="原状态")
    to_state: str = Field(..., description="新状态")
    actor: str = Field(..., description="操作人")
    at: dt.datetime = Field(..., description="时间")
    opinion: str = Field(..., description="意见")


class CountersignOut(Schema):
    office: str = Field(..., description="会签单位")
    signed: bool = Field(..., description="是否已会签")
    agreed: bool = Field(..., description="是否同意")
    actor: str = Field(..., description="会签人")
    signed_at: dt.datetime | None = Field(None, description="会签时间")
    opinion: str = Field(..., description="会签意见")


class MatterOut(Schema):
    id: int
    kind: str = Field(..., description="事项类型")
    title: str = Field(..., description="标题")
    state: str = Field(..., description="状态：draft、submitted、reviewed、decided、executed、rejected、withdrawn")
    state_label: str = Field(..., description="状态（中文）")
    units: list[str] = Field(..., description="涉及机构的机构代码")
    change: dict[str, Any] = Field(..., description="变更内容（按事项类型的结构）")
    effective: dt.date | None = Field(None, description="拟生效日期")
    document_number: str = Field(..., description="文号")
    major: bool = Field(..., description="重大事项（党委决定）")
    decision_body: str = Field(..., description="决定机关：编委或党委")
    basis: str = Field(..., description="事由与依据")
    amends: int | None = Field(None, description="所撤销更正的事项编号")
    reason: str = Field(..., description="撤销更正理由")
    corrected_by: list[int] = Field(..., description="更正本事项的撤销更正事项编号")
    created_by: str = Field(..., description="拟稿人")
    created_at: dt.datetime
    executed_on: dt.date | None = Field(None, description="执行生效日期")
    change_set: int | None = Field(None, description="执行时的变更批次编号")
    steps: list[StepOut] = Field(..., description="办理过程（时间线）")
    countersigns: list[CountersignOut] = Field(..., description="会签")


def _shown(value: Any, whole: bool) -> Any:
    if isinstance(value, str):
        return shown_text(value, whole=whole)
    if isinstance(value, dict):
        return {k: _shown(v, whole) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v, whole) for v in value]
    return value


def matter_out(matter: Matter, whole: bool) -> dict[str, Any]:
    """A matter as the reader sees it: free text (and ID numbers in a split's people) masked for the
    roles that see numbers masked."""
    return {
        "id": matter.pk,
        "kind": matter.kind,
        "title": shown_text(matter.title, whole=whole),
        "state": matter.state,
        "state_label": matter.get_state_display(),
        "units": sorted(u.code for u in matter.units.all()),
        "change": _shown(matter.change, whole),
        "effective": matter.effective,
        "document_number": shown_text(matter.document_number, whole=whole),
        "major": matter.major,
        "decision_body": matter.decided_by_body or matter.decision_body,
        "basis": shown_text(matter.basis, whole=whole),
        "amends": matter.amends_id,
        "reason": shown_text(matter.reason, whole=whole),
        "corrected_by": [m.pk for m in matter.corrections.all()],
        "created_by": matter.created_by.get_full_name() or matter.created_by.get_username()
        if matter.created_by
        else "",
        "created_at": matter.created_at,
        "executed_on": matter.executed_on,
        "change_set": matter.change_set_id,
        "steps": [
            {
                "action": s.action,
                "from_state": s.from_state,
                "to_state": s.to_state,
                "actor": s.actor,
                "at": s.at,
                "opinion": shown_text(s.opinion, whole=whole),
            }
            for s in matter.steps.all()
        ],
        "countersigns": [
            {
                "office": c.office,
                "signed": c.signed,
                "agreed": c.agreed,
                "actor": c.actor,
                "signed_at": c.signed_at,
                "opinion": shown_text(c.opinion, whole=whole),
            }
            for c in matter.countersigns.all()
        ],
    }


def _refused(exc: services.MatterRefused) -> ApiError:
    return ApiError(exc.status, exc.message, code=exc.code, problems=exc.problems)


def _matter(request: HttpRequest, matter_id: int) -> Matter:
    require_somewhere(request, Action.VIEW)
    matter = selectors.matter_get(user=request.user, pk=matter_id)
    if matter is None:
        raise not_found(f"事项 #{matter_id}（不存在或不在本人管理范围内）")
    return matter


def _reply(request: HttpRequest, matter: Matter) -> dict[str, Any]:
    fresh = selectors.matter_get(user=request.user, pk=matter.pk)
    return matter_out(fresh or matter, sees_every_number(request.user))


class MatterFilters(Schema):
    state: MatterState | None = Field(None, description="状态")
    kind: MatterKind | None = Field(None, description="事项类型")
    unit: UnitCode | None = Field(None, description="涉及的机构代码")
    q: SearchText = Field("", description="按标题或文号查找")


@router.get("/matters", response=replies({200: Page[MatterOut]}, 404), summary="机构编制事项列表")
def matter_list(request: HttpRequest, filters: Query[MatterFilters], page: Query[PageParams]) -> dict[str, Any]:
    """本人可见的机构编制事项，最新的在前；单位人事干部只看到涉及本单位（含下属）的事项。"""
    require_somewhere(request, Action.VIEW)
    unit = None
    if filters.unit:
        unit = selectors.visible_unit(user=request.user, code=filters.unit)
        if unit is None:
            raise unit_not_found(filters.unit)
    qs = selectors.matter_list(
        user=request.user,
        state=filters.state or "",
        kind=filters.kind or "",
        unit=unit,
        q=filters.q.strip(),
    ).prefetch_related("units", "steps", "countersigns", "corrections")
    whole = sees_every_number(request.user)
    return paginate(qs, page, lambda m: matter_out(m, whole))


NewKind = Literal[
    "设立",
    "撤销",
    "合并",
    "分设",
    "更名",
    "调整规格",
    "职责调整",
    "增编",
    "减编",
    "划转编制",
    "调整职数",
    "增设内设机构",
    "撤销内设机构",
]


class MatterIn(BodyIn):
    kind: NewKind = Field(..., description="事项类型（撤销更正经 /amend 发起）")
    title: Name200 = Field(..., description="标题")
    change: Change = Field(..., description="变更内容，结构随事项类型（见 README：机构编制事项）")
    effective: Day | None = Field(None, description="拟生效日期（执行时可另定）")
    document_number: Text200 = Field("", description="文号")
    major: StrictBool = Field(False, description="重大事项，由党委决定")
    basis: Text2000 = Field("", description="事由与依据")
    countersign_offices: list[Text100] = Field(default_factory=list, max_length=20, description="须会签的单位")


@router.post("/matters", response=replies({201: MatterOut}, 400), summary="拟稿机构编制事项")
def matter_create(request: HttpRequest, data: MatterIn) -> Any:
    """新建一个草稿状态的机构编制事项（编办管理员、编办业务人员）；变更内容不合要求时返回 422。"""
    try:
        with change_origin(source=ChangeSet.Source.API, origin=origin(request)):
            matter = services.matter_create(
                user=request.user,
                kind=data.kind,
                title=data.title,
                change=data.change,
                effective=data.effective,
                document_number=data.document_number,
                major=data.major,
                basis=data.basis,
                countersign_offices=data.countersign_offices,
            )
    except services.MatterRefused as exc:
        raise _refused(exc) from None
    return Status(201, _reply(request, matter))


@router.get("/matters/{matter_id}", response=replies({200: MatterOut}, 404), summary="机构编制事项详情")
def matter_detail(request: HttpRequest, matter_id: MatterId) -> dict[str, Any]:
    """一个事项及其办理过程（时间线）和会签；不存在或不在本人管理范围内时返回 404。"""
    return matter_out(_matter(request, matter_id), sees_every_number(request.user))


class OpinionIn(BodyIn):
    opinion: Text2000 = Field("", description="意见")


class CountersignIn(BodyIn):
    office: Name200 = Field(..., description="会签单位（须为事项列明的会签单位）")
    opinion: Text2000 = Field("", description="会签意见")
    agreed: StrictBool = Field(True, description="是否同意")


class DecideIn(BodyIn):
    approve: StrictBool = Field(..., description="true 通过，false 不通过")
    opinion: Text2000 = Field("", description="决定意见")


class ReturnIn(BodyIn):
    to_state: Literal["draft", "submitted", "reviewed"] = Field(..., description="退回到的步骤（须早于当前步骤）")
    opinion: Text2000 = Field(..., description="退回意见（必填）")


class ExecuteIn(BodyIn):
    effective: Day | None = Field(
        None, description="生效日期（默认拟生效日期，否则今天）；不得早于所变更数据的最近一次变更"
    )


class AmendIn(BodyIn):
    reason: Text2000 = Field(..., description="撤销更正理由（必填）")
    title: Text200 = Field("", description="标题（默认“撤销更正：原标题”）")
    replacement: Change | None = Field(None, description="更正后的变更内容（与原事项同类型）；为空则只撤销原事项")
    effective: Day | None = Field(None, description="拟生效日期")
    document_number: Text200 = Field("", description="文号")


def _run(request: HttpRequest, call: Any) -> Any:
    try:
        with change_origin(source=ChangeSet.Source.API, origin=origin(request)):
            return call()
    except services.MatterRefused as exc:
        raise _refused(exc) from None


_STEP_ERRORS = (400, 404, 409)


@router.post("/matters/{matter_id}/submit", response=replies({200: MatterOut}, *_STEP_ERRORS), summary="提交事项")
def matter_submit(request: HttpRequest, matter_id: MatterId, data: OpinionIn) -> dict[str, Any]:
    """草稿 → 已提交（编办管理员、编办业务人员）；通知编办业务人员。状态不符返回 409。"""
    matter = _matter(request, matter_id)
    _run(request, lambda: services.matter_submit(matter=matter, user=request.user, opinion=data.opinion))
    return _reply(request, matter)


@router.post("/matters/{matter_id}/review", response=replies({200: MatterOut}, *_STEP_ERRORS), summary="审核事项")
def matter_review(request: HttpRequest, matter_id: MatterId, data: OpinionIn) -> dict[str, Any]:
    """已提交 → 已审核（编办审核，提请编委或党委决定）。"""
    matter = _matter(request, matter_id)
    _run(request, lambda: services.matter_review(matter=matter, user=request.user, opinion=data.opinion))
    return _reply(request, matter)


@router.post("/matters/{matter_id}/countersign", response=replies({200: MatterOut}, *_STEP_ERRORS), summary="会签事项")
def matter_countersign(request: HttpRequest, matter_id: MatterId, data: CountersignIn) -> dict[str, Any]:
    """记录一个单位的会签意见（已提交或已审核时）；单位不在会签名单中返回 404，已会签返回 409。"""
    matter = _matter(request, matter_id)
    _run(
        request,
        lambda: services.matter_countersign(
            matter=matter, user=request.user, office=data.office, opinion=data.opinion, agreed=data.agreed
        ),
    )
    return _reply(request, matter)


@router.post("/matters/{matter_id}/decide", response=replies({200: MatterOut}, *_STEP_ERRORS), summary="决定事项")
def matter_decide(request: HttpRequest, matter_id: MatterId, data: DecideIn) -> dict[str, Any]:
    """已审核 → 已决定（通过）或未通过，由领导作出（重大事项为党委决定）；尚有单位未会签时返回 409 countersign_pending。"""
    matter = _matter(request, matter_id)
    _run(
        request,
        lambda: services.matter_decide(matter=matter, user=request.user, approve=data.approve, opinion=data.opinion),
    )
    return _reply(request, matter)


@router.post("/matters/{matter_id}/return", response=replies({200: MatterOut}, *_STEP_ERRORS), summary="退回事项")
def matter_return(request: HttpRequest, matter_id: MatterId, data: ReturnIn) -> dict[str, Any]:
    """退回到此前任一步骤，须写明意见；通知拟稿人。"""
    matter = _matter(request, matter_id)
    _run(
        request,
        lambda: services.matter_return(matter=matter, user=request.user, to_state=data.to_state, opinion=data.opinion),
    )
    return _reply(request, matter)


@router.post("/matters/{matter_id}/withdraw", response=replies({200: MatterOut}, *_STEP_ERRORS), summary="撤回事项")
def matter_withdraw(request: HttpRequest, matter_id: MatterId, data: OpinionIn) -> dict[str, Any]:
    """拟稿人在作出决定前撤回事项。"""
    matter = _matter(request, matter_id)
    _run(request, lambda: services.matter_withdraw(matter=matter, user=request.user, opinion=data.opinion))
    return _reply(request, matter)


@router.post("/matters/{matter_id}/execute", response=replies({200: MatterOut}, *_STEP_ERRORS), summary="执行事项")
def matter_execute(request: HttpRequest, matter_id: MatterId, data: ExecuteIn) -> dict[str, Any]:
    """已决定 → 已执行：按生效日期把变更写入登记数据（与导入相同的校验和变更日志，记文号）。机构暂缓审批期间
    执行增加编制或职数的事项返回 409 unit_suspended；生效日期早于最近一次变更返回 422 backdated。"""
    matter = _matter(request, matter_id)
    _run(request, lambda: services.matter_execute(matter=matter, user=request.user, effective=data.effective))
    return _reply(request, matter)


@router.post("/matters/{matter_id}/amend", response=replies({201: MatterOut}, *_STEP_ERRORS), summary="撤销更正事项")
def matter_amend(request: HttpRequest, matter_id: MatterId, data: AmendIn) -> Any:
    """对已执行（已锁定）的事项发起撤销更正：新建一个引用它的“撤销更正”事项（草稿），理由必填；执行时恢复原数据，
    并按更正后的变更内容（如有）写入。"""
    matter = _matter(request, matter_id)
    correction = _run(
        request,
        lambda: services.matter_amend(
            matter=matter,
            user=request.user,
            reason=data.reason,
            title=data.title,
            replacement=data.replacement,
            effective=data.effective,
            document_number=data.document_number,
        ),
    )
    return Status(201, _reply(request, correction))


# ---------------------------------------------------------------- the ledger


class LedgerEntryOut(Schema):
    day: dt.date | None = Field(None, description="生效日期（空为登记之初）")
    recorded_at: dt.datetime = Field(..., description="记录时间")
    entity: str = Field(..., description="对象：机构、编制、职数、周转编制、职责")
    unit: str = Field(..., description="机构代码")
    item: str = Field(..., description="项目：编制类型、职数类别或机构信息栏目")
    before: Any = Field(None, description="变更前")
    after: Any = Field(None, description="变更后")
    delta: int | None = Field(None, description="增减数（编制、职数、周转编制）")
    document_number: str = Field(..., description="文号")
    source: str = Field(..., description="来源：机构编制事项 #编号，或 导入、接口、网页…")
    reason: str = Field(..., description="理由")
    bypasses_approval: bool = Field(..., description="未经审批流程（编办的导入和更正）")
    matter: int | None = Field(None, description="机构编制事项编号")
    change_set: int | None = Field(None, description="变更批次编号（仅可查看变更日志的角色）")
    actor: str = Field(..., description="操作人（仅可查看变更日志的角色）")


class StaffingRowOut(Schema):
    staffing_type: str
    quota: int = Field(..., description="核定编制")
    loans: int = Field(..., description="使用中的周转编制")
    approved: int = Field(..., description="核定数（含周转编制）")
    actual: int = Field(..., description="实有人数")


class PositionRowOut(Schema):
    category: str
    approved: int = Field(..., description="核定职数")
    actual: int = Field(..., description="实配")


class UnitRegisterOut(Schema):
    day: dt.date
    code: str
    name: str
    kind: str
    rank: str
    parent: str
    active: bool
    staffing: list[StaffingRowOut]
    positions: list[PositionRowOut]


class LedgerOut(Schema):
    unit: str
    as_of: dt.date = Field(..., description="登记数据的截至日期")
    unit_register: UnitRegisterOut = Field(..., description="截至该日的机构名称、规格、编制和职数")
    days: list[dt.date] = Field(..., description="有变更的生效日期（页面的日期滑块）")
    entries: list[LedgerEntryOut] = Field(..., description="台账：截至该日的每一项变更，最早的在前")


@router.get("/units/{code}/ledger", response=replies({200: LedgerOut}, 404), summary="机构台账")
def unit_ledger(
    request: HttpRequest,
    code: Path[UnitCode],
    as_of: Query[Day | None] = None,
) -> dict[str, Any]:
    """一个机构的台账：编制、职数、周转编制和机构设置的每一项变更（变更前、变更后、增减、生效日期、文号、来源），
    机构编制事项与编办的导入、更正（标明未经审批流程）一并列出；并给出截至该日的登记数据。"""
    require_somewhere(request, Action.VIEW)
    unit = selectors.visible_unit(user=request.user, code=code)
    if unit is None:
        raise unit_not_found(code)
    day = as_of or today()
    entries = selectors.ledger(user=request.user, unit=unit)
    register = selectors.unit_register(unit=unit, day=day)
    shown = [e for e in entries if e.day is None or e.day <= day]
    return {
        "unit": unit.code,
        "as_of": day,
        "unit_register": register.__dict__,
        "days": selectors.ledger_days(entries),
        "entries": [
            {
                **e.__dict__,
                "bypasses_approval": e.bypasses,
                "matter": e.matter_id,
                "change_set": e.change_set_id,
            }
            for e in shown
        ],
    }
