"""撤销机构遗留编制 (domain.md §4): staffing left behind when a unit closed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Sum

from bianzhi.registry import selectors
from bianzhi.supervision.rulebook import Alert, Rule, register


@register
class OrphanedStaffing(Rule):
    """The one rule that looks at inactive units: who is on staff and which loans are in use come
    from the register's own selectors with ``active=False``, narrowed to units abolished by D."""

    id = "orphaned_staffing"
    name = "撤销机构遗留编制"
    description = (
        "负面清单：机构撤销后应及时划转或核销其编制和人员，不得保留“空壳”编制。"
        "已于监测日期或之前撤销的机构，仍有在编人员或使用中的周转编制；按机构和编制类型分别预警。"
    )
    severity = "高"
    order = 9

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        closed: dict[str, Any] = {"unit__abolished__lte": day}
        if units is not None:
            closed["unit_id__in"] = units
        people = (
            selectors.people_on_staff(day, active=False)
            .filter(**closed)
            .order_by()
            .values_list("unit__code", "staffing_type", "unit__abolished")
            .annotate(n=Count("id"))
        )
        loans = (
            selectors.loans_in_use(day, active=False)
            .filter(**closed)
            .order_by()
            .values_list("unit__code", "staffing_type", "unit__abolished")
            .annotate(n=Sum("quantity"))
        )
        found: dict[tuple[str, str, dt.date], dict[str, int]] = defaultdict(lambda: {"people": 0, "loaned": 0})
        for code, staffing_type, abolished, n in people:
            found[(code, staffing_type, abolished)]["people"] += n
        for code, staffing_type, abolished, n in loans:
            found[(code, staffing_type, abolished)]["loaned"] += n or 0
        alerts = []
        for (code, staffing_type, abolished), counts in found.items():
            if not (counts["people"] or counts["loaned"]):
                continue
            left = []
            if counts["people"]:
                left.append(f"在编人员 {counts['people']} 名")
            if counts["loaned"]:
                left.append(f"使用中的周转编制 {counts['loaned']} 名")
            alerts.append(
                {
                    "unit": code,
                    "staffing_type": staffing_type,
                    "people": counts["people"],
                    "loaned": counts["loaned"],
                    "message": f"机构 {code} 已于 {abolished} 撤销，仍有{staffing_type}{'、'.join(left)}未划转或核销",
                }
            )
        return alerts
