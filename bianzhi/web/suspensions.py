"""暂缓审批 pages (issue 14 "Suspension", domain.md §9): the list of the district's suspensions (filters:
in force / lifted / all, unit), and the forms with which the office (编办管理员, 编办业务人员: ``Action.CHANGE``)
starts one by hand and lifts one, through ``registry.services.suspension_start`` / ``suspension_lift``
(atomic, in the change log, source 网页).

Every role that reads the register sees the list, narrowed to its units (a 单位人事干部 its subtree);
reasons go through ``shown_text`` for the roles that see ID numbers masked. A suspension is in force
on D when it started by D, is not lifted by D, and its planned end is empty or not before D.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from bianzhi.accounts.models import Role
from bianzhi.accounts.permissions import Action, can, can_somewhere, restrict
from bianzhi.accounts.privacy import client_origin, sees_every_number, shown_text
from bianzhi.core.changelog import change_origin
from bianzhi.core.dates import today
from bianzhi.core.locks import RegisterBusy
from bianzhi.core.models import ChangeSet
from bianzhi.core.notifications import notify
from bianzhi.registry.models import Suspension, Unit, UnitVersion
from bianzhi.registry.services import suspension_lift, suspension_start
from bianzhi.web.selectors import user_grants

app_name = "suspensions"

PAGE_SIZE = 50
#: the source recorded for a suspension started on this page
BY_HAND = "手工"
STATES = ("in_force", "lifted", "all")


def in_force_q(day: dt.date) -> Q:
    """Suspensions in force on ``day`` (domain.md §9: a planned end ends it)."""
    return Suspension.in_force_on(day) & (Q(planned_end__isnull=True) | Q(planned_end__gte=day))


def state_of(row: Suspension, day: dt.date) -> str:
    if row.lifted_on is not None and row.lifted_on <= day:
        return "lifted"
    if row.started_on > day:
        return "pending"
    if row.planned_end is not None and row.planned_end < day:
        return "ended"
    return "in_force"


STATE_LABELS = {
    "in_force": gettext_lazy("Suspension in force"),
    "lifted": gettext_lazy("Lifted"),
    "pending": gettext_lazy("Not yet started"),
    "ended": gettext_lazy("Planned end passed"),
}


def _unit_names(unit_ids: set[int]) -> dict[int, str]:
    rows = UnitVersion.objects.filter(UnitVersion.current(), unit_id__in=unit_ids).values_list("unit_id", "name")
    return dict(rows)


def _login_or_forbid(request: HttpRequest, action: Action) -> HttpResponseBase | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_somewhere(request.user, action):
        raise PermissionDenied(
            _("Only the staffing office may start or lift a suspension.")
            if action == Action.CHANGE
            else _("You may not view suspensions.")
        )
    return None


def _visible(request: HttpRequest) -> QuerySet[Suspension]:
    return restrict(Suspension.objects.select_related("unit"), request.user, Action.VIEW)


# ---------------------------------------------------------------- the list


@require_GET
def suspension_list(request: HttpRequest) -> HttpResponseBase:
    if refused := _login_or_forbid(request, Action.VIEW):
        return refused
    day = today()
    state = request.GET.get("state", "in_force")
    if state not in STATES:
        state = "in_force"
    code = str(request.GET.get("unit", "")).strip()[:64]
    rows = _visible(request)
    if state == "in_force":
        rows = rows.filter(in_force_q(day))
    elif state == "lifted":
        rows = rows.filter(lifted_on__isnull=False)
    if code:
        rows = rows.filter(unit__code=code)
    rows = rows.order_by("-started_on", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    whole = sees_every_number(request.user)
    names = _unit_names({row.unit_id for row in page.object_list})
    may_change = can_somewhere(request.user, Action.CHANGE)
    items = []
    for row in page.object_list:
        row_state = state_of(row, day)
        items.append(
            {
                "id": row.pk,
                "code": row.unit.code,
                "name": names.get(row.unit_id, ""),
                "reason": shown_text(row.reason, whole=whole),
                "source": shown_text(row.source, whole=whole),
                "started_on": row.started_on,
                "planned_end": row.planned_end,
                "lifted_on": row.lifted_on,
                "lift_reason": shown_text(row.lift_reason, whole=whole),
                "state": row_state,
                "state_label": STATE_LABELS[row_state],
                "may_lift": may_change and row.lifted_on is None and can(request.user, Action.CHANGE, row.unit_id),
            }
        )
    context = {
        "nav": "suspensions",
        "grants": user_grants(user=request.user),
        "title": _("Approval suspensions"),
        "day": day,
        "state": state,
        "states": [(value, STATE_LABELS.get(value) or _("All")) for value in STATES],
        "unit_code": code,
        "page": page,
        "rows": items,
        "may_change": may_change,
        "query": f"state={state}" + (f"&unit={code}" if code else ""),
    }
    return render(request, "web/suspensions/list.html", context)


def _tell_the_unit(unit: Unit, *, title: str, body: str, user: Any) -> None:
    """Notify the 单位人事干部 whose grant covers the unit (its approvals stop or resume)."""
    notify(
        unit=unit,
        roles=[Role.UNIT_HR],
        title=title,
        body=body,
        url=reverse("web:unit_detail", kwargs={"code": unit.code}),
        kind="suspension",
        exclude=user,
    )


# ---------------------------------------------------------------- start by hand


def _date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput({"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )


class StartForm(forms.Form):
    unit = forms.CharField(
        label=gettext_lazy("Code of the unit"),
        max_length=64,
        widget=forms.TextInput({"class": "form-control font-monospace", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason of the suspension"),
        max_length=200,
        error_messages={"required": gettext_lazy("Please give the reason of the suspension.")},
        widget=forms.TextInput({"class": "form-control", "maxlength": "200"}),
    )
    started_on = _date_field(gettext_lazy("Suspended from"))
    planned_end = _date_field(gettext_lazy("Planned end"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.unit_obj: Unit | None = None

    def clean_unit(self) -> str:
        code = self.cleaned_data["unit"].strip()
        unit = Unit.objects.filter(code=code).first()
        if unit is None or not can(self.user, Action.CHANGE, unit):
            raise forms.ValidationError(_("Unit %(code)s does not exist or is not yours to manage.") % {"code": code})
        self.unit_obj = unit
        return code

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Please give the reason of the suspension."))
        return reason

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("started_on"), data.get("planned_end")
        if start and end and end < start:
            self.add_error(
                "planned_end",
                _("The planned end %(end)s is before the start %(start)s.") % {"end": end, "start": start},
            )
        return data


@require_http_methods(["GET", "POST"])
def suspension_new(request: HttpRequest) -> HttpResponseBase:
    if refused := _login_or_forbid(request, Action.CHANGE):
        return refused
    if request.method == "POST":
        form = StartForm(request.POST, user=request.user)
        if form.is_valid() and form.unit_obj is not None:
            try:
                with change_origin(source=ChangeSet.Source.WEB, origin=client_origin(request)):
                    row = suspension_start(
                        unit=form.unit_obj,
                        reason=form.cleaned_data["reason"],
                        source=BY_HAND,
                        started_on=form.cleaned_data["started_on"],
                        planned_end=form.cleaned_data["planned_end"],
                        user=request.user,
                    )
            except RegisterBusy:
                messages.error(request, RegisterBusy.message)
            else:
                _tell_the_unit(
                    form.unit_obj,
                    title=f"{form.unit_obj.code} 用编、用职数审批自 {row.started_on.isoformat()} 起暂缓",
                    body=f"暂缓原因：{row.reason}"
                    + (f"；计划结束日期 {row.planned_end.isoformat()}" if row.planned_end else ""),
                    user=request.user,
                )
                messages.success(
                    request,
                    _("Approvals of %(unit)s are suspended from %(day)s.")
                    % {"unit": form.unit_obj.code, "day": row.started_on.isoformat()},
                )
                return redirect("web:unit_detail", code=form.unit_obj.code)
        status = 422
    else:
        form = StartForm(
            initial={"unit": str(request.GET.get("unit", ""))[:64], "started_on": today()}, user=request.user
        )
        status = 200
    return _form_page(request, form, title=_("Start an approval suspension"), status=status)


# ---------------------------------------------------------------- lift


class LiftForm(forms.Form):
    lifted_on = _date_field(gettext_lazy("Lift date"))
    reason = forms.CharField(
        label=gettext_lazy("Reason for lifting"),
        max_length=200,
        error_messages={"required": gettext_lazy("Please give the reason for lifting.")},
        widget=forms.TextInput({"class": "form-control", "maxlength": "200"}),
    )

    def __init__(self, *args: Any, suspension: Suspension, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suspension = suspension

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Please give the reason for lifting."))
        return reason

    def clean_lifted_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["lifted_on"]
        if day < self.suspension.started_on:
            raise forms.ValidationError(
                _("The lift date %(day)s is before the start %(start)s.")
                % {"day": day, "start": self.suspension.started_on}
            )
        return day


@require_http_methods(["GET", "POST"])
def suspension_lift_form(request: HttpRequest, pk: int) -> HttpResponseBase:
    if refused := _login_or_forbid(request, Action.CHANGE):
        return refused
    row = restrict(Suspension.objects.select_related("unit"), request.user, Action.CHANGE).filter(pk=pk).first()
    if row is None:
        raise Http404(_("No such suspension."))
    if row.lifted_on is not None:
        messages.warning(request, _("This suspension was lifted on %(day)s.") % {"day": row.lifted_on.isoformat()})
        return redirect("web:suspensions:suspension_list")
    status = 200
    if request.method == "POST":
        form = LiftForm(request.POST, suspension=row)
        if form.is_valid():
            try:
                with change_origin(source=ChangeSet.Source.WEB, origin=client_origin(request)):
                    suspension_lift(
                        suspension=row,
                        lifted_on=form.cleaned_data["lifted_on"],
                        reason=form.cleaned_data["reason"],
                        user=request.user,
                    )
            except RegisterBusy:
                messages.error(request, RegisterBusy.message)
            except ValueError as exc:  # lifted meanwhile by someone else
                form.add_error(None, str(exc))
            else:
                _tell_the_unit(
                    row.unit,
                    title=f"{row.unit.code} 的暂缓审批已于 {form.cleaned_data['lifted_on'].isoformat()} 解除",
                    body=f"解除原因：{form.cleaned_data['reason']}",
                    user=request.user,
                )
                messages.success(request, _("The suspension of %(unit)s is lifted.") % {"unit": row.unit.code})
                return redirect("web:unit_detail", code=row.unit.code)
        status = 422
    else:
        form = LiftForm(initial={"lifted_on": today()}, suspension=row)
    whole = sees_every_number(request.user)
    return _form_page(
        request,
        form,
        title=_("Lift an approval suspension"),
        status=status,
        suspension={
            "code": row.unit.code,
            "name": _unit_names({row.unit_id}).get(row.unit_id, ""),
            "reason": shown_text(row.reason, whole=whole),
            "source": shown_text(row.source, whole=whole),
            "started_on": row.started_on,
            "planned_end": row.planned_end,
        },
    )


def _form_page(
    request: HttpRequest, form: forms.Form, *, title: str, status: int, suspension: dict[str, Any] | None = None
) -> HttpResponse:
    context = {
        "nav": "suspensions",
        "grants": user_grants(user=request.user),
        "title": title,
        "form": form,
        "suspension": suspension,
    }
    return render(request, "web/suspensions/form.html", context, status=status)


urlpatterns = [
    path("", suspension_list, name="suspension_list"),
    path("new/", suspension_new, name="suspension_new"),
    path("<int:pk>/lift/", suspension_lift_form, name="suspension_lift"),
]
