"""Each pass of `make test` runs on the engine it claims (SQLite, then PostgreSQL)."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_the_expected_engine():
    expected = os.environ.get("EXPECT_DB_VENDOR")
    if not expected:
        pytest.skip("EXPECT_DB_VENDOR not set (run through make test)")
    assert connection.vendor == expected
