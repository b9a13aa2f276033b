"""The embedded database keeps committed writes and overwrites what is deleted."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_sqlite_runs_in_wal_with_full_sync_and_secure_delete():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1
