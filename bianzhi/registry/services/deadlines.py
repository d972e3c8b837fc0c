"""Stored write-off deadlines follow the working calendar (domain.md §4).

``PersonVersion.write_off_deadline`` is derived: ``write_off_deadline(left_on)`` for every version
with a ``left_on``. When the office's 工作日历 changes (or a new ``holidays`` pin brings a year's
official arrangement), :func:`recompute_write_off_deadlines` brings the stored values in line —
set-based: each distinct ``left_on`` is computed once, then one ``UPDATE … WHERE left_on = d``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from bianzhi.core.changelog import Change, change_context, record_changes
from bianzhi.core.locks import register_writes
from bianzhi.core.workdays import write_off_deadline
from bianzhi.registry import hooks
from bianzhi.registry.models import PersonVersion

__all__ = [
    "calendar_day_remove",
    "calendar_day_set",
    "calendar_year_mark",
    "deadline_units_changed",
    "recompute_write_off_deadlines",
]


def recompute_write_off_deadlines(years: set[int] | None = None, *, user: Any = None, origin: str = "") -> int:
    """Recompute the stored 核销期限 of people who left, after the working days of ``years``
    changed (``None``: all of them); returns the number of versions whose deadline changed.

    A deadline can move only if its count of working days reaches into a changed year: the person
    left before the end of the last changed year and the stored deadline is not before the start
    of the first (a count that ended before it never saw the change). Each person whose deadline
    moves is logged (人员, 身份证号: 核销期限 before and after) in one change set, under the
    register's write lock; the units concerned are re-monitored once it commits
    (``hooks.units_changed``).
    """
    with register_writes():
        return _recompute(years, user=user, origin=origin)


def _recompute(years: set[int] | None, *, user: Any, origin: str) -> int:
    versions = PersonVersion.objects.filter(left_on__isnull=False)
    if years is not None:
        if not years:
            return 0
        first, last = dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)
        versions = versions.filter(left_on__lte=last).filter(
            Q(write_off_deadline__isnull=True) | Q(write_off_deadline__gte=first)
        )
    stale: dict[dt.date, dt.date] = {}
    computed: dict[dt.date, dt.date] = {}
    for left, stored in versions.values_list("left_on", "write_off_deadline").distinct().order_by():
        assert left is not None  # nosec B101 # type narrowing of a filtered column (filtered above)
        deadline = computed.get(left)
        if deadline is None:
            deadline = computed[left] = write_off_deadline(left)
        if stored != deadline:
            stale[left] = deadline
    if not stale:
        return 0
    updated = 0
    units: set[int] = set()
    with change_context(
        source="web" if user is not None else "service",
        user=user,
        origin=origin,
        reason="工作日历变更，重新计算核销期限",
    ):
        for left, deadline in sorted(stale.items()):
            rows = PersonVersion.objects.filter(left_on=left).exclude(write_off_deadline=deadline)
            moved = rows.values_list("person__id_number", "write_off_deadline").distinct().order_by("person__id_number")
            record_changes(
                Change(
                    entity="人员",
                    key=person,
                    action="update",
                    before={"离编生效日期": left.isoformat(), "核销期限": stored.isoformat() if stored else None},
                    after={"离编生效日期": left.isoformat(), "核销期限": deadline.isoformat()},
                )
                for person, stored in moved
            )
            units.update(rows.values_list("unit_id", flat=True).distinct().order_by())
            updated += rows.update(write_off_deadline=deadline)
    hooks.units_changed(units)
    return updated


def deadline_units_changed(years: set[int]) -> None:
    """Re-monitor the units of people whose stored deadline falls in ``years`` once the current
    transaction commits: marking a year complete changes no deadline, only whether late_write_off
    calls it provisional."""
    if not years:
        return
    condition = Q()
    for year in years:
        condition |= Q(write_off_deadline__year=year)
    units = PersonVersion.objects.filter(condition).values_list("unit_id", flat=True).distinct().order_by()
    hooks.units_changed(units)


def calendar_day_set(*, day: dt.date, kind: str, note: str, user: Any = None, origin: str = "") -> int:
    """Enter a day of the office's 工作日历 and bring the stored deadlines in line, both or neither,
    under the register's write lock; returns the number of deadlines moved."""
    from bianzhi.core import workdays

    try:
        with register_writes():
            workdays.work_calendar_day_set(day=day, kind=kind, note=note, user=user, origin=origin)
            return _recompute({day.year}, user=user, origin=origin)
    finally:
        workdays.clear_cache()  # a rolled-back change must not linger in this process


def calendar_day_remove(*, day: dt.date, user: Any = None, origin: str = "") -> int:
    """Remove an entry (the package's answer holds again for that day); deadlines follow."""
    from bianzhi.core import workdays

    try:
        with register_writes():
            workdays.work_calendar_day_remove(day=day, user=user, origin=origin)
            return _recompute({day.year}, user=user, origin=origin)
    finally:
        workdays.clear_cache()


def calendar_year_mark(*, year: int, complete: bool, note: str | None, user: Any = None, origin: str = "") -> None:
    """Mark a year's schedule complete or not; late_write_off's （暂定） changes with it."""
    from bianzhi.core import workdays

    try:
        with register_writes():
            workdays.work_calendar_year_mark(year=year, complete=complete, note=note, user=user, origin=origin)
            deadline_units_changed({year})
    finally:
        workdays.clear_cache()
