"""整改通知 (domain.md §9): raising a problem notifies the unit's HR officers in the app and, where an
e-mail server is configured, by e-mail; the unit's answer notifies the office; the notice document
names the unit and the deadline."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail

from bianzhi.core.dates import today

pytestmark = pytest.mark.django_db

DEADLINE = today() + dt.timedelta(days=20)


@pytest.fixture
def raise_(personas):
    from bianzhi.rectification.services import problem_raise
    from bianzhi.registry.models import Unit

    def run(code="AS", **extra):
        return problem_raise(
            user=personas["officer"].user,
            unit=Unit.objects.get(code=code),
            description="超核定编制使用人员",
            severity="中",
            deadline=DEADLINE,
            source="检查",
            **extra,
        )

    return run


def notices(persona):
    from bianzhi.core.models import Notification

    return list(Notification.objects.filter(user=persona.user).order_by("id"))


def test_raising_notifies_the_units_hr_officers(personas, raise_):
    problem = raise_("AS")
    [notice] = notices(personas["hr_a"])  # A's HR officer covers AS
    assert notice.kind == "problem"
    assert notice.title == f"整改通知：机构AS（{problem.notice_number}）"
    assert "超核定编制使用人员" in notice.body
    assert DEADLINE.isoformat() in notice.body
    assert notice.url == f"/problems/{problem.pk}/"
    assert notices(personas["hr_b"]) == []
    assert notices(personas["leader"]) == []


def test_answer_notifies_the_office_and_return_the_unit(personas, raise_):
    from bianzhi.rectification.services import problem_answer, problem_return

    problem = raise_("AS")
    problem_answer(user=personas["hr_a"].user, problem=problem, plan="调出 1 人", evidence="已办理")
    [office] = notices(personas["officer"])
    assert office.title == f"整改反馈待核查：机构AS（问题 {problem.pk}）"
    problem_return(user=personas["officer"].user, problem=problem, opinion="佐证不足")
    returned = notices(personas["hr_a"])[-1]
    assert returned.title == f"整改反馈被退回：问题 {problem.pk}"
    assert returned.body == "佐证不足"


def test_notice_by_email_where_configured(personas, raise_, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_HOST = "smtp.example.invalid"
    hr = personas["hr_a"].user
    hr.email = "hr_a@example.invalid"
    hr.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        problem = raise_("AS")
    [message] = mail.outbox
    assert message.to == ["hr_a@example.invalid"]
    assert message.subject == f"整改通知：机构AS（{problem.notice_number}）"
    assert DEADLINE.isoformat() in message.body


def test_no_email_without_a_server(personas, raise_, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    hr = personas["hr_a"].user
    hr.email = "hr_a@example.invalid"
    hr.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        raise_("AS")
    assert mail.outbox == []
    assert len(notices(personas["hr_a"])) == 1


def test_overdue_escalation_notifies_unit_and_office(personas, raise_):
    from bianzhi.rectification.models import Problem
    from bianzhi.rectification.services import problems_escalate_overdue

    problem = raise_("AS")
    Problem.objects.filter(pk=problem.pk).update(deadline=today() - dt.timedelta(days=1))
    problems_escalate_overdue(today())
    assert notices(personas["hr_a"])[-1].title == f"问题逾期：机构AS（问题 {problem.pk}）"
    assert notices(personas["officer"])[-1].title == f"问题逾期：机构AS（问题 {problem.pk}）"


def test_notice_document_names_the_unit_and_deadline(personas, raise_):
    docx = pytest.importorskip("docx")
    from bianzhi.core.documents import docx_bytes
    from bianzhi.rectification.documents import notice_document

    problem = raise_("AS", basis="《机构编制监督检查工作办法》", responsible="李处长")
    document = notice_document(problem)
    assert document.title == "整改通知"
    assert document.number == problem.notice_number
    assert document.recipient == "机构AS"
    opened = docx.Document(io.BytesIO(docx_bytes(document)))
    text = "\n".join(p.text for p in opened.paragraphs) + "\n".join(
        c.text for t in opened.tables for r in t.rows for c in r.cells
    )
    assert "机构AS" in text
    assert f"{DEADLINE.year}年{DEADLINE.month}月{DEADLINE.day}日前完成整改" in text
    assert "《机构编制监督检查工作办法》" in text
    assert "李处长" in text


def test_notice_document_masks_numbers_for_masked_roles(personas):
    from conftest import PB

    from bianzhi.rectification.documents import notice_document
    from bianzhi.rectification.services import problem_raise
    from bianzhi.registry.models import Unit

    number = PB["身份证号"]
    problem = problem_raise(
        user=personas["officer"].user,
        unit=Unit.objects.get(code="B"),
        description=f"{number} 超龄未退",
        severity="高",
        deadline=DEADLINE,
        source="检查",
    )
    assert number in " ".join(notice_document(problem).paragraphs)
    masked = " ".join(notice_document(problem, whole=False).paragraphs)
    assert number not in masked and f"{number[:6]}********{number[-4:]}" in masked


def test_escalate_command(personas, raise_):
    from django.core.management import call_command

    from bianzhi.rectification.models import Problem

    problem = raise_("AS")
    Problem.objects.filter(pk=problem.pk).update(deadline=today() - dt.timedelta(days=1))
    out = io.StringIO()
    call_command("problems_escalate", stdout=out)
    problem.refresh_from_db()
    assert problem.escalated_at is not None
    assert "1" in out.getvalue()
