"""The permission matrix (domain.md §11): every API operation × every persona, from one table.

Each row names the personas allowed and the status they get; everyone else is refused — 401
without credentials, 404 where a unit HR officer reaches another unit's data by code or id (its
existence is not disclosed), 403 otherwise — always in the documented error shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import NAMES, PA, PB, PERSONA_ROLES, Persona, person_row, register_sheets
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

EVERY_ROLE = frozenset({"admin", "officer", "hr_a", "hr_b", "leader", "inspector", "auditor"})
DISTRICT_WIDE = EVERY_ROLE - {"hr_a", "hr_b"}
WRITERS = frozenset({"admin", "officer"})
LOG_READERS = frozenset({"admin", "officer", "auditor"})
AUTHENTICATED = EVERY_ROLE | {"nobody"}
SEES_A = EVERY_ROLE - {"hr_b"}
SEES_B = EVERY_ROLE - {"hr_a"}

Path = str | Callable[[dict[str, Any], Persona], str]


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    template: str  # the operation's path in the OpenAPI document
    path: Path
    allowed: frozenset[str]
    ok: int = 200
    hidden: frozenset[str] = frozenset()  # refused with 404 instead of 403
    json: Any = None
    multipart: Callable[[], dict[str, Any]] | None = None
    session: bool = False
    also_ok: frozenset[int] = field(default_factory=frozenset)


def _suspension_path(action: str = "") -> Callable[[dict[str, Any], Persona], str]:
    def build(ctx: dict[str, Any], persona: Persona) -> str:
        from bianzhi.registry.services import suspension_start

        fresh = suspension_start(
            unit=ctx["units"]["A"], reason="整改", source="问题整改", started_on=dt.date(2026, 1, 1)
        )
        return f"/suspensions/{fresh.pk}{action}"

    return build


def _notification_path() -> Callable[[dict[str, Any], Persona], str]:
    def build(ctx: dict[str, Any], persona: Persona) -> str:
        from bianzhi.core.models import Notification

        owner = persona.user or ctx["admin"]  # anonymous: someone's, refused with 401 anyway
        return f"/notifications/{Notification.objects.create(user=owner, title='待办').pk}/read"

    return build


def _upload_path(action: str = "") -> Callable[[dict[str, Any], Persona], str]:
    def build(ctx: dict[str, Any], persona: Persona) -> str:
        from bianzhi.registry.services import workbook_upload_create

        upload = workbook_upload_create(
            file_name="越城区.zip", chunks=[_workbook_zip()], user=ctx["admin"], reason="年度核对"
        )
        assert upload.state == "valid", upload.report
        return f"/imports/{upload.pk}{action}"

    return build


def _quota_csv() -> bytes:
    return "机构代码,编制类型,核定数\nA,行政编制,6\n".encode()


def _workbook_zip() -> bytes:
    """A zip of CSV sheets: unit A as stored and a quota change."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("机构.csv", "机构代码,机构名称,机构类型,序列,区划代码\nA,机构A,政府工作部门,政府,330602\n")
        archive.writestr("编制.csv", _quota_csv())
    return buffer.getvalue()


UNIT_A = {"name": "机构A", "kind": "政府工作部门", "sequence": "政府", "region": "330602"}
PERSON_A = {
    "name": NAMES["PA"],
    "gender": PA["性别"],
    "birth_date": PA["出生日期"].isoformat(),
    "category": PA["人员类别"],
    "unit": "A",
    "staffing_type": PA["编制类型"],
    "status": "在编",
    "post": "科员",
}
PERSON_B = {**PERSON_A, "name": NAMES["PB"], "birth_date": PB["出生日期"].isoformat(), "unit": "B"}

