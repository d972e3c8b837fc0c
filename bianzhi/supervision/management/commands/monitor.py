"""bianzhi monitor — run every enabled monitoring rule as of a day (domain.md §4, interchange.md §2)."""

from __future__ import annotations

from bianzhi.core.cli import DAY_RANGE, DataCommand, ensure_migrated, iso_date, write_json, write_text
from bianzhi.core.dates import today
from bianzhi.supervision.services import monitoring_run


class Command(DataCommand):
    help = "按负面清单规则监测（默认今天，北京时间）"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=iso_date, help=f"监测日期 YYYY-MM-DD（默认今天；{DAY_RANGE}）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        ensure_migrated()
        as_of = options["as_of"] or today()
        _, alerts = monitoring_run(as_of=as_of)
        if options["json"]:
            write_json({"as_of": as_of.isoformat(), "alerts": alerts})
            return
        lines = [f"监测日期 {as_of}：{len(alerts)} 条预警"]
        lines += [f"  [{a['severity']}] {a['rule']} {a['message']}" for a in alerts]
        write_text("\n".join(lines))
