"""暂缓审批 (domain.md §9): a fact about a unit, started and lifted through these services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from bianzhi.core.changelog import change_context, record_change
from bianzhi.registry.models import Suspension, Unit


@transaction.atomic
def suspension_start(
    *, unit: Unit, reason: str, source: str, started_on: dt.date, planned_end: dt.date | None = None, user: Any = None
) -> Suspension:
    """暂缓审批 (domain.md §9): block a unit's staffing-use and position-use approvals from ``started_on``."""
    with change_context(source="service", user=user, reason=reason) as change_set:
        suspension = Suspension.objects.create(
            unit=unit,
            reason=reason,
            source=source,
            started_on=started_on,
            planned_end=planned_end,
            change_set=change_set,
        )
        record_change(
            entity="暂缓审批",
            key=f"{unit.code}/{suspension.pk}",
            before=None,
            after={"机构代码": unit.code, "原因": reason, "来源": source, "开始日期": started_on.isoformat()},
        )
    return suspension


@transaction.atomic
def suspension_lift(*, suspension: Suspension, lifted_on: dt.date, reason: str, user: Any = None) -> Suspension:
    """Lift a suspension; refuses one already lifted or a day before it started."""
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if suspension.lifted_on is not None:
        raise ValueError(f"该暂缓审批已于 {suspension.lifted_on} 解除")
    if lifted_on < suspension.started_on:
        raise ValueError(f"解除日期 {lifted_on} 早于开始日期 {suspension.started_on}")
    with change_context(source="service", user=user, reason=reason):
        before = {"解除日期": None}
        suspension.lifted_on = lifted_on
        suspension.lift_reason = reason
        suspension.save(update_fields=["lifted_on", "lift_reason"])
        record_change(
            entity="暂缓审批",
            key=f"{suspension.unit.code}/{suspension.pk}",
            before=before,
            after={"解除日期": lifted_on.isoformat(), "解除原因": reason},
        )
    return suspension
