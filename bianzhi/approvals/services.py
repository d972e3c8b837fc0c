"""Writes of the procedures (interchange.md §3 "Staffing use"): requests and their transitions,
approvals that issue slips, onboarding against a slip, leaving, write-off, transfer, annual plans.

Every service checks, in the contract's order, that the user may see the unit (404), that the role
may act (403), the object's state (409 ``invalid_state``), the unit's suspension (409
``unit_suspended``) and the room left (409 ``insufficient_usable`` / ``insufficient_positions``), and
raises :class:`ProcedureError` at the first that fails; nothing is stored on an error. Every write
runs atomically inside a logged change set; register changes (a person on staff, leaving, written
off) go through ``rows_import`` — the import's own validation — with ``bypasses_approval=False``.

Approvals are serialised: the approval holds the register's write lock (core/locks.py: PostgreSQL's
advisory lock, SQLite's ``BEGIN IMMEDIATE``) and locks the unit's row before it computes usable, so
two approvals racing for the last vacancy never both succeed (domain.md §3, 超编不配).
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from bianzhi.accounts.models import Role
from bianzhi.accounts.permissions import Action, can
from bianzhi.approvals import selectors
from bianzhi.approvals.models import (
    Onboarding,
    PlanState,
    ReasonKind,
    RequestState,
    RequestStep,
    Slip,
    SlipKind,
    StaffingPlan,
    StaffingRequest,
    StepAction,
)
from bianzhi.core.changelog import change_context, record_change
from bianzhi.core.dates import END, today
from bianzhi.core.locks import RegisterBusy, register_writes
from bianzhi.registry.choices import PersonStatus, PositionCategory, StaffingType, UnitKind
from bianzhi.registry.models import Person, PersonVersion, Unit, UnitVersion
from bianzhi.registry.selectors import suspension_in_force
from bianzhi.registry.services import ImportResult, rows_import

logger = logging.getLogger(__name__)

#: The statuses a person leaves the staffing with (人员状态 other than 在编).
LEAVING_STATUSES = tuple(s for s in PersonStatus.values if s != PersonStatus.ON_STAFF)


class ProcedureError(Exception):
    """A refused procedure step: ``status`` (404/403/409/422/429), a stable ``code`` and a Chinese
    ``message`` saying where and why; ``problems`` in the import's four-key shape where rows failed."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str = "",
        problems: list[dict[str, Any]] | None = None,
        warnings: list[dict[str, Any]] | None = None,
    ) -> None:
        self.status = status
        self.code = code or {404: "not_found", 403: "forbidden", 422: "invalid", 409: "conflict"}.get(status, "error")
        self.message = message
        self.problems = problems or []
        self.warnings = warnings or []
        super().__init__(message)


@dataclass
class ApprovalResult:
    """What an approval gives back: the request, its slip and the plan warnings (never blocking)."""

    request: StaffingRequest
    slip: Slip
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- checks shared by the services


def _unit_label(unit: Unit) -> str:
    name = UnitVersion.objects.filter(unit=unit, valid_to=END).values_list("name", flat=True).first()
    return f"{unit.code}（{name}）" if name else unit.code


def _see(user: Any, unit_id: int, what: str) -> None:
    """404 when the user may not see the unit's data — the same answer as for nothing at all."""
    if not can(user, Action.VIEW, unit_id):
        raise ProcedureError(404, f"未找到{what}，或不在本人管理范围内")


def _may(user: Any, action: Action, unit_id: int, message: str) -> None:
    if not can(user, action, unit_id):
        raise ProcedureError(403, message)


def _state(request: StaffingRequest, allowed: set[str], doing: str) -> None:
    if request.state not in allowed:
        label = RequestState(request.state).label
        raise ProcedureError(409, f"用编申请 #{request.pk} 当前状态为“{label}”，不能{doing}", code="invalid_state")


def _step(request: StaffingRequest, *, action: str, from_state: str, user: Any, opinion: str = "") -> None:
    RequestStep.objects.create(
        request=request,
        action=action,
        from_state=from_state,
        to_state=request.state,
        user=user if getattr(user, "pk", None) else None,
        opinion=opinion,
    )


