"""Authentication of the API: a personal token (``Authorization: Bearer <token>``) or the web
session. Session requests that change data must carry the CSRF token, as forms do; token requests
need none (the browser never sends a token by itself). A session that still owes its second factor
(two-factor login, bianzhi/accounts/two_factor.py) is refused with 403 ``otp_required``; tokens are
exempt from two-factor login."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from bianzhi.accounts import two_factor
from bianzhi.accounts.services import api_token_authenticate
from bianzhi.api.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TokenAuth(HttpBearer):
    """Personal API token. A token that is unknown, revoked or expired is refused with 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(secret=token.strip())
        if api_token is None:
            raise ApiError(401, "令牌无效、已撤销或已过期")
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class SessionAuth(AuthBase):
    """The web session (cookie); unsafe methods are checked against CSRF like any form."""

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = "sessionid"

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if two_factor.pending(request):
            raise ApiError(
                403, "须先完成两步验证：请在网页上输入身份验证器显示的 6 位动态码后再调用接口", code="otp_required"
            )
        if request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise ApiError(403, "CSRF 校验失败：网页会话发起的修改请求须带 X-CSRFToken 请求头")
        request.api_token = None  # type: ignore[attr-defined]
        return user


AUTH = [TokenAuth(), SessionAuth()]
