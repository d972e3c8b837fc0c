"""Receivers of the accounts app (connected in ``AccountsConfig.ready``).

- A password change, whichever door it comes through (the password page, the admin, ``changepassword``,
  ``set_password`` in code), revokes every API token the user had: the tokens are logged as revoked
  with the reason. A hash upgrade (Django re-hashing the same password at login) is not a change: the
  tokens are re-tied to the new hash. Writes that bypass the model's signals are caught when the token
  is next used (its password fingerprint, bianzhi/accounts/services.py).
- A login notes in the session whether the user has enrolled an authenticator (two-factor login).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from bianzhi.accounts import two_factor
from bianzhi.accounts.services import api_tokens_restamp, api_tokens_revoke_for_password

_BEFORE = "_bianzhi_password_before"


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="bianzhi.accounts.password_before")
def remember_password(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    before = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    setattr(instance, _BEFORE, before)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="bianzhi.accounts.password_after")
def password_changed(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    before = instance.__dict__.pop(_BEFORE, None)
    if raw or before is None or before == instance.password:
        return
    # Django's hash upgrade saves only the password and, unlike set_password, leaves no raw password
    # behind ("Password hash upgrades shouldn't be considered password changes", AbstractBaseUser).
    if update_fields is not None and set(update_fields) == {"password"} and instance._password is None:
        api_tokens_restamp(user=instance)
        return
    api_tokens_revoke_for_password(user=instance)


@receiver(user_logged_in, dispatch_uid="bianzhi.accounts.two_factor_login")
def note_enrolment(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        two_factor.remember_enrolment(request, user)
