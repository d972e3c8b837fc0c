"""The notifications page, the unread badge and the notifications API (issues 14/15)."""

from __future__ import annotations

import re

import pytest
from conftest import PB
from django.test import Client

from bianzhi.core.models import Notification
from bianzhi.core.notifications import notify

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


def _badge(html: str) -> str | None:
    match = re.search(r'id="unread-badge">([^<]*)<', html)
    return match.group(1) if match else None


def test_the_badge_counts_unread_notifications(personas):
    client = client_for(personas["hr_a"])
    page = client.get("/").content.decode()
    assert _badge(page) is None
    assert 'data-unread="0"' in page
    notify(recipients=[personas["hr_a"].user], title="申请已退回", url="/approvals/")
    notify(recipients=[personas["hr_a"].user], title="问题已提出")
    notify(recipients=[personas["hr_b"].user], title="别人的")
    page = client.get("/").content.decode()
    assert _badge(page) == "2"
    assert 'href="/notifications/" id="nav-notifications"' in page
    assert "通知：2 条未读" in page


def test_the_badge_shows_99_plus(personas):
    Notification.objects.bulk_create([Notification(user=personas["leader"].user, title=f"第{i}条") for i in range(120)])
    assert _badge(client_for(personas["leader"]).get("/").content.decode()) == "99+"


def test_the_page_lists_own_notifications_unread_first(personas):
    user = personas["officer"].user
    notify(recipients=[user], title="第一条", body="内容一")
    notify(recipients=[user], title="第二条", url="/units/A/")
    notify(recipients=[personas["admin"].user], title="管理员的")
    first = Notification.objects.get(title="第一条")
    client = client_for(personas["officer"])
    client.post(f"/notifications/{first.pk}/read/")
    response = client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="h4 mb-0">通知</h1>' in html
    assert "1 条未读通知。" in html
    assert html.index("第二条") < html.index("第一条")  # unread first
    assert "管理员的" not in html
    assert re.search(rf'data-notification="{first.pk}" data-state="read"', html)
    unread = client.get("/notifications/?unread=1").content.decode()
    assert "第二条" in unread and "第一条" not in unread


def test_opening_marks_read_and_goes_to_the_page(personas):
    user = personas["hr_b"].user
    notify(recipients=[user], title="请查看机构", url="/units/B/")
    row = Notification.objects.get(user=user)
    response = client_for(personas["hr_b"]).post(f"/notifications/{row.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/units/B/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_another_users_notification_is_not_found(personas):
    notify(recipients=[personas["hr_a"].user], title="hr_a 的")
    row = Notification.objects.get()
    response = client_for(personas["hr_b"]).post(f"/notifications/{row.pk}/read/")
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read_and_back_to_a_local_page_only(personas):
    user = personas["leader"].user
    for title in ("甲", "乙"):
        notify(recipients=[user], title=title)
    client = client_for(personas["leader"])
    response = client.post("/notifications/read-all/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert client.get("/notifications/").content.decode().count("list-group-item-primary") == 0


def test_reading_needs_a_login_and_post(personas, client):
    assert client.get("/notifications/")["Location"].startswith("/login/?next=")
    assert client_for(personas["admin"]).get("/notifications/read-all/").status_code == 405


def test_masked_roles_see_numbers_in_notifications_masked(personas):
    number = PB["身份证号"]
    for name in ("leader", "officer"):
        notify(recipients=[personas[name].user], title=f"涉及 {number}", body=f"人员 {number} 超龄")
    leader = client_for(personas["leader"]).get("/notifications/").content.decode()
    assert number not in leader and f"{number[:6]}********{number[-4:]}" in leader
    assert number in client_for(personas["officer"]).get("/notifications/").content.decode()


# ---------------------------------------------------------------- the API


def test_api_lists_own_notifications_with_the_unread_count(personas, api):
    user = personas["hr_a"].user
    notify(recipients=[user], title="一", kind="approval", url="/approvals/")
    notify(recipients=[user], title="二")
    notify(recipients=[personas["hr_b"].user], title="别人的")
    Notification.objects.filter(title="一").update(read_at="2026-12-01T08:00:00+08:00")
    body = api(personas["hr_a"], "GET", "/notifications").json()
    assert (body["total"], body["unread"]) == (2, 1)
    assert [item["title"] for item in body["items"]] == ["二", "一"]
    assert body["items"][1]["kind"] == "approval" and body["items"][1]["url"] == "/approvals/"
    assert body["items"][0]["read_at"] is None
    only = api(personas["hr_a"], "GET", "/notifications?unread=true").json()
    assert [item["title"] for item in only["items"]] == ["二"]


def test_api_marks_read_and_refuses_another_users(personas, api):
    notify(recipients=[personas["hr_a"].user], title="一")
    row = Notification.objects.get()
    refused = api(personas["hr_b"], "POST", f"/notifications/{row.pk}/read")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    done = api(personas["hr_a"], "POST", f"/notifications/{row.pk}/read")
    assert done.status_code == 200 and done.json()["read_at"] is not None
    notify(recipients=[personas["hr_a"].user], title="二")
    notify(recipients=[personas["hr_a"].user], title="三")
    assert api(personas["hr_a"], "POST", "/notifications/read-all").json() == {"marked": 2, "unread": 0}
    assert api(personas["anonymous"], "GET", "/notifications").status_code == 401


def test_api_masks_numbers_for_masked_roles(personas, api):
    number = PB["身份证号"]
    notify(recipients=[personas["auditor"].user], title=f"涉及 {number}")
    [item] = api(personas["auditor"], "GET", "/notifications").json()["items"]
    assert number not in item["title"] and "********" in item["title"]
