"""domain.md §11: what a masked role may learn — the primitives every door uses (bianzhi.accounts.privacy)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from bianzhi.accounts.models import IdNumberLookup, Role, RoleGrant
from bianzhi.accounts.privacy import (
    LookupLimitExceeded,
    person_pk,
    person_ref,
    record_full_number_search,
    shown_age,
    shown_month,
    shown_text,
)

NUMBER = "330602198610050017"


def test_masked_age_does_not_move_within_a_year() -> None:
    birth = dt.date(1986, 10, 5)
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(365)]
    assert {shown_age(birth, d, whole=False) for d in days} == {39}
    assert {shown_age(birth, d, whole=True) for d in days} == {39, 40}
    assert shown_age(birth, dt.date(2026, 10, 4), whole=True) == 39
    assert shown_age(birth, dt.date(2026, 10, 5), whole=True) == 40


def test_retirement_month_is_a_year_when_masked() -> None:
    assert shown_month(dt.date(2046, 10, 1), whole=True) == "2046-10"
    assert shown_month(dt.date(2046, 10, 1), whole=False) == "2046"
    assert shown_month(None, whole=False) == ""


def test_reasons_that_quote_a_number_are_masked() -> None:
    text = f"调入 {NUMBER}，另见 33060219861005001x 与电话 13900000000"
    assert shown_text(text, whole=True) == text
    assert shown_text(text, whole=False) == "调入 330602********0017，另见 330602********001X 与电话 13900000000"
    # a longer run of digits is not an ID number
    assert shown_text("1234567890123456789012", whole=False) == "1234567890123456789012"


def test_person_refs_are_opaque_and_reversible() -> None:
    refs = [person_ref(pk) for pk in range(1, 200)]
    assert len(set(refs)) == 199
    assert all(len(r) == 26 and r.isalnum() and r == r.lower() for r in refs)
    assert [person_pk(r) for r in refs] == list(range(1, 200))
    # consecutive people do not get neighbouring or ordered refs
    assert refs != sorted(refs)
    assert person_pk("a" * 26) is None
    assert person_pk(NUMBER) is None
    assert person_pk("") is None
    with override_settings(SECRET_KEY="another-key-for-another-installation"):
        assert person_ref(1) != refs[0]


@pytest.mark.django_db
@override_settings(ID_LOOKUP_LIMIT=3)
def test_full_number_searches_by_masked_roles_are_limited_and_logged() -> None:
    users = get_user_model().objects
    leader = users.create_user("leader", password="x")
    RoleGrant.objects.create(user=leader, role=Role.LEADER)
    officer = users.create_user("officer", password="x")
    RoleGrant.objects.create(user=officer, role=Role.OFFICER)

    record_full_number_search(leader, "张三", door="/people/")  # a name is no number: not counted
    for _ in range(3):
        record_full_number_search(leader, NUMBER, door="/api/v1/people", origin="10.0.0.9")
    with pytest.raises(LookupLimitExceeded, match="每小时最多 3 次"):
        record_full_number_search(leader, NUMBER.lower(), door="/api/v1/people")
    rows = list(IdNumberLookup.objects.filter(user=leader).order_by("id").values_list("number", "refused", "origin"))
    assert rows == [(NUMBER, False, "10.0.0.9")] * 3 + [(NUMBER, True, "")]

    for _ in range(5):  # an officer sees every number whole: nothing to guess, nothing counted
        record_full_number_search(officer, NUMBER, door="/people/")
    assert not IdNumberLookup.objects.filter(user=officer).exists()
