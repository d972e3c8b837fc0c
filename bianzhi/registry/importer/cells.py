"""Cell normalisation per interchange.md §1 "Cell values".

Each parser returns the typed value (``None`` for "not given") or raises ``CellError`` with a
Chinese message naming the rule.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DIGITS = re.compile(r"^[0-9]+$")
_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")


class CellError(ValueError):
    pass


def text(cell: Any) -> str | None:
    """NFKC-normalised, trimmed text; numbers written as text when integral (e.g. a code typed as 1001)."""
    if cell is None:
        return None
    if isinstance(cell, str):
        value = unicodedata.normalize("NFKC", cell).strip()
        return value or None
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return unicodedata.normalize("NFKC", str(cell)).strip() or None


def date(cell: Any) -> dt.date | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, str):
        value = unicodedata.normalize("NFKC", cell).strip()
        if not value:
            return None
        if _DATE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError as exc:
                raise CellError(f"“{value}”不是有效日期") from exc
        raise CellError(f"“{value}”不是日期，应为日期单元格或 YYYY-MM-DD 格式的文本")
    raise CellError(f"“{text(cell)}”不是日期，应为日期单元格或 YYYY-MM-DD 格式的文本")


def month(cell: Any) -> dt.date | None:
    """A month (the first day of it): text ``YYYY-MM`` (ASCII digits once NFKC-normalised) or a
    date cell, whose month counts."""
    if cell is None:
        return None
    if isinstance(cell, dt.datetime):
        return dt.date(cell.year, cell.month, 1)
    if isinstance(cell, dt.date):
        return cell.replace(day=1)
    if isinstance(cell, str):
        value = unicodedata.normalize("NFKC", cell).strip()
        if not value:
            return None
        if _MONTH.match(value):
            year, number = int(value[:4]), int(value[5:])
            if year >= 1 and 1 <= number <= 12:
                return dt.date(year, number, 1)
            raise CellError(f"“{value}”不是有效年月")
        raise CellError(f"“{value}”不是年月，应为 YYYY-MM 格式的文本或日期单元格")
    raise CellError(f"“{text(cell)}”不是年月，应为 YYYY-MM 格式的文本或日期单元格")


def integer(cell: Any) -> int | None:
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise CellError("应为整数")
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        if cell.is_integer():
            return int(cell)
        raise CellError(f"“{cell}”不是整数")
    if isinstance(cell, str):
        value = unicodedata.normalize("NFKC", cell).strip()
        if not value:
            return None
        if _DIGITS.match(value):
            return int(value)
        raise CellError(f"“{value}”不是整数，应为阿拉伯数字")
    raise CellError(f"“{text(cell)}”不是整数")


def id_number(cell: Any) -> str | None:
    """身份证号 must be text: a number cell has already been rounded by Excel."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if not isinstance(cell, str):
        raise CellError("身份证号必须以文本格式填写（数字格式的单元格已被 Excel 舍入，请将该列设为文本后重新录入）")
    value = unicodedata.normalize("NFKC", cell).strip()
    if not value:
        return None
    if value.endswith("x"):
        value = value[:-1] + "X"
    return value
