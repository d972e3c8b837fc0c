"""Exhaustion (security review, issue 13): a small upload that inflates to hundreds of megabytes is
refused with a Chinese error in a time that grows linearly with its size and in bounded memory.

Found: a 1.5 MB .xlsx whose sheet inflates to 1.5 GB of whitespace before ``<sheetData>`` (and has
no ``<dimension>``) pinned a CPU indefinitely — ``reader._part_height`` searched a growing buffer
again after every 64 KB — and calamine holds a run of text between two tags whole in memory.

The bombs are read in a process of their own, which reports the time of the read and its peak
memory (``resource.getrusage``): the limits hold for the process, not just for one function.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

#: a worksheet part's opening, without a <dimension> (as openpyxl's write-only mode writes it)
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
ROWS = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81\xe5\x8f\xb7</t></is></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>330602198001010011</t></is></c></row>'
)
MB = 1024**2


def _package(path: Path, sheet: bytes | None = None, writer=None) -> Path:
    """An .xlsx with one sheet 人员 whose part is ``sheet`` or what ``writer(stream)`` writes."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types xmlns="{pkg}/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            if writer is not None:
                writer(stream)
            else:
                stream.write(sheet or b"")
    return path


def _repeat(stream, piece: bytes, total: int) -> None:
    block = piece * (MB // len(piece))
    for _ in range(total // len(block)):
        stream.write(block)


def whitespace_before_cells(path: Path, megabytes: int) -> Path:
    """The review's bomb: spaces before <sheetData>, no <dimension>."""

    def write(stream):
        stream.write(HEAD)
        _repeat(stream, b" ", megabytes * MB)
        stream.write(b"<sheetData>" + ROWS + b"</sheetData></worksheet>")

    return _package(path, writer=write)


def whitespace_between_rows(path: Path, megabytes: int) -> Path:
    """Spaces inside the cells, after the first row: the head of the part looks normal."""

    def write(stream):
        first, second = ROWS.split(b"</row>", 1)
        stream.write(HEAD + b"<sheetData>" + first + b"</row>")
        _repeat(stream, b"\n", megabytes * MB)
        stream.write(second + b"</sheetData></worksheet>")

    return _package(path, writer=write)


def elements_before_cells(path: Path, megabytes: int) -> Path:
    """Empty elements before <sheetData>: markup all along, but no cells for megabytes."""

    def write(stream):
        stream.write(HEAD)
        _repeat(stream, b"<x/>", megabytes * MB)
        stream.write(b"<sheetData>" + ROWS + b"</sheetData></worksheet>")

    return _package(path, writer=write)


def one_long_csv_line(path: Path, megabytes: int) -> Path:
    """A zip of CSV files whose 人员.csv is one line of spaces with no end."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("人员.csv", "w", force_zip64=True) as stream:
            _repeat(stream, b" ", megabytes * MB)
    return path


def many_csv_lines(path: Path, megabytes: int) -> Path:
    """A zip whose 人员.csv is a header and then nothing but line ends (counted for the limits)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("人员.csv", "w", force_zip64=True) as stream:
            stream.write("身份证号,姓名\n".encode())
            _repeat(stream, b"\n", megabytes * MB)
    return path


#: run in a process of its own: the import of the file (a dry run: its refusal comes before any
#: database read), timed, with the process's peak memory
CHILD = """
import json, os, resource, sys, time
import django
django.setup()
from pathlib import Path
from bianzhi.registry.services import workbook_import
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
result = workbook_import(path=Path(sys.argv[1]), dry_run=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "grew_mb": (peak - base) / 1024, "errors": result.errors}, ensure_ascii=False))
"""


def _import_in_child(path: Path, timeout: float = 60) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "bianzhi.config.settings"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, env=env, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def test_the_reviews_bomb_is_refused_in_linear_time_and_bounded_memory(tmp_path):
    """50 MB and 200 MB of spaces before <sheetData>: refused with a Chinese error, the larger not
    much slower than the smaller (it was ~20 s against many minutes), within a few seconds and
    without holding the inflated part."""
    small = whitespace_before_cells(tmp_path / "small.xlsx", 50)
    large = whitespace_before_cells(tmp_path / "large.xlsx", 200)
    assert large.stat().st_size < 2 * MB  # a small upload …
    with zipfile.ZipFile(large) as archive:  # … that inflates two hundredfold
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 200 * MB

    outcomes = [_import_in_child(path) for path in (small, large)]
    for outcome in outcomes:
        assert [(e["sheet"], e["row"]) for e in outcome["errors"]] == [("", 0)]
        message = outcome["errors"][0]["message"]
        assert "未予读取" in message and "不是常规的 Excel 工作簿" in message
        assert outcome["seconds"] < 3
        assert outcome["grew_mb"] < 64
    small_time, large_time = (max(o["seconds"], 0.05) for o in outcomes)
    assert large_time / small_time < 6


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (whitespace_between_rows, "连续文本或空白"),
        (elements_before_cells, "在单元格之前有超过 16 MB 的其他内容"),
        (one_long_csv_line, "人员.csv 第 1 行超过 1,048,576 个字符"),
    ],
    ids=["whitespace-between-rows", "elements-before-cells", "one-long-csv-line"],
)
def test_other_inflating_parts_are_refused_within_fixed_time_and_memory(tmp_path, build, says):
    path = build(tmp_path / ("bomb.zip" if "csv" in build.__name__ else "bomb.xlsx"), 100)
    outcome = _import_in_child(path)
    assert len(outcome["errors"]) == 1 and outcome["errors"][0]["row"] == 0
    assert says in outcome["errors"][0]["message"], outcome["errors"][0]["message"]
    assert outcome["seconds"] < 5
    assert outcome["grew_mb"] < 64