def _request_record(request: StaffingRequest) -> dict[str, Any]:
    return {
        "机构代码": request.unit.code,
        "编制类型": request.staffing_type,
        "职数类别": request.position_category,
        "数量": request.count,
        "理由": request.reason,
        "状态": request.state,
    }


def _notify(**kwargs: Any) -> None:
    """Tell someone something needs them (core/notifications.py); never fails the procedure."""
    try:
        from bianzhi.core.notifications import notify
    except ImportError:  # the notifications module is not there yet
        return
    try:
        notify(**kwargs)
    except Exception:  # a notice that cannot be sent must not undo a decision
        logger.exception("notify failed: %r", kwargs.get("title"))


def _request_url(request: StaffingRequest) -> str:
    try:
        from django.urls import reverse

        return reverse("web:approvals:request_detail", args=[request.pk])
    except Exception:  # the page may not exist yet
        return ""


def _locked_request(request: StaffingRequest) -> StaffingRequest:
    return StaffingRequest.objects.select_for_update().select_related("unit").get(pk=request.pk)


# ---------------------------------------------------------------- requests


@transaction.atomic
def staffing_request_create(
    *,
    user: Any,
    unit: Unit,
    staffing_type: str,
    count: int,
    reason: str,
    position_category: str = "",
    reason_kind: str = "",
) -> StaffingRequest:
    """用编申请 (职数使用申请 with ``position_category``) in state draft."""
    problems = []
    if staffing_type not in StaffingType.values:
        problems.append({"location": "staffing_type", "message": f"编制类型应为：{'、'.join(StaffingType.values)}"})
    if position_category and position_category not in PositionCategory.values:
        problems.append(
            {"location": "position_category", "message": f"职数类别应为：{'、'.join(PositionCategory.values)}"}
        )
    if reason_kind and reason_kind not in ReasonKind.values:
        problems.append({"location": "reason_kind", "message": f"用编方式应为：{'、'.join(ReasonKind.values)}"})
    if count < 1:
        problems.append({"location": "count", "message": "数量应为正整数"})
    if not reason.strip():
        problems.append({"location": "reason", "message": "请填写申请理由"})
    if problems:
        raise ProcedureError(422, "申请内容不完整或有误", code="invalid", problems=problems)
    _see(user, unit.pk, f"机构 {unit.code}")
    _may(user, Action.REQUEST_STAFFING, unit.pk, "无权提出用编申请：需要本单位人事干部、编办业务人员或编办管理员角色")
    version = UnitVersion.objects.filter(unit=unit, valid_to=END).first()
    day = today()
    if version is not None and version.kind == UnitKind.INTERNAL_DIVISION:
        raise ProcedureError(
            422, f"机构 {unit.code} 是内设机构，不单独核定编制，请以其所在机构提出申请", code="invalid"
        )
    if not Unit.objects.filter(Unit.active_on(day), pk=unit.pk).exists():
        raise ProcedureError(422, f"机构 {unit.code} 在 {day} 不在存续期内（未成立或已撤销），不能申请用编")
    with change_context(source="service", user=user, reason=reason.strip()):
        request = StaffingRequest.objects.create(
            unit=unit,
            staffing_type=staffing_type,
            position_category=position_category,
            count=count,
            reason=reason.strip(),
            reason_kind=reason_kind,
            state=RequestState.DRAFT,
            created_by=user if getattr(user, "pk", None) else None,
        )
        _step(request, action=StepAction.CREATE, from_state="", user=user)
        record_change(entity="用编申请", key=str(request.pk), before=None, after=_request_record(request))
    return request


