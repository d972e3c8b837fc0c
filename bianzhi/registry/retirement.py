"""Statutory retirement age and month (domain.md §5).

The 2024 NPC Standing Committee decision (in force 2025-01-01) delays the original retirement ages
50 / 55 / 60 by a number of months that depends only on the month of birth (the birth day is
ignored). All arithmetic is in whole months.
"""

from __future__ import annotations

from datetime import date
from typing import Final, NamedTuple

MALE: Final = "男"
FEMALE: Final = "女"

# 人员类别 whose women have the original age 50 (工人); every other woman has 55 (domain.md §5).
WORKER_CATEGORIES: Final = frozenset({"机关工勤人员", "事业工勤人员"})


class _Row(NamedTuple):
    first_affected: int  # first affected birth month, as year * 12 + (month - 1)
    step: int  # +1 month of delay for every `step` birth months
    cap: int  # maximum delay in months


# domain.md §5 table, keyed by the original retirement age.
_ROWS: Final[dict[int, _Row]] = {
    60: _Row(first_affected=1965 * 12, step=4, cap=36),  # 60 → 63, from births 1965-01
    55: _Row(first_affected=1970 * 12, step=4, cap=36),  # 55 → 58, from births 1970-01
    50: _Row(first_affected=1975 * 12, step=2, cap=60),  # 50 → 55, from births 1975-01
}


def original_retirement_age(*, gender: str, person_category: str, original_age: int | None) -> int:
    """Original (pre-reform) retirement age in years (domain.md §5).

    Men 60; women 50 if 人员类别 is 机关工勤人员 or 事业工勤人员, else 55. The 原退休年龄 column
    (``original_age``: 50, 55 or 60) overrides when given, whatever the gender.
    """
    if original_age is not None:
        if original_age not in _ROWS:
            raise ValueError(f"original retirement age must be one of 50, 55, 60, not {original_age!r}")
        return original_age
    if gender == MALE:
        return 60
    if gender == FEMALE:
        return 50 if person_category in WORKER_CATEGORIES else 55
    raise ValueError(f"gender must be {MALE!r} or {FEMALE!r}, not {gender!r}")


def retirement_delay_months(*, birth_year: int, birth_month: int, original_age: int) -> int:
    """Months the reform adds to ``original_age`` for someone born in the given month (domain.md §5).

    With k = months from the row's first affected birth month to the birth month, the delay is 0 when
    k < 0, else min(k // step + 1, cap). An original age of 60 follows the 60 → 63 row whatever the gender.
    """
    row = _ROWS.get(original_age)
    if row is None:
        raise ValueError(f"original retirement age must be one of 50, 55, 60, not {original_age!r}")
    if not 1 <= birth_month <= 12:
        raise ValueError(f"birth month must be 1..12, not {birth_month!r}")
    k = birth_year * 12 + (birth_month - 1) - row.first_affected
    if k < 0:
        return 0
    return min(k // row.step + 1, row.cap)


def statutory_retirement_age_months(
    *, birth_year: int, birth_month: int, gender: str, person_category: str, original_age: int | None = None
) -> int:
    """Statutory retirement age in months: original age × 12 + the reform's delay (domain.md §5)."""
    original = original_retirement_age(gender=gender, person_category=person_category, original_age=original_age)
    delay = retirement_delay_months(birth_year=birth_year, birth_month=birth_month, original_age=original)
    return original * 12 + delay


def retirement_month(*, birth_date: date, gender: str, person_category: str, original_age: int | None = None) -> date:
    """First day of the statutory retirement month: birth month + statutory age (domain.md §5).

    The birth day is ignored — a man born 1965-01 retires at 60 years 1 month, in 2025-02.
    """
    age = statutory_retirement_age_months(
        birth_year=birth_date.year,
        birth_month=birth_date.month,
        gender=gender,
        person_category=person_category,
        original_age=original_age,
    )
    index = birth_date.year * 12 + (birth_date.month - 1) + age
    return date(index // 12, index % 12 + 1, 1)


#: 弹性退休 (domain.md §5): at most this many months earlier or later than the statutory month
FLEXIBLE_MONTHS: Final = 36


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def original_retirement_month(
    *, birth_date: date, gender: str, person_category: str, original_age: int | None = None
) -> date:
    """First day of the month the person reaches the original (pre-reform) retirement age."""
    age = original_retirement_age(gender=gender, person_category=person_category, original_age=original_age)
    return _add_months(date(birth_date.year, birth_date.month, 1), age * 12)


def flexible_retirement_range(
    *, birth_date: date, gender: str, person_category: str, original_age: int | None = None
) -> tuple[date, date]:
    """The months an approved flexible retirement (批准退休年月) may fall in, bounds included
    (domain.md §5): [max(statutory − 36 months, the original-age month), statutory + 36 months]."""
    statutory = retirement_month(
        birth_date=birth_date, gender=gender, person_category=person_category, original_age=original_age
    )
    original = original_retirement_month(
        birth_date=birth_date, gender=gender, person_category=person_category, original_age=original_age
    )
    return max(_add_months(statutory, -FLEXIBLE_MONTHS), original), _add_months(statutory, FLEXIBLE_MONTHS)


def flexible_retirement_error(
    month: date, *, birth_date: date, gender: str, person_category: str, original_age: int | None = None
) -> str:
    """The Chinese message for an approved retirement month outside the allowed range, else ""."""
    earliest, latest = flexible_retirement_range(
        birth_date=birth_date, gender=gender, person_category=person_category, original_age=original_age
    )
    if earliest <= month <= latest:
        return ""
    statutory = retirement_month(
        birth_date=birth_date, gender=gender, person_category=person_category, original_age=original_age
    )
    age = original_retirement_age(gender=gender, person_category=person_category, original_age=original_age)
    return (
        f"批准退休年月 {_month(month)} 超出弹性退休允许的范围 {_month(earliest)} 至 {_month(latest)}"
        f"（法定退休年月 {_month(statutory)}：提前不超过 3 年且不早于原退休年龄 {age} 岁，延迟不超过 3 年）"
    )


def _month(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
