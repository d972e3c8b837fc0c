"""The change log: every mutation happens inside ``change_context`` and is recorded.

Requests, commands, jobs and imports all open a context; services call ``record_change`` (one row)
and bulk paths call ``record_changes`` (many rows, one INSERT per batch). The log is append-only.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from bianzhi.core.models import ChangeRecord, ChangeSet

_current: contextvars.ContextVar[ChangeSet | None] = contextvars.ContextVar("bianzhi_change_set", default=None)


@contextlib.contextmanager
def change_context(
    *,
    source: str,
    user: Any = None,
    actor: str = "",
    origin: str = "",
    reason: str = "",
    document_number: str = "",
    effective: dt.date | None = None,
    bypasses_approval: bool = False,
) -> Iterator[ChangeSet]:
    """Open an atomic change set; everything recorded inside belongs to it, or nothing is stored."""
    with transaction.atomic():
        change_set = ChangeSet.objects.create(
            source=source,
            user=user if getattr(user, "pk", None) else None,
            actor=actor or (getattr(user, "username", "") if user is not None else ""),
            origin=origin,
            reason=reason,
            document_number=document_number,
            effective=effective,
            bypasses_approval=bypasses_approval,
        )
        token = _current.set(change_set)
        try:
            yield change_set
        finally:
            _current.reset(token)


def current_change_set() -> ChangeSet:
    change_set = _current.get()
    if change_set is None:
        raise RuntimeError("变更必须在 change_context 中进行（谁、何时、为何）。")
    return change_set


@dataclass(frozen=True)
class Change:
    entity: str
    key: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def record_change(*, entity: str, key: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    record_changes([Change(entity, key, _action(before, after), before, after)])


def record_changes(changes: Iterable[Change], *, batch_size: int = 2000) -> int:
    change_set = current_change_set()
    rows = (
        ChangeRecord(
            change_set=change_set,
            entity=c.entity,
            key=c.key,
            action=c.action,
            before=c.before,
            after=c.after,
        )
        for c in changes
    )
    count = 0
    batch: list[ChangeRecord] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            ChangeRecord.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        ChangeRecord.objects.bulk_create(batch)
        count += len(batch)
    return count


def _action(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if before is None:
        return ChangeRecord.Action.CREATE
    if after is None:
        return ChangeRecord.Action.DELETE
    return ChangeRecord.Action.UPDATE
