"""Workbooks for import in the browser: the blank template and the checked copy of an upload.

Both are generated from the single declaration of the standard workbook
(:data:`bianzhi.registry.importer.schema.SHEETS`, interchange.md §1) with openpyxl, and both are
pure: files and problem lists in, workbooks out, no database.

* :func:`template_workbook` — one sheet per standard sheet with the headers in order, a note on
  every header stating its rule, the enumerations as drop-down lists (data validation on a hidden
  代码表 sheet), 身份证号 as text, dates as dates, and a 说明 sheet.
* :func:`annotated_workbook` — the uploaded workbook with every cell of the report filled (red for
  an error, yellow for a warning) and commented with its messages, plus a 错误清单 sheet. Past
  :data:`HIGHLIGHT_MAX_ROWS` data rows styling every cell would need the whole workbook in memory,
  so the original comes back untouched with only the 错误清单 sheet added.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr  # nosec B406 # escapes text written into XML, parses nothing

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from bianzhi.registry.importer.reader import SHEET_NAMES, UnreadableFile, normalise_header, read_sources
from bianzhi.registry.importer.schema import SHEETS, Column, SheetSpec

#: Up to this many data rows the checked copy highlights and comments the bad cells; larger
#: uploads get the original back with a 错误清单 sheet instead.
HIGHLIGHT_MAX_ROWS = 50_000

ERROR_COLOR = "FFFFC7CE"  # red (Excel's "bad" fill)
WARNING_COLOR = "FFFFEB9C"  # yellow (Excel's "neutral" fill)
ERROR_FILL = PatternFill(fill_type="solid", start_color=ERROR_COLOR, end_color=ERROR_COLOR)
WARNING_FILL = PatternFill(fill_type="solid", start_color=WARNING_COLOR, end_color=WARNING_COLOR)

PROBLEM_SHEET = "错误清单"
CODE_SHEET = "代码表"
GUIDE_SHEET = "说明"
AUTHOR = "机构编制数字化管理平台"
ERROR_LABEL = "错误"
WARNING_LABEL = "提示"

_LAST_ROW = 1_048_576  # Excel's last row: validations and formats cover whole columns
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_REQUIRED_FONT = Font(bold=True, color="FF9C0006")
_OPTIONAL_FONT = Font(bold=True)
_DATE_FORMAT = "yyyy-mm-dd"
_COMMENT_LIMIT = 30_000  # Excel keeps at most 32,767 characters in a note


# ---------------------------------------------------------------- the blank template


def column_rule(col: Column) -> list[str]:
    """The rule of one column in Chinese, one line per point (the header's note and the 说明 sheet)."""
    lines = ["必填" if col.required else "选填（可留空，不用时可删去整列）"]
    if col.kind == "id":
        lines.append("格式：文本（本列已设为文本格式），18 位，末位可为 X；不要存为数字")
    elif col.kind == "date":
        lines.append("格式：日期，填日期单元格或 YYYY-MM-DD 形式的文本")
    elif col.kind == "month":
        lines.append("格式：年月，填 YYYY-MM 形式的文本（如 2036-11），或日期单元格（取其所在月份）")
    elif col.kind == "int":
        lines.append("格式：整数")
    elif col.kind == "enum":
        lines.append("格式：从下拉列表中选择")
    elif col.kind == "bool":
        lines.append("格式：从下拉列表中选择“是”或“否”")
    elif col.kind == "tags":
        lines.append("格式：可填多项，以“、”“;”或“,”分隔；下拉列表可选其中一项")
    else:
        lines.append("格式：文本")
    if col.choices:
        lines.append("可选值：" + "、".join(col.choices))
    if col.note:
        lines.append("规则：" + col.note)
    return lines


def _choice_values(col: Column) -> list[Any]:
    # Integer columns with choices (原退休年龄) offer numbers, so that a picked value is an integer.
    return [int(c) for c in col.choices] if col.kind == "int" else list(col.choices)


def _code_lists(sheets: Iterable[SheetSpec]) -> dict[tuple[str, tuple[str, ...]], str]:
    """Each distinct list of choices → its column letter on the 代码表 sheet."""
    lists: dict[tuple[str, tuple[str, ...]], str] = {}
    for spec in sheets:
        for col in spec.columns:
            key = (col.header, col.choices)
            if col.choices and key not in lists:
                lists[key] = get_column_letter(len(lists) + 1)
    return lists


def _validation(col: Column, code_range: str | None) -> DataValidation | None:
    common = {"allow_blank": True, "showErrorMessage": True, "errorTitle": col.header, "promptTitle": col.header}
    if code_range is not None:
        # Tags may combine several values, so there the list only helps and never refuses.
        strict = col.kind != "tags"
        return DataValidation(
            type="list",
            formula1=code_range,
            showDropDown=False,  # (sic) False shows the in-cell arrow
            error=f"请从下拉列表中选择{col.header}",
            errorStyle="stop" if strict else "information",
            **{**common, "showErrorMessage": strict},
        )
    if col.kind == "date":
        return DataValidation(
            type="date",
            operator="between",
            formula1="1",
            formula2="2958465",
            error=f"{col.header}应为日期（YYYY-MM-DD）",
            **common,
        )
    if col.kind == "int":
        minimum = 1 if "> 0" in col.note else 0
        return DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1=str(minimum),
            error=f"{col.header}应为不小于 {minimum} 的整数",
            **common,
        )
    if col.kind == "id":
        return DataValidation(
            type="textLength",
            operator="equal",
            formula1="18",
            error="身份证号应为 18 位文本",
            **common,
        )
    return None


