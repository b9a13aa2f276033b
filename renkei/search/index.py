"""The trigram index behind search, one per database engine.

SQLite: FTS5 tables with the trigram tokenizer over post bodies and attachment names, as
external-content tables (the text is not stored twice) kept in step by triggers, so every way a
post changes — posting, editing, deleting, erasing a whole space — reaches the index without
the actions having to remember it. PostgreSQL: pg_trgm with GIN indexes that serve ILIKE.
Japanese has no spaces between words; trigrams need no dictionary.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# (FTS table, content table, indexed column)
SQLITE_TABLES = (
    ("search_post_fts", "timeline_post", "body"),
    ("search_attachment_fts", "attachments_attachment", "name"),
)


def _sqlite_table(fts: str, content: str, column: str) -> str:
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
        f"{column}, content='{content}', content_rowid='id', tokenize='trigram')"
    )


def _sqlite_triggers(fts: str, content: str, column: str) -> dict[str, str]:
    # Table and column names are this module's constants, never input.
    insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"  # noqa: S608
    delete = (
        f"INSERT INTO {fts}({fts}, rowid, {column}) "  # noqa: S608
        f"VALUES ('delete', old.id, old.{column});"
    )
    return {
        f"{fts}_ai": f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {content} "
        f"BEGIN {insert} END",
        f"{fts}_ad": f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {content} "
        f"BEGIN {delete} END",
        f"{fts}_au": f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} "
        f"ON {content} BEGIN {delete} {insert} END",
    }


def _sqlite_names(connection: BaseDatabaseWrapper, kind: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = %s", [kind])
        return {row[0] for row in cursor.fetchall()}


def create_sqlite_index(connection: BaseDatabaseWrapper) -> None:
    """Create the FTS5 tables and triggers, and index what is already there."""
    with connection.cursor() as cursor:
        for fts, content, column in SQLITE_TABLES:
            cursor.execute(_sqlite_table(fts, content, column))
            for sql in _sqlite_triggers(fts, content, column).values():
                cursor.execute(sql)
            cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608


def drop_sqlite_index(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for fts, content, column in SQLITE_TABLES:
            for name in _sqlite_triggers(fts, content, column):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {fts}")


def ensure_sqlite_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """Put back any trigger a table rebuild dropped and re-index that table; returns the FTS
    tables that were rebuilt. Does nothing before the search migration has run."""
    tables = _sqlite_names(connection, "table")
    triggers = _sqlite_names(connection, "trigger")
    rebuilt = []
    with connection.cursor() as cursor:
        for fts, content, column in SQLITE_TABLES:
            if fts not in tables or content not in tables:
                continue
            wanted = _sqlite_triggers(fts, content, column)
            if set(wanted) <= triggers:
                continue
            for sql in wanted.values():
                cursor.execute(sql)
            cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608
            rebuilt.append(fts)
    return rebuilt


POSTGRES_CREATE = (
    # Trusted since PostgreSQL 13: the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_post_body_trgm "
    "ON timeline_post USING gin (body gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_attachment_name_trgm "
    "ON attachments_attachment USING gin (name gin_trgm_ops)",
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS search_post_body_trgm",
    "DROP INDEX IF EXISTS search_attachment_name_trgm",
)


def create_postgres_index(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for sql in POSTGRES_CREATE:
            cursor.execute(sql)


def drop_postgres_index(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for sql in POSTGRES_DROP:
            cursor.execute(sql)


def restore_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    connection = connections[using]
    if connection.vendor == "sqlite":
        ensure_sqlite_triggers(connection)
