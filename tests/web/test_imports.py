"""Import in the browser: template, upload → background validation → report → checked copy → confirm."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from conftest import PERSONA_ROLES, person_row, register_sheets, unit_row, write_xlsx
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from bianzhi.core.models import ChangeSet
from bianzhi.registry import workbooks
from bianzhi.registry.models import ImportJob, StaffingQuota, WorkbookUpload
from bianzhi.registry.services import workbook_import
from bianzhi.registry.services.import_jobs import ProgressRecorder
from bianzhi.web.imports import XLSX

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def _jobs_run_at_once(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.DATA_DIR = tmp_path / "data"


def client_for(persona) -> Client:
    client = Client()
    if persona.user is not None:
        client.force_login(persona.user, backend=BACKEND)
    return client


def upload(client: Client, path):
    with path.open("rb") as handle:
        return client.post(reverse("web:imports:upload_list"), {"file": handle})


def new_sheets() -> dict:
    """A workbook that adds unit C with a quota and one person to the personas' register."""
    return {
        "机构": [unit_row("C")],
        "编制": [{"机构代码": "C", "编制类型": "行政编制", "核定数": 2}],
        "人员": [person_row("C", birth=dt.date(1991, 1, 1))],
    }


def bad_sheets() -> dict:
    return {
        "机构": [unit_row("C"), unit_row("D", 机构类型="不存在的类型")],
        "编制": [{"机构代码": "C", "编制类型": "行政编制", "核定数": "两个"}],
        "人员": [person_row("C", 性别="女", birth=dt.date(1991, 1, 1))],
    }


# ---------------------------------------------------------------- who may import


GET_PAGES = ["upload_list", "template"]
UPLOAD_PAGES = ["upload_detail", "upload_progress", "upload_checked"]
POST_PAGES = ["upload_validate", "upload_confirm"]
ALLOWED = {"admin", "officer"}


@pytest.fixture
def an_upload(personas, tmp_path):
    client = client_for(personas["officer"])
    response = upload(client, write_xlsx(tmp_path / "bad.xlsx", bad_sheets()))
    assert response.status_code == 302
    return WorkbookUpload.objects.get()


@pytest.mark.parametrize("name", sorted(PERSONA_ROLES))
def test_only_district_wide_importers_reach_the_import_pages(personas, an_upload, name):
    client = client_for(personas[name])
    calls = [("get", reverse(f"web:imports:{page}")) for page in GET_PAGES]
    calls += [("get", reverse(f"web:imports:{page}", args=[an_upload.pk])) for page in UPLOAD_PAGES]
    calls += [("post", reverse(f"web:imports:{page}", args=[an_upload.pk])) for page in POST_PAGES]
    calls += [("post", reverse("web:imports:upload_list"))]
    for method, url in calls:
        response = getattr(client, method)(url)
        if response.streaming:  # read to the end, so the test client closes the file
            b"".join(response.streaming_content)
        if name == "anonymous":
            assert response.status_code == 302 and "next=" in response["Location"], url
        elif name in ALLOWED:
            assert response.status_code in {200, 302, 400}, (url, response.status_code)
        else:
            assert response.status_code == 403, (name, url, response.status_code)
    if name not in ALLOWED:
        assert ImportJob.objects.count() == 1  # nothing was started by a refused user
        assert WorkbookUpload.objects.count() == 1


def test_unit_hr_officer_cannot_open_an_upload_by_url(personas, an_upload):
    response = client_for(personas["hr_a"]).get(reverse("web:imports:upload_detail", args=[an_upload.pk]))
    assert response.status_code == 403


def test_unknown_upload_is_not_found(personas):
    response = client_for(personas["officer"]).get(reverse("web:imports:upload_detail", args=[999999]))
    assert response.status_code == 404


# ---------------------------------------------------------------- template and upload form


