"""用户管理 in the pages (issue 16): the 编办管理员 creates a user with a display name, grants and
revokes their roles over a unit subtree, resets their password and locks them — each action lands
in the change log with who did it (display name and username), before and after, and the reason.
Every other role is refused (403) on every users page. The change log and the exports name people
by their display name, the username kept beside it."""

from __future__ import annotations

import io

import openpyxl
import pytest
from axes.models import AccessAttempt
from conftest import REGISTER_DAY, register_sheets
from django.contrib.auth.models import User
from django.test import Client

from bianzhi.accounts.models import ApiToken, RoleGrant
from bianzhi.accounts.services import api_token_authenticate, api_token_create
from bianzhi.core.changelog import display_name
from bianzhi.core.models import ChangeRecord, ChangeSet

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"
DAY = REGISTER_DAY.isoformat()
REASON = "新入职人事干部开通账户"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(personas):
    user = personas["admin"].user
    user.first_name = "王主任"
    user.save(update_fields=["first_name"])
    return User.objects.get(pk=user.pk)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def log_in(username: str, password: str) -> Client:
    """The login form, as a person uses it (django-axes watches it)."""
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    client.refused = response.status_code != 302  # type: ignore[attr-defined]
    return client


def last_record(entity: str, key: str) -> ChangeRecord:
    return ChangeRecord.objects.filter(entity=entity, key=key).select_related("change_set").latest("pk")


def create(client: Client, username: str = "zhangke", name: str = "张科长", password: str = "") -> User:
    response = client.post("/users/new/", {"username": username, "name": name, "password": password, "reason": REASON})
    assert response.status_code == 200, response.content.decode()
    assert response.context["given"].user.username == username
    user = User.objects.get(username=username)
    user.shown_password = response.context["given"].password  # type: ignore[attr-defined]
    assert user.shown_password in response.content.decode()  # type: ignore[attr-defined]
    return user


def test_the_admin_creates_a_user_who_sees_only_the_granted_subtree(admin):
    client = client_for(admin)
    listing = client.get("/users/")
    assert listing.status_code == 200 and "用户管理" in listing.content.decode()
    page = client.get("/users/new/")
    assert page.status_code == 200 and "初始密码" in page.content.decode()

    user = create(client)
    assert user.first_name == "张科长" and user.is_active and not user.role_grants.exists()
    assert len(user.shown_password) == 14 and user.check_password(user.shown_password)
    created = last_record("用户", "zhangke")
    assert created.action == "create" and created.before is None
    assert created.after["名"] == "张科长" and created.after["已设置密码"] is True
    change_set = created.change_set
    assert (change_set.user, change_set.actor, change_set.reason) == (admin, "王主任（admin）", REASON)
    assert change_set.source == ChangeSet.Source.WEB

    granted = client.post(f"/users/{user.pk}/grants/", {"role": "unit_hr", "unit": "A", "reason": "负责机构A人事"})
    assert granted.status_code == 302 and granted["Location"] == f"/users/{user.pk}/"
    grant = RoleGrant.objects.get(user=user)
    assert (grant.role, grant.unit.code) == ("unit_hr", "A")
    record = last_record("角色授权", "zhangke/unit_hr")
    assert record.action == "create" and record.before is None
    assert record.after == {"用户": "zhangke", "角色": "单位人事干部", "机构代码": "A"}
    assert (record.change_set.actor, record.change_set.reason) == ("王主任（admin）", "负责机构A人事")

    detail = client.get(f"/users/{user.pk}/").content.decode()
    assert "单位人事干部" in detail and "张科长" in detail
    listing = client.get("/users/").content.decode()
    assert "zhangke" in listing and "张科长" in listing and "单位人事干部 · " in listing

    # The new user logs in with the password shown once and sees A's subtree, not B.
    theirs = log_in("zhangke", user.shown_password)
    assert not theirs.refused
    assert theirs.get(f"/units/A/?as_of={DAY}").status_code == 200
    assert theirs.get(f"/units/AS/?as_of={DAY}").status_code == 200
    assert theirs.get(f"/units/B/?as_of={DAY}").status_code in (403, 404)
    assert theirs.get("/users/").status_code == 403
    home = theirs.get("/").content.decode()
    assert "张科长" in home and "用户管理" not in home

    # Revoked: the user sees nothing of A any more.
    revoked = client.post(f"/users/{user.pk}/grants/{grant.pk}/revoke/", {"reason": "调离岗位"})
    assert revoked.status_code == 302 and not RoleGrant.objects.filter(user=user).exists()
    record = last_record("角色授权", "zhangke/unit_hr")
    assert record.action == "delete" and record.after is None
    assert record.before == {"用户": "zhangke", "角色": "单位人事干部", "机构代码": "A"}
    assert (record.change_set.actor, record.change_set.reason) == ("王主任（admin）", "调离岗位")
    assert theirs.get(f"/units/A/?as_of={DAY}").status_code in (403, 404)