OPS = [
    # accounts and tokens
    Op("me", "GET", "/me", "/me", AUTHENTICATED),
    Op("token_list", "GET", "/tokens", "/tokens", AUTHENTICATED),
    Op("token_create", "POST", "/tokens", "/tokens", AUTHENTICATED, ok=201, json={"name": "新令牌"}, session=True),
    Op(
        "token_revoke",
        "DELETE",
        "/tokens/{token_id}",
        lambda ctx, p: f"/tokens/{p.spare_token_id or 1}",
        AUTHENTICATED,
        ok=204,
    ),
    # units and the tree
    Op("unit_list", "GET", "/units", "/units", EVERY_ROLE),
    Op("unit_detail_a", "GET", "/units/{code}", "/units/A", SEES_A, hidden=frozenset({"hr_b"})),
    Op("unit_detail_b", "GET", "/units/{code}", "/units/B", SEES_B, hidden=frozenset({"hr_a"})),
    Op("unit_children_a", "GET", "/units/{code}/children", "/units/A/children", SEES_A, hidden=frozenset({"hr_b"})),
    Op(
        "unit_descendants_b",
        "GET",
        "/units/{code}/descendants",
        "/units/B/descendants",
        SEES_B,
        hidden=frozenset({"hr_a"}),
    ),
    Op("unit_put", "PUT", "/units/{code}", "/units/A", WRITERS, json={"reason": "测试", **UNIT_A}),
    # quotas, positions, loans, limits
    Op("quota_list", "GET", "/quotas", "/quotas", EVERY_ROLE),
    Op("quota_list_of_b", "GET", "/quotas", "/quotas?unit=B", SEES_B, hidden=frozenset({"hr_a"})),
    Op(
        "quota_put",
        "PUT",
        "/quotas/{unit}/{staffing_type}",
        "/quotas/A/行政编制",
        WRITERS,
        json={"reason": "测试", "approved": 6},
    ),
    Op("position_list", "GET", "/positions", "/positions?unit=A&subtree=true", SEES_A, hidden=frozenset({"hr_b"})),
    Op(
        "position_put",
        "PUT",
        "/positions/{unit}/{category}",
        "/positions/A/副职",
        WRITERS,
        ok=201,
        json={"reason": "测试", "approved": 2},
        also_ok=frozenset({200}),
    ),
    Op("loan_list", "GET", "/loans", "/loans", EVERY_ROLE),
    Op(
        "loan_put",
        "PUT",
        "/loans/{unit}/{staffing_type}/{start_date}",
        "/loans/A/行政编制/2026-01-01",
        WRITERS,
        json={"reason": "测试", "quantity": 2, "due_date": "2027-01-01", "status": "使用中"},
    ),
    Op("limit_list", "GET", "/limits", "/limits", DISTRICT_WIDE),
    Op(
        "limit_put",
        "PUT",
        "/limits/{region}/{category}",
        "/limits/330602/事业单位",
        WRITERS,
        ok=201,
        json={"reason": "测试", "limit": 9},
        also_ok=frozenset({200}),
    ),
    # people
    Op("person_list", "GET", "/people", "/people", EVERY_ROLE),
    Op(
        "person_detail_a", "GET", "/people/{id_number}", f"/people/{PA['身份证号']}", SEES_A, hidden=frozenset({"hr_b"})
    ),
    Op(
        "person_detail_b", "GET", "/people/{id_number}", f"/people/{PB['身份证号']}", SEES_B, hidden=frozenset({"hr_a"})
    ),
    Op(
        "person_put_a",
        "PUT",
        "/people/{id_number}",
        f"/people/{PA['身份证号']}",
        WRITERS | {"hr_a"},
        json={"reason": "测试", **PERSON_A},
    ),
    Op(
        "person_put_b",
        "PUT",
        "/people/{id_number}",
        f"/people/{PB['身份证号']}",
        WRITERS | {"hr_b"},
        json={"reason": "测试", **PERSON_B},
    ),
    # suspensions
    Op("suspension_list", "GET", "/suspensions", "/suspensions", EVERY_ROLE),
    Op(
        "suspension_detail_a",
        "GET",
        "/suspensions/{suspension_id}",
        lambda ctx, p: f"/suspensions/{ctx['suspensions']['A'].pk}",
        SEES_A,
        hidden=frozenset({"hr_b"}),
    ),
    Op(
        "suspension_detail_b",
        "GET",
        "/suspensions/{suspension_id}",
        lambda ctx, p: f"/suspensions/{ctx['suspensions']['B'].pk}",
        SEES_B,
        hidden=frozenset({"hr_a"}),
    ),
    Op(
        "suspension_create",
        "POST",
        "/suspensions",
        "/suspensions",
        WRITERS,
        ok=201,
        json={"unit": "A", "reason": "整改", "started_on": "2026-07-01"},
    ),
    Op(
        "suspension_lift",
        "POST",
        "/suspensions/{suspension_id}/lift",
        _suspension_path("/lift"),
        WRITERS,
        json={"lifted_on": "2026-07-01", "reason": "整改完成"},
    ),
    # figures
    Op("figures_units", "GET", "/figures/units", "/figures/units", EVERY_ROLE),
    Op("figures_unit_a", "GET", "/figures/units/{code}", "/figures/units/A", SEES_A, hidden=frozenset({"hr_b"})),
    Op("figures_unit_b", "GET", "/figures/units/{code}", "/figures/units/B", SEES_B, hidden=frozenset({"hr_a"})),
    Op("figures_rollup_department", "GET", "/figures/rollup", "/figures/rollup", EVERY_ROLE),
    Op("figures_rollup_district", "GET", "/figures/rollup", "/figures/rollup?by=district", DISTRICT_WIDE),
    # alerts and forecasts
    Op("alert_rules", "GET", "/alerts/rules", "/alerts/rules", EVERY_ROLE),
    Op("alerts_evaluate", "GET", "/alerts/evaluate", "/alerts/evaluate?as_of=2026-06-30", EVERY_ROLE),
    Op("alerts_evaluate_b", "GET", "/alerts/evaluate", "/alerts/evaluate?unit=B", SEES_B, hidden=frozenset({"hr_a"})),
    Op("alerts_stored", "GET", "/alerts", "/alerts", EVERY_ROLE),
    Op("alert_runs", "GET", "/alerts/runs", "/alerts/runs", EVERY_ROLE),
    Op("alert_run_create", "POST", "/alerts/runs", "/alerts/runs", WRITERS, ok=201, json={"as_of": "2026-06-30"}),
    Op("alert_history", "GET", "/alerts/history", "/alerts/history", EVERY_ROLE),
    Op("alert_history_b", "GET", "/alerts/history", "/alerts/history?unit=B", SEES_B, hidden=frozenset({"hr_a"})),
    Op("forecast_loans", "GET", "/forecasts/loans", "/forecasts/loans?start=2026-01&months=24", EVERY_ROLE),
    Op("forecast_vacancy", "GET", "/forecasts/vacancy", "/forecasts/vacancy?months=12", EVERY_ROLE),
    Op(
        "forecast_retirements",
        "GET",
        "/forecasts/retirements",
        "/forecasts/retirements?start=2026-01&months=24",
        EVERY_ROLE,
    ),
    # imports and bulk rows
    Op("import_list", "GET", "/imports", "/imports", WRITERS),
    Op(
        "import_upload",
        "POST",
        "/imports",
        "/imports",
        WRITERS,
        ok=201,
        multipart=lambda: {"file": SimpleUploadedFile("越城区.zip", _workbook_zip()), "reason": "年度核对"},
    ),
    Op("import_detail", "GET", "/imports/{upload_id}", _upload_path(), WRITERS),
    Op("import_validate", "POST", "/imports/{upload_id}/validate", _upload_path("/validate"), WRITERS),
    Op("import_confirm", "POST", "/imports/{upload_id}/confirm", _upload_path("/confirm"), WRITERS),
    Op(
        "rows",
        "POST",
        "/rows",
        "/rows",
        WRITERS,
        json={"reason": "测试", "sheets": {"编制": [{"机构代码": "B", "编制类型": "行政编制", "核定数": 4}]}},
    ),
    # notifications: every authenticated user reads and marks their own (another's: tests/web/test_notifications_page.py)
    Op("notification_list", "GET", "/notifications", "/notifications", AUTHENTICATED),
    Op("notification_read", "POST", "/notifications/{notification_id}/read", _notification_path(), AUTHENTICATED),
    Op("notification_read_all", "POST", "/notifications/read-all", "/notifications/read-all", AUTHENTICATED),
    # the change log
    Op("change_list", "GET", "/changes", "/changes", LOG_READERS),
    Op("change_detail", "GET", "/changes/{change_set_id}", lambda ctx, p: f"/changes/{ctx['change_set']}", LOG_READERS),
    Op(
        "change_records",
        "GET",
        "/changes/{change_set_id}/records",
        lambda ctx, p: f"/changes/{ctx['change_set']}/records",
        LOG_READERS,
    ),
]


