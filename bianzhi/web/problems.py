"""问题整改: the pages. Names ``web:problems:<view>``.

* ``problem_list`` — the district's problems (filters, overdue in red, Excel export), and the joint-work
  package (S3.3.3) for the 组织/人社/财政 departments;
* ``problem_new`` — the raise form (prefilled from an alert with ``?alert=``), ``problem_from_alert``
  raises one from an alert in one click;
* ``problem_detail`` — the problem, its timeline, attachments, the answer form for the unit's HR officer,
  return / close for the office, and the 整改通知 as Word or PDF;
* ``unit_problems`` / ``alert_candidates`` — the sections on the unit page and the alerts page.

Every read goes through ``rectification.selectors`` (the permission choke point), every step through
``rectification.services``; who may take a step is ``rectification.permissions``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from bianzhi.accounts.permissions import Action, can_somewhere, restrict
from bianzhi.accounts.privacy import sees_every_number, shown_text
from bianzhi.core.changelog import change_origin
from bianzhi.core.dates import today
from bianzhi.core.models import ChangeSet
from bianzhi.rectification import permissions as rules
from bianzhi.rectification import selectors as problems
from bianzhi.rectification.models import Problem, Severity, Source, State
from bianzhi.rectification.privacy import shown_problem_text
from bianzhi.rectification.services import (
    ProblemError,
    attachment_path,
    problem_answer,
    problem_attach,
    problem_close,
    problem_raise,
    problem_return,
)
from bianzhi.registry import selectors as registry
from bianzhi.registry.models import Unit
from bianzhi.registry.trees import subtree_ids
from bianzhi.supervision.models import Alert, MonitoringRun
from bianzhi.web import selectors
from bianzhi.web.exports import table_workbook, text_safe
from bianzhi.web.tables import Column, FilterSet, Row, Table
from bianzhi.web.views import Page

app_name = "problems"

#: days a problem raised from an alert in one click has to be rectified
DEFAULT_DAYS = 30


def _origin(request: HttpRequest) -> str:
    from bianzhi.accounts.addresses import client_address

    return f"网页 {client_address(request) or ''}".strip()


def login_and_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_somewhere(request.user, Action.VIEW):
            raise PermissionDenied(_("Your account has no role that lets it see the register."))
        return view(request, *args, **kwargs)

    return wrapper


def _problem(request: HttpRequest, pk: int) -> Problem:
    row = problems.problem_get(user=request.user, problem_id=pk)
    if row is None:
        raise Http404(pgettext("problems", "No such problem, or not one you may see."))
    return row


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"nav": "problems", "grants": selectors.user_grants(user=request.user), **extra}


# ---------------------------------------------------------------- the list


class ProblemFilter(FilterSet):
    unit = django_filters.CharFilter(label=pgettext_lazy("problems", "Unit code"), method="filter_unit")
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("State"), choices=State.choices, empty_label=gettext_lazy("All")
    )
    severity = django_filters.ChoiceFilter(
        label=gettext_lazy("Severity"), choices=Severity.choices, empty_label=gettext_lazy("All")
    )
    source = django_filters.ChoiceFilter(
        label=gettext_lazy("Source"), choices=Source.choices, empty_label=gettext_lazy("All")
    )
    overdue = django_filters.ChoiceFilter(
        label=gettext_lazy("Overdue"),
        choices=[("1", pgettext_lazy("problems", "Overdue only")), ("0", pgettext_lazy("problems", "Not overdue"))],
        empty_label=gettext_lazy("All"),
        method="filter_overdue",
    )

    class Meta:
        model = Problem
        fields: list[str] = []

    user: Any = None

    def filter_unit(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        unit = registry_unit(self.user, value.strip())
        if unit is None:
            return queryset.none()
        return queryset.filter(unit_id__in=subtree_ids([unit.pk], day=today()))

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        q = problems.overdue_q(today())
        return queryset.filter(q) if value == "1" else queryset.exclude(q)


def registry_unit(user: Any, code: str) -> Unit | None:
    return restrict(Unit.objects.filter(code=code), user, Action.VIEW).first() if code else None


class ProblemTable(Table):
    name = "problems"
    title = gettext_lazy("Problems")
    filterset_class = ProblemFilter
    default_sort = "-raised_at"
    per_page = 50
    columns = [
        Column("id", pgettext_lazy("problems", "No."), order="id", kind="number", link="url"),
        Column("unit_name", gettext_lazy("Unit"), order="unit__code"),
        Column("unit", gettext_lazy("Code"), order="unit__code"),
        Column("severity", gettext_lazy("Severity"), order="severity", kind="severity"),
        Column("source", gettext_lazy("Source"), order="source"),
        Column("description", gettext_lazy("Problem")),
        Column("deadline", pgettext_lazy("problems", "Rectification deadline"), order="deadline", kind="date"),
        Column("state_label", gettext_lazy("State"), order="state"),
        Column("overdue", gettext_lazy("Overdue"), kind="bool"),
        Column("responsible", pgettext_lazy("problems", "Responsible")),
        Column("raised_at", pgettext_lazy("problems", "Raised"), order="raised_at", kind="datetime"),
        Column("closed_on", pgettext_lazy("problems", "Closed off"), order="closed_on", kind="date"),
    ]

    def source(self) -> QuerySet[Problem]:
        unit_ids = self.context.get("unit_ids")
        return problems.problem_list(user=self.user, unit_ids=unit_ids)

    def prepare_filterset(self, filterset: FilterSet) -> None:
        filterset.user = self.user  # type: ignore[attr-defined]

    @cached_property
    def whole(self) -> bool:
        return sees_every_number(self.user)

    @cached_property
    def names(self) -> dict[int, str]:
        return problems.unit_names(set(self._source.values_list("unit_id", flat=True).distinct()))  # type: ignore[union-attr]

    def to_row(self, item: Problem) -> Row:
        day = today()
        return {
            "id": item.pk,
            "url": reverse("web:problems:problem_detail", args=[item.pk]),
            "unit_name": self.names.get(item.unit_id, ""),
            "unit": item.unit.code,
            "severity": item.severity,
            "source": item.source,
            "description": shown_problem_text(item, item.description, whole=self.whole, day=day),
            "deadline": item.deadline,
            "state": item.state,
            "state_label": State(item.state).label,
            "overdue": item.overdue_on(day),
            "responsible": shown_text(item.responsible, whole=self.whole),
            "raised_at": item.raised_at,
            "closed_on": item.closed_on,
        }


class ProblemListView(Page):
    """The district's problems (or one unit's with ``?unit=``), overdue ones in red."""

    template_name = "web/problems/list.html"
    title = pgettext_lazy("problems", "Problems and rectification")
    nav = "problems"

    def context(self) -> dict[str, Any]:
        return {"may_raise": rules.may_raise(self.request.user), "today": today()}

    def tables(self) -> list[Table]:
        return [ProblemTable(request=self.request, day=self.day, prefix="")]


# ---------------------------------------------------------------- raising


class RaiseForm(forms.Form):
    unit = forms.CharField(
        label=pgettext_lazy("problems", "Unit code"), max_length=32, widget=forms.TextInput({"class": "form-control"})
    )
    description = forms.CharField(
        label=gettext_lazy("Problem"), max_length=2000, widget=forms.Textarea({"class": "form-control", "rows": 3})
    )
    basis = forms.CharField(
        label=pgettext_lazy("problems", "Legal basis"),
        max_length=500,
        required=False,
        widget=forms.TextInput({"class": "form-control"}),
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=Severity.choices, widget=forms.Select({"class": "form-select"})
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source"), choices=Source.choices, widget=forms.Select({"class": "form-select"})
    )
    deadline = forms.DateField(
        label=pgettext_lazy("problems", "Rectification deadline"),
        widget=forms.DateInput({"class": "form-control", "type": "date"}),
    )
    responsible = forms.CharField(
        label=pgettext_lazy("problems", "Responsible"),
        max_length=100,
        required=False,
        widget=forms.TextInput({"class": "form-control"}),
    )
    alert = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_unit(self) -> Unit:
        code = self.cleaned_data["unit"].strip()
        unit = registry_unit(self.user, code)
        if unit is None:
            raise forms.ValidationError(f"机构 {code} 不存在或不在本人管理范围内")
        return unit

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if not text:
            raise forms.ValidationError("请填写问题描述")
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        alert_id, unit = data.get("alert"), data.get("unit")
        if alert_id and unit is not None:
            alert = restrict(Alert.objects.all(), self.user, Action.VIEW).filter(pk=alert_id).first()
            if alert is None or alert.unit_code != unit.code:
                raise forms.ValidationError(f"预警 {alert_id} 不存在或不是机构 {unit.code} 的预警")
            data["alert_obj"] = alert
        return data


def alert_description(alert: Alert, *, whole: bool, day: dt.date) -> str:
    """A problem's description taken from an alert: the rule's name and the alert's message."""
    name = selectors.rule_names().get(alert.rule, alert.rule)
    message = selectors.shown_alert_text(
        {**(alert.data or {}), "message": alert.message, "person": alert.person}, day=day, whole=whole
    )
    return f"【{name}】{message or ''}"


