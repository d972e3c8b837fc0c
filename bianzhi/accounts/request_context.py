"""The request being handled, for code far below the view that must say who acted and from where.

``RequestContextMiddleware`` (in MIDDLEWARE after AuthenticationMiddleware) keeps the current request
in a context variable for the length of the request; the audit hook (accounts/audit.py) reads its
user and address when a change of who may do what reaches the database from a page, the admin or
the API, whatever code path wrote it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("bianzhi_request", default=None)


def request_in_progress() -> HttpRequest | None:
    """The request this code runs for, or ``None`` (a command, a job, a test calling services)."""
    return _request.get()


@contextlib.contextmanager
def current_request(request: HttpRequest) -> Iterator[HttpRequest]:
    token = _request.set(request)
    try:
        yield request
    finally:
        _request.reset(token)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with current_request(request):
            return self.get_response(request)
