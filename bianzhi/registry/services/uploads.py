"""Workbooks uploaded for import: stored, validated by a dry run, then imported on confirmation.

The file is kept under ``BIANZHI_DATA_DIR/uploads`` (one folder per upload, the original file name
kept so that a single ``机构.csv`` is still recognised by its name), and a ``WorkbookUpload`` row
records who uploaded it, its state and its last validation report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bianzhi.registry.models import WorkbookUpload
from bianzhi.registry.services.imports import ImportResult, workbook_import

#: File kinds the import reads (interchange.md §1): a workbook, a zip of CSV files or one sheet's CSV.
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".zip", ".csv")
#: The largest file accepted (a province's register is far smaller).
UPLOAD_MAX_BYTES = 100 * 1024 * 1024


class UploadRefused(ValueError):
    """The file cannot be taken (kind, size, name); the message is Chinese."""


class UploadStateError(ValueError):
    """The upload is not in a state that allows this step (e.g. confirming twice)."""


def uploads_root() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def _safe_name(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return name.lstrip(".")[:120]


def workbook_upload_create(
    *,
    file_name: str,
    chunks: Iterable[bytes],
    user: Any,
    effective: dt.date | None = None,
    reason: str = "",
    document_number: str = "",
    validate: bool = True,
) -> WorkbookUpload:
    """Store an uploaded workbook under ``BIANZHI_DATA_DIR/uploads`` and, unless ``validate`` is
    off (the browser validates in a background job instead), validate it at once (a dry run)."""
    name = _safe_name(file_name)
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES or not Path(name).stem:
        raise UploadRefused(f"只能上传标准工作簿：{'、'.join(UPLOAD_SUFFIXES)} 文件（收到“{file_name}”）")
    now = timezone.now()
    relative = Path(f"{now:%Y}") / f"{now:%m}" / uuid.uuid4().hex / name
    target = uploads_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with target.open("wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if size > UPLOAD_MAX_BYTES:
                    raise UploadRefused(f"文件超过 {UPLOAD_MAX_BYTES // (1024 * 1024)} MB 上限")
                digest.update(chunk)
                handle.write(chunk)
        if size == 0:
            raise UploadRefused("文件是空的")
    except UploadRefused:
        target.unlink(missing_ok=True)
        target.parent.rmdir()
        raise
    upload = WorkbookUpload.objects.create(
        file_name=name,
        stored_path=str(relative),
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=user if getattr(user, "pk", None) else None,
        effective=effective,
        reason=reason,
        document_number=document_number,
    )
    return workbook_upload_validate(upload=upload) if validate else upload


def upload_path(upload: WorkbookUpload) -> Path:
    return uploads_root() / upload.stored_path


def _report(result: ImportResult) -> dict[str, Any]:
    report = result.as_json()
    report["change_set"] = result.change_set_id
    return report


@transaction.atomic
def workbook_upload_validate(*, upload: WorkbookUpload) -> WorkbookUpload:
    """Validate (dry run) against the register as it is now; refused once the workbook is imported."""
    upload = WorkbookUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.state == WorkbookUpload.State.IMPORTED:
        raise UploadStateError("该工作簿已导入，不能再次校验")
    result = workbook_import(path=upload_path(upload), dry_run=True, effective=upload.effective)
    upload.state = WorkbookUpload.State.VALID if result.ok else WorkbookUpload.State.INVALID
    upload.report = _report(result)
    upload.validated_at = timezone.now()
    upload.save(update_fields=["state", "report", "validated_at"])
    return upload


@transaction.atomic
def workbook_upload_confirm(*, upload: WorkbookUpload, user: Any, source: str = "api") -> WorkbookUpload:
    """Import a validated workbook: one logged change set with the upload's reason and 文号, as the
    confirming user. Only a workbook that passed validation can be confirmed, once; if the register
    changed since and the import is now refused, the upload goes back to 校验未通过 with the problems."""
    upload = WorkbookUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.state == WorkbookUpload.State.IMPORTED:
        raise UploadStateError("该工作簿已导入，不能重复确认")
    if upload.state != WorkbookUpload.State.VALID:
        raise UploadStateError(f"只有校验通过的工作簿才能确认导入（当前状态：{upload.get_state_display()}）")
    result = workbook_import(
        path=upload_path(upload),
        effective=upload.effective,
        reason=upload.reason,
        document_number=upload.document_number,
        user=user,
        source=source,
    )
    upload.report = _report(result)
    upload.validated_at = timezone.now()
    if result.ok:
        upload.state = WorkbookUpload.State.IMPORTED
        upload.confirmed_by = user if getattr(user, "pk", None) else None
        upload.confirmed_at = timezone.now()
        upload.change_set_id = result.change_set_id
    else:
        upload.state = WorkbookUpload.State.INVALID
    upload.save()
    return upload