def _raise_from(request: HttpRequest, form: RaiseForm) -> Problem:
    data = form.cleaned_data
    with change_origin(source=ChangeSet.Source.WEB, origin=_origin(request)):
        return problem_raise(
            user=request.user,
            unit=data["unit"],
            description=data["description"],
            severity=data["severity"],
            deadline=data["deadline"],
            source=data["source"],
            alert=data.get("alert_obj"),
            basis=data.get("basis", "").strip(),
            responsible=data.get("responsible", "").strip(),
        )


@login_and_view
def problem_new(request: HttpRequest) -> HttpResponse:
    """The raise form; ``?alert=<id>`` prefills it from a stored alert, ``?unit=<code>`` the unit."""
    if not rules.may_raise(request.user):
        raise PermissionDenied(rules.REFUSE_RAISE)
    if request.method == "POST":
        form = RaiseForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                problem = _raise_from(request, form)
            except ProblemError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    pgettext("problems", "Problem %(id)s raised; the rectification notice was sent.")
                    % {"id": problem.pk},
                )
                return redirect("web:problems:problem_detail", pk=problem.pk)
    else:
        initial: dict[str, Any] = {
            "deadline": today() + dt.timedelta(days=DEFAULT_DAYS),
            "severity": Severity.MEDIUM,
            "source": Source.INSPECTION,
        }
        alert_id = request.GET.get("alert", "")
        if alert_id.isdigit():
            alert = restrict(Alert.objects.all(), request.user, Action.VIEW).filter(pk=int(alert_id)).first()
            if alert is not None and alert.unit_code:
                initial.update(
                    unit=alert.unit_code,
                    description=alert_description(alert, whole=sees_every_number(request.user), day=today()),
                    severity=alert.severity,
                    source=Source.ALERT,
                    alert=alert.pk,
                )
        elif request.GET.get("unit"):
            initial["unit"] = request.GET["unit"][:32]
        form = RaiseForm(initial=initial, user=request.user)
    return render(
        request, "web/problems/new.html", _context(request, title=pgettext("problems", "Raise a problem"), form=form)
    )


