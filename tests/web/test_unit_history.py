"""The unit page's history, 机构沿革 (issue 12): 成立, the change set that created the unit, each
change of its attributes, quotas and positions with the 文号 and reason of the change set that made
it, and 撤销 — dated, in order, and with ID numbers in reasons masked per role (domain.md §2, §11)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import make_id, unit_row
from django.test import Client

from bianzhi.accounts.permissions import mask_id_number
from bianzhi.registry.models import Unit
from bianzhi.web.selectors import HistoryEntry, unit_history

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
RENAMED = dt.date(2026, 4, 15)


def sheets(name: str = "甲局", rank: str = "正科级", quota: int = 10, **unit: object) -> dict:
    return {
        "机构": [unit_row("H", 机构名称=name, 机构规格=rank, 成立日期="2001-01-01", **unit), unit_row("K")],
        "编制": [{"机构代码": "H", "编制类型": "行政编制", "核定数": quota}],
        "职数": [{"机构代码": "H", "职数类别": "正职", "核定数": 1}],
    }


@pytest.fixture
def users(db):
    from django.contrib.auth.models import User

    from bianzhi.accounts.services import role_grant_create

    result = {}
    for name, role in (("officer", "officer"), ("leader", "leader"), ("auditor", "auditor"), ("hr_k", "unit_hr")):
        user = User.objects.create_user(username=name)
        unit = Unit.objects.get(code="K") if role == "unit_hr" else None
        role_grant_create(user=user, role=role, unit=unit, actor="tests")
        result[name] = User.objects.get(pk=user.pk)  # fresh: no cached roles
    return result


@pytest.fixture
def history(load):
    """甲局 imported, renamed 乙局 and raised to 副处级 on 2026-04-15, 行政编制 10 → 12 on 2026-06-01,
    abolished on 2026-09-01 — each by its own import with 文号 and reason."""
    load(sheets(), reason="首次导入", document_number="越编〔2025〕1号", actor="张科长")
    load(
        sheets("乙局", "副处级"),
        effective=RENAMED,
        reason="机构改革",
        document_number="越编〔2026〕5号",
        actor="李科长",
    )
    load(
        sheets("乙局", "副处级", quota=12),
        effective=dt.date(2026, 6, 1),
        reason="核增编制",
        document_number="越编〔2026〕7号",
    )
    load(
        sheets("乙局", "副处级", quota=12, 撤销日期="2026-09-01"),
        effective=dt.date(2026, 9, 1),
        reason="撤并",
        document_number="越编〔2026〕9号",
    )
    return Unit.objects.get(code="H")


def summary(entries: list[HistoryEntry]) -> list[tuple[str, str, str, str, str]]:
    return [(e.day_text, e.kind, e.text, e.document_number, e.reason) for e in entries]


def page(user, code: str = "H", day: str = "2026-05-01"):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client.get(f"/units/{code}/?as_of={day}")


def test_the_history_lists_creation_changes_and_abolition_in_date_order(history, users):
    entries = unit_history(history, users["officer"])
    assert summary(entries) == [
        ("最初", "created", "由导入创建", "越编〔2025〕1号", "首次导入"),
        ("最初", "staffing", "核定编制 行政编制 10", "越编〔2025〕1号", "首次导入"),
        ("最初", "position", "核定职数 正职 1", "越编〔2025〕1号", "首次导入"),
        ("2001-01-01", "established", "成立", "", ""),
        ("2026-04-15", "attribute", "更名：甲局 → 乙局", "越编〔2026〕5号", "机构改革"),
        ("2026-04-15", "attribute", "机构规格 正科级 → 副处级", "越编〔2026〕5号", "机构改革"),
        ("2026-06-01", "staffing", "核定编制 行政编制 10 → 12", "越编〔2026〕7号", "核增编制"),
        ("2026-09-01", "abolished", "撤销", "越编〔2026〕9号", "撤并"),
    ]
    assert [e.day for e in entries][:4] == [None, None, None, dt.date(2001, 1, 1)]
    created, renamed = entries[0], entries[4]
    assert created.actor == "张科长" and created.source == "导入" and created.time is not None
    assert created.provenance.startswith(
        f"变更批次 #{created.change_set_id}，文号 越编〔2025〕1号，理由 首次导入，操作人 张科长，时间 "
    )
    assert renamed.actor == "李科长" and renamed.change_set_id != created.change_set_id
    # One change set's entries of one day show its provenance once.
    assert [e.continues for e in entries] == [False, True, True, False, False, True, False, False]


def test_the_unit_page_shows_the_history(history, users):
    response = page(users["officer"])
    assert response.status_code == 200
    assert response.context["history"] == unit_history(history, users["officer"])
    text = response.content.decode()
    section = text[text.index('data-testid="unit-history"') :]
    section = re.sub(r"<[^>]+>", "", section[: section.index("</section>")])
    assert "机构沿革" in section
    for shown in (
        "最初",
        "由导入创建（变更批次 #",
        "文号 越编〔2025〕1号，理由 首次导入，操作人 张科长",
        "2001-01-01",
        "成立",
        "2026-04-15",
        "更名：甲局 → 乙局",
        "机构规格 正科级 → 副处级",
        "文号 越编〔2026〕5号，理由 机构改革，操作人 李科长",
        "核定编制 行政编制 10 → 12",
        "2026-09-01",
        "撤销",
        "越编〔2026〕9号",
    ):
        assert shown in section, shown
    assert "0001-01-01" not in section
    assert section.count("首次导入") == 1  # the created entry's quotas do not repeat it


def test_who_and_when_are_for_the_roles_that_read_the_change_log(history, users):
    """A leader sees the 文号 and reason that the register's versions carry, not the change set's
    number, operator and time (the change log), nor the logged change set of the abolition."""
    entries = unit_history(history, users["leader"])
    created = entries[0]
    assert (created.document_number, created.reason) == ("越编〔2025〕1号", "首次导入")
    assert (created.change_set_id, created.actor, created.time) == (None, "", None)
    assert created.provenance == "文号 越编〔2025〕1号，理由 首次导入"
    assert entries[-1].text == "撤销" and entries[-1].document_number == ""
    text = re.sub(r"<[^>]+>", "", page(users["leader"]).content.decode())
    assert "由导入创建（文号 越编〔2025〕1号，理由 首次导入）" in text and "张科长" not in text
    auditor = unit_history(history, users["auditor"])
    assert auditor[0].actor == "张科长" and auditor[-1].document_number == "越编〔2026〕9号"


def test_another_units_hr_officer_gets_neither_the_page_nor_the_history(history, users):
    assert page(users["hr_k"]).status_code == 404
    assert unit_history(history, users["hr_k"]) == []
    assert page(users["hr_k"], "K").status_code == 200


def test_an_id_number_in_a_reason_is_masked_for_roles_that_see_it_masked(load, request):
    number = make_id(dt.date(1980, 1, 2))
    load(sheets(), reason=f"按 {number} 同志的申请设立", document_number="越编〔2025〕2号")
    users = request.getfixturevalue("users")  # after the import: the HR officer's grant needs unit K
    unit = Unit.objects.get(code="H")
    assert unit_history(unit, users["officer"])[0].reason == f"按 {number} 同志的申请设立"
    assert number in page(users["officer"]).content.decode()
    for name in ("leader", "auditor"):
        assert unit_history(unit, users[name])[0].reason == f"按 {mask_id_number(number)} 同志的申请设立"
        text = page(users[name]).content.decode()
        assert number not in text and mask_id_number(number) in text, name


def test_a_move_to_another_parent_names_both_parents(load, request):
    def units(parent: str, klass: str) -> dict:
        return {
            "机构": [
                unit_row("K", 机构名称="卫健局"),
                unit_row("L", 机构名称="教育局"),
                unit_row("HS", "事业单位", 机构名称="中心", 上级机构代码=parent, 事业单位类别=klass),
            ]
        }

    load(units("K", "公益一类"))
    load(units("L", "公益二类"), effective=RENAMED, reason="划转", document_number="越编〔2026〕6号")
    officer = request.getfixturevalue("users")["officer"]
    entries = unit_history(Unit.objects.get(code="HS"), officer)
    assert [(e.day_text, e.text, e.document_number) for e in entries if e.kind == "attribute"] == [
        ("2026-04-15", "上级机构 卫健局（K） → 教育局（L）", "越编〔2026〕6号"),
        ("2026-04-15", "事业单位类别 公益一类 → 公益二类", "越编〔2026〕6号"),
    ]
