"""What a change set records is stored with it and never changes afterwards (issue 13 "Audit"):
an import writes the whole row it created as a "create" record — through the row path and the
column-wise fast lanes alike — and the change log shows that record, not the register's current
row."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row
from django.test import Client

from bianzhi.core.chain import verify
from bianzhi.core.models import ChangeRecord, ChangeSet

LANES = {"row path": 1_000_000, "fast lane": 1}


@pytest.fixture(params=list(LANES))
def lane(request, settings):
    settings.IMPORT_COLUMNAR_MIN_ROWS = LANES[request.param]
    return request.param


def _created(change_set: int, entity: str, key: str) -> dict:
    (record,) = ChangeRecord.objects.filter(change_set_id=change_set, entity=entity, key=key, action="create")
    return record.after


def test_a_created_person_keeps_the_status_and_dates_it_was_created_with(personas, api, load, lane):
    """Found (security review): after a later --effective import moved the person to 调出, the first
    change set's "created" entry showed 调出 and the new dates."""
    person = person_row("A", birth=dt.date(1980, 1, 1), 进编日期="2005-01-01", 职务="科员")
    first = load({"人员": [person]}, reason="首次导入")
    number = person["身份证号"]
    load(
        {"人员": [{**person, "人员状态": "调出", "离编日期": "2026-03-01", "职务": "主任"}]},
        effective=dt.date(2026, 4, 1),
        reason="调出",
    )
    for persona in ("admin", "auditor"):
        reply = api(personas[persona], "GET", f"/changes/{first.change_set_id}/records?entity=人员")
        assert reply.status_code == 200
        (entry,) = reply.json()["items"]
        assert entry["action"] == "create" and entry["before"] is None
        assert entry["after"]["人员状态"] == "在编"
        assert entry["after"]["进编日期"] == "2005-01-01"
        assert entry["after"]["离编日期"] is None and entry["after"]["离编生效日期"] is None
        assert entry["after"]["职务"] == "科员"
        assert entry["after"]["机构代码"] == "A"
        if persona == "admin":
            assert entry["key"] == number and entry["after"]["身份证号"] == number
            assert entry["after"]["出生日期"] == "1980-01-01"
        else:  # the auditor sees the number masked
            assert entry["key"] != number and number not in str(entry)
    detail = api(personas["auditor"], "GET", f"/changes/{first.change_set_id}").json()
    assert detail["records"] == 1  # the created row is a record of the change set
    stored = _created(first.change_set_id, "人员", number)
    assert stored["人员状态"] == "在编" and stored["进编日期"] == "2005-01-01"
    assert verify().ok


def test_both_lanes_record_the_same_created_rows(db, load, settings):
    """The fast lanes render the records column-wise; they hold what the row path writes, and the
    change log's chain verifies over both (the rendered text is the text hashed)."""
    load({"机构": [unit_row("U"), unit_row("V"), unit_row("U-1", "内设机构", 上级机构代码="U")]})
    tricky = {"职务": 'A\\B"C 甲', "民族": "汉族", "内设机构代码": "U-1", "进编日期": "2010-05-06", "原退休年龄": 60}
    gone = {"人员状态": "调出", "离编日期": "2020-01-01", "核销日期": "2020-02-01"}

    def book(unit: str) -> dict:
        births = [dt.date(1970, 1, 1), dt.date(1988, 8, 8)]
        return {
            "编制": [{"机构代码": unit, "编制类型": "行政编制", "核定数": 7}],
            "职数": [{"机构代码": unit, "职数类别": "正职", "核定数": 1}],
            "人员": [
                person_row(unit, birth=births[0], **(tricky if unit == "U" else {})),
                person_row("V", birth=births[1], gender="女", **gone),
            ],
        }

    results = {}
    for name, unit in (("row path", "U"), ("fast lane", "V")):
        settings.IMPORT_COLUMNAR_MIN_ROWS = LANES[name]
        sheets = book(unit)
        if unit == "V":
            sheets["人员"][0] = {**sheets["人员"][0], **{k: v for k, v in tricky.items() if k != "内设机构代码"}}
        result = load(sheets)
        records = ChangeRecord.objects.filter(change_set_id=result.change_set_id, action="create").order_by("id")
        results[name] = {(r.entity, i): r.after for i, r in enumerate(records)}
        assert ChangeSet.objects.get(pk=result.change_set_id).summary["created"]["人员"] == 2
    row, fast = results["row path"], results["fast lane"]
    assert len(row) == len(fast) == 4

    def comparable(after: dict) -> dict:
        return {k: v for k, v in after.items() if k not in ("身份证号", "机构代码", "内设机构代码")}

    assert {k: comparable(v) for k, v in row.items()} == {k: comparable(v) for k, v in fast.items()}
    person = next(v for (entity, _), v in fast.items() if entity == "人员" and v["人员状态"] == "在编")
    assert person["职务"] == 'A\\B"C 甲' and person["原退休年龄"] == 60 and person["进编日期"] == "2010-05-06"
    assert person["法定退休月份"] and person["离编日期"] is None
    left = next(v for (entity, _), v in fast.items() if entity == "人员" and v["人员状态"] == "调出")
    assert left["离编日期"] == "2020-01-01" and left["离编生效日期"] == "2020-01-01" and left["核销期限"]
    assert verify().ok


def test_the_unit_page_change_log_shows_a_loan_as_it_was_created(db, load):
    """A loan returned later keeps its "使用中" in the change set that created it, on the unit's
    change-log tab (its own dates are corrected on every version of the row)."""
    from django.contrib.auth.models import User

    from bianzhi.accounts.services import role_grant_create

    load({"机构": [unit_row("U")], "编制": [{"机构代码": "U", "编制类型": "行政编制", "核定数": 3}]})
    loan = {"机构代码": "U", "编制类型": "行政编制", "数量": 1, "使用日期": "2026-01-01", "回收日期": "2027-01-01"}
    load({"周转编制": [{**loan, "状态": "使用中"}]}, reason="借用")
    load(
        {"周转编制": [{**loan, "状态": "已回收", "实际回收日期": "2026-05-01"}]},
        effective=dt.date(2026, 6, 1),
        reason="回收",
    )
    auditor = User.objects.create_user(username="auditor")
    role_grant_create(user=auditor, role="auditor", actor="tests")
    client = Client()
    client.force_login(auditor)
    response = client.get("/units/U/")
    rows = list(response.context["tables"]["changes"].page.object_list)
    created = [r for r in rows if r["entity"] == "周转编制" and r["action"] == "新增"]
    assert len(created) == 1
    assert "状态：使用中" in created[0]["difference"] and "已回收" not in created[0]["difference"]
    assert created[0]["reason"] == "借用"
    updated = [r for r in rows if r["entity"] == "周转编制" and r["action"] == "修改"]
    assert updated and "使用中 → 已回收" in updated[0]["difference"]