@require_POST
@login_and_view
def problem_from_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One click: raise a problem from a stored alert — its unit, severity, rule and message, source
    预警, a deadline 30 days on."""
    alert = restrict(Alert.objects.all(), request.user, Action.VIEW).filter(pk=alert_id).first()
    if alert is None or not alert.unit_code:
        raise Http404(pgettext("problems", "No such alert, or not one you may see."))
    if not rules.may_raise(request.user):
        raise PermissionDenied(rules.REFUSE_RAISE)
    unit = registry_unit(request.user, alert.unit_code)
    if unit is None:
        raise Http404(pgettext("problems", "No such alert, or not one you may see."))
    with change_origin(source=ChangeSet.Source.WEB, origin=_origin(request)):
        problem = problem_raise(
            user=request.user,
            unit=unit,
            description=alert_description(alert, whole=True, day=today()),
            severity=alert.severity if alert.severity in Severity.values else Severity.MEDIUM,
            deadline=today() + dt.timedelta(days=DEFAULT_DAYS),
            source=Source.ALERT,
            alert=alert,
        )
    messages.success(
        request, pgettext("problems", "Problem %(id)s raised; the rectification notice was sent.") % {"id": problem.pk}
    )
    return redirect("web:problems:problem_detail", pk=problem.pk)


# ---------------------------------------------------------------- one problem


class AnswerForm(forms.Form):
    plan = forms.CharField(
        label=pgettext_lazy("problems", "Rectification plan"),
        max_length=2000,
        widget=forms.Textarea({"class": "form-control", "rows": 3}),
    )
    evidence = forms.CharField(
        label=pgettext_lazy("problems", "What was done, and the evidence"),
        max_length=2000,
        widget=forms.Textarea({"class": "form-control", "rows": 3}),
    )


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label=pgettext_lazy("problems", "Opinion"),
        max_length=2000,
        required=False,
        widget=forms.Textarea({"class": "form-control", "rows": 2}),
    )


def _detail_context(request: HttpRequest, problem: Problem, **forms_: Any) -> dict[str, Any]:
    user = request.user
    whole = sees_every_number(user)
    day = today()
    steps = [
        {
            "step": step,
            "opinion": shown_problem_text(problem, step.opinion, whole=whole, day=day),
            "plan": shown_problem_text(problem, step.plan, whole=whole, day=day),
            "evidence": shown_problem_text(problem, step.evidence, whole=whole, day=day),
        }
        for step in problems.problem_steps(user=user, problem=problem)
    ]
    suspension = problem.suspension
    in_force = bool(
        suspension is not None
        and problems.Suspension.objects.filter(problems.suspension_in_force_q(day), pk=suspension.pk).exists()
    )
    may_answer = rules.may_answer(user, problem.unit) and problem.state in (State.OPEN, State.RETURNED)
    may_verify = rules.may_verify(user) and problem.state == State.ANSWERED
    return _context(
        request,
        title=pgettext("problems", "Problem %(id)s") % {"id": problem.pk},
        problem=problem,
        unit_name=problems.unit_name(problem.unit),
        description=shown_problem_text(problem, problem.description, whole=whole, day=day),
        basis=shown_problem_text(problem, problem.basis, whole=whole, day=day),
        responsible=shown_text(problem.responsible, whole=whole),
        overdue=problem.overdue_on(day),
        steps=steps,
        attachments=[
            {"row": a, "name": shown_text(a.name, whole=whole)}
            for a in problems.problem_attachments(user=user, problem=problem)
        ],
        suspension=suspension,
        suspension_reason=shown_text(suspension.reason, whole=whole) if suspension else "",
        suspension_in_force=in_force,
        may_answer=may_answer,
        may_verify=may_verify,
        may_attach=rules.may_attach(user, problem.unit) and problem.state != State.CLOSED,
        answer_form=forms_.get("answer_form") or AnswerForm(),
        opinion_form=forms_.get("opinion_form") or OpinionForm(),
        state_label=State(problem.state).label,
    )


@require_GET
@login_and_view
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    return render(request, "web/problems/detail.html", _detail_context(request, problem))


def _attach_files(request: HttpRequest, problem: Problem) -> None:
    for upload in request.FILES.getlist("files"):
        problem_attach(
            user=request.user,
            problem=problem,
            file_name=upload.name or "",
            chunks=upload.chunks(),
            content_type=upload.content_type or "",
        )


@require_POST
@login_and_view
def problem_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    if not rules.may_answer(request.user, problem.unit):
        raise PermissionDenied(rules.REFUSE_ANSWER)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic(), change_origin(source=ChangeSet.Source.WEB, origin=_origin(request)):
                problem_answer(
                    user=request.user,
                    problem=problem,
                    plan=form.cleaned_data["plan"].strip(),
                    evidence=form.cleaned_data["evidence"].strip(),
                )
                _attach_files(request, problem)
        except ProblemError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, pgettext("problems", "The answer was sent to the staffing office."))
            return redirect("web:problems:problem_detail", pk=problem.pk)
    problem = _problem(request, pk)
    return render(request, "web/problems/detail.html", _detail_context(request, problem, answer_form=form), status=422)


def _verify(request: HttpRequest, pk: int, *, close: bool) -> HttpResponse:
    problem = _problem(request, pk)
    if not rules.may_verify(request.user):
        raise PermissionDenied(rules.REFUSE_VERIFY)
    form = OpinionForm(request.POST)
    if form.is_valid():
        opinion = form.cleaned_data["opinion"].strip()
        if not close and not opinion:
            form.add_error("opinion", "退回时请填写意见")
        else:
            try:
                with change_origin(source=ChangeSet.Source.WEB, origin=_origin(request)):
                    if close:
                        problem_close(user=request.user, problem=problem, opinion=opinion)
                    else:
                        problem_return(user=request.user, problem=problem, opinion=opinion)
            except ProblemError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    pgettext("problems", "Closed off.") if close else pgettext("problems", "Sent back to the unit."),
                )
                return redirect("web:problems:problem_detail", pk=problem.pk)
    problem = _problem(request, pk)
    return render(request, "web/problems/detail.html", _detail_context(request, problem, opinion_form=form), status=422)


@require_POST
@login_and_view
def problem_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _verify(request, pk, close=False)


@require_POST
@login_and_view
def problem_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _verify(request, pk, close=True)


@require_POST
@login_and_view
def problem_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    if not rules.may_attach(request.user, problem.unit):
        raise PermissionDenied(rules.REFUSE_ANSWER)
    try:
        with change_origin(source=ChangeSet.Source.WEB, origin=_origin(request)):
            _attach_files(request, problem)
    except ProblemError as exc:
        messages.error(request, exc.message)
    return redirect("web:problems:problem_detail", pk=problem.pk)


@require_GET
@login_and_view
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    row = problems.attachment_get(user=request.user, problem_id=pk, attachment_id=attachment_id)
    file_path = attachment_path(row) if row is not None else None
    if row is None or file_path is None or not file_path.is_file():
        raise Http404(pgettext("problems", "No such attachment."))
    response = HttpResponse(file_path.read_bytes(), content_type="application/octet-stream")
    name = shown_text(row.name, whole=sees_every_number(request.user))
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_and_view
def problem_notice(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The 整改通知 as Word (docx) or PDF."""
    from bianzhi.core.documents import document_response
    from bianzhi.rectification.documents import notice_document

    problem = _problem(request, pk)
    if fmt not in ("docx", "pdf"):
        raise Http404(pgettext("problems", "No such format."))
    document = notice_document(problem, whole=sees_every_number(request.user))
    return document_response(document, file_stem=f"整改通知-{problem.notice_number}", fmt=fmt)