def test_a_district_wide_role_takes_no_unit_and_unit_hr_needs_one(admin):
    client = client_for(admin)
    user = create(client)
    no_unit = client.post(f"/users/{user.pk}/grants/", {"role": "unit_hr", "unit": "", "reason": "x"})
    assert no_unit.status_code == 400 and "单位人事干部必须指定所管理的机构" in no_unit.content.decode()
    unknown = client.post(f"/users/{user.pk}/grants/", {"role": "unit_hr", "unit": "NOPE", "reason": "x"})
    assert unknown.status_code == 400 and "没有此机构代码的机构" in unknown.content.decode()
    leader_with_unit = client.post(f"/users/{user.pk}/grants/", {"role": "leader", "unit": "A", "reason": "x"})
    assert leader_with_unit.status_code == 400
    no_reason = client.post(f"/users/{user.pk}/grants/", {"role": "leader", "unit": "", "reason": "　"})
    assert no_reason.status_code == 400 and "请填写变更理由" in no_reason.content.decode()
    assert not RoleGrant.objects.filter(user=user).exists()
    leader = client.post(f"/users/{user.pk}/grants/", {"role": "leader", "unit": "", "reason": "分管领导"})
    assert leader.status_code == 302 and RoleGrant.objects.get(user=user).role == "leader"


def test_creating_refuses_a_taken_username_and_a_weak_password(admin):
    client = client_for(admin)
    taken = client.post("/users/new/", {"username": "OFFICER", "name": "", "password": "", "reason": REASON})
    assert taken.status_code == 200 and "已被使用" in taken.content.decode()
    weak = client.post("/users/new/", {"username": "weak", "name": "", "password": "123", "reason": REASON})
    assert weak.status_code == 200 and "given" not in weak.context and not User.objects.filter(username="weak").exists()
    chosen = create(client, "chosen", "赵六", password="Ying-Chun-2026-xyz")
    assert chosen.check_password("Ying-Chun-2026-xyz")


def test_the_display_name_is_changed_and_logged(admin):
    client = client_for(admin)
    user = create(client)
    renamed = client.post(f"/users/{user.pk}/name/", {"name": "张  处长", "reason": "职务变动"})
    assert renamed.status_code == 302
    user.refresh_from_db()
    assert user.get_full_name() == "张 处长" and display_name(user) == "张 处长（zhangke）"
    record = last_record("用户", "zhangke")
    assert (record.before, record.after) == ({"名": "张科长"}, {"名": "张 处长"})
    assert (record.change_set.actor, record.change_set.reason) == ("王主任（admin）", "职务变动")
    no_reason = client.post(f"/users/{user.pk}/name/", {"name": "别名", "reason": ""})
    assert no_reason.status_code == 400
    user.refresh_from_db()
    assert user.first_name == "张 处长"


def test_a_reset_password_replaces_the_old_one_and_revokes_the_tokens(admin):
    client = client_for(admin)
    user = create(client, password="Old-Password-2026")
    token = api_token_create(user=user, name="脚本", actor="tests").secret
    assert api_token_authenticate(secret=token) is not None
    reset = client.post(f"/users/{user.pk}/password/", {"reason": "本人遗忘密码"})
    assert reset.status_code == 200
    new_password = reset.context["given"].password
    assert new_password in reset.content.decode() and "原密码已失效" in reset.content.decode()
    assert log_in("zhangke", "Old-Password-2026").refused
    assert not log_in("zhangke", new_password).refused
    assert api_token_authenticate(secret=token) is None
    assert ApiToken.objects.get(user=user).revoked_at is not None
    record = last_record("用户", "zhangke")
    assert (record.before, record.after) == ({"密码已修改": False}, {"密码已修改": True})
    assert (record.change_set.actor, record.change_set.reason) == ("王主任（admin）", "本人遗忘密码")
    assert new_password not in str(record.before) + str(record.after)
    # Shown once: the user's page never shows it again.
    assert new_password not in client.get(f"/users/{user.pk}/").content.decode()
    no_reason = client.post(f"/users/{user.pk}/password/", {"reason": ""})
    assert no_reason.status_code == 400 and "given" not in no_reason.context


def test_a_locked_user_cannot_log_in_and_an_unlock_lifts_failed_login_lockouts(admin):
    client = client_for(admin)
    user = create(client, password="Lock-Test-2026-pw")
    session = log_in("zhangke", "Lock-Test-2026-pw")
    assert not session.refused
    locked = client.post(f"/users/{user.pk}/lock/", {"active": "0", "reason": "离职"})
    assert locked.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    record = last_record("用户", "zhangke")
    assert (record.before, record.after) == ({"启用": True}, {"启用": False})
    assert (record.change_set.actor, record.change_set.reason) == ("王主任（admin）", "离职")
    assert log_in("zhangke", "Lock-Test-2026-pw").refused
    assert session.get("/")["Location"].startswith("/login/")  # the open session ends too
    listing = client.get("/users/").content.decode()
    assert 'data-status="locked"' in listing

    AccessAttempt.objects.create(
        username="zhangke", ip_address="10.0.0.9", user_agent="x", failures_since_start=5, get_data="", post_data=""
    )
    unlocked = client.post(f"/users/{user.pk}/lock/", {"active": "1", "reason": "返岗"})
    assert unlocked.status_code == 302
    user.refresh_from_db()
    assert user.is_active and not AccessAttempt.objects.filter(username="zhangke").exists()
    record = last_record("用户", "zhangke")
    assert (record.before, record.after) == ({"启用": False}, {"启用": True})
    assert not log_in("zhangke", "Lock-Test-2026-pw").refused


