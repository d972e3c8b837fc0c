"""bianzhi problems_escalate — 逾期升级: mark problems past their deadline and not closed off, suspend
their units and notify (domain.md §9). `bianzhi scheduler` runs it daily; cron may run this instead."""

from __future__ import annotations

import json

from bianzhi.core.cli import DAY_RANGE, DataCommand, ensure_migrated, iso_date
from bianzhi.core.dates import today
from bianzhi.rectification.services import problems_escalate_overdue


class Command(DataCommand):
    help = "逾期问题升级：标记已过整改期限且未销号的问题，暂缓其机构的审批并发出通知"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=iso_date, help=f"判断逾期的日期 YYYY-MM-DD（默认今天；{DAY_RANGE}）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        ensure_migrated()
        day = options["as_of"] or today()
        escalated = problems_escalate_overdue(day)
        if options["json"]:
            document = {"as_of": day.isoformat(), "escalated": [p.pk for p in escalated]}
            self.stdout.write(json.dumps(document, ensure_ascii=False))
            return
        self.stdout.write(f"{day}：{len(escalated)} 个逾期问题已升级")
