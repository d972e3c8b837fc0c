"""Alert history across runs (domain.md §4, issue 15): an alert appears with the first run that
finds it, persists while later runs keep finding it, and clears with the first later run covering
it without it — full runs and partial (per-unit) runs alike. Also the background and scheduled runs."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.registry.models import Unit
from bianzhi.registry.services import rows_import
from bianzhi.supervision import scheduler
from bianzhi.supervision.history import tracks_for
from bianzhi.supervision.models import AlertTrack, MonitoringRun
from bianzhi.supervision.services import monitoring_run

D1, D2, D3, D4 = dt.date(2026, 6, 28), dt.date(2026, 6, 29), dt.date(2026, 6, 30), dt.date(2026, 7, 1)
Q = dt.date(2026, 1, 1)  # the effective day of a quota change in these tests
pytestmark = pytest.mark.django_db


@pytest.fixture
def district(load):
    """A, B and C in one division whose 党政机构 limit is 2 (over by one); B over its quota."""
    load(
        {
            "机构": [unit_row("A"), unit_row("B"), unit_row("C")],
            "编制": [
                {"机构代码": "A", "编制类型": "行政编制", "核定数": 1},
                {"机构代码": "B", "编制类型": "行政编制", "核定数": 1},
            ],
            "限额": [{"区划代码": "330602", "限额类别": "党政机构", "限额数": 2}],
            "人员": [person_row("A"), person_row("B"), person_row("B")],
        }
    )
    return dict(Unit.objects.values_list("code", "id"))


def tracks() -> list[tuple]:
    return [
        (t.rule, t.unit_code or t.region, t.first_seen_on, t.last_seen_on, t.cleared_on)
        for t in AlertTrack.objects.order_by("rule", "unit_code", "region", "first_seen_on")
    ]


def test_an_alert_appears_persists_and_clears_across_full_runs(district):
    first, _ = monitoring_run(as_of=D1)
    assert tracks() == [
        ("over_limit", "330602", D1, D1, None),
        ("over_staffing", "B", D1, D1, None),
    ]
    second, _ = monitoring_run(as_of=D2)
    assert tracks() == [
        ("over_limit", "330602", D1, D2, None),
        ("over_staffing", "B", D1, D2, None),
    ]
    rows_import(sheets={"编制": [{"机构代码": "B", "编制类型": "行政编制", "核定数": 2}]}, source="api", effective=Q)
    third, _ = monitoring_run(as_of=D3)
    assert tracks() == [
        ("over_limit", "330602", D1, D3, None),
        ("over_staffing", "B", D1, D2, D3),
    ]
    track = AlertTrack.objects.get(rule="over_staffing")
    assert (track.first_seen_run, track.last_seen_run, track.cleared_run) == (first, second, third)
    assert not track.open and track.data["excess"] == 1 and track.person == ""
    assert all(run.tracked for run in MonitoringRun.objects.all())


def test_an_alert_that_comes_back_opens_a_new_track(district):
    monitoring_run(as_of=D1)
    rows_import(sheets={"编制": [{"机构代码": "B", "编制类型": "行政编制", "核定数": 2}]}, source="api", effective=Q)
    monitoring_run(as_of=D2)
    rows_import(sheets={"人员": [person_row("B")]}, source="api")
    monitoring_run(as_of=D3)
    assert [t for t in tracks() if t[0] == "over_staffing"] == [
        ("over_staffing", "B", D1, D1, D2),
        ("over_staffing", "B", D3, D3, None),
    ]
    # the track an alert list shows for a day: the one in force that day
    print_ = AlertTrack.objects.filter(rule="over_staffing").first().fingerprint
    assert tracks_for([print_], D1)[print_].cleared_on == D2
    assert print_ not in tracks_for([print_], D2)
    assert tracks_for([print_], D4)[print_].first_seen_on == D3


def test_a_partial_run_clears_only_what_it_covered(district):
    monitoring_run(as_of=D1)
    rows_import(sheets={"人员": [person_row("A")]}, source="api")  # A over its quota too
    monitoring_run(as_of=D2, units=[district["A"]])
    assert tracks() == [
        ("over_limit", "330602", D1, D2, None),  # A's division: the partial run reached it
        ("over_staffing", "A", D2, D2, None),
        ("over_staffing", "B", D1, D1, None),  # not covered: still open, not seen again
    ]
    # B back within its quota; a partial run about A alone leaves B's alert open
    rows_import(sheets={"编制": [{"机构代码": "B", "编制类型": "行政编制", "核定数": 2}]}, source="api", effective=Q)
    monitoring_run(as_of=D3, units=[district["A"]])
    assert ("over_staffing", "B", D1, D1, None) in tracks()
    # the partial run about B clears it
    monitoring_run(as_of=D3, units=[district["B"]])
    assert ("over_staffing", "B", D1, D1, D3) in tracks()


def test_a_partial_run_clears_a_division_alert_it_reached(district):
    monitoring_run(as_of=D1)
    Unit.objects.filter(code="C").update(abolished=dt.date(2026, 6, 1))
    monitoring_run(as_of=D2, units=[district["C"]])
    assert ("over_limit", "330602", D1, D1, D2) in tracks()
    assert ("over_staffing", "B", D1, D1, None) in tracks()


def test_a_run_as_of_an_earlier_day_leaves_the_history_alone(district):
    monitoring_run(as_of=D3)
    rows_import(sheets={"编制": [{"机构代码": "B", "编制类型": "行政编制", "核定数": 2}]}, source="api", effective=Q)
    past, _ = monitoring_run(as_of=D1)
    assert not past.tracked
    assert ("over_staffing", "B", D3, D3, None) in tracks()
    same_day, _ = monitoring_run(as_of=D3)
    assert same_day.tracked and ("over_staffing", "B", D3, D3, D3) in tracks()


def test_a_changed_message_is_kept_on_the_open_track(district):
    monitoring_run(as_of=D1)
    rows_import(sheets={"人员": [person_row("B")]}, source="api")
    monitoring_run(as_of=D2)
    track = AlertTrack.objects.get(rule="over_staffing", cleared_run__isnull=True)
    assert (track.first_seen_on, track.data["excess"]) == (D1, 2)
    assert "2" in track.message


# ---------------------------------------------------------------- the scheduler


def test_the_next_run_time_is_today_or_tomorrow_at_the_configured_time():
    tz = dt.timezone(dt.timedelta(hours=8))
    at = dt.time(1, 15)
    assert scheduler.next_run_at(dt.datetime(2026, 6, 30, 0, 30, tzinfo=tz), at) == dt.datetime(
        2026, 6, 30, 1, 15, tzinfo=tz
    )
    assert scheduler.next_run_at(dt.datetime(2026, 6, 30, 1, 15, tzinfo=tz), at) == dt.datetime(
        2026, 7, 1, 1, 15, tzinfo=tz
    )
    assert scheduler.next_run_at(dt.datetime(2026, 12, 31, 23, 0, tzinfo=tz), at) == dt.datetime(
        2027, 1, 1, 1, 15, tzinfo=tz
    )


@pytest.mark.parametrize(
    ("text", "expected"), [("01:15", dt.time(1, 15)), ("23:59", dt.time(23, 59)), (" 7:05 ", dt.time(7, 5))]
)
def test_the_monitoring_time_is_read_from_the_setting(text, expected):
    assert scheduler.parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "1:60", "noon", "", "01:15:00"])
def test_a_bad_monitoring_time_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="BIANZHI_MONITOR_AT"):
        scheduler.parse_time(text)


def test_the_daily_work_runs_monitoring_and_every_registered_function(district, monkeypatch):
    called: list[dt.date] = []
    monkeypatch.setattr(scheduler, "_DAILY", [])

    def escalate() -> None:
        called.append(D3)

    def broken() -> None:
        raise RuntimeError("boom")

    scheduler.register_daily(escalate)
    scheduler.register_daily(broken)
    scheduler.register_daily(escalate)  # once only
    report = scheduler.daily_run(day=D3)
    run = MonitoringRun.objects.get()
    assert (run.as_of, run.full, run.tracked) == (D3, True, True)
    assert called == [D3]
    assert report.run == run.pk and report.alerts == 2
    assert report.done == [escalate.__qualname__]
    assert report.failures == [(broken.__qualname__, "RuntimeError: boom")]


def test_a_background_run_is_a_task(district, settings):
    from bianzhi.supervision.tasks import run_monitoring

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    result = run_monitoring.enqueue(D2.isoformat())
    assert result.return_value is not None
    run = MonitoringRun.objects.get(pk=result.return_value)
    assert (run.as_of, run.full, run.alert_count) == (D2, True, 2)


def test_the_scheduler_command_does_the_days_work_once(district, monkeypatch, capsys):
    from django.core.management import call_command

    from bianzhi.core.dates import today

    monkeypatch.setattr(scheduler, "_DAILY", [])
    call_command("scheduler", "--once")
    run = MonitoringRun.objects.get()
    assert (run.as_of, run.full) == (today(), True)
    assert f"运行 #{run.pk}" in capsys.readouterr().out


def test_a_bad_monitoring_time_stops_the_scheduler_command(monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    monkeypatch.setenv("BIANZHI_MONITOR_AT", "25:00")
    with pytest.raises(CommandError, match="BIANZHI_MONITOR_AT"):
        call_command("scheduler", "--once")


def test_a_missed_run_is_made_up_when_the_scheduler_starts_late(district):
    tz = dt.timezone(dt.timedelta(hours=8))
    at = dt.time(1, 15)
    assert not scheduler.missed_today(dt.datetime(2026, 6, 30, 1, 0, tzinfo=tz), at)
    assert scheduler.missed_today(dt.datetime(2026, 6, 30, 9, 0, tzinfo=tz), at)
    monitoring_run(as_of=D3)
    assert not scheduler.missed_today(dt.datetime(2026, 6, 30, 9, 0, tzinfo=tz), at)
