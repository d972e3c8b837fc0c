"""用编审批: the API operations of staffing use and position use (interchange.md §3 fixes some of them).

Requests (用编申请, or 职数使用申请 with ``position_category``) move draft → submitted → approved /
rejected / returned / withdrawn; an approval issues a slip (核准使用编制通知单 ``YB-YYYY-NNNN``, 职数
``ZS-YYYY-NNNN``) that reserves its places until people are put on staff against it or it expires;
people leave and are written off under /people/{id_number}/…. Checks run in the contract's order:
a malformed body (422) → a unit the caller may not see (404) → the role (403) → the state (409
``invalid_state``) → the suspension (409 ``unit_suspended``) → the room (409 ``insufficient_usable``
/ ``insufficient_positions``). The rules live in ``bianzhi.approvals.services``; this module only
translates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Body, Field, Path, Query, Router, Schema, Status
from pydantic import StringConstraints
from pydantic import ValidationError as PydanticValidationError

from bianzhi.accounts.permissions import Action
from bianzhi.accounts.privacy import is_full_number, person_pk, sees_every_number, shown_text
from bianzhi.api import selectors as api_selectors
from bianzhi.api.common import full_number_search, origin, paginate, replies, require_somewhere
from bianzhi.api.errors import ApiError, not_found, unit_not_found, validation_items
from bianzhi.api.routes.people import PersonKey, PersonKeyPath, PersonOut, _unit_names, person_out
from bianzhi.api.schemas import MAX_ID, BodyIn, Day, Page, PageParams, PositiveCount, Text200, Text2000, UnitCode
from bianzhi.api.writes import precheck
from bianzhi.approvals import selectors, services
from bianzhi.approvals.models import ReasonKind, RequestState, Slip, StaffingPlan, StaffingRequest
from bianzhi.core.changelog import change_origin
from bianzhi.core.dates import today
from bianzhi.core.models import ChangeSet
from bianzhi.registry.choices import PositionCategory, StaffingType
from bianzhi.registry.importer.schema import PEOPLE
from bianzhi.registry.models import Person, PersonVersion

router = Router(tags=["用编审批"])

SlipNumber = Annotated[str, StringConstraints(pattern=r"^(?:YB|ZS|yb|zs)-[0-9]{4}-[0-9]{4,6}$", max_length=16)]
SlipNumberPath = Path(..., description="通知单编号，如 YB-2026-0001")
LeavingStatus = Literal["退休", "调出", "辞职", "辞退", "开除", "死亡"]


# ---------------------------------------------------------------- shapes


class SlipOut(Schema):
    number: str = Field(..., description="通知单编号（YB-YYYY-NNNN 用编，ZS-YYYY-NNNN 职数），可用于路径")
    unit: str = Field(..., description="机构代码")
    staffing_type: str = Field(..., description="编制类型")
    position_category: str | None = Field(None, description="职数类别（职数使用通知单）")
    count: int = Field(..., description="核准数")
    remaining: int = Field(..., description="尚未使用的名额")
    approved_on: dt.date = Field(..., description="核准日期")
    expires_on: dt.date = Field(..., description="有效期至（含当日）")
    expired: bool = Field(..., description="今天是否已过期")
    document_number: str = Field(..., description="批准文号（与通知单编号分开）")
    request: int = Field(..., description="用编申请编号")


class StepOut(Schema):
    action: str = Field(..., description="操作：create、submit、approve、reject、return、withdraw")
    from_state: str = Field(..., description="原状态（新建时为空）")
    to_state: str = Field(..., description="新状态")
    user: str = Field(..., description="操作人")
    at: dt.datetime = Field(..., description="时间")
    opinion: str = Field(..., description="意见")


class RequestOut(Schema):
    id: int
    state: str = Field(
        ...,
        description="状态：draft 草稿、submitted 已提交、returned 已退回、approved 已核准、rejected 未予核准、withdrawn 已撤回",
    )
    state_label: str = Field(..., description="状态（中文）")
    unit: str = Field(..., description="机构代码")
    staffing_type: str = Field(..., description="编制类型")
    position_category: str | None = Field(None, description="职数类别（职数使用申请）")
    count: int = Field(..., description="申请数量")
    reason: str = Field(..., description="理由")
    reason_kind: str = Field(..., description="用编方式（招录、遴选、调入、安置、引进、其他；可空）")
    opinion: str = Field(..., description="最近的审批意见")
    created_at: dt.datetime
    slip: SlipOut | None = Field(None, description="核准后开具的通知单")
    warnings: list[str] = Field(default_factory=list, description="提示（如没有或超出年度用编计划，不阻止核准）")
    steps: list[StepOut] = Field(default_factory=list, description="流转记录")


class PlanOut(Schema):
    id: int
    unit: str
    year: int
    staffing_type: str
    count: int
    note: str
    state: str = Field(..., description="draft 草稿、approved 已批准")
    approved_at: dt.datetime | None = None


class OnboardSlipOut(Schema):
    number: str
    remaining: int


class OnboardOut(Schema):
    person: str = Field(..., description="身份证号")
    person_id: str = Field(..., description="人员编号（不透明，用于 /people/{id_number}）")
    slip: OnboardSlipOut


def _name(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.username) if hasattr(user, "get_full_name") else str(user)


def slip_out(slip: Slip, whole: bool = True) -> dict[str, Any]:
    """A slip as a reader sees it (its 文号 is free text: masked like any other for masked roles)."""
    return {
        "number": slip.number,
        "unit": slip.unit.code,
        "staffing_type": slip.staffing_type,
        "position_category": slip.position_category or None,
        "count": slip.count,
        "remaining": slip.remaining,
        "approved_on": slip.approved_on,
        "expires_on": slip.expires_on,
        "expired": slip.is_expired(today()),
        "document_number": shown_text(slip.document_number, whole=whole),
        "request": slip.request_id,
    }


def request_out(request: StaffingRequest, user: Any, warnings: list[str] | None = None) -> dict[str, Any]:
    whole = sees_every_number(user)
    slip = Slip.objects.filter(request=request).select_related("unit").first()
    return {
        "id": request.pk,
        "state": request.state,
        "state_label": RequestState(request.state).label,
        "unit": request.unit.code,
        "staffing_type": request.staffing_type,
        "position_category": request.position_category or None,
        "count": request.count,
        "reason": shown_text(request.reason, whole=whole),
        "reason_kind": request.reason_kind,
        "opinion": shown_text(request.opinion, whole=whole),
        "created_at": request.created_at,
        "slip": slip_out(slip, whole) if slip else None,
        "warnings": warnings or [],
        "steps": [
            {
                "action": s.action,
                "from_state": s.from_state,
                "to_state": s.to_state,
                "user": _name(s.user),
                "at": s.at,
                "opinion": shown_text(s.opinion, whole=whole),
            }
            for s in request.steps.select_related("user").all()
        ],
    }


def plan_out(plan: StaffingPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "unit": plan.unit.code,
        "year": plan.year,
        "staffing_type": plan.staffing_type,
        "count": plan.count,
        "note": plan.note,
        "state": plan.state,
        "approved_at": plan.approved_at,
    }


def _call(http: HttpRequest, service: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Run a service as the request's user, answering its refusals in the API's error shape."""
    try:
        with change_origin(source=ChangeSet.Source.API, origin=origin(http)):
            return service(user=http.user, **kwargs)
    except services.ProcedureError as exc:
        problems = [p for p in exc.problems if "sheet" in p]
        errors = [
            {"location": f"body.{p['location']}", "message": p["message"]} for p in exc.problems if "location" in p
        ]
        warnings = [w for w in exc.warnings if "sheet" in w]
        raise ApiError(
            exc.status, exc.message, code=exc.code, problems=problems, errors=errors, warnings=warnings
        ) from None


