"""Snapshots of the whole database and file store, to compare before a backup and after its
restore: rows per table with a content hash, and every stored file's bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from renkei.backups.archive import STORED_FOLDERS


def _value(value: object) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes | bytearray):
        return "b:" + bytes(value).hex()
    return repr(value)


def table_snapshot(skip_last_audit: bool = False) -> dict[str, tuple[int, str]]:
    """For every table (on SQLite the FTS5 tables and their shadow tables too): its row count
    and a SHA-256 over its rows, sorted, every column. ``skip_last_audit`` leaves out the
    newest audit event (the restore's own)."""
    snapshot = {}
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor, include_views=False))
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables |= {row[0] for row in cursor.fetchall()}
        for table in sorted(tables):
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {name}")  # noqa: S608
            rows = sorted("|".join(_value(v) for v in row) for row in cursor.fetchall())
            if skip_last_audit and table == "audit_auditevent":
                cursor.execute(f"SELECT MAX(id) FROM {name}")  # noqa: S608
                newest = cursor.fetchone()[0]
                rows = [r for r in rows if not r.startswith(f"{newest}|")]
            if table == "sqlite_sequence":
                # The audit counter moves with the restore's own event; its rows are compared.
                rows = [r for r in rows if not r.startswith("'audit_auditevent'|")]
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            snapshot[table] = (len(rows), digest)
    return snapshot


def file_snapshot(data_dir: Path) -> dict[str, bytes]:
    files = {}
    for folder in STORED_FOLDERS:
        root = data_dir / folder
        if root.exists():
            for path in root.rglob("*"):
                if path.is_file():
                    files[path.relative_to(data_dir).as_posix()] = path.read_bytes()
    return files


def settle() -> None:
    """Let the background notification mailer finish, so no row changes under a snapshot."""
    from renkei.notifications.mail import start_sender

    start_sender().join(timeout=60)


def wipe(data_dir: Path) -> None:
    """Make this installation empty again: every row gone, the stored folders removed."""
    import shutil

    settle()
    call_command("flush", interactive=False, verbosity=0)
    for folder in STORED_FOLDERS:
        shutil.rmtree(data_dir / folder, ignore_errors=True)
