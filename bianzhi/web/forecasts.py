"""The retirement forecast page (domain.md §6): retirements per month, unit, department and staffing
type over 1–60 months from a chosen month — a chart, a table per month × unit (or department, or
staffing type) and the people, each exportable to Excel.

The people and their months are those of ``retirements_forecast`` (bianzhi/supervision/selectors.py),
the computation of ``bianzhi forecast retirements`` and ``GET /api/v1/forecasts/retirements``, as of
the day viewed (default today), narrowed to the units the user may see. A user who sees some people
masked (domain.md §11: 领导, 检查人员, 审计员) learns nothing finer than the year from a birth date:
the page counts and lists by retirement year, over the whole years the window touches — as the API
lists a masked person for every window touching their retirement year — so no filter narrowed to one
person gives their month away.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter, defaultdict
from functools import cached_property
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bianzhi.accounts.permissions import Action, id_for, scope
from bianzhi.accounts.privacy import person_ref
from bianzhi.core.dates import add_months, format_month, month_start, today
from bianzhi.registry import selectors as registry
from bianzhi.registry.choices import Sequence, StaffingType, UnitKind
from bianzhi.registry.models import Unit, UnitVersion
from bianzhi.registry.trees import subtree_ids
from bianzhi.supervision.forecasts import loans_due_forecast, vacancy_forecast
from bianzhi.supervision.selectors import retirements_forecast
from bianzhi.web import selectors
from bianzhi.web.listings import unit_url
from bianzhi.web.tables import Column, Row, Table
from bianzhi.web.views import Page

app_name = "forecasts"

MAX_MONTHS = 60
DEFAULT_MONTHS = 12
FIRST_MONTH = dt.date(1900, 1, 1)
LAST_MONTH = dt.date(2199, 12, 1)
GROUPS = {
    "unit": gettext_lazy("Unit"),
    "department": gettext_lazy("Department"),
    "staffing_type": gettext_lazy("Staffing type"),
}
_PICKED = re.compile(r"（([^（）]+)）\s*$")


# ---------------------------------------------------------------- the data


@dataclasses.dataclass(frozen=True)
class Retiree:
    """One person of the forecast as the user may see them."""

    number: str  # the whole number, never shown: for lookups only
    shown_number: str
    ref: str
    name: str
    unit_id: int
    unit_code: str
    unit_name: str
    department: str
    staffing_type: str
    approved: bool  # 批准弹性退休 (domain.md §5)
    period: str  # YYYY-MM, or YYYY for a masked reader


@dataclasses.dataclass(frozen=True)
class Forecast:
    start: dt.date
    months: int
    by_year: bool
    periods: list[str]
    people: list[Retiree]

    @property
    def last(self) -> dt.date:
        return add_months(self.start, self.months - 1)

    def counts(self) -> Counter[str]:
        return Counter(p.period for p in self.people)


def _departments(day: dt.date, visible: set[int]) -> tuple[dict[int, int], dict[int, str]]:
    """unit id → its department (the topmost ancestor the user may see, itself for a top unit) and
    unit id → name, over the units in force on D."""
    rows = list(UnitVersion.objects.filter(UnitVersion.as_of(day)).values_list("unit_id", "parent_id", "name"))
    parents = {unit_id: parent for unit_id, parent, _ in rows}
    names = {unit_id: name for unit_id, _, name in rows}
    department: dict[int, int] = {}
    for unit_id in parents:
        top, current, seen = unit_id, parents.get(unit_id), {unit_id}
        while current is not None and current not in seen:
            seen.add(current)
            if current in visible:
                top = current
            current = parents.get(current)
        department[unit_id] = top
    return department, names


def masked_reader(user: Any) -> bool:
    """Whether the user sees some of the people it may see masked (domain.md §11)."""
    return selectors.masks_someone(user)


def forecast(
    *,
    user: Any,
    day: dt.date,
    start: dt.date,
    months: int,
    unit_ids: set[int] | None = None,
    staffing_type: str = "",
) -> Forecast:
    """The retirement forecast the user may see: people on staff on D in units active on D whose
    retirement month (approved, else statutory) falls in the window (``retirements_forecast``), in
    the units the user may see (``unit_ids`` narrows further), of one staffing type if given."""
    by_year = masked_reader(user)
    last = add_months(start, months - 1)
    if by_year:
        first, count = dt.date(start.year, 1, 1), (last.year - start.year + 1) * 12
        periods = [f"{year:04d}" for year in range(start.year, last.year + 1)]
    else:
        first, count = start, months
        periods = [format_month(add_months(start, i)) for i in range(months)]
    rows = retirements_forecast(start=first, months=count, today=day)
    view = scope(user, Action.VIEW)
    ids = dict(Unit.objects.filter(code__in={r["unit"] for r in rows}).values_list("code", "pk"))
    wanted = [
        r for r in rows if view.covers(ids.get(r["unit"])) and (unit_ids is None or ids.get(r["unit"]) in unit_ids)
    ]
    details = _details(day, [r["person"] for r in wanted])
    visible = selectors.visible_unit_ids(user=user)
    department, names = _departments(day, visible)
    people = []
    for r in wanted:
        version = details[r["person"]]
        if staffing_type and version["staffing_type"] != staffing_type:
            continue
        unit_id = ids[r["unit"]]
        people.append(
            Retiree(
                number=r["person"],
                shown_number=id_for(user, r["person"], unit_id),
                ref=person_ref(version["person_id"]),
                name=version["name"],
                unit_id=unit_id,
                unit_code=r["unit"],
                unit_name=names.get(unit_id, r["unit"]),
                department=names.get(department.get(unit_id, unit_id), ""),
                staffing_type=version["staffing_type"],
                approved=version["approved_retirement_month"] is not None,
                period=r["month"][:4] if by_year else r["month"],
            )
        )
    if by_year:
        # Within a year, in an order that owes nothing to the hidden month.
        people.sort(key=lambda p: (p.period, p.unit_code, p.name, p.shown_number))
    return Forecast(start=start, months=months, by_year=by_year, periods=periods, people=people)


def _details(day: dt.date, numbers: list[str]) -> dict[str, dict[str, Any]]:
    """The attributes on D of the people of the forecast, by ID number."""
    found: dict[str, dict[str, Any]] = {}
    for i in range(0, len(numbers), 1000):
        qs = registry.people_on_staff(day).filter(person__id_number__in=numbers[i : i + 1000])
        for row in qs.values("person__id_number", "person_id", "name", "staffing_type", "approved_retirement_month"):
            found[row["person__id_number"]] = dict(row)
    return found


def department_choices(*, user: Any, day: dt.date) -> list[tuple[str, str]]:
    """The departments the user may see on D: the top units of its tree (internal divisions aside)."""
    versions = selectors.unit_tree_versions(user=user, day=day).exclude(kind=UnitKind.INTERNAL_DIVISION)
    visible = set(versions.values_list("unit_id", flat=True))
    rows = versions.order_by("unit__code").values_list("unit_id", "parent_id", "unit__code", "name")
    department, _names = _departments(day, visible)
    return [(code, f"{name}（{code}）") for unit_id, _p, code, name in rows if department.get(unit_id) == unit_id]


def unit_options(*, user: Any, day: dt.date) -> list[tuple[str, str]]:
    versions = selectors.unit_tree_versions(user=user, day=day).exclude(kind=UnitKind.INTERNAL_DIVISION)
    return [(code, name) for code, name in versions.order_by("unit__code").values_list("unit__code", "name")]


# ---------------------------------------------------------------- the form


class ForecastForm(forms.Form):
    start = forms.CharField(
        label=gettext_lazy("From month"),
        required=False,
        widget=forms.TextInput({"type": "month", "class": "form-control form-control-sm"}),
    )
    months = forms.CharField(
        label=gettext_lazy("Months"),
        required=False,
        widget=forms.NumberInput({"class": "form-control form-control-sm", "min": 1, "max": MAX_MONTHS, "step": 1}),
    )
    department = forms.ChoiceField(
        label=gettext_lazy("Department"), required=False, widget=forms.Select({"class": "form-select form-select-sm"})
    )
    unit = forms.CharField(
        label=gettext_lazy("Unit"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            {"class": "form-control form-control-sm", "list": "forecast-units", "autocomplete": "off"}
        ),
    )
    subtree = forms.ChoiceField(
        label=gettext_lazy("Range"),
        required=False,
        choices=[
            ("1", gettext_lazy("With its subordinate units")),
            ("0", gettext_lazy("This unit only")),
        ],
        widget=forms.Select({"class": "form-select form-select-sm"}),
    )
    staffing_type = forms.ChoiceField(
        label=gettext_lazy("Staffing type"),
        required=False,
        widget=forms.Select({"class": "form-select form-select-sm"}),
    )
    # 党委 / 政府 sequence (the one-screen board's sequence views open their rows here)
    sequence = forms.ChoiceField(
        label=gettext_lazy("Sequence"),
        required=False,
        choices=[("", gettext_lazy("All sequences")), *Sequence.choices],
        widget=forms.Select({"class": "form-select form-select-sm"}),
    )
    by = forms.ChoiceField(
        label=gettext_lazy("Table by"),
        required=False,
        choices=list(GROUPS.items()),
        widget=forms.Select({"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args: Any, user: Any, day: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.day = user, day
        self.departments = department_choices(user=user, day=day)
        self.fields["department"].choices = [("", _("All departments")), *self.departments]  # type: ignore[attr-defined]
        self.fields["staffing_type"].choices = [("", _("All staffing types")), *StaffingType.choices]  # type: ignore[attr-defined]
        self.fields["months"].widget.attrs["placeholder"] = str(DEFAULT_MONTHS)

    def clean_start(self) -> dt.date:
        value = (self.cleaned_data.get("start") or "").strip()
        if not value:
            return month_start(self.day)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", value) or not 1 <= int(value[5:]) <= 12:
            raise forms.ValidationError("起始月份应为 YYYY-MM 格式的月份，如 2027-01")
        month = dt.date(int(value[:4]), int(value[5:]), 1)
        if not FIRST_MONTH <= month <= LAST_MONTH:
            raise forms.ValidationError(f"起始月份应在 {FIRST_MONTH:%Y-%m} 至 {LAST_MONTH:%Y-%m} 之间")
        return month

    def clean_months(self) -> int:
        value = (self.cleaned_data.get("months") or "").strip()
        if not value:
            return DEFAULT_MONTHS
        if not re.fullmatch(r"[0-9]{1,4}", value) or not 1 <= int(value) <= MAX_MONTHS:
            raise forms.ValidationError(f"月数应为 1 至 {MAX_MONTHS} 之间的整数")
        return int(value)

    def clean_unit(self) -> Unit | None:
        value = (self.cleaned_data.get("unit") or "").strip()
        if not value:
            return None
        picked = _PICKED.search(value)
        code = picked.group(1).strip() if picked else value
        unit = selectors.unit_get(user=self.user, code=code)
        if unit is None:
            # A name typed whole, if it names exactly one unit the user may see.
            matches = [c for c, name in unit_options(user=self.user, day=self.day) if name == value]
            unit = selectors.unit_get(user=self.user, code=matches[0]) if len(matches) == 1 else None
        if unit is None:
            raise forms.ValidationError("没有该机构，或您无权查看该机构")
        return unit

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, months = data.get("start"), data.get("months")
        if isinstance(start, dt.date) and isinstance(months, int) and add_months(start, months - 1) > LAST_MONTH:
            self.add_error("months", f"预测范围不能超过 {LAST_MONTH:%Y-%m}")
        data["by"] = data.get("by") or "unit"
        data["subtree"] = data.get("subtree") != "0"
        return data

    def unit_ids(self) -> set[int] | None:
        """The units the filters select (``None``: every unit the user may see)."""
        data = self.cleaned_data
        selected: set[int] | None = None
        if data.get("department"):
            department = selectors.unit_get(user=self.user, code=data["department"])
            selected = subtree_ids([department.pk], day=self.day) if department else set()
        unit = data.get("unit")
        if unit is not None:
            ids = subtree_ids([unit.pk], day=self.day) if data["subtree"] else {unit.pk}
            selected = ids if selected is None else selected & ids
        if data.get("sequence"):
            versions = UnitVersion.objects.filter(UnitVersion.as_of(self.day), sequence=data["sequence"])
            ids = set(versions.values_list("unit_id", flat=True))
            selected = ids if selected is None else selected & ids
        return selected

    def conditions(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        result = [
            (_("From month"), format_month(data["start"])),
            (_("Months"), str(data["months"])),
        ]
        if data.get("department"):
            result.append((_("Department"), dict(self.departments).get(data["department"], data["department"])))
        if data.get("unit") is not None:
            range_label = _("With its subordinate units") if data["subtree"] else _("This unit only")
            result.append((_("Unit"), f"{data['unit'].code}（{range_label}）"))
        if data.get("staffing_type"):
            result.append((_("Staffing type"), data["staffing_type"]))
        if data.get("sequence"):
            result.append((_("Sequence"), data["sequence"]))
        result.append((_("Table by"), str(GROUPS[data["by"]])))
        return result


# ---------------------------------------------------------------- the tables


def _person_url(ref: str) -> str:
    try:
        return reverse("web:person_detail", args=[ref])
    except NoReverseMatch:  # the person page is another part of the work
        return ""


class ForecastPeopleTable(Table):
    """The people of the forecast; a masked reader sees the retirement year only."""

    name = "people"
    title = gettext_lazy("People retiring")
    per_page = 50
    columns = [
        Column("period", gettext_lazy("Month of retirement"), order="period"),
        Column("name", gettext_lazy("Full name"), order="name", link="person_url"),
        Column("id_number", gettext_lazy("ID number")),
        Column("unit_name", gettext_lazy("Unit"), order="unit_code", link="unit_url"),
        Column("department", gettext_lazy("Department"), order="department"),
        Column("staffing_type", gettext_lazy("Staffing type"), order="staffing_type"),
        Column("basis", gettext_lazy("Basis")),
    ]
    year_columns = [Column("period", gettext_lazy("Retirement year"), order="period"), *columns[1:]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.forecast.by_year:
            self.columns = self.year_columns  # type: ignore[misc]

    @property
    def forecast(self) -> Forecast:
        return self.context["forecast"]

    def source(self) -> list[Row]:
        return [
            {
                "period": p.period,
                "name": p.name,
                "id_number": p.shown_number,
                "unit_name": p.unit_name,
                "unit_code": p.unit_code,
                "department": p.department,
                "staffing_type": p.staffing_type,
                "basis": _("Approved flexible retirement") if p.approved else _("Statutory"),
                "person_url": _person_url(p.ref),
                "unit_url": unit_url(p.unit_code, self.day),
            }
            for p in self.forecast.people
        ]


class ForecastSummaryTable(Table):
    """Retirements per period (month, or year for a masked reader) × unit, department or staffing
    type, with a total per row and a last row of totals."""

    name = "summary"
    title = gettext_lazy("Retirements per period")
    per_page = 50

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by: str = self.context["by"]
        periods = self.forecast.periods
        self.columns = [  # type: ignore[misc]
            Column("group", GROUPS[self.by], order="group", link="group_url"),
            *[Column(f"p{i}", period, kind="number") for i, period in enumerate(periods)],
            Column("total", gettext_lazy("Total"), order="total", kind="number"),
        ]

    @property
    def forecast(self) -> Forecast:
        return self.context["forecast"]

    def _key(self, person: Retiree) -> tuple[str, str]:
        if self.by == "unit":
            return person.unit_code, f"{person.unit_name}（{person.unit_code}）"
        if self.by == "department":
            return person.department, person.department
        return person.staffing_type, person.staffing_type

    def source(self) -> list[Row]:
        index = {period: i for i, period in enumerate(self.forecast.periods)}
        counts: dict[str, Counter[int]] = defaultdict(Counter)
        labels: dict[str, str] = {}
        for person in self.forecast.people:
            key, label = self._key(person)
            labels[key] = label
            counts[key][index[person.period]] += 1
        rows = []
        for key in sorted(counts, key=self._order):
            row: Row = {"group": labels[key], "total": sum(counts[key].values())}
            row.update({f"p{i}": counts[key].get(i, 0) for i in range(len(index))})
            row["group_url"] = unit_url(key, self.day) if self.by == "unit" else ""
            rows.append(row)
        return rows

    def _order(self, key: str) -> Any:
        if self.by == "staffing_type":
            values = list(StaffingType.values)
            return (values.index(key) if key in values else len(values), key)
        return key

    @cached_property
    def totals(self) -> Row:
        counts = self.forecast.counts()
        row: Row = {"group": _("Total"), "total": len(self.forecast.people)}
        row.update({f"p{i}": counts.get(period, 0) for i, period in enumerate(self.forecast.periods)})
        return row

    def rows(self):  # type: ignore[no-untyped-def]
        """Every row and, in the workbook, the totals last."""
        yield from super().rows()
        yield self.totals

    @property
    def total_cells(self) -> list[dict[str, Any]]:
        return self.cells(self.totals)


# ---------------------------------------------------------------- the page


class RetirementForecastView(Page):
    """退休预测: per month and unit, department or staffing type, 1–60 months from a chosen month."""

    template_name = "web/forecasts/retirements.html"
    title = gettext_lazy("Retirement forecast")
    nav = "forecasts"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.form = ForecastForm(request.GET, user=request.user, day=self.day)
        if not self.form.is_valid():
            return render(
                request,
                self.template_name,
                {
                    "title": self.title,
                    "nav": self.nav,
                    "day": self.day,
                    "day_invalid": self.day_invalid,
                    "is_today": self.day == today(),
                    "grants": selectors.user_grants(user=request.user),
                    "form": self.form,
                    "units": unit_options(user=request.user, day=self.day),
                    "invalid": True,
                    "tables": {},
                },
                status=400,
            )
        data = self.form.cleaned_data
        self.forecast = forecast(
            user=request.user,
            day=self.day,
            start=data["start"],
            months=data["months"],
            unit_ids=self.form.unit_ids(),
            staffing_type=data.get("staffing_type") or "",
        )
        return super().get(request, *args, **kwargs)

    def context(self) -> dict[str, Any]:
        result = self.forecast
        counts = result.counts()
        types = [t for t in StaffingType.values if any(p.staffing_type == t for p in result.people)]
        per_type = {t: Counter(p.period for p in result.people if p.staffing_type == t) for t in types}
        chart = {
            "periods": result.periods,
            "total": [counts.get(period, 0) for period in result.periods],
            "series": [{"name": t, "data": [per_type[t].get(p, 0) for p in result.periods]} for t in types],
            "total_label": _("Retirements"),
        }
        return {
            "tab": "retirements",
            "form": self.form,
            "forecast": result,
            "units": unit_options(user=self.request.user, day=self.day),
            "chart": chart,
            "first_period": result.periods[0],
            "last_period": result.periods[-1],
            "total": len(result.people),
        }

    def tables(self) -> list[Table]:
        return [
            ForecastSummaryTable(
                request=self.request,
                day=self.day,
                prefix="summary",
                forecast=self.forecast,
                by=self.form.cleaned_data["by"],
            ),
            ForecastPeopleTable(request=self.request, day=self.day, prefix="people", forecast=self.forecast),
        ]

    def _conditions(self, table: Table) -> list[tuple[str, str]]:
        conditions = super()._conditions(table)
        extra = self.form.conditions()
        if self.forecast.by_year:
            extra.append((_("Counted by"), _("Retirement year (ID numbers are masked for you)")))
        return conditions[:1] + extra + conditions[1:]


# ---------------------------------------------------------------- loans falling due and projected vacancy


class LoanForecastForm(ForecastForm):
    """The loans' window: from month, months, department or unit, staffing type (no "table by")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["by"]

    def conditions(self) -> list[tuple[str, str]]:
        return [c for c in super().conditions() if c[0] != _("Table by")]


