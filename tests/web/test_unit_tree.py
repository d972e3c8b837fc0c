"""The unit tree (issue 16, "The unit tree is a tree"): the page lists the top units, a row's
children come from a partial (web:unit_children) — affiliated units, then 内设机构 folded under one
row — each row carries its own figures and its total with its descendants (own + descendants,
exactly; vacancies and excesses summed unit by unit), the counts name 机构 and 内设机构 apart, the
staffing type filter changes the figures, 超编/空编 sort descending on the first click and sorting
orders siblings within their parent; a unit HR officer sees their subtree only. The Excel copy
carries 层级, 上级机构代码 and an outline; every export fits its columns, filters its header and
names its file without repeated words."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from conftest import REGISTER_DAY
from django.test import Client

from bianzhi.web.exports import MAX_WIDTH, file_name, text_width

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
DAY = REGISTER_DAY.isoformat()
FIGURES = ("approved", "actual", "vacancy", "over")


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


def units(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    return list(response.context["tables"]["units"].page.object_list)


def workbook(response):
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.content))


def sheet_rows(book) -> list[dict]:
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def child_codes(response) -> list[tuple[str, str]]:
    """(code, data-parent) of each unit row of a children partial, in order."""
    assert response.status_code == 200, response.status_code
    text = response.content.decode()
    return re.findall(r'<tr data-path="[^"]*" data-code="([^"]+)" data-parent="([^"]*)"', text)


def test_the_page_lists_the_top_units_with_own_figures_and_totals(personas):
    """On the day: A has 行政编制 5 + a loan of 1 = 6 approved, 1 on staff; AS 事业编制 3, 1 on
    staff. B 行政编制 4 + 1 = 5 with 2 on staff, 事业编制 0 with 1 on staff (over 1); BS 事业编制 2.
    B's totals: vacancy 3 + 2 = 5 and over 1 — not 7 − 3 = 4, never netted."""
    rows = {r["code"]: r for r in units(client_for(personas["admin"]).get(f"/units/?as_of={DAY}"))}
    assert list(rows) == ["A", "B"]
    assert [rows["A"][f] for f in FIGURES] == [6, 1, 5, 0]
    assert [rows["A"][f"total_{f}"] for f in FIGURES] == [9, 2, 7, 0]
    assert [rows["B"][f] for f in FIGURES] == [5, 3, 3, 1]
    assert [rows["B"][f"total_{f}"] for f in FIGURES] == [7, 3, 5, 1]
    assert (rows["A"]["affiliated"], rows["A"]["divisions"]) == (1, 1)


def test_every_total_is_its_own_figures_plus_its_childrens_totals(personas):
    table = client_for(personas["admin"]).get(f"/units/?as_of={DAY}").context["tables"]["units"]
    rows = list(table.rows())
    assert len(rows) == 6
    for row in rows:
        children = [r for r in rows if r["parent_code"] == row["code"]]
        for name in FIGURES:
            assert row[f"total_{name}"] == row[name] + sum(c[f"total_{name}"] for c in children), (row["code"], name)


def test_a_units_children_are_its_affiliated_units_then_its_folded_internal_divisions(personas):
    client = client_for(personas["admin"])
    response = client.get(f"/units/A/children/?as_of={DAY}")
    assert child_codes(response) == [("AS", "A"), ("A-01", "A/~")]
    text = response.content.decode()
    assert 'data-testid="divisions-of-A"' in text and "内设机构 1 个" in text
    # The child rows carry their figures (AS: 3 approved, 1 on staff) and link their own children.
    assert ">3</a></td>" in text and 'href="/units/AS/?as_of=2026-06-30"' in text
    # A leaf has no expand button; A's own row has one that fetches with the page's day.
    page = client.get(f"/units/?as_of={DAY}&sort=-over").content.decode()
    assert 'hx-get="/units/A/children/?as_of=2026-06-30&amp;sort=-over"' in page


def test_a_unit_hr_officer_sees_only_the_own_subtree(personas):
    client = client_for(personas["hr_a"])
    assert [r["code"] for r in units(client.get(f"/units/?as_of={DAY}"))] == ["A"]
    assert [c for c, _ in child_codes(client.get(f"/units/A/children/?as_of={DAY}"))] == ["AS", "A-01"]
    assert client.get(f"/units/B/children/?as_of={DAY}").status_code == 404
    assert client.get(f"/units/BS/children/?as_of={DAY}").status_code == 404
    counts = client.get(f"/units/?as_of={DAY}").content.decode()
    assert "机构 2，内设机构 1" in counts


