"""Reads of the procedures, scoped by the permission choke point, and the figures an approval checks.

``reserved_by_slips`` is the provider approvals registers with registry's ``reserved_by_unit_type``
hook (domain.md §3 reserved, 在途): on day D a slip approved on or before D and valid through D
(``expires_on`` ≥ D) reserves its count less the people already put on staff against it by D (an
onboarding with 进编日期 after D is not yet on staff, so its place is still reserved that day).
Expired slips release their places by themselves: expiry is judged by the day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from bianzhi.accounts.permissions import Action, can, restrict
from bianzhi.approvals.models import Onboarding, RequestState, Slip, SlipKind, StaffingPlan, StaffingRequest
from bianzhi.core.dates import today
from bianzhi.registry import selectors as registry_selectors
from bianzhi.registry.models import PersonVersion, PositionQuota, StaffingQuota, TurnoverLoan, Unit

# ---------------------------------------------------------------- reservations (在途)


def _slips_valid_on(day: dt.date, unit_ids: Iterable[int] | None) -> QuerySet[Slip]:
    qs = Slip.objects.filter(approved_on__lte=day, expires_on__gte=day)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    return qs


def _filled_by(day: dt.date, slips: QuerySet[Slip], key: str) -> dict[tuple[int, str], int]:
    rows = (
        Onboarding.objects.filter(slip__in=slips, entry_date__lte=day)
        .values("slip__unit_id", f"slip__{key}")
        .annotate(n=Count("id"))
    )
    return {(r["slip__unit_id"], r[f"slip__{key}"]): r["n"] for r in rows}


def reserved_by_slips(day: dt.date, unit_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """(unit id, staffing type) → places reserved on D by slips approved by D and valid through D,
    less the onboardings against them with 进编日期 on or before D (domain.md §3 reserved)."""
    slips = _slips_valid_on(day, unit_ids)
    counts = slips.values("unit_id", "staffing_type").annotate(n=Sum("count"))
    reserved: dict[tuple[int, str], int] = defaultdict(int)
    for r in counts:
        reserved[(r["unit_id"], r["staffing_type"])] += r["n"]
    for key, n in _filled_by(day, slips, "staffing_type").items():
        reserved[key] -= n
    return {k: v for k, v in reserved.items() if v > 0}


def reserved_positions_by_slips(day: dt.date, unit_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """(unit id, 职数类别) → leadership positions reserved on D by position-use slips (ZS), as above."""
    slips = _slips_valid_on(day, unit_ids).filter(kind=SlipKind.POSITION).exclude(position_category="")
    counts = slips.values("unit_id", "position_category").annotate(n=Sum("count"))
    reserved: dict[tuple[int, str], int] = defaultdict(int)
    for r in counts:
        reserved[(r["unit_id"], r["position_category"])] += r["n"]
    for key, n in _filled_by(day, slips, "position_category").items():
        reserved[key] -= n
    return {k: v for k, v in reserved.items() if v > 0}


# ---------------------------------------------------------------- usable (domain.md §3)


def _later_change_days(unit_id: int, day: dt.date) -> set[dt.date]:
    """Days after ``day`` on which a change of the unit's figures is already stored: future quota
    and position rows (their start and end), loans lent or returned later, people entering, leaving
    or moving later, slips expiring (domain.md §3: an approval may take at most the least usable of
    today and of every later day with a dated change already stored)."""
    days: set[dt.date] = set()

    def add(values: Iterable[Any]) -> None:
        for value in values:
            if value is not None and value > day and value.year < 9999:
                days.add(value)

    for model in (StaffingQuota, PositionQuota, TurnoverLoan):
        rows = model.objects.filter(unit_id=unit_id).filter(Q(valid_from__gt=day) | Q(valid_to__gt=day))
        for valid_from, valid_to in rows.values_list("valid_from", "valid_to"):
            add((valid_from, valid_to))
    loans = TurnoverLoan.objects.filter(unit_id=unit_id).filter(Q(start_date__gt=day) | Q(returned_on__gt=day))
    for start, returned in loans.values_list("start_date", "returned_on"):
        add((start, returned))
    people = PersonVersion.objects.filter(unit_id=unit_id).filter(
        Q(valid_from__gt=day)
        | Q(valid_to__gt=day, valid_to__lt=dt.date(9999, 1, 1))
        | Q(entry_date__gt=day)
        | Q(left_on__gt=day)
    )
    for valid_from, valid_to, entry, left in people.values_list("valid_from", "valid_to", "entry_date", "left_on"):
        add((valid_from, valid_to, entry, left))
    # someone moving *into* the unit later is a PersonVersion of this unit starting later (above)
    return days


def usable_on(unit_id: int, staffing_type: str, day: dt.date) -> int:
    """usable(u, t) on D = approved − actual − reserved (domain.md §3)."""
    ids = [unit_id]
    approved = registry_selectors.approved_by_unit_type(day, ids).get((unit_id, staffing_type), 0)
    actual = registry_selectors.actual_by_unit_type(day, ids).get((unit_id, staffing_type), 0)
    reserved = registry_selectors.reserved_by_unit_type(day, ids).get((unit_id, staffing_type), 0)
    return approved - actual - reserved


def positions_usable_on(unit_id: int, category: str, day: dt.date) -> int:
    """Approved positions − leaders on staff − positions reserved by ZS slips, on D."""
    ids = [unit_id]
    approved = registry_selectors.positions_by_unit_category(day, ids).get((unit_id, category), 0)
    leaders = registry_selectors.leaders_by_unit_category(day, ids).get((unit_id, category), 0)
    reserved = reserved_positions_by_slips(day, ids).get((unit_id, category), 0)
    return approved - leaders - reserved


def usable_now(*, unit: Unit, staffing_type: str, day: dt.date | None = None) -> int:
    """The least ``usable`` of ``day`` (default today) and of every later day with a dated change
    already stored: what a new approval may take at most (domain.md §3)."""
    day = day or today()
    days = {day} | _later_change_days(unit.pk, day)
    return min(usable_on(unit.pk, staffing_type, d) for d in sorted(days))


def positions_usable_now(*, unit: Unit, category: str, day: dt.date | None = None) -> int:
    """The least usable positions of ``day`` and of every later day with a dated change."""
    day = day or today()
    days = {day} | _later_change_days(unit.pk, day)
    return min(positions_usable_on(unit.pk, category, d) for d in sorted(days))


# ---------------------------------------------------------------- scoped lists


def staffing_request_list(
    *, user: Any, unit_ids: Iterable[int] | None = None, state: str = ""
) -> QuerySet[StaffingRequest]:
    """Requests the user may see (a unit HR officer: its subtree), newest first."""
    qs = restrict(StaffingRequest.objects.select_related("unit"), user, Action.VIEW)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def staffing_request_get(*, user: Any, pk: int) -> StaffingRequest | None:
    return staffing_request_list(user=user).filter(pk=pk).first()


def slip_list(*, user: Any, unit_ids: Iterable[int] | None = None, valid_on: dt.date | None = None) -> QuerySet[Slip]:
    """Slips the user may see; with ``valid_on``, those approved by that day and not expired on it."""
    qs = restrict(Slip.objects.select_related("unit", "request"), user, Action.VIEW)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    if valid_on is not None:
        qs = qs.filter(approved_on__lte=valid_on, expires_on__gte=valid_on)
    return qs.order_by("-approved_on", "-number")


def slip_get(*, user: Any, number: str) -> Slip | None:
    return slip_list(user=user).filter(number=number.upper()).first()


def staffing_plan_list(
    *, user: Any, unit_ids: Iterable[int] | None = None, year: int | None = None
) -> QuerySet[StaffingPlan]:
    qs = restrict(StaffingPlan.objects.select_related("unit"), user, Action.VIEW)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "unit__code", "staffing_type")


def staffing_plan_get(*, user: Any, pk: int) -> StaffingPlan | None:
    return staffing_plan_list(user=user).filter(pk=pk).first()


def onboarding_list(*, user: Any, slip: Slip | None = None) -> QuerySet[Onboarding]:
    qs = restrict(Onboarding.objects.select_related("slip", "person"), user, Action.VIEW)
    if slip is not None:
        qs = qs.filter(slip=slip)
    return qs.order_by("-created_at", "-id")


#: The transitions, by the state they start from.
TRANSITIONS: dict[str, set[str]] = {
    "submit": {RequestState.DRAFT, RequestState.RETURNED},
    "approve": {RequestState.SUBMITTED},
    "reject": {RequestState.SUBMITTED},
    "return": {RequestState.SUBMITTED},
    "withdraw": {RequestState.DRAFT, RequestState.SUBMITTED, RequestState.RETURNED},
}

_ACTION_OF = {
    "submit": Action.REQUEST_STAFFING,
    "withdraw": Action.REQUEST_STAFFING,
    "approve": Action.APPROVE,
    "reject": Action.APPROVE,
    "return": Action.APPROVE,
}


def allowed_actions(*, user: Any, request: StaffingRequest) -> set[str]:
    """Which transitions ``user`` may take on ``request`` now (role, scope and state)."""
    return {
        name
        for name, states in TRANSITIONS.items()
        if request.state in states and can(user, _ACTION_OF[name], request.unit_id)
    }
