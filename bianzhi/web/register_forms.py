"""Forms for the office's daily corrections of the register (issue 16): one staffing quota, one
position count, one unit's attributes, a turnover loan or its return, one person.

Each form builds the workbook row the import would read and hands it to the import's own service
(``rows_import``), so it meets exactly the import's validation, effective dating (backdating
refused) and change log — recorded with the user, the address, the reason, the 文号 and source
``web``. A problem the import reports on a column is shown on the form field of that column.

Units: only roles allowed ``Action.CHANGE`` on the unit (403 otherwise; a unit the user may not see
is not found). People: ``Action.CHANGE_PEOPLE``; a 单位人事干部 corrects its own people but cannot
change their unit, staffing type, status, 进编日期 or 职数类别 (interchange.md §3
``procedure_required``). Names ``web:register:<form>``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from bianzhi.accounts.permissions import Action, can, can_somewhere, restrict, scope
from bianzhi.accounts.privacy import client_origin, person_pk, person_ref
from bianzhi.core.dates import today
from bianzhi.registry.choices import (
    Funding,
    InstitutionClass,
    LoanStatus,
    PersonCategory,
    PersonStatus,
    PositionCategory,
    PriorityTag,
    Rank,
    StaffingType,
)
from bianzhi.registry.models import PersonVersion, PositionQuota, StaffingQuota, TurnoverLoan, Unit, UnitVersion
from bianzhi.registry.services import rows_import
from bianzhi.web.forms import reason_field
from bianzhi.web.selectors import user_grants

app_name = "register"

MAX_INTEGER = 2_147_483_647  # PostgreSQL ``integer``, every count column of the register
PROCEDURE_REQUIRED = "单位人事干部不能直接修改人员的{field}：须经上编、离编等程序办理（procedure_required）"
#: person fields a 单位人事干部 may not change (interchange.md §3)
PROCEDURE_FIELDS = ("unit", "staffing_type", "status", "entry_date", "position_category")


def _select(choices: Any, *, blank: bool = False) -> forms.ChoiceField:
    options = [("", "—")] if blank else []
    return forms.ChoiceField(
        choices=[*options, *choices], required=not blank, widget=forms.Select({"class": "form-select"})
    )


def _count(label: str, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=MAX_INTEGER,
        widget=forms.NumberInput({"class": "form-control", "min": "0"}),
    )


def _date(label: str, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput({"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def _text(label: str, max_length: int, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput({"class": "form-control", "maxlength": str(max_length)}),
    )


class ChangeForm(forms.Form):
    """What every change carries into the change log: its effective day, reason and 文号.
    ``headers`` maps each form field to the workbook column it fills."""

    sheet = ""
    title = ""
    headers: dict[str, str] = {}

    effective = _date("生效日期", initial=today)
    reason = reason_field()
    document_number = _text("文号", 200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ids of their own: the form also opens in the unit page, beside the tables' filter forms.
        kwargs.setdefault("auto_id", "reg_%s")
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "变更理由"
        # Keep the change-log fields last, after the figure the form changes.
        for name in ("effective", "reason", "document_number"):
            self.fields[name] = self.fields.pop(name)

    def row(self) -> dict[str, Any]:
        """The workbook row of the change (keyed by the sheet's headers)."""
        raise NotImplementedError

    def what(self) -> str:
        """The change in words, for the message after saving."""
        raise NotImplementedError

    def field_of(self, column: str) -> str | None:
        for name, header in self.headers.items():
            if header == column:
                return name
        return None


def _write(request: HttpRequest, form: ChangeForm, row: dict[str, Any]) -> int | None | bool:
    """Store the row through the import; ``False`` (with the problems on the form) when refused,
    else the change set's id (``None`` when nothing changed)."""
    result = rows_import(
        sheets={form.sheet: [row]},
        effective=form.cleaned_data["effective"],
        reason=form.cleaned_data["reason"].strip(),
        document_number=form.cleaned_data["document_number"].strip(),
        user=request.user,
        source="web",
        origin=client_origin(request),
    )
    if result.ok and not result.busy:
        return result.change_set_id
    for problem in result.errors or [{"sheet": "", "column": "", "message": "登记簿正忙，请稍后重试"}]:
        name = form.field_of(problem["column"]) if problem.get("sheet") == form.sheet else None
        form.add_error(name, problem["message"])
    return False


def _saved(request: HttpRequest, change_set: int | None, what: str, effective: dt.date) -> None:
    if change_set is None:
        messages.info(request, f"{what}与登记簿相同，未作变更")
    else:
        messages.success(request, f"已保存{what}（生效日期 {effective.isoformat()}），记入变更批次 #{change_set}")


def _page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The form: alone in the unit page's modal (an htmx request), else as a page of its own."""
    context = {"action": request.path, **context}
    if getattr(request, "htmx", False):
        return render(request, "web/register/_form.html", {**context, "modal": True})
    context = {"nav": "units", "grants": user_grants(user=request.user), "day": today(), **context}
    return render(request, "web/register/change_form.html", context)


def _done(request: HttpRequest, url: str) -> HttpResponseBase:
    """Back to the page of the figure (the whole page, also from the modal)."""
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)