def _transition(
    *,
    user: Any,
    request: StaffingRequest,
    action: str,
    to_state: str,
    permission: Action,
    refused: str,
    allowed: set[str],
    doing: str,
    opinion: str,
    reason: str = "",
) -> StaffingRequest:
    _see(user, request.unit_id, f"用编申请 #{request.pk}")
    _may(user, permission, request.unit_id, refused)
    request = _locked_request(request)
    _state(request, allowed, doing)
    before = _request_record(request)
    with change_context(source="service", user=user, reason=reason or opinion or f"用编申请 #{request.pk} {doing}"):
        from_state = request.state
        request.state = to_state
        if opinion:
            request.opinion = opinion
        request.save(update_fields=["state", "opinion", "updated_at"])
        _step(request, action=action, from_state=from_state, user=user, opinion=opinion)
        record_change(entity="用编申请", key=str(request.pk), before=before, after=_request_record(request))
    return request


@transaction.atomic
def staffing_request_submit(
    *, user: Any, request: StaffingRequest, opinion: str = "", reason: str = ""
) -> StaffingRequest:
    """draft/returned → submitted; the officers are told. A suspension does not stop a submission."""
    request = _transition(
        user=user,
        request=request,
        action=StepAction.SUBMIT,
        to_state=RequestState.SUBMITTED,
        permission=Action.REQUEST_STAFFING,
        refused="无权提交用编申请：需要本单位人事干部、编办业务人员或编办管理员角色",
        allowed=selectors.TRANSITIONS["submit"],
        doing="提交",
        opinion=opinion,
        reason=reason,
    )
    _notify(
        unit=request.unit,
        roles=[Role.OFFICER],
        title=f"待审批：{request.unit.code} 申请{request.position_category or request.staffing_type} {request.count} 名",
        body=request.reason,
        url=_request_url(request),
        kind="staffing_request",
        exclude=user,
    )
    return request


@transaction.atomic
def staffing_request_withdraw(
    *, user: Any, request: StaffingRequest, opinion: str = "", reason: str = ""
) -> StaffingRequest:
    """draft/submitted/returned → withdrawn (by the requesting side)."""
    return _transition(
        user=user,
        request=request,
        action=StepAction.WITHDRAW,
        to_state=RequestState.WITHDRAWN,
        permission=Action.REQUEST_STAFFING,
        refused="无权撤回用编申请：需要本单位人事干部、编办业务人员或编办管理员角色",
        allowed=selectors.TRANSITIONS["withdraw"],
        doing="撤回",
        opinion=opinion,
        reason=reason,
    )


def _decided(request: StaffingRequest, verb: str, user: Any) -> None:
    _notify(
        exclude=user,
        unit=request.unit,
        roles=[Role.UNIT_HR],
        title=f"用编申请 #{request.pk} {verb}",
        body=request.opinion,
        url=_request_url(request),
        kind="staffing_request",
    )


def _require_opinion(opinion: str) -> None:
    if not opinion.strip():
        raise ProcedureError(422, "请填写意见", code="invalid", problems=[{"location": "opinion", "message": "必填"}])


@transaction.atomic
def staffing_request_reject(*, user: Any, request: StaffingRequest, opinion: str, reason: str = "") -> StaffingRequest:
    """submitted → rejected, with an opinion (required)."""
    _require_opinion(opinion)
    request = _transition(
        user=user,
        request=request,
        action=StepAction.REJECT,
        to_state=RequestState.REJECTED,
        permission=Action.APPROVE,
        refused="无权审批用编申请：需要编办业务人员、领导或编办管理员角色",
        allowed=selectors.TRANSITIONS["reject"],
        doing="作不予核准处理",
        opinion=opinion.strip(),
        reason=reason,
    )
    _decided(request, "未予核准", user)
    return request


@transaction.atomic
def staffing_request_return(*, user: Any, request: StaffingRequest, opinion: str, reason: str = "") -> StaffingRequest:
    """submitted → returned (to be corrected and submitted again), with an opinion (required)."""
    _require_opinion(opinion)
    request = _transition(
        user=user,
        request=request,
        action=StepAction.RETURN,
        to_state=RequestState.RETURNED,
        permission=Action.APPROVE,
        refused="无权审批用编申请：需要编办业务人员、领导或编办管理员角色",
        allowed=selectors.TRANSITIONS["return"],
        doing="退回",
        opinion=opinion.strip(),
        reason=reason,
    )
    _decided(request, "已退回", user)
    return request


