"""domain.md §11 on every API operation: a masked role never learns a hidden digit of an ID number.

The hidden eight digits are the birth date, so a masked role (leader, inspector, auditor; a unit HR
officer for people outside its subtree) sees nothing derived from it finer than the year — ages as
of 1 January of the day viewed, retirement months as years, alerts and forecasts that do not move
within a year — and no whole number anywhere, free text included. Person ids are opaque, searches by
a full number are rate-limited and logged, and a unit HR officer cannot tell "stored elsewhere" from
"stored nowhere", nor "another unit's code" from "no such code".

Every GET operation of the OpenAPI document is called (tests/api/test_api_privacy.py::test_every_get…),
so an operation added later is swept too: a path parameter this file does not know how to fill
fails the test until it is taught.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from typing import Any

import pytest
from conftest import NAMES, PA, PB, PB_OLD, person_row

from bianzhi.accounts.permissions import mask_id_number

pytestmark = pytest.mark.django_db

#: A man born 1966-06-15 (statutory retirement 2026-11), approved for an earlier month: 2026-08,
#: changed to 2026-07 from 2026-03-15 by the officer with a reason quoting two whole numbers.
PX = person_row("B", birth=dt.date(1966, 6, 15), 批准退休年月="2026-08", 姓名="孙六")
YEAR = 2026
MONTH_ENDS = [dt.date(YEAR, m + 1, 1) - dt.timedelta(days=1) for m in range(1, 12)] + [dt.date(YEAR, 12, 31)]
PROCEDURE = "单位人事干部新增人员须通过上编程序（核准使用编制通知单）办理"


@pytest.fixture
def district(register, personas, api, load):
    """The personas' register, plus PX in B, a change set whose reason and 文号 quote whole numbers,
    a suspension whose reason quotes one, and a stored run as of 2026-09-30."""
    from bianzhi.registry.models import Person, PersonVersion, Unit
    from bianzhi.registry.services import suspension_start
    from bianzhi.supervision.services import monitoring_run

    load({"人员": [PX]})
    body = {
        "name": "孙六",
        "gender": "男",
        "birth_date": "1966-06-15",
        "category": "公务员",
        "unit": "B",
        "staffing_type": "行政编制",
        "status": "在编",
        "approved_retirement_month": "2026-07",
        "effective": "2026-03-15",
        "reason": f"据 {PB['身份证号']} 的材料核对",
        "document_number": f"区编〔2026〕{PA['身份证号']}号",
    }
    changed = api(personas["officer"], "PUT", f"/people/{PX['身份证号']}", json={"reason": "测试", **body})
    assert changed.status_code == 200, changed.content
    suspension_start(
        unit=Unit.objects.get(code="B"),
        reason=f"{PB_OLD['身份证号']} 超龄未退",
        source="问题整改",
        started_on=dt.date(2026, 6, 2),
    )
    run, _ = monitoring_run(as_of=dt.date(2026, 9, 30))
    rows = {p["身份证号"]: p for p in (*register["people"].values(), PX)}
    secrets: dict[str, dict[str, Any]] = {}
    for person in Person.objects.all():
        versions = PersonVersion.objects.filter(person=person)
        months = {v.retirement_month for v in versions} | {
            v.approved_retirement_month for v in versions if v.approved_retirement_month
        }
        birth = versions.first().birth_date
        secrets[person.id_number] = {
            "pk": person.pk,
            "unit": versions.first().unit.code,
            "birth": birth,
            "months": {f"{m:%Y-%m}" for m in months},
        }
    assert set(secrets) == set(rows)
    assert {"2026-11", "2026-08", "2026-07"} <= secrets[PX["身份证号"]]["months"]
    return {"secrets": secrets, "run": run, "change_set": changed.json()["change_set"]}


def _leaks(text: str, secrets: dict[str, dict[str, Any]], hidden: set[str]) -> list[str]:
    """What of the hidden people's numbers, birth dates and retirement months ``text`` gives away."""
    found = []
    for number in hidden:
        secret = secrets[number]
        birth: dt.date = secret["birth"]
        if number in text or number.lower() in text or number[6:14] in text:
            found.append(f"number {number}")
        for spelling in (birth.isoformat(), f"{birth:%Y/%m/%d}", f"{birth.year}年{birth.month}月{birth.day}日"):
            if spelling in text:
                found.append(f"birth date {spelling}")
        for month in secret["months"]:
            # a month alone (not the start of a longer date such as an as_of 2026-07-31), or its first day
            if re.search(re.escape(month) + r"(?!-[0-9])", text) or f"{month}-01" in text:
                found.append(f"retirement month {month}")
            year, mm = month.split("-")
            if f"{year}年{int(mm)}月" in text:
                found.append(f"retirement month {year}年{int(mm)}月")
    return found


