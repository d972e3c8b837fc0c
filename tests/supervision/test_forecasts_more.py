"""Forecasts beside retirements (domain.md §6): turnover loans falling due per month, and projected
vacancy = approved − actual − reserved + retirements in the horizon − loans falling due in it, per
unit and rolled up — the selectors, the API with its permissions, and the alert history API."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.supervision.forecasts import loans_due_forecast, vacancy_forecast

D = dt.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


def loan(unit: str, quantity: int, start: str, due: str, status: str = "使用中") -> dict:
    return {
        "机构代码": unit,
        "编制类型": "行政编制",
        "数量": quantity,
        "使用日期": start,
        "回收日期": due,
        "状态": status,
    }


def sheets() -> dict:
    """A: 行政编制 10 + loans 2 (due 2026-09-15) and 1 (due 2027-03-31), a returned loan of 3; 8 on staff,
    one retiring 2026-07 and one past retirement (2024-12). AS below A: 事业编制 5, 4 on staff, one past
    retirement (2025-05). B: 行政编制 3 + an overdue loan of 1 (due 2026-03-31), 2 on staff."""
    young = [person_row("A") for _ in range(6)]
    return {
        "机构": [unit_row("A"), unit_row("AS", "事业单位", 上级机构代码="A", 事业单位类别="公益一类"), unit_row("B")],
        "编制": [
            {"机构代码": "A", "编制类型": "行政编制", "核定数": 10},
            {"机构代码": "AS", "编制类型": "事业编制", "核定数": 5},
            {"机构代码": "B", "编制类型": "行政编制", "核定数": 3},
        ],
        "周转编制": [
            loan("A", 2, "2025-01-01", "2026-09-15"),
            loan("A", 1, "2026-01-01", "2027-03-31"),
            {**loan("A", 3, "2025-02-01", "2026-08-01", "已回收"), "实际回收日期": "2026-03-01"},
            loan("B", 1, "2025-01-01", "2026-03-31"),
        ],
        "人员": [
            *young,
            person_row("A", birth=dt.date(1966, 3, 1)),  # statutory retirement 2026-07
            person_row("A", birth=dt.date(1964, 12, 10)),  # 2024-12: past it, still on staff
            *[person_row("AS", staffing="事业编制", category="事业专业技术人员") for _ in range(3)],
            person_row(
                "AS", staffing="事业编制", category="事业工勤人员", gender="女", birth=dt.date(1975, 3, 5)
            ),  # 2025-05
            person_row("B"),
            person_row("B"),
        ],
    }


@pytest.fixture
def district(load):
    load(sheets(), effective=dt.date(2025, 1, 1))


def rows(forecast) -> dict:
    return {
        (r.unit_code, r.staffing_type): (r.approved, r.actual, r.reserved, r.retiring, r.loans_due, r.projected)
        for r in forecast.rows
    }


def test_projected_vacancy_over_a_year(district, admin_user):
    forecast = vacancy_forecast(user=admin_user, day=D, months=12)
    assert forecast.end == dt.date(2027, 6, 1)
    assert rows(forecast) == {
        # 10 + 2 + 1 approved, 8 on staff, 2 retiring, both loans of A due before 2027-06: 13 − 8 + 2 − 3
        ("A", "行政编制"): (13, 8, 0, 2, 3, 4),
        ("AS", "事业编制"): (5, 4, 0, 1, 0, 2),
        # the overdue loan is due too: 4 − 2 − 1
        ("B", "行政编制"): (4, 2, 0, 0, 1, 1),
    }
    totals = {t.staffing_type: (t.approved, t.actual, t.retiring, t.loans_due, t.projected) for t in forecast.totals}
    assert totals == {"行政编制": (17, 10, 2, 4, 5), "事业编制": (5, 4, 1, 0, 2)}


@pytest.mark.parametrize(
    ("months", "expected"), [(1, (13, 8, 0, 1, 0, 6)), (3, (13, 8, 0, 2, 0, 7)), (4, (13, 8, 0, 2, 2, 5))]
)
def test_the_horizon_decides_what_retires_and_falls_due(district, admin_user, months, expected):
    # 1 month (June): only the one past retirement; 3 months (to August): the July retirement too;
    # 4 months (to September): the loan due 2026-09-15 goes back
    assert rows(vacancy_forecast(user=admin_user, day=D, months=months))[("A", "行政编制")] == expected


def test_a_unit_hr_officer_sees_its_own_units_only(district, django_user_model):
    from bianzhi.accounts.services import role_grant_create
    from bianzhi.registry.models import Unit

    user = django_user_model.objects.create_user(username="hr_b")
    role_grant_create(user=user, role="unit_hr", unit=Unit.objects.get(code="B"), actor="tests")
    assert set(rows(vacancy_forecast(user=user, day=D, months=12))) == {("B", "行政编制")}
    assert [
        (x.unit_code, x.due_date)
        for x in loans_due_forecast(user=user, day=D, start=dt.date(2026, 1, 1), months=12).loans
    ] == [("B", dt.date(2026, 3, 31))]


def test_loans_falling_due_per_month(district, admin_user):
    result = loans_due_forecast(user=admin_user, day=D, start=dt.date(2026, 6, 1), months=12)
    assert [(x.unit_code, x.quantity, x.due_date) for x in result.loans] == [
        ("A", 2, dt.date(2026, 9, 15)),
        ("A", 1, dt.date(2027, 3, 31)),
    ]
    by_month = {m["month"]: (m["loans"], m["quantity"]) for m in result.by_month() if m["loans"]}
    assert by_month == {"2026-09": (1, 2), "2027-03": (1, 1)}
    assert len(result.by_month()) == 12 and result.quantity == 3
    # the window from January holds B's loan, due in March and still in use on D
    early = loans_due_forecast(user=admin_user, day=D, start=dt.date(2026, 1, 1), months=3)
    assert [(x.unit_code, x.month) for x in early.loans] == [("B", "2026-03")]
    # as of 2025-06-30 the loan returned in 2026-03 was still in use, and the 2026 loan not yet
    before = loans_due_forecast(user=admin_user, day=dt.date(2025, 6, 30), start=dt.date(2026, 1, 1), months=24)
    assert [(x.unit_code, x.quantity) for x in before.loans] == [("B", 1), ("A", 3), ("A", 2)]


# ---------------------------------------------------------------- the API


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(username="root", password=None)


def test_vacancy_api_page_and_totals(register, personas, api):
    body = api(personas["officer"], "GET", "/forecasts/vacancy?as_of=2026-06-30&months=12").json()
    assert (body["as_of"], body["start"], body["months"]) == ("2026-06-30", "2026-06", 12)
    items = {(i["unit"], i["staffing_type"]): i for i in body["items"]}
    # the personas' register: A 行政编制 5 + a loan of 1 due 2027-01-01 (within 12 months of June 2026)
    assert {k: items[("A", "行政编制")][k] for k in ("approved", "actual", "loans_due", "projected")} == {
        "approved": 6,
        "actual": 1,
        "loans_due": 1,
        "projected": 4,
    }
    # B: 4 + an overdue loan of 1; 钱五 born 1960-01 is past retirement
    b = items[("B", "行政编制")]
    assert (b["approved"], b["actual"], b["retiring"], b["loans_due"], b["projected"]) == (5, 2, 1, 1, 3)
    assert body["total"] == len(body["items"])
    total = next(t for t in body["totals"] if t["staffing_type"] == "行政编制")
    assert total["unit"] is None and total["projected"] == sum(
        i["projected"] for i in body["items"] if i["staffing_type"] == "行政编制"
    )
    department = api(personas["officer"], "GET", "/forecasts/vacancy?as_of=2026-06-30&unit=A&subtree=true").json()
    assert {i["unit"] for i in department["items"]} == {"A", "AS"}


def test_forecast_api_permissions(register, personas, api):
    assert api(personas["hr_a"], "GET", "/forecasts/vacancy?unit=B").status_code == 404
    units = {i["unit"] for i in api(personas["hr_a"], "GET", "/forecasts/vacancy?as_of=2026-06-30").json()["items"]}
    assert units <= {"A", "A-01", "AS"} and "A" in units
    assert api(personas["nobody"], "GET", "/forecasts/loans").status_code == 403
    assert api(personas["anonymous"], "GET", "/forecasts/vacancy").status_code in (401, 403)
    bad = api(personas["officer"], "GET", "/forecasts/loans?staffing_type=编外")
    assert bad.status_code == 422 and "编制类型" in bad.json()["message"]


def test_loans_api(register, personas, api):
    body = api(personas["leader"], "GET", "/forecasts/loans?as_of=2026-06-30&start=2026-01&months=24").json()
    assert [(i["unit"], i["quantity"], i["due_date"], i["month"]) for i in body["items"]] == [
        ("B", 1, "2026-01-01", "2026-01"),
        ("A", 1, "2027-01-01", "2027-01"),
    ]
    assert body["by_month"] == [
        {"month": "2026-01", "loans": 1, "quantity": 1, "by_type": {"行政编制": 1}},
        {"month": "2027-01", "loans": 1, "quantity": 1, "by_type": {"行政编制": 1}},
    ]
    assert body["quantity"] == 2 and body["start"] == "2026-01"
    hr = api(personas["hr_a"], "GET", "/forecasts/loans?as_of=2026-06-30&start=2026-01&months=24").json()
    assert [i["unit"] for i in hr["items"]] == ["A"]


def test_the_alert_list_and_history_carry_first_seen_and_cleared(register, personas, api, load):
    from bianzhi.registry.services import rows_import
    from bianzhi.supervision.services import monitoring_run

    # the register fixture ran as of 2026-06-30; B's 赵四 (事业编制 in a 政府工作部门) is mixed staffing
    later = dt.date(2026, 7, 31)
    monitoring_run(as_of=later)
    body = api(personas["officer"], "GET", "/alerts?as_of=2026-07-31").json()
    mixed = next(i for i in body["items"] if i["rule"] == "mixed_staffing")
    assert (mixed["first_seen"], mixed["cleared"]) == ("2026-06-30", None)
    rows_import(
        sheets={"人员": [{**register["people"]["PB_MIXED"], "编制类型": "行政编制", "人员类别": "公务员"}]},
        source="api",
        effective=dt.date(2026, 8, 1),
    )
    monitoring_run(as_of=dt.date(2026, 8, 31))
    history = api(personas["officer"], "GET", "/alerts/history?unit=B&rule=mixed_staffing").json()
    assert [(i["first_seen"], i["last_seen"], i["cleared"], i["open"]) for i in history["items"]] == [
        ("2026-06-30", "2026-07-31", "2026-08-31", False)
    ]
    # looking back at July, the list says when it cleared
    july = api(personas["officer"], "GET", "/alerts?as_of=2026-07-31&rule=mixed_staffing").json()["items"]
    assert [(i["first_seen"], i["cleared"]) for i in july] == [("2026-06-30", "2026-08-31")]
    # scope: the HR officer of A sees none of B's history, and not B itself
    assert api(personas["hr_a"], "GET", "/alerts/history?unit=B").status_code == 404
    assert all(
        i["unit"] in {"A", "A-01", "AS"} for i in api(personas["hr_a"], "GET", "/alerts/history").json()["items"]
    )
    # a masked role sees the number masked and no date of an alert timed by a retirement month
    for item in api(personas["leader"], "GET", "/alerts/history?unit=B").json()["items"]:
        if item["rule"] == "over_retirement_age":
            assert item["first_seen"] is None and item["first_seen_run"] is None
        if item["person"]:
            assert "*" in item["person"]
    assert api(personas["nobody"], "GET", "/alerts/history").status_code == 403


def test_a_background_run_answers_202(register, personas, api, settings):
    from bianzhi.supervision.models import MonitoringRun

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    response = api(personas["officer"], "POST", "/alerts/runs", json={"as_of": "2026-07-01", "background": True})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "SUCCESSFUL" and body["as_of"] == "2026-07-01"
    assert MonitoringRun.objects.get(pk=body["run"]).as_of == dt.date(2026, 7, 1)
    refused = api(personas["leader"], "POST", "/alerts/runs", json={"background": True})
    assert refused.status_code == 403
