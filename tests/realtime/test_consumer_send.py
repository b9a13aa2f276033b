"""A live connection's frames go straight to the server, past the session middleware that
only acts on HTTP responses; a wrapper that would act on WebSocket messages is kept."""

from __future__ import annotations

from typing import Any

from channels.sessions import InstanceSessionWrapper

from renkei.realtime.consumers import _frames_send


async def _server_send(message: dict[str, Any]) -> None:
    return None


def _wrapper(cls: type[InstanceSessionWrapper] = InstanceSessionWrapper) -> Any:
    return cls({"type": "websocket", "cookies": {}}, _server_send)


def test_frames_skip_the_session_wrapper():
    assert _frames_send(_wrapper().send) is _server_send


def test_a_wrapper_that_acts_on_websocket_messages_is_kept():
    class SavesOnAccept(InstanceSessionWrapper):
        save_message_types = ["http.response.start", "websocket.accept"]

    send = _wrapper(SavesOnAccept).send
    assert _frames_send(send) is send


def test_any_other_send_is_kept():
    assert _frames_send(_server_send) is _server_send