# the procedures of staffing use (issue 14): their rows live beside their tests
from tests.approvals.matrix_ops import approval_ops  # noqa: E402

OPS += approval_ops(Op, writers=WRITERS, every=EVERY_ROLE, sees_a=SEES_A)

# 机构编制事项 and the ledger (issue 14): their rows live beside their tests
from tests.matters.matrix_ops import matter_ops  # noqa: E402

OPS += matter_ops(Op, writers=WRITERS, every=EVERY_ROLE, sees_a=SEES_A)

# 全局一屏 (issue 15): its rows live beside its tests
from tests.dashboard.matrix_ops import board_ops  # noqa: E402

OPS += board_ops(Op, every=EVERY_ROLE, sees_a=SEES_A)


def test_the_table_covers_every_operation_of_the_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    documented = {
        (method.upper(), path.removeprefix("/api/v1")) for path, item in schema["paths"].items() for method in item
    }
    assert documented == {(op.method, op.template) for op in OPS}


@pytest.fixture
def context(register, personas, settings, tmp_path):
    from bianzhi.core.models import ChangeSet

    settings.DATA_DIR = tmp_path
    return {**register, "admin": personas["admin"].user, "change_set": ChangeSet.objects.order_by("id").first().pk}


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_operation_is_allowed_and_refused_by_role(op, context, personas, api):
    mismatches = []
    for name in PERSONA_ROLES:
        persona = personas[name]
        path = op.path if isinstance(op.path, str) else op.path(context, persona)
        response = api(
            persona,
            op.method,
            path,
            json=op.json(context, persona) if callable(op.json) else op.json,
            multipart=op.multipart() if op.multipart else None,
            session=op.session,
        )
        if name == "anonymous":
            expected = {401}
        elif name in op.allowed:
            expected = {op.ok, *op.also_ok}
        elif name in op.hidden:
            expected = {404}
        else:
            expected = {403}
        if response.status_code not in expected:
            mismatches.append((name, response.status_code, sorted(expected), response.content[:300]))
            continue
        if response.status_code >= 400:
            body = response.json()
            assert body["status"] == response.status_code
            assert set(body) == {"status", "code", "message", "errors", "problems", "warnings"}
            assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    assert not mismatches, mismatches


