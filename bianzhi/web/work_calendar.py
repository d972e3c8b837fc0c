"""工作日历 pages: per year, the holidays the ``holidays`` package counts, the office's own entries
(days off 休息日/法定节假日 and make-up working days 调休上班, each overriding the package), and
whether the year's schedule is complete — deadlines in a year that is not are provisional
(domain.md §4, bianzhi/core/workdays.py).

Every district-wide role views them (``Action.VIEW`` on district-wide data); only users allowed
``Action.CONFIGURE_CALENDAR`` (编办管理员, 编办业务人员) change them; a 单位人事干部 is refused (403).
A change goes through the core services, which log it (before and after), and the stored
write-off deadlines are recomputed in the same transaction, under the register's write lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from bianzhi.accounts.permissions import Action, can
from bianzhi.accounts.privacy import client_origin
from bianzhi.core import workdays
from bianzhi.core.changelog import change_origin
from bianzhi.core.dates import today
from bianzhi.core.locks import RegisterBusy
from bianzhi.core.models import WorkCalendarDay, WorkCalendarYear
from bianzhi.registry.services import deadlines
from bianzhi.web.forms import posted_reason, reason_field
from bianzhi.web.selectors import user_grants

app_name = "calendar"


def _guarded(action: Action, message: Callable[[], str]) -> Callable[..., Any]:
    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):  # no unit: district-wide data
                raise PermissionDenied(message())
            year = kwargs.get("year")
            if year is not None and not workdays.FIRST_YEAR <= year <= workdays.LAST_YEAR:
                raise Http404(_("No such year in the working calendar."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


view_required = _guarded(Action.VIEW, lambda: _("Only district-wide roles may view the working calendar."))
change_required = _guarded(Action.CONFIGURE_CALENDAR, lambda: _("You may not change the working calendar."))


class DayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput({"type": "date", "class": "form-control"}))
    kind = forms.ChoiceField(
        label=gettext_lazy("Entry"), choices=WorkCalendarDay.Kind.choices, widget=forms.Select({"class": "form-select"})
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=200,
        widget=forms.TextInput({"class": "form-control", "placeholder": gettext_lazy("e.g. New Year's Day")}),
    )
    reason = reason_field()

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_day(self) -> dt.date:
        day: dt.date = self.cleaned_data["day"]
        if day.year != self.year:
            raise forms.ValidationError(
                _("The date must lie in %(year)s; enter it on the page of its own year.") % {"year": self.year}
            )
        return day


def _origin(request: HttpRequest) -> str:
    return client_origin(request)


def _no_reason(request: HttpRequest, year: int) -> HttpResponseBase:
    messages.error(request, _("Please give the reason for the change."))
    return redirect("web:calendar:year", year=year)


def _status(year: int, marked: set[int]) -> str:
    if year in workdays.official_years():
        return "official"
    return "complete" if year in marked else "provisional"


def _page(request: HttpRequest, year: int, *, form: DayForm | None = None, status: int = 200) -> HttpResponse:
    entries = list(WorkCalendarDay.objects.filter(day__year=year))
    year_row = WorkCalendarYear.objects.filter(year=year).first()
    marked = set(WorkCalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    this_year = today().year
    shown = sorted(
        {this_year - 1, this_year, this_year + 1, this_year + 2, year}
        | set(WorkCalendarYear.objects.values_list("year", flat=True))
        | {d.year for d in WorkCalendarDay.objects.dates("day", "year")}
    )
    official = workdays.official_years()
    may_change = can(request.user, Action.CONFIGURE_CALENDAR)
    context = {
        "nav": "alerts",
        "grants": user_grants(user=request.user),
        "title": _("Working calendar"),
        "year": year,
        "previous_year": year - 1 if year > workdays.FIRST_YEAR else None,
        "next_year": year + 1 if year < workdays.LAST_YEAR else None,
        "status": _status(year, marked),
        "year_row": year_row,
        "package_days": workdays.package_days(year),
        "entries": entries,
        "years": [{"year": y, "status": _status(y, marked)} for y in shown],
        "provisional_years": [y for y in shown if _status(y, marked) == "provisional"],
        "official_first": min(official),
        "official_last": max(official),
        "may_change": may_change,
        "form": form if form is not None else (DayForm(year=year) if may_change else None),
    }
    return render(request, "web/work_calendar/year.html", context, status=status)


# ---------------------------------------------------------------- views


@require_GET
@view_required
def calendar_index(request: HttpRequest) -> HttpResponseBase:
    return redirect("web:calendar:year", year=today().year)


@require_GET
@view_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    """One year: the package's holidays, the office's entries, and whether it is provisional."""
    return _page(request, year)


def _busy(request: HttpRequest, year: int) -> HttpResponseBase:
    messages.error(request, RegisterBusy.message)
    return redirect("web:calendar:year", year=year)


@require_POST
@change_required
def day_set(request: HttpRequest, year: int) -> HttpResponseBase:
    """Add or change an entry; the stored deadlines follow in the same transaction."""
    form = DayForm(request.POST, year=year)
    if not form.is_valid():
        return _page(request, year, form=form, status=200)
    day = form.cleaned_data["day"]
    try:
        with change_origin(reason=form.cleaned_data["reason"]):
            moved = deadlines.calendar_day_set(
                day=day,
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
                user=request.user,
                origin=_origin(request),
            )
    except RegisterBusy:
        return _busy(request, year)
    except ValueError as exc:
        form.add_error(None, str(exc))
        return _page(request, year, form=form, status=200)
    messages.success(request, _saved(moved))
    return redirect("web:calendar:year", year=year)


@require_POST
@change_required
def day_remove(request: HttpRequest, year: int, day: str) -> HttpResponseBase:
    """Remove an entry: the package's answer holds again for that day."""
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404(_("No such entry in the working calendar.")) from None
    if date.year != year or not WorkCalendarDay.objects.filter(day=date).exists():
        raise Http404(_("No such entry in the working calendar."))
    reason = posted_reason(request)
    if not reason:
        return _no_reason(request, year)
    try:
        with change_origin(reason=reason):
            moved = deadlines.calendar_day_remove(day=date, user=request.user, origin=_origin(request))
    except RegisterBusy:
        return _busy(request, year)
    messages.success(request, _saved(moved))
    return redirect("web:calendar:year", year=year)


