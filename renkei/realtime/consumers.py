"""The live connection of a signed-in session.

The connection listens to its session, its member and each space the member belongs to.
Events carry ids only; for each one the consumer checks again, as the member, that they may
still read the space and builds the message through the timeline's queries before sending
anything (renkei.realtime.payloads). The connections of this process that receive the same
event are answered together, with one database call for all of them (renkei.realtime.batching).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.sessions import InstanceSessionWrapper

from renkei.realtime import payloads
from renkei.realtime.batching import Batcher
from renkei.realtime.heap import heap

# Close codes in the application range: the client shows "signed out" and stops reconnecting.
CLOSE_SIGNED_OUT = 4401

_open_viewer = database_sync_to_async(payloads.open_viewer)
_subscribed_space_ids = database_sync_to_async(payloads.subscribed_space_ids)
_catch_up_messages = database_sync_to_async(payloads.catch_up_messages)
_unread_notifications_for = database_sync_to_async(payloads.unread_notifications_for)


def _encoded_space_event_messages(
    viewers: Sequence[payloads.Viewer], event: dict[str, Any]
) -> list[list[str]]:
    """``payloads.space_event_messages_for`` as the text frames to send: a list of messages
    shared by several connections (one member's tabs and devices) is encoded once."""
    encoded: dict[int, list[str]] = {}
    out = []
    for messages in payloads.space_event_messages_for(viewers, event):
        key = id(messages)
        if key not in encoded:
            encoded[key] = [json.dumps(message) for message in messages]
        out.append(encoded[key])
    return out


_space_event_frames_for = database_sync_to_async(_encoded_space_event_messages)


async def _space_event_batch(key: Hashable, viewers: Sequence[payloads.Viewer]) -> list[list[str]]:
    return await _space_event_frames_for(viewers, json.loads(str(key)))


async def _unread_batch(key: Hashable, viewers: Sequence[payloads.Viewer]) -> list[int]:
    return await _unread_notifications_for(viewers)


# One event, many connections: keyed by the event itself.
_space_events: Batcher[payloads.Viewer, list[str]] = Batcher(_space_event_batch)
# Badges: every connection told "something arrived" at about the same time.
_unread: Batcher[payloads.Viewer, int] = Batcher(_unread_batch)


@functools.lru_cache(maxsize=256)
def _notification_frame(unread: int) -> str:
    """The badge message, encoded once per count: the same text goes to many connections."""
    return json.dumps({"type": "notification", "unread": unread})


def space_group(space_id: int) -> str:
    return f"space.{space_id}"


def _frames_send(send: Callable[[dict[str, Any]], Awaitable[None]]) -> Any:
    """The server's own send for a connection's frames, past Channels' session middleware.

    That middleware wraps send to save the session and set its cookie on an HTTP response; a
    WebSocket message only passes through it, after checks on the lazy session that cost more
    than the rest of sending a frame (a post is hundreds of frames)."""
    wrapper = getattr(send, "__self__", None)
    if isinstance(wrapper, InstanceSessionWrapper) and (
        set(wrapper.save_message_types) | set(wrapper.cookie_response_message_types)
    ) <= {"http.response.start"}:
        return getattr(wrapper, "real_send", send)
    return send


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """One browser tab or app connection; it lives only as long as its session (R1.2, R2.5)."""

    viewer: payloads.Viewer | None = None
    base_send: Callable[[dict[str, Any]], Awaitable[None]]

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
        self.base_send = _frames_send(self.base_send)
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
        self.heap_mark: int | None = heap.opened_one()
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
        mark = getattr(self, "heap_mark", None)
        if mark is not None:
            self.heap_mark = None
            heap.closed_one(mark)
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
        for frame in await _space_events.ask(key, self.viewer):
            await self.send(text_data=frame)

    async def member_spaces_changed(self, event: dict[str, Any]) -> None:
        if self.viewer is None:
            return
        await self._follow_spaces()
        await self.send_json({"type": "spaces"})

    async def member_notified(self, event: dict[str, Any]) -> None:
        if self.viewer is None:
            return
        unread = await _unread.ask("unread", self.viewer)
        await self.send(text_data=_notification_frame(unread))
