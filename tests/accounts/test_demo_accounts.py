"""The demo's accounts carry real role grants (domain.md §11), and the demo's HR officer of
区教育体育局 sees exactly that department and its schools and centres through the API."""

from __future__ import annotations

import pytest

from bianzhi.accounts.models import Role, RoleGrant
from bianzhi.accounts.services import api_token_create
from bianzhi.demo.services import DEMO_ACCOUNTS, demo_build
from bianzhi.registry.models import UnitVersion

pytestmark = pytest.mark.django_db


def test_demo_accounts_have_their_roles(tmp_path, client):
    demo_build(data_dir=tmp_path, people=1000)
    grants = {(g.user.username, g.role): g for g in RoleGrant.objects.select_related("user", "unit")}
    assert set(grants) == {
        ("admin", Role.ADMIN),
        ("officer", Role.OFFICER),
        ("leader", Role.LEADER),
        ("hr", Role.UNIT_HR),
    }
    assert [name for name, _ in DEMO_ACCOUNTS] == ["admin", "officer", "leader", "hr"]
    education = grants[("hr", Role.UNIT_HR)].unit
    assert UnitVersion.objects.filter(unit=education, name="绍兴市越城区教育体育局").exists()
    token = api_token_create(user=grants[("hr", Role.UNIT_HR)].user, name="演示").secret
    units = client.get("/api/v1/units?limit=1000", headers={"Authorization": f"Bearer {token}"}).json()
    codes = {u["code"] for u in units["items"]}
    assert education.code in codes and units["total"] == len(codes) > 10
    parents = {u["parent"] for u in units["items"]} - {None}
    assert parents <= codes  # a closed subtree
    people = client.get("/api/v1/people?limit=5", headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert people and not any(p["id_number_masked"] for p in people)
