"""Django's SQLite backend, with this process's writers queued first come, first served.

SQLite lets one transaction write at a time. Every transaction here starts with BEGIN
IMMEDIATE (settings ``transaction_mode``), so writers wait for that lock, and SQLite's busy
handler makes them wait by sleeping and retrying (1, 2, 5 … up to 100 ms between tries): a
writer that starts waiting just after another may wake long after the lock is free, while later
ones take it first. Under 20 concurrent posters that made the median 100 ms and the p95 2 s.

Here a transaction first takes this process's turn for the database file (a FIFO queue), then
BEGIN IMMEDIATE, and hands the turn to the next waiter as soon as it commits or rolls back. The
lock itself, the transactions and their durability are unchanged (WAL, ``synchronous=FULL``);
another process writing to the same file is still waited for by SQLite's busy handler; the wait
for a turn is bounded by the same ``timeout`` as SQLite's, after which the request fails as it
did before ("database is locked").

Connections are also kept open between requests. Under ASGI each request runs in a thread of
its own and Django closes the connection when the request ends, so every request opened the
file, read the schema and ran the PRAGMAs, and every close that left no other connection open
checkpointed the WAL into the database file (a write and an fsync) and deleted it: about a
tenth of a post's server time. A closed connection now waits, rolled back and idle, for the
next thread that opens one to the same file (``IdleConnections``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import deque
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError


class WriteTurns:
    """A first-come, first-served lock: ``release`` hands it straight to the oldest waiter."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ended
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # still held: now by that waiter
            else:
                self._held = False


_turns: dict[str, WriteTurns] = {}
_turns_lock = threading.Lock()


def turns_for(name: str) -> WriteTurns:
    """The queue of the process's writers to one database file."""
    with _turns_lock:
        return _turns.setdefault(name, WriteTurns())


class IdleConnections:
    """Open SQLite connections to one database file, waiting to be used again.

    A connection is kept only when it is clean (no transaction open: it is rolled back first)
    and handed out only while the file is the one it was opened on, as seen just before it was
    opened: a file deleted or replaced since (a test database made anew, a restored backup moved
    into place) gets a fresh connection, even when the file was replaced while the connection
    was in use. Nothing in the process opens the database file other than through SQLite
    (backups copy it with ``VACUUM INTO`` and the backup API): closing such a file would drop
    the POSIX locks that protect the kept connections. At most ``keep`` wait; each holds
    SQLite's page cache, so more would cost memory for little gain.
    """

    def __init__(self, keep: int) -> None:
        self._lock = threading.Lock()
        self._idle: dict[str, list[tuple[sqlite3.Connection, tuple[int, int]]]] = {}
        self.keep = keep

    @staticmethod
    def identity(name: str) -> tuple[int, int] | None:
        """The file's device and inode now, or None when there is no file."""
        try:
            st = os.stat(name)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def take(self, name: str) -> tuple[sqlite3.Connection, tuple[int, int]] | None:
        """An idle connection to ``name``'s file as it is now, with that file's identity, or
        None."""
        identity = self.identity(name)
        stale = []
        found = None
        with self._lock:
            waiting = self._idle.get(name, [])
            while waiting:
                conn, opened_on = waiting.pop()
                if opened_on == identity:
                    found = (conn, opened_on)
                    break
                stale.append(conn)
        for conn in stale:
            conn.close()
        return found

    def give_back(
        self, name: str, conn: sqlite3.Connection, opened_on: tuple[int, int] | None
    ) -> None:
        """Keep ``conn``, opened on the file whose identity was ``opened_on``, for the next
        user, or close it when it cannot or need not be kept."""
        try:
            if conn.in_transaction:
                conn.rollback()
        except sqlite3.Error:
            conn.close()
            return
        with self._lock:
            waiting = self._idle.setdefault(name, [])
            if (
                opened_on is not None
                and opened_on == self.identity(name)
                and len(waiting) < self.keep
            ):
                waiting.append((conn, opened_on))
                return
        conn.close()

    def close_all(self) -> None:
        """Close every idle connection (tests, and before a file is replaced in place)."""
        with self._lock:
            conns = [conn for waiting in self._idle.values() for conn, _ in waiting]
            self._idle.clear()
        for conn in conns:
            conn.close()


# Eight covers the requests that are in the database at one time under load on a small server
# (writers queue one at a time; readers are bound by the process's GIL).
idle_connections = IdleConnections(keep=8)


class DatabaseWrapper(base.DatabaseWrapper):
    """SQLite whose transactions take their turn in the process's FIFO queue of writers."""

    _holds_turn = False

    def _turns(self) -> WriteTurns:
        return turns_for(str(self.settings_dict["NAME"]))

    def _start_transaction_under_autocommit(self) -> None:
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        if not self._turns().acquire(timeout):
            raise OperationalError("database is locked")
        self._holds_turn = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_turn()
            raise

    def _release_turn(self) -> None:
        if self._holds_turn:
            self._holds_turn = False
            self._turns().release()

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_turn()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_turn()

    def _pooled(self) -> bool:
        return not self.is_in_memory_db()

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        self._opened_on: tuple[int, int] | None = None
        if not self._pooled():
            return super().get_new_connection(conn_params)
        name = str(conn_params["database"])
        kept = idle_connections.take(name)
        if kept is not None:
            conn, self._opened_on = kept
            # Every setting a new connection gets, set again: whatever an earlier user changed
            # (foreign keys off to load fixtures, secure_delete switched for a while), the next
            # request starts with the region's durability and erasure settings.
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA legacy_alter_table = OFF")
            # Django's parsed OPTIONS["init_command"] (not in the stubs).
            init_commands: list[str] = getattr(self, "init_commands", [])
            for command in init_commands:
                if command := command.strip():
                    conn.execute(command)
            return conn
        # Seen before opening: a file replaced in between only makes the connection unkept.
        self._opened_on = idle_connections.identity(name)
        return super().get_new_connection(conn_params)

    def _close(self) -> Any:
        try:
            if self.connection is not None and self._pooled():
                with self.wrap_database_errors:
                    idle_connections.give_back(
                        str(self.settings_dict["NAME"]),
                        self.connection,
                        getattr(self, "_opened_on", None),
                    )
                return None
            return super()._close()  # type: ignore[misc]
        finally:
            self._release_turn()
