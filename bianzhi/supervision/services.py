"""Monitoring runs (domain.md §4): evaluate every enabled rule as of a day and store the alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from bianzhi.core.changelog import change_context, record_change
from bianzhi.core.memo import shared_results
from bianzhi.registry.models import Unit
from bianzhi.supervision.models import Alert, MonitoringRun, RuleSetting, Severity
from bianzhi.supervision.rulebook import effective_rules, get_rule

_FINGERPRINT_KEYS = ("unit", "region", "person", "staffing_type", "position_category", "category", "due")


def alerts_evaluate(*, as_of: dt.date, units: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Every alert of every enabled rule as of D, sorted per interchange.md §2: the rule's order,
    then unit (or region), then person, comparing code points.

    With ``units`` (unit ids), only the alerts about those units and their divisions: the
    near-real-time path after a change (domain.md §4), a handful of indexed queries.
    """
    scope = None if units is None else frozenset(units)
    alerts: list[tuple[tuple, dict[str, Any]]] = []
    with shared_results():  # rules asking for the same figures get them computed once
        found_by_rule = [
            (effective, effective.rule().evaluate(as_of, effective.params, scope))
            for effective in effective_rules()
            if effective.enabled
        ]
    for effective, found_alerts in found_by_rule:
        rule = effective.rule
        for found in found_alerts:
            message = found.pop("message")
            alert = {"rule": rule.id, "severity": effective.severity, "message": message, **found}
            # interchange.md §2: rule order, unit (or region), person; then the remaining keys so
            # that ties (one unit, two staffing types) come out the same on every engine.
            sort_key = (
                rule.order,
                alert.get("unit") or alert.get("region") or "",
                alert.get("person", ""),
                *(str(alert.get(k, "")) for k in _FINGERPRINT_KEYS[3:]),
            )
            alerts.append((sort_key, alert))
    alerts.sort(key=lambda pair: pair[0])
    return [alert for _, alert in alerts]


def fingerprint(alert: dict[str, Any]) -> str:
    parts = [alert["rule"], *(str(alert[k]) for k in _FINGERPRINT_KEYS if k in alert)]
    return "|".join(parts)


@transaction.atomic
def monitoring_run(*, as_of: dt.date, units: Iterable[int] | None = None) -> tuple[MonitoringRun, list[dict[str, Any]]]:
    """Run the rules and store the run with its alerts, so each alert's first and last appearance
    can be traced across runs (domain.md §4). With ``units``, a partial run about those units."""
    unit_ids = None if units is None else sorted(set(units))
    alerts = alerts_evaluate(as_of=as_of, units=unit_ids)
    scope = ""
    if unit_ids is not None:
        codes = sorted(Unit.objects.filter(id__in=unit_ids).values_list("code", flat=True))
        scope = "、".join(codes)[:200]
    run = MonitoringRun.objects.create(as_of=as_of, alert_count=len(alerts), scope=scope)
    Alert.objects.bulk_create(
        [
            Alert(
                run=run,
                rule=a["rule"],
                severity=a["severity"],
                unit_code=a.get("unit", ""),
                region=a.get("region", ""),
                person=a.get("person", ""),
                fingerprint=fingerprint(a),
                message=a["message"],
                data=a,
            )
            for a in alerts
        ],
        batch_size=2000,
    )
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    return run, alerts


def rule_setting_update(
    *,
    rule: str,
    enabled: bool,
    severity: str = "",
    params: dict[str, Any] | None = None,
    user: Any = None,
    origin: str = "",
):
    """Switch a rule on or off, override its severity or parameters; the change is logged (domain.md §4)."""
    try:
        definition = get_rule(rule)
    except KeyError as exc:
        raise ValueError(f"没有编号为“{rule}”的监测规则") from exc
    if severity and severity not in Severity.values:
        raise ValueError(f"严重程度“{severity}”无效，应为 高、中 或 低")
    unknown = set(params or {}) - set(definition.default_params)
    if unknown:
        raise ValueError(f"规则 {rule} 没有参数：{'、'.join(sorted(unknown))}")
    with change_context(source="web" if user is not None else "service", user=user, origin=origin):
        setting = RuleSetting.objects.select_for_update().filter(rule=rule).first()
        before = {"启用": setting.enabled, "严重程度": setting.severity, "参数": setting.params} if setting else None
        if setting is None:
            setting = RuleSetting(rule=rule)
        setting.enabled, setting.severity, setting.params = enabled, severity, dict(params or {})
        setting.save()
        record_change(
            entity="监测规则",
            key=rule,
            before=before,
            after={"启用": enabled, "严重程度": severity, "参数": setting.params},
        )
    return setting
