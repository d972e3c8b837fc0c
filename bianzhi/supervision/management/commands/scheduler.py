"""bianzhi scheduler — the daily schedule (domain.md §4): a long-running process that, every day at
BIANZHI_MONITOR_AT (default 01:15, Asia/Shanghai), runs a full monitoring run as of today and the
daily functions other apps registered (``bianzhi.supervision.scheduler.register_daily``). ``--once``
does the day's work now and exits (for cron or a systemd timer instead of the loop)."""

from __future__ import annotations

import time

from django.core.management.base import CommandError

from bianzhi.core.cli import DataCommand, ensure_migrated, write_text
from bianzhi.supervision import scheduler


class Command(DataCommand):
    help = "每日定时监测：每天 BIANZHI_MONITOR_AT（默认 01:15，北京时间）运行全区监测及其他每日任务（如问题逾期升级）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="立即执行一次当天的任务后退出（供 cron 或 systemd 定时器调用）"
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="把任务交给后台任务进程（bianzhi db_worker）执行，而不在本进程中执行"
        )

    def handle(self, *args, **options):
        try:
            at = scheduler.monitor_at()
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        ensure_migrated()
        if options["once"]:
            self._work(enqueue=options["enqueue"])
            return
        now = scheduler.now_in_shanghai()
        if scheduler.missed_today(now, at):
            write_text(f"今天 {at:%H:%M} 的监测尚未运行，现在补做")
            self._work(enqueue=options["enqueue"])
        while True:  # pragma: no cover - the loop itself only sleeps; its parts are tested
            now = scheduler.now_in_shanghai()
            due = scheduler.next_run_at(now, at)
            write_text(f"下次监测：{due:%Y-%m-%d %H:%M}（北京时间）")
            time.sleep(max(1.0, (due - now).total_seconds()))
            self._work(enqueue=options["enqueue"])

    def _work(self, *, enqueue: bool) -> None:
        day = scheduler.now_in_shanghai().date()
        if enqueue:
            from bianzhi.supervision.tasks import run_daily

            result = run_daily.enqueue(day.isoformat())
            write_text(f"{day} 的每日任务已交给后台任务进程（任务 {result.id}）")
            return
        report = scheduler.daily_run(day=day)
        lines = [f"{day} 监测完成：运行 #{report.run}，{report.alerts} 条预警"]
        lines += [f"  已执行：{name}" for name in report.done]
        lines += [f"  失败：{name}：{error}" for name, error in report.failures]
        write_text("\n".join(lines))
