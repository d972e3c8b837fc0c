"""Fixtures of the procedures (imported by the test modules of this folder): a small register (unit U with its public institution US, unit V) and
one user per role; the service tests call the services, the API tests the §3 operations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bianzhi.core.dates import today

ENTRY = dt.date(2020, 1, 1)


def sheets() -> dict[str, list[dict[str, Any]]]:
    from conftest import person_row, unit_row

    return {
        "机构": [
            unit_row("U"),
            unit_row("US", "事业单位", 上级机构代码="U", 事业单位类别="公益一类"),
            unit_row("V"),
        ],
        "编制": [
            {"机构代码": "U", "编制类型": "行政编制", "核定数": 3},
            {"机构代码": "US", "编制类型": "事业编制", "核定数": 2},
            {"机构代码": "V", "编制类型": "行政编制", "核定数": 5},
        ],
        "职数": [
            {"机构代码": "U", "职数类别": "副职", "核定数": 2},
            {"机构代码": "V", "职数类别": "副职", "核定数": 1},
        ],
        "人员": [
            {**person_row("U", birth=dt.date(1980, 1, 2)), "姓名": "甲", "进编日期": ENTRY, "职数类别": "副职"},
            {**person_row("U", birth=dt.date(1981, 2, 3)), "姓名": "乙", "进编日期": ENTRY},
            {**person_row("V", birth=dt.date(1982, 3, 4)), "姓名": "丙", "进编日期": ENTRY},
        ],
    }


ROLES = {
    "admin": ("admin", None),
    "officer": ("officer", None),
    "hr_u": ("unit_hr", "U"),
    "hr_v": ("unit_hr", "V"),
    "leader": ("leader", None),
    "inspector": ("inspector", None),
    "auditor": ("auditor", None),
}


@pytest.fixture
def reg(db, load):
    """The register and its people: {"units": {code: Unit}, "people": [row, …]}."""
    from bianzhi.registry.models import Unit

    data = sheets()
    load(data)
    return {"units": {u.code: u for u in Unit.objects.all()}, "people": data["人员"]}


@pytest.fixture
def users(reg) -> dict[str, Any]:
    from django.contrib.auth.models import User

    from bianzhi.accounts.services import role_grant_create

    result = {}
    for name, (role, code) in ROLES.items():
        user = User.objects.create_user(username=f"ap_{name}", first_name=name)
        role_grant_create(user=user, role=role, unit=reg["units"][code] if code else None, actor="tests")
        result[name] = user
    return result


@pytest.fixture
def day() -> dt.date:
    return today()


def _new_person(**extra: Any) -> dict[str, Any]:
    from conftest import person_row

    row = person_row("U", birth=dt.date(1995, 6, 7))
    row["出生日期"] = row["出生日期"].isoformat()
    row["姓名"] = "新人"
    row.pop("人员状态")
    row.pop("机构代码")
    row.pop("编制类型")
    row.update(extra)
    return row


@pytest.fixture
def new_person():
    """A 人员 row for onboarding (without 机构代码, 编制类型, 人员状态): ``new_person(**columns)``."""
    return _new_person


__all__ = ["day", "new_person", "reg", "users"]
