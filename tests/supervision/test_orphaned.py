"""orphaned_staffing (domain.md §4): people on staff, or loans in use, in a unit abolished on or
before D — the one rule that looks at inactive units; one alert per unit and staffing type."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.registry.models import Unit
from bianzhi.supervision.rulebook import all_rules, get_rule
from bianzhi.supervision.services import alerts_evaluate

D = dt.date(2026, 6, 30)
ABOLISHED = dt.date(2026, 1, 1)
pytestmark = pytest.mark.django_db


def orphaned(day: dt.date = D, units=None) -> list[dict]:
    return [a for a in alerts_evaluate(as_of=day, units=units) if a["rule"] == "orphaned_staffing"]


def strip(alert: dict) -> dict:
    return {k: v for k, v in alert.items() if k not in ("message", "severity", "rule")}


def closed_unit_case(load) -> None:
    """Unit A, abolished on 2026-01-01, still holds two 行政编制 people, one 工勤编制 person and a
    loan of 2 行政编制 in use; B stays active with one person."""
    load(
        {
            "机构": [unit_row("A"), unit_row("B")],
            "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 5}],
            "周转编制": [
                {
                    "机构代码": "A",
                    "编制类型": "行政编制",
                    "数量": 2,
                    "使用日期": dt.date(2025, 1, 1),
                    "回收日期": dt.date(2027, 12, 31),
                    "状态": "使用中",
                },
                {
                    "机构代码": "A",
                    "编制类型": "事业编制",
                    "数量": 1,
                    "使用日期": dt.date(2025, 1, 1),
                    "回收日期": dt.date(2027, 12, 31),
                    "状态": "已回收",
                    "实际回收日期": dt.date(2025, 6, 30),
                },
            ],
            "人员": [
                person_row("A"),
                person_row("A"),
                person_row("A", staffing="工勤编制", category="机关工勤人员"),
                person_row("A", status="调出", 离编日期=dt.date(2025, 12, 1), 核销日期=dt.date(2025, 12, 5)),
                person_row("B"),
            ],
        }
    )
    load({"机构": [unit_row("A", 撤销日期=ABOLISHED), unit_row("B")]})


def test_people_and_loans_left_in_an_abolished_unit(load):
    closed_unit_case(load)
    found = orphaned()
    assert [strip(a) for a in found] == [
        {"unit": "A", "staffing_type": "工勤编制", "people": 1, "loaned": 0},
        {"unit": "A", "staffing_type": "行政编制", "people": 2, "loaned": 2},
    ]
    assert {a["severity"] for a in found} == {"高"}
    assert all("A" in a["message"] and "撤销" in a["message"] for a in found)


def test_no_alert_while_the_unit_is_still_active(load):
    closed_unit_case(load)
    assert orphaned(ABOLISHED - dt.timedelta(days=1)) == []
    assert [strip(a) for a in orphaned(ABOLISHED)][1]["people"] == 2  # abolished on D counts


def test_a_loan_alone_is_left_behind(load):
    load(
        {
            "机构": [unit_row("A", 撤销日期=ABOLISHED)],
            "周转编制": [
                {
                    "机构代码": "A",
                    "编制类型": "事业编制",
                    "数量": 3,
                    "使用日期": dt.date(2025, 1, 1),
                    "回收日期": dt.date(2027, 12, 31),
                    "状态": "使用中",
                }
            ],
        }
    )
    assert [strip(a) for a in orphaned()] == [{"unit": "A", "staffing_type": "事业编制", "people": 0, "loaned": 3}]


def test_a_closed_unit_emptied_in_time_is_silent(load):
    load(
        {
            "机构": [unit_row("A", 撤销日期=ABOLISHED)],
            "人员": [person_row("A", status="调出", 离编日期=dt.date(2025, 12, 1))],
        }
    )
    assert orphaned() == []


def test_the_incremental_path_only_reports_the_units_asked_for(load):
    closed_unit_case(load)
    ids = dict(Unit.objects.values_list("code", "id"))
    assert orphaned(units=[ids["B"]]) == []
    assert len(orphaned(units=[ids["A"]])) == 2
    assert orphaned(units=[ids["A"]]) == orphaned()


def test_registered_after_vacancy_idle_with_a_chinese_name():
    order = [rule.id for rule in all_rules()]
    assert order.index("orphaned_staffing") == order.index("vacancy_idle") + 1
    rule = get_rule("orphaned_staffing")
    assert rule.severity == "高" and rule.name == "撤销机构遗留编制" and "负面清单" in rule.description


def test_reads_on_staff_and_in_use_through_the_registers_selectors(load, monkeypatch):
    """Only ``people_on_staff(day, active=False)`` and ``loans_in_use(day, active=False)`` say
    who is on staff and what is in use."""
    from bianzhi.registry import selectors

    closed_unit_case(load)
    calls = []
    for name in ("people_on_staff", "loans_in_use"):
        original = getattr(selectors, name)

        def spy(day, *, active=True, _name=name, _original=original):
            calls.append((_name, day, active))
            return _original(day, active=active)

        monkeypatch.setattr(selectors, name, spy)
    get_rule("orphaned_staffing")().evaluate(D, {})
    assert sorted(calls) == [("loans_in_use", D, False), ("people_on_staff", D, False)]
