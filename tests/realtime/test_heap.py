"""Open connections are frozen out of the collector's full passes, and handed back to it once
many of them have closed, so that what they left is freed."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from renkei.realtime import heap as heap_module
from renkei.realtime.heap import Heap


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


class Cycle:
    """What a closed connection leaves: objects that refer to each other."""

    def __init__(self) -> None:
        self.me = self


async def test_connections_opened_in_a_wave_are_frozen_once_after_the_delay(monkeypatch):
    monkeypatch.setattr(heap_module, "FREEZE_DELAY", 0.05)
    heap = Heap()
    marks = [heap.opened_one() for _ in range(3)]
    assert marks == [0, 0, 0]
    assert heap.freezes == 0
    await asyncio.sleep(0.1)
    assert heap.freezes == 1
    assert heap.frozen == 3
    assert gc.get_freeze_count() > 0


async def test_a_connection_closed_before_the_freeze_is_not_counted_as_frozen(monkeypatch):
    monkeypatch.setattr(heap_module, "FREEZE_DELAY", 0.05)
    heap = Heap()
    first = heap.opened_one()
    heap.opened_one()
    heap.closed_one(first)
    await asyncio.sleep(0.1)
    assert heap.frozen == 1
    assert heap.closed == 0


async def test_many_frozen_connections_closed_give_their_cycles_back(monkeypatch):
    monkeypatch.setattr(heap_module, "FREEZE_DELAY", 0.01)
    monkeypatch.setattr(heap_module, "REFRESH_MIN", 2)
    heap = Heap()
    left = [Cycle() for _ in range(100)]
    one = weakref.ref(left[0])
    marks = [heap.opened_one() for _ in range(4)]
    await asyncio.sleep(0.05)
    assert heap.frozen == 4
    del left  # the connections close; their cycles are frozen garbage now
    gc.collect()
    assert one() is not None  # out of the collector's sight
    heap.closed_one(marks[0])
    assert heap.refreshes == 0  # one of four: not yet
    heap.closed_one(marks[1])
    assert heap.refreshes == 1
    assert heap.frozen == 2
    assert one() is None
