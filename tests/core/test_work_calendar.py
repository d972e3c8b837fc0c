"""The 工作日历 (domain.md §4): years the pinned ``holidays`` does not carry count its statutory
holidays and are provisional; the office's entries override the package, are logged, reach every
deadline computed afterwards and the stored ones; late_write_off says （暂定） (interchange.md §2)."""

from __future__ import annotations

import datetime as dt
import json
from datetime import date

import pytest
from conftest import person_row, unit_row
from django.core.management import call_command
from django.db import transaction

from bianzhi.core import workdays
from bianzhi.core.models import ChangeRecord, ChangeSet, WorkCalendarDay, WorkCalendarYear
from bianzhi.core.workdays import (
    DAY_OFF,
    WORKING_DAY,
    deadline_is_provisional,
    is_working_day,
    official_years,
    package_days,
    work_calendar_day_remove,
    work_calendar_day_set,
    work_calendar_year_mark,
    write_off_deadline,
)
from bianzhi.registry.models import PersonVersion
from bianzhi.registry.services.deadlines import recompute_write_off_deadlines
from bianzhi.supervision.services import alerts_evaluate

pytestmark = pytest.mark.django_db

LEFT = date(2026, 12, 18)  # a Friday: the tenth working day after it is in 2027


@pytest.fixture(autouse=True)
def fresh_calendar():
    """Each case reads the 工作日历 afresh, and leaves no snapshot of its rolled-back rows behind."""
    workdays.clear_cache()
    yield
    workdays.clear_cache()


# ---------------------------------------------------------------- years the package does not carry


def test_the_package_carries_2001_to_2026_only() -> None:
    assert min(official_years()) == 2001 and max(official_years()) == 2026
    assert 2027 not in official_years()


def test_2027_new_year_is_a_day_off_without_any_entry() -> None:
    # 12-21..12-24 (1-4), 12-25 (5), 12-28..12-31 (6-9), Fri 2027-01-01 元旦 off, Mon 01-04 (10).
    assert not is_working_day(date(2027, 1, 1))
    assert write_off_deadline(LEFT) == date(2027, 1, 4)  # not 2027-01-01, a day early
    assert deadline_is_provisional(date(2027, 1, 4))


@pytest.mark.parametrize(
    "day",
    [
        date(2027, 1, 1),  # 元旦
        date(2027, 2, 5),  # 除夕
        date(2027, 2, 8),  # 春节 (Monday)
        date(2027, 4, 5),  # 清明
        date(2027, 6, 9),  # 端午
        date(2027, 9, 15),  # 中秋
        date(2027, 10, 1),  # 国庆
        date(2100, 1, 1),  # 元旦 of the package's last year
        date(2100, 2, 9),  # 春节 2100 (estimated by the package)
    ],
)
def test_statutory_holidays_of_an_uncarried_year_count(day: date) -> None:
    assert day.weekday() < 5
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2027, 2, 9),  # the package's guessed 补假 for 春节 on the weekend
        date(2027, 2, 10),
        date(2027, 5, 3),  # guessed 补假 for 劳动节 on Sat/Sun
        date(2027, 5, 4),
        date(2027, 10, 4),  # guessed 补假 for 国庆 on Sat/Sun
        date(2027, 10, 5),
    ],
)
def test_guessed_substitute_days_of_an_uncarried_year_are_working_days(day: date) -> None:
    assert is_working_day(day)


def test_an_uncarried_year_has_no_make_up_working_days() -> None:
    day = date(2027, 1, 2)
    while day.year == 2027:
        assert not is_working_day(day), day
        day += dt.timedelta(days=7)  # every Saturday
    assert not any(d.kind == WORKING_DAY for d in package_days(2027))


def test_beyond_the_package_range_plain_weekdays() -> None:
    assert is_working_day(date(2201, 1, 1))  # a Monday
    assert write_off_deadline(date(2200, 12, 29)) == date(2201, 1, 12)
    assert package_days(2201) == []


def test_package_days_of_a_year_it_carries_and_one_it_does_not() -> None:
    days_2026 = {d.day: d for d in package_days(2026)}
    assert days_2026[date(2026, 1, 1)].kind == DAY_OFF and days_2026[date(2026, 1, 1)].name == "元旦"
    assert days_2026[date(2026, 1, 4)].kind == WORKING_DAY  # 补班
    assert date(2026, 10, 5) in days_2026  # the notice's 补假, official
    days_2027 = {d.day: d.name for d in package_days(2027)}
    assert days_2027[date(2027, 1, 1)] == "元旦" and days_2027[date(2027, 2, 5)] == "农历除夕"
    assert date(2027, 2, 9) not in days_2027  # a guessed substitute day is not shown as counted


