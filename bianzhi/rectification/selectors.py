"""Reads of problems, always through the permission choke point (``restrict``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from bianzhi.accounts.permissions import Action, restrict
from bianzhi.rectification.models import Problem, ProblemAttachment, ProblemStep, State
from bianzhi.registry.models import Suspension, Unit, UnitVersion


def suspension_in_force_q(day: dt.date) -> Q:
    """domain.md §9: started, not lifted by ``day``, and a planned end empty or not passed."""
    return Suspension.in_force_on(day) & (Q(planned_end__isnull=True) | Q(planned_end__gte=day))


def overdue_q(day: dt.date) -> Q:
    return ~Q(state=State.CLOSED) & Q(deadline__lt=day)


def problem_list(
    *,
    user: Any,
    unit_ids: set[int] | frozenset[int] | None = None,
    state: str | None = None,
    severity: str | None = None,
    source: str | None = None,
    overdue: bool | None = None,
    day: dt.date | None = None,
) -> QuerySet[Problem]:
    """The problems ``user`` may see, narrowed by the filters; newest first."""
    from bianzhi.core.dates import today

    qs = restrict(Problem.objects.select_related("unit", "alert"), user, Action.VIEW)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if state:
        qs = qs.filter(state=state)
    if severity:
        qs = qs.filter(severity=severity)
    if source:
        qs = qs.filter(source=source)
    if overdue is not None:
        q = overdue_q(day or today())
        qs = qs.filter(q) if overdue else qs.exclude(q)
    return qs.order_by("-raised_at", "-id")


def problem_get(*, user: Any, problem_id: int) -> Problem | None:
    """One problem ``user`` may see, or ``None`` (not stored, or outside the user's units)."""
    return (
        restrict(Problem.objects.select_related("unit", "suspension", "alert"), user, Action.VIEW)
        .filter(pk=problem_id)
        .first()
    )


def problem_steps(*, user: Any, problem: Problem) -> QuerySet[ProblemStep]:
    return restrict(ProblemStep.objects.filter(problem=problem), user, Action.VIEW).order_by("at", "id")


def problem_attachments(*, user: Any, problem: Problem) -> QuerySet[ProblemAttachment]:
    return restrict(ProblemAttachment.objects.filter(problem=problem), user, Action.VIEW).order_by("uploaded_at", "id")


def attachment_get(*, user: Any, problem_id: int, attachment_id: int) -> ProblemAttachment | None:
    return (
        restrict(ProblemAttachment.objects.select_related("problem"), user, Action.VIEW)
        .filter(pk=attachment_id, problem_id=problem_id)
        .first()
    )


def unit_names(unit_ids: set[int]) -> dict[int, str]:
    """unit id → its latest name (a problem names its unit as it is called now)."""
    names: dict[int, str] = {}
    for unit_id, name in (
        UnitVersion.objects.filter(unit_id__in=unit_ids)
        .order_by("unit_id", "valid_from")
        .values_list("unit_id", "name")
    ):
        names[unit_id] = name
    return names


def unit_name(unit: Unit) -> str:
    return unit_names({unit.pk}).get(unit.pk, unit.code)


def linked_suspension_in_force(unit: Unit, day: dt.date) -> Suspension | None:
    """The unit's problem-linked 暂缓审批 in force on ``day`` (one per unit), if any."""
    return (
        Suspension.objects.filter(suspension_in_force_q(day), unit=unit, problems__isnull=False)
        .distinct()
        .order_by("started_on", "id")
        .first()
    )
