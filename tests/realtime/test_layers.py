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
