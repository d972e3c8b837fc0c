"""The procedures' services: transitions, the reservation arithmetic, usable, positions, suspension,
plans, onboarding, leaving, write-off, transfer and the change log's bypass marking."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.approvals import services
from bianzhi.approvals.models import RequestStep
from bianzhi.approvals.selectors import usable_now
from bianzhi.core.models import ChangeSet
from bianzhi.registry.models import Person, PersonVersion
from bianzhi.registry.selectors import unit_figures
from tests.approvals.support import *  # noqa: F403  (the fixtures)


def _figures(unit, day):
    return unit_figures(day)[unit.pk].staffing["行政编制"]


def _approved_slip(users, unit, count=1, **kwargs):
    request = services.staffing_request_create(
        user=users["hr_u"],
        unit=unit,
        staffing_type=kwargs.pop("staffing_type", "行政编制"),
        count=count,
        reason="招录",
        **kwargs,
    )
    services.staffing_request_submit(user=users["hr_u"], request=request)
    return services.staffing_request_approve(user=users["officer"], request=request, opinion="同意")


def test_approval_reserves_and_onboarding_fills(reg, users, day, new_person):
    u = reg["units"]["U"]
    assert usable_now(unit=u, staffing_type="行政编制") == 1
    result = _approved_slip(users, u)
    slip = result.slip
    assert slip.number == f"YB-{day.year}-0001"
    assert slip.remaining == 1 and slip.expires_on == day + dt.timedelta(days=90)
    assert result.warnings and "没有已批准的用编计划" in result.warnings[0]
    f = _figures(u, day)
    assert (f.approved, f.actual, f.reserved, f.usable) == (3, 2, 1, 0)
    assert [s.to_state for s in RequestStep.objects.filter(request=result.request)] == [
        "draft",
        "submitted",
        "approved",
    ]
    row = new_person(进编日期=day.isoformat())
    onboarding = services.slip_onboard(user=users["hr_u"], slip=slip, row=row)
    slip.refresh_from_db()
    assert slip.remaining == 0
    f = _figures(u, day)
    assert (f.actual, f.reserved, f.usable) == (3, 0, 0)
    change_set = ChangeSet.objects.get(pk=onboarding.change_set_id)
    assert change_set.bypasses_approval is False
    assert change_set.reason == slip.number
    version = PersonVersion.objects.get(person=onboarding.person, valid_to=dt.date(9999, 12, 31))
    assert version.status == "在编" and version.entry_date == day and version.unit_id == u.pk


def test_second_approval_for_last_vacancy_is_refused(reg, users):
    u = reg["units"]["U"]
    _approved_slip(users, u)
    request = services.staffing_request_create(
        user=users["hr_u"], unit=u, staffing_type="行政编制", count=1, reason="x"
    )
    services.staffing_request_submit(user=users["hr_u"], request=request)
    with pytest.raises(services.ProcedureError) as exc:
        services.staffing_request_approve(user=users["officer"], request=request)
    assert exc.value.status == 409 and exc.value.code == "insufficient_usable"


def test_leave_and_write_off(reg, users, day):
    number = reg["people"][1]["身份证号"]
    person = Person.objects.get(id_number=number)
    version = services.person_leave(user=users["hr_u"], person=person, status="调出", day=day)
    assert version.status == "调出" and version.left_on == day
    cs = ChangeSet.objects.order_by("-id").first()
    assert cs.bypasses_approval is False
    with pytest.raises(services.ProcedureError) as exc:
        services.person_write_off(user=users["hr_u"], person=person, day=day)
    assert exc.value.status == 403
    version = services.person_write_off(user=users["officer"], person=person, day=day)
    assert version.written_off_date == day


def test_transfer(reg, users, day):
    v = reg["units"]["V"]
    slip = services.staffing_request_approve(
        user=users["officer"],
        request=services.staffing_request_submit(
            user=users["officer"],
            request=services.staffing_request_create(
                user=users["officer"], unit=v, staffing_type="行政编制", count=1, reason="调入"
            ),
        ),
    ).slip
    person = Person.objects.get(id_number=reg["people"][1]["身份证号"])
    services.person_transfer(user=users["officer"], person=person, slip=slip, day=day)
    u = reg["units"]["U"]
    assert _figures(u, day).actual == 1
    assert _figures(v, day).actual == 2
    yesterday = day - dt.timedelta(days=1)
    assert _figures(u, yesterday).actual == 2
    assert _figures(v, yesterday).actual == 1


def test_a_leave_dated_ahead_frees_the_place_from_that_day(reg, users, day):
    person = Person.objects.get(id_number=reg["people"][1]["身份证号"])
    later = day + dt.timedelta(days=10)
    services.person_leave(user=users["hr_u"], person=person, status="退休", day=later)
    u = reg["units"]["U"]
    assert _figures(u, day).actual == 2
    assert _figures(u, later - dt.timedelta(days=1)).actual == 2
    assert _figures(u, later).actual == 1
    # usable today already counts the place freed later only from that day: the least of the days is today's
    assert usable_now(unit=u, staffing_type="行政编制") == 1


def test_a_person_who_left_earlier_can_be_put_on_staff_again(reg, users, day, new_person):
    u = reg["units"]["U"]
    person = Person.objects.get(id_number=reg["people"][1]["身份证号"])
    left_on = day - dt.timedelta(days=20)
    row = reg["people"][1]
    from bianzhi.registry.services import rows_import

    assert rows_import(
        sheets={
            "人员": [
                {
                    **row,
                    "出生日期": row["出生日期"].isoformat(),
                    "进编日期": "2020-01-01",
                    "人员状态": "辞职",
                    "离编日期": left_on.isoformat(),
                }
            ]
        },
        reason="历史数据",
    ).ok
    assert _figures(u, day).actual == 1
    slip = _approved_slip(users, u).slip
    again = {
        "身份证号": row["身份证号"],
        "姓名": row["姓名"],
        "性别": row["性别"],
        "出生日期": row["出生日期"].isoformat(),
        "人员类别": "公务员",
        "进编日期": day.isoformat(),
    }
    onboarding = services.slip_onboard(user=users["officer"], slip=slip, row=again)
    assert onboarding.person == person
    assert _figures(u, day).actual == 2
    assert _figures(u, day - dt.timedelta(days=1)).actual == 1
    latest = PersonVersion.objects.get(person=person, valid_to=dt.date(9999, 12, 31))
    assert latest.status == "在编" and latest.entry_date == day and latest.left_on is None


def test_imports_and_office_corrections_bypass_the_procedures(reg):
    assert ChangeSet.objects.filter(source="import").exists()
    assert all(ChangeSet.objects.filter(source="import").values_list("bypasses_approval", flat=True))


def test_refused_requests_of_inactive_or_internal_units(reg, users, load):
    from conftest import unit_row

    from bianzhi.registry.models import Unit

    load(
        {
            "机构": [
                unit_row("U-01", "内设机构", 上级机构代码="U"),
                unit_row("W", 撤销日期="2020-01-01", 成立日期="2010-01-01"),
            ]
        }
    )
    for code in ("U-01", "W"):
        with pytest.raises(services.ProcedureError) as exc:
            services.staffing_request_create(
                user=users["officer"], unit=Unit.objects.get(code=code), staffing_type="行政编制", count=1, reason="x"
            )
        assert exc.value.status == 422 and code in exc.value.message
