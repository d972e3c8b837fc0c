"""用编审批: the pages of staffing use (issue 14, interchange.md §3 "Staffing use"). Names ``web:approvals:<view>``.

* 我的申请 (``request_list``): the requests of the units the user may see, with state badges and filters,
  and — for a 单位人事干部 (its own subtree), a staffing officer or the administrator — the form of a new
  用编/职数 request beside the chosen unit's figures (approved, actual, reserved, usable per staffing type;
  positions; a suspension in force; this year's plan). Save as a draft or submit at once.
* 审批队列 (``queue``): the submitted requests, for the 编办业务人员, 领导 and 编办管理员, each with its unit's
  figures beside it; approve (opinion, 文号), reject (opinion required) or return. A refusal
  (``unit_suspended``, ``insufficient_usable`` …) is shown in Chinese and nothing changes.
* A request (``request_detail``): the timeline of its steps, the slip (核准使用编制通知单) with its remaining
  places and expiry, downloads as Word and PDF, the people onboarded against it with their 入编通知单.
* 上编 (``slip_onboard``): the 人员 fields of one person put on staff against a slip; the import's
  validation answers per field. 离编 (``leave_list``, ``person_leave``) for the unit's HR officer and the
  office; 核销 (``write_off_list``) for the office, with each deadline.
* 用编计划 (``plan_list``): unit HR officers draft the year's plans, the office approves them.
* ``nav``: the menu entries of the top bar (loaded by htmx), by role, with the count of submitted requests.

Every write is a call of a ``bianzhi.approvals.services`` function, which checks scope, role, state,
suspension and room (interchange.md §3 order) and records the change; the pages only show its
``ProcedureError`` message. Reads go through ``bianzhi.approvals.selectors`` (scoped); the few reads those
do not offer (a year's plan use, people who left and are not written off) are written here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bianzhi.accounts.models import Role
from bianzhi.accounts.permissions import Action, can, can_somewhere, id_for, restrict, roles_of, sees_full_id
from bianzhi.accounts.privacy import client_origin, person_pk, person_ref, sees_every_number, shown_text
from bianzhi.approvals import selectors as approvals
from bianzhi.approvals.models import (
    Onboarding,
    PlanState,
    ReasonKind,
    RequestState,
    Slip,
    StaffingRequest,
)
from bianzhi.approvals.services import (
    ProcedureError,
    person_leave,
    person_write_off,
    slip_onboard,
    staffing_plan_approve,
    staffing_plan_create,
    staffing_request_approve,
    staffing_request_create,
    staffing_request_reject,
    staffing_request_return,
    staffing_request_submit,
    staffing_request_withdraw,
)
from bianzhi.core.changelog import change_origin, display_name
from bianzhi.core.dates import today
from bianzhi.registry.choices import PersonCategory, PersonStatus, PositionCategory, StaffingType, UnitKind
from bianzhi.registry.models import PersonVersion, Unit, UnitVersion
from bianzhi.web import selectors

app_name = "approvals"

#: Bootstrap badge of each request state.
STATE_BADGES: dict[str, str] = {
    RequestState.DRAFT: "text-bg-secondary",
    RequestState.SUBMITTED: "text-bg-primary",
    RequestState.RETURNED: "text-bg-warning",
    RequestState.APPROVED: "text-bg-success",
    RequestState.REJECTED: "text-bg-danger",
    RequestState.WITHDRAWN: "text-bg-light border",
}
LEAVING_STATUSES = [(value, label) for value, label in PersonStatus.choices if value != PersonStatus.ON_STAFF]
#: At most this many rows on a list page (the newest first); filters narrow it.
LIST_LIMIT = 300
SOURCE = "web"


# ---------------------------------------------------------------- who may do what


def _roles(user: Any) -> set[str]:
    return {role for role, _ in roles_of(user)}


def may_request(user: Any) -> bool:
    """用编申请, onboarding and leaving: 单位人事干部 (own subtree), 编办业务人员, 编办管理员."""
    return can_somewhere(user, Action.REQUEST_STAFFING)


def may_approve(user: Any) -> bool:
    """Decisions on requests and plans: 编办业务人员, 领导, 编办管理员."""
    return can_somewhere(user, Action.APPROVE)


def may_write_off(user: Any) -> bool:
    """核销: 编办业务人员, 编办管理员."""
    return can_somewhere(user, Action.WRITE_OFF)


def login_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Log in first; then a user needs a role that sees some of the register (403 otherwise)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_somewhere(request.user, Action.VIEW):
            raise PermissionDenied("您的账号没有可查看登记簿的角色")
        return view(request, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    context = {"nav": "approvals", "grants": selectors.user_grants(user=request.user), "day": today(), **context}
    return render(request, template, context, status=status)


def _back(request: HttpRequest, default: str) -> str:
    """Where a one-button form returns to: its ``next`` when that is a page of this site."""
    target = str(request.POST.get("next", ""))
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _refused(request: HttpRequest, error: ProcedureError) -> None:
    """A service's refusal as messages (free text masked for a role that does not see every number in
    the district: a suspension's reason may quote anyone's, domain.md §11)."""
    whole = sees_every_number(request.user)
    messages.error(request, f"{shown_text(error.message, whole=whole)}（{error.code}）")
    for problem in error.problems:
        where = problem.get("column") or problem.get("location") or ""
        text = shown_text(str(problem.get("message", "")), whole=whole)
        messages.error(request, f"{where}：{text}" if where else text)


# ---------------------------------------------------------------- units and their figures


def request_units(user: Any) -> list[tuple[str, str]]:
    """(code, "name（code）") of the units the user may ask staffing for: active today, not an internal
    division (it holds no staffing), within a 单位人事干部's subtree."""
    versions = restrict(
        UnitVersion.objects.filter(UnitVersion.as_of(today())).exclude(kind=UnitKind.INTERNAL_DIVISION),
        user,
        Action.REQUEST_STAFFING,
    )
    return [
        (code, f"{name}（{code}）") for code, name in versions.order_by("unit__code").values_list("unit__code", "name")
    ]


