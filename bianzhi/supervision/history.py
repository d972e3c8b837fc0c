"""Alert history (domain.md §4): when each alert first appeared and when it cleared, kept per
fingerprint in ``AlertTrack`` rows as each monitoring run is stored.

A run moves the history when its as-of day is no earlier than that of the latest run that moved it
(a run as of a past day tells about the past). Then every alert it found either extends the open
track of its fingerprint (``last_seen``) or opens a new one (``first_seen`` = this run); and every
open track the run *covered* without finding it is closed (``cleared`` = this run): a full run
covers everything, a partial run the units it evaluated and, for rules reaching further
(``over_limit``), that rule's own units and divisions — as ``current_alerts`` lays partial runs over
a full one, so the history and the current alerts never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import Max, Q

from bianzhi.supervision.models import AlertTrack, MonitoringRun

_CHUNK = 2000
#: The PostgreSQL advisory lock that lets one run at a time move the history.
_LOCK_KEY = 73_600_215


def covered(alert: dict[str, Any], run: MonitoringRun, units: set[str] | None = None) -> bool:
    """Whether ``run`` computed ``alert``'s subject afresh: always for a full run; for a partial run,
    its unit among the units it evaluated — or, for a rule with a wider reach, among that rule's
    units, and an alert about a division (no unit) among that rule's regions."""
    if run.full:
        return True
    reach = (run.coverage or {}).get(alert["rule"])
    unit = alert.get("unit") or ""
    if reach is None:
        return unit in (units if units is not None else set(run.units or ()))
    if unit:
        return unit in reach.get("units", ())
    return (alert.get("region") or "") in reach.get("regions", ())


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _serialise() -> None:
    """One run at a time moves the history (SQLite's writers are serialised already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def alert_history_update(*, run: MonitoringRun, alerts: Iterable[tuple[str, dict[str, Any]]]) -> bool:
    """Move the alert history by ``run`` (called inside the run's transaction by
    ``monitoring_run``), whose alerts are given as (fingerprint, alert) pairs. Returns whether the
    run moved it (``False`` for a run as of a day before the latest tracked run)."""
    _serialise()
    latest = MonitoringRun.objects.filter(tracked=True).exclude(pk=run.pk).aggregate(day=Max("as_of"))["day"]
    if latest is not None and run.as_of < latest:
        return False
    found = dict(alerts)
    candidates = AlertTrack.objects.filter(cleared_run__isnull=True)
    units = set(run.units or ())
    if not run.full:
        reach_units, reach_regions = set(units), set()
        for reach in (run.coverage or {}).values():
            reach_units.update(reach.get("units", ()))
            reach_regions.update(reach.get("regions", ()))
        near = Q(unit_code__in=sorted(reach_units)) | Q(unit_code="", region__in=sorted(reach_regions))
        candidates = candidates.filter(near)
    rows = list(candidates.values_list("pk", "fingerprint", "rule", "unit_code", "region", "severity", "message"))
    if not run.full:  # an open track the partial run found outside its own reach (rare): extend it too
        listed = {row[1] for row in rows}
        missing = [fp for fp in found if fp not in listed]
        for chunk in _chunks(missing):
            rows += AlertTrack.objects.filter(cleared_run__isnull=True, fingerprint__in=chunk).values_list(
                "pk", "fingerprint", "rule", "unit_code", "region", "severity", "message"
            )
    seen: list[int] = []
    cleared: list[int] = []
    changed: list[AlertTrack] = []
    open_prints: set[str] = set()
    for pk, fp, rule, unit, region, severity, message in rows:
        alert = found.get(fp)
        if alert is not None:
            open_prints.add(fp)
            seen.append(pk)
            if alert["message"] != message or alert["severity"] != severity:
                changed.append(AlertTrack(pk=pk, message=alert["message"], severity=alert["severity"], data=alert))
        elif covered({"rule": rule, "unit": unit, "region": region}, run, units):
            cleared.append(pk)
    for chunk in _chunks(seen):
        AlertTrack.objects.filter(pk__in=chunk).update(last_seen_run=run, last_seen_on=run.as_of)
    for chunk in _chunks(cleared):
        AlertTrack.objects.filter(pk__in=chunk).update(cleared_run=run, cleared_on=run.as_of)
    if changed:
        AlertTrack.objects.bulk_update(changed, ["message", "severity", "data"], batch_size=_CHUNK)
    AlertTrack.objects.bulk_create(
        [
            AlertTrack(
                fingerprint=fp,
                rule=alert["rule"],
                severity=alert["severity"],
                unit_code=alert.get("unit", "") or "",
                region=alert.get("region", "") or "",
                person=alert.get("person", "") or "",
                message=alert["message"],
                data=alert,
                first_seen_run=run,
                first_seen_on=run.as_of,
                last_seen_run=run,
                last_seen_on=run.as_of,
            )
            for fp, alert in found.items()
            if fp not in open_prints
        ],
        batch_size=_CHUNK,
    )
    run.tracked = True
    run.save(update_fields=["tracked"])
    return True


def tracks_for(prints: Iterable[str], day: dt.date) -> dict[str, AlertTrack]:
    """fingerprint → the track of that alert as of D: the latest that had appeared by D and had
    not cleared by D (its ``cleared_on`` later than D when D is in the past), for the alert lists."""
    wanted = sorted(set(prints))
    result: dict[str, AlertTrack] = {}
    for chunk in _chunks(wanted):
        qs = (
            AlertTrack.objects.filter(fingerprint__in=chunk, first_seen_on__lte=day)
            .filter(Q(cleared_on__isnull=True) | Q(cleared_on__gt=day))
            .order_by("fingerprint", "first_seen_on", "pk")
        )
        for track in qs:
            result[track.fingerprint] = track  # the latest wins
    return result
