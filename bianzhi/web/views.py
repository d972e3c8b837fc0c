"""The pages (architecture.md "Interfaces": Django templates + htmx). Views only decide who may open
a page — through the permission choke point — and hand the reading to selectors and tables.

Every page takes ``?as_of=YYYY-MM-DD`` (default today), and every table on it ``?export=<table>``
for an Excel copy with the same filters and masking. An htmx request aimed at one table
(``HX-Target: table-<name>``) gets that table alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from bianzhi.accounts.permissions import Action, can, can_somewhere
from bianzhi.accounts.privacy import sees_every_number, shown_text
from bianzhi.core.changelog import display_name
from bianzhi.core.dates import SHANGHAI, today
from bianzhi.registry.choices import PersonStatus, StaffingType
from bianzhi.registry.models import Unit, UnitVersion
from bianzhi.web import selectors
from bianzhi.web.exports import table_export_response
from bianzhi.web.forms import LoginForm
from bianzhi.web.listings import (
    APPROVED_HELP,
    COLOUR_LABELS,
    OVER_HELP,
    UNIT_PAGE_TABLES,
    VACANCY_HELP,
    AlertTable,
    PersonTable,
    ScopeFiguresTable,
    UnitTreeTable,
    people_url,
    tables_for,
)
from bianzhi.web.tables import Table


def parse_day(value: str | None) -> tuple[dt.date, bool]:
    """The "as of" day of a request (today when absent) and whether the given value was invalid."""
    if not value:
        return today(), False
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return today(), True
    if not dt.date(1900, 1, 1) <= day <= dt.date(2999, 12, 31):
        return today(), True
    return day, False


class Page(View):
    """A page of the web interface. Subclasses give ``template_name``, ``title``, ``nav`` and
    ``tables``; ``check`` refuses users who may not open the page at all (403)."""

    template_name: str
    title: Any = ""
    nav: str = ""
    #: whether a user needs to see some of the register to open the page (403 otherwise)
    needs_view: bool = True
    #: whether the tables' filter forms fold away (a toggle opens them; open while a filter is given)
    fold_filters: bool = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if self.needs_view and not can_somewhere(request.user, Action.VIEW):
            raise PermissionDenied(_("Your account has no role that lets it see the register."))
        self.day, self.day_invalid = parse_day(request.GET.get("as_of"))
        return super().dispatch(request, *args, **kwargs)

    def context(self) -> dict[str, Any]:
        return {}

    def tables(self) -> list[Table]:
        return []

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.context()
        tables = self.tables()
        export = request.GET.get("export")
        if export:
            table = self._table(tables, export)
            return table_export_response(
                table, page_title=str(context.get("title", self.title)), conditions=self._conditions(table)
            )
        target = request.htmx.target if getattr(request, "htmx", None) else None  # type: ignore[attr-defined]
        if target:
            for table in tables:
                if table.dom_id == target:
                    return render(
                        request, "web/_table.html", {"table": table, "day": self.day, "fold": self.fold_filters}
                    )
        context.update(
            {
                "title": context.get("title", self.title),
                "nav": self.nav,
                "day": self.day,
                "day_invalid": self.day_invalid,
                "is_today": self.day == today(),
                "tables": {table.name: table for table in tables},
                "grants": selectors.user_grants(user=request.user),
            }
        )
        return render(request, self.template_name, context)

    def _table(self, tables: list[Table], name: str) -> Table:
        for table in tables:
            if table.name == name:
                return table
        # A table the page has, but not for this user (the change log): refused, not hidden.
        if any(cls.name == name for cls in self.all_table_classes()):
            raise PermissionDenied(_("You may not export this table."))
        raise Http404(_("No such table."))

    def all_table_classes(self) -> list[type[Table]]:
        return []

    def _conditions(self, table: Table) -> list[tuple[str, str]]:
        # Filter text is echoed as the reader would see it: a searched number masked (domain.md §11).
        whole = sees_every_number(self.request.user)
        conditions = [(_("As of"), self.day.isoformat())]
        if table.filterset is not None:
            form = table.filterset.form
            for name, value in table.filterset.cleaned().items():
                field = form.fields.get(name)
                if field is None:
                    continue
                shown = dict(getattr(field, "choices", [])).get(value, value)
                conditions.append((str(field.label), shown_text(str(shown), whole=whole)))
        if table.refusal:
            conditions.append((_("Search refused"), table.refusal))
        if table.sort:
            column = next(c for c in table.columns if c.key == table.sort.removeprefix("-"))
            direction = _("descending") if table.sort.startswith("-") else _("ascending")
            conditions.append((_("Sorted by"), f"{column.label}（{direction}）"))
        user = self.request.user
        conditions.append((_("Exported by"), display_name(user)))
        conditions.append((_("Exported at"), timezone.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")))
        conditions.append((_("Rows"), str(table.count)))
        return conditions


class HomeView(Page):
    """The user's own figures (their units rolled up per staffing type) and their alerts."""

    template_name = "web/home.html"
    title = gettext_lazy("Home")
    nav = "home"
    needs_view = False

    def context(self) -> dict[str, Any]:
        self.sees = can_somewhere(self.request.user, Action.VIEW)
        if not self.sees:
            return {"sees": False}
        self.figures = selectors.scope_figures(user=self.request.user, day=self.day)
        self.alerts = selectors.day_alerts(user=self.request.user, day=self.day)
        types = [t for t in StaffingType.values if t in self.figures.staffing]
        chart = {
            "types": types,
            "labels": {"approved": _("Approved"), "actual": _("Actual"), "vacancy": _("Vacancy")},
            "approved": [self.figures.staffing[t].approved for t in types],
            "actual": [self.figures.staffing[t].actual for t in types],
            "vacancy": [self.figures.staffing[t].vacancy for t in types],
        }
        totals = self.figures.totals
        return {
            "sees": True,
            "figures": self.figures,
            "totals": totals,
            # 核定 − 实有 differs from 空编 when some unit is over its staffing: its excess is not netted
            # against another unit's vacancy (domain.md §3), and the page says so.
            "net_difference": totals.approved - totals.actual,
            "not_netted": totals.approved - totals.actual != totals.vacancy,
            "figure_links": home_figure_links(self.day),
            "approved_help": APPROVED_HELP,
            "vacancy_help": VACANCY_HELP,
            "over_help": OVER_HELP,
            "alerts": self.alerts,
            "alert_counts": self.alerts.counts(),
            "chart": chart,
        }

    def tables(self) -> list[Table]:
        if not self.sees:
            return []
        return [
            ScopeFiguresTable(request=self.request, day=self.day, figures=self.figures),
            AlertTable(request=self.request, day=self.day, alerts=self.alerts),
        ]

    def all_table_classes(self) -> list[type[Table]]:
        return [ScopeFiguresTable, AlertTable]


