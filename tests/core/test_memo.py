"""core/memo.py: results shared within a block."""

from __future__ import annotations

from bianzhi.core.memo import shared, shared_results

calls: list[tuple] = []


@shared
def figure(day: str, units: frozenset[int] | None = None) -> dict[str, int]:
    calls.append((day, units))
    return {"n": len(calls)}


def test_within_a_block_each_distinct_call_is_computed_once():
    calls.clear()
    with shared_results():
        first = figure("2026-06-30", frozenset({1}))
        assert figure("2026-06-30", frozenset({1})) is first
        assert figure("2026-06-30", units=frozenset({1})) is not first  # another spelling, another call
        figure("2026-06-30")
        figure("2026-06-30")
    assert calls == [("2026-06-30", frozenset({1})), ("2026-06-30", frozenset({1})), ("2026-06-30", None)]


def test_outside_a_block_and_with_unhashable_arguments_every_call_computes():
    calls.clear()
    figure("2026-06-30")
    figure("2026-06-30")
    with shared_results():
        figure("2026-06-30", [1, 2])  # a list cannot be a key
        figure("2026-06-30", [1, 2])
    with shared_results():
        figure("2026-06-30")  # a new block starts empty
    assert len(calls) == 5
