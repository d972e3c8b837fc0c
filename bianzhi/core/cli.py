"""Helpers for the management commands behind the ``bianzhi`` script (interchange.md §2)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

MISUSE = 2
REJECTED = 1


def write_json(document: Any) -> None:
    """Exactly one JSON document on standard output, UTF-8 whatever the locale."""
    sys.stdout.flush()
    sys.stdout.buffer.write(json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def write_text(text: str) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def iso_date(value: str) -> dt.date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise argparse.ArgumentTypeError(f"“{value}”不是 YYYY-MM-DD 格式的日期")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"“{value}”不是有效日期") from exc


def iso_month(value: str) -> dt.date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
        raise argparse.ArgumentTypeError(f"“{value}”不是 YYYY-MM 格式的月份")
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12 or year < 1:
        raise argparse.ArgumentTypeError(f"“{value}”不是有效月份")
    return dt.date(year, month, 1)


def positive_int(value: str) -> int:
    if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
        raise argparse.ArgumentTypeError(f"“{value}”应为不小于 1 的整数")
    return int(value)


def ensure_migrated() -> None:
    """Refuse (exit 2) to work on a database whose schema is missing or out of date."""
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(f"无法连接数据库：{exc}", returncode=MISUSE) from exc
    if plan:
        raise CommandError("数据库尚未初始化或需要升级，请先运行 bianzhi migrate", returncode=MISUSE)


class ProgressLine:
    """A one-line progress display on standard error, only when it is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.width = 0

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        text = f"\r{message}…"
        pad = max(0, self.width - len(text))
        sys.stderr.write(text + " " * pad)
        sys.stderr.flush()
        self.width = len(text)

    def done(self) -> None:
        if self.enabled and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()
