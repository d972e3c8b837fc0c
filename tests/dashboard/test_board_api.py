"""GET /api/v1/board (interchange.md §3 "Supervision", issue 15): every figure of every dimension is
traced — its ``rows`` list, fetched through the API, has exactly ``value`` as its total or, with ``sum``,
as the sum of that field over all its items — today and as of a day in the past, for the office, a masked
reader and a unit HR officer; the refusals (403 out of scope, 422 without a unit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import REGISTER_DAY, person_row
from tests.dashboard.support import board_register  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("board_register")]

PAST = dt.date(2025, 12, 31)
DAYS = [REGISTER_DAY, PAST]


def _get(api, persona, path: str):
    assert path.startswith("/api/v1/"), path
    return api(persona, "GET", path.removeprefix("/api/v1"))


def _traced(api, persona, figure: dict[str, Any]) -> int:
    """The total of the figure's rows, or the sum of its field over every item (all pages)."""
    rows = figure["rows"]
    if "sum" not in figure:
        response = _get(api, persona, rows)
        assert response.status_code == 200, (figure, response.content)
        return response.json()["total"]
    total, offset = 0, 0
    path = figure["sum"].split(".")
    while True:
        response = _get(api, persona, f"{rows}&limit=1000&offset={offset}")
        assert response.status_code == 200, (figure, response.content)
        page = response.json()
        for item in page["items"]:
            total += _field_sum(item, path)
        offset += len(page["items"])
        if offset >= page["total"] or not page["items"]:
            return total


def _field_sum(value: Any, path: list[str]) -> int:
    if isinstance(value, list):
        return sum(_field_sum(v, path) for v in value)
    if not path:
        return int(value)
    return _field_sum(value[path[0]], path[1:])


