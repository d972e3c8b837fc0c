"""监测运行 pages (domain.md §4, issue 15): the stored runs with a button that starts a full run in
the background (officers and administrators), the alert history (when each alert first appeared and
when it cleared) district-wide and per unit — the unit page loads its part with htmx — and the
alerts page's extra columns: first seen, cleared, and a link to the rows that cause each alert.

ID numbers and texts are masked per role as on the alerts page (``shown_alert_text``); for a role
that sees a person's number masked, an alert timed by a retirement month shows no dates (they would
give the month away, domain.md §11).
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from bianzhi.accounts.permissions import Action, can, mask_id_number, sees_full_id
from bianzhi.accounts.privacy import person_ref, sees_every_number
from bianzhi.core.dates import today
from bianzhi.registry.models import Person, Unit
from bianzhi.supervision.history import tracks_for
from bianzhi.supervision.models import AlertTrack, MonitoringRun
from bianzhi.supervision.selectors import alert_history, current_alerts
from bianzhi.supervision.services import fingerprint
from bianzhi.web import people, selectors
from bianzhi.web.listings import AlertTable, unit_url
from bianzhi.web.tables import Column, FilterSet, Row, Table
from bianzhi.web.views import Page

app_name = "monitoring"

#: alert keys holding a month derived from a birth date (domain.md §11)
_BIRTH_KEYS = ("retirement_month",)


def _birth_timed(alert: dict[str, Any], whole: bool) -> bool:
    return not whole and bool(alert.get("person")) and any(alert.get(k) for k in _BIRTH_KEYS)


def alert_rows_url(alert: dict[str, Any], day: dt.date, person_url: str = "") -> str:
    """The page listing the rows that cause ``alert`` (S3.2.3 tracing): the person for an alert about
    a person; the unit's people of the staffing type (or leader position) for a count; the unit's
    loans for an overdue loan; the division's units for a limit, a unit's internal divisions for
    its own limit. "" when there is nothing to open (a person the viewer may not open)."""
    rule, code = alert["rule"], alert.get("unit") or ""
    as_of = {"as_of": day.isoformat()}
    if alert.get("person"):
        return person_url
    people_list = reverse("web:person_list")
    if rule in ("over_staffing", "vacancy_idle", "orphaned_staffing") and code:
        return f"{people_list}?{urlencode({**as_of, 'unit': code, 'staffing_type': alert.get('staffing_type', '')})}"
    if rule == "over_positions" and code:
        query = {**as_of, "unit": code, "position_category": alert.get("position_category", "")}
        return f"{people_list}?{urlencode(query)}"
    if rule == "overdue_turnover" and code:
        return unit_url(code, day) + "#table-loans"
    if rule == "over_limit":
        units = reverse("web:unit_list")
        if code:
            return f"{units}?{urlencode({**as_of, 'under': code, 'kind': '内设机构'})}"
        return f"{units}?{urlencode({**as_of, 'region': alert.get('region', '')})}"
    return unit_url(code, day) if code else ""


# ---------------------------------------------------------------- the alerts page's table


class TracedAlertTable(AlertTable):
    """The alerts page's table with each alert's first-seen and cleared days (its history as of
    the day viewed) and a link to the rows behind it."""

    columns = [  # the message stays last, as in the alerts table
        *AlertTable.columns[:-1],
        Column("first_seen", gettext_lazy("First seen"), order="first_seen", kind="date"),
        Column("cleared", gettext_lazy("Cleared"), order="cleared", kind="date"),
        Column("rows_label", gettext_lazy("Rows behind it"), link="rows_url"),
        AlertTable.columns[-1],
    ]

    @cached_property
    def _raw(self) -> dict[tuple[str, str, str, str, str], dict[str, Any]]:
        """The day's alerts as stored, keyed as the rows show them (rule, unit, region, person ref,
        message as the user sees it), so each row finds its whole alert and fingerprint."""
        raw = current_alerts(day=self.day).alerts
        units = dict(
            Unit.objects.filter(code__in={a.get("unit") for a in raw if a.get("unit")}).values_list("code", "pk")
        )
        refs = dict(
            Person.objects.filter(id_number__in={a.get("person") for a in raw if a.get("person")}).values_list(
                "id_number", "pk"
            )
        )
        every = sees_every_number(self.user)
        keyed = {}
        for alert in raw:
            code = alert.get("unit") or ""
            whole = sees_full_id(self.user, units.get(code)) if code else every
            message = selectors.shown_alert_text(alert, day=self.day, whole=whole)
            if message is None:
                continue
            pk = refs.get(alert.get("person") or "")
            ref = person_ref(pk) if pk is not None else ""
            keyed[(alert["rule"], code, alert.get("region") or "", ref, message)] = {**alert, "_whole": whole}
        return keyed

    def source(self) -> list[Row]:
        rows = super().source()
        found = []
        for row in rows:
            key = (row["rule"], row["unit"], row["region"], row.get("person_ref", ""), row["message"])
            # the table fills a unit's alert's region from the unit: the stored alert has none
            found.append(self._raw.get(key) or self._raw.get((*key[:2], "", *key[3:])))
        tracks = tracks_for((fingerprint(a) for a in found if a is not None), self.day)
        for row, alert in zip(rows, found, strict=True):
            track = tracks.get(fingerprint(alert)) if alert is not None else None
            timed = alert is not None and not _birth_timed(alert, alert["_whole"])
            row["first_seen"] = track.first_seen_on if track is not None and timed else None
            row["cleared"] = track.cleared_on if track is not None and timed else None
            row["rows_url"] = alert_rows_url(alert, self.day, row.get("person_url", "")) if alert is not None else ""
            row["rows_label"] = _("Open") if row["rows_url"] else ""
        return rows


# ---------------------------------------------------------------- the history


class HistoryFilter(FilterSet):
    rule = django_filters.ChoiceFilter(label=gettext_lazy("Rule"), choices=[], empty_label=gettext_lazy("All rules"))
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("State"),
        choices=[("open", gettext_lazy("Still present")), ("cleared", gettext_lazy("Cleared"))],
        empty_label=gettext_lazy("All states"),
    )
    unit = django_filters.CharFilter(label=gettext_lazy("Unit (code or name)"))

    class Meta:
        model = AlertTrack
        fields: list[str] = []


def history_rows(*, user: Any, tracks: list[AlertTrack], day: dt.date) -> list[Row]:
    """Tracks as rows the user may see: numbers and texts masked per role, no dates of an alert
    timed by a retirement month for a masked reader, and alerts of such a month within the year
    of ``day`` left out (as the alerts page does)."""
    codes = {t.unit_code for t in tracks if t.unit_code}
    units = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
    names = selectors.unit_names_as_of(set(units.values()), day)
    rules = selectors.rule_names()
    every = sees_every_number(user)
    refs = dict(
        Person.objects.filter(id_number__in={t.person for t in tracks if t.person}).values_list("id_number", "pk")
    )
    openable = people.openable_refs(user=user, refs={person_ref(pk) for pk in refs.values()})
    rows = []
    for track in tracks:
        alert = {**track.data, "rule": track.rule, "severity": track.severity, "message": track.message}
        whole = sees_full_id(user, units.get(track.unit_code)) if track.unit_code else every
        message = selectors.shown_alert_text(alert, day=day, whole=whole)
        if message is None:
            continue
        timed = not _birth_timed(alert, whole)
        pk = refs.get(track.person)
        ref = person_ref(pk) if pk is not None else ""
        person_link = people.person_url(ref, day) if ref in openable else ""
        rows.append(
            {
                "severity": track.severity,
                "rule": track.rule,
                "rule_name": rules.get(track.rule, track.rule),
                "unit": track.unit_code,
                "unit_name": names.get(units.get(track.unit_code, 0), ""),
                "unit_url": unit_url(track.unit_code, day) if track.unit_code else "",
                "region": track.region,
                "person": (track.person if whole else mask_id_number(track.person)) if track.person else "",
                "person_url": person_link,
                "message": message,
                "first_seen": track.first_seen_on if timed else None,
                "last_seen": track.last_seen_on if timed else None,
                "cleared": track.cleared_on if timed else None,
                "state": _("Still present") if track.open else _("Cleared"),
                "rows_url": alert_rows_url(alert, day, person_link) if track.open else "",
                "rows_label": _("Open") if track.open else "",
            }
        )
    return rows


class HistoryTable(Table):
    """Alerts with when they first appeared and when they cleared, newest first."""

    name = "history"
    title = gettext_lazy("Alert history")
    filterset_class = HistoryFilter
    default_sort = "-first_seen"
    columns = [
        Column("severity", gettext_lazy("Severity"), order="severity", kind="severity"),
        Column("rule_name", gettext_lazy("Rule"), order="rule"),
        Column("unit_name", gettext_lazy("Unit"), order="unit", link="unit_url"),
        Column("unit", gettext_lazy("Code"), order="unit"),
        Column("person", gettext_lazy("ID number"), link="person_url"),
        Column("message", gettext_lazy("Message")),
        Column("first_seen", gettext_lazy("First seen"), order="first_seen", kind="date"),
        Column("last_seen", gettext_lazy("Last seen"), order="last_seen", kind="date"),
        Column("cleared", gettext_lazy("Cleared"), order="cleared", kind="date"),
        Column("state", gettext_lazy("State"), order="state"),
        Column("rows_label", gettext_lazy("Rows behind it"), link="rows_url"),
    ]

    def source(self) -> list[Row]:
        codes = self.context.get("codes")
        tracks = list(alert_history(user=self.user, unit_codes=codes)[:5000])
        return history_rows(user=self.user, tracks=tracks, day=today())

    def prepare_filterset(self, filterset: FilterSet) -> None:
        filterset.form.fields["rule"].choices = [  # type: ignore[attr-defined]
            ("", _("All rules")),
            *sorted(selectors.rule_names().items()),
        ]
        if self.context.get("codes") is not None:
            del filterset.form.fields["unit"]

    def filter_rows(self, rows: list[Row], values: dict[str, Any]) -> list[Row]:
        if values.get("rule"):
            rows = [r for r in rows if r["rule"] == values["rule"]]
        if values.get("state"):
            wanted = values["state"] == "open"
            rows = [r for r in rows if (r["state"] == _("Still present")) == wanted]
        unit = (values.get("unit") or "").strip()
        if unit:
            rows = [r for r in rows if r["unit"] == unit or (unit in r["unit_name"])]
        return rows


class RunTable(Table):
    """The stored monitoring runs, latest first."""

    name = "runs"
    title = gettext_lazy("Monitoring runs")
    per_page = 25
    columns = [
        Column("id", gettext_lazy("Run"), kind="number"),
        Column("as_of", gettext_lazy("Monitoring day"), kind="date"),
        Column("started_at", gettext_lazy("Started")),
        Column("finished_at", gettext_lazy("Finished")),
        Column("scope", gettext_lazy("Scope")),
        Column("alert_count", gettext_lazy("Alerts"), kind="number"),
        Column("history", gettext_lazy("In the history")),
        Column("alerts_label", gettext_lazy("Its alerts"), link="alerts_url"),
    ]

    def source(self) -> list[Row]:
        district = can(self.user, Action.VIEW)  # a unit HR officer sees its own units' runs only as numbers
        rows = []
        for run in MonitoringRun.objects.order_by("-started_at", "-id")[:500]:
            if not district and not run.full:
                continue
            rows.append(
                {
                    "id": run.pk,
                    "as_of": run.as_of,
                    "started_at": _local(run.started_at),
                    "finished_at": _local(run.finished_at) if run.finished_at else _("Running"),
                    "scope": _("Whole district") if run.full else "、".join(run.units[:10]) if district else "",
                    "alert_count": run.alert_count if district else "",
                    "history": _("Yes") if run.tracked else _("No (an earlier day)"),
                    "alerts_url": reverse("web:alert_list") + f"?as_of={run.as_of.isoformat()}",
                    "alerts_label": _("Open"),
                }
            )
        return rows


def _local(moment: dt.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


class RunListView(Page):
    """监测运行: the stored runs, the background runs waiting or running, and the start button."""

    template_name = "web/monitoring/runs.html"
    title = gettext_lazy("Monitoring runs")
    nav = "alerts"

    def context(self) -> dict[str, Any]:
        return {"can_monitor": can(self.request.user, Action.MONITOR), "pending": _pending_runs(), "tab": "runs"}

    def tables(self) -> list[Table]:
        return [RunTable(request=self.request, day=self.day, prefix="")]


def _pending_runs() -> list[dict[str, Any]]:
    """Background monitoring runs not finished yet (the database task backend's rows)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the backend is a dependency
        return []
    rows = DBTaskResult.objects.filter(
        task_path="bianzhi.supervision.tasks.run_monitoring", status__in=["READY", "RUNNING"]
    ).order_by("enqueued_at")[:20]
    return [{"id": str(r.id), "status": r.status, "as_of": (r.args_kwargs or {}).get("args", [""])[0]} for r in rows]


class RunStartView(View):
    """Start a full run as of the day given (default today) in the background: POST only, for
    whoever may store monitoring runs (staffing officers, administrators)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            raise PermissionDenied
        if not can(request.user, Action.MONITOR):
            raise PermissionDenied(_("Only staffing officers and administrators start monitoring runs."))
        from bianzhi.web.views import parse_day

        day, invalid = parse_day(request.POST.get("as_of"))
        if invalid:
            messages.error(request, "监测日期无效，应为 YYYY-MM-DD 格式的日期")
            return HttpResponseRedirect(reverse("web:monitoring:run_list"))
        from bianzhi.supervision.tasks import run_monitoring

        result = run_monitoring.enqueue(day.isoformat())
        if result.status.name == "SUCCESSFUL":
            messages.success(request, f"{day} 的全区监测已完成（运行 #{result.return_value}）")
        else:
            messages.success(request, f"{day} 的全区监测已在后台开始，完成后列在下面（任务 {result.id}）")
        return HttpResponseRedirect(reverse("web:monitoring:run_list"))


class HistoryView(Page):
    """预警历史: every alert with the day it first appeared and the day it cleared."""

    template_name = "web/monitoring/history.html"
    title = gettext_lazy("Alert history")
    nav = "alerts"

    def tables(self) -> list[Table]:
        return [HistoryTable(request=self.request, day=self.day, prefix="")]


class UnitHistoryView(Page):
    """The unit page's alert history (loaded into it with htmx): the unit's own latest alerts, with
    a link to the whole history of the unit."""

    template_name = "web/monitoring/_unit_history.html"
    LIMIT = 20

    def context(self) -> dict[str, Any]:
        unit = selectors.unit_get(user=self.request.user, code=self.kwargs["code"])
        if unit is None:
            raise Http404(_("No such unit, or you may not see it."))
        tracks = list(alert_history(user=self.request.user, unit_codes={unit.code})[: self.LIMIT + 1])
        rows = history_rows(user=self.request.user, tracks=tracks[: self.LIMIT], day=today())
        more = reverse("web:monitoring:history") + "?" + urlencode({"unit": unit.code})
        return {"unit": unit, "rows": rows, "more": len(tracks) > self.LIMIT, "history_url": more}


urlpatterns = [
    path("", RunListView.as_view(), name="run_list"),
    path("start/", RunStartView.as_view(), name="run_start"),
    path("history/", HistoryView.as_view(), name="history"),
    path("units/<str:code>/history/", UnitHistoryView.as_view(), name="unit_history"),
]
