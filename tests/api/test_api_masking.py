"""ID numbers (domain.md §11): whole for administrators, staffing officers and the HR officer of the
person's own unit subtree; masked (330602********123X) for everyone else — in people, alerts,
forecasts and the change log. A search by a full ID number finds the person for anyone allowed to
see the person; part of a number finds nobody."""

from __future__ import annotations

import pytest
from conftest import NAMES, PA, PB_MIXED, PB_OLD

from bianzhi.accounts.permissions import mask_id_number

pytestmark = pytest.mark.django_db


def _people(api, persona, query: str = "") -> dict[str, dict]:
    items = api(persona, "GET", f"/people?limit=100{query}").json()["items"]
    return {p["name"]: p for p in items}


@pytest.mark.parametrize("name", ["admin", "officer"])
def test_staffing_office_sees_whole_numbers_and_birth_dates(register, personas, api, name):
    person = _people(api, personas[name])[NAMES["PB_OLD"]]
    assert person["id_number"] == PB_OLD["身份证号"] and not person["id_number_masked"]
    assert person["birth_date"] == PB_OLD["出生日期"].isoformat()


@pytest.mark.parametrize("name", ["leader", "inspector", "auditor"])
def test_read_only_roles_see_masked_numbers_and_no_birth_date(register, personas, api, name):
    person = _people(api, personas[name])[NAMES["PA"]]
    assert person["id_number"] == mask_id_number(PA["身份证号"]) and person["id_number_masked"]
    assert person["id_number"][6:14] == "********"
    assert person["birth_date"] is None and person["age"] > 0


def test_hr_officer_sees_whole_numbers_of_its_own_subtree(register, personas, api):
    people = _people(api, personas["hr_a"])
    assert set(people) == {NAMES["PA"], NAMES["PAS"]}
    assert not any(p["id_number_masked"] for p in people.values())


def test_search_by_full_id_number_finds_the_person_for_whoever_may_see_them(register, personas, api):
    for name in ("admin", "leader", "auditor"):
        found = api(personas[name], "GET", f"/people?q={PA['身份证号']}").json()["items"]
        assert [p["name"] for p in found] == [NAMES["PA"]], name
    lower_x = api(personas["leader"], "GET", f"/people?q={PA['身份证号'].lower()}").json()
    assert lower_x["total"] == 1
    detail = api(personas["leader"], "GET", f"/people/{PA['身份证号']}")
    assert detail.status_code == 200 and detail.json()["id_number_masked"]
    # part of a number finds nobody, so a masked number cannot be guessed digit by digit
    assert api(personas["leader"], "GET", f"/people?q={PA['身份证号'][:10]}").json()["total"] == 0
    # an HR officer of another unit does not find the person at all
    assert api(personas["hr_b"], "GET", f"/people?q={PA['身份证号']}").json()["total"] == 0
    assert api(personas["hr_b"], "GET", f"/people/{PA['身份证号']}").status_code == 404
    # a search by name
    assert [p["name"] for p in api(personas["leader"], "GET", "/people?q=赵").json()["items"]] == [NAMES["PB_MIXED"]]


def test_alerts_mask_numbers_in_keys_and_messages(register, personas, api):
    number = PB_MIXED["身份证号"]

    def mixed(persona):
        items = api(persona, "GET", "/alerts/evaluate?as_of=2026-06-30&rule=mixed_staffing").json()["items"]
        return next(a for a in items if a["unit"] == "B")

    whole = mixed(personas["officer"])
    assert whole["person"] == number and number in whole["message"]
    masked = mixed(personas["leader"])
    assert masked["person"] == mask_id_number(number)
    assert number not in masked["message"] and mask_id_number(number) in masked["message"]
    assert mixed(personas["hr_b"])["person"] == number
    stored = api(personas["inspector"], "GET", "/alerts?rule=mixed_staffing").json()["items"]
    assert stored and all(number not in str(a) for a in stored)


def test_forecast_masks_numbers_per_role(register, personas, api):
    # PB_OLD is on staff past retirement: retirements of 2020 are in a long window from 2019.
    path = "/forecasts/retirements?start=2019-01&months=24"
    whole = api(personas["officer"], "GET", path).json()["items"]
    masked = api(personas["leader"], "GET", path).json()["items"]
    assert [r["person"] for r in whole] == [PB_OLD["身份证号"]]
    assert [r["person"] for r in masked] == [mask_id_number(PB_OLD["身份证号"])]
    assert masked[0]["name"] == NAMES["PB_OLD"]
    assert api(personas["hr_a"], "GET", path).json()["items"] == []


def test_change_log_masks_numbers_and_birth_dates_for_the_auditor(register, personas, api):
    from bianzhi.core.models import ChangeSet

    first_import = ChangeSet.objects.order_by("id").first()
    path = f"/changes/{first_import.pk}/records?entity=人员&limit=100"
    whole = api(personas["admin"], "GET", path).json()["items"]
    audited = api(personas["auditor"], "GET", path).json()["items"]
    assert {r["key"] for r in whole} == {p["身份证号"] for p in register["people"].values()}
    assert {r["key"] for r in audited} == {mask_id_number(p["身份证号"]) for p in register["people"].values()}
    for record in audited:
        text = str(record)
        assert not any(p["身份证号"] in text for p in register["people"].values())
        assert record["after"]["出生日期"] == "****-**-**"
    by_key = api(personas["auditor"], "GET", f"/changes/{first_import.pk}/records?key={PA['身份证号']}").json()
    assert by_key["total"] == 1 and by_key["items"][0]["key"] == mask_id_number(PA["身份证号"])