def _get_operations() -> list[tuple[str, list[str]]]:
    from bianzhi.api.api import api as ninja_api

    document = ninja_api.get_openapi_schema()
    operations = []
    for path, item in document["paths"].items():
        if "get" in item:
            names = [p["name"] for p in item["get"].get("parameters", []) if p["in"] == "query"]
            operations.append((path.removeprefix("/api/v1"), names))
    assert len(operations) >= 27
    return operations


def _matter_ids() -> list[int]:
    from bianzhi.matters.models import Matter

    return list(Matter.objects.values_list("pk", flat=True))


def _stored_ids(app: str, model: str) -> list[int]:
    from django.apps import apps

    return list(apps.get_model(app, model).objects.values_list("pk", flat=True))


def _slip_number(pk: int) -> str:
    from bianzhi.approvals.models import Slip

    return Slip.objects.get(pk=pk).number


def _calls(district, path: str, query: list[str]) -> list[str]:
    """The concrete requests that sweep one GET operation."""
    from bianzhi.accounts.privacy import person_ref
    from bianzhi.core.models import ChangeSet
    from bianzhi.registry.models import Suspension, WorkbookUpload
    from bianzhi.supervision.models import MonitoringRun

    fillers: dict[str, list[str]] = {
        "code": ["A", "AS", "B", "BS", "B-01"],
        "id_number": [person_ref(s["pk"]) for s in district["secrets"].values()],
        "suspension_id": [str(pk) for pk in Suspension.objects.values_list("pk", flat=True)],
        "change_set_id": [str(pk) for pk in ChangeSet.objects.values_list("pk", flat=True)],
        "upload_id": [str(pk) for pk in WorkbookUpload.objects.values_list("pk", flat=True)] or ["1"],
        # 机构编制事项 (issue 14): every stored matter, or one that does not exist (tests/matters/ sweep their text)
        "matter_id": [str(pk) for pk in _matter_ids()] or ["1"],
        # 问题整改 (issue 15): every stored problem and attachment, or ones that do not exist (tests/rectification/
        # sweep their free text)
        "problem_id": [str(pk) for pk in _stored_ids("rectification", "Problem")] or ["1"],
        "attachment_id": [str(pk) for pk in _stored_ids("rectification", "ProblemAttachment")] or ["1"],
        # 用编审批 (issue 14): every stored request, plan and slip, or ones that do not exist (tests/approvals/
        # sweep their free text)
        "request_id": [str(pk) for pk in _stored_ids("approvals", "StaffingRequest")] or ["1"],
        "plan_id": [str(pk) for pk in _stored_ids("approvals", "StaffingPlan")] or ["1"],
        "number": [_slip_number(pk) for pk in _stored_ids("approvals", "Slip")] or ["YB-2026-0001"],
    }
    names = re.findall(r"{(\w+)}", path)
    for name in names:
        assert name in fillers, f"teach test_api_privacy how to fill {{{name}}} of {path}"
    paths = [path]
    for name in names:
        paths = [p.replace(f"{{{name}}}", value) for p in paths for value in fillers[name]]
    extra = ["limit=1000"] if "limit" in query else []
    sweeps: list[list[str]] = [[]]
    if "as_of" in query:
        sweeps = [[f"as_of={day}"] for day in MONTH_ENDS] + [[]]
    if path == "/alerts":
        runs = MonitoringRun.objects.values_list("pk", flat=True)
        sweeps += [[f"run={pk}"] for pk in runs]
    if path == "/forecasts/retirements":
        sweeps = [[f"start={YEAR}-{m:02d}", "months=1"] for m in range(1, 13)]
        sweeps += [["start=2019-01", "months=600"]]
    if path == "/figures/rollup":
        sweeps = [[*s, f"by={by}"] for s in sweeps for by in ("department", "sequence", "region", "district")]
    if path == "/changes/{change_set_id}/records" or path.endswith("/records"):
        sweeps += [["entity=人员"]]
    result = []
    for p in paths:
        for sweep in sweeps:
            parts = extra + sweep
            result.append(p + ("?" + "&".join(parts) if parts else ""))
    return result