def _board(api, persona, query: str) -> dict[str, Any]:
    response = api(persona, "GET", f"/board?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def _check_every_figure(api, persona, body: dict[str, Any]) -> None:
    assert body["figures"], body
    wrong = []
    for figure in body["figures"]:
        assert set(figure) <= {"key", "label", "value", "rows", "sum"}
        assert f"as_of={body['as_of']}" in figure["rows"] or "run=" in figure["rows"], figure
        traced = _traced(api, persona, figure)
        if traced != figure["value"]:
            wrong.append((figure["key"], figure["value"], traced, figure["rows"]))
    assert not wrong, wrong


@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize(
    "query",
    ["dimension=district", "dimension=department&unit=A", "dimension=department&unit=P", "dimension=party",
     "dimension=government"],
)  # fmt: skip
def test_every_figure_of_the_office_board_is_traced_to_its_rows(personas, api, query, day):
    body = _board(api, personas["officer"], f"{query}&as_of={day}")
    assert body["as_of"] == day.isoformat()
    assert body["masked"] is False
    _check_every_figure(api, personas["officer"], body)


@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize("query", ["dimension=district", "dimension=party", "dimension=department&unit=B"])
def test_every_figure_of_a_masked_readers_board_is_traced_to_its_rows(personas, api, query, day):
    body = _board(api, personas["leader"], f"{query}&as_of={day}")
    assert body["masked"] is True
    assert not any(f["key"].startswith("retire.month.") for f in body["figures"])
    assert any(f["key"] == f"retire.year.{day.year}" for f in body["figures"])
    _check_every_figure(api, personas["leader"], body)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_every_figure_of_a_unit_hr_officers_board_is_traced_to_its_rows(personas, api, day):
    body = _board(api, personas["hr_a"], f"dimension=department&unit=A&as_of={day}")
    assert body["masked"] is False
    _check_every_figure(api, personas["hr_a"], body)


def _values(body: dict[str, Any]) -> dict[str, int]:
    return {f["key"]: f["value"] for f in body["figures"]}


def test_the_district_figures_are_the_registers(personas, api):
    """As of 2026-06-30: A 行政 5 + loan 1 = 6, 1 on staff; B 行政 4 + overdue loan 1 = 5, 2 on staff,
    事业 0 approved with 1 on staff (over 1); P 行政 3 + 2 = 5, 4 on staff; Z abolished (not counted)."""
    values = _values(_board(api, personas["admin"], f"dimension=district&as_of={REGISTER_DAY}"))
    assert values["type.行政编制.approved"] == 6 + 5 + 5
    assert values["type.行政编制.actual"] == 1 + 2 + 4
    assert values["type.行政编制.vacancy"] == 5 + 3 + 1
    assert values["type.事业编制.over"] == 1  # B's 事业编制 person: never netted against AS's vacancy
    assert values["type.事业编制.vacancy"] == (3 - 1) + 2 + (2 - 1)
    assert values["sequence.党委.actual"] == 5  # P's four and PS's one
    assert values["sequence.政府.actual"] == 5
    assert values["units"] == 8  # A, A-01, AS, B, B-01, BS, P, PS (Z abolished)
    assert values["retire.month.2026-08"] == 1  # 吴乙's approved month
    assert values["retire.month.2027-01"] == 1  # 周甲: 60 years and 5 months
    assert values["loans.due.quantity"] == 2 + 1  # P's, due 2026-09-30, and A's, due 2027-01-01
    assert values["loans.due"] == 2
    assert values["loans.by.2026-09-30"] == 2
    assert values["loans.by.2027-01-31"] == 1
    party = _values(_board(api, personas["admin"], f"dimension=party&as_of={REGISTER_DAY}"))
    assert party["actual"] == 5 and party["over"] == 0 and party["approved"] == 7


def test_a_past_day_shows_the_register_of_that_day(personas, api):
    values = _values(_board(api, personas["admin"], f"dimension=department&unit=P&as_of={PAST}"))
    assert values["type.行政编制.actual"] == 5  # 陈戊 left on 2026-05-01
    assert values["type.行政编制.over"] == 0  # 3 + loan 2 = 5


def test_the_heat_map_lists_each_department_and_type(personas, api):
    body = _board(api, personas["admin"], f"dimension=district&as_of={REGISTER_DAY}")
    codes = [code for code, _name in body["layout"]["departments"]]
    assert set(codes) == {"A", "B", "P"}
    values = _values(body)
    assert values["dept.B.事业编制.over"] == 1
    assert values["dept.A.行政编制.vacancy"] == 5


def test_a_unit_hr_officer_may_ask_only_its_own_department(personas, api):
    assert api(personas["hr_a"], "GET", "/board?dimension=department&unit=A").status_code == 200
    assert api(personas["hr_a"], "GET", "/board?dimension=department&unit=AS").status_code == 200
    for query in ("dimension=department&unit=B", "dimension=department&unit=NOPE", "dimension=district",
                  "dimension=party", "dimension=government"):  # fmt: skip
        response = api(personas["hr_a"], "GET", f"/board?{query}")
        assert response.status_code == 403, (query, response.content)
        assert response.json()["code"] == "forbidden"
    # the same answer for another unit's code and a code that exists nowhere
    other = api(personas["hr_a"], "GET", "/board?dimension=department&unit=B").json()["message"]
    nowhere = api(personas["hr_a"], "GET", "/board?dimension=department&unit=NOPE").json()["message"]
    assert other.replace("B", "X") == nowhere.replace("NOPE", "X")


def test_the_department_dimension_needs_a_unit(personas, api):
    response = api(personas["admin"], "GET", "/board?dimension=department")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert api(personas["admin"], "GET", "/board?dimension=department&unit=NOPE").status_code == 404
    assert api(personas["admin"], "GET", "/board?dimension=region").status_code == 422
    assert api(personas["nobody"], "GET", "/board").status_code == 403
    assert api(personas["anonymous"], "GET", "/board").status_code == 401


def test_the_unit_is_ignored_outside_the_department_dimension(personas, api):
    body = _board(api, personas["admin"], "dimension=party&unit=A")
    assert body["unit"] is None and body["dimension"] == "party"


def test_a_change_to_the_register_shows_at_once_despite_the_cache(personas, api, load):
    before = _values(_board(api, personas["admin"], f"dimension=department&unit=A&as_of={REGISTER_DAY}"))
    load({"人员": [person_row("A", birth=dt.date(1990, 1, 1), 姓名="新人", 进编日期="2026-01-01")]})
    after = _values(_board(api, personas["admin"], f"dimension=department&unit=A&as_of={REGISTER_DAY}"))
    assert after["type.行政编制.actual"] == before["type.行政编制.actual"] + 1


def test_a_new_monitoring_run_shows_at_once(personas, api):
    from bianzhi.supervision.services import monitoring_run

    before = _board(api, personas["admin"], f"dimension=district&as_of={REGISTER_DAY}")
    monitoring_run(as_of=REGISTER_DAY)
    after = _board(api, personas["admin"], f"dimension=district&as_of={REGISTER_DAY}")
    assert len(after["layout"]["runs"]) == len(before["layout"]["runs"]) + 1
