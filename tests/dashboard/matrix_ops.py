"""The board's rows of the API permission matrix (tests/api/test_api_permission_matrix.py adds them to its
table): GET /api/v1/board (interchange.md §3) for every district-wide reader; a unit HR officer only the
department view of its own units — 403, not 404, for the district, a sequence or another unit's department."""

from __future__ import annotations

from typing import Any


def board_ops(op: Any, *, every: frozenset[str], sees_a: frozenset[str]) -> list[Any]:
    district_wide = every - {"hr_a", "hr_b"}
    return [
        op("board_district", "GET", "/board", "/board?dimension=district&as_of=2026-06-30", district_wide),
        op("board_party", "GET", "/board", "/board?dimension=party", district_wide),
        op("board_department_a", "GET", "/board", "/board?dimension=department&unit=A&as_of=2026-06-30", sees_a),
    ]
