"""Validators for the national identifier standards used in the register.

Pure functions with no Django dependency, so they can be used by model ``clean()`` methods,
form fields, the spreadsheet importer and the demo-data generator alike.

Each ``*_error`` function returns ``None`` when the value is valid and otherwise a short
Chinese message naming the rule that failed (suitable for showing to a clerk). Each
``*_check_character`` function computes the check character for a body and raises
``ValueError`` when the body itself is malformed.

Standards:

* GB 11643-1999 公民身份号码 (check character: ISO 7064:1983 MOD 11-2)
* GB 11714-1997 全国组织机构代码编制规则
* GB 32100-2015 法人和其他组织统一社会信用代码编码规则
* GB/T 2260 中华人民共和国行政区划代码 (data from the ``GB2260`` package, every revision)
"""

from __future__ import annotations

import datetime
import functools
import re

__all__ = [
    "credit_check_character",
    "credit_code_error",
    "credit_code_warning",
    "id_check_character",
    "id_number_birth_date",
    "id_number_error",
    "id_number_gender",
    "organisation_check_character",
    "organisation_code_error",
    "region_code_error",
    "region_code_known",
    "region_name",
]

# ---------------------------------------------------------------------------
# GB 11643-1999 公民身份号码
# ---------------------------------------------------------------------------

#: MOD 11-2 weights W_i = 2^(17-i) mod 11 for positions i = 0..16 (GB 11643-1999).
ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Check character indexed by (Σ a_i·W_i) mod 11 (GB 11643-1999; 'X' stands for 10).
ID_CHECK_CHARACTERS = "10X98765432"
#: Earliest birth date accepted in a citizen ID number.
ID_EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_ID_BODY_RE = re.compile(r"[0-9]{17}")


def id_check_character(first17: str) -> str:
    """Return the GB 11643-1999 check character (ISO 7064 MOD 11-2) for the first 17 digits.

    Raises ``ValueError`` unless ``first17`` is exactly 17 ASCII digits.
    """
    if not _ID_BODY_RE.fullmatch(first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def _id_birth_date_or_none(value: str) -> datetime.date | None:
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_number_error(value: str, *, today: datetime.date | None = None) -> str | None:
    """Check an 18-character 公民身份号码 against GB 11643-1999.

    Structure: 6-digit address code (GB/T 2260; historical codes stay valid, so it is not
    looked up), 8-digit birth date YYYYMMDD (GB/T 7408), 3-digit sequence code, and a check
    character computed with ISO 7064:1983 MOD 11-2 (``0``-``9`` or ``X``).

    The caller is expected to have upper-cased a trailing ``x``; a lower-case ``x`` is
    reported as a format error. ``today`` (default: ``datetime.date.today()``) bounds the
    birth date from above; 1900-01-01 bounds it from below.

    Returns ``None`` when valid, else a short Chinese message naming the failed rule.
    """
    if len(value) != 18:
        return "身份证号应为18位（17位数字加1位校验码）"
    if not _ID_RE.fullmatch(value):
        return "身份证号格式错误：前17位应为数字，第18位应为数字或X"
    birth = _id_birth_date_or_none(value)
    if birth is None:
        return "身份证号中的出生日期无效"
    if birth < ID_EARLIEST_BIRTH_DATE:
        return "身份证号中的出生日期无效（早于1900年1月1日）"
    if birth > (today if today is not None else datetime.date.today()):
        return "身份证号中的出生日期无效（晚于今天）"
    expected = id_check_character(value[:17])
    if value[17] != expected:
        return f"身份证号校验码错误，应为{expected}"
    return None


def id_number_birth_date(value: str) -> datetime.date:
    """Return the birth date encoded in positions 7–14 of a valid GB 11643-1999 number."""
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_number_gender(value: str) -> str:
    """Return "男" or "女" from the 17th digit (odd = male, even = female; GB 11643-1999)."""
    return "男" if int(value[16]) % 2 == 1 else "女"


# ---------------------------------------------------------------------------
# GB 11714-1997 组织机构代码
# ---------------------------------------------------------------------------

#: Weights for the 8 body characters (GB 11714-1997).
ORGANISATION_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)

_ORGANISATION_BODY_RE = re.compile(r"[0-9A-Z]{8}")
_ORGANISATION_RE = re.compile(r"[0-9A-Z]{8}[0-9X]")