def test_the_counts_name_units_and_internal_divisions_apart(personas):
    client = client_for(personas["admin"])
    assert "机构 4，内设机构 2" in client.get(f"/units/?as_of={DAY}").content.decode()
    narrowed = client.get(f"/units/?as_of={DAY}&kind=事业单位")
    assert [r["code"] for r in units(narrowed)] == ["AS", "BS"]
    assert "机构 2，内设机构 0" in narrowed.content.decode()
    # The matches are listed in tree order, indented, without expand buttons.
    assert "tree-toggle" not in narrowed.content.decode().split("<tbody", 1)[1]
    assert "tree-toggle" in client.get(f"/units/?as_of={DAY}").content.decode().split("<tbody", 1)[1]
    divisions = client.get(f"/units/?as_of={DAY}&kind=内设机构")
    assert "机构 0，内设机构 2" in divisions.content.decode()


def test_the_staffing_type_filter_gives_that_types_figures_and_keeps_the_tree(personas):
    client = client_for(personas["admin"])
    rows = {r["code"]: r for r in units(client.get(f"/units/?as_of={DAY}&staffing_type=事业编制"))}
    assert list(rows) == ["A", "B"]
    assert [rows["A"][f] for f in FIGURES] == [0, 0, 0, 0]
    assert [rows["A"][f"total_{f}"] for f in FIGURES] == [3, 1, 2, 0]
    assert [rows["B"][f"total_{f}"] for f in FIGURES] == [2, 1, 2, 1]
    administrative = {r["code"]: r for r in units(client.get(f"/units/?as_of={DAY}&staffing_type=行政编制"))}
    assert [administrative["B"][f"total_{f}"] for f in FIGURES] == [5, 2, 3, 0]
    # The children come with the same type.
    page = client.get(f"/units/?as_of={DAY}&staffing_type=事业编制").content.decode()
    assert "/units/A/children/?as_of=2026-06-30&amp;staffing_type=" in page


def test_vacancy_and_over_sort_descending_on_the_first_click_and_siblings_stay_under_their_parent(personas):
    client = client_for(personas["admin"])
    table = client.get(f"/units/?as_of={DAY}").context["tables"]["units"]
    links = {cell["column"].key: cell["url"] for cell in table.header}
    for key in ("vacancy", "over", "total_vacancy", "total_over"):
        assert links[key].endswith(f"sort=-{key}"), key
    assert links["approved"].endswith("sort=approved")
    assert [r["code"] for r in units(client.get(f"/units/?as_of={DAY}&sort=-total_over"))] == ["B", "A"]
    assert [r["code"] for r in units(client.get(f"/units/?as_of={DAY}&sort=-total_vacancy"))] == ["A", "B"]
    assert [r["code"] for r in units(client.get(f"/units/?as_of={DAY}&sort=total_vacancy"))] == ["B", "A"]
    # The export of a sorted tree keeps each unit under its parent: B's subtree first, whole.
    book = workbook(client.get(f"/units/?as_of={DAY}&sort=-total_over&export=units"))
    assert [(r["机构代码"], r["上级机构代码"]) for r in sheet_rows(book)] == [
        ("B", None),
        ("BS", "B"),
        ("B-01", "B"),
        ("A", None),
        ("AS", "A"),
        ("A-01", "A"),
    ]
    # Children sorted by vacancy: the 内设机构 stay folded after the affiliated units.
    assert [c for c, _ in child_codes(client.get(f"/units/B/children/?as_of={DAY}&sort=-vacancy"))] == ["BS", "B-01"]


def test_the_export_carries_level_parent_outline_autofilter_and_fitted_widths(personas):
    response = client_for(personas["admin"]).get(f"/units/?as_of={DAY}&export=units")
    book = workbook(response)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["层级", "上级机构代码", "机构", "机构代码"]
    assert "含下属核定数" in header and "含下属超编数" in header
    rows = sheet_rows(book)
    assert [(r["机构代码"], r["层级"], r["上级机构代码"]) for r in rows] == [
        ("A", 1, None),
        ("AS", 2, "A"),
        ("A-01", 2, "A"),
        ("B", 1, None),
        ("BS", 2, "B"),
        ("B-01", 2, "B"),
    ]
    b = next(r for r in rows if r["机构代码"] == "B")
    assert (b["含下属核定数"], b["含下属空编数"], b["含下属超编数"]) == (7, 5, 1)
    # The outline: children one level below their parent, summaries above.
    levels = [sheet.row_dimensions[n].outline_level for n in range(2, 8)]
    assert levels == [0, 1, 1, 0, 1, 1]
    assert sheet.sheet_properties.outlinePr.summaryBelow is False
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}7"
    # Widths fit the content: the name column is as wide as its widest cell, the level column narrow.
    widths = {
        header[i]: sheet.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width for i in range(len(header))
    }
    names = [r[header[2]] for r in rows]
    assert widths[header[2]] == max(text_width(header[2]), *map(text_width, names)) + 2
    assert widths["层级"] < widths["含下属核定数"] <= MAX_WIDTH
    # The conditions state the rows written, the file is named once.
    conditions = dict(book.worksheets[1].iter_rows(values_only=True))
    assert conditions["行数"] == "6"
    assert "filename*=utf-8''%E6%9C%BA%E6%9E%84-2026-06-30.xlsx" in response["Content-Disposition"]


