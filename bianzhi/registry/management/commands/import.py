"""bianzhi import PATH — load the standard workbook (interchange.md §1–2)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from bianzhi.core.cli import REJECTED, ProgressLine, ensure_migrated, iso_date, write_json, write_text
from bianzhi.registry.services import workbook_import


class Command(BaseCommand):
    help = "导入标准工作簿（.xlsx、CSV 文件夹或 zip）：全部校验通过才写入，否则一行不写并列出全部问题"
    # The data commands skip Django's system checks (URLs, admin, API schema): they cost half a
    # second a call and concern the web server; `bianzhi migrate` and `bianzhi check` still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="工作簿 .xlsx、CSV 文件夹或 .zip")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--effective", type=iso_date, help="变更生效日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--reason", default="", help="变更理由")
        parser.add_argument("--document-number", default="", help="批准文号")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args, **options):
        ensure_migrated()
        progress = ProgressLine()
        try:
            result = workbook_import(
                path=Path(options["path"]),
                dry_run=options["dry_run"],
                effective=options["effective"],
                reason=options["reason"],
                document_number=options["document_number"],
                actor=f"命令行 {getpass.getuser()}",
                source="import",
                progress=progress,
            )
        finally:
            progress.done()
        if options["json"]:
            write_json(result.as_json())
        else:
            write_text(_human(result))
        if not result.ok:
            sys.exit(REJECTED)


def _human(result) -> str:
    lines = []
    if result.ok:
        lines.append("校验通过（未写入，--dry-run）" if result.dry_run else "导入成功")
        for sheet in result.created:
            lines.append(
                f"  {sheet}：新增 {result.created[sheet]}，更新 {result.updated[sheet]}，未变 {result.unchanged[sheet]}"
            )
    else:
        lines.append(f"导入被拒绝：发现 {len(result.errors)} 个错误，未写入任何数据")
        for e in result.errors:
            lines.append(f"  [{e['sheet'] or '-'}] 第 {e['row']} 行 {e['column'] or ''}：{e['message']}")
    if result.warnings:
        lines.append(f"提示 {len(result.warnings)} 条：")
        for w in result.warnings:
            lines.append(f"  [{w['sheet']}] 第 {w['row']} 行 {w['column']}：{w['message']}")
    return "\n".join(lines)
