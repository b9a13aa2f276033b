"""The channel layer of a single server process (the embedded SQLite mode).

Channels' in-memory layer sweeps every queue and every group for expired entries on each send
and each receive. With thousands of live connections (each in four or more groups) that sweep
walks tens of thousands of entries every time a connection takes its next message, so the cost
of one post grew with the square of the connections: 5,000 connections spent most of the
server's CPU sweeping. Here the sweep runs at most once per ``sweep_interval``; expiry keeps
its meaning (a message waits 60 s at most, a group membership a day), a message or membership
merely outlives its expiry by up to that interval.
"""

from __future__ import annotations

import time
from typing import Any

from channels.layers import InMemoryChannelLayer


class InProcessChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer with its expiry sweep run once per interval at most."""

    def __init__(self, *args: Any, sweep_interval: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sweep_interval = sweep_interval
        self.sweeps = 0
        self._next_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval
        self.sweeps += 1
        super()._clean_expired()
