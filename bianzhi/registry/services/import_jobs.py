"""Import in the browser: uploaded workbooks validated and imported by background jobs.

The pages store the upload (``WorkbookUpload``, state 已上传) and start an :class:`ImportJob`:

* **校验** — a dry run of :func:`workbook_import` whose progress messages are written to the job
  (the page polls them); the outcome goes on the upload (state 校验通过 / 校验未通过 and the report,
  as ``workbook_upload_validate`` does), and a report with problems gets its checked copy
  (:func:`bianzhi.registry.workbooks.annotated_workbook`) written next to the upload.
* **导入** — the same dry run again with the effective date, reason and 文号 of the confirm form
  (the register may have changed since the first validation), then, if it still passes,
  ``workbook_upload_confirm`` as the confirming user; a refused import leaves the new report.

Jobs run through the Tasks API (``bianzhi.registry.tasks``): in a ``bianzhi db_worker`` process
with the database backend, at once with the ImmediateBackend (tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bianzhi.accounts.permissions import Action, restrict
from bianzhi.registry import workbooks
from bianzhi.registry.importer.reader import SHEET_NAMES
from bianzhi.registry.models import ImportJob, WorkbookUpload
from bianzhi.registry.services.imports import ImportResult, workbook_import
from bianzhi.registry.services.uploads import (
    UploadStateError,
    upload_path,
    workbook_upload_confirm,
    workbook_upload_create,
)

logger = logging.getLogger(__name__)


class JobBusy(UploadStateError):
    """Another job of the same upload has not finished yet."""


# ---------------------------------------------------------------- reads


def import_upload_list(*, user: Any) -> QuerySet[WorkbookUpload]:
    """Uploads the user may import, newest first (only roles that cover the whole district)."""
    qs = WorkbookUpload.objects.select_related("uploaded_by", "confirmed_by").order_by("-uploaded_at", "-id")
    return restrict(qs, user, Action.IMPORT)


def import_upload_get(*, user: Any, upload_id: int) -> WorkbookUpload | None:
    return import_upload_list(user=user).filter(pk=upload_id).first()


def latest_job(upload: WorkbookUpload) -> ImportJob | None:
    """The upload's latest job — marked failed first if its worker has stopped reporting."""
    job = upload.jobs.order_by("-created_at", "-id").first()
    if job is not None and job.active and import_job_expire(job):
        job.refresh_from_db()
    return job


# ---------------------------------------------------------------- stale jobs

#: how often a running job's heartbeat thread reports that its worker is alive
HEARTBEAT_SECONDS = 30


def stale_message() -> str:
    minutes = settings.IMPORT_STALE_MINUTES
    return f"导入进程已中断（超过 {minutes} 分钟没有进展），登记库未作任何修改，请重新校验"


def _stale_jobs() -> QuerySet[ImportJob]:
    """Jobs a worker began (running, or queued with a start time) whose last heartbeat — or start,
    before the first — is older than ``BIANZHI_IMPORT_STALE_MINUTES``."""
    cutoff = timezone.now() - dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    began = ImportJob.objects.filter(state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]).exclude(
        started_at=None
    )
    return began.filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None, started_at__lt=cutoff),
    )


def _register_being_written() -> bool:
    """SQLite: whether another connection holds the database's write lock — a job writing its import
    (one transaction) cannot report until it commits, so while the lock is held it is not stale."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name == ":memory:" or "mode=memory" in name:
        return False
    probe = sqlite3.connect(name, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def import_job_expire(job: ImportJob | None = None) -> int:
    """Mark failed the stale jobs (``job`` only, or every one): their worker was killed or lost.
    The import is one transaction, so nothing of it reached the register; the upload keeps its
    state and can be validated again. Returns the number of jobs marked."""
    stale = _stale_jobs()
    if job is not None:
        stale = stale.filter(pk=job.pk)
    if not stale.exists() or _register_being_written():
        return 0
    return stale.update(
        state=ImportJob.State.FAILED, error=stale_message(), progress="已中断", finished_at=timezone.now()
    )


class Heartbeat:
    """A thread that writes the job's ``heartbeat_at`` every ``HEARTBEAT_SECONDS`` while it runs,
    on a connection of its own (on SQLite it waits while the import holds the write lock)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-job-{job_id}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    ImportJob.objects.filter(pk=self.job_id).update(heartbeat_at=timezone.now())
                except Exception:  # the write lock held past the timeout: try again next beat
                    logger.debug("导入任务 %s 心跳未能写入", self.job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


# ---------------------------------------------------------------- writes


def import_upload_store(*, file_name: str, chunks: Iterable[bytes], user: Any) -> WorkbookUpload:
    """Keep an uploaded workbook exactly as the API does (same kinds, size limit and layout), but
    leave it 已上传: in the browser, validation is a background job."""
    return workbook_upload_create(file_name=file_name, chunks=chunks, user=user, validate=False)


def _start(upload: WorkbookUpload, kind: str, user: Any) -> ImportJob:
    if upload.state == WorkbookUpload.State.IMPORTED:
        raise UploadStateError("该工作簿已导入")
    if upload.jobs.filter(state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]).exists():
        raise JobBusy("该工作簿正在校验或导入，请等待完成")
    return ImportJob.objects.create(
        upload=upload,
        kind=kind,
        created_by=user if getattr(user, "pk", None) else None,
        progress="排队中，等待后台任务处理",
    )


