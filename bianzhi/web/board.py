"""全局一屏 (S3.2.2, issue 15): the one-screen board page. Names ``web:board:<view>``.

The page shows the figures of ``bianzhi.dashboard.selectors.board_get`` — the data of
``GET /api/v1/board`` — as numbers and ECharts charts (bianzhi/static/js/board.js; the data goes in by
``json_script``, the Content-Security-Policy allows no inline script). Every number and chart element
opens the page listing the rows behind it (the people, the units, the alerts, the forecast): the same
rows as the figure's API ``rows``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bianzhi.dashboard.selectors import DIMENSIONS, METRICS, Board, BoardRefused, board_get
from bianzhi.registry.choices import StaffingType
from bianzhi.web.forecasts import department_choices
from bianzhi.web.views import Page

app_name = "board"

DIMENSION_LABELS = {
    "district": gettext_lazy("Whole district"),
    "department": gettext_lazy("One department"),
    "party": gettext_lazy("Party sequence"),
    "government": gettext_lazy("Government sequence"),
}


class BoardView(Page):
    """全局一屏: the district, a department, or a sequence, as of a day."""

    template_name = "web/board/board.html"
    title = gettext_lazy("One-screen board")
    nav = "board"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        dimension = request.GET.get("dimension") or ""
        unit_code = (request.GET.get("unit") or "").strip()
        departments = department_choices(user=request.user, day=self.day)
        if not dimension:
            # A unit HR officer's board is its own department; everyone else starts with the district.
            dimension = "district" if _district_reader(request.user) else "department"
            if dimension == "department" and not unit_code and departments:
                unit_code = departments[0][0]
        if dimension not in DIMENSIONS:
            dimension = "district"
        self.board: Board | None
        try:
            self.board = board_get(user=request.user, dimension=dimension, unit_code=unit_code, day=self.day)
        except BoardRefused as refused:
            if refused.status == 404:
                raise Http404(refused.message) from None
            if refused.status == 422:
                self.board = None
                self.refusal = refused.message
            else:
                raise PermissionDenied(refused.message) from None
        else:
            self.refusal = ""
        if self.board is not None and self.board.unit and all(code != self.board.unit for code, _l in departments):
            departments = [*departments, (self.board.unit, self.board.title)]  # a unit below the top ones
        self.dimension, self.unit_code, self.departments = dimension, unit_code, departments
        return super().get(request, *args, **kwargs)

    def context(self) -> dict[str, Any]:
        board = self.board
        context: dict[str, Any] = {
            "dimension": self.dimension,
            "unit_code": self.unit_code,
            "dimensions": [(key, DIMENSION_LABELS[key]) for key in DIMENSIONS],
            "departments": self.departments,
            "district_reader": _district_reader(self.request.user),
            "refusal": self.refusal,
            "board": board,
        }
        if board is None:
            return context
        figures = board.figure_map()
        context["subtitle"] = board.title
        context["kpis"] = [
            _kpi(figures, key, label)
            for key, label in (
                ("units", _("Units")),
                ("approved", _("Approved")),
                ("actual", _("Actual")),
                ("vacancy", _("Vacancy")),
                ("over", _("Over")),
                ("reserved", _("Reserved")),
                ("usable", _("Usable")),
                ("alerts", _("Current alerts")),
            )
        ]
        context["type_rows"] = [
            {"type": t, "cells": [_kpi(figures, f"type.{t}.{m}", "") for m in METRICS]}
            for t in board.layout.get("types", [])
        ]
        context["metric_labels"] = [_metric_label(m) for m in METRICS]
        if board.masked:
            context["retirements"] = [
                _kpi(figures, f"retire.year.{year}", year) for year in board.layout.get("retirement_periods", [])
            ]
        else:
            context["retirements"] = [
                _kpi(figures, f"retire.next.{n}", _("Within %(months)s months") % {"months": n}) for n in (12, 36, 60)
            ]
        context["loans"] = [
            _kpi(figures, "loans.due", _("Loans due in 12 months")),
            _kpi(figures, "loans.due.quantity", _("Places due in 12 months")),
        ]
        context["chart"] = {
            "figures": {f.key: [f.value, f.link, f.label] for f in board.figures},
            "layout": board.layout,
            "masked": board.masked,
            "labels": {
                **{m: _metric_label(m) for m in METRICS},
                "types": _("By staffing type"),
                "sequences": _("By sequence"),
                "heat_vacancy": _("Vacancy by department"),
                "heat_over": _("Over-staffing by department"),
                "alerts": _("Current alerts by rule and severity"),
                "runs": _("Alerts per monitoring run"),
                "retirements": _("Retirements due"),
                "loans": _("Turnover loans falling due"),
                "total": _("Total"),
            },
            "staffing_types": list(StaffingType.values),
        }
        return context


def _metric_label(metric: str) -> str:
    return {
        "approved": _("Approved"),
        "actual": _("Actual"),
        "vacancy": _("Vacancy"),
        "over": _("Over"),
        "reserved": _("Reserved"),
        "usable": _("Usable"),
    }[metric]


def _kpi(figures: dict[str, Any], key: str, label: str) -> dict[str, Any]:
    figure = figures.get(key)
    if figure is None:
        return {"key": key, "label": label, "value": 0, "link": ""}
    return {"key": key, "label": label or figure.label, "value": figure.value, "link": figure.link}


def _district_reader(user: Any) -> bool:
    from bianzhi.accounts.permissions import Action, scope

    return scope(user, Action.VIEW).everything


urlpatterns = [path("", BoardView.as_view(), name="board")]
