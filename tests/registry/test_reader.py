"""The .xlsx reader streams each sheet from the file: typed cells, row numbers, error cells, the
size that chooses the import's lanes, and a sheet found damaged half-way."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import person_row, unit_row
from python_calamine_plus import CalamineWorkbook

from bianzhi.registry.importer.reader import read_sources
from bianzhi.registry.models import Person, Unit
from bianzhi.registry.services import workbook_import


def _typed_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "人员"
    sheet.append(["身份证号", "姓名", "出生日期", "原退休年龄", "备注"])
    sheet.append(["330", "张三", dt.date(1980, 1, 2), 60, 1.5])
    sheet.append([])  # row 3: blank
    sheet.append(["331", " 李四 ", dt.datetime(1981, 2, 3), 60.0, True])
    sheet.cell(row=7, column=2, value="王五")
    sheet.cell(row=7, column=5, value="#N/A")  # openpyxl writes it as an error value
    sheet.cell(row=8, column=1, value="a_x000D_b")  # OOXML's escape of a carriage return
    sheet.cell(row=8, column=3, value=dt.datetime(1981, 2, 3, 10, 30))
    units = book.create_sheet("机构")
    units.cell(row=1, column=2, value="机构代码")  # the table begins in column B
    units.cell(row=2, column=2, value="A1")
    book.create_sheet("说明").append(["not a standard sheet"])
    book.save(path)
    return path


def test_xlsx_rows_stream_typed_with_the_spreadsheets_row_numbers(tmp_path):
    sheets = read_sources(_typed_workbook(tmp_path / "typed.xlsx"))
    assert set(sheets) == {"人员", "机构"}
    people = sheets["人员"]
    assert people.headers == ["身份证号", "姓名", "出生日期", "原退休年龄", "备注"]
    assert list(people.rows) == [
        (2, ["330", "张三", dt.date(1980, 1, 2), 60, 1.5]),
        (4, ["331", " 李四 ", dt.date(1981, 2, 3), 60, True]),
        (7, ["", "王五", "", "", ""]),  # the error cell reads as empty
        (8, ["a\rb", "", dt.datetime(1981, 2, 3, 10, 30), "", ""]),
    ]
    units = sheets["机构"]
    assert units.headers == ["", "机构代码"]  # column A is read too: columns go by header
    assert list(units.rows) == [(2, ["", "A1"])]


@pytest.mark.django_db
def test_an_error_cell_is_empty_and_its_column_says_so(tmp_path):
    path = tmp_path / "errors.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "机构"
    row = unit_row("A1")
    sheet.append(list(row))
    sheet.append([("#DIV/0!" if header == "机构名称" else value) for header, value in row.items()])
    book.save(path)
    result = workbook_import(path=path, dry_run=True)
    assert not result.ok
    assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [
        (2, "机构名称", "机构名称为必填项，不能为空")
    ]


def _write_only(path: Path, rows: int, width: int = 12) -> Path:
    """A workbook as openpyxl's write-only mode writes it: no <dimension> before the cells."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("人员")
    sheet.append([f"列{i}" for i in range(width)])
    for n in range(rows):
        sheet.append([f"{n:08d}-{i}" for i in range(width)])
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        assert b"<dimension" not in archive.read("xl/worksheets/sheet1.xml")[:2000]
    return path