def test_every_export_fits_its_columns_and_filters_its_header(personas):
    client = client_for(personas["admin"])
    for url in (
        f"/people/?as_of={DAY}&export=people",
        f"/alerts/?as_of={DAY}&export=alerts",
        f"/?as_of={DAY}&export=figures",
    ):
        book = workbook(client.get(url))
        sheet = book.worksheets[0]
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), url
        widths = [d.width for d in sheet.column_dimensions.values() if d.width]
        assert widths and all(6 <= w <= MAX_WIDTH for w in widths), url
        assert sheet.freeze_panes == "A2"


def test_file_names_do_not_repeat_words():
    day = dt.date(2026, 6, 30)
    assert file_name("机构", "机构", day) == "机构-2026-06-30.xlsx"
    assert file_name("人员", "人员", day) == "人员-2026-06-30.xlsx"
    assert file_name("预警", "当前预警", day) == "当前预警-2026-06-30.xlsx"
    assert file_name("机构B", "人员", day) == "机构B-人员-2026-06-30.xlsx"
    assert file_name("a/b", "", day) == "a-b-2026-06-30.xlsx"


def test_text_width_counts_chinese_characters_double():
    assert text_width("机构A") == 5 and text_width(None) == 0 and text_width(12) == 2


def test_the_tree_says_that_its_figures_add_the_staffing_types_together(personas):
    """Issue 16: staffing types are never added together in a column without saying so."""
    text = client_for(personas["officer"]).get(f"/units/?as_of={DAY}").content.decode()
    for key in (
        "approved",
        "actual",
        "vacancy",
        "over",
        "total_approved",
        "total_actual",
        "total_vacancy",
        "total_over",
    ):
        header = re.search(rf'<th[^>]*data-help="{key}"[^>]*>', text)
        assert header is not None, key
        assert "各编制类型相加" in header.group(0), key
    assert "从不相互抵消" in re.search(r'<th[^>]*data-help="vacancy"[^>]*>', text).group(0)


def people_count(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.context["tables"]["people"].count


@pytest.mark.parametrize("staffing_type", ["", "行政编制", "事业编制"])
def test_every_tree_figure_links_to_exactly_the_rows_behind_it(personas, staffing_type):
    """Issue 16 "figures explain themselves" on the tree: a unit's 实有 opens its people on staff (of
    the filter's type), a total's 实有 the people of its subtree; a total's 核定/空编/超编 opens the
    subtree's units, whose own figures add up to it; a unit's own figures open its staffing table."""
    client = client_for(personas["admin"])
    typed = f"&staffing_type={staffing_type}" if staffing_type else ""
    page = client.get(f"/units/?as_of={DAY}{typed}")
    rows = list(page.context["tables"]["units"].page.object_list)
    assert rows
    for row in rows:
        assert people_count(client, row["actual_url"]) == row["actual"], row["code"]
        assert people_count(client, row["total_actual_url"]) == row["total_actual"], row["code"]
        assert row["staffing_url"].startswith(f"/units/{row['code']}/?as_of={DAY}")
        assert row["staffing_url"].endswith("#table-staffing")
        subtree = client.get(row["subtree_url"]).context["tables"]["units"]
        members = list(subtree.rows())
        assert members[0]["code"] == row["code"]
        for name in FIGURES:
            assert sum(m[name] for m in members) == row[f"total_{name}"], (row["code"], name)
    html = page.content.decode()
    assert f'href="{rows[0]["total_actual_url"]}"'.replace("&", "&amp;") in html


def test_a_unit_hr_officers_subtree_links_stay_within_its_units(personas):
    """The people behind a total are counted within the officer's scope, like the total itself."""
    persona = personas["hr_a"]
    client = client_for(persona)
    rows = units(client.get(f"/units/?as_of={DAY}"))
    for row in rows:
        assert people_count(client, row["total_actual_url"]) == row["total_actual"], row["code"]
