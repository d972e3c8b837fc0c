"""Read an .xlsx workbook, a folder of UTF-8 CSV files or a .zip of them into raw sheets.

Cells are returned as the reader gives them (str, float, int, bool, date, datetime); typing and
normalisation are the validator's job because they depend on the column.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

SHEET_NAMES = ("机构", "编制", "职数", "周转编制", "限额", "人员")


class UnreadableFile(Exception):
    """The file is not a workbook, CSV folder or zip we can read (reported with row 0)."""


@dataclass
class RawSheet:
    name: str
    headers: list[str]
    #: (spreadsheet row number, cells) for every non-empty data row; the header is row 1. Large
    #: sheets stream: the rows are read from the file as they are iterated, once.
    rows: Iterable[tuple[int, list[Any]]] = field(default_factory=list)
    #: every cell is text (CSV): the roster may take the column-wise fast lane (columnar/)
    text_only: bool = False
    #: the CSV file itself (a path, or the bytes of a zip member), for a column-wise reader
    source: Callable[[], Path | bytes] | None = None
    #: rows the workbook says the sheet has (xlsx; header included), 0 when it does not say
    size_hint: int = 0


def normalise_header(value: Any) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _is_blank(cell: Any) -> bool:
    if cell is None:
        return True
    if isinstance(cell, str):
        return unicodedata.normalize("NFKC", cell).strip() == ""
    return False


def _data_rows(rows: Iterator[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    """Number the rows after the header (row 2 on) and skip the blank ones."""
    for number, cells in enumerate(rows, start=2):
        for cell in cells:
            if cell is not None and cell != "" and not _is_blank(cell):
                yield number, cells
                break


def _sheet_from_rows(
    name: str,
    open_rows: Callable[[], Iterator[list[Any]]],
    *,
    source: Callable[[], Path | bytes] | None = None,
    size_hint: int = 0,
) -> RawSheet:
    """A sheet whose header is read now and whose data rows stream from ``open_rows()`` later."""
    rows = open_rows()
    header = next(rows, [])
    headers = [normalise_header(c) for c in header]

    def data() -> Iterator[tuple[int, list[Any]]]:
        yield from _data_rows(rows)

    return RawSheet(
        name=name, headers=headers, rows=data(), text_only=source is not None, source=source, size_hint=size_hint
    )


def read_sources(path: Path) -> dict[str, RawSheet]:
    """Return the standard sheets found at ``path`` keyed by sheet name."""
    if path.is_dir():
        return _read_csv_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".zip" or (
        suffix not in {".xlsx", ".xlsm"} and zipfile.is_zipfile(path) and not _looks_like_xlsx(path)
    ):
        return _read_zip(path)
    if suffix == ".csv":
        name = normalise_header(path.stem)
        if name not in SHEET_NAMES:
            raise UnreadableFile(f"CSV 文件名“{path.name}”不是标准工作表名（{'、'.join(SHEET_NAMES)}）")
        return {name: _read_csv_file(name, path)}
    return _read_xlsx(path)


def _looks_like_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _read_xlsx(path: Path) -> dict[str, RawSheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for a non-workbook
        raise UnreadableFile("无法读取文件：不是有效的 Excel 工作簿（.xlsx）、CSV 文件夹或 zip 压缩包") from exc
    sheets: dict[str, RawSheet] = {}
    for sheet_name in workbook.sheet_names:
        name = normalise_header(sheet_name)
        if name not in SHEET_NAMES or name in sheets:
            continue
        try:
            sheet = workbook.get_sheet_by_name(sheet_name)
            sheets[name] = _sheet_from_rows(name, partial(_xlsx_rows, sheet), size_hint=sheet.height)
        except Exception as exc:
            raise UnreadableFile(f"无法读取工作表“{sheet_name}”") from exc
    return sheets


def _xlsx_rows(sheet: Any) -> Iterator[list[Any]]:
    return iter(sheet.iter_rows())


def _zip_rows(path: Path, info: zipfile.ZipInfo, name: str) -> Iterator[list[str]]:
    return _csv_stream(name, zipfile.ZipFile(path).open(info))


def line_count(sheet: RawSheet) -> int:
    """Lines of a CSV sheet's file (the rows the workbook reports for xlsx), counted without
    decoding it."""
    if sheet.source is None:
        return sheet.size_hint
    source = sheet.source()
    if isinstance(source, bytes):
        return source.count(b"\n")
    count = 0
    with source.open("rb") as handle:
        while block := handle.read(1 << 22):
            count += block.count(b"\n")
    return count


def _zip_bytes(path: Path, info: zipfile.ZipInfo) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(info)


def _csv_stream(name: str, binary: IO[bytes]) -> Iterator[list[str]]:
    """Stream a UTF-8 CSV (BOM or not); a file that is not UTF-8 is unreadable."""
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")  # type: ignore[type-var]
    try:
        yield from csv.reader(text)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{name}.csv 不是 UTF-8 编码的文本（请在 Excel 中另存为“CSV UTF-8”）") from exc
    finally:
        text.close()


def _read_csv_file(name: str, path: Path) -> RawSheet:
    try:
        return _sheet_from_rows(name, lambda: _csv_stream(name, path.open("rb")), source=lambda: path)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{name}.csv 不是 UTF-8 编码的文本（请在 Excel 中另存为“CSV UTF-8”）") from exc


def _read_csv_folder(folder: Path) -> dict[str, RawSheet]:
    sheets: dict[str, RawSheet] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix.lower() == ".csv":
            name = normalise_header(entry.stem)
            if name in SHEET_NAMES and name not in sheets:
                sheets[name] = _read_csv_file(name, entry)
    return sheets


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:
        # Windows archivers store GBK names without the UTF-8 flag; zipfile decoded them as cp437.
        raw = name.encode("cp437", errors="replace")
        for encoding in ("utf-8", "gbk"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    return name


def _read_zip(path: Path) -> dict[str, RawSheet]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile("无法读取文件：不是有效的 Excel 工作簿（.xlsx）、CSV 文件夹或 zip 压缩包") from exc
    sheets: dict[str, RawSheet] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            member = _zip_member_name(info)
            base = member.rsplit("/", 1)[-1]
            if base.startswith(".") or "__MACOSX" in member or not base.lower().endswith(".csv"):
                continue
            name = normalise_header(base[:-4])
            if name in SHEET_NAMES and name not in sheets:
                sheets[name] = _sheet_from_rows(
                    name, partial(_zip_rows, path, info, name), source=partial(_zip_bytes, path, info)
                )
    return sheets
