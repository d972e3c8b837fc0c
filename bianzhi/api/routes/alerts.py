"""监测预警与预测: alerts evaluated as of a day or stored by monitoring runs (domain.md §4), and the
retirement forecast (domain.md §6). Alerts of a unit are seen by whoever may see the unit; ID
numbers in alerts and forecasts are masked per role (domain.md §11).

A role that sees a person's number masked learns nothing finer than the year from the birth date
(domain.md §11): a retirement month is shown as its year, in the alert's data and in its message;
any whole number or birth date quoted in a message is masked; and whether an alert derived from the
retirement month exists, or a person is in a forecast window, does not move within a year — such an
alert is shown from 1 January after the retirement year (as the rule would fire evaluated on 1 January
of the day viewed), and a forecast lists a masked person for every window that touches their
retirement year. Run counts leave out what the caller is not shown."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from bianzhi.accounts.permissions import (
    Action,
    Scope,
    mask_id_number,
    mask_ids_in_text,
    restrict,
    scope,
    sees_full_id,
)
from bianzhi.accounts.privacy import shown_text
from bianzhi.api import selectors
from bianzhi.api.common import day_or_today, paginate, replies, require, require_somewhere
from bianzhi.api.errors import ApiError, not_found, unit_not_found
from bianzhi.api.schemas import MAX_ID, BodyIn, Day, Month, Page, PageParams, UnitCode
from bianzhi.core.dates import add_months, today
from bianzhi.registry.choices import Sequence as SequenceChoice
from bianzhi.registry.choices import StaffingType
from bianzhi.registry.models import PersonVersion, Unit, UnitVersion
from bianzhi.supervision.forecasts import loans_due_forecast, vacancy_forecast
from bianzhi.supervision.history import tracks_for
from bianzhi.supervision.models import Alert, AlertTrack, MonitoringRun, Severity
from bianzhi.supervision.rulebook import all_rules, effective_rules
from bianzhi.supervision.selectors import alert_history, current_alerts, retirements_forecast
from bianzhi.supervision.services import alerts_evaluate, fingerprint, monitoring_run

router = Router(tags=["监测预警"])

_BASE_KEYS = ("rule", "severity", "message", "unit", "region", "person")
#: Keys of an alert's data that hold a month derived from the person's birth date.
_BIRTH_MONTH_KEYS = ("retirement_month",)


def _birth_derived(alert: dict[str, Any]) -> list[str]:
    """The ``YYYY-MM`` months (and the ``YYYY-MM-DD`` birth date read from the number) an alert about
    a person carries that come from the birth date."""
    values = [str(alert[k]) for k in _BIRTH_MONTH_KEYS if alert.get(k)]
    person = str(alert.get("person") or "")
    if len(person) == 18 and person[6:14].isdigit():
        digits = person[6:14]
        values += [f"{digits[:4]}-{digits[4:6]}-{digits[6:]}", f"{digits[:4]}-{digits[4:6]}"]
    return values


def _to_years(text: str, values: list[str]) -> str:
    """``text`` with every one of ``values`` (months or dates) cut to its year."""
    for value in sorted(values, key=len, reverse=True):
        if len(value) >= 7 and value[:4].isdigit():
            text = re.sub(re.escape(value) + r"(?![0-9])(?!-[0-9])", value[:4], text)
    return text


class RuleOut(Schema):
    id: str = Field(..., description="规则编号，如 over_staffing")
    name: str = Field(..., description="规则名称")
    description: str
    severity: str = Field(..., description="当前严重程度：高、中、低")
    enabled: bool = Field(..., description="是否启用")
    params: dict[str, Any] = Field(default_factory=dict, description="当前参数")
    param_schema: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="各参数的说明：type（float、int、bool）、default、label、help、minimum、maximum、nullable",
    )
    warnings: list[str] = Field(default_factory=list, description="保存的设置中未能使用、已按默认值处理的部分")


class AlertOut(Schema):
    rule: str = Field(..., description="规则编号")
    rule_name: str = Field(..., description="规则名称")
    severity: str = Field(..., description="严重程度：高、中、低")
    message: str = Field(
        ..., description="中文说明（身份证号按角色脱敏；号码脱敏时其中由出生日期推算的退休月份只给年份）"
    )
    unit: str | None = Field(None, description="机构代码")
    region: str | None = Field(None, description="区划代码")
    person: str | None = Field(None, description="身份证号（按角色脱敏）")
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="规则的其余键（见 interchange.md §2）；身份证号脱敏时 retirement_month 只给年份 YYYY",
    )


class StoredAlertOut(AlertOut):
    id: int | None = Field(None, description="预警编号（即时计算的为空）")
    run: int | None = Field(None, description="发现该预警的监测运行编号（即时计算的为空）")
    as_of: dt.date = Field(..., description="监测日期")
    first_seen: dt.date | None = Field(
        None,
        description="首次发现日期：连续发现该预警的各次运行中第一次的监测日期（尚无记录的为空；"
        "身份证号脱敏时，由退休月份触发的预警为空）",
    )
    cleared: dt.date | None = Field(
        None, description="消除日期：查看以往日期时，其后第一次覆盖该预警而未再发现它的运行的监测日期；仍存在的为空"
    )


class AlertPage(Page[AlertOut]):
    as_of: dt.date


class StoredAlertPage(Page[StoredAlertOut]):
    run: int | None = Field(
        None, description="当前预警所依据的全区监测运行；指定 run 时为该运行；即时计算或尚无运行时为空"
    )
    partial_runs: list[int] = Field(
        default_factory=list, description="叠加在该全区运行之上的部分（按机构）监测运行，按开始时间先后"
    )
    evaluated: bool = Field(False, description="该日没有全区监测运行，预警为即时计算")
    as_of: dt.date | None = None


class RunOut(Schema):
    id: int
    as_of: dt.date = Field(..., description="监测日期")
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    alert_count: int = Field(
        ...,
        description="本次运行发现的预警数（部分运行只含所覆盖机构的）；只计调用者能看到的预警"
        "（单位人事干部只计本单位及下属机构的；身份证号脱敏的角色不计当年内按退休月份触发的预警）",
    )
    full: bool = Field(..., description="是否为全区运行")
    units: list[str] = Field(default_factory=list, description="部分运行所评估机构的代码（全区运行为空）")
    coverage: dict[str, Any] = Field(
        default_factory=dict,
        description="覆盖范围更广的规则：规则编号 → {units: 机构代码, regions: 区划代码}（如 over_limit 含上级机构和区划）",
    )
    warnings: list[str] = Field(default_factory=list, description="未能使用的规则设置等警告")


class AlertFilters(Schema):
    rule: str | None = Field(None, max_length=64, pattern=r"^[a-z0-9_]+$", description="规则编号")
    severity: Severity | None = Field(None, description="严重程度")
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")


class EvaluateFilters(AlertFilters):
    as_of: Day | None = Field(None, description="截至日期（默认今天）")


class StoredFilters(AlertFilters):
    as_of: Day | None = Field(None, description="日期（默认最近一次监测运行的监测日期，尚无运行时为今天）")
    run: int | None = Field(None, ge=1, le=MAX_ID, description="只看该次监测运行自己保存的预警")
    sequence: SequenceChoice | None = Field(
        None, description="序列：只列截至日期（指定 run 时为该运行的监测日期）所在机构属于该序列的预警"
    )


def sequence_codes(sequence: str | None, day: dt.date) -> set[str] | None:
    """Codes of the units of ``sequence`` as of D (active or not, as the alerts page reads them)."""
    if not sequence:
        return None
    rows = UnitVersion.objects.filter(UnitVersion.as_of(day), sequence=sequence).values_list("unit__code", flat=True)
    return set(rows)


def _narrowed(codes: set[str] | None, sequence: set[str] | None) -> set[str] | None:
    if sequence is None:
        return codes
    return sequence if codes is None else codes & sequence


def _rule_names() -> dict[str, str]:
    return {rule.id: rule.name for rule in all_rules()}


def _check_rule(rule: str | None) -> None:
    if rule and rule not in _rule_names():
        raise ApiError(422, f"没有编号为“{rule}”的监测规则", errors=[{"location": "query.rule", "message": "未知规则"}])


class _Viewer:
    """Decides, per alert, whether the user sees it and what of it is masked (domain.md §11)."""

    def __init__(self, user: Any, codes: set[str]) -> None:
        self.user = user
        self.scope: Scope = scope(user, Action.VIEW)
        self.ids = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))

    def _unit_id(self, alert: dict[str, Any]) -> int | None:
        return self.ids.get(alert.get("unit") or "")

    def whole(self, alert: dict[str, Any]) -> bool:
        """Whether the user sees the numbers of the alert's unit whole (district-wide data: only
        those who see every number)."""
        return sees_full_id(self.user, self._unit_id(alert))

    def sees(self, alert: dict[str, Any], day: dt.date) -> bool:
        unit = alert.get("unit")
        if not unit:
            return self.scope.everything
        return self.scope.covers(self.ids.get(unit)) and not self.hides(alert, day)

    def hides(self, alert: dict[str, Any], day: dt.date) -> bool:
        """An alert that fires from the month after a person's retirement month is shown to a role
        that sees the number masked only from 1 January after the retirement year: otherwise its
        first day, swept with ``as_of``, would give the month away."""
        if not alert.get("person") or self.whole(alert):
            return False
        return any(str(alert.get(k) or "")[:4] >= f"{day.year:04d}" for k in _BIRTH_MONTH_KEYS if alert.get(k))

    def show(self, alert: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
        person = alert.get("person") or None
        whole = self.whole(alert)
        masked = bool(person) and not whole
        message = alert.get("message", "")
        data = {k: v for k, v in alert.items() if k not in _BASE_KEYS}
        if masked and person:
            derived = _birth_derived(alert)
            message = _to_years(mask_ids_in_text(message, [person]), derived)
            data = {
                k: (str(v)[:4] if k in _BIRTH_MONTH_KEYS and v else _masked_value(v, derived)) for k, v in data.items()
            }
            person = mask_id_number(person)
        message = shown_text(message, whole=whole)
        if not whole:
            data = {k: _masked_value(v, []) for k, v in data.items()}
        return {
            "rule": alert["rule"],
            "rule_name": names.get(alert["rule"], ""),
            "severity": alert["severity"],
            "message": message,
            "unit": alert.get("unit") or None,
            "region": alert.get("region") or None,
            "person": person,
            "data": data,
        }


def _masked_value(value: Any, derived: list[str]) -> Any:
    if isinstance(value, str):
        return _to_years(shown_text(value, whole=False), derived)
    if isinstance(value, list):
        return [_masked_value(v, derived) for v in value]
    if isinstance(value, dict):
        return {k: _masked_value(v, derived) for k, v in value.items()}
    return value


def _birth_timed(viewer: _Viewer, alert: dict[str, Any]) -> bool:
    """Whether the dates of ``alert``'s history would give away a birth-derived month to the viewer
    (an alert that fires from a retirement month, about a person seen masked: domain.md §11)."""
    return bool(alert.get("person")) and any(alert.get(k) for k in _BIRTH_MONTH_KEYS) and not viewer.whole(alert)


def _track_dates(viewer: _Viewer, alert: dict[str, Any], track: AlertTrack | None) -> dict[str, Any]:
    if track is None or _birth_timed(viewer, alert):
        return {"first_seen": None, "cleared": None}
    return {"first_seen": track.first_seen_on, "cleared": track.cleared_on}


def _unit_codes(request: HttpRequest, filters: AlertFilters, day: dt.date) -> set[str] | None:
    try:
        ids = selectors.units_filter(user=request.user, code=filters.unit, subtree=filters.subtree, day=day)
    except LookupError:
        raise unit_not_found(filters.unit) from None
    if ids is None:
        return None
    return set(Unit.objects.filter(pk__in=ids).values_list("code", flat=True))


def _matches(alert: dict[str, Any], filters: AlertFilters, codes: set[str] | None) -> bool:
    if filters.rule and alert["rule"] != filters.rule:
        return False
    if filters.severity and alert["severity"] != filters.severity:
        return False
    return codes is None or alert.get("unit") in codes


@router.get("/alerts/rules", response=replies({200: list[RuleOut]}), summary="监测规则列表")
def rule_list(request: HttpRequest) -> list[dict[str, Any]]:
    """已登记的监测规则及其当前设置（启用、严重程度、参数）。"""
    require_somewhere(request, Action.VIEW)
    return [
        {
            "id": r.rule.id,
            "name": r.rule.name,
            "description": r.rule.description,
            "severity": r.severity,
            "enabled": r.enabled,
            "params": r.params,
            "param_schema": {
                name: {
                    "type": param.type.__name__,
                    "default": param.default,
                    "label": param.label,
                    "help": param.help,
                    "minimum": param.minimum,
                    "maximum": param.maximum,
                    "nullable": param.nullable,
                }
                for name, param in r.rule.param_schema.items()
            },
            "warnings": list(r.warnings),
        }
        for r in effective_rules()
    ]


@router.get("/alerts/evaluate", response=replies({200: AlertPage}, 404), summary="按日期即时计算预警")
def alerts_evaluate_view(
    request: HttpRequest, filters: Query[EvaluateFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """对截至某日的登记数据即时运行全部启用的监测规则（不保存），可按规则、严重程度和机构筛选。
    单位人事干部只看到本单位及下属机构的预警。"""
    require_somewhere(request, Action.VIEW)
    _check_rule(filters.rule)
    day = day_or_today(filters.as_of)
    codes = _unit_codes(request, filters, day)
    alerts = [a for a in alerts_evaluate(as_of=day) if _matches(a, filters, codes)]
    viewer = _Viewer(request.user, {a["unit"] for a in alerts if a.get("unit")})
    visible = [a for a in alerts if viewer.sees(a, day)]
    names = _rule_names()
    return {**paginate(visible, page, lambda a: viewer.show(a, names)), "as_of": day}


@router.get("/alerts", response=replies({200: StoredAlertPage}, 404), summary="当前监测预警")
def stored_alerts(request: HttpRequest, filters: Query[StoredFilters], page: Query[PageParams]) -> dict[str, Any]:
    """某日的当前预警（domain.md §4）：该日最近一次全区监测运行的预警，叠加其后该日各次部分（按机构）
    运行的结果；该日没有全区运行时即时计算（evaluated 为 true）。与预警页面、机构颜色所示一致。
    日期默认为最近一次监测运行的监测日期。指定 run 时只列该次运行自己保存的预警。
    可按规则、严重程度和机构筛选；单位人事干部只看到本单位及下属机构的预警。"""
    require_somewhere(request, Action.VIEW)
    _check_rule(filters.rule)
    if filters.run:
        run = MonitoringRun.objects.filter(pk=filters.run).first()
        if run is None:
            raise not_found(f"监测运行 {filters.run}")
        return _run_alerts(request, filters, page, run)
    day = filters.as_of
    if day is None:
        latest = MonitoringRun.objects.filter(finished_at__isnull=False).order_by("-started_at", "-id").first()
        day = latest.as_of if latest is not None else today()
    current = current_alerts(day=day)
    codes = _narrowed(_unit_codes(request, filters, day), sequence_codes(filters.sequence, day))
    entries = [e for e in current.entries if _matches(e.alert, filters, codes)]
    viewer = _Viewer(request.user, {e.alert["unit"] for e in entries if e.alert.get("unit")})
    visible = [e for e in entries if viewer.sees(e.alert, day)]
    names = _rule_names()
    shown = visible[page.offset : page.offset + page.limit]
    tracks = tracks_for((fingerprint(e.alert) for e in shown), day)

    def out(entry: Any) -> dict[str, Any]:
        return {
            **viewer.show(entry.alert, names),
            "id": entry.id,
            "run": entry.run,
            "as_of": day,
            **_track_dates(viewer, entry.alert, tracks.get(fingerprint(entry.alert))),
        }

    listed = {"total": len(visible), "limit": page.limit, "offset": page.offset, "items": [out(e) for e in shown]}
    return {
        **listed,
        "run": current.full_run.pk if current.full_run else None,
        "partial_runs": [run.pk for run in current.partial_runs],
        "evaluated": current.evaluated,
        "as_of": day,
    }


def _hidden(user: Any, runs: list[MonitoringRun]) -> dict[int, set[int]]:
    """Run → the ids of its stored alerts that :meth:`_Viewer.hides` from ``user``."""
    whole = scope(user, Action.VIEW_FULL_ID)
    if whole.everything or not runs:
        return {}
    years = {run.pk: f"{run.as_of.year:04d}" for run in runs}
    carries = Q()
    for key in _BIRTH_MONTH_KEYS:
        carries |= Q(data__has_key=key)
    qs = Alert.objects.filter(carries, run__in=runs).exclude(person="")
    if whole.units:
        qs = qs.exclude(unit_code__in=Unit.objects.filter(pk__in=whole.units).values("code"))
    hidden: dict[int, set[int]] = {}
    for pk, run_id, data in restrict(qs, user, Action.VIEW).values_list("pk", "run_id", "data"):
        if any(str(data.get(k) or "")[:4] >= years[run_id] for k in _BIRTH_MONTH_KEYS if data.get(k)):
            hidden.setdefault(run_id, set()).add(pk)
    return hidden


def _run_alerts(request: HttpRequest, filters: StoredFilters, page: PageParams, run: MonitoringRun) -> dict[str, Any]:
    """The alerts one run stored itself (for a partial run, only those of the units it covered)."""
    qs = Alert.objects.filter(run=run).order_by("id")
    if filters.rule:
        qs = qs.filter(rule=filters.rule)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    codes = _narrowed(_unit_codes(request, filters, run.as_of), sequence_codes(filters.sequence, run.as_of))
    if codes is not None:
        qs = qs.filter(unit_code__in=codes)
    qs = restrict(qs, request.user, Action.VIEW)
    hidden = _hidden(request.user, [run]).get(run.pk)
    if hidden:
        qs = qs.exclude(pk__in=hidden)
    total = qs.count()
    rows = list(qs[page.offset : page.offset + page.limit])
    viewer = _Viewer(request.user, {a.unit_code for a in rows if a.unit_code})
    names = _rule_names()
    tracks = tracks_for((a.fingerprint for a in rows), run.as_of)
    items = [
        {
            **viewer.show({**a.data, "rule": a.rule, "severity": a.severity, "message": a.message}, names),
            "id": a.pk,
            "run": run.pk,
            "as_of": run.as_of,
            **_track_dates(viewer, {**a.data, "rule": a.rule}, tracks.get(a.fingerprint)),
        }
        for a in rows
    ]
    return {
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
        "items": items,
        "run": run.pk,
        "partial_runs": [],
        "evaluated": False,
        "as_of": run.as_of,
    }


@router.get("/alerts/runs", response=replies({200: Page[RunOut]}), summary="监测运行列表")
def run_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """已保存的监测运行，最近的在前；每次运行说明其范围：全区运行（full 为 true），或部分运行所评估的机构
    （units）及覆盖范围更广的规则（coverage，如超限额含上级机构和区划）。"""
    require_somewhere(request, Action.VIEW)
    qs = MonitoringRun.objects.order_by("-started_at", "-id")
    if scope(request.user, Action.VIEW_FULL_ID).everything:
        return paginate(qs, page, _run_out)
    runs = list(qs[page.offset : page.offset + page.limit])
    listed = {"total": qs.count(), "limit": page.limit, "offset": page.offset}
    # Alerts the caller is not shown (domain.md §11) do not count either.
    hidden = {run_id: len(ids) for run_id, ids in _hidden(request.user, runs).items()}
    if scope(request.user, Action.VIEW).everything:
        items = [_run_out(run, count=run.alert_count - hidden.get(run.pk, 0)) for run in runs]
        return {**listed, "items": items}
    # A unit HR officer: the counts of its own units' alerts, every run's in one grouped query.
    visible = set(restrict(Unit.objects.all(), request.user, Action.VIEW).values_list("code", flat=True))
    counts = dict(
        restrict(Alert.objects.filter(run__in=runs), request.user, Action.VIEW)
        .values("run_id")
        .annotate(n=Count("id"))
        .values_list("run_id", "n")
    )
    items = [_run_out(run, visible=visible, count=counts.get(run.pk, 0) - hidden.get(run.pk, 0)) for run in runs]
    return {**listed, "items": items}


def _run_out(run: MonitoringRun, *, visible: set[str] | None = None, count: int | None = None) -> dict[str, Any]:
    """A run as the caller may see it: for a unit HR officer (``visible``: its units' codes) the
    count of its own units' alerts and only its own units among those a partial run covered —
    never district-wide counts (security review, issue 13)."""
    out: dict[str, Any] = {
        "id": run.pk,
        "as_of": run.as_of,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "alert_count": run.alert_count,
        "full": run.full,
        "units": list(run.units or []),
        "coverage": dict(run.coverage or {}),
        "warnings": list(run.warnings or []),
    }
    if count is not None:
        out["alert_count"] = count
    if visible is not None:
        out["units"] = [code for code in out["units"] if code in visible]
        out["coverage"] = {}
    return out


class RunIn(BodyIn):
    as_of: Day | None = Field(None, description="监测日期（默认今天）")
    background: StrictBool = Field(
        False,
        description="true：作为后台任务运行（由 bianzhi db_worker 执行），立即答复 202；完成后该运行出现在监测运行列表中",
    )


class RunJobOut(Schema):
    task: str = Field(..., description="后台任务编号")
    status: str = Field(..., description="任务状态，如 READY（排队中）、SUCCESSFUL（已完成）")
    as_of: dt.date = Field(..., description="监测日期")
    run: int | None = Field(None, description="已完成时为保存的监测运行编号")


@router.post("/alerts/runs", response=replies({201: RunOut, 202: RunJobOut}, 400), summary="执行并保存一次监测")
def run_create(request: HttpRequest, data: RunIn) -> Any:
    """对截至某日的数据运行全部启用的规则并保存结果，便于追踪每条预警的出现与消除（首次发现、消除日期）。
    background 为 true 时作为后台任务运行，答复 202 和任务编号。"""
    require(request, Action.MONITOR)
    day = day_or_today(data.as_of)
    if data.background:
        from bianzhi.supervision.tasks import run_monitoring

        result = run_monitoring.enqueue(day.isoformat())
        done = result.status.name == "SUCCESSFUL"
        return Status(
            202,
            {
                "task": str(result.id),
                "status": result.status.name,
                "as_of": day,
                "run": result.return_value if done else None,
            },
        )
    run, _ = monitoring_run(as_of=day)
    return Status(201, _run_out(run))


class HistoryOut(Schema):
    id: int = Field(..., description="预警历史编号")
    rule: str = Field(..., description="规则编号")
    rule_name: str = Field(..., description="规则名称")
    severity: str = Field(..., description="严重程度（最近一次发现时）")
    message: str = Field(..., description="最近一次发现时的说明（按角色脱敏）")
    unit: str | None = Field(None, description="机构代码")
    region: str | None = Field(None, description="区划代码")
    person: str | None = Field(None, description="身份证号（按角色脱敏）")
    data: dict[str, Any] = Field(default_factory=dict, description="规则的其余键")
    first_seen: dt.date | None = Field(
        None, description="首次发现日期（身份证号脱敏时，由退休月份触发的预警的各日期与运行编号均为空）"
    )
    first_seen_run: int | None = None
    last_seen: dt.date | None = Field(None, description="最近一次发现的监测日期")
    last_seen_run: int | None = None
    cleared: dt.date | None = Field(None, description="消除日期：第一次覆盖该预警而未再发现它的运行的监测日期")
    cleared_run: int | None = None
    open: bool = Field(..., description="是否仍存在")


class HistoryFilters(Schema):
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    rule: str | None = Field(None, max_length=64, pattern=r"^[a-z0-9_]+$", description="规则编号")
    open: bool | None = Field(None, description="true 只看仍存在的，false 只看已消除的")


@router.get("/alerts/history", response=replies({200: Page[HistoryOut]}, 404), summary="预警历史")
def history_list(request: HttpRequest, filters: Query[HistoryFilters], page: Query[PageParams]) -> dict[str, Any]:
    """各条预警的来龙去脉（domain.md §4）：首次发现、最近发现与消除的日期和监测运行，按首次发现日期由近及远。
    可按机构（含下属机构）、规则和是否仍存在筛选；单位人事干部只看到本单位及下属机构的预警；
    区划的超限额预警只有能看全区的角色可见。身份证号按角色脱敏。"""
    require_somewhere(request, Action.VIEW)
    _check_rule(filters.rule)
    day = today()
    try:
        ids = selectors.units_filter(user=request.user, code=filters.unit, subtree=filters.subtree, day=day)
    except LookupError:
        raise unit_not_found(filters.unit) from None
    codes = None if ids is None else set(Unit.objects.filter(pk__in=ids).values_list("code", flat=True))
    tracks = alert_history(user=request.user, unit_codes=codes, rule=filters.rule or "", open=filters.open)
    names = _rule_names()
    if scope(request.user, Action.VIEW_FULL_ID).everything:  # nothing hidden: a page straight from the database
        chunk = list(tracks[page.offset : page.offset + page.limit])
        viewer = _Viewer(request.user, {t.unit_code for t in chunk if t.unit_code})
        visible: Any = tracks
    else:
        viewer = _Viewer(request.user, set(tracks.exclude(unit_code="").values_list("unit_code", flat=True).distinct()))
        visible = [t for t in tracks if viewer.sees(_track_alert(t), day)]

    def out(track: AlertTrack) -> dict[str, Any]:
        alert = _track_alert(track)
        timed = not _birth_timed(viewer, alert)
        return {
            **viewer.show(alert, names),
            "id": track.pk,
            "first_seen": track.first_seen_on if timed else None,
            "first_seen_run": track.first_seen_run_id if timed else None,
            "last_seen": track.last_seen_on if timed else None,
            "last_seen_run": track.last_seen_run_id if timed else None,
            "cleared": track.cleared_on if timed else None,
            "cleared_run": track.cleared_run_id if timed else None,
            "open": track.open,
        }

    return paginate(visible, page, out)


def _track_alert(track: AlertTrack) -> dict[str, Any]:
    return {**track.data, "rule": track.rule, "severity": track.severity, "message": track.message}


# ---------------------------------------------------------------- forecasts

forecasts = Router(tags=["预测"])


class RetirementOut(Schema):
    person: str = Field(..., description="身份证号（按角色脱敏）")
    name: str = Field(..., description="姓名")
    unit: str = Field(..., description="机构代码")
    month: str = Field(
        ...,
        description="退休月份 YYYY-MM：批准退休年月，未批准弹性退休的为法定退休月份；身份证号脱敏时只给年份 YYYY",
    )


class RetirementPage(Page[RetirementOut]):
    start: str = Field(..., description="起始月份 YYYY-MM")
    months: int


class RetirementFilters(Schema):
    as_of: Day | None = Field(
        None, description="截至日期（默认今天）：预测该日在编、所在机构该日在设的人员；起始月份默认该日所在月份"
    )
    sequence: SequenceChoice | None = Field(None, description="序列：只列截至日期所在机构属于该序列的人员")
    start: Month | None = Field(None, description="起始月份 YYYY-MM（默认本月，可早于本月）")
    months: int = Field(12, ge=1, le=600, description="月数（默认 12）")
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")


@forecasts.get("/forecasts/retirements", response=replies({200: RetirementPage}, 404), summary="退休预测")
def retirement_forecast(
    request: HttpRequest, filters: Query[RetirementFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """今天在编、所在机构今天在设的人员中，退休月份（批准退休年月，否则法定退休月份）落在起始月份起
    N 个月内的（domain.md §6），按月份、机构、身份证号排序；身份证号按角色脱敏。身份证号脱敏的人员只给退休年份，
    且只要查询范围与其退休年份有交集即列出（不随起始月份在年内移动，不泄露出生月份）。"""
    require_somewhere(request, Action.VIEW)
    day = filters.as_of or today()
    start = dt.date(int(filters.start[:4]), int(filters.start[5:7]), 1) if filters.start else day.replace(day=1)
    start_label = f"{start.year:04d}-{start.month:02d}"
    if add_months(start, filters.months).year > 2299:
        raise ApiError(422, "预测范围超出 2299 年", errors=[{"location": "query.months", "message": "月数过大"}])
    try:
        ids = selectors.units_filter(user=request.user, code=filters.unit, subtree=filters.subtree, day=day)
    except LookupError:
        raise unit_not_found(filters.unit) from None
    end = add_months(start, filters.months)  # exclusive
    end_label = f"{end.year:04d}-{end.month:02d}"
    # Whole years around the window, for the people the caller sees masked (listed by year alone).
    first_year, last_year = start.year, add_months(end, -1).year
    rows = retirements_forecast(start=dt.date(first_year, 1, 1), months=(last_year - first_year + 1) * 12, today=day)
    codes = {r["unit"] for r in rows}
    viewer = _Viewer(request.user, codes)
    wanted = None if ids is None else set(Unit.objects.filter(pk__in=ids).values_list("code", flat=True))
    wanted = _narrowed(wanted, sequence_codes(filters.sequence, day))
    visible = []
    for r in rows:
        if not viewer.sees(r, day) or (wanted is not None and r["unit"] not in wanted):
            continue
        whole = viewer.whole(r)
        if whole and not start_label <= r["month"] < end_label:
            continue
        visible.append(
            {
                "person": r["person"] if whole else mask_id_number(r["person"]),
                "number": r["person"],
                "unit": r["unit"],
                "month": r["month"] if whole else r["month"][:4],
            }
        )
    visible.sort(key=lambda r: (r["month"], r["unit"], r["person"]))
    chunk = visible[page.offset : page.offset + page.limit]
    names = dict(
        PersonVersion.objects.filter(
            PersonVersion.as_of(day), person__id_number__in=[r["number"] for r in chunk]
        ).values_list("person__id_number", "name")
    )
    items = [
        {"person": r["person"], "name": names.get(r["number"], ""), "unit": r["unit"], "month": r["month"]}
        for r in chunk
    ]
    return {
        "total": len(visible),
        "limit": page.limit,
        "offset": page.offset,
        "items": items,
        "start": start_label,
        "months": filters.months,
    }


class ForecastWindow(Schema):
    start: Month | None = Field(None, description="起始月份 YYYY-MM（默认截至日期所在月份）")
    months: int = Field(12, ge=1, le=600, description="月数（默认 12）")
    as_of: Day | None = Field(None, description="截至日期：看这一天在用的周转编制（默认今天）")
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构")
    staffing_type: str | None = Field(None, max_length=8, description="编制类型")


class LoanDueOut(Schema):
    unit: str = Field(..., description="机构代码")
    unit_name: str = Field(..., description="机构名称")
    staffing_type: str = Field(..., description="编制类型")
    quantity: int = Field(..., description="数量")
    start_date: dt.date = Field(..., description="使用日期")
    due_date: dt.date = Field(..., description="回收日期")
    month: str = Field(..., description="到期月份 YYYY-MM")


class LoanMonthOut(Schema):
    month: str = Field(..., description="到期月份 YYYY-MM")
    loans: int = Field(..., description="到期的周转编制笔数")
    quantity: int = Field(..., description="到期数量合计")
    by_type: dict[str, int] = Field(default_factory=dict, description="按编制类型的到期数量")


class LoanDuePage(Page[LoanDueOut]):
    as_of: dt.date
    start: str = Field(..., description="起始月份 YYYY-MM")
    months: int
    quantity: int = Field(..., description="窗口内到期数量合计（全部条目，不只本页）")
    by_month: list[LoanMonthOut] = Field(default_factory=list, description="有到期的各月份（按月份先后）")


def _window_units(request: HttpRequest, filters: Any, day: dt.date) -> set[int] | None:
    if filters.staffing_type and filters.staffing_type not in StaffingType.values:
        raise ApiError(
            422,
            f"编制类型“{filters.staffing_type}”无效",
            errors=[{"location": "query.staffing_type", "message": "应为 " + "、".join(StaffingType.values)}],
        )
    try:
        return selectors.units_filter(user=request.user, code=filters.unit, subtree=filters.subtree, day=day)
    except LookupError:
        raise unit_not_found(filters.unit) from None


@forecasts.get("/forecasts/loans", response=replies({200: LoanDuePage}, 404), summary="周转编制到期预测")
def loans_due(request: HttpRequest, filters: Query[ForecastWindow], page: Query[PageParams]) -> dict[str, Any]:
    """截至日期在用的周转编制中，回收日期落在起始月份起 N 个月内的（domain.md §6），按回收日期、机构排序，
    并按月份汇总到期笔数和数量。单位人事干部只看到本单位及下属机构的。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    start = dt.date(int(filters.start[:4]), int(filters.start[5:7]), 1) if filters.start else day.replace(day=1)
    if add_months(start, filters.months).year > 2299:
        raise ApiError(422, "预测范围超出 2299 年", errors=[{"location": "query.months", "message": "月数过大"}])
    ids = _window_units(request, filters, day)
    result = loans_due_forecast(
        user=request.user,
        day=day,
        start=start,
        months=filters.months,
        unit_ids=ids,
        staffing_type=filters.staffing_type or "",
    )
    listed = paginate(
        result.loans,
        page,
        lambda loan: {
            "unit": loan.unit_code,
            "unit_name": loan.unit_name,
            "staffing_type": loan.staffing_type,
            "quantity": loan.quantity,
            "start_date": loan.start_date,
            "due_date": loan.due_date,
            "month": loan.month,
        },
    )
    return {
        **listed,
        "as_of": day,
        "start": f"{start.year:04d}-{start.month:02d}",
        "months": filters.months,
        "quantity": result.quantity,
        "by_month": [m for m in result.by_month() if m["loans"]],
    }


class VacancyOut(Schema):
    unit: str | None = Field(None, description="机构代码（合计行为空）")
    unit_name: str = Field("", description="机构名称")
    staffing_type: str = Field(..., description="编制类型")
    approved: int = Field(..., description="核定数（含在用周转编制）")
    actual: int = Field(..., description="实有人数")
    reserved: int = Field(..., description="在途（已核准未使用的用编数）")
    usable: int = Field(..., description="可用 = 核定 − 实有 − 在途")
    retiring: int = Field(..., description="预测期末之前达到退休月份的在编人数（含已超龄未退的）")
    loans_due: int = Field(..., description="预测期末之前到期的在用周转编制数量（含已逾期的）")
    projected: int = Field(..., description="预计空编 = 可用 + 退休 − 到期周转编制（可为负数）")


class VacancyPage(Page[VacancyOut]):
    as_of: dt.date
    start: str = Field(..., description="预测期起始月份 YYYY-MM（截至日期所在月份）")
    months: int
    totals: list[VacancyOut] = Field(default_factory=list, description="按编制类型汇总全部条目（不只本页）")


class VacancyFilters(Schema):
    months: int = Field(12, ge=1, le=60, description="预测期月数（1–60，默认 12），从截至日期所在月份起")
    as_of: Day | None = Field(None, description="截至日期（默认今天）")
    unit: UnitCode | None = Field(None, description="机构代码")
    subtree: bool = Field(False, description="包括该机构的全部下属机构（合计即该部门的汇总）")
    staffing_type: str | None = Field(None, max_length=8, description="编制类型")


def _vacancy_out(row: Any) -> dict[str, Any]:
    return {
        "unit": row.unit_code or None,
        "unit_name": row.unit_name,
        "staffing_type": row.staffing_type,
        "approved": row.approved,
        "actual": row.actual,
        "reserved": row.reserved,
        "usable": row.usable,
        "retiring": row.retiring,
        "loans_due": row.loans_due,
        "projected": row.projected,
    }


@forecasts.get("/forecasts/vacancy", response=replies({200: VacancyPage}, 404), summary="空编预测")
def vacancy_projection(request: HttpRequest, filters: Query[VacancyFilters], page: Query[PageParams]) -> dict[str, Any]:
    """各机构、各编制类型在预测期末的预计空编（domain.md §6）：核定 − 实有 − 在途 + 期内退休 − 期内到期的周转编制；
    期内退休含已超龄未退的，期内到期含已逾期未收回的。按机构代码、编制类型排序，totals 按编制类型汇总
    （指定机构并包括下属机构时即该部门的汇总）。不列人员，退休只按机构计数。"""
    require_somewhere(request, Action.VIEW)
    day = day_or_today(filters.as_of)
    ids = _window_units(request, filters, day)
    result = vacancy_forecast(
        user=request.user, day=day, months=filters.months, unit_ids=ids, staffing_type=filters.staffing_type or ""
    )
    return {
        **paginate(result.rows, page, _vacancy_out),
        "as_of": day,
        "start": f"{day.year:04d}-{day.month:02d}",
        "months": filters.months,
        "totals": [_vacancy_out(row) for row in result.totals],
    }
