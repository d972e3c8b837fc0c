"""The daily schedule (domain.md §4: "a full run is scheduled daily"): the ``bianzhi scheduler``
process, a plain loop that sleeps until the next ``BIANZHI_MONITOR_AT`` (default 01:15, Asia/Shanghai)
and then does the day's work — a full monitoring run as of today, and every function other apps
registered with :func:`register_daily` (the rectification app's overdue escalation). The work is
done in the process itself, or handed to the ``bianzhi db_worker`` as a task (``--enqueue``).

A cron job or systemd timer running ``bianzhi scheduler --once`` at the same time is the
alternative; both are documented in the README."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bianzhi.core.dates import SHANGHAI

log = logging.getLogger(__name__)

DEFAULT_AT = "01:15"
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")

#: Functions run once a day after the monitoring run, in the order registered; each takes no
#: argument (it works as of today). Registered from other apps' ``AppConfig.ready``.
_DAILY: list[Callable[[], object]] = []


def register_daily(function: Callable[[], object]) -> Callable[[], object]:
    """Run ``function`` (no arguments) every day after the scheduled monitoring run; registering the
    same function twice registers it once. Usable as a decorator."""
    if function not in _DAILY:
        _DAILY.append(function)
    return function


def daily_functions() -> list[Callable[[], object]]:
    return list(_DAILY)


def parse_time(text: str) -> dt.time:
    """``HH:MM`` (24-hour clock) → a time; a ValueError in Chinese naming the setting otherwise."""
    match = _TIME.fullmatch((text or "").strip())
    if match is None:
        raise ValueError(f"BIANZHI_MONITOR_AT 应为 24 小时制的时间 HH:MM（如 01:15），而不是“{text}”")
    return dt.time(int(match.group(1)), int(match.group(2)))


def monitor_at() -> dt.time:
    """The configured time of the daily run (``BIANZHI_MONITOR_AT``, Asia/Shanghai)."""
    return parse_time(os.environ.get("BIANZHI_MONITOR_AT", DEFAULT_AT))


def next_run_at(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The first moment after ``now`` (an aware datetime) at ``at`` on the wall clock of ``now``'s
    zone: later today, or tomorrow when that time has come already."""
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate <= now:
        candidate = (candidate + dt.timedelta(days=1)).replace(hour=at.hour, minute=at.minute)
    return candidate


def missed_today(now: dt.datetime, at: dt.time) -> bool:
    """Whether today's run is due but was not done (the process started after ``at``, or was down
    then): no full run as of today is stored and the time has passed."""
    from bianzhi.supervision.models import MonitoringRun

    if now.time() < at:
        return False
    return not MonitoringRun.objects.filter(as_of=now.date(), full=True, finished_at__isnull=False).exists()


@dataclass
class DailyReport:
    day: dt.date
    run: int | None = None
    alerts: int = 0
    done: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def _name(function: Callable[[], object]) -> str:
    return str(getattr(function, "__qualname__", None) or getattr(function, "__name__", repr(function)))


def daily_run(*, day: dt.date) -> DailyReport:
    """The day's work: a full monitoring run as of ``day``, then every registered daily function.
    A failing function is logged and reported, and does not stop the others."""
    from bianzhi.supervision.services import monitoring_run

    run, alerts = monitoring_run(as_of=day)
    report = DailyReport(day=day, run=run.pk, alerts=len(alerts))
    for function in daily_functions():
        name = _name(function)
        try:
            function()
        except Exception as exc:  # one app's failure must not stop the others' daily work
            log.exception("每日任务 %s 失败", name)
            report.failures.append((name, f"{type(exc).__name__}: {exc}"))
        else:
            report.done.append(name)
    return report


def now_in_shanghai() -> dt.datetime:
    return dt.datetime.now(tz=SHANGHAI)
