"""Roles, scopes and ID masking (domain.md §11) at the permission choke point itself."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import unit_row
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from bianzhi.accounts.models import Role, RoleGrant
from bianzhi.accounts.permissions import (
    ROLE_ACTIONS,
    Action,
    can,
    can_somewhere,
    forget,
    mask_id_number,
    mask_ids_in_text,
    restrict,
    sees_full_id,
)
from bianzhi.accounts.services import AccountError, role_grant_create, role_grant_revoke
from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.registry.models import InstitutionLimit, Person, PersonVersion, StaffingQuota, Unit, UnitVersion
from bianzhi.supervision.models import Alert

pytestmark = pytest.mark.django_db


def test_mask_keeps_region_and_last_four():
    assert mask_id_number("33060219800101123X") == "330602********123X"
    assert mask_id_number("123") == "***"
    text = "张三（33060219800101123X）超龄"
    assert mask_ids_in_text(text) == "张三（330602********123X）超龄"
    assert mask_ids_in_text(text, ["33060219800101123X"]) == "张三（330602********123X）超龄"


def test_each_role_may_take_exactly_its_actions(register, personas):
    expected = {
        "admin": set(Action),
        "officer": set(Action) - {Action.MANAGE_USERS},
        "hr_a": {
            Action.VIEW,
            Action.CHANGE_PEOPLE,
            Action.VIEW_FULL_ID,
            Action.MANAGE_TOKENS,
            Action.REQUEST_STAFFING,  # 用编申请 (issue 14)
        },
        "leader": {Action.VIEW, Action.MANAGE_TOKENS, Action.APPROVE},  # decisions on requests (domain.md §11)
        "inspector": {Action.VIEW, Action.MANAGE_TOKENS},
        "auditor": {Action.VIEW, Action.VIEW_CHANGELOG, Action.MANAGE_TOKENS},
        "nobody": {Action.MANAGE_TOKENS},
    }
    for name, actions in expected.items():
        assert {a for a in Action if can_somewhere(personas[name].user, a)} == actions, name
    assert ROLE_ACTIONS[Role.ADMIN] == frozenset(Action)


def test_unit_hr_scope_is_the_subtree_of_its_unit(register, personas):
    hr = personas["hr_a"].user
    units = register["units"]
    for code in ("A", "A-01", "AS"):
        assert can(hr, Action.VIEW, units[code]) and can(hr, Action.CHANGE_PEOPLE, units[code].pk)
    for code in ("B", "B-01", "BS"):
        assert not can(hr, Action.VIEW, units[code])
    assert not can(hr, Action.VIEW)  # district-wide data
    assert not can(hr, Action.CHANGE, units["A"])  # register facts belong to the staffing office
    assert sorted(restrict(Unit.objects.all(), hr, Action.VIEW).values_list("code", flat=True)) == ["A", "A-01", "AS"]
    assert set(restrict(StaffingQuota.objects.all(), hr, Action.VIEW).values_list("unit__code", flat=True)) == {
        "A",
        "AS",
    }
    assert set(restrict(PersonVersion.objects.all(), hr, Action.VIEW).values_list("unit__code", flat=True)) == {
        "A",
        "AS",
    }
    assert restrict(Person.objects.all(), hr, Action.VIEW).count() == 2
    assert set(
        restrict(Alert.objects.all(), personas["hr_b"].user, Action.VIEW).values_list("unit_code", flat=True)
    ) <= {
        "B",
        "B-01",
        "BS",
    }
    assert not restrict(InstitutionLimit.objects.all(), hr, Action.VIEW).exists()
    assert not restrict(ChangeSet.objects.all(), hr, Action.VIEW_CHANGELOG).exists()


def test_district_roles_see_everything_and_auditor_reads_the_log(register, personas):
    for name in ("admin", "officer", "leader", "inspector", "auditor"):
        user = personas[name].user
        assert restrict(UnitVersion.objects.all(), user, Action.VIEW).count() == UnitVersion.objects.count()
        assert can(user, Action.VIEW, register["units"]["B"])
    assert restrict(ChangeRecord.objects.all(), personas["auditor"].user, Action.VIEW_CHANGELOG).exists()
    assert not restrict(ChangeRecord.objects.all(), personas["leader"].user, Action.VIEW_CHANGELOG).exists()
    assert not can(personas["leader"].user, Action.CHANGE, register["units"]["A"])


def test_full_id_numbers_for_admin_officer_and_own_hr_only(register, personas):
    units = register["units"]
    assert sees_full_id(personas["admin"].user, units["B"])
    assert sees_full_id(personas["officer"].user, units["B"])
    assert sees_full_id(personas["hr_a"].user, units["AS"])
    assert not sees_full_id(personas["hr_a"].user, units["B"])
    for name in ("leader", "inspector", "auditor", "nobody"):
        assert not sees_full_id(personas[name].user, units["A"]), name


def test_subtree_follows_the_parent_as_of_today(register, personas, load):
    hr = personas["hr_a"].user
    assert not can(hr, Action.VIEW, register["units"]["BS"])
    # BS moves under A from a past day: the grant now covers it.
    load(
        {"机构": [unit_row("BS", "事业单位", 上级机构代码="A", 事业单位类别="公益二类")]}, effective=dt.date(2026, 1, 1)
    )
    forget(hr)
    assert can(hr, Action.VIEW, register["units"]["BS"])


def test_superuser_is_an_administrator_and_inactive_users_nothing(register):
    root = User.objects.create_superuser("root", "root@example.org", None)
    assert can(root, Action.VIEW_CHANGELOG) and can(root, Action.CHANGE, register["units"]["A"])
    root.is_active = False
    forget(root)
    assert not can(root, Action.VIEW)


def test_restrict_refuses_a_model_without_a_declared_scope(personas):
    with pytest.raises(ImproperlyConfigured):
        restrict(User.objects.all(), personas["admin"].user, Action.VIEW)


def test_unit_hr_grant_needs_a_unit_and_other_roles_none(register):
    user = User.objects.create_user("x")
    with pytest.raises(AccountError, match="必须指定"):
        role_grant_create(user=user, role=Role.UNIT_HR)
    with pytest.raises(AccountError, match="全区"):
        role_grant_create(user=user, role=Role.LEADER, unit=register["units"]["A"])
    with pytest.raises(AccountError, match="无效"):
        role_grant_create(user=user, role="boss")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=Role.UNIT_HR)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=Role.AUDITOR, unit=register["units"]["A"])


def test_grants_are_logged_and_revocable(register):
    user = User.objects.create_user("y")
    grant = role_grant_create(user=user, role=Role.UNIT_HR, unit=register["units"]["B"], actor="tests")
    assert role_grant_create(user=user, role=Role.UNIT_HR, unit=register["units"]["B"]) == grant
    assert can(user, Action.VIEW, register["units"]["BS"])
    role_grant_revoke(grant=grant, actor="tests")
    assert not can(user, Action.VIEW, register["units"]["BS"])
    records = ChangeRecord.objects.filter(entity="角色授权", key="y/unit_hr").order_by("id")
    assert [r.action for r in records] == ["create", "delete"]
    assert records[0].after == {"用户": "y", "角色": "单位人事干部", "机构代码": "B"}
