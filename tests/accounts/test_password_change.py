"""Every user changes their own password in the pages (issue 13); the session stays. A password change
from any door — the page, the admin, `changepassword`, `set_password` in code, even an UPDATE that
bypasses the model — makes every earlier API token of that user invalid; a hash upgrade (the same
password re-hashed at login) and a SECRET_KEY rotation do not."""

from __future__ import annotations

import getpass
import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory

from bianzhi.accounts.models import ApiToken
from bianzhi.accounts.services import PASSWORD_CHANGED_REASON, api_token_create, password_fingerprint
from bianzhi.core.models import ChangeRecord

pytestmark = pytest.mark.django_db

PASSWORD = "pw-change-old-123"
NEW_PASSWORD = "Zhe-shi-xin-mima-2026"


@pytest.fixture
def clerk(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return User.objects.create_user("clerk", password=PASSWORD)


@pytest.fixture
def token(clerk) -> str:
    return api_token_create(user=clerk, name="同步").secret


def works(secret: str) -> bool:
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code in (200, 401)
    return response.status_code == 200


def logged_in(username: str = "clerk", password: str = PASSWORD) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": password}).status_code == 302
    return client


def assert_revoked_for_the_password(secret: str) -> None:
    stored = ApiToken.objects.get(name="同步")
    assert stored.revoked_at is not None
    record = ChangeRecord.objects.filter(entity="接口令牌", key=f"clerk/{stored.pk}").order_by("-pk").first()
    assert record is not None and record.after == {"撤销时间": stored.revoked_at.isoformat()}
    assert record.change_set.reason == PASSWORD_CHANGED_REASON
    assert not works(secret)


def test_the_page_changes_the_password_keeps_the_session_and_revokes_the_tokens(clerk, token):
    client = logged_in()
    home = client.get("/")
    assert 'href="/account/password/"' in home.content.decode()  # linked from the top bar
    page = client.get("/account/password/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "修改密码" in text and "旧密码" in text
    assert "1 个接口令牌" in text  # it warns that the token will stop working

    wrong = client.post(
        "/account/password/",
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "旧密码" in wrong.content.decode()
    assert works(token)
    weak = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert weak.status_code == 200 and "密码" in weak.content.decode()  # the validators of the settings
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)

    done = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.status_code == 200
    assert "密码已修改" in done.content.decode()
    assert client.get("/").status_code == 200  # the session is kept
    clerk.refresh_from_db()
    assert clerk.check_password(NEW_PASSWORD)
    assert_revoked_for_the_password(token)
    # A token made after the change works.
    assert works(api_token_create(user=clerk, name="新令牌").secret)


def test_the_page_needs_a_login():
    response = Client().get("/account/password/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_admin_door_revokes_the_tokens(clerk, token):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        f"/admin/auth/user/{clerk.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password(NEW_PASSWORD)
    assert_revoked_for_the_password(token)


def test_the_changepassword_command_revokes_the_tokens(clerk, token, monkeypatch):
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "clerk", stdout=io.StringIO())
    clerk.refresh_from_db()
    assert clerk.check_password(NEW_PASSWORD)
    assert_revoked_for_the_password(token)


def test_set_password_in_code_revokes_the_tokens(clerk, token):
    assert works(token)
    clerk.set_password(NEW_PASSWORD)
    clerk.save()
    assert_revoked_for_the_password(token)


def test_a_write_that_bypasses_the_model_is_caught_when_the_token_is_used(clerk, token):
    User.objects.filter(pk=clerk.pk).update(password=make_password(NEW_PASSWORD))
    assert ApiToken.objects.get(name="同步").revoked_at is None  # no signal saw it …
    assert not works(token)  # … the token's fingerprint does, on use, and revokes it
    assert_revoked_for_the_password(token)


def test_other_saves_of_the_user_leave_the_tokens_alone(clerk, token):
    clerk.first_name = "书记员"
    clerk.save()
    logged_in()  # saves last_login
    assert works(token)
    assert ApiToken.objects.get(name="同步").revoked_at is None


def test_a_hash_upgrade_at_login_is_not_a_password_change(clerk, token, settings):
    # The MD5 hash of the fixture is outdated once PBKDF2 comes first: the next login re-hashes it.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    old_hash = clerk.password
    assert authenticate(RequestFactory().post("/login/"), username="clerk", password=PASSWORD) is not None
    clerk.refresh_from_db()
    assert clerk.password != old_hash and clerk.password.startswith("pbkdf2_sha256$")
    assert works(token)
    stored = ApiToken.objects.get(name="同步")
    assert stored.revoked_at is None and stored.password_fingerprint == password_fingerprint(clerk.password)


def test_rotating_the_secret_key_keeps_the_tokens(clerk, token, settings):
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert works(token)
    stored = ApiToken.objects.get(name="同步")
    assert stored.password_fingerprint == password_fingerprint(clerk.password)  # re-stamped with the new key
    settings.SECRET_KEY_FALLBACKS = []
    assert works(token)
