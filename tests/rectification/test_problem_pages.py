"""The problem pages: list (filters, overdue in red, export), raise form (from an alert), the one-click
raise, the problem page with its timeline and forms, notices, attachments, the joint-work package, and
the sections on the unit and alerts pages."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.test import Client

from bianzhi.core.dates import today

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


@pytest.fixture
def raised(personas):
    from bianzhi.rectification.services import problem_raise
    from bianzhi.registry.models import Unit

    def make(code="AS", severity="中", deadline=None, description=None):
        return problem_raise(
            user=personas["officer"].user,
            unit=Unit.objects.get(code=code),
            description=description or f"{code} 超编 1 人",
            severity=severity,
            deadline=deadline or today() + dt.timedelta(days=30),
            source="检查",
        )

    return make


def test_list_shows_overdue_in_red_and_filters(personas, raised):
    from bianzhi.rectification.models import Problem

    late = raised("B", "低")
    Problem.objects.filter(pk=late.pk).update(deadline=today() - dt.timedelta(days=2))
    fine = raised("AS", "高")
    client = client_for(personas["officer"])
    page = client.get("/problems/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-problem="{late.pk}" data-state="open" class="table-danger" data-overdue="1"' in html
    assert f'data-problem="{fine.pk}" data-state="open">' in html
    assert "问题整改" in html  # the page is in Chinese
    only = client.get("/problems/?overdue=1").content.decode()
    assert f'data-problem="{late.pk}"' in only and f'data-problem="{fine.pk}"' not in only
    by_unit = client.get("/problems/?unit=A").content.decode()  # A and its subtree
    assert f'data-problem="{fine.pk}"' in by_unit and f'data-problem="{late.pk}"' not in by_unit
    # a unit HR officer sees its own units' problems only
    hr = client_for(personas["hr_a"]).get("/problems/").content.decode()
    assert f'data-problem="{fine.pk}"' in hr and f'data-problem="{late.pk}"' not in hr


def test_excel_export_has_the_rows(personas, raised):
    first, second = raised("A", "高"), raised("B", "低")
    response = client_for(personas["officer"]).get("/problems/?export=problems&severity=高")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号"
    assert [r[0] for r in rows[1:]] == [first.pk]
    assert rows[1][2] == "A" and rows[1][3] == "高"
    assert second.pk not in [r[0] for r in rows[1:]]


def test_joint_work_package(personas, raised):
    problem = raised("AS", "高")
    raised("B", "低")
    response = client_for(personas["officer"]).get("/problems/package.zip?unit=A")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    problems_name = next(n for n in names if n.startswith("问题清单"))
    figures_name = next(n for n in names if n.startswith("编制数据"))
    problems_sheet = openpyxl.load_workbook(io.BytesIO(archive.read(problems_name))).worksheets[0]
    assert [r[0] for r in problems_sheet.iter_rows(min_row=2, values_only=True)] == [problem.pk]
    figures = list(
        openpyxl.load_workbook(io.BytesIO(archive.read(figures_name))).worksheets[0].iter_rows(values_only=True)
    )
    assert {r[0] for r in figures[1:]} == {"A", "AS"}
    a = next(r for r in figures[1:] if r[0] == "A" and r[2] == "行政编制")
    from bianzhi.registry.selectors import unit_figures

    expected = next(f for f in unit_figures(today()).values() if f.code == "A").staffing["行政编制"]
    assert (a[3], a[4], a[6]) == (expected.approved, expected.actual, expected.vacancy)
    assert a[4] == 1  # one person on staff
    assert client_for(personas["hr_b"]).get("/problems/package.zip?unit=A").status_code == 404


def test_raise_form_from_an_alert_and_one_click(personas, register):
    from bianzhi.rectification.models import Problem
    from bianzhi.supervision.models import Alert

    alert = Alert.objects.filter(run=register["run"]).exclude(unit_code="").order_by("id").first()
    client = client_for(personas["officer"])
    form = client.get(f"/problems/new/?alert={alert.pk}")
    assert form.status_code == 200
    html = form.content.decode()
    assert f'value="{alert.unit_code}"' in html
    assert alert.message[:10] in html
    panel = client.get(f"/problems/alerts/?as_of={register['run'].as_of}").content.decode()
    assert f'data-raise="{alert.pk}"' in panel
    response = client.post(f"/problems/alerts/{alert.pk}/raise/")
    assert response.status_code == 302
    problem = Problem.objects.get(alert=alert)
    assert response["Location"] == f"/problems/{problem.pk}/"
    assert problem.source == "预警" and problem.unit.code == alert.unit_code
    assert problem.severity == alert.severity
    assert alert.message in problem.description
    assert problem.deadline == today() + dt.timedelta(days=30)
    assert (
        f'href="/problems/{problem.pk}/"'
        in client.get(f"/problems/alerts/?as_of={register['run'].as_of}").content.decode()
    )
    # roles that may not raise get no panel and are refused the button
    assert client_for(personas["leader"]).get("/problems/alerts/").content == b""
    assert client_for(personas["leader"]).post(f"/problems/alerts/{alert.pk}/raise/").status_code == 403
    assert client_for(personas["hr_a"]).get("/problems/new/").status_code == 403


def test_raise_form_posts(personas):
    from bianzhi.rectification.models import Problem

    client = client_for(personas["inspector"])
    deadline = (today() + dt.timedelta(days=10)).isoformat()
    body = {
        "unit": "BS",
        "description": "巡察发现超职数配备",
        "severity": "高",
        "source": "巡察",
        "deadline": deadline,
        "basis": "条例第五条",
        "responsible": "王主任",
    }
    response = client.post("/problems/new/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    problem = Problem.objects.get()
    assert (problem.unit.code, problem.source, problem.severity, problem.basis) == ("BS", "巡察", "高", "条例第五条")
    bad = client.post("/problems/new/", {**body, "unit": "NOPE"})
    assert bad.status_code == 200 and "机构 NOPE 不存在" in bad.content.decode()


def test_answer_return_close_on_the_page(personas, raised, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bianzhi.registry.models import Suspension

    problem = raised("AS")
    hr = client_for(personas["hr_a"])
    page = hr.get(f"/problems/{problem.pk}/").content.decode()
    assert 'id="answer-form"' in page and 'id="verify-form"' not in page
    assert 'data-suspension="in_force"' in page
    upload = SimpleUploadedFile("调出手续.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    answered = hr.post(
        f"/problems/{problem.pk}/answer/", {"plan": "调出 1 人", "evidence": "已办结", "files": [upload]}
    )
    assert answered.status_code == 302
    problem.refresh_from_db()
    assert problem.state == "answered"
    [attachment] = problem.attachments.all()
    assert attachment.name == "调出手续.pdf" and attachment.size == 17
    assert (tmp_path / "problems" / str(problem.pk) / attachment.stored_name).read_bytes() == b"%PDF-1.4 evidence"
    officer = client_for(personas["officer"])
    download = officer.get(f"/problems/{problem.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 evidence"
    assert client_for(personas["hr_b"]).get(f"/problems/{problem.pk}/attachments/{attachment.pk}/").status_code == 404
    assert 'id="verify-form"' in officer.get(f"/problems/{problem.pk}/").content.decode()
    assert hr.post(f"/problems/{problem.pk}/close/", {"opinion": "x"}).status_code == 403
    blank = officer.post(f"/problems/{problem.pk}/return/", {"opinion": ""})
    assert blank.status_code == 422 and "退回时请填写意见" in blank.content.decode()
    assert officer.post(f"/problems/{problem.pk}/return/", {"opinion": "佐证不足"}).status_code == 302
    problem.refresh_from_db()
    assert problem.state == "returned"
    assert hr.post(f"/problems/{problem.pk}/answer/", {"plan": "调出 1 人", "evidence": "补充材料"}).status_code == 302
    assert officer.post(f"/problems/{problem.pk}/close/", {"opinion": "销号"}).status_code == 302
    problem.refresh_from_db()
    assert problem.state == "closed"
    assert Suspension.objects.get(pk=problem.suspension_id).lifted_on == today()
    page = officer.get(f"/problems/{problem.pk}/").content.decode()
    assert page.count('data-step="') == 5
    assert 'data-suspension="lifted"' in page


def test_attachment_size_limit(personas, raised, tmp_path, settings, api):
    settings.DATA_DIR = tmp_path
    settings.BIANZHI_PROBLEM_ATTACHMENT_MAX_BYTES = 10
    from django.core.files.uploadedfile import SimpleUploadedFile

    problem = raised("AS")
    big = SimpleUploadedFile("big.txt", b"x" * 11)
    refused = api(personas["hr_a"], "POST", f"/problems/{problem.pk}/attachments", multipart={"file": big})
    assert refused.status_code == 422
    assert "超过大小上限" in refused.json()["message"]
    assert list((tmp_path / "problems" / str(problem.pk)).iterdir()) == []
    small = SimpleUploadedFile("ok.txt", b"x" * 10)
    accepted = api(personas["hr_a"], "POST", f"/problems/{problem.pk}/attachments", multipart={"file": small})
    assert accepted.status_code == 201, accepted.content
    listed = api(personas["leader"], "GET", f"/problems/{problem.pk}/attachments").json()
    assert [a["name"] for a in listed["items"]] == ["ok.txt"]
    assert api(personas["hr_b"], "GET", f"/problems/{problem.pk}/attachments").status_code == 404
    assert (
        api(
            personas["leader"],
            "POST",
            f"/problems/{problem.pk}/attachments",
            multipart={"file": SimpleUploadedFile("a.txt", b"a")},
        ).status_code
        == 403
    )


def test_unit_page_section(personas, raised):
    problem = raised("AS")
    client = client_for(personas["officer"])
    unit_page = client.get("/units/AS/").content.decode()
    assert "/problems/units/AS/" in unit_page
    section = client.get("/problems/units/AS/").content.decode()
    assert f'href="/problems/{problem.pk}/"' in section
    assert client_for(personas["hr_b"]).get("/problems/units/AS/").status_code == 404


def test_notice_documents(personas, raised):
    docx = pytest.importorskip("docx")
    problem = raised("AS", description="聘用人员超出核定编制")
    response = client_for(personas["officer"]).get(f"/problems/{problem.pk}/notice.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "整改通知" in text
    assert "机构AS" in text
    deadline = problem.deadline
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in text
    assert deadline.isoformat() in text
    assert problem.notice_number in text
    assert "聘用人员超出核定编制" in text
    assert client_for(personas["officer"]).get(f"/problems/{problem.pk}/notice.txt").status_code == 404
    assert client_for(personas["hr_b"]).get(f"/problems/{problem.pk}/notice.docx").status_code == 404


def test_an_answer_with_a_refused_attachment_changes_nothing(personas, raised, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.BIANZHI_PROBLEM_ATTACHMENT_MAX_BYTES = 4
    from django.core.files.uploadedfile import SimpleUploadedFile

    problem = raised("AS")
    big = SimpleUploadedFile("大文件.pdf", b"12345")
    response = client_for(personas["hr_a"]).post(
        f"/problems/{problem.pk}/answer/", {"plan": "方案", "evidence": "佐证", "files": [big]}
    )
    assert response.status_code == 422
    assert "超过大小上限" in response.content.decode()
    problem.refresh_from_db()
    assert problem.state == "open"
    assert problem.attachments.count() == 0
    assert [s.action for s in problem.steps.all()] == ["raise"]
