"""Import in a real browser (Debian's Chromium, headless): the demo officer logs in, uploads a
workbook with errors, downloads the highlighted copy, fixes it, uploads it again and confirms."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import person_row, unit_row, write_xlsx
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian 的 chromium 未安装（make system-deps）"),
]


@pytest.fixture
def browser_page(monkeypatch) -> Iterator:
    """A fresh page of a headless Chromium (Playwright never downloads a browser here)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # Sync Playwright runs an event loop in this thread; the test still calls the ORM directly.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(20_000)
        try:
            yield context.new_page()
        finally:
            # ORM calls made while Playwright's event loop runs get connections of their own
            # (asgiref locals follow the loop's context): close them here, or PostgreSQL cannot
            # drop the test database at the end of the session.
            connections.close_all()
            context.close()
            browser.close()


@pytest.fixture
def office(settings, tmp_path, load):
    """A small register and the demo's accounts; jobs run at once, uploads under a temporary folder."""
    from bianzhi.demo.services import demo_accounts_create

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_DIR = tmp_path / "data"
    load({"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 5}]})
    demo_accounts_create()


def sheets_with_errors() -> dict:
    return {
        "机构": [unit_row("A"), unit_row("C", 机构类型="不存在的类型")],
        "编制": [{"机构代码": "C", "编制类型": "行政编制", "核定数": "两个"}],
        "人员": [person_row("C", 性别="女", birth=dt.date(1990, 2, 2))],
    }


def screenshot(page, name: str) -> None:
    """Pictures of the pages for a person to look at, when BIANZHI_SCREENSHOTS names a folder."""
    folder = os.environ.get("BIANZHI_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def cell_of(book, sheet: str, row: int, header: str):
    headers = [c.value for c in book[sheet][1]]
    return book[sheet].cell(row, headers.index(header) + 1)


def test_officer_imports_a_workbook_after_fixing_the_highlighted_copy(office, live_server, browser_page, tmp_path):
    from bianzhi.core.dates import today
    from bianzhi.demo.services import DEMO_PASSWORD
    from bianzhi.registry import workbooks
    from bianzhi.registry.models import Person, StaffingQuota, Unit, WorkbookUpload

    page = browser_page
    page.goto(f"{live_server.url}/imports/")
    assert "/login/" in page.url  # the import page asks for a login first
    page.fill("#id_username", "officer")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/imports/")
    assert page.locator("h1").inner_text() == "数据导入"

    # The blank template.
    with page.expect_download() as download:
        page.click("#download-template")
    assert download.value.suggested_filename == "机构编制实名制导入模板.xlsx"
    download.value.save_as(tmp_path / "模板.xlsx")
    template = openpyxl.load_workbook(tmp_path / "模板.xlsx")
    assert [c.value for c in template["编制"][1]] == ["机构代码", "编制类型", "核定数"]

    # A workbook with errors: the report lists them by sheet and row.
    source = write_xlsx(tmp_path / "越城区上报.xlsx", sheets_with_errors())
    page.set_input_files("#id_file", str(source))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#validation-failed")
    assert "校验未通过" in page.locator("#validation-failed").inner_text()
    for sheet in ("机构", "编制", "人员"):
        assert page.locator(f'#problems section[data-sheet="{sheet}"]').count() == 1
    assert page.locator('#problems tr[data-row="3"][data-column="机构类型"]').count() == 1
    assert page.locator("#confirm-form").count() == 0
    screenshot(page, "import-report")

    # The highlighted copy marks the bad cells; the officer fixes them in it.
    with page.expect_download() as download:
        page.click("#download-checked")
    assert download.value.suggested_filename == "越城区上报-校验结果.xlsx"
    checked_path = tmp_path / "checked.xlsx"
    download.value.save_as(checked_path)
    book = openpyxl.load_workbook(checked_path)
    bad_kind = cell_of(book, "机构", 3, "机构类型")
    assert bad_kind.fill.start_color.rgb == workbooks.ERROR_COLOR
    assert "机构类型" in bad_kind.comment.text
    assert cell_of(book, "编制", 2, "核定数").fill.start_color.rgb == workbooks.ERROR_COLOR
    assert cell_of(book, "人员", 2, "性别").fill.start_color.rgb == workbooks.ERROR_COLOR
    bad_kind.value = "政府工作部门"
    cell_of(book, "编制", 2, "核定数").value = 2
    cell_of(book, "人员", 2, "性别").value = "男"
    fixed = tmp_path / "越城区上报（修改）.xlsx"
    book.save(fixed)

    # The fixed workbook passes; confirming it imports it with the reason and 文号.
    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("#id_file", str(fixed))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#validation-passed")
    assert page.locator('#import-counts tr[data-sheet="机构"] td').first.inner_text() == "1"
    assert page.input_value("#id_effective") == today().isoformat()  # the date picker shows the default
    screenshot(page, "import-valid")
    page.fill("#id_reason", "年度实名制数据核对")
    page.fill("#id_document_number", "越编〔2026〕12号")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#import-done")
    assert "已导入" in page.locator("#import-done").inner_text()
    assert page.locator('#import-counts tr[data-sheet="人员"] td').first.inner_text() == "1"
    screenshot(page, "import-done")

    imported = WorkbookUpload.objects.get(state=WorkbookUpload.State.IMPORTED)
    assert imported.confirmed_by.username == "officer"
    assert imported.change_set.reason == "年度实名制数据核对"
    assert Unit.objects.filter(code="C").exists()
    assert StaffingQuota.objects.filter(unit__code="C", approved=2).exists()
    assert Person.objects.count() == 1