def _next_number(kind: str, year: int) -> tuple[int, str]:
    """The next number of the year's sequence (under the register's lock, so never given twice)."""
    last = Slip.objects.filter(kind=kind, year=year).aggregate(m=Max("sequence"))["m"] or 0
    sequence = last + 1
    return sequence, f"{kind}-{year:04d}-{sequence:04d}"


def _plan_warnings(request: StaffingRequest, year: int) -> list[str]:
    """Plans never block (interchange.md §3): no approved plan, or one exceeded, is a warning."""
    plan = StaffingPlan.objects.filter(
        unit_id=request.unit_id, year=year, staffing_type=request.staffing_type, state=PlanState.APPROVED
    ).first()
    label = f"{request.unit.code} {year} 年度{request.staffing_type}"
    if plan is None:
        return [f"{label}没有已批准的用编计划"]
    used = (
        Slip.objects.filter(unit_id=request.unit_id, staffing_type=request.staffing_type, year=year)
        .exclude(request=request)
        .aggregate(n=Sum("count"))["n"]
        or 0
    )
    if used + request.count > plan.count:
        return [f"{label}用编计划 {plan.count} 名，已核准 {used} 名，本次核准 {request.count} 名后超出计划"]
    return []


@transaction.atomic
def staffing_request_approve(
    *,
    user: Any,
    request: StaffingRequest,
    opinion: str = "",
    document_number: str = "",
    day: dt.date | None = None,
    reason: str = "",
) -> ApprovalResult:
    """submitted → approved: issue the slip (核准使用编制通知单 YB-YYYY-NNNN, or 职数 ZS-YYYY-NNNN),
    valid through ``BIANZHI_SLIP_VALID_DAYS`` days after approval, reserving its places.

    Refused (409) while the unit's suspension is in force (``unit_suspended``), and when the count
    exceeds the least usable of today and every later day with a dated change (``insufficient_usable``;
    for a position-use request also ``insufficient_positions``)."""
    day = day or today()
    _see(user, request.unit_id, f"用编申请 #{request.pk}")
    _may(user, Action.APPROVE, request.unit_id, "无权审批用编申请：需要编办业务人员、领导或编办管理员角色")
    with register_writes():
        # Position control: one approval of a unit at a time, each computing usable after the last committed.
        Unit.objects.select_for_update().filter(pk=request.unit_id).first()
        request = _locked_request(request)
        _state(request, selectors.TRANSITIONS["approve"], "核准")
        unit = request.unit
        suspension = suspension_in_force(unit, day)
        if suspension is not None:
            raise ProcedureError(
                409,
                f"机构 {_unit_label(unit)} 自 {suspension.started_on} 起暂缓审批（原因：{suspension.reason}），"
                "暂停核准用编和职数使用申请",
                code="unit_suspended",
            )
        usable = selectors.usable_now(unit=unit, staffing_type=request.staffing_type, day=day)
        if request.count > usable:
            raise ProcedureError(
                409,
                f"机构 {_unit_label(unit)} 的{request.staffing_type}可用编制为 {max(usable, 0)} 名"
                f"（核定数 − 实有人数 − 在途，取今天及以后已登记变动各日的最小值），不足本次申请的 {request.count} 名",
                code="insufficient_usable",
            )
        if request.position_category:
            positions = selectors.positions_usable_now(unit=unit, category=request.position_category, day=day)
            if request.count > positions:
                raise ProcedureError(
                    409,
                    f"机构 {_unit_label(unit)} 的{request.position_category}职数可用 {max(positions, 0)} 名"
                    f"（核定职数 − 在任领导 − 在途），不足本次申请的 {request.count} 名",
                    code="insufficient_positions",
                )
        warnings = _plan_warnings(request, day.year)
        kind = SlipKind.POSITION if request.position_category else SlipKind.STAFFING
        sequence, number = _next_number(kind, day.year)
        before = _request_record(request)
        with change_context(
            source="service", user=user, reason=reason or opinion or request.reason, document_number=document_number
        ):
            from_state = request.state
            request.state = RequestState.APPROVED
            if opinion:
                request.opinion = opinion
            request.save(update_fields=["state", "opinion", "updated_at"])
            _step(request, action=StepAction.APPROVE, from_state=from_state, user=user, opinion=opinion)
            slip = Slip.objects.create(
                number=number,
                kind=kind,
                year=day.year,
                sequence=sequence,
                request=request,
                unit=unit,
                staffing_type=request.staffing_type,
                position_category=request.position_category,
                count=request.count,
                remaining=request.count,
                approved_on=day,
                expires_on=day + dt.timedelta(days=settings.BIANZHI_SLIP_VALID_DAYS),
                document_number=document_number,
                approved_by=user if getattr(user, "pk", None) else None,
            )
            record_change(entity="用编申请", key=str(request.pk), before=before, after=_request_record(request))
            record_change(entity="通知单", key=slip.number, before=None, after=_slip_record(slip))
    _decided(request, f"已核准（{slip.number}）", user)
    return ApprovalResult(request=request, slip=slip, warnings=warnings)


