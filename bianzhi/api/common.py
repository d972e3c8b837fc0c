"""Helpers shared by the API's operations: permission checks, pages, write outcomes, responses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Status

from bianzhi.accounts.addresses import client_address
from bianzhi.accounts.permissions import Action, can, can_somewhere
from bianzhi.accounts.privacy import LookupLimitExceeded, client_origin, record_full_number_search
from bianzhi.api.errors import ApiError
from bianzhi.api.schemas import ErrorOut, PageParams
from bianzhi.core.dates import BEGINNING, END, today
from bianzhi.registry.services import ImportResult

T = TypeVar("T")

#: Every operation may answer 401 (not authenticated), 403 (role or CSRF) and 422 (parameters).
COMMON_ERRORS = (401, 403, 422)

#: What a refused action says, per action.
REFUSALS = {
    Action.VIEW: "无权查看该数据",
    Action.CHANGE: "无权修改登记数据：需要编办管理员或编办业务人员角色",
    Action.CHANGE_PEOPLE: "无权修改该机构的人员信息",
    Action.IMPORT: "无权导入数据：需要编办管理员或编办业务人员角色",
    Action.MONITOR: "无权执行监测：需要编办管理员或编办业务人员角色",
    Action.VIEW_CHANGELOG: "无权查看变更日志：需要编办管理员、编办业务人员或审计员角色",
    Action.MANAGE_TOKENS: "无权管理接口令牌",
}


def replies(ok: dict[int, Any], *errors: int) -> dict[Any, Any]:
    """The ``response`` of an operation: its success bodies and every error status it can answer."""
    return {**ok, frozenset({*COMMON_ERRORS, *errors}): ErrorOut}


def user_of(request: HttpRequest) -> User:
    """The authenticated user of an API request (every operation requires authentication)."""
    return cast(User, request.user)


def require(request: HttpRequest, action: Action, unit: Any = None, *, message: str = "") -> None:
    """403 unless the user may take ``action`` on ``unit`` (or on district-wide data without one)."""
    if not can(request.user, action, unit):
        raise ApiError(403, message or REFUSALS.get(action, ""))


def require_somewhere(request: HttpRequest, action: Action, *, message: str = "") -> None:
    """403 unless the user may take ``action`` on at least some units."""
    if not can_somewhere(request.user, action):
        raise ApiError(403, message or REFUSALS.get(action, ""))


def full_number_search(request: HttpRequest, text: str, *, found: bool) -> None:
    """Count and log a search by a whole ID number (``text``) of a user who does not see every number
    (domain.md §11; nothing happens for anything else); 429 ``rate_limited`` past the hourly limit.
    Called once the answer is known (``found``), before it is given."""
    try:
        record_full_number_search(request.user, text, door=request.path, origin=client_origin(request), found=found)
    except LookupLimitExceeded as exc:
        raise ApiError(429, str(exc), code="rate_limited") from None


def day_or_today(day: dt.date | None) -> dt.date:
    return day or today()


def open_from(day: dt.date) -> dt.date | None:
    """A version's start, ``None`` for "since always"."""
    return None if day == BEGINNING else day


def open_to(day: dt.date) -> dt.date | None:
    """A version's end (exclusive), ``None`` for "still in force"."""
    return None if day == END else day


def origin(request: HttpRequest) -> str:
    return f"接口 {client_address(request) or ''}".strip()


def paginate(items: QuerySet[Any] | Sequence[Any], page: PageParams, convert: Callable[[Any], T]) -> dict[str, Any]:
    """A page of ``items`` as ``{"total", "limit", "offset", "items"}``."""
    total = items.count() if isinstance(items, QuerySet) else len(items)
    chunk = items[page.offset : page.offset + page.limit]
    return {"total": total, "limit": page.limit, "offset": page.offset, "items": [convert(x) for x in chunk]}


def outcome(result: ImportResult) -> str:
    if any(result.created.values()):
        return "created"
    if any(result.updated.values()):
        return "updated"
    return "unchanged"


def saved(result: ImportResult, item: Any) -> dict[str, Any]:
    return {
        "outcome": outcome(result),
        "dry_run": result.dry_run,
        "change_set": result.change_set_id,
        "warnings": result.warnings,
        "item": item,
    }


def written(result: ImportResult, item: Any) -> Status[dict[str, Any]]:
    """201 when a row was created (not a dry run), else 200, with the write's outcome."""
    body = saved(result, item)
    return Status(201 if body["outcome"] == "created" and not result.dry_run else 200, body)
