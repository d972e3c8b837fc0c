"""bianzhi audit verify — check the change log's hash chain (core/chain.py).

Exit 0 when every change set still gives its stored digest, 1 when the chain is broken (the first
broken change set and why on standard output), 2 on misuse. ``--json`` writes
``{"ok", "checked", "records", "seconds", "broken": [{"change_set", "problem"}]}``.
"""

from __future__ import annotations

import sys

from bianzhi.core.chain import verify
from bianzhi.core.cli import REJECTED, DataCommand, ProgressLine, ensure_migrated, write_json, write_text


class Command(DataCommand):
    help = "审计：verify 校验变更日志的哈希链（SM3），发现被修改或删除的变更批次与变更记录"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        check = sub.add_parser(
            "verify", help="重新计算变更日志的哈希链并与存储的摘要比对", called_from_command_line=True
        )
        check.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        ensure_migrated()
        progress = ProgressLine()
        result = verify(progress=progress)
        progress.done()
        if options["json"]:
            write_json(result.as_json())
        elif result.ok:
            write_text(
                f"变更日志完整：已校验 {result.checked:,} 个变更批次、{result.records:,} 条变更记录"
                f"（用时 {result.seconds:.2f} 秒）"
            )
        else:
            first = result.broken[0]
            lines = [
                f"变更日志已被篡改：第一个不符的变更批次 {first.change_set}：{first.problem}",
                f"已校验 {result.checked:,} 个变更批次、{result.records:,} 条变更记录（用时 {result.seconds:.2f} 秒）",
            ]
            lines += [f"  变更批次 {b.change_set}：{b.problem}" for b in result.broken[1:]]
            write_text("\n".join(lines))
        if not result.ok:
            sys.exit(REJECTED)
