"""bianzhi demo [ADDRESS] — build the demo district 越城区 and serve it on ADDRESS, 127.0.0.1:8000 by default
(interchange.md §2; ``make demo ADDR=127.0.0.1:8001``). A busy or unusable address is refused, exit code 2,
before anything is built."""

from __future__ import annotations

import signal
import subprocess  # nosec B404 # the demo starts its own worker, with a fixed command line
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bianzhi.core.cli import MISUSE, write_text
from bianzhi.demo.address import DEFAULT_ADDRESS, AddressError, check_free, parse_address
from bianzhi.demo.generator import AS_OF
from bianzhi.demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_build


def _die_with_parent() -> None:
    """In the demo's worker process: end it when the demo process ends, however that ends
    (Linux ``PR_SET_PDEATHSIG``; elsewhere the worker is stopped when the server stops)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Command(BaseCommand):
    help = "构建演示区（越城区，固定随机种子，每次数据相同）并在 http://127.0.0.1:8000（或指定的地址）提供服务"

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport", nargs="?", metavar="地址", help="服务地址，如 127.0.0.1:8001 或 8001（默认 127.0.0.1:8000）"
        )
        parser.add_argument("--no-serve", action="store_true", help="只构建数据，不启动网页服务")
        parser.add_argument("--people", type=int, default=6000, help="人员数（默认 6000）")
        parser.add_argument("--addr", default=None, help="服务地址（同上面的位置参数）")

    def handle(self, *args, **options):
        address = None
        if not options["no_serve"]:
            # Before any database work: a busy port is found now, not after the demo is built.
            try:
                address = parse_address(options["addrport"] or options["addr"] or DEFAULT_ADDRESS)
                check_free(address)
            except AddressError as error:
                raise CommandError(str(error), returncode=MISUSE) from error
        database = settings.DATABASES["default"]
        demo_file = Path(settings.DATA_DIR) / "demo.sqlite3"
        if database["ENGINE"].endswith("sqlite3") and Path(database["NAME"]) == demo_file:
            # The demo's own file: rebuilt from scratch so every run gives the same data.
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{demo_file}{suffix}").unlink(missing_ok=True)
        else:
            call_command("migrate", verbosity=0)
            from bianzhi.registry.models import Unit

            if Unit.objects.exists():
                raise CommandError(
                    "DATABASE_URL 指向的数据库已有数据，演示数据只能构建到空数据库中（不设置 DATABASE_URL 时使用独立的演示库）",
                    returncode=MISUSE,
                )
        write_text("正在构建演示区：浙江省绍兴市越城区（330602）…")
        call_command("migrate", verbosity=0)
        summary = demo_build(data_dir=Path(settings.DATA_DIR), people=options["people"])
        created = summary.imported.created
        lines = [
            f"{settings.PLATFORM_NAME} · 演示区已就绪",
            f"  数据库：{database['NAME']}",
            f"  标准工作簿：{summary.workbook}（可用 bianzhi import 再次导入）",
            "  导入：" + "，".join(f"{sheet} {n}" for sheet, n in created.items()),
            f"  截至 {AS_OF} 的监测预警 {summary.alerts_as_of} 条："
            + "，".join(f"{rule} {n}" for rule, n in summary.alert_counts.items()),
            "  演示账号（密码均为 " + DEMO_PASSWORD + "）：",
            *[f"    {username:8s} {role}" for username, role in DEMO_ACCOUNTS],
        ]
        if address is None:
            write_text("\n".join(lines))
            return
        lines.append(f"  打开 http://{address}/ 登录（Ctrl+C 停止）")
        write_text("\n".join(lines))
        # The import pages validate and import workbooks in the background: the demo runs its own
        # worker (`bianzhi db_worker`) beside the web server, on the same database.
        worker = subprocess.Popen(  # nosec B603 # this interpreter and fixed arguments, no input
            [sys.executable, "-m", "bianzhi.config.cli", "db_worker", "--no-startup-delay", "--no-reload"],
            preexec_fn=_die_with_parent,  # set before any thread starts
        )
        try:
            call_command("runserver", str(address), use_reloader=False, insecure_serving=True)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