@pytest.mark.parametrize("role", ["leader", "inspector", "auditor", "hr_a"])
def test_every_get_operation_hides_what_the_role_may_not_see(district, personas, api, role):
    """For each masked role and every GET operation of the OpenAPI document (path parameters filled
    with real codes, refs and ids; as_of swept over the twelve month-ends of 2026): no whole number,
    birth date or retirement month of a person the role sees masked appears in any body, and an age
    does not move within the year."""
    secrets = district["secrets"]
    if role == "hr_a":
        hidden = {n for n, s in secrets.items() if s["unit"] not in ("A", "A-01", "AS")}
    else:
        hidden = set(secrets)
    leaks: list[tuple[str, list[str]]] = []
    ages: dict[str, set[int]] = defaultdict(set)
    statuses: dict[int, int] = defaultdict(int)
    for path, query in _get_operations():
        for url in _calls(district, path, query):
            response = api(personas[role], "GET", url)
            statuses[response.status_code] += 1
            assert response.status_code in (200, 403, 404), (url, response.status_code, response.content[:300])
            text = response.content.decode()
            if url.startswith("/forecasts") and response.status_code == 200:
                echoed = json.loads(text)
                echoed.pop("start")  # the request's own start month, echoed
                text = json.dumps(echoed, ensure_ascii=False)
            found = _leaks(text, secrets, hidden)
            if found:
                leaks.append((url, found))
            if response.status_code == 200 and url.startswith("/people"):
                body = json.loads(text)
                for item in body.get("items", [body]):
                    if item.get("id_number_masked") and "as_of=" in url:
                        ages[str(item["id"])].add(item["age"])
    assert not leaks, leaks[:20]
    assert statuses[200] > 100, dict(statuses)
    if role != "hr_a":
        assert ages and all(len(a) == 1 for a in ages.values()), dict(ages)


def test_masked_roles_see_ages_as_of_new_year_and_retirement_years(district, personas, api):
    number = PB["身份证号"]  # born 1970-07-07, statutory retirement 2031-12

    def person(role: str, day: str) -> dict[str, Any]:
        items = api(personas[role], "GET", f"/people?q={NAMES['PB']}&as_of={day}").json()["items"]
        assert len(items) == 1
        return items[0]

    assert [person("officer", d)["age"] for d in ("2026-06-30", "2026-07-31")] == [55, 56]
    assert [person("leader", d)["age"] for d in ("2026-06-30", "2026-07-31", "2026-12-31")] == [55, 55, 55]
    assert person("leader", "2027-01-01")["age"] == 56
    whole, masked = person("officer", "2026-06-30"), person("leader", "2026-06-30")
    assert (whole["retirement_month"], whole["retirement_month_used"]) == ("2031-12", "2031-12")
    assert (masked["retirement_month"], masked["retirement_month_used"]) == ("2031", "2031")
    assert masked["birth_date"] is None and masked["id_number"] == mask_id_number(number)
    px = api(personas["leader"], "GET", f"/people?q={PX['身份证号']}&as_of=2026-06-30").json()["items"][0]
    assert (px["retirement_month"], px["approved_retirement_month"], px["retirement_month_used"]) == (
        "2026",
        "2026",
        "2026",
    )