def _login_first(request: HttpRequest) -> HttpResponseBase | None:
    return None if request.user.is_authenticated else redirect_to_login(request.get_full_path())


def _changeable_unit(request: HttpRequest, code: str) -> Unit:
    """The unit, if the user may see it (404 otherwise) and change its figures (403 otherwise)."""
    unit = restrict(Unit.objects.filter(code=code), request.user, Action.VIEW).first()
    if unit is None:
        if not can_somewhere(request.user, Action.CHANGE):
            raise PermissionDenied("您的角色不能修改登记簿")
        raise Http404("没有这个机构，或不在您的管理范围内")
    if not can(request.user, Action.CHANGE, unit):
        raise PermissionDenied("您的角色不能修改登记簿")
    return unit


def _unit_page(unit: Unit, day: dt.date) -> str:
    return f"{reverse('web:unit_detail', args=[unit.code])}?as_of={day.isoformat()}"


def _person_page(pk: int, day: dt.date) -> str:
    return f"{reverse('web:person_detail', args=[person_ref(pk)])}?as_of={day.isoformat()}"


def _unit_version(unit: Unit) -> UnitVersion | None:
    day = today()
    return (
        UnitVersion.objects.filter(UnitVersion.as_of(day), unit=unit).first()
        or UnitVersion.objects.filter(unit=unit).order_by("-valid_from").first()
    )


def _unit_form(request: HttpRequest, code: str, form_class: type[ChangeForm], **kwargs: Any) -> HttpResponseBase:
    """GET: the form; POST: the change through the import, then back to the unit page."""
    if response := _login_first(request):
        return response
    unit = _changeable_unit(request, code)
    version = _unit_version(unit)
    form = form_class(request.POST if request.method == "POST" else None, unit=unit, version=version, **kwargs)
    if request.method == "POST" and form.is_valid():
        change_set = _write(request, form, form.row())
        if change_set is not False:
            _saved(request, change_set, form.what(), form.cleaned_data["effective"])
            return _done(request, _unit_page(unit, form.cleaned_data["effective"]))
    return _page(
        request,
        {
            "title": form.title,
            "form": form,
            "unit": unit,
            "subject": version.name if version else unit.code,
            "back": _unit_page(unit, today()),
        },
    )


# ---------------------------------------------------------------- 编制


class QuotaForm(ChangeForm):
    sheet = "编制"
    headers = {"staffing_type": "编制类型", "approved": "核定数"}
    title = "修改核定编制"

    staffing_type = _select(StaffingType.choices)
    approved = _count("核定数")

    def __init__(self, *args: Any, unit: Unit, version: UnitVersion | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["staffing_type"].label = "编制类型"
        chosen = kwargs.get("initial", {}).get("staffing_type")
        if chosen:
            current = StaffingQuota.objects.filter(
                StaffingQuota.as_of(today()), unit=unit, staffing_type=chosen
            ).first()
            self.fields["approved"].initial = current.approved if current else None

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"机构代码": self.unit.code, "编制类型": data["staffing_type"], "核定数": data["approved"]}

    def what(self) -> str:
        return f"{self.cleaned_data['staffing_type']}核定数 {self.cleaned_data['approved']}"


