"""Writing to the audit table behind the application's back, as an attacker with database access
would: the database refuses UPDATE and DELETE on audit rows (renkei.audit migration 0009's
triggers), so a test first drops or disables them. Inside the test's transaction, so the
triggers come back when it is rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def unguarded() -> Iterator[None]:
    """Lift the append-only triggers for the duration of the block."""
    from renkei.audit.guard import TRIGGERS

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        else:
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
