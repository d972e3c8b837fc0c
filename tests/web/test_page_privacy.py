"""Security review (issue 13), domain.md §11 on the pages: a masked role (领导, 检查人员, 审计员; a
单位人事干部 for anyone outside its subtree) never learns a hidden digit of an ID number by any page
or export — no whole number, no birth date in any format, no retirement month finer than the year,
an age that does not move within a year, a sort order that does not rank people by hidden digits,
free text (reasons, 文号, alert messages) masked — its full-number searches are rate-limited and
logged, no link carries a number, and a unit code outside its scope answers like one that does not
exist.

Every masked persona fetches every page and every export reachable to it (the URL patterns of
``bianzhi/web/urls.py`` and its includes are enumerated, so a new page fails here until it is
swept), the people and alerts pages for the 12 month-ends of a year, and reads every cell of every
exported workbook.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from conftest import NAMES, PEOPLE, REGISTER_DAY, make_id, person_row, register_sheets
from django.test import Client
from django.urls import URLPattern, URLResolver, resolve, reverse

from bianzhi.accounts.models import IdNumberLookup
from bianzhi.accounts.permissions import mask_id_number
from bianzhi.accounts.privacy import person_ref

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = REGISTER_DAY.year
MONTH_ENDS = [
    (dt.date(YEAR, month + 1, 1) if month < 12 else dt.date(YEAR + 1, 1, 1)) - dt.timedelta(days=1)
    for month in range(1, 13)
]
MASKED = ("leader", "inspector", "auditor")
#: which units' people a persona sees whole (None: every unit)
WHOLE_UNITS: dict[str, set[str] | None] = {
    "admin": None,
    "officer": None,
    "leader": set(),
    "inspector": set(),
    "auditor": set(),
    "hr_a": {"A", "A-01", "AS"},
    "hr_b": {"B", "B-01", "BS"},
}
UNITS = ("A", "A-01", "AS", "B", "B-01", "BS")


def _ending_in_x(birth: dt.date, gender: str) -> str:
    """A valid number for ``birth`` whose check character is X (to quote it as a lowercase x)."""
    for _ in range(1000):
        number = make_id(birth, gender)
        if number.endswith("X"):
            return number
    raise AssertionError("no number ending in X")


#: 孙六 retires in March of the register's year: over retirement age from April on for those who
#: see the month, which is exactly what a masked role may not learn.
SUN = person_row("B", birth=dt.date(1965, 12, 16), 姓名="孙六")
SUN["身份证号"] = _ending_in_x(dt.date(1965, 12, 16), "男")
#: 周七 (stored first) retires in 2032-11, 吴八 (stored second) in 2032-04: the same year.
ZHOU = person_row("A", birth=dt.date(1976, 4, 16), gender="女", 姓名="周七", 职务="=1+2")
WU = person_row("A", birth=dt.date(1975, 10, 16), gender="女", 姓名="吴八")
EVERYONE = {**{key: {**row, "姓名": NAMES[key]} for key, row in PEOPLE.items()}, "SUN": SUN, "ZHOU": ZHOU, "WU": WU}
UNIT_OF = {key: row["机构代码"] for key, row in EVERYONE.items()}
REASON = f"依据群众来信（举报人 {SUN['身份证号'].lower()}）首次导入"
DOCUMENT = f"越编〔2026〕{PEOPLE['PB']['身份证号']}号"
SUSPENSION_REASON = f"问题整改逾期，涉及 {PEOPLE['PB_OLD']['身份证号']}"
LIFT_REASON = f"已整改，{SUN['身份证号'].lower()} 已退休"
FORMULA = "@SUM(1,2)"


@pytest.fixture
def register(db, load):
    """The personas' register (conftest) with three more people — 孙六 retiring in March of the
    year, 周七 and 吴八 retiring in the same later year — and free text quoting ID numbers: the
    import's reason (a lowercase x) and 文号, a suspension's reason and its lifting."""
    from bianzhi.registry.models import Unit
    from bianzhi.registry.services import suspension_lift, suspension_start
    from bianzhi.supervision.services import monitoring_run

    sheets = register_sheets()
    sheets["人员"] += [SUN, ZHOU, WU]
    load(sheets, reason=REASON, document_number=DOCUMENT, actor="tests")
    units = {u.code: u for u in Unit.objects.all()}
    old = suspension_start(unit=units["B"], reason=SUSPENSION_REASON, source="问题整改", started_on=dt.date(2026, 1, 5))
    suspension_lift(suspension=old, lifted_on=dt.date(2026, 2, 1), reason=LIFT_REASON)
    old.source = FORMULA  # text that Excel would run as a formula if written as one
    old.save(update_fields=["source"])
    suspensions = {
        code: suspension_start(
            unit=units[code], reason=SUSPENSION_REASON, source="问题整改", started_on=dt.date(2026, 6, 1)
        )
        for code in ("A", "B")
    }
    run, _ = monitoring_run(as_of=REGISTER_DAY)
    return {"units": units, "suspensions": suspensions, "run": run, "people": PEOPLE}


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend=BACKEND)
    return client


# ---------------------------------------------------------------- what a masked viewer may not see


def _months(key: str) -> list[dt.date]:
    from bianzhi.registry.models import PersonVersion

    months = []
    for version in PersonVersion.objects.filter(person__id_number=EVERYONE[key]["身份证号"]):
        months += [m for m in (version.retirement_month, version.approved_retirement_month) if m]
    assert months, key
    return months


def forbidden(persona: str) -> dict[str, re.Pattern[str]]:
    """What ``persona`` must never read, described → pattern: the whole number, the birth date in
    any usual format and the retirement month of every person it does not see whole."""
    whole = WHOLE_UNITS[persona]
    result: dict[str, re.Pattern[str]] = {}
    for key, row in EVERYONE.items():
        if whole is None or UNIT_OF[key] in whole:
            continue
        number, birth = row["身份证号"], row["出生日期"]
        texts = {
            f"{key} number": number,
            f"{key} birth ISO": f"{birth:%Y-%m-%d}",
            f"{key} birth short": f"{birth.year}-{birth.month}-{birth.day}",
            f"{key} birth slash": f"{birth:%Y/%m/%d}",
            f"{key} birth dots": f"{birth:%Y.%m.%d}",
            f"{key} birth digits": f"{birth:%Y%m%d}",
            f"{key} birth Chinese": f"{birth.year}年{birth.month}月{birth.day}日",
            f"{key} birth Chinese padded": f"{birth.year}年{birth:%m}月{birth:%d}日",
        }
        for month in _months(key):
            texts[f"{key} retirement {month:%Y-%m}"] = f"{month:%Y-%m}"
            texts[f"{key} retirement {month:%Y-%m} slash"] = f"{month:%Y/%m}"
            texts[f"{key} retirement {month:%Y-%m} Chinese"] = f"{month.year}年{month.month}月"
            texts[f"{key} retirement {month:%Y-%m} padded"] = f"{month.year}年{month:%m}月"
        for name, text in texts.items():
            # Not glued to more digits or to a day: "2026-03" is not inside "2026-03-31".
            result[name] = re.compile(rf"(?<![0-9]){re.escape(text)}(?![-/.0-9])", re.IGNORECASE)
    return result


def texts_of(response) -> Iterator[str]:
    """Everything a response shows: the page, or every cell of every sheet of a workbook (dates as
    ISO text and as Excel would show them), and the file name."""
    yield response.get("Content-Disposition", "")
    yield response.get("Location", "")
    if response.get("Content-Type", "").startswith(XLSX):
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        for sheet in book.worksheets:
            yield sheet.title
            for row in sheet.iter_rows():
                for cell in row:
                    value = cell.value
                    if isinstance(value, dt.datetime | dt.date):
                        yield value.isoformat()
                        yield f"{value:%Y%m%d}"
                    elif value is not None:
                        yield str(value)
    elif hasattr(response, "streaming_content"):
        yield b"".join(response.streaming_content).decode(errors="replace")
    else:
        yield response.content.decode(errors="replace")


def leaks(persona: str, response) -> list[str]:
    patterns = forbidden(persona)
    found = []
    for text in texts_of(response):
        found += [name for name, pattern in patterns.items() if pattern.search(text)]
    return found


def formulas(response) -> list[str]:
    """The cells of an exported workbook Excel would run as formulas (none may be)."""
    if not response.get("Content-Type", "").startswith(XLSX):
        return []
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [
        f"{s.title}!{c.coordinate}" for s in book.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"
    ]


# ---------------------------------------------------------------- every page and export


def _patterns(patterns: list[Any], prefix: str) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _patterns(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}"


def web_view_names() -> set[str]:
    from bianzhi.web import urls

    return set(_patterns(urls.urlpatterns, "web:"))


#: Views no GET can reach with personal data: the login form, and writes (POST only, each refused
#: to the read-only roles — tests/web/test_imports.py, test_work_calendar_page.py).
NOT_PAGES = {
    "web:login",
    "web:logout",
    "web:imports:upload_validate",
    "web:imports:upload_confirm",
    "web:calendar:day_set",
    "web:calendar:day_remove",
    "web:calendar:year_mark",
    "web:users:user_name",
    "web:users:grant_new",
    "web:users:grant_revoke",
    "web:users:password_reset",
    "web:users:user_lock",
    # 通知 (tests/web/test_notifications_page.py): marking read is POST only.
    "web:notifications:notification_read",
    "web:notifications:notification_read_all",
    # 用编审批 (tests/web/test_approvals_pages.py): POST only.
    "web:approvals:request_action",
    "web:approvals:person_write_off",
    "web:approvals:plan_approve",
    # 监测运行 (tests/web/test_monitoring_pages.py): starting a run is POST only.
    "web:monitoring:run_start",
    # 机构编制事项 (tests/matters/test_matter_pages.py): a step is POST only.
    "web:matters:matter_step",
    # 问题整改 (tests/rectification/test_problem_pages.py): POST only.
    "web:problems:problem_from_alert",
    "web:problems:problem_answer",
    "web:problems:problem_return",
    "web:problems:problem_close",
    "web:problems:problem_attach",
}
#: Pages other work adds (the user's own account, the change log's verification): swept once they exist.
LATER_PAGES = ("web:account:verify", "web:account:two_factor", "web:account:password_change", "web:audit:verify")
UNIT_TABLES = ("staffing", "positions", "loans", "people", "alerts", "suspensions", "versions", "changes")


def every_url() -> list[str]:
    day = f"as_of={REGISTER_DAY.isoformat()}"
    urls = [
        "/",
        f"/?{day}",
        f"/?{day}&export=figures",
        f"/?{day}&export=alerts",
        f"/units/?{day}",
        f"/units/?{day}&export=units",
        f"/people/?{day}",
        f"/people/?{day}&export=people",
        f"/people/?{day}&sort=retirement_month",
        f"/people/?{day}&sort=-retirement_month&export=people",
        f"/people/?{day}&q={NAMES['PB']}&export=people",
        f"/people/?{day}&q=%3D1%2B1&export=people",
        f"/alerts/?{day}",
        f"/alerts/?{day}&export=alerts",
        f"/alerts/?{day}&rule=over_retirement_age&export=alerts",
        "/alerts/rules/",
        "/alerts/rules/over_retirement_age/",
        "/alerts/calendar/",
        f"/alerts/calendar/{YEAR}/",
        "/imports/",
        "/imports/template.xlsx",
        "/imports/1/",
        "/imports/1/progress/",
        "/imports/1/checked.xlsx",
        # The retirement forecast (issue 16): a masked role counts and lists by year. The windows leave
        # out the months the personas retire in, which a month column (for those who see months) names.
        f"/forecasts/retirements/?{day}",
        f"/forecasts/retirements/?{day}&start=2026-04&months=60",
        f"/forecasts/retirements/?{day}&start=2026-04&months=60&export=summary",
        f"/forecasts/retirements/?{day}&start=2026-04&months=60&export=people",
        f"/forecasts/retirements/?{day}&start=2026-04&months=60&unit=B&subtree=0&by=staffing_type",
        f"/forecasts/retirements/?{day}&start=2032-05&months=6&by=department&export=summary",
        f"/forecasts/retirements/?{day}&start=2032-05&months=6&export=people",
        "/forecasts/retirements/?months=61",
        "/users/",
        "/users/new/",
        "/users/1/",
    ]
    names = web_view_names()
    urls += [reverse(name) for name in LATER_PAGES if name in names]
    # every person's page (issue 16), on the register's day and on a day of each month, and a ref
    # that names nobody (so the sweep reaches the page even without a register)
    from bianzhi.registry.models import Person

    for pk in Person.objects.values_list("pk", flat=True):
        urls.append(f"/people/{person_ref(pk)}/?{day}")
        urls += [f"/people/{person_ref(pk)}/?as_of={end.isoformat()}" for end in MONTH_ENDS[::3]]
    urls.append(f"/people/{person_ref(0)}/")
    # The register's change forms (issue 16): refused (403) or not found (404) for a masked role.
    urls += [f"/register/people/{person_ref(pk)}/edit/" for pk in range(1, 9)]
    for code in UNITS:
        urls += [f"/register/units/{code}/{form}/" for form in ("quota", "position", "attributes", "loans/new")]
        urls += [f"/register/units/{code}/loans/{pk}/return/" for pk in (1, 2)]
        urls.append(f"/units/{code}/?{day}")
        urls += [f"/units/{code}/?{day}&export={table}" for table in UNIT_TABLES]
        urls.append(f"/units/{code}/?as_of=2026-01-20")  # during the lifted suspension
        # The unit tree's child rows (issue 16), plain and sorted by 超编 with one staffing type.
        urls.append(f"/units/{code}/children/?{day}")
        urls.append(f"/units/{code}/children/?{day}&sort=-over&staffing_type=事业编制")
    # 用编审批 (issue 14, bianzhi/web/approvals.py): the lists, the queue, a unit's figures, the menu, a
    # request, a slip's onboarding form and documents, the onboarding notice, 离编 of each person, 核销, plans.
    urls += ["/approvals/", "/approvals/?state=submitted", "/approvals/nav/", "/approvals/queue/"]
    urls += [f"/approvals/figures/?unit={code}" for code in ("A", "BS")]
    urls += ["/approvals/requests/1/", "/approvals/slips/YB-2026-0001/onboard/", "/approvals/slips/YB-2026-0001/docx/"]
    urls += ["/approvals/onboardings/1/pdf/", "/approvals/leave/", "/approvals/write-offs/", "/approvals/plans/"]
    urls += [f"/approvals/people/{person_ref(pk)}/leave/" for pk in [0, *Person.objects.values_list("pk", flat=True)]]
    # 通知 and 暂缓审批 (tests/web/test_notifications_page.py, test_suspension_pages.py): the lists (the lifted
    # suspension's reasons quote numbers), the start form and the lift form of each suspension.
    urls += ["/notifications/", "/notifications/?unread=1"]
    urls += [f"/suspensions/?state={state}" for state in ("in_force", "lifted", "all")]
    urls += ["/suspensions/?state=all&unit=B", "/suspensions/new/", "/suspensions/new/?unit=B"]
    urls += [f"/suspensions/{pk}/lift/" for pk in range(1, 5)]
    # 问题整改 (issue 15, bianzhi/web/problems.py; tests/rectification/test_problem_privacy.py sweeps them with
    # problems stored): the list and its export, the forms, the package, the alert panel, the unit sections.
    urls += ["/problems/", "/problems/?export=problems", "/problems/?overdue=1", "/problems/new/"]
    urls += [
        "/problems/new/?alert=1",
        "/problems/package.zip",
        "/problems/package.zip?unit=B",
        f"/problems/alerts/?{day}",
    ]
    urls += [f"/problems/units/{code}/" for code in UNITS]
    urls += ["/problems/1/", "/problems/1/attachments/1/", "/problems/1/notice.docx"]
    # 机构编制事项 and the ledger (issue 14, bianzhi/web/matters.py): the list, the editor, a matter, its
    # decision, and every unit's ledger with the slider's partial (tests/matters/ sweep a matter's text).
    urls += ["/matters/", "/matters/?state=draft", "/matters/new/", "/matters/new/?kind=分设", "/matters/ledger/"]
    urls += ["/matters/1/", "/matters/1/edit/", "/matters/1/document.docx"]
    for code in UNITS:
        urls += [
            f"/matters/ledger/{code}/",
            f"/matters/ledger/{code}/register/?i=0",
            f"/matters/ledger/{code}/register/?{day.replace('as_of', 'day')}",
        ]
    # 监测运行, 预警历史 and the forecast tabs (issue 15, bianzhi/web/monitoring.py, forecasts.py)
    urls += ["/monitoring/", "/monitoring/history/", "/monitoring/history/?export=history"]
    urls += ["/monitoring/history/?rule=over_retirement_age&export=history"]
    urls += [f"/monitoring/units/{code}/history/" for code in UNITS]
    urls += [f"/forecasts/loans/?{day}", f"/forecasts/loans/?{day}&start=2025-12&months=14&export=loans"]
    urls += [f"/forecasts/loans/?{day}&start=2025-12&months=14&export=months"]
    urls += [f"/forecasts/vacancy/?{day}", f"/forecasts/vacancy/?{day}&export=vacancy"]
    urls += [f"/forecasts/vacancy/?{day}&export=totals", f"/forecasts/vacancy/?{day}&unit=B&subtree=1&months=60"]
    # 全局一屏 (issue 15, bianzhi/web/board.py): each dimension; its retirement months (60 from the day, per
    # year for a masked role) leave out the months the personas retire in, as the forecast's windows do.
    urls += [f"/board/?{day}", f"/board/?{day}&dimension=party", f"/board/?{day}&dimension=government"]
    urls += [f"/board/?{day}&dimension=department&unit={code}" for code in ("A", "B")]
    return urls


def test_the_sweep_reaches_every_page_of_the_web_urls():
    covered = {resolve(url.split("?")[0]).view_name for url in every_url()}
    assert web_view_names() - NOT_PAGES - covered == set()


@pytest.mark.parametrize("persona", [*MASKED, "hr_a"])
def test_no_page_or_export_shows_a_masked_role_a_hidden_digit(personas, persona):
    client = client_for(personas[persona])
    found = {}
    statuses = {}
    for url in every_url():
        response = client.get(url)
        statuses[url] = response.status_code
        if leaked := leaks(persona, response) + formulas(response):
            found[url] = leaked
    assert found == {}
    # The sweep read real pages: each masked role opens the register's pages and exports.
    assert statuses[f"/people/?as_of={REGISTER_DAY}&export=people"] == 200
    assert statuses[f"/units/A/?as_of={REGISTER_DAY}&export=people"] == 200
    assert statuses["/imports/"] == 403
    # The change forms: a masked role is refused every one (an HR officer opens only its own people's).
    forms = {url: status for url, status in statuses.items() if url.startswith("/register/")}
    allowed = (403, 404) if persona in MASKED else (200, 403, 404)
    assert forms and set(forms.values()) <= set(allowed)
    assert all(status != 200 for url, status in forms.items() if url.startswith("/register/units/"))


def test_the_office_sees_what_the_masked_roles_may_not(personas):
    """The sweep's patterns are real: the office reads the numbers, birth dates and retirement
    months the masked roles are denied (so a leak would be found)."""
    client = client_for(personas["officer"])
    seen = set()
    for url in every_url():
        seen |= set(leaks("leader", client.get(url)))
    for key in ("SUN", "PB_OLD", "ZHOU"):
        assert f"{key} number" in seen
        assert f"{key} birth ISO" in seen
    assert "SUN retirement 2026-03" in seen


def test_every_export_writes_text_that_looks_like_a_formula_as_text(personas):
    """周七's 职务 "=1+2", a suspension's source "@SUM(1,2)" and a search for "=1+1" echoed in the
    conditions sheet are text cells in every export (the sweep above finds no formula cell at all)."""
    client = client_for(personas["officer"])
    cells = []
    for url in (
        f"/people/?as_of={REGISTER_DAY}&export=people",
        f"/units/A/?as_of={REGISTER_DAY}&export=people",
        f"/units/B/?as_of={REGISTER_DAY}&export=suspensions",
        "/people/?q=%3D1%2B1&export=people",
    ):
        response = client.get(url)
        assert formulas(response) == []
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        cells += [
            c for s in book.worksheets for row in s.iter_rows() for c in row if c.value in ("=1+2", FORMULA, "=1+1")
        ]
    assert sorted(c.value for c in cells) == ["=1+1", "=1+2", "=1+2", FORMULA]
    assert {c.data_type for c in cells} == {"s"}


@pytest.mark.parametrize("persona", MASKED)
def test_the_age_shown_to_a_masked_role_does_not_move_within_a_year(personas, persona):
    client = client_for(personas[persona])
    pages: dict[str, set[int]] = {}
    exports: dict[str, set[int]] = {}
    for day in MONTH_ENDS:
        for row in client.get(f"/people/?as_of={day}").context["tables"]["people"].page.object_list:
            pages.setdefault(row["name"], set()).add(row["age"])
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"/people/?as_of={day}&export=people").content))
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        for values in rows[1:]:
            row = dict(zip(rows[0], values, strict=True))
            exports.setdefault(row["姓名"], set()).add(row["年龄"])
    # Age as of 1 January: 王一 (1985-05-05) is 40 all year, 张三 (1970-07-07) 55, 周七 (1976-04-16) 49.
    assert pages[NAMES["PA"]] == exports[NAMES["PA"]] == {40}
    assert pages[NAMES["PB"]] == exports[NAMES["PB"]] == {55}
    assert pages["周七"] == exports["周七"] == {49}
    assert all(len(ages) == 1 for ages in pages.values()), pages
    assert all(len(ages) == 1 for ages in exports.values()), exports


def test_the_office_sees_the_exact_age_on_the_day(personas):
    client = client_for(personas["officer"])
    ages = {
        day: {
            r["name"]: r["age"]
            for r in client.get(f"/people/?as_of={day}").context["tables"]["people"].page.object_list
        }
        for day in (dt.date(YEAR, 4, 30), dt.date(YEAR, 5, 31))
    }
    assert ages[dt.date(YEAR, 4, 30)][NAMES["PA"]] == 40 and ages[dt.date(YEAR, 5, 31)][NAMES["PA"]] == 41


def _over_age(client: Client, day: dt.date, *, export: bool = False) -> set[str]:
    url = f"/alerts/?as_of={day}&rule=over_retirement_age"
    if export:
        book = openpyxl.load_workbook(io.BytesIO(client.get(url + "&export=alerts").content))
        return {str(row[-1]) for row in list(book.worksheets[0].iter_rows(values_only=True))[1:]}
    return {row["message"] for row in client.get(url).context["tables"]["alerts"].page.object_list}


@pytest.mark.parametrize("persona", MASKED)
def test_over_retirement_alerts_do_not_tell_a_masked_role_the_month(personas, persona):
    """Over retirement age as seen from 1 January: the alert of 孙六 (retiring 2026-03) would
    appear in April and give the month away; a masked role sees the alerts of earlier years only,
    the same all year, with the year alone."""
    client = client_for(personas[persona])
    seen = {day: _over_age(client, day) for day in MONTH_ENDS}
    exported = {day: _over_age(client, day, export=True) for day in (MONTH_ENDS[0], MONTH_ENDS[5], MONTH_ENDS[11])}
    number = PEOPLE["PB_OLD"]["身份证号"]
    expected = {f"钱五（{mask_id_number(number)}）法定退休月份为 2020，仍在编"}
    assert all(messages == expected for messages in seen.values()), seen
    assert all(messages == expected for messages in exported.values()), exported


def test_over_retirement_alerts_give_the_office_the_month(personas):
    client = client_for(personas["officer"])
    assert not any("孙六" in m for m in _over_age(client, dt.date(YEAR, 3, 31)))
    assert f"孙六（{SUN['身份证号']}）法定退休月份为 2026-03，仍在编" in _over_age(client, dt.date(YEAR, 4, 30))


def _retirement_order(client: Client, sort: str) -> list[str]:
    rows = client.get(f"/people/?as_of={REGISTER_DAY}&staffing_type=行政编制&sort={sort}").context["tables"]["people"]
    return [r["name"] for r in rows.page.object_list if r["name"] in ("周七", "吴八")]


def test_sorting_by_retirement_month_does_not_rank_a_masked_roles_people_by_the_month(personas):
    """周七 retires in 2032-11, 吴八 in 2032-04: the office sorts them by the month; a masked role
    sorts on the year it sees, so the two keep the order they were stored in either way."""
    from bianzhi.registry.models import PersonVersion

    office = client_for(personas["officer"])
    assert _retirement_order(office, "retirement_month") == ["吴八", "周七"]
    assert _retirement_order(office, "-retirement_month") == ["周七", "吴八"]
    stored = list(PersonVersion.objects.filter(name__in=["周七", "吴八"]).order_by("pk").values_list("name", flat=True))
    assert stored == ["周七", "吴八"]
    for persona in MASKED:
        client = client_for(personas[persona])
        assert _retirement_order(client, "retirement_month") == stored, persona
        assert _retirement_order(client, "-retirement_month") == stored[::-1], persona
        rows = client.get(f"/people/?as_of={REGISTER_DAY}&q=周七").context["tables"]["people"].page.object_list
        assert [(r["retirement_month"], r["birth_date"]) for r in rows] == [("2032", None)]


# ---------------------------------------------------------------- free text


@pytest.mark.parametrize("persona", [*MASKED, "hr_a", "hr_b"])
def test_reasons_and_document_numbers_are_masked_for_roles_that_do_not_see_every_number(personas, persona):
    """The import's reason quotes 孙六's number with a lowercase x, its 文号 张三's; suspensions
    quote 钱五's: a unit HR officer sees them in the unit's history, a masked role also in the
    suspension table, the summary and (the auditor) the change log."""
    client = client_for(personas[persona])
    code = "A" if persona == "hr_a" else "B"
    page = client.get(f"/units/{code}/?as_of={REGISTER_DAY}").content.decode()
    assert mask_id_number(SUN["身份证号"]) in page
    history = client.get(f"/units/{code}/?as_of={REGISTER_DAY}").context["history"]
    assert mask_id_number(SUN["身份证号"]) in history[0].reason and mask_id_number(PEOPLE["PB"]["身份证号"]) in (
        history[0].document_number
    )
    secret = [SUN["身份证号"], PEOPLE["PB"]["身份证号"], PEOPLE["PB_OLD"]["身份证号"]]
    for url in [f"/units/{code}/?as_of={REGISTER_DAY}&export={t}" for t in ("suspensions", "changes")]:
        response = client.get(url)
        text = "\n".join(texts_of(response))
        assert not any(n.lower() in text.lower() for n in secret), url
    if code == "B":
        text = "\n".join(texts_of(client.get(f"/units/B/?as_of={REGISTER_DAY}&export=suspensions")))
        assert mask_id_number(PEOPLE["PB_OLD"]["身份证号"]) in text and mask_id_number(SUN["身份证号"]) in text


def test_the_office_reads_reasons_whole(personas):
    client = client_for(personas["officer"])
    text = "\n".join(texts_of(client.get(f"/units/B/?as_of={REGISTER_DAY}&export=suspensions")))
    assert PEOPLE["PB_OLD"]["身份证号"] in text and SUN["身份证号"].lower() in text
    assert client.get(f"/units/B/?as_of={REGISTER_DAY}").context["history"][0].document_number == DOCUMENT


def test_a_person_records_difference_hides_the_birth_date_from_a_masked_role():
    """The change log's before → after of a person record: a masked role reads neither the 出生日期
    nor a month derived from it finer than the year (nor the number, in any field)."""
    from bianzhi.web.listings import change_difference

    number = SUN["身份证号"]
    before = {"身份证号": number, "出生日期": "1965-12-16", "法定退休月份": "2026-03", "职务": "科员"}
    after = {**before, "批准退休年月": "2027-06", "职务": f"科长（原 {number}）"}
    whole = change_difference(before, after, whole=True)
    assert "批准退休年月：2027-06" in whole and number in whole
    masked = change_difference({}, after, whole=False)
    assert "1965" not in masked and "2026-03" not in masked and "2027-06" not in masked and number not in masked
    assert "出生日期" not in masked and "法定退休月份：2026" in masked and "批准退休年月：2027" in masked
    assert mask_id_number(number) in masked


# ---------------------------------------------------------------- links


def test_no_link_carries_an_id_number(personas):
    """There is no person page yet: no link, form target or htmx URL of any page carries an ID
    number (whole or masked) or names one; a person is referred to by ``person_ref`` only."""
    numbers = [row["身份证号"] for row in EVERYONE.values()]
    numbers += [mask_id_number(n) for n in numbers]
    attribute = re.compile(r'(?:href|action|hx-get|hx-post|src)="([^"]*)"')
    for persona in ("officer", "leader", "hr_a"):
        client = client_for(personas[persona])
        for url in every_url():
            response = client.get(url)
            if response.get("Content-Type", "").startswith("text/html"):
                for link in attribute.findall(response.content.decode()):
                    assert "id_number" not in link and not any(n in link for n in numbers), (persona, url, link)


# ---------------------------------------------------------------- full-number searches


def test_full_number_searches_of_a_masked_role_are_limited_and_logged(personas, settings):
    settings.ID_LOOKUP_LIMIT = 20
    leader = personas["leader"]
    client = client_for(leader)
    number = PEOPLE["PB"]["身份证号"]
    for _ in range(20):
        rows = client.get(f"/people/?q={number}").context["tables"]["people"].page.object_list
        assert [(r["name"], r["id_number"]) for r in rows] == [(NAMES["PB"], mask_id_number(number))]
    refused = client.get(f"/people/?q={number}")
    assert list(refused.context["tables"]["people"].page.object_list) == []
    assert "按完整身份证号查询过于频繁：每小时最多 20 次" in refused.content.decode()
    exported = openpyxl.load_workbook(io.BytesIO(client.get(f"/people/?q={number}&export=people").content))
    assert len(list(exported.worksheets[0].iter_rows())) == 1  # the header alone
    about = {k: v for k, v in exported.worksheets[1].iter_rows(values_only=True)}
    assert "按完整身份证号查询过于频繁" in about["查询被拒绝"] and about["行数"] == "0"
    # The unit page's people table counts too; a name search does not.
    unit = client.get(f"/units/B/?people-q={number}").context["tables"]["people"]
    assert list(unit.page.object_list) == [] and unit.refusal
    assert client.get(f"/people/?q={NAMES['PB']}").context["tables"]["people"].count == 1
    logged = list(IdNumberLookup.objects.filter(user=leader.user).order_by("pk"))
    assert len(logged) == 23
    assert [entry.refused for entry in logged] == [False] * 20 + [True] * 3
    assert {entry.number for entry in logged} == {number}
    assert {entry.door for entry in logged} == {"/people/", "/units/B/"} and {e.origin for e in logged} == {"127.0.0.1"}


def test_the_office_searches_full_numbers_without_a_limit(personas, settings):
    settings.ID_LOOKUP_LIMIT = 2
    client = client_for(personas["officer"])
    number = PEOPLE["PB"]["身份证号"]
    for _ in range(4):
        assert client.get(f"/people/?q={number}").context["tables"]["people"].count == 1
    assert not IdNumberLookup.objects.exists()


def test_a_masked_export_does_not_echo_a_searched_number(personas):
    client = client_for(personas["leader"])
    number = PEOPLE["PB"]["身份证号"]
    response = client.get(f"/people/?q={number}&export=people")
    text = "\n".join(texts_of(response))
    assert number not in text and mask_id_number(number) in text


# ---------------------------------------------------------------- the existence oracle


def _normalised(response, code: str) -> tuple[int, str]:
    text = (
        "\n".join(texts_of(response))
        if response.get("Content-Type", "").startswith(XLSX)
        else response.content.decode()
    )
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r"导出时间\n[^\n]+", "", text)
    return response.status_code, text.replace(code, "<code>")


@dataclass(frozen=True)
class Probe:
    template: str

    def url(self, code: str) -> str:
        return self.template.format(code=code)


PROBES = [
    Probe("/units/{code}/"),
    Probe("/units/{code}/?as_of=2026-06-30&export=people"),
    Probe("/units/{code}/?export=changes"),
    Probe("/people/?unit={code}"),
    Probe("/people/?unit={code}&export=people"),
    Probe("/alerts/?unit={code}&as_of=2026-06-30"),
    Probe("/units/?q={code}"),
    Probe("/forecasts/retirements/?unit={code}&start=2026-04"),
]


@pytest.mark.parametrize("probe", PROBES, ids=[p.template for p in PROBES])
def test_a_unit_outside_the_scope_answers_like_one_that_does_not_exist(personas, probe):
    client = client_for(personas["hr_a"])
    elsewhere = _normalised(client.get(probe.url("BS")), "BS")
    nowhere = _normalised(client.get(probe.url("QX")), "QX")
    assert elsewhere == nowhere
    if probe.template.startswith("/units/{code}/"):
        assert elsewhere[0] == 404
