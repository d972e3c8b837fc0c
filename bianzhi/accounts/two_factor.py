"""Two-factor login with a TOTP authenticator app (django-otp), issue 13.

After the password, a session of a user who needs a second factor is *pending* until a current
6-digit code of the user's confirmed authenticator is entered (:func:`pending`); while pending,
``bianzhi.accounts.middleware.TwoFactorMiddleware`` lets it reach only the second step and the API
refuses it (``otp_required``). API tokens are exempt.

Who needs one (:func:`needs_second_factor`): everyone who has enrolled an authenticator, and — while
``settings.REQUIRE_2FA`` is on (``BIANZHI_REQUIRE_2FA``, default 1) — every 编办管理员 (superusers
included) and 编办业务人员, who enrol on their first login. Wrong codes are limited three ways: the
device's own throttle (django-otp doubles the wait after each failure, until a right code), django-axes
counts each as a failed login of the account from that address, and ``settings.OTP_MAX_FAILURES`` in a
row end the session.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from bianzhi.accounts.models import Role
from bianzhi.accounts.permissions import roles_of

#: Roles that must log in with a second factor while ``REQUIRE_2FA`` is on.
REQUIRED_ROLES = frozenset({Role.ADMIN, Role.OFFICER})
#: Session keys: whether the user had a confirmed authenticator at login; wrong codes in a row.
ENROLLED_KEY = "bianzhi_2fa_enrolled"
FAILURES_KEY = "bianzhi_2fa_failures"
#: The name of the device a user enrols in the pages.
DEVICE_NAME = "身份验证器"


def role_requires(user: Any) -> bool:
    """Whether ``user``'s roles oblige a second factor while ``REQUIRE_2FA`` is on."""
    return bool(getattr(user, "is_superuser", False)) or any(role in REQUIRED_ROLES for role, _ in roles_of(user))


def required(user: Any) -> bool:
    """Whether ``user`` must use a second factor whether or not they have enrolled one."""
    return bool(settings.REQUIRE_2FA) and role_requires(user)


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def remember_enrolment(request: HttpRequest, user: Any) -> None:
    """At login: note in the session whether the user has a confirmed authenticator (one query per
    login rather than one per request) and start the count of wrong codes afresh."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[ENROLLED_KEY] = user_has_device(user, confirmed=True)
    session.pop(FAILURES_KEY, None)


def needs_second_factor(request: HttpRequest) -> bool:
    """Whether the session's user must have entered a code to use this session."""
    user = request.user
    if not user.is_authenticated:
        return False
    session = request.session
    enrolled = session.get(ENROLLED_KEY)
    if enrolled is None:  # a session from before two-factor login existed
        enrolled = session[ENROLLED_KEY] = user_has_device(user, confirmed=True)
    return bool(enrolled) or required(user)


def verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def pending(request: HttpRequest) -> bool:
    """Whether the session is logged in by password but still owes its second factor."""
    return bool(getattr(request, "user", None) is not None and not verified(request) and needs_second_factor(request))


@dataclass(frozen=True)
class Attempt:
    """The outcome of a code: accepted; refused (``left`` more tries, or ``logged_out``); or not even
    checked because the device's throttle asks to ``wait`` that many seconds first."""

    ok: bool
    logged_out: bool = False
    left: int = 0
    wait: int = 0


# ---------------------------------------------------------------- enrolment


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the otpauth URI as a QR code (inline SVG) and the secret in base32."""

    device: TOTPDevice
    uri: str
    secret: str
    qr_svg: str


def enrolment_start(user: Any) -> Enrolment:
    """The user's unconfirmed authenticator (made now if there is none; kept across page loads so a
    reload does not change the secret being scanned)."""
    import segno

    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    uri = device.config_url
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, title=None)
    return Enrolment(
        device=device, uri=uri, secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)), qr_svg=qr_svg
    )


def enrolment_confirm(request: HttpRequest, code: str) -> Attempt:
    """Confirm the user's unconfirmed authenticator with a current code: it becomes the user's only
    confirmed device and the session counts as verified. A wrong code in a session that still owes its
    second factor counts like one on the verification page."""
    user = request.user
    owing = pending(request)
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        return Attempt(ok=False)
    wait = wait_seconds(device)
    if wait:
        return Attempt(ok=False, wait=wait)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = bool(device.verify_token(code))
        if ok:
            TOTPDevice.objects.devices_for_user(user, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    if ok:
        _verified(request, device)
        return Attempt(ok=True)
    return failure(request) if owing else Attempt(ok=False)


def remove(request: HttpRequest, code: str) -> bool:
    """Switch two-factor login off for a user who may (not required): a current code proves the
    authenticator is at hand. ``False`` for a wrong code."""
    device = confirmed_device(request.user)
    if device is None or not _verify(device, code):
        return False
    TOTPDevice.objects.devices_for_user(request.user, confirmed=None).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[ENROLLED_KEY] = False
    request.user.otp_device = None  # type: ignore[union-attr]
    return True


# ---------------------------------------------------------------- the second step


def _verify(device: TOTPDevice, code: str) -> bool:
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        return bool(locked.verify_token(code))


def _verified(request: HttpRequest, device: TOTPDevice) -> None:
    request.session.cycle_key()  # a new session key once the login is complete
    otp_login(request, device)
    request.session[ENROLLED_KEY] = True
    request.session.pop(FAILURES_KEY, None)


def wait_seconds(device: TOTPDevice | None) -> int:
    """Seconds the device's throttle still refuses any code (0 when a code may be tried)."""
    if device is None:
        return 0
    allowed, details = device.verify_is_allowed()
    if allowed or not details:
        return 0
    locked_until = details.get("locked_until")
    if locked_until is None:
        return 0
    return max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))


def verify(request: HttpRequest, code: str) -> Attempt:
    """Check a code of the user's confirmed authenticator. A right one verifies the session; a wrong one
    counts as a failed login for django-axes and, after ``OTP_MAX_FAILURES`` in a row, ends the session."""
    device = confirmed_device(request.user)
    if device is None:
        return Attempt(ok=False)
    wait = wait_seconds(device)
    if wait:
        return Attempt(ok=False, wait=wait)
    if _verify(device, code):
        _verified(request, device)
        return Attempt(ok=True)
    return failure(request)


def failure(request: HttpRequest) -> Attempt:
    """Count a wrong code (on the enrolment or the verification page)."""
    user = request.user
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    failures = int(request.session.get(FAILURES_KEY, 0)) + 1
    limit = int(settings.OTP_MAX_FAILURES)
    if failures >= limit:
        logout(request)
        return Attempt(ok=False, logged_out=True)
    request.session[FAILURES_KEY] = failures
    return Attempt(ok=False, left=limit - failures)
