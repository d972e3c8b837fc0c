"""Excel exports of the pages' tables (openpyxl): the same rows as the page — same filters, same
sort, same masking — on every page, with a second sheet stating the conditions of the export;
columns fitted to their content, an autofilter on the header, file names without repeated words."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
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


#: column widths in Excel's character units: at least the header's, at most this
MAX_WIDTH = 60
MIN_WIDTH = 6


def text_width(value: Any) -> int:
    """The width of a value as Excel shows it: a CJK (full-width) character takes two units."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        text = f"{value:.1%}" if 0 <= value <= 1 else f"{value:g}"
    else:
        text = str(value)
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def export_columns(table: Table) -> list[Column]:
    """The columns of a table's Excel copy (a table may add some, as the unit tree its level)."""
    return list(getattr(table, "export_columns", None) or table.columns)


def file_name(page_title: str, table_title: str, day: dt.date) -> str:
    """``<page>-<table>-<day>.xlsx`` without repeating a word: the table's title is left out when
    the page's title says it already (机构-机构 → 机构), and the page's when the table's says it."""
    page, title = page_title.strip(), table_title.strip()
    if not title or title in page:
        words = [page]
    elif not page or page in title:
        words = [title]
    else:
        words = [page, title]
    return "-".join([*words, day.isoformat()]).replace("/", "-") + ".xlsx"


def table_workbook(table: Table, *, page_title: str, conditions: list[tuple[str, str]]) -> bytes:
    """The table's rows on a first sheet (a frozen, bold header with an autofilter, columns fitted to
    their content up to MAX_WIDTH; rows with a ``depth`` grouped in an outline by it) and the
    conditions of the export on a second."""
    columns = export_columns(table)
    rows = list(table.rows())
    values = [[_value(column, row) for column in columns] for row in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(table.title)[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        widest = max([text_width(str(column.label)), *(text_width(line[index - 1]) for line in values)])
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))
    if "depth" in (rows[0] if rows else {}):
        sheet.sheet_properties.outlinePr.summaryBelow = False
        for number, row in enumerate(rows, start=2):
            level = min(7, int(row.get("depth") or 0))
            if level:
                sheet.row_dimensions[number].outline_level = level
    header = []
    for column in columns:
        cell = text_safe(WriteOnlyCell(sheet, value=str(column.label)))
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    sheet.append(header)
    formats = [_format(c) for c in columns]
    for line in values:
        cells = []
        for value, number_format in zip(line, formats, strict=True):
            cell = text_safe(WriteOnlyCell(sheet, value=value))
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    about = workbook.create_sheet(_("Conditions"))
    # The rows are those written (a tree's export has more than its page's top rows).
    stated = [(label, str(len(rows)) if label == _("Rows") else value) for label, value in conditions]
    lines = [(_("Page"), page_title), (_("Table"), str(table.title)), *stated]
    about.column_dimensions["A"].width = min(MAX_WIDTH, max(text_width(label) for label, _v in lines) + 2)
    about.column_dimensions["B"].width = min(MAX_WIDTH, max(text_width(value) for _l, value in lines) + 2)
    for label, value in lines:
        about.append([text_safe(WriteOnlyCell(about, value=str(text))) for text in (label, value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_export_response(table: Table, *, page_title: str, conditions: list[tuple[str, str]]) -> HttpResponse:
    content = table_workbook(table, page_title=page_title, conditions=conditions)
    response = HttpResponse(content, content_type=XLSX)
    filename = file_name(page_title, str(table.title), table.day)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    return response
