"""A re-import streams the stored people from PostgreSQL (COPY … TO STDOUT) while it computes write-off
deadlines: the working calendar must never query the same connection mid-stream (found by the
1,000,000-person bench: the import waited on the stream, the stream on the import, for ever)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row
from django.db import connection

from bianzhi.core import workdays
from bianzhi.registry.importer.columnar import people as lane

pytestmark = pytest.mark.django_db


def test_the_calendar_is_not_read_while_the_stored_people_stream_in(load, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads the stored people a slice at a time, with no stream left open")
    settings.IMPORT_COLUMNAR_MIN_ROWS = 1
    people = [
        person_row("A", birth=dt.date(1970, 1, 1) + dt.timedelta(days=i), 人员状态="调出", 离编日期="2026-03-02")
        for i in range(40)
    ]
    load({"机构": [unit_row("A")], "人员": people})
    monkeypatch.setattr(lane, "COMPARE_CHUNK", 1)  # a batch a row: the stream stays open between them
    monkeypatch.setattr(workdays, "RELOAD_SECONDS", 0.0)  # every deadline asks for a fresh calendar
    read = workdays._read_office
    calls: list[bool] = []

    def recorded():
        busy = workdays._connection_busy()
        calls.append(busy)
        if busy:  # what would hang: refuse instead, so that the test fails rather than waits
            raise RuntimeError("calendar read while the connection streams")
        return read()

    monkeypatch.setattr(workdays, "_read_office", recorded)
    workdays.clear_cache()
    result = load({"机构": [unit_row("A")], "人员": [{**p, "离编日期": "2026-03-03"} for p in people]})
    assert result.updated["人员"] == 40
    assert calls and not any(calls)
