"""Working days on China's official calendar (domain.md §4: the late_write_off deadline).

The source of truth is the pinned ``holidays`` package (``holidays==0.109`` in pyproject.toml),
``holidays.China`` — never a home-made list — with the office's own 工作日历 on top.

Years the package carries. A year counts as official when the package holds the State Council's
arrangement for it, i.e. the year is a key of ``ChinaStaticHolidays.special_public_holidays``
(2001–2026 in 0.109). A day of such a year is a working day when ``holidays.China.is_working_day``
says so: a weekday that is not a public holiday (including the days off moved by the State
Council's annual notice, 调休, and the package's 补假 that the notice confirms), or a Saturday/Sunday
in the instance's ``weekend_workdays`` set (the make-up working days, 补班). The package builds
``weekend_workdays`` from ``special_public_holidays``: each ``(to_month, to_day, from_month,
from_day[, from_year])`` entry moves a working day from a weekend ``from`` day to the ``to`` day.

Other years (domain.md §4). For a year whose notice the package does not carry, the statutory
holidays the package computes for it still count — 元旦, 春节 with 除夕, 清明, 劳动节, 端午, 中秋,
国庆, i.e. ``holidays.China(observed=False)`` — but not its guessed substitute days (the
“（补假）”/“observed” days it adds when a holiday falls on a weekend), and there are no make-up
working days; outside the package's range (before 1950, after 2100) that leaves plain weekdays. A
deadline falling in such a year is *provisional* (:func:`deadline_is_provisional`): late_write_off
says （暂定） until the year's schedule is complete.

The office's 工作日历 (``WorkCalendarDay``, ``WorkCalendarYear`` in bianzhi.core.models). Each entry
states one day a day off (休息日/法定节假日) or a make-up working day (调休上班) and overrides the
package in any year; a year marked complete (已按国务院办公厅通知录入完整) is no longer provisional.
They are written only through :func:`work_calendar_day_set`, :func:`work_calendar_day_remove` and
:func:`work_calendar_year_mark`, which log every change (who, when, before, after); stored
deadlines are then recomputed by ``bianzhi.registry.services.deadlines`` (core does not import
registry: the caller runs both in one transaction).

Caching. The package's working days are computed once per year (``functools.cache``) into a
sorted tuple and a frozenset of day ordinals; the office's entries are read from the database into
a per-process snapshot, and the per-year days with the entries applied are cached under that
snapshot, so per-person calls do no ``holidays`` work and no query (about 1 µs per
``write_off_deadline`` once warm). The writing services drop the snapshot at once
(:func:`clear_cache`); every other process re-reads the entries at most every
:data:`RELOAD_SECONDS` and rebuilds its per-year days only when they differ. Upgrading the pin is how
a new year's official arrangement arrives; re-run tests/core/test_workdays.py and recompute the
stored deadlines (``recompute_write_off_deadlines(None)``) when doing so.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import holidays

if TYPE_CHECKING:
    from bianzhi.core.models import WorkCalendarDay, WorkCalendarYear

__all__ = [
    "DAY_OFF",
    "WORKING_DAY",
    "PackageDay",
    "add_working_days",
    "clear_cache",
    "deadline_is_provisional",
    "is_working_day",
    "official_years",
    "package_days",
    "work_calendar_day_remove",
    "work_calendar_day_set",
    "work_calendar_year_mark",
    "write_off_deadline",
    "year_is_complete",
]

logger = logging.getLogger(__name__)

WRITE_OFF_WORKING_DAYS = 10
#: how long a process trusts its snapshot of the office's 工作日历 before re-reading it
RELOAD_SECONDS = 10.0
#: after a failed read (no database in this process, or a database error), retry this soon
RETRY_SECONDS = 1.0
#: the years the 工作日历 accepts (the CLI's range of dates)
FIRST_YEAR, LAST_YEAR = 1900, 2199

DAY_OFF = "off"
WORKING_DAY = "work"
KIND_LABELS = {DAY_OFF: "休息日（法定节假日）", WORKING_DAY: "调休上班"}

# ---------------------------------------------------------------- the package


@functools.lru_cache(maxsize=1)
def _official_calendar() -> tuple[holidays.HolidayBase, frozenset[int]]:
    """The ``holidays.China`` calendar populated for every year it holds an official arrangement for."""
    probe = holidays.China(years=())
    known = frozenset(probe.special_public_holidays)
    # Populate all known years up front: ``weekend_workdays`` gains a year's make-up days only when
    # that year is populated, so lazy (expand=True) population would make answers order-dependent.
    calendar = holidays.China(years=sorted(known))
    return calendar, known


def official_years() -> frozenset[int]:
    """The years whose State Council arrangement the pinned package carries."""
    return _official_calendar()[1]


@functools.cache
def _package_working_days(year: int) -> tuple[int, ...]:
    """Ordinals of ``year``'s working days per the package alone (domain.md §4), sorted."""
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    calendar, known = _official_calendar()
    if year in known:
        return tuple(n for n in range(first, last + 1) if calendar.is_working_day(date.fromordinal(n)))
    # Not carried: the statutory holidays the package computes, without its guessed substitute
    # (observed) days and without make-up working days; none at all outside its range.
    statutory = {d.toordinal() for d in holidays.China(years=year, observed=False)}
    # date.weekday() == (ordinal - 1) % 7 with Monday = 0.
    return tuple(n for n in range(first, last + 1) if (n - 1) % 7 < 5 and n not in statutory)


