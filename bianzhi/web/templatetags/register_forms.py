"""The buttons of the register's change forms (bianzhi/web/register_forms.py) on the unit page:
``{% register_buttons "staffing" %}`` under the 编制 table, ``"positions"``, ``"loans"`` and
``"attributes"`` likewise. Nothing is shown to a user who may not change the unit."""

from __future__ import annotations

from typing import Any

from django import template

from bianzhi.accounts.permissions import Action, can
from bianzhi.registry.models import PositionQuota, StaffingQuota, TurnoverLoan

register = template.Library()


@register.inclusion_tag("web/register/_buttons.html", takes_context=True)
def register_buttons(context: Any, section: str) -> dict[str, Any]:
    request, unit, day = context.get("request"), context.get("unit"), context.get("day")
    if request is None or unit is None or not can(request.user, Action.CHANGE, unit):
        return {"section": ""}
    result: dict[str, Any] = {"section": section, "unit": unit}
    if section == "staffing":
        quotas = StaffingQuota.objects.filter(StaffingQuota.as_of(day), unit=unit).order_by("staffing_type")
        result["rows"] = [q.staffing_type for q in quotas]
    elif section == "positions":
        positions = PositionQuota.objects.filter(PositionQuota.as_of(day), unit=unit).order_by("category")
        result["rows"] = [p.category for p in positions]
    elif section == "loans":
        loans = TurnoverLoan.objects.filter(TurnoverLoan.as_of(day), unit=unit).order_by("start_date", "pk")
        result["rows"] = [loan for loan in loans if loan.is_in_use(day)]
    return result