def test_person_ids_are_opaque_refs_that_open_the_person(district, personas, api):
    from bianzhi.accounts.privacy import person_ref

    secrets = district["secrets"]
    for role in ("officer", "leader"):
        items = api(personas[role], "GET", "/people?limit=100").json()["items"]
        by_number = {s["pk"]: n for n, s in secrets.items()}
        for item in items:
            assert isinstance(item["id"], str) and len(item["id"]) == 26
            pk = next(pk for pk in by_number if person_ref(pk) == item["id"])
            detail = api(personas[role], "GET", f"/people/{item['id']}")
            assert detail.status_code == 200 and detail.json()["id"] == item["id"]
            assert detail.json()["name"] == item["name"] and secrets[by_number[pk]]
    # a ref of a person outside an HR officer's subtree is as unknown as a ref of nobody
    ref_b = person_ref(secrets[PB["身份证号"]]["pk"])
    outside = api(personas["hr_a"], "GET", f"/people/{ref_b}")
    nobody = api(personas["hr_a"], "GET", f"/people/{person_ref(999_999)}")
    assert outside.status_code == nobody.status_code == 404 and outside.content == nobody.content
    assert api(personas["leader"], "GET", "/people/" + "a" * 26).status_code == 404


def test_full_number_lookups_are_rate_limited_and_logged(district, personas, api):
    from bianzhi.accounts.models import IdNumberLookup

    unknown = person_row("A", birth=dt.date(1999, 9, 9))["身份证号"]
    leader = personas["leader"]
    answers = []
    for n in range(20):
        if n % 4 == 0:
            answers.append(api(leader, "GET", f"/people?q={PB['身份证号']}").json()["total"])
        elif n % 4 == 1:
            answers.append(api(leader, "GET", f"/people/{unknown}").status_code)
        else:
            answers.append(api(leader, "GET", f"/people/{PA['身份证号']}").status_code)
    assert answers == [1, 404, 200, 200] * 5
    refused = api(leader, "GET", f"/people/{PA['身份证号']}")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["message"] == "按完整身份证号查询过于频繁：每小时最多 20 次，请稍后再试"
    assert api(leader, "GET", f"/people?q={PA['身份证号']}").status_code == 429
    # a name search and a ref are no full-number searches
    assert api(leader, "GET", f"/people?q={NAMES['PA']}").status_code == 200
    rows = list(IdNumberLookup.objects.filter(user=leader.user).order_by("id"))
    assert len(rows) == 22
    assert [(r.number, r.found, r.refused) for r in rows[:4]] == [
        (PB["身份证号"], True, False),
        (unknown, False, False),
        (PA["身份证号"], True, False),
        (PA["身份证号"], True, False),
    ]
    assert [r.refused for r in rows[20:]] == [True, True]
    assert {r.door for r in rows} == {"/api/v1/people", f"/api/v1/people/{PA['身份证号']}", f"/api/v1/people/{unknown}"}
    assert {r.origin for r in rows} == {"127.0.0.1"}
    # an HR officer's searches count too, found or not (another unit's person is not found)
    assert api(personas["hr_a"], "GET", f"/people/{PB['身份证号']}").status_code == 404
    logged = IdNumberLookup.objects.get(user=personas["hr_a"].user)
    assert (logged.number, logged.found) == (PB["身份证号"], False)
    # the office sees every number: not counted, not limited
    for _ in range(25):
        assert api(personas["officer"], "GET", f"/people/{PA['身份证号']}").status_code == 200
    assert not IdNumberLookup.objects.filter(user=personas["officer"].user).exists()
    # the change log's key filter is a full-number search too
    path = f"/changes/{district['change_set']}/records?key={PX['身份证号']}"
    assert api(personas["auditor"], "GET", path).json()["total"] == 1
    assert IdNumberLookup.objects.filter(user=personas["auditor"].user, number=PX["身份证号"], found=True).count() == 1


