"""机构编制事项 (issue 14): the workflow's transitions, allowed and refused, and execution of each kind
changing the register as of its effective date (and not before)."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.dates import END
from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.matters import services as ms
from bianzhi.matters.models import Matter, MatterState
from bianzhi.registry.models import StaffingQuota, Unit
from tests.matters.support import *  # noqa: F403  (the fixture ``office``)
from tests.matters.support import (
    D1,
    D2,
    PC1,
    PC2,
    decided,
    execute,
    position,
    quota,
    unit_of,
    version,
)

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------- workflow


def test_a_matter_goes_from_draft_to_executed_and_every_step_is_stored(office):
    matter = execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 2})
    steps = list(matter.steps.values_list("action", "from_state", "to_state", "actor"))
    assert steps == [
        ("拟稿", "", "draft", "officer"),
        ("提交", "draft", "submitted", "officer"),
        ("审核", "submitted", "reviewed", "officer"),
        ("编委决定通过", "reviewed", "decided", "leader"),
        ("执行", "decided", "executed", "officer"),
    ]
    assert matter.steps.get(action="审核").opinion == "同意报编委审议"
    assert matter.state == MatterState.EXECUTED and matter.executed_on == D1
    # every transition is in the change log too
    logged = ChangeRecord.objects.filter(entity="机构编制事项", key=str(matter.pk)).count()
    assert logged == 5


def test_a_major_matter_is_decided_by_the_party_committee(office):
    matter = decided(office, "更名", {"unit": "C", "name": "新C局"}, major=True)
    assert matter.decided_by_body == "党委"
    assert matter.steps.last().action == "党委决定通过"


@pytest.mark.parametrize("persona", ["hr_a", "leader", "inspector", "auditor", "nobody"])
def test_only_the_office_drafts_submits_and_reviews(office, persona):
    user = office[persona].user
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_create(
            user=user, kind="增编", title="x", change={"unit": "C", "staffing_type": "行政编制", "delta": 1}
        )
    assert refused.value.status == 403
    matter = ms.matter_create(
        user=office["officer"].user,
        kind="增编",
        title="x",
        change={"unit": "C", "staffing_type": "行政编制", "delta": 1},
    )
    for call in (
        lambda: ms.matter_submit(matter=matter, user=user),
        lambda: ms.matter_review(matter=matter, user=user, opinion=""),
        lambda: ms.matter_execute(matter=matter, user=user),
    ):
        with pytest.raises(ms.MatterRefused) as refused:
            call()
        assert refused.value.status == 403


@pytest.mark.parametrize("persona", ["officer", "hr_a", "inspector", "auditor"])
def test_only_a_leader_or_the_administrator_decides(office, persona):
    officer = office["officer"].user
    matter = ms.matter_create(
        user=officer, kind="增编", title="x", change={"unit": "C", "staffing_type": "行政编制", "delta": 1}
    )
    ms.matter_submit(matter=matter, user=officer)
    ms.matter_review(matter=matter, user=officer, opinion="")
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_decide(matter=matter, user=office[persona].user, approve=True)
    assert refused.value.status == 403
    assert ms.matter_decide(matter=matter, user=office["admin"].user, approve=False).state == MatterState.REJECTED


def test_transitions_out_of_order_are_refused_with_409(office):
    officer, leader = office["officer"].user, office["leader"].user
    matter = ms.matter_create(
        user=officer, kind="增编", title="x", change={"unit": "C", "staffing_type": "行政编制", "delta": 1}
    )
    refusals = [
        lambda: ms.matter_review(matter=matter, user=officer, opinion=""),
        lambda: ms.matter_decide(matter=matter, user=leader, approve=True),
        lambda: ms.matter_execute(matter=matter, user=officer),
        lambda: ms.matter_return(matter=matter, user=officer, to_state="draft", opinion="x"),
        lambda: ms.matter_countersign(matter=matter, user=officer, office="财政局"),
    ]
    for call in refusals:
        with pytest.raises(ms.MatterRefused) as refused:
            call()
        assert (refused.value.status, refused.value.code) == (409, "invalid_state")
        assert "草稿" in refused.value.message
    ms.matter_submit(matter=matter, user=officer)
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_submit(matter=matter, user=officer)
    assert refused.value.code == "invalid_state"
    with pytest.raises(ms.MatterRefused):
        ms.matter_update(matter=matter, user=officer, title="y", change=matter.change)


def test_return_goes_back_to_any_earlier_step_with_an_opinion(office):
    officer, leader = office["officer"].user, office["leader"].user
    matter = ms.matter_create(
        user=officer, kind="增编", title="x", change={"unit": "C", "staffing_type": "行政编制", "delta": 1}
    )
    ms.matter_submit(matter=matter, user=officer)
    ms.matter_review(matter=matter, user=officer, opinion="")
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_return(matter=matter, user=leader, to_state="submitted", opinion=" ")
    assert refused.value.code == "opinion_required"
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_return(matter=matter, user=leader, to_state="decided", opinion="再议")
    assert refused.value.code == "invalid_target"
    assert ms.matter_return(matter=matter, user=leader, to_state="submitted", opinion="补充材料").state == "submitted"
    ms.matter_review(matter=matter, user=officer, opinion="")
    ms.matter_decide(matter=matter, user=leader, approve=True)
    with pytest.raises(ms.MatterRefused) as refused:  # a leader returns only what awaits the decision
        ms.matter_return(matter=matter, user=leader, to_state="draft", opinion="x")
    assert refused.value.status == 403
    assert ms.matter_return(matter=matter, user=officer, to_state="draft", opinion="重拟").state == "draft"
    assert matter.steps.last().opinion == "重拟" and matter.steps.last().action == "退回至草稿"
    ms.matter_update(
        matter=matter, user=officer, title="改后", change={"unit": "C", "staffing_type": "行政编制", "delta": 2}
    )
    assert Matter.objects.get(pk=matter.pk).change["delta"] == 2


def test_only_the_author_withdraws_and_only_before_the_decision(office):
    officer, admin, leader = office["officer"].user, office["admin"].user, office["leader"].user
    matter = ms.matter_create(
        user=officer, kind="增编", title="x", change={"unit": "C", "staffing_type": "行政编制", "delta": 1}
    )
    ms.matter_submit(matter=matter, user=officer)
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_withdraw(matter=matter, user=admin)
    assert refused.value.status == 403
    assert ms.matter_withdraw(matter=matter, user=officer, opinion="不再需要").state == MatterState.WITHDRAWN
    other = decided(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 1})
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_withdraw(matter=other, user=officer)
    assert refused.value.code == "invalid_state"
    assert leader  # the leader never drafts


def test_the_decision_waits_for_every_countersignature(office):
    officer, leader = office["officer"].user, office["leader"].user
    matter = ms.matter_create(
        user=officer,
        kind="增编",
        title="x",
        change={"unit": "C", "staffing_type": "行政编制", "delta": 1},
        countersign_offices=["财政局", "人社局"],
    )
    ms.matter_submit(matter=matter, user=officer)
    ms.matter_countersign(matter=matter, user=officer, office="财政局", opinion="同意，经费已落实")
    ms.matter_review(matter=matter, user=officer, opinion="")
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_decide(matter=matter, user=leader, approve=True)
    assert (refused.value.code, refused.value.message) == (
        "countersign_pending",
        "尚有单位未会签：人社局，不能作出决定",
    )
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_countersign(matter=matter, user=officer, office="财政局")
    assert refused.value.code == "already_signed"
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_countersign(matter=matter, user=officer, office="公安局")
    assert refused.value.status == 404
    ms.matter_countersign(matter=matter, user=officer, office="人社局")
    assert ms.matter_decide(matter=matter, user=leader, approve=True).state == MatterState.DECIDED
    signed = {c.office: (c.signed, c.actor, c.opinion) for c in matter.countersigns.all()}
    assert signed == {"财政局": (True, "officer", "同意，经费已落实"), "人社局": (True, "officer", "")}


def test_a_change_of_the_wrong_shape_is_refused_in_chinese(office):
    officer = office["officer"].user
    cases = [
        ("增编", {"unit": "C", "staffing_type": "行政编制", "delta": 0}, "增减数（delta）应为正整数"),
        ("增编", {"unit": "ZZ", "staffing_type": "行政编制", "delta": 1}, "机构 ZZ 不存在"),
        ("划转编制", {"from": "C", "to": "C", "staffing_type": "行政编制", "count": 1}, "划出与划入的机构不能相同"),
        (
            "设立",
            {"unit": {"机构代码": "C", "机构名称": "x", "机构类型": "事业单位"}},
            "机构代码 C 已存在，不能重复设立",
        ),
        ("撤销内设机构", {"division": "C"}, "撤销的内设机构 C 不是内设机构"),
    ]
    for kind, change, message in cases:
        with pytest.raises(ms.MatterRefused) as refused:
            ms.matter_create(user=officer, kind=kind, title="x", change=change)
        assert refused.value.status == 422 and message in refused.value.message


# ---------------------------------------------------------------- execution, kind by kind


def test_adding_staffing_changes_the_quota_from_the_effective_day_only(office):
    matter = execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 2})
    assert (quota("C", "行政编制", D1 - dt.timedelta(days=1)), quota("C", "行政编制", D1)) == (6, 8)
    change_set = ChangeSet.objects.get(pk=matter.change_set_id)
    assert change_set.document_number == "越编〔2026〕7号" and change_set.effective == D1
    assert matter.applied["inverse"]["编制"]["C/行政编制"]["核定数"] == 6


def test_reducing_staffing_below_zero_is_refused(office):
    execute(office, "减编", {"unit": "C", "staffing_type": "工勤编制", "delta": 1})
    assert quota("C", "工勤编制", D1) == 0
    matter = decided(office, "减编", {"unit": "C", "staffing_type": "工勤编制", "delta": 1})
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_execute(matter=matter, user=office["officer"].user, effective=D2)
    assert refused.value.status == 422 and "不足以减少" in refused.value.message


def test_a_transfer_decreases_one_unit_and_increases_the_other_in_one_change_set(office):
    matter = execute(office, "划转编制", {"from": "C", "to": "D", "staffing_type": "行政编制", "count": 2})
    assert (quota("C", "行政编制", D1), quota("D", "行政编制", D1)) == (4, 5)
    assert (quota("C", "行政编制", D1 - dt.timedelta(days=1)), quota("D", "行政编制", D1 - dt.timedelta(days=1))) == (
        6,
        3,
    )
    keys = set(ChangeRecord.objects.filter(change_set_id=matter.change_set_id).values_list("key", flat=True))
    assert keys == {"C/行政编制", "D/行政编制"}


def test_a_merge_moves_people_and_quotas_and_abolishes_the_merged_unit_in_one_change_set(office):
    matter = execute(office, "合并", {"target": "D", "merged": ["C"]})
    before = D1 - dt.timedelta(days=1)
    assert quota("D", "行政编制", D1) == 9 and quota("D", "工勤编制", D1) == 1
    assert quota("C", "行政编制", D1) == 0 and quota("C", "行政编制", before) == 6
    assert position("D", "正职", D1) == 1 and position("C", "正职", D1) == 0
    assert [unit_of(p, D1) for p in (PC1, PC2)] == ["D", "D"]
    assert [unit_of(p, before) for p in (PC1, PC2)] == ["C", "C"]
    assert Unit.objects.get(code="C").abolished == D1
    assert version("C-01", D1).parent.code == "D" and version("CS", D1).parent.code == "D"
    sets = set(
        ChangeRecord.objects.filter(
            entity__in=["编制", "职数", "人员", "机构"], change_set__reason__contains=f"#{matter.pk}"
        ).values_list("change_set_id", flat=True)
    )
    assert sets == {matter.change_set_id}
    assert ChangeSet.objects.get(pk=matter.change_set_id).document_number == "越编〔2026〕7号"


def test_establishing_a_unit_creates_it_with_its_quotas_from_the_effective_day(office):
    execute(
        office,
        "设立",
        {
            "unit": {
                "机构代码": "E",
                "机构名称": "新设E中心",
                "机构类型": "事业单位",
                "上级机构代码": "D",
                "事业单位类别": "公益一类",
            },
            "staffing": [{"编制类型": "事业编制", "核定数": 5}],
            "positions": [{"职数类别": "正职", "核定数": 1}],
        },
    )
    unit = Unit.objects.get(code="E")
    assert unit.established == D1 and version("E", D1).name == "新设E中心"
    assert quota("E", "事业编制", D1) == 5 and position("E", "正职", D1) == 1
    assert not Unit.objects.filter(Unit.active_on(D1 - dt.timedelta(days=1)), code="E").exists()


def test_split_rename_rerank_positions_divisions_and_abolish(office):
    execute(
        office,
        "分设",
        {
            "source": "C",
            "unit": {
                "机构代码": "CF",
                "机构名称": "分设F局",
                "机构类型": "政府工作部门",
                "序列": "政府",
                "区划代码": "330602",
            },
            "staffing": [{"编制类型": "行政编制", "核定数": 2}],
            "people": [PC1["身份证号"]],
        },
    )
    assert (quota("C", "行政编制", D1), quota("CF", "行政编制", D1)) == (4, 2)
    assert unit_of(PC1, D1) == "CF" and unit_of(PC1, D1 - dt.timedelta(days=1)) == "C"
    execute(office, "更名", {"unit": "D", "name": "D发展局"}, D2)
    assert (version("D", D2).name, version("D", D1).name) == ("D发展局", "机构D")
    execute(office, "调整规格", {"unit": "D", "rank": "副处级"}, D2)
    assert (version("D", D2).rank, version("D", D1).rank) == ("副处级", "")
    execute(office, "调整职数", {"unit": "D", "category": "副职", "count": 3}, D2)
    assert (position("D", "副职", D2), position("D", "副职", D1)) == (3, 2)
    execute(office, "增设内设机构", {"unit": "D", "division": {"机构代码": "D-01", "机构名称": "办公室"}}, D2)
    assert version("D-01", D2).parent.code == "D" and Unit.objects.get(code="D-01").established == D2
    execute(office, "撤销内设机构", {"division": "C-01"}, D2)
    assert Unit.objects.get(code="C-01").abolished == D2
    execute(office, "撤销", {"unit": "CF"}, D2)
    assert Unit.objects.get(code="CF").abolished == D2


def test_a_change_of_functions_is_recorded_for_the_ledger(office):
    matter = execute(office, "职责调整", {"unit": "C", "functions": "划入市场监管职责"})
    record = ChangeRecord.objects.get(change_set_id=matter.change_set_id, entity="职责")
    assert record.after == {"机构代码": "C", "职责调整": "划入市场监管职责"}


# ---------------------------------------------------------------- refusals at execution


def test_backdating_before_the_latest_period_is_refused(office):
    execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 1}, D2)
    matter = decided(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 1})
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_execute(matter=matter, user=office["officer"].user, effective=D1)
    assert (refused.value.status, refused.value.code) == (422, "backdated")
    assert "2026-09-01" in refused.value.message and "不能倒签" in refused.value.message
    assert refused.value.problems[0]["sheet"] == "编制"
    assert Matter.objects.get(pk=matter.pk).state == MatterState.DECIDED
    assert quota("C", "行政编制", D2) == 7


def test_a_suspended_unit_gets_no_staffing_but_may_lose_some(office):
    # A is suspended from 2026-06-01 (问题整改逾期)
    matter = decided(office, "增编", {"unit": "A", "staffing_type": "行政编制", "delta": 1})
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_execute(matter=matter, user=office["officer"].user, effective=D1)
    assert (refused.value.status, refused.value.code) == (409, "unit_suspended")
    assert "问题整改逾期" in refused.value.message and "机构 A" in refused.value.message
    transfer = decided(office, "划转编制", {"from": "A", "to": "C", "staffing_type": "行政编制", "count": 1})
    ms.matter_execute(matter=transfer, user=office["officer"].user, effective=D1)
    assert quota("A", "行政编制", D1) == 4
    positions = decided(office, "调整职数", {"unit": "B", "category": "正职", "count": 2})
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_execute(matter=positions, user=office["officer"].user, effective=D1)
    assert refused.value.code == "unit_suspended"


def test_a_suspension_that_ended_no_longer_blocks(office):
    from bianzhi.registry.services import suspension_start

    suspension_start(
        unit=Unit.objects.get(code="D"),
        reason="三色管理红灯",
        source="三色管理",
        started_on=dt.date(2026, 1, 1),
        planned_end=dt.date(2026, 6, 30),
    )
    execute(office, "增编", {"unit": "D", "staffing_type": "行政编制", "delta": 1}, D1)
    assert quota("D", "行政编制", D1) == 4


# ---------------------------------------------------------------- locked after execution; 撤销更正


def test_an_executed_matter_is_locked(office):
    officer = office["officer"].user
    matter = execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 2})
    for call in (
        lambda: ms.matter_update(matter=matter, user=officer, title="x", change=matter.change),
        lambda: ms.matter_return(matter=matter, user=officer, to_state="draft", opinion="x"),
        lambda: ms.matter_execute(matter=matter, user=officer),
        lambda: ms.matter_withdraw(matter=matter, user=officer),
    ):
        with pytest.raises(ms.MatterRefused) as refused:
            call()
        assert refused.value.code == "invalid_state" and "已执行" in refused.value.message


def test_a_correction_needs_a_reason_and_cancels_the_original(office):
    officer = office["officer"].user
    original = execute(office, "划转编制", {"from": "C", "to": "D", "staffing_type": "行政编制", "count": 2})
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_amend(matter=original, user=officer, reason="  ")
    assert refused.value.code == "reason_required"
    correction = ms.matter_amend(
        matter=original, user=officer, reason="划转数有误，撤销", document_number="越编〔2026〕9号"
    )
    assert (correction.kind, correction.amends_id, correction.state) == ("撤销更正", original.pk, "draft")
    with pytest.raises(ms.MatterRefused) as refused:
        ms.matter_amend(matter=original, user=officer, reason="再次")
    assert refused.value.code == "already_corrected"
    ms.matter_submit(matter=correction, user=officer)
    ms.matter_review(matter=correction, user=officer, opinion="")
    ms.matter_decide(matter=correction, user=office["leader"].user, approve=True)
    ms.matter_execute(matter=correction, user=officer, effective=D2)
    assert (quota("C", "行政编制", D2), quota("D", "行政编制", D2)) == (6, 3)
    assert (quota("C", "行政编制", D1), quota("D", "行政编制", D1)) == (4, 5)
    assert "划转数有误" in ChangeSet.objects.get(pk=Matter.objects.get(pk=correction.pk).change_set_id).reason


def test_a_correction_with_a_replacement_applies_the_amended_change(office):
    officer = office["officer"].user
    original = execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 3})
    assert quota("C", "行政编制", D1) == 9
    correction = ms.matter_amend(
        matter=original,
        user=officer,
        reason="应增 1 名",
        replacement={"unit": "C", "staffing_type": "行政编制", "delta": 1},
    )
    ms.matter_submit(matter=correction, user=officer)
    ms.matter_review(matter=correction, user=officer, opinion="")
    ms.matter_decide(matter=correction, user=office["leader"].user, approve=True)
    ms.matter_execute(matter=correction, user=officer, effective=D2)
    assert quota("C", "行政编制", D2) == 7


def test_correcting_a_merge_restores_people_quotas_and_the_unit(office):
    officer = office["officer"].user
    original = execute(office, "合并", {"target": "D", "merged": ["C"]})
    correction = ms.matter_amend(matter=original, user=officer, reason="合并决定撤销")
    ms.matter_submit(matter=correction, user=officer)
    ms.matter_review(matter=correction, user=officer, opinion="")
    ms.matter_decide(matter=correction, user=office["leader"].user, approve=True)
    ms.matter_execute(matter=correction, user=officer, effective=D2)
    assert (quota("C", "行政编制", D2), quota("D", "行政编制", D2)) == (6, 3)
    assert [unit_of(p, D2) for p in (PC1, PC2)] == ["C", "C"]
    assert Unit.objects.get(code="C").abolished is None
    assert version("C-01", D2).parent.code == "C"
    assert StaffingQuota.objects.filter(unit__code="D", valid_to=END, staffing_type="工勤编制").get().approved == 0


def test_the_decision_document_carries_the_number_and_the_change(office):
    from bianzhi.core.documents import docx_bytes
    from bianzhi.matters.documents import matter_document

    matter = execute(office, "划转编制", {"from": "C", "to": "D", "staffing_type": "行政编制", "count": 2})
    doc = matter_document(matter)
    assert doc.number == "越编〔2026〕7号" and doc.title == "关于划转编制事项的批复"
    assert doc.recipient == "C、D"
    assert doc.table == (["项目", "内容"], [["划出机构", "C"], ["划入机构", "D"], ["划转行政编制", "2 名"]])
    assert "经编委研究，同意划转编制，具体如下表。" in doc.paragraphs
    assert "以上事项自 2026年7月1日 起执行。" in doc.paragraphs
    import io
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(docx_bytes(doc))).read("word/document.xml").decode()
    assert "越编〔2026〕7号" in xml and "划转行政编制" in xml


def test_officers_are_notified_on_submit_and_the_author_on_return_and_decision(office, django_user_model):
    from bianzhi.accounts.services import role_grant_create
    from bianzhi.core.models import Notification

    second = django_user_model.objects.create_user(username="officer2")
    role_grant_create(user=second, role="officer", unit=None, actor="tests")
    officer, leader = office["officer"].user, office["leader"].user
    matter = ms.matter_create(
        user=officer, kind="增编", title="C局增编", change={"unit": "C", "staffing_type": "行政编制", "delta": 1}
    )
    ms.matter_submit(matter=matter, user=officer)
    assert list(Notification.objects.filter(user=second).values_list("title", "url")) == [
        ("机构编制事项待审核：C局增编", f"/matters/{matter.pk}/")
    ]
    ms.matter_return(matter=matter, user=second, to_state="draft", opinion="补充依据")
    ms.matter_submit(matter=matter, user=officer)
    ms.matter_review(matter=matter, user=officer, opinion="")
    ms.matter_decide(matter=matter, user=leader, approve=True)
    titles = list(Notification.objects.filter(user=officer).order_by("pk").values_list("title", flat=True))
    assert titles == ["机构编制事项被退回：C局增编", "机构编制事项已决定通过：C局增编"]
