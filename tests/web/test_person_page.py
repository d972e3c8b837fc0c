"""A person is a page (issue 16): ``/people/<ref>/`` at an opaque id, the person's periods as of
any day, retirement months, the alerts that name them and the change log about them — masked per
role (domain.md §11) — linked from the people search, the unit page and the alerts; and the people
search itself: a unit picker, on staff by default, a hint for a partial ID number, pinyin order."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from conftest import NAMES, PA, PB, REGISTER_DAY, person_row
from django.test import Client

from bianzhi.accounts.permissions import mask_id_number
from bianzhi.accounts.privacy import person_ref
from bianzhi.web.pinyin import name_pinyin, name_sort_key

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
DAY = REGISTER_DAY.isoformat()
MOVED = dt.date(2026, 4, 15)


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


def pk_of(row) -> int:
    from bianzhi.registry.models import Person

    return Person.objects.get(id_number=row["身份证号"]).pk


def page_url(row, day: str = DAY) -> str:
    return f"/people/{person_ref(pk_of(row))}/?as_of={day}"


@pytest.fixture
def moved(personas, load):
    """王一 (PA) moves from A to B as 科长 from 2026-04-15, under a 文号 and a reason."""
    load(
        {"人员": [{**PA, "姓名": NAMES["PA"], "机构代码": "B", "职务": "科长"}]},
        effective=MOVED,
        reason="工作调动（王一）",
        document_number="越人〔2026〕7号",
        actor="tests",
    )
    return personas


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# ---------------------------------------------------------------- the page


def test_the_page_shows_the_person_as_of_the_day_and_every_period(moved):
    client = client_for(moved["officer"])
    before = client.get(page_url(PA, "2026-04-01"))
    after = client.get(page_url(PA, DAY))
    assert before.context["person"]["unit_code"] == "A"
    assert before.context["person"]["post"] == ""
    assert after.context["person"]["unit_code"] == "B"
    assert after.context["person"]["post"] == "科长"
    periods = after.context["periods"]
    assert [(p["unit_code"], p["post"], p["valid_from"], p["valid_to"]) for p in periods] == [
        ("B", "科长", MOVED, None),
        ("A", "", None, MOVED),
    ]
    assert [p["current"] for p in periods] == [True, False]
    assert [p["current"] for p in before.context["periods"]] == [False, True]
    assert periods[0]["document_number"] == "越人〔2026〕7号"
    assert periods[0]["reason"] == "工作调动（王一）"
    # the office sees the number, the birth date and the months whole, and the change log
    page = text(after)
    assert PA["身份证号"] in page
    assert "1985-05-05" in page
    assert after.context["person"]["retirement_month"] == "2048-05"
    assert after.context["sees_changelog"] is True
    assert any("机构代码" in c["difference"] and "A → B" in c["difference"] for c in after.context["changes"])
    assert 'data-testid="correct"' not in page or "/register/" in page


@pytest.mark.parametrize("persona", ["leader", "auditor"])
def test_a_masked_role_sees_no_whole_number_no_birth_date_and_years_only(moved, persona):
    client = client_for(moved[persona])
    response = client.get(page_url(PA, DAY))
    page = text(response)
    number = PA["身份证号"]
    assert number not in page
    assert mask_id_number(number) in page
    for birth in ("1985-05-05", "1985/05/05", "19850505", "1985年5月5日"):
        assert birth not in page
    assert response.context["person"]["birth_date"] is None
    assert response.context["person"]["retirement_month"] == "2048"
    assert not re.search(r"2048[-/年]0?5", page)
    # the age as of 1 January: the same on any day of the year
    ages = {client.get(page_url(PA, f"2026-{m:02d}-28")).context["person"]["age"] for m in range(1, 13)}
    assert ages == {40}
    assert "修正" not in page


def test_the_auditor_reads_the_change_log_masked_and_the_leader_none(moved):
    auditor = client_for(moved["auditor"]).get(page_url(PA, DAY))
    assert auditor.context["sees_changelog"] is True
    assert auditor.context["changes"]
    assert "出生日期" not in "".join(c["difference"] for c in auditor.context["changes"])
    leader = client_for(moved["leader"]).get(page_url(PA, DAY))
    assert leader.context["sees_changelog"] is False
    assert leader.context["changes"] == []
    assert 'id="person-changes"' not in text(leader)


def test_an_unknown_and_an_out_of_scope_ref_answer_alike(personas):
    client = client_for(personas["hr_a"])
    assert client.get(page_url(PA)).status_code == 200
    elsewhere = client.get(f"/people/{person_ref(pk_of(PB))}/")
    nowhere = client.get(f"/people/{person_ref(999999)}/")
    garbage = client.get("/people/not-a-ref/")
    assert elsewhere.status_code == nowhere.status_code == garbage.status_code == 404
    # the same page, but for the path it echoes
    refs = (person_ref(pk_of(PB)), person_ref(999999))
    bodies = [
        re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode()).replace(ref, "<ref>")
        for r, ref in ((elsewhere, refs[0]), (nowhere, refs[1]))
    ]
    assert bodies[0] == bodies[1]
    assert NAMES["PB"] not in elsewhere.content.decode()


def test_the_alerts_naming_the_person_are_on_the_page(personas):
    from bianzhi.web.selectors import day_alerts

    client = client_for(personas["officer"])
    alerts = [a for a in day_alerts(user=personas["officer"].user, day=REGISTER_DAY).rows if a["person"]]
    assert alerts, "the register's run has alerts about people"
    named = alerts[0]
    response = client.get(f"/people/{named['person_ref']}/?as_of={DAY}")
    shown = response.context["person_alerts"]
    assert shown and all(a["person_ref"] == named["person_ref"] for a in shown)
    assert named["message"] in text(response)


def test_the_correct_link_is_offered_to_the_office_only_when_the_form_exists(personas):
    from django.urls import NoReverseMatch, reverse

    try:
        edit = reverse("web:register:person_edit", args=[person_ref(pk_of(PA))])
    except NoReverseMatch:
        edit = None
    officer = text(client_for(personas["officer"]).get(page_url(PA)))
    inspector = text(client_for(personas["inspector"]).get(page_url(PA)))
    if edit:
        assert f'href="{edit}' in officer
    assert 'data-testid="correct"' not in inspector


# ---------------------------------------------------------------- links to the page


def test_names_link_to_the_page_from_the_people_the_unit_page_and_the_alerts(personas):
    client = client_for(personas["officer"])
    url = f"/people/{person_ref(pk_of(PA))}/?as_of={DAY}"
    assert f'href="{url}"' in text(client.get(f"/people/?as_of={DAY}"))
    assert f'href="{url}"' in text(client.get(f"/units/A/?as_of={DAY}"))
    alerts = text(client.get(f"/alerts/?as_of={DAY}"))
    refs = set(re.findall(r'href="/people/([a-z0-9]{26})/', alerts))
    assert refs, "the alerts table links the people it names"
    for ref in refs:
        assert client.get(f"/people/{ref}/?as_of={DAY}").status_code == 200
    # the link reads as the person's name (issue 16), with the number in its own column
    rows = client.get(f"/alerts/?as_of={DAY}").context["tables"]["alerts"].page.object_list
    named = [r for r in rows if r["person_url"]]
    assert named and all(r["person_name"] and "*" not in r["person_name"] for r in named)


def test_the_alerts_table_links_only_people_the_viewer_may_open(personas):
    client = client_for(personas["hr_a"])
    for ref in set(re.findall(r'href="/people/([a-z0-9]{26})/', text(client.get(f"/alerts/?as_of={DAY}")))):
        assert client.get(f"/people/{ref}/").status_code == 200


# ---------------------------------------------------------------- the people search


def test_pinyin_reads_surnames_as_surnames():
    assert name_pinyin("单田芳") == ("shan", "tian", "fang")
    assert name_pinyin("曾国藩") == ("zeng", "guo", "fan")
    assert name_pinyin("解缙")[0] == "xie"
    assert name_pinyin("查良镛")[0] == "zha"
    assert name_pinyin("区志强")[0] == "ou"
    assert name_pinyin("仇英")[0] == "qiu"
    assert name_pinyin("朴正")[0] == "piao"
    assert name_pinyin("覃敏")[0] == "qin"
    assert name_pinyin("尉迟恭") == ("yu", "chi", "gong")
    # only the surname: 单 in a given name reads dan
    assert name_pinyin("王单") == ("wang", "dan")
    names = ["张三", "单田芳", "曾国藩", "蔡明", "沙宝亮", "邓超"]
    assert sorted(names, key=name_sort_key) == ["蔡明", "邓超", "沙宝亮", "单田芳", "曾国藩", "张三"]


def test_the_people_list_is_in_pinyin_order(personas, load):
    load(
        {
            "人员": [
                person_row("A", 姓名="单田芳"),
                person_row("A", 姓名="曾国藩"),
                person_row("A", 姓名="蔡明"),
                person_row("A", 姓名="邓超"),
            ]
        },
        reason="补录",
    )
    client = client_for(personas["officer"])
    names = [r["name"] for r in client.get(f"/people/?as_of={DAY}").context["tables"]["people"].page.object_list]
    assert names == sorted(names, key=name_sort_key)
    assert names.index("单田芳") < names.index("王一") < names.index("曾国藩") < names.index("张三")
    assert names.index("邓超") < names.index("单田芳")  # dan would sort 单 before 邓
    reverse = client.get(f"/people/?as_of={DAY}&sort=-name").context["tables"]["people"].page.object_list
    assert [r["name"] for r in reverse] == names[::-1]
    unit = client.get(f"/units/A/?as_of={DAY}").context["tables"]["people"].page.object_list
    unit_names = [r["name"] for r in unit]
    assert unit_names == sorted(unit_names, key=name_sort_key)


def test_the_people_list_shows_those_on_staff_by_default(personas, load):
    load({"人员": [person_row("A", 姓名="孙退", 人员状态="退休", 离编日期="2020-01-31")]}, reason="补录")
    client = client_for(personas["officer"])
    default = client.get(f"/people/?as_of={DAY}")
    names = {r["name"] for r in default.context["tables"]["people"].page.object_list}
    assert "孙退" not in names and NAMES["PA"] in names
    assert 'data-testid="on-staff-note"' in text(default)
    everyone = client.get(f"/people/?as_of={DAY}&everyone=on")
    assert "孙退" in {r["name"] for r in everyone.context["tables"]["people"].page.object_list}
    export = client.get(f"/people/?as_of={DAY}&everyone=on&export=people")
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    conditions = dict(book.worksheets[1].iter_rows(values_only=True))
    assert conditions["包括不在编人员"] == "是"
    by_status = client.get(f"/people/?as_of={DAY}&status=退休")
    assert {r["name"] for r in by_status.context["tables"]["people"].page.object_list} == {"孙退"}


def test_a_partial_number_gets_a_hint_and_finds_nobody(personas):
    client = client_for(personas["officer"])
    partial = client.get(f"/people/?as_of={DAY}&q={PB['身份证号'][:10]}")
    page = text(partial)
    assert "请输入完整的 18 位身份证号；出于隐私保护不支持按部分号码查询" in page
    assert partial.context["tables"]["people"].count == 0
    # in the table itself, so a filter sent by htmx (the table alone) shows it too
    alone = client.get(
        f"/people/?as_of={DAY}&q={PB['身份证号'][:10]}", headers={"HX-Request": "true", "HX-Target": "table-people"}
    )
    assert "出于隐私保护不支持按部分号码查询" in text(alone)
    assert "<html" not in text(alone)
    whole = client.get(f"/people/?as_of={DAY}&q={PB['身份证号']}")
    assert "出于隐私保护" not in text(whole)
    assert [r["name"] for r in whole.context["tables"]["people"].page.object_list] == [NAMES["PB"]]
    assert "出于隐私保护" not in text(client.get(f"/people/?as_of={DAY}&q=张"))


def test_the_unit_picker_is_a_searchable_list_not_a_select(personas):
    client = client_for(personas["officer"])
    response = client.get(f"/people/?as_of={DAY}")
    page = text(response)
    assert '<select name="unit"' not in page
    assert re.search(r'<input[^>]*name="unit"[^>]*list="id_unit-options"', page)
    assert '<datalist id="id_unit-options">' in page
    assert '<option value="BS">' in page
    by_code = client.get(f"/people/?as_of={DAY}&unit=B&everyone=on")
    assert {r["unit_code"] for r in by_code.context["tables"]["people"].page.object_list} == {"B"}
    by_name = client.get(f"/people/?as_of={DAY}&unit=机构B&everyone=on")
    assert {r["name"] for r in by_name.context["tables"]["people"].page.object_list} == {
        r["name"] for r in by_code.context["tables"]["people"].page.object_list
    }
    hr_a = text(client_for(personas["hr_a"]).get(f"/people/?as_of={DAY}"))
    assert '<option value="BS">' not in hr_a


def test_the_export_keeps_the_pinyin_order_and_the_on_staff_default(personas, load):
    load({"人员": [person_row("A", 姓名="孙退", 人员状态="退休", 离编日期="2020-01-31")]}, reason="补录")
    client = client_for(personas["officer"])
    response = client.get(f"/people/?as_of={DAY}&export=people")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    names = [r[0] for r in rows[1:]]
    assert names == sorted(names, key=name_sort_key)
    # the same people as the page: those on staff on the day
    assert len(names) == client.get(f"/people/?as_of={DAY}").context["tables"]["people"].count
    assert "孙退" not in names


def test_the_page_offers_leaving_to_who_may_record_it(personas):
    """离编 (issue 14) from the person page: the staffing officer and the HR officer of the person's unit
    see the button, leading to the leaving form; a leader does not."""
    url = f"/people/{person_ref(pk_of(PA))}/"
    page = text(client_for(personas["officer"]).get(url))
    assert 'data-testid="leave"' in page
    assert f'href="/approvals/people/{person_ref(pk_of(PA))}/leave/"' in page
    assert client_for(personas["officer"]).get(f"/approvals/people/{person_ref(pk_of(PA))}/leave/").status_code == 200
    assert 'data-testid="leave"' not in text(client_for(personas["leader"]).get(url))
    assert 'data-testid="write-off"' not in page  # on staff: nothing to write off
