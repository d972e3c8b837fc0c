"""Flexible retirement (弹性退休, domain.md §5; interchange.md §1 人员 批准退休年月): an approved
retirement month within [max(statutory − 36, original-age month), statutory + 36], recorded like
the person's other values and then used instead of the statutory month by the forecast and by
``over_retirement_age``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import person_row, unit_row

from bianzhi.core.dates import END
from bianzhi.registry.models import PersonVersion
from bianzhi.registry.retirement import flexible_retirement_range, original_retirement_month
from bianzhi.registry.services import workbook_import
from bianzhi.supervision.selectors import retirements_forecast
from bianzhi.supervision.services import alerts_evaluate

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)
ROWS, COLUMNAR = 10**9, 1  # IMPORT_COLUMNAR_MIN_ROWS for each lane
UNITS = [unit_row("A"), unit_row("S", "事业单位")]


@pytest.fixture(autouse=True, params=["rows", "columnar"])
def lane(request, settings):
    """Every import here runs through the row-by-row path and through the roster's fast lane."""
    settings.IMPORT_COLUMNAR_MIN_ROWS = ROWS if request.param == "rows" else COLUMNAR


def worker(**extra) -> dict:
    """domain.md §5: a woman 事业工勤人员 born 1984-11 — original month 2034-11, statutory 2039-11."""
    return person_row(
        "S", staffing="事业编制", category="事业工勤人员", gender="女", birth=dt.date(1984, 11, 15), **extra
    )


def stored_month(id_number: str) -> dt.date | None:
    return PersonVersion.objects.get(person__id_number=id_number, valid_to=END).approved_retirement_month


def only_error(result) -> dict:
    assert not result.ok
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def retirement_alerts(day: dt.date = D) -> list[dict]:
    return [
        {k: a[k] for k in ("unit", "person", "retirement_month")}
        for a in alerts_evaluate(as_of=day)
        if a["rule"] == "over_retirement_age"
    ]


# ------------------------------------------------------------------ the allowed range


def test_the_range_of_the_domain_example():
    birth = dt.date(1984, 11, 15)
    kwargs = {"birth_date": birth, "gender": "女", "person_category": "事业工勤人员", "original_age": None}
    assert original_retirement_month(**kwargs) == dt.date(2034, 11, 1)
    assert flexible_retirement_range(**kwargs) == (dt.date(2036, 11, 1), dt.date(2042, 11, 1))
    # Never before the original age: a man born 1964-12 has no delay, so no earlier month at all.
    man = {"birth_date": dt.date(1964, 12, 10), "gender": "男", "person_category": "公务员", "original_age": None}
    assert flexible_retirement_range(**man) == (dt.date(2024, 12, 1), dt.date(2027, 12, 1))


@pytest.mark.parametrize(
    ("month", "stored"),
    [("2036-11", dt.date(2036, 11, 1)), ("2042-11", dt.date(2042, 11, 1)), ("2039-11", dt.date(2039, 11, 1))],
)
def test_a_month_within_the_range_bounds_included_is_recorded(load, month, stored):
    p = worker(批准退休年月=month)
    load({"机构": UNITS, "人员": [p]})
    assert stored_month(p["身份证号"]) == stored


@pytest.mark.parametrize("month", ["2035-06", "2036-10", "2042-12"])
def test_a_month_outside_the_range_is_an_error_under_its_column(workbook, month):
    result = workbook_import(path=workbook({"机构": UNITS, "人员": [person_row("A"), worker(批准退休年月=month)]}))
    error = only_error(result)
    assert (error["sheet"], error["row"], error["column"]) == ("人员", 3, "批准退休年月")
    assert set(error) == {"sheet", "row", "column", "message"}
    assert "2036-11" in error["message"] and "2042-11" in error["message"] and month in error["message"]
    assert not PersonVersion.objects.exists()


def test_the_range_error_is_reported_with_every_other_error(workbook):
    rows = [person_row("A", 性别="女"), worker(批准退休年月="2035-06")]
    result = workbook_import(path=workbook({"机构": UNITS, "人员": rows}))
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "性别"), (3, "批准退休年月")]


