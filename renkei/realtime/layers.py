"""The channel layer of a single server process (the embedded SQLite mode).

Channels' in-memory layer sweeps every queue and every group for expired entries on each send
and each receive. With thousands of live connections (each in four or more groups) that sweep
walks tens of thousands of entries every time a connection takes its next message, so the cost
of one post grew with the square of the connections: 5,000 connections spent most of the
server's CPU sweeping. Here the sweep runs at most once per ``sweep_interval``; expiry keeps
its meaning (a message waits 60 s at most, a group membership a day), a message or membership
merely outlives its expiry by up to that interval.

A post heard by 200 connections was also 200 tasks, 200 deep copies of the event and 200
channel-name checks in ``group_send``, and every receive built a new queue for its channel
(Channels' layer drops a channel's queue whenever it runs empty, and builds a queue eagerly
even when one exists). Here ``group_send`` puts the event straight on each queue, copies an
event of plain values shallowly (nothing in it can be shared mutably), and a channel's queue
lives as long as its receiver waits on it; a queue nobody waits on any more (its connection
closed) goes when the receive is cancelled, or at the next sweep.

A request publishes from its own thread while the connections wait on the server's event loop.
Through ``async_to_sync`` the request waited for the loop to take each event (a crossing to the
loop and back per event, and a post can publish one per member notified). ``group_send_soon``
hands the event to the loop and returns: the loop runs handed-over callbacks in order, so events
keep their order, and before the request's own answer, which the loop sends after them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

_PLAIN = (str, int, float, bool, type(None))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _copy(message: dict[str, Any]) -> dict[str, Any]:
    """A copy no receiver can change for another: shallow when every value is plain."""
    if all(type(value) in _PLAIN for value in message.values()):
        return dict(message)
    return deepcopy(message)


class InProcessChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer with its expiry sweep run once per interval at most, and
    without per-message tasks, deep copies and queues on the way from a group to a receiver."""

    def __init__(self, *args: Any, sweep_interval: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sweep_interval = sweep_interval
        self.sweeps = 0
        self._next_sweep = 0.0
        # The event loop the receivers wait on (the last one seen receiving or joining).
        self._loop: asyncio.AbstractEventLoop | None = None

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval
        self.sweeps += 1
        super()._clean_expired()
        # Queues left empty with nobody waiting: their receivers have gone.
        for channel, queue in list(self.channels.items()):
            if queue.empty() and not getattr(queue, "_getters", None):
                self.channels.pop(channel, None)

    def _queue(self, channel: str) -> asyncio.Queue[tuple[float, dict[str, Any]]]:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    def _put(self, channel: str, message: dict[str, Any]) -> None:
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, _copy(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message)

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._loop = asyncio.get_running_loop()
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _, message = await queue.get()
        except BaseException:
            # The receiver is gone (its connection closed): drop its queue unless a message
            # already waits there, which the sweep then expires like Channels' layer.
            if queue.empty() and self.channels.get(channel) is queue:
                self.channels.pop(channel, None)
            raise
        return message

    async def group_add(self, group: str, channel: str) -> None:
        self._loop = asyncio.get_running_loop()
        await super().group_add(group, channel)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._group_put(group, message)

    def group_send_soon(self, group: str, message: dict[str, Any]) -> bool:
        """Hand ``message`` for ``group`` to the receivers' event loop from any thread, without
        waiting; False (nothing sent) when there is no running loop to hand it to, for the
        caller to send it the ordinary way."""
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return False
        if _running_loop() is loop:
            self._group_put(group, message)
            return True
        try:
            loop.call_soon_threadsafe(self._group_put, group, message)
        except RuntimeError:  # closed meanwhile
            return False
        return True

    def _group_put(self, group: str, message: dict[str, Any]) -> None:
        self._clean_expired()
        # Every channel in a group was checked when it joined (group_add).
        for channel in list(self.groups.get(group, ())):
            # A full channel (a connection that stopped reading) misses this one; the
            # others still get it.
            with contextlib.suppress(ChannelFull):
                self._put(channel, message)
