"""The worked examples of domain.md §4, each firing and not firing (D = 2026-06-30 unless said)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.supervision.models import RuleSetting
from bianzhi.supervision.services import alerts_evaluate

D = dt.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


def alerts(rule: str, day: dt.date = D) -> list[dict]:
    return [a for a in alerts_evaluate(as_of=day) if a["rule"] == rule]


def strip(alert: dict) -> dict:
    return {k: v for k, v in alert.items() if k not in ("message", "severity", "rule")}


# ------------------------------------------------------------------ over_staffing


def staffing_case(load, people: int, loan_status: str = "使用中"):
    load(
        {
            "机构": [unit_row("A")],
            "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 10}],
            "周转编制": [
                {
                    "机构代码": "A",
                    "编制类型": "行政编制",
                    "数量": 2,
                    "使用日期": dt.date(2025, 1, 1),
                    "回收日期": dt.date(2027, 12, 31),
                    "状态": loan_status,
                    # A returned loan says when (interchange.md §1): without the day, a first
                    # import's 已回收 loan went back on its 回收日期, here after D.
                    **({"实际回收日期": dt.date(2025, 6, 30)} if loan_status == "已回收" else {}),
                }
            ],
            "人员": [person_row("A") for _ in range(people)],
        }
    )


def test_over_staffing_counts_loans_in_use(load):
    staffing_case(load, 13)
    found = alerts("over_staffing")
    assert [strip(a) for a in found] == [
        {"unit": "A", "staffing_type": "行政编制", "approved": 12, "actual": 13, "excess": 1}
    ]
    assert found[0]["severity"] == "高"
    assert "超编" in found[0]["message"]


def test_over_staffing_silent_at_the_approved_number(load):
    staffing_case(load, 12)
    assert alerts("over_staffing") == []


def test_over_staffing_ignores_a_returned_loan(load):
    staffing_case(load, 12, loan_status="已回收")
    assert [strip(a) for a in alerts("over_staffing")] == [
        {"unit": "A", "staffing_type": "行政编制", "approved": 10, "actual": 12, "excess": 2}
    ]


def test_over_staffing_loan_counts_only_from_its_start(load):
    staffing_case(load, 12)
    # Before 使用日期 2025-01-01 the loan is not yet part of approved.
    assert [strip(a)["approved"] for a in alerts("over_staffing", dt.date(2024, 12, 31))] == [10]


def test_over_staffing_never_nets_staffing_types(load):
    load(
        {
            "机构": [unit_row("A")],
            "编制": [
                {"机构代码": "A", "编制类型": "行政编制", "核定数": 1},
                {"机构代码": "A", "编制类型": "工勤编制", "核定数": 5},
            ],
            "人员": [person_row("A"), person_row("A")],
        }
    )
    assert [(a["staffing_type"], a["excess"]) for a in alerts("over_staffing")] == [("行政编制", 1)]


def test_over_staffing_without_a_quota_row_counts_zero(load):
    load({"机构": [unit_row("A")], "人员": [person_row("A", staffing="工勤编制", category="机关工勤人员")]})
    assert [strip(a) for a in alerts("over_staffing")] == [
        {"unit": "A", "staffing_type": "工勤编制", "approved": 0, "actual": 1, "excess": 1}
    ]


def test_abolished_unit_raises_no_alert(load):
    load(
        {
            "机构": [unit_row("A", 撤销日期=dt.date(2026, 1, 1))],
            "人员": [person_row("A"), person_row("A")],
        }
    )
    assert alerts("over_staffing") == []
    assert len(alerts("over_staffing", dt.date(2025, 12, 31))) == 1


def test_unit_not_yet_established_raises_no_alert(load):
    load({"机构": [unit_row("A", 成立日期=dt.date(2026, 7, 1))], "人员": [person_row("A")]})
    assert alerts("over_staffing") == []
    assert len(alerts("over_staffing", dt.date(2026, 7, 1))) == 1


# ------------------------------------------------------------------ over_positions


def test_over_positions_counts_only_people_on_staff(load):
    deputies = [person_row("A", 职数类别="副职") for _ in range(3)]
    retired = person_row("A", 职数类别="副职", status="退休", 离编日期=dt.date(2026, 1, 1))
    load(
        {
            "机构": [unit_row("A")],
            "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 10}],
            "职数": [{"机构代码": "A", "职数类别": "副职", "核定数": 3}],
            "人员": [*deputies, retired],
        }
    )
    assert alerts("over_positions") == []
    assert [strip(a) for a in alerts("over_positions", dt.date(2025, 12, 31))] == [
        {"unit": "A", "position_category": "副职", "approved": 3, "actual": 4, "excess": 1}
    ]


def test_over_positions_without_a_row_counts_zero(load):
    load(
        {
            "机构": [unit_row("A")],
            "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 10}],
            "人员": [person_row("A", 职数类别="正职")],
        }
    )
    found = alerts("over_positions")
    assert [strip(a) for a in found] == [
        {"unit": "A", "position_category": "正职", "approved": 0, "actual": 1, "excess": 1}
    ]
    assert found[0]["severity"] == "高"


# ------------------------------------------------------------------ over_limit


def test_over_limit_counts_party_and_government_organs_only(load):
    organs = [unit_row(f"G{i:02d}") for i in range(28)] + [unit_row("P01", "党委工作机关", 序列="党委")]
    abolished = unit_row("G99", 撤销日期=dt.date(2025, 12, 31))
    managed = [unit_row("M1", "部门管理机构"), unit_row("M2", "部门管理机构")]
    load(
        {
            "机构": [*organs, abolished, *managed],
            "限额": [{"区划代码": "330602", "限额类别": "党政机构", "限额数": 29}],
        }
    )
    assert alerts("over_limit") == []
    assert [strip(a) for a in alerts("over_limit", dt.date(2025, 6, 30))] == [
        {"region": "330602", "category": "党政机构", "limit": 29, "actual": 30}
    ]


def test_over_limit_public_institutions(load):
    load(
        {
            "机构": [unit_row(f"S{i}", "事业单位") for i in range(3)],
            "限额": [{"区划代码": "330602", "限额类别": "事业单位", "限额数": 2}],
        }
    )
    assert [strip(a) for a in alerts("over_limit")] == [
        {"region": "330602", "category": "事业单位", "limit": 2, "actual": 3}
    ]


def test_over_limit_internal_divisions(load):
    divisions = [unit_row(f"B-{i}", "内设机构", 上级机构代码="B") for i in range(4)]
    divisions.append(unit_row("B-9", "内设机构", 上级机构代码="B", 撤销日期=dt.date(2024, 1, 1)))
    load({"机构": [unit_row("B", 核定内设机构数=4), *divisions]})
    assert alerts("over_limit") == []
    assert [strip(a) for a in alerts("over_limit", dt.date(2023, 12, 31))] == [
        {"unit": "B", "category": "内设机构", "limit": 4, "actual": 5}
    ]


# ------------------------------------------------------------------ mixed_staffing


def test_mixed_staffing_fires_for_each_wrong_type(load):
    wrong_in_organ = person_row("GOV", staffing="事业编制", category="公务员")
    wrong_in_institution = person_row("INS", staffing="工勤编制", category="事业工勤人员")
    load(
        {
            "机构": [unit_row("GOV"), unit_row("INS", "事业单位")],
            "编制": [
                {"机构代码": "GOV", "编制类型": "事业编制", "核定数": 5},
                {"机构代码": "INS", "编制类型": "工勤编制", "核定数": 5},
            ],
            "人员": [wrong_in_organ, wrong_in_institution],
        }
    )
    found = alerts("mixed_staffing")
    assert [strip(a) for a in found] == [
        {"unit": "GOV", "person": wrong_in_organ["身份证号"], "staffing_type": "事业编制"},
        {"unit": "INS", "person": wrong_in_institution["身份证号"], "staffing_type": "工勤编制"},
    ]
    assert {a["severity"] for a in found} == {"中"}


def test_mixed_staffing_allows_worker_and_political_legal_staffing(load):
    load(
        {
            "机构": [unit_row("GOV"), unit_row("COURT", "审判机关", 序列="法院")],
            "人员": [
                person_row("GOV", staffing="工勤编制", category="机关工勤人员"),
                person_row("COURT", staffing="政法专项编制"),
            ],
        }
    )
    assert alerts("mixed_staffing") == []


# ------------------------------------------------------------------ over_retirement_age


def test_over_retirement_age_man_born_1964(load):
    p = person_row("A", birth=dt.date(1964, 12, 10))
    load({"机构": [unit_row("A")], "人员": [p]})
    assert [strip(a) for a in alerts("over_retirement_age")] == [
        {"unit": "A", "person": p["身份证号"], "retirement_month": "2024-12"}
    ]


def test_over_retirement_age_man_born_1966_not_yet(load):
    p = person_row("A", birth=dt.date(1966, 3, 1))
    load({"机构": [unit_row("A")], "人员": [p]})
    assert alerts("over_retirement_age") == []
    assert alerts("over_retirement_age", dt.date(2026, 7, 31)) == []
    assert [a["retirement_month"] for a in alerts("over_retirement_age", dt.date(2026, 8, 1))] == ["2026-07"]


def test_over_retirement_age_woman_worker(load):
    p = person_row("S", staffing="事业编制", birth=dt.date(1975, 3, 5), gender="女", category="事业工勤人员")
    load({"机构": [unit_row("S", "事业单位")], "人员": [p]})
    assert [a["retirement_month"] for a in alerts("over_retirement_age")] == ["2025-05"]


def test_over_retirement_age_respects_original_age_override(load):
    # A woman 公务员 would retire at 55 (+delay); with 原退休年龄 60 she follows the 60 row.
    p = person_row("A", birth=dt.date(1968, 1, 1), gender="女", 原退休年龄=60)
    load({"机构": [unit_row("A")], "人员": [p]})
    assert alerts("over_retirement_age") == []


def test_retired_person_is_not_over_age(load):
    p = person_row(
        "A", birth=dt.date(1960, 1, 1), status="退休", 离编日期=dt.date(2020, 1, 1), 核销日期=dt.date(2020, 1, 2)
    )
    load({"机构": [unit_row("A")], "人员": [p]})
    assert alerts("over_retirement_age") == []


# ------------------------------------------------------------------ overdue_turnover


@pytest.mark.parametrize(("status", "expected"), [("使用中", 1), ("已回收", 0)])
def test_overdue_turnover(load, status, expected):
    load(
        {
            "机构": [unit_row("A")],
            "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 10}],
            "周转编制": [
                {
                    "机构代码": "A",
                    "编制类型": "行政编制",
                    "数量": 2,
                    "使用日期": dt.date(2025, 1, 1),
                    "回收日期": dt.date(2026, 3, 31),
                    "状态": status,
                }
            ],
        }
    )
    found = alerts("overdue_turnover")
    assert [strip(a) for a in found] == [{"unit": "A", "staffing_type": "行政编制", "count": 2, "due": "2026-03-31"}][
        :expected
    ]
    assert alerts("overdue_turnover", dt.date(2026, 3, 31)) == []


# ------------------------------------------------------------------ late_write_off


def test_late_write_off_after_the_tenth_working_day(load):
    p = person_row("A", status="调出", 离编日期=dt.date(2026, 3, 2))
    load({"机构": [unit_row("A")], "人员": [p]})
    assert alerts("late_write_off", dt.date(2026, 3, 16)) == []
    assert [strip(a) for a in alerts("late_write_off", dt.date(2026, 3, 17))] == [
        {"unit": "A", "person": p["身份证号"], "left": "2026-03-02", "deadline": "2026-03-16"}
    ]


def test_late_write_off_clears_once_written_off(load):
    p = person_row("A", status="调出", 离编日期=dt.date(2026, 3, 2), 核销日期=dt.date(2026, 3, 20))
    load({"机构": [unit_row("A")], "人员": [p]})
    assert len(alerts("late_write_off", dt.date(2026, 3, 18))) == 1
    assert alerts("late_write_off") == []


def test_late_write_off_ignores_people_on_staff(load):
    load({"机构": [unit_row("A")], "人员": [person_row("A", 离编日期=dt.date(2026, 3, 2))]})
    assert alerts("late_write_off") == []


# ------------------------------------------------------------------ vacancy_idle


def idle_case(load, latest_entry: dt.date):
    people = [
        person_row("S", staffing="事业编制", category="事业管理人员", 进编日期=dt.date(2015, 1, 1)) for _ in range(7)
    ]
    people.append(person_row("S", staffing="事业编制", category="事业管理人员", 进编日期=latest_entry))
    load(
        {
            "机构": [unit_row("S", "事业单位")],
            "编制": [{"机构代码": "S", "编制类型": "事业编制", "核定数": 10}],
            "人员": people,
        }
    )


def test_vacancy_idle_fires_after_a_year_without_use(load):
    idle_case(load, dt.date(2025, 6, 30))
    found = alerts("vacancy_idle")
    assert [strip(a) for a in found] == [{"unit": "S", "staffing_type": "事业编制", "vacancy": 2, "approved": 10}]
    assert found[0]["severity"] == "低"


def test_vacancy_idle_silent_when_someone_joined_in_the_window(load):
    idle_case(load, dt.date(2025, 7, 1))
    assert alerts("vacancy_idle") == []


def test_vacancy_idle_threshold_is_configurable(load):
    idle_case(load, dt.date(2025, 6, 30))
    RuleSetting.objects.create(rule="vacancy_idle", params={"vacancy_rate": 0.25})
    assert alerts("vacancy_idle") == []


def test_vacancy_idle_silent_below_the_threshold(load):
    people = [
        person_row("S", staffing="事业编制", category="事业管理人员", 进编日期=dt.date(2015, 1, 1)) for _ in range(9)
    ]
    load(
        {
            "机构": [unit_row("S", "事业单位")],
            "编制": [{"机构代码": "S", "编制类型": "事业编制", "核定数": 10}],
            "人员": people,
        }
    )
    assert alerts("vacancy_idle") == []


# ------------------------------------------------------------------ registry switches


def test_a_rule_switched_off_reports_nothing(load):
    staffing_case(load, 13)
    RuleSetting.objects.create(rule="over_staffing", enabled=False)
    assert alerts("over_staffing") == []


def test_severity_can_be_overridden(load):
    staffing_case(load, 13)
    RuleSetting.objects.create(rule="over_staffing", severity="中")
    assert [a["severity"] for a in alerts("over_staffing")] == ["中"]


def test_a_run_computes_the_figures_its_rules_share_once(load, monkeypatch):
    """over_staffing and vacancy_idle both need approved and actual per unit and staffing type."""
    from bianzhi.registry import selectors

    staffing_case(load, people=13)
    computed = []
    for name in ("approved_by_unit_type", "actual_by_unit_type", "unit_codes_as_of"):
        shared = getattr(selectors, name)
        original = shared.__wrapped__

        def counting(*args, _name=name, _original=original, **kwargs):
            computed.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(shared, "__wrapped__", counting)
    found = alerts_evaluate(as_of=D)
    assert sorted(computed) == ["actual_by_unit_type", "approved_by_unit_type", "unit_codes_as_of"]
    assert [a["rule"] for a in found if a["rule"] == "over_staffing"] == ["over_staffing"]
    selectors.actual_by_unit_type(D)  # outside a run: computed again
    assert computed.count("actual_by_unit_type") == 2