@pytest.mark.parametrize("month", ["2036-13", "2036/11", "2036-1", "203611", "2036-11-01", "２０３６年11月", "0000-01"])
def test_a_malformed_month_is_an_error(workbook, month):
    error = only_error(workbook_import(path=workbook({"机构": UNITS, "人员": [worker(批准退休年月=month)]})))
    assert (error["sheet"], error["row"], error["column"]) == ("人员", 2, "批准退休年月")
    assert "YYYY-MM" in error["message"] or "有效" in error["message"]


def test_full_width_digits_are_read_as_ascii(load):
    p = worker(批准退休年月="２０３７－０３")
    load({"机构": UNITS, "人员": [p]})
    assert stored_month(p["身份证号"]) == dt.date(2037, 3, 1)


@pytest.mark.parametrize(
    ("cell", "month"),
    [
        (dt.date(2036, 11, 30), dt.date(2036, 11, 1)),
        (dt.datetime(2042, 11, 1, 8, 30), dt.date(2042, 11, 1)),
        ("2040-02", dt.date(2040, 2, 1)),
    ],
    ids=["date", "datetime", "text"],
)
def test_xlsx_date_cells_give_their_month(load, cell, month):
    p = worker(批准退休年月=cell)
    load({"机构": UNITS, "人员": [p]}, fmt="xlsx")
    assert stored_month(p["身份证号"]) == month


def test_an_xlsx_date_cell_outside_the_range_is_an_error(workbook):
    path = workbook({"机构": UNITS, "人员": [worker(批准退休年月=dt.date(2042, 12, 1))]}, fmt="xlsx")
    error = only_error(workbook_import(path=path))
    assert (error["row"], error["column"]) == (2, "批准退休年月")
    assert "2042-12" in error["message"]


def test_a_number_cell_is_an_error(workbook):
    path = workbook({"机构": UNITS, "人员": [worker(批准退休年月=2037)]}, fmt="xlsx")
    error = only_error(workbook_import(path=path))
    assert (error["row"], error["column"]) == (2, "批准退休年月")


# ------------------------------------------------------------------ what the range is computed from


def test_the_range_follows_the_category_and_original_age_of_the_row(load, workbook):
    # The same woman as 事业专业技术人员 (original age 55): statutory 2042-11, allowed 2039-11 … 2045-11.
    clerk = worker(人员类别="事业专业技术人员", 批准退休年月="2045-11")
    load({"机构": UNITS, "人员": [clerk]})
    assert stored_month(clerk["身份证号"]) == dt.date(2045, 11, 1)
    # With 原退休年龄 50 in the row she follows the 50 row again: 2045-11 is too late.
    path = workbook({"机构": UNITS, "人员": [{**clerk, "原退休年龄": 50}]})
    assert only_error(workbook_import(path=path))["column"] == "批准退休年月"


def test_a_left_out_original_age_column_takes_the_stored_one(load, workbook):
    # A woman 公务员 born 1980-01: with 原退休年龄 60 she retires in 2043-01 (allowed 2040-01 … 2046-01);
    # by default (55) in 2038-01 (allowed 2035-01 … 2041-01).
    p = person_row("A", gender="女", birth=dt.date(1980, 1, 10), 原退休年龄=60)
    load({"机构": UNITS, "人员": [p]})
    without_age = {k: v for k, v in p.items() if k != "原退休年龄"}
    result = load({"机构": UNITS, "人员": [{**without_age, "批准退休年月": "2044-06"}]})
    assert result.updated["人员"] == 1
    assert stored_month(p["身份证号"]) == dt.date(2044, 6, 1)
    # The 原退休年龄 column present but empty clears the age: 2044-06 is then out of range.
    error = only_error(workbook_import(path=workbook({"机构": UNITS, "人员": [{**p, "原退休年龄": None}]})))
    assert (error["row"], error["column"]) == (2, "批准退休年月")


def test_a_stored_month_must_fit_a_new_category(load, workbook):
    p = worker(批准退休年月="2036-11")
    load({"机构": UNITS, "人员": [p]})
    without_month = {k: v for k, v in p.items() if k != "批准退休年月"}
    # As 事业专业技术人员 the earliest month is 2039-11: the stored 2036-11 no longer fits.
    error = only_error(
        workbook_import(path=workbook({"机构": UNITS, "人员": [{**without_month, "人员类别": "事业专业技术人员"}]}))
    )
    assert (error["sheet"], error["row"], error["column"]) == ("人员", 2, "批准退休年月")
    assert stored_month(p["身份证号"]) == dt.date(2036, 11, 1)