def _optional_body_doc(schema: type[BodyIn]) -> dict[str, Any]:
    """The OpenAPI of a body that may be left out."""
    return {
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }


def _optional_body(request: HttpRequest, schema: type[BodyIn]) -> Any:
    """A body that may be left out (an empty request gives the defaults): 400 for what is not JSON,
    422 with ``errors`` for a JSON object that breaks the schema."""
    raw = request.body
    if not raw.strip() or request.content_type != "application/json":  # no JSON body: the defaults
        return schema()
    try:
        data = json.loads(raw)
    except ValueError:
        raise ApiError(400) from None
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        items = validation_items([dict(e) for e in exc.errors()])
        raise ApiError(422, errors=[{**i, "location": f"body.{i['location']}"} for i in items]) from None


def _request_or_404(request: HttpRequest, request_id: int) -> StaffingRequest:
    found = selectors.staffing_request_get(user=request.user, pk=request_id)
    if found is None:
        raise not_found("该用编申请，或不在本人管理范围内")
    return found


# ---------------------------------------------------------------- requests


class RequestFilters(Schema):
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    state: RequestState | None = Field(None, description="状态")


@router.get("/staffing-requests", response=replies({200: Page[RequestOut]}, 404), summary="用编申请列表")
def staffing_request_list(
    request: HttpRequest, filters: Query[RequestFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """用编申请和职数使用申请，最近的在前；单位人事干部只看到本单位及下属单位的。"""
    require_somewhere(request, Action.VIEW)
    try:
        unit_ids = api_selectors.units_filter(
            user=request.user, code=filters.unit, subtree=filters.subtree, day=today()
        )
    except LookupError:
        raise unit_not_found(filters.unit) from None
    qs = selectors.staffing_request_list(user=request.user, unit_ids=unit_ids, state=filters.state or "")
    return paginate(qs, page, lambda r: request_out(r, request.user))


class RequestIn(BodyIn):
    unit: UnitCode = Field(..., description="机构代码（不能是内设机构）")
    staffing_type: StaffingType = Field(..., description="编制类型")
    count: PositiveCount = Field(..., description="申请数量")
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)] = Field(
        ..., description="理由"
    )
    position_category: PositionCategory | None = Field(
        None, description="职数类别：填写时为职数使用申请，按核定职数核准"
    )
    reason_kind: ReasonKind | None = Field(None, description="用编方式：招录、遴选、调入、安置、引进、其他")


