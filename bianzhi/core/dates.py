"""Effective dating: every versioned fact holds on days ``valid_from <= D < valid_to``.

Open ends are stored as sentinel dates rather than NULL so that "as of D" is a plain range
test on two indexed columns on both SQLite and PostgreSQL (architecture.md, "History has two parts").
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEGINNING = dt.date(1, 1, 1)
END = dt.date(9999, 12, 31)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today in Asia/Shanghai — the default "as of" day of every figure."""
    return dt.datetime.now(tz=SHANGHAI).date()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def format_month(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
