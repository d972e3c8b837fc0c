"""core/bulk.py: ids drawn for a set-based write."""

from __future__ import annotations

import pytest
from django.db import transaction

from bianzhi.core import bulk
from bianzhi.registry.models import Unit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("block_from", [1, 10**9])
def test_reserved_ids_are_new_distinct_and_not_drawn_again(monkeypatch, block_from):
    monkeypatch.setattr(bulk, "ID_BLOCK_FROM", block_from)
    Unit.objects.create(code="A")
    with transaction.atomic():  # as every caller does (the block's table lock lasts until the commit)
        first = bulk.reserve_ids(Unit, 3)
        bulk.insert_rows(Unit, ["id", "code"], [(pk, f"U{pk}") for pk in first])
    assert len(set(first)) == 3 and min(first) > Unit.objects.get(code="A").pk
    # The next draw (one by one, or the sequence on PostgreSQL) follows the reserved ids.
    later = Unit.objects.create(code="B")
    assert later.pk > max(first)
    with transaction.atomic():
        assert bulk.reserve_ids(Unit, 2)[0] > later.pk


def test_a_large_load_on_sqlite_gets_a_larger_page_cache_for_its_length(monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL strips indexes instead (tests/registry/test_columnar.py)")

    def cache() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache()
    monkeypatch.setattr(bulk, "BULK_LOAD_MIN_ROWS", 10)
    with bulk.bulk_load({Unit: 9}):
        assert cache() == before  # a small load changes nothing
    with bulk.bulk_load({Unit: 10}):
        assert cache() == -bulk.SQLITE_LOAD_CACHE_KIB
    assert cache() == before


def test_a_bulk_load_ends_with_statistics_from_a_smaller_sample(monkeypatch):
    """The load analyses the tables it stripped at LOAD_STATISTICS_TARGET (autovacuum later at the
    default): 300 distinct codes give a histogram of that many buckets, not of 100."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps its indexes and its statistics")
    monkeypatch.setattr(bulk, "BULK_LOAD_MIN_ROWS", 1)
    with transaction.atomic():
        with bulk.bulk_load({Unit: 300}):
            bulk.insert_rows(Unit, ["code"], [(f"U{n:04d}",) for n in range(300)])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT array_length(histogram_bounds, 1) FROM pg_stats WHERE tablename = 'registry_unit' AND attname = 'code'"
            )
            assert cursor.fetchone() == (bulk.LOAD_STATISTICS_TARGET + 1,)
            cursor.execute("SHOW default_statistics_target")
            assert cursor.fetchone() == ("30",)  # SET LOCAL: the transaction's, then the server's again
    with connection.cursor() as cursor:
        cursor.execute("SHOW default_statistics_target")
        assert cursor.fetchone() == ("100",)


def test_a_large_load_on_sqlite_drops_the_secondary_indexes_of_the_tables_it_doubles(monkeypatch):
    from django.db import connection

    from bianzhi.registry.models import Person, PersonVersion

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL strips keys and foreign keys too (tests/registry/test_columnar.py)")

    def indexes(table: str) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
            return sorted(cursor.fetchall())

    Person.objects.create(id_number="11010519491231002X")
    before = {t: indexes(t) for t in ("registry_person", "registry_personversion")}
    assert any(sql is None for _, sql in before["registry_person"])  # the unique constraint's own index
    monkeypatch.setattr(bulk, "BULK_LOAD_MIN_ROWS", 1)
    with transaction.atomic():
        with bulk.bulk_load({Person: 1, PersonVersion: 5}):  # holds one: not doubled; empty: doubled
            during = {t: indexes(t) for t in before}
            with bulk.bulk_load({PersonVersion: 5}):  # nested: already stripped
                assert indexes("registry_personversion") == during["registry_personversion"]
    assert during["registry_person"] == before["registry_person"]
    assert during["registry_personversion"] == [i for i in before["registry_personversion"] if i[1] is None]
    assert len(before["registry_personversion"]) > len(during["registry_personversion"])
    assert {t: indexes(t) for t in before} == before


def test_a_bulk_load_checks_its_foreign_keys_with_merge_joins_and_no_jit(monkeypatch):
    """Each foreign key re-added after the load is validated with hash joins and JIT off (its
    anti-join merges along the indexes just rebuilt); the settings are the server's again after."""
    from django.db import connection

    from bianzhi.registry.models import UnitVersion

    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps its foreign keys")
    monkeypatch.setattr(bulk, "BULK_LOAD_MIN_ROWS", 1)
    seen: list[tuple[str, str]] = []

    def spy(execute, sql, params, many, context):
        if "FOREIGN KEY" in sql and sql.startswith("ALTER TABLE"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('jit')")
                seen.append(cursor.fetchone())
        return execute(sql, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(spy):
        with bulk.bulk_load({UnitVersion: 5}):  # an empty table the load doubles: its keys come off
            pass
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('jit')")
            after = cursor.fetchone()
    assert seen and set(seen) == {("off", "off")}
    assert after == ("on", "on")
