"""interchange.md §1 "Characters and size": invisible characters are errors, a workbook over the
limits is refused before it is parsed, and problems are capped per sheet and column."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.registry.importer.validate import Issues
from bianzhi.registry.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["rows", "columnar"])
def lane(request, settings):
    settings.IMPORT_COLUMNAR_MIN_ROWS = 1 if request.param == "columnar" else 1_000_000
    return request.param


@pytest.mark.parametrize("character", ["\u202e", "\u200b", "\u2066", "\ufeff", "\u200f", "\u2060"])
def test_a_bidirectional_control_or_zero_width_character_is_an_error_on_its_cell(load, lane, character):
    """Found (security review): names accepted U+202E, which disguises what a reader sees."""
    people = [person_row("A", birth=dt.date(1980, 1, 1)), person_row("A", birth=dt.date(1981, 1, 1))]
    people[1]["姓名"] = f"张{character}三"
    result = load({"机构": [unit_row("A", 机构名称=f"甲{character}局")], "人员": people}, expect_ok=False)
    code = f"U+{ord(character):04X}"
    assert [(e["sheet"], e["row"], e["column"]) for e in result.errors] == [
        ("机构", 2, "机构名称"),
        ("人员", 3, "姓名"),
    ]
    assert all(code in e["message"] and "不可见字符" in e["message"] for e in result.errors)
    assert not Person.objects.exists()


def test_problems_are_capped_per_sheet_and_column_and_the_rest_counted(load, monkeypatch):
    assert Issues.CAP == 1000  # the contract's cap; lowered below to keep the test small
    monkeypatch.setattr(Issues, "CAP", 3)
    people = [person_row("A", birth=dt.date(1980, 1, 1) + dt.timedelta(days=i)) for i in range(5)]
    for row in people:
        row["进编日期"] = "1986/10/05"  # a realistic mistake, in every row
        row["人员类别"] = "干部"
    result = load({"机构": [unit_row("A")], "人员": people}, expect_ok=False)
    document = result.as_json()
    columns = [e["column"] for e in document["errors"]]
    assert columns.count("进编日期") == 3 and columns.count("人员类别") == 3
    assert document["omitted"] == [
        {"sheet": "人员", "column": "人员类别", "count": 2},
        {"sheet": "人员", "column": "进编日期", "count": 2},
    ]


def test_a_workbook_over_the_limits_is_refused_before_it_is_read(load, settings):
    sheets = {
        "机构": [unit_row("A")],
        "人员": [person_row("A", birth=dt.date(1980, 1, 1) + dt.timedelta(days=i)) for i in range(4)],
    }
    settings.IMPORT_MAX_SHEET_ROWS = 3
    result = load(sheets, expect_ok=False)
    assert result.errors == [
        {"sheet": "人员", "row": 0, "column": "", "message": "工作表“人员”约有 4 行，超过上限 3 行，未予读取"}
    ]
    settings.IMPORT_MAX_SHEET_ROWS = 2_000_000
    settings.IMPORT_MAX_BYTES = 100
    result = load(sheets, expect_ok=False, fmt="xlsx")
    assert [(e["row"], e["message"][:6]) for e in result.errors] == [(0, "工作簿解压后")]
    assert "超过上限 100 字节" in result.errors[0]["message"]
    assert not Person.objects.exists()


def test_a_csv_sheet_is_counted_once_for_the_limits_and_the_lanes(tmp_path):
    from bianzhi.registry.importer.reader import RawSheet, line_count

    path = tmp_path / "人员.csv"
    path.write_text("身份证号\n1\n2\n", encoding="utf-8")
    opened = []
    sheet = RawSheet(name="人员", headers=["身份证号"], source=lambda: opened.append(1) or path)
    assert (line_count(sheet), line_count(sheet)) == (3, 3)
    assert opened == [1]
