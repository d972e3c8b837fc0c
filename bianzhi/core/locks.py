"""One writer of the register at a time (issue 12 "Concurrent writers never corrupt it").

An import (and every API write, which is one) validates, plans and writes inside one transaction
that holds the register's write lock, so what it read is still what it writes over: two writers
end as one after the other. PostgreSQL: a transaction-level advisory lock (a second writer waits
for the first to commit). SQLite: the block begins ``BEGIN IMMEDIATE`` (settings.py), which takes
the database's write lock at once; a writer that cannot get it within the busy timeout is refused
with ``RegisterBusy``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

#: the advisory lock's key: "bianzhi" in ASCII, as a bigint
REGISTER_LOCK = 0x6269616E7A6869


class RegisterBusy(Exception):
    """Another writer held the register longer than the wait allows (SQLite's busy timeout)."""

    message = "登记库正被另一项导入或修改占用，请稍后重试（本次未写入任何内容）"


@contextmanager
def register_writes() -> Iterator[None]:
    """A transaction holding the register's write lock."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REGISTER_LOCK])
            yield
    except OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise RegisterBusy(RegisterBusy.message) from exc
        raise
