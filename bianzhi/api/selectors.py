"""The API's reads of the register, each scoped by the permission choke point ``restrict``.

They build on the register's own selectors (``bianzhi.registry.selectors``) and narrow every
queryset to what the user may see; a unit the user may not see is "not found".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from bianzhi.accounts.permissions import Action, restrict
from bianzhi.registry import selectors as registry
from bianzhi.registry.choices import LoanStatus
from bianzhi.registry.models import (
    InstitutionLimit,
    Person,
    PersonVersion,
    PositionQuota,
    StaffingQuota,
    Suspension,
    TurnoverLoan,
    Unit,
    UnitVersion,
    WorkbookUpload,
)
from bianzhi.registry.trees import descendants_with_depth, subtree_ids


def unit_get(*, user: Any, code: str, action: Action = Action.VIEW) -> Unit | None:
    """The unit with this code if the user may take ``action`` on it."""
    return restrict(Unit.objects.filter(code=code), user, action).first()


def units_filter(*, user: Any, code: str | None, subtree: bool, day: dt.date) -> set[int] | None:
    """Unit ids selected by a ``unit`` filter (with its subtree as of ``day`` when asked);
    ``None`` without a filter; raises ``LookupError`` for a unit the user may not see."""
    if not code:
        return None
    unit = unit_get(user=user, code=code)
    if unit is None:
        raise LookupError(code)
    return subtree_ids([unit.pk], day=day) if subtree else {unit.pk}


def unit_version_list(
    *,
    user: Any,
    day: dt.date,
    include_inactive: bool = False,
    unit_ids: set[int] | None = None,
    q: str = "",
    kind: str = "",
    sequence: str = "",
    region: str = "",
    parent: Unit | None = None,
    roots: bool = False,
) -> QuerySet[UnitVersion]:
    qs = registry.unit_versions_as_of(day, active=not include_inactive)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(unit__code__iexact=q))
    if kind:
        qs = qs.filter(kind=kind)
    if sequence:
        qs = qs.filter(sequence=sequence)
    if region:
        qs = qs.filter(region=region)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if roots:
        qs = qs.filter(parent__isnull=True)
    return restrict(qs, user, Action.VIEW).select_related("unit", "parent").order_by("unit__code")


def unit_version_get(*, user: Any, unit: Unit, day: dt.date) -> UnitVersion | None:
    qs = UnitVersion.objects.filter(UnitVersion.as_of(day), unit=unit).select_related("unit", "parent")
    return restrict(qs, user, Action.VIEW).first()


def unit_descendants(
    *, user: Any, unit: Unit, day: dt.date, include_self: bool, include_inactive: bool
) -> list[tuple[UnitVersion, int]]:
    """The unit's descendants as of ``day`` in tree order, each with its depth below the unit."""
    depths = descendants_with_depth([unit.pk], day=day)
    if not include_self:
        depths.pop(unit.pk, None)
    versions = {
        v.unit_id: v
        for v in unit_version_list(user=user, day=day, include_inactive=include_inactive, unit_ids=set(depths))
    }
    return [(versions[unit_id], depth) for unit_id, depth in depths.items() if unit_id in versions]


def _as_of(qs: QuerySet[Any], model: Any, day: dt.date, unit_ids: set[int] | None) -> QuerySet[Any]:
    qs = qs.filter(model.as_of(day))
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return qs


def quota_list(*, user: Any, day: dt.date, unit_ids: set[int] | None, staffing_type: str = "") -> QuerySet[Any]:
    qs = _as_of(StaffingQuota.objects.all(), StaffingQuota, day, unit_ids)
    if staffing_type:
        qs = qs.filter(staffing_type=staffing_type)
    return restrict(qs, user, Action.VIEW).select_related("unit").order_by("unit__code", "staffing_type")


def position_list(*, user: Any, day: dt.date, unit_ids: set[int] | None, category: str = "") -> QuerySet[Any]:
    qs = _as_of(PositionQuota.objects.all(), PositionQuota, day, unit_ids)
    if category:
        qs = qs.filter(category=category)
    return restrict(qs, user, Action.VIEW).select_related("unit").order_by("unit__code", "category")


def loan_list(
    *, user: Any, day: dt.date, unit_ids: set[int] | None, staffing_type: str = "", status: str = ""
) -> QuerySet[Any]:
    qs = _as_of(TurnoverLoan.objects.all(), TurnoverLoan, day, unit_ids).filter(start_date__lte=day)
    if staffing_type:
        qs = qs.filter(staffing_type=staffing_type)
    if status == LoanStatus.IN_USE:
        qs = qs.filter(TurnoverLoan.in_use_on(day))
    elif status:
        qs = qs.exclude(TurnoverLoan.in_use_on(day))
    return restrict(qs, user, Action.VIEW).select_related("unit").order_by("unit__code", "staffing_type", "start_date")


