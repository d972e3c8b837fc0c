"""The alerts page, the unit colours and ``GET /api/v1/alerts`` all show the current alerts of
the day (domain.md §4): the latest full run with the later partial runs laid over it."""

from __future__ import annotations

import pytest
from conftest import REGISTER_DAY, person_row
from django.test import Client

from bianzhi.registry.services import rows_import
from bianzhi.supervision.services import monitoring_run

pytestmark = pytest.mark.django_db
DAY = REGISTER_DAY.isoformat()


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def overstaffed_a(register, personas):
    """A (行政编制 5 + a loan of 1) gets six more people after the day's full run, and a partial run
    re-evaluates it: A is now over its staffing."""
    rows_import(sheets={"人员": [person_row("A") for _ in range(6)]}, source="api")
    partial, _ = monitoring_run(as_of=REGISTER_DAY, units=[register["units"]["A"].pk])
    return partial


def test_the_alerts_page_lays_the_partial_run_over_the_full_run(personas, register, overstaffed_a):
    response = client_for(personas["leader"]).get(f"/alerts/?as_of={DAY}")
    alerts = response.context["alerts"]
    assert alerts.run == register["run"] and alerts.partial_runs == [overstaffed_a]
    rows = response.context["tables"]["alerts"].page.object_list
    assert ("over_staffing", "A") in {(r["rule"], r["unit"]) for r in rows}
    text = response.content.decode()
    assert f"来自第 {register['run'].pk} 次监测运行" in text
    assert f"#{overstaffed_a.pk}" in text


def test_the_unit_colours_follow_the_current_alerts(personas, overstaffed_a):
    client = client_for(personas["admin"])
    rows = client.get(f"/units/?as_of={DAY}").context["tables"]["units"].page.object_list
    assert {r["code"]: r["colour"] for r in rows}["A"] == "red"
    assert client.get(f"/units/A/?as_of={DAY}").context["unit_colour"] == "red"


def test_the_api_lists_the_same_current_alerts(personas, register, overstaffed_a, api):
    admin = personas["admin"]
    page = api(admin, "GET", f"/alerts?as_of={DAY}&limit=200").json()
    assert page["run"] == register["run"].pk and page["partial_runs"] == [overstaffed_a.pk]
    assert page["evaluated"] is False
    web = client_for(admin).get(f"/alerts/?as_of={DAY}").context["tables"]["alerts"]
    assert page["total"] == web.count
    assert ("over_staffing", "A", overstaffed_a.pk) in {(a["rule"], a["unit"], a["run"]) for a in page["items"]}
    # The latest run's day is the default day.
    assert api(admin, "GET", "/alerts").json()["partial_runs"] == [overstaffed_a.pk]


def test_the_api_evaluates_on_the_spot_without_a_full_run(personas, api):
    page = api(personas["admin"], "GET", "/alerts?as_of=2025-12-31").json()
    assert page["evaluated"] is True and page["run"] is None and page["as_of"] == "2025-12-31"
    assert page["items"] and {(a["id"], a["run"]) for a in page["items"]} == {(None, None)}


def test_the_runs_say_what_they_covered(personas, register, overstaffed_a, api):
    runs = {r["id"]: r for r in api(personas["leader"], "GET", "/alerts/runs").json()["items"]}
    assert (runs[register["run"].pk]["full"], runs[register["run"].pk]["units"]) == (True, [])
    assert (runs[overstaffed_a.pk]["full"], runs[overstaffed_a.pk]["units"]) == (False, ["A"])
