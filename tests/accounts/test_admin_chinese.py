"""The admin speaks Chinese (issue 16, "Polish that users notice"): the third-party apps the
编办管理员 sees there — django-axes, django-otp's TOTP devices, the task queue's results — are named
in Chinese on the index, on each app's page and on each list; the rule settings are not edited as
raw JSON in the admin but on the page /alerts/rules/, which the admin links to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from bianzhi.core.models import ChangeRecord
from bianzhi.supervision.models import RuleSetting

pytestmark = pytest.mark.django_db

#: English an administrator used to read in the admin (app and model names, headings, columns).
ENGLISH = (
    "Axes",
    "AXES",
    "Access attempt",
    "Access attempts",
    "access attempts",
    "Access log",
    "Access failure",
    "Tasks Database Backend",
    "TASKS DATABASE BACKEND",
    "Task result",
    "Task Result",
    "Task results",
    "TOTP",
    "Otp_Totp",
    "OTP_TOTP",
    "Model name",
    "Attempt Time",
    "Failed Logins",
    "Logout Time",
    "User Agent",
    "enqueued at",
    "queue name",
    "Identity",
    "Attempted Access",
    "Access Log for",
    "Throttling",
)

THIRD_PARTY = {
    "axes": "登录安全",
    "otp_totp": "两步验证",
    "django_tasks_database": "后台任务",
}


@pytest.fixture
def client() -> Client:
    root = User.objects.create_superuser("root", "root@example.org", "x")
    client = Client()
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    return client


def visible_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def english_in(text: str) -> list[str]:
    return [word for word in ENGLISH if re.search(rf"(?<![A-Za-z_]){re.escape(word)}(?![A-Za-z_])", text)]


def test_the_index_and_every_app_page_name_the_apps_in_chinese(client):
    response = client.get("/admin/")
    assert response.status_code == 200
    text = visible_text(response)
    assert english_in(text) == []
    for name in (*THIRD_PARTY.values(), "登录失败计数", "登录记录", "登录失败记录", "动态口令设备", "任务结果"):
        assert name in text
    for label in sorted({model._meta.app_label for model in admin.site._registry}):
        response = client.get(f"/admin/{label}/")
        assert response.status_code == 200, label
        assert english_in(visible_text(response)) == [], label


def test_every_third_party_list_and_record_is_in_chinese(client):
    AccessAttempt.objects.create(
        username="wang",
        ip_address="10.0.0.8",
        user_agent="Firefox",
        http_accept="*/*",
        path_info="/login/",
        get_data="",
        post_data="",
        failures_since_start=3,
    )
    AccessLog.objects.create(
        username="wang", ip_address="10.0.0.8", user_agent="Firefox", http_accept="*/*", path_info="/login/"
    )
    device = TOTPDevice.objects.create(user=User.objects.get(username="root"), name="身份验证器", confirmed=True)
    for model in admin.site._registry:
        if model._meta.app_label not in THIRD_PARTY:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response)
        assert english_in(text) == [], url
        assert THIRD_PARTY[model._meta.app_label] in text
    text = visible_text(client.get("/admin/axes/accessattempt/"))
    assert "wang" in text and "尝试时间" in text and "失败次数" in text
    attempt = AccessAttempt.objects.get()
    text = visible_text(client.get(f"/admin/axes/accessattempt/{attempt.pk}/change/"))
    assert english_in(text) == [] and "wang 的登录失败计数" in text and "浏览器标识" in text
    log = AccessLog.objects.get(username="wang")
    text = visible_text(client.get(f"/admin/axes/accesslog/{log.pk}/change/"))
    assert english_in(text) == [] and "wang 的登录记录" in text
    # a device is seen and may be deleted (a lost phone), never added or edited here
    response = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert response.status_code == 200
    text = visible_text(response)
    assert english_in(text) == [] and "身份验证器" in text and "已确认" in text
    assert 'name="key"' not in response.content.decode()
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    # the task results are shown read-only
    assert client.get("/admin/django_tasks_database/dbtaskresult/add/").status_code == 403
    assert not DBTaskResult.objects.exists()


def test_a_rule_setting_is_not_edited_as_json_in_the_admin_but_on_its_page(client):
    setting = RuleSetting.objects.create(rule="vacancy_idle", enabled=True, params={"vacancy_rate": 0.3})
    response = client.get(f"/admin/supervision/rulesetting/{setting.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="params"' not in body and "<textarea" not in body
    assert 'name="enabled"' not in body and 'name="_save"' not in body
    assert 'href="/alerts/rules/vacancy_idle/"' in body
    assert "监测规则设置页面" in visible_text(response)
    listing = client.get("/admin/supervision/rulesetting/")
    assert 'href="/alerts/rules/"' in listing.content.decode()
    # neither a change nor a new setting is taken here
    response = client.post(
        f"/admin/supervision/rulesetting/{setting.pk}/change/",
        {"enabled": "", "severity": "", "params": '{"vacancy_rate": 0.5}'},
    )
    assert response.status_code == 403
    assert client.get("/admin/supervision/rulesetting/add/").status_code == 403
    response = client.post(
        "/admin/supervision/rulesetting/add/",
        {"rule": "over_staffing", "enabled": "on", "severity": "", "params": "{}"},
    )
    assert response.status_code == 403
    setting.refresh_from_db()
    assert setting.params == {"vacancy_rate": 0.3} and setting.enabled
    assert RuleSetting.objects.count() == 1
    assert not ChangeRecord.objects.filter(entity="监测规则").exists()


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian 的 chromium 未安装（make system-deps 安装 chromium）")
@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_the_administrator_reads_the_admin_in_chinese_and_goes_to_the_rule_page(
    live_server, settings, monkeypatch, viewport
):
    """In Chromium: the administrator logs in to the admin, reads the third-party apps in Chinese,
    opens a rule setting — read-only — and follows its link to the page where it is changed."""
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.create_superuser("chief", "chief@example.org", "pw-admin-123", first_name="主任")
    RuleSetting.objects.create(rule="vacancy_idle", enabled=True, params={"vacancy_rate": 0.3})
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            context = chromium.new_context(locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]})
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.goto(f"{live_server.url}/admin/")
            page.fill("#id_username", "chief")
            page.fill("#id_password", "pw-admin-123")
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
            text = page.inner_text("#content")
            assert english_in(text) == []
            for name in (
                "登录安全",
                "登录失败计数",
                "两步验证",
                "动态口令设备",
                "后台任务",
                "任务结果",
                "监测规则设置",
            ):
                assert name in text
            page.click("#content >> text=登录失败计数")
            page.wait_for_url("**/admin/axes/accessattempt/")
            assert english_in(page.inner_text("#content")) == []
            page.goto(f"{live_server.url}/admin/supervision/rulesetting/")
            page.click("#result_list >> text=vacancy_idle")
            page.wait_for_url("**/admin/supervision/rulesetting/*/change/")
            assert page.locator("textarea, input[name=params], input[name=enabled]").count() == 0
            page.click("text=在监测规则设置页面修改")
            page.wait_for_url(f"{live_server.url}/alerts/rules/vacancy_idle/")
            assert "空编闲置" in page.inner_text("body")
            context.close()
        finally:
            chromium.close()
