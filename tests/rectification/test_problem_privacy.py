"""domain.md §11 on the problem pages, documents and API: a masked role never reads a whole ID number,
a birth date or a retirement month of a person it sees masked — in a problem raised from an
over-retirement alert, in free text that quotes a number, in an attachment's name."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from conftest import PB, PB_OLD
from django.test import Client

from bianzhi.core.dates import today

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def stored(personas, register, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    from bianzhi.rectification.services import problem_attach, problem_raise
    from bianzhi.registry.models import PersonVersion, Unit
    from bianzhi.supervision.models import Alert
    from bianzhi.web.problems import alert_description

    officer = personas["officer"].user
    alert = Alert.objects.get(run=register["run"], rule="over_retirement_age", person=PB_OLD["身份证号"])
    from_alert = problem_raise(
        user=officer,
        unit=Unit.objects.get(code="B"),
        description=alert_description(alert, whole=True, day=today()),
        severity="高",
        deadline=today() + dt.timedelta(days=30),
        source="预警",
        alert=alert,
    )
    quoting = problem_raise(
        user=officer,
        unit=Unit.objects.get(code="B"),
        description=f"举报：{PB['身份证号']} 在编不在岗",
        basis=f"核查 {PB['身份证号']}",
        severity="中",
        deadline=today() + dt.timedelta(days=30),
        source="举报",
    )
    problem_attach(user=officer, problem=quoting, file_name=f"{PB['身份证号']}.txt", chunks=[b"x"])
    months = set()
    for row in (PB, PB_OLD):
        for version in PersonVersion.objects.filter(person__id_number=row["身份证号"]):
            months |= {version.retirement_month}
    secrets = {PB["身份证号"], PB_OLD["身份证号"]}
    births = {row["出生日期"] for row in (PB, PB_OLD)}
    assert PB_OLD["身份证号"] in from_alert.description or "超过" in from_alert.description
    return {"problems": [from_alert, quoting], "numbers": secrets, "births": births, "months": months}


def forbidden(stored) -> list[re.Pattern[str]]:
    texts = set(stored["numbers"])
    for birth in stored["births"]:
        texts |= {f"{birth:%Y-%m-%d}", f"{birth:%Y%m%d}", f"{birth.year}年{birth.month}月{birth.day}日"}
    for month in stored["months"]:
        if month is not None:
            texts |= {f"{month:%Y-%m}", f"{month.year}年{month.month}月"}
    return [re.compile(rf"(?<![0-9]){re.escape(t)}(?![-/.0-9])", re.IGNORECASE) for t in texts]


def texts(response) -> list[str]:
    found = [response.get("Content-Disposition", "")]
    content_type = response.get("Content-Type", "")
    if hasattr(response, "streaming_content"):
        return [*found, b"".join(response.streaming_content).decode(errors="replace")]
    if content_type.startswith(XLSX):
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return found + [str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r if c.value is not None]
    if content_type == "application/zip":
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        for name in archive.namelist():
            data = archive.read(name)
            if name.endswith(".xlsx"):
                book = openpyxl.load_workbook(io.BytesIO(data))
                found += [
                    str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r if c.value is not None
                ]
            else:
                found.append(data.decode())
        return found
    if "wordprocessingml" in content_type:
        import docx

        document = docx.Document(io.BytesIO(response.content))
        return (
            found
            + [p.text for p in document.paragraphs]
            + [c.text for t in document.tables for r in t.rows for c in r.cells]
        )
    return [*found, response.content.decode(errors="replace")]


def urls(stored) -> list[str]:
    result = ["/problems/", "/problems/?export=problems", "/problems/package.zip", "/problems/units/B/"]
    result.append(f"/problems/alerts/?as_of={stored['problems'][0].alert.run.as_of}")
    for problem in stored["problems"]:
        result += [f"/problems/{problem.pk}/", f"/problems/{problem.pk}/notice.docx"]
        result += [f"/problems/{problem.pk}/attachments/{a.pk}/" for a in problem.attachments.all()]
        result.append(f"/problems/new/?alert={problem.alert_id}" if problem.alert_id else "/problems/new/?unit=B")
    return result


def api_urls(stored) -> list[str]:
    result = ["/api/v1/problems", "/api/v1/problems?unit=B"]
    for problem in stored["problems"]:
        result += [f"/api/v1/problems/{problem.pk}", f"/api/v1/problems/{problem.pk}/attachments"]
    return result


@pytest.mark.parametrize("persona", ["leader", "inspector", "auditor", "hr_a"])
def test_masked_roles_read_no_hidden_digit(personas, stored, persona, api):
    client = Client()
    client.force_login(personas[persona].user, backend=BACKEND)
    patterns = forbidden(stored)
    leaks = {}
    statuses = {}
    for url in urls(stored):
        response = client.get(url)
        statuses[url] = response.status_code
        found = [p.pattern for text in texts(response) for p in patterns if p.search(text)]
        if found:
            leaks[url] = found
    for url in api_urls(stored):
        response = api(personas[persona], "GET", url.removeprefix("/api/v1"))
        statuses[url] = response.status_code
        found = [p.pattern for p in patterns if p.search(response.content.decode())]
        if found:
            leaks[url] = found
    assert leaks == {}
    if persona != "hr_a":
        assert statuses[f"/problems/{stored['problems'][1].pk}/"] == 200
        assert statuses[f"/problems/{stored['problems'][0].pk}/notice.docx"] == 200


def test_the_office_reads_them_whole(personas, stored):
    client = Client()
    client.force_login(personas["officer"].user, backend=BACKEND)
    page = client.get(f"/problems/{stored['problems'][1].pk}/").content.decode()
    assert PB["身份证号"] in page
