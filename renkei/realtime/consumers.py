"""The live connection of a signed-in session.

The connection listens to its session, its member and each space the member belongs to.
Events carry ids only; for each one the consumer checks again, as the member, that they may
still read the space and builds the message through the timeline's queries before sending
anything (renkei.realtime.payloads). The connections of this process that receive the same
event are answered together, with one database call for all of them (renkei.realtime.batching).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from renkei.realtime import payloads
from renkei.realtime.batching import Batcher

# Close codes in the application range: the client shows "signed out" and stops reconnecting.
CLOSE_SIGNED_OUT = 4401

_open_viewer = database_sync_to_async(payloads.open_viewer)
_subscribed_space_ids = database_sync_to_async(payloads.subscribed_space_ids)
_space_event_messages_for = database_sync_to_async(payloads.space_event_messages_for)
_catch_up_messages = database_sync_to_async(payloads.catch_up_messages)
_unread_notifications_for = database_sync_to_async(payloads.unread_notifications_for)


async def _space_event_batch(
    key: Hashable, viewers: Sequence[payloads.Viewer]
) -> list[list[dict[str, Any]]]:
    return await _space_event_messages_for(viewers, json.loads(str(key)))


async def _unread_batch(key: Hashable, viewers: Sequence[payloads.Viewer]) -> list[int]:
    return await _unread_notifications_for(viewers)


# One event, many connections: keyed by the event itself.
_space_events: Batcher[payloads.Viewer, list[dict[str, Any]]] = Batcher(_space_event_batch)
# Badges: every connection told "something arrived" at about the same time.
_unread: Batcher[payloads.Viewer, int] = Batcher(_unread_batch)


def space_group(space_id: int) -> str:
    return f"space.{space_id}"


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """One browser tab or app connection; it lives only as long as its session (R1.2, R2.5)."""

    viewer: payloads.Viewer | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its hop to a thread before every message to close stale
        database connections: every database call here goes through
        ``database_sync_to_async``, which does that itself, and most messages (a post heard by
        thousands of connections, answered in batches) need no database of their own."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        user = self.scope.get("user")
        session = self.scope.get("session")
        session_key = getattr(session, "session_key", None)
        member_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
        viewer = await _open_viewer(session_key, member_id, session)
        if viewer is None:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.viewer = viewer
        self.groups_joined: list[str] = [f"session.{session_key}", f"member.{member_id}"]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.space_ids: set[int] = set()
        await self._follow_spaces()
        await self.accept()
        await self.send_json({"type": "hello"})

    async def _follow_spaces(self) -> None:
        """Join the groups of the member's spaces now and leave those they no longer have."""
        assert self.viewer is not None
        current = await _subscribed_space_ids(self.viewer)
        for space_id in sorted(current - self.space_ids):
            await self.channel_layer.group_add(space_group(space_id), self.channel_name)
        for space_id in sorted(self.space_ids - current):
            await self.channel_layer.group_discard(space_group(space_id), self.channel_name)
        self.space_ids = current

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        for space_id in getattr(self, "space_ids", set()):
            await self.channel_layer.group_discard(space_group(space_id), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or self.viewer is None:
            return
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        elif content.get("type") == "catch_up":
            for message in await _catch_up_messages(
                self.viewer, content.get("space"), content.get("after")
            ):
                await self.send_json(message)

    # Channel-layer events -------------------------------------------------------------------

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "session_ended", "reason": event.get("reason", "")})
        await self.close(code=CLOSE_SIGNED_OUT)

    async def space_event(self, event: dict[str, Any]) -> None:
        if self.viewer is None or event.get("space_id") not in self.space_ids:
            return
        key = json.dumps(event, sort_keys=True, default=str)
        for message in await _space_events.ask(key, self.viewer):
            await self.send_json(message)

    async def member_spaces_changed(self, event: dict[str, Any]) -> None:
        if self.viewer is None:
            return
        await self._follow_spaces()
        await self.send_json({"type": "spaces"})

    async def member_notified(self, event: dict[str, Any]) -> None:
        if self.viewer is None:
            return
        unread = await _unread.ask("unread", self.viewer)
        await self.send_json({"type": "notification", "unread": unread})
