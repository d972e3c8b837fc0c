"""Reads for supervision: retirement forecasts (domain.md §6)."""

from __future__ import annotations

import datetime as dt

from bianzhi.core.dates import add_months, format_month
from bianzhi.registry import selectors as registry


def retirements_forecast(*, start: dt.date, months: int, today: dt.date) -> list[dict[str, str]]:
    """People on staff today in units active today whose retirement month falls in
    [start, start + months − 1], sorted by month, unit, person (interchange.md §2)."""
    end = add_months(start, months)
    rows = (
        registry.people_on_staff(today)
        .filter(retirement_month__gte=start, retirement_month__lt=end)
        .values_list("person__id_number", "unit__code", "retirement_month")
    )
    result = [{"person": p, "unit": u, "month": format_month(m)} for p, u, m in rows]
    result.sort(key=lambda r: (r["month"], r["unit"], r["person"]))
    return result
