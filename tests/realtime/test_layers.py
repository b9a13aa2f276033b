"""The single-process channel layer: expiry still holds, without a sweep on every message."""

from __future__ import annotations

import asyncio

import pytest
from django.conf import settings

from renkei.realtime.layers import InProcessChannelLayer


def test_the_embedded_mode_uses_it():
    if settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis"):
        pytest.skip("this installation is configured with Redis's layer")
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == (
        "renkei.realtime.layers.InProcessChannelLayer"
    )


async def test_thousands_of_messages_cost_one_sweep_within_the_interval():
    layer = InProcessChannelLayer(sweep_interval=3600)
    channels = [await layer.new_channel() for _ in range(500)]
    for name in channels:
        await layer.group_add("space.1", name)
    for _ in range(4):
        await layer.group_send("space.1", {"type": "space.event", "space_id": 1})
        for name in channels:
            assert (await layer.receive(name))["space_id"] == 1
    # 4 group sends and 2,000 receives: Channels' own layer would have swept 2,004 times.
    assert layer.sweeps == 1


async def test_an_expired_message_is_still_dropped_and_its_channel_leaves_its_groups():
    layer = InProcessChannelLayer(expiry=0.05, sweep_interval=0.1)
    gone, staying = await layer.new_channel(), await layer.new_channel()
    for name in (gone, staying):
        await layer.group_add("space.2", name)
    await layer.send(gone, {"type": "space.event", "n": 1})
    await asyncio.sleep(0.25)  # past the message's expiry and the sweep interval
    await layer.group_send("space.2", {"type": "space.event", "n": 2})
    # The stale message is dropped, and like Channels' layer its channel is no longer in the
    # group, so the new message went to the other channel only.
    assert gone not in layer.groups.get("space.2", {})
    assert (await layer.receive(staying))["n"] == 2
    assert gone not in layer.channels


async def test_a_group_send_copies_each_receiver_its_own_event():
    layer = InProcessChannelLayer()
    first, second = await layer.new_channel(), await layer.new_channel()
    for name in (first, second):
        await layer.group_add("space.3", name)
    await layer.group_send("space.3", {"type": "space.event", "space_id": 3, "ids": [1, 2]})
    mine = await layer.receive(first)
    mine["ids"].append(99)  # a receiver changing its copy, nested list included
    mine["space_id"] = 0
    theirs = await layer.receive(second)
    assert theirs == {"type": "space.event", "space_id": 3, "ids": [1, 2]}


async def test_a_full_channel_misses_a_group_event_and_the_others_still_get_it():
    layer = InProcessChannelLayer(capacity=1)
    stuck, reading = await layer.new_channel(), await layer.new_channel()
    for name in (stuck, reading):
        await layer.group_add("space.4", name)
    await layer.group_send("space.4", {"type": "space.event", "n": 1})
    assert (await layer.receive(reading))["n"] == 1
    await layer.group_send("space.4", {"type": "space.event", "n": 2})
    assert (await layer.receive(reading))["n"] == 2
    assert (await layer.receive(stuck))["n"] == 1  # the second did not fit


async def test_a_waiting_receiver_keeps_its_queue_and_a_closed_one_leaves_none():
    layer = InProcessChannelLayer()
    name = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(name))
    await asyncio.sleep(0)
    queue = layer.channels[name]
    await layer.send(name, {"type": "space.event", "n": 1})
    assert (await waiting)["n"] == 1
    # The next receive waits on the same queue: none is built per message.
    waiting = asyncio.ensure_future(layer.receive(name))
    await asyncio.sleep(0)
    assert layer.channels[name] is queue
    # The connection closes: its receive is cancelled and its queue goes with it.
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert name not in layer.channels


async def test_the_sweep_drops_queues_nobody_waits_on():
    layer = InProcessChannelLayer(sweep_interval=0.05)
    name = await layer.new_channel()
    await layer.send(name, {"type": "space.event", "n": 1})
    assert (await layer.receive(name))["n"] == 1  # and its receiver never asks again
    await asyncio.sleep(0.1)
    await layer.group_send("space.5", {"type": "space.event"})  # any call may sweep
    assert name not in layer.channels


async def test_a_request_thread_hands_events_over_without_waiting_and_in_order():
    layer = InProcessChannelLayer()
    name = await layer.new_channel()
    await layer.group_add("space.7", name)
    loop = asyncio.get_running_loop()

    def from_a_request_thread() -> list[bool]:
        return [layer.group_send_soon("space.7", {"type": "space.event", "n": n}) for n in range(3)]

    handed = await loop.run_in_executor(None, from_a_request_thread)
    assert handed == [True, True, True]
    got = [(await asyncio.wait_for(layer.receive(name), 1))["n"] for _ in range(3)]
    assert got == [0, 1, 2]


async def test_on_the_loop_itself_the_event_is_queued_at_once():
    layer = InProcessChannelLayer()
    name = await layer.new_channel()
    await layer.group_add("space.8", name)
    assert layer.group_send_soon("space.8", {"type": "space.event", "n": 1})
    assert (await asyncio.wait_for(layer.receive(name), 1))["n"] == 1


def test_without_a_running_loop_nothing_is_sent_and_the_caller_is_told():
    layer = InProcessChannelLayer()
    assert layer.group_send_soon("space.9", {"type": "space.event"}) is False
    loop = asyncio.new_event_loop()
    name = loop.run_until_complete(layer.new_channel())
    loop.run_until_complete(layer.group_add("space.9", name))
    loop.close()
    # The loop the receivers waited on has closed: nothing is handed to it.
    assert layer.group_send_soon("space.9", {"type": "space.event"}) is False