class VacancyForecastForm(ForecastForm):
    """The vacancy's horizon: months from the month of the day viewed, department or unit, staffing type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["by"], self.fields["start"]
        self.fields["months"].label = gettext_lazy("Horizon (months)")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["start"] = month_start(self.day)  # the horizon starts with the month of the day viewed
        return data

    def conditions(self) -> list[tuple[str, str]]:
        skipped = {_("Table by"), _("From month")}
        return [(_("Horizon (months)"), str(self.cleaned_data["months"]))] + [
            c for c in super().conditions() if c[0] not in skipped and c[0] != _("Months")
        ]


class LoansDueTable(Table):
    """The loans in use on the day viewed falling due in the window (domain.md §6)."""

    name = "loans"
    title = gettext_lazy("Loans falling due")
    per_page = 50
    default_sort = "due_date"
    columns = [
        Column("month", gettext_lazy("Month due"), order="month"),
        Column("due_date", gettext_lazy("Due date"), order="due_date", kind="date"),
        Column("unit_name", gettext_lazy("Unit"), order="unit_code", link="unit_url"),
        Column("unit_code", gettext_lazy("Code"), order="unit_code"),
        Column("staffing_type", gettext_lazy("Staffing type"), order="staffing_type"),
        Column("quantity", gettext_lazy("Quantity"), order="quantity", kind="number"),
        Column("start_date", gettext_lazy("Date of use"), order="start_date", kind="date"),
    ]

    def source(self) -> list[Row]:
        return [
            {
                "month": loan.month,
                "due_date": loan.due_date,
                "unit_name": loan.unit_name,
                "unit_code": loan.unit_code,
                "staffing_type": loan.staffing_type,
                "quantity": loan.quantity,
                "start_date": loan.start_date,
                "unit_url": unit_url(loan.unit_code, self.day),
            }
            for loan in self.context["result"].loans
        ]


class LoansMonthTable(Table):
    """Per month of the window: the loans falling due and their quantity, per staffing type."""

    name = "months"
    title = gettext_lazy("Loans falling due per month")
    per_page = 60

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.types = [t for t in StaffingType.values if any(x.staffing_type == t for x in self.context["result"].loans)]
        self.columns = [  # type: ignore[misc]
            Column("month", gettext_lazy("Month due")),
            Column("loans", gettext_lazy("Loans"), kind="number"),
            Column("quantity", gettext_lazy("Quantity"), kind="number"),
            *[Column(f"t{i}", t, kind="number") for i, t in enumerate(self.types)],
        ]

    def source(self) -> list[Row]:
        rows = []
        for month in self.context["result"].by_month():
            if not month["loans"]:
                continue  # the months with loans falling due only
            row: Row = {"month": month["month"], "loans": month["loans"], "quantity": month["quantity"]}
            row.update({f"t{i}": month["by_type"].get(t, 0) for i, t in enumerate(self.types)})
            rows.append(row)
        return rows


_VACANCY_COLUMNS = [
    Column("staffing_type", gettext_lazy("Staffing type"), order="staffing_type"),
    Column(
        "approved",
        gettext_lazy("Approved"),
        order="approved",
        kind="number",
        help=gettext_lazy("Quota plus loans in use"),
    ),
    Column("actual", gettext_lazy("Actual"), order="actual", kind="number"),
    Column(
        "reserved",
        gettext_lazy("Reserved"),
        order="reserved",
        kind="number",
        help=gettext_lazy("Held by approved slips not yet used"),
    ),
    Column(
        "usable",
        gettext_lazy("Usable"),
        order="usable",
        kind="number",
        help=gettext_lazy("Approved − actual − reserved"),
    ),
    Column(
        "retiring",
        gettext_lazy("Retiring"),
        order="retiring",
        kind="number",
        help=gettext_lazy(
            "On staff and reaching their retirement month before the horizon ends, those past it included"
        ),
    ),
    Column(
        "loans_due",
        gettext_lazy("Loans due"),
        order="loans_due",
        kind="number",
        help=gettext_lazy("Loans in use due back before the horizon ends, overdue ones included"),
    ),
    Column(
        "projected",
        gettext_lazy("Projected vacancy"),
        order="projected",
        kind="number",
        help=gettext_lazy("Usable + retiring − loans due"),
    ),
]


def _vacancy_row(row: Any) -> Row:
    return {
        "staffing_type": row.staffing_type,
        "approved": row.approved,
        "actual": row.actual,
        "reserved": row.reserved,
        "usable": row.usable,
        "retiring": row.retiring,
        "loans_due": row.loans_due,
        "projected": row.projected,
    }


class VacancyTable(Table):
    """The projected vacancy of each unit and staffing type at the end of the horizon."""

    name = "vacancy"
    title = gettext_lazy("Projected vacancy per unit")
    per_page = 50
    columns = [
        Column("unit_name", gettext_lazy("Unit"), order="unit_code", link="unit_url"),
        Column("unit_code", gettext_lazy("Code"), order="unit_code"),
        *_VACANCY_COLUMNS,
    ]

    def source(self) -> list[Row]:
        return [
            {
                **_vacancy_row(row),
                "unit_name": row.unit_name,
                "unit_code": row.unit_code,
                "unit_url": unit_url(row.unit_code, self.day),
            }
            for row in self.context["result"].rows
        ]


class VacancyTotalsTable(Table):
    """The projection rolled up per staffing type over the units listed."""

    name = "totals"
    title = gettext_lazy("Projected vacancy rolled up")
    per_page = 20
    columns = _VACANCY_COLUMNS

    def source(self) -> list[Row]:
        return [_vacancy_row(row) for row in self.context["result"].totals]


class _WindowPage(Page):
    """A forecast page with a form of conditions; an invalid form answers 400 with the form."""

    nav = "forecasts"
    form_class: type[ForecastForm]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.form = self.form_class(request.GET, user=request.user, day=self.day)
        if not self.form.is_valid():
            return render(
                request,
                self.template_name,
                {
                    "title": self.title,
                    "nav": self.nav,
                    "day": self.day,
                    "day_invalid": self.day_invalid,
                    "is_today": self.day == today(),
                    "grants": selectors.user_grants(user=request.user),
                    "form": self.form,
                    "units": unit_options(user=request.user, day=self.day),
                    "invalid": True,
                    "tables": {},
                    "tab": self.tab,
                },
                status=400,
            )
        self.compute()
        return super().get(request, *args, **kwargs)

    tab = ""

    def compute(self) -> None:
        raise NotImplementedError

    def _conditions(self, table: Table) -> list[tuple[str, str]]:
        conditions = super()._conditions(table)
        return conditions[:1] + self.form.conditions() + conditions[1:]


class LoansForecastView(_WindowPage):
    """周转编制到期预测: loans in use on the day viewed falling due per month of the window."""

    template_name = "web/forecasts/loans.html"
    title = gettext_lazy("Loans falling due")
    form_class = LoanForecastForm
    tab = "loans"

    def compute(self) -> None:
        data = self.form.cleaned_data
        self.result = loans_due_forecast(
            user=self.request.user,
            day=self.day,
            start=data["start"],
            months=data["months"],
            unit_ids=self.form.unit_ids(),
            staffing_type=data.get("staffing_type") or "",
        )

    def context(self) -> dict[str, Any]:
        months = [m for m in self.result.by_month() if m["loans"]]
        types = [t for t in StaffingType.values if any(x.staffing_type == t for x in self.result.loans)]
        chart = {
            "periods": [m["month"] for m in months],
            "total": [m["quantity"] for m in months],
            "series": [{"name": t, "data": [m["by_type"].get(t, 0) for m in months]} for t in types],
            "total_label": _("Quantity"),
        }
        return {
            "form": self.form,
            "result": self.result,
            "units": unit_options(user=self.request.user, day=self.day),
            "chart": chart,
            "tab": self.tab,
            "last": add_months(self.result.start, self.result.months - 1),
        }

    def tables(self) -> list[Table]:
        return [
            LoansMonthTable(request=self.request, day=self.day, prefix="months", result=self.result),
            LoansDueTable(request=self.request, day=self.day, prefix="loans", result=self.result),
        ]


class VacancyForecastView(_WindowPage):
    """空编预测: approved − actual − reserved + retirements − loans falling due, per unit and rolled up."""

    template_name = "web/forecasts/vacancy.html"
    title = gettext_lazy("Projected vacancy")
    form_class = VacancyForecastForm
    tab = "vacancy"

    def compute(self) -> None:
        data = self.form.cleaned_data
        self.result = vacancy_forecast(
            user=self.request.user,
            day=self.day,
            months=data["months"],
            unit_ids=self.form.unit_ids(),
            staffing_type=data.get("staffing_type") or "",
        )

    def context(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "result": self.result,
            "units": unit_options(user=self.request.user, day=self.day),
            "tab": self.tab,
            "last": add_months(self.result.end, -1),
        }

    def tables(self) -> list[Table]:
        return [
            VacancyTotalsTable(request=self.request, day=self.day, prefix="totals", result=self.result),
            VacancyTable(request=self.request, day=self.day, prefix="vacancy", result=self.result),
        ]


urlpatterns = [
    path("retirements/", RetirementForecastView.as_view(), name="retirements"),
    path("loans/", LoansForecastView.as_view(), name="loans"),
    path("vacancy/", VacancyForecastView.as_view(), name="vacancy"),
]
