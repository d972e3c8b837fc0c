"""core/pgcopy.py: PostgreSQL's binary COPY rendered column-wise, and insert_frame's use of it."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import connection, transaction

from bianzhi.core import bulk, pgcopy
from bianzhi.core.models import ChangeSet
from bianzhi.registry.models import Person, PersonVersion, Unit

pytestmark = pytest.mark.django_db(transaction=True)

FRAME = pl.DataFrame(
    {
        "big": [1, -2, None, 2**40, -(2**63), 2**63 - 1],
        "day": [
            dt.date(1, 1, 1),
            dt.date(9999, 12, 31),
            None,
            dt.date(2000, 1, 1),
            dt.date(1999, 12, 31),
            dt.date(1970, 1, 1),
        ],
        "text": ["许怡杰", "", None, 'x,y\n"z\\N', "\t", "a" * 300],
        "small": [50, None, 60, -1, -(2**15), 2**15 - 1],
        "int": [None, None, None, None, -(2**31), 2**31 - 1],
    },
    schema={"big": pl.Int64, "day": pl.Date, "text": pl.String, "small": pl.Int16, "int": pl.Int32},
)
TYPES = ["bigint", "date", "text", "smallint", "integer"]


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("binary COPY is PostgreSQL's")


def _copied(frame: pl.DataFrame, chunks: int = 1) -> list[tuple]:
    size = max(1, -(-frame.height // chunks))
    starts = list(range(0, frame.height, size)) or [0]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copied (n serial, big bigint, day date, text text, small smallint, int integer)"
        )
        with cursor.cursor.copy("COPY copied (big, day, text, small, int) FROM STDIN (FORMAT binary)") as copy:
            copy.write(pgcopy.HEADER)
            for start in starts:
                copy.write(pgcopy.render(frame.slice(start, size), TYPES))
            copy.write(pgcopy.TRAILER)
        cursor.execute("SELECT big, day, text, small, int FROM copied ORDER BY n")
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE copied")
    return rows


@pytest.mark.parametrize("chunks", [1, 4])
def test_every_value_comes_back_as_it_was_rendered(chunks):
    _postgres_only()
    # Extremes of every width, nulls in every column, the epoch's neighbours, text that CSV would quote.
    assert _copied(FRAME, chunks) == list(FRAME.iter_rows())


def test_a_slice_that_does_not_start_at_the_frame_s_first_row_is_rendered_from_its_own_rows():
    _postgres_only()
    # insert_frame renders slices, which share their buffers with the whole frame.
    part = FRAME.slice(3, 2)
    assert _copied(part) == list(part.iter_rows())


def test_an_empty_frame_renders_a_file_of_no_rows():
    _postgres_only()
    assert _copied(FRAME.clear()) == []
    assert bytes(pgcopy.render(FRAME.clear(), TYPES)) == b""


def test_only_the_types_it_renders_are_supported():
    assert all(pgcopy.supported(t) for t in ["bigint", "integer", "smallint", "date", "varchar(18)", "text"])
    assert not any(pgcopy.supported(t) for t in ["jsonb", "boolean", "timestamp with time zone", "numeric(5, 2)"])
    with pytest.raises(ValueError):
        pgcopy.render(pl.DataFrame({"flag": [True]}), ["boolean"])


def test_insert_frame_writes_people_and_versions_in_binary_and_reads_back_the_same(monkeypatch):
    """The path of a province's first load: identity rows and first versions through insert_frame."""
    _postgres_only()
    unit = Unit.objects.create(code="U1")
    change_set = ChangeSet.objects.create(source="test")
    people = pl.DataFrame(
        {
            "id": [10_001, 10_002],
            "id_number": ["11010519491231002X", "110105194912310037"],
        },
    )
    versions = pl.DataFrame(
        {
            "id": [20_001, 20_002],
            "valid_from": [dt.date(1, 1, 1)] * 2,
            "valid_to": [dt.date(9999, 12, 31)] * 2,
            "change_set_id": [change_set.pk] * 2,
            "person_id": [10_001, 10_002],
            "name": ["张三", "李四"],
            "gender": ["女", "男"],
            "birth_date": [dt.date(1949, 12, 31)] * 2,
            "ethnicity": ["汉族", ""],
            "political_status": ["", ""],
            "education": ["", ""],
            "degree": ["", ""],
            "title": ["", ""],
            "category": ["公务员", "公务员"],
            "unit_id": [unit.pk] * 2,
            "internal_division_id": [None, None],
            "staffing_type": ["行政编制"] * 2,
            "post": ["", ""],
            "position_category": ["", ""],
            "original_age": [55, None],
            "retirement_month": [dt.date(2009, 12, 1), dt.date(2014, 12, 1)],
            "status": ["在编", "调出"],
            "entry_date": [dt.date(2001, 3, 1), None],
            "left_date": [None, dt.date(2025, 6, 30)],
        },
        schema_overrides={
            "internal_division_id": pl.Int64,
            "original_age": pl.Int16,
            "entry_date": pl.Date,
            "left_date": pl.Date,
        },
    )
    rendered: list[int] = []
    render = pgcopy.render
    monkeypatch.setattr(
        pgcopy, "render", lambda frame, *a, **k: rendered.append(frame.height) or render(frame, *a, **k)
    )
    monkeypatch.setattr(bulk, "FRAME_CHUNK", 1)  # one block a row, between one header and one trailer
    with transaction.atomic():
        assert bulk.insert_frame(Person, people) == 2
        assert bulk.insert_frame(PersonVersion, versions) == 2
    assert rendered == [1, 1, 1, 1]
    assert list(Person.objects.order_by("id").values_list("id", "id_number")) == [
        (10_001, "11010519491231002X"),
        (10_002, "110105194912310037"),
    ]
    assert list(PersonVersion.objects.order_by("id").values_list("status", "entry_date", "left_date")) == [
        ("在编", dt.date(2001, 3, 1), None),
        ("调出", None, dt.date(2025, 6, 30)),
    ]
    stored = PersonVersion.objects.order_by("id")
    assert list(
        stored.values_list("id", "person_id", "name", "ethnicity", "original_age", "valid_from", "valid_to")
    ) == [
        (20_001, 10_001, "张三", "汉族", 55, dt.date(1, 1, 1), dt.date(9999, 12, 31)),
        (20_002, 10_002, "李四", "", None, dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    ]
    assert stored[0].change_set_id == change_set.pk and stored[1].internal_division_id is None


def test_insert_frame_falls_back_to_csv_for_a_type_binary_does_not_render():
    _postgres_only()
    frame = pl.DataFrame(
        {
            "created_at": ["2026-11-29 08:00:00+08"],  # timestamp with time zone and jsonb: CSV
            "source": ["import"],
            "actor": ["导入"],
            "origin": [""],
            "reason": ["测试"],
            "document_number": [""],
            "bypasses_approval": ["t"],
            "summary": ['{"a": 1}'],
            "logs_creations": ["t"],
            "previous": [""],
            "digest": [""],
        }
    )
    with transaction.atomic():
        assert bulk.insert_frame(ChangeSet, frame) == 1
    stored = ChangeSet.objects.get()
    assert (stored.summary, stored.actor, stored.origin, stored.bypasses_approval) == ({"a": 1}, "导入", "", True)
