"""Writes through the API go through the import's services: validated by its rules, effective-dated,
and logged as one change set with the token's user (source 接口)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import NAMES, PA, person_row

from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.registry import selectors
from bianzhi.registry.models import PersonVersion, StaffingQuota, Suspension, Unit, UnitVersion

pytestmark = pytest.mark.django_db


def test_quota_write_lands_in_the_change_log_with_the_tokens_user(register, personas, api):
    body = {"approved": 7, "reason": "编委会决定", "document_number": "越编〔2026〕9号", "effective": "2026-07-01"}
    response = api(personas["officer"], "PUT", "/quotas/A/行政编制", json={"reason": "测试", **body})
    assert response.status_code == 200, response.json()
    saved = response.json()
    assert saved["outcome"] == "updated" and saved["item"] == {
        "unit": "A",
        "staffing_type": "行政编制",
        "approved": 7,
        "valid_from": "2026-07-01",
        "valid_to": None,
    }
    change_set = ChangeSet.objects.get(pk=saved["change_set"])
    assert change_set.user == personas["officer"].user and change_set.source == "api"
    assert (change_set.reason, change_set.document_number) == ("编委会决定", "越编〔2026〕9号")
    assert change_set.effective == dt.date(2026, 7, 1) and change_set.origin.startswith("接口")
    record = ChangeRecord.objects.get(change_set=change_set)
    assert (record.entity, record.key, record.before["核定数"], record.after["核定数"]) == ("编制", "A/行政编制", 5, 7)
    # Effective dating: the old value holds before the effective day.
    unit = register["units"]["A"]
    assert selectors.quota_by_unit_type(dt.date(2026, 6, 30))[(unit.pk, "行政编制")] == 5
    assert selectors.quota_by_unit_type(dt.date(2026, 7, 1))[(unit.pk, "行政编制")] == 7
    # The auditor reads it in the change log.
    listed = api(personas["auditor"], "GET", "/changes?source=api&user=officer&entity=编制").json()
    assert [c["id"] for c in listed["items"]] == [change_set.pk]
    records = api(personas["auditor"], "GET", f"/changes/{change_set.pk}/records").json()["items"]
    assert records[0]["after"]["核定数"] == 7


def test_write_refused_by_the_import_rules_is_422_and_stores_nothing(register, personas, api):
    before = ChangeSet.objects.count()
    bad = {
        "name": "孙六",
        "gender": "女",
        "birth_date": "1985-05-05",
        "category": "公务员",
        "unit": "A",
        "staffing_type": "行政编制",
        "status": "在编",
    }
    number = person_row("A", birth=dt.date(1985, 5, 5), gender="男")["身份证号"]  # an odd 17th digit: 男
    response = api(personas["admin"], "PUT", f"/people/{number}", json={"reason": "测试", **bad})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["problems"]
    assert {(p["sheet"], p["column"]) for p in body["problems"]} >= {("人员", "性别")}
    assert ChangeSet.objects.count() == before
    internal = api(personas["admin"], "PUT", "/quotas/A-01/行政编制", json={"reason": "测试", "approved": 1})
    assert internal.status_code == 422 and internal.json()["problems"][0]["column"] == "机构代码"


def test_dry_run_validates_and_stores_nothing(register, personas, api):
    before = ChangeSet.objects.count()
    response = api(
        personas["admin"], "PUT", "/quotas/B/事业编制", json={"reason": "测试", "approved": 3, "dry_run": True}
    )
    assert response.status_code == 200
    assert response.json() | {"item": None} == {
        "outcome": "created",
        "dry_run": True,
        "change_set": None,
        "warnings": [],
        "item": None,
    }
    assert not StaffingQuota.objects.filter(unit__code="B", staffing_type="事业编制").exists()
    assert ChangeSet.objects.count() == before


def test_unit_upsert_keeps_left_out_fields_and_clears_nulls(register, personas, api):
    created = api(
        personas["admin"],
        "PUT",
        "/units/C",
        json={
            "reason": "测试",
            "name": "新设局",
            "kind": "政府工作部门",
            "sequence": "政府",
            "region": "330602",
            "rank": "正科级",
            "priority_tags": ["民生保障"],
            "established": "2026-07-01",
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["item"]["priority_tags"] == ["民生保障"]
    updated = api(
        personas["admin"],
        "PUT",
        "/units/C",
        json={"reason": "测试", "name": "新设局", "kind": "政府工作部门", "rank": None},
    )
    assert updated.status_code == 200 and updated.json()["outcome"] == "updated"
    version = UnitVersion.objects.get(unit__code="C", valid_to=dt.date(9999, 12, 31))
    assert version.rank == "" and version.sequence == "政府" and version.priority_tags == "民生保障"
    assert Unit.objects.get(code="C").established == dt.date(2026, 7, 1)


def test_person_write_by_the_unit_hr_officer_is_logged_as_that_user(register, personas, api):
    newcomer = person_row("AS", staffing="事业编制", category="事业专业技术人员", birth=dt.date(1998, 2, 2))
    body = {
        "name": "周七",
        "gender": newcomer["性别"],
        "birth_date": "1998-02-02",
        "category": "事业专业技术人员",
        "unit": "AS",
        "staffing_type": "事业编制",
        "status": "在编",
        "entry_date": "2026-07-01",
        "reason": "公开招聘",
        "document_number": "越人社〔2026〕3号",
    }
    # A unit HR officer puts a newcomer on staff only through the onboarding procedure (issue 13):
    # the office creates them here; the HR officer then changes them through the same PUT.
    refused = api(personas["hr_a"], "PUT", f"/people/{newcomer['身份证号']}", json={"reason": "测试", **body})
    assert refused.status_code == 403 and refused.json()["code"] == "procedure_required"
    created = api(personas["officer"], "PUT", f"/people/{newcomer['身份证号']}", json={"reason": "测试", **body})
    assert created.status_code == 201, created.json()
    response = api(
        personas["hr_a"],
        "PUT",
        f"/people/{newcomer['身份证号']}",
        json={"reason": "测试", **body, "post": "科员", "effective": "2026-07-01"},
    )
    assert response.status_code == 200, response.json()
    item = response.json()["item"]
    assert item["id_number"] == newcomer["身份证号"] and not item["id_number_masked"]
    change_set = ChangeSet.objects.get(pk=response.json()["change_set"])
    assert change_set.user == personas["hr_a"].user and change_set.source == "api"
    logged = api(personas["admin"], "GET", f"/changes/{change_set.pk}/records").json()["items"]
    assert [(r["entity"], r["key"], r["action"]) for r in logged] == [("人员", newcomer["身份证号"], "update")]
    assert logged[0]["after"] == {"职务": "科员"}
    # Leaving: not through this door for a unit HR officer (issue 14: the status changes only through
    # the leaving procedure, POST /people/{id}/leave); the office's correction still can, bypassing it.
    left = {**body, "status": "调出", "left_date": "2026-08-31", "effective": "2026-08-31"}
    refused = api(personas["hr_a"], "PUT", f"/people/{newcomer['身份证号']}", json={"reason": "测试", **left})
    assert refused.status_code == 403 and refused.json()["code"] == "procedure_required"
    corrected = api(personas["officer"], "PUT", f"/people/{newcomer['身份证号']}", json={"reason": "测试", **left})
    assert corrected.status_code == 200
    assert ChangeSet.objects.get(pk=corrected.json()["change_set"]).bypasses_approval is True
    version = PersonVersion.objects.filter(person__id_number=newcomer["身份证号"]).latest("valid_from")
    assert version.status == "调出" and version.left_date == dt.date(2026, 8, 31)


def test_existing_person_fields_left_out_keep_their_values(register, personas, api):
    body = {
        "name": NAMES["PA"],
        "gender": PA["性别"],
        "birth_date": PA["出生日期"].isoformat(),
        "category": "公务员",
        "unit": "A",
        "staffing_type": "行政编制",
        "status": "在编",
        "post": "科长",
        "position_category": "正职",
    }
    assert (
        api(personas["officer"], "PUT", f"/people/{PA['身份证号']}", json={"reason": "测试", **body}).status_code == 200
    )
    body.pop("post")
    assert (
        api(personas["officer"], "PUT", f"/people/{PA['身份证号']}", json={"reason": "测试", **body}).json()["outcome"]
        == "unchanged"
    )
    assert PersonVersion.objects.filter(person__id_number=PA["身份证号"]).latest("valid_from").post == "科长"


def test_suspension_start_and_lift_are_logged_with_the_user(register, personas, api):
    started = api(
        personas["officer"],
        "POST",
        "/suspensions",
        json={"unit": "B", "reason": "三色管理红色", "source": "三色管理", "started_on": "2026-07-01"},
    )
    assert started.status_code == 201
    suspension = Suspension.objects.get(pk=started.json()["id"])
    assert suspension.change_set.user == personas["officer"].user
    early = api(
        personas["officer"],
        "POST",
        f"/suspensions/{suspension.pk}/lift",
        json={"lifted_on": "2026-06-01", "reason": "x"},
    )
    assert early.status_code == 422
    lifted = api(
        personas["officer"],
        "POST",
        f"/suspensions/{suspension.pk}/lift",
        json={"lifted_on": "2026-08-01", "reason": "整改完成"},
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_on"] == "2026-08-01"
    again = api(
        personas["officer"],
        "POST",
        f"/suspensions/{suspension.pk}/lift",
        json={"lifted_on": "2026-08-02", "reason": "再次"},
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    records = ChangeRecord.objects.filter(entity="暂缓审批", key=f"B/{suspension.pk}")
    assert {r.change_set.user.username for r in records} == {"officer"}
    unknown = api(
        personas["officer"], "POST", "/suspensions", json={"unit": "ZZ", "reason": "x", "started_on": "2026-07-01"}
    )
    assert unknown.status_code == 404


def test_bulk_rows_use_the_workbook_headers_and_rules(register, personas, api):
    rows = {
        "编制": [{"机构代码": "B", "编制类型": "行政编制", "核定数": 6}],
        "职数": [{"机构代码": "B", "职数类别": "副职", "核定数": 2}],
    }
    response = api(personas["officer"], "POST", "/rows", json={"sheets": rows, "reason": "三定规定"})
    assert response.status_code == 200
    assert response.json()["updated"]["编制"] == 1 and response.json()["created"]["职数"] == 1
    refused = api(
        personas["officer"],
        "POST",
        "/rows",
        json={
            "reason": "测试",
            "sheets": {
                "编制": [
                    {"机构代码": "B", "编制类型": "行政编制", "核定数": -1},
                    {"机构代码": "Q", "编制类型": "x", "核定数": 1},
                ]
            },
        },
    )
    assert refused.status_code == 422
    assert [(p["row"], p["column"]) for p in refused.json()["problems"]] == [
        (2, "核定数"),
        (3, "机构代码"),
        (3, "编制类型"),
    ]
    unknown = api(personas["officer"], "POST", "/rows", json={"reason": "测试", "sheets": {"编织": [{"a": 1}]}})
    assert unknown.status_code == 422 and "未知的工作表" in unknown.json()["message"]


def test_values_the_database_cannot_store_are_problems_not_errors(register, personas, api):
    huge = api(
        personas["officer"],
        "POST",
        "/rows",
        json={
            "reason": "测试",
            "sheets": {"编制": [{"机构代码": "B", "编制类型": "行政编制", "核定数": "99999999999"}]},
        },
    )
    assert huge.status_code == 422 and huge.json()["problems"][0]["message"].startswith("数值过大")
    long_name = api(
        personas["officer"],
        "POST",
        "/rows",
        json={
            "reason": "测试",
            "sheets": {"机构": [{"机构代码": "B", "机构名称": "名" * 201, "机构类型": "政府工作部门"}]},
        },
    )
    assert long_name.status_code == 422 and long_name.json()["problems"][0]["column"] == "机构名称"
    nul = api(
        personas["officer"], "PUT", "/units/B", json={"reason": "测试", "name": "a\u0000b", "kind": "政府工作部门"}
    )
    assert nul.status_code == 422 and nul.json()["errors"][0]["location"].endswith("name")
    old = api(
        personas["officer"],
        "PUT",
        "/quotas/B/行政编制",
        json={"reason": "测试", "approved": 1, "effective": "1800-01-01"},
    )
    assert old.status_code == 422 and "1900-01-01" in old.json()["errors"][0]["message"]
    extra = api(personas["officer"], "PUT", "/quotas/B/行政编制", json={"reason": "测试", "approved": 1, "aproved": 2})
    assert extra.status_code == 422 and extra.json()["errors"][0]["message"] == "不允许的字段"
    boolean = api(personas["officer"], "PUT", "/quotas/B/行政编制", json={"reason": "测试", "approved": True})
    assert boolean.status_code == 422
    garbage = api(personas["officer"], "PUT", "/quotas/B/行政编制", json=None, multipart=None)
    assert garbage.status_code == 422
    surrogate = {"sheets": {"编制": [{"机构代码\ud800": "B", "编制类型": "行政编制", "核定数": 1}], "x\ud800": [{}]}}
    assert api(personas["officer"], "POST", "/rows", json={"reason": "测试", **surrogate}).status_code == 422
    del surrogate["sheets"]["x\ud800"]
    refused = api(personas["officer"], "POST", "/rows", json={"reason": "测试", **surrogate})
    assert refused.status_code == 422 and refused.json()["problems"]


def test_unparsable_body_is_400_in_the_error_shape(register, personas, client):
    response = client.put(
        "/api/v1/quotas/B/行政编制",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {personas['admin'].token}"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request" and "JSON" in response.json()["message"]
