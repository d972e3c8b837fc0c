"""Notifications: who notify() reaches, unread counts, marking read, e-mail (bianzhi/core/notifications.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail

from bianzhi.core.models import Notification
from bianzhi.core.notifications import for_user, mark_read, notify, unread_count


def _names(**filters) -> list[str]:
    return sorted(Notification.objects.filter(**filters).values_list("user__username", flat=True))


def test_notify_given_users(personas):
    count = notify(recipients=[personas["hr_a"].user, personas["hr_a"].user, personas["leader"].user], title="请查看")
    assert count == 2  # each user once
    assert _names(title="请查看") == ["hr_a", "leader"]
    row = Notification.objects.get(user=personas["hr_a"].user)
    assert (row.title, row.body, row.url, row.kind, row.read_at) == ("请查看", "", "", "", None)


def test_notify_the_unit_hr_whose_grant_covers_a_unit(personas, register):
    # hr_a's grant is on A: it covers A and the units below it (AS), not B
    assert notify(unit=register["units"]["AS"], roles=["unit_hr"], title="问题已提出", kind="problem") == 1
    assert _names(title="问题已提出") == ["hr_a"]
    assert notify(unit=register["units"]["B"].pk, roles=["unit_hr"], title="申请已退回") == 1
    assert _names(title="申请已退回") == ["hr_b"]


def test_district_wide_grants_cover_every_unit(personas, register):
    User.objects.create_superuser("root", "root@example.org", None)
    assert notify(unit=register["units"]["AS"], roles=["officer", "admin"], title="新申请待审核") == 3
    assert _names(title="新申请待审核") == ["admin", "officer", "root"]  # a superuser is an 编办管理员
    # without roles: every user whose any grant covers the unit
    notify(unit=register["units"]["A-01"], title="全部")
    assert _names(title="全部") == ["admin", "auditor", "hr_a", "inspector", "leader", "officer", "root"]


def test_notify_by_roles_alone_and_exclude_the_actor(personas):
    count = notify(roles=["officer", "leader"], title="年度计划待批", exclude=personas["leader"].user)
    assert count == 1
    assert _names(title="年度计划待批") == ["officer"]


def test_inactive_users_and_nobody_are_not_notified(personas, register):
    officer = personas["officer"].user
    officer.is_active = False
    officer.save()
    assert notify(unit=register["units"]["A"], roles=["officer"], title="x") == 0
    assert notify(recipients=[officer], title="y") == 0
    assert notify(title="z") == 0
    assert not Notification.objects.exists()


def test_title_is_required_and_foreign_links_are_dropped(personas):
    with pytest.raises(ValueError, match="通知标题不能为空"):
        notify(recipients=[personas["admin"].user], title="  ")
    notify(recipients=[personas["admin"].user], title="a", url="https://evil.example/x")
    notify(recipients=[personas["admin"].user], title="b", url="//evil.example/x")
    notify(recipients=[personas["admin"].user], title="c", url="/approvals/3/")
    assert dict(Notification.objects.values_list("title", "url")) == {"a": "", "b": "", "c": "/approvals/3/"}


def test_unread_count_for_user_and_mark_read(personas):
    hr_a, hr_b = personas["hr_a"].user, personas["hr_b"].user
    for title in ("一", "二", "三"):
        notify(recipients=[hr_a, hr_b], title=title)
    assert unread_count(hr_a) == 3
    first = Notification.objects.get(user=hr_a, title="一")
    other = Notification.objects.get(user=hr_b, title="一")
    assert mark_read(user=hr_a, ids=[first.pk, other.pk]) == 1  # another user's row is not touched
    assert unread_count(hr_a) == 2 and unread_count(hr_b) == 3
    # unread first, newest first within each
    assert [n.title for n in for_user(hr_a)] == ["三", "二", "一"]
    assert [n.title for n in for_user(hr_a, unread_only=True)] == ["三", "二"]
    assert mark_read(user=hr_a) == 2
    assert mark_read(user=hr_a) == 0
    assert unread_count(hr_a) == 0
    assert unread_count(None) == 0


def test_email_only_when_a_server_is_configured(personas, settings, django_capture_on_commit_callbacks):
    admin = personas["admin"].user
    admin.email = "admin@example.org"
    admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[admin, personas["leader"].user], title="整改通知", body="请整改", url="/problems/1/", email=True
        )
    assert mail.outbox == []  # no EMAIL_HOST in the settings
    settings.EMAIL_HOST = "smtp.example.org"
    settings.BIANZHI_SITE_URL = "https://bianzhi.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[admin, personas["leader"].user], title="整改通知", body="请整改", url="/problems/1/", email=True
        )
    [message] = mail.outbox  # the leader has no address
    assert message.to == ["admin@example.org"]
    assert message.subject == "整改通知"
    assert message.body == "请整改\n\nhttps://bianzhi.example.org/problems/1/"


def test_a_failing_mail_server_does_not_fail_the_notification(personas, settings, monkeypatch, caplog):
    from bianzhi.core import notifications

    admin = personas["admin"].user
    admin.email = "admin@example.org"
    admin.save()
    settings.EMAIL_HOST = "smtp.example.org"

    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(notifications, "send_mail", broken)
    notifications._send_emails([("admin@example.org", "t", "b", "")])
    assert "notification e-mail to admin@example.org failed" in caplog.text
