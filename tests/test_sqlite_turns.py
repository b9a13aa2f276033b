"""The SQLite backend's queue of writers (renkei/sqlite): first come, first served, and a turn
is always handed on, whether the transaction commits, rolls back or fails to start."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from renkei.sqlite.base import WriteTurns, turns_for


def test_waiting_writers_get_their_turn_in_arrival_order():
    turns = WriteTurns()
    assert turns.acquire(1)
    order: list[int] = []

    def writer(n: int) -> None:
        assert turns.acquire(5)
        order.append(n)
        turns.release()

    threads = []
    for n in range(5):
        t = threading.Thread(target=writer, args=(n,))
        t.start()
        threads.append(t)
        time.sleep(0.05)  # so that they queue in this order
    turns.release()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_a_writer_that_waits_too_long_gives_up_and_leaves_the_queue():
    turns = WriteTurns()
    assert turns.acquire(1)
    assert turns.acquire(0.05) is False
    turns.release()
    assert turns.acquire(0.05) is True  # nobody stale is left in front


@pytest.mark.django_db(transaction=True)
def test_commit_and_rollback_both_hand_the_turn_on():
    if connection.vendor != "sqlite":
        pytest.skip("the queue belongs to the SQLite backend")
    from renkei.policy.models import PolicyValue

    with transaction.atomic():
        PolicyValue.objects.filter(key="nothing").delete()

    def failing() -> None:
        with transaction.atomic():
            PolicyValue.objects.filter(key="nothing").delete()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing()
    turns = turns_for(str(connection.settings_dict["NAME"]))
    # Free again: another thread gets the turn at once.
    got: list[bool] = []
    t = threading.Thread(target=lambda: got.append(turns.acquire(0.5)))
    t.start()
    t.join(2)
    assert got == [True]
    turns.release()
