"""Figures explain themselves (issue 16): every figure on the home and unit pages links to the rows
behind it and the linked list adds up to the figure; 空编/超编/在途 say how they are counted; the
staffing types are never added up without saying so; the 职数 table has 职数 headings; the unit page
shows every stored attribute and folds its filters away; alerts explain their rule and name the
division; the top navigation keeps the day (domain.md §3, §4)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from conftest import REGISTER_DAY
from django.test import Client

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
DAY = REGISTER_DAY.isoformat()


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


def all_rows(response, name: str) -> list[dict]:
    return list(response.context["tables"][name].rows())


def count(response, name: str) -> int:
    return response.context["tables"][name].count


def href(html: str, attribute: str, value: str) -> str:
    """The href of the element carrying ``attribute="value"`` (attributes in any order)."""
    for tag in re.findall(r"<a\b[^>]*>", html):
        if f'{attribute}="{value}"' in tag:
            return unescape(re.search(r'href="([^"]*)"', tag).group(1))
    raise AssertionError(f"no link with {attribute}={value}")


# ---------------------------------------------------------------- the home page's cards


@pytest.mark.parametrize(
    "name, figures",
    [
        ("officer", {"units": 6, "approved": 16, "actual": 5, "vacancy": 12, "over": 1}),
        ("hr_a", {"units": 3, "approved": 9, "actual": 2, "vacancy": 7, "over": 0}),
    ],
)
def test_each_home_card_links_to_rows_that_add_up_to_it(personas, name, figures):
    client = client_for(personas[name])
    home = client.get(f"/?as_of={DAY}")
    html = home.content.decode()
    totals = home.context["totals"]
    assert {k: getattr(totals, k) for k in ("approved", "actual", "vacancy", "over")} | {
        "units": home.context["figures"].units
    } == figures
    # 机构: the unit tree of the day holds exactly that many units (内设机构 included)
    units = client.get(href(html, "data-kpi-link", "units"))
    assert len(all_rows(units, "units")) == figures["units"]
    # 核定/空编/超编: the unit tree sorted by the figure (largest first), whose units' own figures
    # add up to it unit by unit
    for key in ("approved", "vacancy", "over"):
        url = href(html, "data-kpi-link", key)
        assert f"sort=-{key}" in url and f"as_of={DAY}" in url
        listed = client.get(url)
        assert listed.context["tables"]["units"].sort == f"-{key}"
        assert sum(r[key] for r in all_rows(listed, "units")) == figures[key], key
    # 实有: the people on staff that day, one row each
    people = client.get(href(html, "data-kpi-link", "actual"))
    assert count(people, "people") == figures["actual"]
    assert {r["status"] for r in all_rows(people, "people")} == {"在编"}


@pytest.mark.parametrize("name", ["officer", "hr_a"])
def test_each_alert_count_links_to_that_many_alerts(personas, name):
    client = client_for(personas[name])
    home = client.get(f"/?as_of={DAY}")
    html = home.content.decode()
    counts = home.context["alert_counts"]
    assert sum(counts.values()) == (8 if name == "officer" else 2)
    for severity, n in counts.items():
        listed = client.get(href(html, "data-alert-count", severity))
        assert count(listed, "alerts") == n, severity


@pytest.mark.parametrize(
    "name, per_type", [("officer", {"行政编制": 3, "事业编制": 2}), ("hr_a", {"行政编制": 1, "事业编制": 1})]
)
def test_the_actual_cell_of_each_staffing_type_lists_its_people(personas, name, per_type):
    client = client_for(personas[name])
    home = client.get(f"/?as_of={DAY}")
    rows = all_rows(home, "figures")
    assert {r["staffing_type"]: r["actual"] for r in rows} == per_type
    html = home.content.decode()
    for row in rows:
        assert f'href="{row["actual_url"].replace("&", "&amp;")}" data-figure-link="actual"' in html
        people = client.get(row["actual_url"])
        assert count(people, "people") == row["actual"]
        assert {r["staffing_type"] for r in all_rows(people, "people")} == {row["staffing_type"]}


def test_the_home_page_says_why_approved_minus_actual_is_not_the_vacancy(personas):
    officer = client_for(personas["officer"]).get(f"/?as_of={DAY}").content.decode()
    # 16 − 5 = 11, yet 空编 12: B's excess of one 事业编制 is not netted against A's vacancies
    note = re.search(r'data-testid="not-netted">(.*?)</p>', officer, re.S).group(1)
    assert "16 − 5 = 11" in note and "不等于空编数 12" in note and "从不相互抵消" in note
    assert "空编数 − 超编数 = 11" in note
    # Nobody over staffed in A's subtree: approved − actual is the vacancy, nothing to explain
    hr_a = client_for(personas["hr_a"]).get(f"/?as_of={DAY}").content.decode()
    assert 'data-testid="not-netted"' not in hr_a


def test_vacancy_over_and_in_transit_explain_themselves_on_hover(personas):
    html = client_for(personas["officer"]).get(f"/?as_of={DAY}").content.decode()
    cards = {key: re.search(rf'<a\b[^>]*data-kpi-link="{key}"[^>]*>', html).group(0) for key in ("vacancy", "over")}
    assert "空编数逐个机构、逐个编制类型相加，从不相互抵消" in cards["vacancy"]
    assert "超编数逐个机构、逐个编制类型相加，从不相互抵消" in cards["over"]
    assert all('data-bs-toggle="tooltip"' in card for card in cards.values())
    headings = dict(re.findall(r'<th\b[^>]*title="([^"]*)"[^>]*data-help="(\w+)"', html))
    by_key = {v: k for k, v in headings.items()}
    assert "从不相互抵消" in by_key["vacancy"] and "从不相互抵消" in by_key["over"]
    assert by_key["reserved"].startswith("在途：已批准且未过期的用编审批单上尚未使用的名额")
    assert "/static/js/tooltips.js" in html  # Bootstrap's tooltip, started from a static file


def test_totals_of_all_staffing_types_say_they_add_the_types(personas):
    html = client_for(personas["officer"]).get(f"/?as_of={DAY}").content.decode()
    assert "合计（各编制类型相加）" in re.search(r'data-testid="types-added">(.*?)</p>', html, re.S).group(1)


# ---------------------------------------------------------------- the unit page


@pytest.mark.parametrize("name", ["officer", "hr_a"])
def test_a_units_actual_and_leader_figures_link_to_its_people_table(personas, name):
    client = client_for(personas[name])
    page = client.get(f"/units/AS/?as_of={DAY}")
    (row,) = all_rows(page, "staffing")
    assert (row["staffing_type"], row["actual"]) == ("事业编制", 1)
    assert row["actual_url"].endswith("#table-people")
    listed = client.get(row["actual_url"])
    assert count(listed, "people") == 1
    assert listed.context["tables"]["people"].filters_active  # the people filter shows open
    page = client.get(f"/units/A/?as_of={DAY}")
    (position,) = all_rows(page, "positions")
    assert (position["category"], position["approved"], position["actual"]) == ("正职", 1, 0)
    assert count(client.get(position["actual_url"]), "people") == 0
    staffing = all_rows(page, "staffing")
    assert [(r["staffing_type"], r["actual"]) for r in staffing] == [("行政编制", 1)]
    assert count(client.get(staffing[0]["actual_url"]), "people") == 1


def test_the_leader_position_table_has_position_headings(personas):
    page = client_for(personas["officer"]).get(f"/units/A/?as_of={DAY}")
    labels = [str(c.label) for c in page.context["tables"]["positions"].columns]
    assert labels == ["职数类别", "核定职数", "实配数", "空缺", "超配"]
    section = re.search(r'id="table-positions".*?</section>', page.content.decode(), re.S).group(0)
    assert "空编" not in section and "超编" not in section


def test_the_unit_page_shows_every_stored_attribute_and_its_colour_in_words(personas):
    html = client_for(personas["officer"]).get(f"/units/AS/?as_of={DAY}").content.decode()
    attributes = dict(re.findall(r'data-attribute="(\w+)">([^<]*)<', html))
    assert attributes == {
        "institution_class": "公益一类",
        "funding": "—",
        "civil_servant_managed": "否",
        "priority_tags": "—",
    }
    for label in ("事业单位类别", "经费形式", "参公管理", "重点领域", "机构规格", "统一社会信用代码"):
        assert f">{label}</dt>" in html, label
    # AS has a low-severity alert (vacancy_idle): a blue badge that says so in words
    badge = re.search(r'data-testid="unit-colour"[^>]*>(.*?)</span>\s*</div>', html, re.S).group(0)
    assert 'data-colour="blue"' in badge and "蓝（低）" in badge


def test_the_unit_pages_filters_fold_away_unless_one_is_given(personas):
    client = client_for(personas["officer"])
    html = client.get(f"/units/A/?as_of={DAY}").content.decode()
    forms = re.findall(r'<form method="get"[^>]*filter-form[^>]*>', html)
    assert len(forms) >= 6
    assert all(" collapse" in f and " show" not in f for f in forms)
    assert 'data-fold="people"' in html and 'aria-controls="table-people-filters"' in html
    html = client.get(f"/units/A/?as_of={DAY}&people-staffing_type=行政编制").content.decode()
    opened = re.search(r'<form method="get"[^>]*id="table-people-filters"[^>]*>', html).group(0)
    assert "collapse show" in opened
    # the table swapped in by htmx after filtering keeps its fold (open, the filter being given)
    partial = client.get(
        f"/units/A/?as_of={DAY}&people-staffing_type=行政编制",
        headers={"HX-Request": "true", "HX-Target": "table-people"},
    ).content.decode()
    assert 'data-fold="people"' in partial
    assert "collapse show" in re.search(r'<form method="get"[^>]*id="table-people-filters"[^>]*>', partial).group(0)
    # the people list (not a unit page) keeps its filters open as before
    people = client.get(f"/people/?as_of={DAY}").content.decode()
    assert "data-fold=" not in people and " collapse" not in re.search(r"<form[^>]*filter-form[^>]*>", people).group(0)


# ---------------------------------------------------------------- alerts


@pytest.mark.parametrize("name", ["officer", "hr_a"])
def test_alerts_explain_their_rule_and_name_the_division(personas, name):
    page = client_for(personas[name]).get(f"/alerts/?as_of={DAY}")
    rows = all_rows(page, "alerts")
    assert rows and all(r["region_label"] == "330602 越城区" for r in rows)
    idle = next(r for r in rows if r["rule"] == "vacancy_idle")
    assert idle["rule_description"].startswith("负面清单：编制资源应盘活使用")
    html = page.content.decode()
    assert "规则说明（负面清单）" in html and "负面清单：编制资源应盘活使用" in html
    if name == "officer":
        over = next(r for r in rows if r["rule"] == "over_staffing")
        assert over["rule_description"].startswith("负面清单：不得超编制配备人员")


# ---------------------------------------------------------------- the top navigation


def test_the_top_navigation_keeps_the_day_being_looked_at(personas):
    client = client_for(personas["officer"])
    for url in ("/", "/units/", "/units/A/", "/people/", "/alerts/"):
        html = client.get(f"{url}?as_of=2025-12-31").content.decode()
        for nav, target in (
            ("home", "/"),
            ("unit_list", "/units/"),
            ("person_list", "/people/"),
            ("alert_list", "/alerts/"),
        ):
            assert href(html, "data-nav", nav) == f"{target}?as_of=2025-12-31", (url, nav)
    # today (no day given) and an invalid day: plain links
    for query in ("", "?as_of=2025-13-45"):
        html = client.get(f"/units/{query}").content.decode()
        assert href(html, "data-nav", "alert_list") == "/alerts/"
    # following the link shows that day
    assert (
        client.get(href(client.get("/?as_of=2025-12-31").content.decode(), "data-nav", "alert_list"))
        .context["day"]
        .isoformat()
        == "2025-12-31"
    )