@dataclass(frozen=True)
class PackageDay:
    """A day the package makes special in a year: a day off on a weekday or weekend, or a make-up
    working day (调休上班) — what the 工作日历 page shows next to the office's entries."""

    day: date
    name: str
    kind: str  # DAY_OFF or WORKING_DAY


def package_days(year: int) -> list[PackageDay]:
    """The package's days off and make-up working days of ``year``, as they count here: for a year
    it does not carry, only the statutory holidays (not its guessed substitute days)."""
    official = year in official_years()
    names = holidays.China(years=year, observed=official, language="zh_CN")
    days = [PackageDay(day, str(name), DAY_OFF) for day, name in names.items() if day.year == year]
    if official:
        calendar = _official_calendar()[0]
        days += [PackageDay(d, "调休上班", WORKING_DAY) for d in calendar.weekend_workdays if d.year == year]
    return sorted(days, key=lambda d: d.day)


# ---------------------------------------------------------------- the office's 工作日历 (a per-process snapshot)


@dataclass(frozen=True)
class _Office:
    off: frozenset[int] = frozenset()  # ordinals the office declares days off
    work: frozenset[int] = frozenset()  # ordinals the office declares working days
    complete: frozenset[int] = frozenset()  # years marked 已按国务院办公厅通知录入完整


@dataclass
class _State:
    office: _Office
    years: dict[int, tuple[tuple[int, ...], frozenset[int]]] = field(default_factory=dict)
    next_check: float = 0.0  # time.monotonic() at which to re-read the entries


_EMPTY = _Office()
_state = _State(_EMPTY)
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the snapshot of the office's entries: the next call re-reads them (the writing
    services call this; tests call it between cases)."""
    global _state
    _state = _State(_EMPTY)


def _read_office() -> _Office:
    from django.db import transaction

    from bianzhi.core.models import WorkCalendarDay, WorkCalendarYear

    # A savepoint: a failed read (e.g. the table not migrated yet) leaves the caller's transaction usable.
    with transaction.atomic():
        entries = list(WorkCalendarDay.objects.values_list("day", "kind"))
        complete = frozenset(WorkCalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    return _Office(
        off=frozenset(d.toordinal() for d, kind in entries if kind == DAY_OFF),
        work=frozenset(d.toordinal() for d, kind in entries if kind == WORKING_DAY),
        complete=complete,
    )


def _connection_busy() -> bool:
    """True while the default connection is in the middle of a command — a COPY streaming the
    stored people to a re-import, say: a query on it now would wait for the stream, which waits
    for us. The snapshot in hand serves until it is free (``load_calendar`` warms it beforehand)."""
    from django.db import connection

    info = getattr(getattr(connection, "connection", None), "info", None)
    status = getattr(info, "transaction_status", None)
    return getattr(status, "name", "") == "ACTIVE"


def load_calendar() -> None:
    """Read the office's calendar now, before a long streamed read of the database begins."""
    _current()


def _current() -> _State:
    """The snapshot, re-read when it is older than RELOAD_SECONDS."""
    global _state
    state = _state
    now = time.monotonic()
    if now < state.next_check or _connection_busy():
        return state
    with _lock:
        state = _state
        if now < state.next_check:
            return state
        from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
        from django.db import DatabaseError

        try:
            office = _read_office()
        except (DatabaseError, RuntimeError, ImproperlyConfigured, AppRegistryNotReady) as exc:
            # RuntimeError: this process may not use the database (pytest-django's guard for tests
            # without one); ImproperlyConfigured, AppRegistryNotReady: a script without Django (the
            # demo generator). Keep what we had (the package's calendar alone); try again soon.
            logger.log(
                logging.WARNING if isinstance(exc, DatabaseError) else logging.DEBUG, "工作日历读取失败：%s", exc
            )
            state.next_check = now + RETRY_SECONDS
            return state
        if office == state.office:
            state.next_check = now + RELOAD_SECONDS
            return state
        _state = _State(office, next_check=now + RELOAD_SECONDS)
        return _state


def _working_days(year: int) -> tuple[tuple[int, ...], frozenset[int]]:
    """Ordinals of ``year``'s working days, sorted, and the same as a set: the package's, with the
    office's entries applied."""
    state = _current()
    cached = state.years.get(year)
    if cached is None:
        days = _package_working_days(year)
        office = state.office
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        off = {n for n in office.off if first <= n <= last}
        work = {n for n in office.work if first <= n <= last}
        if off or work:
            days = tuple(sorted((set(days) - off) | work))
        cached = (days, frozenset(days))
        state.years[year] = cached
    return cached


