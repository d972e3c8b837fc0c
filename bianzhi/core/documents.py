"""Official documents (公文) as Word and PDF files: a notice, a reply or a rectification notice that a
page or the API offers for download (issues 14/15).

One :class:`OfficialDocument` describes the text; :func:`docx_bytes` lays it out roughly after
GB/T 9704-2012 with python-docx (A4, margins 37/35/28/26 mm, a 22 pt title in 方正小标宋简体 — 宋体 where
that font is missing — the 文号 under it, the 主送 line, 16 pt 仿宋 body with a two-character first-line
indent, a bordered table, the issuer and the Chinese date at the right). :func:`pdf_bytes` renders the
same text as HTML and prints it with the local headless Chromium (Noto CJK fonts, no network).
:func:`document_response` answers either as a download with a Chinese file name (RFC 5987).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import logging
import os
import re
import shutil
import subprocess  # nosec B404  # runs the configured Chromium with fixed arguments, never shell input
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CONTENT_TYPE = "application/pdf"
FORMATS = ("docx", "pdf")

TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK_FONT = "宋体"
BODY_FONT = "仿宋"
SUBTITLE_FONT = "楷体"
LATIN_FONT = "Times New Roman"

#: At most this many Chromium processes at a time (the machine is small, a print takes a second).
_PRINTS = threading.BoundedSemaphore(2)


class DocumentError(RuntimeError):
    """A document could not be produced (the message is Chinese and says why)."""


def _today() -> dt.date:
    return timezone.localdate()


@dataclass
class OfficialDocument:
    """The text of one official document. ``number`` is the 文号 (may be empty); ``table`` is the header
    row and the body rows; ``date`` is the 成文日期."""

    title: str
    number: str
    recipient: str
    paragraphs: list[str]
    table: tuple[list[str], list[list[str]]] | None = None
    issuer: str = ""
    date: dt.date = field(default_factory=_today)
    subtitle: str = ""


def chinese_date(day: dt.date) -> str:
    """2026年12月6日 (GB/T 9704-2012: Arabic numerals, no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _recipient_line(recipient: str) -> str:
    recipient = recipient.strip()
    if not recipient or recipient.endswith(("：", ":")):
        return recipient
    return recipient + "："


def _cell_text(value: object) -> str:
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------------------- Word


def _set_run_font(run, *, east_asia: str, size_pt: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = LATIN_FONT
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    # East Asian size (w:szCs is the complex-script size; set both so every script is that size)
    run.font.cs_bold = bold


def _paragraph(
    document,
    text: str,
    *,
    east_asia: str = BODY_FONT,
    size_pt: float = 16,
    bold: bool = False,
    align=None,
    indent_chars: int = 0,
    space_after_pt: float = 0,
    line_pt: float | None = 28,
):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after_pt)
    if line_pt is not None:
        from docx.enum.text import WD_LINE_SPACING

        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line_pt)
    if indent_chars:
        fmt.first_line_indent = Pt(size_pt * indent_chars)
        ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
        if ind is not None:  # Word prefers the character count: the indent follows the font size
            ind.set(qn("w:firstLineChars"), str(indent_chars * 100))
    run = paragraph.add_run(text)
    _set_run_font(run, east_asia=east_asia, size_pt=size_pt, bold=bold)
    return paragraph


def _set_cell_borders(table) -> None:
    """Single borders on every edge of every cell (independent of the template's table styles)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "4")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    tbl_pr.append(borders)


def _add_font_fallback(document) -> None:
    """Name 宋体 as the alternative of the title font in the font table, so Word shows the title in 宋体
    on a computer without 方正小标宋简体."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        part = document.part.part_related_by(RT.FONT_TABLE)
    except KeyError:
        return
    blob = part.blob.decode("utf-8")
    if TITLE_FONT in blob or "</w:fonts>" not in blob:
        return
    entry = (
        f'<w:font w:name="{TITLE_FONT}"><w:altName w:val="{TITLE_FALLBACK_FONT}"/>'
        '<w:charset w:val="86"/><w:family w:val="script"/><w:pitch w:val="variable"/></w:font>'
    )
    part._blob = blob.replace("</w:fonts>", entry + "</w:fonts>").encode("utf-8")