def home_figure_links(day: dt.date) -> dict[str, str]:
    """Where each headline figure's rows are: the unit list sorted by that figure (its column sums to
    the figure) and, for the actual number, the people on staff."""
    units = reverse("web:unit_list")
    query = {"as_of": day.isoformat()}
    links = {key: f"{units}?{urlencode({**query, 'sort': f'-{key}'})}" for key in ("approved", "vacancy", "over")}
    links["units"] = f"{units}?{urlencode(query)}"
    links["actual"] = people_url(day, status=PersonStatus.ON_STAFF)
    return links


class UnitListView(Page):
    """The unit tree browser, filterable by sequence, kind, division and alert colour."""

    template_name = "web/unit_list.html"
    title = gettext_lazy("Units")
    nav = "units"

    def tables(self) -> list[Table]:
        return [UnitTreeTable(request=self.request, day=self.day, prefix="")]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The tree's card (filter, sort, page through htmx) keeps its expand buttons.
        htmx = getattr(request, "htmx", None)
        if htmx and htmx.target == UnitTreeTable(request=request, day=self.day).dom_id:
            table = UnitTreeTable(request=request, day=self.day, prefix="")
            return render(request, "web/_unit_tree.html", {"table": table, "day": self.day})
        return super().get(request, *args, **kwargs)


