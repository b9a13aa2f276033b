"""The batcher that answers the connections asking about the same event together."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence

import pytest

from renkei.realtime.batching import Batcher


class Recorder:
    """A ``work`` function that remembers each call and answers each item doubled."""

    def __init__(self, fail: bool = False, delay: float = 0) -> None:
        self.calls: list[tuple[Hashable, list[int]]] = []
        self.fail = fail
        self.delay = delay

    async def __call__(self, key: Hashable, items: Sequence[int]) -> list[int]:
        self.calls.append((key, list(items)))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("the database went away")
        return [item * 2 for item in items]


async def test_askers_of_the_same_key_are_answered_by_one_call_in_order():
    work = Recorder()
    batcher = Batcher(work)
    answers = await asyncio.gather(*(batcher.ask("post 7", n) for n in range(50)))
    assert answers == [n * 2 for n in range(50)]
    assert work.calls == [("post 7", list(range(50)))]


async def test_different_keys_make_different_calls():
    work = Recorder()
    batcher = Batcher(work)
    answers = await asyncio.gather(batcher.ask("a", 1), batcher.ask("b", 2), batcher.ask("a", 3))
    assert answers == [2, 4, 6]
    assert sorted(work.calls) == [("a", [1, 3]), ("b", [2])]


async def test_a_lone_asker_is_answered_and_a_later_one_starts_a_new_batch():
    work = Recorder()
    batcher = Batcher(work)
    assert await batcher.ask("k", 5) == 10
    assert await batcher.ask("k", 6) == 12
    assert work.calls == [("k", [5]), ("k", [6])]


async def test_an_asker_arriving_while_the_call_runs_is_not_given_its_answer():
    """The answer read for the first batch may predate what the late asker must see."""
    work = Recorder(delay=0.05)
    batcher = Batcher(work)
    first = asyncio.ensure_future(batcher.ask("k", 1))
    await asyncio.sleep(0.02)  # the first call is running
    assert await batcher.ask("k", 2) == 4
    assert await first == 2
    assert work.calls == [("k", [1]), ("k", [2])]


async def test_a_failure_reaches_every_asker_and_the_next_batch_works_again():
    failing = Recorder(fail=True)
    batcher = Batcher(failing)
    results = await asyncio.gather(batcher.ask("k", 1), batcher.ask("k", 2), return_exceptions=True)
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]
    failing.fail = False
    assert await batcher.ask("k", 3) == 6


async def test_a_cancelled_asker_does_not_hold_back_the_others():
    work = Recorder()
    batcher = Batcher(work)
    gone = asyncio.ensure_future(batcher.ask("k", 1))
    staying = asyncio.ensure_future(batcher.ask("k", 2))
    await asyncio.sleep(0)
    gone.cancel()
    assert await staying == 4
    with pytest.raises(asyncio.CancelledError):
        await gone
    # The connection that went away is not asked about at all.
    assert work.calls == [("k", [2])]