def test_provisional_is_the_years_without_a_complete_schedule() -> None:
    assert not deadline_is_provisional(date(2026, 12, 31))
    assert not deadline_is_provisional(date(2001, 1, 2))
    assert deadline_is_provisional(date(2027, 1, 4))
    assert deadline_is_provisional(date(2100, 6, 1))
    assert deadline_is_provisional(date(1999, 6, 1))  # before the package's first notice


# ---------------------------------------------------------------- the office's entries


def test_entries_override_the_package_and_marking_ends_provisional(django_user_model) -> None:
    officer = django_user_model.objects.create_user("officer")
    assert write_off_deadline(LEFT) == date(2027, 1, 4)
    work_calendar_day_set(day=date(2027, 1, 4), kind=DAY_OFF, note="元旦调休", user=officer)
    assert not is_working_day(date(2027, 1, 4))
    assert write_off_deadline(LEFT) == date(2027, 1, 5)
    work_calendar_day_set(day=date(2027, 1, 3), kind=WORKING_DAY, note="元旦调休上班", user=officer)
    assert is_working_day(date(2027, 1, 3))  # a Sunday
    assert write_off_deadline(LEFT) == date(2027, 1, 3)
    # an entry overrides a year the package carries, too
    work_calendar_day_set(day=date(2026, 12, 31), kind=DAY_OFF, user=officer)
    assert write_off_deadline(LEFT) == date(2027, 1, 5)
    work_calendar_day_remove(day=date(2026, 12, 31), user=officer)
    work_calendar_day_remove(day=date(2027, 1, 3), user=officer)
    work_calendar_day_remove(day=date(2027, 1, 4), user=officer)
    assert write_off_deadline(LEFT) == date(2027, 1, 4)
    assert deadline_is_provisional(date(2027, 1, 4))
    work_calendar_year_mark(year=2027, complete=True, note="国办发明电〔2026〕1号", user=officer)
    assert not deadline_is_provisional(date(2027, 1, 4))
    assert deadline_is_provisional(date(2028, 1, 4))
    work_calendar_year_mark(year=2027, complete=False, user=officer)
    assert deadline_is_provisional(date(2027, 1, 4))


def test_an_entry_may_turn_a_day_into_a_working_day_and_back(django_user_model) -> None:
    work_calendar_day_set(day=date(2027, 1, 1), kind=WORKING_DAY)
    assert is_working_day(date(2027, 1, 1))
    work_calendar_day_set(day=date(2027, 1, 1), kind=DAY_OFF)  # changed in place
    assert not is_working_day(date(2027, 1, 1))
    assert WorkCalendarDay.objects.get().kind == DAY_OFF


def test_every_change_is_logged_with_who_before_and_after(django_user_model) -> None:
    officer = django_user_model.objects.create_user("officer")
    work_calendar_day_set(day=date(2027, 1, 4), kind=DAY_OFF, note="元旦", user=officer, origin="10.0.0.1")
    work_calendar_day_set(day=date(2027, 1, 4), kind=WORKING_DAY, note="元旦", user=officer)
    work_calendar_day_remove(day=date(2027, 1, 4), user=officer)
    records = list(ChangeRecord.objects.filter(entity="工作日历", key="2027-01-04").order_by("pk"))
    assert [r.action for r in records] == ["create", "update", "delete"]
    assert records[0].before is None
    assert records[0].after == {"日期": "2027-01-04", "类型": "休息日（法定节假日）", "说明": "元旦"}
    assert records[1].before["类型"] == "休息日（法定节假日）" and records[1].after["类型"] == "调休上班"
    assert records[2].before["类型"] == "调休上班" and records[2].after is None
    assert all(r.change_set.user == officer for r in records)
    assert records[0].change_set.origin == "10.0.0.1" and records[0].change_set.created_at is not None

    work_calendar_year_mark(year=2027, complete=True, note="国办发明电〔2026〕1号", user=officer)
    work_calendar_year_mark(year=2027, complete=False, user=officer)
    marks = list(ChangeRecord.objects.filter(entity="工作日历年度", key="2027").order_by("pk"))
    assert [m.action for m in marks] == ["create", "update"]
    assert marks[0].after == {"年份": 2027, "已录入完整": True, "说明": "国办发明电〔2026〕1号"}
    assert marks[1].before["已录入完整"] is True and marks[1].after["已录入完整"] is False


