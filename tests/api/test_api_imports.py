"""Imports through the API: upload a standard workbook → validated at once (dry run) → confirm →
imported as one change set by the confirming user; the status and report can be read any time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import person_row, unit_row, write_xlsx
from django.core.files.uploadedfile import SimpleUploadedFile

from bianzhi.core.models import ChangeSet
from bianzhi.registry.models import StaffingQuota, WorkbookUpload

pytestmark = pytest.mark.django_db


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.TASKS = IMMEDIATE  # the validation job runs within the request (a worker runs it in production)
    return settings.DATA_DIR


def _xlsx(tmp_path: Path, sheets, name: str = "越城区.xlsx") -> SimpleUploadedFile:
    path = write_xlsx(tmp_path / name, sheets)
    return SimpleUploadedFile(name, path.read_bytes())


def test_upload_validate_confirm_and_status(register, personas, api, data_dir, tmp_path):
    sheets = {
        "机构": [unit_row("C", 机构名称="新设局")],
        "编制": [{"机构代码": "C", "编制类型": "行政编制", "核定数": 8}],
        "人员": [person_row("C", birth=dt.date(1990, 1, 1))],
    }
    officer = personas["officer"]
    uploaded = api(
        officer,
        "POST",
        "/imports",
        multipart={
            "file": _xlsx(tmp_path, sheets),
            "reason": "机构改革",
            "document_number": "越编〔2026〕7号",
            "effective": "2026-07-01",
        },
    )
    assert uploaded.status_code == 201, uploaded.json()
    upload = uploaded.json()
    assert upload["state"] == "valid" and upload["state_label"] == "校验通过" and upload["uploaded_by"] == "officer"
    assert upload["report"]["ok"] and upload["report"]["dry_run"] and upload["report"]["created"]["人员"] == 1
    stored = WorkbookUpload.objects.get(pk=upload["id"])
    assert (data_dir / "uploads" / stored.stored_path).is_file()
    assert not StaffingQuota.objects.filter(unit__code="C").exists()  # validation stores nothing

    confirmed = api(personas["admin"], "POST", f"/imports/{upload['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.json()
    body = confirmed.json()
    assert body["state"] == "imported" and body["confirmed_by"] == "admin" and body["change_set"]
    change_set = ChangeSet.objects.get(pk=body["change_set"])
    assert (change_set.user.username, change_set.source) == ("admin", "api")
    assert (change_set.reason, change_set.document_number, change_set.effective) == (
        "机构改革",
        "越编〔2026〕7号",
        dt.date(2026, 7, 1),
    )
    assert StaffingQuota.objects.filter(unit__code="C", approved=8).exists()

    again = api(personas["admin"], "POST", f"/imports/{upload['id']}/confirm")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert api(personas["admin"], "POST", f"/imports/{upload['id']}/validate").status_code == 409
    status = api(officer, "GET", f"/imports/{upload['id']}").json()
    assert status["state"] == "imported"
    assert [u["id"] for u in api(officer, "GET", "/imports?state=imported").json()["items"]] == [upload["id"]]


def test_invalid_workbook_reports_every_problem_and_cannot_be_confirmed(register, personas, api, data_dir, tmp_path):
    sheets = {"机构": [unit_row("C")], "编制": [{"机构代码": "ZZ", "编制类型": "行政编制", "核定数": 1}]}
    upload = api(personas["officer"], "POST", "/imports", multipart={"file": _xlsx(tmp_path, sheets)}).json()
    assert upload["state"] == "invalid"
    assert [(e["sheet"], e["row"], e["column"]) for e in upload["report"]["errors"]] == [("编制", 2, "机构代码")]
    refused = api(personas["officer"], "POST", f"/imports/{upload['id']}/confirm")
    assert refused.status_code == 409 and "校验通过" in refused.json()["message"]


def test_confirm_is_refused_when_the_register_changed_since_validation(register, personas, api, data_dir, tmp_path):
    # A later-dated change makes the upload's effective date a backdating the import refuses.
    sheets = {"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 9}]}
    upload = api(
        personas["officer"],
        "POST",
        "/imports",
        multipart={"file": _xlsx(tmp_path, sheets), "effective": "2026-07-01", "reason": "年度核对"},
    ).json()
    assert upload["state"] == "valid"
    changed = api(
        personas["officer"],
        "PUT",
        "/quotas/A/行政编制",
        json={"reason": "测试", "approved": 6, "effective": "2026-08-01"},
    )
    assert changed.status_code == 200
    refused = api(personas["officer"], "POST", f"/imports/{upload['id']}/confirm")
    assert refused.status_code == 422 and refused.json()["problems"]
    assert WorkbookUpload.objects.get(pk=upload["id"]).state == "invalid"


def test_only_workbook_files_are_taken(register, personas, api, data_dir):
    text = api(personas["officer"], "POST", "/imports", multipart={"file": SimpleUploadedFile("说明.txt", b"hello")})
    assert text.status_code == 422 and ".xlsx" in text.json()["message"]
    empty = api(personas["officer"], "POST", "/imports", multipart={"file": SimpleUploadedFile("空.xlsx", b"")})
    assert empty.status_code == 422
    missing = api(personas["officer"], "POST", "/imports", multipart={"reason": "x"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["location"].endswith("file")
    not_a_workbook = api(
        personas["officer"], "POST", "/imports", multipart={"file": SimpleUploadedFile("坏.xlsx", b"PK\x03\x04garbage")}
    )
    assert not_a_workbook.status_code == 201 and not_a_workbook.json()["state"] == "invalid"
    assert not_a_workbook.json()["report"]["errors"][0]["row"] == 0


def test_the_report_lists_the_values_an_upload_would_change(register, personas, api, data_dir, tmp_path):
    """Issue 12: the API's validation report carries the `changes` list, as `import --json` does."""
    sheets = {
        "机构": [unit_row("A", 核定内设机构数=1)],
        "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 8}],
    }
    upload = api(personas["officer"], "POST", "/imports", multipart={"file": _xlsx(tmp_path, sheets)}).json()
    report = upload["report"]
    assert report["ok"] and report["changes_omitted"] == 0
    assert [(c["key"], c["column"], c["stored"], c["new"], c["stored_since"]) for c in report["changes"]] == [
        ("A/行政编制", "核定数", 5, 8, None)
    ]
    assert report["changes"][0]["change_set"] is not None
    rows = api(
        personas["officer"],
        "POST",
        "/rows",
        json={
            "reason": "测试",
            "sheets": {"编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 6}]},
            "dry_run": True,
        },
    )
    assert rows.status_code == 200, rows.json()
    assert [(c["stored"], c["new"]) for c in rows.json()["changes"]] == [(5, 6)]


def test_the_upload_is_validated_by_the_background_job_not_in_the_request(
    register, personas, api, data_dir, tmp_path, settings
):
    """Found (security review): POST /imports validated inside the request, so a workbook that is
    slow to read held a server process. It now answers at once with the job queued, as the pages do;
    the worker validates it and GET /imports/{id} shows the report."""
    from bianzhi.registry.models import ImportJob
    from bianzhi.registry.services.import_jobs import import_job_run

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    sheets = {"机构": [unit_row("C")], "编制": [{"机构代码": "C", "编制类型": "行政编制", "核定数": 3}]}
    uploaded = api(personas["officer"], "POST", "/imports", multipart={"file": _xlsx(tmp_path, sheets)})
    assert uploaded.status_code == 201, uploaded.json()
    body = uploaded.json()
    assert (body["state"], body["state_label"], body["report"]["ok"]) == ("validating", "校验中", None)
    assert (body["job"]["kind"], body["job"]["state"], body["job"]["percent"]) == ("validate", "queued", 0)
    assert body["job"]["progress"] == "排队中，等待后台任务处理"
    assert WorkbookUpload.objects.get(pk=body["id"]).state == "uploaded"  # nothing validated in the request
    again = api(personas["officer"], "POST", f"/imports/{body['id']}/validate")
    assert again.status_code == 409 and again.json()["message"] == "该工作簿正在校验或导入，请等待完成"

    import_job_run(job_id=ImportJob.objects.get(upload_id=body["id"]).pk)  # what the worker does
    done = api(personas["officer"], "GET", f"/imports/{body['id']}").json()
    assert (done["state"], done["report"]["ok"], done["report"]["created"]["编制"]) == ("valid", True, 1)
    assert (done["job"]["state"], done["job"]["percent"], done["job"]["progress"]) == ("done", 100, "完成")
    assert done["job"]["heartbeat_at"] is not None
