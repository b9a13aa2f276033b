"""Database triggers that give the guard's index version a new value whenever what the index
reads changes (R2.6), however it was written: the ORM, ``bulk_create``, ``QuerySet.update()``
and ``delete()``, the erasure of a patient group or plain SQL. Signals would miss most of
those, and a missed change lets a patient's name through the guard. A restored backup brings
back the version it was taken with, together with the rows it belongs to.

Only the columns the index reads count, and only when their value really changes: a member
signing in (``last_login``) or saved unchanged rebuilds nothing. Writes that do count are rare
(patients, members, facilities) and wait for each other on the one row until they commit.

Installed by migration 0001. A later migration that makes SQLite rebuild one of these tables
(or PostgreSQL drop a column with CASCADE) drops its triggers, so they are put back after
every ``migrate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

VERSION_TABLE = "guard_indexversion"
FUNCTION = "renkei_guard_index_changed"


@dataclass(frozen=True)
class Source:
    """A table the index reads: the columns it reads, and whether a row added or removed
    changes the index (a space's rows do not: only its patient record does)."""

    table: str
    columns: tuple[str, ...]
    rows: bool = True


# What renkei.guard.queries.region_index() loads; tests/guard/test_index_version.py checks
# these names against the models.
SOURCES = (
    Source(
        "spaces_patientrecord",
        ("name", "furigana", "birth_date", "address", "phone", "space_id"),
    ),
    Source("accounts_member", ("name", "furigana")),
    Source("facilities_facility", ("address", "tel", "fax")),
    # Deleted spaces are left out of the index.
    Source("spaces_space", ("state",), rows=False),
)

# A random value, not value + 1: see renkei.guard.models.IndexVersion. 2**62 keeps
# PostgreSQL's rounding of the double inside bigint.
_NEW_VALUE = {"postgresql": "(random() * 4611686018427387904)::bigint", "sqlite": "random()"}


def _bump(vendor: str) -> str:
    # The row comes back if the table was emptied (a test database flushed between tests).
    return (
        f"INSERT INTO {VERSION_TABLE} (id, value) VALUES (1, {_NEW_VALUE[vendor]}) "  # noqa: S608
        "ON CONFLICT (id) DO UPDATE SET value = excluded.value"
    )


def _changed(source: Source, *, distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in source.columns)


def _postgres_triggers() -> dict[str, tuple[str, str]]:
    triggers = {}
    for s in SOURCES:
        if s.rows:
            # Once per statement: deleting a thousand records writes the version once.
            triggers[f"guard_{s.table}_rows"] = (
                s.table,
                f"CREATE OR REPLACE TRIGGER guard_{s.table}_rows "
                f"AFTER INSERT OR DELETE OR TRUNCATE ON {s.table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
            )
        triggers[f"guard_{s.table}_columns"] = (
            s.table,
            f"CREATE OR REPLACE TRIGGER guard_{s.table}_columns "
            f"AFTER UPDATE OF {', '.join(s.columns)} ON {s.table} FOR EACH ROW "
            f"WHEN ({_changed(s, distinct='IS DISTINCT FROM')}) EXECUTE FUNCTION {FUNCTION}()",
        )
    return triggers


def _sqlite_triggers() -> dict[str, tuple[str, str]]:
    body = f"BEGIN {_bump('sqlite')}; END"
    triggers = {}
    for s in SOURCES:
        if s.rows:
            for event in ("INSERT", "DELETE"):
                name = f"guard_{s.table}_{event.lower()}"
                triggers[name] = (
                    s.table,
                    f"CREATE TRIGGER {name} AFTER {event} ON {s.table} {body}",
                )
        name = f"guard_{s.table}_columns"
        triggers[name] = (
            s.table,
            f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(s.columns)} ON {s.table} "
            f"WHEN {_changed(s, distinct='IS NOT')} {body}",
        )
    return triggers


def _triggers(connection: BaseDatabaseWrapper) -> dict[str, tuple[str, str]]:
    """Each trigger's name, with its table and the statement that creates it."""
    return _postgres_triggers() if connection.vendor == "postgresql" else _sqlite_triggers()


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    """The names of this module's triggers present in ``connection``'s database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return present & set(_triggers(connection))


def install(connection: BaseDatabaseWrapper) -> None:
    """Create (or replace) the triggers and give the version a new value."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN {_bump('postgresql')}; RETURN NULL; END; $$"
            )
        for name, (_table, sql) in _triggers(connection).items():
            if connection.vendor != "postgresql":  # SQLite cannot replace a trigger
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(sql)
    bump(connection)


def remove(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers (migrating backwards)."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for name, (table, _sql) in _triggers(connection).items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def bump(connection: BaseDatabaseWrapper) -> None:
    """Give the version a new value: every process rebuilds its index at its next check."""
    with connection.cursor() as cursor:
        cursor.execute(_bump(connection.vendor))


def restore_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Put back any trigger a table rebuild dropped, moving the version on so that rows a
    migration changed meanwhile are loaded afresh; write the version row if the table was
    emptied. Otherwise the version stays: a restored backup keeps the one it was taken with.
    Does nothing before the guard's migration has run (or after it was reversed)."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if VERSION_TABLE not in tables or not {s.table for s in SOURCES} <= tables:
        return
    if installed(connection) != set(_triggers(connection)):
        install(connection)
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {VERSION_TABLE} WHERE id = 1")  # noqa: S608
        if cursor.fetchone() is None:
            bump(connection)
