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
from bianzhi.supervision.history import alert_history_update
from bianzhi.supervision.models import Alert, MonitoringRun, RuleSetting, Severity
from bianzhi.supervision.rulebook import all_rules, effective_rules, get_rule, validate_params

_FINGERPRINT_KEYS = ("unit", "region", "person", "staffing_type", "position_category", "category", "due")


def alerts_evaluate(
    *, as_of: dt.date, units: Iterable[int] | None = None, warnings: list[str] | None = None
) -> list[dict[str, Any]]:
    """Every alert of every enabled rule as of D, sorted per interchange.md §2: the rule's order,
    then unit (or region), then person, comparing code points.

    With ``units`` (unit ids), only the alerts about those units and their divisions: the
    near-real-time path after a change (domain.md §4), a handful of indexed queries.

    A stored rule setting that does not fit the rule's schema is replaced by its default and
    logged; its warning is appended to ``warnings`` when given (domain.md §4: never a traceback).
    """
    scope = None if units is None else frozenset(units)
    rules = effective_rules(log=True)
    if warnings is not None:
        warnings.extend(w for effective in rules for w in effective.warnings)
    with shared_results():  # rules asking for the same figures get them computed once
        found_by_rule = [
            (effective, effective.rule().evaluate(as_of, effective.params, scope))
            for effective in rules
            if effective.enabled
        ]
    alerts: list[dict[str, Any]] = []
    for effective, found_alerts in found_by_rule:
        rule = effective.rule
        for found in found_alerts:
            message = found.pop("message")
            alerts.append({"rule": rule.id, "severity": effective.severity, "message": message, **found})
    return sort_alerts(alerts)


def sort_alerts(alerts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Alerts in the order of interchange.md §2: rule order, unit (or region), person; then the
    remaining keys so that ties (one unit, two staffing types) come out the same on every engine."""
    order = {rule.id: rule.order for rule in all_rules()}

    def key(alert: dict[str, Any]) -> tuple:
        return (
            order.get(alert["rule"], len(order) + 1000),
            alert.get("unit") or alert.get("region") or "",
            alert.get("person", ""),
            *(str(alert.get(k, "")) for k in _FINGERPRINT_KEYS[3:]),
        )

    return sorted(alerts, key=key)


def fingerprint(alert: dict[str, Any]) -> str:
    parts = [alert["rule"], *(str(alert[k]) for k in _FINGERPRINT_KEYS if k in alert)]
    return "|".join(parts)


@transaction.atomic
def monitoring_run(*, as_of: dt.date, units: Iterable[int] | None = None) -> tuple[MonitoringRun, list[dict[str, Any]]]:
    """Run the rules and store the run with its alerts, and move the alert history (first seen,
    cleared: ``bianzhi.supervision.history``) — domain.md §4. With ``units``, a partial run about
    those units."""
    unit_ids = None if units is None else frozenset(units)
    # The row first, so that ``started_at`` (and the id) tell which runs started after which.
    run = MonitoringRun.objects.create(as_of=as_of, full=unit_ids is None)
    warnings: list[str] = []
    alerts = alerts_evaluate(as_of=as_of, units=unit_ids, warnings=warnings)
    if unit_ids is not None:
        run.units, run.coverage = _coverage(as_of, unit_ids)
        run.scope = "、".join(run.units)[:200]
    run.alert_count, run.warnings = len(alerts), warnings
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
    run.save(update_fields=["finished_at", "units", "coverage", "scope", "alert_count", "warnings"])
    alert_history_update(run=run, alerts=[(fingerprint(a), a) for a in alerts])
    return run, alerts


def _coverage(day: dt.date, unit_ids: frozenset[int]) -> tuple[list[str], dict[str, dict[str, list[str]]]]:
    """What a partial run over ``unit_ids`` computes afresh: the codes of those units, and for each
    rule reaching further (``over_limit``: their parents and divisions), that rule's own reach."""
    codes_of = dict(Unit.objects.filter(id__in=unit_ids).values_list("id", "code"))
    coverage: dict[str, dict[str, list[str]]] = {}
    for rule in all_rules():
        covered, regions = rule().coverage(day, unit_ids)
        if covered == unit_ids and not regions:
            continue
        extra = set(covered) - set(codes_of)
        if extra:
            codes_of.update(Unit.objects.filter(id__in=extra).values_list("id", "code"))
        coverage[rule.id] = {
            "units": sorted(codes_of[i] for i in covered if i in codes_of),
            "regions": sorted(regions),
        }
    return sorted(codes_of[i] for i in unit_ids if i in codes_of), coverage


def rule_setting_update(
    *,
    rule: str,
    enabled: bool,
    severity: str = "",
    params: dict[str, Any] | None = None,
    user: Any = None,
    origin: str = "",
    reason: str = "",
):
    """Switch a rule on or off, override its severity or parameters; the change is logged (domain.md §4)
    with ``reason``."""
    try:
        definition = get_rule(rule)
    except KeyError as exc:
        raise ValueError(f"没有编号为“{rule}”的监测规则") from exc
    if severity and severity not in Severity.values:
        raise ValueError(f"严重程度“{severity}”无效，应为 高、中 或 低")
    params = validate_params(definition, params or {})  # ParamError (a ValueError) names the parameter
    with change_context(source="web" if user is not None else "service", user=user, origin=origin, reason=reason):
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