def test_failed_logins_show_as_a_lockout_the_admin_lifts(admin, settings):
    client = client_for(admin)
    user = create(client, password="Right-Password-2026")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert log_in("zhangke", "wrong-password").refused
    assert log_in("zhangke", "Right-Password-2026").refused  # locked out by django-axes
    assert 'data-status="locked-out"' in client.get("/users/").content.decode()
    page = client.get(f"/users/{user.pk}/").content.decode()
    assert 'id="lift-form"' in page and "登录失败次数过多" in page
    lifted = client.post(f"/users/{user.pk}/lock/", {"active": "1", "reason": "本人确认后解除"})
    assert lifted.status_code == 302 and not AccessAttempt.objects.filter(username="zhangke").exists()
    assert not log_in("zhangke", "Right-Password-2026").refused
    assert 'data-status="locked-out"' not in client.get("/users/").content.decode()


def test_the_admin_cannot_lock_themselves_or_drop_their_own_admin_role(admin):
    client = client_for(admin)
    own = RoleGrant.objects.get(user=admin, role="admin")
    refused = client.post(f"/users/{admin.pk}/lock/", {"active": "0", "reason": "x"})
    assert refused.status_code == 400 and "不能锁定自己的账户" in refused.content.decode()
    kept = client.post(f"/users/{admin.pk}/grants/{own.pk}/revoke/", {"reason": "x"})
    assert kept.status_code == 400 and RoleGrant.objects.filter(pk=own.pk).exists()
    admin.refresh_from_db()
    assert admin.is_active


@pytest.mark.parametrize("name", ["officer", "hr_a", "hr_b", "leader", "inspector", "auditor", "nobody"])
def test_every_other_role_is_refused_on_every_users_page(personas, admin, name):
    target = personas["leader"].user
    grant = RoleGrant.objects.get(user=target)
    client = client_for(personas[name].user)
    home = client.get("/").content.decode()
    assert 'id="nav-users"' not in home
    for url in ("/users/", "/users/new/", f"/users/{target.pk}/"):
        assert client.get(url).status_code == 403, url
    posts = {
        "/users/new/": {"username": "intruder", "name": "x", "reason": "x"},
        f"/users/{target.pk}/name/": {"name": "x", "reason": "x"},
        f"/users/{target.pk}/grants/": {"role": "admin", "unit": "", "reason": "x"},
        f"/users/{target.pk}/grants/{grant.pk}/revoke/": {"reason": "x"},
        f"/users/{target.pk}/password/": {"reason": "x"},
        f"/users/{target.pk}/lock/": {"active": "0", "reason": "x"},
    }
    before = ChangeRecord.objects.count()
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert ChangeRecord.objects.count() == before
    target.refresh_from_db()
    assert target.is_active and target.first_name == "leader" and RoleGrant.objects.filter(pk=grant.pk).exists()
    assert not User.objects.filter(username="intruder").exists()


def test_without_a_login_the_users_pages_ask_for_one(personas):
    response = Client().get("/users/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_only_the_admin_sees_the_link_in_the_user_menu(admin):
    home = client_for(admin).get("/").content.decode()
    assert 'id="nav-users"' in home and 'href="/users/"' in home


# ---------------------------------------------------------------- display names in the log and exports


def test_the_change_log_and_an_export_name_the_officer_by_display_name(personas, load):
    officer = personas["officer"].user
    officer.first_name = "李科长"
    officer.save(update_fields=["first_name"])
    sheets = register_sheets()
    for row in sheets["编制"]:
        if row["机构代码"] == "A":
            row["核定数"] = 6
    load(sheets, user=officer, reason="核增编制", document_number="越编〔2026〕3号", effective=REGISTER_DAY)
    change_set = ChangeSet.objects.filter(reason="核增编制").get()
    assert change_set.actor == "李科长（officer）"

    client = client_for(officer)
    page = client.get(f"/units/A/?as_of={DAY}").content.decode()
    assert "李科长（officer）" in page
    export = client.get(f"/units/A/?as_of={DAY}&export=changes")
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    cells = {str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row if c.value is not None}
    assert "李科长（officer）" in cells  # the change's actor and the "exported by" line
    conditions = dict(book.worksheets[-1].iter_rows(values_only=True))
    assert conditions["导出人"] == "李科长（officer）"
    # A user without a display name is named by the username alone.
    plain = client_for(personas["leader"].user).get(f"/people/?as_of={DAY}&export=people")
    plain_book = openpyxl.load_workbook(io.BytesIO(plain.content))
    assert dict(plain_book.worksheets[-1].iter_rows(values_only=True))["导出人"] == "leader"
