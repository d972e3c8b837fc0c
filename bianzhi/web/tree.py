"""The unit tree of the unit page as of a day (issue 16): the units a user may see, each with its own
figures and its total with its descendants (the department roll-up, ``registry.department_of``),
the children of each unit split into affiliated units and 内设机构, and walks that sort siblings
within their parent, so that sorting never flattens the tree."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from bianzhi.registry import selectors as registry
from bianzhi.registry.choices import UnitKind
from bianzhi.web import selectors

Row = dict[str, Any]
DIVISION = UnitKind.INTERNAL_DIVISION.value
FIGURES = ("approved", "actual", "vacancy", "over")
RANKS = {"red": 3, "yellow": 2, "blue": 1, "green": 0}
#: the path segment under which a unit's 内设机构 are folded
DIVISIONS_SEGMENT = "~"


@dataclass
class UnitTree:
    rows: dict[int, Row]
    roots: list[int]
    #: parent id → its visible children (affiliated units first, then 内设机构; by code)
    children: dict[int, list[int]] = field(default_factory=dict)

    def siblings(self, ids: list[int], key: str, descending: bool) -> list[int]:
        """``ids`` sorted on the row value ``key`` (ties and the natural order by code); affiliated
        units before 内设机构."""
        by_code = sorted(ids, key=lambda i: self.rows[i]["code"])
        if key not in ("", "code"):
            by_code.sort(key=lambda i: _sortable(self.rows[i].get(key)), reverse=descending)
        elif descending:
            by_code.reverse()
        return sorted(by_code, key=lambda i: self.rows[i]["division"])

    def walk(self, starts: list[int], key: str, descending: bool) -> list[int]:
        """The units under ``starts`` (included) depth first, siblings sorted within their parent."""
        found: list[int] = []
        stack = list(reversed(self.siblings(starts, key, descending)))
        seen: set[int] = set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            found.append(current)
            stack.extend(reversed(self.siblings(self.children.get(current, []), key, descending)))
        return found

    def counts(self, ids: list[int] | set[int]) -> tuple[int, int]:
        """(units other than 内设机构, 内设机构) among ``ids``."""
        divisions = sum(1 for i in ids if self.rows[i]["division"])
        return len(ids) - divisions, divisions


def _sortable(value: Any) -> Any:
    return str(value) if not isinstance(value, (int, float)) else value


def unit_tree(
    *, user: Any, day: dt.date, staffing_type: str = "", colours: dict[str, str], labels: dict[str, Any]
) -> UnitTree:
    """The visible active units as of D with their figures (of one staffing type when given, else
    summed over the types unit by unit — vacancies and excesses never netted, domain.md §3)."""
    versions = list(selectors.unit_tree_versions(user=user, day=day))
    visible = {v.unit_id: v for v in versions}
    figures = registry.unit_figures(day)
    regions = selectors.division_names()
    suspended = selectors.suspended_unit_ids(user=user, day=day)
    children: dict[int, list[int]] = defaultdict(list)
    roots = []
    for version in sorted(versions, key=lambda v: v.unit.code):
        if version.parent_id in visible and version.parent_id != version.unit_id:
            children[version.parent_id].append(version.unit_id)
        else:
            roots.append(version.unit_id)
    own: dict[int, dict[str, int]] = {}
    for unit_id in visible:
        unit = figures.get(unit_id)
        staffing = [f for t, f in (unit.staffing.items() if unit else []) if not staffing_type or t == staffing_type]
        own[unit_id] = {name: sum(getattr(f, name) for f in staffing) for name in FIGURES}
    # The department roll-up over the visible units only: a unit HR officer's totals are its subtree.
    members = registry.department_of({i: f for i, f in figures.items() if i in visible})
    rows: dict[int, Row] = {}
    stack = [(root, "", 0) for root in reversed(roots)]
    while stack:
        unit_id, parent_path, depth = stack.pop()
        if unit_id in rows:
            continue
        version = visible[unit_id]
        code = version.unit.code
        division = version.kind == DIVISION
        group = f"{parent_path}/{DIVISIONS_SEGMENT}" if division and parent_path else parent_path
        path = f"{group}/{code}" if group else code
        colour = colours.get(code, selectors.GREEN)
        kids = children.get(unit_id, [])
        row: Row = {
            "unit_id": unit_id,
            "depth": depth,
            "level": depth + 1,
            "path": path,
            "parent_path": group,
            "name": version.name,
            "url": reverse("web:unit_detail", args=[code]) + f"?as_of={day.isoformat()}",
            "code": code,
            "parent_code": visible[version.parent_id].unit.code if version.parent_id in visible else "",
            "kind": version.kind,
            "division": division,
            "sequence": version.sequence,
            "region": version.region,
            "region_label": f"{version.region} {regions.get(version.region, '')}".strip(),
            "suspended": unit_id in suspended,
            "colour": colour,
            "colour_label": labels[colour],
            "colour_rank": RANKS[colour],
            "affiliated": sum(1 for k in kids if visible[k].kind != DIVISION),
            "divisions": sum(1 for k in kids if visible[k].kind == DIVISION),
            **own[unit_id],
        }
        for name in FIGURES:
            row[f"total_{name}"] = sum(own[m][name] for m in members.get(unit_id, [unit_id]) if m in own)
        rows[unit_id] = row
        stack.extend((kid, path, depth + 1) for kid in reversed(kids))
    ordered_children = {
        parent: sorted(kids, key=lambda i: (visible[i].kind == DIVISION, visible[i].unit.code))
        for parent, kids in children.items()
    }
    return UnitTree(rows=rows, roots=[r for r in roots if r in rows], children=ordered_children)
