"""工作日历 page: every district-wide role sees, per year, the package's holidays, the office's
entries and which years are provisional; the staffing officer and the administrator add and remove
entries and mark a year complete — logged, with the stored deadlines recomputed; a unit HR officer
and a user without a role are refused (403)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import REGISTER_DAY, person_row, register_sheets
from django.test import Client

from bianzhi.core import workdays
from bianzhi.core.models import ChangeRecord, WorkCalendarDay, WorkCalendarYear
from bianzhi.registry.models import PersonVersion

pytestmark = pytest.mark.django_db
URL = "/alerts/calendar/"
YEAR = "/alerts/calendar/2027/"
ADD = "/alerts/calendar/2027/days/"
MARK = "/alerts/calendar/2027/complete/"
LEFT = dt.date(2026, 12, 18)


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize("name", ["admin", "officer", "leader", "inspector", "auditor"])
def test_district_wide_roles_see_the_year(personas, name):
    response = client_for(personas[name]).get(YEAR)
    assert response.status_code == 200
    text = response.content.decode()
    assert "工作日历" in text and "2027" in text
    assert "元旦" in text and "农历除夕" in text and "国庆节" in text  # the package's holidays
    assert 'data-status="provisional"' in text and "暂定" in text
    assert 'id="provisional-years"' in text
    editable = name in ("admin", "officer")
    assert ('id="day-form"' in text) is editable
    assert ('id="year-form"' in text) is editable


def test_the_index_opens_the_current_year(personas):
    response = client_for(personas["leader"]).get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/alerts/calendar/20")


def test_a_year_the_package_carries_is_official(personas):
    text = client_for(personas["officer"]).get("/alerts/calendar/2026/").content.decode()
    assert 'data-status="official"' in text
    assert "调休上班" in text  # the 2026 make-up working days
    assert 'id="year-form"' not in text  # nothing to mark


@pytest.mark.parametrize("name", ["hr_a", "hr_b", "nobody"])
def test_unit_hr_and_users_without_a_role_are_refused(personas, name):
    client = client_for(personas[name])
    assert client.get(URL).status_code == 403
    assert client.get(YEAR).status_code == 403
    assert client.post(ADD, {"day": "2027-01-04", "kind": "off"}).status_code == 403
    assert client.post(MARK, {"complete": "1"}).status_code == 403


@pytest.mark.parametrize("name", ["leader", "inspector", "auditor"])
def test_viewers_may_not_change_it(personas, name):
    client = client_for(personas[name])
    WorkCalendarDay.objects.create(day=dt.date(2027, 1, 4), kind="off")
    assert client.post(ADD, {"day": "2027-01-05", "kind": "off"}).status_code == 403
    assert client.post(f"{YEAR}days/2027-01-04/delete/").status_code == 403
    assert client.post(MARK, {"complete": "1"}).status_code == 403
    assert list(WorkCalendarDay.objects.values_list("day", flat=True)) == [dt.date(2027, 1, 4)]
    assert not WorkCalendarYear.objects.exists()


def test_without_a_login_the_page_asks_for_one(personas):
    assert Client().get(YEAR).status_code == 302
    assert Client().post(ADD, {"day": "2027-01-04", "kind": "off"}).status_code == 302
    assert not WorkCalendarDay.objects.exists()


def test_a_year_out_of_range_is_not_found(personas):
    assert client_for(personas["officer"]).get("/alerts/calendar/2300/").status_code == 404


def test_the_alerts_page_links_to_the_calendar_for_those_who_may_change_it(personas):
    day = REGISTER_DAY.isoformat()
    assert URL in client_for(personas["officer"]).get(f"/alerts/?as_of={day}").content.decode()
    assert URL not in client_for(personas["hr_a"]).get(f"/alerts/?as_of={day}").content.decode()


def test_adding_and_removing_an_entry_is_logged_and_recomputes_deadlines(personas, load):
    leaver = person_row("A", status="调出", 离编日期=LEFT)
    sheets = register_sheets()
    load({**sheets, "人员": [*sheets["人员"], leaver]}, effective=REGISTER_DAY)
    versions = PersonVersion.objects.filter(person__id_number=leaver["身份证号"], left_on=LEFT)
    assert set(versions.values_list("write_off_deadline", flat=True)) == {dt.date(2027, 1, 4)}

    client = client_for(personas["officer"])
    response = client.post(ADD, {"day": "2027-01-04", "kind": "off", "note": "元旦调休", "reason": "国务院办公厅通知"})
    assert response.status_code == 302 and response["Location"] == YEAR
    entry = WorkCalendarDay.objects.get()
    assert (entry.day, entry.kind, entry.note) == (dt.date(2027, 1, 4), "off", "元旦调休")
    assert set(versions.values_list("write_off_deadline", flat=True)) == {dt.date(2027, 1, 5)}
    record = ChangeRecord.objects.get(entity="工作日历", key="2027-01-04")
    assert record.change_set.user == personas["officer"].user and record.change_set.source == "web"
    assert record.change_set.reason == "国务院办公厅通知"
    assert record.before is None and record.after["类型"] == "休息日（法定节假日）"
    assert ChangeRecord.objects.filter(entity="人员", key=leaver["身份证号"], after__核销期限="2027-01-05").exists()

    page = client.get(YEAR).content.decode()
    assert 'data-day="2027-01-04" data-kind="off"' in page and "元旦调休" in page
    assert "已重新计算 1 条核销期限" in page  # the message after the redirect

    response = client.post(f"{YEAR}days/2027-01-04/delete/", {"reason": "录入有误"})
    assert response.status_code == 302
    assert not WorkCalendarDay.objects.exists()
    assert set(versions.values_list("write_off_deadline", flat=True)) == {dt.date(2027, 1, 4)}
    removed = ChangeRecord.objects.filter(entity="工作日历", key="2027-01-04").order_by("pk").last()
    assert removed.action == "delete" and removed.after is None and removed.before["说明"] == "元旦调休"
    assert removed.change_set.reason == "录入有误"


def test_a_make_up_working_day_on_a_sunday(personas):
    client = client_for(personas["admin"])
    assert client.post(ADD, {"day": "2027-01-03", "kind": "work", "reason": "调休上班"}).status_code == 302
    assert workdays.is_working_day(dt.date(2027, 1, 3))


def test_a_bad_entry_is_refused_in_chinese(personas):
    client = client_for(personas["officer"])
    response = client.post(ADD, {"day": "2028-01-04", "kind": "off"})
    assert response.status_code == 200 and "日期应在 2027 年内" in response.content.decode()
    response = client.post(ADD, {"day": "", "kind": "holiday"})
    assert response.status_code == 200
    assert not WorkCalendarDay.objects.exists()
    assert client.post(f"{YEAR}days/2027-01-04/delete/").status_code == 404
    assert client.get(ADD).status_code == 405


def test_marking_the_year_complete_ends_provisional(personas):
    client = client_for(personas["officer"])
    response = client.post(MARK, {"complete": "1", "note": "国办发明电〔2026〕1号", "reason": "已全部录入"})
    assert response.status_code == 302
    year = WorkCalendarYear.objects.get(year=2027)
    assert year.complete and year.note == "国办发明电〔2026〕1号"
    assert not workdays.deadline_is_provisional(dt.date(2027, 1, 4))
    record = ChangeRecord.objects.get(entity="工作日历年度", key="2027")
    assert record.after["已录入完整"] is True and record.change_set.user == personas["officer"].user
    page = client.get(YEAR).content.decode()
    assert 'data-status="complete"' in page and "国办发明电〔2026〕1号" in page
    assert client.post(MARK, {"complete": "0", "reason": "通知有补充"}).status_code == 302
    assert not WorkCalendarYear.objects.get(year=2027).complete
    assert workdays.deadline_is_provisional(dt.date(2027, 1, 4))
    assert 'data-status="provisional"' in client.get(YEAR).content.decode()


def test_every_calendar_change_needs_a_reason(personas):
    client = client_for(personas["officer"])
    response = client.post(ADD, {"day": "2027-01-04", "kind": "off", "reason": "\u3000 "})
    assert response.status_code == 200 and "请填写变更理由" in response.content.decode()
    assert not WorkCalendarDay.objects.exists()
    assert client.post(ADD, {"day": "2027-01-04", "kind": "off", "reason": "通知"}).status_code == 302
    response = client.post(f"{YEAR}days/2027-01-04/delete/", {"reason": " "}, follow=True)
    assert "请填写变更理由" in response.content.decode()
    assert WorkCalendarDay.objects.exists()
    response = client.post(MARK, {"complete": "1"}, follow=True)
    assert "请填写变更理由" in response.content.decode()
    assert not WorkCalendarYear.objects.exists()
