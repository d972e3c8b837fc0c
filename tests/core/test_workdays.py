"""Working days on China's official calendar (domain.md §4, late_write_off), from the pinned ``holidays``."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from bianzhi.core.workdays import add_working_days, is_working_day, write_off_deadline

# --- domain.md §4 worked example -----------------------------------------------------------------


def test_domain_example_deadline_is_10th_working_day() -> None:
    # 调出 with 离编日期 2026-03-02 (March 2026 has no holiday): deadline 2026-03-16.
    assert write_off_deadline(date(2026, 3, 2)) == date(2026, 3, 16)


def test_add_working_days_is_strictly_after_start() -> None:
    assert add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 3)  # Mon -> Tue
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Fri -> Mon
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # Sat -> Mon
    assert add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)


def test_negative_count_is_rejected() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 2), -1)


# --- 2026 official arrangement (国务院办公厅 2025-11 notice, as held by holidays==0.109) ----------


@pytest.mark.parametrize(
    "makeup_day",
    [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)],
)
def test_2026_make_up_weekend_days_are_working_days(makeup_day: date) -> None:
    assert makeup_day.weekday() >= 5  # a Saturday or Sunday
    assert is_working_day(makeup_day)


@pytest.mark.parametrize(
    "holiday_weekday",
    [
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 2, 16),
        date(2026, 2, 17),
        date(2026, 2, 20),  # day off moved from Saturday 2026-02-14
        date(2026, 2, 23),  # day off moved from Saturday 2026-02-28
        date(2026, 5, 5),
        date(2026, 10, 1),
        date(2026, 10, 6),
        date(2026, 10, 7),
    ],
)
def test_2026_holiday_weekdays_are_not_working_days(holiday_weekday: date) -> None:
    assert holiday_weekday.weekday() < 5
    assert not is_working_day(holiday_weekday)


def test_plain_weekend_is_not_a_working_day() -> None:
    assert not is_working_day(date(2026, 2, 15))  # Sunday inside the Spring Festival break
    assert not is_working_day(date(2026, 3, 7))  # ordinary Saturday


def test_deadline_over_2026_spring_festival() -> None:
    # Left Thu 2026-02-12: 02-13 (1), Sat 02-14 make-up (2), 02-15..02-23 off, 02-24..02-27 (3-6),
    # Sat 02-28 make-up (7), 03-02..03-04 (8-10).
    assert write_off_deadline(date(2026, 2, 12)) == date(2026, 3, 4)
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_deadline_over_2026_national_day() -> None:
    # Left Fri 2026-09-18: Sun 09-20 make-up (1), 09-21..09-24 (2-5), 09-25 中秋 off, 09-28..09-30 (6-8),
    # 10-01..10-07 off, 10-08, 10-09 (9, 10).
    assert write_off_deadline(date(2026, 9, 18)) == date(2026, 10, 9)
    # and Sat 10-10 is the 11th
    assert add_working_days(date(2026, 9, 18), 11) == date(2026, 10, 10)


def test_deadline_across_the_new_year_2025_2026() -> None:
    # Left Wed 2025-12-24: 12-25, 12-26, 12-29, 12-30, 12-31 (5), 2026-01-01..03 off, Sun 01-04 make-up (6),
    # 01-05..01-08 (7-10).
    assert write_off_deadline(date(2025, 12, 24)) == date(2026, 1, 8)


def test_every_day_of_2025_and_2026_agrees_with_the_package() -> None:
    calendar = holidays.China(years=[2025, 2026])
    day = date(2025, 1, 1)
    while day.year <= 2026:
        assert is_working_day(day) == calendar.is_working_day(day), day
        expected = calendar.get_nth_working_day(day, 10)
        if expected.year <= 2026:  # 2027 has no official arrangement in the package yet
            assert write_off_deadline(day) == expected, day
        day += timedelta(days=1)


# --- years the package has no official arrangement for: plain weekdays ------------------------


def test_a_year_without_a_schedule_keeps_its_statutory_holidays() -> None:
    # 2100: the package holds no State Council arrangement for the year; its statutory holidays still
    # count (domain.md §4: 元旦, 春节 2100-02-08..11 with 除夕), its guessed substitutes and make-up
    # working days do not, and a deadline there is provisional.
    assert not is_working_day(date(2100, 1, 1))  # Friday, 元旦
    assert not is_working_day(date(2100, 2, 9))  # Tuesday, 春节
    assert not is_working_day(date(2100, 2, 13))  # Saturday
    assert not is_working_day(date(2100, 2, 14))  # Sunday
    assert add_working_days(date(2100, 2, 5), 1) == date(2100, 2, 12)  # Fri -> after 春节
    assert write_off_deadline(date(2100, 2, 5)) == date(2100, 2, 25)


def test_far_future_beyond_the_package_range_falls_back_to_weekdays() -> None:
    assert write_off_deadline(date(2200, 12, 29)) == date(2201, 1, 12)


def test_cached_calendar_does_not_rebuild_holidays(monkeypatch: pytest.MonkeyPatch) -> None:
    write_off_deadline(date(2026, 3, 2))  # warm the per-year cache

    def _boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("holidays object constructed per call")

    monkeypatch.setattr(holidays, "China", _boom)
    monkeypatch.setattr(holidays, "country_holidays", _boom)
    for _ in range(1000):
        assert write_off_deadline(date(2026, 3, 2)) == date(2026, 3, 16)
        assert is_working_day(date(2026, 2, 14))
