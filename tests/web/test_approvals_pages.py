"""用编审批 pages (issue 14): 我的申请 with its form and the unit's figures, 审批队列, a request's timeline
and slip, 上编 against a slip, 离编, 核销, 用编计划 and the menu — each role sees and does what domain.md
§11 lets it, a unit HR officer never sees another unit's requests (404), and a refusal of the
procedure (interchange.md §3 codes) is shown in Chinese while nothing changes."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from conftest import PA, make_id
from django.test import Client

from bianzhi.accounts.permissions import mask_id_number
from bianzhi.accounts.privacy import person_ref
from bianzhi.approvals.models import RequestState, Slip, StaffingPlan, StaffingRequest
from bianzhi.approvals.services import (
    staffing_request_approve,
    staffing_request_create,
    staffing_request_submit,
)
from bianzhi.core.dates import today
from bianzhi.registry.models import Person, PersonVersion
from bianzhi.registry.services import suspension_lift

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


def text_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def lifted(register):
    """The personas' register with A's suspension lifted today (B stays suspended)."""
    suspension_lift(suspension=register["suspensions"]["A"], lifted_on=today(), reason="整改完毕")
    return register


def submitted(personas, register, code: str = "A", *, count: int = 1, reason: str = "招录公务员", **kwargs):
    hr = personas["hr_a" if code.startswith("A") else "hr_b"].user
    created = staffing_request_create(
        user=hr,
        unit=register["units"][code],
        staffing_type=kwargs.pop("staffing_type", "行政编制"),
        count=count,
        reason=reason,
        **kwargs,
    )
    return staffing_request_submit(user=hr, request=created)


def figures(response, staffing_type: str = "行政编制") -> dict[str, int]:
    text = text_of(response)
    row = re.search(rf'data-staffing-type="{staffing_type}">(.*?)</tr>', text, re.S)
    assert row, text
    return {k: int(v) for k, v in re.findall(r'data-figure="(\w+)">(-?\d+)<', row.group(1))}


# ---------------------------------------------------------------- 我的申请


def test_a_unit_hr_officer_asks_for_staffing_of_its_own_units_only(personas):
    client = client_for(personas["hr_a"])
    page = client.get("/approvals/")
    assert page.status_code == 200
    text = text_of(page)
    assert "我的申请" in text and "新建用编申请" in text
    units = [value for value, _ in page.context["form"].fields["unit"].choices if value]
    # Its subtree without the internal division (which holds no staffing), and nothing of B.
    assert units == ["A", "AS"]
    # The unit's figures beside the form, swapped in by htmx when the unit changes.
    panel = client.get("/approvals/figures/?unit=A")
    assert panel.status_code == 200
    # 行政编制 of A: quota 5 + a loan of 1 in use, one person on staff; suspended since 2026-06-01.
    assert figures(panel) == {"approved": 6, "actual": 1, "reserved": 0, "usable": 5, "usable_now": 5}
    assert "自 2026-06-01 起暂缓审批：问题整改逾期" in text_of(panel)
    assert client.get("/approvals/figures/?unit=B").status_code == 404
    assert client.get("/approvals/figures/?unit=NOPE").status_code == 404


def test_a_request_is_created_and_submitted_from_the_form(personas):
    client = client_for(personas["hr_a"])
    response = client.post(
        "/approvals/",
        {
            "unit": "A",
            "staffing_type": "行政编制",
            "count": "2",
            "reason_kind": "招录",
            "reason": "2027 年度公务员考录",
            "position_category": "",
            "submit": "1",
        },
        follow=True,
    )
    request = StaffingRequest.objects.get()
    assert (request.unit.code, request.staffing_type, request.count, request.state) == ("A", "行政编制", 2, "submitted")
    assert request.reason_kind == "招录" and request.reason == "2027 年度公务员考录"
    assert response.redirect_chain[-1][0] == f"/approvals/requests/{request.pk}/"
    assert f"用编申请 #{request.pk} 已提交，等待编办审核" in messages_of(response)
    text = text_of(response)
    assert [s.action for s in request.steps.order_by("at", "pk")] == ["create", "submit"]
    assert 'data-step="create"' in text and 'data-step="submit"' in text
    # A draft is saved when the draft button is used; a position-use request names its category.
    client.post(
        "/approvals/",
        {"unit": "A", "staffing_type": "行政编制", "count": "1", "reason": "任命副局长", "position_category": "副职"},
    )
    draft = StaffingRequest.objects.exclude(pk=request.pk).get()
    assert (draft.state, draft.position_category) == ("draft", "副职")


def test_the_form_refuses_a_unit_outside_the_scope_and_missing_fields(personas):
    client = client_for(personas["hr_a"])
    response = client.post("/approvals/", {"unit": "B", "staffing_type": "行政编制", "count": "0", "reason": ""})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "unit" in errors and "count" in errors and errors["reason"] == ["请填写申请理由"]
    assert not StaffingRequest.objects.exists()


def test_a_unit_hr_officer_never_sees_another_units_requests(personas, register):
    mine = submitted(personas, register, "A", reason="A 的申请")
    theirs = submitted(personas, register, "B", reason="B 的申请")
    client = client_for(personas["hr_a"])
    listed = [row.request.pk for row in client.get("/approvals/").context["rows"]]
    assert listed == [mine.pk]
    assert client.get(f"/approvals/requests/{mine.pk}/").status_code == 200
    assert client.get(f"/approvals/requests/{theirs.pk}/").status_code == 404
    assert client.get(f"/approvals/requests/{theirs.pk + 100}/").status_code == 404
    assert client.post(f"/approvals/requests/{theirs.pk}/withdraw/").status_code == 404
    # The filter by another unit's code finds nothing either.
    assert client.get("/approvals/?unit=B").context["rows"] == []
    # The office sees both.
    office = client_for(personas["officer"]).get("/approvals/").context["rows"]
    assert {row.request.pk for row in office} == {mine.pk, theirs.pk}


def test_read_only_roles_see_requests_but_get_no_form(personas, register):
    submitted(personas, register, "A")
    for name in ("leader", "inspector", "auditor"):
        page = client_for(personas[name]).get("/approvals/")
        assert page.status_code == 200 and page.context["form"] is None, name
        assert len(page.context["rows"]) == 1
        assert client_for(personas[name]).post("/approvals/", {"unit": "A"}).status_code == 403
    assert client_for(personas["nobody"]).get("/approvals/").status_code == 403
    assert Client().get("/approvals/").status_code == 302


def test_a_masked_role_reads_a_reason_with_the_number_masked(personas, register):
    number = PA["身份证号"]
    request = submitted(personas, register, "A", reason=f"接替 {number} 的岗位")
    # Free text is masked for every role that does not see every number (a unit HR officer too: a
    # reason may quote someone of another unit).
    for name, shown in (("leader", mask_id_number(number)), ("officer", number), ("hr_a", mask_id_number(number))):
        client = client_for(personas[name])
        for url in ("/approvals/", f"/approvals/requests/{request.pk}/"):
            text = text_of(client.get(url))
            assert shown in text, (name, url)
            if shown != number:
                assert number not in text, (name, url)


# ---------------------------------------------------------------- 审批队列


def test_the_queue_is_for_approvers(personas, register):
    submitted(personas, register, "A")
    for name, status in (
        ("officer", 200),
        ("leader", 200),
        ("admin", 200),
        ("hr_a", 403),
        ("hr_b", 403),
        ("inspector", 403),
        ("auditor", 403),
        ("nobody", 403),
    ):
        assert client_for(personas[name]).get("/approvals/queue/").status_code == status, name


def test_the_queue_shows_each_request_beside_its_units_figures(personas, register):
    request = submitted(personas, register, "A", count=2)
    page = client_for(personas["officer"]).get("/approvals/queue/")
    [item] = page.context["items"]
    assert item.row.request.pk == request.pk
    assert item.figures["usable"] == 5 and item.figures["usable_now"] == 5
    assert item.panel.suspension is not None and item.panel.suspension_reason == "问题整改逾期"
    text = text_of(page)
    assert "自 2026-06-01 起暂缓审批：问题整改逾期" in text
    assert 'data-testid="decision-' in text


def test_a_suspended_unit_is_refused_in_chinese_and_nothing_changes(personas, register):
    request = submitted(personas, register, "A")
    response = client_for(personas["officer"]).post(
        f"/approvals/requests/{request.pk}/approve/", {"opinion": "同意", "next": "/approvals/queue/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/approvals/queue/"
    [message] = messages_of(response)
    assert "暂缓审批" in message and "问题整改逾期" in message and "unit_suspended" in message
    request.refresh_from_db()
    assert request.state == RequestState.SUBMITTED and not Slip.objects.exists()


def test_the_officer_approves_from_the_queue_and_the_slip_reserves_the_places(personas, lifted):
    request = submitted(personas, lifted, "A", count=2)
    client = client_for(personas["officer"])
    response = client.post(
        f"/approvals/requests/{request.pk}/approve/",
        {"opinion": "同意，按计划招录", "document_number": "越编〔2026〕7号", "next": "/approvals/queue/"},
        follow=True,
    )
    slip = Slip.objects.get()
    assert (slip.count, slip.remaining, slip.document_number) == (2, 2, "越编〔2026〕7号")
    assert slip.number == f"YB-{today().year}-0001"
    said = messages_of(response)
    assert (
        f"用编申请 #{request.pk} 已核准：核准使用编制通知单 {slip.number}，核准 2 名，有效期至 {slip.expires_on}"
        in said
    )
    # No plan for the year: a warning, never a block.
    assert any("计划" in m for m in said[1:]), said
    assert client.get("/approvals/queue/").context["items"] == []
    assert figures(client.get("/approvals/figures/?unit=A")) == {
        "approved": 6,
        "actual": 1,
        "reserved": 2,
        "usable": 3,
        "usable_now": 3,
    }
    detail = text_of(client.get(f"/approvals/requests/{request.pk}/"))
    assert slip.number in detail and 'data-testid="remaining">2<' in detail and "越编〔2026〕7号" in detail


def test_more_than_usable_is_refused(personas, lifted):
    request = submitted(personas, lifted, "A", count=6)
    response = client_for(personas["leader"]).post(f"/approvals/requests/{request.pk}/approve/", {}, follow=True)
    [message] = messages_of(response)
    assert "可用编制为 5 名" in message and "insufficient_usable" in message
    request.refresh_from_db()
    assert request.state == "submitted"


def test_reject_and_return_need_an_opinion(personas, register):
    request = submitted(personas, register, "A")
    client = client_for(personas["officer"])
    response = client.post(f"/approvals/requests/{request.pk}/reject/", {"opinion": "  "}, follow=True)
    assert messages_of(response) == ["不予核准或退回须填写意见"]
    request.refresh_from_db()
    assert request.state == "submitted"
    client.post(f"/approvals/requests/{request.pk}/return/", {"opinion": "请补充岗位说明"})
    request.refresh_from_db()
    assert (request.state, request.opinion) == ("returned", "请补充岗位说明")
    # The unit resubmits, the office rejects it.
    hr = client_for(personas["hr_a"])
    detail = hr.get(f"/approvals/requests/{request.pk}/")
    assert detail.context["allowed"] == {"submit", "withdraw"}
    hr.post(f"/approvals/requests/{request.pk}/submit/")
    client.post(f"/approvals/requests/{request.pk}/reject/", {"opinion": "编制已满"})
    request.refresh_from_db()
    assert request.state == "rejected"
    steps = [(s.action, s.opinion) for s in request.steps.order_by("at", "pk")]
    assert steps == [
        ("create", ""),
        ("submit", ""),
        ("return", "请补充岗位说明"),
        ("submit", ""),
        ("reject", "编制已满"),
    ]


def test_a_unit_hr_officer_cannot_approve_and_a_leader_cannot_submit(personas, register):
    request = submitted(personas, register, "A")
    response = client_for(personas["hr_a"]).post(f"/approvals/requests/{request.pk}/approve/", {}, follow=True)
    assert any("forbidden" in m for m in messages_of(response))
    hr_detail = client_for(personas["hr_a"]).get(f"/approvals/requests/{request.pk}/")
    assert hr_detail.context["allowed"] == {"withdraw"}
    assert client_for(personas["leader"]).get(f"/approvals/requests/{request.pk}/").context["allowed"] == {
        "approve",
        "reject",
        "return",
    }
    request.refresh_from_db()
    assert request.state == "submitted"


def test_unknown_action_is_not_found(personas, register):
    request = submitted(personas, register, "A")
    assert client_for(personas["officer"]).post(f"/approvals/requests/{request.pk}/explode/").status_code == 404
    assert client_for(personas["officer"]).get(f"/approvals/requests/{request.pk}/approve/").status_code == 405


# ---------------------------------------------------------------- slip, 上编 and documents


@pytest.fixture
def slip(personas, lifted):
    request = submitted(personas, lifted, "A", count=1)
    return staffing_request_approve(
        user=personas["officer"].user, request=request, document_number="越编〔2026〕9号"
    ).slip


def onboard_data(number: str, **extra) -> dict[str, str]:
    return {
        "name": "陈新",
        "id_number": number,
        "gender": "男",
        "birth_date": "1998-02-03",
        "category": "公务员",
        "entry_date": today().isoformat(),
        "post": "科员",
        **extra,
    }


def test_the_unit_hr_officer_onboards_a_person_against_the_slip(personas, slip):
    client = client_for(personas["hr_a"])
    number = make_id(dt.date(1998, 2, 3), "男")
    assert client.get(f"/approvals/slips/{slip.number}/onboard/").status_code == 200
    response = client.post(f"/approvals/slips/{slip.number}/onboard/", onboard_data(number), follow=True)
    assert response.redirect_chain[-1][0] == f"/approvals/requests/{slip.request_id}/#onboardings"
    slip.refresh_from_db()
    assert slip.remaining == 0
    person = Person.objects.get(id_number=number)
    version = PersonVersion.objects.get(PersonVersion.as_of(today()), person=person)
    assert (version.unit.code, version.staffing_type, version.status, version.entry_date) == (
        "A",
        "行政编制",
        "在编",
        today(),
    )
    text = text_of(response)
    assert "陈新" in text and person_ref(person.pk) in text and number in text
    # Reserved → actual: the place the slip held is now a person on staff.
    assert figures(client.get("/approvals/figures/?unit=A")) == {
        "approved": 6,
        "actual": 2,
        "reserved": 0,
        "usable": 4,
        "usable_now": 4,
    }
    # A used slip offers no onboarding any more, and a second person is refused in Chinese.
    assert 'id="slip-onboard"' not in text
    again = client.post(f"/approvals/slips/{slip.number}/onboard/", onboard_data(make_id(dt.date(1997, 1, 1))))
    assert again.status_code == 422
    assert any("slip_used" in e for e in again.context["form"].non_field_errors())


def test_onboarding_errors_are_shown_per_field_in_chinese(personas, slip):
    client = client_for(personas["hr_a"])
    number = make_id(dt.date(1998, 2, 3), "男")
    response = client.post(
        f"/approvals/slips/{slip.number}/onboard/", onboard_data(number, gender="女", birth_date="1998-02-04")
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "性别" in errors["gender"][0] or "身份证" in errors["gender"][0], errors
    assert "出生日期" in errors["birth_date"][0] or "身份证" in errors["birth_date"][0], errors
    assert not Person.objects.filter(id_number=number).exists()
    slip.refresh_from_db()
    assert slip.remaining == 1
    # An entry date outside the slip's validity, under its field.
    late = client.post(
        f"/approvals/slips/{slip.number}/onboard/",
        onboard_data(number, entry_date=(slip.expires_on + dt.timedelta(days=1)).isoformat()),
    )
    assert "进编日期应在通知单" in late.context["form"].errors["entry_date"][0]


def test_someone_on_staff_cannot_be_onboarded_again(personas, slip):
    response = client_for(personas["officer"]).post(
        f"/approvals/slips/{slip.number}/onboard/", onboard_data(PA["身份证号"])
    )
    assert response.status_code == 422
    assert any("person_on_staff" in e for e in response.context["form"].non_field_errors())


def test_who_may_onboard_against_a_slip(personas, slip):
    url = f"/approvals/slips/{slip.number}/onboard/"
    statuses = {
        name: client_for(personas[name]).get(url).status_code
        for name in ("admin", "officer", "hr_a", "hr_b", "leader", "auditor")
    }
    assert statuses == {"admin": 200, "officer": 200, "hr_a": 200, "hr_b": 404, "leader": 403, "auditor": 403}
    assert client_for(personas["officer"]).get("/approvals/slips/YB-1999-0001/onboard/").status_code == 404


def test_the_slip_and_the_onboarding_notice_download_as_word(personas, slip):
    pytest.importorskip("bianzhi.approvals.documents")
    from docx import Document

    client = client_for(personas["hr_a"])
    response = client.get(f"/approvals/slips/{slip.number}/docx/")
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    body = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert slip.number in body or "越编〔2026〕9号" in body
    assert client.get(f"/approvals/slips/{slip.number}/xls/").status_code == 404
    assert client_for(personas["hr_b"]).get(f"/approvals/slips/{slip.number}/docx/").status_code == 404
    number = make_id(dt.date(1998, 2, 3), "男")
    client.post(f"/approvals/slips/{slip.number}/onboard/", onboard_data(number))
    onboarding = slip.onboardings.get()
    notice = client.get(f"/approvals/onboardings/{onboarding.pk}/docx/")
    assert notice.status_code == 200 and notice["Content-Type"] == DOCX
    # The notice carries the ID number: a masked role gets none, another unit's officer not even its existence.
    assert client_for(personas["leader"]).get(f"/approvals/onboardings/{onboarding.pk}/docx/").status_code == 403
    assert client_for(personas["hr_b"]).get(f"/approvals/onboardings/{onboarding.pk}/docx/").status_code == 404
    # The leader reads the request and who was onboarded, with the number masked and no notice link.
    detail = text_of(client_for(personas["leader"]).get(f"/approvals/requests/{slip.request_id}/"))
    assert mask_id_number(number) in detail and number not in detail and "onboarding-docx" not in detail


# ---------------------------------------------------------------- 离编 and 核销


def test_leaving_then_write_off(personas, register):
    hr = client_for(personas["hr_a"])
    listing = hr.get("/approvals/leave/")
    assert listing.status_code == 200
    names = [row["name"] for row in listing.context["rows"]]
    assert names == ["王一", "李二"]  # A and AS; nobody of B
    ref = person_ref(Person.objects.get(id_number=PA["身份证号"]).pk)
    assert hr.get(f"/approvals/people/{ref}/leave/").status_code == 200
    day = today()
    response = hr.post(f"/approvals/people/{ref}/leave/", {"status": "调出", "day": day.isoformat()}, follow=True)
    assert any("已办理 王一 离编（调出" in m for m in messages_of(response)), messages_of(response)
    version = PersonVersion.objects.get(PersonVersion.as_of(day), person__id_number=PA["身份证号"])
    assert (version.status, version.left_date, version.written_off_date) == ("调出", day, None)
    # A second leaving is refused in Chinese on the form.
    again = hr.post(f"/approvals/people/{ref}/leave/", {"status": "退休", "day": day.isoformat()})
    assert again.status_code == 422 and any("not_on_staff" in e for e in again.context["form"].non_field_errors())
    # The office writes it off; the unit HR officer may not.
    assert hr.get("/approvals/write-offs/").status_code == 403
    assert hr.post(f"/approvals/people/{ref}/write-off/", {"day": day.isoformat()}).status_code == 403
    office = client_for(personas["officer"])
    rows = office.get("/approvals/write-offs/").context["rows"]
    assert [(r["name"], r["left_date"]) for r in rows] == [("王一", day)]
    assert rows[0]["deadline"] is not None and rows[0]["deadline"] > day
    early = office.post(
        f"/approvals/people/{ref}/write-off/", {"day": (day - dt.timedelta(days=1)).isoformat()}, follow=True
    )
    assert any("离编日期" in m for m in messages_of(early)), messages_of(early)
    done = office.post(f"/approvals/people/{ref}/write-off/", {"day": day.isoformat()}, follow=True)
    assert f"已核销 王一 的编制（核销日期 {day.isoformat()}）" in messages_of(done)
    assert office.get("/approvals/write-offs/").context["rows"] == []


def test_leaving_is_for_unit_hr_and_the_office_within_scope(personas, register):
    ref_b = person_ref(Person.objects.filter(versions__unit__code="B").first().pk)
    assert client_for(personas["hr_a"]).get(f"/approvals/people/{ref_b}/leave/").status_code == 404
    assert client_for(personas["officer"]).get(f"/approvals/people/{ref_b}/leave/").status_code == 200
    for name in ("leader", "inspector", "auditor", "nobody"):
        assert client_for(personas[name]).get("/approvals/leave/").status_code == 403, name
        assert client_for(personas[name]).get(f"/approvals/people/{ref_b}/leave/").status_code == 403, name
    assert client_for(personas["hr_a"]).get("/approvals/people/nonsense/leave/").status_code == 404


# ---------------------------------------------------------------- 用编计划


def test_unit_hr_drafts_a_plan_and_the_office_approves_it(personas, lifted):
    hr = client_for(personas["hr_a"])
    year = today().year
    response = hr.post(
        "/approvals/plans/", {"unit": "A", "year": str(year), "staffing_type": "行政编制", "count": "1"}, follow=True
    )
    plan = StaffingPlan.objects.get()
    assert (plan.unit.code, plan.year, plan.count, plan.state) == ("A", year, 1, "draft")
    assert response.redirect_chain[-1][0] == f"/approvals/plans/?year={year}"
    assert 'action="/approvals/plans/' not in text_of(response).split('id="plans"')[1]  # no approve button for HR
    assert hr.post(f"/approvals/plans/{plan.pk}/approve/", follow=True).status_code == 200
    plan.refresh_from_db()
    assert plan.state == "draft"
    client_for(personas["officer"]).post(f"/approvals/plans/{plan.pk}/approve/")
    plan.refresh_from_db()
    assert plan.state == "approved"
    # Two places approved against a plan of one: the queue shows the plan and its use; approving warns.
    request = submitted(personas, lifted, "A", count=2)
    office = client_for(personas["officer"])
    [item] = office.get("/approvals/queue/").context["items"]
    assert (item.figures["plan"].planned, item.figures["plan"].used) == (1, 0)
    said = messages_of(office.post(f"/approvals/requests/{request.pk}/approve/", {}, follow=True))
    assert len(said) >= 2 and "计划" in said[1], said
    rows = office.get(f"/approvals/plans/?year={year}").context["rows"]
    assert [(r["plan"].count, r["used"]) for r in rows] == [(1, 2)]
    # A unit outside the scope is not offered, and read-only roles get no form.
    assert [v for v, _ in hr.get("/approvals/plans/").context["form"].fields["unit"].choices] == ["A", "AS"]
    assert client_for(personas["auditor"]).get("/approvals/plans/").context["form"] is None
    assert client_for(personas["auditor"]).post("/approvals/plans/", {}).status_code == 403


# ---------------------------------------------------------------- the menu


def test_the_menu_offers_each_role_its_entries(personas, register):
    submitted(personas, register, "A")
    submitted(personas, register, "B")

    def entries(name: str) -> tuple[set[str], str]:
        text = text_of(client_for(personas[name]).get("/approvals/nav/"))
        count = re.search(r'data-testid="queue-count">(\d+)<', text)
        return set(re.findall(r'id="(nav-approvals-[\w-]+)"', text)), count.group(1) if count else ""

    base = {"nav-approvals-requests", "nav-approvals-plans"}
    assert entries("hr_a") == (base | {"nav-approvals-leave"}, "")
    assert entries("officer") == (base | {"nav-approvals-queue", "nav-approvals-leave", "nav-approvals-write-off"}, "2")
    assert entries("leader") == (base | {"nav-approvals-queue"}, "2")
    assert entries("auditor") == (base, "")
    assert "我的申请" in text_of(client_for(personas["hr_a"]).get("/approvals/nav/"))
    assert text_of(client_for(personas["nobody"]).get("/approvals/nav/")).strip() == ""
    assert text_of(Client().get("/approvals/nav/")).strip() == ""
    # Every page's top bar loads it.
    assert 'hx-get="/approvals/nav/"' in text_of(client_for(personas["hr_a"]).get("/"))


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian 的 chromium 未安装")
def test_the_slip_downloads_as_pdf(personas, slip):
    response = client_for(personas["officer"]).get(f"/approvals/slips/{slip.number}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content[:4] == b"%PDF"


def test_a_pdf_that_cannot_be_made_sends_the_user_back_with_the_reason(personas, slip, settings):
    settings.BIANZHI_CHROMIUM = "/nonexistent/chromium"
    response = client_for(personas["officer"]).get(f"/approvals/slips/{slip.number}/pdf/", follow=True)
    assert response.redirect_chain[-1][0] == f"/approvals/requests/{slip.request_id}/"
    assert any("Word" in m for m in messages_of(response)), messages_of(response)


def test_a_position_use_request_is_checked_against_the_approved_positions(personas, lifted):
    too_many = submitted(personas, lifted, "A", count=2, position_category="正职", reason="任命局长")
    office = client_for(personas["officer"])
    [item] = office.get("/approvals/queue/").context["items"]
    assert item.figures == {**item.figures, "category": "正职", "approved": 1, "actual": 0, "usable_now": 1}
    said = messages_of(office.post(f"/approvals/requests/{too_many.pk}/approve/", {}, follow=True))
    assert len(said) == 1 and "正职职数可用 1 名" in said[0] and "insufficient_positions" in said[0]
    one = submitted(personas, lifted, "A", count=1, position_category="正职", reason="任命局长")
    office.post(f"/approvals/requests/{one.pk}/approve/", {"opinion": "同意"})
    slip = Slip.objects.get()
    assert (slip.number, slip.position_category) == (f"ZS-{today().year}-0001", "正职")
    detail = text_of(office.get(f"/approvals/requests/{one.pk}/"))
    assert "核准使用职数通知单" in detail and slip.number in detail


def test_the_unit_withdraws_its_request(personas, register):
    request = submitted(personas, register, "A")
    client = client_for(personas["hr_a"])
    response = client.post(f"/approvals/requests/{request.pk}/withdraw/", follow=True)
    assert f"用编申请 #{request.pk} 已撤回" in messages_of(response)
    request.refresh_from_db()
    assert request.state == "withdrawn"
    assert client.get(f"/approvals/requests/{request.pk}/").context["allowed"] == set()
    assert client.get("/approvals/?state=withdrawn").context["rows"][0].request.pk == request.pk
    assert client.get("/approvals/?state=submitted").context["rows"] == []
