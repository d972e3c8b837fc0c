"""Sessions that end, and the headers every reply carries (personal data is on every page, export and API reply).

:class:`SecurityHeadersMiddleware`
    ``Cache-Control: no-store`` and ``Pragma: no-cache`` on every reply but the static files, so no browser or
    proxy keeps a copy of a page, an export or an API reply; and a Content-Security-Policy (:data:`CSP`): the
    pages load scripts, styles, fonts and images only from the platform itself, run no inline script and may
    not be framed.
:class:`SessionExpiryMiddleware`
    A logged-in page session ends after ``settings.SESSION_IDLE_SECONDS`` without a request and, whatever the
    activity, ``settings.SESSION_MAX_SECONDS`` after the login. An ended session is logged out: a page goes to
    the login page with a message saying why, an htmx request asks for the same, an API request made with the
    session is answered 401 in the API's error shape (a request with a token is not concerned).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from bianzhi.api.errors import body

#: The session keys: when the user logged in and when the session was last used (seconds since the epoch).
LOGIN_AT = "bianzhi_login_at"
SEEN_AT = "bianzhi_seen_at"
#: The last use is written at most this often (seconds), so that reading pages does not write the session
#: table on every request (the idle timeout is exact to within this).
TOUCH_EVERY = 60

#: Django's admin change list writes one fixed ``<style>`` block when a model offers no bulk action (a
#: view-only user): the hash allows exactly that block (tests/core/test_security_headers.py recomputes it
#: from the installed Django's template).
ADMIN_CHANGELIST_STYLE = "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {ADMIN_CHANGELIST_STYLE}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

IDLE_MESSAGE = "您已超过 {minutes} 分钟没有操作，为保护个人信息已自动退出登录，请重新登录。"
MAX_MESSAGE = "本次登录已超过 {hours} 小时，为保护个人信息已自动退出登录，请重新登录。"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CSP
        return response


@receiver(user_logged_in, dispatch_uid="bianzhi.web.middleware.stamp_login")
def _stamp_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Every login starts the absolute lifetime afresh (login() keeps the data of a session it cycles)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[LOGIN_AT] = now
        session[SEEN_AT] = now


def session_expiry(session: Any, now: float) -> str | None:
    """Why a logged-in ``session`` has ended at ``now`` (a Chinese message), or ``None`` if it has not."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if isinstance(login_at, int | float) and now - login_at >= settings.SESSION_MAX_SECONDS:
        return MAX_MESSAGE.format(hours=_number(settings.SESSION_MAX_SECONDS / 3600))
    if isinstance(seen_at, int | float) and now - seen_at >= settings.SESSION_IDLE_SECONDS:
        return IDLE_MESSAGE.format(minutes=_number(settings.SESSION_IDLE_SECONDS / 60))
    return None


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


class SessionExpiryMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = time.time()
            reason = session_expiry(session, now)
            if reason is not None:
                logout(request)
                if not request.headers.get("Authorization"):
                    return self._ended(request, reason)
            else:
                if not isinstance(session.get(LOGIN_AT), int | float):  # a session from before this rule
                    session[LOGIN_AT] = now
                seen_at = session.get(SEEN_AT)
                if not isinstance(seen_at, int | float) or now - seen_at >= TOUCH_EVERY:
                    session[SEEN_AT] = now
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest, reason: str) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            response = JsonResponse(body(401, reason), status=401, json_dumps_params={"ensure_ascii": False})
            response["WWW-Authenticate"] = 'Bearer realm="bianzhi"'
            return response
        messages.warning(request, reason)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(reverse(settings.LOGIN_URL))
        if request.method in ("GET", "HEAD"):
            return redirect_to_login(request.get_full_path())
        return redirect_to_login(reverse(settings.LOGIN_REDIRECT_URL))
