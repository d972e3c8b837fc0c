"""The matters pages (issue 14): list, editor by kind, the matter with its timeline and step buttons
per role, the decision document, and the ledger with its date slider."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from tests.matters.support import *  # noqa: F403  (the fixture ``office``)
from tests.matters.support import (
    D1,
    D2,
    execute,
    quota,
)

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_for(persona) -> Client:
    client = Client()
    if persona.user is not None:
        client.force_login(persona.user, backend=BACKEND)
    return client


def test_a_matter_from_the_editor_to_execution_through_the_pages(office):
    officer, leader = client_for(office["officer"]), client_for(office["leader"])
    form = officer.get("/matters/new/?kind=划转编制")
    assert form.status_code == 200
    page = form.content.decode()
    assert "划出（原）机构" in page and "划入（合并后）机构" in page and "新机构代码" not in page
    saved = officer.post(
        "/matters/new/",
        {
            "kind": "划转编制",
            "title": "C局划转编制至D局",
            "document_number": "越编〔2026〕21号",
            "effective": D1.isoformat(),
            "source": "C",
            "target": "D",
            "staffing_type": "行政编制",
            "count": "2",
            "countersign_offices": "区财政局、区人社局",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    url = saved["Location"]
    pk = int(url.strip("/").split("/")[-1])
    detail = officer.get(url).content.decode()
    assert "机构编制事项" in detail and "草稿" in detail and 'id="button-submit"' in detail
    assert 'id="button-approve"' not in detail
    officer.post(f"/matters/{pk}/steps/submit/", {"opinion": ""})
    officer.post(f"/matters/{pk}/steps/countersign/", {"office": "区财政局", "agreed": "1", "opinion": "同意"})
    officer.post(f"/matters/{pk}/steps/review/", {"opinion": "拟同意"})
    refused = leader.post(f"/matters/{pk}/steps/decide/", {"approve": "1"}, follow=True)
    assert "尚有单位未会签：区人社局" in refused.content.decode()
    officer.post(f"/matters/{pk}/steps/countersign/", {"office": "区人社局", "agreed": "1"})
    leader_page = leader.get(url).content.decode()
    assert 'id="button-approve"' in leader_page and 'id="button-execute"' not in leader_page
    leader.post(f"/matters/{pk}/steps/decide/", {"approve": "1", "opinion": "同意"})
    officer.post(f"/matters/{pk}/steps/execute/", {"effective": D1.isoformat()})
    done = officer.get(url).content.decode()
    assert 'data-state="executed"' in done and "编委决定通过" in done and 'id="button-amend"' in done
    assert (quota("C", "行政编制", D1), quota("D", "行政编制", D1)) == (4, 5)
    listed = client_for(office["inspector"]).get("/matters/?state=executed").content.decode()
    assert "C局划转编制至D局" in listed


def test_the_editor_is_the_office_s_and_a_refusal_is_shown_in_chinese(office):
    assert client_for(office["leader"]).get("/matters/new/").status_code == 403
    assert client_for(office["hr_a"]).get("/matters/new/").status_code == 403
    assert client_for(office["nobody"]).get("/matters/").status_code == 403
    assert Client().get("/matters/").status_code == 302
    refused = client_for(office["officer"]).post(
        "/matters/new/", {"kind": "增编", "title": "x", "unit": "C", "staffing_type": "行政编制"}
    )
    assert refused.status_code == 422 and "增减数（delta）应为正整数" in refused.content.decode()


def test_a_suspended_unit_s_execution_is_refused_with_its_reason_on_the_page(office):
    from bianzhi.matters.models import Matter
    from tests.matters.support import decided

    matter = decided(office, "增编", {"unit": "A", "staffing_type": "行政编制", "delta": 1})
    page = client_for(office["officer"]).post(
        f"/matters/{matter.pk}/steps/execute/", {"effective": D1.isoformat()}, follow=True
    )
    assert "暂缓审批（原因：问题整改逾期）" in page.content.decode()
    assert Matter.objects.get(pk=matter.pk).state == "decided"


def test_a_unit_hr_officer_sees_its_units_matters_only_and_takes_no_step(office):
    on_c = execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 1})
    on_a = execute(office, "更名", {"unit": "A", "name": "A局"})
    hr = client_for(office["hr_a"])
    assert hr.get(f"/matters/{on_c.pk}/").status_code == 404
    page = hr.get(f"/matters/{on_a.pk}/").content.decode()
    assert "A局" in page and 'id="matter-actions"' not in page
    assert hr.post(f"/matters/{on_a.pk}/steps/amend/", {"reason": "x"}).status_code == 403
    assert hr.get("/matters/ledger/C/").status_code == 404
    assert hr.get("/matters/ledger/A/").status_code == 200


def test_the_decision_downloads_as_word(office):
    matter = execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 1})
    response = client_for(office["leader"]).get(f"/matters/{matter.pk}/document.docx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("word/document.xml").decode()
    assert "越编〔2026〕7号" in xml and "增加行政编制" in xml
    assert client_for(office["leader"]).get(f"/matters/{matter.pk}/document.txt").status_code == 404


def test_the_ledger_page_slides_through_the_change_days(office, load):
    execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 2})
    load({"编制": [{"机构代码": "C", "编制类型": "行政编制", "核定数": 9}]}, effective=D2, reason="年度核对")
    client = client_for(office["leader"])
    page = client.get("/matters/ledger/C/").content.decode()
    assert 'type="range"' in page and 'hx-get="/matters/ledger/C/register/"' in page
    assert "未经审批流程" in page and "越编〔2026〕7号" in page
    first = client.get("/matters/ledger/C/register/?i=1").content.decode()
    assert f'data-day="{D1.isoformat()}"' in first
    assert '<tr data-type="行政编制"><td>行政编制</td><td class="approved">8' in first
    second = client.get("/matters/ledger/C/register/?i=2").content.decode()
    assert '<td class="approved">9' in second
    before = client.get("/matters/ledger/C/register/?i=0").content.decode()
    assert 'data-day="2026-06-30"' in before and '<td class="approved">6' in before
    by_day = client.get(f"/matters/ledger/C/register/?day={D1.isoformat()}").content.decode()
    assert f'data-day="{D1.isoformat()}"' in by_day
    assert client.get("/matters/ledger/?unit=C").status_code == 302
    assert client.get("/matters/ledger/").status_code == 200


def test_a_correction_is_drafted_from_the_executed_matter_and_edited_with_its_reason(office):
    from bianzhi.matters.models import Matter

    matter = execute(office, "增编", {"unit": "C", "staffing_type": "行政编制", "delta": 3})
    officer = client_for(office["officer"])
    made = officer.post(f"/matters/{matter.pk}/steps/amend/", {"reason": "应增 1 名"})
    correction = Matter.objects.get(amends=matter)
    assert made["Location"] == f"/matters/{correction.pk}/"
    Matter.objects.filter(pk=correction.pk).update(
        change={"replacement": {"unit": "C", "staffing_type": "行政编制", "delta": 1}}
    )
    form = officer.get(f"/matters/{correction.pk}/edit/").content.decode()
    assert "撤销更正理由" in form and "应增 1 名" in form
    officer.post(
        f"/matters/{correction.pk}/edit/", {"kind": "撤销更正", "title": "更正增编", "reason": "应增 1 名，更正"}
    )
    correction.refresh_from_db()
    assert (correction.title, correction.reason) == ("更正增编", "应增 1 名，更正")
    assert correction.change["replacement"]["delta"] == 1
    empty = officer.post(f"/matters/{correction.pk}/edit/", {"kind": "撤销更正", "title": "更正增编", "reason": " "})
    assert "撤销更正须写明理由" in empty.content.decode()
