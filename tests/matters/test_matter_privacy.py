"""domain.md §11 on the matters: an ID number in a matter's text or in a split's people list is masked
for the roles that see numbers masked, on the API, the pages and the decision document."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from bianzhi.accounts.permissions import mask_id_number
from bianzhi.matters import services as ms
from tests.matters.support import *  # noqa: F403  (the fixture ``office``)
from tests.matters.support import (
    PC1,
)

pytestmark = pytest.mark.django_db
NUMBER = PC1["身份证号"]


@pytest.fixture
def split(office):
    return ms.matter_create(
        user=office["officer"].user,
        kind="分设",
        title=f"分设（涉及 {NUMBER}）",
        basis=f"据 {NUMBER} 的来信",
        change={
            "source": "C",
            "unit": {
                "机构代码": "CF",
                "机构名称": "分设F局",
                "机构类型": "政府工作部门",
                "序列": "政府",
                "区划代码": "330602",
            },
            "staffing": [{"编制类型": "行政编制", "核定数": 1}],
            "people": [NUMBER],
        },
    )


@pytest.mark.parametrize("persona", ["leader", "inspector", "auditor"])
def test_a_masked_role_never_sees_the_number(office, split, api, persona):
    body = api(office[persona], "GET", f"/matters/{split.pk}").content.decode()
    listed = api(office[persona], "GET", "/matters").content.decode()
    client = Client()
    client.force_login(office[persona].user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(f"/matters/{split.pk}/").content.decode()
    document = client.get(f"/matters/{split.pk}/document.docx").content
    xml = zipfile.ZipFile(io.BytesIO(document)).read("word/document.xml").decode()
    for text in (body, listed, page, xml):
        assert NUMBER not in text and NUMBER[6:14] not in text
    assert mask_id_number(NUMBER) in body


def test_the_office_sees_the_number(office, split, api):
    assert NUMBER in api(office["officer"], "GET", f"/matters/{split.pk}").content.decode()