def docx_bytes(doc: OfficialDocument) -> bytes:
    """The document as a Word (.docx) file."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    document.core_properties.title = doc.title
    document.core_properties.author = doc.issuer
    document.core_properties.language = "zh-CN"

    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(
        document,
        doc.title,
        east_asia=TITLE_FONT,
        size_pt=22,
        bold=True,
        align=center,
        line_pt=None,
        space_after_pt=0 if (doc.subtitle or doc.number) else 16,
    )
    if doc.subtitle:
        _paragraph(document, doc.subtitle, east_asia=SUBTITLE_FONT, align=center)
    if doc.number:
        _paragraph(document, doc.number, align=center, space_after_pt=16)
    if doc.recipient.strip():
        _paragraph(document, _recipient_line(doc.recipient))
    for text in doc.paragraphs:
        _paragraph(document, text, indent_chars=2)

    if doc.table is not None:
        header, rows = doc.table
        columns = max([len(header), *(len(row) for row in rows)] or [1]) or 1
        table = document.add_table(rows=0, cols=columns)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _set_cell_borders(table)
        for index, row in enumerate([header, *rows] if header else rows):
            added = table.add_row()
            if index == 0 and header:  # the header row repeats on every page the table runs over
                header_mark = OxmlElement("w:tblHeader")
                header_mark.set(qn("w:val"), "true")
                added._tr.get_or_add_trPr().append(header_mark)
            cells = added.cells
            for column in range(columns):
                value = _cell_text(row[column]) if column < len(row) else ""
                cell = cells[column]
                paragraph = cell.paragraphs[0]
                paragraph.alignment = center if (index == 0 and header) else None
                run = paragraph.add_run(value)
                _set_run_font(run, east_asia=BODY_FONT, size_pt=12, bold=bool(index == 0 and header))
        _paragraph(document, "", line_pt=None)

    right = WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(document, "", line_pt=None)
    if doc.issuer:
        _paragraph(document, doc.issuer, align=right)
    _paragraph(document, chinese_date(doc.date), align=right)

    _add_font_fallback(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------ PDF

_CSS = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
html { -webkit-print-color-adjust: exact; }
body { margin: 0; font-family: "Noto Serif CJK SC", "Noto Serif CJK", serif; font-size: 16pt;
       line-height: 28pt; color: #000; }
h1 { font-family: "Noto Serif CJK SC", "Noto Serif CJK", serif; font-size: 22pt; font-weight: 700;
     line-height: 1.5; text-align: center; margin: 0; }
.subtitle { text-align: center; font-family: "Noto Sans CJK SC", sans-serif; font-size: 16pt; margin: 0; }
.number { text-align: center; margin: 0 0 16pt; }
.recipient { margin: 16pt 0 0; }
p.body { text-indent: 2em; margin: 0; text-align: justify; }
table { border-collapse: collapse; width: 100%; margin: 14pt 0; font-size: 12pt; line-height: 1.5; }
th, td { border: 0.75pt solid #000; padding: 2pt 4pt; vertical-align: top; }
th { font-family: "Noto Sans CJK SC", sans-serif; font-weight: 700; text-align: center; }
.signature { margin-top: 32pt; text-align: right; }
.signature p { margin: 0; }
"""


def document_html(doc: OfficialDocument) -> str:
    """The document as one self-contained HTML page (every text escaped)."""
    e = html.escape
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(doc.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    if doc.subtitle:
        parts.append(f'<p class="subtitle">{e(doc.subtitle)}</p>')
    if doc.number:
        parts.append(f'<p class="number">{e(doc.number)}</p>')
    if doc.recipient.strip():
        parts.append(f'<p class="recipient">{e(_recipient_line(doc.recipient))}</p>')
    parts.extend(f'<p class="body">{e(text)}</p>' for text in doc.paragraphs)
    if doc.table is not None:
        header, rows = doc.table
        parts.append("<table>")
        if header:
            parts.append("<thead><tr>" + "".join(f"<th>{e(_cell_text(c))}</th>" for c in header) + "</tr></thead>")
        parts.append("<tbody>")
        parts.extend("<tr>" + "".join(f"<td>{e(_cell_text(c))}</td>" for c in row) + "</tr>" for row in rows)
        parts.append("</tbody></table>")
    parts.append('<div class="signature">')
    if doc.issuer:
        parts.append(f"<p>{e(doc.issuer)}</p>")
    parts.append(f"<p>{e(chinese_date(doc.date))}</p></div></body></html>")
    return "".join(parts)


def chromium_path() -> str:
    """The Chromium used to print PDFs: setting BIANZHI_CHROMIUM (or the environment variable of the
    same name), by default /usr/bin/chromium."""
    return str(getattr(settings, "BIANZHI_CHROMIUM", "") or os.environ.get("BIANZHI_CHROMIUM") or "/usr/bin/chromium")


def pdf_timeout() -> float:
    return float(getattr(settings, "BIANZHI_PDF_TIMEOUT_SECONDS", 60))


def _chromium_arguments(binary: str, source: Path, target: Path, profile: Path) -> list[str]:
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-pdf-header-footer",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--disable-domain-reliability",
        "--disable-breakpad",
        "--metrics-recording-only",
        "--mute-audio",
        # every host resolves nowhere: the page is a local file and must load nothing else
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=direct://",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={target}",
        source.as_uri(),
    ]


