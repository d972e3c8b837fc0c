"""The board's register for tests/dashboard (``from tests.dashboard.support import board_register``, a
fixture): the personas' register plus a 党委 department, retirements within the window, a loan falling due,
an abolished unit with a person left on staff, and two monitoring runs."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import REGISTER_DAY, person_row, unit_row


@pytest.fixture
def board_register(register, load):
    """The personas' register (政府 units A and B) plus a 党委 department P with a public institution PS,
    people retiring within the window (one by an approved flexible month), a loan falling due, an
    abolished unit Z with a person still on staff (orphaned), a 2025 run and a run as of 2026-06-30."""
    from bianzhi.supervision.services import monitoring_run

    load(
        {
            "机构": [
                unit_row("P", "党委工作机关", 序列="党委", 核定内设机构数=1),
                unit_row("PS", "事业单位", 上级机构代码="P", 事业单位类别="公益一类"),
                unit_row("Z", 成立日期="2020-01-01", 撤销日期="2026-03-01"),
            ],
            "编制": [
                {"机构代码": "P", "编制类型": "行政编制", "核定数": 3},
                {"机构代码": "PS", "编制类型": "事业编制", "核定数": 2},
                {"机构代码": "Z", "编制类型": "行政编制", "核定数": 2},
            ],
            "周转编制": [
                {
                    "机构代码": "P",
                    "编制类型": "行政编制",
                    "数量": 2,
                    "使用日期": "2025-06-01",
                    "回收日期": "2026-09-30",
                    "状态": "使用中",
                },
            ],
            "人员": [
                person_row("P", birth=dt.date(1966, 8, 1), 姓名="周甲"),
                person_row("P", birth=dt.date(1966, 6, 15), 姓名="吴乙", 批准退休年月="2026-08"),
                person_row("P", birth=dt.date(1980, 1, 1), 姓名="郑丙"),
                person_row("P", birth=dt.date(1981, 1, 1), 姓名="冯丁"),
                person_row("P", birth=dt.date(1982, 1, 1), 姓名="陈戊", 人员状态="调出", 离编日期="2026-05-01"),
                person_row(
                    "PS", staffing="事业编制", category="事业专业技术人员", birth=dt.date(1970, 2, 2), gender="女"
                ),
                person_row("Z", birth=dt.date(1979, 9, 9), 姓名="褚己"),
            ],
        }
    )
    monitoring_run(as_of=dt.date(2025, 12, 31))
    monitoring_run(as_of=REGISTER_DAY)
    return register
