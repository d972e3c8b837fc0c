"""A reason is required on the register's generic writes (issue 13 "Audit"): the API's PUTs,
POST /rows and the confirmation of an uploaded workbook answer 422 without one; suspensions and
tokens made through the API record where they came from."""

from __future__ import annotations

import io

import openpyxl
import pytest
from conftest import unit_row

from bianzhi.core.models import ChangeSet

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.TASKS = IMMEDIATE  # the validation job runs within the request
    return settings.DATA_DIR


def _refused_for_its_reason(response) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert [e for e in body["errors"] if e["location"].endswith("reason") and e["message"] == "请填写变更理由"]


@pytest.mark.parametrize("reason", [None, "", "   ", "\u3000"])
def test_a_put_without_a_reason_is_refused_and_stores_nothing(personas, api, reason):
    before = ChangeSet.objects.count()
    body = {"approved": 9} if reason is None else {"approved": 9, "reason": reason}
    _refused_for_its_reason(api(personas["officer"], "PUT", "/quotas/A/行政编制", json=body))
    _refused_for_its_reason(api(personas["officer"], "PUT", "/units/A", json={"name": "新名", "kind": "政府工作部门"}))
    assert ChangeSet.objects.count() == before
    saved = api(personas["officer"], "PUT", "/quotas/A/行政编制", json={"approved": 9, "reason": " 三定调整 "})
    assert saved.status_code == 200
    assert ChangeSet.objects.get(pk=saved.json()["change_set"]).reason == "三定调整"


def test_rows_without_a_reason_are_refused(personas, api):
    rows = {"sheets": {"编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 6}]}}
    _refused_for_its_reason(api(personas["officer"], "POST", "/rows", json=rows))
    _refused_for_its_reason(api(personas["officer"], "POST", "/rows", json={**rows, "reason": " "}))
    assert api(personas["officer"], "POST", "/rows", json={**rows, "reason": "核对"}).status_code == 200


def _xlsx() -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "机构"
    sheet.append(["机构代码", "机构名称", "机构类型", "序列", "区划代码"])
    sheet.append(list(unit_row("C").values()))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "新机构.xlsx"
    return buffer


def test_an_upload_is_confirmed_only_with_a_reason_given_at_upload_or_confirmation(personas, api, data_dir):
    officer = personas["officer"]
    upload = api(officer, "POST", "/imports", multipart={"file": _xlsx()}).json()
    assert upload["state"] == "valid"
    refused = api(officer, "POST", f"/imports/{upload['id']}/confirm")
    assert refused.status_code == 422 and refused.json()["errors"] == [
        {"location": "body.reason", "message": "请填写变更理由"}
    ]
    blank = api(officer, "POST", f"/imports/{upload['id']}/confirm", multipart={"reason": "  "})
    assert blank.status_code == 422
    confirmed = api(officer, "POST", f"/imports/{upload['id']}/confirm", multipart={"reason": "新设机构"})
    assert confirmed.status_code == 200, confirmed.json()
    assert ChangeSet.objects.get(pk=confirmed.json()["change_set"]).reason == "新设机构"


def test_suspensions_and_tokens_made_through_the_api_record_their_origin(personas, api):
    officer = personas["officer"]
    started = api(
        officer,
        "POST",
        "/suspensions",
        json={"unit": "A", "reason": "整改逾期", "source": "问题整改", "started_on": "2026-07-01"},
    )
    assert started.status_code == 201, started.json()
    change_set = ChangeSet.objects.latest("id")
    assert (change_set.source, change_set.origin, change_set.user, change_set.reason) == (
        "api",
        "接口 127.0.0.1",
        officer.user,
        "整改逾期",
    )
    lifted = api(
        officer,
        "POST",
        f"/suspensions/{started.json()['id']}/lift",
        json={"lifted_on": "2026-07-02", "reason": "整改完成"},
    )
    assert lifted.status_code == 200
    change_set = ChangeSet.objects.latest("id")
    assert (change_set.source, change_set.origin, change_set.reason) == ("api", "接口 127.0.0.1", "整改完成")
    created = api(officer, "POST", "/tokens", json={"name": "脚本"}, session=True)
    assert created.status_code == 201, created.json()
    change_set = ChangeSet.objects.latest("id")
    assert (change_set.source, change_set.origin) == ("api", "接口 127.0.0.1")
    assert api(officer, "DELETE", f"/tokens/{created.json()['id']}", session=True).status_code == 204
    change_set = ChangeSet.objects.latest("id")
    assert (change_set.source, change_set.origin) == ("api", "接口 127.0.0.1")
