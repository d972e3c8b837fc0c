"""The ``/api/v1/`` instance: authentication, the error shape, the routers, the OpenAPI document
(``/api/v1/openapi.json``) and the docs page (``/api/v1/docs``, swagger-ui served from ninja's own
static files, no CDN)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from bianzhi.api import errors
from bianzhi.api.auth import AUTH
from bianzhi.api.routes import (
    accounts,
    alerts,
    approvals,
    board,
    changes,
    figures,
    imports,
    matters,
    notices,
    people,
    problems,
    quotas,
    suspensions,
    units,
)
from bianzhi.core import busy
from bianzhi.core.locks import RegisterBusy

DESCRIPTION = """
机构编制数字化管理平台的数据接口：机构（树）、编制、职数、周转编制、限额、人员、暂缓审批、编制数据、监测预警、
退休预测、工作簿导入、变更日志和个人接口令牌。

**认证**：个人接口令牌 `Authorization: Bearer <令牌>`（用 `bianzhi token create 用户名` 或登录网页后创建），
或网页会话（修改类请求须带 `X-CSRFToken` 请求头）。

**权限**：与网页相同。编办管理员、编办业务人员可读写全部数据；单位人事干部只能查看本单位及全部下属机构、
只能写入这些机构的人员；领导、检查人员只读；审计员只读并可查看变更日志。身份证号对编办管理员、编办业务人员和
本单位（含下属）人事干部显示完整号码，对其他角色脱敏（`330602********123X`）。

**写入**：登记数据的每次写入都经过与工作簿导入完全相同的校验、生效日期与变更日志（来源“接口”，操作人为令牌所属用户）；
违反导入规则时返回 422，`problems` 中列出全部问题。

**错误**：400、401、403、404、409、422 一律返回同一结构 `ErrorOut`：`status`、`code`、`message`（中文）、
`errors`（参数错误）、`problems`（导入规则发现的问题）、`warnings`。

**分页**：列表用 `limit`（1–1000，默认 50）和 `offset`，返回 `total`、`limit`、`offset`、`items`。
"""


class Utf8Renderer(JSONRenderer):
    """JSON (UTF-8 by RFC 8259) with Chinese as it is, not as \\u escapes."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        text = json.dumps(data, cls=self.encoder_class, ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate echoed from a refused input: escape it
            text = json.dumps(data, cls=self.encoder_class)
        return text


api = NinjaAPI(
    title="机构编制数字化管理平台 数据接口",
    version="1",
    description=DESCRIPTION.strip(),
    auth=AUTH,
    docs=Swagger(settings={"persistAuthorization": True}),
    urls_namespace="api-v1",
    renderer=Utf8Renderer(),
)
errors.install(api)


@api.exception_handler(RegisterBusy)
@api.exception_handler(OperationalError)
def _busy(request: HttpRequest, exc: Exception) -> HttpResponse:
    """SQLite held by an import past the wait: 503 ``busy`` (core/busy.py); any other database error
    goes on to Django as before."""
    if not busy.is_busy(exc):
        raise exc
    response = api.create_response(request, busy.busy_body(), status=503)
    response["Retry-After"] = str(busy.RETRY_AFTER)
    return response


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return api.create_response(request, errors.body(400, "请求过大或不合规"), status=400)


for router in (
    accounts.router,
    units.router,
    quotas.router,
    people.router,
    suspensions.router,
    figures.router,
    alerts.router,
    alerts.forecasts,
    imports.router,
    changes.router,
    approvals.router,
    matters.router,
    problems.router,
    board.router,
    notices.router,
):
    api.add_router("", router)
