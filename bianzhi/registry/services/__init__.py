"""Writes to the register. Every function runs atomically inside a logged change set."""

from bianzhi.registry.services.imports import ImportResult, rows_import, sheets_import, workbook_import
from bianzhi.registry.services.suspensions import suspension_lift, suspension_start

__all__ = [
    "ImportResult",
    "rows_import",
    "sheets_import",
    "suspension_lift",
    "suspension_start",
    "workbook_import",
]
