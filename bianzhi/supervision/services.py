"""Monitoring runs (domain.md §4): evaluate every enabled rule as of a day and store the alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from bianzhi.supervision.models import Alert, MonitoringRun
from bianzhi.supervision.rulebook import effective_rules

_FINGERPRINT_KEYS = ("unit", "region", "person", "staffing_type", "position_category", "category", "due")


def alerts_evaluate(*, as_of: dt.date) -> list[dict[str, Any]]:
    """Every alert of every enabled rule as of D, sorted per interchange.md §2: the rule's order,
    then unit (or region), then person, comparing code points."""
    alerts: list[tuple[tuple, dict[str, Any]]] = []
    for effective in effective_rules():
        if not effective.enabled:
            continue
        rule = effective.rule
        for found in rule().evaluate(as_of, effective.params):
            message = found.pop("message")
            alert = {"rule": rule.id, "severity": effective.severity, "message": message, **found}
            sort_key = (rule.order, alert.get("unit") or alert.get("region") or "", alert.get("person", ""))
            alerts.append((sort_key, alert))
    alerts.sort(key=lambda pair: pair[0])
    return [alert for _, alert in alerts]


def fingerprint(alert: dict[str, Any]) -> str:
    parts = [alert["rule"], *(str(alert[k]) for k in _FINGERPRINT_KEYS if k in alert)]
    return "|".join(parts)


@transaction.atomic
def monitoring_run(*, as_of: dt.date) -> tuple[MonitoringRun, list[dict[str, Any]]]:
    """Run the rules and store the run with its alerts, so each alert's first and last appearance
    can be traced across runs (domain.md §4)."""
    alerts = alerts_evaluate(as_of=as_of)
    run = MonitoringRun.objects.create(as_of=as_of, alert_count=len(alerts))
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
