"""vacancy_idle is silent for a unit or quota younger than its window (domain.md §4): no alert until
the later of the unit's 成立日期 and the start of the quota's first period is at least a year before
D (a change of the quota's number does not restart it; the year before 02-29 is 02-28)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.core.dates import END
from bianzhi.registry.models import StaffingQuota
from bianzhi.supervision.models import RuleSetting
from bianzhi.supervision.services import alerts_evaluate

D = dt.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


def idle(day: dt.date = D) -> list[dict]:
    return [a for a in alerts_evaluate(as_of=day) if a["rule"] == "vacancy_idle"]


def idle_unit(load, **unit: object) -> None:
    """事业编制 approved 10, 8 on staff (20 %), nobody joined since 2015."""
    people = [
        person_row("S", staffing="事业编制", category="事业管理人员", 进编日期=dt.date(2015, 1, 1)) for _ in range(8)
    ]
    load(
        {
            "机构": [unit_row("S", "事业单位", **unit)],
            "编制": [{"机构代码": "S", "编制类型": "事业编制", "核定数": 10}],
            "人员": people,
        }
    )


def quota_first_period_from(day: dt.date) -> None:
    StaffingQuota.objects.filter(unit__code="S").update(valid_from=day)


def test_a_unit_established_a_year_before_is_flagged(load):
    idle_unit(load, 成立日期=dt.date(2025, 6, 30))
    assert len(idle()) == 1


def test_a_unit_established_within_the_year_is_not(load):
    idle_unit(load, 成立日期=dt.date(2025, 7, 1))
    assert idle() == []
    assert len(idle(dt.date(2026, 7, 1))) == 1


def test_a_quota_younger_than_a_year_is_not_flagged(load):
    idle_unit(load)
    quota_first_period_from(dt.date(2025, 7, 1))
    assert idle() == []
    quota_first_period_from(dt.date(2025, 6, 30))
    assert len(idle()) == 1


def test_the_later_of_the_two_starts_counts(load):
    idle_unit(load, 成立日期=dt.date(2020, 1, 1))
    quota_first_period_from(dt.date(2026, 1, 1))
    assert idle() == []


def test_a_change_of_the_quotas_number_does_not_restart_it(load):
    idle_unit(load, 成立日期=dt.date(2020, 1, 1))
    first = StaffingQuota.objects.get(unit__code="S")
    StaffingQuota.objects.filter(pk=first.pk).update(valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2026, 3, 1))
    StaffingQuota.objects.create(
        unit=first.unit, staffing_type="事业编制", approved=12, valid_from=dt.date(2026, 3, 1), valid_to=END
    )
    assert [(a["approved"], a["vacancy"]) for a in idle()] == [(12, 4)]


def test_the_year_before_29_february_is_28_february(load):
    idle_unit(load, 成立日期=dt.date(2027, 2, 28))
    assert len(idle(dt.date(2028, 2, 29))) == 1


def test_the_year_before_29_february_excludes_1_march(load):
    idle_unit(load, 成立日期=dt.date(2027, 3, 1))
    assert idle(dt.date(2028, 2, 29)) == []


def test_a_shorter_window_is_honoured(load):
    idle_unit(load, 成立日期=dt.date(2026, 5, 31))
    RuleSetting.objects.create(rule="vacancy_idle", params={"window_days": 30})
    assert len(idle()) == 1
    RuleSetting.objects.filter(rule="vacancy_idle").update(params={"window_days": 31})
    assert idle() == []
