"""Twenty API writes at once to one quota and one person end as one after the other (issue 12):
one value a day for each fact, every write answered (200, or a clear refusal), nothing half-written."""

from __future__ import annotations

import datetime as dt
import threading
from itertools import pairwise

import pytest
from conftest import NAMES, PA
from django.db import connection

from bianzhi.core.dates import END
from bianzhi.core.models import ChangeSet
from bianzhi.registry.models import PersonVersion, StaffingQuota

pytestmark = pytest.mark.django_db(transaction=True)


def _one_value_a_day(rows: list[tuple[dt.date, dt.date]]) -> None:
    for (_, end), (start, _) in pairwise(rows):
        assert end <= start, rows
    assert [end for _, end in rows].count(END) == 1 and rows[-1][1] == END, rows


def _at_once(calls: list) -> list:
    results: list = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def worker(i: int) -> None:
        try:
            start.wait()
            results[i] = calls[i]()
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def test_twenty_writes_at_once_to_one_quota_and_twenty_to_one_person(register, personas, api):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite 测试库在内存中（共享缓存，表级锁）：SQLite 上的并发接口写入由 tests/contract/test_concurrent_writes.py 对运行中的服务验证"
        )
    officer = personas["officer"]
    before = ChangeSet.objects.count()

    def quota(i: int):
        body = {"approved": 10 + i, "reason": f"第{i}次", "effective": "2026-07-01"}
        return lambda: api(officer, "PUT", "/quotas/A/行政编制", json={"reason": "测试", **body})

    def person(i: int):
        body = {
            "name": NAMES["PA"],
            "gender": PA["性别"],
            "birth_date": PA["出生日期"].isoformat(),
            "category": "公务员",
            "unit": "A",
            "staffing_type": "行政编制",
            "status": "在编",
            "post": f"第{i}号",
            "effective": "2026-07-01",
        }
        return lambda: api(officer, "PUT", f"/people/{PA['身份证号']}", json={"reason": "测试", **body})

    responses = _at_once([quota(i) for i in range(20)] + [person(i) for i in range(20)])
    assert [r.status_code for r in responses] == [200] * 40, [r.json() for r in responses if r.status_code != 200]
    assert ChangeSet.objects.count() - before == 40
    quotas = StaffingQuota.objects.filter(unit__code="A", staffing_type="行政编制").order_by("valid_from")
    _one_value_a_day(list(quotas.values_list("valid_from", "valid_to")))
    assert quotas.last().approved in range(10, 30)
    versions = PersonVersion.objects.filter(person__id_number=PA["身份证号"]).order_by("valid_from")
    _one_value_a_day(list(versions.values_list("valid_from", "valid_to")))
    assert versions.last().post in {f"第{i}号" for i in range(20)}
