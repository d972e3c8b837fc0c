"""The current alerts of day D are one thing everywhere (domain.md §4): the latest full run as of D
with every partial (per-unit) run as of D started after it laid over it; without a full run as of
D, evaluated on the spot."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.registry.models import Unit
from bianzhi.registry.services import rows_import
from bianzhi.supervision.models import MonitoringRun
from bianzhi.supervision.selectors import current_alerts
from bianzhi.supervision.services import alerts_evaluate, monitoring_run

D = dt.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


def strip(alerts: list[dict]) -> list[tuple]:
    return [(a["rule"], a.get("unit") or a.get("region"), a.get("staffing_type", "")) for a in alerts]


@pytest.fixture
def district(load):
    """A, B and C in one division whose 党政机构 limit is 2 (over by one); B over its quota."""
    load(
        {
            "机构": [unit_row("A"), unit_row("B"), unit_row("C")],
            "编制": [
                {"机构代码": "A", "编制类型": "行政编制", "核定数": 1},
                {"机构代码": "B", "编制类型": "行政编制", "核定数": 1},
            ],
            "限额": [{"区划代码": "330602", "限额类别": "党政机构", "限额数": 2}],
            "人员": [person_row("A"), person_row("B"), person_row("B")],
        }
    )
    return dict(Unit.objects.values_list("code", "id"))


def test_the_latest_full_run_when_nothing_was_laid_over_it(district):
    monitoring_run(as_of=D)
    latest, _ = monitoring_run(as_of=D)
    current = current_alerts(day=D)
    assert current.full_run == latest and current.partial_runs == () and not current.evaluated
    assert strip(current.alerts) == [("over_staffing", "B", "行政编制"), ("over_limit", "330602", "")]
    assert all(entry.run == latest.pk and entry.id for entry in current.entries)


def test_a_partial_run_replaces_the_alerts_of_its_units(district):
    full, _ = monitoring_run(as_of=D)
    rows_import(sheets={"人员": [person_row("A")]}, source="api")
    partial, _ = monitoring_run(as_of=D, units=[district["A"]])
    current = current_alerts(day=D)
    assert current.full_run == full and current.partial_runs == (partial,)
    assert strip(current.alerts) == [
        ("over_staffing", "A", "行政编制"),
        ("over_staffing", "B", "行政编制"),
        ("over_limit", "330602", ""),
    ]
    assert strip(current.alerts) == strip(alerts_evaluate(as_of=D))
    assert {entry.run for entry in current.entries} == {full.pk, partial.pk}


def test_a_partial_run_replaces_the_alerts_of_its_division(district):
    monitoring_run(as_of=D)
    load_closure = Unit.objects.filter(code="C")
    load_closure.update(abolished=dt.date(2026, 1, 1))
    monitoring_run(as_of=D, units=[district["C"]])
    current = current_alerts(day=D)
    assert strip(current.alerts) == [("over_staffing", "B", "行政编制")]
    assert strip(current.alerts) == strip(alerts_evaluate(as_of=D))


def test_a_partial_run_can_clear_an_alert(district):
    monitoring_run(as_of=D)
    rows_import(
        sheets={"编制": [{"机构代码": "B", "编制类型": "行政编制", "核定数": 2}]},
        source="api",
        effective=dt.date(2026, 1, 1),
    )
    monitoring_run(as_of=D, units=[district["B"]])
    assert strip(current_alerts(day=D).alerts) == [("over_limit", "330602", "")]


def test_partial_runs_before_the_full_run_or_of_another_day_do_not_count(district):
    rows_import(sheets={"人员": [person_row("A")]}, source="api")
    monitoring_run(as_of=D, units=[district["A"]])
    full, _ = monitoring_run(as_of=D)
    monitoring_run(as_of=D + dt.timedelta(days=1), units=[district["A"]])
    current = current_alerts(day=D)
    assert current.full_run == full and current.partial_runs == ()
    assert [entry.run for entry in current.entries] == [full.pk] * len(current.entries)


def test_without_a_full_run_they_are_evaluated_on_the_spot(district):
    monitoring_run(as_of=D - dt.timedelta(days=1))
    monitoring_run(as_of=D, units=[district["A"]])
    current = current_alerts(day=D)
    assert current.evaluated and current.full_run is None and current.partial_runs == ()
    assert current.alerts == alerts_evaluate(as_of=D)
    assert {(entry.id, entry.run) for entry in current.entries} == {(None, None)}


def test_each_run_records_what_it_covered(district):
    full, _ = monitoring_run(as_of=D)
    partial, _ = monitoring_run(as_of=D, units=[district["B"], district["A"]])
    assert (full.full, full.units) == (True, [])
    assert (partial.full, partial.units) == (False, ["A", "B"])
    assert partial.coverage["over_limit"]["regions"] == ["330602"]
    assert MonitoringRun.objects.get(pk=partial.pk).units == ["A", "B"]
