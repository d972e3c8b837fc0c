"""Excel exports of the pages' tables (openpyxl): the same rows as the page — same filters, same
sort, same masking — on every page, with a second sheet stating the conditions of the export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bianzhi.core.dates import SHANGHAI
from bianzhi.web.tables import Column, Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")


def _value(column: Column, row: dict[str, Any]) -> Any:
    value = row.get(column.key)
    if column.kind == "colour":
        value = row.get("colour_label", value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, SHANGHAI).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def text_safe(cell: WriteOnlyCell) -> WriteOnlyCell:
    """Every cell the platform writes is data, never a formula: openpyxl takes a string starting
    with “=” for one (a unit HR officer's 职务 ``=HYPERLINK(…)`` would run in an officer's Excel),
    so text is written as text explicitly."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def _format(column: Column) -> str | None:
    return {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "percent": "0.0%"}.get(column.kind)


def table_workbook(table: Table, *, page_title: str, conditions: list[tuple[str, str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(table.title)[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 40 if column.key in {"message", "difference"} else 16
    header = []
    for column in table.columns:
        cell = text_safe(WriteOnlyCell(sheet, value=str(column.label)))
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    sheet.append(header)
    formats = [_format(c) for c in table.columns]
    for row in table.rows():
        cells = []
        for column, number_format in zip(table.columns, formats, strict=True):
            cell = text_safe(WriteOnlyCell(sheet, value=_value(column, row)))
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    about = workbook.create_sheet(_("Conditions"))
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 60
    for label, value in [(_("Page"), page_title), (_("Table"), str(table.title)), *conditions]:
        about.append([text_safe(WriteOnlyCell(about, value=str(text))) for text in (label, value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_export_response(table: Table, *, page_title: str, conditions: list[tuple[str, str]]) -> HttpResponse:
    content = table_workbook(table, page_title=page_title, conditions=conditions)
    response = HttpResponse(content, content_type=XLSX)
    filename = f"{page_title}-{table.title}-{table.day.isoformat()}.xlsx".replace("/", "-")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    return response