@router.post("/staffing-requests", response=replies({201: RequestOut}, 400, 404), summary="新建用编申请（草稿）")
def staffing_request_create(request: HttpRequest, data: RequestIn) -> Any:
    """单位人事干部（本单位及下属单位）、编办业务人员、编办管理员新建用编申请，状态为草稿；填写 position_category
    时为职数使用申请。机构不存在或不在本人管理范围内返回 404，角色无权返回 403。"""
    require_somewhere(request, Action.VIEW)
    unit = api_selectors.unit_get(user=request.user, code=data.unit)
    if unit is None:
        raise unit_not_found(data.unit)
    created = _call(
        request,
        services.staffing_request_create,
        unit=unit,
        staffing_type=data.staffing_type,
        count=data.count,
        reason=data.reason,
        position_category=data.position_category or "",
        reason_kind=data.reason_kind or "",
    )
    return Status(201, request_out(created, request.user))


@router.get("/staffing-requests/{request_id}", response=replies({200: RequestOut}, 404), summary="查看一项用编申请")
def staffing_request_detail(
    request: HttpRequest, request_id: int = Path(..., ge=1, le=MAX_ID, description="用编申请编号")
) -> dict[str, Any]:
    """一项用编申请及其流转记录和通知单；不存在或不在本人管理范围内时返回 404。"""
    require_somewhere(request, Action.VIEW)
    return request_out(_request_or_404(request, request_id), request.user)


class OpinionIn(BodyIn):
    opinion: Text2000 = Field("", description="意见")
    reason: Text2000 = Field("", description="理由（记入变更日志；默认用意见或申请理由）")


class RequiredOpinionIn(BodyIn):
    opinion: Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)] = Field(
        ..., description="意见（必填）"
    )
    reason: Text2000 = Field("", description="理由（记入变更日志；默认用意见）")


class ApproveIn(OpinionIn):
    document_number: Text200 = Field("", description="批准文号（记入通知单和变更日志）")


def _transition(request: HttpRequest, request_id: int, service: Callable[..., Any], opinion: str, **kwargs: Any) -> Any:
    require_somewhere(request, Action.VIEW)
    found = _request_or_404(request, request_id)
    return _call(request, service, request=found, opinion=opinion, **kwargs)


