"""The change log: every mutation happens inside ``change_context`` and is recorded.

Requests, commands, jobs and imports all open a context; services call ``record_change`` (one row)
and bulk paths call ``record_changes`` (many rows, one INSERT per batch). The log is append-only
and hash-chained (core/chain.py): the records are folded into the change set's running SM3 as they
are written, and the change set's digest is computed as it closes, in the same transaction.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from bianzhi.core import chain
from bianzhi.core.models import ChangeRecord, ChangeSet

_current: contextvars.ContextVar[ChangeSet | None] = contextvars.ContextVar("bianzhi_change_set", default=None)
_origin: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("bianzhi_change_origin", default=None)


def display_name(user: Any) -> str:
    """Who a user is to a reader of the log or an export: the display name (姓名) with the username
    kept beside it, ``张科长（zhang）``; the username alone when there is no display name."""
    username = str(getattr(user, "username", "") or "")
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return f"{full}（{username}）" if full and full != username else username


@contextlib.contextmanager
def change_origin(*, source: str = "", origin: str = "", reason: str = "") -> Iterator[None]:
    """Where the change sets opened inside come from, for services that do not take it: a request
    through the API or a page wraps the service call, so its change set says ``source`` (instead of
    the generic "service"), the client's address and, when the service was given none, the reason
    the user gave."""
    token = _origin.set({"source": source, "origin": origin, "reason": reason})
    try:
        yield
    finally:
        _origin.reset(token)


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
    outer = _origin.get()
    if outer is not None:
        source = outer["source"] if outer["source"] and source == ChangeSet.Source.SERVICE else source
        origin = origin or outer["origin"]
        reason = reason or outer["reason"]
    with transaction.atomic():
        change_set = ChangeSet.objects.create(
            source=source,
            user=user if getattr(user, "pk", None) else None,
            actor=actor or (display_name(user) if user is not None else ""),
            origin=origin,
            reason=reason,
            document_number=document_number,
            effective=effective,
            bypasses_approval=bypasses_approval,
        )
        change_set.records_hash = chain.RecordHash()  # type: ignore[attr-defined]
        token = _current.set(change_set)
        try:
            yield change_set
        finally:
            _current.reset(token)
        _close(change_set)


def _close(change_set: ChangeSet) -> None:
    """Chain the change set: its digest over its predecessor's, its stored fields and its records
    (core/chain.py), under the chain's lock so that no two change sets follow the same one."""
    chain.chain_lock()
    last = ChangeSet.objects.filter(sequence__isnull=False).order_by("-sequence").values("sequence", "digest").first()
    previous = last["digest"] if last else ""
    sequence = int(last["sequence"] or 0) + 1 if last else 1
    fields = {name: getattr(change_set, name) for name in chain.SET_FIELDS}  # as saved (summary included)
    records: chain.RecordHash = change_set.records_hash  # type: ignore[attr-defined]
    change_set.sequence, change_set.previous = sequence, previous
    change_set.digest = chain.digest(previous, fields, records.hexdigest())
    ChangeSet.objects.filter(pk=change_set.pk).update(
        sequence=change_set.sequence, previous=change_set.previous, digest=change_set.digest
    )


def current_records_hash() -> chain.RecordHash:
    """The running hash of the open change set's records (for writers that render records in bulk)."""
    return current_change_set().records_hash  # type: ignore[attr-defined,no-any-return]


def current_change_set() -> ChangeSet:
    change_set = _current.get()
    if change_set is None:
        raise RuntimeError("变更必须在 change_context 中进行（谁、何时、为何）。")
    return change_set


def open_change_set() -> ChangeSet | None:
    """The change set open in this context, or ``None`` (for hooks that record into it when there is one)."""
    return _current.get()


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
    running: chain.RecordHash = change_set.records_hash  # type: ignore[attr-defined]
    count = 0
    batch: list[ChangeRecord] = []
    for row in rows:
        running.add(row.entity, row.key, row.action, row.before, row.after)
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
