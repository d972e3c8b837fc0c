"""Near-real-time monitoring: the rules of one unit, evaluated alone, agree with a full run, and a
change to the register re-evaluates the units it touched."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.dates import today
from bianzhi.demo.generator import AS_OF
from bianzhi.demo.services import demo_build
from bianzhi.registry.models import Unit, UnitVersion
from bianzhi.registry.services import rows_import
from bianzhi.supervision.models import MonitoringRun
from bianzhi.supervision.services import alerts_evaluate

pytestmark = pytest.mark.django_db


def test_unit_scoped_evaluation_matches_the_full_run(tmp_path):
    demo_build(data_dir=tmp_path, people=1000)
    full = alerts_evaluate(as_of=AS_OF)
    regions = dict(
        UnitVersion.objects.filter(valid_from__lte=AS_OF, valid_to__gt=AS_OF).values_list("unit__code", "region")
    )
    flagged = {a["unit"] for a in full if "unit" in a}
    sample = sorted(flagged) + sorted(set(regions) - flagged)[:10]
    ids = dict(Unit.objects.filter(code__in=sample).values_list("code", "id"))
    for code in sample:
        scoped = alerts_evaluate(as_of=AS_OF, units=[ids[code]])
        expected = [a for a in full if a.get("unit") == code or a.get("region") == regions[code]]
        assert scoped == expected, code


def test_a_change_reevaluates_the_units_it_touched(load, django_capture_on_commit_callbacks):
    from conftest import person_row, unit_row

    load({"机构": [unit_row("A"), unit_row("B")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 1}]})
    with django_capture_on_commit_callbacks(execute=True):
        result = rows_import(sheets={"人员": [person_row("A"), person_row("A")]}, source="api")
    assert result.ok and result.touched_units == {"A"}
    run = MonitoringRun.objects.latest("id")
    assert (run.scope, run.as_of) == ("A", today())
    assert [(a.rule, a.unit_code) for a in run.alerts.all()] == [("over_staffing", "A")]


def test_a_large_change_waits_for_the_full_run(monkeypatch, load, django_capture_on_commit_callbacks):
    from conftest import unit_row

    from bianzhi.supervision import handlers

    monkeypatch.setattr(handlers, "INCREMENTAL_LIMIT", 1)
    with django_capture_on_commit_callbacks(execute=True):
        load({"机构": [unit_row("A"), unit_row("B")]}, effective=dt.date(2026, 1, 1))
    assert not MonitoringRun.objects.exists()
