"""Figures of domain.md §3 per unit and rolled up, as of a day."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.registry import selectors
from bianzhi.registry.models import Unit

pytestmark = pytest.mark.django_db
D = dt.date(2026, 6, 30)


@pytest.fixture
def district(load):
    load(
        {
            "机构": [
                unit_row("DEP", 序列="政府"),
                unit_row("DEP-1", "内设机构", 上级机构代码="DEP"),
                {"机构代码": "SCH", "机构名称": "学校", "机构类型": "事业单位", "上级机构代码": "DEP"},
                unit_row("PTY", "党委工作机关", 序列="党委"),
                unit_row("OLD", 撤销日期=dt.date(2026, 1, 1)),
            ],
            "编制": [
                {"机构代码": "DEP", "编制类型": "行政编制", "核定数": 10},
                {"机构代码": "SCH", "编制类型": "事业编制", "核定数": 50},
                {"机构代码": "PTY", "编制类型": "行政编制", "核定数": 3},
                {"机构代码": "OLD", "编制类型": "行政编制", "核定数": 7},
            ],
            "职数": [{"机构代码": "DEP", "职数类别": "副职", "核定数": 2}],
            "周转编制": [
                {
                    "机构代码": "SCH",
                    "编制类型": "事业编制",
                    "数量": 5,
                    "使用日期": "2026-01-01",
                    "回收日期": "2027-01-01",
                    "状态": "使用中",
                }
            ],
            "人员": [
                *[person_row("DEP") for _ in range(8)],
                person_row("DEP", 职数类别="副职"),
                *[person_row("SCH", staffing="事业编制", category="事业专业技术人员") for _ in range(40)],
                *[person_row("PTY") for _ in range(5)],
                person_row("DEP", 进编日期=dt.date(2026, 7, 1)),
            ],
        }
    )


def test_unit_figures(district):
    units = {u.code: u for u in selectors.unit_figures(D).values()}
    assert set(units) == {"DEP", "DEP-1", "SCH", "PTY"}  # OLD is abolished
    dep = units["DEP"].staffing["行政编制"]
    assert (dep.approved, dep.actual, dep.vacancy, dep.vacancy_rate, dep.usable) == (10, 9, 1, 0.1, 1)
    school = units["SCH"].staffing["事业编制"]
    assert (school.approved, school.actual, school.vacancy, school.vacancy_rate) == (55, 40, 15, 15 / 55)
    party = units["PTY"].staffing["行政编制"]
    assert (party.vacancy, party.over, party.usable) == (0, 2, -2)
    assert units["DEP"].leaders == {"副职": 1} and units["DEP"].positions == {"副职": 2}
    # The person joining on 2026-07-01 counts from that day.
    assert (
        selectors.unit_figures(dt.date(2026, 7, 1))[Unit.objects.get(code="DEP").id].staffing["行政编制"].actual == 10
    )


def test_loan_counts_from_its_start_only(district):
    before = {u.code: u for u in selectors.unit_figures(dt.date(2025, 12, 31)).values()}
    assert before["SCH"].staffing["事业编制"].approved == 50


def test_roll_up_by_department_includes_descendants(district):
    department = selectors.roll_up(D, by="department")["DEP"]
    assert department.units == 3  # DEP, its internal division and the school
    assert department.staffing["行政编制"].approved == 10
    assert department.staffing["事业编制"].approved == 55


def test_roll_up_never_nets_one_unit_against_another(district):
    district_total = selectors.roll_up(D, by="district")[""]
    admin = district_total.staffing["行政编制"]
    # DEP has 1 vacancy, PTY is 2 over: the roll-up keeps both instead of netting to "1 over".
    assert (admin.approved, admin.actual, admin.vacancy, admin.over) == (13, 14, 1, 2)


def test_roll_up_by_sequence_and_region(district):
    by_sequence = selectors.roll_up(D, by="sequence")
    assert by_sequence["党委"].staffing["行政编制"].actual == 5
    assert by_sequence["政府"].units == 3
    assert set(selectors.roll_up(D, by="region")) == {"330602"}


def test_reservations_reduce_usable(district, monkeypatch):
    dep = Unit.objects.get(code="DEP").id
    monkeypatch.setattr(selectors, "RESERVATION_PROVIDERS", [lambda day, ids: {(dep, "行政编制"): 1}])
    figures = selectors.unit_figures(D)[dep].staffing["行政编制"]
    assert (figures.vacancy, figures.reserved, figures.usable) == (1, 1, 0)
