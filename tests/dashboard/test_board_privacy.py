"""The board and domain.md §11: a reader who sees ID numbers masked (leader, inspector, auditor) learns no
person's retirement month from any board — swept over the month-ends of 2026 and every dimension — and its
retirement figures are per year; the office sees the months."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.dashboard.support import board_register  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("board_register")]

MONTH_ENDS = [dt.date(2026, m + 1, 1) - dt.timedelta(days=1) for m in range(1, 12)] + [dt.date(2026, 12, 31)]


def _months_of_people() -> set[str]:
    from bianzhi.registry.models import PersonVersion

    months: set[str] = set()
    for used, approved in PersonVersion.objects.values_list("retirement_month", "approved_retirement_month"):
        months.add(f"{used:%Y-%m}")
        if approved:
            months.add(f"{approved:%Y-%m}")
    return months


def _leaks(text: str, months: set[str]) -> list[str]:
    # The query's own year start (a masked reader's retirement rows: start=YYYY-01&months=12) says nothing
    # of anyone, as the forecast's echoed start does not (tests/api/test_api_privacy.py).
    text = re.sub(r"start=[0-9]{4}-01&months=12", "", text)
    found = []
    for month in months:
        if re.search(re.escape(month) + r"(?![0-9-])", text) or f"{month}-01" in text:
            found.append(month)
        year, mm = month.split("-")
        if f"{year}年{int(mm)}月" in text:
            found.append(month)
    return found


@pytest.mark.parametrize("persona", ["leader", "inspector", "auditor"])
def test_no_board_tells_a_masked_reader_a_retirement_month(personas, api, persona):
    months = _months_of_people()
    assert {"2026-08", "2027-01"} <= months
    for day in MONTH_ENDS:
        for query in ("dimension=district", "dimension=party", "dimension=government", "dimension=department&unit=P"):
            response = api(personas[persona], "GET", f"/board?{query}&as_of={day}")
            assert response.status_code == 200
            text = response.content.decode()
            assert not _leaks(text, months), (day, query, _leaks(text, months))


def test_the_office_sees_retirements_by_month(personas, api):
    body = api(personas["officer"], "GET", "/board?dimension=party&as_of=2026-06-30").json()
    values = {f["key"]: f["value"] for f in body["figures"]}
    assert values["retire.month.2026-08"] == 1 and values["retire.next.12"] == 2


def test_a_masked_reader_sees_retirements_by_year(personas, api):
    body = api(personas["leader"], "GET", "/board?dimension=party&as_of=2026-06-30").json()
    values = {f["key"]: f["value"] for f in body["figures"] if f["key"].startswith("retire.")}
    assert values == {"retire.year.2026": 1, "retire.year.2027": 1, "retire.year.2028": 0, "retire.year.2029": 0,
                      "retire.year.2030": 0}  # fmt: skip
