"""问题整改 (domain.md §9, interchange.md §3 "Supervision"): raise, answer, return, close off,
escalate overdue problems, attach files — and the suspension linkage.

Suspension linkage (domain.md §9):

* raising a problem suspends the unit at once (暂缓审批, through ``registry.services.suspension_start``,
  source 问题整改) when it *qualifies*: every severity by default, only 高 with
  ``BIANZHI_SUSPEND_SEVERITY = "高"``; a problem going overdue (its deadline passed, not closed off)
  qualifies whatever its severity;
* the problem-linked suspension is one per unit: a qualifying problem joins the one in force;
* closing off the last qualifying unclosed problem of the unit lifts it (answered is not closed); a
  suspension set by hand or by 三色管理 is never touched (it is linked to no problem).

Every mutation is atomic and recorded in the change log (who, when, before, after). The services
assume the caller was allowed (``rectification.permissions``); they check the problem's state.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import unicodedata
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bianzhi.accounts.models import Role
from bianzhi.core.changelog import change_context, display_name, record_change
from bianzhi.core.dates import today as today_in_shanghai
from bianzhi.rectification.models import Action, Problem, ProblemAttachment, ProblemStep, Severity, Source, State
from bianzhi.rectification.selectors import linked_suspension_in_force, suspension_in_force_q, unit_name
from bianzhi.registry.models import Suspension, Unit
from bianzhi.registry.services import suspension_lift, suspension_start

logger = logging.getLogger(__name__)

SUSPENSION_SOURCE = "问题整改"
#: the largest attachment accepted (bytes); ``BIANZHI_PROBLEM_ATTACHMENT_MAX_BYTES`` overrides it
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


class ProblemError(Exception):
    """A refused step; ``code`` is the API's stable code, the message Chinese."""

    code = "invalid"
    status = 422

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ProblemStateError(ProblemError):
    """The problem is not in a state that allows the step (409 ``invalid_state``)."""

    code = "invalid_state"
    status = 409


class AttachmentRefused(ProblemError):
    """The file cannot be taken (size, name)."""


# ---------------------------------------------------------------- settings and helpers


def suspend_severity_setting() -> str:
    """``all`` (default) or ``高``: which new problems suspend their unit at once."""
    value = str(getattr(settings, "BIANZHI_SUSPEND_SEVERITY", "all") or "all").strip()
    return "高" if value in ("高", "high", "HIGH") else "all"


def suspends_at_raise(severity: str) -> bool:
    return suspend_severity_setting() == "all" or severity == Severity.HIGH


