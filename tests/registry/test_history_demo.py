"""The past stays as it was (issue 12, "Done means"): the demo district's figures and alerts as of ten
past days, computed before a series of re-imports with --effective, are computed again after them
and compared — every figure, every unit, every alert."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bianzhi.demo.generator import build_demo_workbook
from bianzhi.registry import selectors
from bianzhi.registry.services import workbook_import
from bianzhi.supervision.services import alerts_evaluate

pytestmark = pytest.mark.django_db

#: ten past days, from ten years back to the demo's day, all before the re-imports' --effective
DAYS = [dt.date(2016, 6, 30), *[dt.date(2018 + i, 3, 31) for i in range(8)], dt.date(2026, 6, 30)]


def _figures(day: dt.date) -> dict:
    units = {f.code: dataclasses.asdict(f) for f in selectors.unit_figures(day).values()}
    alerts = sorted(repr(sorted(alert.items())) for alert in alerts_evaluate(as_of=day))
    return {"units": units, "alerts": alerts}


def _import(tmp_path, name: str, sheets: dict, effective: dt.date) -> None:
    from conftest import write_csv_folder

    result = workbook_import(path=write_csv_folder(tmp_path / name, sheets), effective=effective)
    assert result.ok, result.errors[:5]
    assert sum(result.updated.values()) + sum(result.created.values()) > 0


def test_re_imports_with_effective_leave_the_past_as_it_was(tmp_path):
    demo = build_demo_workbook(seed=20260630, people=1500)
    sheets = demo.sheets
    assert workbook_import(path=demo.write_csv_folder(tmp_path / "demo")).ok
    before = {day: _figures(day) for day in DAYS}

    units = sheets["机构"]
    people = sheets["人员"]
    on_staff = [row for row in people if row["人员状态"] == "在编"]
    staffing_units = [u["机构代码"] for u in units if u["机构类型"] != "内设机构"]
    # 1. People leave without a 离编日期, others move to another unit, a few change post and category.
    leaving = [{**row, "人员状态": "退休"} for row in on_staff[:60]]
    moving = []
    for row in on_staff[60:120]:
        others = [code for code in staffing_units if code != row["机构代码"]]
        moving.append({**row, "机构代码": others[len(moving) % len(others)], "内设机构代码": None})
    posts = [{**row, "职务": "新职务", "职数类别": None} for row in on_staff[120:150]]
    _import(tmp_path, "people", {"机构": units, "人员": leaving + moving + posts}, dt.date(2026, 11, 1))
    # 2. Quotas cut or raised, a new 工勤编制 quota, every loan returned without a day.
    quotas = [{**row, "核定数": int(row["核定数"]) + (3 if i % 2 else -1)} for i, row in enumerate(sheets["编制"][:40])]
    quotas = [row for row in quotas if row["核定数"] >= 0]
    held = {(row["机构代码"], row["编制类型"]) for row in sheets["编制"]}
    fresh = next(code for code in staffing_units if (code, "工勤编制") not in held)
    quotas.append({"机构代码": fresh, "编制类型": "工勤编制", "核定数": 7})
    loans = [{**row, "状态": "已回收", "实际回收日期": None} for row in sheets["周转编制"]]
    _import(tmp_path, "quotas", {"机构": units, "编制": quotas, "周转编制": loans}, dt.date(2026, 11, 15))
    # 3. Units renamed and re-ranked, limits changed, a new unit with people created.
    renamed = [{**row, "机构名称": f"{row['机构名称']}（更名）"} for row in units[:30]]
    limits = [{**row, "限额数": int(row["限额数"]) + 1} for row in sheets["限额"]]
    _import(tmp_path, "units", {"机构": renamed, "限额": limits}, dt.date(2026, 12, 1))

    after = {day: _figures(day) for day in DAYS}
    for day in DAYS:
        assert after[day]["alerts"] == before[day]["alerts"], day
        assert after[day]["units"].keys() == before[day]["units"].keys(), day
        changed = sorted(code for code, f in after[day]["units"].items() if before[day]["units"][code] != f)
        assert changed == [], (day, changed[:5])
    # And the re-imports did change the present.
    assert _figures(dt.date(2026, 12, 1)) != before[DAYS[-1]]