def test_hr_officer_lists_only_its_subtree(register, personas, api):
    codes = [u["code"] for u in api(personas["hr_a"], "GET", "/units").json()["items"]]
    assert codes == ["A", "A-01", "AS"]
    people = {p["unit"] for p in api(personas["hr_a"], "GET", "/people").json()["items"]}
    assert people == {"A", "AS"}
    alerts = api(personas["hr_b"], "GET", "/alerts/evaluate?as_of=2026-06-30").json()["items"]
    assert alerts and {a["unit"] for a in alerts} <= {"B", "B-01", "BS"}
    assert (
        api(personas["hr_a"], "GET", "/alerts/evaluate?as_of=2026-06-30").json()["total"]
        < len(api(personas["admin"], "GET", "/alerts/evaluate?as_of=2026-06-30").json()["items"]) + 1
    )


def test_hr_officer_cannot_move_a_person_of_its_unit_to_another_unit(register, personas, api):
    moved = {**PERSON_A, "unit": "B"}
    response = api(personas["hr_a"], "PUT", f"/people/{PA['身份证号']}", json={"reason": "测试", **moved})
    # another unit's code answers as one that does not exist (issue 13)
    assert response.status_code == 404 and "不存在或不在本人管理范围内" in response.json()["message"]
    new_in_b = person_row("B", birth=dt.date(1995, 1, 1))
    body = {**PERSON_A, "birth_date": "1995-01-01", "unit": "B"}
    assert (
        api(personas["hr_a"], "PUT", f"/people/{new_in_b['身份证号']}", json={"reason": "测试", **body}).status_code
        == 403
    )
    # nor does it create a person in its own unit: that is the onboarding procedure's (issue 13)
    own = api(personas["hr_a"], "PUT", f"/people/{new_in_b['身份证号']}", json={"reason": "测试", **body, "unit": "AS"})
    assert own.status_code == 403 and own.json()["code"] == "procedure_required"


def test_a_registers_sheets_are_what_the_personas_see(register):
    assert [u["机构代码"] for u in register_sheets()["机构"]] == ["A", "A-01", "AS", "B", "B-01", "BS"]


# 问题整改 (issue 15): its rows live beside its tests
from tests.rectification.matrix_ops import problem_ops  # noqa: E402

OPS += problem_ops(Op, writers=WRITERS, every=EVERY_ROLE, sees_a=SEES_A)