@require_http_methods(["GET", "POST"])
def quota_edit(request: HttpRequest, code: str) -> HttpResponseBase:
    """One staffing type's approved count (a new type too)."""
    chosen = request.GET.get("type", "")
    initial = {"staffing_type": chosen} if chosen in StaffingType.values else {}
    return _unit_form(request, code, QuotaForm, initial=initial)


# ---------------------------------------------------------------- 职数


class PositionForm(ChangeForm):
    sheet = "职数"
    headers = {"category": "职数类别", "approved": "核定数"}
    title = "修改核定领导职数"

    category = _select(PositionCategory.choices)
    approved = _count("核定数")

    def __init__(self, *args: Any, unit: Unit, version: UnitVersion | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["category"].label = "职数类别"
        chosen = kwargs.get("initial", {}).get("category")
        if chosen:
            current = PositionQuota.objects.filter(PositionQuota.as_of(today()), unit=unit, category=chosen).first()
            self.fields["approved"].initial = current.approved if current else None

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"机构代码": self.unit.code, "职数类别": data["category"], "核定数": data["approved"]}

    def what(self) -> str:
        return f"{self.cleaned_data['category']}职数 {self.cleaned_data['approved']}"


@require_http_methods(["GET", "POST"])
def position_edit(request: HttpRequest, code: str) -> HttpResponseBase:
    """One position category's approved count."""
    chosen = request.GET.get("category", "")
    initial = {"category": chosen} if chosen in PositionCategory.values else {}
    return _unit_form(request, code, PositionForm, initial=initial)


# ---------------------------------------------------------------- 机构


