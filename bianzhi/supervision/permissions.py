"""How supervision data is scoped by the permission choke point: an alert belongs to its unit
(alerts about a division's limits are district-wide); runs are district-wide."""

from __future__ import annotations

from django.db.models import Q

from bianzhi.accounts import permissions


def register() -> None:
    from bianzhi.registry.models import Unit
    from bianzhi.supervision.models import Alert, AlertTrack, MonitoringRun, RuleSetting

    permissions.register_scope(
        Alert, lambda ids: Q(unit_code__in=Unit.objects.filter(pk__in=ids).values("code")) & ~Q(unit_code="")
    )
    permissions.register_scope(
        AlertTrack, lambda ids: Q(unit_code__in=Unit.objects.filter(pk__in=ids).values("code")) & ~Q(unit_code="")
    )
    permissions.register_scope(MonitoringRun, None)
    permissions.register_scope(RuleSetting, None)