def test_template_download(personas):
    response = client_for(personas["officer"]).get(reverse("web:imports:template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "人员" in book.sheetnames


def test_import_page_offers_the_template_and_the_form(personas):
    response = client_for(personas["officer"]).get(reverse("web:imports:upload_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("web:imports:template") in page
    assert 'enctype="multipart/form-data"' in page
    assert "上传并校验" in page


def test_upload_of_another_kind_of_file_is_refused(personas, tmp_path):
    path = tmp_path / "说明.txt"
    path.write_text("不是工作簿", encoding="utf-8")
    response = upload(client_for(personas["officer"]), path)
    assert response.status_code == 400
    assert "只能上传标准工作簿" in response.content.decode()
    assert not WorkbookUpload.objects.exists()


# ---------------------------------------------------------------- upload → job → report


def test_upload_with_errors_gives_a_report_by_sheet_and_row_and_a_checked_copy(personas, tmp_path):
    client = client_for(personas["officer"])
    source = write_xlsx(tmp_path / "上报.xlsx", bad_sheets())
    response = upload(client, source)
    stored = WorkbookUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:imports:upload_detail", args=[stored.pk])

    job = ImportJob.objects.get()
    assert (job.kind, job.state, job.percent, job.progress) == ("validate", "done", 100, "完成")
    assert job.data_rows == 4 and job.created_by == personas["officer"].user
    assert stored.state == WorkbookUpload.State.INVALID
    expected = workbook_import(path=source, dry_run=True)
    assert stored.report["errors"] == expected.errors

    page = client.get(response["Location"]).content.decode()
    assert "校验未通过" in page
    for error in expected.errors:
        assert error["message"] in page
        assert f'data-row="{error["row"]}" data-column="{error["column"]}"' in page
    for sheet in {e["sheet"] for e in expected.errors}:
        assert f'<section class="mb-3" data-sheet="{sheet}">' in page
    assert "确认导入</button>" not in page  # an invalid workbook cannot be confirmed
    assert reverse("web:imports:upload_checked", args=[stored.pk]) in page

    checked = client.get(reverse("web:imports:upload_checked", args=[stored.pk]))
    assert checked.status_code == 200
    assert "%E6%A0%A1%E9%AA%8C%E7%BB%93%E6%9E%9C.xlsx" in checked["Content-Disposition"]  # 校验结果.xlsx
    book = openpyxl.load_workbook(io.BytesIO(b"".join(checked.streaming_content)))
    headers = {name: [c.value for c in book[name][1]] for name in ("机构", "编制", "人员")}
    for error in expected.errors:
        cell = book[error["sheet"]].cell(max(error["row"], 1), headers[error["sheet"]].index(error["column"]) + 1)
        assert cell.fill.start_color.rgb == workbooks.ERROR_COLOR
        assert error["message"] in cell.comment.text


def test_progress_partial_polls_while_a_job_runs_and_reloads_when_done(personas, an_upload):
    client = client_for(personas["officer"])
    url = reverse("web:imports:upload_progress", args=[an_upload.pk])
    job = an_upload.jobs.get()
    ImportJob.objects.filter(pk=job.pk).update(state="running", progress="人员 20,000 行", percent=42)
    running = client.get(url, headers={"HX-Request": "true"})
    body = running.content.decode()
    assert 'hx-trigger="every 1s"' in body and "人员 20,000 行" in body and 'data-progress="42"' in body
    assert "HX-Refresh" not in running
    detail = client.get(reverse("web:imports:upload_detail", args=[an_upload.pk])).content.decode()
    assert 'hx-get="' + url + '"' in detail
    assert "下载校验结果工作簿" not in detail  # not while the job runs
    ImportJob.objects.filter(pk=job.pk).update(state="done", percent=100)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    assert "every 1s" not in done.content.decode()


def test_a_job_queued_long_without_a_worker_says_so(personas, an_upload):
    job = an_upload.jobs.get()
    ImportJob.objects.filter(pk=job.pk).update(state="queued", created_at=job.created_at - dt.timedelta(minutes=5))
    body = client_for(personas["officer"]).get(reverse("web:imports:upload_progress", args=[an_upload.pk])).content
    assert "bianzhi db_worker" in body.decode()


def test_a_second_job_waits_for_the_first(personas, an_upload):
    client = client_for(personas["officer"])
    ImportJob.objects.update(state="running")
    response = client.post(reverse("web:imports:upload_validate", args=[an_upload.pk]), follow=True)
    assert "正在校验或导入" in response.content.decode()
    assert ImportJob.objects.count() == 1


def test_a_failing_job_is_reported_and_can_be_retried(personas, tmp_path, monkeypatch):
    from bianzhi.registry.services import import_jobs

    def broken(**kwargs):
        raise RuntimeError("磁盘已满")

    client = client_for(personas["officer"])
    monkeypatch.setattr(import_jobs, "workbook_import", broken)
    upload(client, write_xlsx(tmp_path / "x.xlsx", new_sheets()))
    stored = WorkbookUpload.objects.get()
    job = stored.jobs.get()
    assert job.state == ImportJob.State.FAILED and "磁盘已满" in job.error
    page = client.get(reverse("web:imports:upload_detail", args=[stored.pk])).content.decode()
    assert "没有完成" in page and "重新校验" in page
    monkeypatch.undo()
    client.post(reverse("web:imports:upload_validate", args=[stored.pk]))
    stored.refresh_from_db()
    assert stored.state == WorkbookUpload.State.VALID


# ---------------------------------------------------------------- confirm


def test_valid_upload_is_confirmed_with_reason_document_number_and_date(personas, tmp_path):
    client = client_for(personas["officer"])
    upload(client, write_xlsx(tmp_path / "新增.xlsx", new_sheets()))
    stored = WorkbookUpload.objects.get()
    assert stored.state == WorkbookUpload.State.VALID, stored.report
    detail = reverse("web:imports:upload_detail", args=[stored.pk])
    page = client.get(detail).content.decode()
    assert "校验通过" in page and "确认导入</button>" in page
    assert not StaffingQuota.objects.filter(unit__code="C").exists()  # validation stores nothing

    response = client.post(
        reverse("web:imports:upload_confirm", args=[stored.pk]),
        {"effective": "2026-07-01", "reason": "年度实名制数据核对", "document_number": "越编〔2026〕12号"},
    )
    assert response.status_code == 302 and response["Location"] == detail
    stored.refresh_from_db()
    assert stored.state == WorkbookUpload.State.IMPORTED
    assert stored.confirmed_by == personas["officer"].user
    assert stored.report["created"]["机构"] == 1 and stored.report["created"]["人员"] == 1
    change_set = ChangeSet.objects.get(pk=stored.change_set_id)
    assert change_set.source == "web" and change_set.user == personas["officer"].user
    assert (change_set.reason, change_set.document_number) == ("年度实名制数据核对", "越编〔2026〕12号")
    assert change_set.effective == dt.date(2026, 7, 1) and change_set.bypasses_approval
    assert StaffingQuota.objects.filter(unit__code="C").exists()
    jobs = list(stored.jobs.order_by("id").values_list("kind", "state"))
    assert jobs == [("validate", "done"), ("confirm", "done")]

    page = client.get(detail).content.decode()
    assert "已导入" in page and f"变更批次 #{stored.change_set_id}" in page
    assert '<tr data-sheet="机构"><th>机构</th><td class="text-end">1</td>' in page
    assert '<tr data-sheet="人员"><th>人员</th><td class="text-end">1</td>' in page
    assert "确认导入</button>" not in page and "重新校验</button>" not in page


def test_confirm_needs_a_reason(personas, tmp_path):
    client = client_for(personas["officer"])
    upload(client, write_xlsx(tmp_path / "新增.xlsx", new_sheets()))
    stored = WorkbookUpload.objects.get()
    response = client.post(reverse("web:imports:upload_confirm", args=[stored.pk]), {"reason": "  "})
    assert response.status_code == 400 and "请填写理由" in response.content.decode()
    stored.refresh_from_db()
    assert stored.state == WorkbookUpload.State.VALID and stored.jobs.count() == 1


def test_an_invalid_upload_cannot_be_confirmed(personas, an_upload):
    client = client_for(personas["officer"])
    response = client.post(reverse("web:imports:upload_confirm", args=[an_upload.pk]), {"reason": "试试"}, follow=True)
    assert "只有校验通过的工作簿才能确认导入" in response.content.decode()
    assert an_upload.jobs.count() == 1


def test_confirm_revalidates_and_a_refused_import_shows_the_new_report(personas, tmp_path, load):
    # The register moves on after the upload was validated: A's quota changes from 2026-06-01.
    load(
        {"机构": register_sheets()["机构"][:1], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 6}]},
        effective=dt.date(2026, 6, 1),
    )
    client = client_for(personas["officer"])
    sheets = {
        "机构": [unit_row("A", 核定内设机构数=1)],
        "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 7}],
    }
    upload(client, write_xlsx(tmp_path / "改编制.xlsx", sheets))
    stored = WorkbookUpload.objects.get()
    assert stored.state == WorkbookUpload.State.VALID, stored.report
    # …and the confirm form asks for an effective date before that change: the import is refused.
    response = client.post(
        reverse("web:imports:upload_confirm", args=[stored.pk]), {"effective": "2026-01-01", "reason": "调整"}
    )
    stored.refresh_from_db()
    assert stored.state == WorkbookUpload.State.INVALID
    assert stored.report["errors"] and "不能倒签" in stored.report["errors"][0]["message"]
    assert StaffingQuota.objects.filter(unit__code="A", approved=7).count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "导入被拒绝" in page and "不能倒签" in page
    assert stored.report["errors"][0]["message"] in page


def test_warnings_alone_do_not_block_and_are_offered_highlighted(personas, tmp_path):
    client = client_for(personas["officer"])
    upload(client, write_xlsx(tmp_path / "提示.xlsx", {"机构": [unit_row("C", 区划代码="999999")]}))
    stored = WorkbookUpload.objects.get()
    assert stored.state == WorkbookUpload.State.VALID and stored.report["warnings"]
    page = client.get(reverse("web:imports:upload_detail", args=[stored.pk])).content.decode()
    assert "有 1 条提示" in page and "确认导入</button>" in page
    checked = client.get(reverse("web:imports:upload_checked", args=[stored.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(checked.streaming_content)))
    headers = [c.value for c in book["机构"][1]]
    cell = book["机构"].cell(2, headers.index("区划代码") + 1)
    assert cell.fill.start_color.rgb == workbooks.WARNING_COLOR
    assert "提示：" in cell.comment.text


def test_large_upload_gets_the_original_with_an_errors_sheet(personas, tmp_path, monkeypatch):
    monkeypatch.setattr(workbooks, "HIGHLIGHT_MAX_ROWS", 2)
    client = client_for(personas["officer"])
    upload(client, write_xlsx(tmp_path / "大.xlsx", bad_sheets()))
    stored = WorkbookUpload.objects.get()
    page = client.get(reverse("web:imports:upload_detail", args=[stored.pk])).content.decode()
    assert "原工作簿附“错误清单”" in page
    checked = client.get(reverse("web:imports:upload_checked", args=[stored.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(checked.streaming_content)))
    assert book.sheetnames[-1] == workbooks.PROBLEM_SHEET
    assert book[workbooks.PROBLEM_SHEET].max_row == len(stored.report["errors"]) + len(stored.report["warnings"]) + 1
    assert book["机构"]["E3"].comment is None


def test_csv_zip_upload_is_validated_and_checked(personas, tmp_path):
    import zipfile

    path = tmp_path / "上报.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("机构.csv", "机构代码,机构名称,机构类型,序列,区划代码\nC,丙,坏类型,政府,330602\n".encode())
    client = client_for(personas["officer"])
    upload(client, path)
    stored = WorkbookUpload.objects.get()
    assert stored.state == WorkbookUpload.State.INVALID
    checked = client.get(reverse("web:imports:upload_checked", args=[stored.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(checked.streaming_content)))
    assert book["机构"]["C2"].fill.start_color.rgb == workbooks.ERROR_COLOR


# ---------------------------------------------------------------- progress


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_to_the_job_as_the_import_reports_it(tmp_path):
    source = write_xlsx(tmp_path / "p.xlsx", {"机构": [unit_row("A")]})
    stored = WorkbookUpload.objects.create(file_name="p.xlsx", stored_path=str(source), size=1, sha256="0")
    job = ImportJob.objects.create(upload=stored, kind="validate")
    recorder = ProgressRecorder(job, people_rows=40_000, span=(0, 100))
    recorder("读取文件")
    job.refresh_from_db()
    assert (job.progress, job.percent) == ("读取文件", 5)
    recorder("人员 20,000 行")
    job.refresh_from_db()
    assert (job.progress, job.percent) == ("人员 20,000 行", 60)
    recorder("某个新阶段")  # unknown messages keep the percentage
    job.refresh_from_db()
    assert (job.progress, job.percent) == ("某个新阶段", 60)


@pytest.mark.django_db(transaction=True)
def test_progress_inside_the_import_transaction_is_visible_at_once_on_postgresql(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: progress moves between the phases there")
    stored = WorkbookUpload.objects.create(file_name="p.xlsx", stored_path="p.xlsx", size=1, sha256="0")
    job = ImportJob.objects.create(upload=stored, kind="validate")
    recorder = ProgressRecorder(job, people_rows=100)
    try:
        with transaction.atomic():
            recorder("人员 50 行")
            with connection.cursor() as cursor:  # another transaction's commit is seen at once
                cursor.execute("SELECT progress, percent FROM registry_importjob WHERE id = %s", [job.pk])
                assert cursor.fetchone() == ("人员 50 行", 60)
    finally:
        recorder.close()


def test_the_report_shows_each_value_a_stale_workbook_would_change(personas, tmp_path, load):
    """Issue 12: before confirming, the page lists every stored value the workbook changes, since when
    it holds and by which change set (文号) — a stale copy reverting a committee's decision shows."""
    load(
        {"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 9}]},
        effective=dt.date(2026, 7, 1),
        document_number="越编〔2026〕7号",
    )
    client = client_for(personas["officer"])
    stale = {"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 5}]}
    upload(client, write_xlsx(tmp_path / "旧版.xlsx", stale))
    stored = WorkbookUpload.objects.latest("pk")
    assert stored.state == WorkbookUpload.State.VALID, stored.report
    assert [c["document_number"] for c in stored.report["changes"]] == ["越编〔2026〕7号"]
    page = client.get(reverse("web:imports:upload_detail", args=[stored.pk])).content.decode()
    assert "将变更的数值" in page
    row = page[page.index('id="import-changes"') :]
    assert "A/行政编制" in row and "核定数" in row and "2026-07-01" in row and "越编〔2026〕7号" in row
    assert "<td>9</td><td>5</td>" in row
