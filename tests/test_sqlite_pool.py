"""The SQLite backend keeps closed connections for the next request (renkei/sqlite): a kept
connection is clean — nothing of an unfinished transaction survives, foreign keys are on — and
never points at a file other than the one the settings name now."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from renkei.sqlite.base import IdleConnections


def _raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    return conn


def _opened(path: Path) -> tuple[sqlite3.Connection, tuple[int, int] | None]:
    """A connection with the identity of the file it was opened on, as the backend keeps it."""
    conn = _raw(path)
    return conn, IdleConnections.identity(str(path))


def _taken(pool: IdleConnections, path: Path) -> sqlite3.Connection | None:
    kept = pool.take(str(path))
    return None if kept is None else kept[0]


def test_a_connection_given_back_is_handed_out_again_for_the_same_file(tmp_path):
    pool = IdleConnections(keep=2)
    db = tmp_path / "a.sqlite3"
    conn, opened_on = _opened(db)
    pool.give_back(str(db), conn, opened_on)
    assert pool.take(str(db)) == (conn, opened_on)
    assert pool.take(str(db)) is None
    assert pool.take(str(tmp_path / "other.sqlite3")) is None


def test_an_open_transaction_is_rolled_back_before_the_connection_is_kept(tmp_path):
    pool = IdleConnections(keep=2)
    db = tmp_path / "a.sqlite3"
    conn, opened_on = _opened(db)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t VALUES (1)")
    pool.give_back(str(db), conn, opened_on)
    again = _taken(pool, db)
    assert again is conn
    assert not again.in_transaction
    # The write lock is free again: another connection can write at once.
    other = sqlite3.connect(db, timeout=0, isolation_level=None)
    other.execute("INSERT INTO t VALUES (2)")
    assert [r[0] for r in other.execute("SELECT x FROM t")] == [2]


def test_a_replaced_or_deleted_file_never_gets_an_old_connection(tmp_path):
    pool = IdleConnections(keep=2)
    db = tmp_path / "a.sqlite3"
    old, opened_on = _opened(db)
    old.execute("INSERT INTO t VALUES (1)")
    pool.give_back(str(db), old, opened_on)
    db.unlink()
    assert pool.take(str(db)) is None  # gone: the kept connection is closed, not handed out
    with pytest.raises(sqlite3.ProgrammingError):
        old.execute("SELECT 1")
    fresh, opened_on = _opened(db)
    pool.give_back(str(db), fresh, opened_on)
    replacement = tmp_path / "b.sqlite3"
    _raw(replacement).close()
    replacement.replace(db)
    assert pool.take(str(db)) is None


def test_a_file_replaced_while_the_connection_was_in_use_never_gets_it(tmp_path):
    # A restore moves a file into place while a connection to the old one is open; given back
    # afterwards, that connection still reads and writes the old file (unlinked), so a later
    # request handed it would write where no other process looks.
    pool = IdleConnections(keep=2)
    db = tmp_path / "a.sqlite3"
    in_use, opened_on = _opened(db)
    replacement = tmp_path / "b.sqlite3"
    _raw(replacement).close()
    replacement.replace(db)
    pool.give_back(str(db), in_use, opened_on)
    assert pool.take(str(db)) is None
    with pytest.raises(sqlite3.ProgrammingError):
        in_use.execute("SELECT 1")  # closed, not kept


def test_no_more_than_keep_connections_wait(tmp_path):
    pool = IdleConnections(keep=2)
    db = tmp_path / "a.sqlite3"
    conns = [_raw(db) for _ in range(3)]
    for conn in conns:
        pool.give_back(str(db), conn, IdleConnections.identity(str(db)))
    with pytest.raises(sqlite3.ProgrammingError):
        conns[2].execute("SELECT 1")  # the third was closed
    assert {id(_taken(pool, db)), id(_taken(pool, db))} == {id(conns[0]), id(conns[1])}
    pool.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_request_thread_reuses_the_connection_an_earlier_one_closed():
    if connection.vendor != "sqlite":
        pytest.skip("the kept connections belong to the SQLite backend")
    seen: list[object] = []  # the objects themselves: an id could be reused once freed

    def request() -> None:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        seen.append(connections["default"].connection)
        connections["default"].close()

    for _ in range(2):
        t = threading.Thread(target=request)
        t.start()
        t.join(10)
    assert len(seen) == 2
    assert seen[0] is seen[1]


@pytest.mark.django_db(transaction=True)
def test_a_connection_closed_inside_a_transaction_leaves_nothing_behind():
    # On both databases: PostgreSQL's connections are kept by Django's pool (settings).
    from renkei.policy.models import PolicyValue

    def interrupted() -> None:
        with transaction.atomic():
            PolicyValue.objects.create(key="unfinished", value="1")
            connections["default"].close()  # as when a request's thread is torn down mid-way

    t = threading.Thread(target=interrupted)
    t.start()
    t.join(10)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
    assert not PolicyValue.objects.filter(key="unfinished").exists()
    # And the turn of the writers was handed on: this write does not wait for it.
    with transaction.atomic():
        PolicyValue.objects.filter(key="unfinished").delete()


@pytest.mark.rule("R3.5")
@pytest.mark.django_db(transaction=True)
def test_a_reused_connection_starts_with_every_setting_a_new_one_has():
    # Foreign keys, durability (synchronous=FULL: 2) and erasure (secure_delete) are the
    # connection's own settings; an earlier user may have changed them before closing.
    if connection.vendor != "sqlite":
        pytest.skip("the kept connections belong to the SQLite backend")
    names = ("foreign_keys", "synchronous", "secure_delete")

    def settings_now() -> list[int]:
        with connections["default"].cursor() as cursor:
            found = []
            for name in names:
                cursor.execute(f"PRAGMA {name}")
                found.append(int(cursor.fetchone()[0]))
            return found

    def switched_off() -> None:
        db = connections["default"]
        db.disable_constraint_checking()
        with db.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA secure_delete = 0")
        seen.append(id(db.connection))
        db.close()

    def check() -> None:
        results.append(settings_now())
        seen.append(id(connections["default"].connection))
        connections["default"].close()

    seen: list[int] = []
    results: list[list[int]] = []
    for work in (switched_off, check):
        t = threading.Thread(target=work)
        t.start()
        t.join(10)
    assert seen[0] == seen[1]  # the same connection, kept in between
    assert results == [[1, 2, 1]]
