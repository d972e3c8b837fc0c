"""Position control (domain.md §3, 超编不配): twenty approvals fired at once at a unit with exactly one
usable vacancy — each in its own thread and database connection — end with exactly one approved,
the rest refused with 409 insufficient_usable, one place reserved and the register intact."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from bianzhi.approvals.models import RequestState, Slip, StaffingRequest
from bianzhi.registry.models import PersonVersion
from tests.approvals.support import *  # noqa: F403  (the fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


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


def test_twenty_approvals_at_once_for_the_last_vacancy_give_exactly_one_slip(reg, users):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite 测试库在内存中（共享缓存，表级锁），并发审批在 PostgreSQL 上验证；SQLite 的写事务本就串行（BEGIN IMMEDIATE）"
        )
    from django.test import Client

    from bianzhi.approvals import services
    from bianzhi.registry.selectors import unit_figures

    unit = reg["units"]["U"]  # 行政编制 3, 2 on staff: one usable place
    pks = []
    for _ in range(20):
        request = services.staffing_request_create(
            user=users["hr_u"], unit=unit, staffing_type="行政编制", count=1, reason="招录"
        )
        pks.append(services.staffing_request_submit(user=users["hr_u"], request=request).pk)
    people_before = list(PersonVersion.objects.order_by("pk").values_list("pk", "valid_from", "valid_to"))

    def approve(pk: int):
        def run():
            client = Client()
            client.force_login(users["officer"], backend="django.contrib.auth.backends.ModelBackend")
            return client.post(f"/api/v1/staffing-requests/{pk}/approve", data="{}", content_type="application/json")

        return run

    responses = _at_once([approve(pk) for pk in pks])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19, [r.content[:200] for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"insufficient_usable"}
    assert StaffingRequest.objects.filter(state=RequestState.APPROVED).count() == 1
    assert StaffingRequest.objects.filter(state=RequestState.SUBMITTED).count() == 19
    assert Slip.objects.count() == 1
    from bianzhi.core.dates import today

    figures = unit_figures(today())[unit.pk].staffing["行政编制"]
    assert (figures.approved, figures.actual, figures.reserved, figures.usable) == (3, 2, 1, 0)
    assert list(PersonVersion.objects.order_by("pk").values_list("pk", "valid_from", "valid_to")) == people_before
