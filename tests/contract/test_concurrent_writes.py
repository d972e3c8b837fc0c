"""Concurrent writers never corrupt the register (issue 12): imports run at the same time end as one
after the other — no fact ever holds two values on one day — on both engines, with real processes
on a database of their own (an SQLite file, or a fresh PostgreSQL database)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import BIANZHI, database_query, person_row, run, unit_row, write_csv_folder

P = person_row("U", birth=dt.date(1980, 1, 1), 进编日期="2005-01-01")
OTHERS = [person_row("V", birth=dt.date(1970, 1, 1) + dt.timedelta(days=i)) for i in range(1500)]
END = "9999-12-31"


def _env(url: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    environment.update({"DATABASE_URL": url, "LANG": "C.UTF-8"})
    return environment


def _start(url: str, folder: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [BIANZHI, "import", str(folder), "--json", *args],
        env=_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _periods(url: str, table: str, where: str, params: tuple) -> list[tuple[str, str]]:
    return [
        (start, end)
        for start, end in database_query(
            url, f"SELECT valid_from, valid_to FROM {table} WHERE {where} ORDER BY valid_from", params
        )
    ]


def _assert_one_value_a_day(periods: list[tuple[str, str]]) -> None:
    """Periods in order never overlap, and exactly the last is open."""
    assert periods, "no period at all"
    for (_, end), (start, _) in pairwise(periods):
        assert end <= start, periods
    assert [end for _, end in periods].count(END) == 1 and periods[-1][1] == END, periods


def _unit_periods(url: str) -> list[tuple[str, str]]:
    return _periods(url, "registry_unitversion", "unit_id = (SELECT id FROM registry_unit WHERE code = ?)", ("U",))


def _person_periods(url: str) -> list[tuple[str, str]]:
    return _periods(
        url,
        "registry_personversion",
        "person_id = (SELECT id FROM registry_person WHERE id_number = ?)",
        (P["身份证号"],),
    )


def _quota_periods(url: str) -> list[tuple[str, str]]:
    return _periods(
        url,
        "registry_staffingquota",
        "unit_id = (SELECT id FROM registry_unit WHERE code = ?) AND staffing_type = ?",
        ("U", "行政编制"),
    )


@pytest.fixture(scope="module")
def base(database_url, tmp_path_factory):
    assert run(database_url, "migrate").returncode == 0
    folder = write_csv_folder(
        tmp_path_factory.mktemp("base") / "book",
        {
            "机构": [unit_row("U"), unit_row("V")],
            "编制": [{"机构代码": "U", "编制类型": "行政编制", "核定数": 5}],
            "人员": [P],
        },
    )
    assert run(database_url, "import", str(folder)).returncode == 0
    return database_url


def test_two_imports_at_once_end_as_one_after_the_other(base, tmp_path):
    """Found (security review): a long import --effective 2026-12-01 and a short one started while it
    ran --effective 2026-12-05 left U with two versions in force and P in force twice."""
    long_book = write_csv_folder(
        tmp_path / "long",
        {
            "机构": [unit_row("U", 机构名称="长导入名"), unit_row("V")],
            "人员": [{**P, "职务": "长"}, *OTHERS],
        },
    )
    short_book = write_csv_folder(
        tmp_path / "short", {"机构": [unit_row("U", 机构名称="短导入名")], "人员": [{**P, "职务": "短"}]}
    )
    first = _start(base, long_book, "--effective", "2026-12-01")
    time.sleep(1.5)  # the long one is reading and checking its 1,500 people by now
    second = _start(base, short_book, "--effective", "2026-12-05")
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    codes = (first.returncode, second.returncode)
    assert b"Traceback" not in outputs[0][1] + outputs[1][1]
    reports = [json.loads(out.decode("utf-8")) for out, _ in outputs]
    names = database_query(
        base,
        "SELECT name FROM registry_unitversion WHERE valid_to = ? AND unit_id = "
        "(SELECT id FROM registry_unit WHERE code = ?)",
        (END, "U"),
    )
    if codes != (0, 0):  # the short one first: the long one's earlier --effective is refused
        assert codes == (1, 0), outputs
        assert "不能倒签" in json.dumps(reports[0], ensure_ascii=False)
    assert names == [("短导入名",)]  # either way the short one's value holds from 2026-12-05
    _assert_one_value_a_day(_unit_periods(base))
    _assert_one_value_a_day(_person_periods(base))


def test_twenty_writes_at_once_to_one_quota_and_one_person(base, tmp_path):
    before = int(database_query(base, "SELECT COUNT(*) FROM core_changeset")[0][0])
    books = [
        write_csv_folder(
            tmp_path / f"w{i}",
            {
                "机构": [unit_row("U")],
                "编制": [{"机构代码": "U", "编制类型": "行政编制", "核定数": 10 + i}],
                "人员": [{**P, "职务": f"第{i}号"}],
            },
        )
        for i in range(20)
    ]
    processes = [_start(base, book, "--effective", "2026-12-06") for book in books]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [p.returncode for p in processes] == [0] * 20, [err.decode() for _, err in outputs]
    assert all(b"Traceback" not in err for _, err in outputs)
    # One after the other: twenty change sets, and the last one's values hold.
    after = int(database_query(base, "SELECT COUNT(*) FROM core_changeset")[0][0])
    assert after - before == 20
    (approved,) = database_query(base, "SELECT approved FROM registry_staffingquota WHERE valid_to = ?", (END,))
    (post,) = database_query(
        base,
        "SELECT post FROM registry_personversion WHERE valid_to = ? AND person_id = "
        "(SELECT id FROM registry_person WHERE id_number = ?)",
        (END, P["身份证号"]),
    )
    last = int(approved[0]) - 10
    assert post == (f"第{last}号",)  # the quota and the person come from the same (last) write
    _assert_one_value_a_day(_quota_periods(base))
    _assert_one_value_a_day(_person_periods(base))


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_twenty_api_writes_at_once_to_one_quota_and_twenty_to_one_person(base):
    """The same through the REST API of a running server (Django's threaded server, one database
    connection a request thread), on both engines: 40 PUTs at once, each answered 200."""
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    assert run(base, "grant", "api-officer", "officer", "--create").returncode == 0
    token = json.loads(run(base, "token", "create", "api-officer", "--json").stdout)["token"]
    port = _free_port()
    server = subprocess.Popen(
        [BIANZHI, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=_env(base),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):  # the server is up when it answers
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        before = int(database_query(base, "SELECT COUNT(*) FROM core_changeset")[0][0])

        def put(path: str, body: dict) -> int:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1{urllib.parse.quote(path)}",
                data=json.dumps(body).encode(),
                method="PUT",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            for _ in range(100):
                try:
                    with urllib.request.urlopen(request, timeout=120) as response:
                        return response.status
                except urllib.error.HTTPError as error:
                    return error.code
                except OSError:  # the development server's listen queue holds 5: connect again
                    time.sleep(0.05)
            return 0

        person = {
            "name": P["姓名"],
            "gender": P["性别"],
            "birth_date": P["出生日期"].isoformat(),
            "category": P["人员类别"],
            "unit": "U",
            "staffing_type": "行政编制",
            "status": "在编",
            "effective": "2026-12-06",
        }
        calls = [
            ("/quotas/U/行政编制", {"reason": "测试", "approved": 30 + i, "effective": "2026-12-06"}) for i in range(20)
        ]
        calls += [(f"/people/{P['身份证号']}", {"reason": "测试", **person, "post": f"接口{i}"}) for i in range(20)]
        codes: list[int] = [0] * len(calls)
        start = threading.Barrier(len(calls))

        def worker(i: int) -> None:
            start.wait()
            codes[i] = put(*calls[i])

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert codes == [200] * 40, (codes, errors.decode("utf-8", "replace")[-2000:])
    assert b"Traceback" not in errors
    after = int(database_query(base, "SELECT COUNT(*) FROM core_changeset")[0][0])
    assert after - before == 40  # each write one change set, one after the other
    (approved,) = database_query(base, "SELECT approved FROM registry_staffingquota WHERE valid_to = ?", (END,))
    assert 30 <= int(approved[0]) < 50
    _assert_one_value_a_day(_quota_periods(base))
    _assert_one_value_a_day(_person_periods(base))
