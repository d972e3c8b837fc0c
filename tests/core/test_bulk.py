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
