"""暂缓审批 pages (issue 14 "Suspension", domain.md §9): the list, starting one by hand and lifting it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import PB_OLD
from django.test import Client

from bianzhi.core.dates import today
from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.registry.models import Suspension
from bianzhi.registry.services import suspension_lift, suspension_start

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


def _rows(html: str) -> list[tuple[str, str]]:
    """(unit code, state) of each row of the list, in order."""
    return re.findall(r'data-suspension="\d+" data-unit="([^"]+)" data-state="([^"]+)"', html)


@pytest.fixture
def more(register):
    """Besides the register's in-force suspensions of A and B (from 2026-06-01): one of BS lifted, one of AS
    whose planned end has passed, and one of A-01 starting in the future."""
    units = register["units"]
    day = today()
    lifted = suspension_start(
        unit=units["BS"], reason="三色管理红色", source="三色管理", started_on=dt.date(2026, 1, 1)
    )
    suspension_lift(suspension=lifted, lifted_on=dt.date(2026, 3, 1), reason="已转为黄色")
    ended = suspension_start(
        unit=units["AS"],
        reason="到期",
        source="三色管理",
        started_on=dt.date(2025, 1, 1),
        planned_end=day - dt.timedelta(1),
    )
    pending = suspension_start(unit=units["A-01"], reason="将来", source="手工", started_on=day + dt.timedelta(days=30))
    return {"lifted": lifted, "ended": ended, "pending": pending}


def test_the_list_shows_suspensions_in_force_by_default(personas, more):
    html = client_for(personas["leader"]).get("/suspensions/").content.decode()
    assert sorted(_rows(html)) == [("A", "in_force"), ("B", "in_force")]
    assert '<h1 class="h4 mb-0">暂缓审批</h1>' in html
    assert "问题整改逾期" in html and "暂缓中" in html
    assert 'id="suspension-new"' not in html and 'data-action="lift"' not in html  # a leader only reads


def test_the_list_filters_by_state_and_unit(personas, more):
    client = client_for(personas["officer"])
    lifted = client.get("/suspensions/?state=lifted").content.decode()
    assert _rows(lifted) == [("BS", "lifted")]
    assert "已转为黄色" in lifted and "2026-03-01" in lifted
    every = client.get("/suspensions/?state=all").content.decode()
    assert sorted(_rows(every)) == [
        ("A", "in_force"),
        ("A-01", "pending"),
        ("AS", "ended"),
        ("B", "in_force"),
        ("BS", "lifted"),
    ]
    assert "计划结束日期已过" in every and "尚未开始" in every
    assert _rows(client.get("/suspensions/?state=all&unit=AS").content.decode()) == [("AS", "ended")]
    assert _rows(client.get("/suspensions/?state=nonsense").content.decode()) == _rows(
        client.get("/suspensions/").content.decode()
    )


def test_a_unit_hr_officer_sees_only_its_subtree(personas, more):
    html = client_for(personas["hr_a"]).get("/suspensions/?state=all").content.decode()
    assert sorted(code for code, _ in _rows(html)) == ["A", "A-01", "AS"]


def test_without_a_role_or_login(personas, client):
    assert client.get("/suspensions/")["Location"].startswith("/login/?next=")
    assert client_for(personas["nobody"]).get("/suspensions/").status_code == 403


def test_reasons_are_masked_for_masked_roles(personas, register):
    number = PB_OLD["身份证号"]
    suspension_start(
        unit=register["units"]["B"], reason=f"{number} 超龄未退", source="手工", started_on=dt.date(2026, 7, 1)
    )
    masked = client_for(personas["inspector"]).get("/suspensions/").content.decode()
    assert number not in masked and f"{number[:6]}********{number[-4:]}" in masked
    assert number in client_for(personas["officer"]).get("/suspensions/").content.decode()


def test_an_officer_starts_a_suspension_by_hand(personas, register):
    client = client_for(personas["officer"])
    form = client.get("/suspensions/new/?unit=BS")
    assert form.status_code == 200
    assert 'value="BS"' in form.content.decode()
    response = client.post(
        "/suspensions/new/",
        {"unit": "BS", "reason": "  连续两期红色  ", "started_on": "2026-07-01", "planned_end": "2026-12-31"},
    )
    assert response.status_code == 302 and response["Location"] == "/units/BS/"
    row = Suspension.objects.get(unit__code="BS")
    assert (row.reason, row.source, row.started_on, row.planned_end, row.lifted_on) == (
        "连续两期红色",
        "手工",
        dt.date(2026, 7, 1),
        dt.date(2026, 12, 31),
        None,
    )
    change = ChangeSet.objects.get(pk=row.change_set_id)
    assert (change.source, change.user, change.reason) == ("web", personas["officer"].user, "连续两期红色")
    record = ChangeRecord.objects.get(change_set=change)
    assert record.entity == "暂缓审批" and record.after["机构代码"] == "BS"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"unit": "NOPE", "reason": "x", "started_on": "2026-07-01"}, "unit", "机构 NOPE 不存在或不在本人管理范围内。"),
        ({"unit": "B", "reason": "　 ", "started_on": "2026-07-01"}, "reason", "请填写暂缓原因。"),
        (
            {"unit": "B", "reason": "x", "started_on": "2026-07-01", "planned_end": "2026-06-30"},
            "planned_end",
            "计划结束日期 2026-06-30 早于开始日期 2026-07-01。",
        ),
        ({"unit": "B", "reason": "x", "started_on": ""}, "started_on", "这个字段是必填项。"),
    ],
)
def test_the_start_form_says_what_is_wrong(personas, register, data, field, message):
    before = Suspension.objects.count()
    response = client_for(personas["admin"]).post("/suspensions/new/", data)
    assert response.status_code == 422
    assert re.search(rf'data-error-for="{field}">{re.escape(message)}<', response.content.decode())
    assert Suspension.objects.count() == before


@pytest.mark.parametrize("persona", ["hr_a", "leader", "inspector", "auditor", "nobody"])
def test_only_the_office_starts_or_lifts(personas, register, persona):
    client = client_for(personas[persona])
    pk = register["suspensions"]["A"].pk
    assert client.get("/suspensions/new/").status_code == 403
    assert client.post("/suspensions/new/", {"unit": "A", "reason": "x", "started_on": "2026-07-01"}).status_code == 403
    assert client.get(f"/suspensions/{pk}/lift/").status_code == 403
    assert client.post(f"/suspensions/{pk}/lift/", {"lifted_on": "2026-07-01", "reason": "x"}).status_code == 403
    assert Suspension.objects.filter(lifted_on__isnull=False).count() == 0


def test_an_officer_lifts_a_suspension(personas, register):
    row = register["suspensions"]["A"]
    client = client_for(personas["officer"])
    form = client.get(f"/suspensions/{row.pk}/lift/").content.decode()
    assert "问题整改逾期" in form and "2026-06-01" in form
    too_early = client.post(f"/suspensions/{row.pk}/lift/", {"lifted_on": "2026-05-31", "reason": "整改完成"})
    assert too_early.status_code == 422
    assert "解除日期 2026-05-31 早于开始日期 2026-06-01。" in too_early.content.decode()
    response = client.post(f"/suspensions/{row.pk}/lift/", {"lifted_on": "2026-07-15", "reason": "整改完成"})
    assert response.status_code == 302 and response["Location"] == "/units/A/"
    row.refresh_from_db()
    assert (row.lifted_on, row.lift_reason) == (dt.date(2026, 7, 15), "整改完成")
    change = ChangeSet.objects.order_by("-id").first()
    assert (change.source, change.user) == ("web", personas["officer"].user)
    # lifted already: back to the list with a warning
    again = client.get(f"/suspensions/{row.pk}/lift/", follow=True)
    assert "该暂缓审批已于 2026-07-15 解除。" in again.content.decode()
    assert client.get("/suspensions/999999/lift/").status_code == 404


def test_the_unit_page_offers_the_office_to_suspend_and_lift(personas, register):
    row = register["suspensions"]["B"]
    page = client_for(personas["officer"]).get("/units/B/").content.decode()
    assert 'id="unit-suspension-actions"' in page
    assert f'href="/suspensions/{row.pk}/lift/" data-action="lift"' in page
    assert 'href="/suspensions/new/?unit=B" data-action="suspend"' in page
    assert "问题整改逾期" in page  # the reason of the suspension in force
    assert 'id="unit-suspension-actions"' not in client_for(personas["leader"]).get("/units/B/").content.decode()


def test_the_lift_form_needs_a_reason(personas, register):
    row = register["suspensions"]["B"]
    response = client_for(personas["officer"]).post(
        f"/suspensions/{row.pk}/lift/", {"lifted_on": "2026-07-01", "reason": " "}
    )
    assert response.status_code == 422
    assert 'data-error-for="reason">请填写解除原因。<' in response.content.decode()
    row.refresh_from_db()
    assert row.lifted_on is None


def test_the_forms_start_on_today_in_the_format_of_a_date_input(personas, register):
    client = client_for(personas["officer"])
    day = today().isoformat()
    assert f'type="date" name="started_on" value="{day}"' in client.get("/suspensions/new/").content.decode()
    pk = register["suspensions"]["A"].pk
    assert f'type="date" name="lifted_on" value="{day}"' in client.get(f"/suspensions/{pk}/lift/").content.decode()


def test_the_units_hr_officers_are_notified_when_it_is_suspended_and_lifted(personas, register):
    from bianzhi.core.models import Notification

    client = client_for(personas["officer"])
    client.post(
        "/suspensions/new/", {"unit": "AS", "reason": "超编", "started_on": "2026-07-01", "planned_end": "2026-09-30"}
    )
    [started] = Notification.objects.all()
    assert started.user == personas["hr_a"].user  # hr_a's grant on A covers AS; nobody else is told
    assert (started.title, started.body, started.url, started.kind) == (
        "AS 用编、用职数审批自 2026-07-01 起暂缓",
        "暂缓原因：超编；计划结束日期 2026-09-30",
        "/units/AS/",
        "suspension",
    )
    row = Suspension.objects.get(unit__code="AS")
    client.post(f"/suspensions/{row.pk}/lift/", {"lifted_on": "2026-08-01", "reason": "已整改"})
    lifted = Notification.objects.exclude(pk=started.pk).get()
    assert (lifted.user, lifted.title, lifted.body) == (
        personas["hr_a"].user,
        "AS 的暂缓审批已于 2026-08-01 解除",
        "解除原因：已整改",
    )
