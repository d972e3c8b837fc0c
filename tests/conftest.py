"""Shared fixtures: build standard workbooks in a temporary folder and import them."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bianzhi.core.validators import id_check_character
from bianzhi.registry.importer.schema import SHEET_BY_NAME

_sequence = itertools.count(1)


def make_id(birth: dt.date, gender: str = "男", region: str = "330602") -> str:
    """A valid GB 11643 number for the birth date and gender (odd 17th digit = 男)."""
    n = next(_sequence) % 500
    seq = n * 2 + (1 if gender == "男" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_character(first17)


def unit_row(code: str, kind: str = "政府工作部门", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"机构代码": code, "机构名称": f"机构{code}", "机构类型": kind}
    if kind != "内设机构" and "上级机构代码" not in extra:
        row["序列"] = "政府"
        row["区划代码"] = "330602"
    row.update(extra)
    return row


def person_row(
    unit: str,
    *,
    staffing: str = "行政编制",
    birth: dt.date = dt.date(1985, 5, 5),
    gender: str = "男",
    category: str = "公务员",
    status: str = "在编",
    **extra: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "身份证号": make_id(birth, gender),
        "姓名": "张三",
        "性别": gender,
        "出生日期": birth,
        "人员类别": category,
        "机构代码": unit,
        "编制类型": staffing,
        "人员状态": status,
    }
    row.update(extra)
    return row


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv_folder(folder: Path, sheets: dict[str, list[dict[str, Any]]], headers=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        columns = (headers or {}).get(name) or _columns(name, rows)
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
    return folder


def write_xlsx(path: Path, sheets: dict[str, list[dict[str, Any]]], headers=None) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        columns = (headers or {}).get(name) or _columns(name, rows)
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    workbook.save(path)
    return path


def _columns(name: str, rows: list[dict[str, Any]]) -> list[str]:
    present = {k for row in rows for k in row}
    ordered = [c.header for c in SHEET_BY_NAME[name].columns if c.header in present]
    return ordered + sorted(present - set(ordered))


@pytest.fixture
def workbook(tmp_path) -> Callable[..., Path]:
    counter = itertools.count(1)

    def build(sheets: dict[str, list[dict[str, Any]]], *, fmt: str = "csv", headers=None) -> Path:
        n = next(counter)
        if fmt == "xlsx":
            return write_xlsx(tmp_path / f"book{n}.xlsx", sheets, headers)
        return write_csv_folder(tmp_path / f"book{n}", sheets, headers)

    return build


@pytest.fixture
def load(workbook):
    """Import sheets and assert success; returns the ImportResult."""
    from bianzhi.registry.services import workbook_import

    def run(sheets, *, expect_ok: bool = True, **kwargs):
        result = workbook_import(path=workbook(sheets, fmt=kwargs.pop("fmt", "csv")), **kwargs)
        if expect_ok:
            assert result.ok, result.errors
        return result

    return run
