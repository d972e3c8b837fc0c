"""Writes on users by the 编办管理员 (issue 16, "User management in the pages"): create a user, set their
display name (姓名, kept in ``first_name``), reset a password, lock and unlock.

Each write opens a change set that says who acted, from where and why; the audit hook
(bianzhi/accounts/audit.py) records the user's fields before and after into it, as it does for any
door. A password reset revokes the user's API tokens (the password-change signal,
bianzhi/accounts/signals.py) and ends their sessions (Django's session hash follows the password);
a lock refuses the login, the sessions and the tokens of the user; an unlock also clears the
failed-login lockouts django-axes holds for the username. Roles are granted and revoked through
``role_grant_create``/``role_grant_revoke`` (bianzhi/accounts/services.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from bianzhi.accounts.services import AccountError
from bianzhi.core.changelog import change_context, display_name

#: Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # nosec B105 # an alphabet
GENERATED_LENGTH = 14
NAME_LENGTH = 150


def generated_password() -> str:
    """A temporary password: 14 characters from :data:`PASSWORD_ALPHABET` (about 81 bits), with at
    least one capital, one small letter and one digit."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_LENGTH))
        if any(c.isupper() for c in password) and any(c.islower() for c in password):
            if any(c.isdigit() for c in password):
                return password


@dataclass(frozen=True)
class PasswordGiven:
    """A user and the password to hand over (shown once, never stored in clear)."""

    user: User
    password: str
    generated: bool


def _context(by: Any, origin: str, reason: str) -> Any:
    return change_context(source="web", user=by, actor=display_name(by), origin=origin, reason=reason)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if len(name) > NAME_LENGTH:
        raise AccountError(f"姓名不能超过 {NAME_LENGTH} 个字符")
    return name


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("；".join(exc.messages)) from None


@transaction.atomic
def user_create(
    *, username: str, name: str, password: str = "", by: Any, origin: str = "", reason: str
) -> PasswordGiven:
    """A new active user without any role (roles are granted next); ``password`` empty: one is generated."""
    username = username.strip()
    if not username:
        raise AccountError("用户名不能为空")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise AccountError("用户名只能包含字母、数字和 @ . + - _ 字符") from None
    if len(username) > NAME_LENGTH:
        raise AccountError(f"用户名不能超过 {NAME_LENGTH} 个字符")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"用户名“{username}”已被使用")
    generated = not password
    password = password or generated_password()
    user = User(username=username, first_name=_clean_name(name))
    _check_password(password, user)
    user.set_password(password)
    with _context(by, origin, reason):
        user.save()  # recorded by the audit hook, with the change set opened here
    return PasswordGiven(user=user, password=password, generated=generated)


@transaction.atomic
def user_rename(*, user: User, name: str, by: Any, origin: str = "", reason: str) -> User:
    """Set the display name (姓名); the same name again changes nothing."""
    name = _clean_name(name)
    if name == user.first_name and not user.last_name:
        return user
    user.first_name, user.last_name = name, ""
    with _context(by, origin, reason):
        user.save(update_fields=["first_name", "last_name"])
    return user


@transaction.atomic
def user_password_reset(*, user: User, by: Any, origin: str = "", reason: str) -> PasswordGiven:
    """A generated temporary password replaces the user's; their tokens are revoked and sessions end."""
    password = generated_password()
    user.set_password(password)
    with _context(by, origin, reason):
        user.save()
    return PasswordGiven(user=user, password=password, generated=True)


@transaction.atomic
def user_set_active(*, user: User, active: bool, by: Any, origin: str = "", reason: str) -> User:
    """Lock (``active=False``) or unlock a user. Nobody locks themselves out; an unlock also lifts
    the failed-login lockouts of the username (django-axes)."""
    if not active and getattr(by, "pk", None) == user.pk:
        raise AccountError("不能锁定自己的账户")
    if user.is_active != active:
        user.is_active = active
        with _context(by, origin, reason):
            user.save(update_fields=["is_active"])
    if active:
        from axes.utils import reset

        reset(username=user.get_username())
    return user
