"""Reads for supervision: the current alerts of a day (domain.md §4) and retirement forecasts
(domain.md §6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from bianzhi.accounts.permissions import Action, restrict, scope
from bianzhi.core.dates import add_months, format_month
from bianzhi.registry import selectors as registry
from bianzhi.supervision.history import covered
from bianzhi.supervision.models import Alert, AlertTrack, MonitoringRun
from bianzhi.supervision.services import alerts_evaluate, fingerprint, sort_alerts


@dataclass(frozen=True)
class CurrentAlert:
    """One current alert: its keys (interchange.md §2, with ``rule``, ``severity`` and ``message``)
    and, when it was stored, the stored row's id and the run that found it."""

    alert: dict[str, Any]
    id: int | None = None
    run: int | None = None


@dataclass(frozen=True)
class CurrentAlerts:
    """The current alerts of day D and where they come from: the latest full run as of D
    (``full_run``) with the partial runs laid over it (``partial_runs``, oldest first); or, without
    a full run as of D, evaluated on the spot (``evaluated``)."""

    day: dt.date
    full_run: MonitoringRun | None
    partial_runs: tuple[MonitoringRun, ...]
    entries: tuple[CurrentAlert, ...]

    @property
    def evaluated(self) -> bool:
        return self.full_run is None

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return [entry.alert for entry in self.entries]


def latest_full_run(day: dt.date) -> MonitoringRun | None:
    """The latest finished full run as of D (``None`` without one)."""
    return (
        MonitoringRun.objects.filter(as_of=day, full=True, finished_at__isnull=False)
        .order_by("-started_at", "-pk")
        .first()
    )


def partial_runs_after(run: MonitoringRun) -> list[MonitoringRun]:
    """The finished partial runs as of the same day started after ``run``, oldest first."""
    return list(
        MonitoringRun.objects.filter(as_of=run.as_of, full=False, finished_at__isnull=False)
        .filter(started_at__gte=run.started_at)
        .exclude(started_at=run.started_at, pk__lt=run.pk)
        .exclude(pk=run.pk)
        .order_by("started_at", "pk")
    )


def _stored(run: MonitoringRun) -> list[CurrentAlert]:
    rows = Alert.objects.filter(run=run).order_by("pk").values_list("pk", "rule", "severity", "message", "data")
    return [
        CurrentAlert({**data, "rule": rule, "severity": severity, "message": message}, pk, run.pk)
        for pk, rule, severity, message, data in rows
    ]


def _covered(alert: dict[str, Any], run: MonitoringRun, units: set[str]) -> bool:
    """Whether the partial ``run`` computed ``alert``'s subject afresh (its unit, or for an alert
    about a division, its region — per the rule's own reach)."""
    return covered(alert, run, units)


def current_alerts(*, day: dt.date) -> CurrentAlerts:
    """The current alerts of D (domain.md §4): those of the latest full run as of D, with every
    partial run as of D started after it laid over it — each replacing the alerts of the units it
    covered and, for ``over_limit``, of their parents and divisions. Without a full run as of D,
    they are evaluated on the spot. Unscoped: callers narrow them to what the user may see."""
    full = latest_full_run(day)
    if full is None:
        return CurrentAlerts(day, None, (), tuple(CurrentAlert(a) for a in alerts_evaluate(as_of=day)))
    entries = _stored(full)
    partials = partial_runs_after(full)
    for partial in partials:
        units = set(partial.units)
        fresh = _stored(partial)
        prints = {fingerprint(entry.alert) for entry in fresh}
        entries = [
            entry
            for entry in entries
            if not _covered(entry.alert, partial, units) and fingerprint(entry.alert) not in prints
        ]
        entries += fresh
    by_identity = {id(entry.alert): entry for entry in entries}
    ordered = sort_alerts(entry.alert for entry in entries)
    return CurrentAlerts(day, full, tuple(partials), tuple(by_identity[id(alert)] for alert in ordered))


def retirements_forecast(*, start: dt.date, months: int, today: dt.date) -> list[dict[str, str]]:
    """People on staff today in units active today whose retirement month falls in
    [start, start + months − 1], sorted by month, unit, person (interchange.md §2). The month is the
    approved flexible one (批准退休年月) where there is one, else the statutory one (domain.md §5)."""
    end = add_months(start, months)
    rows = (
        registry.people_on_staff(today)
        .annotate(month_used=Coalesce("approved_retirement_month", "retirement_month"))
        .filter(month_used__gte=start, month_used__lt=end)
        .values_list("person__id_number", "unit__code", "month_used")
    )
    result = [{"person": p, "unit": u, "month": format_month(m)} for p, u, m in rows]
    result.sort(key=lambda r: (r["month"], r["unit"], r["person"]))
    return result


def alert_history(
    *, user: Any, unit_codes: set[str] | None = None, rule: str = "", open: bool | None = None
) -> QuerySet[AlertTrack]:
    """The alert history (``AlertTrack``, domain.md §4) the user may see: alerts of the units it may
    view (alerts about a division only for whoever sees the whole district), narrowed to
    ``unit_codes`` (then a division's alerts are left out), one rule and open or cleared ones;
    newest first. Masking is the caller's (the rows carry the whole numbers)."""
    qs = restrict(AlertTrack.objects.all(), user, Action.VIEW)
    if not scope(user, Action.VIEW).everything:
        qs = qs.exclude(unit_code="")
    if unit_codes is not None:
        qs = qs.filter(unit_code__in=sorted(unit_codes))
    if rule:
        qs = qs.filter(rule=rule)
    if open is not None:
        qs = qs.filter(cleared_run__isnull=open)
    return qs.order_by("-first_seen_on", "-pk")
