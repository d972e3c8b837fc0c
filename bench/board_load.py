"""Load test of the one-screen board's data endpoint, GET /api/v1/board (issue 15).

Target: under 300 ms at the 95th percentile with 1,000,000 people on PostgreSQL and 20 concurrent users.

1. (``--people N`` on a database without people) migrates it, imports bench/generate.py's province of
   N people (bench/out/province-N, generated when missing) and stores a monitoring run as of 2026-06-30;
2. starts the WSGI application (bianzhi.config.wsgi) in its own process under the standard library's
   multi-threaded WSGI server (wsgiref + ThreadingMixIn; no new dependency), with a personal API token
   of a staffing officer made for the run;
3. asks each board once — the four dimensions (department: a few departments), a few ``as_of`` days —
   and records these first ("cold") answers, which compute the figures and fill the cache;
4. runs ``--users`` client threads (default 20) for ``--seconds`` (default 30), each asking random boards
   of that set one after another, and records p50/p95/p99, the throughput and the errors.

Run alone:  .venv/bin/python bench/board_load.py --database-url postgres://postgres@127.0.0.1:5432/board1m --people 1000000
Prints the figures as JSON on stdout; `make bench` (bench/run.py) runs it after the PostgreSQL import and
writes them to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

BIANZHI = str(Path(sys.executable).with_name("bianzhi"))
AS_OF_DAYS = ["2026-06-30", "2026-03-31", "2025-12-31"]
DEPARTMENTS = 3
TARGET_P95_MS = 300.0

#: The server process: the WSGI application under wsgiref with one thread per request. It makes a
#: staffing officer with a token, picks a few departments, prints them as one JSON line, then serves.
SERVER = r"""
import json, socketserver, sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
django.setup()
from django.contrib.auth.models import User
from bianzhi.accounts.services import api_token_create, role_grant_create
from bianzhi.registry.models import UnitVersion
from bianzhi.config.wsgi import application


class Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


user, created = User.objects.get_or_create(username="bench-board", defaults={"first_name": "基准测试"})
if created:
    role_grant_create(user=user, role="officer", unit=None, actor="bench")
token = api_token_create(user=user, name="全局一屏基准测试").secret
departments = list(
    UnitVersion.objects.filter(parent__isnull=True)
    .exclude(kind="内设机构")
    .order_by("unit__code")
    .values_list("unit__code", flat=True)[: int(sys.argv[1])]
)
server = make_server("127.0.0.1", 0, application, server_class=Server, handler_class=Quiet)
print(json.dumps({"port": server.server_port, "token": token, "departments": departments}), flush=True)
server.serve_forever()
"""


def prepare(url: str, people: int) -> None:
    """Migrate, import the province of ``people`` and monitor it, unless the database has people."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([BIANZHI, "migrate", "-v0"], env=env, check=True)
    count = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from bianzhi.registry.models import Person; "
         "print(Person.objects.count())"],
        env={**env, "DJANGO_SETTINGS_MODULE": "bianzhi.config.settings"}, capture_output=True, check=True, cwd=ROOT,
    )  # fmt: skip
    if int(count.stdout.decode().strip() or 0) > 0:
        return
    from generate import generate

    folder = ROOT / "bench" / "out" / f"province-{people}"
    if not (folder / "人员.csv").exists():
        print(f"生成 {people:,} 人的省级工作簿 → {folder}", file=sys.stderr)
        generate(folder, people=people)
    print(f"导入 {folder}", file=sys.stderr)
    subprocess.run([BIANZHI, "import", str(folder), "--json"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [BIANZHI, "monitor", "--as-of", AS_OF_DAYS[0], "--json"], env=env, check=True, stdout=subprocess.DEVNULL
    )


def start_server(url: str) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bianzhi.config.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(DEPARTMENTS)], env=env, stdout=subprocess.PIPE, cwd=ROOT
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise SystemExit("全局一屏基准测试：服务进程未能启动")
    return process, json.loads(line)


def queries(departments: list[str]) -> list[str]:
    result = []
    for day in AS_OF_DAYS:
        for dimension in ("district", "party", "government"):
            result.append(f"/api/v1/board?dimension={dimension}&as_of={day}")
        for code in departments:
            result.append(f"/api/v1/board?dimension=department&unit={code}&as_of={day}")
    return result


def ask(port: int, token: str, path: str, timeout: float = 600) -> tuple[int, float, int]:
    """Status, milliseconds and body size of one request."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read()
        return response.status, (time.perf_counter() - start) * 1000, len(body)
    finally:
        connection.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def load(port: int, token: str, paths: list[str], *, users: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def user(seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < stop:
            path = rng.choice(paths)
            try:
                status, ms, _size = ask(port, token, path, timeout=60)
            except OSError as exc:
                with lock:
                    errors.append(f"{path}: {exc}")
                continue
            with lock:
                latencies.append(ms)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1) if elapsed else 0,
        "errors": len(errors),
        "error_samples": errors[:5],
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1) if latencies else 0,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0,
    }


def run(url: str, *, people: int | None, users: int = 20, seconds: float = 30) -> dict[str, Any]:
    if people:
        prepare(url, people)
    process, info = start_server(url)
    try:
        paths = queries(info["departments"])
        cold: list[float] = []
        sizes: list[int] = []
        for path in paths:
            status, ms, size = ask(info["port"], info["token"], path)
            if status != 200:
                raise SystemExit(f"全局一屏基准测试：{path} 返回 HTTP {status}")
            cold.append(ms)
            sizes.append(size)
        result = load(info["port"], info["token"], paths, users=users, seconds=seconds)
        result.update(
            {
                "boards": len(paths),
                "cold_max_ms": round(max(cold), 1),
                "cold_median_ms": round(statistics.median(cold), 1),
                "reply_kb": round(statistics.median(sizes) / 1024, 1),
                "target_p95_ms": TARGET_P95_MS,
                "met": result["p95_ms"] < TARGET_P95_MS and result["errors"] == 0,
            }
        )
        return result
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="GET /api/v1/board 的并发负载测试（全局一屏）")
    parser.add_argument("--database-url", required=True, help="数据库（PostgreSQL 或 SQLite 的 DATABASE_URL）")
    parser.add_argument("--people", type=int, default=None, help="数据库中尚无人员时先导入该规模的省级工作簿")
    parser.add_argument("--users", type=int, default=20, help="并发用户数（默认 20）")
    parser.add_argument("--seconds", type=float, default=30, help="负载持续秒数（默认 30）")
    args = parser.parse_args()
    result = run(args.database_url, people=args.people, users=args.users, seconds=args.seconds)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
