"""The retirement forecast page (/forecasts/retirements/, domain.md §6): the same people and months
as ``bianzhi forecast retirements`` and ``GET /api/v1/forecasts/retirements``, per month × unit,
department or staffing type, filtered, exported, scoped to a unit HR officer's subtree, and — for a
role that sees ID numbers masked — counted and listed by year only (domain.md §11)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import Counter

import openpyxl
import pytest
from conftest import NAMES, PB, REGISTER_DAY, person_row
from django.core.management import call_command
from django.test import Client

from bianzhi.accounts.permissions import mask_id_number

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
URL = "/forecasts/retirements/"

#: Five more people retiring soon (domain.md §5): men 60 + delay, women 55 + delay (事业专业技术人员).
JIA = person_row("A", birth=dt.date(1966, 7, 10), 姓名="甲一")  # 60y5m → 2026-12
YI = person_row(
    "AS", staffing="事业编制", category="事业专业技术人员", birth=dt.date(1971, 5, 1), gender="女", 姓名="乙二"
)  # 2026-10
BING = person_row("B", birth=dt.date(1966, 9, 1), 姓名="丙三")  # 60y6m → 2027-03
DING = person_row(
    "BS", staffing="事业编制", category="事业专业技术人员", birth=dt.date(1971, 5, 20), gender="女", 姓名="丁四"
)  # 2026-10
WU = person_row(
    "A", birth=dt.date(1966, 3, 3), 姓名="戊五", 批准退休年月="2027-01"
)  # statutory 2026-07, approved 2027-01
MONTHS = {
    "甲一": "2026-12",
    "乙二": "2026-10",
    "丙三": "2027-03",
    "丁四": "2026-10",
    "戊五": "2027-01",
    NAMES["PB"]: "2031-12",
}


@pytest.fixture
def people(personas, load):
    from conftest import register_sheets

    sheets = register_sheets()
    sheets["人员"] = [JIA, YI, BING, DING, WU]
    load({"人员": sheets["人员"]}, reason="退休预测测试数据", actor="tests")
    return personas


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


def forecast_of(response):
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.context["forecast"]


def per_period(forecast) -> dict[str, int]:
    return dict(Counter(p.period for p in forecast.people))


def cli_rows(capsysbinary, start: str, months: int) -> list[dict[str, str]]:
    capsysbinary.readouterr()
    call_command("forecast", "retirements", "--from", start, "--months", str(months), "--json")
    return json.loads(capsysbinary.readouterr().out.decode())["retirements"]


@pytest.mark.parametrize(("start", "months"), [("2026-10", 1), ("2026-07", 12), ("2027-01", 60)])
def test_the_page_counts_what_the_command_and_the_api_forecast(people, api, capsysbinary, start, months):
    page = forecast_of(client_for(people["officer"]).get(f"{URL}?start={start}&months={months}"))
    cli = cli_rows(capsysbinary, start, months)
    listed = api(people["officer"], "GET", f"/forecasts/retirements?start={start}&months={months}&limit=500").json()
    assert (
        per_period(page) == dict(Counter(r["month"] for r in cli)) == dict(Counter(r["month"] for r in listed["items"]))
    )
    assert [(p.number, p.unit_code, p.period) for p in page.people] == [
        (r["person"], r["unit"], r["month"]) for r in cli
    ]
    assert len(page.periods) == months and page.periods[0] == start


def test_real_months_per_window(people):
    client = client_for(people["officer"])
    one = forecast_of(client.get(f"{URL}?start=2026-10&months=1"))
    assert sorted(p.name for p in one.people) == ["丁四", "乙二"] and one.periods == ["2026-10"]
    year = forecast_of(client.get(f"{URL}?start=2026-07&months=12"))
    assert {p.name: p.period for p in year.people} == {k: v for k, v in MONTHS.items() if v < "2027-07"}
    assert per_period(year) == {"2026-10": 2, "2026-12": 1, "2027-01": 1, "2027-03": 1}
    # 戊五 retires in the approved month, not the statutory 2026-07.
    assert next(p for p in year.people if p.name == "戊五").approved
    long = forecast_of(client.get(f"{URL}?start=2027-01&months=60"))
    assert [p.name for p in long.people] == ["戊五", "丙三", NAMES["PB"]]
    assert long.periods[-1] == "2031-12"
    # The summary table: per unit (default), with the totals row.
    summary = client.get(f"{URL}?start=2026-07&months=12").context["tables"]["summary"]
    rows = {r["group"]: r["total"] for r in summary.rows()}
    assert rows == {"机构A（A）": 2, "机构AS（AS）": 1, "机构B（B）": 1, "机构BS（BS）": 1, "合计": 5}


def test_filters_by_unit_subtree_department_and_staffing_type(people):
    client = client_for(people["officer"])

    def names(query: str) -> list[str]:
        response = client.get(f"{URL}?start=2026-07&months=12&{query}")
        return sorted(p.name for p in forecast_of(response).people)

    assert names("unit=A") == sorted(["戊五", "甲一", "乙二"])
    assert names("unit=A&subtree=0") == sorted(["戊五", "甲一"])
    assert names("unit=机构AS（AS）") == ["乙二"]
    assert names("department=B") == sorted(["丙三", "丁四"])
    assert names("staffing_type=事业编制") == sorted(["乙二", "丁四"])
    assert names("department=B&staffing_type=行政编制") == ["丙三"]
    # Per department and per staffing type.
    by_department = client.get(f"{URL}?start=2026-07&months=12&by=department").context["tables"]["summary"]
    assert {r["group"]: r["total"] for r in by_department.rows()} == {"机构A": 3, "机构B": 2, "合计": 5}
    by_type = client.get(f"{URL}?start=2026-07&months=12&by=staffing_type").context["tables"]["summary"]
    assert [(r["group"], r["total"]) for r in by_type.rows()] == [("行政编制", 3), ("事业编制", 2), ("合计", 5)]


def test_a_leader_sees_years_only_and_every_window_touching_the_year(people):
    client = client_for(people["leader"])
    for start, months in (("2026-11", 1), ("2026-01", 1), ("2026-07", 12)):
        response = client.get(f"{URL}?start={start}&months={months}")
        forecast = forecast_of(response)
        assert forecast.by_year
        page = response.content.decode()
        for name, month in MONTHS.items():
            assert not re.search(rf"(?<![0-9]){month}(?![-/.0-9])", page), (start, name)
        for person in forecast.people:
            assert len(person.period) == 4 and person.shown_number == mask_id_number(person.number)
            assert person.number not in page
    # A window of one month lists everyone retiring in that year, whatever the month.
    january = forecast_of(client.get(f"{URL}?start=2026-01&months=1"))
    october = forecast_of(client.get(f"{URL}?start=2026-10&months=1"))
    assert (
        sorted(p.name for p in january.people)
        == sorted(p.name for p in october.people)
        == sorted(["甲一", "乙二", "丁四"])
    )
    assert january.periods == ["2026"] and per_period(january) == {"2026": 3}
    # The same as the API lists for a masked caller.
    assert [p.period for p in forecast_of(client.get(f"{URL}?start=2026-07&months=12")).people] == [
        "2026",
        "2026",
        "2026",
        "2027",
        "2027",
    ]
    # The summary table counts by year.
    summary = client.get(f"{URL}?start=2026-07&months=12").context["tables"]["summary"]
    assert [c.label for c in summary.columns][1:-1] == ["2026", "2027"]


def test_the_export_holds_the_table_the_people_and_the_conditions(people):
    client = client_for(people["officer"])
    response = client.get(f"{URL}?start=2026-07&months=12&by=staffing_type&export=summary")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("编制类型", "2026-07", "2026-08") and rows[0][-1] == "合计"
    assert rows[1][0] == "行政编制" and rows[1][-1] == 3 and rows[-1][0] == "合计" and rows[-1][-1] == 5
    about = dict(book.worksheets[1].iter_rows(values_only=True))
    assert about["起始月份"] == "2026-07" and about["月数"] == "12" and about["表格维度"] == "编制类型"
    people_book = openpyxl.load_workbook(io.BytesIO(client.get(f"{URL}?start=2026-07&months=12&export=people").content))
    listed = list(people_book.worksheets[0].iter_rows(values_only=True))
    assert listed[0][:3] == ("退休月份", "姓名", "身份证号")
    assert [(r[0], r[1]) for r in listed[1:]] == [
        ("2026-10", "乙二"),
        ("2026-10", "丁四"),
        ("2026-12", "甲一"),
        ("2027-01", "戊五"),
        ("2027-03", "丙三"),
    ]
    assert all(
        c.data_type == "s"
        for s in people_book.worksheets
        for row in s.iter_rows()
        for c in row
        if c.value is not None and isinstance(c.value, str)
    )
    # The leader's export: years and masked numbers only.
    leader = client_for(people["leader"])
    masked = openpyxl.load_workbook(io.BytesIO(leader.get(f"{URL}?start=2026-07&months=12&export=people").content))
    cells = [str(c) for s in masked.worksheets for row in s.iter_rows(values_only=True) for c in row if c is not None]
    assert "退休年份" in cells and not any(
        re.search(rf"(?<![0-9]){m}(?![-/.0-9])", cell) for m in MONTHS.values() for cell in cells
    )
    assert not any(row["身份证号"] in cell for row in (JIA, YI, BING, DING, WU) for cell in cells)


def test_a_unit_hr_officer_sees_its_subtree_only(people):
    client = client_for(people["hr_b"])
    forecast = forecast_of(client.get(f"{URL}?start=2026-07&months=12"))
    assert not forecast.by_year
    assert sorted((p.name, p.period) for p in forecast.people) == [("丁四", "2026-10"), ("丙三", "2027-03")]
    assert {p.shown_number for p in forecast.people} == {BING["身份证号"], DING["身份证号"]}
    # Another department answers like a unit that does not exist.
    elsewhere = client.get(f"{URL}?start=2026-07&months=12&unit=A")
    nowhere = client.get(f"{URL}?start=2026-07&months=12&unit=QX")
    assert elsewhere.status_code == nowhere.status_code == 400
    assert "没有该机构，或您无权查看该机构" in elsewhere.content.decode()
    assert elsewhere.content.decode().replace("unit=A", "").count("机构A") == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("months=0", "月数应为 1 至 60 之间的整数"),
        ("months=61", "月数应为 1 至 60 之间的整数"),
        ("months=abc", "月数应为 1 至 60 之间的整数"),
        ("start=2026-13", "起始月份应为 YYYY-MM 格式的月份"),
        ("start=2199-12&months=2", "预测范围不能超过 2199-12"),
    ],
)
def test_months_out_of_range_are_refused_in_chinese(people, query, message):
    response = client_for(people["officer"]).get(f"{URL}?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "无法预测" in page
    assert client_for(people["officer"]).get(f"{URL}?{query}&export=people").status_code == 400


def test_the_page_defaults_to_this_month_and_twelve_months_and_is_in_the_navigation(people):
    from bianzhi.core.dates import today

    response = client_for(people["officer"]).get(URL)
    forecast = forecast_of(response)
    assert forecast.start == today().replace(day=1) and forecast.months == 12
    page = response.content.decode()
    assert 'data-nav="forecasts"' in page and "退休预测" in page
    assert 'id="forecast-data"' in page and "forecast-chart.js" in page and "<script>" not in page
    data = response.context["chart"]
    assert len(data["periods"]) == 12 and sum(data["total"]) == len(forecast.people)


def test_a_user_without_a_role_is_refused(people):
    assert client_for(people["nobody"]).get(URL).status_code == 403
    assert Client().get(URL).status_code == 302
    assert PB["身份证号"]  # the register is the personas'
    assert REGISTER_DAY.year == 2026
