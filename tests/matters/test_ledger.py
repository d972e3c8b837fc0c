"""台账 (issue 14 "ledger"): every change of a unit's quota, positions or structure with before, after,
delta, date, 文号 and source — executed matters and the office's imports alike, the latter marked as
bypassing the procedure — and the register rebuilt as of any day."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.matters.selectors import ledger, ledger_days, unit_register
from bianzhi.registry.models import Unit
from tests.matters.support import *  # noqa: F403  (the fixture ``office``)
from tests.matters.support import (
    D1,
    D2,
    execute,
)

pytestmark = pytest.mark.django_db


def test_the_ledger_lists_matters_and_marks_the_office_imports(office, load):
    matter = execute(office, "划转编制", {"from": "C", "to": "D", "staffing_type": "行政编制", "count": 2})
    load(
        {"编制": [{"机构代码": "C", "编制类型": "行政编制", "核定数": 5}]},
        effective=D2,
        reason="年度核对",
        document_number="",
    )
    execute(office, "更名", {"unit": "C", "name": "C服务局"}, dt.date(2026, 10, 1))
    entries = ledger(user=office["officer"].user, unit=Unit.objects.get(code="C"))
    quota_rows = [
        (e.day, e.item, e.before, e.after, e.delta, e.document_number, e.bypasses)
        for e in entries
        if e.entity == "编制"
    ]
    assert quota_rows[-2:] == [
        (D1, "行政编制", 6, 4, -2, "越编〔2026〕7号", False),
        (D2, "行政编制", 4, 5, 1, "", True),
    ]
    transfer = next(e for e in entries if e.day == D1 and e.entity == "编制")
    assert (transfer.source, transfer.matter_id) == (f"机构编制事项 #{matter.pk}", matter.pk)
    imported = next(e for e in entries if e.day == D2)
    assert imported.source == "导入" and imported.reason == "年度核对"
    rename = [(e.item, e.before, e.after) for e in entries if e.entity == "机构" and e.day == dt.date(2026, 10, 1)]
    assert rename == [("机构名称", "机构C", "C服务局")]
    # the first import created C's quotas: listed as created, bypassing
    first = [e for e in entries if e.entity == "编制" and e.before is None]
    assert {(e.item, e.after, e.delta, e.bypasses) for e in first} == {
        ("行政编制", 6, 6, True),
        ("工勤编制", 1, 1, True),
    }
    assert ledger_days(entries) == [D1, D2, dt.date(2026, 10, 1)]
    # D's ledger has the other side of the transfer
    d_rows = [
        (e.item, e.before, e.after, e.delta)
        for e in ledger(user=office["officer"].user, unit=Unit.objects.get(code="D"))
        if e.day == D1
    ]
    assert d_rows == [("行政编制", 3, 5, 2)]


def test_the_ledger_shows_new_divisions_and_merges(office):
    execute(office, "增设内设机构", {"unit": "D", "division": {"机构代码": "D-01", "机构名称": "办公室"}})
    execute(office, "合并", {"target": "D", "merged": ["C"]}, D2)
    entries = ledger(user=office["officer"].user, unit=Unit.objects.get(code="D"))
    structure = [(e.day, e.item, e.after) for e in entries if e.entity == "机构"]
    assert (D1, "下设机构", "设立 D-01 办公室") in structure
    assert (D2, "下设机构", "划入 C-01") in structure and (D2, "下设机构", "划入 CS") in structure
    merged = [(e.item, e.before, e.after, e.delta) for e in entries if e.entity == "编制" and e.day == D2]
    assert merged == [("行政编制", 3, 9, 6), ("工勤编制", None, 1, 1)] or merged == [
        ("工勤编制", None, 1, 1),
        ("行政编制", 3, 9, 6),
    ]
    c_entries = ledger(user=office["officer"].user, unit=Unit.objects.get(code="C"))
    assert (D2, "撤销日期", D2.isoformat()) in [(e.day, e.item, e.after) for e in c_entries]


def test_the_register_is_rebuilt_as_of_any_day(office):
    execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 2})
    execute(office, "调整规格", {"unit": "C", "rank": "副处级"}, D2)
    unit = Unit.objects.get(code="C")
    before, after, later = (unit_register(unit=unit, day=d) for d in (D1 - dt.timedelta(days=1), D1, D2))
    staffing = {r["staffing_type"]: (r["approved"], r["actual"]) for r in before.staffing}
    assert staffing == {"行政编制": (6, 2), "工勤编制": (1, 0)}
    assert {r["staffing_type"]: r["approved"] for r in after.staffing}["行政编制"] == 8
    assert (before.rank, after.rank, later.rank) == ("正科级", "正科级", "副处级")
    assert before.positions == [{"category": "正职", "approved": 1, "actual": 0}]


def test_a_unit_hr_officer_sees_only_its_units_ledger_and_no_operator(office):
    execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 2})
    assert ledger(user=office["hr_a"].user, unit=Unit.objects.get(code="C")) == []
    mine = ledger(user=office["hr_a"].user, unit=Unit.objects.get(code="A"))
    assert mine and all(e.actor == "" and e.change_set_id is None for e in mine)
    loans = [(e.item, e.after, e.delta) for e in mine if e.entity == "周转编制"]
    assert loans == [("周转编制 行政编制/2026-01-01", 1, 1)]
    auditor = ledger(user=office["auditor"].user, unit=Unit.objects.get(code="C"))
    assert auditor[-1].actor == "officer"
