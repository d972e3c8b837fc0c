"""Hooks the register offers to the apps above it (architecture.md: nothing imports upward).

``units_changed`` is called after a change to the register commits, with the ids of the units
whose figures may have moved; supervision re-evaluates their rules there (near-real-time
monitoring, domain.md §4) without registry knowing about supervision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

logger = logging.getLogger(__name__)

UnitsChangedHandler = Callable[[frozenset[int]], None]
_handlers: list[UnitsChangedHandler] = []


def on_units_changed(handler: UnitsChangedHandler) -> UnitsChangedHandler:
    """Register a handler (usually from an AppConfig.ready)."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def units_changed(unit_ids: Iterable[int]) -> None:
    """Call the handlers once the current transaction commits (at once outside a transaction)."""
    ids = frozenset(unit_ids)
    if not ids:
        return

    def notify() -> None:
        for handler in list(_handlers):
            try:
                handler(ids)
            except Exception:  # a monitoring hiccup must never undo or fail a committed change
                logger.exception("units_changed handler %r failed", handler)

    transaction.on_commit(notify)
