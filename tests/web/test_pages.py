"""The pages' behaviour: login and lockout, the top bar, the home figures, the unit tree and its
filters, a unit as of a past day, person search with masking, alerts, sorting, pagination, htmx
partials and Excel exports that carry the page's filters and masking (domain.md §3, §4, §11)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import NAMES, PB, PB_OLD, REGISTER_DAY, register_sheets, unit_row
from django.test import Client

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
DAY = REGISTER_DAY.isoformat()


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


def sheet_rows(response) -> list[dict]:
    """The first sheet of an exported workbook as dicts keyed by the (Chinese) header."""
    assert response.status_code == 200, response.status_code
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def conditions(response) -> dict:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return {k: v for k, v in book.worksheets[1].iter_rows(values_only=True)}


@pytest.fixture
def passwords(personas, settings):
    """Passwords ``pw-<name>`` for the personas that log in through the form (a fast hasher)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for name in ("officer", "leader"):
        user = personas[name].user
        user.set_password(f"pw-{name}")
        user.save()
    return personas


def table(response, name: str):
    return response.context["tables"][name]


def rows_of(response, name: str) -> list[dict]:
    return list(table(response, name).page.object_list)


# ---------------------------------------------------------------- login, lockout, top bar


def test_login_page_is_chinese_with_the_platform_name(client):
    response = client.get("/login/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "机构编制数字化管理平台" in text
    assert "登录" in text and "密码" in text


def test_login_then_home_then_logout(passwords):
    client = Client()
    response = client.post("/login/", {"username": "leader", "password": "pw-leader"})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "退出登录" in home.content.decode()
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_repeated_wrong_passwords_lock_the_account_out(passwords, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/login/", {"username": "officer", "password": "wrong"})
        assert response.status_code == 200
        assert "请输入一个正确的用户名和密码" in response.content.decode()
    locked = client.post("/login/", {"username": "officer", "password": "wrong"})
    assert locked.status_code == 429
    assert "账号已锁定" in locked.content.decode()
    # Even the right password is refused while locked out.
    assert client.post("/login/", {"username": "officer", "password": "pw-officer"}).status_code == 429
    # Another account from the same address is not locked.
    assert client.post("/login/", {"username": "leader", "password": "pw-leader"}).status_code == 302


def test_top_bar_shows_the_roles_and_units(personas):
    text = client_for(personas["hr_a"]).get("/").content.decode()
    assert "单位人事干部 · 机构A" in text
    text = client_for(personas["auditor"]).get("/").content.decode()
    assert "审计员" in text


@pytest.mark.parametrize(("name", "shown"), [("admin", True), ("officer", True), ("leader", False), ("hr_a", False)])
def test_the_top_bar_links_to_the_import_only_for_those_who_may_import(personas, name, shown):
    text = client_for(personas[name]).get("/").content.decode()
    assert ('id="nav-imports"' in text) is shown
    assert ('href="/imports/"' in text) is shown
    assert (">数据导入</a>" in text.replace('<i class="bi bi-upload" aria-hidden="true"></i> ', "")) is shown


def test_the_import_link_is_active_on_the_import_pages(personas):
    text = client_for(personas["officer"]).get("/imports/").content.decode()
    assert 'class="nav-link active" href="/imports/" id="nav-imports"' in text


def test_a_user_without_a_role_is_told_so_on_the_home_page(personas):
    response = client_for(personas["nobody"]).get("/")
    assert response.status_code == 200
    assert "尚未授予角色" in response.content.decode()


def test_english_is_served_to_a_browser_that_asks_for_it(personas):
    response = client_for(personas["admin"]).get("/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Export to Excel" in response.content.decode()


# ---------------------------------------------------------------- home


def test_home_figures_are_those_of_the_users_own_units(personas):
    """单位人事干部 of A: A (行政编制 5 + a loan of 1 in use since 2026-01-01, 1 on staff) and AS
    (事业编制 3, 1 on staff); nothing of B."""
    response = client_for(personas["hr_a"]).get(f"/?as_of={DAY}")
    figures = {r["staffing_type"]: r for r in rows_of(response, "figures")}
    assert set(figures) == {"行政编制", "事业编制"}
    assert (figures["行政编制"]["approved"], figures["行政编制"]["actual"], figures["行政编制"]["vacancy"]) == (6, 1, 5)
    assert (figures["事业编制"]["approved"], figures["事业编制"]["actual"]) == (3, 1)
    assert {r["unit"] for r in rows_of(response, "alerts")} <= {"A", "A-01", "AS"}


def test_home_figures_roll_up_the_whole_district_for_the_office(personas):
    response = client_for(personas["leader"]).get(f"/?as_of={DAY}")
    figures = {r["staffing_type"]: r for r in rows_of(response, "figures")}
    # 行政编制: A 5+1, B 4+1 (B's loan is overdue but still in use) = 11; on staff PA, PB, PB_OLD.
    assert (figures["行政编制"]["approved"], figures["行政编制"]["actual"]) == (11, 3)
    # 事业编制: AS 3, BS 2; on staff PAS and PB_MIXED (in B, which has no 事业编制: over by 1).
    assert (figures["事业编制"]["approved"], figures["事业编制"]["actual"], figures["事业编制"]["over"]) == (5, 2, 1)
    totals = response.context["totals"]
    # Summed unit by unit: vacancy − over = approved − actual (12 − 1 = 16 − 5), nothing netted away.
    assert (totals.approved, totals.actual, totals.vacancy, totals.over) == (16, 5, 12, 1)


def test_home_exports_its_figures(personas):
    response = client_for(personas["hr_b"]).get(f"/?as_of={DAY}&export=figures")
    rows = {r["编制类型"]: r for r in sheet_rows(response)}
    assert rows["行政编制"]["核定数"] == 5 and rows["事业编制"]["超编数"] == 1


# ---------------------------------------------------------------- the unit tree


def test_unit_tree_lists_the_top_units_and_exports_the_whole_tree_with_depth(personas):
    """The page lists the top units (their children come through web:unit_children, issue 16);
    the export is the whole tree, affiliated units before 内设机构."""
    client = client_for(personas["admin"])
    response = client.get(f"/units/?as_of={DAY}")
    assert [(r["code"], r["depth"]) for r in rows_of(response, "units")] == [("A", 0), ("B", 0)]
    exported = sheet_rows(client.get(f"/units/?as_of={DAY}&export=units"))
    assert [(r["机构代码"], r["层级"]) for r in exported] == [
        ("A", 1),
        ("AS", 2),
        ("A-01", 2),
        ("B", 1),
        ("BS", 2),
        ("B-01", 2),
    ]


def test_unit_hr_officer_sees_only_the_own_subtree_in_the_tree_and_its_export(personas):
    client = client_for(personas["hr_a"])
    assert [r["code"] for r in rows_of(client.get("/units/"), "units")] == ["A"]
    assert [r["机构代码"] for r in sheet_rows(client.get("/units/?export=units"))] == ["A", "AS", "A-01"]


def test_unit_tree_filters_by_kind_sequence_and_division(personas):
    client = client_for(personas["admin"])
    assert [r["code"] for r in rows_of(client.get("/units/?kind=事业单位"), "units")] == ["AS", "BS"]
    assert rows_of(client.get("/units/?sequence=党委"), "units") == []
    assert len(rows_of(client.get("/units/?region=330602"), "units")) == 6


def test_unit_tree_filters_by_alert_colour(personas):
    """B is over its 事业编制 (0 approved, 1 on staff) on the day: 高, so red; the internal
    divisions have no alert: green."""
    client = client_for(personas["admin"])
    all_rows = {r["code"]: r["colour"] for r in client.get(f"/units/?as_of={DAY}").context["tables"]["units"].rows()}
    assert all_rows["B"] == "red"
    assert all_rows["A-01"] == "green" and all_rows["B-01"] == "green"
    red = [r["code"] for r in rows_of(client.get(f"/units/?as_of={DAY}&colour=red"), "units")]
    assert red == [code for code, colour in all_rows.items() if colour == "red"]
    green = [r["code"] for r in rows_of(client.get(f"/units/?as_of={DAY}&colour=green"), "units")]
    assert "B" not in green and "A-01" in green
    exported = sheet_rows(client.get(f"/units/?as_of={DAY}&colour=red&export=units"))
    assert [r["机构代码"] for r in exported] == red
    assert exported[0]["预警"] == "红（高）"


def test_unit_tree_sorts_by_a_column_in_both_directions(personas):
    client = client_for(personas["admin"])
    ascending = [r["actual"] for r in rows_of(client.get(f"/units/?as_of={DAY}&sort=actual"), "units")]
    assert ascending == sorted(ascending)
    descending = rows_of(client.get(f"/units/?as_of={DAY}&sort=-actual"), "units")
    assert descending[0]["code"] == "B"  # PB, PB_MIXED, PB_OLD
    # An unknown sort key falls back to the tree order.
    assert rows_of(client.get("/units/?sort=password"), "units")[0]["code"] == "A"


# ---------------------------------------------------------------- a unit's page


def test_unit_page_shows_figures_positions_loans_people_alerts_and_suspension(personas):
    response = client_for(personas["admin"]).get(f"/units/B/?as_of={DAY}")
    text = response.content.decode()
    staffing = {r["staffing_type"]: r for r in rows_of(response, "staffing")}
    assert (staffing["行政编制"]["quota"], staffing["行政编制"]["loans"], staffing["行政编制"]["approved"]) == (4, 1, 5)
    assert (staffing["行政编制"]["actual"], staffing["行政编制"]["vacancy"], staffing["行政编制"]["usable"]) == (
        2,
        3,
        3,
    )
    assert (staffing["事业编制"]["approved"], staffing["事业编制"]["over"], staffing["事业编制"]["usable"]) == (
        0,
        1,
        -1,
    )
    positions = [{k: v for k, v in r.items() if k != "actual_url"} for r in rows_of(response, "positions")]
    assert positions == [{"category": "正职", "approved": 1, "actual": 0, "vacancy": 1, "over": 0}]
    loans = rows_of(response, "loans")
    assert loans[0]["overdue"] is True and loans[0]["quantity"] == 1
    assert {r["name"] for r in rows_of(response, "people")} == {NAMES["PB"], NAMES["PB_MIXED"], NAMES["PB_OLD"]}
    rules = {r["rule"] for r in rows_of(response, "alerts")}
    assert {"over_staffing", "overdue_turnover", "mixed_staffing", "over_retirement_age"} <= rules
    assert "暂缓审批中" in text and "问题整改逾期" in text
    assert "您正在查看截至 2026-06-30 的登记数据" in text


def test_unit_page_before_the_suspension_shows_none(personas):
    text = client_for(personas["leader"]).get("/units/A/?as_of=2026-05-01").content.decode()
    assert "未暂缓审批" in text and "暂缓审批中" not in text


def test_unit_page_as_of_a_past_day_shows_the_attributes_then(personas, load):
    load(
        {"机构": [unit_row("A", 机构名称="机构A新名", 核定内设机构数=1)]},
        effective=dt.date(2026, 3, 1),
        reason="更名",
        document_number="越编〔2026〕3号",
    )
    client = client_for(personas["auditor"])
    before = client.get("/units/A/?as_of=2026-02-28")
    after = client.get("/units/A/?as_of=2026-03-01")
    assert before.context["title"] == "机构A" and after.context["title"] == "机构A新名"
    versions = rows_of(after, "versions")
    assert [(v["name"], v["current"]) for v in versions] == [("机构A新名", True), ("机构A", False)]
    assert versions[1]["valid_to"] == dt.date(2026, 3, 1)
    changes = rows_of(after, "changes")
    renamed = [c for c in changes if c["entity"] == "机构" and c["action"] == "修改"]
    assert renamed and "机构A → 机构A新名" in renamed[0]["difference"]
    assert renamed[0]["document_number"] == "越编〔2026〕3号"


def test_the_change_log_of_a_unit_is_only_for_those_who_read_the_log(personas):
    assert "changes" in client_for(personas["auditor"]).get("/units/A/").context["tables"]
    for name in ("leader", "inspector", "hr_a"):
        response = client_for(personas[name]).get("/units/A/")
        assert "changes" not in response.context["tables"]
        assert "变更日志" not in response.content.decode()


def test_a_unit_not_yet_established_on_the_day_is_shown_as_not_active(personas, load):
    load({"机构": [unit_row("C", 成立日期="2026-09-01")]})
    response = client_for(personas["officer"]).get("/units/C/?as_of=2026-08-31")
    assert "该日不在存续期" in response.content.decode()
    assert rows_of(response, "staffing") == []


# ---------------------------------------------------------------- people


def test_person_search_by_name_or_full_id_number_but_not_part_of_one(personas):
    client = client_for(personas["admin"])
    assert [r["name"] for r in rows_of(client.get("/people/?q=张三"), "people")] == ["张三"]
    assert [r["name"] for r in rows_of(client.get(f"/people/?q={PB['身份证号']}"), "people")] == ["张三"]
    assert [r["name"] for r in rows_of(client.get(f"/people/?q={PB['身份证号'].lower()}"), "people")] == ["张三"]
    assert rows_of(client.get(f"/people/?q={PB['身份证号'][:14]}"), "people") == []


def test_id_numbers_are_whole_for_the_office_and_the_own_hr_officer_and_masked_for_others(personas):
    number = PB["身份证号"]
    masked = f"{number[:6]}********{number[-4:]}"
    for name, expected in [("admin", number), ("officer", number), ("hr_b", number), ("leader", masked)]:
        client = client_for(personas[name])
        row = rows_of(client.get(f"/people/?q={number}"), "people")[0]
        assert row["id_number"] == expected, name
        assert (row["birth_date"] is None) == (expected == masked)
        exported = sheet_rows(client.get(f"/people/?q={number}&export=people"))
        assert [r["身份证号"] for r in exported] == [expected], name
    # A full ID number finds the person only for those who may see them.
    assert rows_of(client_for(personas["hr_a"]).get(f"/people/?q={number}"), "people") == []


def test_person_list_filters_sorts_and_exports_the_same_rows(personas):
    client = client_for(personas["inspector"])
    url = "/people/?staffing_type=行政编制&sort=-name"
    page = [r["name"] for r in rows_of(client.get(url), "people")]
    ascending = [r["name"] for r in rows_of(client.get(url.replace("-name", "name")), "people")]
    # The database's collation decides the order; descending is its exact reverse.
    assert page == ascending[::-1] and sorted(page) == sorted([NAMES["PA"], NAMES["PB"], NAMES["PB_OLD"]])
    exported = sheet_rows(client.get(url + "&export=people"))
    assert [r["姓名"] for r in exported] == page
    about = conditions(client.get(url + "&export=people"))
    assert about["编制类型"] == "行政编制" and about["导出人"] == "inspector" and about["行数"] == "3"


def test_person_list_is_paginated(personas, monkeypatch):
    from bianzhi.web.listings import PersonTable

    monkeypatch.setattr(PersonTable, "per_page", 2)
    client = client_for(personas["admin"])
    pages = [rows_of(client.get(f"/people/?sort=name&page={n}"), "people") for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert len({r["name"] for p in pages for r in p}) == 5
    # The export is never cut to a page.
    assert len(sheet_rows(client.get("/people/?page=2&export=people"))) == 5


def test_an_htmx_request_for_a_table_gets_that_table_alone(personas):
    response = client_for(personas["admin"]).get(
        "/units/B/?people-sort=name", headers={"HX-Request": "true", "HX-Target": "table-people"}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith("<section") and 'id="table-people"' in text
    assert "<html" not in text and 'id="table-staffing"' not in text


def test_a_table_on_the_unit_page_keeps_its_own_parameters(personas):
    response = client_for(personas["admin"]).get("/units/B/?people-staffing_type=事业编制&loans-status=已回收")
    assert [r["name"] for r in rows_of(response, "people")] == [NAMES["PB_MIXED"]]
    assert rows_of(response, "loans") == []
    assert len(rows_of(response, "staffing")) == 2


# ---------------------------------------------------------------- alerts


def test_alerts_of_a_day_with_a_stored_run_come_from_that_run(personas, register):
    response = client_for(personas["leader"]).get(f"/alerts/?as_of={DAY}")
    assert response.context["alerts"].run == register["run"]
    assert f"来自第 {register['run'].pk} 次监测运行" in response.content.decode()


def test_alerts_of_another_day_are_evaluated_on_the_spot(personas):
    response = client_for(personas["leader"]).get("/alerts/?as_of=2025-12-31")
    assert response.context["alerts"].run is None
    assert "预警为即时计算" in response.content.decode()
    # B's loan is not yet overdue on 2025-12-31 (due 2026-01-01).
    assert "overdue_turnover" not in {r["rule"] for r in rows_of(response, "alerts")}


def test_alerts_filter_by_rule_severity_unit_and_sequence(personas):
    client = client_for(personas["officer"])
    by_rule = rows_of(client.get(f"/alerts/?as_of={DAY}&rule=mixed_staffing"), "alerts")
    assert by_rule and {r["rule"] for r in by_rule} == {"mixed_staffing"}
    high = rows_of(client.get(f"/alerts/?as_of={DAY}&severity=高"), "alerts")
    assert high and {r["severity"] for r in high} == {"高"}
    of_b = rows_of(client.get(f"/alerts/?as_of={DAY}&unit=B"), "alerts")
    assert of_b and {r["unit"] for r in of_b} == {"B"}
    assert rows_of(client.get(f"/alerts/?as_of={DAY}&sequence=法院"), "alerts") == []
    exported = sheet_rows(client.get(f"/alerts/?as_of={DAY}&severity=高&export=alerts"))
    assert len(exported) == len(high) and {r["严重程度"] for r in exported} == {"高"}


def test_alerts_mask_id_numbers_for_those_who_may_not_see_them(personas):
    number = PB_OLD["身份证号"]
    masked = f"{number[:6]}********{number[-4:]}"
    for name, expected in [("admin", number), ("hr_b", number), ("leader", masked), ("auditor", masked)]:
        client = client_for(personas[name])
        rows = rows_of(client.get(f"/alerts/?as_of={DAY}&rule=over_retirement_age"), "alerts")
        assert [r["person"] for r in rows] == [expected], name
        assert number not in rows[0]["message"] or expected == number
        exported = sheet_rows(client.get(f"/alerts/?as_of={DAY}&rule=over_retirement_age&export=alerts"))
        assert [r["身份证号"] for r in exported] == [expected]
        assert (number in exported[0]["说明"]) == (expected == number)


def test_unit_hr_officers_see_only_their_units_alerts(personas):
    rows = rows_of(client_for(personas["hr_a"]).get(f"/alerts/?as_of={DAY}"), "alerts")
    assert {r["unit"] for r in rows} <= {"A", "A-01", "AS"}
    assert rows_of(client_for(personas["hr_a"]).get(f"/alerts/?as_of={DAY}&unit=B"), "alerts") == []


def test_an_invalid_day_falls_back_to_today_with_a_warning(personas):
    response = client_for(personas["admin"]).get("/units/?as_of=2026-02-30")
    assert response.status_code == 200
    assert "日期格式无效" in response.content.decode()


def test_an_unknown_table_cannot_be_exported(personas):
    assert client_for(personas["admin"]).get("/units/?export=nothing").status_code == 404


def test_register_sheets_are_the_personas_register():
    """Guards the figures above: they are read off the personas' register in tests/conftest.py."""
    sheets = register_sheets()
    assert {u["机构代码"] for u in sheets["机构"]} == {"A", "A-01", "AS", "B", "B-01", "BS"}


# ---------------------------------------------------------------- assets and translation


def test_pages_load_nothing_from_outside_the_server(personas):
    """Bootstrap, its icons, ECharts and htmx are served from /static/ (npm copies, no CDN)."""
    import re

    client = client_for(personas["admin"])
    for url in ("/", "/units/", "/units/A/", "/people/", "/alerts/", "/login/"):
        text = client.get(url).content.decode()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), url
    home = client.get("/").content.decode()
    for asset in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "vendor/echarts/echarts.min.js",
    ):
        assert f"/static/{asset}" in home


def test_every_string_of_the_interface_has_a_chinese_translation():
    from pathlib import Path

    po = Path(__file__).resolve().parents[2] / "bianzhi" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    untranslated = []
    for entry in po.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in entry.splitlines() if not line.startswith("#")]
        if not lines or (lines[0] == 'msgid ""' and lines[1].startswith("msgstr")):
            continue  # the header
        msgstr = "".join(line for line in lines[next(i for i, line in enumerate(lines) if line.startswith("msgstr")) :])
        if msgstr.strip() == 'msgstr ""':
            untranslated.append(lines[0])
    assert untranslated == []


BIANZHI = Path(__file__).resolve().parents[2] / "bianzhi"
#: The pages' Python modules whose user-facing strings are English sources (docstrings aside).
ENGLISH_SOURCE_MODULES = ("web/views.py", "web/imports.py")
CJK = re.compile(r"[\u4e00-\u9fff]")  # Chinese characters (punctuation may join data)


def templates() -> list[Path]:
    found = sorted((BIANZHI / "templates").rglob("*.html"))
    assert BIANZHI / "templates" / "web" / "imports" / "upload_detail.html" in found
    return found


def test_the_templates_have_no_chinese_outside_translations():
    """Every template, the import pages' included, writes its text in English inside
    ``{% translate %}``/``{% blocktranslate %}``: Chinese comes from the .po (comments aside)."""
    from django.template.base import Lexer, TokenType

    chinese = []
    for template in templates():
        in_comment = False
        for token in Lexer(template.read_text(encoding="utf-8")).tokenize():
            if token.token_type == TokenType.BLOCK and token.contents in ("comment", "endcomment"):
                in_comment = token.contents == "comment"
            elif not in_comment and token.token_type != TokenType.COMMENT and CJK.search(token.contents):
                chinese.append(f"{template.relative_to(BIANZHI)}:{token.lineno}: {token.contents[:60]}")
    assert chinese == []


def test_the_pages_python_strings_are_english_sources():
    import ast

    chinese = []
    for module in ENGLISH_SOURCE_MODULES:
        tree = ast.parse((BIANZHI / module).read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if CJK.search(node.value):
                    chinese.append(f"{module}:{node.lineno}: {node.value[:60]}")
    assert chinese == []


def test_every_message_of_the_pages_is_in_the_translation(tmp_path):
    """The messages of every template and of the pages' modules (what ``makemessages`` would
    extract) are all in django.po, so none is shown in English to a Chinese user."""
    import shutil
    import subprocess

    from django.utils.translation.template import templatize

    if shutil.which("xgettext") is None or shutil.which("msgcmp") is None:
        pytest.skip("gettext 的 xgettext/msgcmp 未安装")
    sources = []
    for template in templates():
        converted = tmp_path / f"{len(sources)}.py"
        converted.write_text(templatize(template.read_text(encoding="utf-8"), origin=str(template)), encoding="utf-8")
        sources.append(converted)
    sources += sorted((BIANZHI / "web").rglob("*.py"))
    pot = tmp_path / "pages.pot"
    keywords = ["gettext_noop", "gettext_lazy", "ngettext_lazy:1,2", "pgettext:1c,2", "pgettext_lazy:1c,2"]
    subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "-o", str(pot)]
        + [f"--keyword={k}" for k in keywords]
        + [str(s) for s in sources],
        check=True,
    )
    po = BIANZHI / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(["msgcmp", str(po), str(pot)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