# ------------------------------------------------------------------ re-import: kept, cleared, unchanged


def test_a_left_out_column_keeps_the_month_and_an_empty_cell_clears_it(load):
    p = worker(批准退休年月="2037-05")
    load({"机构": UNITS, "人员": [p]})
    again = load({"机构": UNITS, "人员": [p]})
    assert again.unchanged["人员"] == 1 and again.updated["人员"] == 0
    without = {k: v for k, v in p.items() if k != "批准退休年月"}
    kept = load({"机构": UNITS, "人员": [without]})
    assert kept.unchanged["人员"] == 1
    assert stored_month(p["身份证号"]) == dt.date(2037, 5, 1)
    changed = load({"机构": UNITS, "人员": [{**p, "批准退休年月": "2038-01"}]}, effective=dt.date(2026, 5, 1))
    assert changed.updated["人员"] == 1
    assert stored_month(p["身份证号"]) == dt.date(2038, 1, 1)
    # A value with periods: the earlier month still holds before --effective.
    earlier = PersonVersion.objects.get(person__id_number=p["身份证号"], valid_to=dt.date(2026, 5, 1))
    assert earlier.approved_retirement_month == dt.date(2037, 5, 1)
    cleared = load({"机构": UNITS, "人员": [{**p, "批准退休年月": None}]}, effective=dt.date(2026, 6, 1))
    assert cleared.updated["人员"] == 1
    assert stored_month(p["身份证号"]) is None


# ------------------------------------------------------------------ the forecast and over_retirement_age


def forecast(start: str, months: int = 1) -> list[dict]:
    return retirements_forecast(start=dt.date.fromisoformat(start + "-01"), months=months, today=D)


def test_an_early_retirement_moves_the_forecast_and_the_alert(load):
    # A man born 1966-03: statutory 2026-07 (none as of 2026-06-30), original month 2026-03.
    p = person_row("A", birth=dt.date(1966, 3, 1), 批准退休年月="2026-04")
    load({"机构": UNITS, "人员": [p]})
    assert forecast("2026-04") == [{"person": p["身份证号"], "unit": "A", "month": "2026-04"}]
    assert forecast("2026-07") == []
    assert retirement_alerts(dt.date(2026, 4, 30)) == []
    assert retirement_alerts() == [{"unit": "A", "person": p["身份证号"], "retirement_month": "2026-04"}]


def test_a_late_retirement_suppresses_the_statutory_alert(load):
    # A man born 1964-12: statutory 2024-12, alerted as of 2026-06-30 without an approval.
    p = person_row("A", birth=dt.date(1964, 12, 10), 批准退休年月="2027-06")
    load({"机构": UNITS, "人员": [p]})
    assert retirement_alerts() == []
    assert retirement_alerts(dt.date(2027, 6, 30)) == []
    assert retirement_alerts(dt.date(2027, 7, 1)) == [
        {"unit": "A", "person": p["身份证号"], "retirement_month": "2027-06"}
    ]
    assert forecast("2024-12") == []
    assert forecast("2027-06") == [{"person": p["身份证号"], "unit": "A", "month": "2027-06"}]
    # Cleared from 2026-06-01, the statutory month holds from then on (a value with periods).
    load({"机构": UNITS, "人员": [{**p, "批准退休年月": None}]}, effective=dt.date(2026, 6, 1))
    assert retirement_alerts() == [{"unit": "A", "person": p["身份证号"], "retirement_month": "2024-12"}]
    assert retirement_alerts(dt.date(2026, 5, 31)) == []


def test_forecast_command_uses_the_approved_month(load, capsys):
    from django.core.management import call_command

    p = worker(批准退休年月="2036-11")
    load({"机构": UNITS, "人员": [p]})
    capsys.readouterr()
    call_command("forecast", "retirements", "--from", "2036-11", "--months", "36", "--json")
    document = json.loads(capsys.readouterr().out)
    assert document["retirements"] == [{"person": p["身份证号"], "unit": "S", "month": "2036-11"}]


