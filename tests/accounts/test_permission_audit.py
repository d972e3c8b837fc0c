"""Every change of who may do what is logged, whichever door (issue 13, "Audit" first bullet).

Users (names, e-mail, active, staff, superuser, a password change as a flag — never the hash), their
groups and permissions, groups and their permissions, and role grants: changed in the admin, by
``createsuperuser``/``changepassword``/``bianzhi grant``, or in code, each change reaches the change
log with who, when, from where, before and after. A login (``last_login``) writes nothing.
"""

from __future__ import annotations

import getpass
import io
import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from bianzhi.accounts.models import Role, RoleGrant
from bianzhi.core.changelog import change_context
from bianzhi.core.models import ChangeRecord, ChangeSet

pytestmark = pytest.mark.django_db

ADMIN_ADDRESS = "10.20.30.40"


def records(entity: str, key: str) -> list[ChangeRecord]:
    return list(ChangeRecord.objects.filter(entity=entity, key=key).select_related("change_set").order_by("id"))


def admin_client(user: User) -> Client:
    client = Client(REMOTE_ADDR=ADMIN_ADDRESS)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root", "root@example.org", None)


def user_form(user: User, **changes) -> dict:
    """The admin's user change form as the browser would post it back, with ``changes``."""
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
        "date_joined_0": f"{joined:%Y-%m-%d}",
        "date_joined_1": f"{joined:%H:%M:%S}",
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_ticking_is_superuser_in_the_admin_is_logged(root):
    leader = User.objects.create_user("leader", first_name="领导")
    before = ChangeSet.objects.count()
    response = admin_client(root).post(f"/admin/auth/user/{leader.pk}/change/", user_form(leader, is_superuser="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=leader.pk).is_superuser
    assert ChangeSet.objects.count() == before + 1
    (record,) = records("用户", "leader")[1:]  # the first is its creation
    assert record.action == ChangeRecord.Action.UPDATE
    assert record.before == {"超级用户": False}
    assert record.after == {"超级用户": True}
    change_set = record.change_set
    assert change_set.user == root and change_set.actor == "root"
    assert change_set.source == ChangeSet.Source.WEB
    assert change_set.origin == ADMIN_ADDRESS
    assert change_set.reason == "用户与权限变更（管理后台）"


def test_a_user_saved_in_the_admin_with_groups_and_permissions_is_one_change_set(root):
    officer = User.objects.create_user("officer")
    clerks = Group.objects.create(name="科员")
    view_person = Permission.objects.get(codename="view_person")
    before = ChangeSet.objects.count()
    response = admin_client(root).post(
        f"/admin/auth/user/{officer.pk}/change/",
        user_form(officer, is_staff="on", email="o@example.org", groups=[clerks.pk], user_permissions=[view_person.pk]),
    )
    assert response.status_code == 302
    assert ChangeSet.objects.count() == before + 1
    change_set = ChangeSet.objects.order_by("-id").first()
    logged = [(r.entity, r.key, r.before, r.after) for r in change_set.records.order_by("id")]
    assert logged == [
        (
            "用户",
            "officer",
            {"电子邮箱": "", "可进入管理后台": False},
            {"电子邮箱": "o@example.org", "可进入管理后台": True},
        ),
        ("用户", "officer", {"用户组": []}, {"用户组": ["科员"]}),
        ("用户", "officer", {"权限": []}, {"权限": ["registry.view_person"]}),
    ]
    assert change_set.user == root and change_set.origin == ADMIN_ADDRESS


def test_a_role_grant_added_and_deleted_in_the_admin_is_logged(root, register):
    leader = User.objects.create_user("leader")
    client = admin_client(root)
    response = client.post("/admin/accounts/rolegrant/add/", {"user": leader.pk, "role": Role.AUDITOR, "unit": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = RoleGrant.objects.get(user=leader)
    assert grant.role == Role.AUDITOR and grant.granted_by == "root"
    (record,) = records("角色授权", "leader/auditor")
    assert record.action == ChangeRecord.Action.CREATE
    assert record.before is None
    assert record.after == {"用户": "leader", "角色": "审计员", "机构代码": None}
    assert record.change_set.user == root
    assert record.change_set.source == ChangeSet.Source.WEB and record.change_set.origin == ADMIN_ADDRESS

    # a unit HR grant needs its unit: a Chinese form error, nothing stored
    response = client.post("/admin/accounts/rolegrant/add/", {"user": leader.pk, "role": Role.UNIT_HR, "unit": ""})
    assert response.status_code == 200
    assert "单位人事干部必须指定所管理的机构" in response.content.decode()
    unit = register["units"]["A"]
    response = client.post("/admin/accounts/rolegrant/add/", {"user": leader.pk, "role": Role.UNIT_HR, "unit": unit.pk})
    assert response.status_code == 302
    (record,) = records("角色授权", "leader/unit_hr")
    assert record.after == {"用户": "leader", "角色": "单位人事干部", "机构代码": "A"}

    response = client.post(f"/admin/accounts/rolegrant/{grant.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    _, deleted = records("角色授权", "leader/auditor")
    assert deleted.action == ChangeRecord.Action.DELETE
    assert deleted.before == {"用户": "leader", "角色": "审计员", "机构代码": None} and deleted.after is None
    assert deleted.change_set.user == root and deleted.change_set.origin == ADMIN_ADDRESS


def test_the_grant_command_logs_each_grant_once(register):
    call_command("grant", "hr", "unit_hr", "--unit", "A", "--create")
    call_command("grant", "hr", "unit_hr", "--unit", "A", "--revoke")
    created, revoked = records("角色授权", "hr/unit_hr")
    assert created.after == {"用户": "hr", "角色": "单位人事干部", "机构代码": "A"} and created.before is None
    assert revoked.before == created.after and revoked.after is None
    for record in (created, revoked):
        assert record.change_set.source == ChangeSet.Source.COMMAND
        assert record.change_set.actor == f"命令行 {getpass.getuser()}"
    (user_created,) = records("用户", "hr")
    assert user_created.change_set.source == ChangeSet.Source.COMMAND
    assert user_created.after["已设置密码"] is False


def test_createsuperuser_is_logged_with_the_operating_system_user(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-Password-2026")
    call_command("createsuperuser", "--noinput", username="boss", email="boss@example.org", verbosity=0)
    (record,) = records("用户", "boss")
    assert record.action == ChangeRecord.Action.CREATE and record.before is None
    assert record.after == {
        "用户名": "boss",
        "名": "",
        "姓": "",
        "电子邮箱": "boss@example.org",
        "启用": True,
        "可进入管理后台": True,
        "超级用户": True,
        "已设置密码": True,
    }
    change_set = record.change_set
    assert change_set.source == ChangeSet.Source.COMMAND
    assert change_set.user is None
    assert change_set.actor == f"命令行 {getpass.getuser()}"
    assert change_set.reason == "用户与权限变更（命令 createsuperuser）"
    assert User.objects.get(username="boss").password not in json.dumps(record.after)


def test_changepassword_is_logged_as_a_flag_never_the_hash(monkeypatch):
    user = User.objects.create_user("leader", password="first-Password-2026")
    old_hash = user.password
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass", lambda prompt="": "next-Password-2026"
    )
    call_command("changepassword", "leader", stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password("next-Password-2026")
    (record,) = records("用户", "leader")[1:]
    assert record.before == {"密码已修改": False} and record.after == {"密码已修改": True}
    assert record.change_set.source == ChangeSet.Source.COMMAND
    assert record.change_set.actor == f"命令行 {getpass.getuser()}"
    assert record.change_set.reason == "用户与权限变更（命令 changepassword）"
    stored = json.dumps([r.before for r in records("用户", "leader")] + [r.after for r in records("用户", "leader")])
    assert old_hash not in stored and user.password not in stored and "pbkdf2" not in stored


def test_group_and_permission_changes_in_code_are_logged():
    group = Group.objects.create(name="审计组")
    view_change = Permission.objects.get(codename="view_changerecord")
    view_person = Permission.objects.get(codename="view_person")
    group.permissions.add(view_change)
    view_person.group_set.add(group)  # from the other side
    group.permissions.remove(view_change)
    logged = [(r.action, r.before, r.after) for r in records("用户组", "审计组")]
    assert logged == [
        ("create", None, {"名称": "审计组"}),
        ("update", {"权限": []}, {"权限": ["core.view_changerecord"]}),
        ("update", {"权限": ["core.view_changerecord"]}, {"权限": ["core.view_changerecord", "registry.view_person"]}),
        ("update", {"权限": ["core.view_changerecord", "registry.view_person"]}, {"权限": ["registry.view_person"]}),
    ]
    assert {r.change_set.source for r in records("用户组", "审计组")} == {ChangeSet.Source.SERVICE}

    user = User.objects.create_user("auditor")
    group.user_set.add(user)
    user.user_permissions.add(view_change)
    user.user_permissions.clear()
    logged = [(r.before, r.after) for r in records("用户", "auditor")[1:]]
    assert logged == [
        ({"用户组": []}, {"用户组": ["审计组"]}),
        ({"权限": []}, {"权限": ["core.view_changerecord"]}),
        ({"权限": ["core.view_changerecord"]}, {"权限": []}),
    ]

    group.delete()
    deleted = records("用户组", "审计组")[-1]
    assert deleted.action == "delete"
    assert deleted.before == {"名称": "审计组", "权限": ["registry.view_person"], "成员": ["auditor"]}
    user.delete()
    assert records("用户", "auditor")[-1].before["用户名"] == "auditor"
    assert records("用户", "auditor")[-1].after is None


def test_a_change_inside_an_open_change_set_is_recorded_there():
    user = User.objects.create_user("leader")
    with change_context(source="service", actor="迁移脚本", reason="批量停用") as change_set:
        user.is_active = False
        user.save()
    (record,) = change_set.records.all()
    assert (record.entity, record.key, record.before, record.after) == (
        "用户",
        "leader",
        {"启用": True},
        {"启用": False},
    )


def test_a_save_that_changes_nothing_or_only_last_login_writes_nothing():
    user = User.objects.create_user("leader", password="pw-leader-2026")
    before = ChangeSet.objects.count()
    user.save()
    user.last_login = timezone.now()
    user.save()
    assert ChangeSet.objects.count() == before


def test_a_login_writes_no_change_set(register):
    User.objects.create_user("leader", password="pw-leader-2026")
    before = ChangeSet.objects.count()
    client = Client()
    assert client.post("/login/", {"username": "leader", "password": "pw-leader-2026"}).status_code == 302
    assert User.objects.get(username="leader").last_login is not None
    root = User.objects.create_superuser("root", "root@example.org", "pw-root-2026")
    after_root = ChangeSet.objects.count()
    assert after_root == before + 1  # root's creation, nothing for the login
    assert Client().post("/admin/login/", {"username": "root", "password": "pw-root-2026"}).status_code == 302
    assert User.objects.get(pk=root.pk).last_login is not None
    assert ChangeSet.objects.count() == after_root


def test_a_user_changed_through_a_page_request_is_attributed_to_that_user(root):
    """Any request (not only the admin's): the middleware names the request's user and address."""
    from django.test import RequestFactory

    from bianzhi.accounts.request_context import current_request

    request = RequestFactory().get("/somewhere/", REMOTE_ADDR="10.9.8.7")
    request.user = root
    target = User.objects.create_user("leader")
    with current_request(request):
        target.first_name = "领导"
        target.save()
    (record,) = records("用户", "leader")[1:]
    assert record.change_set.source == ChangeSet.Source.WEB
    assert record.change_set.user == root and record.change_set.origin == "10.9.8.7"
    assert record.change_set.reason == "用户与权限变更（网页）"


def test_a_user_added_in_the_admin_and_its_password_changed_there_are_logged(root):
    client = admin_client(root)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "clerk",
            "password1": "a-long-Password-2026",
            "password2": "a-long-Password-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    clerk = User.objects.get(username="clerk")
    (created,) = records("用户", "clerk")
    assert created.action == "create" and created.after["已设置密码"] is True and created.after["超级用户"] is False
    assert created.change_set.user == root and created.change_set.origin == ADMIN_ADDRESS
    assert clerk.password not in json.dumps(created.after)

    response = client.post(
        f"/admin/auth/user/{clerk.pk}/password/",
        {"password1": "another-Password-2027", "password2": "another-Password-2027", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    (changed,) = records("用户", "clerk")[1:]
    assert (changed.before, changed.after) == ({"密码已修改": False}, {"密码已修改": True})
    assert changed.change_set.user == root and changed.change_set.reason == "用户与权限变更（管理后台）"

    assert client.get("/admin/accounts/rolegrant/add/").status_code == 200
    response = client.post(f"/admin/auth/user/{clerk.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deleted = records("用户", "clerk")[-1]
    assert deleted.action == "delete" and deleted.change_set.user == root


def test_a_password_hash_upgraded_at_login_is_not_a_change(settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = User.objects.create_user("leader")
    user.password = make_password("old-Password-2020", hasher="md5")
    user.save()
    assert len(records("用户", "leader")) == 2  # created, then a new password set in code
    assert user.check_password("old-Password-2020")  # Django re-hashes with PBKDF2 and saves
    assert User.objects.get(pk=user.pk).password.startswith("pbkdf2_sha256$")
    assert len(records("用户", "leader")) == 2
