"""Issue 15 pages: the alerts page's first-seen, cleared and rows-behind columns, the monitoring runs
page with its background run button, the alert history (district and per unit), and the forecast
tabs for loans falling due and projected vacancy, each exportable — with their permissions."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from conftest import PB_OLD, REGISTER_DAY
from django.test import Client

from bianzhi.accounts.permissions import mask_id_number
from bianzhi.supervision.models import MonitoringRun

pytestmark = pytest.mark.django_db
DAY = REGISTER_DAY.isoformat()
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def rows_of(response, table: str) -> list[dict]:
    return list(response.context["tables"][table].page.object_list)


def test_the_alerts_page_shows_first_seen_and_links_the_rows_behind(register, personas):
    response = client_for(personas["officer"]).get(f"/alerts/?as_of={DAY}")
    assert response.status_code == 200
    rows = {(r["rule"], r["unit"] or r["region"]): r for r in rows_of(response, "alerts")}
    overdue = rows[("overdue_turnover", "B")]
    assert overdue["first_seen"] == REGISTER_DAY and overdue["cleared"] is None
    assert overdue["rows_url"] == f"/units/B/?as_of={DAY}#table-loans"
    mixed = rows[("mixed_staffing", "B")]
    assert mixed["rows_url"] == mixed["person_url"] and mixed["rows_url"].startswith("/people/")
    text = response.content.decode()
    assert "首次发现" in text and "依据数据" in text and "监测运行" in text


def test_a_masked_role_sees_no_date_of_an_alert_timed_by_a_retirement_month(register, personas):
    # 钱五 (born 1960-01) is past retirement: the leader sees the alert from the next year on, undated
    later = dt.date(2027, 1, 31)
    from bianzhi.supervision.services import monitoring_run

    monitoring_run(as_of=later)
    response = client_for(personas["leader"]).get(f"/alerts/?as_of={later}")
    old = [r for r in rows_of(response, "alerts") if r["rule"] == "over_retirement_age"]
    assert old and all(r["first_seen"] is None for r in old)
    assert old[0]["person"] == mask_id_number(PB_OLD["身份证号"])
    officer = client_for(personas["officer"]).get(f"/alerts/?as_of={later}")
    seen = [r for r in rows_of(officer, "alerts") if r["rule"] == "over_retirement_age"]
    assert seen[0]["first_seen"] == REGISTER_DAY


def test_the_runs_page_and_its_background_button(register, personas, settings):
    settings.TASKS = IMMEDIATE
    officer = client_for(personas["officer"])
    page = officer.get("/monitoring/")
    assert page.status_code == 200 and 'id="run-start"' in page.content.decode()
    assert rows_of(page, "runs")[0]["id"] == register["run"].pk
    started = officer.post("/monitoring/start/", {"as_of": "2026-07-01"}, follow=True)
    assert started.status_code == 200
    run = MonitoringRun.objects.latest("id")
    assert (run.as_of, run.full) == (dt.date(2026, 7, 1), True)
    assert f"运行 #{run.pk}" in started.content.decode()
    # the leader reads the runs but may not start one
    leader = client_for(personas["leader"])
    assert 'id="run-start"' not in leader.get("/monitoring/").content.decode()
    assert leader.post("/monitoring/start/", {"as_of": "2026-07-01"}).status_code == 403
    assert officer.get("/monitoring/start/").status_code == 405
    assert client_for(personas["nobody"]).get("/monitoring/").status_code == 403


def test_the_alert_history_page_and_the_unit_section(register, personas):
    officer = client_for(personas["officer"])
    history = rows_of(officer.get("/monitoring/history/?rule=overdue_turnover"), "history")
    assert [(r["unit"], r["first_seen"], r["cleared"], r["state"]) for r in history] == [
        ("B", REGISTER_DAY, None, "仍存在")
    ]
    section = officer.get("/monitoring/units/B/history/")
    assert section.status_code == 200
    assert {r["rule"] for r in section.context["rows"]} >= {"overdue_turnover", "mixed_staffing"}
    assert 'hx-get="/monitoring/units/B/history/"' in officer.get(f"/units/B/?as_of={DAY}").content.decode()
    hr_a = client_for(personas["hr_a"])
    assert hr_a.get("/monitoring/units/B/history/").status_code == 404
    assert all(r["unit"] in {"A", "A-01", "AS"} for r in rows_of(hr_a.get("/monitoring/history/"), "history"))
    workbook = officer.get("/monitoring/history/?export=history")
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert any("首次发现" in str(c.value) for row in sheet.iter_rows() for c in row)


def test_the_loans_tab(register, personas):
    response = client_for(personas["leader"]).get(f"/forecasts/loans/?as_of={DAY}&start=2026-01&months=24")
    assert response.status_code == 200
    loans = rows_of(response, "loans")
    assert [(r["unit_code"], r["quantity"], r["due_date"]) for r in loans] == [
        ("B", 1, dt.date(2026, 1, 1)),
        ("A", 1, dt.date(2027, 1, 1)),
    ]
    months = {r["month"]: r["quantity"] for r in rows_of(response, "months")}
    assert months == {"2026-01": 1, "2027-01": 1}  # the months with loans falling due
    text = response.content.decode()
    assert 'data-tab="vacancy"' in text and 'id="forecast-chart"' in text
    export = client_for(personas["leader"]).get(f"/forecasts/loans/?as_of={DAY}&start=2026-01&months=24&export=loans")
    assert export.status_code == 200
    hr = rows_of(client_for(personas["hr_a"]).get(f"/forecasts/loans/?as_of={DAY}&start=2026-01&months=24"), "loans")
    assert [r["unit_code"] for r in hr] == ["A"]
    assert client_for(personas["leader"]).get("/forecasts/loans/?months=61").status_code == 400


def test_the_vacancy_tab(register, personas):
    response = client_for(personas["officer"]).get(f"/forecasts/vacancy/?as_of={DAY}&months=12")
    assert response.status_code == 200
    rows = {(r["unit_code"], r["staffing_type"]): r for r in rows_of(response, "vacancy")}
    b = rows[("B", "行政编制")]
    # 4 + the overdue loan of 1 approved, 2 on staff, 钱五 past retirement, the loan due back: 5 − 2 + 1 − 1
    assert (b["approved"], b["actual"], b["retiring"], b["loans_due"], b["projected"]) == (5, 2, 1, 1, 3)
    totals = {r["staffing_type"]: r["projected"] for r in rows_of(response, "totals")}
    assert totals["行政编制"] == sum(r["projected"] for r in rows.values() if r["staffing_type"] == "行政编制")
    assert "空编预测" in response.content.decode()
    department = client_for(personas["officer"]).get(f"/forecasts/vacancy/?as_of={DAY}&unit=A&subtree=1")
    assert {r["unit_code"] for r in rows_of(department, "vacancy")} == {"A", "AS"}
    export = client_for(personas["officer"]).get(f"/forecasts/vacancy/?as_of={DAY}&export=totals")
    assert export.status_code == 200
    assert client_for(personas["officer"]).get("/forecasts/vacancy/?months=0").status_code == 400


def test_a_run_started_for_the_worker_is_shown_waiting(register, personas):
    # the database task backend (the deployment's): the run waits for bianzhi db_worker
    officer = client_for(personas["officer"])
    page = officer.post("/monitoring/start/", {"as_of": "2026-07-02"}, follow=True)
    text = page.content.decode()
    assert "已在后台开始" in text and 'data-testid="pending-runs"' in text and "2026-07-02" in text
    assert not MonitoringRun.objects.filter(as_of=dt.date(2026, 7, 2)).exists()
    refused = officer.post("/monitoring/start/", {"as_of": "2026-13-01"}, follow=True)
    assert refused.status_code == 200 and "监测日期无效" in refused.content.decode()