def _enqueue(job: ImportJob) -> ImportJob:
    """Hand the job to the task backend (the ImmediateBackend runs it right here)."""
    from bianzhi.registry.tasks import run_import_job

    result = run_import_job.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def import_validation_start(*, upload: WorkbookUpload, user: Any) -> ImportJob:
    """Start validating an upload against the register as it is now."""
    with transaction.atomic():
        upload = WorkbookUpload.objects.select_for_update().get(pk=upload.pk)
        job = _start(upload, ImportJob.Kind.VALIDATE, user)
    return _enqueue(job)


def import_confirm_start(
    *,
    upload: WorkbookUpload,
    user: Any,
    effective: dt.date | None,
    reason: str,
    document_number: str,
) -> ImportJob:
    """Start importing a validated upload with the confirm form's effective date, reason and 文号."""
    with transaction.atomic():
        upload = WorkbookUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.state != WorkbookUpload.State.VALID:
            raise UploadStateError(f"只有校验通过的工作簿才能确认导入（当前状态：{upload.get_state_display()}）")
        job = _start(upload, ImportJob.Kind.CONFIRM, user)
        upload.effective = effective
        upload.reason = reason
        upload.document_number = document_number
        upload.save(update_fields=["effective", "reason", "document_number"])
    return _enqueue(job)


# ---------------------------------------------------------------- the job


