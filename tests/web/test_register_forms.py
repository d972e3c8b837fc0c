"""Forms for the daily changes (issue 16): a staffing officer changes one quota, one position count,
one unit's attributes, records a turnover loan or its return, or corrects one person — through the
import's own rules, effective dating and change log (user, address, reason, 文号, source 网页)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import NAMES, PEOPLE
from django.test import Client

from bianzhi.accounts.privacy import person_ref
from bianzhi.core.dates import today
from bianzhi.core.models import ChangeSet
from bianzhi.registry.models import Person, PersonVersion, PositionQuota, StaffingQuota, TurnoverLoan, UnitVersion

pytestmark = pytest.mark.django_db
REASON = "根据编委会会议纪要调整"
DOC = "区编委〔2026〕12号"


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def meta(**extra) -> dict:
    return {"effective": today().isoformat(), "reason": REASON, "document_number": DOC, **extra}


def current(model, **filters):
    return model.objects.filter(model.as_of(today()), **filters).get()


def assert_logged(change_set_id: int, persona) -> ChangeSet:
    change_set = ChangeSet.objects.get(pk=change_set_id)
    assert change_set.reason == REASON
    assert change_set.document_number == DOC
    assert change_set.user == persona.user
    assert change_set.source == "web"
    assert change_set.origin == "127.0.0.1"
    assert change_set.effective == today()
    return change_set


def saved_change_set(response) -> int:
    messages = [str(m) for m in response.context["messages"]] if response.context else []
    text = " ".join(messages) or response.content.decode()
    assert "变更批次 #" in text, text
    return int(text.split("变更批次 #")[1].split()[0].rstrip("）)"))


# ---------------------------------------------------------------- 编制


def test_the_unit_page_offers_the_forms_to_the_office_only(personas):
    text = client_for(personas["officer"]).get("/units/A/").content.decode()
    assert "/register/units/A/quota/?type=%E8%A1%8C%E6%94%BF%E7%BC%96%E5%88%B6" in text
    assert "/register/units/A/position/?category=" in text
    assert "/register/units/A/attributes/" in text
    assert "/register/units/A/loans/new/" in text
    loan = TurnoverLoan.objects.get(unit__code="A")
    assert f"/register/units/A/loans/{loan.pk}/return/" in text
    for name in ("leader", "hr_a", "auditor"):
        assert "/register/" not in client_for(personas[name]).get("/units/A/").content.decode()


def test_a_quota_change_is_stored_from_its_effective_date_and_logged(personas):
    client = client_for(personas["officer"])
    form = client.get("/register/units/A/quota/?type=行政编制")
    assert form.status_code == 200
    assert 'value="5"' in form.content.decode()  # the current approved number
    response = client.post("/register/units/A/quota/", meta(staffing_type="行政编制", approved="7"), follow=True)
    assert response.redirect_chain[-1][0] == f"/units/A/?as_of={today().isoformat()}"
    change_set = assert_logged(saved_change_set(response), personas["officer"])
    quota = current(StaffingQuota, unit__code="A", staffing_type="行政编制")
    assert quota.approved == 7 and quota.valid_from == today()
    record = change_set.records.get()
    assert record.after["核定数"] == 7 and record.before["核定数"] == 5
    # the day before keeps the old number
    old = StaffingQuota.objects.filter(StaffingQuota.as_of(today() - dt.timedelta(days=1)), unit__code="A").get()
    assert old.approved == 5


def test_a_new_staffing_type_is_created(personas):
    client = client_for(personas["officer"])
    response = client.post("/register/units/A/quota/", meta(staffing_type="工勤编制", approved="2"), follow=True)
    assert_logged(saved_change_set(response), personas["officer"])
    assert current(StaffingQuota, unit__code="A", staffing_type="工勤编制").approved == 2


def test_a_quota_on_an_internal_division_shows_the_import_error_and_stores_nothing(personas):
    before = ChangeSet.objects.count()
    response = client_for(personas["officer"]).post(
        "/register/units/A-01/quota/", meta(staffing_type="行政编制", approved="2")
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any("内设机构" in e for e in errors), errors
    assert not StaffingQuota.objects.filter(unit__code="A-01").exists()
    assert ChangeSet.objects.count() == before


def test_a_reason_is_required(personas):
    before = ChangeSet.objects.count()
    response = client_for(personas["officer"]).post(
        "/register/units/A/quota/", meta(staffing_type="行政编制", approved="7", reason="　 ")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert current(StaffingQuota, unit__code="A", staffing_type="行政编制").approved == 5
    assert ChangeSet.objects.count() == before


def test_backdating_is_refused_as_the_import_refuses_it(personas):
    client = client_for(personas["officer"])
    client.post("/register/units/A/quota/", meta(staffing_type="行政编制", approved="7"))
    earlier = (today() - dt.timedelta(days=10)).isoformat()
    before = ChangeSet.objects.count()
    response = client.post("/register/units/A/quota/", meta(staffing_type="行政编制", approved="8", effective=earlier))
    assert response.status_code == 200
    errors = response.context["form"].errors["approved"]
    assert any("不能倒签" in e for e in errors), errors
    assert current(StaffingQuota, unit__code="A", staffing_type="行政编制").approved == 7
    assert ChangeSet.objects.count() == before


@pytest.mark.parametrize("name", ["leader", "inspector", "auditor", "hr_a"])
def test_roles_that_may_not_change_the_register_are_refused(personas, name):
    client = client_for(personas[name])
    for url in (
        "/register/units/A/quota/",
        "/register/units/A/position/",
        "/register/units/A/attributes/",
        "/register/units/A/loans/new/",
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, meta(staffing_type="行政编制", approved="9")).status_code == 403
    assert current(StaffingQuota, unit__code="A", staffing_type="行政编制").approved == 5


def test_an_unknown_unit_is_not_found(personas):
    assert client_for(personas["officer"]).get("/register/units/NOPE/quota/").status_code == 404


def test_without_a_login_the_form_asks_for_one(personas):
    assert Client().get("/register/units/A/quota/").status_code == 302


# ---------------------------------------------------------------- 职数


def test_a_position_count_change_is_stored_and_logged(personas):
    client = client_for(personas["officer"])
    form = client.get("/register/units/A/position/?category=正职")
    assert 'value="1"' in form.content.decode()
    response = client.post("/register/units/A/position/", meta(category="副职", approved="2"), follow=True)
    assert_logged(saved_change_set(response), personas["officer"])
    assert current(PositionQuota, unit__code="A", category="副职").approved == 2


def test_a_negative_position_count_is_refused_on_the_field(personas):
    response = client_for(personas["officer"]).post("/register/units/A/position/", meta(category="正职", approved="-1"))
    assert response.context["form"].errors["approved"]
    assert current(PositionQuota, unit__code="A", category="正职").approved == 1


def test_a_missing_reason_is_refused_for_positions(personas):
    response = client_for(personas["officer"]).post(
        "/register/units/A/position/", meta(category="正职", approved="3", reason="")
    )
    assert "请填写变更理由" in response.content.decode()
    assert current(PositionQuota, unit__code="A", category="正职").approved == 1


# ---------------------------------------------------------------- 机构


def unit_data(**extra) -> dict:
    fields = {"name": "机构A", "credit_code": "", "rank": "正科级", "funding": "财政全额", "approved_divisions": "1"}
    return meta(**{**fields, **extra})


def test_a_unit_attribute_change_is_stored_and_logged(personas):
    client = client_for(personas["officer"])
    assert "机构A" in client.get("/register/units/A/attributes/").content.decode()
    response = client.post(
        "/register/units/A/attributes/", unit_data(priority_tags=["民生保障"], civil_servant_managed="on"), follow=True
    )
    assert_logged(saved_change_set(response), personas["officer"])
    version = current(UnitVersion, unit__code="A")
    assert (version.rank, version.funding, version.priority_tags, version.civil_servant_managed) == (
        "正科级",
        "财政全额",
        "民生保障",
        True,
    )
    assert version.valid_from == today()


def test_an_invalid_credit_code_shows_the_import_error_on_its_field(personas):
    before = ChangeSet.objects.count()
    response = client_for(personas["officer"]).post(
        "/register/units/A/attributes/", unit_data(credit_code="91330602ABC")
    )
    errors = response.context["form"].errors["credit_code"]
    assert errors and all(any("\u4e00" <= ch <= "\u9fff" for ch in e) for e in errors), errors
    assert current(UnitVersion, unit__code="A").credit_code == ""
    assert ChangeSet.objects.count() == before


# ---------------------------------------------------------------- 周转编制


def test_a_new_loan_is_recorded(personas):
    client = client_for(personas["officer"])
    data = meta(staffing_type="行政编制", quantity="2", start_date=today().isoformat(), due_date="2099-01-01")
    response = client.post("/register/units/A/loans/new/", data, follow=True)
    assert_logged(saved_change_set(response), personas["officer"])
    loan = TurnoverLoan.objects.get(unit__code="A", start_date=today())
    assert (loan.quantity, loan.due_date, loan.status) == (2, dt.date(2099, 1, 1), "使用中")


def test_a_loan_due_before_it_starts_shows_the_import_error_on_the_due_date(personas):
    before = ChangeSet.objects.count()
    data = meta(staffing_type="行政编制", quantity="2", start_date=today().isoformat(), due_date="2020-01-01")
    response = client_for(personas["officer"]).post("/register/units/A/loans/new/", data)
    assert response.context["form"].errors["due_date"]
    assert TurnoverLoan.objects.filter(unit__code="A").count() == 1
    assert ChangeSet.objects.count() == before


def test_a_loan_is_returned_with_its_return_date(personas):
    client = client_for(personas["officer"])
    loan = TurnoverLoan.objects.get(unit__code="A")
    url = f"/register/units/A/loans/{loan.pk}/return/"
    assert client.get(url).status_code == 200
    response = client.post(url, meta(returned_date=today().isoformat()), follow=True)
    assert_logged(saved_change_set(response), personas["officer"])
    stored = current(TurnoverLoan, unit__code="A")
    assert (stored.status, stored.returned_date) == ("已回收", today())


def test_a_return_date_in_the_future_is_refused(personas):
    loan = TurnoverLoan.objects.get(unit__code="A")
    response = client_for(personas["officer"]).post(
        f"/register/units/A/loans/{loan.pk}/return/", meta(returned_date="2099-01-01")
    )
    assert response.context["form"].errors["returned_date"]
    assert current(TurnoverLoan, unit__code="A").status == "使用中"


def test_another_units_loan_is_not_found_under_this_unit(personas):
    loan = TurnoverLoan.objects.get(unit__code="B")
    assert client_for(personas["officer"]).get(f"/register/units/A/loans/{loan.pk}/return/").status_code == 404


# ---------------------------------------------------------------- 人员


def person_url(key: str) -> str:
    person = Person.objects.get(id_number=PEOPLE[key]["身份证号"])
    return f"/register/people/{person_ref(person.pk)}/edit/"


def person_data(key: str, **extra) -> dict:
    version = current(PersonVersion, person__id_number=PEOPLE[key]["身份证号"])
    data = {
        "name": version.name,
        "category": version.category,
        "unit": version.unit.code,
        "staffing_type": version.staffing_type,
        "status": version.status,
        "position_category": version.position_category,
        "entry_date": version.entry_date.isoformat() if version.entry_date else "",
        "post": version.post,
    }
    return {**data, **meta(), **extra}


def test_an_officer_corrects_a_person(personas):
    client = client_for(personas["officer"])
    url = person_url("PA")
    assert PEOPLE["PA"]["身份证号"] not in url
    page = client.get(url).content.decode()
    assert NAMES["PA"] in page
    response = client.post(url, person_data("PA", name="王一一", post="科员"), follow=True)
    # back on the person's page (its opaque id, never the number), as of the effective day
    assert response.redirect_chain[-1][0] == f"/people/{url.split('/')[3]}/?as_of={today().isoformat()}"
    assert_logged(saved_change_set(response), personas["officer"])
    version = current(PersonVersion, person__id_number=PEOPLE["PA"]["身份证号"])
    assert (version.name, version.post, version.valid_from) == ("王一一", "科员", today())


def test_a_unit_hr_officer_corrects_its_own_person(personas):
    response = client_for(personas["hr_a"]).post(person_url("PA"), person_data("PA", post="副科长"), follow=True)
    assert_logged(saved_change_set(response), personas["hr_a"])
    assert current(PersonVersion, person__id_number=PEOPLE["PA"]["身份证号"]).post == "副科长"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("unit", "AS"),
        ("staffing_type", "事业编制"),
        ("status", "调出"),
        ("entry_date", "2020-01-01"),
        ("position_category", "正职"),
    ],
)
def test_a_unit_hr_officer_may_not_change_the_procedure_fields(personas, field, value):
    before = ChangeSet.objects.count()
    response = client_for(personas["hr_a"]).post(person_url("PA"), person_data("PA", **{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any("procedure_required" in e and "单位人事干部" in e for e in errors), errors
    assert ChangeSet.objects.count() == before


def test_a_person_edit_shows_the_import_error_on_the_field(personas):
    before = ChangeSet.objects.count()
    response = client_for(personas["officer"]).post(person_url("PA"), person_data("PA", unit="A-01"))
    assert response.context["form"].errors["unit"]
    assert current(PersonVersion, person__id_number=PEOPLE["PA"]["身份证号"]).unit.code == "A"
    assert ChangeSet.objects.count() == before


def test_a_person_edit_needs_a_reason(personas):
    response = client_for(personas["officer"]).post(person_url("PA"), person_data("PA", name="王二", reason=""))
    assert response.context["form"].errors["reason"]
    assert current(PersonVersion, person__id_number=PEOPLE["PA"]["身份证号"]).name == NAMES["PA"]


@pytest.mark.parametrize("name", ["leader", "inspector", "auditor"])
def test_masked_roles_may_not_open_the_person_form(personas, name):
    client = client_for(personas[name])
    assert client.get(person_url("PA")).status_code == 403
    assert client.post(person_url("PA"), person_data("PA", name="王二")).status_code == 403


def test_a_unit_hr_officer_does_not_find_another_units_person(personas):
    client = client_for(personas["hr_a"])
    assert client.get(person_url("PB")).status_code == 404
    assert client.post(person_url("PB"), person_data("PB", name="张四")).status_code == 404
    assert client.get("/register/people/notaref/edit/").status_code == 404


def test_in_the_unit_pages_modal_the_form_comes_alone_and_saving_reloads_the_unit_page(personas):
    client = client_for(personas["officer"])
    form = client.get("/register/units/A/quota/?type=行政编制", headers={"HX-Request": "true"})
    text = form.content.decode()
    assert "<html" not in text and 'hx-post="/register/units/A/quota/"' in text and 'id="reg_approved"' in text
    refused = client.post(
        "/register/units/A/quota/",
        meta(staffing_type="行政编制", approved="6", reason=""),
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 200 and "<html" not in refused.content.decode()
    assert "请填写变更理由" in refused.content.decode()
    saved = client.post(
        "/register/units/A/quota/", meta(staffing_type="行政编制", approved="6"), headers={"HX-Request": "true"}
    )
    assert saved.headers["HX-Redirect"] == f"/units/A/?as_of={today().isoformat()}"
    assert current(StaffingQuota, unit__code="A", staffing_type="行政编制").approved == 6
    page = client.get(saved.headers["HX-Redirect"]).content.decode()
    assert "行政编制核定数 6" in page and "变更批次 #" in page