def _width(texts: Iterable[str]) -> float:
    # CJK characters are about twice as wide as Latin ones.
    longest = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) for text in texts), default=8)
    return min(max(longest + 2, 10), 40)


def _note(text: str, *, width: int = 260) -> Comment:
    comment = Comment(text[:_COMMENT_LIMIT], AUTHOR)
    lines = sum(max(1, len(line) // 16 + 1) for line in text.splitlines()) or 1
    comment.width = width
    comment.height = min(20 * lines + 20, 400)
    return comment


def _guide(sheet: Worksheet) -> None:
    sheet.append(["机构编制实名制数据标准工作簿（导入模板）"])
    sheet["A1"].font = Font(bold=True, size=14)
    rules = [
        "填写说明：",
        "1. 每个工作表的第 1 行是表头，不要修改表头文字；列的顺序可以调整，选填列不用时可以整列删除，多出的列会被忽略。",
        "2. 除“机构”外，其他工作表都可以不填或删除；数据从第 2 行开始，全空的行会被跳过。",
        "3. 红色表头为必填列；把鼠标移到表头上可以看到该列的填写规则；有下拉箭头的列请从列表中选择。",
        "4. 身份证号必须存为文本（本模板已设好文本格式），否则 Excel 会把 18 位号码截断。",
        "5. 日期填日期单元格，或 YYYY-MM-DD 形式的文本（如 2026-01-31）。",
        "6. 导入要么全部成功，要么一条也不写入：有任何错误时不保存数据，并列出全部问题（错误须改正；提示不阻止导入）。",
        "7. 再次导入时按关键字更新已有数据（机构代码；机构代码+编制类型；身份证号等），不会删除工作簿中没有的数据；"
        "工作簿中有该列但单元格为空，会清空已有的值。",
        "8. 也可以把各工作表另存为“CSV UTF-8”文件（机构.csv、编制.csv……）后打包成 .zip 上传。",
        "",
        "各工作表的列：",
    ]
    for line in rules:
        sheet.append([line])
    header_row = sheet.max_row + 1
    sheet.append(["工作表", "表头", "必填", "格式与规则"])
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for spec in SHEETS:
        for col in spec.columns:
            rule = column_rule(col)
            sheet.append([spec.name, col.header, "是" if col.required else "否", "；".join(rule[1:])])
            sheet.cell(sheet.max_row, 4).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 6
    sheet.column_dimensions["D"].width = 100


def build_template() -> Workbook:
    """The blank standard workbook (see the module docstring)."""
    workbook = openpyxl.Workbook()
    guide = workbook.active
    assert guide is not None  # nosec B101 # type narrowing: a new openpyxl workbook always has its sheet
    guide.title = GUIDE_SHEET
    _guide(guide)

    lists = _code_lists(SHEETS)
    for spec in SHEETS:
        sheet = workbook.create_sheet(spec.name)
        sheet.freeze_panes = "A2"
        for index, col in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            cell = sheet.cell(1, index, col.header)
            cell.font = _REQUIRED_FONT if col.required else _OPTIONAL_FONT
            cell.fill = _HEADER_FILL
            cell.comment = _note("\n".join([col.header, *column_rule(col)]))
            dimension = sheet.column_dimensions[letter]
            dimension.width = _width([col.header, *col.choices[:1]])
            if col.kind in ("id", "month"):  # a typed 2036-11 stays text rather than becoming a date
                dimension.number_format = "@"
            elif col.kind == "date":
                dimension.number_format = _DATE_FORMAT
            code_letter = lists.get((col.header, col.choices))
            code_range = None
            if code_letter:
                last = len(col.choices) + 1
                code_range = f"{quote_sheetname(CODE_SHEET)}!${code_letter}$2:${code_letter}${last}"
            validation = _validation(col, code_range)
            if validation is not None:
                sheet.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}{_LAST_ROW}")
    # The lists the drop-downs point at, on a hidden last sheet; the 机构 sheet opens first.
    codes = workbook.create_sheet(CODE_SHEET)
    for (header, _), letter in lists.items():
        codes[f"{letter}1"] = header
    for spec in SHEETS:
        for col in spec.columns:
            letter = lists.get((col.header, col.choices))
            if letter and codes[f"{letter}2"].value is None:
                for row, value in enumerate(_choice_values(col), start=2):
                    codes[f"{letter}{row}"] = value
    codes.sheet_state = "hidden"
    workbook.active = workbook.sheetnames.index(SHEETS[0].name)
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = sheet.title == SHEETS[0].name
    workbook.properties.creator = AUTHOR
    workbook.properties.title = "机构编制实名制数据标准工作簿"
    return workbook


@functools.lru_cache(maxsize=1)
def template_workbook() -> bytes:
    """The blank template as .xlsx bytes, built once per process."""
    buffer = io.BytesIO()
    build_template().save(buffer)
    return buffer.getvalue()


TEMPLATE_FILE_NAME = "机构编制实名制导入模板.xlsx"


# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One line of a validation report (interchange.md §1, "Errors")."""

    error: bool
    sheet: str
    row: int
    column: str
    message: str

    @property
    def label(self) -> str:
        return ERROR_LABEL if self.error else WARNING_LABEL


def problems_of(errors: Iterable[dict[str, Any]], warnings: Iterable[dict[str, Any]]) -> list[Problem]:
    """Errors and warnings of a report in one list, by sheet (in workbook order), row, then errors
    before warnings, then column in the sheet's declared order."""
    order = {name: i for i, name in enumerate(SHEET_NAMES)}
    headers = {spec.name: [c.header for c in spec.columns] for spec in SHEETS}

    def key(p: Problem) -> tuple:
        columns = headers.get(p.sheet, [])
        column = columns.index(p.column) if p.column in columns else len(columns)
        return (order.get(p.sheet, -1), p.row, not p.error, column)

    found = [
        Problem(error, str(p.get("sheet") or ""), int(p.get("row") or 0), str(p.get("column") or ""), str(p["message"]))
        for error, items in ((True, errors), (False, warnings))
        for p in items
    ]
    return sorted(found, key=key)


@dataclass
class CellMark:
    """What one cell of the checked copy says: its problems, red if any is an error."""

    problems: list[Problem]

    @property
    def error(self) -> bool:
        return any(p.error for p in self.problems)

    @property
    def text(self) -> str:
        return "\n".join(f"{p.label}：{p.message}" for p in self.problems)


def locate(problems: Iterable[Problem], headers: dict[str, list[str]]) -> dict[tuple[str, int, int], CellMark]:
    """The cell of each problem: (sheet, row, 1-based column) → its mark.

    ``headers`` are each sheet's normalised header row as found in the file. A problem sits on its
    row (row 0: the header row) in the column of its header; a header the sheet lacks (a required
    header missing) gets a column of its own after the last header, so its problems still point at
    where the column belongs. Problems of a sheet the file does not have, or of no sheet at all,
    have no cell: they are only listed on the 错误清单 sheet.
    """
    marks: dict[tuple[str, int, int], CellMark] = {}
    extra: dict[tuple[str, str], int] = {}
    for problem in problems:
        sheet_headers = headers.get(problem.sheet)
        if sheet_headers is None:
            continue
        if problem.column in sheet_headers:
            column = sheet_headers.index(problem.column) + 1
        elif problem.column:
            slot = (problem.sheet, problem.column)
            if slot not in extra:
                extra[slot] = len(sheet_headers) + 1 + sum(1 for s, _ in extra if s == problem.sheet)
            column = extra[slot]
        else:
            column = 1
        row = max(problem.row, 1)
        marks.setdefault((problem.sheet, row, column), CellMark([])).problems.append(problem)
    return marks


# ---------------------------------------------------------------- the checked copy


@dataclass(frozen=True)
class Annotation:
    """What :func:`annotated_workbook` produced."""

    highlighted: bool  # bad cells filled and commented (else only the 错误清单 sheet was added)
    data_rows: int
    problems: int


def count_rows(source: Path) -> dict[str, int]:
    """Non-empty data rows of each standard sheet, as the import reads them (none if unreadable)."""
    try:
        sheets = read_sources(source)
        return {name: sum(1 for _ in raw.rows) for name, raw in sheets.items()}
    except (UnreadableFile, OSError, UnicodeDecodeError):
        return {}


def annotated_workbook(
    *,
    source: Path,
    target: Path,
    errors: Iterable[dict[str, Any]],
    warnings: Iterable[dict[str, Any]] = (),
    data_rows: int | None = None,
    max_rows: int | None = None,
) -> Annotation:
    """Write to ``target`` (.xlsx) the upload at ``source`` with its problems marked.

    Up to ``max_rows`` (default :data:`HIGHLIGHT_MAX_ROWS`) data rows: every cell of the report is
    filled red (error) or yellow (warning) and carries a note with its messages; header-level
    problems (row 0) sit on the header row. Larger files come back as they were, with only a
    错误清单 sheet listing every problem. An .xlsx is read with openpyxl; CSV files and zips of
    them are rebuilt into a workbook with the same row numbers.
    """
    limit = HIGHLIGHT_MAX_ROWS if max_rows is None else max_rows
    problems = problems_of(errors, warnings)
    rows = sum(count_rows(source).values()) if data_rows is None else data_rows
    is_xlsx = _is_xlsx(source)
    if rows > limit:
        if not (is_xlsx and _inject_problem_sheet(source, target, problems)):
            _stream_rebuild(source, target, problems)
        return Annotation(highlighted=False, data_rows=rows, problems=len(problems))
    workbook = _open_for_marking(source, is_xlsx)
    _highlight(workbook, problems)
    _add_problem_sheet(workbook, problems, links=True)
    workbook.save(target)
    return Annotation(highlighted=True, data_rows=rows, problems=len(problems))


def _is_xlsx(source: Path) -> bool:
    if source.suffix.lower() not in {".xlsx", ".xlsm"} or not zipfile.is_zipfile(source):
        return False
    try:
        with zipfile.ZipFile(source) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _open_for_marking(source: Path, is_xlsx: bool) -> Workbook:
    if is_xlsx:
        try:
            return openpyxl.load_workbook(source, keep_vba=False, keep_links=False)
        except Exception:  # nosec B110 # openpyxl raises many kinds for files it cannot take; rebuild below
            pass
    workbook = openpyxl.Workbook()
    first = workbook.active
    for name, headers, rows in _read_rows(source):
        sheet = workbook.create_sheet(name)
        for index, header in enumerate(headers, start=1):
            _set_literal(sheet.cell(1, index), header)
        for number, cells in rows:
            for index, value in enumerate(cells, start=1):
                if value is not None and value != "":
                    _set_literal(sheet.cell(number, index), value)
    if first is not None:
        workbook.remove(first)  # the 错误清单 sheet added next keeps the workbook from being empty
    return workbook


def _set_literal(cell: Any, value: Any) -> Any:
    """Put a value read from the upload into a cell as the value itself: text that starts with
    “=” stays text rather than becoming a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _read_rows(source: Path) -> Iterator[tuple[str, list[Any], Iterable[tuple[int, list[Any]]]]]:
    """The standard sheets of any upload as (name, raw header cells, numbered data rows)."""
    try:
        sheets = read_sources(source)
    except (UnreadableFile, OSError):
        return
    for name in SHEET_NAMES:
        if name in sheets:
            raw = sheets[name]
            yield name, list(raw.headers), raw.rows


def _sheet_headers(workbook: Workbook) -> dict[str, tuple[Worksheet, list[str]]]:
    """Each standard sheet of the workbook (the first whose name matches, as the import reads it)
    with its normalised headers."""
    found: dict[str, tuple[Worksheet, list[str]]] = {}
    for sheet in workbook.worksheets:
        name = normalise_header(sheet.title)
        if name in SHEET_NAMES and name not in found:
            header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
            found[name] = (sheet, [normalise_header(v) for v in header])
    return found


def _highlight(workbook: Workbook, problems: list[Problem]) -> None:
    sheets = _sheet_headers(workbook)
    marks = locate(problems, {name: headers for name, (_, headers) in sheets.items()})
    for (name, row, column), mark in marks.items():
        cell = sheets[name][0].cell(row, column)
        cell.fill = ERROR_FILL if mark.error else WARNING_FILL
        cell.comment = _note(mark.text)


def _location(problem: Problem) -> str:
    if not problem.sheet:
        return "整个文件"
    if problem.row == 0:
        return f"{problem.sheet} 表头"
    return f"{problem.sheet} 第 {problem.row} 行"


def _problem_rows(problems: list[Problem]) -> Iterator[list[Any]]:
    yield ["类别", "工作表", "行", "列", "问题"]
    for p in problems:
        yield [p.label, p.sheet, p.row, p.column, p.message]


def _add_problem_sheet(workbook: Workbook, problems: list[Problem], *, links: bool) -> None:
    if PROBLEM_SHEET in workbook.sheetnames:
        workbook.remove(workbook[PROBLEM_SHEET])
    sheet = workbook.create_sheet(PROBLEM_SHEET)
    for number, row in enumerate(_problem_rows(problems), start=1):
        for index, value in enumerate(row, start=1):  # sheet and column names come from the upload
            _set_literal(sheet.cell(number, index), value)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (6, 10, 8, 16, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    if not links:
        return
    headers = {name: h for name, (_, h) in _sheet_headers(workbook).items()}
    cells = {id(p): key for key, mark in locate(problems, headers).items() for p in mark.problems}
    titles = {normalise_header(s.title): s.title for s in workbook.worksheets}
    for index, problem in enumerate(problems, start=2):
        key = cells.get(id(problem))
        row_cell = sheet.cell(index, 1)
        row_cell.fill = ERROR_FILL if problem.error else WARNING_FILL
        if key is not None:
            name, target_row, column = key
            link = sheet.cell(index, 5)
            location = f"{quote_sheetname(titles[name])}!{get_column_letter(column)}{target_row}"
            link.hyperlink = Hyperlink(ref=link.coordinate, location=location, display=problem.message)
            link.font = Font(color="FF0563C1", underline="single")


# ---------------------------------------------------------------- large files


def _stream_rebuild(source: Path, target: Path, problems: list[Problem]) -> None:
    """A large CSV upload (or an .xlsx whose parts cannot be amended) rebuilt in write-only mode:
    its standard sheets with the same row numbers, then the 错误清单 sheet."""
    workbook = openpyxl.Workbook(write_only=True)
    for name, headers, rows in _read_rows(source):
        sheet = workbook.create_sheet(name)
        sheet.append([_set_literal(WriteOnlyCell(sheet), value) for value in headers])
        expected = 2
        for number, cells in rows:
            while expected < number:  # keep the spreadsheet's own row numbers
                sheet.append([])
                expected += 1
            sheet.append([_set_literal(WriteOnlyCell(sheet), value) for value in cells])
            expected += 1
    problem_sheet = workbook.create_sheet(PROBLEM_SHEET)
    for row in _problem_rows(problems):
        problem_sheet.append([_set_literal(WriteOnlyCell(problem_sheet), value) for value in row])
    workbook.save(target)


_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WORKSHEET_TYPE = f"{_REL_NS}/worksheet"
_WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _inject_problem_sheet(source: Path, target: Path, problems: list[Problem]) -> bool:
    """Copy the .xlsx part by part and add a 错误清单 worksheet (inline strings), leaving every
    other part byte for byte as it was. False if the package is not laid out as expected."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
            workbook_xml = archive.read("xl/workbook.xml").decode("utf-8")
            rels_xml = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            types_xml = archive.read("[Content_Types].xml").decode("utf-8")
            prefix = re.search(r'xmlns:(\w+)="' + re.escape(_REL_NS) + '"', workbook_xml)
            sheets_end = re.search(r"</(\w+:)?sheets>", workbook_xml)
            rels_end = re.search(r"</(\w+:)?Relationships>", rels_xml)
            types_end = re.search(r"</(\w+:)?Types>", types_xml)
            if not (prefix and sheets_end and rels_end and types_end):
                return False
            main_prefix = sheets_end.group(1) or ""
            used_titles = {
                normalise_header(t) for t in re.findall(r'<(?:\w+:)?sheet [^>]*name="([^"]*)"', workbook_xml)
            }
            title = PROBLEM_SHEET
            suffix = 1
            while normalise_header(title) in used_titles:
                suffix += 1
                title = f"{PROBLEM_SHEET}{suffix}"
            sheet_ids = [int(i) for i in re.findall(r'<(?:\w+:)?sheet [^>]*sheetId="(\d+)"', workbook_xml)]
            rel_ids = set(re.findall(r'Id="([^"]+)"', rels_xml))
            number = 1
            while f"xl/worksheets/sheet{number}.xml" in names:
                number += 1
            part = f"worksheets/sheet{number}.xml"
            rel_id = next(f"rId{i}" for i in range(1, len(rel_ids) + 2) if f"rId{i}" not in rel_ids)
            # The relationships prefix is declared on the element itself: a writer may declare it on
            # each <sheet> rather than on the root (openpyxl does when lxml is installed).
            sheet_entry = (
                f'<{main_prefix}sheet name={quoteattr(title)} sheetId="{max(sheet_ids, default=0) + 1}" '
                f'xmlns:{prefix.group(1)}="{_REL_NS}" {prefix.group(1)}:id="{rel_id}"/>'
            )
            workbook_xml = workbook_xml[: sheets_end.start()] + sheet_entry + workbook_xml[sheets_end.start() :]
            rel_entry = f'<Relationship Id="{rel_id}" Type="{_WORKSHEET_TYPE}" Target="{part}"/>'
            rels_xml = rels_xml[: rels_end.start()] + rel_entry + rels_xml[rels_end.start() :]
            type_entry = f'<Override PartName="/xl/{part}" ContentType="{_WORKSHEET_CONTENT}"/>'
            types_xml = types_xml[: types_end.start()] + type_entry + types_xml[types_end.start() :]
            replaced = {
                "xl/workbook.xml": workbook_xml,
                "xl/_rels/workbook.xml.rels": rels_xml,
                "[Content_Types].xml": types_xml,
            }
            with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
                for info in archive.infolist():
                    if info.filename in replaced:
                        out.writestr(info.filename, replaced[info.filename].encode("utf-8"))
                        continue
                    with archive.open(info) as src, out.open(info.filename, "w") as dst:
                        shutil.copyfileobj(src, dst, 1024 * 1024)
                with out.open(f"xl/{part}", "w") as dst:
                    for chunk in _sheet_xml(_problem_rows(problems)):
                        dst.write(chunk.encode("utf-8"))
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, OSError):
        target.unlink(missing_ok=True)
        return False
    return True


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _sheet_xml(rows: Iterable[list[Any]]) -> Iterator[str]:
    """A minimal SpreadsheetML worksheet with inline strings and numbers."""
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews>'
        '<cols><col min="1" max="1" width="6" customWidth="1"/><col min="2" max="2" width="10" customWidth="1"/>'
        '<col min="3" max="3" width="8" customWidth="1"/><col min="4" max="4" width="16" customWidth="1"/>'
        '<col min="5" max="5" width="80" customWidth="1"/></cols><sheetData>'
    )
    for number, row in enumerate(rows, start=1):
        cells = []
        for index, value in enumerate(row, start=1):
            ref = f"{get_column_letter(index)}{number}"
            if isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value not in (None, ""):
                text = escape(_ILLEGAL_XML.sub("", str(value)))
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        yield f'<row r="{number}">{"".join(cells)}</row>'
    yield "</sheetData></worksheet>"


def annotated_file_name(original: str) -> str:
    """``人员.csv`` → ``人员-校验结果.xlsx``."""
    stem = Path(original).stem or "工作簿"
    return f"{stem}-校验结果.xlsx"
