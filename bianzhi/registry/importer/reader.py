"""Read an .xlsx workbook, a folder of UTF-8 CSV files or a .zip of them into raw sheets.

Cells are returned as the reader gives them (str, float, int, bool, date, datetime); typing and
normalisation are the validator's job because they depend on the column.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from defusedxml import ElementTree

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
    #: the lines of the CSV file counted as it streams (a zip member: never read whole to count it)
    count_lines: Callable[[], int] | None = None


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
    """Return the standard sheets found at ``path`` keyed by sheet name.

    A workbook larger unpacked than ``settings.IMPORT_MAX_BYTES`` is refused before anything is
    parsed, whoever asks (the import checks it first, with the sizes in its message)."""
    limit = _max_bytes()
    if limit and uncompressed_size(path) > limit:
        raise UnreadableFile(f"工作簿解压后超过上限 {limit / 1024**2:,.0f} MB，未予读取")
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
    """The workbook's standard sheets: each header read now, each sheet's rows streamed from the
    file as they are iterated (a million-row sheet never sits in memory whole)."""
    _check_markup(path)  # before calamine opens it: calamine reads the package's parts at once
    try:
        book = _XlsxBook(path)
    except Exception as exc:  # calamine raises several types for a non-workbook
        raise UnreadableFile(_NOT_A_WORKBOOK) from exc
    try:
        heights = _xlsx_heights(path)
    except UnreadableFile:
        raise
    except Exception:  # a package laid out otherwise: the sizes only choose lanes, so read it without
        heights = {}
    sheets: dict[str, RawSheet] = {}
    for sheet_name in book.sheet_names:
        name = normalise_header(sheet_name)
        if name not in SHEET_NAMES or name in sheets:
            continue
        header = next(book.rows(sheet_name), [])
        sheets[name] = RawSheet(
            name=name,
            headers=[normalise_header(c) for c in header],
            rows=_data_rows(book.rows(sheet_name, skip=1)),
            size_hint=heights.get(sheet_name, 0),
        )
    return sheets


class _XlsxBook:
    """One workbook, opened once. It streams one sheet at a time — a second stream invalidates the
    first — so a sheet read while another is still being read opens the file a second time."""

    def __init__(self, path: Path) -> None:
        from python_calamine_plus import CalamineWorkbook

        self._open = partial(CalamineWorkbook.from_path, str(path))
        self._workbook = self._open()
        self._busy = False
        self.sheet_names: list[str] = self._workbook.sheet_names

    def rows(self, sheet_name: str, skip: int = 0) -> Iterator[list[Any]]:
        """The sheet's rows from row ``skip + 1`` and column A on (blank rows included, as empty
        cells), typed as calamine reads them: text, int (a whole number), float, bool, date,
        datetime, time. An error cell (a formula's ``#N/A``, ``#DIV/0!`` …) reads as empty: the
        stream gives it as its text, and in a workbook that text is always an error value (Excel
        turns a typed ``#N/A`` into one too). The stream opens when the first row is asked for."""
        shared = not self._busy
        self._busy = True
        try:
            try:
                rows = iter((self._workbook if shared else self._open()).stream_sheet_by_name(sheet_name))
                for _ in range(skip):
                    next(rows, None)
            except Exception as exc:
                raise UnreadableFile(f"无法读取工作表“{sheet_name}”") from exc
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    return
                except Exception as exc:  # a damaged part of the file, found when the stream reaches it
                    raise UnreadableFile(f"无法读取工作表“{sheet_name}”") from exc
                if _ERROR_VALUES.isdisjoint(row):  # type: ignore[arg-type]  # text cells are what it holds
                    yield row
                else:
                    yield ["" if cell.__class__ is str and cell in _ERROR_VALUES else cell for cell in row]
        finally:
            if shared:
                self._busy = False


#: the texts calamine gives for Excel's error values
_ERROR_VALUES = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Za-z]+[0-9]+(?::[A-Za-z]+([0-9]+))?\"")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