@router.post(
    "/staffing-requests/{request_id}/submit",
    openapi_extra=_optional_body_doc(OpinionIn),
    response=replies({200: RequestOut}, 400, 404, 409),
    summary="提交用编申请",
)
def staffing_request_submit(
    request: HttpRequest,
    request_id: int = Path(..., ge=1, le=MAX_ID, description="用编申请编号"),
) -> dict[str, Any]:
    """草稿或已退回的申请提交编办审批（暂缓审批期间也可提交）；其他状态返回 409 invalid_state。
    请求体可省略，或为 {"opinion", "reason"}。"""
    body = _optional_body(request, OpinionIn)
    done = _transition(request, request_id, services.staffing_request_submit, body.opinion, reason=body.reason)
    return request_out(done, request.user)


@router.post(
    "/staffing-requests/{request_id}/approve",
    openapi_extra=_optional_body_doc(ApproveIn),
    response=replies({200: RequestOut}, 400, 404, 409),
    summary="核准用编申请（开具通知单）",
)
def staffing_request_approve(
    request: HttpRequest,
    request_id: int = Path(..., ge=1, le=MAX_ID, description="用编申请编号"),
) -> dict[str, Any]:
    """编办业务人员、领导、编办管理员核准已提交的申请，开具通知单（有效期默认 90 天），名额计入在途。
    暂缓审批期间返回 409 unit_suspended；数量超过可用编制（今天及以后已登记变动各日的最小值）返回 409
    insufficient_usable，职数使用申请超过可用职数返回 409 insufficient_positions。没有或超出年度用编计划
    只作提示（warnings），不阻止核准。"""
    body = _optional_body(request, ApproveIn)
    result = _transition(
        request,
        request_id,
        services.staffing_request_approve,
        body.opinion,
        document_number=body.document_number,
        reason=body.reason,
    )
    return request_out(result.request, request.user, result.warnings)


@router.post(
    "/staffing-requests/{request_id}/reject",
    response=replies({200: RequestOut}, 400, 404, 409),
    summary="不予核准用编申请",
)
def staffing_request_reject(
    request: HttpRequest,
    data: RequiredOpinionIn,
    request_id: int = Path(..., ge=1, le=MAX_ID, description="用编申请编号"),
) -> dict[str, Any]:
    """已提交的申请不予核准，意见必填。"""
    done = _transition(request, request_id, services.staffing_request_reject, data.opinion, reason=data.reason)
    return request_out(done, request.user)


@router.post(
    "/staffing-requests/{request_id}/return",
    response=replies({200: RequestOut}, 400, 404, 409),
    summary="退回用编申请",
)
def staffing_request_return(
    request: HttpRequest,
    data: RequiredOpinionIn,
    request_id: int = Path(..., ge=1, le=MAX_ID, description="用编申请编号"),
) -> dict[str, Any]:
    """已提交的申请退回申请单位修改后再提交，意见必填。"""
    done = _transition(request, request_id, services.staffing_request_return, data.opinion, reason=data.reason)
    return request_out(done, request.user)


@router.post(
    "/staffing-requests/{request_id}/withdraw",
    openapi_extra=_optional_body_doc(OpinionIn),
    response=replies({200: RequestOut}, 400, 404, 409),
    summary="撤回用编申请",
)
def staffing_request_withdraw(
    request: HttpRequest,
    request_id: int = Path(..., ge=1, le=MAX_ID, description="用编申请编号"),
) -> dict[str, Any]:
    """申请方撤回草稿、已提交或已退回的申请。请求体可省略，或为 {"opinion", "reason"}。"""
    body = _optional_body(request, OpinionIn)
    done = _transition(request, request_id, services.staffing_request_withdraw, body.opinion, reason=body.reason)
    return request_out(done, request.user)


# ---------------------------------------------------------------- slips and onboarding


class SlipFilters(Schema):
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    valid_on: Day | None = Field(None, description="只列该日有效（已核准、未过期）的")


@router.get("/slips", response=replies({200: Page[SlipOut]}, 404), summary="核准使用编制通知单列表")
def slip_list(request: HttpRequest, filters: Query[SlipFilters], page: Query[PageParams]) -> dict[str, Any]:
    """通知单（用编 YB、职数 ZS），最近核准的在前。"""
    require_somewhere(request, Action.VIEW)
    try:
        unit_ids = api_selectors.units_filter(
            user=request.user, code=filters.unit, subtree=filters.subtree, day=today()
        )
    except LookupError:
        raise unit_not_found(filters.unit) from None
    whole = sees_every_number(request.user)
    qs = selectors.slip_list(user=request.user, unit_ids=unit_ids, valid_on=filters.valid_on)
    return paginate(qs, page, lambda slip: slip_out(slip, whole))


