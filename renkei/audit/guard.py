"""The database itself refuses to change or delete audit rows (defence in depth beside the
model's append-only guard and the hash chain): triggers installed by migration 0009.

PostgreSQL refuses UPDATE and DELETE of a row; TRUNCATE, which only the table's owner may run
(emptying a test database, restoring into an empty installation), stays possible. SQLite
refuses UPDATE; a DELETE trigger would also stop Django emptying a test database row by row, so
there the model guard and the chain (``manage.py verify_audit``) catch deletions. Anyone who can
drop a trigger can still write: the hash chain is what shows it.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

MESSAGE = "audit events are append-only"
FUNCTION = "renkei_audit_append_only"
TRIGGERS = ("audit_auditevent_append_only",)

_POSTGRES_INSTALL = (
    f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END; $$",
    f"CREATE TRIGGER {TRIGGERS[0]} BEFORE UPDATE OR DELETE ON audit_auditevent "
    f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
)
_POSTGRES_REMOVE = (
    f"DROP TRIGGER IF EXISTS {TRIGGERS[0]} ON audit_auditevent",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
)
_SQLITE_INSTALL = (
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} BEFORE UPDATE ON audit_auditevent "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
_SQLITE_REMOVE = (f"DROP TRIGGER IF EXISTS {TRIGGERS[0]}",)


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers on ``connection``'s database."""
    statements = _POSTGRES_INSTALL if connection.vendor == "postgresql" else _SQLITE_INSTALL
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def remove(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers (migrating backwards)."""
    statements = _POSTGRES_REMOVE if connection.vendor == "postgresql" else _SQLITE_REMOVE
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
