"""The procedures' rows of the API permission matrix (tests/api/test_api_permission_matrix.py adds
them to its table): every operation of bianzhi/api/routes/approvals.py on unit AS (below A, not
suspended), so hr_a may act where the contract lets a unit HR officer act and hr_b is answered 404."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from bianzhi.core.dates import END, today

_years = itertools.count(2100)
_births = itertools.count(1)


def _room() -> None:
    from bianzhi.registry.models import StaffingQuota

    StaffingQuota.objects.filter(unit__code="AS", valid_to=END).update(approved=100)


def _request(ctx: dict[str, Any], *, submitted: bool = False, approved: bool = False):
    from bianzhi.approvals import services

    _room()
    admin = ctx["admin"]
    request = services.staffing_request_create(
        user=admin, unit=ctx["units"]["AS"], staffing_type="事业编制", count=1, reason="公开招聘"
    )
    if submitted or approved:
        request = services.staffing_request_submit(user=admin, request=request)
    if approved:
        return services.staffing_request_approve(user=admin, request=request).slip
    return request


def _request_path(action: str = "", **state: bool):
    return lambda ctx, persona: f"/staffing-requests/{_request(ctx, **state).pk}{action}"


def _slip_path(action: str = ""):
    return lambda ctx, persona: f"/slips/{_request(ctx, approved=True).number}{action}"


def _person(left: bool = False) -> str:
    from conftest import make_id

    from bianzhi.registry.services import rows_import

    birth = dt.date(1990, 1, 1) + dt.timedelta(days=next(_births))
    number = make_id(birth, "男")
    row = {
        "身份证号": number,
        "姓名": "周八",
        "性别": "男",
        "出生日期": birth.isoformat(),
        "人员类别": "事业专业技术人员",
        "机构代码": "AS",
        "编制类型": "事业编制",
        "人员状态": "调出" if left else "在编",
        "进编日期": "2020-01-01",
    }
    if left:
        row["离编日期"] = "2026-01-05"
    result = rows_import(sheets={"人员": [row]}, reason="测试")
    assert result.ok, result.errors
    return number


def _plan_path(ctx: dict[str, Any], persona: Any) -> str:
    from bianzhi.approvals import services

    plan = services.staffing_plan_create(
        user=ctx["admin"], unit=ctx["units"]["AS"], year=next(_years), staffing_type="事业编制", count=2
    )
    return f"/staffing-plans/{plan.pk}/approve"


def _newcomer(ctx: dict[str, Any], persona: Any) -> dict[str, Any]:
    from conftest import make_id

    birth = dt.date(1996, 1, 1) + dt.timedelta(days=next(_births))
    return {
        "身份证号": make_id(birth, "女"),
        "姓名": "吴九",
        "性别": "女",
        "出生日期": birth.isoformat(),
        "人员类别": "事业专业技术人员",
        "进编日期": today().isoformat(),
    }


def approval_ops(op: Any, *, writers: frozenset[str], every: frozenset[str], sees_a: frozenset[str]) -> list[Any]:
    """The rows, built with the matrix's ``Op``."""
    hidden = frozenset({"hr_b"})
    requesters = writers | {"hr_a"}
    deciders = writers | {"leader"}
    body = {"unit": "AS", "staffing_type": "事业编制", "count": 1, "reason": "公开招聘"}
    return [
        op("staffing_request_list", "GET", "/staffing-requests", "/staffing-requests", every),
        op(
            "staffing_request_list_as",
            "GET",
            "/staffing-requests",
            "/staffing-requests?unit=AS",
            sees_a,
            hidden=hidden,
        ),
        op(
            "staffing_request_create",
            "POST",
            "/staffing-requests",
            "/staffing-requests",
            requesters,
            ok=201,
            json=body,
            hidden=hidden,
        ),
        op("staffing_request_detail", "GET", "/staffing-requests/{request_id}", _request_path(), sees_a, hidden=hidden),
        op(
            "staffing_request_submit",
            "POST",
            "/staffing-requests/{request_id}/submit",
            _request_path("/submit"),
            requesters,
            hidden=hidden,
        ),
        op(
            "staffing_request_approve",
            "POST",
            "/staffing-requests/{request_id}/approve",
            _request_path("/approve", submitted=True),
            deciders,
            hidden=hidden,
            json={"opinion": "同意"},
        ),
        op(
            "staffing_request_reject",
            "POST",
            "/staffing-requests/{request_id}/reject",
            _request_path("/reject", submitted=True),
            deciders,
            hidden=hidden,
            json={"opinion": "理由不充分"},
        ),
        op(
            "staffing_request_return",
            "POST",
            "/staffing-requests/{request_id}/return",
            _request_path("/return", submitted=True),
            deciders,
            hidden=hidden,
            json={"opinion": "请补充材料"},
        ),
        op(
            "staffing_request_withdraw",
            "POST",
            "/staffing-requests/{request_id}/withdraw",
            _request_path("/withdraw"),
            requesters,
            hidden=hidden,
        ),
        op("slip_list", "GET", "/slips", "/slips", every),
        op("slip_detail", "GET", "/slips/{number}", _slip_path(), sees_a, hidden=hidden),
        op(
            "slip_onboard",
            "POST",
            "/slips/{number}/onboard",
            _slip_path("/onboard"),
            requesters,
            ok=201,
            hidden=hidden,
            json=_newcomer,
        ),
        op(
            "person_leave",
            "POST",
            "/people/{id_number}/leave",
            lambda ctx, p: f"/people/{_person()}/leave",
            requesters,
            hidden=hidden,
            json={"status": "调出", "date": today().isoformat()},
        ),
        op(
            "person_write_off",
            "POST",
            "/people/{id_number}/write-off",
            lambda ctx, p: f"/people/{_person(left=True)}/write-off",
            writers,
            hidden=hidden,
            json={"date": "2026-01-06"},
        ),
        op("staffing_plan_list", "GET", "/staffing-plans", "/staffing-plans", every),
        op(
            "staffing_plan_create",
            "POST",
            "/staffing-plans",
            "/staffing-plans",
            requesters,
            ok=201,
            hidden=hidden,
            json=lambda ctx, p: {"unit": "AS", "year": next(_years), "staffing_type": "事业编制", "count": 3},
        ),
        op("staffing_plan_approve", "POST", "/staffing-plans/{plan_id}/approve", _plan_path, deciders, hidden=hidden),
    ]