def test_an_unchanged_entry_writes_nothing() -> None:
    work_calendar_day_set(day=date(2027, 1, 4), kind=DAY_OFF, note="元旦")
    work_calendar_year_mark(year=2027, complete=True)
    sets = ChangeSet.objects.count()
    work_calendar_day_set(day=date(2027, 1, 4), kind=DAY_OFF, note="元旦")
    work_calendar_year_mark(year=2027, complete=True)
    work_calendar_year_mark(year=2028, complete=False)  # not marked: nothing to undo
    assert ChangeSet.objects.count() == sets
    assert not WorkCalendarYear.objects.filter(year=2028).exists()


def test_bad_entries_are_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="类型"):
        work_calendar_day_set(day=date(2027, 1, 4), kind="holiday")
    with pytest.raises(ValueError, match="没有 2027-01-04 的条目"):
        work_calendar_day_remove(day=date(2027, 1, 4))
    with pytest.raises(ValueError, match="超出范围"):
        work_calendar_year_mark(year=2300, complete=True)
    assert not ChangeRecord.objects.filter(entity__startswith="工作日历").exists()


# ---------------------------------------------------------------- the per-process cache


def test_warm_calls_query_nothing(django_assert_num_queries) -> None:
    work_calendar_day_set(day=date(2027, 1, 4), kind=DAY_OFF)
    assert write_off_deadline(LEFT) == date(2027, 1, 5)
    with django_assert_num_queries(0):
        for _ in range(1000):
            assert write_off_deadline(LEFT) == date(2027, 1, 5)
            assert deadline_is_provisional(date(2027, 1, 5))


def test_another_processs_change_is_read_within_the_reload_interval(monkeypatch) -> None:
    assert write_off_deadline(LEFT) == date(2027, 1, 4)  # snapshot taken
    # Another process writes (here: straight to the table, bypassing this process's services).
    WorkCalendarDay.objects.create(day=date(2027, 1, 4), kind=DAY_OFF)
    WorkCalendarYear.objects.create(year=2027, complete=True)
    assert write_off_deadline(LEFT) == date(2027, 1, 4)  # still the snapshot
    later = workdays.time.monotonic() + workdays.RELOAD_SECONDS + 1
    monkeypatch.setattr(workdays.time, "monotonic", lambda: later)
    assert write_off_deadline(LEFT) == date(2027, 1, 5)
    assert not deadline_is_provisional(date(2027, 1, 5))


def test_a_rolled_back_change_does_not_linger(monkeypatch) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        work_calendar_day_set(day=date(2027, 1, 4), kind=DAY_OFF)
        assert write_off_deadline(LEFT) == date(2027, 1, 5)  # seen inside its transaction
        raise RuntimeError("rolled back")
    assert not WorkCalendarDay.objects.exists()
    later = workdays.time.monotonic() + workdays.RELOAD_SECONDS + 1
    monkeypatch.setattr(workdays.time, "monotonic", lambda: later)
    assert write_off_deadline(LEFT) == date(2027, 1, 4)


# ---------------------------------------------------------------- stored deadlines and late_write_off


@pytest.fixture
def leaver(load) -> dict:
    person = person_row("A", status="调出", 离编日期=LEFT)
    load({"机构": [unit_row("A")], "人员": [person]})
    return person


def stored(person: dict) -> set[date]:
    return set(
        PersonVersion.objects.filter(person__id_number=person["身份证号"]).values_list("write_off_deadline", flat=True)
    )


def late_write_offs(day: date) -> list[dict]:
    return [a for a in alerts_evaluate(as_of=day) if a["rule"] == "late_write_off"]


def test_a_leaver_before_new_year_2027_gets_the_deadline_after_new_year(leaver) -> None:
    assert stored(leaver) == {date(2027, 1, 4)}


