"""The matters API (issue 14): the workflow through /api/v1/matters, the refusals in the one error
shape, a unit HR officer's scope, and the ledger at /api/v1/units/{code}/ledger."""

from __future__ import annotations

import pytest

from tests.matters.support import *  # noqa: F403  (the fixture ``office``)
from tests.matters.support import (
    D1,
    D2,
    quota,
)

pytestmark = pytest.mark.django_db

TRANSFER = {"from": "C", "to": "D", "staffing_type": "行政编制", "count": 2}


def create(api, office, change=TRANSFER, kind="划转编制", **extra):
    response = api(
        office["officer"],
        "POST",
        "/matters",
        json={"kind": kind, "title": "C局编制划转", "change": change, "document_number": "越编〔2026〕12号", **extra},
    )
    assert response.status_code == 201, response.content
    return response.json()


def step(api, persona, matter_id, action, body=None):
    return api(persona, "POST", f"/matters/{matter_id}/{action}", json=body or {})


def test_a_matter_through_the_api_from_draft_to_executed(api, office):
    matter = create(api, office, countersign_offices=["区财政局"])
    assert (matter["state"], matter["units"], matter["countersigns"][0]["signed"]) == ("draft", ["C", "D"], False)
    mid = matter["id"]
    assert step(api, office["officer"], mid, "submit").json()["state"] == "submitted"
    assert step(api, office["officer"], mid, "review", {"opinion": "符合规定"}).json()["state_label"] == "已审核"
    pending = step(api, office["leader"], mid, "decide", {"approve": True})
    assert (pending.status_code, pending.json()["code"]) == (409, "countersign_pending")
    assert "区财政局" in pending.json()["message"]
    signed = step(api, office["officer"], mid, "countersign", {"office": "区财政局", "opinion": "同意"})
    assert signed.json()["countersigns"][0]["signed"] is True
    decided = step(api, office["leader"], mid, "decide", {"approve": True, "opinion": "同意"})
    assert (decided.json()["state"], decided.json()["decision_body"]) == ("decided", "编委")
    done = step(api, office["officer"], mid, "execute", {"effective": D1.isoformat()})
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["state"], body["executed_on"]) == ("executed", D1.isoformat())
    assert [s["action"] for s in body["steps"]] == ["拟稿", "提交", "审核", "编委决定通过", "执行"]
    assert (quota("C", "行政编制", D1), quota("D", "行政编制", D1)) == (4, 5)
    again = step(api, office["officer"], mid, "execute", {})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    amend = step(api, office["officer"], mid, "amend", {"reason": "划转数有误"})
    assert amend.status_code == 201 and amend.json()["amends"] == mid and amend.json()["kind"] == "撤销更正"
    assert api(office["officer"], "GET", f"/matters/{mid}").json()["corrected_by"] == [amend.json()["id"]]


def test_roles_are_refused_in_the_one_shape(api, office):
    mid = create(api, office)["id"]
    for persona in ("leader", "inspector", "auditor"):
        response = step(api, office[persona], mid, "submit")
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    refused = api(office["leader"], "POST", "/matters", json={"kind": "增编", "title": "x", "change": {}})
    assert refused.status_code == 403
    wrong = api(office["officer"], "POST", "/matters", json={"kind": "增编", "title": "x", "change": {"unit": "C"}})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "invalid_change")
    assert "编制类型" in wrong.json()["message"]
    no_opinion = step(api, office["officer"], mid, "return", {"to_state": "draft"})
    assert no_opinion.status_code == 422


def test_a_unit_hr_officer_sees_only_the_matters_of_its_units(api, office):
    on_c = create(api, office)["id"]
    on_a = create(api, office, change={"unit": "A", "name": "A局"}, kind="更名")["id"]
    listed = api(office["hr_a"], "GET", "/matters").json()
    assert [m["id"] for m in listed["items"]] == [on_a]
    assert api(office["hr_a"], "GET", f"/matters/{on_c}").status_code == 404
    assert api(office["hr_b"], "GET", f"/matters/{on_a}").status_code == 404
    assert step(api, office["hr_a"], on_a, "submit").status_code == 403
    assert step(api, office["hr_b"], on_a, "submit").status_code == 404
    assert api(office["leader"], "GET", "/matters?state=draft").json()["total"] == 2


def test_execution_refusals_name_the_reason(api, office):
    mid = create(api, office, change={"unit": "A", "staffing_type": "行政编制", "delta": 1}, kind="增编")["id"]
    step(api, office["officer"], mid, "submit")
    step(api, office["officer"], mid, "review")
    step(api, office["admin"], mid, "decide", {"approve": True})
    refused = step(api, office["officer"], mid, "execute", {"effective": D1.isoformat()})
    assert (refused.status_code, refused.json()["code"]) == (409, "unit_suspended")
    assert "问题整改逾期" in refused.json()["message"]
    other = create(api, office, change={"unit": "C", "staffing_type": "行政编制", "delta": 1}, kind="增编")["id"]
    api(
        office["officer"],
        "POST",
        "/rows",
        json={
            "reason": "核对",
            "effective": D2.isoformat(),
            "sheets": {"编制": [{"机构代码": "C", "编制类型": "行政编制", "核定数": 7}]},
        },
    )
    for action, persona in (("submit", "officer"), ("review", "officer"), ("decide", "leader")):
        step(api, office[persona], other, action, {"approve": True} if action == "decide" else {})
    backdated = step(api, office["officer"], other, "execute", {"effective": D1.isoformat()})
    assert (backdated.status_code, backdated.json()["code"]) == (422, "backdated")
    assert backdated.json()["problems"][0]["message"].startswith("生效日期早于该记录最近一次变更（2026-09-01）")


def test_the_ledger_api_lists_changes_and_rebuilds_the_register(api, office):
    mid = create(api, office)["id"]
    for action, persona in (("submit", "officer"), ("review", "officer"), ("decide", "leader")):
        step(api, office[persona], mid, action, {"approve": True} if action == "decide" else {})
    step(api, office["officer"], mid, "execute", {"effective": D1.isoformat()})
    ledger = api(office["leader"], "GET", "/units/C/ledger").json()
    last = ledger["entries"][-1]
    assert (last["item"], last["before"], last["after"], last["delta"]) == ("行政编制", 6, 4, -2)
    assert (last["document_number"], last["matter"], last["bypasses_approval"]) == ("越编〔2026〕12号", mid, False)
    assert last["actor"] == "" and last["change_set"] is None  # a leader does not read the change log
    assert ledger["days"] == [D1.isoformat()]
    earlier = api(office["officer"], "GET", "/units/C/ledger?as_of=2026-06-30").json()
    assert {r["staffing_type"]: r["approved"] for r in earlier["unit_register"]["staffing"]}["行政编制"] == 6
    assert all(e["day"] is None for e in earlier["entries"])
    assert api(office["hr_b"], "GET", "/units/C/ledger").status_code == 404
    assert api(office["hr_a"], "GET", "/units/A/ledger").status_code == 200