def _slip_record(slip: Slip) -> dict[str, Any]:
    return {
        "通知单编号": slip.number,
        "机构代码": slip.unit.code,
        "编制类型": slip.staffing_type,
        "职数类别": slip.position_category,
        "核准数": slip.count,
        "剩余数": slip.remaining,
        "核准日期": slip.approved_on.isoformat(),
        "有效期至": slip.expires_on.isoformat(),
        "文号": slip.document_number,
    }


# ---------------------------------------------------------------- onboarding (上编)


def _date_of(value: Any, column: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ProcedureError(
            422,
            f"{column}应为 YYYY-MM-DD 格式的日期",
            code="invalid",
            problems=[{"sheet": "人员", "row": 2, "column": column, "message": "应为 YYYY-MM-DD 格式的日期"}],
        ) from None


def _row_problem(column: str, message: str) -> ProcedureError:
    return ProcedureError(
        422, message, code="invalid", problems=[{"sheet": "人员", "row": 2, "column": column, "message": message}]
    )


def _on_staff_somewhere(person: Person, days: list[dt.date]) -> bool:
    for day in days:
        if PersonVersion.objects.filter(
            PersonVersion.as_of(day), PersonVersion.on_staff_on(day), person=person
        ).exists():
            return True
    return False


def _import_person(
    *, user: Any, row: dict[str, Any], effective: dt.date, reason: str, document_number: str = ""
) -> ImportResult:
    result = rows_import(
        sheets={"人员": [row]},
        effective=effective,
        reason=reason,
        document_number=document_number,
        user=user,
        source="service",
        bypasses_approval=False,
    )
    if result.busy:  # another writer held the register past the wait: 503 (core/busy.py)
        raise RegisterBusy(RegisterBusy.message)
    if not result.ok:
        raise ProcedureError(
            422,
            "人员信息不符合导入规则，未写入任何数据",
            code="invalid",
            problems=result.errors,
            warnings=result.warnings,
        )
    return result


@transaction.atomic
def slip_onboard(
    *, user: Any, slip: Slip, row: dict[str, Any], reason: str = "", _transfer: bool = False
) -> Onboarding:
    """上编: put one person on staff against ``slip`` — ``row`` is one 人员 row keyed by the workbook's
    headers, validated exactly as the import validates it. 机构代码, 编制类型 and 职数类别 may be left
    out and must equal the slip's when given; the status is 在编; 离编日期 and 核销日期 are refused;
    进编日期 lies between the approval day and ``expires_on``. 409 ``slip_used`` (no place left),
    ``slip_expired`` (after ``expires_on``, judged by today), ``person_on_staff``."""
    row = {k: v for k, v in row.items() if k is not None}
    number = unicodedata.normalize("NFKC", str(row.get("身份证号") or "")).strip().upper()
    if not number:
        raise _row_problem("身份证号", "请填写身份证号")
    for column in ("离编日期", "核销日期"):
        if row.get(column) not in (None, ""):
            raise _row_problem(column, f"上编时不能填写{column}")
    status = row.get("人员状态")
    if status not in (None, "", PersonStatus.ON_STAFF):
        raise _row_problem("人员状态", "上编人员的人员状态只能是在编")
    entry = _date_of(row.get("进编日期"), "进编日期")
    if entry is None:
        raise _row_problem("进编日期", "请填写进编日期")
    _see(user, slip.unit_id, f"通知单 {slip.number}")
    _may(user, Action.CHANGE_PEOPLE, slip.unit_id, "无权办理上编：需要该单位人事干部、编办业务人员或编办管理员角色")
    expected = {"机构代码": slip.unit.code, "编制类型": slip.staffing_type, "职数类别": slip.position_category}
    for column, value in expected.items():
        given = row.get(column)
        if given not in (None, "") and str(given).strip() != value:
            raise _row_problem(column, f"{column}应与通知单 {slip.number} 一致（{value or '空'}）")
    if not slip.approved_on <= entry <= slip.expires_on:
        raise _row_problem(
            "进编日期",
            f"进编日期应在通知单 {slip.number} 的核准日期 {slip.approved_on} 至有效期 {slip.expires_on} 之间",
        )
    with register_writes():
        slip = Slip.objects.select_for_update().select_related("unit").get(pk=slip.pk)
        if slip.remaining <= 0:
            raise ProcedureError(409, f"通知单 {slip.number} 的 {slip.count} 个名额已全部使用", code="slip_used")
        now = today()
        if slip.is_expired(now):
            raise ProcedureError(409, f"通知单 {slip.number} 已于 {slip.expires_on} 过期", code="slip_expired")
        person = Person.objects.filter(id_number=number).first()
        days = [entry] + ([now] if entry <= now and not _transfer else [])
        if person is not None and _on_staff_somewhere(person, days):
            # An accepted disclosure (interchange.md §3): the number is on staff somewhere; logged.
            logger.warning("上编被拒：身份证号已在编，user=%s slip=%s", getattr(user, "pk", None), slip.number)
            raise ProcedureError(
                409,
                "该身份证号的人员目前在编，不能再次上编（调入人员请由原单位办理离编或按调编办理）",
                code="person_on_staff",
            )
        full = {
            **row,
            "身份证号": number,
            "机构代码": slip.unit.code,
            "编制类型": slip.staffing_type,
            "人员状态": PersonStatus.ON_STAFF,
            "进编日期": entry.isoformat(),
        }
        if slip.position_category:
            full["职数类别"] = slip.position_category
        full.pop("离编日期", None)
        full.pop("核销日期", None)
        result = _import_person(
            user=user,
            row=full,
            effective=entry,
            reason=reason or slip.number,
            document_number=slip.document_number,
        )
        person = Person.objects.get(id_number=number)
        with change_context(
            source="service", user=user, reason=reason or slip.number, document_number=slip.document_number
        ):
            before = {"剩余数": slip.remaining}
            slip.remaining -= 1
            slip.save(update_fields=["remaining"])
            onboarding = Onboarding.objects.create(
                slip=slip,
                person=person,
                entry_date=entry,
                created_by=user if getattr(user, "pk", None) else None,
                change_set_id=result.change_set_id,
            )
            record_change(entity="通知单", key=slip.number, before=before, after={"剩余数": slip.remaining})
            record_change(
                entity="入编",
                key=f"{slip.number}/{onboarding.pk}",
                before=None,
                after={"通知单编号": slip.number, "身份证号": number, "进编日期": entry.isoformat()},
            )
    return onboarding


# ---------------------------------------------------------------- leaving, write-off, transfer


def _current_version(user: Any, person: Person) -> PersonVersion:
    version = PersonVersion.objects.filter(person=person, valid_to=END).select_related("unit", "person").first()
    if version is None or not can(user, Action.VIEW, version.unit_id):
        raise ProcedureError(404, "未找到该人员，或不在本人管理范围内")
    return version


def _row_of(version: PersonVersion) -> dict[str, Any]:
    """The required columns of the person's 人员 row as stored (the rest keep their values)."""
    return {
        "身份证号": version.person.id_number,
        "姓名": version.name,
        "性别": version.gender,
        "出生日期": version.birth_date.isoformat(),
        "人员类别": version.category,
        "机构代码": version.unit.code,
        "编制类型": version.staffing_type,
        "人员状态": version.status,
    }


def _month_ahead(day: dt.date) -> dt.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return day + dt.timedelta(days=28)


@transaction.atomic
def person_leave(*, user: Any, person: Person, status: str, day: dt.date, reason: str = "") -> PersonVersion:
    """下编: the person leaves the staffing with ``status`` (退休, 调出, 辞职, 辞退, 开除, 死亡) on ``day``
    (离编日期) — not before the person's latest period, at most a month ahead; the place is free
    from ``day``. 409 ``not_on_staff`` for a person who is not 在编."""
    if status not in LEAVING_STATUSES:
        raise ProcedureError(
            422,
            f"离编状态应为：{'、'.join(LEAVING_STATUSES)}",
            code="invalid",
            problems=[{"location": "status", "message": f"应为以下之一：{'、'.join(LEAVING_STATUSES)}"}],
        )
    version = _current_version(user, person)
    _may(user, Action.CHANGE_PEOPLE, version.unit_id, "无权办理离编：需要该单位人事干部、编办业务人员或编办管理员角色")
    if version.status != PersonStatus.ON_STAFF or version.left_on is not None:
        raise ProcedureError(409, f"该人员当前为“{version.status}”，不在编，不能办理离编", code="not_on_staff")
    now = today()
    latest = version.valid_from
    if day < latest:
        raise ProcedureError(
            422,
            f"离编日期 {day} 早于该人员信息最近一次变更（{latest}），不能倒签",
            code="invalid",
            problems=[{"location": "date", "message": f"不能早于 {latest}"}],
        )
    if version.entry_date is not None and day < version.entry_date:
        raise ProcedureError(
            422,
            f"离编日期 {day} 早于进编日期 {version.entry_date}",
            code="invalid",
            problems=[{"location": "date", "message": f"不能早于进编日期 {version.entry_date}"}],
        )
    if day > _month_ahead(now):
        raise ProcedureError(
            422,
            f"离编日期 {day} 超过一个月以后（最晚 {_month_ahead(now)}）",
            code="invalid",
            problems=[{"location": "date", "message": f"最晚 {_month_ahead(now)}"}],
        )
    row = {**_row_of(version), "人员状态": status, "离编日期": day.isoformat()}
    with register_writes():
        _import_person(user=user, row=row, effective=day, reason=reason or f"离编（{status}）")
    return PersonVersion.objects.select_related("unit", "person").get(person=person, valid_to=END)


@transaction.atomic
def person_write_off(*, user: Any, person: Person, day: dt.date, reason: str = "") -> PersonVersion:
    """核销: record the day the staffing of a person who left was written off (≥ 离编日期).
    409 ``invalid_state`` for a person who has not left, ``already_written_off``."""
    version = _current_version(user, person)
    _may(user, Action.WRITE_OFF, version.unit_id, "无权核销编制：需要编办业务人员或编办管理员角色")
    left = version.left_on
    if version.status == PersonStatus.ON_STAFF or left is None:
        raise ProcedureError(409, "该人员未离编，不能核销", code="invalid_state")
    if version.written_off_date is not None:
        raise ProcedureError(409, f"该人员已于 {version.written_off_date} 核销", code="already_written_off")
    if day < left:
        raise ProcedureError(
            422,
            f"核销日期 {day} 早于离编日期 {left}",
            code="invalid",
            problems=[{"location": "date", "message": f"不能早于离编日期 {left}"}],
        )
    row = {**_row_of(version), "核销日期": day.isoformat()}
    if version.left_date is not None:
        row["离编日期"] = version.left_date.isoformat()
    with register_writes():
        _import_person(user=user, row=row, effective=max(today(), version.valid_from), reason=reason or "核销编制")
    return PersonVersion.objects.select_related("unit", "person").get(person=person, valid_to=END)


@transaction.atomic
def person_transfer(
    *, user: Any, person: Person, slip: Slip, day: dt.date, row: dict[str, Any] | None = None, reason: str = ""
) -> Onboarding:
    """调编: the person leaves its unit (调出) on ``day`` and goes on staff on ``day`` against ``slip`` of
    the receiving unit — both steps with their own checks (the user must be able to do both)."""
    version = _current_version(user, person)
    if version.unit_id == slip.unit_id:
        raise ProcedureError(422, "调入机构与当前机构相同，不需要调编", code="invalid")
    person_leave(
        user=user, person=person, status=PersonStatus.TRANSFERRED_OUT, day=day, reason=reason or f"调编 {slip.number}"
    )
    left = PersonVersion.objects.get(person=person, valid_to=END)
    carried = {k: v for k, v in _row_of(left).items() if k not in ("机构代码", "编制类型", "人员状态")}
    for header, value in (
        ("民族", left.ethnicity),
        ("政治面貌", left.political_status),
        ("学历", left.education),
        ("学位", left.degree),
        ("职称", left.title),
    ):
        if value:
            carried[header] = value
    return slip_onboard(
        user=user,
        slip=slip,
        row={**carried, **(row or {}), "进编日期": day.isoformat()},
        reason=reason or f"调编 {slip.number}",
        _transfer=True,
    )


# ---------------------------------------------------------------- annual plans (用编计划)


@transaction.atomic
def staffing_plan_create(
    *, user: Any, unit: Unit, year: int, staffing_type: str, count: int, note: str = ""
) -> StaffingPlan:
    """A unit's annual plan for a staffing type, in state draft (one per unit, year and type)."""
    if staffing_type not in StaffingType.values or count < 1 or not 1900 <= year <= 2199:
        raise ProcedureError(422, "计划内容有误：编制类型、年度（1900—2199）或计划数（正整数）", code="invalid")
    _see(user, unit.pk, f"机构 {unit.code}")
    _may(user, Action.REQUEST_STAFFING, unit.pk, "无权填报用编计划")
    if StaffingPlan.objects.filter(unit=unit, year=year, staffing_type=staffing_type).exists():
        raise ProcedureError(409, f"机构 {unit.code} {year} 年度{staffing_type}的用编计划已存在", code="conflict")
    with change_context(source="service", user=user, reason=note or f"{year} 年度用编计划"):
        plan = StaffingPlan.objects.create(
            unit=unit,
            year=year,
            staffing_type=staffing_type,
            count=count,
            note=note,
            created_by=user if getattr(user, "pk", None) else None,
        )
        record_change(
            entity="用编计划",
            key=str(plan.pk),
            before=None,
            after={"机构代码": unit.code, "年度": year, "编制类型": staffing_type, "计划数": count, "状态": plan.state},
        )
    return plan


@transaction.atomic
def staffing_plan_approve(*, user: Any, plan: StaffingPlan) -> StaffingPlan:
    """draft → approved (编办业务人员, 领导, 编办管理员)."""
    _see(user, plan.unit_id, f"用编计划 #{plan.pk}")
    _may(user, Action.APPROVE, plan.unit_id, "无权批准用编计划：需要编办业务人员、领导或编办管理员角色")
    plan = StaffingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state != PlanState.DRAFT:
        raise ProcedureError(409, f"用编计划 #{plan.pk} 已批准", code="invalid_state")
    with change_context(source="service", user=user, reason=f"批准 {plan.year} 年度用编计划"):
        plan.state = PlanState.APPROVED
        plan.approved_by = user if getattr(user, "pk", None) else None
        plan.approved_at = timezone.now()
        plan.save(update_fields=["state", "approved_by", "approved_at"])
        record_change(entity="用编计划", key=str(plan.pk), before={"状态": "draft"}, after={"状态": "approved"})
    return plan