def is_working_day(day: date) -> bool:
    """True if ``day`` is a working day on China's official calendar (make-up days 补班 included),
    as the office's 工作日历 amends it."""
    return day.toordinal() in _working_days(day.year)[1]


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day strictly after ``start`` (``start`` itself when ``count`` is 0)."""
    if count < 0:
        raise ValueError(f"count must be >= 0, not {count!r}")
    if count == 0:
        return start
    remaining = count
    year = start.year
    after = start.toordinal()
    while True:
        days = _working_days(year)[0]
        index = bisect_right(days, after)
        available = len(days) - index
        if remaining <= available:
            return date.fromordinal(days[index + remaining - 1])
        remaining -= available
        year += 1


def write_off_deadline(left: date) -> date:
    """Deadline to write off a person who left on ``left``: the 10th working day after it.

    domain.md §4, rule ``late_write_off``: e.g. 离编日期 2026-03-02 → deadline 2026-03-16.
    """
    return add_working_days(left, WRITE_OFF_WORKING_DAYS)


def year_is_complete(year: int) -> bool:
    """Whether ``year``'s schedule is complete: carried by the package, or marked so by the office."""
    return year in official_years() or year in _current().office.complete


def deadline_is_provisional(day: date) -> bool:
    """Whether a deadline on ``day`` is provisional (domain.md §4): its year's official schedule is
    neither carried by the package nor marked complete in the office's 工作日历."""
    return not year_is_complete(day.year)


# ---------------------------------------------------------------- services: the only writers of the 工作日历


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"年份 {year} 超出范围（{FIRST_YEAR}–{LAST_YEAR}）")


def _entry_state(entry: WorkCalendarDay | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"日期": entry.day.isoformat(), "类型": KIND_LABELS[entry.kind], "说明": entry.note}


def _year_state(entry: WorkCalendarYear | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"年份": entry.year, "已录入完整": entry.complete, "说明": entry.note}


def _changed() -> None:
    """The 工作日历 changed in this transaction: this process re-reads it at once (inside the
    transaction, so a recomputation there sees the change) and again after the commit."""
    from django.db import transaction

    clear_cache()
    transaction.on_commit(clear_cache)


def work_calendar_day_set(
    *, day: date, kind: str, note: str = "", user: Any = None, origin: str = ""
) -> WorkCalendarDay:
    """Declare ``day`` a day off (``DAY_OFF``) or a make-up working day (``WORKING_DAY``), adding
    or changing the office's entry; logged (nothing is written when nothing changes). Deadlines
    stored in the register are the caller's to recompute (``recompute_write_off_deadlines``)."""
    from django.db import transaction

    from bianzhi.core.changelog import change_context, record_change
    from bianzhi.core.models import WorkCalendarDay

    _check_year(day.year)
    if kind not in KIND_LABELS:
        raise ValueError(f"类型“{kind}”无效，应为 休息日 或 调休上班")
    with transaction.atomic():
        entry = WorkCalendarDay.objects.select_for_update().filter(day=day).first()
        before = _entry_state(entry)
        if entry is None:
            entry = WorkCalendarDay(day=day)
        entry.kind, entry.note = kind, note.strip()
        after = _entry_state(entry)
        if after == before:
            return entry
        with change_context(source="web" if user is not None else "service", user=user, origin=origin):
            entry.save()
            record_change(entity="工作日历", key=day.isoformat(), before=before, after=after)
        _changed()
    return entry


def work_calendar_day_remove(*, day: date, user: Any = None, origin: str = "") -> None:
    """Remove the office's entry for ``day`` (the package's answer holds again); logged."""
    from django.db import transaction

    from bianzhi.core.changelog import change_context, record_change
    from bianzhi.core.models import WorkCalendarDay

    with transaction.atomic():
        entry = WorkCalendarDay.objects.select_for_update().filter(day=day).first()
        if entry is None:
            raise ValueError(f"工作日历中没有 {day.isoformat()} 的条目")
        before = _entry_state(entry)
        with change_context(source="web" if user is not None else "service", user=user, origin=origin):
            entry.delete()
            record_change(entity="工作日历", key=day.isoformat(), before=before, after=None)
        _changed()


def work_calendar_year_mark(
    *, year: int, complete: bool, note: str | None = None, user: Any = None, origin: str = ""
) -> WorkCalendarYear:
    """Mark ``year`` complete (已按国务院办公厅通知录入完整: its deadlines are no longer provisional)
    or incomplete again; logged (nothing is written when nothing changes). No stored deadline
    changes: only whether deadlines in that year are provisional."""
    from django.db import transaction

    from bianzhi.core.changelog import change_context, record_change
    from bianzhi.core.models import WorkCalendarYear

    _check_year(year)
    with transaction.atomic():
        entry = WorkCalendarYear.objects.select_for_update().filter(year=year).first()
        before = _year_state(entry)
        if entry is None:
            entry = WorkCalendarYear(year=year)
        entry.complete = complete
        if note is not None:
            entry.note = note.strip()
        after = _year_state(entry)
        if after == (before or {"年份": year, "已录入完整": False, "说明": ""}):
            return entry
        with change_context(source="web" if user is not None else "service", user=user, origin=origin):
            entry.save()
            record_change(entity="工作日历年度", key=str(year), before=before, after=after)
        _changed()
    return entry