@require_POST
@change_required
def year_mark(request: HttpRequest, year: int) -> HttpResponseBase:
    """Mark the year's schedule complete (its deadlines are no longer provisional) or not."""
    complete = request.POST.get("complete") == "1"
    note = request.POST.get("note")
    reason = posted_reason(request)
    if not reason:
        return _no_reason(request, year)
    try:
        with change_origin(reason=reason):
            deadlines.calendar_year_mark(
                year=year,
                complete=complete,
                note=note[:200] if note is not None else None,
                user=request.user,
                origin=_origin(request),
            )
    except RegisterBusy:
        return _busy(request, year)
    if complete:
        messages.success(
            request, _("%(year)s is marked complete: its deadlines are no longer provisional.") % {"year": year}
        )
    else:
        messages.success(request, _("%(year)s is marked incomplete: its deadlines are provisional.") % {"year": year})
    return redirect("web:calendar:year", year=year)


def _saved(moved: int) -> str:
    return _(
        "The working calendar was saved and recorded in the change log; %(count)s stored write-off deadlines were recomputed."
    ) % {"count": moved}


urlpatterns = [
    path("", calendar_index, name="index"),
    path("<int:year>/", calendar_year, name="year"),
    path("<int:year>/days/", day_set, name="day_set"),
    path("<int:year>/days/<str:day>/delete/", day_remove, name="day_remove"),
    path("<int:year>/complete/", year_mark, name="year_mark"),
]
