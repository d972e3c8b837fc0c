"""导入: upload a standard workbook (interchange.md §1) → it is validated at once (dry run) →
confirm → imported as one logged change set; the status and report can be read at any time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from bianzhi.accounts.permissions import Action
from bianzhi.api import selectors
from bianzhi.api.common import paginate, replies, require
from bianzhi.api.errors import ApiError, not_found
from bianzhi.api.schemas import (
    MAX_ID,
    REASON_REQUIRED,
    Day,
    Page,
    PageParams,
    Problem,
    Text200,
    Text2000,
    ValueChange,
    WriteMeta,
)
from bianzhi.api.writes import write_rows
from bianzhi.registry.importer.reader import SHEET_NAMES
from bianzhi.registry.models import ImportJob, WorkbookUpload
from bianzhi.registry.services import (
    UploadRefused,
    UploadStateError,
    workbook_upload_confirm,
    workbook_upload_create,
)
from bianzhi.registry.services.import_jobs import import_validation_start, latest_job

router = Router(tags=["导入"])


class ImportReport(Schema):
    """The result in the shape of ``bianzhi import --json`` (interchange.md §2)."""

    ok: bool | None = Field(None, description="是否通过（尚未校验时为空）")
    dry_run: bool | None = Field(None, description="是否为校验（试运行）")
    created: dict[str, int] = Field(default_factory=dict, description="各工作表新增行数")
    updated: dict[str, int] = Field(default_factory=dict, description="各工作表更新行数")
    unchanged: dict[str, int] = Field(default_factory=dict, description="各工作表未变行数")
    errors: list[Problem] = Field(default_factory=list, description="错误（有错误时不写入任何数据）")
    warnings: list[Problem] = Field(default_factory=list, description="提示（不阻止导入）")
    changes: list[ValueChange] = Field(
        default_factory=list, description="将变更（或已变更）的每项现值：现值、新值、起始日期与文号"
    )
    changes_omitted: int = Field(0, description="超出上限未列出的变更数")
    change_set: int | None = Field(None, description="导入后的变更批次编号")


class JobOut(Schema):
    """The background job that validates (or imports) the upload, as the import pages show it."""

    id: int
    kind: str = Field(..., description="类型：validate 校验、confirm 导入")
    state: str = Field(..., description="状态：queued 排队中、running 进行中、done 已完成、failed 出错")
    progress: str = Field(..., description="进度说明")
    percent: int = Field(..., description="完成百分比")
    data_rows: int | None = Field(None, description="各标准工作表的非空数据行合计")
    error: str = Field("", description="出错原因（如导入进程中断）")
    started_at: dt.datetime | None = None
    heartbeat_at: dt.datetime | None = Field(None, description="后台进程最近一次报告进展的时间")
    finished_at: dt.datetime | None = None


class UploadOut(Schema):
    id: int
    file_name: str = Field(..., description="上传的文件名")
    size: int = Field(..., description="大小（字节）")
    sha256: str
    state: str = Field(
        ...,
        description="状态：uploaded 已上传、validating 校验中、valid 校验通过、invalid 校验未通过、importing 导入中、"
        "imported 已导入（校验中、导入中时后台任务的进度见 job）",
    )
    state_label: str = Field(..., description="状态（中文）")
    uploaded_by: str | None = Field(None, description="上传人")
    uploaded_at: dt.datetime
    effective: dt.date | None = Field(None, description="变更生效日期（空为导入当天）")
    reason: str
    document_number: str
    validated_at: dt.datetime | None = None
    confirmed_by: str | None = Field(None, description="确认导入人")
    confirmed_at: dt.datetime | None = None
    change_set: int | None = Field(None, description="导入后的变更批次编号")
    report: ImportReport
    job: JobOut | None = Field(None, description="最近一次后台校验或导入任务")


def upload_out(upload: WorkbookUpload) -> dict[str, Any]:
    job = latest_job(upload)  # a job whose worker stopped reporting is marked failed here
    state, label = upload.state, upload.get_state_display()
    if job is not None and job.active:
        state, label = ("importing", "导入中") if job.kind == ImportJob.Kind.CONFIRM else ("validating", "校验中")
    return {
        "id": upload.pk,
        "file_name": upload.file_name,
        "size": upload.size,
        "sha256": upload.sha256,
        "state": state,
        "state_label": label,
        "job": job,
        "uploaded_by": upload.uploaded_by.get_username() if upload.uploaded_by else None,
        "uploaded_at": upload.uploaded_at,
        "effective": upload.effective,
        "reason": upload.reason,
        "document_number": upload.document_number,
        "validated_at": upload.validated_at,
        "confirmed_by": upload.confirmed_by.get_username() if upload.confirmed_by else None,
        "confirmed_at": upload.confirmed_at,
        "change_set": upload.change_set_id,
        "report": upload.report or {},
    }


def _upload(request: HttpRequest, upload_id: int) -> WorkbookUpload:
    upload = selectors.upload_get(user=request.user, upload_id=upload_id)
    if upload is None:
        raise not_found(f"上传记录 {upload_id}")
    return upload


class UploadFilters(Schema):
    state: WorkbookUpload.State | None = Field(None, description="状态")


@router.get("/imports", response=replies({200: Page[UploadOut]}), summary="上传的工作簿列表")
def upload_list(request: HttpRequest, filters: Query[UploadFilters], page: Query[PageParams]) -> dict[str, Any]:
    """上传待导入的工作簿，最近的在前。"""
    require(request, Action.IMPORT)
    return paginate(selectors.upload_list(user=request.user, state=filters.state or ""), page, upload_out)


EFFECTIVE = Form(None, description="变更生效日期 YYYY-MM-DD（默认导入当天）")
REASON = Form("", description="变更理由")
DOCUMENT_NUMBER = Form("", description="批准文号")


@router.post("/imports", response=replies({201: UploadOut}, 400), summary="上传工作簿并在后台校验")
def upload_create(
    request: HttpRequest,
    file: File[UploadedFile],
    effective: Day | None = EFFECTIVE,
    reason: Text2000 = REASON,
    document_number: Text200 = DOCUMENT_NUMBER,
) -> Any:
    """上传标准工作簿（.xlsx、CSV 文件的 .zip，或以工作表命名的单个 .csv），保存在数据目录的 uploads 下，
    并交给后台任务校验（试运行，不写入；与网页相同，由 `bianzhi db_worker` 执行）：返回 201，状态为 validating
    （校验中），job 中是任务进度；用 GET /imports/{id} 查询，校验完成后状态为 valid 或 invalid，结果见 report。
    校验通过后用 /imports/{id}/confirm 确认导入。"""
    require(request, Action.IMPORT)
    try:
        upload = workbook_upload_create(
            file_name=file.name or "",
            chunks=file.chunks(),
            user=request.user,
            effective=effective,
            reason=reason.strip(),
            document_number=document_number.strip(),
            validate=False,
        )
    except UploadRefused as exc:
        raise ApiError(422, str(exc), errors=[{"location": "body.file", "message": str(exc)}]) from exc
    import_validation_start(upload=upload, user=request.user)
    upload.refresh_from_db()
    return Status(201, upload_out(upload))


UploadId = Path(..., ge=1, le=MAX_ID, description="上传记录编号")
CONFIRM_REASON = Form("", description="变更理由（上传时未填则必填；填写则取代上传时的理由）")


@router.get("/imports/{upload_id}", response=replies({200: UploadOut}, 404), summary="上传状态与校验报告")
def upload_detail(request: HttpRequest, upload_id: int = UploadId) -> dict[str, Any]:
    """一个上传的工作簿：状态、校验或导入报告。"""
    require(request, Action.IMPORT)
    return upload_out(_upload(request, upload_id))


@router.post("/imports/{upload_id}/validate", response=replies({200: UploadOut}, 404, 409), summary="重新校验")
def upload_validate(request: HttpRequest, upload_id: int = UploadId) -> dict[str, Any]:
    """按当前登记数据在后台重新校验（试运行，不写入）：状态为 validating，完成后见 report；
    已导入的、或正在校验或导入的返回 409。"""
    require(request, Action.IMPORT)
    upload = _upload(request, upload_id)
    try:
        import_validation_start(upload=upload, user=request.user)
    except UploadStateError as exc:
        raise ApiError(409, str(exc)) from exc
    upload.refresh_from_db()
    return upload_out(upload)


@router.post("/imports/{upload_id}/confirm", response=replies({200: UploadOut}, 400, 404, 409), summary="确认导入")
def upload_confirm(
    request: HttpRequest,
    upload_id: int = UploadId,
    reason: Text2000 = CONFIRM_REASON,
) -> dict[str, Any]:
    """导入已校验通过的工作簿：全部写入或全部不写，作为一个变更批次记入变更日志（操作人为当前用户，来源为接口）。
    变更理由必填：上传时或确认时给出（缺少时返回 422）。
    未校验通过或已导入的返回 409；若登记数据在校验后发生变化导致导入被拒，返回 422 及问题清单，状态改为校验未通过。"""
    require(request, Action.IMPORT)
    upload = _upload(request, upload_id)
    if upload.state == WorkbookUpload.State.VALID:  # any other state is refused below (409)
        if reason.strip():
            upload.reason = reason.strip()
            WorkbookUpload.objects.filter(pk=upload.pk).update(reason=upload.reason)
        elif not upload.reason.strip():
            raise ApiError(422, REASON_REQUIRED, errors=[{"location": "body.reason", "message": REASON_REQUIRED}])
    try:
        upload = workbook_upload_confirm(upload=upload, user=request.user)
    except UploadStateError as exc:
        raise ApiError(409, str(exc)) from exc
    if upload.state != WorkbookUpload.State.IMPORTED:
        report = upload.report or {}
        raise ApiError(
            422,
            "导入被拒绝：登记数据在校验后发生变化，工作簿不再符合导入规则",
            problems=report.get("errors", []),
            warnings=report.get("warnings", []),
        )
    return upload_out(upload)


# ---------------------------------------------------------------- rows


class RowsIn(WriteMeta):
    sheets: dict[str, list[dict[str, str | int | float | bool | None]]] = Field(
        ...,
        description="按工作表名（机构、编制、职数、周转编制、限额、人员）分组的行，每行以工作簿表头为键",
        examples=[{"编制": [{"机构代码": "YC-001", "编制类型": "行政编制", "核定数": 12}]}],
    )


class RowsOut(Schema):
    dry_run: bool
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]
    warnings: list[Problem]
    changes: list[ValueChange] = Field(default_factory=list, description="变更的每项现值")
    changes_omitted: int = 0
    change_set: int | None = None


@router.post("/rows", response=replies({200: RowsOut}, 400), summary="批量写入登记数据（按工作簿表头）")
def rows_write(request: HttpRequest, data: RowsIn) -> dict[str, Any]:
    """按标准工作簿的表头批量写入任意工作表的行，与导入完全相同的校验、生效日期和变更日志（来源：接口）；
    全部通过才写入，否则返回 422 及全部问题（行号从 2 起算，同工作簿）。机构表可省略。"""
    require(request, Action.IMPORT)
    unknown = sorted(set(data.sheets) - set(SHEET_NAMES))
    if unknown:
        raise ApiError(
            422,
            f"未知的工作表：{'、'.join(unknown)}",
            errors=[{"location": "body.sheets", "message": f"工作表应为：{'、'.join(SHEET_NAMES)}"}],
        )
    if not any(data.sheets.values()):
        raise ApiError(422, "没有要写入的行", errors=[{"location": "body.sheets", "message": "至少一行"}])
    result = write_rows(request, sheets={k: list(v) for k, v in data.sheets.items() if v}, meta=data)
    return {
        "dry_run": result.dry_run,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "warnings": result.warnings,
        "changes": result.changes,
        "changes_omitted": result.changes_omitted,
        "change_set": result.change_set_id,
    }
