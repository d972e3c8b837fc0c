"""What an import would change, value by value (interchange.md §2 ``changes``): for every stored row
the file changes, each changed column with its stored and new value, since when the stored value
holds and which change set (文号) set it — so that a stale workbook overwriting a newer decision
shows before it is confirmed."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bianzhi.core.dates import BEGINNING
from bianzhi.registry.importer.plan import BOOLEAN, Planned, SheetPlan
from bianzhi.registry.importer.schema import SHEET_BY_NAME

#: changes listed per sheet and column, as errors are capped (interchange.md §1 "Characters and size")
CAP = 1000


def _value(field_name: str, value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if field_name == "approved_retirement_month" else value.isoformat()
    if field_name in BOOLEAN:
        return "是" if value else "否"
    return None if value == "" else value


def _key(item: Planned) -> str:
    return "/".join(k.isoformat() if isinstance(k, dt.date) else str(k) for k in item.key)


@dataclass
class ChangeList:
    items: list[dict[str, Any]] = field(default_factory=list)
    counted: Counter = field(default_factory=Counter)
    omitted: int = 0

    def add(self, plan: SheetPlan) -> None:
        """The changed values of the plan's stored rows that the file names."""
        columns = SHEET_BY_NAME[plan.sheet].columns
        for item in plan.items:
            if item.row is None or not item.changed or item.before is None:
                continue
            for column in columns:
                before, after = item.before.get(column.field), item.after.get(column.field)
                if before == after or column.field not in item.after:
                    continue
                self.counted[(plan.sheet, column.header)] += 1
                if self.counted[(plan.sheet, column.header)] > CAP:
                    self.omitted += 1
                    continue
                self.items.append(
                    {
                        "sheet": plan.sheet,
                        "row": item.row,
                        "key": _key(item),
                        "column": column.header,
                        "stored": _value(column.field, before),
                        "new": _value(column.field, after),
                        "stored_since": None
                        if item.version_from in (None, BEGINNING)
                        else item.version_from.isoformat(),  # type: ignore[union-attr]
                        "change_set": item.change_set_id,
                        "document_number": "",
                    }
                )

    def finish(self) -> list[dict[str, Any]]:
        """The list with each change set's 文号, in sheet and row order."""
        from bianzhi.core.models import ChangeSet

        ids = {c["change_set"] for c in self.items if c["change_set"]}
        numbers = dict(ChangeSet.objects.filter(pk__in=ids).values_list("pk", "document_number")) if ids else {}
        for change in self.items:
            change["document_number"] = numbers.get(change["change_set"], "")
        return self.items
