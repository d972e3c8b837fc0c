"""Fixtures and helpers of the matters tests (imported by the test modules of this folder: a conftest.py here
would shadow the root one under --import-mode=importlib)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.matters import services as ms
from bianzhi.matters.models import Matter
from bianzhi.registry.models import PersonVersion, PositionQuota, StaffingQuota, UnitVersion

__all__ = ["office"]

D1 = dt.date(2026, 7, 1)
D2 = dt.date(2026, 9, 1)
PC1 = person_row("C", 姓名="周一")
PC2 = person_row("C", 姓名="周二", 内设机构代码="C-01")
PD1 = person_row("D", 姓名="吴一")


@pytest.fixture
def office(personas, load):
    """The personas' register (A and B suspended) plus C (with division C-01) and D, not suspended."""
    load(
        {
            "机构": [
                unit_row("C", 机构规格="正科级"),
                unit_row("C-01", "内设机构", 上级机构代码="C"),
                unit_row("CS", "事业单位", 上级机构代码="C", 事业单位类别="公益一类"),
                unit_row("D"),
            ],
            "编制": [
                {"机构代码": "C", "编制类型": "行政编制", "核定数": 6},
                {"机构代码": "C", "编制类型": "工勤编制", "核定数": 1},
                {"机构代码": "D", "编制类型": "行政编制", "核定数": 3},
            ],
            "职数": [
                {"机构代码": "C", "职数类别": "正职", "核定数": 1},
                {"机构代码": "D", "职数类别": "副职", "核定数": 2},
            ],
            "人员": [PC1, PC2, PD1],
        }
    )
    return personas


def quota(code: str, staffing_type: str, day: dt.date) -> int | None:
    row = StaffingQuota.objects.filter(StaffingQuota.as_of(day), unit__code=code, staffing_type=staffing_type).first()
    return row.approved if row else None


def position(code: str, category: str, day: dt.date) -> int | None:
    row = PositionQuota.objects.filter(PositionQuota.as_of(day), unit__code=code, category=category).first()
    return row.approved if row else None


def version(code: str, day: dt.date) -> UnitVersion:
    return UnitVersion.objects.get(UnitVersion.as_of(day), unit__code=code)


def unit_of(row: dict, day: dt.date) -> str:
    return PersonVersion.objects.get(PersonVersion.as_of(day), person__id_number=row["身份证号"]).unit.code


def decided(office, kind: str, change: dict, **extra) -> Matter:
    """A matter of ``kind`` taken to 已决定 by the officer and the leader."""
    officer, leader = office["officer"].user, office["leader"].user
    matter = ms.matter_create(
        user=officer, kind=kind, title=f"{kind}事项", change=change, document_number="越编〔2026〕7号", **extra
    )
    ms.matter_submit(matter=matter, user=officer)
    ms.matter_review(matter=matter, user=officer, opinion="同意报编委审议")
    for row in matter.countersigns.all():
        ms.matter_countersign(matter=matter, user=officer, office=row.office, opinion="同意")
    return ms.matter_decide(matter=matter, user=leader, approve=True, opinion="同意")


def execute(office, kind: str, change: dict, day: dt.date = D1) -> Matter:
    matter = decided(office, kind, change)
    return ms.matter_execute(matter=matter, user=office["officer"].user, effective=day)