def _organisation_value(char: str) -> int:
    # Digits keep their value, letters A–Z take 10–35.
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def organisation_check_character(body8: str) -> str:
    """Return the GB 11714-1997 check character for an 8-character organisation code body.

    ``c = 11 − (Σ value_i·W_i mod 11)`` with weights ``3,7,9,10,5,8,4,2``; digits count as
    their value and letters A–Z as 10–35; ``c = 10`` is written ``X`` and ``c = 11`` ``0``.

    Raises ``ValueError`` unless ``body8`` is 8 characters from ``0-9A-Z``.
    """
    if not _ORGANISATION_BODY_RE.fullmatch(body8):
        raise ValueError(f"expected 8 characters 0-9/A-Z, got {body8!r}")
    total = sum(_organisation_value(char) * weight for char, weight in zip(body8, ORGANISATION_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def organisation_code_error(value: str) -> str | None:
    """Check a 9-character 组织机构代码 against GB 11714-1997 (8 body characters + check).

    Returns ``None`` when valid, else a short Chinese message naming the failed rule.
    """
    if len(value) != 9:
        return "组织机构代码应为9位（8位本体代码加1位校验码）"
    if not _ORGANISATION_RE.fullmatch(value):
        return "组织机构代码格式错误：前8位应为数字或大写字母，第9位应为数字或X"
    expected = organisation_check_character(value[:8])
    if value[8] != expected:
        return f"组织机构代码校验码错误，应为{expected}"
    return None


# ---------------------------------------------------------------------------
# GB 32100-2015 统一社会信用代码
# ---------------------------------------------------------------------------

#: The 31 code characters in value order: digits and capitals without I, O, S, V, Z (GB 32100-2015).
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights W_i = 3^i mod 31 for positions i = 0..16 (GB 32100-2015).
CREDIT_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
_CREDIT_VALUES = {char: index for index, char in enumerate(CREDIT_CHARSET)}
_CREDIT_FORBIDDEN = frozenset("IOSVZ")


def credit_check_character(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a credit code.

    ``c = (31 − Σ value_i·W_i mod 31) mod 31`` with ``W_i = 3^i mod 31``; a sum divisible
    by 31 gives ``0`` (not the out-of-range value 31).

    Raises ``ValueError`` unless ``first17`` is 17 characters from the GB 32100 charset.
    """
    if len(first17) != 17 or any(char not in _CREDIT_VALUES for char in first17):
        raise ValueError(f"expected 17 characters from {CREDIT_CHARSET}, got {first17!r}")
    total = sum(_CREDIT_VALUES[char] * weight for char, weight in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_error(value: str) -> str | None:
    """Check an 18-character 统一社会信用代码 against GB 32100-2015: the rule of the standard
    workbook (interchange.md §1), whose breach is an error.

    Structure: position 1 registration authority, 2 organisation category, 3–8 the
    GB/T 2260 code of the registering authority (six digits; not looked up here, see
    :func:`region_code_known`), 9–17 the GB 11714 organisation code, 18 the GB 32100 check
    character. Only digits and capital letters other than I, O, S, V, Z are allowed.

    The embedded organisation code's own check character (position 17) is a stricter check, so
    not an error: see :func:`credit_code_warning`. Returns ``None`` when valid.
    """
    if len(value) != 18:
        return "统一社会信用代码应为18位"
    for char in value:
        if char not in _CREDIT_VALUES:
            if char in _CREDIT_FORBIDDEN:
                return f"统一社会信用代码含有不允许的字符“{char}”（不使用I、O、S、V、Z）"
            return f"统一社会信用代码含有不允许的字符“{char}”（只能使用数字和大写字母）"
    if not value[2:8].isdigit():
        return "统一社会信用代码第3–8位（登记管理机关行政区划码）应为6位数字"
    expected = credit_check_character(value[:17])
    if value[17] != expected:
        return f"统一社会信用代码校验码错误，应为{expected}"
    return None


def credit_code_warning(value: str) -> str | None:
    """The stricter check of a 统一社会信用代码 that :func:`credit_code_error` accepts: positions
    9–17 are a GB 11714-1997 organisation code whose check character is position 17.

    Reported as a warning, never an error (interchange.md §1, "What is an error"). Returns
    ``None`` when the embedded code is valid, or when ``value`` has an error of its own (that
    error is reported instead).
    """
    if credit_code_error(value) is not None:
        return None
    organisation_check = organisation_check_character(value[8:16])
    if value[16] != organisation_check:
        return f"统一社会信用代码中的组织机构代码（第9–17位）校验码错误，第17位应为{organisation_check}"
    return None


# ---------------------------------------------------------------------------
# GB/T 2260 行政区划代码
# ---------------------------------------------------------------------------

_REGION_RE = re.compile(r"[0-9]{6}")


def region_code_error(value: str) -> str | None:
    """Check the form of a GB/T 2260 administrative division code: exactly 6 ASCII digits.

    Only the interchange format is checked; whether the code exists is
    :func:`region_code_known`.
    """
    if not _REGION_RE.fullmatch(value):
        return "区划代码应为6位数字"
    return None


def _revision_order(year: int | None) -> tuple[int, int]:
    # Revision keys are YYYY, YYYYMM or None (the package's latest table, newer than all others).
    if year is None:
        return (9999, 12)
    text = str(year)
    if len(text) == 6:
        return (int(text[:4]), int(text[4:]))
    return (int(text), 12)


@functools.cache
def _region_table() -> dict[str, str]:
    """Union of every GB/T 2260 revision in the ``GB2260`` package, code → newest name."""
    from gb2260.data import data

    table: dict[str, str] = {}
    for _year, revision in sorted(data.items(), key=lambda item: _revision_order(item[0])):
        for code, name in revision.items():
            table[f"{code:06d}"] = name  # later (newer) revisions overwrite older names
    return table


def region_code_known(value: str) -> bool:
    """Whether ``value`` appears in any revision of GB/T 2260 (historical codes count, e.g. 330621 绍兴县)."""
    return region_code_error(value) is None and value in _region_table()


def region_name(value: str) -> str | None:
    """Return the GB/T 2260 name for ``value`` (the newest name across revisions), or ``None`` if unknown."""
    if region_code_error(value) is not None:
        return None
    return _region_table().get(value)