def _unit_names(unit_ids: set[int]) -> dict[int, str]:
    return selectors.unit_names_as_of(unit_ids, today())


@dataclass
class PlanUse:
    """A unit's 用编计划 of a year and staffing type against the places approved that year."""

    year: int
    staffing_type: str
    planned: int | None  # None: no plan
    state: str
    used: int

    @property
    def over(self) -> bool:
        return self.planned is not None and self.used > self.planned


def plan_use(*, user: Any, unit: Unit, year: int) -> dict[str, PlanUse]:
    """staffing type → this year's plan (if any) and the places approved by staffing-use slips of the year."""
    plans = {p.staffing_type: p for p in approvals.staffing_plan_list(user=user, unit_ids={unit.pk}, year=year)}
    used = dict(
        approvals.slip_list(user=user, unit_ids={unit.pk})
        .filter(year=year, position_category="")
        .values_list("staffing_type")
        .annotate(n=Sum("count"))
        .values_list("staffing_type", "n")
    )
    result = {}
    for staffing_type in sorted(set(plans) | set(used)):
        plan = plans.get(staffing_type)
        result[staffing_type] = PlanUse(
            year=year,
            staffing_type=staffing_type,
            planned=plan.count if plan else None,
            state=plan.get_state_display() if plan else "",
            used=int(used.get(staffing_type) or 0),
        )
    return result


@dataclass
class UnitPanel:
    """What a decision on a unit's staffing needs beside it (domain.md §3, §9)."""

    unit: Unit
    name: str
    staffing: list[dict[str, Any]] = field(default_factory=list)
    positions: list[dict[str, Any]] = field(default_factory=list)
    plans: dict[str, PlanUse] = field(default_factory=dict)
    suspension: Any = None
    suspension_reason: str = ""


def unit_panel(*, user: Any, unit: Unit) -> UnitPanel:
    day = today()
    version = UnitVersion.objects.filter(UnitVersion.as_of(day), unit=unit).first()
    panel = UnitPanel(unit=unit, name=version.name if version else unit.code)
    whole = sees_every_number(user)
    for row in selectors.unit_staffing_rows(unit=unit, day=day):
        row["usable_now"] = approvals.usable_now(unit=unit, staffing_type=row["staffing_type"], day=day)
        panel.staffing.append(row)
    for row in selectors.unit_position_rows(unit=unit, day=day):
        row["usable_now"] = approvals.positions_usable_now(unit=unit, category=row["category"], day=day)
        panel.positions.append(row)
    panel.plans = plan_use(user=user, unit=unit, year=day.year)
    for row in panel.staffing:
        row["plan"] = panel.plans.get(row["staffing_type"])
    panel.suspension = selectors.suspension_in_force(user=user, unit=unit, day=day)
    if panel.suspension is not None:
        panel.suspension_reason = shown_text(panel.suspension.reason, whole=whole)
    return panel


@login_required
@require_GET
def unit_figures(request: HttpRequest) -> HttpResponse:
    """The figures panel of one unit (``?unit=CODE``), swapped in by htmx when the form's unit changes."""
    code = str(request.GET.get("unit", "")).strip()
    panel = None
    if code:
        unit = selectors.unit_get(user=request.user, code=code)
        if unit is None:
            raise Http404("没有这个机构，或不在您的管理范围内")
        panel = unit_panel(user=request.user, unit=unit)
    return render(request, "web/approvals/_figures.html", {"panel": panel})


# ---------------------------------------------------------------- requests


def _choice(choices: Any, *, blank: str | None = None, **attrs: str) -> forms.ChoiceField:
    options = [("", blank)] if blank is not None else []
    return forms.ChoiceField(
        choices=[*options, *choices], required=blank is None, widget=forms.Select({"class": "form-select", **attrs})
    )


def _text(label: str, max_length: int, *, required: bool = False, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput({"class": "form-control", "maxlength": str(max_length), **attrs}),
    )