# ---------------------------------------------------------------- joint work (S3.3.3)


def _figures_rows(user: Any, unit_ids: set[int] | None) -> list[list[Any]]:
    day = today()
    figures = registry.unit_figures(day)
    visible = set(restrict(Unit.objects.all(), user, Action.VIEW).values_list("pk", flat=True))
    rows = []
    for unit_id, unit in sorted(figures.items(), key=lambda item: item[1].code):
        if unit_id not in visible or (unit_ids is not None and unit_id not in unit_ids):
            continue
        for staffing_type, f in sorted(unit.staffing.items()):
            rows.append([unit.code, unit.name, staffing_type, f.approved, f.actual, f.reserved, f.vacancy, f.over])
    return rows


@require_GET
@login_and_view
def problem_package(request: HttpRequest) -> HttpResponse:
    """联合工作导出包: a .zip with the problems (the list's filters) and the staffing figures of the
    same units, an .xlsx for the 组织、人社、财政 departments."""
    table = ProblemTable(request=request, day=today(), prefix="")
    code = request.GET.get("unit", "").strip()
    unit_ids: set[int] | None = None
    if code:
        unit = registry_unit(request.user, code)
        if unit is None:
            raise Http404(_("No unit with this code, or not one you may see."))
        unit_ids = subtree_ids([unit.pk], day=today())
    scope_label = code or _("Whole district")
    problems_xlsx = table_workbook(
        table,
        page_title=str(pgettext("problems", "Problems and rectification")),
        conditions=[(pgettext("problems", "Scope"), scope_label)],
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(pgettext("problems", "Staffing figures")))
    headers = [
        _("Code"),
        _("Unit"),
        _("Staffing type"),
        _("Approved"),
        _("Actual"),
        _("Reserved"),
        _("Vacancy"),
        _("Over"),
    ]
    from openpyxl.cell import WriteOnlyCell

    sheet.append([text_safe(WriteOnlyCell(sheet, value=str(h))) for h in headers])
    for line in _figures_rows(request.user, unit_ids):
        sheet.append([text_safe(WriteOnlyCell(sheet, value=v)) for v in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    day = today().isoformat()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"问题清单-{day}.xlsx", problems_xlsx)
        zipped.writestr(f"编制数据-{day}.xlsx", buffer.getvalue())
        zipped.writestr(
            "说明.txt",
            f"联合工作导出包（组织部门、人社部门、财政部门）\n范围：{scope_label}\n日期：{day}\n"
            "问题清单：问题、严重程度、整改期限和状态；编制数据：各机构各编制类型的核定数、实有人数、在途、空编和超编。\n",
        )
    response = HttpResponse(archive.getvalue(), content_type="application/zip")
    name = f"联合工作导出包-{code or '全区'}-{day}.zip"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or "attachment"
    return response


# ---------------------------------------------------------------- sections of other pages


@require_GET
@login_and_view
def unit_problems(request: HttpRequest, code: str) -> HttpResponse:
    """问题清单 of one unit (the unit page's section, loaded by htmx)."""
    unit = registry_unit(request.user, code)
    if unit is None:
        raise Http404(_("No unit with this code, or not one you may see."))
    return render(request, "web/problems/_unit_section.html", unit_section_context(request, unit))


def unit_section_context(request: HttpRequest, unit: Unit) -> dict[str, Any]:
    whole = sees_every_number(request.user)
    day = today()
    rows = [
        {
            "problem": p,
            "description": shown_problem_text(p, p.description, whole=whole, day=day),
            "overdue": p.overdue_on(day),
            "state_label": State(p.state).label,
        }
        for p in problems.problem_list(user=request.user, unit_ids={unit.pk})[:50]
    ]
    return {"unit": unit, "rows": rows, "may_raise": rules.may_raise(request.user)}


def current_stored_alerts(user: Any, run: MonitoringRun | None) -> list[Alert]:
    """The stored alerts behind the alerts page's current alerts (the full run, with the later partial
    runs' alerts for the units they covered), of units the user may see."""
    if run is None:
        return []
    from bianzhi.supervision.selectors import partial_runs_after

    partials = list(partial_runs_after(run))
    covered = {code for partial in partials for code in (partial.units or [])}
    qs = restrict(Alert.objects.exclude(unit_code=""), user, Action.VIEW)
    alerts = [a for a in qs.filter(run=run).order_by("id") if a.unit_code not in covered]
    for partial in partials:
        alerts += list(qs.filter(run=partial).order_by("id"))
    return alerts


@require_GET
@login_and_view
def alert_candidates(request: HttpRequest) -> HttpResponse:
    """The alerts page's 立为问题 panel: each stored current alert with a one-click button."""
    if not rules.may_raise(request.user):
        return HttpResponse("")
    from bianzhi.supervision.selectors import latest_full_run
    from bianzhi.web.views import parse_day

    day, _invalid = parse_day(request.GET.get("as_of"))

    run = latest_full_run(day)
    alerts = current_stored_alerts(request.user, run)
    raised = dict(
        Problem.objects.filter(alert__in=[a.pk for a in alerts])
        .exclude(state=State.CLOSED)
        .values_list("alert_id", "pk")
    )
    whole = sees_every_number(request.user)
    names = selectors.rule_names()
    rows = []
    for alert in alerts:
        message = selectors.shown_alert_text(
            {**(alert.data or {}), "message": alert.message, "person": alert.person}, day=day, whole=whole
        )
        if message is None:
            continue
        rows.append(
            {
                "alert": alert,
                "rule_name": names.get(alert.rule, alert.rule),
                "message": message,
                "problem": raised.get(alert.pk),
            }
        )
    return render(request, "web/problems/_alert_candidates.html", {"rows": rows, "run": run})


urlpatterns = [
    path("", ProblemListView.as_view(), name="problem_list"),
    path("new/", problem_new, name="problem_new"),
    path("package.zip", problem_package, name="problem_package"),
    path("alerts/", alert_candidates, name="alert_candidates"),
    path("alerts/<int:alert_id>/raise/", problem_from_alert, name="problem_from_alert"),
    path("units/<str:code>/", unit_problems, name="unit_problems"),
    path("<int:pk>/", problem_detail, name="problem_detail"),
    path("<int:pk>/answer/", problem_answer_view, name="problem_answer"),
    path("<int:pk>/return/", problem_return_view, name="problem_return"),
    path("<int:pk>/close/", problem_close_view, name="problem_close"),
    path("<int:pk>/attachments/", problem_attach_view, name="problem_attach"),
    path("<int:pk>/attachments/<int:attachment_id>/", attachment_download, name="attachment_download"),
    path("<int:pk>/notice.<str:fmt>", problem_notice, name="problem_notice"),
]
