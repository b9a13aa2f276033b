"""Answering the live connections of one process together.

An event published to a space reaches every connection of its members in this process at
almost the same moment. Asking the database once per connection made the cost of a post grow
with its audience (and every ask waits its turn on the one database thread). A ``Batcher``
gathers the connections that ask about the same thing while the event loop turns, and answers
them all with one call that still checks each connection's own access.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# How many turns of the event loop a batch waits for more askers, at most. It stops waiting
# as soon as a turn brings nobody new, so a lone connection is answered after one turn.
MAX_TURNS = 20


class _Batch(Generic[T, R]):
    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[tuple[T, asyncio.Future[R]]] = []


class Batcher(Generic[T, R]):
    """Calls ``work(key, items)`` once for the items asked about under the same key while the
    event loop turns; ``work`` answers with one result per item, in order."""

    def __init__(self, work: Callable[[Hashable, Sequence[T]], Awaitable[Sequence[R]]]) -> None:
        self._work = work
        # Per event loop: a process may run several (tests start one per test).
        self._pending: dict[tuple[int, Hashable], _Batch[T, R]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def ask(self, key: Hashable, item: T) -> R:
        """The result for ``item``, computed together with the others asked under ``key``."""
        loop = asyncio.get_running_loop()
        slot = (id(loop), key)
        batch = self._pending.get(slot)
        if batch is None:
            batch = self._pending[slot] = _Batch()
            task = loop.create_task(self._run(slot, batch))
            # Keep a reference until it ends: the loop holds tasks only weakly.
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        future: asyncio.Future[R] = loop.create_future()
        batch.items.append((item, future))
        return await future

    async def _run(self, slot: tuple[int, Hashable], batch: _Batch[T, R]) -> None:
        seen = -1
        for _ in range(MAX_TURNS):
            if len(batch.items) == seen:
                break
            seen = len(batch.items)
            await asyncio.sleep(0)
        # Whoever asks from now on starts the next batch.
        del self._pending[slot]
        waiting = [(item, future) for item, future in batch.items if not future.done()]
        if not waiting:
            return
        try:
            results = await self._work(slot[1], [item for item, _ in waiting])
        except asyncio.CancelledError:
            for _, future in waiting:
                future.cancel()
            raise
        except Exception as exc:
            for _, future in waiting:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(waiting, results, strict=True):
            if not future.done():
                future.set_result(result)