def test_recompute_brings_stored_deadlines_in_line(leaver, django_user_model) -> None:
    officer = django_user_model.objects.create_user("officer")
    # What the code before this change stored: 元旦 2027 counted as a working day.
    PersonVersion.objects.filter(left_on=LEFT).update(write_off_deadline=date(2027, 1, 1))
    assert recompute_write_off_deadlines({2025}) == 0  # cannot reach the changed year
    assert stored(leaver) == {date(2027, 1, 1)}
    assert recompute_write_off_deadlines({2027}, user=officer) == 1
    assert stored(leaver) == {date(2027, 1, 4)}
    record = ChangeRecord.objects.get(entity="人员", key=leaver["身份证号"], change_set__reason__contains="工作日历")
    assert record.before == {"离编生效日期": "2026-12-18", "核销期限": "2027-01-01"}
    assert record.after == {"离编生效日期": "2026-12-18", "核销期限": "2027-01-04"}
    assert record.change_set.user == officer
    sets = ChangeSet.objects.count()
    assert recompute_write_off_deadlines({2027}) == 0  # nothing stale: nothing written, not even a change set
    assert ChangeSet.objects.count() == sets

    work_calendar_day_set(day=date(2027, 1, 4), kind=DAY_OFF)
    assert recompute_write_off_deadlines({2027}) == 1
    assert stored(leaver) == {date(2027, 1, 5)}
    work_calendar_day_remove(day=date(2027, 1, 4))
    assert recompute_write_off_deadlines(None) == 1  # every year
    assert stored(leaver) == {date(2027, 1, 4)}


def test_recompute_is_set_based(leaver, load, django_assert_max_num_queries) -> None:
    others = [person_row("A", status="调出", 离编日期=LEFT) for _ in range(20)]
    load({"机构": [unit_row("A")], "人员": [leaver, *others]})
    work_calendar_day_set(day=date(2027, 1, 4), kind=DAY_OFF)
    # one distinct day: a select, the log, one UPDATE; the change log's chain adds its last link and the
    # digest (and its lock on PostgreSQL)
    with django_assert_max_num_queries(18):
        assert recompute_write_off_deadlines({2027}) == 21
    assert PersonVersion.objects.filter(left_on=LEFT).exclude(write_off_deadline=date(2027, 1, 5)).count() == 0


def test_late_write_off_is_provisional_in_2027(leaver) -> None:
    assert late_write_offs(date(2027, 1, 4)) == []  # the deadline day itself (was an alert before)
    [alert] = late_write_offs(date(2027, 1, 5))
    assert set(alert) == {"rule", "severity", "message", "unit", "person", "left", "deadline", "provisional"}
    assert alert["provisional"] is True
    assert (alert["unit"], alert["person"], alert["left"], alert["deadline"]) == (
        "A",
        leaver["身份证号"],
        "2026-12-18",
        "2027-01-04",
    )
    assert "应于 2027-01-04（暂定）前核销编制" in alert["message"]


def test_marking_2027_complete_ends_provisional_in_the_alert(leaver) -> None:
    work_calendar_year_mark(year=2027, complete=True)
    [alert] = late_write_offs(date(2027, 1, 5))
    assert "provisional" not in alert
    assert "暂定" not in alert["message"] and "应于 2027-01-04 前核销编制" in alert["message"]


def test_an_entry_moves_the_alert_once_deadlines_are_recomputed(leaver) -> None:
    work_calendar_day_set(day=date(2027, 1, 4), kind=DAY_OFF)
    recompute_write_off_deadlines({2027})
    assert late_write_offs(date(2027, 1, 5)) == []
    [alert] = late_write_offs(date(2027, 1, 6))
    assert alert["deadline"] == "2027-01-05" and alert["provisional"] is True


def test_a_2026_deadline_is_not_provisional(load) -> None:
    person = person_row("A", status="调出", 离编日期=date(2026, 3, 2))
    load({"机构": [unit_row("A")], "人员": [person]})
    [alert] = late_write_offs(date(2026, 3, 17))
    assert "provisional" not in alert and "暂定" not in alert["message"]


def test_monitor_json_carries_provisional(leaver, capsys) -> None:
    call_command("monitor", "--as-of", "2027-01-05", "--json")
    document = json.loads(capsys.readouterr().out)
    [alert] = [a for a in document["alerts"] if a["rule"] == "late_write_off"]
    assert alert["provisional"] is True and "（暂定）" in alert["message"]
    assert alert["deadline"] == "2027-01-04" and alert["left"] == "2026-12-18"