def test_unit_hr_officer_cannot_tell_elsewhere_from_nowhere(district, personas, api):
    from bianzhi.registry.models import Person

    body = {
        "name": "周七",
        "gender": "男",
        "birth_date": "1995-01-01",
        "category": "公务员",
        "unit": "A",
        "staffing_type": "行政编制",
        "status": "在编",
        "reason": "调入",
    }
    nowhere = person_row("A", birth=dt.date(1995, 1, 1))["身份证号"]
    elsewhere = PB["身份证号"]
    people = Person.objects.count()
    answers = [
        api(personas["hr_a"], "PUT", f"/people/{n}", json={"reason": "测试", **body, "birth_date": birth})
        for n, birth in ((elsewhere, "1970-07-07"), (nowhere, "1995-01-01"))
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].content == answers[1].content
    assert answers[0].json()["code"] == "procedure_required"
    assert answers[0].json()["message"] == PROCEDURE
    # a dry run answers the same and nothing is stored
    dry = api(personas["hr_a"], "PUT", f"/people/{nowhere}", json={"reason": "测试", **body, "dry_run": True})
    assert dry.content == answers[1].content
    assert Person.objects.count() == people
    # changing a person of its own unit keeps working; the office still creates people
    pa = {**body, "name": NAMES["PA"], "birth_date": PA["出生日期"].isoformat(), "post": "科员"}
    assert api(personas["hr_a"], "PUT", f"/people/{PA['身份证号']}", json={"reason": "测试", **pa}).status_code == 200
    assert api(personas["officer"], "PUT", f"/people/{nowhere}", json={"reason": "测试", **body}).status_code == 201


def test_unit_codes_answer_the_same_whether_elsewhere_or_nowhere(district, personas, api):
    """For a unit HR officer of A, B (another department) and NOPE (no such unit) get the same
    status and the same message in every operation that names a unit."""
    hr = personas["hr_a"]
    pa = {
        "name": NAMES["PA"],
        "gender": "男",
        "birth_date": PA["出生日期"].isoformat(),
        "category": "公务员",
        "unit": "A",
        "staffing_type": "行政编制",
        "status": "在编",
        "reason": "更正",
    }
    calls = [
        ("GET", "/units/{c}", None),
        ("GET", "/units/{c}/children", None),
        ("GET", "/units/{c}/descendants", None),
        ("GET", "/units?parent={c}", None),
        ("GET", "/figures/units/{c}", None),
        ("GET", "/figures/units?unit={c}", None),
        ("GET", "/quotas?unit={c}", None),
        ("GET", "/positions?unit={c}", None),
        ("GET", "/loans?unit={c}", None),
        ("GET", "/people?unit={c}", None),
        ("GET", "/suspensions?unit={c}", None),
        ("GET", "/alerts?unit={c}", None),
        ("GET", "/alerts/evaluate?unit={c}&as_of=2026-06-30", None),
        ("GET", "/forecasts/retirements?unit={c}", None),
        ("PUT", f"/people/{PA['身份证号']}", {**pa, "unit": "{c}"}),
        ("PUT", f"/people/{PA['身份证号']}", {**pa, "internal_division": "{c}-01"}),
    ]
    for method, template, body in calls:
        answers = {}
        for code in ("B", "NOPE"):
            filled = json.loads(json.dumps(body).replace("{c}", code)) if body else None
            response = api(hr, method, template.replace("{c}", code), json=filled)
            answers[code] = (response.status_code, response.content.decode().replace(code, "?"))
        assert answers["B"] == answers["NOPE"], (method, template, answers)
        status, text = answers["B"]
        assert status == 404, (template, text)
        assert "不存在或不在本人管理范围内" in json.loads(text)["message"], (template, text)