# ------------------------------------------------------------------ both lanes agree


def _stored() -> list[tuple]:
    return sorted(
        PersonVersion.objects.values_list(
            "person__id_number", "valid_from", "valid_to", "category", "retirement_month", "approved_retirement_month"
        )
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_both_lanes_store_and_report_the_same(settings, workbook, fmt):
    from django.db import transaction

    people = [
        worker(批准退休年月="2036-11"),
        worker(批准退休年月=dt.date(2042, 11, 3) if fmt == "xlsx" else "2042-11"),
        worker(),
        person_row("A", birth=dt.date(1966, 3, 1), 批准退休年月="2026-04"),
        person_row("A"),
    ]
    bad = [*people, worker(批准退休年月="2035-06"), worker(批准退休年月="2036/11")]
    cleared = [{**p, "批准退休年月": None} for p in people]
    left_out = [{k: v for k, v in p.items() if k != "批准退休年月"} for p in people]
    results = {}
    for lane in (ROWS, COLUMNAR):
        settings.IMPORT_COLUMNAR_MIN_ROWS = lane
        with transaction.atomic():  # each lane starts from an empty register
            steps = []
            for rows in (bad, people, people, left_out, cleared, cleared):
                result = workbook_import(path=workbook({"机构": UNITS, "人员": rows}, fmt=fmt), reason="装载")
                report = result.as_json()
                for change in report.get("changes", []):  # ids differ between the lanes' runs
                    change["change_set"] = bool(change["change_set"])
                steps.append((report, _stored()))
            results[lane] = steps
            transaction.set_rollback(True)
    assert results[ROWS] == results[COLUMNAR]
    steps = results[COLUMNAR]
    first_bad = steps[0][0]
    assert [(e["row"], e["column"]) for e in first_bad["errors"]] == [(7, "批准退休年月"), (8, "批准退休年月")]
    assert steps[1][0]["created"]["人员"] == 5
    assert steps[2][0]["unchanged"]["人员"] == 5  # the same workbook again
    assert steps[3][0]["unchanged"]["人员"] == 5  # the column left out keeps the months
    assert steps[4][0]["updated"]["人员"] == 3 and steps[4][0]["unchanged"]["人员"] == 2  # cleared
    assert steps[5][0]["unchanged"]["人员"] == 5
    months = {row[0]: row[5] for row in steps[2][1]}
    assert months[people[0]["身份证号"]] == dt.date(2036, 11, 1)
    assert months[people[1]["身份证号"]] == dt.date(2042, 11, 1)
    assert months[people[2]["身份证号"]] is None


# ------------------------------------------------------------------ the API


def test_the_api_shows_and_writes_the_approved_month(register, personas, api):
    from conftest import PA

    admin = personas["admin"]
    number = PA["身份证号"]
    before = api(admin, "GET", f"/people/{number}").json()
    # A man born 1985-05: statutory 2048-05, allowed 2045-05 … 2051-05.
    assert (before["retirement_month"], before["approved_retirement_month"]) == ("2048-05", None)
    assert before["retirement_month_used"] == "2048-05"
    body = {
        "name": "王一",
        "gender": PA["性别"],
        "birth_date": PA["出生日期"].isoformat(),
        "category": PA["人员类别"],
        "unit": PA["机构代码"],
        "staffing_type": PA["编制类型"],
        "status": PA["人员状态"],
        "approved_retirement_month": "2046-01",
    }
    reply = api(admin, "PUT", f"/people/{number}", json={"reason": "测试", **body})
    assert reply.status_code in (200, 201), reply.content
    after = api(admin, "GET", f"/people/{number}").json()
    assert (after["retirement_month"], after["approved_retirement_month"]) == ("2048-05", "2046-01")
    assert after["retirement_month_used"] == "2046-01"
    wrong = api(
        admin, "PUT", f"/people/{number}", json={"reason": "测试", **body, "approved_retirement_month": "2044-01"}
    )
    assert wrong.status_code == 422
    assert any(p["column"] == "批准退休年月" for p in wrong.json()["problems"])
