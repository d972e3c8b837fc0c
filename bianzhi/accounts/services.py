"""Writes for accounts: role grants and personal API tokens. Every change is logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from bianzhi.accounts.models import ApiToken, Role, RoleGrant
from bianzhi.accounts.permissions import forget
from bianzhi.core.changelog import change_context, record_change

#: Every secret starts with this, so a leaked token is easy to recognise (and to scan for).
TOKEN_PREFIX = "bzt_"
#: Characters of the secret kept in clear to tell tokens apart.
SHOWN_PREFIX_LENGTH = 12


class AccountError(ValueError):
    """A refused account change; the message is Chinese and meant for the user."""


def _grant_summary(grant: RoleGrant) -> dict[str, Any]:
    return {
        "用户": grant.user.get_username(),
        "角色": Role(grant.role).label,
        "机构代码": grant.unit.code if grant.unit_id and grant.unit else None,
    }


@transaction.atomic
def role_grant_create(
    *,
    user: User,
    role: str,
    unit: Any = None,
    granted_by: Any = None,
    actor: str = "",
    source: str = "command",
) -> RoleGrant:
    """Give ``user`` a role; a 单位人事干部 grant needs the unit whose subtree it covers, and no
    other role takes one (domain.md §11). Granting a role the user already has changes nothing."""
    if role not in Role.values:
        raise AccountError(f"角色“{role}”无效，应为：{'、'.join(f'{r.value}（{r.label}）' for r in Role)}")
    if role == Role.UNIT_HR and unit is None:
        raise AccountError("单位人事干部必须指定所管理的机构（--unit 机构代码）")
    if role != Role.UNIT_HR and unit is not None:
        raise AccountError(f"{Role(role).label}的管理范围是全区，不能指定机构")
    existing = RoleGrant.objects.filter(user=user, role=role, unit=unit).first()
    if existing is not None:
        return existing
    who = actor or (granted_by.get_username() if granted_by is not None else "")
    with change_context(source=source, user=granted_by, actor=who):
        grant = RoleGrant.objects.create(user=user, role=role, unit=unit, granted_by=who)
        record_change(entity="角色授权", key=f"{user.get_username()}/{role}", before=None, after=_grant_summary(grant))
    forget(user)
    return grant


@transaction.atomic
def role_grant_revoke(*, grant: RoleGrant, revoked_by: Any = None, actor: str = "", source: str = "command") -> None:
    """Take a role away; logged with the grant as it was."""
    who = actor or (revoked_by.get_username() if revoked_by is not None else "")
    with change_context(source=source, user=revoked_by, actor=who):
        record_change(
            entity="角色授权", key=f"{grant.user.get_username()}/{grant.role}", before=_grant_summary(grant), after=None
        )
        grant.delete()
    forget(grant.user)


# ---------------------------------------------------------------- personal API tokens


def token_digest(secret: str) -> str:
    """SHA-256 of the secret: what is stored, so a database dump gives no usable token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_at: dt.datetime | None = None, actor: str = "", source: str = "api"
) -> CreatedToken:
    """Create a personal API token for ``user``; the secret is returned once and only its digest is stored."""
    name = name.strip()
    if not name:
        raise AccountError("令牌名称不能为空")
    if len(name) > 100:
        raise AccountError("令牌名称不能超过 100 个字符")
    if expires_at is not None and expires_at <= timezone.now():
        raise AccountError("过期时间必须晚于当前时间")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with change_context(source=source, user=user, actor=actor):
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:SHOWN_PREFIX_LENGTH],
            digest=token_digest(secret),
            expires_at=expires_at,
        )
        record_change(
            entity="接口令牌",
            key=f"{user.get_username()}/{token.pk}",
            before=None,
            after={"名称": name, "前缀": token.prefix, "过期时间": expires_at.isoformat() if expires_at else None},
        )
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: Any = None, actor: str = "", source: str = "api") -> ApiToken:
    """Revoke a token (kept for the record, refused from now on). Revoking it again changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    with change_context(source=source, user=user, actor=actor):
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_change(
            entity="接口令牌",
            key=f"{token.user.get_username()}/{token.pk}",
            before={"撤销时间": None},
            after={"撤销时间": token.revoked_at.isoformat()},
        )
    return token


#: last_used_at is written at most this often per token, so a busy client does not write on every call.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token with this secret (not revoked, not expired, its user active), with its
    last-used time brought up to date; ``None`` otherwise."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
