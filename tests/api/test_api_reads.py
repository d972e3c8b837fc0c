"""Reads: units as of a day and their tree, quotas and loans, figures per unit and rolled up, alerts
evaluated or stored, pagination and filters."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import NAMES, unit_row

from bianzhi.registry import selectors

pytestmark = pytest.mark.django_db


def test_tree_queries_children_and_descendants_as_of_a_day(register, personas, api, load):
    admin = personas["admin"]
    assert [u["code"] for u in api(admin, "GET", "/units/A/children").json()["items"]] == ["A-01", "AS"]
    tree = api(admin, "GET", "/units/A/descendants?include_self=true").json()["items"]
    assert [(u["code"], u["depth"]) for u in tree] == [("A", 0), ("A-01", 1), ("AS", 1)]
    # A school under AS, set up from 2030-09-01: not part of the tree before that day.
    load({"机构": [unit_row("AS-X", "事业单位", 上级机构代码="AS", 成立日期=dt.date(2030, 9, 1))]})
    later = api(admin, "GET", "/units/A/descendants?as_of=2030-09-01").json()["items"]
    assert [(u["code"], u["depth"]) for u in later] == [("A-01", 1), ("AS", 1), ("AS-X", 2)]
    before = api(admin, "GET", "/units/A/descendants?as_of=2030-08-31").json()["items"]
    assert "AS-X" not in [u["code"] for u in before]
    with_inactive = api(admin, "GET", "/units/A/descendants?as_of=2030-08-31&include_inactive=true").json()
    assert "AS-X" in [u["code"] for u in with_inactive["items"]]
    roots = api(admin, "GET", "/units?roots=true").json()["items"]
    assert [u["code"] for u in roots] == ["A", "B"]
    assert [u["code"] for u in api(admin, "GET", "/units?parent=B").json()["items"]] == ["B-01", "BS"]
    assert [u["code"] for u in api(admin, "GET", "/units?kind=事业单位").json()["items"]] == ["AS", "BS"]


def test_unit_detail_as_of_a_day(register, personas, api, load):
    load({"机构": [unit_row("A", 机构名称="新名称")]}, effective=dt.date(2026, 7, 1))
    admin = personas["admin"]
    assert api(admin, "GET", "/units/A?as_of=2026-06-30").json()["name"] == "机构A"
    current = api(admin, "GET", "/units/A?as_of=2026-07-01").json()
    assert current["name"] == "新名称" and current["valid_from"] == "2026-07-01" and current["valid_to"] is None
    assert api(admin, "GET", "/units/NOPE").status_code == 404


def test_pagination_reports_the_total(register, personas, api):
    page = api(personas["admin"], "GET", "/units?limit=2&offset=1").json()
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 1)
    assert [u["code"] for u in page["items"]] == ["A-01", "AS"]
    assert api(personas["admin"], "GET", "/units?limit=0").status_code == 422
    assert api(personas["admin"], "GET", "/units?limit=1001").status_code == 422


def test_quotas_positions_loans_and_limits(register, personas, api):
    admin = personas["admin"]
    quotas = api(admin, "GET", "/quotas?unit=A&subtree=true").json()["items"]
    assert [(q["unit"], q["staffing_type"], q["approved"]) for q in quotas] == [
        ("A", "行政编制", 5),
        ("AS", "事业编制", 3),
    ]
    loans = api(admin, "GET", "/loans?as_of=2026-06-30").json()["items"]
    assert [(loan["unit"], loan["overdue"]) for loan in loans] == [("A", False), ("B", True)]
    assert api(admin, "GET", "/loans?status=已回收").json()["total"] == 0
    limits = api(admin, "GET", "/limits?as_of=2026-06-30").json()["items"]
    assert limits == [
        {"region": "330602", "category": "党政机构", "limit": 5, "actual": 2, "valid_from": None, "valid_to": None}
    ]
    positions = api(admin, "GET", "/positions?category=正职").json()
    assert positions["total"] == 2


def test_figures_per_unit_match_the_register_selectors(register, personas, api):
    day = dt.date(2026, 6, 30)
    body = api(personas["leader"], "GET", "/figures/units?as_of=2026-06-30&limit=100").json()
    assert body["as_of"] == "2026-06-30"
    figures = selectors.unit_figures(day)
    by_code = {f.code: f for f in figures.values()}
    for unit in body["items"]:
        expected = by_code[unit["unit"]]
        for row in unit["staffing"]:
            mine = expected.staffing[row["staffing_type"]]
            assert (row["approved"], row["actual"], row["vacancy"], row["over"], row["usable"]) == (
                mine.approved,
                mine.actual,
                mine.vacancy,
                mine.over,
                mine.usable,
            )
    b = api(personas["leader"], "GET", "/figures/units/B?as_of=2026-06-30").json()
    admin = {row["staffing_type"]: row for row in b["staffing"]}["行政编制"]
    assert (admin["approved"], admin["actual"]) == (5, 2)  # 4 approved + 1 on loan; 张三 and 钱五
    assert b["positions"] == [{"category": "正职", "approved": 1, "actual": 0}]


def test_roll_ups_by_department_sequence_region_and_district(register, personas, api):
    admin = personas["admin"]
    department = {r["key"]: r for r in api(admin, "GET", "/figures/rollup?as_of=2026-06-30").json()["items"]}
    assert department["A"]["units"] == 3
    district = api(admin, "GET", "/figures/rollup?by=district&as_of=2026-06-30").json()
    assert district["by"] == "district" and [r["units"] for r in district["items"]] == [6]
    sequence = api(admin, "GET", "/figures/rollup?by=sequence").json()["items"]
    assert [r["key"] for r in sequence] == ["政府"]
    hr = api(personas["hr_a"], "GET", "/figures/rollup").json()["items"]
    assert sorted(r["key"] for r in hr) == ["A", "A-01", "AS"]


def test_alerts_evaluate_and_stored_with_filters(register, personas, api):
    admin = personas["admin"]
    evaluated = api(admin, "GET", "/alerts/evaluate?as_of=2026-06-30").json()
    rules = {a["rule"] for a in evaluated["items"]}
    assert {"mixed_staffing", "over_retirement_age", "overdue_turnover"} <= rules
    high = api(admin, "GET", "/alerts/evaluate?as_of=2026-06-30&severity=高").json()["items"]
    assert all(a["severity"] == "高" for a in high)
    of_b = api(admin, "GET", "/alerts/evaluate?as_of=2026-06-30&unit=B&subtree=true").json()["items"]
    assert of_b and {a["unit"] for a in of_b} <= {"B", "B-01", "BS"}
    assert api(admin, "GET", "/alerts/evaluate?rule=no_such_rule").status_code == 422
    stored = api(admin, "GET", "/alerts").json()
    assert stored["run"] == register["run"].pk and stored["as_of"] == "2026-06-30"
    assert stored["total"] == evaluated["total"]
    overdue = api(admin, "GET", "/alerts?rule=overdue_turnover").json()["items"]
    assert [(a["unit"], a["data"]["count"]) for a in overdue] == [("B", 1)]
    assert api(admin, "GET", "/alerts?run=999999").status_code == 404
    run = api(admin, "POST", "/alerts/runs", json={"as_of": "2026-06-30"}).json()
    assert api(admin, "GET", "/alerts/runs").json()["items"][0]["id"] == run["id"]
    assert api(admin, "GET", "/alerts").json()["run"] == run["id"]
    rule_list = api(personas["leader"], "GET", "/alerts/rules").json()
    assert {r["id"] for r in rule_list} >= {"over_staffing", "vacancy_idle"} and all(r["name"] for r in rule_list)


def test_people_filters(register, personas, api):
    admin = personas["admin"]
    names = lambda query: sorted(p["name"] for p in api(admin, "GET", f"/people?{query}").json()["items"])  # noqa: E731
    assert names("unit=B") == sorted([NAMES["PB"], NAMES["PB_MIXED"], NAMES["PB_OLD"]])
    assert names("unit=A&subtree=true") == sorted([NAMES["PA"], NAMES["PAS"]])
    assert names("staffing_type=事业编制") == sorted([NAMES["PAS"], NAMES["PB_MIXED"]])
    assert names("category=事业专业技术人员&unit=B") == [NAMES["PB_MIXED"]]
    assert names("on_staff=false") == []
    assert api(admin, "GET", "/people?unit=ZZ").status_code == 404


def test_suspensions_list_and_filters(register, personas, api):
    admin = personas["admin"]
    assert api(admin, "GET", "/suspensions").json()["total"] == 2
    assert api(admin, "GET", "/suspensions?in_force_on=2026-05-31").json()["total"] == 0
    in_force = api(admin, "GET", "/suspensions?unit=A&lifted=false").json()["items"]
    assert [s["unit"] for s in in_force] == ["A"] and in_force[0]["in_force"]


def test_alert_runs_count_only_what_the_caller_may_see(register, personas, api):
    """Security review: GET /alerts/runs showed a unit HR officer district-wide alert counts."""
    run_id = register["run"].pk
    for name in ("hr_a", "hr_b", "officer"):
        listed = api(personas[name], "GET", "/alerts/runs").json()["items"]
        counted = next(r["alert_count"] for r in listed if r["id"] == run_id)
        visible = api(personas[name], "GET", f"/alerts?run={run_id}&limit=500").json()["total"]
        assert counted == visible, name
    everything = api(personas["officer"], "GET", "/alerts/runs").json()["items"]
    own = api(personas["hr_a"], "GET", "/alerts/runs").json()["items"]
    assert next(r["alert_count"] for r in own if r["id"] == run_id) < next(
        r["alert_count"] for r in everything if r["id"] == run_id
    )
