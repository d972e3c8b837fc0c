"""Two-factor login (TOTP, django-otp), issue 13: required for 编办管理员 (and superusers) and 编办业务人员
while BIANZHI_REQUIRE_2FA is on, optional for everyone else; the first login enrols an authenticator
(QR code and base32 secret), later logins ask its code. Until then every page and the admin lead to the
second step and the API refuses the session (403 otp_required); API tokens are exempt. Wrong codes are
limited: five in a row end the session and count as failed logins for django-axes."""

from __future__ import annotations

import base64
import os
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "pw-two-factor-123"


@pytest.fixture
def required(personas, settings):
    """Two-factor login required (the default outside the tests) and every persona with a password."""
    settings.REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the device's own back-off is tested on its own below
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from bianzhi.accounts.services import api_token_create

    for persona in personas.values():
        if persona.user is not None:
            persona.user.set_password(PASSWORD)
            persona.user.save()
            persona.token = api_token_create(user=persona.user, name="密码设置后").secret  # the old ones died
    return personas


def log_in(username: str, *, next_page: str = "") -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD, "next": next_page})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def code(device: TOTPDevice, *, ahead: int = 0) -> str:
    """The device's current code (``ahead`` time steps later: still accepted within the tolerance)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead):06d}"


def enrolled(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


def test_the_setting_is_on_by_default_and_off_in_the_demo(monkeypatch):
    from bianzhi.config import cli
    from bianzhi.config import settings as project_settings

    assert project_settings.REQUIRE_2FA is True
    import django.core.management

    seen: dict[str, str | None] = {}
    # main() writes to the environment: every variable it touches is put back afterwards.
    for name in ("DATABASE_URL", "BIANZHI_ALLOW_DEMO_KEY"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    monkeypatch.delenv("BIANZHI_REQUIRE_2FA", raising=False)
    monkeypatch.setattr(
        django.core.management,
        "execute_from_command_line",
        lambda argv: seen.update(argv=" ".join(argv), value=os.environ.get("BIANZHI_REQUIRE_2FA")),
    )
    cli.main(["demo", "--no-serve"])
    assert seen == {"argv": "bianzhi demo --no-serve", "value": "0"}
    monkeypatch.delenv("BIANZHI_REQUIRE_2FA")
    cli.main(["check"])
    assert seen["value"] is None  # only the demo switches it off


def test_first_login_of_an_administrator_enrols_an_authenticator(required, api):
    admin = required["admin"]
    client = log_in("admin", next_page="/people/")
    # Every page, the admin included, leads to the second step, keeping the page asked for.
    home = client.get("/people/")
    assert home.status_code == 302 and home["Location"] == "/account/two-factor/?next=%2Fpeople%2F"
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/")
    refused = client.get("/api/v1/me")
    assert refused.status_code == 403
    assert refused.json()["code"] == "otp_required" and "两步验证" in refused.json()["message"]
    assert api(admin, "GET", "/me").status_code == 200  # tokens are exempt

    page = client.get("/account/two-factor/?next=/people/")
    assert page.status_code == 200
    text = page.content.decode()
    device = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert "<svg" in text and "两步验证" in text and 'id="main-nav"' not in text
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in text
    enrolment = page.context["enrolment"]
    assert enrolment.uri.startswith(f"otpauth://totp/{quote('机构编制数字化管理平台')}%3Aadmin?secret={secret}")
    assert f"issuer={quote('机构编制数字化管理平台')}" in enrolment.uri
    # Reloading keeps the secret being scanned.
    assert client.get("/account/two-factor/").context["enrolment"].secret == enrolment.secret

    wrong = client.post("/account/two-factor/", {"action": "enrol", "code": "000000", "next": "/people/"})
    assert wrong.status_code == 200 and "动态码错误或已过期" in wrong.content.decode()
    done = client.post("/account/two-factor/", {"action": "enrol", "code": code(device), "next": "/people/"})
    assert done.status_code == 302 and done["Location"] == "/people/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/people/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_later_logins_ask_the_code(required):
    device = enrolled(required["officer"].user)
    client = log_in("officer")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/account/verify/?next=%2F"
    # With a confirmed authenticator, a half-logged-in session cannot enrol another one.
    assert client.get("/account/two-factor/")["Location"].startswith("/account/verify/")
    assert TOTPDevice.objects.filter(user=required["officer"].user).count() == 1
    page = client.get("/account/verify/?next=/units/")
    assert page.status_code == 200 and "6 位动态码" in page.content.decode()
    wrong = client.post("/account/verify/", {"code": "12345", "next": "/units/"})
    assert "请输入身份验证器应用显示的 6 位数字" in wrong.content.decode()
    right = client.post("/account/verify/", {"code": code(device), "next": "/units/"})
    assert right.status_code == 302 and right["Location"] == "/units/"
    assert client.get("/").status_code == 200
    # An address elsewhere is not followed.
    assert client.get("/account/verify/?next=https://example.com/")["Location"] == "/"


def test_five_wrong_codes_log_the_session_out_and_count_as_failed_logins(required):
    enrolled(required["admin"].user)
    client = log_in("admin")
    for left in (4, 3, 2, 1):
        response = client.post("/account/verify/", {"code": "000000"})
        assert f"再错 {left} 次将退出登录" in response.content.decode()
    last = client.post("/account/verify/", {"code": "000000"})
    assert last.status_code in (302, 429)  # logged out; django-axes may answer with its lockout page
    assert client.get("/")["Location"].startswith("/login/")
    attempt = AccessAttempt.objects.get(username="admin")
    assert attempt.failures_since_start == 5
    # The account is now locked from that address, even with the right password.
    assert Client().post("/login/", {"username": "admin", "password": PASSWORD}).status_code == 429


def test_the_device_throttles_codes_after_a_wrong_one(required, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = enrolled(required["officer"].user)
    client = log_in("officer")
    client.post("/account/verify/", {"code": "000000"})
    refused = client.post("/account/verify/", {"code": code(device)})  # right, but too soon
    assert refused.status_code == 200 and "秒后再试" in refused.content.decode()
    assert client.get("/").status_code == 302


def test_roles_that_need_not_are_not_asked_but_may_enrol(required):
    leader = required["leader"].user
    client = log_in("leader")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    page = client.get("/account/two-factor/")
    assert page.status_code == 200 and 'id="main-nav"' in page.content.decode()
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    assert client.post("/account/two-factor/", {"action": "enrol", "code": code(device)}).status_code == 302
    # Once enrolled, the next login asks the code even though the role does not require it.
    later = log_in("leader")
    assert later.get("/")["Location"].startswith("/account/verify/")
    device.refresh_from_db()
    assert later.post("/account/verify/", {"code": code(device, ahead=1)}).status_code == 302
    assert later.get("/").status_code == 200
    # And the leader may switch it off again with a current code.
    assert "关闭" in later.get("/account/two-factor/").content.decode()
    off = later.post("/account/two-factor/", {"action": "remove", "code": "000000"})
    assert off.status_code == 200 and TOTPDevice.objects.filter(user=leader).exists()
    device.refresh_from_db()  # its drift followed the code one step ahead
    switched_off = later.post("/account/two-factor/", {"action": "remove", "code": code(device, ahead=1)})
    assert switched_off.status_code == 302 and not TOTPDevice.objects.filter(user=leader).exists()
    assert log_in("leader").get("/").status_code == 200


def test_a_required_role_cannot_switch_it_off(required):
    device = enrolled(required["officer"].user)
    client = log_in("officer")
    client.post("/account/verify/", {"code": code(device)})
    page = client.get("/account/two-factor/")
    assert "关闭" not in page.content.decode().split('id="two-factor-settings"')[1]
    client.post("/account/two-factor/", {"action": "remove", "code": code(device, ahead=1)})
    assert TOTPDevice.objects.filter(user=required["officer"].user, confirmed=True).exists()


def test_a_superuser_without_roles_is_required(required):
    User.objects.create_superuser("root", password=PASSWORD)
    client = log_in("root")
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/")


def test_htmx_requests_are_sent_to_the_whole_second_step(required):
    client = log_in("officer")
    response = client.get("/people/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/account/two-factor/")


def test_off_the_requirement_lets_administrators_in_with_the_password(required, settings):
    settings.REQUIRE_2FA = False
    client = log_in("admin")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_the_administrator_removes_a_lost_authenticator_in_the_admin(required, settings):
    settings.REQUIRE_2FA = False  # the administrator's own login is not what this test is about
    device = enrolled(required["officer"].user)
    client = log_in("admin")
    User.objects.filter(username="admin").update(is_staff=True, is_superuser=True)
    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and "officer" in listing.content.decode()
    change = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert change.status_code == 200 and device.key not in change.content.decode()  # the secret stays hidden
    assert client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=required["officer"].user).exists()