def test_change_log_masks_free_text_and_months_for_the_auditor(district, personas, api):
    change_set = district["change_set"]
    whole = api(personas["admin"], "GET", f"/changes/{change_set}").json()
    assert PB["身份证号"] in whole["reason"] and PA["身份证号"] in whole["document_number"]
    audited = api(personas["auditor"], "GET", f"/changes/{change_set}").json()
    assert audited["reason"] == f"据 {mask_id_number(PB['身份证号'])} 的材料核对"
    assert audited["document_number"] == f"区编〔2026〕{mask_id_number(PA['身份证号'])}号"
    listed = api(personas["auditor"], "GET", "/changes?limit=100").json()["items"]
    assert not [s for s in listed if PB["身份证号"] in json.dumps(s, ensure_ascii=False)]
    records = api(personas["admin"], "GET", f"/changes/{change_set}/records").json()["items"]
    assert records[0]["before"]["批准退休年月"].startswith("2026-08")
    assert records[0]["after"]["批准退休年月"].startswith("2026-07")
    masked = api(personas["auditor"], "GET", f"/changes/{change_set}/records").json()["items"]
    assert masked[0]["key"] == mask_id_number(PX["身份证号"])
    assert (masked[0]["before"]["批准退休年月"], masked[0]["after"]["批准退休年月"]) == ("2026", "2026")


def test_alerts_and_forecasts_do_not_move_within_the_year_for_masked_roles(district, personas, api):
    px = PX["身份证号"]

    def over_age(role: str, day: dt.date) -> list[dict[str, Any]]:
        url = f"/alerts/evaluate?as_of={day}&rule=over_retirement_age&limit=1000"
        return api(personas[role], "GET", url).json()["items"]

    officer = {day: {a["person"] for a in over_age("officer", day)} for day in MONTH_ENDS}
    assert [px in officer[day] for day in MONTH_ENDS] == [False] * 7 + [True] * 5  # 2026-07 < the month
    leader = [over_age("leader", day) for day in MONTH_ENDS]
    assert all(items == leader[0] for items in leader)
    old = [a for a in leader[0] if a["person"] == mask_id_number(PB_OLD["身份证号"])]
    assert len(old) == 1 and old[0]["data"]["retirement_month"] == "2020"
    assert "2020" in old[0]["message"] and "2020-01" not in old[0]["message"]
    # stored: the run of 2026-09-30 holds PX's alert; a leader's list and count leave it out alike
    run = district["run"]
    stored = api(personas["leader"], "GET", f"/alerts?run={run.pk}&limit=1000").json()
    assert mask_id_number(px) not in json.dumps(stored, ensure_ascii=False)
    full = api(personas["officer"], "GET", f"/alerts?run={run.pk}&limit=1000").json()
    assert any(a["person"] == px for a in full["items"])
    runs = {r["id"]: r for r in api(personas["leader"], "GET", "/alerts/runs").json()["items"]}
    assert runs[run.pk]["alert_count"] == stored["total"] == full["total"] - 1
    # forecast: PX (approved 2026-07) is listed for the whole of 2026 to a masked role, as "2026"
    for month in range(1, 13):
        url = f"/forecasts/retirements?start={YEAR}-{month:02d}&months=1"
        masked = api(personas["leader"], "GET", url).json()["items"]
        assert [(r["person"], r["month"]) for r in masked] == [(mask_id_number(px), "2026")], month
        whole = [r["person"] for r in api(personas["officer"], "GET", url).json()["items"]]
        assert whole == ([px] if month == 7 else []), month


def test_suspension_reasons_are_masked_for_every_role_but_the_office(district, personas, api):
    number = PB_OLD["身份证号"]
    for role, shown in (("officer", number), ("leader", mask_id_number(number)), ("hr_b", mask_id_number(number))):
        items = api(personas[role], "GET", "/suspensions?unit=B").json()["items"]
        reasons = [s["reason"] for s in items if "超龄未退" in s["reason"]]
        assert reasons == [f"{shown} 超龄未退"], role
