"""The live connection of a signed-in session."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from renkei.accounts.models import UserSession

# Close codes in the application range: the client shows "signed out" and stops reconnecting.
CLOSE_SIGNED_OUT = 4401


@database_sync_to_async
def _open_session_for(session_key: str | None, member_id: int | None) -> bool:
    if not session_key or member_id is None:
        return False
    return UserSession.objects.filter(
        session_key=session_key, member_id=member_id, ended_at__isnull=True
    ).exists()


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """One browser tab or app connection; it lives only as long as its session (R1.2, R2.5)."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        session = self.scope.get("session")
        session_key = getattr(session, "session_key", None)
        member_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
        if not await _open_session_for(session_key, member_id):
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.session_key = session_key
        self.groups_joined = [f"session.{session_key}", f"member.{member_id}"]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello"})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content == {"type": "ping"}:
            await self.send_json({"type": "pong"})

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "session_ended", "reason": event.get("reason", "")})
        await self.close(code=CLOSE_SIGNED_OUT)
