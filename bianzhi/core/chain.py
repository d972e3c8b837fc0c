"""The change log's hash chain (issue 13 "Audit"): each change set commits to the one before.

A change set's ``digest`` is SM3 (GB/T 32905) over

    the previous change set's digest (hex; "" for the first)
    ‖ the canonical JSON of the change set's own fields (``set_fields``)
    ‖ SM3 of its records: the canonical JSON of each record (entity, key, action, before, after),
      one after another in id order

and ``sequence`` numbers the change sets in chain order (1, 2, 3 …). The records' hash is folded as
they are written (``RecordHash``), so closing a change set of a million records reads none of them
back. ``verify`` recomputes everything from the stored rows and names the first change set whose
stored values no longer give its digest: an edited record or change set, a deleted record, a
deleted or inserted change set, a broken link.

Canonical JSON: keys sorted, no spaces, non-ASCII as it is (``json.dumps(…, sort_keys=True,
ensure_ascii=False, separators=(",", ":"))``), UTF-8. The fast lanes of the import render the same
bytes column-wise (``bianzhi.registry.importer.columnar``).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.db import connection

#: the advisory lock's key that orders the chain's writers on PostgreSQL: "bzchain" in ASCII (the
#: register's own lock, core/locks.py, is another key)
CHAIN_LOCK = 0x627A636861696E
#: the change set fields a digest covers, in this order
SET_FIELDS = (
    "id",
    "created_at",
    "user_id",
    "actor",
    "source",
    "origin",
    "reason",
    "document_number",
    "effective",
    "bypasses_approval",
    "summary",
    "logs_creations",
)
#: records read at a time by ``verify``
VERIFY_CHUNK = 5000


def canonical(value: Any) -> bytes:
    """The canonical JSON of a value (sorted keys, no spaces, UTF-8)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def record_bytes(entity: str, key: str, action: str, before: Any, after: Any) -> bytes:
    """What a record contributes to its change set's digest."""
    return canonical([entity, key, action, before, after])


def _sm3() -> hashes.Hash:
    return hashes.Hash(hashes.SM3())


class RecordHash:
    """The running SM3 of one change set's records, in the order they are written."""

    def __init__(self) -> None:
        self._hash = _sm3()
        self.count = 0

    def add(self, entity: str, key: str, action: str, before: Any, after: Any) -> None:
        self._hash.update(record_bytes(entity, key, action, before, after))
        self.count += 1

    def add_rendered(self, data: bytes | memoryview, count: int) -> None:
        """Records already rendered as ``record_bytes`` and joined (the import's fast lanes)."""
        self._hash.update(data)
        self.count += count

    def hexdigest(self) -> str:
        return self._hash.copy().finalize().hex()


def _day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        # One spelling whatever the database returns (aware UTC on PostgreSQL and SQLite alike).
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def set_fields(values: dict[str, Any]) -> dict[str, Any]:
    """A change set's fields as the digest covers them (``values`` keyed like ``SET_FIELDS``)."""
    out = {name: values.get(name) for name in SET_FIELDS}
    out["created_at"] = _day(out["created_at"])
    out["effective"] = _day(out["effective"])
    out["summary"] = out["summary"] or {}
    return out


def digest(previous: str, fields: dict[str, Any], records_digest: str) -> str:
    """A change set's digest from its predecessor's, its fields and its records' hash."""
    h = _sm3()
    h.update(previous.encode())
    h.update(canonical(set_fields(fields)))
    h.update(records_digest.encode())
    return h.finalize().hex()


def chain_lock() -> None:
    """Order the chain's writers until the transaction ends: PostgreSQL takes an advisory lock; on
    SQLite every write transaction is IMMEDIATE (settings.py), which already holds the file's lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


# ---------------------------------------------------------------- verification


@dataclass
class Broken:
    change_set: int | None
    problem: str


@dataclass
class Verification:
    ok: bool
    checked: int
    records: int
    seconds: float
    broken: list[Broken] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "records": self.records,
            "seconds": round(self.seconds, 3),
            "broken": [{"change_set": b.change_set, "problem": b.problem} for b in self.broken],
        }


def _records_by_set(rows: Iterable[tuple[Any, ...]]) -> dict[int, RecordHash]:
    hashes_of: dict[int, RecordHash] = {}
    for change_set_id, entity, key, action, before, after in rows:
        running = hashes_of.get(change_set_id)
        if running is None:
            running = hashes_of[change_set_id] = RecordHash()
        running.add(entity, key, action, before, after)
    return hashes_of


def verify(*, progress: Callable[[str], None] | None = None, limit: int = 20) -> Verification:
    """Recompute the chain from the stored change sets and records; ``broken`` lists (up to
    ``limit``) the change sets whose stored values no longer give their digest, the first first."""
    from bianzhi.core.models import ChangeRecord, ChangeSet

    started = time.perf_counter()
    say = progress or (lambda message: None)
    say("读取变更记录")
    rows: Iterator[tuple[Any, ...]] = (
        ChangeRecord.objects.order_by("id")
        .values_list("change_set_id", "entity", "key", "action", "before", "after")
        .iterator(chunk_size=VERIFY_CHUNK)
    )
    record_hashes = _records_by_set(rows)
    records = sum(r.count for r in record_hashes.values())
    say("校验变更批次")
    broken: list[Broken] = []
    chained = ChangeSet.objects.filter(sequence__isnull=False).order_by("sequence")
    previous = ""
    expected_sequence = 1
    checked = 0
    empty = RecordHash().hexdigest()
    for values in chained.values("sequence", "previous", "digest", *SET_FIELDS).iterator(chunk_size=VERIFY_CHUNK):
        checked += 1
        pk = values["id"]
        problems = []
        if values["sequence"] != expected_sequence:
            problems.append(f"链序号应为 {expected_sequence}，实为 {values['sequence']}（之前的变更批次被删除）")
        if values["previous"] != previous:
            problems.append("记录的前一批次摘要与链中前一批次不符（之前的变更批次被删除或改动）")
        running = record_hashes.pop(pk, None)
        recomputed = digest(values["previous"], values, running.hexdigest() if running else empty)
        if recomputed != values["digest"]:
            problems.append("摘要与存储的内容不符（该批次或其变更记录被修改、删除或增加）")
        if problems:
            broken.append(Broken(pk, "；".join(problems)))
        previous = values["digest"]
        expected_sequence = values["sequence"] + 1
    unchained = list(ChangeSet.objects.filter(sequence__isnull=True).order_by("id").values_list("id", flat=True))
    for pk in unchained:
        record_hashes.pop(pk, None)
        broken.append(Broken(pk, "变更批次不在链中（绕过变更日志写入）"))
    for pk in sorted(record_hashes):
        broken.append(Broken(pk, "变更记录所属的变更批次不存在"))
    checked += len(unchained)
    return Verification(
        ok=not broken,
        checked=checked,
        records=records,
        seconds=time.perf_counter() - started,
        broken=broken[:limit],
    )
