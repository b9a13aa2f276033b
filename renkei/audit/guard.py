"""The database itself refuses to change or delete audit rows (defence in depth beside the
model's append-only guard and the hash chain): triggers installed by migration 0009.

PostgreSQL refuses UPDATE and DELETE of a row; TRUNCATE, which only the table's owner may run
(emptying a test database, restoring into an empty installation), stays possible. SQLite
refuses UPDATE; a DELETE trigger would also stop Django emptying a test database row by row, so
there the model guard and the chain (``manage.py verify_audit``) catch deletions. Anyone who can
drop a trigger can still write: the hash chain is what shows it.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

MESSAGE = "audit events are append-only"
MIGRATION = ("audit", "0009_append_only_triggers")
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


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    """The names of this module's triggers present on ``connection``'s database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                [list(TRIGGERS)],
            )
        else:
            marks = ", ".join("%s" for _ in TRIGGERS)
            cursor.execute(
                f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",  # noqa: S608
                list(TRIGGERS),
            )
        return {row[0] for row in cursor.fetchall()}


def restore_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Put the triggers back if a table rebuild dropped them (SQLite rebuilds a table to alter
    it, and its triggers go with the old one). Nothing when migration 0009 is not applied."""
    connection = connections[using]
    if MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    if installed(connection) != set(TRIGGERS):
        install(connection)
