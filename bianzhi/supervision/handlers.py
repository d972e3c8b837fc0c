"""Near-real-time monitoring (domain.md §4): when the register changes, re-evaluate the rules of
the units it touched, as a partial monitoring run. A change touching more units than
``INCREMENTAL_LIMIT`` waits for the scheduled full run instead (a full import, say)."""

from __future__ import annotations

from bianzhi.core.dates import today

INCREMENTAL_LIMIT = 2000


def refresh_units(unit_ids: frozenset[int]) -> None:
    from bianzhi.supervision.services import monitoring_run

    if len(unit_ids) <= INCREMENTAL_LIMIT:
        monitoring_run(as_of=today(), units=unit_ids)
