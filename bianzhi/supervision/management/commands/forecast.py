"""bianzhi forecast retirements — retirements in the coming months (domain.md §6): the statutory month,
or the approved flexible one (批准退休年月, §5) where there is one."""

from __future__ import annotations

from bianzhi.core.cli import (
    LAST_DAY,
    MAX_MONTHS,
    MONTH_RANGE,
    DataCommand,
    ensure_migrated,
    iso_month,
    month_count,
    write_json,
    write_text,
)
from bianzhi.core.dates import add_months, format_month, month_start, today
from bianzhi.supervision.selectors import retirements_forecast


class Command(DataCommand):
    help = "预测：retirements 为按 2025 年改革规则计算的法定退休人员（批准弹性退休的按批准退休年月）"

    def add_arguments(self, parser):
        parser.add_argument("subject", choices=["retirements"], help="预测内容")
        parser.add_argument("--from", dest="start", type=iso_month, help=f"起始月份 YYYY-MM（默认本月；{MONTH_RANGE}）")
        parser.add_argument("--months", type=month_count, default=12, help=f"月数 N，1 至 {MAX_MONTHS}（默认 12）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        now = today()
        start = options["start"] or month_start(now)
        months = options["months"]
        last = add_months(start, months - 1)
        if last > LAST_DAY:
            self.misuse(
                f"参数 --from 与 --months：{format_month(start)} 起 {months} 个月止于 {format_month(last)}，"
                f"超出允许范围 {MONTH_RANGE}"
            )
        ensure_migrated()
        rows = retirements_forecast(start=start, months=months, today=now)
        if options["json"]:
            write_json({"from": format_month(start), "months": months, "retirements": rows})
            return
        lines = [f"{format_month(start)} 起 {months} 个月内退休：{len(rows)} 人"]
        lines += [f"  {r['month']} {r['unit']} {r['person']}" for r in rows]
        write_text("\n".join(lines))