def _date(label: str, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput({"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def _opinion(label: str = "意见", *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=1000,
        required=required,
        error_messages={"required": "请填写意见"},
        widget=forms.Textarea({"class": "form-control", "rows": "2", "maxlength": "1000"}),
    )


class RequestForm(forms.Form):
    """A new 用编申请; with a 职数类别 it is a position-use request (interchange.md §3)."""

    unit = _choice([], blank="—", **{"hx-trigger": "change", "hx-target": "#unit-figures", "hx-swap": "innerHTML"})
    staffing_type = _choice(StaffingType.choices)
    count = forms.IntegerField(
        label="数量",
        min_value=1,
        max_value=10_000,
        widget=forms.NumberInput({"class": "form-control", "min": "1"}),
    )
    reason_kind = _choice(ReasonKind.choices, blank="—")
    reason = forms.CharField(
        label="申请理由",
        max_length=2000,
        error_messages={"required": "请填写申请理由"},
        widget=forms.Textarea({"class": "form-control", "rows": "3", "maxlength": "2000"}),
    )
    position_category = _choice(PositionCategory.choices, blank="—（用编申请）")

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "req_%s")
        super().__init__(*args, **kwargs)
        unit = cast(forms.ChoiceField, self.fields["unit"])
        unit.choices = [("", "—"), *units]
        unit.required = True
        unit.error_messages["required"] = "请选择机构"
        unit.widget.attrs["hx-get"] = reverse("web:approvals:unit_figures")
        labels = {
            "unit": "机构",
            "staffing_type": "编制类型",
            "reason_kind": "用编方式",
            "position_category": "职数类别",
        }
        for name, label in labels.items():
            self.fields[name].label = label
        self.fields["position_category"].help_text = "选择职数类别即为职数使用申请，按核定领导职数审核"


@dataclass
class RequestRow:
    request: StaffingRequest
    unit_name: str
    reason: str
    opinion: str
    badge: str
    applicant: str
    slip: Slip | None


def _rows(user: Any, requests: list[StaffingRequest]) -> list[RequestRow]:
    names = _unit_names({r.unit_id for r in requests})
    slips = {s.request_id: s for s in Slip.objects.filter(request_id__in=[r.pk for r in requests])}
    rows = []
    for r in requests:
        whole = sees_every_number(user)
        rows.append(
            RequestRow(
                request=r,
                unit_name=names.get(r.unit_id, ""),
                reason=shown_text(r.reason, whole=whole),
                opinion=shown_text(r.opinion, whole=whole),
                badge=STATE_BADGES.get(r.state, "text-bg-light"),
                applicant=display_name(r.created_by) if r.created_by else "",
                slip=slips.get(r.pk),
            )
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest) -> HttpResponseBase:
    """我的申请: the requests of the units the user sees (filters: state, unit) and the new-request form."""
    user = request.user
    requesting = may_request(user)
    units = request_units(user) if requesting else []
    form = None
    if requesting:
        initial = {"unit": units[0][0]} if len(units) == 1 else {}
        form = RequestForm(request.POST if request.method == "POST" else None, units=units, initial=initial)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("您的角色不能提出用编申请")
        if form.is_valid() and (created := _create_request(request, form)) is not None:
            return redirect("web:approvals:request_detail", pk=created.pk)
    state = str(request.GET.get("state", ""))
    code = str(request.GET.get("unit", "")).strip()
    unit_ids = None
    if code:
        unit = selectors.unit_get(user=user, code=code)
        unit_ids = {unit.pk} if unit else set()
    qs = approvals.staffing_request_list(
        user=user, unit_ids=unit_ids, state=state if state in RequestState.values else ""
    ).select_related("unit", "created_by")
    chosen = form["unit"].value() if form is not None else ""
    panel = None
    if chosen:
        chosen_unit = selectors.unit_get(user=user, code=str(chosen))
        panel = unit_panel(user=user, unit=chosen_unit) if chosen_unit else None
    return _page(
        request,
        "web/approvals/request_list.html",
        {
            "title": "我的申请" if _roles(user) == {Role.UNIT_HR} else "用编申请",
            "rows": _rows(user, list(qs[:LIST_LIMIT])),
            "form": form,
            "panel": panel,
            "states": RequestState.choices,
            "state": state,
            "unit_code": code,
            "unit_options": selectors.unit_choices(user=user, day=today()),
            "may_approve": may_approve(user),
        },
        status=422 if request.method == "POST" else 200,
    )


def _form_refused(form: forms.Form, error: ProcedureError) -> None:
    """A refusal on the form: each problem under its field where it names one, the message above."""
    form.add_error(None, f"{error.message}（{error.code}）")
    for problem in error.problems:
        name = str(problem.get("location") or problem.get("column") or "")
        form.add_error(name if name in form.fields else None, str(problem.get("message", "")))


def _create_request(request: HttpRequest, form: RequestForm) -> StaffingRequest | None:
    data = form.cleaned_data
    unit = selectors.unit_get(user=request.user, code=data["unit"])
    if unit is None:
        form.add_error("unit", "没有这个机构，或不在您的管理范围内")
        return None
    try:
        with change_origin(source=SOURCE, origin=client_origin(request)):
            created = staffing_request_create(
                user=request.user,
                unit=unit,
                staffing_type=data["staffing_type"],
                count=data["count"],
                reason=data["reason"].strip(),
                position_category=data["position_category"] or "",
                reason_kind=data["reason_kind"] or "",
            )
            if "submit" in request.POST:
                created = staffing_request_submit(user=request.user, request=created)
    except ProcedureError as error:
        _form_refused(form, error)
        return None
    if created.state == RequestState.SUBMITTED:
        messages.success(request, f"用编申请 #{created.pk} 已提交，等待编办审核")
    else:
        messages.success(request, f"用编申请 #{created.pk} 已保存为草稿，提交后编办方可审核")
    return created


@dataclass
class QueueItem:
    row: RequestRow
    panel: UnitPanel
    figures: dict[str, Any] | None  # the row of the request's staffing type (or position category)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """审批队列: submitted requests, oldest first, each with its unit's figures."""
    user = request.user
    if not may_approve(user):
        raise PermissionDenied("只有编办业务人员、领导和编办管理员审批用编申请")
    requests = list(
        approvals.staffing_request_list(user=user, state=RequestState.SUBMITTED)
        .select_related("unit", "created_by")
        .order_by("updated_at", "pk")[:LIST_LIMIT]
    )
    panels: dict[int, UnitPanel] = {}
    items = []
    for row in _rows(user, requests):
        unit = row.request.unit
        if unit.pk not in panels:
            panels[unit.pk] = unit_panel(user=user, unit=unit)
        panel = panels[unit.pk]
        if row.request.position_category:
            figures = next((p for p in panel.positions if p["category"] == row.request.position_category), None)
        else:
            figures = next((s for s in panel.staffing if s["staffing_type"] == row.request.staffing_type), None)
        items.append(QueueItem(row=row, panel=panel, figures=figures))
    return _page(request, "web/approvals/queue.html", {"title": "审批队列", "items": items})


def _request_or_404(user: Any, pk: int) -> StaffingRequest:
    found = approvals.staffing_request_get(user=user, pk=pk)
    if found is None:
        raise Http404("没有这个申请，或不在您的管理范围内")
    return found


@dataclass
class OnboardingRow:
    onboarding: Onboarding
    name: str
    ref: str
    id_number: str
    documents: bool


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A request: its timeline, the slip if approved (downloads, remaining, expiry), its onboardings."""
    user = request.user
    found = _request_or_404(user, pk)
    whole = sees_every_number(user)
    steps = [
        {
            "step": step,
            "user": display_name(step.user) if step.user else "",
            "opinion": shown_text(step.opinion, whole=whole),
        }
        for step in found.steps.select_related("user").order_by("at", "pk")
    ]
    slip = Slip.objects.filter(request=found).first()
    onboardings: list[OnboardingRow] = []
    if slip is not None:
        day = today()
        for onboarding in slip.onboardings.select_related("person").order_by("created_at", "pk"):
            version = (
                PersonVersion.objects.filter(person_id=onboarding.person_id)
                .order_by("-valid_from")
                .only("name")
                .first()
            )
            onboardings.append(
                OnboardingRow(
                    onboarding=onboarding,
                    name=version.name if version else "",
                    ref=person_ref(onboarding.person_id),
                    id_number=id_for(user, onboarding.person.id_number, found.unit_id),
                    documents=sees_full_id(user, found.unit_id),
                )
            )
        slip_state = "expired" if slip.is_expired(day) else ("used" if slip.remaining == 0 else "valid")
    else:
        slip_state = ""
    allowed = approvals.allowed_actions(user=user, request=found)
    return _page(
        request,
        "web/approvals/request_detail.html",
        {
            "title": f"用编申请 #{found.pk}",
            "row": _rows(user, [found])[0],
            "steps": steps,
            "slip": slip,
            "slip_state": slip_state,
            "onboardings": onboardings,
            "allowed": allowed,
            "may_onboard": slip is not None and slip_state == "valid" and can(user, Action.CHANGE_PEOPLE, slip.unit_id),
            "panel": unit_panel(user=user, unit=found.unit) if "approve" in allowed else None,
        },
    )


class DecisionForm(forms.Form):
    opinion = _opinion()
    document_number = _text("文号", 100)


ACTIONS: dict[str, Callable[..., Any]] = {
    "submit": staffing_request_submit,
    "withdraw": staffing_request_withdraw,
    "approve": staffing_request_approve,
    "reject": staffing_request_reject,
    "return": staffing_request_return,
}
DONE = {
    "submit": "已提交，等待编办审核",
    "withdraw": "已撤回",
    "approve": "已核准",
    "reject": "已作出不予核准决定",
    "return": "已退回申请单位修改",
}


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """One transition of a request (submit, withdraw, approve, reject, return) through its service; a
    refusal is shown as the service words it and nothing changes."""
    user = request.user
    found = _request_or_404(user, pk)
    back = _back(request, reverse("web:approvals:request_detail", args=[found.pk]))
    if action not in ACTIONS:
        raise Http404("没有这个操作")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    opinion = form.cleaned_data["opinion"].strip()
    if action in ("reject", "return") and not opinion:
        messages.error(request, "不予核准或退回须填写意见")
        return redirect(back)
    kwargs: dict[str, Any] = {"user": user, "request": found, "opinion": opinion}
    if action == "approve":
        kwargs["document_number"] = form.cleaned_data["document_number"].strip()
    try:
        with change_origin(source=SOURCE, origin=client_origin(request)):
            result = ACTIONS[action](**kwargs)
    except ProcedureError as error:
        _refused(request, error)
        return redirect(back)
    if action == "approve":
        slip = result.slip
        messages.success(
            request,
            f"用编申请 #{found.pk} 已核准：核准使用编制通知单 {slip.number}，核准 {slip.count} 名，"
            f"有效期至 {slip.expires_on.isoformat()}",
        )
        for warning in result.warnings:
            messages.warning(request, warning)
    else:
        messages.success(request, f"用编申请 #{found.pk} {DONE[action]}")
    return redirect(back)


# ---------------------------------------------------------------- slips and documents


def _slip_or_404(user: Any, number: str) -> Slip:
    slip = approvals.slip_get(user=user, number=number)
    if slip is None:
        raise Http404("没有这张通知单，或不在您的管理范围内")
    return slip


def _document(
    request: HttpRequest, builder: str, subject: Any, *, file_stem: str, fmt: str, back: str
) -> HttpResponseBase:
    """The document ``bianzhi.approvals.documents.<builder>(subject)`` as a download; when it cannot be
    made (no Chromium for the PDF), back to the page with the reason."""
    from bianzhi.core.documents import DocumentError, document_response

    if fmt not in ("docx", "pdf"):
        raise Http404("没有这种格式")
    try:
        from bianzhi.approvals import documents
    except ImportError:  # the documents arrive with the approvals app; until then the page says so
        messages.error(request, "通知单文档暂不可用，请稍后再试")
        return redirect(back)
    try:
        response = document_response(getattr(documents, builder)(subject), file_stem=file_stem, fmt=fmt)
    except DocumentError as error:
        messages.error(request, str(error))
        return redirect(back)
    if response.status_code == 503:  # the PDF could not be printed: its reason names the Word file instead
        messages.error(request, response.content.decode())
        return redirect(back)
    return response


@login_required
@require_GET
def slip_download(request: HttpRequest, number: str, fmt: str) -> HttpResponseBase:
    """核准使用编制通知单 (or 职数) as Word or PDF."""
    slip = _slip_or_404(request.user, number)
    title = "核准使用职数通知单" if slip.position_category else "核准使用编制通知单"
    back = reverse("web:approvals:request_detail", args=[slip.request_id])
    return _document(request, "slip_document", slip, file_stem=f"{title}-{slip.number}", fmt=fmt, back=back)


@login_required
@require_GET
def onboarding_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """入编通知单 as Word or PDF: it names the person and their ID number, so only those who see the
    number whole (the unit's HR officer, the office) get it."""
    onboarding = Onboarding.objects.filter(pk=pk).select_related("slip").first()
    if onboarding is None or approvals.slip_get(user=request.user, number=onboarding.slip.number) is None:
        raise Http404("没有这条入编记录，或不在您的管理范围内")
    if not sees_full_id(request.user, onboarding.slip.unit_id):
        raise PermissionDenied("入编通知单载有身份证号，只向本单位人事干部和编办提供")
    back = reverse("web:approvals:request_detail", args=[onboarding.slip.request_id])
    return _document(
        request,
        "onboarding_document",
        onboarding,
        file_stem=f"入编通知单-{onboarding.slip.number}-{onboarding.pk}",
        fmt=fmt,
        back=back,
    )


class OnboardForm(forms.Form):
    """One 人员 row (interchange.md §1) put on staff against a slip; 机构代码, 编制类型 and 职数类别 are the slip's."""

    name = _text("姓名", 64, required=True)
    id_number = _text("身份证号", 18, required=True, autocomplete="off")
    gender = _choice([("男", "男"), ("女", "女")])
    birth_date = _date("出生日期")
    category = _choice(PersonCategory.choices)
    entry_date = _date("进编日期", initial=today)
    internal_division = _text("内设机构代码", 32)
    post = _text("职务", 100)
    ethnicity = _text("民族", 32)
    political_status = _text("政治面貌", 32)
    education = _text("学历", 32)
    degree = _text("学位", 32)
    title = _text("职称", 64)
    reason = _text("备注（记入变更日志）", 500)

    #: form field → the workbook's header (the import reports problems by header)
    HEADERS = {
        "name": "姓名",
        "id_number": "身份证号",
        "gender": "性别",
        "birth_date": "出生日期",
        "category": "人员类别",
        "entry_date": "进编日期",
        "internal_division": "内设机构代码",
        "post": "职务",
        "ethnicity": "民族",
        "political_status": "政治面貌",
        "education": "学历",
        "degree": "学位",
        "title": "职称",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "onb_%s")
        super().__init__(*args, **kwargs)
        for name, header in self.HEADERS.items():
            self.fields[name].label = header

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, header in self.HEADERS.items():
            value = self.cleaned_data[name]
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, str):
                value = value.strip()
                if name == "id_number":
                    value = value.upper()
            if value not in ("", None):
                row[header] = value
        return row

    def show(self, problems: list[dict[str, Any]]) -> None:
        by_header = {header: name for name, header in self.HEADERS.items()}
        for problem in problems:
            name = by_header.get(str(problem.get("column") or problem.get("location") or ""))
            self.add_error(name, str(problem.get("message", "")))


@login_required
@require_http_methods(["GET", "POST"])
def onboard(request: HttpRequest, number: str) -> HttpResponseBase:
    """上编 against a slip: the person's 人员 fields; the import's validation answers per field."""
    user = request.user
    slip = _slip_or_404(user, number)
    if not can(user, Action.CHANGE_PEOPLE, slip.unit_id) or not may_request(user):
        raise PermissionDenied("只有该单位的人事干部和编办业务人员可以凭通知单办理上编")
    form = OnboardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            with change_origin(source=SOURCE, origin=client_origin(request)):
                done = slip_onboard(user=user, slip=slip, row=form.row(), reason=form.cleaned_data["reason"].strip())
        except ProcedureError as error:
            if error.problems:
                form.show(error.problems)
            else:
                form.add_error(None, f"{error.message}（{error.code}）")
        else:
            messages.success(
                request,
                f"已凭 {slip.number} 为 {form.cleaned_data['name']} 办理上编（进编日期 "
                f"{done.entry_date.isoformat()}），可下载入编通知单",
            )
            return redirect(f"{reverse('web:approvals:request_detail', args=[slip.request_id])}#onboardings")
    day = today()
    state = "expired" if slip.is_expired(day) else ("used" if slip.remaining == 0 else "valid")
    return _page(
        request,
        "web/approvals/onboard.html",
        {
            "title": f"凭 {slip.number} 办理上编",
            "slip": slip,
            "slip_state": state,
            "unit_name": _unit_names({slip.unit_id}).get(slip.unit_id, slip.unit.code),
            "form": form,
        },
        status=422 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------- leaving and write-off


def _people_filter(request: HttpRequest) -> tuple[str, str, Q]:
    code = str(request.GET.get("unit", "")).strip()
    text = str(request.GET.get("q", "")).strip()[:64]
    condition = Q()
    if code:
        condition &= Q(unit__code=code)
    if text:
        condition &= Q(name__contains=text)
    return code, text, condition


@login_required
@require_GET
def leave_list(request: HttpRequest) -> HttpResponse:
    """离编办理: the people on staff today whom the user may change (a 单位人事干部: its subtree), with a
    离编 button each; filter by unit code and name."""
    user = request.user
    if not may_request(user) or not can_somewhere(user, Action.CHANGE_PEOPLE):
        raise PermissionDenied("只有单位人事干部和编办业务人员办理离编")
    code, text, condition = _people_filter(request)
    versions = restrict(
        PersonVersion.objects.filter(PersonVersion.as_of(today()), condition, status=PersonStatus.ON_STAFF),
        user,
        Action.CHANGE_PEOPLE,
    ).select_related("unit", "person")
    found = list(versions.order_by("unit__code", "name", "pk")[:LIST_LIMIT])
    names = _unit_names({v.unit_id for v in found})
    rows = [
        {
            "name": v.name,
            "ref": person_ref(v.person_id),
            "id_number": id_for(user, v.person.id_number, v.unit_id),
            "unit_code": v.unit.code,
            "unit_name": names.get(v.unit_id, ""),
            "staffing_type": v.staffing_type,
            "post": v.post,
            "entry_date": v.entry_date,
        }
        for v in found
    ]
    return _page(
        request,
        "web/approvals/leave_list.html",
        {
            "title": "离编办理",
            "rows": rows,
            "unit_code": code,
            "q": text,
            "unit_options": request_units(user),
            "limited": len(rows) == LIST_LIMIT,
        },
    )


class LeaveForm(forms.Form):
    status = _choice(LEAVING_STATUSES)
    day = _date("离编日期", initial=today)
    reason = _text("备注（记入变更日志）", 500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "leave_%s")
        super().__init__(*args, **kwargs)
        self.fields["status"].label = "离编情形"


def _changeable_person(user: Any, ref: str) -> PersonVersion:
    pk = person_pk(ref.lower())
    if pk is None:
        raise Http404("没有这个人员，或不在您的管理范围内")
    versions = PersonVersion.objects.filter(person_id=pk).select_related("person", "unit")
    version = restrict(versions.filter(PersonVersion.as_of(today())), user, Action.CHANGE_PEOPLE).first()
    if version is None:
        version = restrict(versions.order_by("-valid_from"), user, Action.CHANGE_PEOPLE).first()
    if version is None:
        raise Http404("没有这个人员，或不在您的管理范围内")
    return version


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, ref: str) -> HttpResponseBase:
    """离编 of one person (退休, 调出, 辞职, 辞退, 开除, 死亡) with its date; the place is free from that date."""
    user = request.user
    if not may_request(user) or not can_somewhere(user, Action.CHANGE_PEOPLE):
        raise PermissionDenied("只有单位人事干部和编办业务人员办理离编")
    version = _changeable_person(user, ref)
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with change_origin(source=SOURCE, origin=client_origin(request)):
                person_leave(
                    user=user, person=version.person, status=data["status"], day=data["day"], reason=data["reason"]
                )
        except ProcedureError as error:
            form.add_error("day" if error.code == "invalid" else None, f"{error.message}（{error.code}）")
        else:
            messages.success(
                request,
                f"已办理 {version.name} 离编（{data['status']}，离编日期 {data['day'].isoformat()}），待编办核销",
            )
            return redirect(f"{reverse('web:approvals:leave_list')}?{urlencode({'unit': version.unit.code})}")
    return _page(
        request,
        "web/approvals/leave.html",
        {
            "title": f"离编：{version.name}",
            "version": version,
            "ref": person_ref(version.person_id),
            "id_number": id_for(user, version.person.id_number, version.unit_id),
            "unit_name": _unit_names({version.unit_id}).get(version.unit_id, version.unit.code),
            "form": form,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def write_off_list(request: HttpRequest) -> HttpResponse:
    """核销: people who left (not 在编, with a 离编日期) and are not written off, by deadline (the 10th
    working day after leaving, domain.md §4 ``late_write_off``), overdue first."""
    user = request.user
    if not may_write_off(user):
        raise PermissionDenied("只有编办业务人员和编办管理员办理核销")
    day = today()
    code, text, condition = _people_filter(request)
    versions = list(
        restrict(
            PersonVersion.objects.filter(
                PersonVersion.as_of(day), condition, left_date__isnull=False, written_off_date__isnull=True
            ).exclude(status=PersonStatus.ON_STAFF),
            user,
            Action.VIEW,
        )
        .select_related("unit", "person")
        .order_by("write_off_deadline", "left_date", "pk")[:LIST_LIMIT]
    )
    names = _unit_names({v.unit_id for v in versions})
    rows = [
        {
            "name": v.name,
            "ref": person_ref(v.person_id),
            "id_number": id_for(user, v.person.id_number, v.unit_id),
            "unit_code": v.unit.code,
            "unit_name": names.get(v.unit_id, ""),
            "status": v.status,
            "left_date": v.left_date,
            "deadline": v.write_off_deadline,
            "overdue": v.write_off_deadline is not None and v.write_off_deadline < day,
        }
        for v in versions
    ]
    return _page(
        request,
        "web/approvals/write_off_list.html",
        {"title": "编制核销", "rows": rows, "unit_code": code, "q": text, "today": day},
    )


@login_required
@require_POST
def write_off(request: HttpRequest, ref: str) -> HttpResponseBase:
    """核销 of one person's staffing (核销日期, not before 离编日期)."""
    user = request.user
    if not may_write_off(user):
        raise PermissionDenied("只有编办业务人员和编办管理员办理核销")
    version = _changeable_person(user, ref)
    back = _back(request, reverse("web:approvals:write_off_list"))
    try:
        day = dt.date.fromisoformat(str(request.POST.get("day", "")))
    except ValueError:
        messages.error(request, "请填写核销日期（年-月-日）")
        return redirect(back)
    try:
        with change_origin(source=SOURCE, origin=client_origin(request)):
            person_write_off(user=user, person=version.person, day=day, reason=str(request.POST.get("reason", "")))
    except ProcedureError as error:
        _refused(request, error)
    else:
        messages.success(request, f"已核销 {version.name} 的编制（核销日期 {day.isoformat()}）")
    return redirect(back)


# ---------------------------------------------------------------- plans


class PlanForm(forms.Form):
    unit = _choice([])
    year = forms.IntegerField(
        label="年度", min_value=2000, max_value=2100, widget=forms.NumberInput({"class": "form-control"})
    )
    staffing_type = _choice(StaffingType.choices)
    count = forms.IntegerField(
        label="计划用编数", min_value=1, max_value=10_000, widget=forms.NumberInput({"class": "form-control"})
    )
    note = _text("说明", 500)

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "plan_%s")
        super().__init__(*args, **kwargs)
        unit = cast(forms.ChoiceField, self.fields["unit"])
        unit.choices = units
        unit.label = "机构"
        self.fields["staffing_type"].label = "编制类型"


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request: HttpRequest) -> HttpResponseBase:
    """用编计划 of a year (``?year=``, this year by default): each plan against the places approved
    that year; unit HR officers draft plans, the office approves them."""
    user = request.user
    day = today()
    try:
        year = int(request.GET.get("year") or day.year)
    except ValueError:
        year = day.year
    year = min(max(year, 2000), 2100)
    form = None
    if may_request(user):
        form = PlanForm(
            request.POST if request.method == "POST" else None, units=request_units(user), initial={"year": year}
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("您的角色不能填报用编计划")
        if form.is_valid():
            data = form.cleaned_data
            unit = selectors.unit_get(user=user, code=data["unit"])
            try:
                if unit is None:
                    raise Http404("没有这个机构，或不在您的管理范围内")
                with change_origin(source=SOURCE, origin=client_origin(request)):
                    plan = staffing_plan_create(
                        user=user,
                        unit=unit,
                        year=data["year"],
                        staffing_type=data["staffing_type"],
                        count=data["count"],
                        note=data["note"].strip(),
                    )
            except ProcedureError as error:
                _form_refused(form, error)
            else:
                messages.success(
                    request, f"已填报 {plan.year} 年用编计划（{plan.staffing_type} {plan.count} 名），待编办批准"
                )
                return redirect(f"{reverse('web:approvals:plan_list')}?year={plan.year}")
    plans = list(approvals.staffing_plan_list(user=user, year=year).select_related("unit", "created_by", "approved_by"))
    names = _unit_names({p.unit_id for p in plans})
    whole = sees_every_number(user)
    used = dict(
        ((unit_id, staffing_type), n)
        for unit_id, staffing_type, n in approvals.slip_list(user=user)
        .filter(year=year, position_category="")
        .values_list("unit_id", "staffing_type")
        .annotate(n=Sum("count"))
        .values_list("unit_id", "staffing_type", "n")
    )
    rows = [
        {
            "plan": p,
            "unit_name": names.get(p.unit_id, ""),
            "used": int(used.get((p.unit_id, p.staffing_type)) or 0),
            "note": shown_text(p.note, whole=whole),
            "created_by": display_name(p.created_by) if p.created_by else "",
            "approved_by": display_name(p.approved_by) if p.approved_by else "",
        }
        for p in plans
    ]
    return _page(
        request,
        "web/approvals/plan_list.html",
        {
            "title": "用编计划",
            "rows": rows,
            "year": year,
            "form": form,
            "may_approve_plans": may_approve(user),
            "draft": PlanState.DRAFT,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def plan_approve(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request.user
    plan = approvals.staffing_plan_get(user=user, pk=pk)
    if plan is None:
        raise Http404("没有这个用编计划，或不在您的管理范围内")
    back = _back(request, f"{reverse('web:approvals:plan_list')}?year={plan.year}")
    try:
        with change_origin(source=SOURCE, origin=client_origin(request)):
            staffing_plan_approve(user=user, plan=plan)
    except ProcedureError as error:
        _refused(request, error)
    else:
        messages.success(request, f"已批准 {plan.year} 年用编计划（{plan.staffing_type} {plan.count} 名）")
    return redirect(back)


# ---------------------------------------------------------------- the menu


@require_GET
def nav(request: HttpRequest) -> HttpResponse:
    """The 业务办理 menu's approvals entries for this user (htmx, loaded with the page): 我的申请 for
    those who ask, 审批队列 with the count of submitted requests for approvers, 核销 for the office."""
    user = request.user
    context: dict[str, Any] = {"show": False}
    if user.is_authenticated and can_somewhere(user, Action.VIEW):
        approving = may_approve(user)
        context = {
            "show": True,
            "requesting": may_request(user),
            "approving": approving,
            "writing_off": may_write_off(user),
            "unit_hr_only": _roles(user) == {Role.UNIT_HR},
            "submitted": (
                approvals.staffing_request_list(user=user, state=RequestState.SUBMITTED).count() if approving else 0
            ),
        }
    return render(request, "web/approvals/_nav.html", context)


urlpatterns = [
    path("", request_list, name="request_list"),
    path("nav/", nav, name="nav"),
    path("figures/", unit_figures, name="unit_figures"),
    path("queue/", queue, name="queue"),
    path("requests/<int:pk>/", request_detail, name="request_detail"),
    path("requests/<int:pk>/<str:action>/", request_action, name="request_action"),
    path("slips/<str:number>/onboard/", onboard, name="slip_onboard"),
    path("slips/<str:number>/<str:fmt>/", slip_download, name="slip_download"),
    path("onboardings/<int:pk>/<str:fmt>/", onboarding_download, name="onboarding_download"),
    path("leave/", leave_list, name="leave_list"),
    path("people/<str:ref>/leave/", leave, name="person_leave"),
    path("people/<str:ref>/write-off/", write_off, name="person_write_off"),
    path("write-offs/", write_off_list, name="write_off_list"),
    path("plans/", plan_list, name="plan_list"),
    path("plans/<int:pk>/approve/", plan_approve, name="plan_approve"),
]
