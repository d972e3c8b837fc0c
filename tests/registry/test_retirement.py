"""Statutory retirement (domain.md §5; domain-research.md §6) — every worked example and boundary."""

from __future__ import annotations

from datetime import date

import pytest

from bianzhi.registry.retirement import (
    FEMALE,
    MALE,
    WORKER_CATEGORIES,
    original_retirement_age,
    retirement_delay_months,
    retirement_month,
    statutory_retirement_age_months,
)

CADRE = "公务员"
PSU_WORKER = "事业工勤人员"
ORGAN_WORKER = "机关工勤人员"

# (original age, gender, person category) that selects each row of the §5 table by default.
GROUPS = {
    60: (MALE, CADRE),
    55: (FEMALE, CADRE),
    50: (FEMALE, PSU_WORKER),
}


def _month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


# --- original age ----------------------------------------------------------------------------


def test_worker_categories_are_the_two_gongqin_categories() -> None:
    assert frozenset({"机关工勤人员", "事业工勤人员"}) == WORKER_CATEGORIES


@pytest.mark.parametrize(
    ("gender", "category", "expected"),
    [
        (MALE, "公务员", 60),
        (MALE, "机关工勤人员", 60),
        (MALE, "事业工勤人员", 60),
        (FEMALE, "公务员", 55),
        (FEMALE, "参公人员", 55),
        (FEMALE, "事业管理人员", 55),
        (FEMALE, "事业专业技术人员", 55),
        (FEMALE, "事业工勤人员", 50),
        (FEMALE, "机关工勤人员", 50),
    ],
)
def test_original_age_by_gender_and_category(gender: str, category: str, expected: int) -> None:
    assert original_retirement_age(gender=gender, person_category=category, original_age=None) == expected


@pytest.mark.parametrize(
    ("gender", "category", "override"),
    [(FEMALE, CADRE, 60), (FEMALE, PSU_WORKER, 55), (FEMALE, CADRE, 50), (MALE, CADRE, 55)],
)
def test_original_age_column_overrides(gender: str, category: str, override: int) -> None:
    assert original_retirement_age(gender=gender, person_category=category, original_age=override) == override


def test_unknown_gender_is_rejected() -> None:
    with pytest.raises(ValueError):
        original_retirement_age(gender="M", person_category=CADRE, original_age=None)


@pytest.mark.parametrize("bad", [0, 45, 58, 63])
def test_original_age_outside_the_table_is_rejected(bad: int) -> None:
    with pytest.raises(ValueError):
        original_retirement_age(gender=MALE, person_category=CADRE, original_age=bad)
    with pytest.raises(ValueError):
        retirement_delay_months(birth_year=1980, birth_month=1, original_age=bad)


@pytest.mark.parametrize("bad_month", [0, 13])
def test_birth_month_must_be_a_month(bad_month: int) -> None:
    with pytest.raises(ValueError):
        retirement_delay_months(birth_year=1980, birth_month=bad_month, original_age=60)


# --- domain-research.md §6 worked-example table (all three columns) ---------------------------

TABLE = [
    # birth, original age, delay months, retirement month
    ("1965-05", 60, 2, "2025-07"),
    ("1965-05", 55, 0, "2020-05"),
    ("1965-05", 50, 0, "2015-05"),
    ("1970-12", 60, 18, "2032-06"),
    ("1970-12", 55, 3, "2026-03"),
    ("1970-12", 50, 0, "2020-12"),
    ("1975-03", 60, 31, "2037-10"),
    ("1975-03", 55, 16, "2031-07"),
    ("1975-03", 50, 2, "2025-05"),
    ("1980-01", 60, 36, "2043-01"),
    ("1980-01", 55, 31, "2037-08"),
    ("1980-01", 50, 31, "2032-08"),
]

# --- public test vectors (domain-research.md §6) and the §5 text examples ----------------------

VECTORS = [
    ("1965-01", 60, 1, "2025-02"),
    ("1965-12", 60, 3, "2026-03"),
    ("1971-04", 55, 4, "2026-08"),
    ("1995-12", 50, 60, "2050-12"),
    ("1963-12", 60, 0, "2023-12"),
]

# --- boundary birth months of every group (domain.md §5 table) --------------------------------

BOUNDARIES = [
    # men, 60 → 63: first affected 1965-01, +1 per 4 months, cap +36 from 1976-09
    ("1964-12", 60, 0, "2024-12"),  # month before the first affected month
    ("1965-01", 60, 1, "2025-02"),  # first affected month
    ("1965-04", 60, 1, "2025-05"),  # last month of the first step
    ("1965-05", 60, 2, "2025-07"),  # first month of the second step
    ("1976-08", 60, 35, "2039-07"),  # last month before the cap
    ("1976-09", 60, 36, "2039-09"),  # first capped month
    ("1990-06", 60, 36, "2053-06"),  # well past the cap
    # women, original 55 → 58: first affected 1970-01, +1 per 4 months, cap +36 from 1981-09
    ("1969-12", 55, 0, "2024-12"),
    ("1970-01", 55, 1, "2025-02"),
    ("1970-04", 55, 1, "2025-05"),
    ("1970-05", 55, 2, "2025-07"),
    ("1981-08", 55, 35, "2039-07"),
    ("1981-09", 55, 36, "2039-09"),
    # women, original 50 → 55: first affected 1975-01, +1 per 2 months, cap +60 from 1984-11
    ("1974-12", 50, 0, "2024-12"),
    ("1975-01", 50, 1, "2025-02"),
    ("1975-02", 50, 1, "2025-03"),
    ("1975-03", 50, 2, "2025-05"),
    ("1984-10", 50, 59, "2039-09"),
    ("1984-11", 50, 60, "2039-11"),
]

