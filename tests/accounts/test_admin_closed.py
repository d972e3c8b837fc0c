"""The Django admin is for the 编办管理员 only (issue 13, "Personal data" first bullet).

Every other role — even with ``is_staff`` and every ``view_*`` permission ticked — is sent to the
admin's login page (or refused) on every admin URL, and never sees a whole ID number there; a
superuser and a staff user holding a 编办管理员 grant get the pages. In the admin, people are found
by a whole ID number only, never by part of one.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from bianzhi.accounts.models import Role, RoleGrant
from bianzhi.registry.models import Person
from bianzhi.supervision.models import Alert

pytestmark = pytest.mark.django_db

ADMIN_URLS = (
    "/admin/",
    "/admin/registry/person/",
    "/admin/registry/personversion/",
    "/admin/supervision/alert/",
    "/admin/core/changerecord/",
    "/admin/core/changeset/",
    "/admin/auth/user/",
)

#: every role of the personas but 编办管理员, and a user without any role
NOT_ADMINS = ("officer", "hr_a", "leader", "inspector", "auditor", "nobody")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def every_number(register) -> list[str]:
    return [row["身份证号"] for row in register["people"].values()]


def staff_with_every_view_permission(user: User) -> User:
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return User.objects.get(pk=user.pk)  # fresh: Django caches permissions on the instance


@pytest.mark.parametrize("name", NOT_ADMINS)
def test_no_role_but_the_administrator_reaches_the_admin(register, personas, name):
    user = staff_with_every_view_permission(personas[name].user)
    assert user.has_perm("registry.view_person")  # what the demo used to hand out
    client = client_for(user)
    person = Person.objects.get(id_number=register["people"]["PB"]["身份证号"])
    for url in (*ADMIN_URLS, f"/admin/registry/person/{person.pk}/change/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/"), url
        body = response.content.decode()
        assert not any(number in body for number in every_number(register)), url
    # nor through a search on part of a number
    response = client.get("/admin/registry/person/", {"q": register["people"]["PB"]["身份证号"][6:14]})
    assert response.status_code == 302


def test_an_alert_naming_a_person_is_not_shown_to_a_leader(register, personas):
    number = register["people"]["PB"]["身份证号"]
    Alert.objects.create(
        run=register["run"], rule="test", severity="高", unit_code="B", person=number, message=f"{number} 测试"
    )
    response = client_for(staff_with_every_view_permission(personas["leader"].user)).get("/admin/supervision/alert/")
    assert response.status_code == 302
    assert number not in response.content.decode()


def test_the_admin_login_form_refuses_a_staff_user_who_is_not_administrator(register, personas):
    officer = staff_with_every_view_permission(personas["officer"].user)
    officer.set_password("pw-officer-2026")
    officer.save()
    client = Client()
    response = client.post("/admin/login/", {"username": "officer", "password": "pw-officer-2026"})
    assert response.status_code == 200
    assert "不是编办管理员" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_superuser_gets_the_admin_with_whole_numbers(register):
    root = User.objects.create_superuser("root", "root@example.org", None)
    client = client_for(root)
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 200, url
    body = client.get("/admin/registry/person/").content.decode()
    assert all(number in body for number in every_number(register))


def test_a_staff_user_with_an_administrator_grant_gets_the_admin(register, personas):
    admin = personas["admin"].user
    assert RoleGrant.objects.filter(user=admin, role=Role.ADMIN).exists() and not admin.is_superuser
    assert client_for(admin).get("/admin/").status_code == 302  # not staff: no admin yet
    admin.is_staff = True
    admin.save()
    client = client_for(admin)
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 200, url
    body = client.get("/admin/registry/person/").content.decode()
    assert all(number in body for number in every_number(register))
    # revoking the grant closes the admin again, is_staff or not
    RoleGrant.objects.filter(user=admin).delete()
    assert client_for(User.objects.get(pk=admin.pk)).get("/admin/registry/person/").status_code == 302


def test_an_inactive_superuser_is_refused(register):
    root = User.objects.create_superuser("root", "root@example.org", None)
    client = client_for(root)
    root.is_active = False
    root.save()
    assert client.get("/admin/registry/person/").status_code == 302


def _listed(client: Client, url: str, query: str) -> str:
    response = client.get(url, {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_searches_people_by_whole_numbers_only(register):
    client = client_for(User.objects.create_superuser("root", "root@example.org", None))
    number = register["people"]["PB"]["身份证号"]
    others = [n for n in every_number(register) if n != number]
    for part in (number[6:14], number[:10], number[-4:]):  # birth date, region + year, last four
        for url in ("/admin/registry/person/", "/admin/registry/personversion/"):
            assert number not in _listed(client, url, part), (url, part)
    for url in ("/admin/registry/person/", "/admin/registry/personversion/"):
        body = _listed(client, url, number)
        assert number in body and not any(other in body for other in others)
    # the change log's keys and the alerts' person numbers: whole numbers only as well
    assert number not in _listed(client, "/admin/core/changerecord/", number[6:14])
    assert number in _listed(client, "/admin/core/changerecord/", number)
    Alert.objects.create(run=register["run"], rule="test", severity="高", unit_code="B", person=number, message="x")
    assert number not in _listed(client, "/admin/supervision/alert/", number[6:14])
    assert number in _listed(client, "/admin/supervision/alert/", number)


def test_every_admin_search_on_an_id_number_is_exact():
    """No ModelAdmin searches an ID-number column by part: such fields are all ``=field``."""
    from django.contrib import admin

    number_fields = {"id_number", "person__id_number", "person", "key"}
    for model, model_admin in admin.site._registry.items():
        for field in model_admin.search_fields:
            name = field.lstrip("^=@")
            if model._meta.app_label in ("registry", "supervision", "core") and name in number_fields:
                assert field.startswith("="), (model.__name__, field)


def test_the_demo_accounts_leave_the_admin_to_the_administrator(register):
    from bianzhi.core.models import ChangeSet
    from bianzhi.demo.services import DEMO_ACCOUNTS, demo_accounts_create

    demo_accounts_create()
    demo_accounts_create()  # the demo may be rebuilt over its own accounts
    users = {u.username: u for u in User.objects.filter(username__in=[name for name, _ in DEMO_ACCOUNTS])}
    assert {name for name, u in users.items() if u.is_staff} == {"admin"}
    assert not Permission.objects.filter(user__in=users.values()).exists()
    for name in ("officer", "leader", "hr"):
        response = client_for(users[name]).get("/admin/registry/person/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client_for(users["admin"]).get("/admin/registry/person/").status_code == 200
    # the accounts are one change set of the change log, without a password hash
    (change_set,) = ChangeSet.objects.filter(reason="演示账户", records__action="create").distinct()
    created = {r.key: r.after for r in change_set.records.filter(entity="用户", action="create")}
    assert set(created) == set(users)
    assert created["admin"]["超级用户"] is True and created["leader"]["可进入管理后台"] is False
    assert not any(u.password in str(created) for u in users.values())


@pytest.mark.parametrize("name", NOT_ADMINS)
def test_the_pages_offer_the_admin_only_to_the_administrator(register, personas, name):
    user = staff_with_every_view_permission(personas[name].user)
    assert "/admin/" not in client_for(user).get("/").content.decode()
    admin = personas["admin"].user
    admin.is_staff = True
    admin.save()
    assert 'href="/admin/"' in client_for(admin).get("/").content.decode()
