"""bianzhi import PATH — load the standard workbook (interchange.md §1–2)."""

from __future__ import annotations

import sys
from pathlib import Path

from bianzhi.core.cli import (
    DAY_RANGE,
    REJECTED,
    DataCommand,
    ProgressLine,
    command_actor,
    ensure_migrated,
    iso_date,
    text_option,
    write_json,
    write_text,
)
from bianzhi.registry.services import ImportResult, workbook_import

#: ChangeSet.document_number's length
DOCUMENT_NUMBER_LENGTH = 200


class Command(DataCommand):
    help = "导入标准工作簿（.xlsx、CSV 文件夹或 zip）：全部校验通过才写入，否则一行不写并列出全部问题"

    def add_arguments(self, parser):
        parser.add_argument("path", help="工作簿 .xlsx、CSV 文件夹或 .zip")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--effective", type=iso_date, help=f"变更生效日期 YYYY-MM-DD（默认今天；{DAY_RANGE}）")
        parser.add_argument("--reason", type=text_option(), default="", help="变更理由")
        parser.add_argument(
            "--document-number",
            type=text_option(DOCUMENT_NUMBER_LENGTH),
            default="",
            help=f"批准文号（至多 {DOCUMENT_NUMBER_LENGTH} 个字符）",
        )
        parser.add_argument(
            "--user", type=text_option(150), default="", help="记入变更日志的平台用户（用户名，须已存在）"
        )
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args, **options):
        if not options["path"].strip():
            self.misuse("参数 path：路径不能为空，请给出工作簿（.xlsx、CSV 文件夹或 .zip）的路径")
        ensure_migrated()
        user = None
        if options["user"]:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                self.misuse(
                    f"参数 --user：平台用户“{options['user']}”不存在（bianzhi createsuperuser 或管理页面可创建用户）"
                )
        result = _unnamable(options)
        if result is None:
            progress = ProgressLine()
            try:
                result = workbook_import(
                    path=Path(options["path"]),
                    dry_run=options["dry_run"],
                    effective=options["effective"],
                    reason=options["reason"] or f"命令行导入 {Path(options['path']).name}",
                    document_number=options["document_number"],
                    user=user,
                    actor=command_actor(),
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


def _unnamable(options) -> ImportResult | None:
    """A path that is not valid Unicode (a file name in another encoding than UTF-8) cannot be
    named in the change log: rejected before it is read."""
    try:
        options["path"].encode("utf-8")
    except UnicodeEncodeError:
        message = "文件名或路径含有非 UTF-8 编码的字符，无法记入变更日志；请重命名后再导入"
        return ImportResult(
            ok=False, dry_run=options["dry_run"], errors=[{"sheet": "", "row": 0, "column": "", "message": message}]
        )
    return None


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
