"""The problems' rows of the API permission matrix (tests/api/test_api_permission_matrix.py adds them to
its table): every operation of bianzhi/api/routes/problems.py on a fresh problem of unit A, so hr_a reads
it and answers it, and hr_b is answered 404 as for a problem that does not exist. Each call gets its
own problem in the state the step needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile


def _problem(ctx: dict[str, Any], state: str = "open"):
    from bianzhi.rectification.services import problem_answer, problem_raise

    problem = problem_raise(
        user=ctx["admin"],
        unit=ctx["units"]["A"],
        description="超编 1 人",
        severity="中",
        deadline=dt.date.today() + dt.timedelta(days=30),
        source="检查",
    )
    if state == "answered":
        problem = problem_answer(user=ctx["admin"], problem=problem, plan="方案", evidence="佐证")
    return problem


def _path(state: str = "open", action: str = "") -> Any:
    def build(ctx: dict[str, Any], persona: Any) -> str:
        return f"/problems/{_problem(ctx, state).pk}{action}"

    return build


def _attachment_path(ctx: dict[str, Any], persona: Any) -> str:
    from bianzhi.rectification.services import problem_attach

    problem = _problem(ctx)
    attachment = problem_attach(user=ctx["admin"], problem=problem, file_name="佐证.txt", chunks=[b"evidence"])
    return f"/problems/{problem.pk}/attachments/{attachment.pk}"


def problem_ops(Op: Any, *, writers: frozenset[str], every: frozenset[str], sees_a: frozenset[str]) -> list[Any]:
    hidden = frozenset({"hr_b"})
    raisers = writers | {"inspector"}
    return [
        Op("problem_list", "GET", "/problems", "/problems", every),
        Op("problem_list_of_a", "GET", "/problems", "/problems?unit=A", sees_a, hidden=hidden),
        Op("problem_detail", "GET", "/problems/{problem_id}", _path(), sees_a, hidden=hidden),
        Op(
            "problem_create",
            "POST",
            "/problems",
            "/problems",
            raisers,
            ok=201,
            hidden=hidden,
            json={"unit": "A", "description": "超编", "severity": "高", "deadline": "2030-01-01", "source": "检查"},
        ),
        Op(
            "problem_answer",
            "POST",
            "/problems/{problem_id}/answer",
            _path("open", "/answer"),
            writers | {"hr_a"},
            hidden=hidden,
            json={"plan": "调出 1 人", "evidence": "已办理"},
        ),
        Op(
            "problem_return",
            "POST",
            "/problems/{problem_id}/return",
            _path("answered", "/return"),
            writers,
            hidden=hidden,
            json={"opinion": "佐证不足"},
        ),
        Op(
            "problem_close",
            "POST",
            "/problems/{problem_id}/close",
            _path("answered", "/close"),
            writers,
            hidden=hidden,
            json={"opinion": "销号"},
        ),
        Op(
            "problem_attachments",
            "GET",
            "/problems/{problem_id}/attachments",
            _path("open", "/attachments"),
            sees_a,
            hidden=hidden,
        ),
        Op(
            "problem_attach",
            "POST",
            "/problems/{problem_id}/attachments",
            _path("open", "/attachments"),
            raisers | {"hr_a"},
            ok=201,
            hidden=hidden,
            multipart=lambda: {"file": SimpleUploadedFile("佐证.txt", b"evidence")},
        ),
        Op(
            "problem_attachment_download",
            "GET",
            "/problems/{problem_id}/attachments/{attachment_id}",
            _attachment_path,
            sees_a,
            hidden=hidden,
        ),
    ]
