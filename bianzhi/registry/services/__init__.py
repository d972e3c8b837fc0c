"""Writes to the register. Every function runs atomically inside a logged change set."""

from bianzhi.registry.services.imports import ImportResult, rows_import, sheets_import, workbook_import
from bianzhi.registry.services.suspensions import suspension_lift, suspension_start
from bianzhi.registry.services.uploads import (
    UploadRefused,
    UploadStateError,
    upload_path,
    workbook_upload_confirm,
    workbook_upload_create,
    workbook_upload_validate,
)

__all__ = [
    "ImportResult",
    "UploadRefused",
    "UploadStateError",
    "rows_import",
    "sheets_import",
    "suspension_lift",
    "suspension_start",
    "upload_path",
    "workbook_import",
    "workbook_upload_confirm",
    "workbook_upload_create",
    "workbook_upload_validate",
]
