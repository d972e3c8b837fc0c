"""问题整改 (issue 15, interchange.md §3 "Supervision", domain.md §9): the state machine, roles, scope,
the check order, and the suspension linkage, through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.dates import today

pytestmark = pytest.mark.django_db

DEADLINE = (today() + dt.timedelta(days=30)).isoformat()


def raise_problem(api, persona, unit="AS", severity="中", **extra):
    body = {
        "unit": unit,
        "description": f"{unit} 超编 1 人",
        "severity": severity,
        "deadline": DEADLINE,
        "source": "检查",
        **extra,
    }
    return api(persona, "POST", "/problems", json=body)


def in_force(api, persona, unit):
    reply = api(persona, "GET", f"/suspensions?unit={unit}&in_force=true")
    assert reply.status_code == 200, reply.content
    return reply.json()


def answer(api, persona, pk):
    return api(
        persona, "POST", f"/problems/{pk}/answer", json={"plan": "三个月内调出 1 人", "evidence": "已办理调出手续"}
    )


def test_raise_answer_return_close_walks_the_states(api, personas):
    officer, hr_a = personas["officer"], personas["hr_a"]
    created = raise_problem(api, officer, basis="《机构编制监督检查工作办法》第十条", responsible="李处长")
    assert created.status_code == 201, created.content
    problem = created.json()
    assert problem["state"] == "open"
    assert problem["unit"] == "AS"
    assert problem["severity"] == "中"
    assert problem["deadline"] == DEADLINE
    assert problem["basis"] == "《机构编制监督检查工作办法》第十条"
    assert problem["responsible"] == "李处长"
    assert problem["suspension_in_force"] is True
    assert [s["action"] for s in problem["steps"]] == ["raise"]
    pk = problem["id"]

    answered = answer(api, hr_a, pk)
    assert answered.status_code == 200, answered.content
    assert answered.json()["state"] == "answered"
    returned = api(officer, "POST", f"/problems/{pk}/return", json={"opinion": "佐证不足"})
    assert returned.status_code == 200, returned.content
    assert returned.json()["state"] == "returned"
    again = answer(api, hr_a, pk)
    assert again.json()["state"] == "answered"
    closed = api(officer, "POST", f"/problems/{pk}/close", json={"opinion": "已核实，销号"})
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["state"] == "closed"
    assert body["closed_on"] == today().isoformat()
    assert [s["action"] for s in body["steps"]] == ["raise", "answer", "return", "answer", "close"]
    assert [s["to_state"] for s in body["steps"]] == ["open", "answered", "returned", "answered", "closed"]
    assert body["steps"][2]["opinion"] == "佐证不足"
    assert body["steps"][1]["plan"] == "三个月内调出 1 人"
    assert body["suspension_in_force"] is False


def test_states_refuse_the_wrong_step_with_409(api, personas):
    officer, hr_a = personas["officer"], personas["hr_a"]
    pk = raise_problem(api, officer).json()["id"]
    for path, body in (("return", {"opinion": "x"}), ("close", {"opinion": "x"})):
        reply = api(officer, "POST", f"/problems/{pk}/{path}", json=body)
        assert reply.status_code == 409, (path, reply.content)
        assert reply.json()["code"] == "invalid_state"
    assert answer(api, hr_a, pk).status_code == 200
    twice = answer(api, hr_a, pk)
    assert twice.status_code == 409
    assert twice.json()["code"] == "invalid_state"
    api(officer, "POST", f"/problems/{pk}/close", json={"opinion": "销号"})
    for path, body in (("answer", {"plan": "p", "evidence": "e"}), ("return", {"opinion": "x"}), ("close", {})):
        reply = api(officer, "POST", f"/problems/{pk}/{path}", json=body)
        assert (reply.status_code, reply.json()["code"]) == (409, "invalid_state"), path


@pytest.mark.parametrize(
    ("persona", "status"),
    [("officer", 201), ("inspector", 201), ("admin", 201), ("hr_a", 403), ("leader", 403), ("auditor", 403)],
)
def test_who_raises(api, personas, persona, status):
    reply = raise_problem(api, personas[persona], unit="A")
    assert reply.status_code == status, reply.content
    if status == 403:
        assert "无权立项" in reply.json()["message"]


def test_who_answers_returns_and_closes(api, personas):
    officer = personas["officer"]
    pk = raise_problem(api, officer, unit="A").json()["id"]
    assert answer(api, personas["leader"], pk).status_code == 403
    assert answer(api, personas["inspector"], pk).status_code == 403
    assert answer(api, personas["hr_b"], pk).status_code == 404  # outside its units: as if not stored
    assert answer(api, personas["hr_a"], pk).status_code == 200
    for persona in ("hr_a", "leader", "inspector", "auditor"):
        assert api(personas[persona], "POST", f"/problems/{pk}/return", json={"opinion": "x"}).status_code == 403
        assert api(personas[persona], "POST", f"/problems/{pk}/close", json={"opinion": "x"}).status_code == 403
    assert api(personas["admin"], "POST", f"/problems/{pk}/close", json={}).json()["state"] == "closed"


def test_check_order_422_404_403_409(api, personas):
    hr_a, officer = personas["hr_a"], personas["officer"]
    # a malformed body answers 422 before anything else, even for a unit the caller cannot see
    bad = raise_problem(api, hr_a, unit="B", severity="严重")
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid")
    missing = api(hr_a, "POST", "/problems", json={"unit": "B"})
    assert missing.status_code == 422
    # a unit outside its scope: 404 (like a unit that does not exist), before the role's 403
    assert raise_problem(api, hr_a, unit="B").status_code == 404
    assert raise_problem(api, hr_a, unit="NOPE").status_code == 404
    assert raise_problem(api, hr_a, unit="A").status_code == 403
    pk = raise_problem(api, officer, unit="A").json()["id"]
    # wrong state 409 comes after the role: the leader gets 403 on an open problem's close
    assert api(personas["leader"], "POST", f"/problems/{pk}/close", json={}).status_code == 403
    assert api(officer, "POST", f"/problems/{pk}/close", json={}).status_code == 409
    # 422 for a blank plan before the 404 of a problem that does not exist
    blank = api(hr_a, "POST", "/problems/999999/answer", json={"plan": " ", "evidence": "e"})
    assert blank.status_code == 422
    assert api(hr_a, "POST", "/problems/999999/answer", json={"plan": "p", "evidence": "e"}).status_code == 404
    # nothing changed on the errors
    from bianzhi.rectification.models import Problem

    assert Problem.objects.get(pk=pk).state == "open"


def test_alert_must_be_one_of_the_unit(api, personas, register):
    from bianzhi.supervision.models import Alert

    alert = Alert.objects.filter(run=register["run"]).exclude(unit_code="").first()
    assert alert is not None
    other = "A" if alert.unit_code != "A" else "B"
    wrong = raise_problem(api, personas["officer"], unit=other, alert=alert.pk, source="预警")
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["location"] == "body.alert"
    right = raise_problem(api, personas["officer"], unit=alert.unit_code, alert=alert.pk, source="预警")
    assert right.status_code == 201, right.content
    assert right.json()["alert"] == alert.pk
    assert right.json()["alert_rule"] == alert.rule
    assert right.json()["source"] == "预警"


def test_unit_hr_sees_only_its_units_problems(api, personas):
    officer = personas["officer"]
    in_a = raise_problem(api, officer, unit="AS").json()["id"]
    in_b = raise_problem(api, officer, unit="BS").json()["id"]
    assert [p["id"] for p in api(personas["hr_a"], "GET", "/problems").json()["items"]] == [in_a]
    assert [p["id"] for p in api(personas["hr_b"], "GET", "/problems").json()["items"]] == [in_b]
    assert api(personas["hr_a"], "GET", f"/problems/{in_b}").status_code == 404
    assert api(personas["hr_a"], "GET", "/problems?unit=BS").status_code == 404
    assert api(personas["leader"], "GET", "/problems").json()["total"] == 2
    assert api(personas["leader"], "GET", f"/problems/{in_b}").status_code == 200
    listed = api(officer, "GET", "/problems?unit=A&subtree=true").json()
    assert [p["id"] for p in listed["items"]] == [in_a]
    assert listed["items"][0]["unit_name"] == "机构AS"


def test_list_filters(api, personas):
    officer = personas["officer"]
    high = raise_problem(api, officer, unit="A", severity="高", source="审计").json()["id"]
    low = raise_problem(api, officer, unit="B", severity="低").json()["id"]
    from bianzhi.rectification.models import Problem

    Problem.objects.filter(pk=low).update(deadline=today() - dt.timedelta(days=1))

    def ids(query):
        reply = api(officer, "GET", f"/problems?{query}")
        assert reply.status_code == 200, reply.content
        return [p["id"] for p in reply.json()["items"]]

    assert ids("severity=高") == [high]
    assert ids("source=审计") == [high]
    assert ids("overdue=true") == [low]
    assert ids("overdue=false") == [high]
    assert ids("state=open") == [low, high]
    assert ids("state=closed") == []
    assert api(officer, "GET", "/problems?state=done").status_code == 422
    assert api(officer, "GET", f"/problems/{low}").json()["overdue"] is True


def test_free_text_is_masked_for_masked_roles(api, personas):
    from conftest import PB

    number = PB["身份证号"]
    pk = raise_problem(api, personas["officer"], unit="B", description=f"{number} 超龄未退").json()["id"]
    assert number in api(personas["officer"], "GET", f"/problems/{pk}").json()["description"]
    for persona in ("leader", "inspector", "auditor"):
        text = api(personas[persona], "GET", f"/problems/{pk}").content.decode()
        assert number not in text
        assert number[:6] + "********" + number[-4:] in text
