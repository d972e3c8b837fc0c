"""Official documents as Word and PDF (bianzhi/core/documents.py)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

from bianzhi.core.documents import (
    DOCX_CONTENT_TYPE,
    DocumentError,
    OfficialDocument,
    chinese_date,
    document_html,
    document_response,
    docx_bytes,
    file_name,
    pdf_bytes,
)


def _document(**changes) -> OfficialDocument:
    values = {
        "title": "关于暂缓审批核增编制的通知",
        "number": "越编办〔2026〕12号",
        "recipient": "区教育局",
        "paragraphs": ["根据超编情况，自即日起暂缓审批你单位的编制核增事项。", "请于三个月内完成整改。"],
        "table": (["机构", "核定编制", "实有人数"], [["区教育局", "10", "12"], ["区卫健局", "8"]]),
        "issuer": "绍兴市越城区机构编制委员会办公室",
        "date": dt.date(2026, 12, 6),
    }
    values.update(changes)
    return OfficialDocument(**values)


def test_chinese_date_has_no_leading_zeros():
    assert chinese_date(dt.date(2026, 12, 6)) == "2026年12月6日"
    assert chinese_date(dt.date(2027, 1, 9)) == "2027年1月9日"


def test_the_dataclass_keeps_the_shared_field_order_and_defaults():
    doc = OfficialDocument("标题", "", "主送", ["正文"], None, "发文机关", dt.date(2026, 1, 2))
    assert (doc.title, doc.number, doc.recipient, doc.paragraphs) == ("标题", "", "主送", ["正文"])
    assert (doc.table, doc.issuer, doc.date, doc.subtitle) == (None, "发文机关", dt.date(2026, 1, 2), "")


def test_docx_opens_and_holds_every_text_in_order():
    document = docx.Document(io.BytesIO(docx_bytes(_document(subtitle="（第一批）"))))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts == [
        "关于暂缓审批核增编制的通知",
        "（第一批）",
        "越编办〔2026〕12号",
        "区教育局：",
        "根据超编情况，自即日起暂缓审批你单位的编制核增事项。",
        "请于三个月内完成整改。",
        "绍兴市越城区机构编制委员会办公室",
        "2026年12月6日",
    ]
    [table] = document.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["机构", "核定编制", "实有人数"],
        ["区教育局", "10", "12"],
        ["区卫健局", "8", ""],  # a short row is filled up
    ]
    header_marks = [row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None for row in table.rows]
    assert header_marks == [True, False, False]  # the header repeats on each page
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"single"}
    assert len(borders) == 6


def test_docx_layout_follows_the_official_document_standard():
    document = docx.Document(io.BytesIO(docx_bytes(_document())))
    section = document.sections[0]
    sizes = [section.page_width, section.page_height, section.top_margin, section.bottom_margin]
    sizes += [section.left_margin, section.right_margin]
    assert [round(size.mm) for size in sizes] == [210, 297, 37, 35, 28, 26]  # stored in twips

    title, number, recipient, body = document.paragraphs[:4]
    title_run = title.runs[0]
    assert title.alignment == 1  # centred
    assert title_run.font.size == Pt(22) and title_run.font.bold
    assert title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert number.alignment == 1
    assert recipient.text == "区教育局：" and recipient.paragraph_format.first_line_indent is None
    body_run = body.runs[0]
    assert body_run.font.size == Pt(16)
    assert body_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert body._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    issuer, date = [p for p in document.paragraphs if p.text][-2:]
    assert issuer.alignment == date.alignment == 2  # right
    fonts = document.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
    ).blob.decode()
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in fonts


def test_docx_without_number_table_or_issuer():
    document = docx.Document(io.BytesIO(docx_bytes(_document(number="", table=None, issuer="", recipient=""))))
    assert [p.text for p in document.paragraphs if p.text] == [
        "关于暂缓审批核增编制的通知",
        "根据超编情况，自即日起暂缓审批你单位的编制核增事项。",
        "请于三个月内完成整改。",
        "2026年12月6日",
    ]
    assert document.tables == []


def test_html_escapes_every_text():
    page = document_html(_document(title="<script>x</script>", paragraphs=["a & <b>"], table=(["<th>"], [["<td>"]])))
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "a &amp; &lt;b&gt;" in page
    assert "&lt;th&gt;" in page and "&lt;td&gt;" in page
    assert "Noto Serif CJK SC" in page and "size: A4" in page


needs_chromium = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="需要 /usr/bin/chromium")


@needs_chromium
def test_pdf_is_printed_with_noto_cjk_fonts(tmp_path):
    data = pdf_bytes(_document())
    assert data.startswith(b"%PDF")
    assert b"NotoSerifCJK" in data or b"NotoSansCJK" in data
    # the HTML title becomes the PDF's /Title (UTF-16BE)
    assert "关于暂缓审批核增编制的通知".encode("utf-16-be").hex().upper().encode() in data
    if shutil.which("pdftotext"):
        source = tmp_path / "d.pdf"
        source.write_bytes(data)
        text = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, check=True).stdout.decode()
        for expected in ("关于暂缓审批核增编制的通知", "越编办〔2026〕12号", "区卫健局", "2026年12月6日"):
            assert expected in text.replace(" ", "")


def test_pdf_without_chromium_says_so_in_chinese(settings):
    settings.BIANZHI_CHROMIUM = "/nonexistent/chromium"
    with pytest.raises(DocumentError, match=r"未找到 Chromium（/nonexistent/chromium.*请改为下载 Word"):
        pdf_bytes(_document())
    response = document_response(_document(), file_stem="通知", fmt="pdf")
    assert response.status_code == 503
    assert "未找到 Chromium" in response.content.decode()


def test_pdf_that_takes_too_long_is_stopped(settings, tmp_path):
    slow = tmp_path / "chromium"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    settings.BIANZHI_CHROMIUM = str(slow)
    settings.BIANZHI_PDF_TIMEOUT_SECONDS = 0.5
    with pytest.raises(DocumentError, match=r"超过 0\.5 秒"):
        pdf_bytes(_document())


def test_pdf_when_chromium_prints_nothing(settings, tmp_path):
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    settings.BIANZHI_CHROMIUM = str(broken)
    with pytest.raises(DocumentError, match="退出码 3"):
        pdf_bytes(_document())


def test_chromium_gets_no_network(settings, tmp_path):
    spy = tmp_path / "chromium"
    record = tmp_path / "args"
    # prints a minimal "PDF" to the --print-to-pdf target and records its arguments
    spy.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > {record}\n'
        'for a in "$@"; do case "$a" in --print-to-pdf=*) printf "%%PDF-1.4 x" > "${a#--print-to-pdf=}";; esac; done\n'
    )
    spy.chmod(0o755)
    settings.BIANZHI_CHROMIUM = str(spy)
    assert pdf_bytes(_document()) == b"%PDF-1.4 x"
    arguments = record.read_text().splitlines()
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        "--disable-background-networking",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        assert flag in arguments
    assert arguments[-1].startswith("file:///") and arguments[-1].endswith("document.html")


def test_docx_response_has_a_chinese_file_name():
    response = document_response(_document(), file_stem="暂缓审批通知 区教育局", fmt="docx")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('暂缓审批通知 区教育局.docx')}" in disposition
    assert docx.Document(io.BytesIO(response.content)).paragraphs[0].text == "关于暂缓审批核增编制的通知"


def test_file_names_lose_path_and_reserved_characters():
    assert file_name("../a/b:c\n", "pdf") == "a_b_c.pdf"
    assert file_name("", "docx") == "文件.docx"
    assert file_name("整改通知〔2026〕", "docx") == "整改通知〔2026〕.docx"


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="docx 或 pdf"):
        document_response(_document(), file_stem="x", fmt="xlsx")
