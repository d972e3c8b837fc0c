"""Unit trees as of a day: a unit's subtree follows ``UnitVersion.parent`` among the versions in
force that day (domain.md §2 "department view"). One query per walk, then a walk in memory."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from bianzhi.registry.models import UnitVersion


def children_map(day: dt.date) -> dict[int, list[int]]:
    """parent unit id → ids of the units whose version in force on ``day`` names it as parent."""
    children: dict[int, list[int]] = defaultdict(list)
    rows = UnitVersion.objects.filter(UnitVersion.as_of(day), parent__isnull=False).values_list("unit_id", "parent_id")
    for unit_id, parent_id in rows.order_by("unit__code"):
        children[parent_id].append(unit_id)
    return children


def subtree_ids(unit_ids: Iterable[int], *, day: dt.date) -> set[int]:
    """The given units and all their descendants as of ``day``."""
    return set(descendants_with_depth(unit_ids, day=day))


def descendants_with_depth(unit_ids: Iterable[int], *, day: dt.date) -> dict[int, int]:
    """unit id → depth below the nearest given unit (the given units themselves at depth 0),
    in tree order (depth first, children by code)."""
    children = children_map(day)
    found: dict[int, int] = {}
    stack = [(unit_id, 0) for unit_id in reversed(list(unit_ids))]
    while stack:
        current, depth = stack.pop()
        if current in found:
            continue
        found[current] = depth
        stack.extend((child, depth + 1) for child in reversed(children.get(current, ())))
    return found
