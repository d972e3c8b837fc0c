"""问题整改: the API operations (interchange.md §3 "Supervision" fixes raise, answer, return and close).

Checks run in the contract's order: a malformed body (422) → a unit or problem the caller may not see
(404, the same answer as one that does not exist) → the role may not do it (403) → the wrong state
(409 ``invalid_state``). Nothing changes on an error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from bianzhi.accounts.permissions import Action, restrict
from bianzhi.accounts.privacy import sees_every_number, shown_text
from bianzhi.api import selectors
from bianzhi.api.common import origin, paginate, replies, require_somewhere
from bianzhi.api.errors import ApiError, not_found, unit_not_found
from bianzhi.api.schemas import MAX_ID, BodyIn, Day, Page, PageParams, Text100, Text2000, UnitCode
from bianzhi.core.changelog import change_origin
from bianzhi.core.dates import today
from bianzhi.core.models import ChangeSet
from bianzhi.rectification import permissions as rules
from bianzhi.rectification import selectors as problems
from bianzhi.rectification.models import Problem, ProblemAttachment, ProblemStep, State
from bianzhi.rectification.privacy import shown_problem_text
from bianzhi.rectification.services import (
    AttachmentRefused,
    ProblemError,
    attachment_path,
    problem_answer,
    problem_attach,
    problem_close,
    problem_raise,
    problem_return,
)
from bianzhi.supervision.models import Alert

router = Router(tags=["问题整改"])

SeverityIn = Literal["高", "中", "低"]
SourceIn = Literal["预警", "检查", "审计", "巡察", "举报"]
StateIn = Literal["open", "answered", "returned", "closed"]
ProblemId = Path(..., ge=1, le=MAX_ID, description="问题编号")


# ---------------------------------------------------------------- shapes


class StepOut(Schema):
    action: str = Field(..., description="raise 立项、answer 反馈整改、return 退回、close 销号、escalate 逾期升级")
    from_state: str
    to_state: str
    actor: str = Field(..., description="操作人")
    at: dt.datetime
    opinion: str
    plan: str
    evidence: str


class AttachmentOut(Schema):
    id: int
    name: str = Field(..., description="文件名")
    size: int = Field(..., description="字节数")
    uploaded_by: str
    uploaded_at: dt.datetime
    url: str = Field(..., description="下载地址")


class ProblemOut(Schema):
    id: int
    unit: str = Field(..., description="机构代码")
    unit_name: str = Field(..., description="机构名称")
    description: str = Field(..., description="问题描述（身份证号对编办管理员、编办业务人员以外的角色脱敏）")
    basis: str = Field(..., description="依据")
    severity: str = Field(..., description="严重程度 高/中/低")
    deadline: dt.date = Field(..., description="整改期限")
    source: str = Field(..., description="来源 预警/检查/审计/巡察/举报")
    alert: int | None = Field(None, description="来源预警编号")
    alert_rule: str = Field("", description="来源预警的规则")
    responsible: str = Field(..., description="责任人")
    state: str = Field(..., description="open 待整改、answered 已反馈、returned 已退回、closed 已销号")
    state_label: str
    overdue: bool = Field(..., description="已过整改期限且未销号")
    escalated_at: dt.datetime | None = Field(None, description="逾期升级时间")
    suspension: int | None = Field(None, description="本问题关联的暂缓审批编号")
    suspension_in_force: bool = Field(..., description="关联的暂缓审批今天是否仍在执行")
    raised_by: str
    raised_at: dt.datetime
    raised_on: dt.date
    closed_on: dt.date | None = None
    notice_number: str = Field(..., description="整改通知文号")
    steps: list[StepOut] = Field(default_factory=list)
    attachments: list[AttachmentOut] = Field(default_factory=list)


def _attachment_out(row: ProblemAttachment, whole: bool) -> dict[str, Any]:
    return {
        "id": row.pk,
        "name": shown_text(row.name, whole=whole),
        "size": row.size,
        "uploaded_by": row.uploaded_by_name,
        "uploaded_at": row.uploaded_at,
        "url": f"/api/v1/problems/{row.problem_id}/attachments/{row.pk}",
    }


def _step_out(row: ProblemStep, whole: bool, problem: Problem) -> dict[str, Any]:
    day = today()
    return {
        "action": row.action,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "actor": row.actor,
        "at": row.at,
        "opinion": shown_problem_text(problem, row.opinion, whole=whole, day=day),
        "plan": shown_problem_text(problem, row.plan, whole=whole, day=day),
        "evidence": shown_problem_text(problem, row.evidence, whole=whole, day=day),
    }


def problem_out(row: Problem, *, user: Any, names: dict[int, str] | None = None, full: bool = True) -> dict[str, Any]:
    whole = sees_every_number(user)
    day = today()
    suspension = row.suspension
    in_force = bool(
        suspension is not None
        and suspension.started_on <= day
        and (suspension.lifted_on is None or suspension.lifted_on > day)
        and (suspension.planned_end is None or suspension.planned_end >= day)
    )
    names = names if names is not None else problems.unit_names({row.unit_id})
    body: dict[str, Any] = {
        "id": row.pk,
        "unit": row.unit.code,
        "unit_name": names.get(row.unit_id, row.unit.code),
        "description": shown_problem_text(row, row.description, whole=whole, day=day),
        "basis": shown_problem_text(row, row.basis, whole=whole, day=day),
        "severity": row.severity,
        "deadline": row.deadline,
        "source": row.source,
        "alert": row.alert_id,
        "alert_rule": row.alert_rule,
        "responsible": shown_text(row.responsible, whole=whole),
        "state": row.state,
        "state_label": State(row.state).label,
        "overdue": row.overdue_on(day),
        "escalated_at": row.escalated_at,
        "suspension": row.suspension_id,
        "suspension_in_force": in_force,
        "raised_by": row.raised_by_name,
        "raised_at": row.raised_at,
        "raised_on": row.raised_on,
        "closed_on": row.closed_on,
        "notice_number": row.notice_number,
        "steps": [],
        "attachments": [],
    }
    if full:
        body["steps"] = [_step_out(s, whole, row) for s in problems.problem_steps(user=user, problem=row)]
        body["attachments"] = [_attachment_out(a, whole) for a in problems.problem_attachments(user=user, problem=row)]
    return body


def _problem(request: HttpRequest, problem_id: int) -> Problem:
    row = problems.problem_get(user=request.user, problem_id=problem_id)
    if row is None:
        raise not_found(f"问题 {problem_id}（不存在或不在本人管理范围内）")
    return row


def _refused(exc: ProblemError) -> ApiError:
    return ApiError(exc.status, exc.message, code=exc.code if exc.status == 409 else "")


# ---------------------------------------------------------------- reads


class ProblemFilters(Schema):
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    state: StateIn | None = Field(None, description="状态")
    severity: SeverityIn | None = Field(None, description="严重程度")
    source: SourceIn | None = Field(None, description="来源")
    overdue: bool | None = Field(None, description="true 只列逾期未销号的，false 只列其余的")


@router.get("/problems", response=replies({200: Page[ProblemOut]}, 404), summary="问题清单")
def problem_list(request: HttpRequest, filters: Query[ProblemFilters], page: Query[PageParams]) -> dict[str, Any]:
    """本人可见机构的问题，最新立项的在前（单位人事干部只看到本单位及下属机构的问题）。"""
    require_somewhere(request, Action.VIEW)
    try:
        unit_ids = selectors.units_filter(user=request.user, code=filters.unit, subtree=filters.subtree, day=today())
    except LookupError:
        raise unit_not_found(filters.unit) from None
    qs = problems.problem_list(
        user=request.user,
        unit_ids=unit_ids,
        state=filters.state,
        severity=filters.severity,
        source=filters.source,
        overdue=filters.overdue,
    ).select_related("suspension")
    chunk = list(qs[page.offset : page.offset + page.limit])
    names = problems.unit_names({p.unit_id for p in chunk})
    return {
        "total": qs.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [problem_out(p, user=request.user, names=names, full=False) for p in chunk],
    }


@router.get("/problems/{problem_id}", response=replies({200: ProblemOut}, 404), summary="问题详情")
def problem_detail(request: HttpRequest, problem_id: int = ProblemId) -> dict[str, Any]:
    """一个问题：状态、整改过程（每一步的操作人、时间、意见、整改方案和佐证）和附件。"""
    require_somewhere(request, Action.VIEW)
    return problem_out(_problem(request, problem_id), user=request.user)


# ---------------------------------------------------------------- the loop


class ProblemIn(BodyIn):
    unit: UnitCode = Field(..., description="机构代码")
    description: Text2000 = Field(..., min_length=1, description="问题描述")
    severity: SeverityIn = Field(..., description="严重程度 高/中/低")
    deadline: Day = Field(..., description="整改期限 YYYY-MM-DD")
    source: SourceIn = Field(..., description="来源 预警/检查/审计/巡察/举报")
    alert: int | None = Field(None, ge=1, le=MAX_ID, description="来源预警编号（须为该机构的预警）")
    basis: Text2000 = Field("", max_length=500, description="依据（法规条款等）")
    responsible: Text100 = Field("", description="责任人")
    reason: Text2000 = Field("", description="理由（记入变更日志；默认为问题描述）")


@router.post("/problems", response=replies({201: ProblemOut}, 400, 404), summary="立项（发出整改通知）")
def problem_create(request: HttpRequest, data: ProblemIn) -> Any:
    """编办业务人员、检查人员、编办管理员对一个机构立项：状态 open，向该单位发出整改通知；
    按严重程度设置（默认全部，可设为仅“高”）立即暂缓该机构的用编、用职数审批（domain.md §9）。"""
    if not data.description.strip():
        raise ApiError(422, "问题描述不能为空", errors=[{"location": "body.description", "message": "不能为空"}])
    require_somewhere(request, Action.VIEW)
    unit = selectors.unit_get(user=request.user, code=data.unit)
    if unit is None:
        raise unit_not_found(data.unit)
    alert = None
    if data.alert is not None:
        alert = restrict(Alert.objects.all(), request.user, Action.VIEW).filter(pk=data.alert).first()
        if alert is None or alert.unit_code != unit.code:
            message = f"预警 {data.alert} 不存在或不是机构 {unit.code} 的预警"
            raise ApiError(422, message, errors=[{"location": "body.alert", "message": message}])
    if not rules.may_raise(request.user):
        raise ApiError(403, rules.REFUSE_RAISE)
    try:
        with change_origin(source=ChangeSet.Source.API, origin=origin(request)):
            row = problem_raise(
                user=request.user,
                unit=unit,
                description=data.description.strip(),
                severity=data.severity,
                deadline=data.deadline,
                source=data.source,
                alert=alert,
                basis=data.basis.strip(),
                responsible=data.responsible.strip(),
                reason=data.reason.strip(),
            )
    except ProblemError as exc:
        raise _refused(exc) from exc
    return Status(
        201, problem_out(problems.problem_get(user=request.user, problem_id=row.pk) or row, user=request.user)
    )


class AnswerIn(BodyIn):
    plan: Text2000 = Field(..., min_length=1, description="整改方案")
    evidence: Text2000 = Field(..., min_length=1, description="整改情况及佐证")
    reason: Text2000 = Field("", description="理由（记入变更日志）")


class OpinionIn(BodyIn):
    opinion: Text2000 = Field(..., min_length=1, description="意见")
    reason: Text2000 = Field("", description="理由（记入变更日志）")


class CloseIn(BodyIn):
    opinion: Text2000 = Field("", description="核查意见")
    reason: Text2000 = Field("", description="理由（记入变更日志）")


def _blank(location: str) -> ApiError:
    return ApiError(422, "必填项不能为空", errors=[{"location": location, "message": "不能为空"}])


@router.post(
    "/problems/{problem_id}/answer",
    response=replies({200: ProblemOut}, 400, 404, 409),
    summary="反馈整改（方案和佐证）",
)
def problem_answer_view(request: HttpRequest, data: AnswerIn, problem_id: int = ProblemId) -> Any:
    """该机构的单位人事干部、编办业务人员、编办管理员反馈整改方案和整改情况：从 open 或 returned 变为 answered。"""
    for name in ("plan", "evidence"):
        if not getattr(data, name).strip():
            raise _blank(f"body.{name}")
    require_somewhere(request, Action.VIEW)
    row = _problem(request, problem_id)
    if not rules.may_answer(request.user, row.unit):
        raise ApiError(403, rules.REFUSE_ANSWER)
    try:
        with change_origin(source=ChangeSet.Source.API, origin=origin(request)):
            problem_answer(
                user=request.user,
                problem=row,
                plan=data.plan.strip(),
                evidence=data.evidence.strip(),
                reason=data.reason,
            )
    except ProblemError as exc:
        raise _refused(exc) from exc
    return problem_out(_problem(request, problem_id), user=request.user)


@router.post("/problems/{problem_id}/return", response=replies({200: ProblemOut}, 400, 404, 409), summary="退回整改")
def problem_return_view(request: HttpRequest, data: OpinionIn, problem_id: int = ProblemId) -> Any:
    """编办业务人员、编办管理员退回整改反馈：从 answered 变为 returned，单位须重新反馈。"""
    if not data.opinion.strip():
        raise _blank("body.opinion")
    require_somewhere(request, Action.VIEW)
    row = _problem(request, problem_id)
    if not rules.may_verify(request.user):
        raise ApiError(403, rules.REFUSE_VERIFY)
    try:
        with change_origin(source=ChangeSet.Source.API, origin=origin(request)):
            problem_return(user=request.user, problem=row, opinion=data.opinion.strip(), reason=data.reason)
    except ProblemError as exc:
        raise _refused(exc) from exc
    return problem_out(_problem(request, problem_id), user=request.user)


@router.post("/problems/{problem_id}/close", response=replies({200: ProblemOut}, 400, 404, 409), summary="销号")
def problem_close_view(request: HttpRequest, data: CloseIn, problem_id: int = ProblemId) -> Any:
    """编办业务人员、编办管理员核查后销号：只能从 answered 变为 closed；该机构再无未销号的相关问题时，
    解除这些问题引起的暂缓审批（手工或三色管理设置的暂缓审批不受影响）。"""
    require_somewhere(request, Action.VIEW)
    row = _problem(request, problem_id)
    if not rules.may_verify(request.user):
        raise ApiError(403, rules.REFUSE_VERIFY)
    try:
        with change_origin(source=ChangeSet.Source.API, origin=origin(request)):
            problem_close(user=request.user, problem=row, opinion=data.opinion.strip(), reason=data.reason)
    except ProblemError as exc:
        raise _refused(exc) from exc
    return problem_out(_problem(request, problem_id), user=request.user)


# ---------------------------------------------------------------- attachments


@router.get("/problems/{problem_id}/attachments", response=replies({200: Page[AttachmentOut]}, 404), summary="问题附件")
def attachment_list(request: HttpRequest, page: Query[PageParams], problem_id: int = ProblemId) -> dict[str, Any]:
    """一个问题的附件（上传时间先后）。"""
    require_somewhere(request, Action.VIEW)
    row = _problem(request, problem_id)
    whole = sees_every_number(request.user)
    return paginate(
        problems.problem_attachments(user=request.user, problem=row), page, lambda a: _attachment_out(a, whole)
    )


@router.post(
    "/problems/{problem_id}/attachments", response=replies({201: AttachmentOut}, 400, 404), summary="上传问题附件"
)
def attachment_create(request: HttpRequest, file: File[UploadedFile], problem_id: int = ProblemId) -> Any:
    """上传一个附件（整改佐证、检查报告等；大小有上限）：该机构的单位人事干部、编办业务人员、检查人员、编办管理员。"""
    require_somewhere(request, Action.VIEW)
    row = _problem(request, problem_id)
    if not rules.may_attach(request.user, row.unit):
        raise ApiError(403, rules.REFUSE_ANSWER)
    try:
        with change_origin(source=ChangeSet.Source.API, origin=origin(request)):
            attachment = problem_attach(
                user=request.user,
                problem=row,
                file_name=file.name or "",
                chunks=file.chunks(),
                content_type=file.content_type or "",
            )
    except AttachmentRefused as exc:
        raise ApiError(422, exc.message, errors=[{"location": "body.file", "message": exc.message}]) from exc
    return Status(201, _attachment_out(attachment, sees_every_number(request.user)))


@router.get(
    "/problems/{problem_id}/attachments/{attachment_id}",
    response=replies({200: None}, 404),
    summary="下载问题附件",
)
def attachment_download(
    request: HttpRequest,
    problem_id: int = ProblemId,
    attachment_id: int = Path(..., ge=1, le=MAX_ID, description="附件编号"),
) -> Any:
    """附件文件本身（只给能看到该问题的人）。"""
    require_somewhere(request, Action.VIEW)
    row = problems.attachment_get(user=request.user, problem_id=problem_id, attachment_id=attachment_id)
    path = attachment_path(row) if row is not None else None
    if row is None or path is None or not path.is_file():
        raise not_found("该附件")
    response = HttpResponse(path.read_bytes(), content_type="application/octet-stream")
    name = shown_text(row.name, whole=sees_every_number(request.user))
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response