def attachment_max_bytes() -> int:
    return int(getattr(settings, "BIANZHI_PROBLEM_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES))


def attachments_root() -> Path:
    return Path(settings.DATA_DIR) / "problems"


def _snapshot(problem: Problem) -> dict[str, Any]:
    return {
        "机构代码": problem.unit.code,
        "问题描述": problem.description,
        "依据": problem.basis,
        "严重程度": problem.severity,
        "整改期限": problem.deadline.isoformat(),
        "来源": problem.source,
        "预警": problem.alert_id,
        "责任人": problem.responsible,
        "状态": problem.state,
        "逾期升级": problem.escalated_at.isoformat() if problem.escalated_at else None,
        "暂缓审批": problem.suspension_id,
    }


def _problem_url(problem: Problem) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("web:problems:problem_detail", args=[problem.pk])
    except NoReverseMatch:
        return ""


def _notify(*, unit: Unit, roles: Iterable[str], title: str, body: str, url: str, kind: str, email: bool) -> int:
    """In-app notice (and e-mail where configured) through core.notifications, where it exists."""
    try:
        from bianzhi.core import notifications  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        logger.info("core.notifications 尚不可用：未发送“%s”", title)
        return 0
    notify = getattr(notifications, "notify", None)
    if notify is None:
        return 0
    kwargs: dict[str, Any] = {
        "unit": unit,
        "roles": list(roles),
        "title": title,
        "body": body,
        "url": url,
        "kind": kind,
    }
    if email and "email" in inspect.signature(notify).parameters:
        kwargs["email"] = True
    return int(notify(**kwargs) or 0)


def _step(problem: Problem, *, action: str, before: str, user: Any, **texts: str) -> ProblemStep:
    return ProblemStep.objects.create(
        problem=problem,
        action=action,
        from_state=before,
        to_state=problem.state,
        user=user if getattr(user, "pk", None) else None,
        actor=display_name(user) if user is not None else "系统",
        **texts,
    )


def _lock_unit(unit: Unit) -> None:
    """Serialise the suspension linkage of one unit (one problem-linked suspension per unit)."""
    Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True).first()


def _link(problem: Problem, *, user: Any, day: dt.date) -> Suspension:
    """Make ``problem`` keep the unit's problem-linked suspension in force, starting one if none is."""
    _lock_unit(problem.unit)
    suspension = linked_suspension_in_force(problem.unit, day)
    if suspension is None:
        # The reason names the problem, not its text: a description may quote personal data (domain.md §11).
        suspension = suspension_start(
            unit=problem.unit,
            reason=f"问题整改：问题 {problem.pk}（{problem.severity}，{problem.source}，整改期限 {problem.deadline}）",
            source=SUSPENSION_SOURCE,
            started_on=day,
            user=user,
        )
    problem.suspension = suspension
    problem.save(update_fields=["suspension"])
    return suspension


def _release(unit: Unit, *, user: Any, day: dt.date, problem: Problem) -> list[Suspension]:
    """Lift the unit's problem-linked suspensions in force once no qualifying problem stays unclosed."""
    _lock_unit(unit)
    unclosed = Problem.objects.filter(unit=unit, suspension__isnull=False).exclude(state=State.CLOSED)
    if unclosed.exists():
        return []
    lifted = []
    for suspension in (
        Suspension.objects.filter(suspension_in_force_q(day), unit=unit, problems__isnull=False)
        .distinct()
        .order_by("id")
    ):
        lifted.append(
            suspension_lift(
                suspension=suspension,
                lifted_on=max(day, suspension.started_on),
                reason=f"问题已全部整改销号（最后销号：问题 {problem.pk}）",
                user=user,
            )
        )
    return lifted


# ---------------------------------------------------------------- the loop


@transaction.atomic
def problem_raise(
    *,
    user: Any,
    unit: Unit,
    description: str,
    severity: str,
    deadline: dt.date,
    source: str,
    alert: Any = None,
    basis: str = "",
    responsible: str = "",
    reason: str = "",
    day: dt.date | None = None,
) -> Problem:
    """立项: store the problem (state ``open``), suspend the unit when it qualifies (or is already
    overdue), and send the 整改通知 to the unit's HR officers."""
    day = day or today_in_shanghai()
    if severity not in Severity.values:
        raise ProblemError(f"严重程度应为 高、中 或 低，而不是“{severity}”")
    if source not in Source.values:
        raise ProblemError(f"来源应为 预警、检查、审计、巡察 或 举报，而不是“{source}”")
    if alert is not None and alert.unit_code != unit.code:
        raise ProblemError(f"预警 {alert.pk} 属于机构 {alert.unit_code or '（全区）'}，不是 {unit.code}")
    with change_context(source="service", user=user, reason=reason or f"立项：{description[:100]}") as change_set:
        problem = Problem.objects.create(
            unit=unit,
            description=description,
            basis=basis,
            severity=severity,
            deadline=deadline,
            source=source,
            alert=alert,
            alert_rule=getattr(alert, "rule", "") or "",
            responsible=responsible,
            raised_by=user if getattr(user, "pk", None) else None,
            raised_by_name=display_name(user) if user is not None else "",
            raised_on=day,
        )
        overdue = deadline < day
        if overdue:
            problem.escalated_at = timezone.now()
            problem.save(update_fields=["escalated_at"])
        _step(problem, action=Action.RAISE, before="", user=user, opinion=reason)
        if suspends_at_raise(severity) or overdue:
            _link(problem, user=user, day=day)
        record_change(entity="问题", key=str(problem.pk), before=None, after=_snapshot(problem))
        change_set_id = change_set.pk
    name = unit_name(unit)
    _notify(
        unit=unit,
        roles=[Role.UNIT_HR],
        title=f"整改通知：{name}（{problem.notice_number}）",
        body=f"{description}\n整改期限：{deadline.isoformat()}。请按期反馈整改方案和整改情况。",
        url=_problem_url(problem),
        kind="problem",
        email=True,
    )
    logger.info("problem %s raised at %s (change set %s)", problem.pk, unit.code, change_set_id)
    return problem


def _locked(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().select_related("unit").get(pk=problem.pk)


@transaction.atomic
def problem_answer(*, user: Any, problem: Problem, plan: str, evidence: str, reason: str = "") -> Problem:
    """反馈整改: the unit's plan and evidence; from ``open`` or ``returned`` to ``answered``."""
    problem = _locked(problem)
    if problem.state not in (State.OPEN, State.RETURNED):
        raise ProblemStateError(
            f"问题 {problem.pk} 当前为“{State(problem.state).label}”，只有待整改或已退回的问题可以反馈整改"
        )
    with change_context(source="service", user=user, reason=reason or f"问题 {problem.pk} 反馈整改"):
        before_state, before = problem.state, _snapshot(problem)
        problem.state = State.ANSWERED
        problem.save(update_fields=["state"])
        _step(
            problem, action=Action.ANSWER, before=before_state, user=user, plan=plan, evidence=evidence, opinion=reason
        )
        record_change(entity="问题", key=str(problem.pk), before=before, after=_snapshot(problem))
    _notify(
        unit=problem.unit,
        roles=[Role.OFFICER],
        title=f"整改反馈待核查：{unit_name(problem.unit)}（问题 {problem.pk}）",
        body=plan[:500],
        url=_problem_url(problem),
        kind="problem",
        email=False,
    )
    return problem


@transaction.atomic
def problem_return(*, user: Any, problem: Problem, opinion: str, reason: str = "") -> Problem:
    """退回: the staffing office sends an answer back; from ``answered`` to ``returned``."""
    problem = _locked(problem)
    if problem.state != State.ANSWERED:
        raise ProblemStateError(f"问题 {problem.pk} 当前为“{State(problem.state).label}”，只有已反馈的问题可以退回")
    with change_context(source="service", user=user, reason=reason or f"问题 {problem.pk} 退回：{opinion[:100]}"):
        before = _snapshot(problem)
        problem.state = State.RETURNED
        problem.save(update_fields=["state"])
        _step(problem, action=Action.RETURN, before=State.ANSWERED, user=user, opinion=opinion)
        record_change(entity="问题", key=str(problem.pk), before=before, after=_snapshot(problem))
    _notify(
        unit=problem.unit,
        roles=[Role.UNIT_HR],
        title=f"整改反馈被退回：问题 {problem.pk}",
        body=opinion,
        url=_problem_url(problem),
        kind="problem",
        email=True,
    )
    return problem


@transaction.atomic
def problem_close(
    *, user: Any, problem: Problem, opinion: str = "", reason: str = "", day: dt.date | None = None
) -> Problem:
    """销号: from ``answered`` only; when no qualifying problem of the unit stays unclosed, the
    problem-linked suspension is lifted (a suspension by hand or by 三色管理 is not)."""
    day = day or today_in_shanghai()
    problem = _locked(problem)
    if problem.state != State.ANSWERED:
        raise ProblemStateError(f"问题 {problem.pk} 当前为“{State(problem.state).label}”，只有已反馈的问题可以销号")
    with change_context(source="service", user=user, reason=reason or f"问题 {problem.pk} 销号"):
        before = _snapshot(problem)
        problem.state = State.CLOSED
        problem.closed_on = day
        problem.save(update_fields=["state", "closed_on"])
        _step(problem, action=Action.CLOSE, before=State.ANSWERED, user=user, opinion=opinion)
        record_change(entity="问题", key=str(problem.pk), before=before, after=_snapshot(problem))
    _release(problem.unit, user=user, day=day, problem=problem)
    _notify(
        unit=problem.unit,
        roles=[Role.UNIT_HR],
        title=f"问题已销号：问题 {problem.pk}",
        body=opinion,
        url=_problem_url(problem),
        kind="problem",
        email=False,
    )
    return problem


def problems_escalate_overdue(today: dt.date | None = None) -> list[Problem]:
    """逾期升级 (daily): mark every problem past its deadline and not closed off that is not marked
    yet, suspend its unit (whatever the severity) and tell the unit and the office. Returns them."""
    day = today or today_in_shanghai()
    escalated = []
    candidates = (
        Problem.objects.filter(deadline__lt=day, escalated_at__isnull=True).exclude(state=State.CLOSED).order_by("id")
    )
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            problem = Problem.objects.select_for_update().select_related("unit").get(pk=pk)
            if problem.escalated_at is not None or problem.state == State.CLOSED:
                continue
            with change_context(source="service", reason=f"问题 {problem.pk} 逾期未销号，升级并暂缓审批"):
                before = _snapshot(problem)
                problem.escalated_at = timezone.now()
                problem.save(update_fields=["escalated_at"])
                _step(
                    problem,
                    action=Action.ESCALATE,
                    before=problem.state,
                    user=None,
                    opinion=f"整改期限 {problem.deadline.isoformat()} 已过，未销号",
                )
                linked = problem.suspension_id
                if linked is None or not Suspension.objects.filter(suspension_in_force_q(day), pk=linked).exists():
                    _link(problem, user=None, day=day)
                record_change(entity="问题", key=str(problem.pk), before=before, after=_snapshot(problem))
            escalated.append(problem)
        _notify(
            unit=problem.unit,
            roles=[Role.UNIT_HR, Role.OFFICER],
            title=f"问题逾期：{unit_name(problem.unit)}（问题 {problem.pk}）",
            body=f"整改期限 {problem.deadline.isoformat()} 已过，已暂缓该机构的用编、用职数审批。",
            url=_problem_url(problem),
            kind="problem",
            email=True,
        )
    return escalated


# ---------------------------------------------------------------- attachments


def _safe_name(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return name.lstrip(".")[:120]


@transaction.atomic
def problem_attach(
    *, user: Any, problem: Problem, file_name: str, chunks: Iterable[bytes], content_type: str = ""
) -> ProblemAttachment:
    """Store a file under ``BIANZHI_DATA_DIR/problems/<id>/`` (refused past the size limit)."""
    name = _safe_name(file_name)
    if not name:
        raise AttachmentRefused("附件文件名无效")
    limit = attachment_max_bytes()
    folder = attachments_root() / str(problem.pk)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix.lower()[:10]
    stored_name = f"{uuid.uuid4().hex}{suffix if suffix.isascii() else ''}"
    path = folder / stored_name
    size = 0
    try:
        with path.open("wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise AttachmentRefused(f"附件“{name}”超过大小上限 {limit // (1024 * 1024)} MB")
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    with change_context(source="service", user=user, reason=f"问题 {problem.pk} 上传附件 {name}"):
        attachment = ProblemAttachment.objects.create(
            problem=problem,
            name=name,
            stored_name=stored_name,
            size=size,
            content_type=(content_type or "")[:100],
            uploaded_by=user if getattr(user, "pk", None) else None,
            uploaded_by_name=display_name(user) if user is not None else "",
        )
        record_change(
            entity="问题附件",
            key=f"{problem.pk}/{attachment.pk}",
            before=None,
            after={"文件名": name, "大小": size},
        )
    return attachment


def attachment_path(attachment: ProblemAttachment) -> Path:
    return attachments_root() / str(attachment.problem_id) / attachment.stored_name
