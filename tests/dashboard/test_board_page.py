"""The board page /board/ (issue 15): it renders for every reader, in Chinese, switches dimension, and
every number on it links to a page that lists exactly that many rows."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.test import Client

from tests.conftest import REGISTER_DAY

pytestmark = pytest.mark.django_db

DAY = REGISTER_DAY.isoformat()


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _data(response) -> dict:
    match = re.search(
        r'<script id="board-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "board-data missing"
    return json.loads(match.group(1))


def _links(response) -> dict[str, str]:
    html = response.content.decode()
    return {key: unescape(href) for href, key in re.findall(r'href="([^"]*)" data-board-link="([^"]+)"', html)}


@pytest.mark.parametrize("persona", ["admin", "officer", "leader", "inspector", "auditor"])
def test_the_board_renders_for_every_district_reader(personas, persona):
    response = client_for(personas[persona]).get(f"/board/?as_of={DAY}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "全局一屏" in html and "分编制类型" in html and "各部门空编" in html
    assert "js/board.js" in html and "echarts.min.js" in html
    assert "<script>" not in html  # no inline script (CSP)
    data = _data(response)
    assert data["layout"]["types"] == ["行政编制", "事业编制"]


def test_a_unit_hr_officer_gets_its_own_department(personas):
    client = client_for(personas["hr_a"])
    response = client.get(f"/board/?as_of={DAY}")
    assert response.status_code == 200
    assert "机构A（A）及下属机构" in response.content.decode()
    assert client.get(f"/board/?dimension=district&as_of={DAY}").status_code == 403
    assert client.get(f"/board/?dimension=department&unit=B&as_of={DAY}").status_code == 403


def test_the_nav_links_the_board_with_the_day(personas):
    html = client_for(personas["officer"]).get(f"/?as_of={DAY}").content.decode()
    assert f'href="/board/?as_of={DAY}"' in html
    assert "全局一屏" in html


def test_switching_dimension_shows_that_board(personas):
    client = client_for(personas["officer"])
    government = client.get(f"/board/?dimension=government&as_of={DAY}")
    assert "政府序列" in government.content.decode()
    department = client.get(f"/board/?dimension=department&unit=B&as_of={DAY}")
    assert "机构B（B）及下属机构" in department.content.decode()
    missing = client.get(f"/board/?dimension=department&as_of={DAY}")
    assert missing.status_code == 200
    assert "部门维度须指定机构代码" in missing.content.decode()


@pytest.mark.parametrize(
    "query", ["dimension=district", "dimension=government", "dimension=party", "dimension=department&unit=B"]
)
def test_every_number_links_to_a_page_with_that_many_rows(personas, query):
    client = client_for(personas["officer"])
    response = client.get(f"/board/?{query}&as_of={DAY}")
    data = _data(response)
    links = _links(response)
    assert links, "no links"
    for key, href in links.items():
        value = data["figures"][key][0]
        page = client.get(href)
        assert page.status_code == 200, (key, href)
        if href.startswith("/people/"):
            count = re.search(r'data-testid="count">(\d+)<', page.content.decode())
            assert count and int(count.group(1)) == value, (key, href, value)
        elif href.startswith("/alerts/") and "severity=" in href and "run=" not in href:
            count = re.search(r'data-testid="count">(\d+)<', page.content.decode())
            assert count and int(count.group(1)) == value, (key, href, value)
        elif href.startswith("/forecasts/retirements/"):  # the sequence's retirements, not the district's
            assert len(page.context["forecast"].people) == value, (key, href, value)
            if "dimension=party" in query or "dimension=government" in query:
                assert "sequence=" in href, (key, href)


def test_every_chart_element_has_a_link_that_opens(personas):
    client = client_for(personas["officer"])
    data = _data(client.get(f"/board/?as_of={DAY}"))
    for key, (_value, link, label) in data["figures"].items():
        assert link, key
        assert label
        assert client.get(link).status_code == 200, (key, link)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (f"/board/?dimension=district&as_of={DAY}", {"admin", "officer", "leader", "inspector", "auditor"}),
        (f"/board/?dimension=party&as_of={DAY}", {"admin", "officer", "leader", "inspector", "auditor"}),
        (
            f"/board/?dimension=department&unit=A&as_of={DAY}",
            {"admin", "officer", "leader", "inspector", "auditor", "hr_a"},
        ),
        (
            f"/board/?dimension=department&unit=B&as_of={DAY}",
            {"admin", "officer", "leader", "inspector", "auditor", "hr_b"},
        ),
    ],
)
def test_the_board_page_is_allowed_and_refused_by_role(personas, url, allowed):
    for name, persona in personas.items():
        if name == "anonymous":
            response = Client().get(url)
            assert response.status_code == 302 and "/login/" in response["Location"], url
            continue
        response = client_for(persona).get(url)
        assert response.status_code == (200 if name in allowed else 403), (name, url, response.status_code)
