"""全局一屏掌控 (S3.2.2, issue 15): every figure of the one-screen board for one of the four dimensions of
S3.1.1 — the whole district, one department (the unit and its descendants, domain.md §2), the party
sequence (党委序列) or the government sequence (政府序列) — as of a day D.

Tracing (S3.2.3): every figure carries ``rows``, the API path (query included, ``as_of`` too) of an
existing list operation whose ``total`` is exactly the figure, or — with ``sum`` — whose items' field
adds up to it (a dotted field such as ``staffing.vacancy`` reads the field of every entry of each item's
``staffing`` list). ``link`` is the page that shows the same rows. The figures are computed with the
same selectors and the same scoping (``restrict``/``scope``) as those list operations, in grouped SQL,
and never net one staffing type against another: vacancy and over-staffing are summed unit by unit
and type by type (domain.md §3).

Personal data (domain.md §11): a reader who sees the numbers masked learns nothing finer than the year
from a birth date, so its retirement figures are per calendar year (as the forecast lists them for it),
and the alerts that would give a retirement month away are left out of its counts exactly as the
alert lists leave them out.

A board is cached (Django's cache) under its dimension, unit, day, the reader's kind (scope, masked),
the register's latest change set and the latest monitoring run, so a change or a run shows at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode

from bianzhi.accounts.permissions import Action, Scope, can, restrict, scope
from bianzhi.core.dates import add_months, format_month, month_start
from bianzhi.core.models import ChangeSet
from bianzhi.registry import selectors as registry
from bianzhi.registry.choices import LoanStatus, Sequence, StaffingType, UnitKind
from bianzhi.registry.models import TurnoverLoan, Unit, UnitVersion
from bianzhi.registry.trees import children_map
from bianzhi.supervision.models import Alert, MonitoringRun, Severity
from bianzhi.supervision.rulebook import all_rules
from bianzhi.supervision.selectors import current_alerts

T = TypeVar("T")
API = "/api/v1"
DIMENSIONS: dict[str, str] = {
    "district": "全区",
    "department": "部门",
    "party": "党委序列",
    "government": "政府序列",
}
SEQUENCE_OF: dict[str, str] = {"party": Sequence.PARTY, "government": Sequence.GOVERNMENT}
METRICS: dict[str, str] = {
    "approved": "核定编制",
    "actual": "实有人员",
    "vacancy": "空编",
    "over": "超编",
    "reserved": "在途",
    "usable": "可用编制",
}
#: the departments of the heat map: those with the most vacancy and over-staffing together
HEAT_DEPARTMENTS = 20
#: stored full monitoring runs shown over time
RUNS_SHOWN = 12
RETIREMENT_HORIZONS = (12, 36, 60)
LOAN_MONTHS = 12
#: seconds a board stays cached at most (a change set or a run replaces it sooner)
CACHE_SECONDS = 600
_TYPE_ORDER = {t: i for i, t in enumerate(StaffingType.values)}
_SEVERITIES: list[str] = [Severity.HIGH, Severity.MEDIUM, Severity.LOW]


class BoardRefused(Exception):
    """The board cannot be shown: ``status`` 403 (role or scope), 404 (no such unit) or 422 (``invalid``)."""

    def __init__(self, status: int, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclasses.dataclass
class Figure:
    key: str
    label: str
    value: int
    rows: str
    sum: str | None = None
    link: str = ""

    def out(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "value": self.value, "rows": self.rows}
        if self.sum:
            out["sum"] = self.sum
        return out


@dataclasses.dataclass
class Board:
    as_of: dt.date
    dimension: str
    unit: str | None
    title: str
    masked: bool
    figures: list[Figure]
    #: what the charts lay out: staffing types, sequences, departments (code, name), rules (id, name),
    #: severities, runs (id, as_of), retirement periods, loan months
    layout: dict[str, Any]

    def figure_map(self) -> dict[str, Figure]:
        return {f.key: f for f in self.figures}


def _api(path: str, params: dict[str, Any]) -> str:
    return f"{API}{path}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _page(name: str, params: dict[str, Any]) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


# ---------------------------------------------------------------- who may see which board


def _check(user: Any, dimension: str, unit_code: str) -> Unit | None:
    if dimension not in DIMENSIONS:
        raise BoardRefused(
            422, f"维度“{dimension}”无效：应为 district、department、party 或 government", field="dimension"
        )
    view = scope(user, Action.VIEW)
    if view.nothing:
        raise BoardRefused(403, "无权查看该数据")
    if dimension != "department":
        if not view.everything:
            raise BoardRefused(403, "全区和序列的全局一屏是全区数据，单位人事干部只能查看本单位及下属机构（部门维度）")
        return None
    if not unit_code:
        raise BoardRefused(422, "部门维度须指定机构代码 unit", field="unit")
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None or not view.covers(unit.pk):
        # A reader limited to its own units learns nothing about other codes: the same refusal.
        if not view.everything:
            raise BoardRefused(403, f"无权查看机构 {unit_code} 的全局一屏：单位人事干部只能查看本单位及下属机构")
        raise BoardRefused(404, f"没有机构代码为 {unit_code} 的机构")
    return unit


def _masked(user: Any, unit: Unit | None) -> bool:
    """Whether the reader sees the people of the board masked (domain.md §11)."""
    if unit is not None:
        return not can(user, Action.VIEW_FULL_ID, unit)
    return not scope(user, Action.VIEW_FULL_ID).everything


def _scope_signature(view: Scope) -> str:
    if view.everything:
        return "all"
    return hashlib.sha256(",".join(map(str, sorted(view.units))).encode()).hexdigest()[:16]


def register_version() -> str:
    """The latest change set, the latest monitoring run and the latest end of a run, in one query: any change
    of the register, any run started or finished gives another value."""
    quote = connection.ops.quote_name
    changes = f"{quote(ChangeSet._meta.db_table)}"
    runs = f"{quote(MonitoringRun._meta.db_table)}"
    change_pk, run_pk = quote(ChangeSet._meta.pk.column), quote(MonitoringRun._meta.pk.column)
    finished = quote(MonitoringRun._meta.get_field("finished_at").column)
    sql = (
        f"SELECT (SELECT MAX({change_pk}) FROM {changes}), (SELECT MAX({run_pk}) FROM {runs}), "  # nosec B608  # names from the models' meta, no input
        f"(SELECT MAX({finished}) FROM {runs})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        change, run, ended = cursor.fetchone()
    return f"{change or 0}:{run or 0}:{ended or ''}"


def cache_key(*, user: Any, dimension: str, unit: Unit | None, day: dt.date) -> str:
    """The board's cache key: dimension, unit, day, the reader's kind (scope, masked), and the register's
    version (``register_version``: the latest change set and monitoring run)."""
    masked = "m" if _masked(user, unit) else "w"
    view = _scope_signature(scope(user, Action.VIEW))
    code = unit.code if unit is not None else ""
    parts = f"{dimension}|{code}|{day.isoformat()}|{masked}|{view}|{register_version()}"
    return "board:v2:" + hashlib.sha256(parts.encode()).hexdigest()


def board_get(*, user: Any, dimension: str, unit_code: str = "", day: dt.date) -> Board:
    """The board as the user may see it (refusals first, then the cache, then the figures)."""
    return board_rendered(user=user, dimension=dimension, unit_code=unit_code, day=day, render=None)


def board_rendered(
    *,
    user: Any,
    dimension: str,
    unit_code: str = "",
    day: dt.date,
    render: Callable[[Board], T] | None,
    variant: str = "",
) -> Any:
    """``render(board)``, cached beside the board under the same key and ``variant`` (the API caches its
    JSON body, so a cached answer costs no serialisation); the board itself without ``render``."""
    unit = _check(user, dimension, unit_code)
    key = cache_key(user=user, dimension=dimension, unit=unit, day=day)
    if render is not None:
        rendered = cache.get(f"{key}:{variant}")
        if rendered is not None:
            return rendered
    board = cache.get(key)
    if not isinstance(board, Board):
        board = board_compute(user=user, dimension=dimension, unit=unit, day=day)
        cache.set(key, board, CACHE_SECONDS)
    if render is None:
        return board
    rendered = render(board)
    cache.set(f"{key}:{variant}", rendered, CACHE_SECONDS)
    return rendered


# ---------------------------------------------------------------- the figures


class _Scope:
    """The units of one dimension as the list operations select them, and the query that selects them."""

    def __init__(self, user: Any, dimension: str, unit: Unit | None, day: dt.date) -> None:
        self.user, self.dimension, self.unit, self.day = user, dimension, unit, day
        self.view = scope(user, Action.VIEW)
        self.sequence = SEQUENCE_OF.get(dimension, "")
        self.children = children_map(day)
        # the query of the dimension, for the API lists and for the pages
        self.api: dict[str, Any] = {}
        self.page: dict[str, Any] = {}
        if unit is not None:
            self.api = {"unit": unit.code, "subtree": "true"}
            self.page = {"unit": unit.code, "subtree": "on"}
        elif self.sequence:
            self.api = self.page = {"sequence": self.sequence}
        self.ids: set[int] | None = self.subtree(unit.pk) if unit is not None else None

    def subtree(self, unit_id: int) -> set[int]:
        """The unit and its descendants as of D (``registry.trees.subtree_ids``, on one children map)."""
        found, stack = set(), [unit_id]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.add(current)
            stack.extend(self.children.get(current, ()))
        return found

    def codes(self, day: dt.date) -> set[str] | None:
        """Unit codes an alert list narrows to on ``day`` (the subtree, or the sequence's units)."""
        if self.unit is not None:
            ids = self.ids if day == self.day else _subtree_on(self.unit.pk, day)
            return set(Unit.objects.filter(pk__in=ids).values_list("code", flat=True))
        if self.sequence:
            qs = UnitVersion.objects.filter(UnitVersion.as_of(day), sequence=self.sequence)
            return set(qs.values_list("unit__code", flat=True))
        return None


def _subtree_on(unit_id: int, day: dt.date) -> set[int]:
    from bianzhi.registry.trees import subtree_ids

    return subtree_ids([unit_id], day=day)


def board_compute(*, user: Any, dimension: str, unit: Unit | None, day: dt.date) -> Board:
    """Every figure of the board (uncached)."""
    sc = _Scope(user, dimension, unit, day)
    masked = _masked(user, unit)
    figures: list[Figure] = []
    layout: dict[str, Any] = {}
    units = registry.unit_figures(day)
    members = {
        unit_id: f
        for unit_id, f in units.items()
        if sc.view.covers(unit_id)
        and (sc.ids is None or unit_id in sc.ids)
        and (not sc.sequence or f.sequence == sc.sequence)
    }
    base = {"as_of": day.isoformat()}
    _staffing_figures(figures, layout, sc, members, base)
    _heat_figures(figures, layout, sc, members, base)
    _alert_figures(figures, layout, sc, base, masked)
    _run_figures(figures, layout, sc, masked)
    _retirement_figures(figures, layout, sc, base, masked)
    _loan_figures(figures, layout, sc, base)
    if unit is not None:
        name = UnitVersion.objects.filter(UnitVersion.as_of(day), unit=unit).values_list("name", flat=True).first()
        title = f"{name or unit.code}（{unit.code}）及下属机构"
    else:
        title = DIMENSIONS[dimension]
    return Board(
        as_of=day,
        dimension=dimension,
        unit=unit.code if unit is not None else None,
        title=title,
        masked=masked,
        figures=figures,
        layout=layout,
    )


def _metric_value(members: Iterable[registry.UnitFigures], metric: str, staffing_type: str = "") -> int:
    total = 0
    for f in members:
        for t, s in f.staffing.items():
            if staffing_type and t != staffing_type:
                continue
            total += s.usable if metric == "usable" else getattr(s, metric)
    return total


def _staffing_rows(
    sc: _Scope, base: dict[str, Any], metric: str, extra: dict[str, Any], value: int, key: str, label: str
) -> Figure:
    """A staffing figure: ``actual`` traced to the people on staff, the others to the units' figures."""
    day = base["as_of"]
    if metric == "actual":
        rows = _api("/people", {**base, **sc.api, **extra, "on_staff": "true", "active_unit": "true"})
        link = _page("web:person_list", {**base, **sc.page, **extra})
        return Figure(key, label, value, rows, None, link)
    rows = _api("/figures/units", {**base, **sc.api, **extra})
    under = {"under": sc.unit.code} if sc.unit is not None else {}
    link = _page(
        "web:unit_list", {"as_of": day, **under, **({"sequence": sc.sequence} if sc.sequence else {}), **extra}
    )
    return Figure(key, label, value, rows, f"staffing.{metric}", link)


def _staffing_figures(
    figures: list[Figure],
    layout: dict[str, Any],
    sc: _Scope,
    members: dict[int, registry.UnitFigures],
    base: dict[str, Any],
) -> None:
    under = {"under": sc.unit.code} if sc.unit is not None else {}
    seq = {"sequence": sc.sequence} if sc.sequence else {}
    figures.append(
        Figure(
            "units",
            "在设机构数",
            len(members),
            _api("/figures/units", {**base, **sc.api}),
            None,
            _page("web:unit_list", {**base, **under, **seq}),
        )
    )
    for metric, label in METRICS.items():
        value = _metric_value(members.values(), metric)
        figures.append(_staffing_rows(sc, base, metric, {}, value, metric, label))
    types = sorted({t for f in members.values() for t in f.staffing}, key=lambda t: _TYPE_ORDER.get(t, 99))
    layout["types"] = types
    for t in types:
        having = [f for f in members.values() if t in f.staffing]
        for metric, label in METRICS.items():
            value = _metric_value(having, metric, t)
            figures.append(
                _staffing_rows(sc, base, metric, {"staffing_type": t}, value, f"type.{t}.{metric}", f"{t}{label}")
            )
    sequences = sorted({f.sequence for f in members.values() if f.sequence}, key=_sequence_order)
    layout["sequences"] = sequences
    if sc.sequence:
        return
    for s in sequences:
        of = [f for f in members.values() if f.sequence == s]
        for metric, label in METRICS.items():
            value = _metric_value(of, metric)
            figures.append(
                _staffing_rows(sc, base, metric, {"sequence": s}, value, f"sequence.{s}.{metric}", f"{s}序列{label}")
            )


def _sequence_order(sequence: str) -> int:
    values = list(Sequence.values)
    return values.index(sequence) if sequence in values else len(values)


def _heat_figures(
    figures: list[Figure],
    layout: dict[str, Any],
    sc: _Scope,
    members: dict[int, registry.UnitFigures],
    base: dict[str, Any],
) -> None:
    """Vacancy and over-staffing per department and staffing type (the heat map). The departments are
    the top units of the dimension — the district's or a sequence's top units, or the chosen unit's
    own figures (本级) and its affiliated units with theirs — the ``HEAT_DEPARTMENTS`` with the most
    vacancy and over-staffing together."""
    types = layout["types"]
    candidates: list[tuple[str, str, set[int], dict[str, Any]]] = []  # code, name, ids, api query
    seq = {"sequence": sc.sequence} if sc.sequence else {}
    if sc.unit is not None:
        own = members.get(sc.unit.pk)
        if own is not None:
            candidates.append((sc.unit.code, f"{own.name}（本级）", {sc.unit.pk}, {"unit": sc.unit.code}))
        tops = [uid for uid in sc.children.get(sc.unit.pk, ()) if uid in members]
    else:
        tops = [uid for uid, f in members.items() if f.parent_id is None or f.parent_id not in members]
    for uid in tops:
        f = members[uid]
        if f.kind == UnitKind.INTERNAL_DIVISION:
            continue
        candidates.append((f.code, f.name, sc.subtree(uid), {"unit": f.code, "subtree": "true", **seq}))
    scored = []
    for code, name, ids, query in candidates:
        inside = [members[i] for i in ids if i in members]
        cells = {(t, metric): _metric_value(inside, metric, t) for t in types for metric in ("vacancy", "over")}
        scored.append((sum(cells.values()), code, name, query, cells))
    scored.sort(key=lambda s: (-s[0], s[1]))
    chosen = scored[:HEAT_DEPARTMENTS]
    layout["departments"] = [[code, name] for _score, code, name, _q, _c in chosen]
    layout["departments_total"] = len(scored)
    for _score, code, name, query, cells in chosen:
        for t in types:
            for metric in ("vacancy", "over"):
                rows = _api("/figures/units", {**base, **query, "staffing_type": t})
                page = {"as_of": base["as_of"], "under": code, "staffing_type": t, **seq}
                if "subtree" not in query:  # 本级: the unit's own page
                    link = reverse("web:unit_detail", args=[code]) + "?" + urlencode({"as_of": base["as_of"]})
                else:
                    link = _page("web:unit_list", page)
                figures.append(
                    Figure(
                        f"dept.{code}.{t}.{metric}",
                        f"{name} {t}{METRICS[metric]}",
                        cells[(t, metric)],
                        rows,
                        f"staffing.{metric}",
                        link,
                    )
                )


# ---------------------------------------------------------------- alerts


def _alert_visible(alert: dict[str, Any], day: dt.date, view: Scope, whole: Scope, ids: dict[str, int]) -> bool:
    """As the alert lists decide (api/routes/alerts.py ``_Viewer.sees``): an alert of a unit the reader
    may see, a district-wide one for district-wide readers; an alert derived from a retirement month
    is shown to a reader who sees the person masked only from 1 January after that year."""
    code = alert.get("unit")
    if not code:
        return view.everything
    unit_id = ids.get(code)
    if not view.covers(unit_id):
        return False
    if not alert.get("person") or whole.covers(unit_id):
        return True
    month = str(alert.get("retirement_month") or "")
    return not (month and month[:4] >= f"{day.year:04d}")


def _alert_figures(
    figures: list[Figure], layout: dict[str, Any], sc: _Scope, base: dict[str, Any], masked: bool
) -> None:
    day = sc.day
    current = current_alerts(day=day)
    codes = sc.codes(day)
    alerts = [a for a in current.alerts if codes is None or a.get("unit") in codes]
    ids = dict(Unit.objects.filter(code__in={a.get("unit") for a in alerts if a.get("unit")}).values_list("code", "pk"))
    whole = scope(sc.user, Action.VIEW_FULL_ID)
    visible = [a for a in alerts if _alert_visible(a, day, sc.view, whole, ids)]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for a in visible:
        counts[(a["rule"], a["severity"])] += 1
    names = {rule.id: rule.name for rule in all_rules()}
    rules = sorted({r for r, _s in counts}, key=lambda r: (-sum(n for (x, _s), n in counts.items() if x == r), r))
    layout["rules"] = [[r, names.get(r, r)] for r in rules]
    layout["severities"] = [str(s) for s in _SEVERITIES]
    layout["alerts_evaluated"] = current.evaluated
    page_base = {"as_of": base["as_of"], **({"sequence": sc.sequence} if sc.sequence else {})}
    if sc.unit is not None:
        page_base.update({"unit": sc.unit.code, "subtree": "true"})
    figures.append(
        Figure(
            "alerts",
            "当前预警",
            len(visible),
            _api("/alerts", {**base, **sc.api}),
            None,
            _page("web:alert_list", page_base),
        )
    )
    for s in _SEVERITIES:
        n = sum(v for (_r, sev), v in counts.items() if sev == s)
        figures.append(
            Figure(
                f"alerts.severity.{s}",
                f"{s}级预警",
                n,
                _api("/alerts", {**base, **sc.api, "severity": s}),
                None,
                _page("web:alert_list", {**page_base, "severity": s}),
            )
        )
    for r in rules:
        for s in _SEVERITIES:
            if (r, s) not in counts:
                continue
            figures.append(
                Figure(
                    f"alerts.{r}.{s}",
                    f"{names.get(r, r)}（{s}）",
                    counts[(r, s)],
                    _api("/alerts", {**base, **sc.api, "rule": r, "severity": s}),
                    None,
                    _page("web:alert_list", {**page_base, "rule": r, "severity": s}),
                )
            )


def _run_figures(figures: list[Figure], layout: dict[str, Any], sc: _Scope, masked: bool) -> None:
    """Alerts per stored full run as of D or before (the latest ``RUNS_SHOWN``), per severity: the
    alerts each run stored, as ``GET /alerts?run=`` lists them."""
    runs = list(
        MonitoringRun.objects.filter(full=True, finished_at__isnull=False, as_of__lte=sc.day).order_by(
            "-as_of", "-started_at", "-pk"
        )[:RUNS_SHOWN]
    )
    runs.reverse()
    layout["runs"] = [[run.pk, run.as_of.isoformat()] for run in runs]
    whole = scope(sc.user, Action.VIEW_FULL_ID)
    for run in runs:
        qs = Alert.objects.filter(run=run)
        codes = sc.codes(run.as_of)
        if codes is not None:
            qs = qs.filter(unit_code__in=codes)
        qs = restrict(qs, sc.user, Action.VIEW)
        counts = dict(qs.values("severity").annotate(n=Count("id")).values_list("severity", "n"))
        if not whole.everything:
            for severity in _hidden_severities(qs, run, whole):
                counts[severity] -= 1
        page = {"as_of": run.as_of.isoformat(), **({"sequence": sc.sequence} if sc.sequence else {})}
        if sc.unit is not None:
            page.update({"unit": sc.unit.code, "subtree": "true"})
        query = {"run": run.pk, **sc.api}
        figures.append(
            Figure(
                f"runs.{run.pk}",
                f"{run.as_of.isoformat()} 监测（第 {run.pk} 次）预警",
                sum(counts.values()),
                _api("/alerts", query),
                None,
                _page("web:alert_list", page),
            )
        )
        for s in _SEVERITIES:
            figures.append(
                Figure(
                    f"runs.{run.pk}.{s}",
                    f"{run.as_of.isoformat()} 监测 {s}级预警",
                    counts.get(s, 0),
                    _api("/alerts", {**query, "severity": s}),
                    None,
                    _page("web:alert_list", {**page, "severity": s}),
                )
            )


def _hidden_severities(qs: Any, run: MonitoringRun, whole: Scope) -> list[str]:
    """The severities of the stored alerts a masked reader is not shown (``alerts._hidden``)."""
    carries = Q(data__has_key="retirement_month")
    rows = qs.filter(carries).exclude(person="")
    if whole.units:
        rows = rows.exclude(unit_code__in=Unit.objects.filter(pk__in=whole.units).values("code"))
    year = f"{run.as_of.year:04d}"
    return [
        severity
        for severity, data in rows.values_list("severity", "data")
        if str((data or {}).get("retirement_month") or "")[:4] >= year and (data or {}).get("retirement_month")
    ]


# ---------------------------------------------------------------- forecasts


def _retirement_figures(
    figures: list[Figure], layout: dict[str, Any], sc: _Scope, base: dict[str, Any], masked: bool
) -> None:
    """Retirements due (domain.md §6) among the people on staff on D in units active on D: per month and
    within 12, 36 and 60 months from D's month; per calendar year for a reader who sees them masked."""
    day = sc.day
    first = month_start(day)
    if masked:
        start, months = dt.date(day.year, 1, 1), 60
    else:
        start, months = first, max(RETIREMENT_HORIZONS)
    end = add_months(start, months)
    qs = (
        registry.people_on_staff(day)
        .annotate(month_used=Coalesce("approved_retirement_month", "retirement_month"))
        .filter(month_used__gte=start, month_used__lt=end)
    )
    if sc.ids is not None:
        qs = qs.filter(unit_id__in=sc.ids)
    if sc.sequence:
        qs = qs.filter(
            unit_id__in=UnitVersion.objects.filter(UnitVersion.as_of(day), sequence=sc.sequence).values("unit_id")
        )
    by_month: dict[str, int] = defaultdict(int)
    for unit_id, month, n in (
        qs.values("unit_id", "month_used").annotate(n=Count("id")).values_list("unit_id", "month_used", "n")
    ):
        if sc.view.covers(unit_id):
            by_month[format_month(month)] += n
    forecast = {**base, **sc.api}
    page = {
        **base,
        **({"unit": sc.unit.code, "subtree": "1"} if sc.unit is not None else {}),
        **({"sequence": sc.sequence} if sc.sequence else {}),
    }
    if masked:
        years = [f"{day.year + i:04d}" for i in range(5)]
        layout["retirement_periods"] = years
        for year in years:
            value = sum(n for m, n in by_month.items() if m[:4] == year)
            query = {"start": f"{year}-01", "months": 12}
            figures.append(
                Figure(
                    f"retire.year.{year}",
                    f"{year} 年退休",
                    value,
                    _api("/forecasts/retirements", {**forecast, **query}),
                    None,
                    _page("web:forecasts:retirements", {**page, **query}),
                )
            )
        return
    periods = [format_month(add_months(first, i)) for i in range(months)]
    layout["retirement_periods"] = periods
    for horizon in RETIREMENT_HORIZONS:
        value = sum(by_month.get(m, 0) for m in periods[:horizon])
        query = {"start": periods[0], "months": horizon}
        figures.append(
            Figure(
                f"retire.next.{horizon}",
                f"{horizon} 个月内退休",
                value,
                _api("/forecasts/retirements", {**forecast, **query}),
                None,
                _page("web:forecasts:retirements", {**page, **query}),
            )
        )
    for m in periods:
        query = {"start": m, "months": 1}
        figures.append(
            Figure(
                f"retire.month.{m}",
                f"{m} 退休",
                by_month.get(m, 0),
                _api("/forecasts/retirements", {**forecast, **query}),
                None,
                _page("web:forecasts:retirements", {**page, **query}),
            )
        )


def _loan_figures(figures: list[Figure], layout: dict[str, Any], sc: _Scope, base: dict[str, Any]) -> None:
    """Turnover loans in use on D falling due (回收日期) from D to the end of the 12th month on, in all and
    per calendar month. A month is named by its last day and its rows by ``due_after`` the day before it
    (the previous month's end) and ``due_to`` its end, so nothing here reads like a person's month."""
    day = sc.day
    ends = [add_months(month_start(day), i + 1) - dt.timedelta(days=1) for i in range(LOAN_MONTHS)]
    qs = TurnoverLoan.objects.filter(TurnoverLoan.as_of(day), TurnoverLoan.in_use_on(day), start_date__lte=day)
    qs = qs.filter(due_date__gte=day, due_date__lte=ends[-1])
    if sc.ids is not None:
        qs = qs.filter(unit_id__in=sc.ids)
    if sc.sequence:
        in_sequence = UnitVersion.objects.filter(UnitVersion.as_of(day), sequence=sc.sequence)
        qs = qs.filter(unit_id__in=in_sequence.values("unit_id"))
    qs = restrict(qs, sc.user, Action.VIEW)
    by_month: dict[tuple[int, int], tuple[int, int]] = {}
    for year, month, n, quantity in (
        qs.values("due_date__year", "due_date__month")
        .annotate(n=Count("id"), q=Sum("quantity"))
        .values_list("due_date__year", "due_date__month", "n", "q")
    ):
        by_month[(year, month)] = (n, quantity or 0)
    query = {**base, **sc.api, "status": LoanStatus.IN_USE}
    total = sum(n for n, _q in by_month.values())
    quantity = sum(q for _n, q in by_month.values())
    before = (day - dt.timedelta(days=1)).isoformat()
    rows = _api("/loans", {**query, "due_after": before, "due_to": ends[-1].isoformat()})
    figures.append(Figure("loans.due", f"{LOAN_MONTHS} 个月内到期的周转编制（笔）", total, rows, None, rows))
    figures.append(
        Figure("loans.due.quantity", f"{LOAN_MONTHS} 个月内到期的周转编制（名）", quantity, rows, "quantity", rows)
    )
    layout["loan_months"] = [end.isoformat() for end in ends]
    previous = before
    for end in ends:
        rows = _api("/loans", {**query, "due_after": previous, "due_to": end.isoformat()})
        value = by_month.get((end.year, end.month), (0, 0))[1]
        figures.append(
            Figure(
                f"loans.by.{end.isoformat()}",
                f"截至 {end.isoformat()} 当月到期的周转编制（名）",
                value,
                rows,
                "quantity",
                rows,
            )
        )
        previous = end.isoformat()