class ProgressRecorder:
    """The ``progress`` callback of :func:`workbook_import`: turns its Chinese messages into the
    job's ``progress`` text and ``percent``, visible to the polling page at once.

    The import validates the roster inside a transaction, so a write on the job's own connection
    would stay invisible until the end. On PostgreSQL those messages go through a second,
    autocommitting connection; SQLite allows one writer at a time and the import holds the lock,
    so there the bar moves between the phases outside the transaction.
    """

    def __init__(self, job: ImportJob, *, people_rows: int, span: tuple[int, int] = (0, 100)) -> None:
        self.job_id = job.pk
        self.people_rows = people_rows
        self.span = span
        self.percent = job.percent
        self._side: Any = None

    def scaled(self, fraction: float) -> int:
        low, high = self.span
        return int(low + (high - low) * max(0.0, min(fraction, 1.0)))

    def __call__(self, message: str) -> None:
        fraction = self._fraction(message)
        percent = max(self.percent, self.scaled(fraction)) if fraction is not None else self.percent
        self.record(message, percent)

    def _fraction(self, message: str) -> float | None:
        if message.startswith("读取"):
            return 0.05
        if message.startswith("校验机构"):
            return 0.15
        if message.startswith("写入"):
            return 0.2
        match = re.match(r"人员\s*([\d,]+)\s*行", message)
        if match and self.people_rows:
            done = int(match.group(1).replace(",", ""))
            return 0.2 + 0.8 * done / self.people_rows
        return None

    def record(self, message: str, percent: int) -> None:
        self.percent = percent
        text = message[:200]
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(progress=text, percent=percent, heartbeat_at=timezone.now())
        elif connection.vendor == "postgresql":
            self._side_write(text, percent)

    def _side_write(self, text: str, percent: int) -> None:
        table = ImportJob._meta.db_table
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            quote = self._side.ops.quote_name
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(table)} SET {quote('progress')} = %s, {quote('percent')} = %s, "  # nosec B608 # quoted identifiers from the model, values are %s parameters
                    f"{quote('heartbeat_at')} = %s WHERE id = %s",
                    [text, percent, timezone.now(), self.job_id],
                )
        except Exception:  # progress is a courtesy: never let it break the import
            logger.warning("导入进度未能写入（任务 %s）", self.job_id, exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _report(result: ImportResult) -> dict[str, Any]:
    report = result.as_json()
    report["change_set"] = result.change_set_id
    return report


def annotated_path(upload: WorkbookUpload) -> Path | None:
    """Where the checked copy of the upload's current report is kept (``None`` without problems).

    The name carries a digest of the problems, so a copy made for an earlier report is never
    offered for a later one."""
    report = upload.report or {}
    errors, warnings = report.get("errors") or [], report.get("warnings") or []
    if not errors and not warnings:
        return None
    digest = hashlib.sha256(
        json.dumps([errors, warnings], ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()[:16]
    return upload_path(upload).parent / f".checked-{digest}.xlsx"


def annotated_copy(upload: WorkbookUpload, *, data_rows: int | None = None) -> Path | None:
    """The checked copy of the upload (made now if the job has not made it yet)."""
    target = annotated_path(upload)
    if target is None:
        return None
    if not target.exists():
        report = upload.report or {}
        partial = target.with_name(target.name + f".{uuid.uuid4().hex}.part")
        try:
            workbooks.annotated_workbook(
                source=upload_path(upload),
                target=partial,
                errors=report.get("errors") or [],
                warnings=report.get("warnings") or [],
                data_rows=data_rows,
            )
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return target


def _dry_run(job: ImportJob, upload: WorkbookUpload, recorder: ProgressRecorder) -> bool:
    """Validate the upload as the import would, store the outcome on it; True if it passed."""
    result = workbook_import(path=upload_path(upload), dry_run=True, effective=upload.effective, progress=recorder)
    with transaction.atomic():
        locked = WorkbookUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.state == WorkbookUpload.State.IMPORTED:
            raise UploadStateError("该工作簿已导入")
        locked.state = WorkbookUpload.State.VALID if result.ok else WorkbookUpload.State.INVALID
        locked.report = _report(result)
        locked.validated_at = timezone.now()
        locked.save(update_fields=["state", "report", "validated_at"])
    upload.refresh_from_db()
    return result.ok


def import_job_run(*, job_id: int) -> None:
    """The body of one job (see the module docstring). Unexpected failures mark the job 出错."""
    import_job_expire()  # jobs left running by a worker that was killed
    job = ImportJob.objects.select_related("upload", "created_by").get(pk=job_id)
    if not job.active:
        return
    job.state = ImportJob.State.RUNNING
    job.started_at = job.heartbeat_at = timezone.now()
    job.progress = "统计数据行数"
    job.percent = 1
    job.save(update_fields=["state", "started_at", "heartbeat_at", "progress", "percent"])
    with Heartbeat(job.pk):
        _job_body(job)


def _job_body(job: ImportJob) -> None:
    """Count, validate, import if confirmed, make the checked copy; the outcome goes on the job."""
    job_id = job.pk
    upload = job.upload
    confirm = job.kind == ImportJob.Kind.CONFIRM
    recorder: ProgressRecorder | None = None
    try:
        counts = workbooks.count_rows(upload_path(upload))
        job.data_rows = sum(counts.values())
        job.save(update_fields=["data_rows"])
        people = counts.get(SHEET_NAMES[-1], 0)
        recorder = ProgressRecorder(job, people_rows=people, span=(2, 45) if confirm else (2, 85))
        if confirm:
            recorder.record("重新校验（登记数据可能已有变化）", 2)
        passed = _dry_run(job, upload, recorder)
        if confirm and passed:
            recorder.record("写入数据", 50)
            upload = workbook_upload_confirm(upload=upload, user=job.created_by, source="web")
        if annotated_path(upload) is not None:
            recorder.record("生成校验结果工作簿", 90)
            annotated_copy(upload, data_rows=job.data_rows)
    except Exception as exc:
        logger.exception("导入任务 %s 出错", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.FAILED,
            error=(str(exc) if isinstance(exc, UploadStateError) else f"{type(exc).__name__}: {exc}")[:2000],
            progress="出错",
            finished_at=timezone.now(),
        )
        raise
    finally:
        if recorder is not None:
            recorder.close()
    ImportJob.objects.filter(pk=job_id).update(
        state=ImportJob.State.DONE, progress="完成", percent=100, finished_at=timezone.now()
    )
