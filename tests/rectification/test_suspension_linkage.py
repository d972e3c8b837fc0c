"""domain.md §9: raising a problem suspends its unit (every severity by default, 高 only when so
configured), an overdue problem suspends whatever its severity, the problem-linked suspension is one
per unit, and closing the last qualifying problem lifts it — never a suspension by hand or by 三色管理."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.dates import today

pytestmark = pytest.mark.django_db

TODAY = today()
LATER = TODAY + dt.timedelta(days=30)


@pytest.fixture
def setup(register, personas):
    from bianzhi.registry.models import Suspension

    return {
        "units": register["units"],
        "officer": personas["officer"].user,
        "hand": set(Suspension.objects.values_list("pk", flat=True)),
    }


def raise_(setup, code="AS", severity="中", deadline=LATER):
    from bianzhi.rectification.services import problem_raise

    return problem_raise(
        user=setup["officer"],
        unit=setup["units"][code],
        description=f"{code} 的问题",
        severity=severity,
        deadline=deadline,
        source="检查",
    )


def answer_and_close(setup, problem, *, close=True):
    from bianzhi.rectification.services import problem_answer, problem_close

    problem = problem_answer(user=setup["officer"], problem=problem, plan="方案", evidence="佐证")
    if close:
        problem = problem_close(user=setup["officer"], problem=problem, opinion="销号")
    return problem


def in_force(code):
    from bianzhi.rectification.selectors import suspension_in_force_q
    from bianzhi.registry.models import Suspension

    return list(Suspension.objects.filter(suspension_in_force_q(TODAY), unit__code=code).order_by("id"))


@pytest.mark.parametrize("severity", ["高", "中", "低"])
def test_every_severity_suspends_by_default(setup, severity):
    problem = raise_(setup, severity=severity)
    [suspension] = in_force("AS")
    assert problem.suspension_id == suspension.pk
    assert suspension.source == "问题整改"
    assert suspension.started_on == TODAY
    assert suspension.planned_end is None
    assert f"问题 {problem.pk}" in suspension.reason


def test_high_only_setting(setup, settings):
    settings.BIANZHI_SUSPEND_SEVERITY = "高"
    medium = raise_(setup, severity="中")
    low = raise_(setup, code="BS", severity="低")
    assert medium.suspension_id is None and low.suspension_id is None
    assert in_force("AS") == [] and in_force("BS") == []
    high = raise_(setup, severity="高")
    [suspension] = in_force("AS")
    assert high.suspension_id == suspension.pk
    # the 中 problem does not keep it: closing the 高 one lifts it though the 中 one is open
    answer_and_close(setup, high)
    assert in_force("AS") == []


def test_one_problem_linked_suspension_per_unit(setup):
    first, second, third = raise_(setup), raise_(setup, severity="高"), raise_(setup, severity="低")
    [suspension] = in_force("AS")
    assert {first.suspension_id, second.suspension_id, third.suspension_id} == {suspension.pk}
    answer_and_close(setup, first)
    answer_and_close(setup, second)
    assert in_force("AS") == [suspension]
    # answered is not closed
    third = answer_and_close(setup, third, close=False)
    assert third.state == "answered"
    assert in_force("AS") == [suspension]
    from bianzhi.rectification.services import problem_close

    problem_close(user=setup["officer"], problem=third, opinion="销号")
    assert in_force("AS") == []
    suspension.refresh_from_db()
    assert suspension.lifted_on == TODAY
    assert "销号" in suspension.lift_reason
    # a new problem starts a new suspension
    again = raise_(setup)
    [new] = in_force("AS")
    assert new.pk != suspension.pk and again.suspension_id == new.pk


def _fresh(problem):
    problem.refresh_from_db()
    return problem


def test_hand_and_rating_suspensions_are_left_alone(setup):
    from bianzhi.registry.models import Suspension
    from bianzhi.registry.services import suspension_start

    rating = suspension_start(unit=setup["units"]["A"], reason="三色评价为红色", source="三色管理", started_on=TODAY)
    hand = set(Suspension.objects.filter(unit__code="A").values_list("pk", flat=True))  # by hand (fixture) + rating
    assert rating.pk in hand and len(hand) == 2
    problem = raise_(setup, code="A")
    linked = problem.suspension_id
    assert linked not in hand  # a suspension by hand with source 问题整改 is not reused: it is no problem's
    answer_and_close(setup, problem)
    assert {s.pk for s in in_force("A")} == hand
    assert Suspension.objects.get(pk=linked).lifted_on == TODAY


def test_overdue_suspends_whatever_the_severity(setup, settings):
    from bianzhi.rectification.models import Problem
    from bianzhi.rectification.services import problems_escalate_overdue

    settings.BIANZHI_SUSPEND_SEVERITY = "高"
    low = raise_(setup, severity="低", deadline=TODAY + dt.timedelta(days=3))
    assert in_force("AS") == []
    assert problems_escalate_overdue(TODAY + dt.timedelta(days=3)) == []  # the deadline day itself is in time
    escalated = problems_escalate_overdue(TODAY)
    assert escalated == []
    Problem.objects.filter(pk=low.pk).update(deadline=TODAY - dt.timedelta(days=1))
    [done] = problems_escalate_overdue(TODAY)
    assert done.pk == low.pk
    low.refresh_from_db()
    assert low.escalated_at is not None
    [suspension] = in_force("AS")
    assert low.suspension_id == suspension.pk
    assert [s.action for s in low.steps.all()] == ["raise", "escalate"]
    assert problems_escalate_overdue(TODAY) == []  # once
    answer_and_close(setup, low)
    assert in_force("AS") == []


def test_raising_an_already_overdue_problem_suspends_at_once(setup, settings):
    settings.BIANZHI_SUSPEND_SEVERITY = "高"
    problem = raise_(setup, severity="低", deadline=TODAY - dt.timedelta(days=2))
    assert problem.escalated_at is not None
    assert [s.pk for s in in_force("AS")] == [problem.suspension_id]


def test_in_force_filter_of_the_suspension_list(api, personas, setup):
    """GET /suspensions?unit=CODE&in_force=true: started, not lifted, planned end empty or not passed."""
    from bianzhi.registry.models import Suspension
    from bianzhi.registry.services import suspension_lift, suspension_start

    unit = setup["units"]["BS"]
    current = suspension_start(unit=unit, reason="现行", source="", started_on=TODAY - dt.timedelta(days=5))
    suspension_start(
        unit=unit,
        reason="已到期",
        source="",
        started_on=TODAY - dt.timedelta(days=9),
        planned_end=TODAY - dt.timedelta(days=1),
    )
    suspension_start(unit=unit, reason="尚未开始", source="", started_on=TODAY + dt.timedelta(days=2))
    ends_today = suspension_start(
        unit=unit, reason="今天到期", source="", started_on=TODAY - dt.timedelta(days=9), planned_end=TODAY
    )
    lifted = suspension_start(unit=unit, reason="已解除", source="", started_on=TODAY - dt.timedelta(days=9))
    suspension_lift(suspension=lifted, lifted_on=TODAY, reason="解除")
    reply = api(personas["officer"], "GET", "/suspensions?unit=BS&in_force=true")
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert {i["id"] for i in body["items"]} == {current.pk, ends_today.pk}
    assert body["total"] == 2
    assert {i["reason"] for i in body["items"]} == {"现行", "今天到期"}
    rest = api(personas["officer"], "GET", "/suspensions?unit=BS&in_force=false").json()
    assert rest["total"] == Suspension.objects.filter(unit=unit).count() - 2
    assert api(personas["hr_a"], "GET", "/suspensions?unit=BS&in_force=true").status_code == 404
    # each item's in_force says the same: the one whose planned end has passed is not in force
    everything = api(personas["officer"], "GET", "/suspensions?unit=BS&limit=100").json()["items"]
    assert {i["id"] for i in everything if i["in_force"]} == {current.pk, ends_today.pk}
