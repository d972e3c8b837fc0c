"""Stale import jobs (issue 13 "Exhaustion").

Found (security review): a web import whose worker is killed stayed "正在导入 50%" forever. A job
now records a heartbeat as it progresses; one left running whose heartbeat is older than
``BIANZHI_IMPORT_STALE_MINUTES`` is marked failed when the page or the API reads it (and by the
worker when it starts a job), and the page offers to validate again. The import is one
transaction, so nothing of the killed job was stored.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bianzhi.registry.models import ImportJob, WorkbookUpload
from bianzhi.registry.services.import_jobs import import_job_run
from bianzhi.registry.services.uploads import workbook_upload_create

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
STALE = "导入进程已中断（超过 10 分钟没有进展），登记库未作任何修改，请重新校验"


@pytest.fixture
def upload(personas, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert settings.IMPORT_STALE_MINUTES == 10
    return workbook_upload_create(
        file_name="编制.csv",
        chunks=["机构代码,编制类型,核定数\nA,行政编制,7\n".encode()],
        user=personas["officer"].user,
        validate=False,
    )


def _running(upload: WorkbookUpload, *, minutes_ago: float, kind: str = ImportJob.Kind.CONFIRM) -> ImportJob:
    """A job as a killed worker leaves it: running at 50 %, last heard of ``minutes_ago``."""
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    job = ImportJob.objects.create(
        upload=upload, kind=kind, state=ImportJob.State.RUNNING, progress="写入数据", percent=50
    )
    ImportJob.objects.filter(pk=job.pk).update(started_at=then, heartbeat_at=then)
    return job


def _page(personas, upload: WorkbookUpload) -> str:
    client = Client()
    client.force_login(personas["officer"].user, backend=BACKEND)
    page = client.get(reverse("web:imports:upload_detail", args=[upload.pk]))
    assert page.status_code == 200
    return page.content.decode()


def test_a_job_left_running_is_marked_failed_when_the_page_reads_it_and_offers_to_validate_again(personas, upload):
    job = _running(upload, minutes_ago=11)
    text = _page(personas, upload)
    job.refresh_from_db()
    assert (job.state, job.error, job.finished_at is not None) == ("failed", STALE, True)
    assert 'id="job-failed"' in text and STALE in text
    assert 'id="revalidate"' in text and 'id="import-progress"' not in text
    upload.refresh_from_db()
    assert upload.state == WorkbookUpload.State.UPLOADED  # the upload is as it was: validate it again

    client = Client()
    client.force_login(personas["officer"].user, backend=BACKEND)
    client.post(reverse("web:imports:upload_validate", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.state == WorkbookUpload.State.VALID  # the new job was not refused as "still running"


def test_the_api_shows_a_stale_job_failed(personas, api, upload):
    _running(upload, minutes_ago=30, kind=ImportJob.Kind.VALIDATE)
    body = api(personas["officer"], "GET", f"/imports/{upload.pk}").json()
    assert (body["state"], body["job"]["state"], body["job"]["error"]) == ("uploaded", "failed", STALE)


def test_a_fresh_job_stays_running(personas, api, upload):
    job = _running(upload, minutes_ago=9)
    text = _page(personas, upload)
    body = api(personas["officer"], "GET", f"/imports/{upload.pk}").json()
    job.refresh_from_db()
    assert job.state == ImportJob.State.RUNNING and 'id="import-progress"' in text
    assert (body["state"], body["job"]["state"], body["job"]["percent"]) == ("importing", "running", 50)


def test_the_limit_is_configurable(personas, api, upload, settings):
    settings.IMPORT_STALE_MINUTES = 5
    _running(upload, minutes_ago=6)
    body = api(personas["officer"], "GET", f"/imports/{upload.pk}").json()
    assert body["job"]["state"] == "failed"
    assert body["job"]["error"] == STALE.replace("10 分钟", "5 分钟")


def test_the_worker_marks_stale_jobs_failed_when_it_starts_a_job(personas, upload):
    other = workbook_upload_create(
        file_name="机构.csv", chunks=["机构代码\nA\n".encode()], user=personas["officer"].user, validate=False
    )
    stale = _running(other, minutes_ago=60)
    job = ImportJob.objects.create(upload=upload, kind=ImportJob.Kind.VALIDATE)
    import_job_run(job_id=job.pk)
    stale.refresh_from_db()
    job.refresh_from_db()
    assert (stale.state, stale.error) == ("failed", STALE)
    assert job.state == "done" and job.heartbeat_at is not None and job.heartbeat_at >= job.started_at