class UnitForm(ChangeForm):
    sheet = "机构"
    headers = {
        "name": "机构名称",
        "credit_code": "统一社会信用代码",
        "rank": "机构规格",
        "institution_class": "事业单位类别",
        "civil_servant_managed": "参公",
        "funding": "经费形式",
        "approved_divisions": "核定内设机构数",
        "priority_tags": "重点领域",
    }
    title = "修改机构信息"

    name = _text("机构名称", 200, required=True)
    credit_code = _text("统一社会信用代码", 18)
    rank = _select(Rank.choices, blank=True)
    institution_class = _select(InstitutionClass.choices, blank=True)
    civil_servant_managed = forms.BooleanField(
        label="参公", required=False, widget=forms.CheckboxInput({"class": "form-check-input"})
    )
    funding = _select(Funding.choices, blank=True)
    approved_divisions = _count("核定内设机构数", required=False)
    priority_tags = forms.MultipleChoiceField(
        label="重点领域",
        choices=PriorityTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple({"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, unit: Unit, version: UnitVersion | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit, self.version = unit, version
        for name, header in self.headers.items():
            self.fields[name].label = header
        if version is not None:
            for name in self.headers:
                value = getattr(version, name)
                self.fields[name].initial = [t for t in value.split("、") if t] if name == "priority_tags" else value

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        row: dict[str, Any] = {"机构代码": self.unit.code, "机构类型": self.version.kind if self.version else ""}
        for name, header in self.headers.items():
            value = data[name]
            if name == "civil_servant_managed":
                value = "是" if value else "否"
            elif name == "priority_tags":
                value = "、".join(value) or None
            elif value == "":
                value = None
            row[header] = value
        return row

    def what(self) -> str:
        return "机构信息"


@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, code: str) -> HttpResponseBase:
    """The unit's attributes (the 机构 sheet's columns but its code, kind, parent, sequence and region)."""
    return _unit_form(request, code, UnitForm)


# ---------------------------------------------------------------- 周转编制


class LoanForm(ChangeForm):
    sheet = "周转编制"
    headers = {"staffing_type": "编制类型", "quantity": "数量", "start_date": "使用日期", "due_date": "回收日期"}
    title = "新增周转编制"

    staffing_type = _select(StaffingType.choices)
    quantity = _count("数量")
    start_date = _date("使用日期", initial=today)
    due_date = _date("回收日期")

    def __init__(self, *args: Any, unit: Unit, version: UnitVersion | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["staffing_type"].label = "编制类型"

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "机构代码": self.unit.code,
            "编制类型": data["staffing_type"],
            "数量": data["quantity"],
            "使用日期": data["start_date"].isoformat(),
            "回收日期": data["due_date"].isoformat(),
            "状态": LoanStatus.IN_USE.value,
        }

    def what(self) -> str:
        return f"周转编制（{self.cleaned_data['staffing_type']} {self.cleaned_data['quantity']} 名）"


@require_http_methods(["GET", "POST"])
def loan_new(request: HttpRequest, code: str) -> HttpResponseBase:
    """A new loan from the turnover pool."""
    return _unit_form(request, code, LoanForm)


class LoanReturnForm(ChangeForm):
    sheet = "周转编制"
    headers = {"returned_date": "实际回收日期"}
    title = "回收周转编制"

    returned_date = _date("实际回收日期", initial=today)

    def __init__(self, *args: Any, unit: Unit, version: UnitVersion | None, loan: TurnoverLoan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit, self.loan = unit, loan

    def row(self) -> dict[str, Any]:
        loan = self.loan
        return {
            "机构代码": self.unit.code,
            "编制类型": loan.staffing_type,
            "数量": loan.quantity,
            "使用日期": loan.start_date.isoformat(),
            "回收日期": loan.due_date.isoformat(),
            "状态": LoanStatus.RETURNED.value,
            "实际回收日期": self.cleaned_data["returned_date"].isoformat(),
        }

    def what(self) -> str:
        return f"周转编制回收（{self.loan.staffing_type} {self.loan.quantity} 名，使用日期 {self.loan.start_date})"


@require_http_methods(["GET", "POST"])
def loan_return(request: HttpRequest, code: str, pk: int) -> HttpResponseBase:
    """The return of a loan (its 实际回收日期)."""
    if response := _login_first(request):
        return response
    unit = _changeable_unit(request, code)
    loan = TurnoverLoan.objects.filter(pk=pk, unit=unit).first()
    if loan is None:
        raise Http404("没有这笔周转编制")
    return _unit_form(request, code, LoanReturnForm, loan=loan)


# ---------------------------------------------------------------- 人员


class PersonForm(ChangeForm):
    sheet = "人员"
    headers = {
        "name": "姓名",
        "ethnicity": "民族",
        "political_status": "政治面貌",
        "education": "学历",
        "degree": "学位",
        "title": "职称",
        "category": "人员类别",
        "unit": "机构代码",
        "internal_division": "内设机构代码",
        "staffing_type": "编制类型",
        "post": "职务",
        "position_category": "职数类别",
        "entry_date": "进编日期",
        "status": "人员状态",
        "left_date": "离编日期",
        "written_off_date": "核销日期",
    }
    title = "更正人员信息"

    name = _text("姓名", 64, required=True)
    ethnicity = _text("民族", 32)
    political_status = _text("政治面貌", 32)
    education = _text("学历", 32)
    degree = _text("学位", 32)
    title_ = _text("职称", 64)
    category = _select(PersonCategory.choices)
    unit = _text("机构代码", 32, required=True)
    internal_division = _text("内设机构代码", 32)
    staffing_type = _select(StaffingType.choices)
    post = _text("职务", 100)
    position_category = _select(PositionCategory.choices, blank=True)
    entry_date = _date("进编日期", required=False)
    status = _select(PersonStatus.choices)
    left_date = _date("离编日期", required=False)
    written_off_date = _date("核销日期", required=False)

    def __init__(self, *args: Any, version: PersonVersion, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"] = self.fields.pop("title_")
        for name in self.headers:  # the sheet's order, then the change-log fields
            self.fields[name] = self.fields.pop(name)
        self.version, self.user = version, user
        self.stored = {
            **{name: getattr(version, name) for name in self.headers if name not in ("unit", "internal_division")},
            "unit": version.unit.code,
            "internal_division": version.internal_division.code if version.internal_division else "",
        }
        for name, header in self.headers.items():
            self.fields[name].label = header
            self.fields[name].initial = self.stored[name]
        if not scope(user, Action.CHANGE_PEOPLE).everything:
            for name in PROCEDURE_FIELDS:
                self.fields[name].help_text = "单位人事干部不能在此修改，须经上编、离编等程序办理"
        # Keep the change-log fields last.
        for name in ("effective", "reason", "document_number"):
            self.fields[name] = self.fields.pop(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not scope(self.user, Action.CHANGE_PEOPLE).everything:
            for name in PROCEDURE_FIELDS:
                if name in data and (data[name] or None) != (self.stored[name] or None):
                    self.add_error(name, PROCEDURE_REQUIRED.format(field=self.headers[name]))
            division = data.get("internal_division")
            if division and not restrict(Unit.objects.filter(code=division), self.user, Action.CHANGE_PEOPLE).exists():
                self.add_error("internal_division", f"内设机构 {division} 不存在或不在您的管理范围内")
        return data

    def row(self) -> dict[str, Any]:
        version = self.version
        row: dict[str, Any] = {
            "身份证号": version.person.id_number,
            "性别": version.gender,
            "出生日期": version.birth_date.isoformat(),
        }
        for name, header in self.headers.items():
            value = self.cleaned_data[name]
            if isinstance(value, dt.date):
                value = value.isoformat()
            row[header] = None if value in ("", None) else value
        return row

    def what(self) -> str:
        return f"人员信息（{self.cleaned_data['name']}）"


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, ref: str) -> HttpResponseBase:
    """Correct one person (opaque ``ref``, never the ID number in the URL)."""
    if response := _login_first(request):
        return response
    if not can_somewhere(request.user, Action.CHANGE_PEOPLE):
        raise PermissionDenied("您的角色不能修改人员信息")
    pk = person_pk(ref.lower())
    if pk is None:
        raise Http404("没有这个人员，或不在您的管理范围内")
    day = today()
    versions = PersonVersion.objects.filter(person_id=pk).select_related("person", "unit", "internal_division")
    version = restrict(versions.filter(PersonVersion.as_of(day)), request.user, Action.CHANGE_PEOPLE).first()
    if version is None:
        version = restrict(versions.order_by("-valid_from"), request.user, Action.CHANGE_PEOPLE).first()
    if version is None:
        raise Http404("没有这个人员，或不在您的管理范围内")
    form = PersonForm(request.POST if request.method == "POST" else None, version=version, user=request.user)
    if request.method == "POST" and form.is_valid():
        change_set = _write(request, form, form.row())
        if change_set is not False:
            _saved(request, change_set, form.what(), form.cleaned_data["effective"])
            return _done(request, _person_page(version.person_id, form.cleaned_data["effective"]))
    return _page(
        request,
        {
            "title": form.title,
            "form": form,
            "unit": version.unit,
            "subject": version.name,
            "back": _person_page(version.person_id, day),
            "person_ref": person_ref(version.person_id),
        },
    )


urlpatterns = [
    path("units/<str:code>/quota/", quota_edit, name="quota_edit"),
    path("units/<str:code>/position/", position_edit, name="position_edit"),
    path("units/<str:code>/attributes/", unit_edit, name="unit_edit"),
    path("units/<str:code>/loans/new/", loan_new, name="loan_new"),
    path("units/<str:code>/loans/<int:pk>/return/", loan_return, name="loan_return"),
    path("people/<str:ref>/edit/", person_edit, name="person_edit"),
]