CASES = TABLE + VECTORS + BOUNDARIES


@pytest.mark.parametrize(("birth", "original", "delay", "retires"), CASES)
def test_delay_months(birth: str, original: int, delay: int, retires: str) -> None:
    year, month = (int(part) for part in birth.split("-"))
    assert retirement_delay_months(birth_year=year, birth_month=month, original_age=original) == delay


@pytest.mark.parametrize(("birth", "original", "delay", "retires"), CASES)
def test_statutory_age_months(birth: str, original: int, delay: int, retires: str) -> None:
    year, month = (int(part) for part in birth.split("-"))
    gender, category = GROUPS[original]
    age = statutory_retirement_age_months(
        birth_year=year, birth_month=month, gender=gender, person_category=category, original_age=None
    )
    assert age == original * 12 + delay


@pytest.mark.parametrize(("birth", "original", "delay", "retires"), CASES)
def test_retirement_month_by_default_group(birth: str, original: int, delay: int, retires: str) -> None:
    gender, category = GROUPS[original]
    # The birth day is ignored: the first and the last day of the birth month give the same month.
    for day in (1, 28):
        born = _month(birth).replace(day=day)
        assert retirement_month(birth_date=born, gender=gender, person_category=category) == _month(retires)


@pytest.mark.parametrize(("birth", "original", "delay", "retires"), CASES)
def test_retirement_month_by_original_age_column(birth: str, original: int, delay: int, retires: str) -> None:
    # The 原退休年龄 column selects the row whatever gender and category say.
    for gender, category in ((MALE, CADRE), (FEMALE, CADRE), (FEMALE, ORGAN_WORKER)):
        assert retirement_month(
            birth_date=_month(birth), gender=gender, person_category=category, original_age=original
        ) == _month(retires)


# --- domain.md §4 over_retirement_age examples --------------------------------------------------


@pytest.mark.parametrize(
    ("born", "gender", "category", "retires"),
    [
        (date(1964, 12, 10), MALE, "公务员", date(2024, 12, 1)),
        (date(1966, 3, 1), MALE, "公务员", date(2026, 7, 1)),
        (date(1975, 3, 5), FEMALE, "事业工勤人员", date(2025, 5, 1)),
    ],
)
def test_domain_section_4_examples(born: date, gender: str, category: str, retires: date) -> None:
    assert retirement_month(birth_date=born, gender=gender, person_category=category) == retires


def test_man_born_1966_03_is_60_years_4_months() -> None:
    assert statutory_retirement_age_months(
        birth_year=1966, birth_month=3, gender=MALE, person_category=CADRE, original_age=None
    ) == (60 * 12 + 4)


def test_retirement_month_is_first_day_of_month() -> None:
    result = retirement_month(birth_date=date(1975, 3, 31), gender=FEMALE, person_category=PSU_WORKER)
    assert result == date(2025, 5, 1)


# --- overrides and categories ------------------------------------------------------------------


def test_woman_cadre_with_original_age_60_follows_the_60_row() -> None:
    born = date(1970, 12, 15)
    assert retirement_month(birth_date=born, gender=FEMALE, person_category=CADRE) == date(2026, 3, 1)
    assert retirement_month(birth_date=born, gender=FEMALE, person_category=CADRE, original_age=60) == date(2032, 6, 1)
    assert (
        statutory_retirement_age_months(
            birth_year=1970, birth_month=12, gender=FEMALE, person_category=CADRE, original_age=60
        )
        == 60 * 12 + 18
    )


def test_psu_worker_woman_with_original_age_55_follows_the_55_row() -> None:
    born = date(1975, 3, 5)
    assert retirement_month(birth_date=born, gender=FEMALE, person_category=PSU_WORKER) == date(2025, 5, 1)
    assert retirement_month(birth_date=born, gender=FEMALE, person_category=PSU_WORKER, original_age=55) == date(
        2031, 7, 1
    )


@pytest.mark.parametrize("category", [ORGAN_WORKER, PSU_WORKER])
def test_man_who_is_a_worker_is_still_60(category: str) -> None:
    born = date(1975, 3, 5)
    assert original_retirement_age(gender=MALE, person_category=category, original_age=None) == 60
    assert retirement_month(birth_date=born, gender=MALE, person_category=category) == date(2037, 10, 1)


def test_organ_worker_woman_is_original_50() -> None:
    assert retirement_month(birth_date=date(1980, 1, 20), gender=FEMALE, person_category=ORGAN_WORKER) == date(
        2032, 8, 1
    )