class UnitChildrenView(Page):
    """The child rows of one unit in the tree (htmx, ``web:unit_children``): its affiliated units,
    then its 内设机构 folded under one row, with the tree page's day, sort and staffing type. A unit
    the user may not see is not found (404)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        unit = selectors.unit_get(user=request.user, code=kwargs["code"])
        if unit is None:
            raise Http404(_("No unit with this code, or not one you may see."))
        table = UnitTreeTable(request=request, day=self.day, prefix="", parent=unit.pk)
        rows = table.child_rows()
        context = {
            "table": table,
            "rows": [r for r in rows if not r[0]["row"]["division"]],
            "division_rows": [r for r in rows if r[0]["row"]["division"]],
            "parent": table.tree.rows.get(unit.pk),
            "top": False,
        }
        return render(request, "web/_unit_tree_rows.html", context)


class UnitDetailView(Page):
    """One unit as of a day: figures, quotas and loans, leader positions, people, alerts,
    suspension and history. Another unit than the user's own is not found (404)."""

    template_name = "web/unit_detail.html"
    fold_filters = True
    nav = "units"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.code = kwargs["code"]
        return super().dispatch(request, *args, **kwargs)

    @property
    def unit(self) -> Unit:
        if not hasattr(self, "_unit"):
            unit = selectors.unit_get(user=self.request.user, code=self.code)
            if unit is None:
                raise Http404(_("No unit with this code, or not one you may see."))
            self._unit = unit
        return self._unit

    def context(self) -> dict[str, Any]:
        user = self.request.user
        unit = self.unit
        version: UnitVersion | None = selectors.unit_version_as_of(user=user, unit=unit, day=self.day)
        latest = selectors.unit_version_history(user=user, unit=unit).first()
        self.alerts = selectors.day_alerts(user=user, day=self.day)
        active = (unit.established is None or unit.established <= self.day) and (
            unit.abolished is None or unit.abolished > self.day
        )
        shown = version or latest
        suspension = selectors.suspension_in_force(user=user, unit=unit, day=self.day)
        parent = None
        if shown is not None and shown.parent is not None:
            parent_version = selectors.unit_version_as_of(user=user, unit=shown.parent, day=self.day)
            parent = {
                "code": shown.parent.code,
                "name": parent_version.name if parent_version else "",
                "visible": parent_version is not None,
            }
        return {
            "title": shown.name if shown else unit.code,
            "unit": unit,
            "version": version,
            "shown": shown,
            "active": active,
            "parent": parent,
            "region_name": selectors.division_names().get(shown.region, "") if shown else "",
            "suspension": suspension,
            "suspension_reason": shown_text(suspension.reason, whole=sees_every_number(user)) if suspension else "",
            "unit_colour": self.alerts.colours().get(unit.code, selectors.GREEN),
            "unit_colour_label": COLOUR_LABELS[self.alerts.colours().get(unit.code, selectors.GREEN)],
            "sees_changelog": can(user, Action.VIEW_CHANGELOG),
            "history": selectors.unit_history(unit, user),
        }

    def tables(self) -> list[Table]:
        return [
            cls(request=self.request, day=self.day, prefix=cls.name, unit=self.unit, alerts=self.alerts)
            for cls in tables_for(self.request.user, UNIT_PAGE_TABLES)
        ]

    def all_table_classes(self) -> list[type[Table]]:
        return UNIT_PAGE_TABLES


class PersonListView(Page):
    """Person search by name or full ID number; ID numbers masked per role (domain.md §11)."""

    template_name = "web/person_list.html"
    title = gettext_lazy("People")
    nav = "people"

    def tables(self) -> list[Table]:
        return [PersonTable(request=self.request, day=self.day, prefix="")]


class AlertListView(Page):
    """Alerts as of a day, filterable by rule, severity, unit and sequence."""

    template_name = "web/alert_list.html"
    title = gettext_lazy("Alerts")
    nav = "alerts"

    def context(self) -> dict[str, Any]:
        self.alerts = selectors.day_alerts(user=self.request.user, day=self.day)
        return {
            "alerts": self.alerts,
            "alert_counts": self.alerts.counts(),
            "can_configure_rules": can(self.request.user, Action.CONFIGURE_RULES),
        }

    def tables(self) -> list[Table]:
        # with first seen, cleared and the rows behind each alert (issue 15)
        from bianzhi.web.monitoring import TracedAlertTable

        return [TracedAlertTable(request=self.request, day=self.day, prefix="", alerts=self.alerts)]


class LoginView(auth_views.LoginView):
    """Login (django-axes counts failures and locks an account out after too many)."""

    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["platform_name"] = settings.PLATFORM_NAME
        return context


class LogoutView(auth_views.LogoutView):
    pass