def test_the_size_hint_is_the_dimension_or_the_rows_counted(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "人员"
    for n in range(41):
        book.active.append([n, "x"])
    book.save(tmp_path / "dimension.xlsx")
    assert read_sources(tmp_path / "dimension.xlsx")["人员"].size_hint == 41

    assert read_sources(_write_only(tmp_path / "small.xlsx", 300))["人员"].size_hint == 301  # counted
    # More than a megabyte of cells: counted in the first megabyte, scaled to the part's size.
    large = read_sources(_write_only(tmp_path / "large.xlsx", 12_000))["人员"].size_hint
    assert 12_001 * 0.9 < large < 12_001 * 1.1


class _StreamOnly:
    """A workbook that can only stream: reading a sheet whole fails the test."""

    def __init__(self, real):
        self._real = real
        self.sheet_names = real.sheet_names

    @classmethod
    def from_path(cls, path):
        return cls(CalamineWorkbook.from_path(path))

    def stream_sheet_by_name(self, name):
        return self._real.stream_sheet_by_name(name)


@pytest.mark.django_db
def test_a_workbook_is_read_a_row_at_a_time_never_whole(monkeypatch, settings, workbook):
    import python_calamine_plus

    monkeypatch.setattr(python_calamine_plus, "CalamineWorkbook", _StreamOnly)
    settings.IMPORT_COLUMNAR_MIN_ROWS = 1  # the fast lanes read it too
    path = workbook({"机构": [unit_row("A1")], "人员": [person_row("A1"), person_row("A1")]}, fmt="xlsx")
    result = workbook_import(path=path)
    assert result.ok, result.errors
    assert Person.objects.count() == 2


def _damaged(source: Path, target: Path, part: str) -> Path:
    """A copy of the workbook whose worksheet ``part`` breaks off in the middle."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == part:
                data = data[: len(data) * 2 // 3]
            copy.writestr(info, data)
    return target


@pytest.mark.django_db
def test_a_sheet_found_damaged_half_way_rejects_the_import_and_stores_nothing(tmp_path, workbook):
    people = [person_row("A1") for _ in range(400)]
    path = workbook({"机构": [unit_row("A1")], "人员": people}, fmt="xlsx")  # 人员 is the second sheet
    damaged = _damaged(path, tmp_path / "damaged.xlsx", "xl/worksheets/sheet2.xml")
    assert read_sources(damaged)["人员"].headers[0] == "身份证号"  # the header still reads

    result = workbook_import(path=damaged)
    assert not result.ok
    assert [(e["sheet"], e["row"], e["message"]) for e in result.errors] == [("", 0, "无法读取工作表“人员”")]
    assert Unit.objects.count() == 0 and Person.objects.count() == 0


def test_sheets_read_one_after_another_share_the_open_workbook(tmp_path, monkeypatch):
    import python_calamine_plus

    opened = []

    class Counting(_StreamOnly):
        @classmethod
        def from_path(cls, path):
            opened.append(path)
            return super().from_path(path)

    monkeypatch.setattr(python_calamine_plus, "CalamineWorkbook", Counting)
    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "机构"
    for n in range(1, 6):
        book.active.append([f"机构{n}"])
    people = book.create_sheet("人员")
    for n in range(1, 6):
        people.append([f"人员{n}"])
    book.save(path)

    sheets = read_sources(path)
    assert [cells for _, cells in sheets["机构"].rows] == [[f"机构{n}"] for n in range(2, 6)]
    assert [cells for _, cells in sheets["人员"].rows] == [[f"人员{n}"] for n in range(2, 6)]
    assert len(opened) == 1  # headers and both sheets' rows, one after another: one workbook

    sheets = read_sources(path)
    units, staff = iter(sheets["机构"].rows), iter(sheets["人员"].rows)
    # Read at once, the second sheet opens the file again (one workbook streams one sheet at a time).
    assert [next(units), next(staff), next(units), next(staff)] == [
        (2, ["机构2"]),
        (2, ["人员2"]),
        (3, ["机构3"]),
        (3, ["人员3"]),
    ]
    assert len(opened) == 3
    assert [n for n, _ in units] == [4, 5] and [n for n, _ in staff] == [4, 5]


def test_a_sheets_dimension_is_taken_at_its_word_and_prefixed_rows_are_counted(tmp_path):
    from bianzhi.registry.importer.reader import _part_height

    path = tmp_path / "parts.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "says.xml", '<worksheet><dimension ref="A1:P1000001"/><sheetData><row r="1"/></sheetData></worksheet>'
        )
        archive.writestr(
            "prefixed.xml",
            '<x:worksheet><x:sheetData><x:row r="1"><x:c/></x:row><x:row r="2"/><x:row r="3">'
            "</x:row></x:sheetData><x:rowBreaks/></x:worksheet>",
        )
        archive.writestr("empty.xml", '<worksheet><dimension ref="A1"/><sheetData/></worksheet>')
    with zipfile.ZipFile(path) as archive:
        heights = {name: _part_height(archive, archive.getinfo(name)) for name in archive.namelist()}
    assert heights == {"says.xml": 1_000_001, "prefixed.xml": 3, "empty.xml": 1}


@pytest.mark.django_db
def test_a_workbook_whose_sizes_cannot_be_read_still_imports(monkeypatch, workbook):
    """The sizes only choose the lanes: a package laid out otherwise imports, through the row path."""
    from bianzhi.registry.importer import reader

    def unreadable(archive, info):
        raise KeyError(info.filename)

    monkeypatch.setattr(reader, "_part_height", unreadable)
    path = workbook({"机构": [unit_row("A1")], "人员": [person_row("A1")]}, fmt="xlsx")
    assert read_sources(path)["人员"].size_hint == 0
    result = workbook_import(path=path)
    assert result.ok, result.errors
    assert Person.objects.count() == 1


def test_sheets_are_sized_in_the_strict_namespace_too(tmp_path):
    from bianzhi.registry.importer.reader import _xlsx_heights

    strict = "http://purl.oclc.org/ooxml"
    path = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{strict}/spreadsheetml/main" xmlns:r="{strict}/officeDocument/relationships">'
            '<sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{strict}/spreadsheetml/main"><dimension ref="A1:C7"/></worksheet>',
        )
    assert _xlsx_heights(path) == {"人员": 7}
