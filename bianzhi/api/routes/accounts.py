"""当前用户与接口令牌: who the caller is, and the personal API tokens of the caller."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status

from bianzhi.accounts import selectors
from bianzhi.accounts.models import ApiToken, Role
from bianzhi.accounts.permissions import ROLE_ACTIONS, Action, roles_of
from bianzhi.accounts.services import AccountError, api_token_create, api_token_revoke
from bianzhi.api.common import origin, replies, require_somewhere, user_of
from bianzhi.api.errors import ApiError, not_found
from bianzhi.api.schemas import FIRST_DAY, LAST_DAY, MAX_ID, BodyIn, Moment, Name100
from bianzhi.core.changelog import change_origin
from bianzhi.core.dates import SHANGHAI
from bianzhi.registry.models import Unit

router = Router(tags=["账号与令牌"])


class GrantOut(Schema):
    role: str = Field(..., description="角色：admin、officer、unit_hr、leader、inspector、auditor")
    label: str = Field(..., description="角色名称")
    unit: str | None = Field(None, description="单位人事干部所管理的机构代码（含其全部下属机构）")


class MeOut(Schema):
    username: str
    name: str = Field(..., description="姓名")
    roles: list[GrantOut]
    actions: list[str] = Field(..., description="可进行的操作（在各自的范围内）")
    authenticated_by: str = Field(..., description="认证方式：token 令牌、session 网页会话")


@router.get("/me", response=replies({200: MeOut}), summary="当前用户与角色")
def me(request: HttpRequest) -> dict[str, Any]:
    """当前用户、其角色（单位人事干部带管理的机构）以及可进行的操作。"""
    user = request.user
    grants = roles_of(user)
    codes = dict(Unit.objects.filter(pk__in=[u for _, u in grants if u]).values_list("pk", "code"))
    actions = sorted({a.value for role, _ in grants for a in ROLE_ACTIONS.get(role, ())} | {Action.MANAGE_TOKENS.value})
    return {
        "username": user.get_username(),
        "name": (user.get_full_name() or "").strip(),  # type: ignore[union-attr]
        "roles": [
            {"role": role, "label": Role(role).label, "unit": codes.get(unit_id) if unit_id else None}
            for role, unit_id in sorted(set(grants), key=lambda g: (g[0], g[1] or 0))
        ],
        "actions": actions,
        "authenticated_by": "token" if getattr(request, "api_token", None) else "session",
    }


class TokenOut(Schema):
    id: int
    name: str = Field(..., description="名称")
    prefix: str = Field(..., description="令牌开头几位，用于辨认")
    created_at: dt.datetime
    expires_at: Moment = Field(..., description="失效时间：所设的过期时间，最迟为创建后的最长有效期（默认 90 天）")
    last_used_at: dt.datetime | None = Field(None, description="最近使用时间")
    revoked_at: dt.datetime | None = Field(None, description="撤销时间")
    active: bool = Field(..., description="当前是否可用")


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="令牌全文：只在创建时显示这一次，请妥善保存")


class TokenIn(BodyIn):
    name: Name100 = Field(..., description="名称，如 组织部人事系统同步")
    expires_at: Moment | None = Field(
        None,
        description="过期时间（ISO 8601；不带时区按北京时间）。空为创建后的最长有效期（默认 90 天，"
        "BIANZHI_API_TOKEN_MAX_DAYS），更晚的过期时间不予接受",
    )


def token_out(token: ApiToken) -> dict[str, Any]:
    now = timezone.now()
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.ends_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "active": token.is_active(now),
    }


@router.get("/tokens", response=replies({200: list[TokenOut]}), summary="我的接口令牌")
def token_list(request: HttpRequest) -> list[dict[str, Any]]:
    """当前用户的全部接口令牌（含已撤销、已过期的），不含令牌全文。"""
    require_somewhere(request, Action.MANAGE_TOKENS)
    return [token_out(t) for t in selectors.api_token_list(user=request.user)]


@router.post("/tokens", response=replies({201: TokenCreatedOut}, 400), summary="创建接口令牌")
def token_create(request: HttpRequest, data: TokenIn) -> Any:
    """为当前用户创建一个接口令牌，令牌全文只在此次返回。须通过网页会话（或命令 bianzhi token create）创建：
    不能用一个令牌创建另一个令牌，以免泄露的令牌在撤销后仍留有后门。令牌最长有效期为创建后 90 天
    （BIANZHI_API_TOKEN_MAX_DAYS）；用户修改密码后，此前创建的令牌全部作废。"""
    require_somewhere(request, Action.MANAGE_TOKENS)
    if getattr(request, "api_token", None) is not None:
        raise ApiError(403, "不能用接口令牌创建新令牌：请登录网页后创建，或使用命令 bianzhi token create")
    expires_at = data.expires_at
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            expires_at = expires_at.replace(tzinfo=SHANGHAI)
        if not FIRST_DAY <= expires_at.date() <= LAST_DAY:
            raise ApiError(422, "过期时间超出范围", errors=[{"location": "body.expires_at", "message": "超出范围"}])
    try:
        with change_origin(origin=origin(request)):
            created = api_token_create(user=user_of(request), name=data.name, expires_at=expires_at, source="api")
    except AccountError as exc:
        raise ApiError(422, str(exc), errors=[{"location": "body", "message": str(exc)}]) from exc
    return Status(201, {**token_out(created.token), "token": created.secret})


@router.delete("/tokens/{token_id}", response=replies({204: None}, 404), summary="撤销接口令牌")
def token_revoke(
    request: HttpRequest, token_id: int = Path(..., ge=1, le=MAX_ID, description="令牌编号")
) -> HttpResponse:
    """撤销当前用户的一个令牌：此后使用它的请求一律返回 401。记录保留，重复撤销无影响。"""
    require_somewhere(request, Action.MANAGE_TOKENS)
    token = selectors.api_token_get(user=request.user, token_id=token_id)
    if token is None:
        raise not_found(f"令牌 {token_id}")
    with change_origin(origin=origin(request)):
        api_token_revoke(token=token, user=request.user, source="api")
    return HttpResponse(status=204)
