"""Working days on China's official calendar (domain.md §4: the late_write_off deadline).

The source of truth is the pinned ``holidays`` package (``holidays==0.109`` in pyproject.toml),
``holidays.China`` — never a home-made list. A day is a working day when
``holidays.China.is_working_day`` says so: a weekday that is not a public holiday (including the
days off moved by the State Council's annual notice, 调休), or a Saturday/Sunday in the instance's
``weekend_workdays`` set (the make-up working days, 补班). The package builds ``weekend_workdays``
from ``ChinaStaticHolidays.special_public_holidays``: each ``(to_month, to_day, from_month,
from_day[, from_year])`` entry moves a working day from a weekend ``from`` day to the ``to`` day.

A year counts as known when the package holds the State Council's arrangement for it, i.e. the
year is a key of ``special_public_holidays`` (2001–2026 in 0.109). For any other year — one whose
notice is not yet published or in the package, or one outside the package's range — working days
fall back to plain weekdays (Monday–Friday), as domain.md §4 requires. Upgrading the pin is how a
new year's arrangement arrives; re-run tests/core/test_workdays.py when doing so.

Each year is computed once (``functools.cache``, an unbounded ``lru_cache``) into a sorted tuple and
a frozenset of day ordinals, so per-person calls do no ``holidays`` work at all (about 0.6 µs per
``write_off_deadline`` once warm).
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from datetime import date

import holidays

__all__ = ["add_working_days", "is_working_day", "write_off_deadline"]

WRITE_OFF_WORKING_DAYS = 10


@functools.lru_cache(maxsize=1)
def _official_calendar() -> tuple[holidays.HolidayBase, frozenset[int]]:
    """The ``holidays.China`` calendar populated for every year it holds an official arrangement for."""
    probe = holidays.China(years=())
    known = frozenset(probe.special_public_holidays)
    # Populate all known years up front: ``weekend_workdays`` gains a year's make-up days only when
    # that year is populated, so lazy (expand=True) population would make answers order-dependent.
    calendar = holidays.China(years=sorted(known))
    return calendar, known


@functools.cache
def _working_days(year: int) -> tuple[tuple[int, ...], frozenset[int]]:
    """Ordinals of ``year``'s working days, sorted, and the same as a set."""
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    calendar, known = _official_calendar()
    if year in known:
        days = tuple(n for n in range(first, last + 1) if calendar.is_working_day(date.fromordinal(n)))
    else:
        # date.weekday() == (ordinal - 1) % 7 with Monday = 0.
        days = tuple(n for n in range(first, last + 1) if (n - 1) % 7 < 5)
    return days, frozenset(days)


def is_working_day(day: date) -> bool:
    """True if ``day`` is a working day on China's official calendar (make-up days 补班 included)."""
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