#: the XML a worksheet holds before its cells (``<sheetData>``): Excel and WPS write a few
#: kilobytes (the sheet's views, column widths …); a part that has not reached its cells by then is
#: not a workbook they wrote, and is refused rather than read on
HEAD_LIMIT = 16 * 1024**2
#: the longest run of a package part without markup (text or whitespace between two tags): a
#: cell holds at most 32,767 characters (160 KB escaped), but calamine buffers a run whole
MAX_TEXT_RUN = 2 * 1024**2
#: the cells read to estimate the rows of a sheet that does not say how many it has
COUNT_WINDOW = 1024**2
#: the size of each read of a part: every scan reads a part once, in blocks of this size
CHUNK = 1024**2
#: workbook.xml and its relationships are parsed whole; they are a few kilobytes
MAX_INDEX_PART = 16 * 1024**2
_NOT_A_WORKBOOK = "无法读取文件：不是有效的 Excel 工作簿（.xlsx）、CSV 文件夹或 zip 压缩包"


def _max_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "IMPORT_MAX_BYTES", 0) or 0)


def _check_markup(path: Path) -> None:
    """Refuse a package with a part that would make calamine hold a long run of text in memory —
    a few megabytes of deflated spaces inflate to gigabytes of "text" between two tags.

    Every XML part is read once, in fixed blocks, keeping only the length of the run since the last
    ``<``: time grows with the parts' size (bounded by the size limit), memory stays one block."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                with archive.open(info) as stream:
                    if _run_too_long(stream):
                        raise UnreadableFile(
                            f"工作簿的部件 {info.filename} 中有一段超过 {MAX_TEXT_RUN // 1024**2} MB 的连续文本或空白"
                            "（压缩炸弹的特征），不是常规的 Excel 工作簿，未予读取"
                        )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise UnreadableFile(_NOT_A_WORKBOOK) from exc


def _run_too_long(stream: IO[bytes]) -> bool:
    """Whether the stream holds more than ``MAX_TEXT_RUN`` bytes without a ``<``. Within a block a
    gap is shorter than the block (``CHUNK`` ≤ ``MAX_TEXT_RUN``); across blocks it is carried on."""
    run = 0
    while block := stream.read(CHUNK):
        first = block.find(b"<")
        if first < 0:
            run += len(block)
        elif run + first > MAX_TEXT_RUN:
            return True
        else:
            run = len(block) - block.rfind(b"<") - 1
        if run > MAX_TEXT_RUN:
            return True
    return False


def _xlsx_heights(path: Path) -> dict[str, int]:
    """Rows each worksheet says it has (its ``<dimension>``, header included) or, where a writer
    left that out, its row elements counted — in the first megabyte of its cells, scaled to the
    part's size beyond that: the size that chooses an import's lanes, read without the cells.
    Elements are matched by local name, so either OOXML namespace (transitional, strict) will do."""
    heights: dict[str, int] = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        book = ElementTree.fromstring(_index_part(archive, "xl/workbook.xml"))
        rels = ElementTree.fromstring(_index_part(archive, "xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"}
        for sheet in book.iter():
            if _local(sheet.tag) != "sheet":
                continue
            rel = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rel, "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if part in names:
                name = sheet.get("name", "")
                try:
                    heights[name] = _part_height(archive, archive.getinfo(part))
                except UnreadableFile as exc:
                    raise UnreadableFile(f"工作表“{name}”{exc}") from exc
    return heights


def _index_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """A small part parsed whole (the workbook and its relationships), refused beyond its bound."""
    if archive.getinfo(name).file_size > MAX_INDEX_PART:
        raise UnreadableFile(f"工作簿的 {name} 超过 {MAX_INDEX_PART // 1024**2} MB，不是常规的 Excel 工作簿，未予读取")
    return archive.read(name)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _part_height(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """The rows a worksheet part holds, read from its head alone: its ``<dimension>``, or its row
    elements counted in the first ``COUNT_WINDOW`` bytes of its cells and scaled to the part.

    Linear and bounded: the part is read in blocks, each searched once (with a short overlap for a
    tag cut by a block's end), never more than ``HEAD_LIMIT`` bytes before the cells; a part whose
    cells begin later is refused."""
    overlap = 256  # longer than any <dimension ref="…"> or <sheetData
    head = bytearray()  # the part read so far, up to its cells (at most HEAD_LIMIT + CHUNK)
    said: int | None = None  # the rows its <dimension> says
    cells = -1
    with archive.open(info) as stream:
        while cells < 0 and (block := stream.read(CHUNK)):
            start = max(0, len(head) - overlap)
            head += block
            cells = head.find(b"sheetData", start)
            if said is None and (match := _DIMENSION.search(head, start, cells if cells >= 0 else len(head))):
                said = int(match.group(1) or 1)
            if cells < 0 and len(head) > HEAD_LIMIT:
                raise UnreadableFile(
                    f"在单元格之前有超过 {HEAD_LIMIT // 1024**2} MB 的其他内容，不是常规的 Excel 工作簿，未予读取"
                )
        if said is not None:
            return said
        if cells < 0:
            return 0
        window = bytes(head[cells:])  # the cells read so far, then up to COUNT_WINDOW of them
        del head
        if len(window) < COUNT_WINDOW:
            window += stream.read(COUNT_WINDOW - len(window))
        rows = len(_ROW_TAG.findall(window))
        if not stream.read(1):
            return rows
    # Rows of a sheet are much alike: the rest of the part holds about as many a byte.
    return round(rows * (info.file_size - cells) / max(len(window), 1))


def _zip_rows(path: Path, info: zipfile.ZipInfo, name: str) -> Iterator[list[str]]:
    return _csv_stream(name, zipfile.ZipFile(path).open(info))


def uncompressed_size(path: Path) -> int:
    """Bytes the workbook holds once unpacked: an .xlsx's or a zip's members, a folder's CSV files,
    a CSV file — read from the directories alone, before anything is parsed."""
    if path.is_dir():
        return sum(f.stat().st_size for f in path.iterdir() if f.is_file() and f.suffix.lower() == ".csv")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    return path.stat().st_size


def line_count(sheet: RawSheet) -> int:
    """Lines of a CSV sheet's file (the rows the workbook reports for xlsx), counted without
    decoding it, once: the count is kept as the sheet's ``size_hint`` (the size limits and the
    lanes both ask)."""
    if sheet.source is None or sheet.size_hint:
        return sheet.size_hint
    if sheet.count_lines is not None:
        count = sheet.count_lines()
    else:
        source = sheet.source()
        if isinstance(source, bytes):
            count = source.count(b"\n")
        else:
            with source.open("rb") as handle:
                count = _newlines(handle)
    sheet.size_hint = count
    return count


def _newlines(stream: IO[bytes]) -> int:
    count = 0
    while block := stream.read(1 << 22):
        count += block.count(b"\n")
    return count


def _zip_lines(path: Path, info: zipfile.ZipInfo) -> int:
    with zipfile.ZipFile(path) as archive, archive.open(info) as stream:
        return _newlines(stream)


def _zip_bytes(path: Path, info: zipfile.ZipInfo) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(info)


#: the longest line of a CSV file that is read (characters): a row of the standard workbook is a
#: few hundred; a longer line is refused as it is read, never held whole
MAX_CSV_LINE = 1024**2


def _csv_stream(name: str, binary: IO[bytes]) -> Iterator[list[str]]:
    """Stream a UTF-8 CSV (BOM or not); a file that is not UTF-8, a line longer than
    ``MAX_CSV_LINE`` or a cell longer than the csv module's limit is unreadable."""
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")  # type: ignore[type-var]
    reader = csv.reader(_bounded_lines(name, text))
    try:
        yield from reader
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{name}.csv 不是 UTF-8 编码的文本（请在 Excel 中另存为“CSV UTF-8”）") from exc
    except csv.Error as exc:
        raise UnreadableFile(
            f"{name}.csv 第 {reader.line_num:,} 行不是有效的 CSV（单元格超过 {csv.field_size_limit():,} 个字符"
            "或引号不配对），未予读取"
        ) from exc
    finally:
        text.close()


def _bounded_lines(name: str, text: IO[str]) -> Iterator[str]:
    """The file's lines, each read with a bound: memory stays bounded by ``MAX_CSV_LINE``."""
    number = 0
    while line := text.readline(MAX_CSV_LINE):
        number += 1
        if len(line) >= MAX_CSV_LINE and line[-1] not in "\r\n":
            raise UnreadableFile(f"{name}.csv 第 {number:,} 行超过 {MAX_CSV_LINE:,} 个字符，不是标准工作表，未予读取")
        yield line


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
        raise UnreadableFile(_NOT_A_WORKBOOK) from exc
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
                sheets[name].count_lines = partial(_zip_lines, path, info)
    return sheets
