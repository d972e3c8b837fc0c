"""Issue 13, "Authentication and deployment": every reply with personal data — page, export, API — is marked
``Cache-Control: no-store``, every page carries a Content-Security-Policy that loads nothing from outside and runs
no inline script, and a page session ends after an idle time and at the latest a fixed time after the login."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path

import django
import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from bianzhi.web.middleware import ADMIN_CHANGELIST_STYLE, LOGIN_AT, SEEN_AT, SecurityHeadersMiddleware

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


def logged_in(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_private(response) -> None:
    assert "no-store" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"


def assert_policy(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["img-src"] == "img-src 'self' data:"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["base-uri"] == "base-uri 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"
    everything = response["Content-Security-Policy"]
    assert "unsafe-inline" not in everything and "unsafe-eval" not in everything
    assert "http:" not in everything and "https:" not in everything and "*" not in everything


def test_pages_exports_and_api_replies_are_not_stored_and_carry_the_policy(personas, api):
    officer = logged_in(personas["officer"])
    page = officer.get("/people/")
    assert page.status_code == 200
    assert b"<script>" not in page.content  # the policy allows no inline script, so the pages have none
    export = officer.get("/people/?export=people")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    reply = api(personas["officer"], "GET", "/people")
    assert reply.status_code == 200
    session_reply = api(personas["officer"], "GET", "/people", session=True)
    assert session_reply.status_code == 200
    refused = api(personas["anonymous"], "GET", "/people")
    assert refused.status_code == 401
    login = Client().get("/login/")
    assert login.status_code == 200
    home = officer.get("/")
    for response in (page, export, reply, session_reply, refused, login, home):
        assert_private(response)
        assert_policy(response)


def test_the_api_docs_page_has_no_inline_script():
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert_policy(docs)
    scripts = re.findall(rb"<script([^>]*)>(.*?)</script>", docs.content, re.S)
    # Only files, and the settings as inert JSON (which no policy runs).
    for attributes, content in scripts:
        assert b"src=" in attributes or b'type="application/json"' in attributes, attributes
        assert b"src=" not in attributes or not content.strip()


def test_static_files_are_left_to_the_browser_cache():
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse("body{}", content_type="text/css"))
    static = middleware(RequestFactory().get("/static/css/bianzhi.css"))
    assert "Cache-Control" not in static
    assert "Content-Security-Policy" not in static
    page = middleware(RequestFactory().get("/units/"))
    assert page["Cache-Control"] == "no-store"


def test_the_admin_style_hash_is_that_of_the_installed_django():
    template = Path(django.__file__).parent / "contrib/admin/templates/admin/change_list.html"
    (style,) = re.findall(r"<style>(.*?)</style>", template.read_text("utf-8"), re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    assert ADMIN_CHANGELIST_STYLE == f"'sha256-{digest}'"


# ---------------------------------------------------------------- sessions


def age(client: Client, *, idle: float = 0, since_login: float = 0) -> None:
    """Move the session's clock back: last request ``idle`` seconds ago, login ``since_login`` seconds ago."""
    session = client.session
    now = time.time()
    session[SEEN_AT] = now - idle
    session[LOGIN_AT] = now - since_login
    session.save()


def test_a_session_idle_for_30_minutes_ends_with_a_message(personas):
    client = logged_in(personas["officer"])
    assert client.get("/people/").status_code == 200
    assert isinstance(client.session[LOGIN_AT], float)
    age(client, idle=29 * 60, since_login=29 * 60)
    assert client.get("/people/").status_code == 200  # still within the idle time …
    assert time.time() - client.session[SEEN_AT] < 5  # … and the request counts as activity
    age(client, idle=30 * 60 + 1, since_login=40 * 60)
    ended = client.get("/people/?q=1")
    assert ended.status_code == 302
    assert ended["Location"] == "/login/?next=/people/%3Fq%3D1"
    assert "_auth_user_id" not in client.session
    login_page = client.get(ended["Location"])
    assert "您已超过 30 分钟没有操作" in login_page.content.decode("utf-8")
    assert client.get("/people/")["Location"].startswith("/login/")


def test_an_active_session_still_ends_12_hours_after_the_login(personas):
    client = logged_in(personas["leader"])
    age(client, idle=10, since_login=11 * 3600 + 59 * 60)
    assert client.get("/units/").status_code == 200
    age(client, idle=10, since_login=12 * 3600)
    ended = client.get("/units/")
    assert ended.status_code == 302 and ended["Location"].startswith("/login/")
    assert "本次登录已超过 12 小时" in client.get(ended["Location"]).content.decode("utf-8")


def test_a_new_login_starts_the_lifetime_afresh(personas):
    client = logged_in(personas["officer"])
    age(client, idle=10, since_login=12 * 3600)
    client.force_login(personas["officer"].user, backend=BACKEND)
    assert time.time() - client.session[LOGIN_AT] < 5
    assert client.get("/people/").status_code == 200


@override_settings(SESSION_IDLE_SECONDS=5 * 60, SESSION_MAX_SECONDS=3600)
def test_the_limits_come_from_the_settings(personas):
    client = logged_in(personas["officer"])
    age(client, idle=5 * 60, since_login=5 * 60)
    ended = client.get("/people/")
    assert ended.status_code == 302
    assert "您已超过 5 分钟没有操作" in client.get(ended["Location"]).content.decode("utf-8")
    client = logged_in(personas["officer"])
    age(client, idle=0, since_login=3600)
    ended = client.get("/people/")
    assert "本次登录已超过 1 小时" in client.get(ended["Location"]).content.decode("utf-8")


def test_an_ended_session_is_a_401_for_the_api_and_a_redirect_for_htmx(personas):
    client = logged_in(personas["officer"])
    age(client, idle=31 * 60)
    reply = client.get("/api/v1/people")
    assert reply.status_code == 401
    assert reply["Content-Type"].startswith("application/json")
    assert reply.json() == {
        "status": 401,
        "code": "unauthenticated",
        "message": "您已超过 30 分钟没有操作，为保护个人信息已自动退出登录，请重新登录。",
        "errors": [],
        "problems": [],
        "warnings": [],
    }
    assert_private(reply)

    client = logged_in(personas["officer"])
    age(client, idle=31 * 60)
    swap = client.get("/people/?q=x", headers={"HX-Request": "true"})
    assert swap["HX-Redirect"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_a_token_request_is_not_refused_for_an_ended_session_cookie(personas):
    client = logged_in(personas["officer"])
    age(client, idle=31 * 60)
    reply = client.get("/api/v1/people", headers={"Authorization": f"Bearer {personas['officer'].token}"})
    assert reply.status_code == 200
    assert "_auth_user_id" not in client.session  # the ended session is still logged out
