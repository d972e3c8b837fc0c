"""interchange.md §3 "Staffing use" through the API: every transition allowed and refused, in the
contract's order (422 → 404 → 403 → 409 invalid_state → 409 unit_suspended → 409 insufficient_*),
the reservation arithmetic seen in the figures, onboarding, leaving and write-off.

The register (tests/approvals/support.py): U 行政编制 3 with 2 on staff (usable 1), 副职 2 with one
leader; US (below U) 事业编制 2; V 行政编制 5 with 1 on staff, 副职 1 with none."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import make_id

from bianzhi.approvals.models import Slip
from bianzhi.core.dates import END
from bianzhi.core.models import ChangeSet
from bianzhi.registry.models import PersonVersion, Unit
from bianzhi.registry.services import rows_import, suspension_start
from tests.approvals.support import *  # noqa: F403  (the fixtures)

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"status", "code", "message", "errors", "problems", "warnings"}


def call(user, method: str, path: str, body: Any = None):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body, default=str), "content_type": "application/json"}
    return getattr(client, method.lower())("/api/v1" + path, **kwargs)


def refused(response, status: int, code: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert set(body) == ERROR_KEYS and body["status"] == status
    if code:
        assert body["code"] == code, body
    return body


def create(user, unit: str = "U", count: int = 1, **extra: Any) -> int:
    body = {"unit": unit, "staffing_type": "行政编制", "count": count, "reason": "公开招录", **extra}
    response = call(user, "POST", "/staffing-requests", body)
    assert response.status_code == 201, response.content.decode()
    assert response.json()["state"] == "draft"
    return response.json()["id"]


def submitted(user, unit: str = "U", count: int = 1, **extra: Any) -> int:
    pk = create(user, unit, count, **extra)
    response = call(user, "POST", f"/staffing-requests/{pk}/submit")
    assert response.status_code == 200 and response.json()["state"] == "submitted", response.content
    return pk


def figures(user, code: str, staffing_type: str = "行政编制") -> dict[str, Any]:
    body = call(user, "GET", f"/figures/units/{code}").json()
    return next(s for s in body["staffing"] if s["staffing_type"] == staffing_type)


# ---------------------------------------------------------------- creating and the order of checks


def test_unit_hr_officer_creates_a_draft_for_its_subtree_only(reg, users):
    pk = create(users["hr_u"], "US", staffing_type="事业编制")
    detail = call(users["hr_u"], "GET", f"/staffing-requests/{pk}").json()
    assert (detail["unit"], detail["staffing_type"], detail["count"], detail["state"]) == ("US", "事业编制", 1, "draft")
    assert [s["to_state"] for s in detail["steps"]] == ["draft"]
    body = {"unit": "U", "staffing_type": "行政编制", "count": 1, "reason": "招录"}
    other = refused(call(users["hr_v"], "POST", "/staffing-requests", body), 404)
    nowhere = refused(call(users["hr_v"], "POST", "/staffing-requests", {**body, "unit": "ZZ"}), 404)
    assert other["message"].replace("U", "ZZ") == nowhere["message"]
    for role in ("leader", "inspector", "auditor"):
        refused(call(users[role], "POST", "/staffing-requests", body), 403)
    # a malformed body is answered first, whoever asks
    bad = refused(call(users["hr_v"], "POST", "/staffing-requests", {**body, "count": 0}), 422, "invalid")
    assert bad["errors"] and bad["errors"][0]["location"].endswith("count")
    refused(call(users["hr_u"], "POST", "/staffing-requests", {**body, "reason": ""}), 422)


def test_transitions_by_role_scope_and_state(reg, users):
    pk = create(users["hr_u"])
    # approving a draft: role first, then the state
    refused(call(users["hr_v"], "POST", f"/staffing-requests/{pk}/approve", {}), 404)
    refused(call(users["hr_u"], "POST", f"/staffing-requests/{pk}/approve", {}), 403)
    refused(call(users["inspector"], "POST", f"/staffing-requests/{pk}/approve", {}), 403)
    refused(call(users["officer"], "POST", f"/staffing-requests/{pk}/approve", {}), 409, "invalid_state")
    refused(call(users["leader"], "POST", f"/staffing-requests/{pk}/submit"), 403)
    assert call(users["hr_u"], "POST", f"/staffing-requests/{pk}/submit").json()["state"] == "submitted"
    refused(call(users["hr_u"], "POST", f"/staffing-requests/{pk}/submit"), 409, "invalid_state")
    # return needs an opinion; returned → submitted again
    refused(call(users["officer"], "POST", f"/staffing-requests/{pk}/return", {}), 422)
    returned = call(users["officer"], "POST", f"/staffing-requests/{pk}/return", {"opinion": "请补充岗位说明"})
    assert returned.json()["state"] == "returned" and returned.json()["opinion"] == "请补充岗位说明"
    assert call(users["hr_u"], "POST", f"/staffing-requests/{pk}/submit").json()["state"] == "submitted"
    # reject needs an opinion; a rejected request moves no more
    refused(call(users["leader"], "POST", f"/staffing-requests/{pk}/reject", {"opinion": ""}), 422)
    rejected = call(users["leader"], "POST", f"/staffing-requests/{pk}/reject", {"opinion": "不符合用编条件"})
    assert rejected.json()["state"] == "rejected"
    refused(call(users["officer"], "POST", f"/staffing-requests/{pk}/approve", {}), 409, "invalid_state")
    refused(call(users["hr_u"], "POST", f"/staffing-requests/{pk}/withdraw"), 409, "invalid_state")
    steps = call(users["officer"], "GET", f"/staffing-requests/{pk}").json()["steps"]
    assert [(s["action"], s["from_state"], s["to_state"]) for s in steps] == [
        ("create", "", "draft"),
        ("submit", "draft", "submitted"),
        ("return", "submitted", "returned"),
        ("submit", "returned", "submitted"),
        ("reject", "submitted", "rejected"),
    ]
    assert steps[2]["user"] == "officer" and steps[4]["opinion"] == "不符合用编条件"
    # withdrawing a submitted request
    other = submitted(users["hr_u"])
    assert call(users["hr_u"], "POST", f"/staffing-requests/{other}/withdraw").json()["state"] == "withdrawn"


def test_approval_issues_a_slip_and_reserves_its_places(reg, users, day):
    assert figures(users["officer"], "U") | {} == {**figures(users["officer"], "U"), "reserved": 0, "usable": 1}
    pk = submitted(users["hr_u"])
    response = call(
        users["leader"],
        "POST",
        f"/staffing-requests/{pk}/approve",
        {"opinion": "同意", "document_number": "越编〔2026〕9号"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "approved"
    slip = body["slip"]
    assert {
        k: slip[k] for k in ("number", "unit", "staffing_type", "position_category", "count", "remaining", "expires_on")
    } == {
        "number": f"YB-{day.year}-0001",
        "unit": "U",
        "staffing_type": "行政编制",
        "position_category": None,
        "count": 1,
        "remaining": 1,
        "expires_on": (day + dt.timedelta(days=90)).isoformat(),
    }
    assert slip["document_number"] == "越编〔2026〕9号"
    assert body["warnings"] == [f"U {day.year} 年度行政编制没有已批准的用编计划"]
    f = figures(users["officer"], "U")
    assert (f["approved"], f["actual"], f["reserved"], f["usable"]) == (3, 2, 1, 0)
    assert call(users["hr_u"], "GET", f"/slips/{slip['number']}").json()["remaining"] == 1
    refused(call(users["hr_v"], "GET", f"/slips/{slip['number']}"), 404)
    # the last vacancy is taken: a second approval is refused and changes nothing
    second = submitted(users["hr_u"])
    refused(call(users["officer"], "POST", f"/staffing-requests/{second}/approve", {}), 409, "insufficient_usable")
    assert call(users["officer"], "GET", f"/staffing-requests/{second}").json()["state"] == "submitted"
    assert Slip.objects.count() == 1


def test_slip_validity_is_configurable_and_expired_slips_release_their_places(reg, users, day, settings):
    from bianzhi.approvals import services

    settings.BIANZHI_SLIP_VALID_DAYS = 30
    pk = submitted(users["hr_u"])
    slip = call(users["officer"], "POST", f"/staffing-requests/{pk}/approve", {}).json()["slip"]
    assert slip["expires_on"] == (day + dt.timedelta(days=30)).isoformat()
    after = day + dt.timedelta(days=31)
    from bianzhi.registry.selectors import unit_figures

    unit = reg["units"]["U"]
    assert unit_figures(day + dt.timedelta(days=30))[unit.pk].staffing["行政编制"].reserved == 1
    assert unit_figures(after)[unit.pk].staffing["行政编制"].reserved == 0
    # an approval dated long ago: its slip has expired by today and reserves nothing now
    request = services.staffing_request_submit(
        user=users["officer"],
        request=services.staffing_request_create(
            user=users["officer"], unit=reg["units"]["V"], staffing_type="行政编制", count=2, reason="招录"
        ),
    )
    old = services.staffing_request_approve(
        user=users["officer"], request=request, day=day - dt.timedelta(days=200)
    ).slip
    assert (
        old.number
        == f"YB-{(day - dt.timedelta(days=200)).year}-{'0001' if (day - dt.timedelta(days=200)).year != day.year else '0002'}"
    )
    assert figures(users["officer"], "V")["reserved"] == 0
    assert call(users["officer"], "GET", f"/slips/{old.number}").json()["expired"] is True
    assert [s["number"] for s in call(users["officer"], "GET", f"/slips?valid_on={day}").json()["items"]] == [
        slip["number"]
    ]


def test_suspension_refuses_approval_after_the_state_check(reg, users, day):
    draft = create(users["hr_u"])
    pending = submitted(users["hr_u"], count=5)  # more than usable too: the suspension answers first
    suspension_start(unit=reg["units"]["U"], reason="问题整改逾期（编号 7）", source="问题整改", started_on=day)
    refused(call(users["officer"], "POST", f"/staffing-requests/{draft}/approve", {}), 409, "invalid_state")
    body = refused(call(users["officer"], "POST", f"/staffing-requests/{pending}/approve", {}), 409, "unit_suspended")
    assert "问题整改逾期（编号 7）" in body["message"] and "U" in body["message"]
    # drafting and submitting go on while suspended
    assert call(users["hr_u"], "POST", f"/staffing-requests/{draft}/submit").json()["state"] == "submitted"
    # the suspension holds for the unit itself, not its descendants
    below = submitted(users["hr_u"], "US", staffing_type="事业编制")
    assert call(users["officer"], "POST", f"/staffing-requests/{below}/approve", {}).status_code == 200


def test_a_suspension_past_its_planned_end_or_lifted_no_longer_blocks(reg, users, day):
    from bianzhi.registry.selectors import suspension_in_force
    from bianzhi.registry.services import suspension_lift

    unit = reg["units"]["U"]
    ended = suspension_start(
        unit=unit,
        reason="三色管理",
        source="三色管理",
        started_on=day - dt.timedelta(days=30),
        planned_end=day - dt.timedelta(days=1),
    )
    assert suspension_in_force(unit, day - dt.timedelta(days=1)) == ended
    assert suspension_in_force(unit, day) is None
    lifted = suspension_start(unit=unit, reason="手工暂缓", source="", started_on=day - dt.timedelta(days=5))
    assert suspension_in_force(unit, day) == lifted
    suspension_lift(suspension=lifted, lifted_on=day, reason="已整改")
    assert suspension_in_force(unit, day) is None
    assert suspension_in_force(unit, day - dt.timedelta(days=1)) == ended
    pk = submitted(users["hr_u"])
    assert call(users["officer"], "POST", f"/staffing-requests/{pk}/approve", {}).status_code == 200


# ---------------------------------------------------------------- usable: later dated changes, positions, plans


def test_a_future_quota_cut_lowers_what_may_be_approved_today(reg, users, day):
    result = rows_import(
        sheets={"编制": [{"机构代码": "U", "编制类型": "行政编制", "核定数": 2}]},
        effective=day + dt.timedelta(days=10),
        reason="核减",
    )
    assert result.ok, result.errors
    assert figures(users["officer"], "U")["usable"] == 1  # today the quota is still 3
    pk = submitted(users["hr_u"])
    body = refused(call(users["officer"], "POST", f"/staffing-requests/{pk}/approve", {}), 409, "insufficient_usable")
    assert "可用编制为 0 名" in body["message"]


def test_a_future_entry_date_lowers_what_may_be_approved_today(reg, users, day):
    from conftest import person_row

    row = person_row("U", birth=dt.date(1993, 3, 3))
    row["进编日期"] = (day + dt.timedelta(days=20)).isoformat()
    assert rows_import(sheets={"人员": [row]}, reason="导入").ok
    assert figures(users["officer"], "U")["actual"] == 2
    pk = submitted(users["hr_u"])
    refused(call(users["officer"], "POST", f"/staffing-requests/{pk}/approve", {}), 409, "insufficient_usable")


def test_position_use_requests_are_checked_against_approved_positions(reg, users, day):
    first = submitted(users["hr_v"], "V", position_category="副职")
    slip = call(users["officer"], "POST", f"/staffing-requests/{first}/approve", {}).json()["slip"]
    assert slip["number"] == f"ZS-{day.year}-0001" and slip["position_category"] == "副职"
    second = submitted(users["hr_v"], "V", position_category="副职")
    body = refused(
        call(users["officer"], "POST", f"/staffing-requests/{second}/approve", {}), 409, "insufficient_positions"
    )
    assert "副职" in body["message"]
    # a plain staffing-use request of V still has room (5 − 1 − 1)
    third = submitted(users["hr_v"], "V", count=3)
    assert (
        call(users["officer"], "POST", f"/staffing-requests/{third}/approve", {}).json()["slip"]["number"]
        == f"YB-{day.year}-0001"
    )
    # the position slip fills with a leader of that category
    filled = call(users["hr_v"], "POST", f"/slips/{slip['number']}/onboard", _newcomer(day))
    assert filled.status_code == 201, filled.content
    version = PersonVersion.objects.get(person__id_number=filled.json()["person"], valid_to=END)
    assert version.position_category == "副职" and version.unit.code == "V"


def test_plans_warn_but_never_block(reg, users, day):
    created = call(
        users["hr_v"],
        "POST",
        "/staffing-plans",
        {"unit": "V", "year": day.year, "staffing_type": "行政编制", "count": 1},
    )
    assert created.status_code == 201 and created.json()["state"] == "draft"
    plan = created.json()["id"]
    refused(call(users["hr_v"], "POST", f"/staffing-plans/{plan}/approve"), 403)
    refused(call(users["hr_u"], "POST", f"/staffing-plans/{plan}/approve"), 404)
    assert call(users["leader"], "POST", f"/staffing-plans/{plan}/approve").json()["state"] == "approved"
    refused(call(users["leader"], "POST", f"/staffing-plans/{plan}/approve"), 409, "invalid_state")
    refused(
        call(
            users["hr_v"],
            "POST",
            "/staffing-plans",
            {"unit": "V", "year": day.year, "staffing_type": "行政编制", "count": 2},
        ),
        409,
    )
    within = submitted(users["hr_v"], "V")
    assert call(users["officer"], "POST", f"/staffing-requests/{within}/approve", {}).json()["warnings"] == []
    beyond = submitted(users["hr_v"], "V", count=2)
    body = call(users["officer"], "POST", f"/staffing-requests/{beyond}/approve", {}).json()
    assert body["state"] == "approved"
    assert body["warnings"] == [f"V {day.year} 年度行政编制用编计划 1 名，已核准 1 名，本次核准 2 名后超出计划"]
    listed = call(users["hr_u"], "GET", "/staffing-plans").json()
    assert listed["total"] == 0
    assert call(users["officer"], "GET", f"/staffing-plans?unit=V&year={day.year}").json()["total"] == 1


# ---------------------------------------------------------------- onboarding


def _newcomer(day: dt.date, **extra: Any) -> dict[str, Any]:
    birth = dt.date(1996, 4, 4)
    return {
        "身份证号": make_id(birth, "女"),
        "姓名": "吴九",
        "性别": "女",
        "出生日期": birth.isoformat(),
        "人员类别": "公务员",
        "进编日期": day.isoformat(),
        **extra,
    }


def _slip(users, unit: str = "U", count: int = 1) -> str:
    pk = submitted(users["officer"], unit, count)
    response = call(
        users["officer"], "POST", f"/staffing-requests/{pk}/approve", {"document_number": "越编〔2026〕12号"}
    )
    assert response.status_code == 200, response.content
    return response.json()["slip"]["number"]


def test_onboarding_fills_the_slip_through_the_import_rules(reg, users, day):
    number = _slip(users)
    row = _newcomer(day)
    refused(call(users["hr_v"], "POST", f"/slips/{number}/onboard", row), 404)
    refused(call(users["inspector"], "POST", f"/slips/{number}/onboard", row), 403)
    refused(call(users["hr_u"], "POST", f"/slips/{number}/onboard", {**row, "机构代码": "V"}), 422, "invalid")
    refused(call(users["hr_u"], "POST", f"/slips/{number}/onboard", {**row, "编制类型": "事业编制"}), 422)
    refused(call(users["hr_u"], "POST", f"/slips/{number}/onboard", {**row, "离编日期": day.isoformat()}), 422)
    refused(call(users["hr_u"], "POST", f"/slips/{number}/onboard", {**row, "人员状态": "退休"}), 422)
    refused(call(users["hr_u"], "POST", f"/slips/{number}/onboard", {**row, "籍贯": "绍兴"}), 422)
    late = (day + dt.timedelta(days=91)).isoformat()
    refused(call(users["hr_u"], "POST", f"/slips/{number}/onboard", {**row, "进编日期": late}), 422)
    wrong = refused(call(users["hr_u"], "POST", f"/slips/{number}/onboard", {**row, "性别": "男"}), 422)
    assert [(p["sheet"], p["column"]) for p in wrong["problems"]] == [("人员", "性别")]
    done = call(users["hr_u"], "POST", f"/slips/{number}/onboard", {**row, "reason": "2026 年公务员招录"})
    assert done.status_code == 201, done.content
    assert done.json()["person"] == row["身份证号"] and done.json()["slip"] == {"number": number, "remaining": 0}
    version = PersonVersion.objects.get(person__id_number=row["身份证号"], valid_to=END)
    assert (version.unit.code, version.staffing_type, version.status, version.entry_date) == (
        "U",
        "行政编制",
        "在编",
        day,
    )
    change_set = ChangeSet.objects.get(pk=version.change_set_id)
    assert change_set.bypasses_approval is False and change_set.document_number == "越编〔2026〕12号"
    assert change_set.reason == "2026 年公务员招录"
    f = figures(users["officer"], "U")
    assert (f["actual"], f["reserved"], f["usable"]) == (3, 0, 0)
    refused(call(users["hr_u"], "POST", f"/slips/{number}/onboard", _newcomer(day)), 409, "slip_used")


def test_onboarding_refuses_an_expired_slip_and_a_person_on_staff(reg, users, day):
    from bianzhi.approvals import services

    request = services.staffing_request_submit(
        user=users["officer"],
        request=services.staffing_request_create(
            user=users["officer"], unit=reg["units"]["V"], staffing_type="行政编制", count=1, reason="招录"
        ),
    )
    old = services.staffing_request_approve(
        user=users["officer"], request=request, day=day - dt.timedelta(days=100)
    ).slip
    entry = (day - dt.timedelta(days=50)).isoformat()
    refused(
        call(users["hr_v"], "POST", f"/slips/{old.number}/onboard", _newcomer(day, 进编日期=entry)), 409, "slip_expired"
    )
    number = _slip(users, "V")
    on_staff_in_u = reg["people"][0]
    row = {
        **_newcomer(day),
        "身份证号": on_staff_in_u["身份证号"],
        "性别": on_staff_in_u["性别"],
        "出生日期": on_staff_in_u["出生日期"].isoformat(),
    }
    refused(call(users["hr_v"], "POST", f"/slips/{number}/onboard", row), 409, "person_on_staff")
    assert Slip.objects.get(number=number).remaining == 1


# ---------------------------------------------------------------- leaving and write-off


def test_leave_and_write_off(reg, users, day):
    number = reg["people"][1]["身份证号"]
    refused(call(users["hr_v"], "POST", f"/people/{number}/leave", {"status": "调出", "date": day.isoformat()}), 404)
    refused(call(users["leader"], "POST", f"/people/{number}/leave", {"status": "调出", "date": day.isoformat()}), 403)
    refused(call(users["hr_u"], "POST", f"/people/{number}/leave", {"status": "在编", "date": day.isoformat()}), 422)
    far = (day + dt.timedelta(days=40)).isoformat()
    refused(call(users["hr_u"], "POST", f"/people/{number}/leave", {"status": "调出", "date": far}), 422)
    refused(
        call(users["officer"], "POST", f"/people/{number}/write-off", {"date": day.isoformat()}), 409, "invalid_state"
    )
    left = call(users["hr_u"], "POST", f"/people/{number}/leave", {"status": "辞职", "date": day.isoformat()})
    assert left.status_code == 200, left.content
    assert (left.json()["status"], left.json()["left_date"], left.json()["on_staff"]) == (
        "辞职",
        day.isoformat(),
        False,
    )
    assert figures(users["officer"], "U")["actual"] == 1
    refused(
        call(users["hr_u"], "POST", f"/people/{number}/leave", {"status": "调出", "date": day.isoformat()}),
        409,
        "not_on_staff",
    )
    refused(call(users["hr_u"], "POST", f"/people/{number}/write-off", {"date": day.isoformat()}), 403)
    early = (day - dt.timedelta(days=1)).isoformat()
    refused(call(users["officer"], "POST", f"/people/{number}/write-off", {"date": early}), 422)
    written = call(users["officer"], "POST", f"/people/{number}/write-off", {"date": day.isoformat()})
    assert written.status_code == 200 and written.json()["written_off_date"] == day.isoformat()
    refused(
        call(users["officer"], "POST", f"/people/{number}/write-off", {"date": day.isoformat()}),
        409,
        "already_written_off",
    )
    logged = ChangeSet.objects.order_by("-id").first()
    assert logged.bypasses_approval is False


# ---------------------------------------------------------------- the unit HR officer's other writes


def test_unit_hr_officer_cannot_change_procedure_fields_through_put(reg, users, day):
    person = reg["people"][1]
    body = {
        "name": person["姓名"],
        "gender": person["性别"],
        "birth_date": person["出生日期"].isoformat(),
        "category": "公务员",
        "unit": "U",
        "staffing_type": "行政编制",
        "status": "在编",
        "reason": "更正",
    }
    path = f"/people/{person['身份证号']}"
    for change in (
        {"status": "退休"},
        {"staffing_type": "工勤编制"},
        {"entry_date": "2021-01-01"},
        {"position_category": "副职"},
        {"unit": "US"},
    ):
        refused(call(users["hr_u"], "PUT", path, {**body, **change}), 403, "procedure_required")
    ok = call(users["hr_u"], "PUT", path, {**body, "post": "科员"})
    assert ok.status_code == 200, ok.content
    assert ChangeSet.objects.get(pk=ok.json()["change_set"]).bypasses_approval is True  # a correction, not a procedure
    office = call(
        users["officer"],
        "PUT",
        path,
        {**body, "status": "退休", "left_date": day.isoformat(), "effective": day.isoformat()},
    )
    assert office.status_code == 200, office.content
    assert ChangeSet.objects.get(pk=office.json()["change_set"]).bypasses_approval is True


# ---------------------------------------------------------------- reads: scope and masking


def test_lists_are_scoped_and_free_text_is_masked(reg, users):
    quoted = reg["people"][2]["身份证号"]  # a person of V
    create(users["officer"], "V", reason=f"接收 {quoted} 调入")
    create(users["hr_u"])
    assert [r["unit"] for r in call(users["hr_u"], "GET", "/staffing-requests").json()["items"]] == ["U"]
    refused(call(users["hr_u"], "GET", "/staffing-requests?unit=V"), 404)
    assert call(users["officer"], "GET", "/staffing-requests?state=draft").json()["total"] == 2
    assert call(users["officer"], "GET", "/staffing-requests?state=submitted").json()["total"] == 0
    items = call(users["leader"], "GET", "/staffing-requests?unit=V").json()["items"]
    assert quoted not in json.dumps(items, ensure_ascii=False) and quoted[-4:] in items[0]["reason"]
    assert quoted in call(users["officer"], "GET", "/staffing-requests?unit=V").json()["items"][0]["reason"]


def test_submission_and_decision_notify(reg, users):
    from bianzhi.core.models import Notification

    pk = submitted(users["hr_u"])
    assert Notification.objects.filter(user=users["officer"]).count() == 1
    assert Notification.objects.filter(user=users["hr_u"]).count() == 0
    call(users["officer"], "POST", f"/staffing-requests/{pk}/approve", {})
    notes = Notification.objects.filter(user=users["hr_u"])
    assert notes.count() == 1 and "已核准" in notes.get().title
    assert notes.get().url.endswith(f"/requests/{pk}/")
    assert not Notification.objects.filter(user=users["hr_v"]).exists()


def test_unit_rows_are_untouched_by_refusals(reg, users):
    pk = submitted(users["hr_u"], count=2)
    before = ChangeSet.objects.count()
    refused(call(users["officer"], "POST", f"/staffing-requests/{pk}/approve", {}), 409, "insufficient_usable")
    assert ChangeSet.objects.count() == before and Unit.objects.count() == 3


def test_every_operation_takes_an_optional_reason_for_the_log(reg, users):
    pk = create(users["hr_u"])
    call(users["hr_u"], "POST", f"/staffing-requests/{pk}/submit", {"reason": "按年度计划提交"})
    assert ChangeSet.objects.order_by("-id").first().reason == "按年度计划提交"
    approved = call(
        users["officer"], "POST", f"/staffing-requests/{pk}/approve", {"opinion": "同意", "reason": "编委会议定"}
    )
    assert approved.status_code == 200
    logged = ChangeSet.objects.order_by("-id").first()
    assert logged.reason == "编委会议定" and logged.source == "api" and logged.bypasses_approval is False
    other = submitted(users["hr_u"])
    call(users["officer"], "POST", f"/staffing-requests/{other}/reject", {"opinion": "无空编"})
    assert ChangeSet.objects.order_by("-id").first().reason == "无空编"
    refused(call(users["officer"], "POST", f"/staffing-requests/{other}/withdraw", {"opinion": 3}), 422)
    refused(call(users["officer"], "POST", f"/staffing-requests/{other}/withdraw", {"oops": "x"}), 422)