def _slip_or_404(request: HttpRequest, number: str) -> Slip:
    slip = selectors.slip_get(user=request.user, number=number)
    if slip is None:
        raise not_found(f"通知单 {number.upper()}，或不在本人管理范围内")
    return slip


@router.get("/slips/{number}", response=replies({200: SlipOut}, 404), summary="查看一张通知单")
def slip_detail(request: HttpRequest, number: SlipNumber = SlipNumberPath) -> dict[str, Any]:
    """一张通知单：核准数、剩余名额、有效期和文号；不存在或不在本人管理范围内时返回 404。"""
    require_somewhere(request, Action.VIEW)
    return slip_out(_slip_or_404(request, number), sees_every_number(request.user))


_PERSON_HEADERS = {c.header for c in PEOPLE.columns}


@router.post(
    "/slips/{number}/onboard",
    response=replies({201: OnboardOut}, 400, 404, 409),
    summary="按通知单上编（入编）",
)
def slip_onboard(
    request: HttpRequest,
    data: Body[dict[str, Any]],
    number: SlipNumber = SlipNumberPath,
) -> Any:
    """按通知单为一人办理上编：请求体为一行人员表，以工作簿的列名为键（如 {"身份证号", "姓名", "性别", "出生日期",
    "人员类别", "进编日期", …}），按导入的规则校验。机构代码、编制类型和职数类别可省略，填写时须与通知单一致；
    人员状态为在编；不能填写离编日期和核销日期；进编日期须在核准日期与有效期之间。可加 "reason"。
    名额已用完 409 slip_used，已过期 409 slip_expired，该号码已在编 409 person_on_staff。"""
    reason = data.pop("reason", "") if isinstance(data.get("reason", ""), str) else None
    unknown = sorted(k for k in data if k not in _PERSON_HEADERS)
    not_cells = sorted(
        k for k, v in data.items() if k in _PERSON_HEADERS and not (v is None or isinstance(v, str | int))
    )
    if reason is None or unknown or not_cells:
        errors = [{"location": f"body.{k}", "message": "不是人员表的列"} for k in unknown]
        errors += [{"location": f"body.{k}", "message": "应为文本、整数或 null"} for k in not_cells]
        if reason is None:
            errors.append({"location": "body.reason", "message": "应为文本"})
        raise ApiError(422, "请求体应为以人员表列名为键的一行", errors=errors)
    problems = precheck({"人员": [data]})
    if problems:
        raise ApiError(422, "数据不符合导入规则，未写入任何数据", problems=problems)
    require_somewhere(request, Action.VIEW)
    slip = _slip_or_404(request, number)
    onboarding = _call(request, services.slip_onboard, slip=slip, row=data, reason=reason.strip())
    onboarding.slip.refresh_from_db()
    from bianzhi.accounts.privacy import person_ref

    return Status(
        201,
        {
            "person": onboarding.person.id_number,
            "person_id": person_ref(onboarding.person_id),
            "slip": {"number": onboarding.slip.number, "remaining": onboarding.slip.remaining},
        },
    )


# ---------------------------------------------------------------- leaving and write-off


class LeaveIn(BodyIn):
    status: LeavingStatus = Field(..., description="离编状态：退休、调出、辞职、辞退、开除、死亡")
    date: Day = Field(..., description="离编日期：不早于该人员信息最近一次变更，最晚为一个月以后")
    reason: Text2000 = Field("", description="理由（记入变更日志）")


class WriteOffIn(BodyIn):
    date: Day = Field(..., description="核销日期（不早于离编日期）")
    reason: Text2000 = Field("", description="理由（记入变更日志）")


def _person(request: HttpRequest, key: str) -> Person:
    """The person named by an opaque id or a whole number (counted and logged as a search by number)."""
    require_somewhere(request, Action.VIEW)
    if is_full_number(key):
        person = Person.objects.filter(id_number=key.upper()).first()
        full_number_search(request, key, found=person is not None)
    else:
        pk = person_pk(key.lower())
        person = None if pk is None else Person.objects.filter(pk=pk).first()
    if person is None:
        raise not_found("该人员，或不在本人管理范围内")
    return person