def test_a_zipped_csv_is_counted_for_the_row_limit_without_being_read_whole(tmp_path):
    """The line count that checks the row limit streams a zip member instead of unpacking it into memory."""
    outcome = _import_in_child(many_csv_lines(tmp_path / "lines.zip", 100))
    assert [e["message"] for e in outcome["errors"]] == [
        f"工作表“人员”约有 {100 * MB:,} 行，超过上限 2,000,000 行，未予读取"
    ]
    assert outcome["grew_mb"] < 64


def test_a_csv_cell_over_the_csv_modules_limit_is_a_chinese_error_not_a_crash(tmp_path):
    from bianzhi.registry.importer.reader import UnreadableFile, read_sources

    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "人员.csv").write_text("身份证号,姓名\n1," + "张" * 200_000 + "\n", encoding="utf-8")
    sheet = read_sources(folder)["人员"]
    with pytest.raises(UnreadableFile) as refused:
        list(sheet.rows)
    assert str(refused.value) == "人员.csv 第 2 行不是有效的 CSV（单元格超过 131,072 个字符或引号不配对），未予读取"


def test_the_head_scan_reads_each_block_once(tmp_path, monkeypatch):
    """``_part_height`` on 12 MB of markup before the cells (under the head's bound): the work is
    one search per block, so 12 MB takes about four times 3 MB, not sixteen times."""
    from bianzhi.registry.importer import reader

    def part(megabytes: int) -> Path:
        def write(stream):
            stream.write(HEAD)
            _repeat(stream, b"<x/>", megabytes * MB)
            stream.write(b"<sheetData>" + ROWS + b"</sheetData></worksheet>")

        return _package(tmp_path / f"part{megabytes}.xlsx", writer=write)

    timings = []
    for megabytes in (3, 12):
        with zipfile.ZipFile(part(megabytes)) as archive:
            start = time.perf_counter()
            height = reader._part_height(archive, archive.getinfo("xl/worksheets/sheet1.xml"))
            timings.append(max(time.perf_counter() - start, 0.005))
        assert height == 2
    assert timings[1] < 1
    assert timings[1] / timings[0] < 8
