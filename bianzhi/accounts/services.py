"""Writes for accounts: role grants and personal API tokens. Every change is logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from bianzhi.accounts.models import ApiToken, Role, RoleGrant
from bianzhi.accounts.permissions import forget
from bianzhi.core.changelog import change_context, record_change

#: Every secret starts with this, so a leaked token is easy to recognise (and to scan for).
TOKEN_PREFIX = "bzt_"  # nosec B105 # the public prefix of every token, not a secret
#: Characters of the secret kept in clear to tell tokens apart.
SHOWN_PREFIX_LENGTH = 12


class AccountError(ValueError):
    """A refused account change; the message is Chinese and meant for the user."""


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
        # recorded by the audit hook (accounts/audit.py), like a grant made through any other door
        grant = RoleGrant.objects.create(user=user, role=role, unit=unit, granted_by=who)
    forget(user)
    return grant


@transaction.atomic
def role_grant_revoke(*, grant: RoleGrant, revoked_by: Any = None, actor: str = "", source: str = "command") -> None:
    """Take a role away; logged with the grant as it was."""
    who = actor or (revoked_by.get_username() if revoked_by is not None else "")
    with change_context(source=source, user=revoked_by, actor=who):
        grant.delete()  # recorded by the audit hook (accounts/audit.py) with the grant as it was
    forget(grant.user)


# ---------------------------------------------------------------- personal API tokens


def token_digest(secret: str) -> str:
    """SHA-256 of the secret: what is stored, so a database dump gives no usable token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


#: The HMAC's salt for a token's password fingerprint (the key is SECRET_KEY, or one of its fallbacks).
FINGERPRINT_SALT = "bianzhi.accounts.ApiToken.password_fingerprint"


def password_fingerprint(password_hash: str, *, secret: str | bytes | None = None) -> str:
    """HMAC-SHA256 of a user's stored password hash: what a token keeps to notice a password change
    without holding anything that helps to guess the password."""
    return salted_hmac(FINGERPRINT_SALT, password_hash, secret=secret, algorithm="sha256").hexdigest()


def _fingerprint_matches(token: ApiToken) -> bool:
    """Whether the token was made under its user's current password. A fingerprint made with a
    fallback SECRET_KEY is re-stamped with the current key, so rotating the key keeps tokens alive."""
    password_hash = token.user.password
    if constant_time_compare(token.password_fingerprint, password_fingerprint(password_hash)):
        return True
    for fallback in settings.SECRET_KEY_FALLBACKS:
        if constant_time_compare(token.password_fingerprint, password_fingerprint(password_hash, secret=fallback)):
            token.password_fingerprint = password_fingerprint(password_hash)
            ApiToken.objects.filter(pk=token.pk).update(password_fingerprint=token.password_fingerprint)
            return True
    return False


def api_token_longest() -> dt.timedelta:
    """The maximum lifetime of a token (``settings.API_TOKEN_MAX_DAYS``)."""
    return dt.timedelta(days=settings.API_TOKEN_MAX_DAYS)


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_at: dt.datetime | None = None, actor: str = "", source: str = "api"
) -> CreatedToken:
    """Create a personal API token for ``user``; the secret is returned once and only its digest is stored.

    Without ``expires_at`` the token ends after the maximum lifetime (``settings.API_TOKEN_MAX_DAYS``);
    a later expiry is refused. The token is tied to the user's current password (its fingerprint)."""
    name = name.strip()
    if not name:
        raise AccountError("令牌名称不能为空")
    if len(name) > 100:
        raise AccountError("令牌名称不能超过 100 个字符")
    now = timezone.now()
    latest = now + api_token_longest()
    if expires_at is None:
        expires_at = latest
    elif expires_at <= now:
        raise AccountError("过期时间必须晚于当前时间")
    elif expires_at > latest:
        raise AccountError(
            f"令牌有效期最长 {settings.API_TOKEN_MAX_DAYS} 天：过期时间不能晚于 "
            f"{timezone.localtime(latest):%Y-%m-%d %H:%M}（北京时间）"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with change_context(source=source, user=user, actor=actor):
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:SHOWN_PREFIX_LENGTH],
            digest=token_digest(secret),
            expires_at=expires_at,
            password_fingerprint=password_fingerprint(user.password),
        )
        record_change(
            entity="接口令牌",
            key=f"{user.get_username()}/{token.pk}",
            before=None,
            after={"名称": name, "前缀": token.prefix, "过期时间": expires_at.isoformat()},
        )
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(
    *, token: ApiToken, user: Any = None, actor: str = "", source: str = "api", reason: str = ""
) -> ApiToken:
    """Revoke a token (kept for the record, refused from now on). Revoking it again changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    with change_context(source=source, user=user, actor=actor, reason=reason):
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_change(
            entity="接口令牌",
            key=f"{token.user.get_username()}/{token.pk}",
            before={"撤销时间": None},
            after={"撤销时间": token.revoked_at.isoformat()},
        )
    return token


#: The reason recorded when a password change revokes a user's tokens.
PASSWORD_CHANGED_REASON = "用户密码已更改，此前创建的接口令牌一律作废"  # nosec B105 # a change-log reason


def api_tokens_revoke_for_password(*, user: Any, source: str = "service", actor: str = "") -> int:
    """Revoke every live token of ``user`` (its password changed); how many were revoked."""
    revoked = 0
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        api_token_revoke(token=token, user=user, actor=actor, source=source, reason=PASSWORD_CHANGED_REASON)
        revoked += 1
    return revoked


def api_tokens_restamp(*, user: Any) -> None:
    """After a hash upgrade (the same password hashed anew, no change): tie ``user``'s live tokens to
    the new hash so that they keep working."""
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        password_fingerprint=password_fingerprint(user.password)
    )


#: last_used_at is written at most this often per token, so a busy client does not write on every call.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token with this secret (not revoked, not past its expiry or the maximum lifetime, made
    under its user's current password, its user active), with its last-used time brought up to date;
    ``None`` otherwise. A token whose password has changed since is revoked on the spot (whichever
    door changed the password, even one that bypassed the model's signals)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    if not token.is_active(now):
        return None
    if not _fingerprint_matches(token):
        api_token_revoke(token=token, source="service", actor="系统", reason=PASSWORD_CHANGED_REASON)
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