def _person_reply(request: HttpRequest, version: PersonVersion) -> dict[str, Any]:
    day = max(today(), version.valid_from)
    return person_out(version, day, request.user, _unit_names({version.unit_id}, day))


@router.post(
    "/people/{id_number}/leave", response=replies({200: PersonOut}, 400, 404, 409, 429), summary="离编（下编）"
)
def person_leave(request: HttpRequest, data: LeaveIn, id_number: PersonKey = PersonKeyPath) -> dict[str, Any]:
    """在编人员离编：设定人员状态和离编日期（自该日起不再占用编制）。不在编 409 not_on_staff。"""
    person = _person(request, id_number)
    version = _call(
        request, services.person_leave, person=person, status=data.status, day=data.date, reason=data.reason
    )
    return _person_reply(request, version)


@router.post(
    "/people/{id_number}/write-off", response=replies({200: PersonOut}, 400, 404, 409, 429), summary="核销编制"
)
def person_write_off(request: HttpRequest, data: WriteOffIn, id_number: PersonKey = PersonKeyPath) -> dict[str, Any]:
    """编办业务人员、编办管理员为已离编人员核销编制（核销日期不早于离编日期）。未离编 409 invalid_state，
    已核销 409 already_written_off。"""
    person = _person(request, id_number)
    version = _call(request, services.person_write_off, person=person, day=data.date, reason=data.reason)
    return _person_reply(request, version)


# ---------------------------------------------------------------- annual plans


class PlanFilters(Schema):
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    year: int | None = Field(None, ge=1900, le=2199, description="年度")


@router.get("/staffing-plans", response=replies({200: Page[PlanOut]}, 404), summary="用编计划列表")
def staffing_plan_list(request: HttpRequest, filters: Query[PlanFilters], page: Query[PageParams]) -> dict[str, Any]:
    """年度用编计划，最近的年度在前；单位人事干部只看到本单位及下属单位的。"""
    require_somewhere(request, Action.VIEW)
    try:
        unit_ids = api_selectors.units_filter(
            user=request.user, code=filters.unit, subtree=filters.subtree, day=today()
        )
    except LookupError:
        raise unit_not_found(filters.unit) from None
    return paginate(
        selectors.staffing_plan_list(user=request.user, unit_ids=unit_ids, year=filters.year), page, plan_out
    )


class PlanIn(BodyIn):
    unit: UnitCode = Field(..., description="机构代码")
    year: int = Field(..., ge=1900, le=2199, description="年度")
    staffing_type: StaffingType = Field(..., description="编制类型")
    count: PositiveCount = Field(..., description="计划用编数")
    note: Text2000 = Field("", description="说明")
    reason: Text2000 = Field("", description="理由")


@router.post("/staffing-plans", response=replies({201: PlanOut}, 400, 404, 409), summary="填报用编计划")
def staffing_plan_create(request: HttpRequest, data: PlanIn) -> Any:
    """年度用编计划（草稿）；计划不阻止核准，没有或超出计划时核准给出提示。"""
    require_somewhere(request, Action.VIEW)
    unit = api_selectors.unit_get(user=request.user, code=data.unit)
    if unit is None:
        raise unit_not_found(data.unit)
    plan = _call(
        request,
        services.staffing_plan_create,
        unit=unit,
        year=data.year,
        staffing_type=data.staffing_type,
        count=data.count,
        note=data.note or data.reason,
    )
    return Status(201, plan_out(plan))


@router.post(
    "/staffing-plans/{plan_id}/approve",
    openapi_extra=_optional_body_doc(OpinionIn),
    response=replies({200: PlanOut}, 400, 404, 409),
    summary="批准用编计划",
)
def staffing_plan_approve(
    request: HttpRequest,
    plan_id: int = Path(..., ge=1, le=MAX_ID, description="用编计划编号"),
) -> dict[str, Any]:
    """编办业务人员、领导、编办管理员批准草稿状态的用编计划；已批准的返回 409 invalid_state。
    请求体可省略，或为 {"opinion", "reason"}。"""
    _optional_body(request, OpinionIn)
    require_somewhere(request, Action.VIEW)
    plan = selectors.staffing_plan_get(user=request.user, pk=plan_id)
    if plan is None:
        raise not_found("该用编计划，或不在本人管理范围内")
    return plan_out(_call(request, services.staffing_plan_approve, plan=plan))
