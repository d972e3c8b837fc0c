"""bianzhi forecast retirements — statutory retirements in the coming months (domain.md §6)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from bianzhi.core.cli import ensure_migrated, iso_month, positive_int, write_json, write_text
from bianzhi.core.dates import format_month, month_start, today
from bianzhi.supervision.selectors import retirements_forecast


class Command(BaseCommand):
    help = "预测：retirements 为按 2025 年改革规则计算的法定退休人员"
    # The data commands skip Django's system checks (URLs, admin, API schema): they cost half a
    # second a call and concern the web server; `bianzhi migrate` and `bianzhi check` still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("subject", choices=["retirements"], help="预测内容")
        parser.add_argument("--from", dest="start", type=iso_month, help="起始月份 YYYY-MM（默认本月）")
        parser.add_argument("--months", type=positive_int, default=12, help="月数 N ≥ 1（默认 12）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        ensure_migrated()
        now = today()
        start = options["start"] or month_start(now)
        months = options["months"]
        rows = retirements_forecast(start=start, months=months, today=now)
        if options["json"]:
            write_json({"from": format_month(start), "months": months, "retirements": rows})
            return
        lines = [f"{format_month(start)} 起 {months} 个月内法定退休：{len(rows)} 人"]
        lines += [f"  {r['month']} {r['unit']} {r['person']}" for r in rows]
        write_text("\n".join(lines))
