"""Errors of the API: one JSON shape (``ErrorOut``) for 400, 401, 403, 404, 409 and 422, with Chinese messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

#: The ``code`` of each status.
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "rate_limited",
}

DEFAULT_MESSAGES = {
    400: "请求无法解析：请求体应为有效的 JSON",
    401: "未登录或令牌无效：请使用 Authorization: Bearer <令牌> 或先登录",
    403: "无权进行此操作",
    404: "未找到",
    405: "不支持该请求方法",
    409: "当前状态不允许此操作",
    422: "请求参数无效",
    429: "请求过于频繁，请稍后再试",
}


class ApiError(Exception):
    """An error answered in the documented shape; ``message`` is Chinese, ``code`` a stable machine
    code (by default the status's, :data:`CODES`)."""

    def __init__(
        self,
        status: int,
        message: str = "",
        *,
        code: str = "",
        errors: list[dict[str, Any]] | None = None,
        problems: list[dict[str, Any]] | None = None,
        warnings: list[dict[str, Any]] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(status, "请求失败")
        self.errors = errors or []
        self.problems = problems or []
        self.warnings = warnings or []
        super().__init__(status, self.message)


def not_found(what: str = "") -> ApiError:
    return ApiError(404, f"未找到{what}" if what else "")


def forbidden(message: str = "") -> ApiError:
    return ApiError(403, message)


def unit_not_found(code: str | None) -> ApiError:
    """The one answer for a unit code the caller may not see, whether it exists elsewhere or nowhere
    (a unit HR officer must not learn which codes exist: security review, issue 13)."""
    return ApiError(404, f"机构 {code} 不存在或不在本人管理范围内")


# ---------------------------------------------------------------- pydantic's messages in Chinese

_DATE = "应为 YYYY-MM-DD 格式的日期"
_DATETIME = "应为 ISO 8601 格式的时间（如 2026-12-31T18:00:00+08:00）"
_MESSAGES = {
    "missing": "必填",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "int_parsing_size": "整数超出范围",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "string_unicode": "应为有效的 Unicode 文本",
    "date_parsing": _DATE,
    "date_type": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "timezone_aware": "时间应带时区",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符（应匹配 {pattern}）",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "list_type": "应为列表",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "JSON 格式错误",
    "json_type": "JSON 格式错误",
    "none_required": "应为空",
    "is_instance_of": "取值类型不符",
    "union_tag_invalid": "取值类型不符",
    "bytes_type": "应为文件",
}


def chinese(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"]).removeprefix("Value error, ")
    template = _MESSAGES.get(kind)
    if template is None:
        return f"取值无效（{error.get('msg', kind)}）"
    try:
        return template.format(**{k: v for k, v in ctx.items()})
    except (KeyError, IndexError):
        return template.split("（")[0]


def _location(loc: Any) -> str:
    return ".".join(str(part) for part in (loc or ()))


def validation_items(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"location": _location(e.get("loc")), "message": chinese(e)} for e in errors]


# ---------------------------------------------------------------- handlers


def body(
    status: int,
    message: str = "",
    *,
    code: str = "",
    errors: list[dict[str, Any]] | None = None,
    problems: list[dict[str, Any]] | None = None,
    warnings: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message or DEFAULT_MESSAGES.get(status, "请求失败"),
        "errors": errors or [],
        "problems": problems or [],
        "warnings": warnings or [],
    }


def _respond(api: NinjaAPI, request: HttpRequest, status: int, payload: dict[str, Any]) -> HttpResponse:
    response = api.create_response(request, payload, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="bianzhi"'
    return response


def install(api: NinjaAPI) -> None:
    """Answer every error of ``api`` in the documented shape."""

    def api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        payload = body(
            exc.status, exc.message, code=exc.code, errors=exc.errors, problems=exc.problems, warnings=exc.warnings
        )
        return _respond(api, request, exc.status, payload)

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        # ninja's own errors carry English messages; answer with the Chinese one for the status.
        status = exc.status_code
        message = DEFAULT_MESSAGES.get(status, "请求失败")
        if isinstance(exc, AuthenticationError):
            status, message = 401, DEFAULT_MESSAGES[401]
        return _respond(api, request, status, body(status, message))

    def validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, 422, body(422, errors=validation_items(exc.errors)))

    def http404(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, 404, body(404))

    def permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, 403, body(403, str(exc) or ""))

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(Http404, http404)
    api.add_exception_handler(PermissionDenied, permission_denied)
