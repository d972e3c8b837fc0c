"""Register writes from the API: rows keyed by the workbook's headers go through ``rows_import``,
so they meet exactly the import's validation, effective dating and change log (source ``api``, the
token's or session's user).

Before that, :func:`precheck` refuses what the database itself could not store — text longer than
its column, numbers beyond an integer column, dates outside 1900–2199, characters such as NUL — as
problems in the import's own shape, so a client never meets a server error.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest

from bianzhi.api.common import origin
from bianzhi.api.errors import ApiError
from bianzhi.api.schemas import FIRST_DAY, LAST_DAY, WriteMeta, clean_text
from bianzhi.core.locks import RegisterBusy
from bianzhi.registry import models as registry
from bianzhi.registry.importer.schema import SHEET_BY_NAME
from bianzhi.registry.services import ImportResult, rows_import

#: PostgreSQL ``integer`` (every count column of the register).
MAX_INTEGER = 2_147_483_647
MAX_ROWS = 20_000

_MODELS: dict[str, tuple[type[models.Model], ...]] = {
    "机构": (registry.Unit, registry.UnitVersion),
    "编制": (registry.StaffingQuota,),
    "职数": (registry.PositionQuota,),
    "周转编制": (registry.TurnoverLoan,),
    "限额": (registry.InstitutionLimit,),
    "人员": (registry.Person, registry.PersonVersion),
}
_UNIT_CODE_LENGTH = registry.Unit._meta.get_field("code").max_length or 32


@cache
def _text_limits() -> dict[tuple[str, str], int]:
    """(sheet, header) → the most characters its column stores."""
    limits: dict[tuple[str, str], int] = {}
    for sheet, candidates in _MODELS.items():
        for column in SHEET_BY_NAME[sheet].columns:
            for model in candidates:
                try:
                    field = model._meta.get_field(column.field)
                except FieldDoesNotExist:  # the field lives on another model of the sheet
                    continue
                if isinstance(field, models.ForeignKey):
                    limits[(sheet, column.header)] = _UNIT_CODE_LENGTH
                elif isinstance(field, models.CharField) and field.max_length:
                    limits[(sheet, column.header)] = field.max_length
                break
    return limits


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip()
    return str(value)


def precheck(sheets: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Problems the database could not store, per cell (row numbers as ``rows_import`` counts them)."""
    return _checked(sheets)[0]


def _checked(sheets: dict[str, list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The problems, and the rows with each offending cell replaced by a harmless value, so that the
    import's own rules can still be run over everything else."""
    limits = _text_limits()
    problems: list[dict[str, Any]] = []
    cleaned: dict[str, list[dict[str, Any]]] = {}
    for sheet, rows in sheets.items():
        spec = SHEET_BY_NAME.get(sheet)
        kinds = {c.header: c.kind for c in spec.columns} if spec else {}
        cleaned[sheet] = []
        for number, row in enumerate(rows, start=2):
            safe = {}
            for header, value in row.items():
                kind, limit = kinds.get(header), limits.get((sheet, header))
                problem = _cell_problem(sheet, header, value, kind, limit)
                if problem:
                    problems.append({"sheet": sheet, "row": number, "column": header, "message": problem})
                    value = _harmless(value, kind, limit)
                safe[_printable(header)] = value
            cleaned[sheet].append(safe)
    return problems, cleaned


def _printable(value: str) -> str:
    return "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cs"))


def _harmless(value: Any, kind: str | None, limit: int | None) -> Any:
    if kind == "int":
        return 0
    if kind == "date":
        return None
    if isinstance(value, str):
        value = _printable(value)
        return value[: limit or len(value)]
    return value


def _cell_problem(sheet: str, header: str, value: Any, kind: str | None, limit: int | None) -> str:
    if isinstance(value, str):
        try:
            clean_text(value)
        except ValueError as exc:
            return str(exc)
    if value is None or kind is None:
        return ""
    if kind == "int":
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value) if abs(value) < 1e18 else (MAX_INTEGER + 1 if value > 0 else -1)
        elif isinstance(value, str) and _text_of(value).isdigit():
            number = int(_text_of(value)) if len(_text_of(value)) < 20 else MAX_INTEGER + 1
        if number is not None and number > MAX_INTEGER:
            return f"数值过大（不能超过 {MAX_INTEGER}）"
        if number is not None and number < 0:
            # The import reads a negative number cell as it is; no count of the register is negative.
            return f"{header}应为不小于 0 的整数"
        return ""
    if kind == "date":
        day = value if isinstance(value, dt.date) else None
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(_text_of(value))
            except ValueError:
                return ""  # the import reports a malformed date itself
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            return f"日期应在 {FIRST_DAY} 至 {LAST_DAY} 之间"
        return ""
    if limit is not None and len(_text_of(value)) > limit:
        return f"最多 {limit} 个字符"
    return ""


def write_rows(request: HttpRequest, *, sheets: dict[str, list[dict[str, Any]]], meta: WriteMeta) -> ImportResult:
    """Write rows through ``rows_import`` as the request's user; 422 with the import's problems
    (nothing stored) when the rows break a rule."""
    total = sum(len(rows) for rows in sheets.values())
    if total > MAX_ROWS:
        raise ApiError(422, f"一次最多写入 {MAX_ROWS} 行，请分批提交或上传工作簿")
    problems, cleaned = _checked(sheets)
    if problems:
        # Report everything at once, as the import does: the import's rules over the other cells too.
        flagged = {(p["sheet"], p["row"], p["column"]) for p in problems}
        dry = rows_import(sheets=cleaned, effective=meta.effective, user=request.user, dry_run=True)
        problems += [e for e in dry.errors if (e["sheet"], e["row"], e["column"]) not in flagged]
        raise ApiError(
            422, "数据不符合导入规则，未写入任何数据", problems=sorted(problems, key=_order), warnings=dry.warnings
        )
    result = rows_import(
        sheets=sheets,
        effective=meta.effective,
        reason=meta.reason.strip(),
        document_number=meta.document_number,
        user=request.user,
        source="api",
        origin=origin(request),
        dry_run=meta.dry_run,
    )
    if result.busy:  # an import holds the register past the wait: 503 busy (core/busy.py)
        raise RegisterBusy(RegisterBusy.message)
    if not result.ok:
        raise ApiError(422, "数据不符合导入规则，未写入任何数据", problems=result.errors, warnings=result.warnings)
    return result


def _order(problem: dict[str, Any]) -> tuple[int, int, int]:
    sheets = list(SHEET_BY_NAME)
    spec = SHEET_BY_NAME.get(problem["sheet"])
    headers = [c.header for c in spec.columns] if spec else []
    column = headers.index(problem["column"]) if problem["column"] in headers else len(headers)
    sheet = sheets.index(problem["sheet"]) if problem["sheet"] in sheets else -1
    return (sheet, problem["row"], column)


def cell(value: Any) -> Any:
    """An API value as a workbook cell: dates as YYYY-MM-DD, booleans as 是/否, enums as their value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(str(getattr(v, "value", v)) for v in value)
    return getattr(value, "value", value)


def row_of(data: Any, headers: dict[str, str], keys: dict[str, Any]) -> dict[str, Any]:
    """The workbook row of a typed input: its key columns and every field the client sent
    (left-out fields keep stored values, ``null`` clears them — interchange.md §1)."""
    row = dict(keys)
    for name in data.model_fields_set:
        if name in headers:
            row[headers[name]] = cell(getattr(data, name))
    return row
