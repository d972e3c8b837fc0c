"""The command-line contract of interchange.md §2, driven through the installed console script."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIANZHI, database_query, person_row, run, unit_row, write_csv_folder


def as_json(completed: subprocess.CompletedProcess):
    return json.loads(completed.stdout.decode("utf-8"))


D = "2026-06-30"
OLD_MAN = person_row("B", birth=dt.date(1964, 12, 10))
OLD_WOMAN = person_row("A", birth=dt.date(1960, 5, 5), gender="女")
LEAVER = person_row("A", status="调出", 离编日期=dt.date(2026, 3, 2))
MIXED = person_row("A", staffing="事业编制")
YOUNG = person_row("A", birth=dt.date(1966, 3, 1))


def contract_workbook(folder: Path) -> Path:
    units = [
        unit_row("B", 核定内设机构数=0),
        unit_row("B-1", "内设机构", 上级机构代码="B"),
        unit_row("A"),
        unit_row("S", "事业单位"),
    ]
    return write_csv_folder(
        folder,
        {
            "机构": units,
            "编制": [
                {"机构代码": "A", "编制类型": "行政编制", "核定数": 1},
                {"机构代码": "B", "编制类型": "行政编制", "核定数": 5},
                {"机构代码": "S", "编制类型": "事业编制", "核定数": 10},
            ],
            "周转编制": [
                {
                    "机构代码": "B",
                    "编制类型": "行政编制",
                    "数量": 1,
                    "使用日期": "2025-01-01",
                    "回收日期": "2026-03-31",
                    "状态": "使用中",
                }
            ],
            "限额": [
                {"区划代码": "330602", "限额类别": "党政机构", "限额数": 1},
                {"区划代码": "330602", "限额类别": "事业单位", "限额数": 1},
            ],
            "人员": [OLD_MAN, OLD_WOMAN, LEAVER, MIXED, YOUNG],
        },
    )


@pytest.mark.django_db(transaction=True)
def test_cli_contract(database_url, tmp_path):
    # An unmigrated database is misuse (2), and the message says what to do.
    completed = run(database_url, "monitor", "--json")
    assert completed.returncode == 2
    assert "bianzhi migrate" in completed.stderr.decode("utf-8")
    assert completed.stdout == b""

    assert run(database_url, "migrate").returncode == 0

    # Misuse: unknown command, unknown option, malformed values.
    assert run(database_url, "frobnicate").returncode == 2
    assert run(database_url, "monitor", "--bogus").returncode == 2
    assert run(database_url, "monitor", "--as-of", "2026/06/30").returncode == 2
    assert run(database_url, "forecast", "retirements", "--months", "0").returncode == 2
    assert run(database_url, "forecast", "retirements", "--from", "2026-13").returncode == 2
    assert run(database_url, "import", str(tmp_path), "--effective", "tomorrow").returncode == 2

    # Rejected input: a path that does not exist, a workbook with errors (exit 1, JSON on stdout).
    missing = run(database_url, "import", str(tmp_path / "nope.xlsx"), "--json")
    assert missing.returncode == 1
    assert as_json(missing)["ok"] is False
    bad = write_csv_folder(
        tmp_path / "bad", {"机构": [unit_row("A", 机构类型="?")], "人员": [person_row("A", 性别="女")]}
    )
    rejected = run(database_url, "import", str(bad), "--json")
    assert rejected.returncode == 1
    document = as_json(rejected)
    assert set(document) == {"ok", "errors", "warnings"}
    assert document["ok"] is False
    assert document["errors"] == [
        {"sheet": "机构", "row": 2, "column": "机构类型", "message": document["errors"][0]["message"]},
        {"sheet": "人员", "row": 2, "column": "性别", "message": document["errors"][1]["message"]},
    ]
    assert all(isinstance(e["message"], str) and e["message"] for e in document["errors"])

    # Dry run, then the import itself.
    book = contract_workbook(tmp_path / "book")
    dry = run(database_url, "import", str(book), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr.decode()
    counts = {"机构": 4, "编制": 3, "职数": 0, "周转编制": 1, "限额": 2, "人员": 5}
    zero = dict.fromkeys(counts, 0)
    assert as_json(dry) == {
        "ok": True,
        "dry_run": True,
        "created": counts,
        "updated": zero,
        "unchanged": zero,
        "warnings": [],
        "changes": [],
        "changes_omitted": 0,
    }
    done = run(
        database_url, "import", str(book), "--json", "--reason", "首次装载", "--document-number", "越编〔2026〕1号"
    )
    assert done.returncode == 0
    assert as_json(done) == {
        "ok": True,
        "dry_run": False,
        "created": counts,
        "updated": zero,
        "unchanged": zero,
        "warnings": [],
        "changes": [],
        "changes_omitted": 0,
    }
    again = as_json(run(database_url, "import", str(book), "--json"))
    assert again["created"] == zero and again["unchanged"] == counts

    # monitor: shapes, keys and sorting (rule order, then unit or region, then person).
    monitored = run(database_url, "monitor", "--as-of", D, "--json")
    assert monitored.returncode == 0
    document = as_json(monitored)
    assert document["as_of"] == D
    shapes = [(a["rule"], a.get("unit") or a.get("region"), a.get("person")) for a in document["alerts"]]
    assert shapes == [
        ("over_staffing", "A", None),  # 行政编制: approved 1, actual 2 (the leaver no longer counts)
        ("over_staffing", "A", None),  # 事业编制: approved 0, actual 1 — never netted against 行政编制
        ("over_limit", "330602", None),  # 党政机构: A and B against a limit of 1
        ("over_limit", "B", None),  # one active 内设机构 against 核定内设机构数 0
        ("mixed_staffing", "A", MIXED["身份证号"]),
        ("over_retirement_age", "A", OLD_WOMAN["身份证号"]),
        ("over_retirement_age", "B", OLD_MAN["身份证号"]),
        ("overdue_turnover", "B", None),
        ("late_write_off", "A", LEAVER["身份证号"]),
        ("vacancy_idle", "B", None),
        ("vacancy_idle", "S", None),
    ]
    over = [a for a in document["alerts"] if a["rule"] == "over_staffing"]
    # Ties within a unit are broken by staffing type, comparing code points (事 U+4E8B < 行 U+884C).
    assert [(a["staffing_type"], a["approved"], a["actual"], a["excess"]) for a in over] == [
        ("事业编制", 0, 1, 1),
        ("行政编制", 1, 2, 1),
    ]
    assert set(over[0]) == {"rule", "severity", "message", "unit", "staffing_type", "approved", "actual", "excess"}
    assert over[0]["severity"] == "高"
    by_rule = {a["rule"]: a for a in document["alerts"]}
    limits = [a for a in document["alerts"] if a["rule"] == "over_limit"]
    assert {k: v for k, v in limits[0].items() if k != "message"} == {
        "rule": "over_limit",
        "severity": "高",
        "region": "330602",
        "category": "党政机构",
        "limit": 1,
        "actual": 2,
    }
    assert {k: v for k, v in limits[1].items() if k != "message"} == {
        "rule": "over_limit",
        "severity": "高",
        "unit": "B",
        "category": "内设机构",
        "limit": 0,
        "actual": 1,
    }
    assert {k: v for k, v in by_rule["vacancy_idle"].items() if k != "message"} == {
        "rule": "vacancy_idle",
        "severity": "低",
        "unit": "S",
        "staffing_type": "事业编制",
        "vacancy": 10,
        "approved": 10,
    }
    assert {k: v for k, v in by_rule["mixed_staffing"].items() if k != "message"} == {
        "rule": "mixed_staffing",
        "severity": "中",
        "unit": "A",
        "person": MIXED["身份证号"],
        "staffing_type": "事业编制",
    }
    assert by_rule["overdue_turnover"] == {
        "rule": "overdue_turnover",
        "severity": "中",
        "message": by_rule["overdue_turnover"]["message"],
        "unit": "B",
        "staffing_type": "行政编制",
        "count": 1,
        "due": "2026-03-31",
    }
    assert by_rule["late_write_off"]["left"] == "2026-03-02" and by_rule["late_write_off"]["deadline"] == "2026-03-16"
    assert [a["retirement_month"] for a in document["alerts"] if a["rule"] == "over_retirement_age"] == [
        "2015-05",  # a woman 公务员 born 1960-05: 55, before the reform
        "2024-12",  # a man born 1964-12: 60, before the reform
    ]

    # Human-readable output is UTF-8 even under LANG=C.
    assert "预警" in run(database_url, "monitor", "--as-of", D).stdout.decode("utf-8")

    # forecast retirements: window [from, from + N − 1], sorted by month, unit, person.
    forecast = run(database_url, "forecast", "retirements", "--from", "2024-01", "--months", "36", "--json")
    assert forecast.returncode == 0
    assert as_json(forecast) == {
        "from": "2024-01",
        "months": 36,
        "retirements": [
            {"person": OLD_MAN["身份证号"], "unit": "B", "month": "2024-12"},
            {"person": YOUNG["身份证号"], "unit": "A", "month": "2026-07"},
        ],
    }
    narrow = as_json(run(database_url, "forecast", "retirements", "--from", "2026-07", "--months", "1", "--json"))
    assert narrow["retirements"] == [{"person": YOUNG["身份证号"], "unit": "A", "month": "2026-07"}]
    none = as_json(run(database_url, "forecast", "retirements", "--from", "2026-08", "--months", "1", "--json"))
    assert none == {"from": "2026-08", "months": 1, "retirements": []}


def test_console_script_is_installed():
    assert shutil.which("bianzhi") or Path(BIANZHI).exists()


def test_import_records_the_platform_user_and_a_default_reason(database_url, tmp_path):
    """interchange.md §2: --user names the platform user; without --reason, “命令行导入 <file name>”."""
    assert run(database_url, "migrate").returncode == 0
    env = {"DJANGO_SUPERUSER_PASSWORD": "x" * 12}
    created = run(database_url, "createsuperuser", "--noinput", "--username", "zhang", "--email", "z@x.cn", env=env)
    assert created.returncode == 0, created.stderr
    folder = write_csv_folder(tmp_path / "用户测试", {"机构": [unit_row("UU1")]})
    assert run(database_url, "import", str(folder), "--user", "zhang").returncode == 0
    logged = database_query(
        database_url,
        "SELECT u.username, c.reason, c.actor FROM core_changeset c JOIN auth_user u ON u.id = c.user_id "
        "ORDER BY c.id DESC LIMIT 1",
    )
    assert logged[0][:2] == ("zhang", "命令行导入 用户测试") and logged[0][2].startswith("命令行 ")
    unknown = run(database_url, "import", str(folder), "--user", "nobody-here")
    assert unknown.returncode == 2 and "nobody-here" in unknown.stderr.decode("utf-8")
    assert b"Traceback" not in unknown.stderr
