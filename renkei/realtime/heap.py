"""Keeping the garbage collector's full passes short while thousands of connections are open.

Each live connection keeps a few hundred Python objects for as long as it stays open. With
5,000 connections CPython's full (oldest-generation) collection walked millions of such objects
every few seconds, finding almost nothing to free, and stopped the event loop for 0.2-0.9 s each
time: the slowest tenth of the deliveries. Once connections have settled, their objects are moved
out of the collector's sight (``gc.freeze``), so a full pass walks only what was made since.

Frozen objects are never freed, so what a closed connection leaves in reference cycles stays
until the next refresh: when many of the frozen connections have closed since, the objects are
handed back to the collector, collected once (one long pass, rarely) and frozen again.
"""

from __future__ import annotations

import asyncio
import gc

# Seconds after a connection opens before the open connections are frozen: a wave of
# connections (a ward starting its round) is frozen once, not once per connection.
FREEZE_DELAY = 5.0
# A refresh once this share of the frozen connections has closed (and at least REFRESH_MIN).
REFRESH_SHARE = 0.25
REFRESH_MIN = 200


class Heap:
    """Counts of connections opened and closed, and the freezing they call for."""

    def __init__(self) -> None:
        self.frozen = 0  # connections open at the last freeze
        self.opened = 0  # since the last freeze
        self.closed = 0  # frozen connections closed since the last refresh
        self.freezes = 0
        self.refreshes = 0
        self._pending: asyncio.TimerHandle | None = None

    def opened_one(self) -> int:
        """Count a connection just opened; returns the mark to give ``closed_one`` later."""
        self.opened += 1
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.call_later(FREEZE_DELAY, self.freeze)
        return self.freezes

    def closed_one(self, mark: int) -> None:
        """Count a connection closed, opened when ``opened_one`` returned ``mark``."""
        if mark == self.freezes:
            self.opened -= 1  # not frozen yet: the collector still sees its objects
            return
        self.closed += 1
        if self.closed >= max(REFRESH_MIN, REFRESH_SHARE * self.frozen):
            self.refresh()

    def freeze(self) -> None:
        """Move what is alive now out of the collector's sight, young garbage collected first."""
        self._pending = None
        gc.collect(1)
        gc.freeze()
        self.frozen += self.opened
        self.opened = 0
        self.freezes += 1

    def refresh(self) -> None:
        """Let the collector free what the closed connections left, then freeze again."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.frozen = max(0, self.frozen - self.closed)
        self.closed = 0
        self.refreshes += 1


heap = Heap()
