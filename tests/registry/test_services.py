"""Register services other than the workbook import: row imports and suspensions."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import unit_row

from bianzhi.core.models import ChangeRecord
from bianzhi.registry import selectors
from bianzhi.registry.models import Suspension, Unit
from bianzhi.registry.services import rows_import, suspension_lift, suspension_start

pytestmark = pytest.mark.django_db


def test_rows_import_without_a_unit_sheet_uses_the_same_rules(load):
    load({"机构": [unit_row("A")]})
    result = rows_import(
        sheets={"编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 3}]},
        effective=dt.date(2026, 1, 1),
        reason="编委会决定",
    )
    assert result.ok and result.created["编制"] == 1
    unit = Unit.objects.get()
    assert selectors.quota_by_unit_type(dt.date(2026, 1, 1)) == {(unit.id, "行政编制"): 3}
    refused = rows_import(sheets={"编制": [{"机构代码": "Z", "编制类型": "行政编制", "核定数": 3}]})
    assert [(e["sheet"], e["row"], e["column"]) for e in refused.errors] == [("编制", 2, "机构代码")]


def test_suspension_is_logged_and_lifted_once(load):
    load({"机构": [unit_row("A")]})
    unit = Unit.objects.get()
    suspension = suspension_start(unit=unit, reason="问题整改逾期", source="问题整改", started_on=dt.date(2026, 6, 1))
    assert Suspension.objects.filter(Suspension.in_force_on(dt.date(2026, 6, 30))).count() == 1
    suspension_lift(suspension=suspension, lifted_on=dt.date(2026, 7, 1), reason="整改完成")
    assert Suspension.objects.filter(Suspension.in_force_on(dt.date(2026, 7, 1))).count() == 0
    assert Suspension.objects.filter(Suspension.in_force_on(dt.date(2026, 6, 30))).count() == 1
    with pytest.raises(ValueError, match="已于"):
        suspension_lift(suspension=suspension, lifted_on=dt.date(2026, 7, 2), reason="again")
    assert ChangeRecord.objects.filter(entity="暂缓审批").count() == 2


def test_suspension_cannot_be_lifted_before_it_starts(load):
    load({"机构": [unit_row("A")]})
    suspension = suspension_start(
        unit=Unit.objects.get(), reason="三色管理", source="三色管理", started_on=dt.date(2026, 6, 1)
    )
    with pytest.raises(ValueError, match="早于"):
        suspension_lift(suspension=suspension, lifted_on=dt.date(2026, 5, 1), reason="x")
