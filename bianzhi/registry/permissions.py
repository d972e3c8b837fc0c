"""How the register is scoped by the permission choke point (``bianzhi.accounts.permissions``).

Registered when the app is ready: the subtree of a unit (itself and all its descendants as of
today, following ``UnitVersion.parent``) and, for each model, the filter that keeps the rows of a
set of units. Institution limits are district-wide: only roles that cover the whole district see them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from bianzhi.accounts import permissions
from bianzhi.core.dates import today


def unit_subtree_ids(unit_ids: Iterable[int]) -> set[int]:
    """The given units and all their descendants as of today."""
    from bianzhi.registry.trees import subtree_ids

    return subtree_ids(unit_ids, day=today())


def register() -> None:
    from bianzhi.registry import models

    def by_unit(ids: frozenset[int]) -> Q:
        return Q(unit_id__in=ids)

    permissions.register_subtree_resolver(unit_subtree_ids)
    permissions.register_scope(models.Unit, lambda ids: Q(pk__in=ids))
    for model in (
        models.UnitVersion,
        models.StaffingQuota,
        models.PositionQuota,
        models.TurnoverLoan,
        models.PersonVersion,
        models.Suspension,
    ):
        permissions.register_scope(model, by_unit)
    permissions.register_scope(
        models.Person,
        lambda ids: Q(pk__in=models.PersonVersion.objects.filter(unit_id__in=ids).values("person_id")),
    )
    permissions.register_scope(models.InstitutionLimit, None)
    permissions.register_scope(models.Division, None)
    permissions.register_scope(models.WorkbookUpload, None)
