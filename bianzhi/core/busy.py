"""A busy database answers cleanly (issue 13 "Exhaustion").

On SQLite one writer holds the database at a time: a long import keeps its write lock until it
commits, and a write that waits longer than ``BIANZHI_SQLITE_BUSY_SECONDS`` fails — as
``RegisterBusy`` where the register's lock is taken (core/locks.py), as SQLite's own
``OperationalError: database is locked`` anywhere else. Either is answered 503 with ``Retry-After``:
in the API's ``ErrorOut`` shape with code ``busy`` under ``/api/``, with a Chinese page elsewhere —
never Django's 500 page. PostgreSQL is the database for concurrent production use: there writers
queue on the register's advisory lock instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bianzhi.core.locks import RegisterBusy

logger = logging.getLogger(__name__)

#: the API's message and machine code for a busy register
BUSY_MESSAGE = "正在导入，请稍后重试"
BUSY_CODE = "busy"
#: seconds a client is asked to wait before trying again
RETRY_AFTER = 30


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is held by another writer (not a broken query)."""
    if isinstance(exc, RegisterBusy):
        return True
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        return "database is locked" in text or "database table is locked" in text or "database is busy" in text
    return False


def busy_body() -> dict[str, Any]:
    """The API's ``ErrorOut`` for a busy register."""
    return {"status": 503, "code": BUSY_CODE, "message": BUSY_MESSAGE, "errors": [], "problems": [], "warnings": []}


def busy_json() -> HttpResponse:
    response = HttpResponse(
        json.dumps(busy_body(), ensure_ascii=False), status=503, content_type="application/json; charset=utf-8"
    )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def busy_page(request: HttpRequest) -> HttpResponse:
    try:
        response = render(request, "503.html", {"retry_after": RETRY_AFTER}, status=503)
    except Exception:  # the page's frame reads the database too: a plain answer rather than a 500
        logger.warning("繁忙页面未能渲染", exc_info=True)
        response = HttpResponse(BUSY_MESSAGE, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class BusyMiddleware:
    """Turn a view's busy-database error into a 503 (JSON under ``/api/``, a page elsewhere)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        logger.warning("数据库忙，已答复 503：%s %s（%s）", request.method, request.path, exception)
        return busy_json() if request.path.startswith("/api/") else busy_page(request)