def pdf_bytes(doc: OfficialDocument) -> bytes:
    """The document as a PDF, printed by the local headless Chromium. Raises :class:`DocumentError`
    (Chinese message) when Chromium is missing, fails or takes too long."""
    configured = chromium_path()
    binary = configured if os.path.isabs(configured) else shutil.which(configured)
    if not binary or not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        raise DocumentError(
            f"无法生成 PDF：服务器上未找到 Chromium（{configured}，可用设置 BIANZHI_CHROMIUM 指定），请改为下载 Word 文件"
        )
    with tempfile.TemporaryDirectory(prefix="bianzhi-pdf-") as folder:
        root = Path(folder)
        source, target, profile = root / "document.html", root / "document.pdf", root / "profile"
        profile.mkdir()
        source.write_text(document_html(doc), encoding="utf-8")
        environment = {**os.environ, "HOME": str(root), "XDG_CONFIG_HOME": str(root), "XDG_CACHE_HOME": str(root)}
        timeout = pdf_timeout()
        with _PRINTS:
            try:
                completed = subprocess.run(  # nosec B603  # fixed arguments; the only input is our own HTML file
                    _chromium_arguments(binary, source, target, profile),
                    cwd=folder,
                    env=environment,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as error:
                raise DocumentError(
                    f"无法生成 PDF：Chromium 超过 {timeout:g} 秒未完成，请改为下载 Word 文件"
                ) from error
            except OSError as error:
                raise DocumentError(
                    f"无法生成 PDF：无法启动 Chromium（{configured}：{error}），请改为下载 Word 文件"
                ) from error
        data = target.read_bytes() if target.exists() else b""
        if not data.startswith(b"%PDF"):
            logger.warning(
                "Chromium printed no PDF (exit %s): %s",
                completed.returncode,
                completed.stderr.decode("utf-8", "replace")[-2000:],
            )
            raise DocumentError(
                f"无法生成 PDF：Chromium 未输出文件（退出码 {completed.returncode}），请改为下载 Word 文件"
            )
        return data


# ------------------------------------------------------------------------------------ responses

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def file_name(file_stem: str, fmt: str) -> str:
    """A safe download name: no path separators, control or reserved characters."""
    stem = _UNSAFE_NAME.sub("_", file_stem).strip(" ._") or "文件"
    return f"{stem[:120]}.{fmt}"


def document_response(doc: OfficialDocument, *, file_stem: str, fmt: str) -> HttpResponse:
    """The document as a download, ``fmt`` "docx" or "pdf", named ``file_stem``.docx/.pdf in Chinese
    (``filename*=utf-8''…``, RFC 5987/6266). A PDF that cannot be printed answers 503 with the Chinese
    reason (text/plain) — the pages offer the Word file then. An unknown ``fmt`` raises ValueError."""
    if fmt == "docx":
        data, content_type = docx_bytes(doc), DOCX_CONTENT_TYPE
    elif fmt == "pdf":
        try:
            data, content_type = pdf_bytes(doc), PDF_CONTENT_TYPE
        except DocumentError as error:
            return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    else:
        raise ValueError(f"不支持的文件格式 {fmt!r}：应为 docx 或 pdf")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name(file_stem, fmt)) or "attachment"
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    return response
