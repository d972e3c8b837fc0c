"""Input and output schemas shared by the API's operations.

Every text input is checked for characters no database stores (NUL, lone surrogates) and bounded by
the length of its column, so a bad value is a 422 with a Chinese message, never a server error.
Dates are bounded to 1900-01-01 … 2199-12-31 for the same reason (retirement months and effective
periods are computed from them).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Generic, Literal, TypeVar

from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StrictBool, StrictInt, StringConstraints

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
#: The largest count stored (PostgreSQL ``integer``); counts in the API stay far below.
MAX_COUNT = 999_999
#: Ids in paths and filters (PostgreSQL ``bigint``; larger values cannot name a row).
MAX_ID = 2**53


def clean_text(value: str) -> str:
    """Refuse characters no database stores: NUL, other control characters but tab and newline,
    and lone surrogates."""
    for ch in value:
        if ch in "\t\n\r":
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            raise ValueError("含有不允许的控制字符或无效字符")
    return value


def _bounded_nfkc(limit: int):
    def check(value: str) -> str:
        if len(unicodedata.normalize("NFKC", value)) > limit:
            raise ValueError(f"最多 {limit} 个字符")
        return value

    return check


def _not_blank(value: str) -> str:
    if not unicodedata.normalize("NFKC", value).strip():
        raise ValueError("不能为空")
    return value


def _text(limit: int, *, required: bool = False) -> Any:
    checks = (
        StringConstraints(max_length=limit, min_length=1 if required else 0),
        AfterValidator(clean_text),
        AfterValidator(_bounded_nfkc(limit)),
    )
    return (*checks, AfterValidator(_not_blank)) if required else checks


# Text inputs of at most N characters (after NFKC, as the import stores them); ``Name*`` are required.
Text18 = Annotated[str, *_text(18)]
Text32 = Annotated[str, *_text(32)]
Text64 = Annotated[str, *_text(64)]
Text100 = Annotated[str, *_text(100)]
Text200 = Annotated[str, *_text(200)]
Text2000 = Annotated[str, *_text(2000)]
Name64 = Annotated[str, *_text(64, required=True)]
Name100 = Annotated[str, *_text(100, required=True)]
Name200 = Annotated[str, *_text(200, required=True)]


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` (interchange.md §1): no timestamps, no other spellings."""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and not _ISO_DAY.fullmatch(value)):
        raise ValueError("应为 YYYY-MM-DD 格式的日期")
    if not isinstance(value, str | dt.date):
        raise ValueError("应为 YYYY-MM-DD 格式的日期")
    return value


def _day_in_range(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"日期应在 {FIRST_DAY} 至 {LAST_DAY} 之间")
    return value


Day = Annotated[dt.date, BeforeValidator(_iso_day), AfterValidator(_day_in_range)]

_ISO_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?"
)


def _iso_time(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_TIME.fullmatch(value):
        raise ValueError("应为 ISO 8601 格式的时间（如 2026-12-31T18:00:00+08:00）")
    return value


Moment = Annotated[dt.datetime, BeforeValidator(_iso_time)]
UnitCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$"), AfterValidator(clean_text)
]
RegionCode = Annotated[str, StringConstraints(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")]
IdNumber = Annotated[str, StringConstraints(min_length=18, max_length=18, pattern=r"^[0-9]{17}[0-9Xx]$")]
#: Counts in request bodies: JSON integers only (no booleans, no strings).
Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
PositiveCount = Annotated[StrictInt, Field(ge=1, le=MAX_COUNT)]
Month = Annotated[str, StringConstraints(pattern=r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])$")]
SearchText = Annotated[str, StringConstraints(max_length=100), AfterValidator(clean_text)]

T = TypeVar("T")


# ---------------------------------------------------------------- errors


class FieldError(Schema):
    location: str = Field(..., description="出错的参数位置，如 query.limit、body.approved")
    message: str = Field(..., description="中文说明")


class Problem(Schema):
    """A problem found by the import rules (interchange.md §1 "Errors")."""

    sheet: str = Field(..., description="工作表，如 人员")
    row: int = Field(..., description="行号（表头为第 1 行；接口单条写入时为 2）")
    column: str = Field(..., description="列名")
    message: str = Field(..., description="中文说明")


class ValueChange(Schema):
    """One stored value an import changes (interchange.md §2 ``changes``)."""

    sheet: str = Field(..., description="工作表")
    row: int = Field(..., description="文件中的行号")
    key: str = Field(..., description="记录的键，如 A/行政编制 或 身份证号")
    column: str = Field(..., description="列名")
    stored: Any = Field(None, description="现值")
    new: Any = Field(None, description="新值")
    stored_since: str | None = Field(None, description="现值自何日起有效（首次导入起为空）")
    change_set: int | None = Field(None, description="确定现值的变更批次")
    document_number: str = Field("", description="该批次的文号")


class ErrorOut(Schema):
    """The one shape of every error answer (400, 401, 403, 404, 409, 422)."""

    status: int = Field(..., description="HTTP 状态码")
    code: str = Field(
        ...,
        description="错误类别：bad_request、unauthenticated、forbidden、not_found、conflict、invalid",
    )
    message: str = Field(..., description="中文说明")
    errors: list[FieldError] = Field(default_factory=list, description="请求参数的错误（422）")
    problems: list[Problem] = Field(default_factory=list, description="导入规则发现的问题（422）")
    warnings: list[Problem] = Field(default_factory=list, description="导入规则的提示（不阻止写入）")


# ---------------------------------------------------------------- pages and filters


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=1000, description="每页条数（1–1000，默认 50）")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数（默认 0）")


class Page(Schema, Generic[T]):
    total: int = Field(..., description="符合条件的总条数")
    limit: int
    offset: int
    items: list[T]


class AsOfParams(Schema):
    as_of: Day | None = Field(None, description="截至日期 YYYY-MM-DD（默认今天，Asia/Shanghai）")


# ---------------------------------------------------------------- writes


class BodyIn(BaseModel):
    """A request body: a JSON object with exactly the declared fields (a misspelt field is an error,
    not silently ignored)."""

    model_config = ConfigDict(extra="forbid")


#: the problem of a write without a reason (issue 13: every write of the register says why)
REASON_REQUIRED = "请填写变更理由"


def _reason_given(value: str) -> str:
    if not unicodedata.normalize("NFKC", value).strip():
        raise ValueError(REASON_REQUIRED)
    return value


#: a write's reason: required, not blank, at most 2,000 characters
Reason = Annotated[str, *_text(2000), AfterValidator(_reason_given)]


class WriteMeta(BodyIn):
    """What every write to the register carries into the change log."""

    effective: Day | None = Field(None, description="变更生效日期（默认今天）；首次写入的值对所有日期有效")
    reason: Reason = Field("", validate_default=True, description="变更理由（必填，记入变更日志）")
    document_number: Text200 = Field("", description="批准文号")
    dry_run: StrictBool = Field(False, description="只校验，不写入")


class Saved(Schema, Generic[T]):
    """The outcome of a write: what it did (or, for a dry run, would do) and the row as stored."""

    outcome: Literal["created", "updated", "unchanged"] = Field(..., description="新增、更新或未变")
    dry_run: bool
    change_set: int | None = Field(None, description="变更日志中的批次编号（未写入时为空）")
    warnings: list[Problem] = Field(default_factory=list)
    item: T | None = Field(None, description="写入后的记录（试运行新增时为空）")