def limit_list(*, user: Any, day: dt.date, region: str = "", category: str = "") -> QuerySet[Any]:
    qs = InstitutionLimit.objects.filter(InstitutionLimit.as_of(day))
    if region:
        qs = qs.filter(region=region)
    if category:
        qs = qs.filter(category=category)
    return restrict(qs, user, Action.VIEW).order_by("region", "category")


def person_version_list(
    *,
    user: Any,
    day: dt.date,
    unit_ids: set[int] | None = None,
    q: str = "",
    on_staff: bool | None = None,
    status: str = "",
    staffing_type: str = "",
    category: str = "",
    position_category: str = "",
) -> QuerySet[PersonVersion]:
    """People's attributes as of ``day``. ``q`` finds a name (or part of one) or a full ID number —
    never part of an ID number, so a masked number cannot be guessed digit by digit."""
    qs = PersonVersion.objects.filter(PersonVersion.as_of(day))
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if q:
        number = q.strip().upper()
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(person__id_number=number))
    if on_staff is True:
        qs = qs.filter(PersonVersion.on_staff_on(day))
    elif on_staff is False:
        qs = qs.exclude(PersonVersion.on_staff_on(day))
    if status:
        qs = qs.filter(PersonVersion.with_status_on(day, status))
    if staffing_type:
        qs = qs.filter(staffing_type=staffing_type)
    if category:
        qs = qs.filter(category=category)
    if position_category:
        qs = qs.filter(position_category=position_category)
    return (
        restrict(qs, user, Action.VIEW)
        .select_related("person", "unit", "internal_division")
        .order_by("unit__code", "name", "person_id")
    )


def person_version_get(*, user: Any, id_number: str, day: dt.date) -> PersonVersion | None:
    """A person (by full ID number) as of ``day``, if the user may see them then."""
    qs = PersonVersion.objects.filter(PersonVersion.as_of(day), person__id_number=id_number.upper())
    return restrict(qs, user, Action.VIEW).select_related("person", "unit", "internal_division").first()


def person_version_of(*, user: Any, person_id: int, day: dt.date) -> PersonVersion | None:
    """A person (by primary key, from an opaque ref) as of ``day``, if the user may see them then."""
    qs = PersonVersion.objects.filter(PersonVersion.as_of(day), person_id=person_id)
    return restrict(qs, user, Action.VIEW).select_related("person", "unit", "internal_division").first()


def person_current_unit(*, id_number: str) -> tuple[Person | None, int | None]:
    """A stored person and the unit of their latest version (to decide who may change them)."""
    person = Person.objects.filter(id_number=id_number.upper()).first()
    if person is None:
        return None, None
    latest = PersonVersion.objects.filter(person=person).order_by("-valid_from").values_list("unit_id", flat=True)
    return person, latest.first()


def suspension_list(
    *, user: Any, unit_ids: set[int] | None, in_force_on: dt.date | None = None, lifted: bool | None = None
) -> QuerySet[Suspension]:
    qs = Suspension.objects.all()
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if in_force_on is not None:
        qs = qs.filter(Suspension.in_force_on(in_force_on))
    if lifted is True:
        qs = qs.filter(lifted_on__isnull=False)
    elif lifted is False:
        qs = qs.filter(lifted_on__isnull=True)
    return restrict(qs, user, Action.VIEW).select_related("unit").order_by("-started_on", "-id")


def suspension_get(*, user: Any, suspension_id: int, action: Action = Action.VIEW) -> Suspension | None:
    return restrict(Suspension.objects.filter(pk=suspension_id), user, action).select_related("unit").first()


def upload_list(*, user: Any, state: str = "") -> QuerySet[WorkbookUpload]:
    qs = WorkbookUpload.objects.all()
    if state:
        qs = qs.filter(state=state)
    return (
        restrict(qs, user, Action.IMPORT).select_related("uploaded_by", "confirmed_by").order_by("-uploaded_at", "-id")
    )


def upload_get(*, user: Any, upload_id: int) -> WorkbookUpload | None:
    qs = WorkbookUpload.objects.filter(pk=upload_id)
    return restrict(qs, user, Action.IMPORT).select_related("uploaded_by", "confirmed_by").first()
