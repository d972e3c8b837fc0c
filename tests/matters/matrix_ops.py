"""The matters' rows of the API permission matrix (tests/api/test_api_permission_matrix.py adds them to
its table): every operation of bianzhi/api/routes/matters.py on a fresh matter involving unit A, so
hr_a reads it and is refused (403) every step, and hr_b is answered 404 as for a matter that does not
exist. Each call gets its own matter in the state the step needs."""

from __future__ import annotations

import itertools
from typing import Any

_names = itertools.count(1)


def _matter(ctx: dict[str, Any], persona: Any, state: str):
    """A rename of A (no staffing added: A's suspension does not matter) brought to ``state``; for a
    withdrawal, written by the persona when it may write (only the author withdraws)."""
    from bianzhi.matters import services

    admin = ctx["admin"]
    author = persona.user if state == "withdraw" and persona.name in ("admin", "officer") else admin
    matter = services.matter_create(
        user=author,
        kind="更名",
        title="A更名",
        change={"unit": "A", "name": f"机构A{next(_names)}"},
        countersign_offices=["区财政局"] if state == "countersign" else [],
    )
    order = ["submitted", "reviewed", "decided", "executed"]
    target = {"draft": -1, "withdraw": -1, "countersign": 0, "submitted": 0, "reviewed": 1, "decided": 2}.get(state, 3)
    for step in order[: target + 1]:
        if step == "submitted":
            services.matter_submit(matter=matter, user=admin)
        elif step == "reviewed":
            services.matter_review(matter=matter, user=admin, opinion="")
        elif step == "decided":
            services.matter_decide(matter=matter, user=admin, approve=True)
        else:
            services.matter_execute(matter=matter, user=admin)
    return matter


def _path(state: str, action: str = ""):
    return lambda ctx, persona: f"/matters/{_matter(ctx, persona, state).pk}{action}"


def matter_ops(Op: Any, *, writers: frozenset[str], every: frozenset[str], sees_a: frozenset[str]) -> list[Any]:
    hidden = frozenset({"hr_b"})
    deciders = frozenset({"admin", "leader"})
    return [
        Op("matter_list", "GET", "/matters", "/matters", every),
        Op(
            "matter_create",
            "POST",
            "/matters",
            "/matters",
            writers,
            ok=201,
            json={"kind": "更名", "title": "A更名", "change": {"unit": "A", "name": "新A局"}},
        ),
        Op("matter_detail", "GET", "/matters/{matter_id}", _path("draft"), sees_a, hidden=hidden),
        Op(
            "matter_submit",
            "POST",
            "/matters/{matter_id}/submit",
            _path("draft", "/submit"),
            writers,
            hidden=hidden,
            json={},
        ),
        Op(
            "matter_review",
            "POST",
            "/matters/{matter_id}/review",
            _path("submitted", "/review"),
            writers,
            hidden=hidden,
            json={},
        ),
        Op(
            "matter_countersign",
            "POST",
            "/matters/{matter_id}/countersign",
            _path("countersign", "/countersign"),
            writers,
            hidden=hidden,
            json={"office": "区财政局", "opinion": "同意"},
        ),
        Op(
            "matter_decide",
            "POST",
            "/matters/{matter_id}/decide",
            _path("reviewed", "/decide"),
            deciders,
            hidden=hidden,
            json={"approve": True},
        ),
        Op(
            "matter_return",
            "POST",
            "/matters/{matter_id}/return",
            _path("reviewed", "/return"),
            writers | {"leader"},
            hidden=hidden,
            json={"to_state": "draft", "opinion": "补充材料"},
        ),
        Op(
            "matter_withdraw",
            "POST",
            "/matters/{matter_id}/withdraw",
            _path("withdraw", "/withdraw"),
            writers,
            hidden=hidden,
            json={},
        ),
        Op(
            "matter_execute",
            "POST",
            "/matters/{matter_id}/execute",
            _path("decided", "/execute"),
            writers,
            hidden=hidden,
            json={},
        ),
        Op(
            "matter_amend",
            "POST",
            "/matters/{matter_id}/amend",
            _path("executed", "/amend"),
            writers,
            ok=201,
            hidden=hidden,
            json={"reason": "名称有误"},
        ),
        Op("unit_ledger_a", "GET", "/units/{code}/ledger", "/units/A/ledger", sees_a, hidden=hidden),
    ]
